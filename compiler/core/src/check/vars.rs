//! Variables: the symbol table built from the preamble, and every use of a
//! variable in profiles checked against it.

use crate::hashing::HashMap;
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::diag::{Diagnostic, Span};
use crate::resolve::{IncludeScope, Unit};
use crate::syntax::ast::*;

mod clean;
mod table;

pub use table::{Table, Vars};

pub use crate::diag::codes::BOOLEAN_ADD_ASSIGN as BOOL_ADD;
pub use crate::diag::codes::BOOLEAN_AS_SET as BOOL_AS_SET;
pub use crate::diag::codes::INVALID_COMPARISON as BAD_COMPARISON;
pub use crate::diag::codes::NO_ATTACHMENT_FOR_VARIABLE as NO_ATTACHMENT_VAR;
pub use crate::diag::codes::PREAMBLE_AFTER_PROFILE;
pub use crate::diag::codes::RECURSIVE_VARIABLE as RECURSIVE;
pub use crate::diag::codes::SET_AS_BOOLEAN as SET_AS_BOOL;
pub use crate::diag::codes::UNDEFINED_VARIABLE as UNDEFINED;
pub use crate::diag::codes::VARIABLE_ADD_UNDECLARED as ADD_UNDECLARED;
pub use crate::diag::codes::VARIABLE_REDEFINED as REDEFINED;

#[derive(Clone, Debug)]
pub enum Value {
    Set(Values),
    Bool(bool),
}

/// The words of a set variable, shared: a table copied from the session's
/// memo of preambles copies no words until one is added to.
#[derive(Clone, Debug, Default)]
pub struct Values(std::sync::Arc<Vec<Word>>);

impl Values {
    fn extend(&mut self, words: &[Word]) {
        std::sync::Arc::make_mut(&mut self.0).extend(words.iter().cloned());
    }
}

impl std::ops::Deref for Values {
    type Target = [Word];
    fn deref(&self) -> &[Word] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Values {
    type Item = &'a Word;
    type IntoIter = std::slice::Iter<'a, Word>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[derive(Clone, Debug)]
pub struct Var {
    pub value: Value,
    pub def: Span,
}

/// Variables by name (without `@{}` / `${}`).
#[derive(Default, Debug)]
pub struct Symbols {
    /// Over the preamble's table, shared with the session's memo.
    pub vars: Vars,
}

/// Names of `@{...}` references inside a token, with their byte ranges.
pub fn references(raw: &str) -> Vec<(String, usize, usize)> {
    reference_iter(raw)
        .map(|(name, s, e)| (name.to_string(), s, e))
        .collect()
}

/// [`references`] without allocating: the names borrow from `raw`.
pub fn reference_iter(raw: &str) -> impl Iterator<Item = (&str, usize, usize)> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let start = i + open_at(raw.get(i..)?)?;
        let len = raw[start + 2..].find('}')?;
        let end = start + 2 + len + 1;
        i = end;
        Some((&raw[start + 2..end - 1], start, end))
    })
}

/// Where the first `@{` of `s` starts: `s.find("@{")`, by a byte search
/// for `@` (a two-byte pattern sets up a substring searcher per call,
/// costly on the short words that are most words).
fn open_at(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'@', b.get(i..)?) {
        if b.get(i + k + 1) == Some(&b'{') {
            return Some(i + k);
        }
        i += k + 1;
    }
    None
}

/// Whether `raw` holds a `@{...}` reference.
pub fn has_reference(raw: &str) -> bool {
    reference_iter(raw).next().is_some()
}

fn sub_span(w: &Word, start: usize, end: usize) -> Span {
    // `raw` is exactly the source text of the span, so offsets carry over.
    Span::new(
        w.span.file,
        w.span.start as usize + start,
        w.span.start as usize + end,
    )
}

/// Variable tables that top-level includes produced from an empty table
/// (the tunables every profile starts with), and their diagnostics, by
/// what the include entered ([`Unit::entered`]): the same files at the
/// same places give the same table (where the root includes them does
/// not matter). Kept by the session's memo. The last part says whether
/// the table is clean (see [`clean`]), worked out when a second profile
/// starts from it: a single profile's full check of its definitions costs
/// less than the test.
pub type Preambles = HashMap<Vec<(u32, u32)>, (Arc<Table>, Vec<Diagnostic>, Option<bool>)>;

/// The variable names each run of an included file's rules uses (a run: a
/// stretch of one items list holding only rules), by the file, the run's
/// start and length, and whether it stands in a qualifier block; with the
/// tree they were read from (a file read again is another tree). They
/// depend on the text alone. Kept by the session's memo.
pub type RunNames = HashMap<(u32, u32, u32, bool), (Arc<File>, Box<[Box<str>]>)>;

pub fn check(unit: &Unit, diags: &mut Vec<Diagnostic>) -> Symbols {
    check_with(
        unit,
        diags,
        &mut Preambles::default(),
        &mut RunNames::default(),
    )
}

/// [`check`], reusing and filling `preambles` and `names`.
pub fn check_with(
    unit: &Unit,
    diags: &mut Vec<Diagnostic>,
    preambles: &mut Preambles,
    names: &mut RunNames,
) -> Symbols {
    let mut syms = Symbols::default();
    let Some(root) = unit.root_file() else {
        return syms;
    };
    let mut first_profile: Option<Span> = None;
    let mut profiles = Vec::new();
    let mut scope = IncludeScope::top(unit);
    // Whether the table the definitions since `touched` started from is
    // clean (the empty one is), and what they named.
    let mut base_clean = true;
    let mut touched: Vec<clean::Touched> = Vec::new();
    for item in &root.items {
        // An include read with nothing defined yet: its table depends only
        // on what it enters.
        let fresh =
            matches!(item, Item::Include(_)) && syms.vars.is_empty() && first_profile.is_none();
        let mut key = None;
        if fresh {
            let mut after = scope.clone();
            // Two entries per file entered, at most: no growing.
            let mut entered = Vec::with_capacity(2 * unit.file_count());
            unit.entered(std::slice::from_ref(item), &mut after, &mut entered);
            at_top_level_anywhere(&mut entered);
            if let Some((vars, ds, clean)) = preambles.get_mut(&entered) {
                syms.vars = Vars::on(Arc::clone(vars));
                diags.extend(ds.iter().cloned());
                scope = after;
                let clean = *clean.get_or_insert_with(|| clean::table(&syms.vars));
                (base_clean, touched) = (clean, Vec::new());
                continue;
            }
            key = Some(entered);
        }
        let before = diags.len();
        let profiles_before = profiles.len();
        unit.for_each_flat(std::slice::from_ref(item), &mut scope, &mut |item| {
            let preamble_span = match item {
                Item::SetAssign(a) => {
                    touched.push((&a.name, syms.vars.contains_key(a.name.as_str())));
                    define_set(&mut syms, a, diags);
                    Some(a.span)
                }
                Item::BoolAssign(a) => {
                    touched.push((&a.name, syms.vars.contains_key(a.name.as_str())));
                    define_bool(&mut syms, a, diags);
                    Some(a.span)
                }
                Item::Alias(a) => Some(a.span),
                Item::Profile(p) => {
                    first_profile.get_or_insert(p.name.span);
                    profiles.push(p);
                    None
                }
                _ => None,
            };
            if let (Some(s), Some(p)) = (preamble_span, first_profile) {
                diags.push(
                    Diagnostic::error(
                        PREAMBLE_AFTER_PROFILE,
                        "variables and aliases must come before the first profile",
                    )
                    .at(s, "after a profile")
                    .with_secondary(p, "first profile here")
                    .with_help("move this line above the first profile"),
                );
            }
        });
        // Kept only when the include held no profile (a profile would be
        // walked later from `profiles`).
        if let (Some(k), true) = (key, profiles.len() == profiles_before) {
            // Not known yet: this profile checks its definitions in full.
            base_clean = false;
            touched.clear();
            let table = syms.vars.share();
            preambles.insert(k, (table, diags[before..].to_vec(), None));
        }
    }
    if let (Some(v), Some(_)) = (syms.vars.get("profile_name"), profiles.first()) {
        diags.push(
            Diagnostic::error(REDEFINED, "`@{profile_name}` cannot be defined")
                .at(v.def, "defined here")
                .with_help("apparmor_parser sets `@{profile_name}` to each profile's name; choose another name"),
        );
    }
    // Variables are expanded where they are used, as the reference does:
    // a definition is checked only when some rule or header uses it. In a
    // clean table no definition reports anything: no uses to collect.
    let quiet = base_clean && clean::still(&syms.vars, &touched);
    let mut used = (!quiet).then(BTreeSet::new);
    for p in profiles {
        check_profile(unit, &syms, p, used.as_mut(), diags, names);
    }
    match used {
        Some(used) => check_definitions(&syms, &used, diags),
        // A test build checks that every definition is indeed quiet.
        None if cfg!(debug_assertions) => {
            let all = syms.vars.keys().map(|k| k.to_string()).collect();
            let mut found = Vec::new();
            check_definitions(&syms, &all, &mut found);
            assert!(found.is_empty(), "a clean table reports {found:?}");
        }
        None => {}
    }
    syms
}

/// Forget where in the root the include stands (the files entered fix
/// what is walked, and nothing in them points at the root): profiles that
/// include the same tunables on different lines share one table.
fn at_top_level_anywhere(entered: &mut [(u32, u32)]) {
    let mut depth = 0usize;
    for (id, start) in entered {
        if *id == u32::MAX {
            depth = depth.saturating_sub(1);
            continue;
        }
        if depth == 0 {
            *start = 0;
        }
        depth += 1;
    }
}

fn define_set(syms: &mut Symbols, a: &SetAssign, diags: &mut Vec<Diagnostic>) {
    // Borrowed, not cloned: a chain of `+=` lines stays linear.
    if a.op == AssignOp::Add {
        if let Some(Var {
            value: Value::Set(vals),
            ..
        }) = syms.vars.get_mut(a.name.as_str())
        {
            vals.extend(&a.values);
            return;
        }
    }
    // What is already there, without copying its values.
    let existing = syms.vars.get(a.name.as_str()).map(|v| match v.value {
        Value::Bool(_) => (true, v.def),
        Value::Set(_) => (false, v.def),
    });
    match (a.op, existing) {
        (AssignOp::Add, None) => diags.push(
            Diagnostic::error(
                ADD_UNDECLARED,
                format!(
                    "`{}` is extended with `+=` before it is defined",
                    a.var.raw()
                ),
            )
            .at(a.op_span, "nothing to add to yet")
            .with_help(format!("define it first: `{} = ...`", a.var.raw())),
        ),
        (AssignOp::Add, Some((true, def))) => diags.push(
            Diagnostic::error(
                BOOL_ADD,
                format!("`{}` is a boolean; `+=` adds to sets", a.name),
            )
            .at(a.op_span, "cannot add to a boolean")
            .with_secondary(def, "defined as a boolean here"),
        ),
        (AssignOp::Add, Some((false, _))) => {
            // Handled above: a set is extended in place.
            if let Some(Var {
                value: Value::Set(vals),
                ..
            }) = syms.vars.get_mut(a.name.as_str())
            {
                vals.extend(&a.values);
            }
        }
        (AssignOp::Set, Some((_, prev))) => diags.push(
            Diagnostic::error(REDEFINED, format!("`{}` is already defined", a.var.raw()))
                .at(a.var.span, "defined again here")
                .with_secondary(prev, "first defined here")
                .with_help("use `+=` to add values, or `:=` to replace them"),
        ),
        (AssignOp::SetIfUnset, Some(_)) => {}
        (_, _) => {
            syms.vars.insert(
                Arc::from(a.name.as_str()),
                Var {
                    value: Value::Set(Values(std::sync::Arc::new(a.values.clone()))),
                    def: a.var.span,
                },
            );
        }
    }
}

fn define_bool(syms: &mut Symbols, a: &BoolAssign, diags: &mut Vec<Diagnostic>) {
    if a.op == AssignOp::Add {
        diags.push(
            Diagnostic::error(
                BOOL_ADD,
                format!("`{}` is a boolean; `+=` adds to sets", a.var.raw()),
            )
            .at(a.op_span, "not allowed for booleans")
            .with_help("assign `true` or `false` with `=`"),
        );
        return;
    }
    let value = eval(&a.expr, syms, diags);
    match (a.op, syms.vars.get(a.name.as_str())) {
        (AssignOp::Set, Some(prev)) => diags.push(
            Diagnostic::error(REDEFINED, format!("`{}` is already defined", a.var.raw()))
                .at(a.var.span, "defined again here")
                .with_secondary(prev.def, "first defined here")
                .with_help("use `:=` to replace the value"),
        ),
        (AssignOp::SetIfUnset, Some(_)) => {}
        _ => {
            syms.vars.insert(
                Arc::from(a.name.as_str()),
                Var {
                    value: Value::Bool(value),
                    def: a.var.span,
                },
            );
        }
    }
}

/// Value of a condition; unknown names are reported and count as false.
pub fn eval(e: &Expr, syms: &Symbols, diags: &mut Vec<Diagnostic>) -> bool {
    match e {
        // Every part is evaluated (no short circuit) so that every unknown
        // name is reported.
        Expr::Or(parts, _) => {
            let values: Vec<bool> = parts.iter().map(|p| eval(p, syms, diags)).collect();
            values.contains(&true)
        }
        Expr::And(parts, _) => {
            let values: Vec<bool> = parts.iter().map(|p| eval(p, syms, diags)).collect();
            !values.contains(&false)
        }
        Expr::Not(inner, _) => !eval(inner, syms, diags),
        Expr::Defined(w, _) => {
            let name = w.raw().trim_start_matches(['@', '$']);
            let name = name.trim_start_matches('{').trim_end_matches('}');
            // apparmor_parser 4.1 takes `defined ${B}` of a boolean as its
            // value: a false boolean is not "defined".
            match syms.vars.get(name) {
                Some(Var {
                    value: Value::Bool(b),
                    ..
                }) => *b,
                Some(_) => true,
                None => false,
            }
        }
        Expr::BoolVar(w) => {
            let name = w.raw().trim_start_matches('$');
            let name = name.trim_start_matches('{').trim_end_matches('}');
            match syms.vars.get(name) {
                Some(Var {
                    value: Value::Bool(b),
                    ..
                }) => *b,
                Some(Var { def, .. }) => {
                    diags.push(
                        Diagnostic::error(
                            SET_AS_BOOL,
                            format!("`{}` is a set variable, not a boolean", name),
                        )
                        .at(w.span, "used as a boolean")
                        .with_secondary(*def, "defined as a set here")
                        .with_help(format!("test whether it is set with `defined @{{{name}}}`")),
                    );
                    false
                }
                None => {
                    diags.push(
                        Diagnostic::error(
                            UNDEFINED,
                            format!("boolean `{}` is not defined", w.raw()),
                        )
                        .at(w.span, "never assigned")
                        .with_help(format!("define it before use: `{} = true`", w.raw())),
                    );
                    false
                }
            }
        }
        Expr::Compare(l, op, r, _) => compare(l, op.value(), r, syms, diags),
        Expr::Operand(w) => match w.value().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => {
                diags.push(
                    Diagnostic::error(SET_AS_BOOL, format!("`{}` is not a boolean value", w.raw()))
                        .at(w.span, "expected `true`, `false` or a `${...}` boolean"),
                );
                false
            }
        },
    }
}

/// The values an operand stands for: a variable's set, or the word itself.
fn operand_values(w: &Word, syms: &Symbols) -> Vec<String> {
    let refs = references(w.raw());
    if let [(name, 0, end)] = refs.as_slice() {
        if *end == w.raw().len() {
            if let Some(Var {
                value: Value::Set(vals),
                ..
            }) = syms.vars.get(name.as_str())
            {
                return vals.iter().map(|v| v.value().to_string()).collect();
            }
        }
    }
    vec![w.value().to_string()]
}

/// `a == b`, `a in b` compare sets; `<`, `>`... compare numbers when
/// either side is a number, and then both sides must be one number.
fn compare(l: &Word, op: &str, r: &Word, syms: &Symbols, diags: &mut Vec<Diagnostic>) -> bool {
    let lv = operand_values(l, syms);
    let rv = operand_values(r, syms);
    let int = |v: &[String]| match v {
        [one] => one.parse::<i64>().ok(),
        _ => None,
    };
    match op {
        "==" => lv == rv,
        "!=" => lv != rv,
        "in" => lv.iter().all(|x| rv.contains(x)),
        _ => {
            let (li, ri) = (int(&lv), int(&rv));
            let ord = match (li, ri) {
                (Some(a), Some(b)) => a.cmp(&b),
                (None, None) => lv.cmp(&rv),
                (Some(_), None) | (None, Some(_)) => {
                    let (num, other) = if li.is_some() { (l, r) } else { (r, l) };
                    diags.push(
                        Diagnostic::error(
                            BAD_COMPARISON,
                            format!(
                                "`{op}` compares a number with `{}`, which is not one number",
                                other.raw()
                            ),
                        )
                        .at(other.span, "not a single integer")
                        .with_secondary(num.span, "a number")
                        .with_help("compare numbers with numbers, or strings with strings"),
                    );
                    return false;
                }
            };
            match op {
                "<" => ord.is_lt(),
                "<=" => ord.is_le(),
                ">" => ord.is_gt(),
                _ => ord.is_ge(),
            }
        }
    }
}

/// Every reference inside a definition must exist, and no definition may
/// reach itself.
fn check_definitions(syms: &Symbols, used: &BTreeSet<String>, diags: &mut Vec<Diagnostic>) {
    // What the uses reach through definitions, each name once.
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut work: Vec<&str> = used
        .iter()
        .map(String::as_str)
        .filter(|n| syms.vars.contains_key(n))
        .collect();
    while let Some(name) = work.pop() {
        let Some((key, var)) = syms.vars.get_key_value(name) else {
            continue;
        };
        if !reached.insert(key) {
            continue;
        }
        if let Value::Set(values) = &var.value {
            for w in values {
                for (r, _, _) in reference_iter(w.raw()) {
                    if let Some((k, _)) = syms.vars.get_key_value(r) {
                        work.push(k);
                    }
                }
            }
        }
    }
    let names: Vec<&str> = reached.into_iter().collect();
    for name in &names {
        let Some(Var {
            value: Value::Set(values),
            ..
        }) = syms.vars.get(name)
        else {
            continue;
        };
        for w in values {
            for (r, s, e) in reference_iter(w.raw()) {
                check_use(syms, r, sub_span(w, s, e), None, None, diags);
            }
        }
    }
    for (name, expansion) in cycles(syms, &names) {
        let Some(var) = syms.vars.get(name) else {
            continue;
        };
        diags.push(
            Diagnostic::error(
                RECURSIVE,
                format!("`@{{{name}}}` is defined in terms of itself"),
            )
            .at(var.def, "recursive definition")
            .with_note(format!("expansion: {expansion}")),
        );
    }
}

/// Cycles longer than this are shown with their middle elided.
const SHOWN_STEPS: usize = 8;

/// `ring` (a cycle without its closing repeat) read from position `at`
/// and back to it, as `@{a} -> @{b} -> @{a}`, its middle elided when long:
/// the cost is that of the shown steps, not of the ring.
fn show_ring(names: &[&str], ring: &[usize], at: usize) -> String {
    let len = ring.len() + 1;
    let step = |k: usize| format!("@{{{}}}", names[ring[(at + k) % ring.len()]]);
    if len <= SHOWN_STEPS {
        return (0..len).map(step).collect::<Vec<_>>().join(" -> ");
    }
    let head: Vec<String> = (0..SHOWN_STEPS / 2).map(step).collect();
    let tail: Vec<String> = (len - SHOWN_STEPS / 2..len).map(step).collect();
    format!(
        "{} -> ... ({} more) -> {}",
        head.join(" -> "),
        len - SHOWN_STEPS,
        tail.join(" -> ")
    )
}

/// Every variable that reaches itself, in `names` order, with one cycle
/// through it (first and last element the variable itself).
///
/// Linear in the size of the variable graph: strongly connected components
/// by Tarjan's algorithm (iterative, so no recursion depth to exhaust), then
/// one breadth-first search per reported variable inside its component;
/// when a component is large only its first few members get a search of
/// their own, the others are reported with the cycle of the first.
fn cycles<'s>(syms: &'s Symbols, names: &[&'s str]) -> Vec<(&'s str, String)> {
    /// Members of one component that get a shortest cycle of their own.
    const SEARCHED: usize = 16;
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    // Edges in reference order, duplicates removed: a doubling chain
    // (`@{b} = @{a}@{a}`) has one edge per pair, not one per reference.
    // `mark[j] == i` says `j` is already an edge of `i`.
    let mut mark = vec![usize::MAX; names.len()];
    let edges: Vec<Vec<usize>> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut out = Vec::new();
            if let Some(Var {
                value: Value::Set(values),
                ..
            }) = syms.vars.get(n)
            {
                for w in values {
                    for (r, _, _) in reference_iter(w.raw()) {
                        if let Some(&j) = index.get(r) {
                            if mark[j] != i {
                                mark[j] = i;
                                out.push(j);
                            }
                        }
                    }
                }
            }
            out
        })
        .collect();
    let comp = tarjan(&edges);
    let mut size = vec![0usize; names.len()];
    for &c in &comp {
        size[c] += 1;
    }
    let mut searched = vec![0usize; names.len()];
    // The first cycle found in each component, without its closing repeat,
    // and each member's position on it.
    let mut first_ring: HashMap<usize, (Vec<usize>, HashMap<usize, usize>)> = HashMap::default();
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let c = comp[i];
        let cyclic = size[c] > 1 || edges[i].contains(&i);
        if !cyclic {
            continue;
        }
        let shown = if searched[c] < SEARCHED {
            searched[c] += 1;
            let mut ring = shortest_cycle(&edges, &comp, i);
            ring.pop();
            let shown = show_ring(names, &ring, 0);
            first_ring.entry(c).or_insert_with(|| {
                let at = ring.iter().enumerate().map(|(k, &v)| (v, k)).collect();
                (ring, at)
            });
            shown
        } else {
            // Read the component's first cycle from here when it passes
            // through this variable; otherwise show that cycle as it is.
            match first_ring.get(&c) {
                Some((ring, at)) => show_ring(names, ring, at.get(&i).copied().unwrap_or(0)),
                None => show_ring(names, &[i], 0),
            }
        };
        out.push((*n, shown));
    }
    out
}

/// A shortest cycle from `start` back to itself inside its component.
fn shortest_cycle(edges: &[Vec<usize>], comp: &[usize], start: usize) -> Vec<usize> {
    let mut parent: HashMap<usize, usize> = HashMap::default();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &edges[v] {
            if comp[w] != comp[start] {
                continue;
            }
            if w == start {
                // Walk back from `v` to `start`, then read it forwards.
                let mut back = Vec::new();
                let mut at = v;
                while at != start {
                    back.push(at);
                    at = parent.get(&at).copied().unwrap_or(start);
                }
                let mut path = vec![start];
                path.extend(back.into_iter().rev());
                path.push(start);
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}

/// Strongly connected components (component number per node), Tarjan's
/// algorithm with an explicit stack.
fn tarjan(edges: &[Vec<usize>]) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let n = edges.len();
    let (mut index, mut low, mut comp) = (vec![NONE; n], vec![0; n], vec![NONE; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut next, mut comps) = (Vec::new(), 0, 0);
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        // (node, next edge to look at)
        let mut work = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut e)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*e) {
                *e += 1;
                if index[w] == NONE {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = comps;
                    if w == v {
                        break;
                    }
                }
                comps += 1;
            }
        }
    }
    comp
}

/// Variables a profile defines by itself.
struct Builtins {
    has_attachment: bool,
}

/// Check one use of `@{name}`. `builtins` is the using profile's view of
/// the variables apparmor_parser defines itself, or `None` inside a
/// definition (where `@{profile_name}` is known, being expanded at the use,
/// but the attachment variables are not). `used` collects what rules use
/// (`None` inside a definition: nothing to collect).
fn check_use(
    syms: &Symbols,
    name: &str,
    span: Span,
    builtins: Option<&Builtins>,
    used: Option<&mut BTreeSet<String>>,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(used) = used {
        if !used.contains(name) {
            used.insert(name.to_string());
        }
    }
    let user_defined = syms.vars.contains_key(name);
    match name {
        "profile_name" => return,
        "attach_path" | "exec_path" if !user_defined => {
            if let Some(b) = builtins {
                if !b.has_attachment {
                    diags.push(
                        Diagnostic::error(
                            NO_ATTACHMENT_VAR,
                            format!("`@{{{name}}}` needs a profile with an attachment"),
                        )
                        .at(span, "this profile attaches to no path")
                        .with_help("give the profile an attachment (`profile NAME /path {`); hats never have one"),
                    );
                }
                return;
            }
        }
        _ => {}
    }
    match syms.vars.get(name) {
        Some(Var {
            value: Value::Set(_),
            ..
        }) => {}
        Some(Var {
            value: Value::Bool(_),
            def,
        }) => diags.push(
            Diagnostic::error(BOOL_AS_SET, format!("`{name}` is a boolean, used here as a set"))
                .at(span, "boolean used as a set")
                .with_secondary(*def, "defined as a boolean here")
                .with_help(format!("booleans are tested with `if ${{{name}}} {{ ... }}`")),
        ),
        None => diags.push(
            Diagnostic::error(UNDEFINED, format!("variable `@{{{name}}}` is not defined"))
                .at(span, "never defined")
                .with_help("define it in the preamble (`@{NAME} = value`), or include the tunables that define it (`include <tunables/global>`)"),
        ),
    }
}

fn check_profile(
    unit: &Unit,
    syms: &Symbols,
    p: &Profile,
    mut used: Option<&mut BTreeSet<String>>,
    diags: &mut Vec<Diagnostic>,
    names: &mut RunNames,
) {
    let has_attachment = p.attachment.is_some()
        || (matches!(p.keyword, ProfileKeyword::None | ProfileKeyword::Profile)
            && p.name.value().starts_with('/'));
    let b = Builtins { has_attachment };
    // In the header itself the attachment variables are not yet set: the
    // attachment cannot name itself (apparmor_parser 4.1: never declared).
    let header = Builtins {
        has_attachment: false,
    };
    for w in [Some(&p.name), p.attachment.as_ref()].into_iter().flatten() {
        for (r, s, e) in reference_iter(w.raw()) {
            let used = used.as_deref_mut();
            check_use(syms, r, sub_span(w, s, e), Some(&header), used, diags);
        }
    }
    // A profile is a scope of its own for duplicate includes.
    let mut scope = IncludeScope::default();
    let mut w = Walk {
        unit,
        syms,
        b: &b,
        used,
        diags,
        names,
    };
    w.items(&p.items, false, true, &mut scope);
}

/// One profile's walk over its rules (see [`Walk::items`]).
struct Walk<'w> {
    unit: &'w Unit,
    syms: &'w Symbols,
    b: &'w Builtins,
    /// `None`: the table is clean, uses need not be collected.
    used: Option<&'w mut BTreeSet<String>>,
    diags: &'w mut Vec<Diagnostic>,
    names: &'w mut RunNames,
}

impl Walk<'_> {
    /// `in_block`: inside a qualifier block, where apparmor_parser drops
    /// every rule but file, link and change_profile rules before expanding
    /// them. `taken_here`: in no `if` branch that is not taken; in one that
    /// is not, conditions are still evaluated (the reference parses them)
    /// but no rule is expanded.
    fn items(
        &mut self,
        items: &[Item],
        in_block: bool,
        taken_here: bool,
        scope: &mut IncludeScope,
    ) {
        let mut slices = Vec::new();
        self.unit
            .for_each_flat_slice(items, scope, &mut |s| slices.push(s));
        for slice in slices {
            for piece in stretches(slice) {
                match piece {
                    Stretch::Rules(run) if taken_here => self.run(run, in_block),
                    Stretch::Rules(_) => {}
                    Stretch::One(item) => self.item(item, in_block, taken_here, scope),
                }
            }
        }
    }

    fn item(&mut self, item: &Item, in_block: bool, taken_here: bool, scope: &mut IncludeScope) {
        let syms = self.syms;
        match item {
            // A profile in a qualifier block is dropped with the block's
            // other non-file rules: nothing in it is expanded.
            Item::Profile(_) if in_block || !taken_here => {}
            Item::Profile(child) => {
                let used = self.used.as_deref_mut();
                check_profile(self.unit, syms, child, used, self.diags, self.names)
            }
            Item::Block(block) => self.items(&block.items, true, taken_here, scope),
            // Only the branch taken is expanded, as apparmor_parser drops
            // the others while parsing: their variables are not checked.
            Item::If(i) => {
                let first = eval(&i.cond, syms, self.diags);
                let mut done = first;
                self.items(&i.then, in_block, taken_here && first, scope);
                let mut e = i.otherwise.as_ref();
                while let Some(branch) = e {
                    match branch {
                        Else::Block(items, _) => {
                            self.items(items, in_block, taken_here && !done, scope);
                            e = None;
                        }
                        Else::If(inner) => {
                            let this = eval(&inner.cond, syms, self.diags);
                            let t = taken_here && !done && this;
                            self.items(&inner.then, in_block, t, scope);
                            done |= this;
                            e = inner.otherwise.as_ref();
                        }
                    }
                }
            }
            Item::Rule(r) if taken_here => self.rule(r, in_block, &mut None),
            _ => {}
        }
    }

    /// A run of rules (in a branch taken). The names an included file's
    /// run uses are kept: when each is a set variable (or a built-in this
    /// profile has), checking them would report nothing, and only marks
    /// them used.
    fn run(&mut self, run: &[Item], in_block: bool) {
        let first = run[0].span();
        let tree = match self.unit.file(first.file) {
            Some(t) if self.unit.root != Some(first.file) => t,
            _ => {
                for item in run {
                    if let Item::Rule(r) = item {
                        self.rule(r, in_block, &mut None);
                    }
                }
                return;
            }
        };
        let key = (first.file.0, first.start, run.len() as u32, in_block);
        if let Some((t, names)) = self.names.get(&key) {
            if Arc::ptr_eq(t, tree) && names.iter().all(|n| self.quiet(n)) {
                if let Some(used) = self.used.as_deref_mut() {
                    for n in names.iter() {
                        if !used.contains(&**n) {
                            used.insert(n.to_string());
                        }
                    }
                }
                return;
            }
        }
        let mut names = Some(Vec::new());
        for item in run {
            if let Item::Rule(r) = item {
                self.rule(r, in_block, &mut names);
            }
        }
        let names = names.unwrap_or_default().into_boxed_slice();
        self.names.insert(key, (Arc::clone(tree), names));
    }

    /// Whether [`check_use`] of `name` reports nothing.
    fn quiet(&self, name: &str) -> bool {
        match name {
            "profile_name" => true,
            "attach_path" | "exec_path" if !self.syms.vars.contains_key(name) => {
                self.b.has_attachment
            }
            _ => matches!(
                self.syms.vars.get(name),
                Some(Var {
                    value: Value::Set(_),
                    ..
                })
            ),
        }
    }

    /// The variable uses of one rule; the names go to `names` too.
    fn rule(&mut self, r: &Rule, in_block: bool, names: &mut Option<Vec<Box<str>>>) {
        if in_block && !kept_in_block(&r.kind) {
            return;
        }
        // An exec transition's target names a profile; the reference does
        // not expand variables there.
        let target = match &r.kind {
            RuleKind::File(f) => f.target.as_deref(),
            _ => None,
        };
        let (syms, b) = (self.syms, self.b);
        let (mut used, diags) = (self.used.as_deref_mut(), &mut *self.diags);
        for_each_word(&r.kind, &mut |w| {
            if target.is_some_and(|t| std::ptr::eq(t, w)) {
                return;
            }
            for (name, s, e) in reference_iter(w.raw()) {
                if let Some(names) = names.as_mut() {
                    if !names.iter().any(|n| &**n == name) {
                        names.push(name.into());
                    }
                }
                let used = used.as_deref_mut();
                check_use(syms, name, sub_span(w, s, e), Some(b), used, diags);
            }
        });
    }
}

/// The rule kinds apparmor_parser keeps inside a qualifier block.
pub fn kept_in_block(kind: &RuleKind) -> bool {
    matches!(
        kind,
        RuleKind::File(_)
            | RuleKind::BareFile
            | RuleKind::Link { .. }
            | RuleKind::ChangeProfile { .. }
    )
}

/// Every word of a rule that variables may appear in.
pub fn for_each_word<'a>(kind: &'a RuleKind, f: &mut dyn FnMut(&'a Word)) {
    fn conds<'a>(cs: &'a [Cond], f: &mut dyn FnMut(&'a Word)) {
        for c in cs {
            match &c.value {
                CondValue::One(w) => f(w),
                CondValue::List(l) => list(l, f),
            }
        }
    }
    fn list<'a>(l: &'a ParenList, f: &mut dyn FnMut(&'a Word)) {
        for item in &l.items {
            match item {
                ListItem::Value(w) => f(w),
                ListItem::Cond(c) => conds(std::slice::from_ref(c), f),
            }
        }
    }
    match kind {
        RuleKind::File(r) => {
            f(&r.path);
            if let Some(t) = &r.target {
                f(t);
            }
        }
        RuleKind::Link { path, target, .. } => {
            f(path);
            f(target);
        }
        RuleKind::Network { conds: c, .. } | RuleKind::Mediated { conds: c, .. } => conds(c, f),
        RuleKind::Mqueue { conds: c, name, .. } => {
            conds(c, f);
            if let Some(n) = name {
                f(n);
            }
        }
        RuleKind::Mount {
            conds: c,
            source,
            target_conds,
            target,
            ..
        } => {
            conds(c, f);
            conds(target_conds, f);
            for w in [source, target].into_iter().flatten() {
                f(w);
            }
        }
        RuleKind::Remount { conds: c, target } | RuleKind::Umount { conds: c, target } => {
            conds(c, f);
            if let Some(t) = target {
                f(t);
            }
        }
        RuleKind::PivotRoot {
            conds: c,
            new_root,
            target,
        } => {
            conds(c, f);
            for w in [new_root, target].into_iter().flatten() {
                f(w);
            }
        }
        RuleKind::ChangeProfile { exec, target, .. } => {
            for w in [exec, target].into_iter().flatten() {
                f(w);
            }
        }
        RuleKind::BareFile | RuleKind::Capability(_) | RuleKind::All => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn open_at_finds_what_find_finds() {
        for s in [
            "",
            "@",
            "@{",
            "a@b@{c}",
            "@@{x}",
            "{@}@",
            "é@{x}",
            "@é{",
            "/a/@{b}@{c}",
        ] {
            assert_eq!(super::open_at(s), s.find("@{"), "{s:?}");
        }
    }
}
