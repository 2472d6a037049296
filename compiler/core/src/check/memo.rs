//! What the checker computes about single words, kept across the checks of
//! one session.
//!
//! Every profile of a run includes the same abstractions and tunables, so
//! the same words are expanded and validated again and again. A word's
//! expansions depend only on its text and on the variables the expansion
//! looks up, so each result is stored with its trace: the names looked up
//! and, for each, an id of the values it had ([`VarIds`]). A later check
//! reuses a result only when every traced name has the same values in its
//! own variable table. The trace is recorded while expanding (not guessed
//! from the text), so a reference formed only after substitution is in it
//! too. Nothing here knows a file or a span: an edited file gives new texts
//! and new values, never a stale hit, so nothing needs invalidating.
//!
//! Glob parses and glob overlaps depend on their texts alone.

use crate::hashing::HashMap;
use std::sync::Arc;

use super::glob::{Glob, GlobError};
use super::vars::{Symbols, Value};

/// The id of a variable that has no values to substitute (undefined, a
/// boolean, or an empty set): expansion puts `x` in its place.
const NO_SET: u32 = 0;

/// Results kept per word text, for different variable tables; the oldest
/// is dropped past this (words that use a per-profile variable).
const VARIANTS: usize = 8;

/// Entries kept in all before the memo starts over (checked between two
/// checks), so that a long editor session stays bounded.
const MAX_ENTRIES: usize = 1 << 18;

/// A result and the variables it was computed from.
pub(super) struct Traced<T> {
    deps: Vec<(Box<str>, u32)>,
    value: T,
}

/// The per-session store; a [`Session`](crate::session::Session) keeps one.
#[derive(Default)]
pub struct Memo {
    /// Value-set ids by [`VarIds::key`].
    values: HashMap<Vec<u8>, u32>,
    /// [`VarIds`]'s scratch, kept grown across checks.
    key: Vec<u8>,
    /// [`VarIds`]'s ids of one check, kept empty between checks.
    ids: HashMap<String, u32>,
    pub(super) tables: Tables,
    pub(super) scratch: Scratch,
}

/// Maps that hold for one check only (they depend on its variable
/// table), kept empty between checks: each check of a batch would
/// otherwise allocate them and grow them step by step again (issue 13).
#[derive(Default)]
pub(super) struct Scratch {
    pub expanded: HashMap<String, Arc<[String]>>,
    pub glob_errors: HashMap<String, Option<GlobError>>,
    pub globs: HashMap<String, Arc<[super::PathGlob]>>,
    pub shaped: [HashMap<String, Arc<[String]>>; 2],
}

/// Entries a scratch map keeps room for between checks: an outsized
/// check does not keep its memory for the rest of the session.
const SCRATCH_ROOM: usize = 4096;

/// Empty `map`, keeping its room up to [`SCRATCH_ROOM`].
fn emptied<K, V>(map: &mut HashMap<K, V>) {
    if map.capacity() > SCRATCH_ROOM {
        *map = HashMap::default();
    } else {
        map.clear();
    }
}

impl Scratch {
    /// Emptied for the next check.
    pub(super) fn emptied(mut self) -> Scratch {
        emptied(&mut self.expanded);
        emptied(&mut self.glob_errors);
        emptied(&mut self.globs);
        for m in &mut self.shaped {
            emptied(m);
        }
        self
    }
}

impl Memo {
    /// Entries held (for the bound, and for tests).
    pub fn len(&self) -> usize {
        self.tables.entries
            + self.values.len()
            + self.tables.preambles.len()
            + self.tables.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Start over if the memo has grown past its bound.
    pub(super) fn bound(&mut self) {
        if self.len() > MAX_ENTRIES {
            *self = Memo::default();
        }
    }

    /// Split for one check: the value ids of `syms`, and the tables.
    pub(super) fn open<'s>(self, syms: &'s Symbols) -> (VarIds<'s>, Tables, Scratch) {
        let Memo {
            values,
            key,
            ids,
            tables,
            scratch,
        } = self;
        (
            VarIds {
                syms,
                ids,
                values,
                key,
            },
            tables,
            scratch,
        )
    }

    pub(super) fn close(ids: VarIds, tables: Tables, scratch: Scratch) -> Memo {
        let mut own = ids.ids;
        emptied(&mut own);
        Memo {
            values: ids.values,
            key: ids.key,
            ids: own,
            tables,
            scratch: scratch.emptied(),
        }
    }
}

/// Results by word text, each with its trace.
pub(super) type ByWord<T> = HashMap<String, Vec<Traced<T>>>;

#[derive(Default)]
pub(super) struct Tables {
    /// Expansions of a word text; `None`: over the budget.
    pub expansions: ByWord<Option<Arc<[String]>>>,
    /// The first glob error among the expansions of a word's skeleton,
    /// by skeleton; `None`: over the budget.
    pub verdicts: ByWord<Option<Option<GlobError>>>,
    /// A path text parsed as a glob (`None`: not a valid glob).
    pub globs: HashMap<Arc<str>, Option<Arc<Glob>>>,
    /// Whether some path matches both glob texts.
    pub overlaps: HashMap<(Arc<str>, Arc<str>), bool>,
    /// Variable tables of top-level includes (see [`super::vars::Preambles`]).
    pub preambles: super::vars::Preambles,
    /// Variable names used by runs of included rules ([`super::vars::RunNames`]).
    pub names: super::vars::RunNames,
    /// What checking a stretch of an included file's rules gave, by where
    /// it stands and the context it was checked in (see [`super::Run`]).
    pub runs: HashMap<super::RunKey, Vec<Traced<super::Run>>>,
    /// The globs of an expansion list ([`list_key`]), which the entry
    /// holds, so that its address names no other list meanwhile.
    pub path_globs: HashMap<usize, ListGlobs>,
    /// Results held in all the tables.
    pub entries: usize,
}

/// An expansion list and its globs ([`Tables::path_globs`]).
pub(super) type ListGlobs = (Arc<[String]>, Arc<[super::PathGlob]>);

/// The key of an expansion list shared through [`Tables::expansions`]:
/// its address. Lists equal in content but not shared miss, which costs
/// only the globs computed again.
pub(super) fn list_key(list: &Arc<[String]>) -> usize {
    Arc::as_ptr(list) as *const String as usize
}

impl Tables {
    /// The result stored for `key` whose trace agrees with `ids`; its trace
    /// is added to `sink`, if any.
    pub fn find<T: Clone>(
        table: &ByWord<T>,
        key: &str,
        ids: &mut VarIds,
        sink: Option<&mut Vec<(Box<str>, u32)>>,
    ) -> Option<T> {
        let t = table.get(key)?.iter().find(|t| ids.agrees(&t.deps))?;
        if let Some(sink) = sink {
            merge_deps(sink, &t.deps);
        }
        Some(t.value.clone())
    }

    /// The run stored for `key` whose trace agrees with `ids` and that was
    /// checked in the same tree (`file`).
    pub fn find_run<'t>(
        &'t self,
        key: &super::RunKey,
        file: &Arc<crate::syntax::ast::File>,
        ids: &mut VarIds,
    ) -> Option<&'t super::Run> {
        self.runs
            .get(key)?
            .iter()
            .find(|t| Arc::ptr_eq(&t.value.tree, file) && ids.agrees(&t.deps))
            .map(|t| &t.value)
    }

    pub fn store_run(&mut self, key: super::RunKey, deps: Vec<(Box<str>, u32)>, run: super::Run) {
        let list = self.runs.entry(key).or_default();
        if list.len() == VARIANTS {
            list.remove(0);
        } else {
            self.entries += 1;
        }
        list.push(Traced { deps, value: run });
    }

    pub fn store<T>(
        table: &mut ByWord<T>,
        entries: &mut usize,
        key: &str,
        deps: Vec<(Box<str>, u32)>,
        value: T,
    ) {
        let list = match table.get_mut(key) {
            Some(list) => list,
            None => table.entry(key.to_string()).or_default(),
        };
        if list.len() == VARIANTS {
            list.remove(0);
        } else {
            *entries += 1;
        }
        list.push(Traced { deps, value });
    }

    pub fn glob(&mut self, text: &Arc<str>) -> Option<Arc<Glob>> {
        if let Some(g) = self.globs.get(text) {
            return g.clone();
        }
        let g = Glob::parse(text).ok().map(Arc::new);
        self.globs.insert(Arc::clone(text), g.clone());
        self.entries += 1;
        g
    }

    pub fn overlaps(&mut self, a: (&Arc<str>, &Glob), b: (&Arc<str>, &Glob)) -> bool {
        // Most pairs differ at an end: no need to hash their texts.
        if !a.1.may_overlap(b.1) {
            return false;
        }
        let key = (Arc::clone(a.0), Arc::clone(b.0));
        if let Some(&v) = self.overlaps.get(&key) {
            return v;
        }
        let v = a.1.overlaps(b.1);
        self.overlaps.insert(key, v);
        self.entries += 1;
        v
    }
}

/// Ids of the values of the variables of one check's table: equal ids,
/// equal values (across the checks of a session).
pub(super) struct VarIds<'s> {
    syms: &'s Symbols,
    ids: HashMap<String, u32>,
    values: HashMap<Vec<u8>, u32>,
    /// Scratch for [`VarIds::key`], kept so that a lookup of a known set
    /// allocates nothing (issue 13).
    key: Vec<u8>,
}

impl VarIds<'_> {
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = match self.syms.vars.get(name).map(|v| &v.value) {
            Some(Value::Set(vals)) if !vals.is_empty() => {
                Self::key(&mut self.key, vals.iter().map(|w| w.value()));
                let next = self.values.len() as u32 + 1;
                match self.values.get(self.key.as_slice()) {
                    Some(&id) => id,
                    None => {
                        self.values.insert(self.key.clone(), next);
                        next
                    }
                }
            }
            _ => NO_SET,
        };
        self.ids.insert(name.to_string(), id);
        id
    }

    /// One byte string for a list of values, equal only for equal lists:
    /// each value preceded by its length.
    fn key<'v>(key: &mut Vec<u8>, vals: impl Iterator<Item = &'v str>) {
        key.clear();
        for v in vals {
            key.extend_from_slice(&(v.len() as u64).to_le_bytes());
            key.extend_from_slice(v.as_bytes());
        }
    }

    /// Whether every traced variable has the same values here.
    fn agrees(&mut self, deps: &[(Box<str>, u32)]) -> bool {
        deps.iter().all(|(name, id)| self.id(name) == *id)
    }

    /// Record that `name` was looked up.
    pub fn trace(&mut self, deps: &mut Vec<(Box<str>, u32)>, name: &str) {
        if !deps.iter().any(|(n, _)| &**n == name) {
            let id = self.id(name);
            deps.push((name.into(), id));
        }
    }
}

/// Add the names of `more` not yet in `deps`.
pub(super) fn merge_deps(deps: &mut Vec<(Box<str>, u32)>, more: &[(Box<str>, u32)]) {
    for (name, id) in more {
        if !deps.iter().any(|(n, _)| n == name) {
            deps.push((name.clone(), *id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(vals: &[&str]) -> Vec<u8> {
        let mut k = vec![9];
        VarIds::key(&mut k, vals.iter().copied());
        k
    }

    #[test]
    fn value_keys_are_equal_only_for_equal_lists() {
        assert_eq!(key(&["/a", "b"]), key(&["/a", "b"]));
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
        assert_ne!(key(&["a", ""]), key(&["a"]));
        assert_ne!(key(&["b", "a"]), key(&["a", "b"]));
        // The scratch is cleared first.
        assert_eq!(key(&[]), Vec::<u8>::new());
    }
}
