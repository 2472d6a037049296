//! Conflicts between the file rules of one profile: two rules that can
//! match the same path must not run it in different ways.
//!
//! As in the reference matcher, a rule whose path has no glob characters
//! takes precedence over glob rules, so a literal path never conflicts with
//! a glob; two literals conflict only when equal. `owner` rules govern the
//! owner's accesses, `other` rules everyone else's, plain rules both.

use super::file::{exec_mode, split_perms, ExecMode};
use super::glob::Glob;
use super::{Checker, FileEntry};
use crate::diag::{Diagnostic, Span};
use crate::syntax::ast::{ExecSafety, Owner, Rule, RuleKind};

pub use super::file::EXEC_CONFLICT;

struct ExecRule {
    globs: Vec<Glob>,
    literal: bool,
    mode: ExecMode,
    target: Option<String>,
    owner_side: bool,
    other_side: bool,
    span: Span,
    path_span: Span,
}

fn describe(m: &ExecMode, target: &Option<String>) -> String {
    let mut s = String::new();
    let k = if m.unsafe_ || m.kind == 'i' {
        m.kind
    } else {
        m.kind.to_ascii_uppercase()
    };
    s.push(k);
    if let Some(f) = m.fallback {
        s.push(if m.fallback_unsafe {
            f
        } else {
            f.to_ascii_uppercase()
        });
    }
    s.push('x');
    if let Some(t) = target {
        s.push_str(" -> ");
        s.push_str(t);
    }
    s
}

pub fn check(c: &mut Checker, files: &[FileEntry]) {
    let mut rules = Vec::new();
    for e in files {
        if e.prefix.is_deny() {
            continue;
        }
        let (mode, target, globs, path_span) = match e.rule {
            Some(rule) => {
                let perms = split_perms(&rule.perms.value);
                let Some(mode) = perms
                    .exec
                    .iter()
                    .find_map(|(tok, _)| exec_mode(tok, rule.safety.map(|s| s.0)))
                else {
                    continue;
                };
                let globs = c.path_globs(&rule.path);
                let target = rule.target.as_ref().map(|t| t.value.clone());
                (mode, target, globs, rule.path.span)
            }
            // `file,` is `/{**,} rwlkm ix`.
            None => {
                let Some(mode) = exec_mode("ix", None) else {
                    continue;
                };
                let globs = Glob::parse("/{**,}").into_iter().collect();
                (mode, None, globs, e.span)
            }
        };
        if globs.is_empty() {
            continue;
        }
        let literal = globs.iter().all(Glob::is_literal);
        let (owner_side, other_side) = match e.prefix.owner {
            Some((Owner::Owner, _)) => (true, false),
            Some((Owner::Other, _)) => (false, true),
            None => (true, true),
        };
        rules.push(ExecRule {
            globs,
            literal,
            mode,
            target,
            owner_side,
            other_side,
            span: e.span,
            path_span,
        });
    }
    let mut reported = std::collections::HashSet::new();
    for (i, a) in rules.iter().enumerate() {
        for b in &rules[i + 1..] {
            if a.mode == b.mode && a.target == b.target {
                continue;
            }
            if !((a.owner_side && b.owner_side) || (a.other_side && b.other_side)) {
                continue;
            }
            if a.literal != b.literal {
                continue;
            }
            let overlap = a
                .globs
                .iter()
                .any(|ga| b.globs.iter().any(|gb| ga.overlaps(gb)));
            if !overlap || !reported.insert(b.span) {
                continue;
            }
            let (ma, mb) = (describe(&a.mode, &a.target), describe(&b.mode, &b.target));
            c.diags.push(
                Diagnostic::error(
                    EXEC_CONFLICT,
                    format!("exec rules conflict: `{mb}` here, `{ma}` for an overlapping path"),
                )
                .at(b.path_span, "a path this rule matches...")
                .with_secondary(a.path_span, "...is also matched here")
                .with_help(
                    "make the paths disjoint, or give both rules the same exec mode and target",
                ),
            );
        }
    }
}

/// `change_profile` rules for one exec path must agree on `safe`/`unsafe`.
pub fn check_change_profile(c: &mut Checker, rules: &[&Rule]) {
    let mut seen: Vec<(String, bool, Span)> = Vec::new();
    for r in rules {
        let RuleKind::ChangeProfile {
            safety,
            exec: Some(exec),
            ..
        } = &r.kind
        else {
            continue;
        };
        let unsafe_ = matches!(safety, Some((ExecSafety::Unsafe, _)));
        match seen.iter().find(|(e, _, _)| *e == exec.value) {
            Some((_, prev, prev_span)) if *prev != unsafe_ => c.diags.push(
                Diagnostic::error(
                    EXEC_CONFLICT,
                    format!(
                        "`change_profile` rules for `{}` disagree on `unsafe`",
                        exec.value
                    ),
                )
                .at(exec.span, if unsafe_ { "unsafe here" } else { "safe here" })
                .with_secondary(*prev_span, if *prev { "unsafe here" } else { "safe here" })
                .with_help("give every rule for this exec path the same `safe`/`unsafe` keyword"),
            ),
            Some(_) => {}
            None => seen.push((exec.value.clone(), unsafe_, exec.span)),
        }
    }
}
