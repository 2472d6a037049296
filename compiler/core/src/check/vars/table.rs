//! A profile's variable table: the preamble's table, shared with every
//! profile that starts from it (the session's memo holds it), and the
//! names the profile defined or changed over it. Copying the tunables'
//! hundreds of entries into each profile's table cost more than all the
//! lookups the split adds.

use std::sync::Arc;

use super::Var;
use crate::hashing::HashMap;

/// Variables by name, one table.
pub type Table = HashMap<Arc<str>, Var>;

/// Variables by name (without `@{}` / `${}`): `own` over `base`.
#[derive(Default, Debug)]
pub struct Vars {
    base: Arc<Table>,
    own: Table,
}

impl Vars {
    /// A table that starts as `base`.
    pub(super) fn on(base: Arc<Table>) -> Vars {
        Vars {
            base,
            own: Table::default(),
        }
    }

    /// The whole table as one shared map (to keep in the memo); later
    /// changes go over it.
    pub(super) fn share(&mut self) -> Arc<Table> {
        if !self.own.is_empty() {
            let mut all = Table::clone(&self.base);
            all.extend(self.own.drain());
            self.base = Arc::new(all);
        }
        Arc::clone(&self.base)
    }

    pub fn get(&self, name: &str) -> Option<&Var> {
        self.own.get(name).or_else(|| self.base.get(name))
    }

    pub fn get_key_value(&self, name: &str) -> Option<(&Arc<str>, &Var)> {
        self.own
            .get_key_value(name)
            .or_else(|| self.base.get_key_value(name))
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.own.contains_key(name) || self.base.contains_key(name)
    }

    pub fn is_empty(&self) -> bool {
        self.own.is_empty() && self.base.is_empty()
    }

    /// Every name once, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &Arc<str>> {
        let base = self.base.keys().filter(|k| !self.own.contains_key(&***k));
        self.own.keys().chain(base)
    }

    /// `name`'s entry to change, copied over the base first.
    pub(super) fn get_mut(&mut self, name: &str) -> Option<&mut Var> {
        if !self.own.contains_key(name) {
            let (k, v) = self.base.get_key_value(name)?;
            self.own.insert(Arc::clone(k), v.clone());
        }
        self.own.get_mut(name)
    }

    pub(super) fn insert(&mut self, name: Arc<str>, var: Var) {
        self.own.insert(name, var);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::vars::{Value, Values};
    use crate::diag::{FileId, Span};

    fn var(value: Value) -> Var {
        Var {
            value,
            def: Span::new(FileId(0), 0, 0),
        }
    }

    fn set() -> Var {
        var(Value::Set(Values::default()))
    }

    #[test]
    fn own_names_go_over_the_base() {
        let mut base = Table::default();
        base.insert("a".into(), set());
        base.insert("b".into(), set());
        let mut v = Vars::on(Arc::new(base));
        v.insert("b".into(), var(Value::Bool(true)));
        v.insert("c".into(), set());
        assert!(matches!(
            v.get("b").map(|v| &v.value),
            Some(Value::Bool(true))
        ));
        assert!(v.get_mut("a").is_some() && v.get_mut("z").is_none());
        let mut keys: Vec<&str> = v.keys().map(|k| &**k).collect();
        keys.sort();
        assert_eq!(keys, ["a", "b", "c"]);
        let shared = v.share();
        assert_eq!(shared.len(), 3);
        assert!(matches!(
            v.get("b").map(|v| &v.value),
            Some(Value::Bool(true))
        ));
    }
}
