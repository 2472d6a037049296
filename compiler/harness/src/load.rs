//! Load a profile into libseccomp the way runc (1.1, `libcontainer/seccomp`)
//! does, and export the classic BPF program the kernel would receive.
//!
//! runc's steps, mirrored here: the filter starts with the native
//! architecture and adds every listed one; flags map to filter attributes;
//! binary-tree optimisation above 32 rules; the no_new_privs attribute is
//! off (the runtime sets it itself); then one rule per syscall name, where a
//! rule whose action equals the default is skipped, a name libseccomp cannot
//! resolve is skipped (runc logs it at debug level; we keep a note), and
//! conditions that repeat an argument index become one rule each (or-ed).

use std::io::{Read, Seek, SeekFrom};
use std::str::FromStr;

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};

use super::bpf::{Insn, BPF_MAXINSNS};
use profilec_core::seccomp::model::{Action, Op, Profile};
use profilec_core::seccomp::tables::Arch;

/// Something runc skips silently while loading; reported as a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub span: profilec_core::diag::Span,
    pub reason: &'static str,
}

pub struct Loaded {
    pub filter: ScmpFilterContext,
    /// Architectures of the filter that have syscall tables, native first.
    pub arches: Vec<Arch>,
    pub skipped: Vec<Skipped>,
    pub default: Action,
}

/// Why loading failed, with the place in the profile when there is one.
#[derive(Debug)]
pub struct LoadError {
    pub message: String,
    pub span: Option<profilec_core::diag::Span>,
}

impl LoadError {
    fn new(message: impl Into<String>, span: Option<profilec_core::diag::Span>) -> LoadError {
        LoadError {
            message: message.into(),
            span,
        }
    }
}

pub fn scmp_action(a: Action) -> ScmpAction {
    match a {
        Action::KillProcess => ScmpAction::KillProcess,
        Action::KillThread => ScmpAction::KillThread,
        Action::Trap => ScmpAction::Trap,
        Action::Errno(e) => ScmpAction::Errno(i32::from(e)),
        Action::Trace(t) => ScmpAction::Trace(t),
        Action::Allow => ScmpAction::Allow,
        Action::Log => ScmpAction::Log,
        Action::Notify => ScmpAction::Notify,
    }
}

fn scmp_op(op: Op, value: u64) -> ScmpCompareOp {
    match op {
        Op::NotEqual => ScmpCompareOp::NotEqual,
        Op::LessThan => ScmpCompareOp::Less,
        Op::LessEqual => ScmpCompareOp::LessOrEqual,
        Op::Equal => ScmpCompareOp::Equal,
        Op::GreaterEqual => ScmpCompareOp::GreaterEqual,
        Op::GreaterThan => ScmpCompareOp::Greater,
        Op::MaskedEqual => ScmpCompareOp::MaskedEqual(value),
    }
}

fn cond(a: &profilec_core::seccomp::model::Arg) -> ScmpArgCompare {
    // MASKED_EQ: the mask is `value`, the expected value `valueTwo`.
    let datum = if a.op == Op::MaskedEqual {
        a.value_two
    } else {
        a.value
    };
    ScmpArgCompare::new(a.index, scmp_op(a.op, a.value), datum)
}

pub fn load(profile: &Profile) -> Result<Loaded, LoadError> {
    let default = profile.default();
    if default == Action::Notify {
        return Err(LoadError::new(
            "SCMP_ACT_NOTIFY cannot be the default action",
            Some(profile.default_action.span),
        ));
    }
    let err = |what: &str, e: libseccomp::error::SeccompError, span| {
        LoadError::new(format!("libseccomp: {what}: {e}"), span)
    };
    let mut filter = ScmpFilterContext::new_filter(scmp_action(default))
        .map_err(|e| err("cannot create filter", e, None))?;
    let mut arches: Vec<Arch> = Arch::native().into_iter().collect();
    for a in &profile.architectures {
        let sa = ScmpArch::from_str(&a.value)
            .map_err(|e| err("unknown architecture", e, Some(a.span)))?;
        filter.add_arch(sa).map_err(|e| {
            err(
                &format!("cannot add architecture `{}`", a.value),
                e,
                Some(a.span),
            )
        })?;
        if let Some(t) = Arch::from_oci(&a.value) {
            if !arches.contains(&t) {
                arches.push(t);
            }
        }
    }
    for f in &profile.flags {
        let r = match f.value.as_str() {
            "SECCOMP_FILTER_FLAG_LOG" => filter.set_ctl_log(true),
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => filter.set_ctl_ssb(true),
            // libseccomp synchronises threads itself; runc ignores this flag.
            "SECCOMP_FILTER_FLAG_TSYNC" => Ok(()),
            other => {
                return Err(LoadError::new(
                    format!("flag `{other}` is not supported by runc 1.1 with libseccomp 2.5"),
                    Some(f.span),
                ))
            }
        };
        r.map_err(|e| err(&format!("cannot set `{}`", f.value), e, Some(f.span)))?;
    }
    if profile.syscalls.len() > 32 {
        // Not fatal in runc either: older libseccomp has no optimiser.
        let _ = filter.set_ctl_optimize(2);
    }
    filter
        .set_ctl_nnp(false)
        .map_err(|e| err("cannot clear no_new_privs attribute", e, None))?;

    // libseccomp adds conditional rules one by one, each in time linear in
    // the rules before it: 10,000 take seconds. A filter that large cannot
    // fit the kernel's limit anyway, so count first, cheaply.
    let floor = min_instructions(profile, default);
    if floor > BPF_MAXINSNS {
        return Err(LoadError::new(
            format!(
                "the rules need at least {floor} BPF instructions; the kernel accepts at most {BPF_MAXINSNS}"
            ),
            None,
        ));
    }
    let mut skipped = Vec::new();
    for rule in &profile.syscalls {
        let act = rule.resolved();
        if act == default {
            continue;
        }
        let conds: Vec<ScmpArgCompare> = rule.args.iter().map(cond).collect();
        let mut indexes: Vec<u32> = rule.args.iter().map(|a| a.index).collect();
        indexes.sort_unstable();
        let repeated = indexes.windows(2).any(|w| w[0] == w[1]);
        for n in &rule.names {
            let Ok(sys) = ScmpSyscall::from_name(&n.value) else {
                skipped.push(Skipped {
                    name: n.value.clone(),
                    span: n.span,
                    reason: "libseccomp does not know this syscall on the native architecture",
                });
                continue;
            };
            let r = if conds.is_empty() {
                filter.add_rule(scmp_action(act), sys)
            } else if repeated {
                conds.iter().try_for_each(|c| {
                    filter.add_rule_conditional(scmp_action(act), sys, std::slice::from_ref(c))
                })
            } else {
                filter.add_rule_conditional(scmp_action(act), sys, &conds)
            };
            r.map_err(|e| {
                let mut l = err(&format!("cannot add rule for `{}`", n.value), e, Some(n.span));
                if n.value == "socket" && arches.contains(&Arch::X86) {
                    l.message.push_str(
                        " (on x86 libseccomp also adds every `socket` rule to `socketcall(SYS_SOCKET)` without its argument conditions, so `socket` rules with different actions collide there)",
                    );
                }
                l
            })?;
        }
    }
    Ok(Loaded {
        filter,
        arches,
        skipped,
        default,
    })
}

/// A lower bound on the length of any filter libseccomp makes for the
/// profile: at least one instruction per distinct syscall it tests, and at
/// least one per distinct argument comparison of each syscall (identical
/// comparisons of one syscall share a node of its decision tree; distinct
/// ones cannot). Linear in the size of the profile.
pub fn min_instructions(profile: &Profile, default: Action) -> usize {
    use std::collections::{HashMap, HashSet};
    let mut per_syscall: HashMap<&str, HashSet<(u32, Op, u64, u64)>> = HashMap::new();
    for rule in &profile.syscalls {
        if rule.resolved() == default {
            continue;
        }
        for n in &rule.names {
            if ScmpSyscall::from_name(&n.value).is_err() {
                continue;
            }
            let conds = per_syscall.entry(n.value.as_str()).or_default();
            // Only comparisons libseccomp cannot decide statically: a
            // masked one can be constant (mask 0), and so can `>= 0` and
            // `< 0`; those are not counted.
            for a in rule
                .args
                .iter()
                .filter(|a| a.op != Op::MaskedEqual && a.value != 0)
            {
                conds.insert((a.index, a.op, a.value, a.value_two));
            }
        }
    }
    per_syscall.len() + per_syscall.values().map(HashSet::len).sum::<usize>()
}

impl Loaded {
    /// The classic BPF program libseccomp generates (what the kernel gets).
    pub fn export(&self) -> Result<Vec<Insn>, LoadError> {
        // In memory: a missing or full TMPDIR is no fault of the profile.
        let mut file =
            memory_file()
                .or_else(|_| tempfile::tempfile())
                .map_err(|e| {
                    LoadError::new(
                format!("cannot create a file to export the BPF program into (check TMPDIR): {e}"),
                None,
            )
                })?;
        self.filter
            .export_bpf(&mut file)
            .map_err(|e| LoadError::new(format!("libseccomp: cannot export BPF: {e}"), None))?;
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_end(&mut bytes))
            .map_err(|e| LoadError::new(format!("cannot read the exported BPF: {e}"), None))?;
        Ok(super::bpf::decode(&bytes))
    }
}

/// An anonymous file in memory (`memfd_create`), for libseccomp's export,
/// which writes to a file descriptor.
fn memory_file() -> std::io::Result<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: the name is a NUL-terminated C string literal that outlives
    // the call; memfd_create reads it and returns a new descriptor or -1.
    let fd = unsafe { libc::memfd_create(c"profilec-bpf".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by memfd_create, is open, and is owned
    // by nothing else; the File takes sole ownership and closes it.
    Ok(unsafe { std::fs::File::from_raw_fd(fd) })
}

/// Load and export, refusing programs the kernel would refuse for length.
pub fn program(profile: &Profile) -> Result<(Loaded, Vec<Insn>), LoadError> {
    let loaded = load(profile)?;
    let prog = loaded.export()?;
    if prog.len() > BPF_MAXINSNS {
        return Err(LoadError::new(
            format!(
                "the BPF program has {} instructions; the kernel accepts at most {BPF_MAXINSNS}",
                prog.len()
            ),
            None,
        ));
    }
    Ok((loaded, prog))
}

#[cfg(test)]
mod tests {
    use crate::run::Simulator;
    use crate::Outcome;
    use profilec_core::diag::SourceMap;
    use profilec_core::seccomp::tables::Arch;

    fn sim(text: &str) -> Simulator {
        let mut sources = SourceMap::new();
        let f = sources.add("t.json", text);
        let mut diags = Vec::new();
        let p = profilec_core::seccomp::parse(&sources, f, &mut diags).expect("profile");
        Simulator::new(&p).expect("loads")
    }

    #[test]
    fn loads_as_runc_does() {
        let s = sim(r#"{
            "defaultAction": "SCMP_ACT_ERRNO",
            "syscalls": [
                {"names": ["read", "raed"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["write"], "action": "SCMP_ACT_ERRNO"},
                {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
                    {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
                    {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
                {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97, "args": [
                    {"index": 0, "value": 40, "op": "SCMP_CMP_EQ"},
                    {"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}]}
            ]}"#);
        // The unknown name is skipped with a note, the rest still loads.
        let skipped: Vec<&str> = s.loaded.skipped.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(skipped, ["raed"]);
        let x = Arch::X86_64;
        let d =
            |name: &str, args: [u64; 6]| s.decide(x, name, args).expect("syscall").expect("runs");
        assert_eq!(d("read", [0; 6]), Outcome::Allow);
        assert_eq!(d("write", [0; 6]), Outcome::Errno(1));
        // Two conditions on one argument: separate rules, or-ed.
        assert_eq!(d("personality", [0, 0, 0, 0, 0, 0]), Outcome::Allow);
        assert_eq!(d("personality", [8, 0, 0, 0, 0, 0]), Outcome::Allow);
        assert_eq!(d("personality", [4, 0, 0, 0, 0, 0]), Outcome::Errno(1));
        // Conditions on different arguments: one rule, and-ed.
        assert_eq!(d("socket", [40, 1, 0, 0, 0, 0]), Outcome::Errno(97));
        assert_eq!(d("socket", [40, 2, 0, 0, 0, 0]), Outcome::Errno(1));
        assert_eq!(d("socket", [2, 1, 0, 0, 0, 0]), Outcome::Errno(1));
    }

    fn parsed(text: &str) -> profilec_core::seccomp::Profile {
        let mut sources = SourceMap::new();
        let f = sources.add("t.json", text);
        let mut diags = Vec::new();
        profilec_core::seccomp::parse(&sources, f, &mut diags).expect("profile")
    }

    /// The cheap count is a true lower bound of what libseccomp emits, so
    /// the early refusal never refuses a filter that would fit.
    #[test]
    fn instruction_floor_never_exceeds_the_real_program() {
        let rule = |name: &str, i: u64, op: &str, two: u64| {
            format!(
                r#"{{"names": ["{name}"], "action": "SCMP_ACT_ALLOW", "args": [{{"index": {}, "value": {i}, "valueTwo": {two}, "op": "{op}"}}]}}"#,
                i % 3
            )
        };
        let mut shapes = Vec::new();
        for op in [
            "SCMP_CMP_EQ",
            "SCMP_CMP_NE",
            "SCMP_CMP_GT",
            "SCMP_CMP_GE",
            "SCMP_CMP_LT",
            "SCMP_CMP_LE",
            "SCMP_CMP_MASKED_EQ",
        ] {
            let rules: Vec<String> = (0..150)
                .map(|i| rule(["read", "write", "socket"][i % 3], i as u64, op, 0))
                .collect();
            shapes.push(rules);
        }
        // A mask of 0 matches everything: still compiled.
        shapes.push(
            (0..50)
                .map(|i| rule("read", 0, "SCMP_CMP_MASKED_EQ", i))
                .collect(),
        );
        for rules in shapes {
            let text = format!(
                r#"{{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{}]}}"#,
                rules.join(",")
            );
            let p = parsed(&text);
            let floor = super::min_instructions(&p, p.default());
            let (_, prog) = super::program(&p).expect("fits");
            assert!(floor <= prog.len(), "floor {floor} > {}", prog.len());
        }
    }

    #[test]
    fn ten_thousand_conditional_rules_are_refused_quickly() {
        let rules: Vec<String> = (0..10_000)
            .map(|i| format!(r#"{{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{{"index": 0, "value": {i}, "op": "SCMP_CMP_EQ"}}]}}"#))
            .collect();
        let text = format!(
            r#"{{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{}]}}"#,
            rules.join(",")
        );
        let p = parsed(&text);
        let start = std::time::Instant::now();
        let e = super::load(&p).err().expect("refused");
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(
            e.message,
            "the rules need at least 10000 BPF instructions; the kernel accepts at most 4096"
        );
    }

    #[test]
    fn unsupported_flag_and_notify_default_are_load_errors() {
        for text in [
            r#"{"defaultAction": "SCMP_ACT_NOTIFY"}"#,
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]}"#,
        ] {
            let mut sources = SourceMap::new();
            let f = sources.add("t.json", text);
            let mut diags = Vec::new();
            let p = profilec_core::seccomp::parse(&sources, f, &mut diags).expect("profile");
            let e = super::load(&p).err().expect("refused");
            assert!(e.span.is_some(), "{}", e.message);
        }
    }
}
