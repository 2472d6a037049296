//! Semantic checks of a read [`Profile`]: what runtimes drop, what is
//! shadowed, names unknown on an architecture, the x86 `socketcall` caveat,
//! and Docker-only capability gates that plain OCI readers ignore.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Action, Op, Profile, Rule};
use super::tables::{self, Arch};
use crate::diag::Diagnostic;

pub use crate::diag::codes::SECCOMP_DOCKER_GATED_RULE as DOCKER_GATED_RULE;
pub use crate::diag::codes::SECCOMP_MASKED_NEVER_MATCHES as MASKED_NEVER_MATCHES;
pub use crate::diag::codes::SECCOMP_NOTIFY_NO_LISTENER as NOTIFY_NO_LISTENER;
pub use crate::diag::codes::SECCOMP_NOTIFY_WRITE as NOTIFY_WRITE;
pub use crate::diag::codes::SECCOMP_RULE_EQUALS_DEFAULT as RULE_EQUALS_DEFAULT;
pub use crate::diag::codes::SECCOMP_SAME_ARG_TWICE as SAME_ARG_TWICE;
pub use crate::diag::codes::SECCOMP_SHADOWED_RULE as SHADOWED_RULE;
pub use crate::diag::codes::SECCOMP_SYSCALL_NOT_ON_ARCH as SYSCALL_NOT_ON_ARCH;
pub use crate::diag::codes::SECCOMP_UNKNOWN_SYSCALL as UNKNOWN_SYSCALL;
pub use crate::diag::codes::SECCOMP_X86_SOCKETCALL as X86_SOCKETCALL;

/// Unknown names per profile that get a "did you mean" help.
const MAX_SUGGESTIONS: usize = 100;

/// Docker's default capability set: what a container gets without `--cap-add`.
pub static DOCKER_DEFAULT_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// What libseccomp decides for a syscall name, ignoring argument values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No rule applies: the default action.
    Default,
    /// An unconditional rule: the first one added wins, later ones and all
    /// conditional ones are ignored by libseccomp.
    Always(Action),
    /// Only conditional rules: the outcome depends on the arguments.
    Conditional,
}

impl Verdict {
    fn describe(&self, default: Action) -> String {
        match self {
            Verdict::Default => format!("{default} (default)"),
            Verdict::Always(a) => a.to_string(),
            Verdict::Conditional => "depends on arguments".to_string(),
        }
    }
}

/// Per-name verdicts as a runtime loads the profile: rules equal to the
/// default are skipped, the first unconditional rule wins.
pub fn verdicts(profile: &Profile, applies: impl Fn(&Rule) -> bool) -> BTreeMap<&str, Verdict> {
    let default = profile.default();
    let mut out: BTreeMap<&str, Verdict> = BTreeMap::new();
    for rule in profile.syscalls.iter().filter(|r| applies(r)) {
        let act = rule.resolved();
        if act == default {
            continue;
        }
        for n in &rule.names {
            let v = out.entry(n.value.as_str()).or_insert(Verdict::Default);
            match v {
                Verdict::Always(_) => {}
                _ if rule.args.is_empty() => *v = Verdict::Always(act),
                _ => *v = Verdict::Conditional,
            }
        }
    }
    out
}

/// Whether Docker applies a rule for a container with its default capabilities.
fn docker_applies(rule: &Rule) -> bool {
    rule.gate
        .include_caps
        .iter()
        .all(|c| DOCKER_DEFAULT_CAPS.contains(&c.as_str()))
        && !rule
            .gate
            .exclude_caps
            .iter()
            .any(|c| DOCKER_DEFAULT_CAPS.contains(&c.as_str()))
}

/// The architectures of the profile that have syscall tables.
pub fn table_arches(profile: &Profile) -> Vec<Arch> {
    let mut v: Vec<Arch> = profile
        .architectures
        .iter()
        .filter_map(|a| Arch::from_oci(&a.value))
        .collect();
    v.sort();
    v.dedup();
    v
}

pub fn lint(profile: &Profile, diags: &mut Vec<Diagnostic>) {
    let default = profile.default();
    let arches = table_arches(profile);

    // Per name: the first unconditional, non-default rule (name span, action).
    let mut first_always: BTreeMap<&str, (crate::diag::Span, Action)> = BTreeMap::new();
    for rule in &profile.syscalls {
        let act = rule.resolved();
        if act == default || !rule.args.is_empty() {
            continue;
        }
        for n in &rule.names {
            first_always
                .entry(n.value.as_str())
                .or_insert((n.span, act));
        }
    }

    // `socketcall` decided by an unconditional rule that does not allow it.
    let socketcall_closed = first_always
        .get("socketcall")
        .is_some_and(|(_, a)| !matches!(a, Action::Allow | Action::Log));
    let mut reported_unknown = BTreeSet::new();
    for rule in &profile.syscalls {
        let act = rule.resolved();
        if act == default {
            diags.push(
                Diagnostic::warning(
                    RULE_EQUALS_DEFAULT,
                    format!("rule action `{act}` equals the default action"),
                )
                .at(rule.action.span, "runtimes skip this rule")
                .with_secondary(profile.default_action.span, "default action")
                .with_help("remove the rule, or give it a different action"),
            );
        } else {
            for n in &rule.names {
                let Some((first_span, first_act)) = first_always.get(n.value.as_str()) else {
                    continue;
                };
                if *first_span == n.span {
                    continue;
                }
                let (msg, label) = if rule.args.is_empty() {
                    (
                        format!("rule for `{}` has no effect: an earlier unconditional rule decides `{first_act}`", n.value),
                        "libseccomp keeps the first unconditional rule",
                    )
                } else {
                    (
                        format!("conditional rule for `{}` has no effect: an unconditional rule decides `{first_act}`", n.value),
                        "an unconditional rule overrides conditional ones in libseccomp",
                    )
                };
                if rule.args.is_empty() && *first_act == act {
                    continue; // the same decision twice: harmless
                }
                diags.push(
                    Diagnostic::warning(SHADOWED_RULE, msg)
                        .at(n.span, label)
                        .with_secondary(*first_span, "unconditional rule"),
                );
            }
        }

        if act == Action::Notify {
            if let Some(n) = rule.names.iter().find(|n| n.value == "write") {
                diags.push(
                    Diagnostic::error(NOTIFY_WRITE, "SCMP_ACT_NOTIFY cannot be used for `write`")
                        .at(n.span, "runc refuses this profile")
                        .with_help("the runtime itself writes after installing the filter and would wait on its own listener"),
                );
            }
            if profile.listener_path.is_none() {
                diags.push(
                    Diagnostic::warning(NOTIFY_NO_LISTENER, "SCMP_ACT_NOTIFY without `listenerPath`")
                        .at(rule.action.span, "no agent receives these notifications")
                        .with_help("set `listenerPath` to the unix socket of the seccomp agent that answers these calls"),
                );
            }
        }

        // Syscall names.
        for n in &rule.names {
            let name = n.value.as_str();
            if name.is_empty() {
                continue;
            }
            if !tables::known_anywhere(name)
                && super::syscalls_data::ANY_ARCH.binary_search(&name).is_err()
            {
                if reported_unknown.insert(name) {
                    let d =
                        Diagnostic::warning(UNKNOWN_SYSCALL, format!("unknown syscall `{name}`"))
                            .at(n.span, "libseccomp does not know this name; runc skips it");
                    // A suggestion costs an edit distance to every known
                    // name: only the first few unknown names get one.
                    let suggestion = (reported_unknown.len() <= MAX_SUGGESTIONS)
                        .then(|| super::model::suggest(name, tables::all_names()))
                        .flatten();
                    diags.push(match suggestion {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d,
                    });
                }
                continue;
            }
            let missing: Vec<&str> = arches
                .iter()
                .filter(|a| a.number(name).is_none())
                .map(|a| a.short())
                .collect();
            if !missing.is_empty() {
                diags.push(
                    Diagnostic::warning(
                        SYSCALL_NOT_ON_ARCH,
                        format!("`{name}` is not a syscall on {}", missing.join(", ")),
                    )
                    .at(n.span, format!("skipped for {}", missing.join(", ")))
                    .with_help(
                        "harmless if intended; the rule still applies on the other architectures",
                    ),
                );
            }
        }

        // Arguments.
        let mut seen_index = BTreeMap::new();
        for a in &rule.args {
            if let Some(first) = seen_index.insert(a.index, a.span) {
                diags.push(
                    Diagnostic::warning(SAME_ARG_TWICE, format!("two conditions on argument {}: runc adds them as separate rules, so they are or-ed, not and-ed", a.index))
                        .at(a.span, "or-ed with the earlier condition")
                        .with_secondary(first, "earlier condition on the same argument")
                        .with_help("split the rule, or use one SCMP_CMP_MASKED_EQ condition"),
                );
            }
            if a.op == Op::MaskedEqual && a.value_two & !a.value != 0 {
                diags.push(
                    Diagnostic::warning(MASKED_NEVER_MATCHES, format!("masked comparison never matches: `valueTwo` {:#x} has bits outside the mask `value` {:#x}", a.value_two, a.value))
                        .at(a.span, "never true")
                        .with_help("SCMP_CMP_MASKED_EQ compares (arg & value) == valueTwo"),
                );
            }
        }
        if act != default
            && !rule.args.is_empty()
            && arches.contains(&Arch::X86)
            && !socketcall_closed
        {
            if let Some(n) = rule.names.iter().find(|n| n.value == "socket") {
                diags.push(
                    Diagnostic::warning(X86_SOCKETCALL, "on x86 the argument conditions on `socket` do not constrain `socketcall`")
                        .at(n.span, "conditional rule")
                        .with_help("32-bit programs can create sockets through `socketcall(SYS_SOCKET, ...)`, whose arguments are behind a pointer; add an unconditional rule that denies `socketcall` (e.g. errno ENOSYS), or accept the gap")
                        .with_note("libseccomp adds the multiplexed form without the argument conditions"),
                );
            }
        }
    }

    docker_gates(profile, diags);
}

fn docker_gates(profile: &Profile, diags: &mut Vec<Diagnostic>) {
    if profile.syscalls.iter().all(|r| r.gate.spans.is_empty()) {
        return;
    }
    let default = profile.default();
    let oci = verdicts(profile, |_| true);
    let docker = verdicts(profile, docker_applies);
    let get = |m: &BTreeMap<&str, Verdict>, n: &str| m.get(n).cloned().unwrap_or(Verdict::Default);
    for rule in profile.syscalls.iter().filter(|r| !r.gate.spans.is_empty()) {
        let mut changed = Vec::new();
        for n in &rule.names {
            let (a, b) = (get(&oci, &n.value), get(&docker, &n.value));
            if a != b && !changed.iter().any(|(c, _, _): &(&str, _, _)| *c == n.value) {
                changed.push((n.value.as_str(), b.describe(default), a.describe(default)));
            }
        }
        if changed.is_empty() {
            continue;
        }
        let gate = {
            let mut g = Vec::new();
            if !rule.gate.include_caps.is_empty() {
                g.push(format!("with {}", rule.gate.include_caps.join(", ")));
            }
            if !rule.gate.exclude_caps.is_empty() {
                g.push(format!("without {}", rule.gate.exclude_caps.join(", ")));
            }
            g.join(" and ")
        };
        let names: Vec<String> = changed.iter().map(|(n, _, _)| format!("`{n}`")).collect();
        let mut d = Diagnostic::warning(
            DOCKER_GATED_RULE,
            format!("Docker applies this rule only {gate}; containerd and runc apply it always, changing the verdict for {}", names.join(", ")),
        )
        .at(rule.gate.spans[0], "Docker-only condition, ignored as OCI JSON");
        for (n, docker_v, oci_v) in &changed {
            d = d.with_note(format!(
                "`{n}`: {docker_v} in Docker (default capabilities), {oci_v} as OCI JSON"
            ));
        }
        diags.push(
            d.with_help("for runtimes other than Docker, write one profile per capability set"),
        );
    }
}
