//! Expectations: what a profile must decide for given syscalls.
//!
//! [`Expectation`] is the library type; the `.expect` file format (parsed by
//! [`parse`]) and the `.confine` DSL's `expect { }` blocks both produce it.
//! One line per case, `#` starts a comment:
//!
//! ```text
//! profile "web.json"                       # optional; default: the .json beside the file
//! syscall read allowed
//! syscall ptrace errno EPERM
//! syscall socket(AF_VSOCK) errno EPERM
//! syscall clone(CLONE_NEWUSER|CLONE_NEWNS) killed
//! syscall arch_prctl allowed on x86_64
//! ```

use super::Outcome;
use crate::diag::{Diagnostic, FileId, Span};
use crate::seccomp::consts;
use crate::seccomp::tables::{self, Arch};

pub use crate::diag::codes::EXPECT_MISMATCH;
pub use crate::diag::codes::EXPECT_SYNTAX;
pub use crate::diag::codes::EXPECT_UNKNOWN_NAME;
pub use crate::diag::codes::EXPECT_UNKNOWN_SYSCALL;

/// The decision a case expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    Allowed,
    Logged,
    Errno(u16),
    Trace(u16),
    Trap,
    /// Killed: either the thread or the process.
    Killed,
    KillThread,
    KillProcess,
    Notify,
}

impl Expected {
    pub fn matches(self, o: Outcome) -> bool {
        match (self, o) {
            (Expected::Allowed, Outcome::Allow) | (Expected::Logged, Outcome::Log) => true,
            (Expected::Errno(a), Outcome::Errno(b)) | (Expected::Trace(a), Outcome::Trace(b)) => {
                a == b
            }
            (Expected::Trap, Outcome::Trap) | (Expected::Notify, Outcome::Notify) => true,
            (Expected::Killed, Outcome::KillThread | Outcome::KillProcess) => true,
            (Expected::KillThread, Outcome::KillThread)
            | (Expected::KillProcess, Outcome::KillProcess) => true,
            _ => false,
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Allowed => write!(f, "allow"),
            Expected::Logged => write!(f, "log"),
            Expected::Errno(e) => write!(f, "{}", Outcome::Errno(*e)),
            Expected::Trace(v) => write!(f, "trace {v}"),
            Expected::Trap => write!(f, "trap"),
            Expected::Killed => write!(f, "killed"),
            Expected::KillThread => write!(f, "kill-thread"),
            Expected::KillProcess => write!(f, "kill-process"),
            Expected::Notify => write!(f, "notify"),
        }
    }
}

/// One case: a syscall, its argument values (unlisted ones are 0), and the
/// expected decision, optionally only on some architectures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    pub syscall: String,
    pub args: [u64; 6],
    /// The case as written, e.g. `socket(AF_VSOCK)`, for tables.
    pub label: String,
    pub expected: Expected,
    /// Empty: every architecture of the profile.
    pub only_on: Vec<Arch>,
    /// Where the case is written, when it comes from a file.
    pub span: Option<Span>,
}

impl Expectation {
    pub fn new(syscall: &str, expected: Expected) -> Expectation {
        Expectation {
            syscall: syscall.to_string(),
            args: [0; 6],
            label: syscall.to_string(),
            expected,
            only_on: Vec::new(),
            span: None,
        }
    }
}

/// A parsed `.expect` file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectFile {
    /// The `profile "..."` line, if any, with its span.
    pub profile: Option<(String, Span)>,
    pub cases: Vec<Expectation>,
}

struct Line<'a> {
    file: FileId,
    text: &'a str,
    base: usize,
    pos: usize,
}

impl<'a> Line<'a> {
    fn skip_ws(&mut self) {
        while self.text[self.pos..].starts_with([' ', '\t']) {
            self.pos += 1;
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.base + start, self.base + end)
    }

    /// The next word: letters, digits, `_`, `-`, `|`, `x`.
    fn word(&mut self) -> Option<(&'a str, Span)> {
        self.skip_ws();
        let start = self.pos;
        let len = self.text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '|'))
            .unwrap_or(self.text.len() - start);
        if len == 0 {
            return None;
        }
        self.pos += len;
        Some((&self.text[start..self.pos], self.span(start, self.pos)))
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.text[self.pos..].starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn here(&self) -> Span {
        let end = self.text[self.pos..]
            .chars()
            .next()
            .map_or(self.pos, |c| self.pos + c.len_utf8());
        self.span(self.pos, end)
    }
}

fn syntax(span: Span, msg: impl Into<String>, label: &str) -> Diagnostic {
    Diagnostic::error(EXPECT_SYNTAX, msg)
        .at(span, label)
        .with_help(
            "cases read like `syscall ptrace errno EPERM` or `syscall socket(AF_INET) allowed`",
        )
}

/// An argument value: a number (decimal or `0x` hex), a constant name, or
/// several joined with `|`.
fn value(word: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    let mut v = 0u64;
    for part in word.split('|') {
        let n = if let Some(hex) = part.strip_prefix("0x") {
            u64::from_str_radix(hex, 16).ok()
        } else if part.starts_with(|c: char| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            consts::constant(part)
        };
        match n {
            Some(n) => v |= n,
            None => {
                diags.push(
                    Diagnostic::error(EXPECT_UNKNOWN_NAME, format!("unknown argument value `{part}`"))
                        .at(span, "not a number or known constant")
                        .with_help("use a number, or a constant such as AF_INET, SOCK_STREAM, CLONE_NEWUSER, PER_LINUX32"),
                );
                return None;
            }
        }
    }
    Some(v)
}

fn expected(l: &mut Line, diags: &mut Vec<Diagnostic>) -> Option<Expected> {
    let Some((w, span)) = l.word() else {
        diags.push(syntax(
            l.here(),
            "missing expected outcome",
            "expected `allowed`, `errno NAME`, `killed`, ...",
        ));
        return None;
    };
    let number = |l: &mut Line, diags: &mut Vec<Diagnostic>, errno: bool| -> Option<u16> {
        let Some((w, span)) = l.word() else {
            diags.push(syntax(
                l.here(),
                "missing value",
                if errno {
                    "expected an errno name such as EPERM"
                } else {
                    "expected a number"
                },
            ));
            return None;
        };
        let v = if errno {
            consts::errno_value(w).and_then(|v| u16::try_from(v).ok())
        } else {
            None
        };
        match v.or_else(|| w.parse().ok()) {
            Some(v) => Some(v),
            None => {
                diags.push(
                    Diagnostic::error(EXPECT_UNKNOWN_NAME, format!("unknown errno `{w}`"))
                        .at(span, "not an errno name or number"),
                );
                None
            }
        }
    };
    Some(match w {
        "allowed" | "allow" => Expected::Allowed,
        "logged" | "log" => Expected::Logged,
        "errno" | "fails" => {
            if w == "fails" {
                // `fails with EPERM`
                let _ = l.word().filter(|(x, _)| *x == "with");
            }
            Expected::Errno(number(l, diags, true)?)
        }
        "trace" | "traced" => Expected::Trace(number(l, diags, false)?),
        "trap" | "trapped" => Expected::Trap,
        "killed" | "kill" => Expected::Killed,
        "kill-thread" => Expected::KillThread,
        "kill-process" => Expected::KillProcess,
        "notify" | "notified" => Expected::Notify,
        other => {
            diags.push(syntax(span, format!("unknown outcome `{other}`"), "expected `allowed`, `errno NAME`, `killed`, `kill-process`, `kill-thread`, `trap`, `logged`, `trace N` or `notify`"));
            return None;
        }
    })
}

fn case(l: &mut Line, diags: &mut Vec<Diagnostic>) -> Option<Expectation> {
    let start = l.pos;
    let Some((name, name_span)) = l.word() else {
        diags.push(syntax(
            l.here(),
            "missing syscall name after `syscall`",
            "expected a syscall name",
        ));
        return None;
    };
    if !tables::known_anywhere(name) {
        let d = Diagnostic::error(EXPECT_UNKNOWN_SYSCALL, format!("unknown syscall `{name}`"))
            .at(name_span, "not in the x86_64, x86 or aarch64 tables");
        diags.push(
            match crate::seccomp::model::suggest(name, tables::all_names()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d,
            },
        );
        return None;
    }
    let mut args = [0u64; 6];
    if l.eat('(') {
        let mut i = 0;
        if !l.eat(')') {
            loop {
                let Some((w, span)) = l.word() else {
                    diags.push(syntax(
                        l.here(),
                        "expected an argument value",
                        "expected a number or constant",
                    ));
                    return None;
                };
                if i == 6 {
                    diags.push(syntax(
                        span,
                        "a syscall has at most 6 arguments",
                        "seventh argument",
                    ));
                    return None;
                }
                args[i] = value(w, span, diags)?;
                i += 1;
                if l.eat(')') {
                    break;
                }
                if !l.eat(',') {
                    diags.push(syntax(
                        l.here(),
                        "expected `,` or `)`",
                        "in the argument list",
                    ));
                    return None;
                }
            }
        }
    }
    let label = l.text[start..l.pos].trim().to_string();
    let expected = expected(l, diags)?;
    let mut only_on = Vec::new();
    let save = l.pos;
    match l.word() {
        Some(("on", _)) => loop {
            let Some((a, span)) = l.word() else {
                diags.push(syntax(
                    l.here(),
                    "expected an architecture after `on`",
                    "x86_64, x86 or aarch64",
                ));
                return None;
            };
            match Arch::from_short(a) {
                Some(a) => only_on.push(a),
                None => {
                    diags.push(
                        Diagnostic::error(
                            EXPECT_UNKNOWN_NAME,
                            format!("unknown architecture `{a}`"),
                        )
                        .at(span, "expected x86_64, x86 or aarch64"),
                    );
                    return None;
                }
            }
            if !l.eat(',') {
                break;
            }
        },
        Some((_, span)) => {
            diags.push(syntax(
                span,
                "unexpected text after the outcome",
                "expected end of line or `on ARCH`",
            ));
            return None;
        }
        None => l.pos = save,
    }
    l.skip_ws();
    if l.pos < l.text.len() {
        diags.push(syntax(
            l.here(),
            "unexpected text after the case",
            "expected end of line",
        ));
        return None;
    }
    Some(Expectation {
        syscall: name.to_string(),
        args,
        label,
        expected,
        only_on,
        span: Some(l.span(0, l.text.len())),
    })
}

/// Parse an `.expect` file; every line with an error is reported and skipped.
pub fn parse(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> ExpectFile {
    let mut out = ExpectFile::default();
    let mut base = 0;
    for raw in text.split_inclusive('\n') {
        let line_base = base;
        base += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        let content = match content.find('#') {
            Some(i) => &content[..i],
            None => content,
        };
        let lead = content.len() - content.trim_start().len();
        let content = content.trim();
        if content.is_empty() {
            continue;
        }
        let mut l = Line {
            file,
            text: content,
            base: line_base + lead,
            pos: 0,
        };
        match l.word() {
            Some(("syscall", _)) => {
                if let Some(c) = case(&mut l, diags) {
                    out.cases.push(c);
                }
            }
            Some(("profile", kw)) => {
                l.skip_ws();
                let rest = &l.text[l.pos..];
                let path = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"'));
                match path {
                    Some(p) if !p.is_empty() && out.profile.is_none() => {
                        out.profile = Some((p.to_string(), l.span(l.pos, l.text.len())))
                    }
                    Some(_) if out.profile.is_some() => diags.push(syntax(
                        kw,
                        "a second `profile` line",
                        "only one profile per expectations file",
                    )),
                    _ => diags.push(syntax(
                        l.span(l.pos, l.text.len()),
                        "expected a quoted path after `profile`",
                        "e.g. profile \"web.json\"",
                    )),
                }
            }
            Some((_, span)) => diags.push(syntax(
                span,
                "expected `syscall` or `profile`",
                "unknown line",
            )),
            None => diags.push(syntax(
                l.here(),
                "expected `syscall` or `profile`",
                "unknown line",
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceMap;

    #[test]
    fn parses_cases() {
        let text = "# header\nprofile \"p.json\"\nsyscall read allowed\n  syscall socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC) errno EACCES # c\nsyscall mkdir killed on x86_64, x86\nsyscall personality(0xffffffff) fails with EPERM\n";
        let mut sources = SourceMap::new();
        let f = sources.add("t.expect", text);
        let mut diags = Vec::new();
        let e = parse(f, text, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(e.profile.as_ref().map(|p| p.0.as_str()), Some("p.json"));
        assert_eq!(e.cases.len(), 4);
        assert_eq!(e.cases[1].args[..2], [2, 1 | 0o2000000]);
        assert_eq!(e.cases[1].expected, Expected::Errno(13));
        assert_eq!(
            e.cases[1].label,
            "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC)"
        );
        let span = e.cases[1].span.map(|s| &text[s.range()]);
        assert_eq!(
            span,
            Some("syscall socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC) errno EACCES")
        );
        assert_eq!(e.cases[2].only_on, [Arch::X86_64, Arch::X86]);
        assert_eq!(e.cases[3].args[0], 0xffff_ffff);
        assert_eq!(e.cases[3].expected, Expected::Errno(1));
    }

    #[test]
    fn reports_bad_lines_and_keeps_going() {
        let text = "syscall raed allowed\nsyscall read maybe\nsyscall socket(AF_NOPE) allowed\nallow read\nsyscall write allowed\n";
        let mut sources = SourceMap::new();
        let f = sources.add("t.expect", text);
        let mut diags = Vec::new();
        let e = parse(f, text, &mut diags);
        let got: Vec<_> = diags
            .iter()
            .map(|d| {
                (
                    d.code,
                    &text[d.primary.as_ref().map(|p| p.span.range()).unwrap_or(0..0)],
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (EXPECT_UNKNOWN_SYSCALL, "raed"),
                (EXPECT_SYNTAX, "maybe"),
                (EXPECT_UNKNOWN_NAME, "AF_NOPE"),
                (EXPECT_SYNTAX, "allow")
            ]
        );
        assert_eq!(e.cases.len(), 1);
    }

    #[test]
    fn prefixes_and_corruptions_never_panic() {
        let text = "profile \"p.json\"\nsyscall socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC) errno EACCES on x86_64, x86 # c\nsyscall read fails with EPERM\n";
        let mut sources = SourceMap::new();
        let f = sources.add("t.expect", text);
        for end in 0..=text.len() {
            let _ = parse(f, &text[..end], &mut Vec::new());
        }
        for i in 0..text.len() {
            for c in ['(', ')', ',', '|', '"', '#', 'é', ' ', '\n', '0'] {
                let mut t: String = text[..i].to_string();
                t.push(c);
                t.push_str(&text[i + 1..]);
                let _ = parse(f, &t, &mut Vec::new());
            }
        }
    }
}
