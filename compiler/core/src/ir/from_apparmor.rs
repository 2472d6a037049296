//! A checked AppArmor file -> one [`Policy`] per top-level profile, so
//! `profilec build` takes AppArmor inputs beside `.confine` ones. The
//! profile is kept as parsed (its rules are not modelled one by one); the
//! file's preamble (includes, variables, abi) goes with each profile.

use super::{Mode, Policy};
use crate::resolve::Unit;
use crate::syntax::ast::Item;

pub fn lower(unit: &Unit) -> Vec<Policy> {
    let Some(root) = unit.root_file() else {
        return Vec::new();
    };
    let preamble: Vec<Item> = root
        .items
        .iter()
        .filter(|i| !matches!(i, Item::Profile(_)))
        .cloned()
        .collect();
    root.items
        .iter()
        .filter_map(|i| match i {
            Item::Profile(p) => Some(p),
            _ => None,
        })
        .map(|p| {
            let flags: Vec<String> = p
                .flags
                .iter()
                .flat_map(|l| l.items.iter())
                .filter_map(|i| match i {
                    crate::syntax::ast::ListItem::Value(w) => Some(w.value().to_string()),
                    crate::syntax::ast::ListItem::Cond(_) => None,
                })
                .collect();
            Policy {
                name: p.name.value().to_string(),
                name_span: p.name.span,
                source: root.file,
                mode: if flags.iter().any(|f| f == "complain") {
                    Mode::Complain
                } else {
                    Mode::Enforce
                },
                attach: p.attachment.as_ref().map(|w| w.value().to_string()),
                flags,
                files: Vec::new(),
                capabilities: Vec::new(),
                network: Vec::new(),
                signals: Vec::new(),
                ptrace: Vec::new(),
                mount: Vec::new(),
                native: p.items.clone(),
                preamble: preamble.clone(),
                apparmor_profile: Some(crate::syntax::ast::Profile::clone(p)),
                seccomp: None,
                expectations: Vec::new(),
            }
        })
        .collect()
}
