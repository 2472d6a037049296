//! Variable expansion of one word: what [`super::Checker::expansions`]
//! computes, apart from the variable table, so it can be tested against a
//! plain reference implementation.
//!
//! In skeleton mode the word and every value are skeletons
//! ([`super::glob::skeleton`]), and so is every literal piece of a word between
//! its references. The skeleton of a concatenation of skeletons is their
//! concatenation with the `x` meeting at a seam dropped: a skeleton is
//! made of `x`, special characters and whole `@{...}` references (which
//! end in `}`), never holds `xx`, and holds `@` only inside a reference,
//! so a seam can neither start nor cut a reference; the one change is two
//! ordinary runs meeting. Joining so spares building the raw text and
//! scanning it again.

use std::sync::Arc;

use super::{vars, EXPANSION_BUDGET};

/// At most this many texts per round and per word.
const MAX: usize = 64;

/// What is left of [`EXPANSION_BUDGET`].
struct Budget(usize);

impl Budget {
    fn spend(&mut self, len: usize) -> Option<()> {
        self.0 = self.0.checked_sub(len)?;
        Some(())
    }
}

/// The texts a word's references are filled in to so far: text `i` is
/// `text[ends[i - 1].0..ends[i].0]`, of `ends[i].1` bytes before joining
/// (what the budget is charged: the bytes of the raw concatenation).
struct Partials {
    text: String,
    ends: Vec<(usize, usize)>,
}

impl Partials {
    /// Room for a typical round: growing step by step costs more.
    fn new() -> Partials {
        Partials {
            text: String::with_capacity(1024),
            ends: Vec::with_capacity(MAX),
        }
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Each text with its raw length.
    fn iter(&self) -> impl Iterator<Item = (&str, usize)> {
        let mut start = 0;
        self.ends.iter().map(move |&(end, raw)| {
            let s = &self.text[start..end];
            start = end;
            (s, raw)
        })
    }
}

/// The values of the names a word uses, each asked of the table once per
/// word: a name is used again by every text of every round, and the table
/// answers alike (and records a name once). Few names, so a list.
struct Lookups<F> {
    ask: F,
    known: Vec<(Box<str>, Arc<[String]>)>,
}

impl<F: FnMut(&str) -> Arc<[String]>> Lookups<F> {
    fn get(&mut self, name: &str) -> Arc<[String]> {
        if let Some((_, v)) = self.known.iter().find(|(n, _)| &**n == name) {
            return Arc::clone(v);
        }
        let v = (self.ask)(name);
        self.known.push((name.into(), Arc::clone(&v)));
        v
    }
}

/// Append `piece` to `buf`, whose text being built starts at `from`;
/// when `skeletons`, an `x` meeting an `x` is dropped (see the module
/// comment).
fn join(buf: &mut String, from: usize, piece: &str, skeletons: bool) {
    let seam = skeletons
        && buf.len() > from
        && buf.as_bytes().last() == Some(&b'x')
        && piece.as_bytes().first() == Some(&b'x');
    buf.push_str(if seam { &piece[1..] } else { piece });
}

/// The distinct texts `text` expands to (see
/// [`super::Checker::expansions`]); `values` gives a variable's values,
/// shaped alike, and is asked once per name, in the order of first use.
/// When `skeletons`, `text` must be a skeleton.
pub(super) fn expansions(
    text: &str,
    skeletons: bool,
    values: impl FnMut(&str) -> Arc<[String]>,
) -> Option<Vec<String>> {
    // Most words have no reference: skip the round's buffers (issue 13).
    if !vars::has_reference(text) {
        return Some(vec![text.to_string()]);
    }
    let mut values = Lookups {
        ask: values,
        known: Vec::new(),
    };
    let mut budget = Budget(EXPANSION_BUDGET);
    let mut out = vec![text.to_string()];
    let mut bufs = (Partials::new(), Partials::new());
    for _ in 0..16 {
        let mut changed = false;
        let mut next: Vec<String> = Vec::new();
        for s in out {
            if !vars::has_reference(&s) {
                next.push(s);
                continue;
            }
            changed = true;
            fill(
                &s,
                skeletons,
                &mut values,
                &mut budget,
                &mut bufs,
                &mut next,
            )?;
        }
        // Equal strings are alike, so an unstable sort sorts the same.
        next.sort_unstable();
        next.dedup();
        next.truncate(MAX);
        out = next;
        if !changed {
            return Some(out);
        }
    }
    out.retain(|s| !vars::has_reference(s));
    Some(out)
}

/// Push onto `next` the texts one round makes of `s`: each reference
/// replaced by each value, at most [`MAX`] combinations.
fn fill<F: FnMut(&str) -> Arc<[String]>>(
    s: &str,
    skeletons: bool,
    values: &mut Lookups<F>,
    budget: &mut Budget,
    (partial, grown): &mut (Partials, Partials),
    next: &mut Vec<String>,
) -> Option<()> {
    partial.clear();
    partial.ends.push((0, 0));
    let mut last = 0;
    for (name, start, end) in vars::reference_iter(s) {
        let vals = values.get(name);
        let lit = &s[last..start];
        grown.clear();
        'fill: for (p, raw) in partial.iter() {
            for v in vals.iter() {
                let from = grown.text.len();
                grown.text.push_str(p);
                join(&mut grown.text, from, lit, skeletons);
                join(&mut grown.text, from, v, skeletons);
                let raw = raw + lit.len() + v.len();
                budget.spend(raw)?;
                grown.ends.push((grown.text.len(), raw));
                if grown.len() == MAX {
                    break 'fill;
                }
            }
        }
        std::mem::swap(partial, grown);
        last = end;
    }
    let tail = &s[last..];
    for (p, _) in partial.iter() {
        let mut t = String::with_capacity(p.len() + tail.len());
        t.push_str(p);
        join(&mut t, 0, tail, skeletons);
        budget.spend(t.len())?;
        next.push(t);
    }
    Some(())
}

/// The expansion as first written, kept to test [`expansions`] against.
#[cfg(test)]
fn reference(
    text: &str,
    skeletons: bool,
    values: &mut impl FnMut(&str) -> Arc<[String]>,
) -> Option<Vec<String>> {
    let shape = if skeletons {
        super::glob::skeleton
    } else {
        str::to_string
    };
    let mut budget = EXPANSION_BUDGET;
    let mut spend = |s: &str| -> Option<()> {
        budget = budget.checked_sub(s.len())?;
        Some(())
    };
    let mut out = vec![text.to_string()];
    for _ in 0..16 {
        let mut changed = false;
        let mut next: Vec<String> = Vec::new();
        for s in &out {
            if !vars::has_reference(s) {
                next.push(s.clone());
                continue;
            }
            changed = true;
            let mut partial = vec![String::new()];
            let mut last = 0;
            for (name, start, end) in vars::reference_iter(s) {
                let values = values(name);
                let lit = &s[last..start];
                let mut grown = Vec::new();
                'fill: for p in &partial {
                    for v in values.iter() {
                        let mut t = String::with_capacity(p.len() + lit.len() + v.len());
                        t.push_str(p);
                        t.push_str(lit);
                        t.push_str(v);
                        spend(&t)?;
                        grown.push(t);
                        if grown.len() == MAX {
                            break 'fill;
                        }
                    }
                }
                partial = grown;
                last = end;
            }
            for p in partial {
                let t = shape(&(p + &s[last..]));
                spend(&t)?;
                next.push(t);
            }
        }
        next.sort();
        next.dedup();
        next.truncate(MAX);
        out = next;
        if !changed {
            return Some(out);
        }
    }
    out.retain(|s| !vars::has_reference(s));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::HashMap;

    /// A small deterministic generator (xorshift), enough to vary words.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Pieces words are made of: references (known, unknown, cut off),
    /// specials, ordinary runs (multi-byte too), `x` at the edges.
    const PIECES: &[&str] = &[
        "@{a}", "@{b}", "@{c}", "@{d}", "@{e}", "@{f}", "@{g}", "@{none}", "@{", "}", "{", ",",
        "x", "xx", "/", "/usr/", "*", "**", "é", "ü/", "[", "]", "^", "-", "\\", "@", "a}",
        "{a,b}", "@{@{a}", "", "x@{a}x",
    ];

    fn word(rng: &mut Rng, pieces: usize) -> String {
        (0..rng.below(pieces + 1))
            .map(|_| PIECES[rng.below(PIECES.len())])
            .collect()
    }

    /// A table for the names `a` to `g` (some left out: unknown), with
    /// sets of several sizes, empty ones, recursion and long values.
    fn table(rng: &mut Rng) -> HashMap<String, Vec<String>> {
        let mut t = HashMap::default();
        for name in ["a", "b", "c", "d", "e", "f", "g"] {
            let vals = match rng.below(12) {
                0 => continue,
                1 => Vec::new(),
                2 => vec![format!("@{{{name}}}")],
                3 => vec!["é".repeat(40_000 + rng.below(3) * 100_000)],
                4 => (0..20).map(|i| format!("/v{i}x@{{a}}")).collect(),
                _ => (0..1 + rng.below(9)).map(|_| word(rng, 4)).collect(),
            };
            t.insert(name.to_string(), vals);
        }
        t
    }

    /// What `Checker::shaped` gives for `name`.
    fn shaped(t: &HashMap<String, Vec<String>>, name: &str, skeletons: bool) -> Arc<[String]> {
        let mut v: Vec<String> = match t.get(name) {
            Some(vals) if !vals.is_empty() => vals
                .iter()
                .map(|v| {
                    if skeletons {
                        super::super::glob::skeleton(v)
                    } else {
                        v.clone()
                    }
                })
                .collect(),
            _ => vec!["x".to_string()],
        };
        v.sort();
        v.dedup();
        v.into()
    }

    fn compare(
        t: &HashMap<String, Vec<String>>,
        text: &str,
        skeletons: bool,
    ) -> Option<Vec<String>> {
        let text = if skeletons {
            super::super::glob::skeleton(text)
        } else {
            text.to_string()
        };
        let (mut asked_new, mut asked_old) = (Vec::new(), Vec::new());
        let new = expansions(&text, skeletons, |n: &str| {
            asked_new.push(n.to_string());
            shaped(t, n, skeletons)
        });
        let old = reference(&text, skeletons, &mut |n: &str| {
            asked_old.push(n.to_string());
            shaped(t, n, skeletons)
        });
        assert_eq!(new, old, "{text:?} skeletons={skeletons} {t:?}");
        // Asked once per name, in the order of first use.
        let mut first = Vec::new();
        for n in asked_old {
            if !first.contains(&n) {
                first.push(n);
            }
        }
        assert_eq!(asked_new, first, "{text:?}");
        new
    }

    #[test]
    fn expansions_match_the_reference() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..300 {
            let t = table(&mut rng);
            for _ in 0..10 {
                let w = word(&mut rng, 8);
                compare(&t, &w, true);
                compare(&t, &w, false);
            }
        }
    }

    #[test]
    fn expansions_match_the_reference_at_the_edges() {
        let mut t: HashMap<String, Vec<String>> = HashMap::default();
        let set = |t: &mut HashMap<String, Vec<String>>, n: &str, v: &[&str]| {
            t.insert(n.to_string(), v.iter().map(|s| s.to_string()).collect());
        };
        set(&mut t, "a", &["@{a}"]);
        set(&mut t, "b", &["x", "y", "", "z/", "/é"]);
        set(&mut t, "c", &["@{", "b}", "{x,y}"]);
        set(&mut t, "d", &["@{d}@{d}"]);
        set(&mut t, "e", &[]);
        set(&mut t, "f", &[&"ab".repeat(300_000), "c"]);
        set(&mut t, "g", &["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        // Charged twice (filled in, then finished): at the budget, and over.
        let half = "-".repeat(EXPANSION_BUDGET / 2);
        set(&mut t, "h", &[&half]);
        set(&mut t, "i", &[&(half.clone() + "-")]);
        for w in [
            "",
            "plain",
            "@{a}",
            "@{d}",
            "x@{b}x",
            "@{b}@{b}@{b}",
            "@{c}a}",
            "@{c}@{b}",
            "@{e}@{none}",
            "@{f}",
            "@{f}@{f}",
            "@{g}@{g}@{g}/@{b}",
            "{@{b},@{g}}",
            "é@{b}é",
            "@{b",
            "@{@{b}}",
            "@{h}",
            "@{i}",
            "x@{h}x",
        ] {
            compare(&t, w, true);
            compare(&t, w, false);
        }
        assert!(compare(&t, "@{h}", true).is_some());
        assert!(compare(&t, "@{i}", true).is_none());
        assert!(compare(&t, "@{f}", false).is_none());
        assert_eq!(
            compare(&t, "@{g}@{g}@{g}", false).map(|v| v.len()),
            Some(64)
        );
        assert_eq!(compare(&t, "@{a}", false), Some(Vec::new()));
    }
}
