//! `apparmor { ... }` blocks: the rules are parsed by the AppArmor parser
//! and checked by the AppArmor checker, inside a wrapper profile that
//! includes the standard tunables, so `@{HOME}` and friends are defined.
//! The wrapper text keeps the block's bytes at their offsets (everything
//! else blanked), so diagnostics map back onto the `.confine` file by a
//! fixed shift. The parsed items are what the lowering emits: the text is
//! never pasted.

use std::sync::Arc;

use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::input::fs::FileSystem;
use crate::resolve::{Cache, Loader, Options};
use crate::syntax::ast::{File, Item};
use crate::syntax::confine::ast::Native;

const HEAD: &str = "include <tunables/global>\nprofile confine-native {\n";

/// The rules of one block, parsed and checked; `None` when they have errors.
pub fn check(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    opts: &Options,
    cache: &mut Cache,
    file: FileId,
    block: &Native,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Item>> {
    let text = sources.text(file);
    let (start, end) = (block.body.start as usize, block.body.end as usize);
    let mut wrapped = String::with_capacity(HEAD.len() + text.len() + 3);
    wrapped.push_str(HEAD);
    for (i, c) in text.char_indices() {
        if (start..end).contains(&i) {
            wrapped.push(c);
        } else {
            // Same byte length, so offsets stay put.
            for _ in 0..c.len_utf8() {
                wrapped.push(if c == '\n' { '\n' } else { ' ' });
            }
        }
    }
    wrapped.push_str("\n}\n");
    let name = format!("{} (apparmor block)", sources.name(file));
    let id = sources.add(name, wrapped);
    let (unit, mut local) = Loader::new(fs, sources, opts, cache).load_root(id, None);
    local.extend(crate::check::check(&unit, sources));
    let shift = HEAD.len();
    let limit = text_len(sources, file);
    let remap = |s: Span| -> Span {
        if s.file != id {
            return s;
        }
        let a = (s.start as usize).saturating_sub(shift).clamp(start, limit);
        let b = (s.end as usize).saturating_sub(shift).clamp(a, limit);
        Span::new(file, a, b)
    };
    let failed = local.iter().any(Diagnostic::is_error);
    for mut d in local {
        if let Some(p) = &mut d.primary {
            p.span = remap(p.span);
        }
        for s in &mut d.secondary {
            s.span = remap(s.span);
        }
        diags.push(d);
    }
    if failed {
        return None;
    }
    let root: Option<&Arc<File>> = unit.file(id);
    let items = root.and_then(|f| {
        f.items.iter().find_map(|i| match i {
            Item::Profile(p) => Some(p.items.clone()),
            _ => None,
        })
    });
    items
}

fn text_len(sources: &SourceMap, file: FileId) -> usize {
    sources.text(file).len()
}
