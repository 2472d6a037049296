//! Typed syntax tree of a `.confine` file. Every node carries a span into
//! the file it was read from; nothing here knows about pest.

use crate::diag::{FileId, Span};

/// A token: `text` is its meaning (quotes removed, escapes decoded), `raw`
/// what was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub raw: String,
    pub quoted: bool,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct File {
    pub file: Option<FileId>,
    pub imports: Vec<Import>,
    pub profiles: Vec<Profile>,
    pub sets: Vec<SyscallSet>,
}

/// `import "other.confine"`
#[derive(Clone, Debug)]
pub struct Import {
    pub span: Span,
    pub path: Word,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileKind {
    /// `confine NAME { }`: produces outputs.
    Confine,
    /// `base NAME { }`: only for `use` / `extends`.
    Base,
}

#[derive(Clone, Debug)]
pub struct Profile {
    pub span: Span,
    pub kind: ProfileKind,
    pub name: Word,
    pub items: Vec<ProfileItem>,
}

#[derive(Clone, Debug)]
pub enum ProfileItem {
    /// `mode enforce|complain`
    Mode(Word),
    /// `attach /usr/sbin/nginx`
    Attach(Word),
    /// `flags attach_disconnected ...`: AppArmor profile flags.
    Flags(Vec<Word>),
    /// `use a b` / `extends a`: bases whose items this profile takes.
    Use {
        keyword: Word,
        bases: Vec<Word>,
    },
    Files(Vec<FileStmt>),
    Capabilities(Vec<CapStmt>),
    Network(Vec<NetStmt>),
    Signals(Vec<SignalStmt>),
    Ptrace(Vec<PtraceStmt>),
    Mount(Vec<MountStmt>),
    Syscalls(Vec<SyscallStmt>),
    /// `apparmor { ... }`: the text between the braces.
    Native(Native),
    /// `expect { ... }`: the byte range of its body.
    Expect(ExpectBlock),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileVerb {
    Read,
    Write,
    /// Writes that are audited.
    AuditWrite,
    /// Append only.
    Append,
    Exec,
    /// Deny every access.
    Deny,
    DenyWrite,
    DenyExec,
    /// `all`: every file access (AppArmor `file,`).
    All,
}

impl FileVerb {
    pub const ALL: [(&'static str, FileVerb); 9] = [
        ("read", FileVerb::Read),
        ("write", FileVerb::Write),
        ("audit-write", FileVerb::AuditWrite),
        ("append", FileVerb::Append),
        ("exec", FileVerb::Exec),
        ("deny", FileVerb::Deny),
        ("deny-write", FileVerb::DenyWrite),
        ("deny-exec", FileVerb::DenyExec),
        ("all", FileVerb::All),
    ];

    pub fn keyword(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("?", |(k, _)| k)
    }

    pub fn is_deny(self) -> bool {
        matches!(
            self,
            FileVerb::Deny | FileVerb::DenyWrite | FileVerb::DenyExec
        )
    }
}

/// `[owner] VERB PATH...`
#[derive(Clone, Debug)]
pub struct FileStmt {
    pub span: Span,
    pub owner: Option<Span>,
    pub verb: FileVerb,
    pub verb_span: Span,
    pub paths: Vec<Word>,
}

/// `allow NAME...` / `deny NAME...`
#[derive(Clone, Debug)]
pub struct CapStmt {
    pub span: Span,
    pub deny: bool,
    pub names: Vec<Word>,
}

/// `allow inet tcp, inet6 tcp` / `deny raw, packet`: each entry is a family,
/// a type and a protocol, any of them left out.
#[derive(Clone, Debug)]
pub struct NetStmt {
    pub span: Span,
    pub deny: bool,
    pub entries: Vec<NetEntry>,
}

#[derive(Clone, Debug)]
pub struct NetEntry {
    pub span: Span,
    pub words: Vec<Word>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SignalDir {
    Send,
    Receive,
}

/// `[deny] send|receive [SIGNAL...] to|from PEER`
#[derive(Clone, Debug)]
pub struct SignalStmt {
    pub span: Span,
    pub deny: bool,
    pub dir: SignalDir,
    pub signals: Vec<Word>,
    pub peer: Option<Word>,
}

/// `deny` (no ptrace at all) or `[deny] allow ACCESS... [peer PEER]`
#[derive(Clone, Debug)]
pub struct PtraceStmt {
    pub span: Span,
    pub deny: bool,
    pub access: Vec<Word>,
    pub peer: Option<Word>,
}

/// `deny` (no mount, umount or pivot_root) or
/// `allow FSTYPE on TARGET` / `allow umount TARGET`.
#[derive(Clone, Debug)]
pub enum MountStmt {
    DenyAll(Span),
    Mount {
        span: Span,
        fstype: Word,
        target: Word,
    },
    Umount {
        span: Span,
        target: Word,
    },
}

#[derive(Clone, Debug)]
pub enum SyscallStmt {
    /// `default ACTION`
    Default { span: Span, action: ActionSpec },
    /// `arch x86_64 aarch64`
    Arch { span: Span, arches: Vec<Word> },
    /// `use SET...`
    Use { span: Span, sets: Vec<Word> },
    /// `ACTION NAME... [if COND [and COND]...]`
    Rule(SyscallRule),
}

#[derive(Clone, Debug)]
pub struct SyscallRule {
    pub span: Span,
    pub action: ActionSpec,
    pub names: Vec<Word>,
    pub conds: Vec<ArgCond>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionKind {
    Allow,
    /// The profile's denial: the default action when that denies, else
    /// `errno EPERM`.
    Deny,
    Errno(Word),
    Log,
    Kill,
    KillThread,
    Trap,
    Trace(Option<Word>),
}

#[derive(Clone, Debug)]
pub struct ActionSpec {
    pub span: Span,
    pub kind: ActionKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn from_text(s: &str) -> Option<CmpOp> {
        Some(match s {
            "==" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }
}

/// One value: a number, a constant, or `A|B|...`.
#[derive(Clone, Debug)]
pub struct Value {
    pub word: Word,
}

#[derive(Clone, Debug)]
pub enum CondKind {
    Cmp(CmpOp, Value),
    /// `argN & MASK == VALUE`
    Masked {
        mask: Value,
        value: Value,
    },
    In(Vec<Value>),
}

/// `argN ...`
#[derive(Clone, Debug)]
pub struct ArgCond {
    pub span: Span,
    pub index: u8,
    pub kind: CondKind,
}

#[derive(Clone, Debug)]
pub struct Native {
    pub span: Span,
    /// The rules between the braces.
    pub body: Span,
}

#[derive(Clone, Debug)]
pub struct ExpectBlock {
    pub span: Span,
    pub body: Span,
}

/// `syscall-set NAME { RULES }`: named syscall rules for `use`.
#[derive(Clone, Debug)]
pub struct SyscallSet {
    pub span: Span,
    pub name: Word,
    pub stmts: Vec<SyscallStmt>,
}
