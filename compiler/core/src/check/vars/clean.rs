//! Whether a variable table's definitions are clean: every reference in a
//! set's values is one a definition may make (a set variable, or
//! `@{profile_name}`), and no definition reaches itself. Then
//! [`super::check_definitions`] reports nothing, whatever the uses, and
//! a profile need not collect its uses at all.
//!
//! A session keeps with each preamble's table whether it is clean, so a
//! profile that starts from it and defines a few names of its own checks
//! only what it added: the definitions it touched, and the cycles through
//! them (a new cycle must pass through a changed definition, as the
//! others keep their edges).

use super::{reference_iter, Value, Var, Vars as Table};
use crate::hashing::HashMap;

/// A name a definition after the preamble named, and whether it was
/// already defined then.
pub(super) type Touched<'a> = (&'a str, bool);

/// Whether the whole table is clean (once per preamble and session).
pub(super) fn table(vars: &Table) -> bool {
    let names: Vec<&str> = vars.keys().map(|k| &**k).collect();
    names.iter().all(|n| refs_quiet(vars, n)) && acyclic_from(vars, &names)
}

/// Whether `vars`, a clean table changed since only by the definitions in
/// `touched`, is still clean.
pub(super) fn still(vars: &Table, touched: &[Touched]) -> bool {
    // Each name once, however often it is defined (`@{a}+=` on 20,000
    // lines was 20,000 scans of 20,000 values); it existed if any of its
    // definitions found it there, the cautious reading.
    let mut seen: HashMap<&str, bool> = HashMap::default();
    for &(name, existed) in touched {
        *seen.entry(name).or_default() |= existed;
    }
    for (&name, &existed) in &seen {
        // `@{profile_name}` may be referenced without a definition, so
        // defining it adds edges to untouched values. The search from it
        // would see them; kept out anyway, as it is an error of its own.
        if name == "profile_name" {
            return false;
        }
        match vars.get(name).map(|v| &v.value) {
            // A set turned boolean: an untouched value may refer to it.
            Some(Value::Bool(_)) if existed => return false,
            Some(Value::Set(_)) if !refs_quiet(vars, name) => return false,
            _ => {}
        }
    }
    let names: Vec<&str> = seen.keys().copied().collect();
    acyclic_from(vars, &names)
}

/// Whether every reference in `name`'s values is quiet in a definition
/// (what [`super::check_use`] without builtins passes).
fn refs_quiet(vars: &Table, name: &str) -> bool {
    let Some(Var {
        value: Value::Set(values),
        ..
    }) = vars.get(name)
    else {
        return true;
    };
    values.iter().all(|w| {
        reference_iter(w.raw()).all(|(r, _, _)| {
            r == "profile_name"
                || matches!(
                    vars.get(r),
                    Some(Var {
                        value: Value::Set(_),
                        ..
                    })
                )
        })
    })
}

/// Whether no definition reachable from `starts` reaches itself: a
/// depth-first search (explicit stack) that meets a name on its own path.
fn acyclic_from(vars: &Table, starts: &[&str]) -> bool {
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state: HashMap<&str, u8> = HashMap::default();
    // (name, its edges, next edge to follow)
    let mut path: Vec<(&str, Vec<&str>, usize)> = Vec::new();
    for &start in starts {
        let Some((start, _)) = vars.get_key_value(start) else {
            continue;
        };
        if state.contains_key(&**start) {
            continue;
        }
        state.insert(start, ON_PATH);
        path.push((start, edges(vars, start), 0));
        while let Some((_, out, next)) = path.last_mut() {
            let Some(&w) = out.get(*next) else {
                if let Some((v, _, _)) = path.pop() {
                    state.insert(v, DONE);
                }
                continue;
            };
            *next += 1;
            match state.get(w) {
                Some(&ON_PATH) => return false,
                Some(_) => {}
                None => {
                    state.insert(w, ON_PATH);
                    path.push((w, edges(vars, w), 0));
                }
            }
        }
    }
    true
}

/// The defined names `name`'s values refer to.
fn edges<'t>(vars: &'t Table, name: &str) -> Vec<&'t str> {
    match vars.get(name).map(|v| &v.value) {
        Some(Value::Set(values)) => values
            .iter()
            .flat_map(|w| reference_iter(w.raw()))
            .filter_map(|(r, _, _)| vars.get_key_value(r).map(|(k, _)| &**k))
            .collect(),
        _ => Vec::new(),
    }
}
