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

impl Loaded {
    /// The classic BPF program libseccomp generates (what the kernel gets).
    pub fn export(&self) -> Result<Vec<Insn>, LoadError> {
        let mut file = tempfile::tempfile()
            .map_err(|e| LoadError::new(format!("cannot create a temporary file: {e}"), None))?;
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
