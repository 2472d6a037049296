//! The OCI seccomp profile as a typed model with spans, read from [`Json`].
//!
//! Reading keeps going after errors: a bad rule is reported and left out,
//! the rest of the profile is still built and checked.

use super::json::{Json, JsonKind, Member};
use crate::diag::{Diagnostic, FileId, Span};

pub use crate::diag::codes::SECCOMP_ARG_INDEX as ARG_INDEX;
pub use crate::diag::codes::SECCOMP_BAD_NUMBER as BAD_NUMBER;
pub use crate::diag::codes::SECCOMP_DOCKER_FIELD as DOCKER_FIELD;
pub use crate::diag::codes::SECCOMP_DUPLICATE_FIELD as DUPLICATE_FIELD;
pub use crate::diag::codes::SECCOMP_EMPTY_NAME as EMPTY_NAME;
pub use crate::diag::codes::SECCOMP_ERRNO_RET_IGNORED as ERRNO_WITHOUT_ERRNO_ACTION;
pub use crate::diag::codes::SECCOMP_EXPECTED_TYPE as EXPECTED_TYPE;
pub use crate::diag::codes::SECCOMP_MISSING_FIELD as MISSING_FIELD;
pub use crate::diag::codes::SECCOMP_UNKNOWN_ACTION as UNKNOWN_ACTION;
pub use crate::diag::codes::SECCOMP_UNKNOWN_ARCH as UNKNOWN_ARCH;
pub use crate::diag::codes::SECCOMP_UNKNOWN_FIELD as UNKNOWN_FIELD;
pub use crate::diag::codes::SECCOMP_UNKNOWN_FLAG as UNKNOWN_FLAG;
pub use crate::diag::codes::SECCOMP_UNKNOWN_OP as UNKNOWN_OP;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// An OCI action name, without its errno / trace value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    KillProcess,
    /// `SCMP_ACT_KILL` and `SCMP_ACT_KILL_THREAD` (the same action).
    KillThread,
    Trap,
    Errno,
    Trace,
    Allow,
    Log,
    Notify,
}

impl ActionKind {
    pub const NAMES: &'static [(&'static str, ActionKind)] = &[
        ("SCMP_ACT_KILL", ActionKind::KillThread),
        ("SCMP_ACT_KILL_THREAD", ActionKind::KillThread),
        ("SCMP_ACT_KILL_PROCESS", ActionKind::KillProcess),
        ("SCMP_ACT_TRAP", ActionKind::Trap),
        ("SCMP_ACT_ERRNO", ActionKind::Errno),
        ("SCMP_ACT_TRACE", ActionKind::Trace),
        ("SCMP_ACT_ALLOW", ActionKind::Allow),
        ("SCMP_ACT_LOG", ActionKind::Log),
        ("SCMP_ACT_NOTIFY", ActionKind::Notify),
    ];

    pub fn from_name(name: &str) -> Option<ActionKind> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
    }
}

/// An action as a runtime resolves it: errno / trace value filled in
/// (runc uses EPERM when `errnoRet` is absent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    KillProcess,
    KillThread,
    Trap,
    Errno(u16),
    Trace(u16),
    Allow,
    Log,
    Notify,
}

impl Action {
    pub fn resolve(kind: ActionKind, ret: Option<u32>) -> Action {
        let ret = ret.map(|r| r as u16);
        match kind {
            ActionKind::KillProcess => Action::KillProcess,
            ActionKind::KillThread => Action::KillThread,
            ActionKind::Trap => Action::Trap,
            ActionKind::Errno => Action::Errno(ret.unwrap_or(libc::EPERM as u16)),
            ActionKind::Trace => Action::Trace(ret.unwrap_or(libc::EPERM as u16)),
            ActionKind::Allow => Action::Allow,
            ActionKind::Log => Action::Log,
            ActionKind::Notify => Action::Notify,
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let errno = |v: u16| {
            super::consts::errno_name(i32::from(v))
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        };
        match self {
            Action::KillProcess => write!(f, "kill-process"),
            Action::KillThread => write!(f, "kill-thread"),
            Action::Trap => write!(f, "trap"),
            Action::Errno(v) => write!(f, "errno {}", errno(*v)),
            Action::Trace(v) => write!(f, "trace {v}"),
            Action::Allow => write!(f, "allow"),
            Action::Log => write!(f, "log"),
            Action::Notify => write!(f, "notify"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    NotEqual,
    LessThan,
    LessEqual,
    Equal,
    GreaterEqual,
    GreaterThan,
    MaskedEqual,
}

impl Op {
    pub const NAMES: &'static [(&'static str, Op)] = &[
        ("SCMP_CMP_NE", Op::NotEqual),
        ("SCMP_CMP_LT", Op::LessThan),
        ("SCMP_CMP_LE", Op::LessEqual),
        ("SCMP_CMP_EQ", Op::Equal),
        ("SCMP_CMP_GE", Op::GreaterEqual),
        ("SCMP_CMP_GT", Op::GreaterThan),
        ("SCMP_CMP_MASKED_EQ", Op::MaskedEqual),
    ];

    pub fn from_name(name: &str) -> Option<Op> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub index: u32,
    pub value: u64,
    pub value_two: u64,
    pub op: Op,
    pub span: Span,
}

/// Docker's capability gates on a rule (`includes.caps` / `excludes.caps`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DockerGate {
    pub include_caps: Vec<String>,
    pub exclude_caps: Vec<String>,
    /// The `includes` / `excludes` keys that carry capabilities.
    pub spans: Vec<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub names: Vec<Spanned<String>>,
    pub action: Spanned<ActionKind>,
    pub errno_ret: Option<Spanned<u32>>,
    pub args: Vec<Arg>,
    /// The whole rule object.
    pub span: Span,
    pub gate: DockerGate,
}

impl Rule {
    pub fn resolved(&self) -> Action {
        Action::resolve(self.action.value, self.errno_ret.as_ref().map(|e| e.value))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub file: FileId,
    pub default_action: Spanned<ActionKind>,
    pub default_errno_ret: Option<Spanned<u32>>,
    /// OCI architecture names as written (validated against `OCI_ARCHES`).
    pub architectures: Vec<Spanned<String>>,
    pub flags: Vec<Spanned<String>>,
    pub syscalls: Vec<Rule>,
    /// The `"syscalls"` key, when present.
    pub syscalls_key: Option<Span>,
    /// `listenerPath`: where the runtime sends the SCMP_ACT_NOTIFY fd.
    pub listener_path: Option<Spanned<String>>,
}

impl Profile {
    pub fn default(&self) -> Action {
        Action::resolve(
            self.default_action.value,
            self.default_errno_ret.as_ref().map(|e| e.value),
        )
    }
}

pub static FLAGS: &[&str] = &[
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
];

fn expected(what: &str, v: &Json) -> Diagnostic {
    Diagnostic::error(
        EXPECTED_TYPE,
        format!("expected {what}, found {}", v.type_name()),
    )
    .at(v.span, format!("expected {what}"))
}

/// The closest of `candidates` to `word`, for "did you mean" help.
pub use crate::diag::suggest::suggest;

/// Object members, with duplicates reported (the last one wins, as in Go's
/// `encoding/json`, which runtimes use).
fn members<'a>(obj: &'a [Member], diags: &mut Vec<Diagnostic>) -> Vec<&'a Member> {
    let mut out: Vec<&Member> = Vec::new();
    // Index by key only for big objects: small ones (every rule) are
    // searched faster than hashed, and a big one stays linear.
    let mut at: crate::hashing::HashMap<&str, usize> = crate::hashing::HashMap::default();
    let big = obj.len() > 16;
    for m in obj {
        let found = if big {
            at.get(m.key.as_str()).copied()
        } else {
            out.iter().position(|o| o.key == m.key)
        };
        if let Some(i) = found {
            diags.push(
                Diagnostic::warning(DUPLICATE_FIELD, format!("duplicate field `{}`", m.key))
                    .at(m.key_span, "this value replaces the earlier one")
                    .with_secondary(out[i].key_span, "first defined here"),
            );
            out[i] = m;
        } else {
            if big {
                at.insert(&m.key, out.len());
            }
            out.push(m);
        }
    }
    out
}

fn unknown_field(m: &Member, known: &[&str], where_: &str) -> Diagnostic {
    let d = Diagnostic::warning(
        UNKNOWN_FIELD,
        format!("unknown field `{}` in {where_}", m.key),
    )
    .at(m.key_span, "not an OCI seccomp field; runtimes ignore it");
    match suggest(&m.key, known.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d,
    }
}

fn docker_field(m: &Member, what: &str) -> Diagnostic {
    Diagnostic::warning(DOCKER_FIELD, format!("`{}` is a Docker-only field", m.key))
        .at(m.key_span, "ignored by containerd, CRI-O and runc")
        .with_help(what.to_string())
}

fn action(v: &Json, diags: &mut Vec<Diagnostic>) -> Option<Spanned<ActionKind>> {
    let Some(s) = v.as_str() else {
        diags.push(expected("an action name", v));
        return None;
    };
    match ActionKind::from_name(s) {
        Some(k) => Some(Spanned {
            value: k,
            span: v.span,
        }),
        None => {
            let d = Diagnostic::error(UNKNOWN_ACTION, format!("unknown action `{s}`"))
                .at(v.span, "not a seccomp action");
            let names = ActionKind::NAMES.iter().map(|(n, _)| *n);
            diags.push(match suggest(s, names) {
                Some(n) => d.with_help(format!("did you mean `{n}`?")),
                None => d.with_help("actions are SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_NOTIFY"),
            });
            None
        }
    }
}

fn number(v: &Json, max: u64, what: &str, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    match &v.kind {
        JsonKind::Number(_) => match v.as_u64() {
            Some(n) if n <= max => Some(n),
            _ => {
                diags.push(
                    Diagnostic::error(
                        BAD_NUMBER,
                        format!("{what} must be an integer from 0 to {max}"),
                    )
                    .at(v.span, "out of range or not an integer"),
                );
                None
            }
        },
        _ => {
            diags.push(expected("a number", v));
            None
        }
    }
}

fn string_list(v: &Json, what: &str, diags: &mut Vec<Diagnostic>) -> Vec<Spanned<String>> {
    match &v.kind {
        JsonKind::Array(items) => items
            .iter()
            .filter_map(|i| match i.as_str() {
                Some(s) => Some(Spanned {
                    value: s.to_string(),
                    span: i.span,
                }),
                None => {
                    diags.push(expected(what, i));
                    None
                }
            })
            .collect(),
        JsonKind::Null => Vec::new(),
        _ => {
            diags.push(expected(&format!("an array of {what}s"), v));
            Vec::new()
        }
    }
}

const TOP_FIELDS: &[&str] = &[
    "defaultAction",
    "defaultErrnoRet",
    "architectures",
    "flags",
    "listenerPath",
    "listenerMetadata",
    "syscalls",
];
const RULE_FIELDS: &[&str] = &["names", "action", "errnoRet", "args"];
const ARG_FIELDS: &[&str] = &["index", "value", "valueTwo", "op"];

/// Read a profile. Returns `None` only when the top level is unusable
/// (not an object, or no valid `defaultAction`).
pub fn read(file: FileId, root: &Json, diags: &mut Vec<Diagnostic>) -> Option<Profile> {
    let JsonKind::Object(top) = &root.kind else {
        diags.push(expected("a seccomp profile object", root));
        return None;
    };
    let mut default_action = None;
    let mut default_errno_ret = None;
    let mut architectures = Vec::new();
    let mut flags = Vec::new();
    let mut syscalls = Vec::new();
    let mut syscalls_key = None;
    let mut listener_path = None;
    let mut saw_default = false;
    for m in members(top, diags) {
        let v = &m.value;
        match m.key.as_str() {
            "defaultAction" => {
                saw_default = true;
                default_action = action(v, diags);
            }
            "defaultErrnoRet" => {
                default_errno_ret =
                    number(v, u64::from(u16::MAX), "`defaultErrnoRet`", diags).map(|n| Spanned {
                        value: n as u32,
                        span: v.span,
                    });
            }
            "architectures" => {
                architectures = string_list(v, "an architecture name", diags);
                for a in &architectures {
                    if !super::tables::OCI_ARCHES.contains(&a.value.as_str()) {
                        let d = Diagnostic::error(
                            UNKNOWN_ARCH,
                            format!("unknown architecture `{}`", a.value),
                        )
                        .at(a.span, "not an OCI architecture");
                        diags.push(match arch_alias(&a.value).or_else(|| suggest(&a.value, super::tables::OCI_ARCHES.iter().copied())) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => d.with_help("architectures are named like `SCMP_ARCH_X86_64`, `SCMP_ARCH_AARCH64`"),
                        });
                    }
                }
                architectures.retain(|a| super::tables::OCI_ARCHES.contains(&a.value.as_str()));
            }
            "flags" => {
                flags = string_list(v, "a flag name", diags);
                for f in &flags {
                    if !FLAGS.contains(&f.value.as_str()) {
                        let d = Diagnostic::error(
                            UNKNOWN_FLAG,
                            format!("unknown seccomp flag `{}`", f.value),
                        )
                        .at(f.span, "not a seccomp filter flag");
                        diags.push(match suggest(&f.value, FLAGS.iter().copied()) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => d.with_help(format!("flags are {}", FLAGS.join(", "))),
                        });
                    }
                }
                flags.retain(|f| FLAGS.contains(&f.value.as_str()));
            }
            "listenerPath" => match v.as_str() {
                Some(p) => {
                    listener_path = Some(Spanned {
                        value: p.to_string(),
                        span: v.span,
                    })
                }
                None => diags.push(expected("a path", v)),
            },
            "listenerMetadata" => {
                if v.as_str().is_none() {
                    diags.push(expected("a string", v));
                }
            }
            "syscalls" => {
                syscalls_key = Some(m.key_span);
                match &v.kind {
                    JsonKind::Array(items) => {
                        syscalls = items.iter().filter_map(|i| rule(i, diags)).collect();
                    }
                    JsonKind::Null => {}
                    _ => diags.push(expected("an array of rules", v)),
                }
            }
            "archMap" => diags.push(docker_field(
                m,
                "containerd and runc read only `architectures`; list the architectures there",
            )),
            "name" | "comment" => diags.push(docker_field(
                m,
                "remove it, or keep it knowing runtimes other than Docker drop it",
            )),
            _ => diags.push(unknown_field(m, TOP_FIELDS, "the profile")),
        }
    }
    if !saw_default {
        diags.push(
            Diagnostic::error(MISSING_FIELD, "missing field `defaultAction`")
                .at(
                    Span::new(file, root.span.start as usize, root.span.start as usize + 1),
                    "profile has no default action",
                )
                .with_help("add `\"defaultAction\": \"SCMP_ACT_ERRNO\"` (or another action)"),
        );
    }
    let default_action = default_action?;
    if let Some(e) = &default_errno_ret {
        errno_ret_allowed(default_action.value, e.span, "defaultAction", diags);
    }
    Some(Profile {
        file,
        default_action,
        default_errno_ret,
        architectures,
        flags,
        syscalls,
        syscalls_key,
        listener_path,
    })
}

/// The OCI name for a Go / Docker / uname architecture name (`amd64`, `arm64`).
fn arch_alias(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    let n = n.strip_prefix("scmp_arch_").unwrap_or(&n);
    Some(match n {
        "amd64" | "x86_64" | "x86-64" => "SCMP_ARCH_X86_64",
        "386" | "i386" | "i686" | "x86" => "SCMP_ARCH_X86",
        "arm64" | "aarch64" => "SCMP_ARCH_AARCH64",
        "arm" | "armhf" | "armel" => "SCMP_ARCH_ARM",
        "ppc64le" | "ppc64el" => "SCMP_ARCH_PPC64LE",
        "s390x" => "SCMP_ARCH_S390X",
        "riscv64" => "SCMP_ARCH_RISCV64",
        _ => return None,
    })
}

fn errno_ret_allowed(kind: ActionKind, span: Span, field: &str, diags: &mut Vec<Diagnostic>) {
    if !matches!(kind, ActionKind::Errno | ActionKind::Trace) {
        diags.push(
            Diagnostic::error(ERRNO_WITHOUT_ERRNO_ACTION, format!("an errno value is meaningful only with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not with this `{field}`"))
                .at(span, "ignored by the runtime")
                .with_help("remove it, or change the action to SCMP_ACT_ERRNO"),
        );
    }
}

fn caps_of(v: &Json, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let JsonKind::Object(obj) = &v.kind else {
        diags.push(expected("an object", v));
        return Vec::new();
    };
    obj.iter()
        .filter(|m| m.key == "caps")
        .flat_map(|m| string_list(&m.value, "a capability name", diags))
        .map(|s| s.value)
        .collect()
}

fn is_empty_object(v: &Json) -> bool {
    match &v.kind {
        JsonKind::Object(o) => o.iter().all(|m| match &m.value.kind {
            JsonKind::Array(a) => a.is_empty(),
            JsonKind::Null => true,
            JsonKind::String(s) => s.is_empty(),
            _ => false,
        }),
        JsonKind::Null => true,
        _ => false,
    }
}

fn rule(v: &Json, diags: &mut Vec<Diagnostic>) -> Option<Rule> {
    let JsonKind::Object(obj) = &v.kind else {
        diags.push(expected("a rule object", v));
        return None;
    };
    let mut names = None;
    let mut act = None;
    let mut saw_action = false;
    let mut errno_ret = None;
    let mut args = Vec::new();
    let mut gate = DockerGate::default();
    let mut ok = true;
    for m in members(obj, diags) {
        let val = &m.value;
        match m.key.as_str() {
            "names" => {
                let list = string_list(val, "a syscall name", diags);
                for n in &list {
                    if n.value.is_empty() {
                        diags.push(
                            Diagnostic::error(EMPTY_NAME, "empty syscall name")
                                .at(n.span, "runc rejects an empty name"),
                        );
                        ok = false;
                    }
                }
                names = Some(list);
            }
            "action" => {
                saw_action = true;
                act = action(val, diags);
            }
            "errnoRet" => {
                errno_ret =
                    number(val, u64::from(u16::MAX), "`errnoRet`", diags).map(|n| Spanned {
                        value: n as u32,
                        span: val.span,
                    });
                ok &= errno_ret.is_some();
            }
            "args" => match &val.kind {
                JsonKind::Array(items) => {
                    for a in items {
                        match arg(a, diags) {
                            Some(a) => args.push(a),
                            None => ok = false,
                        }
                    }
                }
                JsonKind::Null => {}
                _ => {
                    diags.push(expected("an array of argument conditions", val));
                    ok = false;
                }
            },
            "includes" | "excludes" => {
                let caps = caps_of(val, diags);
                if !caps.is_empty() {
                    gate.spans.push(m.key_span);
                    if m.key == "includes" {
                        gate.include_caps = caps;
                    } else {
                        gate.exclude_caps = caps;
                    }
                } else if !is_empty_object(val) {
                    diags.push(docker_field(m, "runtimes other than Docker apply this rule on every architecture and kernel"));
                }
            }
            "name" => diags.push(docker_field(
                m,
                "runtimes other than Docker read only `names`; put the syscall in `names`",
            )),
            "comment" => diags.push(docker_field(
                m,
                "remove it, or keep it knowing runtimes other than Docker drop it",
            )),
            _ => diags.push(unknown_field(m, RULE_FIELDS, "a syscall rule")),
        }
    }
    if !saw_action {
        diags.push(
            Diagnostic::error(MISSING_FIELD, "missing field `action` in syscall rule").at(
                Span::new(
                    v.span.file,
                    v.span.start as usize,
                    v.span.start as usize + 1,
                ),
                "rule has no action",
            ),
        );
    }
    let names = match names {
        Some(n) => n,
        None => {
            diags.push(
                Diagnostic::error(MISSING_FIELD, "missing field `names` in syscall rule")
                    .at(
                        Span::new(
                            v.span.file,
                            v.span.start as usize,
                            v.span.start as usize + 1,
                        ),
                        "rule names no syscall",
                    )
                    .with_help("add `\"names\": [\"...\"]`"),
            );
            return None;
        }
    };
    let action = act?;
    if let Some(e) = &errno_ret {
        errno_ret_allowed(action.value, e.span, "action", diags);
    }
    ok.then_some(Rule {
        names,
        action,
        errno_ret,
        args,
        span: v.span,
        gate,
    })
}

fn arg(v: &Json, diags: &mut Vec<Diagnostic>) -> Option<Arg> {
    let JsonKind::Object(obj) = &v.kind else {
        diags.push(expected("an argument condition object", v));
        return None;
    };
    let mut index = None;
    let mut value = None;
    let mut value_two = Some(0);
    let mut op = None;
    let mut ok = true;
    for m in members(obj, diags) {
        let val = &m.value;
        match m.key.as_str() {
            "index" => match val.as_u64() {
                Some(i) if i <= 5 => index = Some(i as u32),
                Some(_) => {
                    diags.push(
                        Diagnostic::error(ARG_INDEX, "argument index out of range")
                            .at(val.span, "syscalls have arguments 0 to 5")
                            .with_help("use an index from 0 to 5"),
                    );
                    ok = false;
                }
                None => {
                    ok = false;
                    number(val, 5, "an argument index", diags);
                }
            },
            "value" => {
                value = number(val, u64::MAX, "`value`", diags);
                ok &= value.is_some();
            }
            "valueTwo" => {
                value_two = number(val, u64::MAX, "`valueTwo`", diags);
                ok &= value_two.is_some();
            }
            "op" => {
                let Some(s) = val.as_str() else {
                    diags.push(expected("an operator name", val));
                    ok = false;
                    continue;
                };
                op = Op::from_name(s);
                if op.is_none() {
                    let d = Diagnostic::error(UNKNOWN_OP, format!("unknown operator `{s}`"))
                        .at(val.span, "not a seccomp comparison");
                    diags.push(match suggest(s, Op::NAMES.iter().map(|(n, _)| *n)) {
                        Some(n) => d.with_help(format!("did you mean `{n}`?")),
                        None => d.with_help("operators are SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ"),
                    });
                    ok = false;
                }
            }
            _ => diags.push(unknown_field(m, ARG_FIELDS, "an argument condition")),
        }
    }
    let start = Span::new(
        v.span.file,
        v.span.start as usize,
        v.span.start as usize + 1,
    );
    for (field, missing) in [
        ("index", index.is_none() && ok),
        ("value", value.is_none() && ok),
        ("op", op.is_none() && ok),
    ] {
        if missing {
            diags.push(
                Diagnostic::error(
                    MISSING_FIELD,
                    format!("missing field `{field}` in argument condition"),
                )
                .at(start, "incomplete condition"),
            );
        }
    }
    if !ok {
        return None;
    }
    Some(Arg {
        index: index?,
        value: value?,
        value_two: value_two?,
        op: op?,
        span: v.span,
    })
}
