//! [`SyscallPolicy`] -> seccomp JSON with the OCI runtime-spec fields only
//! (`defaultAction`, `defaultErrnoRet`, `architectures`, `syscalls` with
//! `names`, `action`, `errnoRet`, `args`), so Docker, containerd, CRI-O and
//! the kubelet all read it the same way.
//!
//! Deterministic layout: unconditional rules grouped by action (allow, log,
//! errno by value, trace, trap, kill), names sorted; then one rule per
//! syscall and condition list, by name. `errnoRet` only on ERRNO and TRACE.
//! The resolved policy has no rule equal to the default (see
//! `ir::syscalls`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::ir::{ArgCmp, SyscallPolicy};
use crate::seccomp::model::{Action, Op};

fn action_name(a: Action) -> &'static str {
    match a {
        Action::KillProcess => "SCMP_ACT_KILL_PROCESS",
        Action::KillThread => "SCMP_ACT_KILL_THREAD",
        Action::Trap => "SCMP_ACT_TRAP",
        Action::Errno(_) => "SCMP_ACT_ERRNO",
        Action::Trace(_) => "SCMP_ACT_TRACE",
        Action::Allow => "SCMP_ACT_ALLOW",
        Action::Log => "SCMP_ACT_LOG",
        Action::Notify => "SCMP_ACT_NOTIFY",
    }
}

fn ret(a: Action) -> Option<u16> {
    match a {
        Action::Errno(v) | Action::Trace(v) => Some(v),
        _ => None,
    }
}

/// Sort key of an action: the order rules appear in.
fn rank(a: Action) -> (u8, u16) {
    match a {
        Action::Allow => (0, 0),
        Action::Log => (1, 0),
        Action::Errno(v) => (2, v),
        Action::Trace(v) => (3, v),
        Action::Trap => (4, 0),
        Action::KillThread => (5, 0),
        Action::KillProcess => (6, 0),
        Action::Notify => (7, 0),
    }
}

fn op_name(op: Op) -> &'static str {
    Op::NAMES
        .iter()
        .find(|(_, o)| *o == op)
        .map_or("SCMP_CMP_EQ", |(n, _)| n)
}

fn string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn args_key(args: &[ArgCmp]) -> Vec<(u8, u8, u64, u64)> {
    args.iter()
        .map(|a| {
            let op = Op::NAMES.iter().position(|(_, o)| *o == a.op).unwrap_or(0) as u8;
            (a.index, op, a.value, a.value_two)
        })
        .collect()
}

/// A conditional rule with its sort key.
type Conditional<'a> = (&'a str, Vec<(u8, u8, u64, u64)>, Action, &'a [ArgCmp]);

/// The JSON text, ending with a newline.
pub fn emit(p: &SyscallPolicy) -> String {
    let mut grouped: BTreeMap<(u8, u16), (Action, Vec<&str>)> = BTreeMap::new();
    let mut conditional: Vec<Conditional> = Vec::new();
    for r in &p.rules {
        if r.args.is_empty() {
            let e = grouped
                .entry(rank(r.action))
                .or_insert_with(|| (r.action, Vec::new()));
            e.1.push(r.name.as_str());
        } else {
            conditional.push((r.name.as_str(), args_key(&r.args), r.action, &r.args));
        }
    }
    conditional.sort_by(|a, b| (a.0, &a.1, rank(a.2)).cmp(&(b.0, &b.1, rank(b.2))));
    conditional.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1 && a.2 == b.2);

    let mut out = String::from("{\n");
    let _ = writeln!(
        out,
        "  \"defaultAction\": {},",
        string(action_name(p.default))
    );
    if let Some(v) = ret(p.default) {
        let _ = writeln!(out, "  \"defaultErrnoRet\": {v},");
    }
    out.push_str("  \"architectures\": [");
    let arches: Vec<String> = p.arches.iter().map(|a| string(a.oci_name())).collect();
    let _ = write!(out, "{}", arches.join(", "));
    out.push_str("],\n  \"syscalls\": [");
    let mut rules: Vec<String> = Vec::new();
    for (_, (action, mut names)) in grouped {
        names.sort_unstable();
        names.dedup();
        rules.push(rule_text(&names, action, &[]));
    }
    for (name, _, action, args) in conditional {
        rules.push(rule_text(&[name], action, args));
    }
    if rules.is_empty() {
        out.push_str("]\n}\n");
    } else {
        out.push('\n');
        out.push_str(&rules.join(",\n"));
        out.push_str("\n  ]\n}\n");
    }
    out
}

fn rule_text(names: &[&str], action: Action, args: &[ArgCmp]) -> String {
    let mut s = String::from("    {\n      \"names\": [");
    if names.len() == 1 {
        s.push_str(&string(names[0]));
    } else {
        for (i, n) in names.iter().enumerate() {
            s.push_str(if i == 0 { "\n        " } else { ",\n        " });
            s.push_str(&string(n));
        }
        s.push_str("\n      ");
    }
    s.push_str("],\n");
    let _ = write!(s, "      \"action\": {}", string(action_name(action)));
    if let Some(v) = ret(action) {
        let _ = write!(s, ",\n      \"errnoRet\": {v}");
    }
    if !args.is_empty() {
        s.push_str(",\n      \"args\": [\n");
        let items: Vec<String> = args
            .iter()
            .map(|a| {
                format!(
                    "        {{ \"index\": {}, \"value\": {}, \"valueTwo\": {}, \"op\": {} }}",
                    a.index,
                    a.value,
                    a.value_two,
                    string(op_name(a.op))
                )
            })
            .collect();
        s.push_str(&items.join(",\n"));
        s.push_str("\n      ]");
    }
    s.push_str("\n    }");
    s
}
