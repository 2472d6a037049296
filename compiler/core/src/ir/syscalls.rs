//! Resolving a profile's syscall rules into one decision per syscall, the
//! way the DSL defines it (docs/confine.md, "Semantics"):
//!
//! - rules the profile (or a base) writes for a syscall replace the rules a
//!   `use`d set has for it, and a set `use`d later replaces an earlier one
//!   for the syscalls it names;
//! - among the rules kept, an unconditional denial wins; an unconditional
//!   allow overrides conditional rules (as libseccomp would, silently: here
//!   with a warning); otherwise every conditional rule is kept;
//! - `mode complain` turns every denial, the default included, into `log`;
//! - a rule equal to the default action is not emitted (runtimes skip it).

use std::borrow::Cow;

use super::{ArgCmp, SyscallPolicy, SyscallRule};
use crate::diag::codes;
use crate::diag::{Diagnostic, Span};
use crate::seccomp::model::Action;
use crate::seccomp::tables::Arch;

/// A rule before resolution.
#[derive(Clone, Debug)]
pub struct Raw {
    pub name: String,
    pub name_span: Span,
    pub action: Action,
    pub args: Vec<ArgCmp>,
    /// Written in a profile or base (not only in a `use`d set).
    pub explicit: bool,
    /// Precedence for the syscall: sets count up in the order they are
    /// `use`d, rules written in a profile or base are above every set.
    pub level: u32,
    /// Written in the profile being lowered itself.
    pub own: bool,
    /// Comes from the embedded stdlib.
    pub stdlib: bool,
    pub span: Span,
}

pub fn is_denial(a: Action) -> bool {
    !matches!(a, Action::Allow | Action::Log)
}

/// How strongly an action denies: what wins when two rules match.
fn severity(a: Action) -> u8 {
    match a {
        Action::Allow => 0,
        Action::Log => 1,
        Action::Notify => 2,
        Action::Trace(_) => 3,
        Action::Errno(_) => 4,
        Action::Trap => 5,
        Action::KillThread => 6,
        Action::KillProcess => 7,
    }
}

pub struct Input {
    pub default: Action,
    pub arches: Vec<Arch>,
    pub complain: bool,
    pub rules: Vec<Raw>,
}

/// The rules kept for each syscall, in name order.
type Chosen<'r> = Vec<(&'r str, Vec<Cow<'r, Raw>>)>;

fn find<'a, T>(sorted: &'a [T], name: &str, key: impl Fn(&T) -> &str) -> Option<&'a T> {
    sorted
        .binary_search_by(|x| key(x).cmp(name))
        .ok()
        .and_then(|i| sorted.get(i))
}

pub fn resolve(input: Input, diags: &mut Vec<Diagnostic>) -> SyscallPolicy {
    let complain = |a: Action| {
        if input.complain && is_denial(a) {
            Action::Log
        } else {
            a
        }
    };
    let default = complain(input.default);
    // Rules grouped by syscall, in name order (a stable sort keeps the
    // written order within a name); decisions borrow the rules they keep.
    let mut sorted: Vec<&Raw> = input.rules.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let by_name: Vec<&[&Raw]> = sorted.chunk_by(|a, b| a.name == b.name).collect();
    let mut chosen: Chosen = Vec::with_capacity(by_name.len());
    for rules in &by_name {
        let Some(first) = rules.first() else {
            continue;
        };
        let name = first.name.as_str();
        if !on_targets(name, rules, &input.arches, diags) {
            continue;
        }
        let top = rules.iter().map(|r| r.level).max().unwrap_or(0);
        let kept: Vec<&Raw> = rules.iter().copied().filter(|r| r.level == top).collect();
        chosen.push((name, decide(name, &kept, diags)));
    }
    socketcall_gap(&mut chosen, &input.arches, default, &by_name, diags);
    let mut rules = Vec::new();
    for (_, rs) in chosen {
        for r in rs {
            let action = complain(r.action);
            if action != default {
                rules.push(SyscallRule {
                    name: r.name.clone(),
                    action,
                    args: r.args.clone(),
                    span: r.span,
                });
            }
        }
    }
    if rules.len() > MAX_RULES {
        let at = rules.get(MAX_RULES).map(|r| r.span);
        let mut d = Diagnostic::error(
            codes::CONFINE_TOO_MANY_RULES,
            format!(
                "{} seccomp rules, more than the {MAX_RULES} a filter can hold",
                rules.len()
            ),
        )
        .with_help("the kernel runs at most 4096 BPF instructions per filter; group syscalls under one unconditional rule, or use fewer conditions");
        if let Some(at) = at {
            d = d.at(at, "this rule and those after it do not fit");
        }
        diags.push(d);
    }
    SyscallPolicy {
        default,
        arches: input.arches,
        rules,
    }
}

/// Each rule costs at least one BPF instruction per architecture; past this
/// the program cannot fit the kernel's limit of 4096.
pub const MAX_RULES: usize = 4096;

/// Whether `name` exists on some target; notes and errors for what the
/// user wrote (not for stdlib sets, which list names of every arch).
fn on_targets(name: &str, rules: &[&Raw], arches: &[Arch], diags: &mut Vec<Diagnostic>) -> bool {
    // Stdlib sets name syscalls of every architecture: no note for them,
    // so the common case needs one table lookup, not the lists below.
    let Some(r) = rules.iter().find(|r| !r.stdlib) else {
        return arches.iter().any(|a| a.number(name).is_some());
    };
    let (have, lacking): (Vec<Arch>, Vec<Arch>) =
        arches.iter().partition(|a| a.number(name).is_some());
    let lack: Vec<&str> = lacking.iter().map(|a| a.short()).collect();
    if have.is_empty() && crate::seccomp::tables::known_anywhere(name) {
        diags.push(
            Diagnostic::error(
                codes::CONFINE_UNKNOWN_SYSCALL,
                format!("`{name}` is not a syscall on any target architecture"),
            )
            .at(r.name_span, format!("not on {}", lack.join(", ")))
            .with_help("add an architecture that has it to `arch`, or drop the rule"),
        );
    } else if !have.is_empty() && !lack.is_empty() {
        diags.push(
            Diagnostic::note(
                codes::CONFINE_SYSCALL_NOT_ON_ARCH,
                format!("`{name}` does not exist on {}", lack.join(", ")),
            )
            .at(
                r.name_span,
                format!(
                    "applies on {} only",
                    have.iter()
                        .map(|a| a.short())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_help(if name == "open" {
                "programs on aarch64 call `openat`; list it too".to_string()
            } else {
                "the rule is lowered where the syscall exists".to_string()
            }),
        );
    }
    !have.is_empty()
}

fn decide<'r>(name: &str, kept: &[&'r Raw], diags: &mut Vec<Diagnostic>) -> Vec<Cow<'r, Raw>> {
    let uncond_deny = kept
        .iter()
        .filter(|r| r.args.is_empty() && is_denial(r.action))
        .max_by_key(|r| severity(r.action));
    let uncond_allow = kept
        .iter()
        .find(|r| r.args.is_empty() && !is_denial(r.action));
    if let (Some(d), Some(a)) = (uncond_deny, uncond_allow) {
        // Within one profile's own rules, allow and deny is a mistake;
        // across a base and a profile, deny wins by design.
        if d.own && a.own {
            diags.push(
                Diagnostic::error(
                    codes::CONFINE_SYSCALL_CONTRADICTION,
                    format!("`{name}` is both allowed and denied"),
                )
                .at(d.name_span, "denied here")
                .with_secondary(a.name_span, "allowed here")
                .with_help("keep one; a denial would win"),
            );
        }
    }
    if let Some(d) = uncond_deny {
        return vec![Cow::Borrowed(*d)];
    }
    if let Some(a) = uncond_allow {
        let overridden: Vec<&&Raw> = kept.iter().filter(|r| !r.args.is_empty()).collect();
        if let Some(c) = overridden.first() {
            diags.push(
                Diagnostic::warning(
                    codes::CONFINE_CONDITION_OVERRIDDEN,
                    format!("the conditions on `{name}` have no effect"),
                )
                .at(c.span, "this conditional rule")
                .with_secondary(a.name_span, "is overridden by this unconditional rule")
                .with_help("in libseccomp an unconditional rule for a syscall overrides its conditional ones; drop one of them"),
            );
        }
        return vec![Cow::Borrowed(*a)];
    }
    let mut seen = crate::hashing::HashSet::default();
    kept.iter()
        .filter(|r| seen.insert((r.action, &r.args)))
        .map(|r| Cow::Borrowed(*r))
        .collect()
}

/// On x86, `socketcall` reaches every socket operation with its arguments
/// behind a pointer, and libseccomp adds each `socket` rule to
/// `socketcall(SYS_SOCKET)` without its conditions. When `socket` is allowed
/// only under conditions, `socketcall` is therefore denied outright (with
/// ENOSYS, so the C library uses the direct calls), unless the profile
/// allows it itself, which is warned about.
fn socketcall_gap(
    chosen: &mut Chosen,
    arches: &[Arch],
    default: Action,
    by_name: &[&[&Raw]],
    diags: &mut Vec<Diagnostic>,
) {
    if !arches.contains(&Arch::X86) {
        return;
    }
    let Some((_, socket)) = find(chosen, "socket", |(n, _)| n) else {
        return;
    };
    let Some(first) = socket.first().cloned() else {
        return;
    };
    let conditional = socket
        .iter()
        .all(|r| !r.args.is_empty() && !is_denial(r.action));
    if !conditional {
        return;
    }
    let closed = find(chosen, "socketcall", |(n, _)| n)
        .is_some_and(|(_, rs)| rs.iter().any(|r| r.args.is_empty() && is_denial(r.action)));
    if closed {
        return;
    }
    let explicit = find(by_name, "socketcall", |rs| {
        rs.first().map_or("", |r| r.name.as_str())
    })
    .and_then(|rs| rs.iter().find(|r| r.explicit).map(|r| r.name_span));
    if let Some(at) = explicit {
        diags.push(
            Diagnostic::warning(
                codes::CONFINE_X86_SOCKETCALL,
                "on x86, `socketcall` bypasses the conditions on `socket`",
            )
            .at(at, "allowed here")
            .with_secondary(
                first.span,
                "these conditions do not apply through `socketcall`",
            )
            .with_help("deny `socketcall`, or drop `x86` from `arch`"),
        );
        return;
    }
    // A denial the default does not already give, so the rule is emitted.
    let enosys = Action::Errno(libc::ENOSYS as u16);
    let action = if default == enosys {
        Action::Errno(libc::EAFNOSUPPORT as u16)
    } else {
        enosys
    };
    let entry = vec![Cow::Owned(Raw {
        name: "socketcall".into(),
        name_span: first.name_span,
        action,
        args: Vec::new(),
        explicit: false,
        level: u32::MAX,
        own: false,
        stdlib: true,
        span: first.span,
    })];
    match chosen.binary_search_by(|(n, _)| (*n).cmp("socketcall")) {
        Ok(i) => chosen[i].1 = entry,
        Err(i) => chosen.insert(i, ("socketcall", entry)),
    }
    diags.push(
        Diagnostic::note(
            codes::CONFINE_X86_SOCKETCALL,
            format!("on x86, `socketcall` is denied ({action}) so that the conditions on `socket` hold"),
        )
        .at(first.span, "`socket` is allowed only under conditions")
        .with_help("libseccomp would otherwise let `socketcall(SYS_SOCKET, ...)` through without them; allow `socketcall` explicitly to keep it"),
    );
}

/// What the policy decides for a call (for the ir lints; the harness is the
/// proof of the emitted JSON).
pub fn decide_call(p: &SyscallPolicy, arch: Arch, name: &str, args: &[u64; 6]) -> Option<Action> {
    arch.number(name)?;
    let args = if arch.is_32bit() {
        args.map(|a| a & 0xffff_ffff)
    } else {
        *args
    };
    let matching = p
        .rules
        .iter()
        .filter(|r| r.name == name && r.args.iter().all(|c| c.holds(&args)))
        .map(|r| r.action)
        .max_by_key(|a| severity(*a));
    Some(matching.unwrap_or(p.default))
}
