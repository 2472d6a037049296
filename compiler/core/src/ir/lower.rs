//! A checked `.confine` profile -> [`Policy`]: bases merged in (`use` and
//! `extends` first, in order, then the profile's own items), syscall sets
//! expanded, values resolved, `self` replaced by the profile's name.

use crate::hashing::HashSet;

use super::syscalls::{self, Raw};
use super::*;
use crate::check::confine::{expect, net_slots, values, Checked};
use crate::diag::codes;
use crate::diag::{Diagnostic, SourceMap};
use crate::resolve::confine::Program;
use crate::seccomp::model::Action;
use crate::syntax::confine::ast::{self as c, ActionKind, CondKind, ProfileItem, SyscallStmt};

/// One profile's items with where they come from.
struct Part<'p> {
    file: usize,
    item: &'p ProfileItem,
    own: bool,
}

/// Lower profile `p` of file `file`. Diagnostics are the whole-profile
/// ones (contradictions, arch notes); the ir lints run separately.
pub fn lower(
    program: &Program,
    checked: &Checked,
    sources: &SourceMap,
    file: usize,
    p: &c::Profile,
    diags: &mut Vec<Diagnostic>,
) -> Policy {
    let mut parts = Vec::new();
    let mut visited = HashSet::default();
    collect(program, file, p, true, &mut visited, &mut parts);
    let self_name = p.name.text.clone();
    let peer = |w: &c::Word| -> String {
        if w.text == "self" {
            self_name.clone()
        } else {
            w.text.clone()
        }
    };
    let mut pol = Policy {
        name: p.name.text.clone(),
        name_span: p.name.span,
        source: program.files[file].id,
        mode: Mode::Enforce,
        attach: None,
        flags: Vec::new(),
        files: Vec::new(),
        capabilities: Vec::new(),
        network: Vec::new(),
        signals: Vec::new(),
        ptrace: Vec::new(),
        mount: Vec::new(),
        native: Vec::new(),
        preamble: Vec::new(),
        apparmor_profile: None,
        seccomp: None,
        expectations: Vec::new(),
    };
    let mut default: Option<Action> = None;
    let mut arches: Option<Vec<Arch>> = None;
    let mut raws: Vec<Raw> = Vec::new();
    let mut has_syscalls = false;
    let mut expect_span = None;
    let mut seen = Seen::default();
    for part in &parts {
        match part.item {
            ProfileItem::Mode(w) => {
                pol.mode = if w.text == "complain" {
                    Mode::Complain
                } else {
                    Mode::Enforce
                }
            }
            ProfileItem::Attach(w) => pol.attach = Some(w.text.clone()),
            ProfileItem::Flags(ws) => {
                for w in ws {
                    push_unique(&mut pol.flags, w.text.clone());
                }
            }
            ProfileItem::Use { .. } => {}
            ProfileItem::Files(stmts) => {
                for s in stmts {
                    let (access, deny, audit) = match s.verb {
                        c::FileVerb::Read => (FileAccess::Read, false, false),
                        c::FileVerb::Write => (FileAccess::Write, false, false),
                        c::FileVerb::AuditWrite => (FileAccess::Write, false, true),
                        c::FileVerb::Append => (FileAccess::Append, false, false),
                        c::FileVerb::Exec => (FileAccess::Exec, false, false),
                        c::FileVerb::Deny => (FileAccess::Every, true, false),
                        c::FileVerb::DenyWrite => (FileAccess::Write, true, false),
                        c::FileVerb::DenyExec => (FileAccess::Exec, true, false),
                        c::FileVerb::All => (FileAccess::AnyFile, false, false),
                    };
                    let owner = s.owner.is_some();
                    if s.verb == c::FileVerb::All {
                        seen.push(
                            &mut pol.files,
                            FileRule {
                                path: String::new(),
                                access,
                                deny,
                                owner,
                                audit,
                                span: s.span,
                            },
                        );
                    }
                    for path in &s.paths {
                        seen.push(
                            &mut pol.files,
                            FileRule {
                                path: path.text.clone(),
                                access,
                                deny,
                                owner,
                                audit,
                                span: path.span,
                            },
                        );
                    }
                }
            }
            ProfileItem::Capabilities(stmts) => {
                for s in stmts {
                    for n in &s.names {
                        seen.push(
                            &mut pol.capabilities,
                            CapRule {
                                name: n.text.clone(),
                                deny: s.deny,
                                span: n.span,
                            },
                        );
                    }
                }
            }
            ProfileItem::Network(stmts) => {
                for s in stmts {
                    if s.entries.is_empty() {
                        seen.push(
                            &mut pol.network,
                            NetRule {
                                family: None,
                                sock_type: None,
                                protocol: None,
                                deny: s.deny,
                                span: s.span,
                            },
                        );
                    }
                    for e in &s.entries {
                        let texts: Vec<&str> = e.words.iter().map(|w| w.text.as_str()).collect();
                        let mut parts: [Option<String>; 3] = [None, None, None];
                        for (t, slot) in texts.iter().zip(net_slots(&texts)) {
                            if let Some(i) = slot {
                                parts[i] = Some((*t).to_string());
                            }
                        }
                        let [family, sock_type, protocol] = parts;
                        seen.push(
                            &mut pol.network,
                            NetRule {
                                family,
                                sock_type,
                                protocol,
                                deny: s.deny,
                                span: e.span,
                            },
                        );
                    }
                }
            }
            ProfileItem::Signals(stmts) => {
                for s in stmts {
                    seen.push(
                        &mut pol.signals,
                        SignalRule {
                            deny: s.deny,
                            access: match s.dir {
                                c::SignalDir::Send => "send",
                                c::SignalDir::Receive => "receive",
                            },
                            signals: s.signals.iter().map(|w| signal_name(&w.text)).collect(),
                            peer: s.peer.as_ref().map(peer),
                            span: s.span,
                        },
                    );
                }
            }
            ProfileItem::Ptrace(stmts) => {
                for s in stmts {
                    seen.push(
                        &mut pol.ptrace,
                        PtraceRule {
                            deny: s.deny,
                            access: s.access.iter().map(|w| w.text.clone()).collect(),
                            peer: s.peer.as_ref().map(peer),
                            span: s.span,
                        },
                    );
                }
            }
            ProfileItem::Mount(stmts) => {
                for s in stmts {
                    let r = match s {
                        c::MountStmt::DenyAll(span) => MountRule::DenyAll(*span),
                        c::MountStmt::Mount {
                            span,
                            fstype,
                            target,
                        } => MountRule::Mount {
                            fstype: fstype.text.clone(),
                            target: target.text.clone(),
                            span: *span,
                        },
                        c::MountStmt::Umount { span, target } => MountRule::Umount {
                            target: target.text.clone(),
                            span: *span,
                        },
                    };
                    seen.push(&mut pol.mount, r);
                }
            }
            ProfileItem::Syscalls(stmts) => {
                has_syscalls = true;
                for s in stmts {
                    match s {
                        SyscallStmt::Default { action, .. } => {
                            default = Some(action_of(&action.kind, None));
                        }
                        SyscallStmt::Arch { arches: ws, .. } => {
                            arches = Some(
                                ws.iter()
                                    .filter_map(|w| Arch::from_short(&w.text))
                                    .collect(),
                            );
                        }
                        _ => {}
                    }
                }
            }
            ProfileItem::Native(n) => {
                if let Some(items) = checked
                    .native
                    .get(&(program.files[part.file].id, n.body.start))
                {
                    pol.native.extend(items.iter().cloned());
                }
            }
            ProfileItem::Expect(e) => {
                if part.own {
                    let mut ignored = Vec::new();
                    let cases =
                        expect::cases(sources, program.files[part.file].id, e, &mut ignored);
                    pol.expectations.extend(cases);
                    expect_span = Some(e.span);
                }
            }
        }
    }
    // Rules need the final default (`deny` means it, when it denies).
    let default = default.unwrap_or(Action::Errno(libc::EPERM as u16));
    let mut level = 0u32;
    for part in &parts {
        if let ProfileItem::Syscalls(stmts) = part.item {
            let stdlib = program.files[part.file].stdlib;
            for s in stmts {
                match s {
                    SyscallStmt::Rule(r) => {
                        let origin = Origin {
                            explicit: true,
                            level: u32::MAX,
                            own: part.own,
                            stdlib,
                        };
                        raw_rules(r, default, origin, &mut raws)
                    }
                    SyscallStmt::Use { sets, .. } => {
                        for w in sets {
                            level += 1;
                            let mut seen = HashSet::default();
                            expand_set(
                                program, part.file, &w.text, default, level, &mut seen, &mut raws,
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    if has_syscalls {
        pol.seccomp = Some(syscalls::resolve(
            syscalls::Input {
                default,
                arches: arches.unwrap_or_else(|| Arch::ALL.to_vec()),
                complain: pol.mode == Mode::Complain,
                rules: raws,
            },
            diags,
        ));
    } else if let Some(span) = expect_span {
        diags.push(
            Diagnostic::error(
                codes::CONFINE_EXPECT_WITHOUT_SECCOMP,
                format!("`{}` has expectations but no seccomp policy", pol.name),
            )
            .at(span, "nothing to test these against")
            .with_help("add a `syscalls { ... }` block, or `extends container`"),
        );
    }
    pol
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Keep the first of identical rules (spans aside): a set of keys per
/// kind, so a profile with a quarter of a million paths stays linear.
#[derive(Default)]
struct Seen(HashSet<String>);

impl Seen {
    fn push<T: Spanless>(&mut self, v: &mut Vec<T>, r: T) {
        if self.0.insert(r.key()) {
            v.push(r);
        }
    }
}

trait Spanless {
    /// What makes two rules the same, spans aside.
    fn key(&self) -> String;
}

macro_rules! spanless {
    ($t:ty, $tag:literal, $($f:ident),*) => {
        impl Spanless for $t {
            fn key(&self) -> String {
                format!("{}{:?}", $tag, ($(&self.$f,)*))
            }
        }
    };
}

spanless!(FileRule, "f", path, access, deny, owner, audit);
spanless!(CapRule, "c", name, deny);
spanless!(NetRule, "n", family, sock_type, protocol, deny);
spanless!(SignalRule, "s", deny, access, signals, peer);
spanless!(PtraceRule, "p", deny, access, peer);

impl Spanless for MountRule {
    fn key(&self) -> String {
        match self {
            MountRule::DenyAll(_) => "m-deny".to_string(),
            MountRule::Mount { fstype, target, .. } => format!("m{fstype:?}{target:?}"),
            MountRule::Umount { target, .. } => format!("u{target:?}"),
        }
    }
}

/// AppArmor signal names are lower case without `SIG`.
fn signal_name(s: &str) -> String {
    s.strip_prefix("SIG")
        .map_or(s.to_string(), str::to_lowercase)
}

/// Bases first (depth first, each once), then the profile's own items.
fn collect<'p>(
    program: &'p Program,
    file: usize,
    p: &'p c::Profile,
    own: bool,
    visited: &mut HashSet<(usize, String)>,
    out: &mut Vec<Part<'p>>,
) {
    if !visited.insert((file, p.name.text.clone())) {
        return;
    }
    for item in &p.items {
        if let ProfileItem::Use { bases, .. } = item {
            for b in bases {
                if let Some((bf, base)) = program.lookup_profile(file, &b.text) {
                    collect(program, bf, base, false, visited, out);
                }
            }
        }
    }
    for item in &p.items {
        out.push(Part { file, item, own });
    }
}

/// Where a rule comes from, for precedence and diagnostics.
#[derive(Clone, Copy)]
struct Origin {
    explicit: bool,
    level: u32,
    own: bool,
    stdlib: bool,
}

fn expand_set(
    program: &Program,
    file: usize,
    name: &str,
    default: Action,
    level: u32,
    seen: &mut HashSet<(usize, String)>,
    out: &mut Vec<Raw>,
) {
    let Some((sf, set)) = program.lookup_set(file, name) else {
        return;
    };
    if !seen.insert((sf, name.to_string())) {
        return;
    }
    let stdlib = program.files[sf].stdlib;
    for s in &set.stmts {
        match s {
            SyscallStmt::Rule(r) => {
                let origin = Origin {
                    explicit: false,
                    level,
                    own: false,
                    stdlib,
                };
                raw_rules(r, default, origin, out)
            }
            SyscallStmt::Use { sets, .. } => {
                for w in sets {
                    expand_set(program, sf, &w.text, default, level, seen, out);
                }
            }
            _ => {}
        }
    }
}

fn action_of(kind: &ActionKind, default: Option<Action>) -> Action {
    let eperm = Action::Errno(libc::EPERM as u16);
    match kind {
        ActionKind::Allow => Action::Allow,
        ActionKind::Deny => match default {
            Some(d) if syscalls::is_denial(d) => d,
            _ => eperm,
        },
        ActionKind::Errno(w) => values::errno(&w.text).map_or(eperm, Action::Errno),
        ActionKind::Log => Action::Log,
        ActionKind::Kill => Action::KillProcess,
        ActionKind::KillThread => Action::KillThread,
        ActionKind::Trap => Action::Trap,
        ActionKind::Trace(v) => {
            Action::Trace(v.as_ref().and_then(|w| w.text.parse().ok()).unwrap_or(0))
        }
    }
}

/// One raw rule per name and per combination of `in` values.
fn raw_rules(r: &c::SyscallRule, default: Action, origin: Origin, out: &mut Vec<Raw>) {
    let action = action_of(&r.action.kind, Some(default));
    let mut combos: Vec<Vec<ArgCmp>> = vec![Vec::new()];
    for cond in &r.conds {
        let val = |v: &c::Value| values::value(&v.word.text).unwrap_or(0);
        let options: Vec<ArgCmp> = match &cond.kind {
            CondKind::Cmp(op, v) => vec![ArgCmp {
                index: cond.index,
                op: match op {
                    c::CmpOp::Eq => Op::Equal,
                    c::CmpOp::Ne => Op::NotEqual,
                    c::CmpOp::Lt => Op::LessThan,
                    c::CmpOp::Le => Op::LessEqual,
                    c::CmpOp::Gt => Op::GreaterThan,
                    c::CmpOp::Ge => Op::GreaterEqual,
                },
                value: val(v),
                value_two: 0,
            }],
            CondKind::Masked { mask, value } => vec![ArgCmp {
                index: cond.index,
                op: Op::MaskedEqual,
                value: val(mask),
                value_two: val(value),
            }],
            CondKind::In(vs) => vs
                .iter()
                .map(|v| ArgCmp {
                    index: cond.index,
                    op: Op::Equal,
                    value: val(v),
                    value_two: 0,
                })
                .collect(),
        };
        combos = combos
            .into_iter()
            .flat_map(|base| {
                options.iter().map(move |o| {
                    let mut b = base.clone();
                    b.push(*o);
                    b
                })
            })
            .collect();
    }
    for n in &r.names {
        for args in &combos {
            out.push(Raw {
                name: n.text.clone(),
                name_span: n.span,
                action,
                args: args.clone(),
                explicit: origin.explicit,
                level: origin.level,
                own: origin.own,
                stdlib: origin.stdlib,
                span: r.span,
            });
        }
    }
}
