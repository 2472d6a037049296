//! Profile headers: names and namespaces, attachments, flags, xattrs, and
//! duplicate profiles.

use crate::hashing::HashMap;

use super::tables::{self, suggest};
use super::Checker;
use crate::diag::{Diagnostic, Span};
use crate::syntax::ast::*;

pub use crate::diag::codes::CONFLICTING_PROFILE_FLAGS as CONFLICTING_FLAGS;
pub use crate::diag::codes::DUPLICATE_PROFILE;
pub use crate::diag::codes::EMPTY_PROFILE_FLAGS as EMPTY_FLAGS;
pub use crate::diag::codes::HAT_XATTRS;
pub use crate::diag::codes::INVALID_ATTACHMENT as BAD_ATTACHMENT;
pub use crate::diag::codes::INVALID_PROFILE_FLAG_VALUE as BAD_FLAG_VALUE;
pub use crate::diag::codes::INVALID_PROFILE_NAME as BAD_PROFILE_NAME;
pub use crate::diag::codes::RULE_OUTSIDE_PROFILE;
pub use crate::diag::codes::UNKNOWN_PROFILE_FLAG as UNKNOWN_FLAG;

/// Namespace and name of a profile label: `:ns:name`, `:ns://name`, `name`.
pub fn split_label(label: &str) -> Result<(Option<&str>, &str), &'static str> {
    let Some(rest) = label.strip_prefix(':') else {
        return Ok((None, label));
    };
    let Some(end) = rest.find(':') else {
        return Err("the namespace has no closing `:`");
    };
    let ns = &rest[..end];
    if ns.is_empty() {
        return Err("the namespace name is empty");
    }
    let name = rest[end + 1..].trim_start_matches("//");
    if name.is_empty() {
        return Err("a namespace needs a profile name after it");
    }
    Ok((Some(ns), name))
}

pub fn check_header(c: &mut Checker, p: &Profile, parent: Option<&Profile>) {
    let name = &p.name;
    match split_label(name.value()) {
        Err(why) => c.diags.push(
            Diagnostic::error(
                BAD_PROFILE_NAME,
                format!("invalid profile name `{}`", name.raw()),
            )
            .at(name.span, why)
            .with_help("write a namespace as `:ns:name`"),
        ),
        Ok((ns, _)) => {
            let top_bare = p.keyword == ProfileKeyword::None && parent.is_none();
            if top_bare
                && ns.is_none()
                && !name.value().starts_with('/')
                && !name.value().starts_with(':')
            {
                c.diags.push(
                    Diagnostic::error(
                        BAD_PROFILE_NAME,
                        format!("`{}` needs the `profile` keyword", name.raw()),
                    )
                    .at(name.span, "not a path, and no `profile` keyword")
                    .with_help(format!(
                        "a name without `/` is written `profile {} {{`; a bare name must be an absolute path",
                        name.raw()
                    )),
                );
            }
        }
    }
    if let Some(a) = &p.attachment {
        if !(a.value().starts_with('/') || a.value().starts_with("@{")) {
            c.diags.push(
                Diagnostic::error(
                    BAD_ATTACHMENT,
                    format!("attachment `{}` is not an absolute path", a.raw()),
                )
                .at(a.span, "must begin with `/` or a variable"),
            );
        }
    }
    if let Some(x) = &p.xattrs {
        if matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret) {
            c.diags.push(
                Diagnostic::error(HAT_XATTRS, "hats cannot match on xattrs")
                    .at(x.span, "xattrs on a hat"),
            );
        }
    }
    if let Some(flags) = &p.flags {
        check_flags(c, flags);
    }
}

fn check_flags(c: &mut Checker, flags: &ParenList) {
    let mut seen: Vec<(String, Span)> = Vec::new();
    if flags.items.is_empty() {
        c.diags.push(
            Diagnostic::error(EMPTY_FLAGS, "empty flags list")
                .at(flags.span, "no flags")
                .with_help("remove the empty `flags=()` or name a flag such as `complain`"),
        );
    }
    let mut mode: Option<(String, Span)> = None;
    for item in &flags.items {
        let (name, value, span) = match item {
            ListItem::Value(w) => match w.value().split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string()), w.span),
                None => (w.value().to_string(), None, w.span),
            },
            ListItem::Cond(cond) => {
                let v = match &cond.value {
                    CondValue::One(w) => w.value().to_string(),
                    CondValue::List(_) => String::new(),
                };
                (cond.name.value().to_string(), Some(v), cond.span)
            }
        };
        match (name.as_str(), value) {
            (n, None) if tables::PROFILE_MODES.contains(&n) => {
                if let Some((prev, prev_span)) = mode.as_ref().filter(|(m, _)| m != n) {
                    c.diags.push(
                        Diagnostic::error(
                            CONFLICTING_FLAGS,
                            format!("profile mode `{n}` conflicts with `{prev}`"),
                        )
                        .at(span, "second mode")
                        .with_secondary(*prev_span, "first mode")
                        .with_help("a profile has one mode: enforce, complain, kill, unconfined, prompt or default_allow"),
                    );
                } else if mode.is_none() {
                    mode = Some((n.to_string(), span));
                }
            }
            (n, None) if tables::PROFILE_FLAGS.contains(&n) => {
                // `attach_disconnected.ipc` is a form of `attach_disconnected`.
                if let Some((base, _)) = n.split_once('.') {
                    seen.push((base.to_string(), span));
                }
            }
            ("error", Some(v)) => {
                if !tables::ERRNOS.contains(&v.as_str()) {
                    c.diags.push(
                        Diagnostic::error(BAD_FLAG_VALUE, format!("`{v}` is not an errno name"))
                            .at(span, "expected a name such as `EPERM`")
                            .with_help("write `error=EACCES`; numbers are not accepted"),
                    );
                }
            }
            ("kill.signal", Some(v)) => {
                if !tables::is_signal(&v) {
                    c.diags.push(
                        Diagnostic::error(BAD_FLAG_VALUE, format!("`{v}` is not a signal name"))
                            .at(span, "expected a signal such as `term` or `kill`"),
                    );
                }
            }
            ("attach_disconnected.path" | "attach_disconnected.ipc", Some(v)) => {
                let values = c.expand(&Word::new(&v, &v, false, span));
                if values.iter().any(|x| !x.starts_with('/')) {
                    c.diags.push(
                        Diagnostic::error(BAD_FLAG_VALUE, format!("`{v}` is not an absolute path"))
                            .at(span, "the path must begin with `/`"),
                    );
                }
                let base = name.split('.').next().unwrap_or_default().to_string();
                seen.push((base, span));
            }
            (n, _) => {
                let mut known: Vec<&str> = tables::PROFILE_MODES.to_vec();
                known.extend(tables::PROFILE_FLAGS);
                known.extend([
                    "error",
                    "kill.signal",
                    "attach_disconnected.path",
                    "attach_disconnected.ipc",
                ]);
                let mut d = Diagnostic::error(UNKNOWN_FLAG, format!("unknown profile flag `{n}`"))
                    .at(span, "not a profile flag");
                if let Some(s) = suggest(n, &known) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                c.diags.push(d);
            }
        }
        seen.push((name, span));
    }
    for (a, b) in tables::FLAG_CONFLICTS {
        let fa = seen.iter().find(|(n, _)| n == a);
        let fb = seen.iter().find(|(n, _)| n == b);
        if let (Some((_, sa)), Some((_, sb))) = (fa, fb) {
            c.diags.push(
                Diagnostic::error(
                    CONFLICTING_FLAGS,
                    format!("flags `{a}` and `{b}` contradict each other"),
                )
                .at(*sb, "conflicting flag")
                .with_secondary(*sa, "conflicts with this"),
            );
        }
    }
}

/// Two profiles with the same (namespace, name) at one level.
pub fn check_siblings(c: &mut Checker, profiles: &[&Profile], parent: Option<&Profile>) {
    let mut seen: HashMap<(Option<String>, String), Span> = HashMap::default();
    for p in profiles {
        let Ok((ns, name)) = split_label(p.name.value()) else {
            continue;
        };
        let key = (ns.map(str::to_string), name.to_string());
        if let Some(prev) = seen.get(&key) {
            let what = if parent.is_some() {
                "child profile"
            } else {
                "profile"
            };
            c.diags.push(
                Diagnostic::error(
                    DUPLICATE_PROFILE,
                    format!("{what} `{}` is defined twice", p.name.value()),
                )
                .at(p.name.span, "defined again here")
                .with_secondary(*prev, "first defined here")
                .with_help("merge the two profiles or rename one"),
            );
        } else {
            seen.insert(key, p.name.span);
        }
    }
}
