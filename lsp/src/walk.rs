//! A visit of every item of a syntax tree, nested ones included.

use profilec_core::syntax::ast::{Else, Item};

/// Calls `f` on each item, before the items inside it.
pub fn items<'a>(list: &'a [Item], f: &mut dyn FnMut(&'a Item)) {
    for item in list {
        f(item);
        match item {
            Item::Profile(p) => items(&p.items, f),
            Item::Block(b) => items(&b.items, f),
            Item::If(i) => {
                items(&i.then, f);
                let mut next = i.otherwise.as_ref();
                while let Some(e) = next {
                    match e {
                        Else::Block(list, _) => {
                            items(list, f);
                            next = None;
                        }
                        Else::If(inner) => {
                            items(&inner.then, f);
                            next = inner.otherwise.as_ref();
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
