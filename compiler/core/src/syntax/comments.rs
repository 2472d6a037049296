//! Where `#` does not start a comment. `apparmor_parser`'s lexer reads `#`
//! as an ordinary character in some of its states: inside network, unix,
//! dbus, signal, ptrace, userns, mqueue, mount, remount, umount,
//! change_profile and rlimit rules (from the keyword to the rule's `,`),
//! inside a profile's `flags=(...)`, and between `abi` or `include` and the
//! target. (After `profile` or `hat` a `#` starts the name itself: the
//! grammar reads it so.) A "comment" there
//! makes the reference fail, so it is an error here too, with a message
//! that says why. Everywhere else (file, link, capability, pivot_root and
//! io_uring rules, headers after the name, assignments) `#` starts a
//! comment, as the grammar reads it.

use crate::diag::{codes, Diagnostic, Span};

use super::ast::{Class, File, Item, Profile, RuleKind};

/// A stretch of text in which `#` is no comment, and what to call it.
struct Zone {
    start: u32,
    end: u32,
    what: &'static str,
}

/// An error for every comment of `file` that starts inside a zone.
pub fn misplaced(file: &File) -> Vec<Diagnostic> {
    if file.comments.is_empty() {
        return Vec::new();
    }
    let mut zones = Vec::new();
    collect(&file.items, &mut zones);
    let mut out = Vec::new();
    for c in &file.comments {
        let Some(z) = zones.iter().find(|z| z.start < c.start && c.start < z.end) else {
            continue;
        };
        let hash = Span {
            file: c.file,
            start: c.start,
            end: c.start + 1,
        };
        out.push(
            Diagnostic::error(
                codes::SYNTAX_ERROR,
                format!("`#` does not start a comment inside {}", z.what),
            )
            .at(hash, "read as part of the rule, not as a comment")
            .with_help("apparmor_parser reads `#` as an ordinary character here; put the comment on its own line, or after the rule's `,`"),
        );
    }
    out
}

fn rule_name(kind: &RuleKind) -> Option<&'static str> {
    Some(match kind {
        RuleKind::Network { .. } => "a `network` rule",
        RuleKind::Mediated { class, .. } => match class {
            Class::Unix => "a `unix` rule",
            Class::Dbus => "a `dbus` rule",
            Class::Signal => "a `signal` rule",
            Class::Ptrace => "a `ptrace` rule",
            Class::Userns => "a `userns` rule",
            Class::IoUring => return None,
        },
        RuleKind::Mqueue { .. } => "an `mqueue` rule",
        RuleKind::Mount { .. } => "a `mount` rule",
        RuleKind::Remount { .. } => "a `remount` rule",
        RuleKind::Umount { .. } => "an `umount` rule",
        RuleKind::ChangeProfile { .. } => "a `change_profile` rule",
        _ => return None,
    })
}

fn collect(items: &[Item], zones: &mut Vec<Zone>) {
    for item in items {
        match item {
            Item::Rule(r) => {
                if let (Some(what), Some(kw)) = (rule_name(&r.kind), r.keyword) {
                    zones.push(Zone {
                        start: kw.end,
                        end: r.span.end,
                        what,
                    });
                }
            }
            Item::Rlimit(r) => zones.push(Zone {
                start: r.span.start,
                end: r.span.end,
                what: "an rlimit rule",
            }),
            Item::Abi(a) => zones.push(Zone {
                start: a.span.start,
                end: a.target_span.start,
                what: "an `abi` rule",
            }),
            Item::Include(i) => zones.push(Zone {
                start: i.span.start,
                end: i.target_span.start,
                what: "an `include`",
            }),
            Item::Profile(p) => profile(p, zones),
            Item::Block(b) => collect(&b.items, zones),
            Item::If(i) => {
                collect(&i.then, zones);
                let mut next = i.otherwise.as_ref();
                while let Some(e) = next {
                    match e {
                        super::ast::Else::Block(items, _) => {
                            collect(items, zones);
                            next = None;
                        }
                        super::ast::Else::If(inner) => {
                            collect(&inner.then, zones);
                            next = inner.otherwise.as_ref();
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn profile(p: &Profile, zones: &mut Vec<Zone>) {
    if let Some(f) = &p.flags {
        zones.push(Zone {
            start: f.span.start,
            end: f.span.end,
            what: "a profile's flags",
        });
    }
    collect(&p.items, zones);
}
