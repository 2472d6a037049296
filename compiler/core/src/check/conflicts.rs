//! Conflicts between the file rules of one profile: two rules that can
//! match the same path must not run it in different ways.
//!
//! As in the reference matcher, a rule whose path has no glob characters
//! takes precedence over glob rules, so a literal path never conflicts with
//! a glob; two literals conflict only when equal. `owner` rules govern the
//! owner's accesses, `other` rules everyone else's, plain rules both.

use super::file::{exec_mode, split_perms, ExecMode};
use super::glob::Glob;
use super::{Checker, FileEntry, PathGlob};
use crate::diag::{Diagnostic, Span};
use crate::syntax::ast::{ExecSafety, Rule, RuleKind, RuleMode};
use std::sync::Arc;

pub use super::file::EXEC_CONFLICT;
pub use crate::diag::codes::EXEC_CONFLICTS_UNCHECKED as CONFLICTS_UNCHECKED;

/// Glob pairs tested for overlap per profile. Pairs are first filtered by
/// their fixed prefixes (in sorted order, so the filter is not itself
/// quadratic); a profile whose globs all share a prefix would otherwise
/// cost a product of two automata per pair.
const MAX_OVERLAP_TESTS: usize = 20_000;

struct ExecRule<'a> {
    globs: Arc<[PathGlob]>,
    literal: bool,
    mode: ExecMode,
    target: Option<&'a str>,
    owner_side: bool,
    other_side: bool,
    priority: i64,
    /// Prompt rules are a set of their own: they conflict with each other,
    /// not with allow rules.
    prompt: bool,
    span: Span,
    path_span: Span,
}

fn describe(m: &ExecMode, target: Option<&str>) -> String {
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

/// `files` may leave out rules that cannot conflict: deny rules and rules
/// without exec permissions.
pub fn check(c: &mut Checker, files: &[FileEntry]) {
    // First the exec modes alone: paths are expanded and parsed only if
    // two rules could disagree.
    let mut found = Vec::new();
    for e in files {
        if e.prefix.is_deny() {
            continue;
        }
        let (mode, target) = match e.rule {
            Some(rule) => {
                let perms = split_perms(rule.perms.value());
                let Some(mode) = perms
                    .exec()
                    .find_map(|(tok, _)| exec_mode(tok, rule.safety.as_deref().map(|s| s.0)))
                else {
                    continue;
                };
                (mode, rule.target.as_ref().map(|t| t.value()))
            }
            // `file,` is `/{**,} rwlkm ix`.
            None => {
                let Some(mode) = exec_mode("ix", None) else {
                    continue;
                };
                (mode, None)
            }
        };
        found.push((e, mode, target));
    }
    // Rules that all agree in mode, target, priority and prompt cannot
    // conflict; with few enough of them every pair would be listed, so
    // the check is complete without looking at a path.
    let same = |(x, m, t): &(&FileEntry, ExecMode, Option<&str>),
                (y, n, u): &(&FileEntry, ExecMode, Option<&str>)| {
        m == n && t == u && x.priority == y.priority && prompt(x) == prompt(y)
    };
    // `other` inside an `owner` block: nothing is left.
    let sided = |e: &FileEntry| e.prefix.owner_side || e.prefix.other_side;
    let mut kept = found.iter().filter(|f| sided(f.0));
    let n = kept.clone().count();
    if n * n.saturating_sub(1) / 2 <= 4 * MAX_OVERLAP_TESTS
        && kept.next().is_none_or(|first| kept.all(|f| same(first, f)))
    {
        // Expanded all the same, for what expanding reports.
        for (e, _, _) in &found {
            if let Some(rule) = e.rule {
                c.expand_shared(&rule.path);
            }
        }
        return;
    }
    let mut rules = Vec::new();
    for (e, mode, target) in found {
        let (globs, path_span) = match e.rule {
            Some(rule) => (c.path_globs(&rule.path), rule.path.span),
            None => {
                let globs = Glob::parse("/{**,}")
                    .into_iter()
                    .map(|g| PathGlob {
                        text: "/{**,}".into(),
                        glob: g.into(),
                    })
                    .collect();
                (globs, e.span)
            }
        };
        if globs.is_empty() || !sided(e) {
            continue;
        }
        let literal = globs.iter().all(|g| g.glob.is_literal());
        rules.push(ExecRule {
            globs,
            literal,
            mode,
            target,
            owner_side: e.prefix.owner_side,
            other_side: e.prefix.other_side,
            priority: e.priority,
            prompt: prompt(e),
            span: e.span,
            path_span,
        });
    }
    let (pairs, complete) = candidate_pairs(&rules);
    let mut reported = crate::hashing::HashSet::default();
    let mut tests = 0;
    for (i, j) in pairs {
        let (a, b) = (&rules[i], &rules[j]);
        if (a.mode == b.mode && a.target == b.target)
            || a.priority != b.priority
            || a.prompt != b.prompt
        {
            continue;
        }
        if !((a.owner_side && b.owner_side) || (a.other_side && b.other_side)) {
            continue;
        }
        if a.literal != b.literal || reported.contains(&b.span) {
            continue;
        }
        tests += 1;
        if tests > MAX_OVERLAP_TESTS {
            unchecked(c, a.span);
            return;
        }
        let overlap = a
            .globs
            .iter()
            .any(|ga| b.globs.iter().any(|gb| c.overlaps(ga, gb)));
        if !overlap || !reported.insert(b.span) {
            continue;
        }
        let (ma, mb) = (describe(&a.mode, a.target), describe(&b.mode, b.target));
        c.diags.push(
            Diagnostic::error(
                EXEC_CONFLICT,
                format!("exec rules conflict: `{mb}` here, `{ma}` for an overlapping path"),
            )
            .at(b.path_span, "a path this rule matches...")
            .with_secondary(a.path_span, "...is also matched here")
            .with_help("make the paths disjoint, or give both rules the same exec mode and target"),
        );
    }
    if !complete {
        if let Some(r) = rules.first() {
            unchecked(c, r.span);
        }
    }
}

fn prompt(e: &FileEntry) -> bool {
    matches!(e.prefix.mode, Some((RuleMode::Prompt, _)))
}

fn unchecked(c: &mut Checker, at: Span) {
    c.diags.push(
        Diagnostic::warning(
            CONFLICTS_UNCHECKED,
            "too many overlapping exec rules to check every pair for conflicts",
        )
        .at(at, "in this profile")
        .with_help("some pairs of exec rules were not compared; split the profile or merge rules with the same exec mode"),
    );
}

/// Pairs `(i, j)`, `i < j`, of rules that may overlap, in the order the
/// quadratic loop would visit them: two globs can match a common path only
/// when one's fixed prefix starts the other's (and two fixed texts only
/// when equal). Also whether every such pair is in the list.
fn candidate_pairs(rules: &[ExecRule<'_>]) -> (Vec<(usize, usize)>, bool) {
    let mut items: Vec<(&[u8], bool, usize)> = rules
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r.globs.iter().map(move |g| {
                let (p, fixed) = g.glob.fixed_prefix();
                (p, fixed, i)
            })
        })
        .collect();
    items.sort();
    let mut pairs = Vec::new();
    let mut seen = PairSet::new(rules.len());
    let mut complete = true;
    'outer: for (k, (pa, fa, ia)) in items.iter().enumerate() {
        for (pb, _, ib) in &items[k + 1..] {
            if !pb.starts_with(pa) {
                break;
            }
            // A fixed text matches only itself: nothing longer overlaps it.
            if ia == ib || (*fa && pa != pb) {
                continue;
            }
            let pair = ((*ia).min(*ib), (*ia).max(*ib));
            if !seen.insert(pair) {
                continue;
            }
            pairs.push(pair);
            if pairs.len() > 4 * MAX_OVERLAP_TESTS {
                complete = false;
                break 'outer;
            }
        }
    }
    pairs.sort_unstable();
    (pairs, complete)
}

/// Rule pairs already listed: a bit matrix for the usual profile, a hash
/// set past [`PairSet::BITS`] rules (the matrix would be too big).
enum PairSet {
    Bits(Vec<u64>, usize),
    Hash(crate::hashing::HashSet<(usize, usize)>),
}

impl PairSet {
    const BITS: usize = 4096;

    fn new(n: usize) -> PairSet {
        if n <= Self::BITS {
            PairSet::Bits(vec![0; (n * n).div_ceil(64)], n)
        } else {
            PairSet::Hash(Default::default())
        }
    }

    /// False if `pair` was already in.
    fn insert(&mut self, (i, j): (usize, usize)) -> bool {
        match self {
            PairSet::Bits(bits, n) => {
                let k = i * *n + j;
                let (word, bit) = (k / 64, 1u64 << (k % 64));
                let new = bits[word] & bit == 0;
                bits[word] |= bit;
                new
            }
            PairSet::Hash(set) => set.insert((i, j)),
        }
    }
}

/// `change_profile` rules for one exec path must agree on `safe`/`unsafe`.
/// Rules of different `priority=` do not disagree: the higher one wins.
pub fn check_change_profile(c: &mut Checker, rules: &[&Rule]) {
    let mut seen: crate::hashing::HashMap<(&str, i64), (bool, Span)> =
        crate::hashing::HashMap::default();
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
        let priority: i64 = r
            .prefix
            .priority
            .as_ref()
            .and_then(|(w, _)| w.value().parse().ok())
            .unwrap_or(0);
        match seen.get(&(exec.value(), priority)) {
            Some((prev, prev_span)) if *prev != unsafe_ => c.diags.push(
                Diagnostic::error(
                    EXEC_CONFLICT,
                    format!(
                        "`change_profile` rules for `{}` disagree on `unsafe`",
                        exec.value()
                    ),
                )
                .at(exec.span, if unsafe_ { "unsafe here" } else { "safe here" })
                .with_secondary(*prev_span, if *prev { "unsafe here" } else { "safe here" })
                .with_help("give every rule for this exec path the same `safe`/`unsafe` keyword"),
            ),
            Some(_) => {}
            None => {
                seen.insert((exec.value(), priority), (unsafe_, exec.span));
            }
        }
    }
}
