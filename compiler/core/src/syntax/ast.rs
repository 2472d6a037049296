//! Typed syntax tree of an AppArmor policy file. Every node carries a span;
//! nothing here knows about pest.

use crate::diag::{FileId, Span};
use compact_str::CompactString;

pub mod stored;

/// A token as written ([`Word::raw`]) and as meant ([`Word::value`]:
/// quotes removed, escapes decoded).
///
/// Both texts share one string, and the value is stored only when it
/// differs from the raw text (rarely: quotes or escapes): a large profile
/// holds a few words per line, so each word's size counts (issue 13).
#[derive(Clone, PartialEq, Eq)]
pub struct Word {
    /// The raw text, followed by the value when the two differ. Held
    /// inline up to 24 bytes: most words (`r`, `rw`, `@{HOME}`) cost no
    /// allocation, parsed or read back from the parse cache (issue 13).
    text: CompactString,
    /// Bit 0: quoted. The other bits: where the raw text ends when the
    /// value follows it, else [`SAME`]. One field keeps a word at 40 bytes.
    meta: u32,
    pub span: Span,
}

/// [`Word::meta`]'s end when the value is the raw text (a word of 2 GiB
/// would need a file far over any input limit).
const SAME: u32 = u32::MAX >> 1;

impl Word {
    pub fn new(raw: &str, value: &str, quoted: bool, span: Span) -> Word {
        let (text, end) = if raw == value {
            (CompactString::new(raw), SAME)
        } else {
            let mut text = CompactString::with_capacity(raw.len() + value.len());
            text.push_str(raw);
            text.push_str(value);
            (text, raw.len() as u32)
        };
        Word {
            text,
            meta: end << 1 | u32::from(quoted),
            span,
        }
    }

    /// The raw text's end when the value follows it.
    fn raw_end(&self) -> Option<usize> {
        let end = self.meta >> 1;
        (end != SAME).then_some(end as usize)
    }

    /// The token was quoted.
    pub fn quoted(&self) -> bool {
        self.meta & 1 != 0
    }

    /// The token as written.
    pub fn raw(&self) -> &str {
        match self.raw_end() {
            None => &self.text,
            Some(end) => self.text.get(..end).unwrap_or_default(),
        }
    }

    /// The token as meant: quotes removed, escapes decoded.
    pub fn value(&self) -> &str {
        match self.raw_end() {
            None => &self.text,
            Some(end) => self.text.get(end..).unwrap_or_default(),
        }
    }
}

impl std::fmt::Debug for Word {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Word")
            .field("raw", &self.raw())
            .field("value", &self.value())
            .field("quoted", &self.quoted())
            .field("span", &self.span)
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct File {
    pub file: FileId,
    pub items: Vec<Item>,
    /// `# ...` comments, kept for the formatter.
    pub comments: Vec<Span>,
}

#[derive(Clone, Debug)]
pub enum Item {
    Include(Include),
    Abi(Abi),
    Alias(Alias),
    SetAssign(SetAssign),
    BoolAssign(Box<BoolAssign>),
    Profile(Box<Profile>),
    Rule(Rule),
    Block(Block),
    If(Box<IfRule>),
    Rlimit(Rlimit),
    /// A region that did not parse; its diagnostic was already reported.
    Error(Span),
}

/// A piece of an items list: a run of consecutive rules, or one other
/// item. Checks handle a run of rules at once (an included file's runs are
/// checked once per session).
pub enum Stretch<'a> {
    Rules(&'a [Item]),
    One(&'a Item),
}

/// `items` split into [`Stretch`]es, in order.
pub fn stretches(items: &[Item]) -> impl Iterator<Item = Stretch<'_>> {
    let mut rest = items;
    std::iter::from_fn(move || {
        let first = rest.first()?;
        if !matches!(first, Item::Rule(_)) {
            rest = &rest[1..];
            return Some(Stretch::One(first));
        }
        let n = rest
            .iter()
            .position(|i| !matches!(i, Item::Rule(_)))
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(n);
        rest = tail;
        Some(Stretch::Rules(run))
    })
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Include(i) => i.span,
            Item::Abi(i) => i.span,
            Item::Alias(i) => i.span,
            Item::SetAssign(i) => i.span,
            Item::BoolAssign(i) => i.span,
            Item::Profile(i) => i.span,
            Item::Rule(i) => i.span,
            Item::Block(i) => i.span,
            Item::If(i) => i.span,
            Item::Rlimit(i) => i.span,
            Item::Error(s) => *s,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IncludeTarget {
    /// `<name>`: searched in the include path.
    Search(String),
    /// `"path"` or a bare path: relative to the base directory.
    Path(String),
}

impl IncludeTarget {
    pub fn name(&self) -> &str {
        match self {
            IncludeTarget::Search(s) | IncludeTarget::Path(s) => s,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Include {
    pub span: Span,
    pub target: IncludeTarget,
    pub target_span: Span,
    pub if_exists: bool,
    /// Written `#include`, the deprecated spelling.
    pub hash: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Abi {
    pub span: Span,
    pub target: IncludeTarget,
    pub target_span: Span,
}

#[derive(Clone, Debug)]
pub struct Alias {
    pub span: Span,
    pub from: Word,
    pub to: Word,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    /// `=`
    Set,
    /// `+=`
    Add,
    /// `?=`
    SetIfUnset,
    /// `:=`
    Override,
}

impl AssignOp {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignOp::Set => "=",
            AssignOp::Add => "+=",
            AssignOp::SetIfUnset => "?=",
            AssignOp::Override => ":=",
        }
    }
}

/// `@{NAME} = a b c`
#[derive(Clone, Debug)]
pub struct SetAssign {
    pub span: Span,
    /// The variable as written, `@{NAME}`; `name` is `NAME`.
    pub var: Word,
    pub name: String,
    pub op: AssignOp,
    pub op_span: Span,
    pub values: Vec<Word>,
    pub trailing_comma: Option<Span>,
}

/// `${NAME} = true`
#[derive(Clone, Debug)]
pub struct BoolAssign {
    pub span: Span,
    pub var: Word,
    pub name: String,
    pub op: AssignOp,
    pub op_span: Span,
    pub expr: Expr,
    pub trailing_comma: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileKeyword {
    /// `/usr/bin/foo { }`
    None,
    /// `profile name { }`
    Profile,
    /// `hat name { }`
    Hat,
    /// `^name { }`
    Caret,
}

#[derive(Clone, Debug)]
pub struct Profile {
    pub span: Span,
    pub keyword: ProfileKeyword,
    pub keyword_span: Option<Span>,
    pub name: Word,
    pub attachment: Option<Word>,
    pub xattrs: Option<ParenList>,
    /// `+ identities=(...)` groups.
    pub identities: Vec<ParenList>,
    pub flags: Option<ParenList>,
    pub items: Vec<Item>,
    pub open_brace: Span,
    pub close_brace: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleMode {
    Allow,
    Deny,
    Prompt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Owner,
    Other,
}

/// `priority=N audit deny owner` before a rule or a block.
#[derive(Clone, Debug, Default)]
pub struct Qualifiers {
    pub priority: Option<(Word, Span)>,
    pub audit: Option<Span>,
    pub mode: Option<(RuleMode, Span)>,
    pub owner: Option<(Owner, Span)>,
}

impl Qualifiers {
    pub fn is_empty(&self) -> bool {
        self.priority.is_none()
            && self.audit.is_none()
            && self.mode.is_none()
            && self.owner.is_none()
    }
}

static NO_QUALIFIERS: Qualifiers = Qualifiers {
    priority: None,
    audit: None,
    mode: None,
    owner: None,
};

/// The [`Qualifiers`] of a rule or block, read through `Deref`. Most rules
/// have none, so they are boxed and absent then: one pointer per rule
/// instead of some 100 bytes (issue 13).
#[derive(Clone, Default)]
pub struct Prefix(Option<Box<Qualifiers>>);

impl Prefix {
    /// The qualifiers to change in place, if there are any (a shift of
    /// spans must not box an empty prefix).
    pub fn parts_mut(&mut self) -> Option<&mut Qualifiers> {
        self.0.as_deref_mut()
    }
}

impl From<Qualifiers> for Prefix {
    fn from(q: Qualifiers) -> Prefix {
        Prefix((!q.is_empty()).then(|| Box::new(q)))
    }
}

impl std::ops::Deref for Prefix {
    type Target = Qualifiers;
    fn deref(&self) -> &Qualifiers {
        self.0.as_deref().unwrap_or(&NO_QUALIFIERS)
    }
}

impl std::ops::DerefMut for Prefix {
    fn deref_mut(&mut self) -> &mut Qualifiers {
        self.0.get_or_insert_with(Box::default)
    }
}

impl std::fmt::Debug for Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Qualifiers::fmt(self, f)
    }
}

#[derive(Clone, Debug)]
pub struct Block {
    pub span: Span,
    pub prefix: Prefix,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub span: Span,
    pub prefix: Prefix,
    /// The leading keyword (`network`, `file`, ...), if any.
    pub keyword: Option<Span>,
    pub kind: RuleKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecSafety {
    Safe,
    Unsafe,
}

#[derive(Clone, Debug)]
pub struct FileRule {
    pub file_keyword: bool,
    /// Boxed, as `subset` and `target`: rare, and a file rule is the most
    /// common item.
    pub safety: Option<Box<(ExecSafety, Span)>>,
    pub path: Word,
    pub perms: Word,
    pub perms_first: bool,
    pub subset: Option<Box<Span>>,
    pub target: Option<Box<Word>>,
}

/// Permissions of the non-file rule kinds: one word or a `( )` list.
#[derive(Clone, Debug)]
pub struct Access {
    pub span: Span,
    pub words: Vec<Word>,
    pub parenthesized: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CondOp {
    /// `name=value`, `name=(a b)`
    Eq,
    /// `name in (a b)`
    In,
}

#[derive(Clone, Debug)]
pub struct Cond {
    pub span: Span,
    pub name: Word,
    pub op: CondOp,
    pub value: CondValue,
}

#[derive(Clone, Debug)]
pub enum CondValue {
    One(Word),
    List(ParenList),
}

#[derive(Clone, Debug)]
pub struct ParenList {
    pub span: Span,
    pub items: Vec<ListItem>,
}

#[derive(Clone, Debug)]
pub enum ListItem {
    Value(Word),
    Cond(Cond),
}

#[derive(Clone, Debug)]
pub enum RuleKind {
    /// `file,`
    BareFile,
    File(FileRule),
    Link {
        subset: Option<Span>,
        path: Word,
        target: Word,
    },
    Capability(Vec<Word>),
    Network {
        access: Option<Access>,
        words: Vec<Word>,
        conds: Vec<Cond>,
    },
    /// unix, dbus, signal, ptrace, userns, io_uring: permissions and conditionals.
    Mediated {
        class: Class,
        access: Option<Access>,
        conds: Vec<Cond>,
    },
    Mqueue {
        access: Option<Access>,
        conds: Vec<Cond>,
        name: Option<Word>,
    },
    All,
    /// The words boxed: no variant may be larger than a file rule.
    Mount {
        conds: Vec<Cond>,
        source: Option<Box<Word>>,
        arrow: Option<Span>,
        target_conds: Vec<Cond>,
        target: Option<Box<Word>>,
    },
    Remount {
        conds: Vec<Cond>,
        target: Option<Word>,
    },
    Umount {
        conds: Vec<Cond>,
        target: Option<Word>,
    },
    PivotRoot {
        conds: Vec<Cond>,
        new_root: Option<Word>,
        target: Option<Word>,
    },
    ChangeProfile {
        safety: Option<(ExecSafety, Span)>,
        exec: Option<Word>,
        target: Option<Word>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    Unix,
    Dbus,
    Signal,
    Ptrace,
    Userns,
    IoUring,
}

impl Class {
    pub fn keyword(self) -> &'static str {
        match self {
            Class::Unix => "unix",
            Class::Dbus => "dbus",
            Class::Signal => "signal",
            Class::Ptrace => "ptrace",
            Class::Userns => "userns",
            Class::IoUring => "io_uring",
        }
    }
}

/// `set rlimit NAME <= VALUE [UNIT],`
#[derive(Clone, Debug)]
pub struct Rlimit {
    pub span: Span,
    pub name: Word,
    pub value: Word,
    pub unit: Option<Word>,
}

#[derive(Clone, Debug)]
pub struct IfRule {
    pub span: Span,
    pub cond: Expr,
    pub then: Vec<Item>,
    pub then_span: Span,
    pub otherwise: Option<Else>,
}

#[derive(Clone, Debug)]
pub enum Else {
    If(Box<IfRule>),
    Block(Vec<Item>, Span),
}

#[derive(Clone, Debug)]
pub enum Expr {
    Or(Vec<Expr>, Span),
    And(Vec<Expr>, Span),
    Not(Box<Expr>, Span),
    /// `defined @{X}` / `defined ${X}`
    Defined(Word, Span),
    /// `${X}`
    BoolVar(Word),
    /// `a == b`, `a in b`, ...
    Compare(Word, Word, Word, Span),
    /// A bare operand: `true`, `false`, `@{X}`.
    Operand(Word),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Or(_, s)
            | Expr::And(_, s)
            | Expr::Not(_, s)
            | Expr::Defined(_, s)
            | Expr::Compare(_, _, _, s) => *s,
            Expr::BoolVar(w) | Expr::Operand(w) => w.span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// A large profile is mostly file rules: its tree holds one `Item` and
    /// two `Word`s per line, so these sizes set the memory of a check
    /// (issue 13: under 10 times the input). A new field or variant that
    /// grows them should be boxed instead.
    #[test]
    fn the_nodes_of_a_file_rule_stay_small() {
        assert!(size_of::<Word>() <= 40, "Word: {}", size_of::<Word>());
        assert!(size_of::<Prefix>() <= 8, "Prefix: {}", size_of::<Prefix>());
        assert!(size_of::<Item>() <= 152, "Item: {}", size_of::<Item>());
        assert_eq!(size_of::<Item>(), size_of::<Rule>());
    }

    #[test]
    fn a_word_keeps_its_value_only_when_it_differs() {
        let span = Span::new(FileId(0), 0, 4);
        let plain = Word::new("/a/b", "/a/b", false, span);
        assert_eq!((plain.raw(), plain.value()), ("/a/b", "/a/b"));
        assert_eq!(&*plain.text, "/a/b");
        let quoted = Word::new("\"a b\"", "a b", true, span);
        assert_eq!((quoted.raw(), quoted.value()), ("\"a b\"", "a b"));
        let empty = Word::new("\"\"", "", true, span);
        assert_eq!((empty.raw(), empty.value()), ("\"\"", ""));
        assert!(quoted.quoted() && empty.quoted() && !plain.quoted());
        // Short words are held inline; long ones work alike.
        assert!(!plain.text.is_heap_allocated());
        let long = "/usr/share/some/long/path/{a,b}/**";
        let w = Word::new(long, long, false, span);
        assert_eq!((w.raw(), w.value(), w.quoted()), (long, long, false));
        let q = format!("\"{long}\"");
        let w = Word::new(&q, long, true, span);
        assert_eq!((w.raw(), w.value(), w.quoted()), (&*q, long, true));
    }
}
