//! `ir`: the explicit model of one checked policy, between the front ends
//! (`.confine` via [`lower`], AppArmor via [`from_apparmor`]) and the
//! emitters (`emit::apparmor_ir`, `emit::seccomp`, later Kubernetes).
//! A value of this type has passed the checker; every rule keeps the span
//! of the source it came from, for the ir-level lints ([`lint`]).

pub mod from_apparmor;
pub mod lint;
pub mod lower;
pub mod syscalls;

use crate::diag::{FileId, Span};
use crate::seccomp::expect::Expectation;
use crate::seccomp::model::{Action, Op};
use crate::seccomp::tables::Arch;
use crate::syntax::ast;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Enforce,
    /// AppArmor `flags=(complain)`; seccomp denials become `SCMP_ACT_LOG`.
    Complain,
}

/// One checked policy: what both emitters read.
#[derive(Clone, Debug)]
pub struct Policy {
    pub name: String,
    pub name_span: Span,
    /// The file that defines it.
    pub source: FileId,
    pub mode: Mode,
    pub attach: Option<String>,
    /// AppArmor profile flags other than the mode.
    pub flags: Vec<String>,
    pub files: Vec<FileRule>,
    pub capabilities: Vec<CapRule>,
    pub network: Vec<NetRule>,
    pub signals: Vec<SignalRule>,
    pub ptrace: Vec<PtraceRule>,
    pub mount: Vec<MountRule>,
    /// AppArmor rules from `apparmor { }` blocks (or, for an AppArmor
    /// input, the profile's own items), parsed and checked.
    pub native: Vec<ast::Item>,
    /// AppArmor inputs: the file's items before and around the profile
    /// (variables, includes, abi), printed before it.
    pub preamble: Vec<ast::Item>,
    /// AppArmor inputs: the profile as written (name, attachment, flags
    /// and items printed from it).
    pub apparmor_profile: Option<ast::Profile>,
    /// `None`: the source has no `syscalls` policy, so no seccomp output.
    pub seccomp: Option<SyscallPolicy>,
    pub expectations: Vec<Expectation>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileAccess {
    Read,
    /// Read and write.
    Write,
    /// Read and append.
    Append,
    /// Map, read and execute under this profile (`mrix`).
    Exec,
    /// Every access (deny rules: `deny PATH mrwklx`).
    Every,
    /// Every path, every access (AppArmor `file,`).
    AnyFile,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRule {
    pub path: String,
    pub access: FileAccess,
    pub deny: bool,
    pub owner: bool,
    pub audit: bool,
    pub span: Span,
}

impl FileRule {
    /// The AppArmor permission letters of the rule.
    pub fn perms(&self) -> &'static str {
        match (self.access, self.deny) {
            (FileAccess::Read, _) => "r",
            (FileAccess::Write, false) => "rw",
            (FileAccess::Write, true) => "w",
            (FileAccess::Append, false) => "ra",
            (FileAccess::Append, true) => "a",
            (FileAccess::Exec, false) => "mrix",
            (FileAccess::Exec, true) => "x",
            (FileAccess::Every | FileAccess::AnyFile, _) => "mrwklx",
        }
    }

    pub fn writes(&self) -> bool {
        matches!(
            self.access,
            FileAccess::Write | FileAccess::Append | FileAccess::Every | FileAccess::AnyFile
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapRule {
    pub name: String,
    pub deny: bool,
    pub span: Span,
}

/// `None` everywhere: all networking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetRule {
    pub family: Option<String>,
    pub sock_type: Option<String>,
    pub protocol: Option<String>,
    pub deny: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalRule {
    pub deny: bool,
    /// `send` or `receive`.
    pub access: &'static str,
    pub signals: Vec<String>,
    pub peer: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtraceRule {
    pub deny: bool,
    /// Empty: every access.
    pub access: Vec<String>,
    pub peer: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountRule {
    /// No mount, umount or pivot_root.
    DenyAll(Span),
    Mount {
        fstype: String,
        target: String,
        span: Span,
    },
    Umount {
        target: String,
        span: Span,
    },
}

/// The seccomp side: a default action and per-syscall rules, resolved
/// (one action per syscall, no rule equal to the default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallPolicy {
    pub default: Action,
    pub arches: Vec<Arch>,
    pub rules: Vec<SyscallRule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallRule {
    pub name: String,
    pub action: Action,
    /// All must hold (AND), as in OCI `args`.
    pub args: Vec<ArgCmp>,
    pub span: Span,
}

/// An OCI argument comparison. For `MaskedEqual`, `value` is the mask and
/// `value_two` the expected value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArgCmp {
    pub index: u8,
    pub op: Op,
    pub value: u64,
    pub value_two: u64,
}

impl ArgCmp {
    pub fn holds(&self, args: &[u64; 6]) -> bool {
        let a = args[usize::from(self.index.min(5))];
        match self.op {
            Op::Equal => a == self.value,
            Op::NotEqual => a != self.value,
            Op::LessThan => a < self.value,
            Op::LessEqual => a <= self.value,
            Op::GreaterThan => a > self.value,
            Op::GreaterEqual => a >= self.value,
            Op::MaskedEqual => a & self.value == self.value_two,
        }
    }
}
