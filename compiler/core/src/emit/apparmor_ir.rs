//! [`Policy`] -> AppArmor text: the policy becomes an AppArmor syntax tree
//! printed by [`emit_tree`], which refuses a tree whose text would not read
//! back as the same rules (the last guard against rule injection).
//!
//! Layout: `include <tunables/global>`, then `profile NAME [ATTACH]
//! [flags=(...)] {` with file rules, capabilities, network, signals,
//! ptrace, mount, and the `apparmor { }` rules, each group in source order
//! (bases first).

use super::apparmor::emit_tree;
use crate::diag::{Diagnostic, Span};
use crate::ir::{FileAccess, MountRule, Policy};
use crate::syntax::ast::*;

fn word(text: &str, span: Span) -> Word {
    let needs_quotes = text.chars().any(|c| c.is_whitespace());
    let raw = if needs_quotes {
        format!("\"{text}\"")
    } else {
        text.to_string()
    };
    Word::new(&raw, text, needs_quotes, span)
}

fn prefix(deny: bool, owner: bool, audit: bool, span: Span) -> Prefix {
    Prefix::from(Qualifiers {
        priority: None,
        audit: audit.then_some(span),
        mode: deny.then_some((RuleMode::Deny, span)),
        owner: owner.then_some((Owner::Owner, span)),
    })
}

fn rule(prefix: Prefix, kind: RuleKind, span: Span) -> Item {
    Item::Rule(Rule {
        span,
        prefix,
        keyword: Some(span),
        kind,
    })
}

fn cond(name: &str, value: CondValue, span: Span) -> Cond {
    Cond {
        span,
        name: word(name, span),
        op: CondOp::Eq,
        value,
    }
}

fn list(words: &[String], span: Span) -> ParenList {
    ParenList {
        span,
        items: words
            .iter()
            .map(|w| ListItem::Value(word(w, span)))
            .collect(),
    }
}

/// The syntax tree of a policy.
pub fn tree(p: &Policy) -> File {
    let s = p.name_span;
    let mut items = Vec::new();
    if let Some(profile) = &p.apparmor_profile {
        let mut file_items = p.preamble.clone();
        file_items.push(Item::Profile(Box::new(profile.clone())));
        return File {
            file: s.file,
            items: file_items,
            comments: Vec::new(),
        };
    }
    for f in &p.files {
        let kind = if f.access == FileAccess::AnyFile {
            RuleKind::BareFile
        } else {
            RuleKind::File(FileRule {
                file_keyword: false,
                safety: None,
                path: word(&f.path, f.span),
                perms: word(f.perms(), f.span),
                perms_first: false,
                subset: None,
                target: None,
            })
        };
        items.push(rule(prefix(f.deny, f.owner, f.audit, f.span), kind, f.span));
    }
    for deny in [false, true] {
        let caps: Vec<Word> = p
            .capabilities
            .iter()
            .filter(|c| c.deny == deny)
            .map(|c| word(&c.name, c.span))
            .collect();
        if let Some(first) = caps.first() {
            let span = first.span;
            items.push(rule(
                prefix(deny, false, false, span),
                RuleKind::Capability(caps),
                span,
            ));
        }
    }
    for n in &p.network {
        let words = [&n.family, &n.sock_type, &n.protocol]
            .into_iter()
            .flatten()
            .map(|w| word(w, n.span))
            .collect();
        items.push(rule(
            prefix(n.deny, false, false, n.span),
            RuleKind::Network {
                access: None,
                words,
                conds: Vec::new(),
            },
            n.span,
        ));
    }
    for sig in &p.signals {
        let mut conds = Vec::new();
        if !sig.signals.is_empty() {
            conds.push(cond(
                "set",
                CondValue::List(list(&sig.signals, sig.span)),
                sig.span,
            ));
        }
        if let Some(peer) = &sig.peer {
            conds.push(cond("peer", CondValue::One(word(peer, sig.span)), sig.span));
        }
        items.push(rule(
            prefix(sig.deny, false, false, sig.span),
            RuleKind::Mediated {
                class: Class::Signal,
                access: Some(Access {
                    span: sig.span,
                    words: vec![word(sig.access, sig.span)],
                    parenthesized: true,
                }),
                conds,
            },
            sig.span,
        ));
    }
    for pt in &p.ptrace {
        let access = (!pt.access.is_empty()).then(|| Access {
            span: pt.span,
            words: pt.access.iter().map(|a| word(a, pt.span)).collect(),
            parenthesized: true,
        });
        let conds = pt
            .peer
            .iter()
            .map(|peer| cond("peer", CondValue::One(word(peer, pt.span)), pt.span))
            .collect();
        items.push(rule(
            prefix(pt.deny, false, false, pt.span),
            RuleKind::Mediated {
                class: Class::Ptrace,
                access,
                conds,
            },
            pt.span,
        ));
    }
    for m in &p.mount {
        match m {
            MountRule::DenyAll(span) => {
                let none = Vec::new;
                for kind in [
                    RuleKind::Mount {
                        conds: none(),
                        source: None,
                        arrow: None,
                        target_conds: none(),
                        target: None,
                    },
                    RuleKind::Umount {
                        conds: none(),
                        target: None,
                    },
                    RuleKind::PivotRoot {
                        conds: none(),
                        new_root: None,
                        target: None,
                    },
                ] {
                    items.push(rule(prefix(true, false, false, *span), kind, *span));
                }
            }
            MountRule::Mount {
                fstype,
                target,
                span,
            } => items.push(rule(
                prefix(false, false, false, *span),
                RuleKind::Mount {
                    conds: vec![cond("fstype", CondValue::One(word(fstype, *span)), *span)],
                    source: None,
                    arrow: Some(*span),
                    target_conds: Vec::new(),
                    target: Some(Box::new(word(target, *span))),
                },
                *span,
            )),
            MountRule::Umount { target, span } => items.push(rule(
                prefix(false, false, false, *span),
                RuleKind::Umount {
                    conds: Vec::new(),
                    target: Some(word(target, *span)),
                },
                *span,
            )),
        }
    }
    items.extend(p.native.iter().cloned());
    let mut flags: Vec<String> = Vec::new();
    if p.mode == crate::ir::Mode::Complain {
        flags.push("complain".into());
    }
    flags.extend(p.flags.iter().cloned());
    let profile = Profile {
        span: s,
        keyword: ProfileKeyword::Profile,
        keyword_span: Some(s),
        name: word(&p.name, s),
        attachment: p.attach.as_ref().map(|a| word(a, s)),
        xattrs: None,
        identities: Vec::new(),
        flags: (!flags.is_empty()).then(|| list(&flags, s)),
        items,
        open_brace: s,
        close_brace: s,
    };
    File {
        file: s.file,
        items: vec![
            Item::Include(Include {
                span: s,
                target: IncludeTarget::Search("tunables/global".into()),
                target_span: s,
                if_exists: false,
                hash: None,
            }),
            Item::Profile(Box::new(profile)),
        ],
        comments: Vec::new(),
    }
}

/// The AppArmor text of a policy.
pub fn emit(p: &Policy) -> Result<String, Box<Diagnostic>> {
    emit_tree(&tree(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceMap;
    use crate::ir::{FileRule, Mode};

    fn policy(path: &str) -> Policy {
        let mut sources = SourceMap::new();
        let id = sources.add("t.confine", "confine t {}");
        let span = Span::new(id, 8, 9);
        Policy {
            name: "t".into(),
            name_span: span,
            source: id,
            mode: Mode::Complain,
            attach: None,
            flags: Vec::new(),
            files: vec![FileRule {
                path: path.into(),
                access: FileAccess::Read,
                deny: false,
                owner: false,
                audit: false,
                span,
            }],
            capabilities: Vec::new(),
            network: Vec::new(),
            signals: Vec::new(),
            ptrace: Vec::new(),
            mount: Vec::new(),
            native: Vec::new(),
            preamble: Vec::new(),
            apparmor_profile: None,
            seccomp: None,
            expectations: Vec::new(),
        }
    }

    #[test]
    fn prints_a_policy() {
        assert_eq!(
            emit(&policy("/srv/a b")).unwrap(),
            "include <tunables/global>\nprofile t flags=(complain) {\n  \"/srv/a b\" r,\n}\n"
        );
    }

    /// The last guard: a value that slipped past the checks cannot add a
    /// rule, because the printed text must read back as the same rules.
    #[test]
    fn refuses_a_path_that_would_inject_a_rule() {
        // With spaces the value is quoted: one (odd) path, no new rule.
        assert_eq!(
            emit(&policy("/tmp/a r, capability sys_admin, /b")).unwrap(),
            "include <tunables/global>\nprofile t flags=(complain) {\n  \"/tmp/a r, capability sys_admin, /b\" r,\n}\n"
        );
        let d = emit(&policy("/tmp/a\"b")).unwrap_err();
        assert_eq!(d.code, crate::diag::codes::FMT_REFUSED);
        assert_eq!(
            d.message,
            "the printed policy does not read back as the same rules"
        );
    }
}
