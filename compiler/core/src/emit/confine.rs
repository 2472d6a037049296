//! The concrete syntax of `.confine` files: a lexer that keeps what the
//! syntax tree drops (comments, separators, braces), the blocks it finds,
//! and the canonical printer behind `profilec fmt` for `.confine` files and
//! the language server's formatting.
//!
//! The lexer follows `grammar/confine.pest` token by token: words (with
//! `@{VAR}`, `{a,b}` and `[class]` inside), quoted strings, `[...]` lists,
//! `,`, `;`, newlines, braces, `#` comments at the start of a token, and the
//! raw body of `apparmor { }`.
//!
//! The canonical form ([`format`]): two spaces of indentation per block;
//! one statement per line (`a; b` in a block spread over lines becomes two
//! lines); a block written on one line stays on one line, as
//! `head { a; b }`; tokens separated by one space, `a, b` and `[a, b]`
//! for commas and lists; at most one blank line where the source had one
//! or more, none after `{` or before `}`; every comment kept, alone on its
//! line or one space after the statement it ended; the bodies of
//! `apparmor { }` and `expect { }` kept line by line, re-indented only.
//! A file with a syntax error is never formatted, and neither is one whose
//! output would not parse back to the same syntax tree (spans aside) with
//! the same comments: [`format`] checks both and refuses.

use crate::diag::{Diagnostic, FileId, Span};
use crate::syntax::confine::ast::{File, ProfileItem};
use crate::syntax::parse_confine;

pub use crate::diag::codes::FMT_REFUSED as UNFORMATTABLE;

const INDENT: &str = "  ";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Word,
    Quoted,
    Comma,
    Semi,
    Newline,
    /// `{` of a block.
    Open,
    /// `}` of a block.
    Close,
    ListOpen,
    ListClose,
    Comment,
    /// The text between the braces of `apparmor { }`.
    NativeBody,
    /// Text the grammar does not take (an unclosed quote or list, a stray
    /// brace).
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lexeme {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Lexeme {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start..self.end).unwrap_or("")
    }
}

fn is_word_char(c: u8) -> bool {
    !matches!(
        c,
        b' ' | b'\t' | b'\r' | b'\n' | b';' | b',' | b'{' | b'}' | b'[' | b']' | b'"' | b'#'
    )
}

struct Lexer<'a> {
    b: &'a [u8],
    out: Vec<Lexeme>,
}

impl Lexer<'_> {
    fn push(&mut self, kind: Kind, start: usize, end: usize) {
        self.out.push(Lexeme { kind, start, end });
    }

    /// `open` ... `close` on one line, no `forbid` inside: the end after
    /// `close`.
    fn group(&self, at: usize, close: u8, forbid: &[u8]) -> Option<usize> {
        let mut i = at + 1;
        while i < self.b.len() {
            let c = self.b[i];
            if c == close {
                return Some(i + 1);
            }
            if c == b'\n' || forbid.contains(&c) {
                return None;
            }
            i += 1;
        }
        None
    }

    fn word(&self, start: usize) -> usize {
        let b = self.b;
        let mut i = start;
        if b[i..].starts_with(b"@{") {
            if let Some(e) = self.group(i + 1, b'}', &[]) {
                i = e;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
        while i < b.len() {
            let c = b[i];
            if is_word_char(c) || c == b'#' {
                i += 1;
            } else if c == b'{' {
                match self.group(i, b'}', b"{") {
                    Some(e) => i = e,
                    None => break,
                }
            } else if c == b'[' {
                match self.group(i, b']', &[]) {
                    Some(e) => i = e,
                    None => break,
                }
            } else {
                break;
            }
        }
        i
    }

    fn quoted(&self, start: usize) -> Option<usize> {
        let b = self.b;
        let mut i = start + 1;
        while i < b.len() {
            match b[i] {
                b'"' => return Some(i + 1),
                b'\n' => return None,
                b'\\' if b.get(i + 1).is_some_and(|&c| c != b'\n') => i += 2,
                _ => i += 1,
            }
        }
        None
    }

    fn comment(&self, start: usize) -> usize {
        self.b[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |n| start + n)
    }

    /// The end of an `apparmor { }` body that starts at `at` (after `{`):
    /// the position of its closing `}` or the end of the text.
    fn raw(&self, at: usize) -> usize {
        let b = self.b;
        let mut depth = 0usize;
        let mut i = at;
        while i < b.len() {
            match b[i] {
                b'#' => i = self.comment(i),
                b'"' => match self.quoted(i) {
                    Some(e) => i = e,
                    None => i += 1,
                },
                b'{' => {
                    depth += 1;
                    i += 1;
                }
                b'}' if depth == 0 => return i,
                b'}' => {
                    depth -= 1;
                    i += 1;
                }
                _ => i += 1,
            }
        }
        b.len()
    }

    /// At the start of an item, `apparmor` followed (past blanks and
    /// comments) by `{`: the native block, lexed whole.
    fn native(&mut self, start: usize) -> Option<usize> {
        let b = self.b;
        let kw = b"apparmor";
        if !b[start..].starts_with(kw) || b.get(start + kw.len()).is_some_and(|&c| is_word_char(c))
        {
            return None;
        }
        let mut i = start + kw.len();
        let mut comments = Vec::new();
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' | b'\r' => i += 1,
                b'#' => {
                    let e = self.comment(i);
                    comments.push((i, e));
                    i = e;
                }
                _ => break,
            }
        }
        if b.get(i) != Some(&b'{') {
            return None;
        }
        self.push(Kind::Word, start, start + kw.len());
        for (s, e) in comments {
            self.push(Kind::Comment, s, e);
        }
        self.push(Kind::Open, i, i + 1);
        let end = self.raw(i + 1);
        self.push(Kind::NativeBody, i + 1, end);
        if end < b.len() {
            self.push(Kind::Close, end, end + 1);
            return Some(end + 1);
        }
        Some(end)
    }

    fn run(&mut self) {
        let b = self.b;
        let mut i = 0;
        // At the start of an item (after a separator or a brace).
        let mut item_start = true;
        // Inside a `[...]` list.
        let mut in_list = false;
        while i < b.len() {
            let c = b[i];
            if item_start && !in_list && !matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b';') {
                if let Some(e) = self.native(i) {
                    i = e;
                    continue;
                }
            }
            match c {
                b' ' | b'\t' | b'\r' => {
                    i += 1;
                    continue;
                }
                b'\n' => {
                    self.push(Kind::Newline, i, i + 1);
                    i += 1;
                    if !in_list {
                        item_start = true;
                    }
                    continue;
                }
                b'#' => {
                    let e = self.comment(i);
                    self.push(Kind::Comment, i, e);
                    i = e;
                    continue;
                }
                _ => {}
            }
            item_start = false;
            let (kind, end) = match c {
                b';' if !in_list => {
                    item_start = true;
                    (Kind::Semi, i + 1)
                }
                b',' => (Kind::Comma, i + 1),
                b'{' if !in_list => {
                    item_start = true;
                    (Kind::Open, i + 1)
                }
                b'}' if !in_list => {
                    item_start = true;
                    (Kind::Close, i + 1)
                }
                b'[' if !in_list => {
                    in_list = true;
                    (Kind::ListOpen, i + 1)
                }
                b']' if in_list => {
                    in_list = false;
                    (Kind::ListClose, i + 1)
                }
                b'"' => match self.quoted(i) {
                    Some(e) => (Kind::Quoted, e),
                    None => (Kind::Error, self.comment(i)),
                },
                c if is_word_char(c) => (Kind::Word, self.word(i)),
                _ => (Kind::Error, i + 1),
            };
            self.push(kind, i, end);
            i = end.max(i + 1);
        }
    }
}

/// The lexemes of a `.confine` text, in order. Total: text the grammar
/// does not take comes out as [`Kind::Error`].
pub fn lex(text: &str) -> Vec<Lexeme> {
    let mut l = Lexer {
        b: text.as_bytes(),
        out: Vec::new(),
    };
    l.run();
    // A `,` can only be a whole character; every lexeme ends on a char
    // boundary since each stops before an ASCII byte or at the end.
    l.out
}

/// A block: from the first word of its head to its `}` (or the end of the
/// text, when it is left open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub head: usize,
    pub open: usize,
    /// The offset of `}`; `None` when the block is never closed.
    pub close: Option<usize>,
    pub depth: usize,
}

/// Every block of a text, outermost first, in source order of their `{`.
pub fn blocks(text: &str) -> Vec<Block> {
    let lx = lex(text);
    let mut out: Vec<Block> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    // The first lexeme of the current item's head.
    let mut head: Option<usize> = None;
    for l in &lx {
        match l.kind {
            Kind::Open => {
                out.push(Block {
                    head: head.unwrap_or(l.start),
                    open: l.start,
                    close: None,
                    depth: stack.len(),
                });
                stack.push(out.len() - 1);
                head = None;
            }
            Kind::Close => {
                if let Some(i) = stack.pop() {
                    out[i].close = Some(l.start);
                }
                head = None;
            }
            Kind::Newline | Kind::Semi => head = None,
            Kind::Comment | Kind::NativeBody => {}
            _ => {
                head.get_or_insert(l.start);
            }
        }
    }
    out
}

/// Print a `.confine` file in canonical form, or refuse (a syntax error;
/// output that would not read back the same).
pub fn format(file: FileId, text: &str) -> Result<String, Box<Diagnostic>> {
    let refuse = |msg: &str, span: Span| {
        Box::new(Diagnostic::error(UNFORMATTABLE, msg.to_string()).at(span, "here"))
    };
    let (before, diags) = parse_confine(file, text);
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        let at = d.primary.as_ref().map_or(Span::new(file, 0, 0), |l| l.span);
        return Err(refuse(
            &format!("the file has a syntax error ({}); not formatted", d.message),
            at,
        ));
    }
    let lx = lex(text);
    if let Some(l) = lx.iter().find(|l| l.kind == Kind::Error) {
        return Err(refuse(
            "the file has text the grammar does not take; not formatted",
            Span::new(file, l.start, l.end),
        ));
    }
    let out = Printer::new(text, &lx).print(file)?;
    // The safety net: the same tree, the same comments and the same bodies.
    let (after, diags) = parse_confine(file, &out);
    let same = diags.iter().all(|d| !d.is_error())
        && shape(&before) == shape(&after)
        && bodies(&before, text) == bodies(&after, &out)
        && comments(text, &lx) == comments(&out, &lex(&out));
    if !same {
        return Err(Box::new(
            Diagnostic::error(
                UNFORMATTABLE,
                "the canonical form would not read back the same; the file is left as it is",
            )
            .at(Span::new(file, 0, 0), "in this file")
            .with_help("this is a formatter bug; please report it with the file"),
        ));
    }
    Ok(out)
}

/// The syntax tree without its spans.
fn shape(f: &File) -> String {
    let dbg = format!("{:?}{:?}{:?}", f.imports, f.profiles, f.sets);
    let mut out = String::with_capacity(dbg.len());
    let mut rest = dbg.as_str();
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        rest = rest.find('}').map_or("", |e| &rest[e + 1..]);
    }
    out.push_str(rest);
    out
}

/// The bodies of `apparmor { }` and `expect { }` blocks, line by line,
/// without indentation or blank lines.
fn bodies(f: &File, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in &f.profiles {
        for item in &p.items {
            let body = match item {
                ProfileItem::Native(n) => n.body,
                ProfileItem::Expect(e) => e.body,
                _ => continue,
            };
            let s = text.get(body.range()).unwrap_or("");
            let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            out.push(lines.join("\n"));
        }
    }
    out
}

fn comments(text: &str, lx: &[Lexeme]) -> Vec<String> {
    lx.iter()
        .filter(|l| l.kind == Kind::Comment)
        .map(|l| l.text(text).trim_end().to_string())
        .collect()
}

struct Printer<'a> {
    src: &'a str,
    lx: &'a [Lexeme],
    out: String,
    depth: usize,
    /// Something is printed on the current line.
    line_open: bool,
    /// For each open block: whether it is printed on one line.
    one_line: Vec<bool>,
    /// The last thing printed asks for no space after it (`[`, `{` ...).
    glue: bool,
    /// A `;` waits for the next statement of a one-line block.
    pending_semi: bool,
    /// Newlines seen since the last thing printed.
    newlines: usize,
    /// Nothing printed yet in the current block (no blank line first).
    block_start: bool,
    in_list: bool,
}

impl<'a> Printer<'a> {
    fn new(src: &'a str, lx: &'a [Lexeme]) -> Printer<'a> {
        Printer {
            src,
            lx,
            out: String::new(),
            depth: 0,
            line_open: false,
            one_line: Vec::new(),
            glue: false,
            pending_semi: false,
            newlines: 0,
            block_start: true,
            in_list: false,
        }
    }

    fn inline(&self) -> bool {
        self.one_line.last().copied().unwrap_or(false)
    }

    fn end_line(&mut self) {
        if self.line_open {
            trim_end_spaces(&mut self.out);
            self.out.push('\n');
            self.line_open = false;
        }
    }

    /// Start a new item: on its own line, after a kept blank line, unless
    /// inside a one-line block.
    fn start_item(&mut self) {
        if self.inline() {
            if self.pending_semi {
                self.out.push(';');
                self.pending_semi = false;
            }
            if !self.glue {
                self.out.push(' ');
            }
            self.glue = false;
            return;
        }
        self.end_line();
        if self.newlines >= 2 && !self.block_start && !self.out.is_empty() {
            self.out.push('\n');
        }
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
        self.line_open = true;
        self.glue = true;
    }

    /// A token: a new item at the start of a line, else after a space.
    fn token(&mut self, text: &str, item_start: bool) {
        if item_start {
            self.start_item();
        } else if !self.glue {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.glue = false;
        self.newlines = 0;
        self.block_start = false;
    }

    /// The offset of the `}` that closes the block opened at lexeme `i`.
    fn matching_close(&self, i: usize) -> Option<usize> {
        let mut depth = 0usize;
        for l in &self.lx[i..] {
            match l.kind {
                Kind::Open => depth += 1,
                Kind::Close => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(l.start);
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn same_line(&self, a: usize, b: usize) -> bool {
        !self.src.get(a..b).unwrap_or("\n").contains('\n')
    }

    fn print(mut self, file: FileId) -> Result<String, Box<Diagnostic>> {
        // At the start of a statement: a new item begins.
        let mut at_item = true;
        // The head word of the block about to open (`expect`).
        let mut head: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < self.lx.len() {
            let l = self.lx[i];
            let text = l.text(self.src);
            match l.kind {
                Kind::Word | Kind::Quoted => {
                    self.token(text, at_item && !self.in_list);
                    if at_item {
                        head.clear();
                    }
                    head.push(text);
                    at_item = false;
                }
                Kind::Comma => {
                    self.out.push(',');
                    self.glue = false;
                }
                Kind::ListOpen => {
                    self.token("[", at_item);
                    self.glue = true;
                    self.in_list = true;
                    at_item = false;
                }
                Kind::ListClose => {
                    self.out.push(']');
                    self.glue = false;
                    self.in_list = false;
                }
                Kind::Newline => {
                    if !self.in_list {
                        self.newlines += 1;
                        at_item = true;
                        if !self.inline() {
                            self.end_line();
                        }
                    }
                }
                Kind::Semi => {
                    at_item = true;
                    if self.inline() && !self.glue {
                        self.pending_semi = true;
                    } else if !self.inline() {
                        self.end_line();
                    }
                }
                Kind::Comment => {
                    if self.in_list {
                        return Err(Box::new(
                            Diagnostic::error(
                                UNFORMATTABLE,
                                "a comment inside a `[...]` list; the file is left as it is",
                            )
                            .at(Span::new(file, l.start, l.end), "this comment")
                            .with_help("move the comment above the statement"),
                        ));
                    }
                    let c = text.trim_end();
                    if self.line_open {
                        self.out.push(' ');
                        self.out.push_str(c);
                        self.newlines = 0;
                    } else {
                        self.token(c, true);
                    }
                    // Nothing may follow a comment on its line.
                    self.end_line();
                    self.glue = false;
                    if self.inline() {
                        // Cannot happen: a comment runs to the line's end,
                        // past a one-line block's `}`.
                        return Err(Box::new(
                            Diagnostic::error(UNFORMATTABLE, "a comment inside a one-line block")
                                .at(Span::new(file, l.start, l.end), "this comment"),
                        ));
                    }
                }
                Kind::Open => {
                    let close = self.matching_close(i);
                    let inline = close.is_some_and(|c| self.same_line(l.start, c));
                    if at_item {
                        self.start_item();
                    } else if !self.glue {
                        self.out.push(' ');
                    }
                    self.out.push('{');
                    self.newlines = 0;
                    self.one_line.push(inline);
                    self.depth += 1;
                    self.glue = false;
                    self.block_start = true;
                    self.pending_semi = false;
                    at_item = true;
                    let raw_kind = match self.lx.get(i + 1) {
                        Some(n) if n.kind == Kind::NativeBody => Some((n.start, n.end)),
                        _ if head == ["expect"] => Some((l.end, close.unwrap_or(self.src.len()))),
                        _ => None,
                    };
                    if let Some((s, e)) = raw_kind {
                        self.raw_body(s, e, inline);
                        // Skip to the block's `}`.
                        while i + 1 < self.lx.len()
                            && !(self.lx[i + 1].kind == Kind::Close
                                && Some(self.lx[i + 1].start) == close)
                        {
                            i += 1;
                        }
                        if close.is_none() {
                            i = self.lx.len();
                        }
                    }
                    head.clear();
                }
                Kind::Close => {
                    let inline = self.one_line.pop().unwrap_or(false);
                    self.depth = self.depth.saturating_sub(1);
                    self.pending_semi = false;
                    if inline {
                        self.out.push_str(" }");
                    } else {
                        self.end_line();
                        for _ in 0..self.depth {
                            self.out.push_str(INDENT);
                        }
                        self.out.push('}');
                        self.line_open = true;
                    }
                    self.glue = false;
                    self.newlines = 0;
                    self.block_start = false;
                    at_item = true;
                }
                Kind::NativeBody | Kind::Error => {}
            }
            i += 1;
        }
        self.end_line();
        Ok(self.out)
    }

    /// The body of `apparmor { }` or `expect { }`: each line trimmed and
    /// indented by its nesting (braces outside comments and quotes).
    fn raw_body(&mut self, start: usize, end: usize, inline: bool) {
        let body = self.src.get(start..end).unwrap_or("");
        if inline {
            let t = body.trim();
            if !t.is_empty() {
                self.out.push(' ');
                self.out.push_str(t);
            }
            return;
        }
        let mut lines = body.split('\n');
        // What follows `{` on its own line (a comment, say).
        if let Some(first) = lines.next() {
            let t = first.trim();
            if !t.is_empty() {
                self.out.push(' ');
                self.out.push_str(t);
            }
        }
        self.end_line();
        let mut nest = 0usize;
        let mut blank = false;
        let mut printed = false;
        for line in lines {
            let t = line.trim();
            if t.is_empty() {
                blank = true;
                continue;
            }
            if blank && printed {
                self.out.push('\n');
            }
            blank = false;
            let (opens, closes, leading_close) = braces(t);
            let at = (nest + self.depth).saturating_sub(usize::from(leading_close));
            for _ in 0..at {
                self.out.push_str(INDENT);
            }
            self.out.push_str(t);
            self.out.push('\n');
            printed = true;
            nest = (nest + opens).saturating_sub(closes);
        }
        self.line_open = false;
    }
}

/// `{` and `}` of one AppArmor line outside comments and quotes, and
/// whether it starts with `}`.
fn braces(line: &str) -> (usize, usize, bool) {
    let (mut opens, mut closes) = (0, 0);
    let mut quoted = false;
    let mut prev = ' ';
    for c in line.chars() {
        match c {
            '"' if prev != '\\' => quoted = !quoted,
            '#' if !quoted => break,
            '{' if !quoted => opens += 1,
            '}' if !quoted => closes += 1,
            _ => {}
        }
        prev = c;
    }
    (opens, closes, line.starts_with('}'))
}

fn trim_end_spaces(s: &mut String) {
    let n = s.trim_end_matches([' ', '\t']).len();
    s.truncate(n);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format(FileId(0), text) {
            Ok(s) => s,
            Err(d) => format!("REFUSED: {}", d.message),
        }
    }

    #[test]
    fn the_canonical_form() {
        let src = "\n\n# head comment\nimport   \"lib.confine\"\n\n\n\nconfine a {   # trailing\n  mode   enforce;attach /x\n\n\n    files {\n read /a /b   # why\n\n      deny /c\n  }\n  network { allow inet tcp,inet6 tcp ;  deny raw }\n  syscalls {\n    allow socket if arg0 in [ AF_INET ,AF_UNIX ]\n  }\n  apparmor {   # native\n        /run/x r,\n      profile p {\n  /y r,\n   }\n  }\n  expect {\n        syscall read allowed\n  }\n}\n\n\n";
        let want = "# head comment\nimport \"lib.confine\"\n\nconfine a { # trailing\n  mode enforce\n  attach /x\n\n  files {\n    read /a /b # why\n\n    deny /c\n  }\n  network { allow inet tcp, inet6 tcp; deny raw }\n  syscalls {\n    allow socket if arg0 in [AF_INET, AF_UNIX]\n  }\n  apparmor { # native\n    /run/x r,\n    profile p {\n      /y r,\n    }\n  }\n  expect {\n    syscall read allowed\n  }\n}\n";
        assert_eq!(fmt(src), want);
        assert_eq!(fmt(want), want, "idempotent");
    }

    #[test]
    fn errors_and_list_comments_are_refused() {
        assert!(fmt("confine a {\n  fils { read /a }\n}\n").starts_with("REFUSED"));
        assert!(fmt("confine a {\n  syscalls {\n    allow socket if arg0 in [AF_INET, # x\n AF_UNIX]\n  }\n}\n")
            .starts_with("REFUSED"));
    }

    #[test]
    fn blocks_are_found() {
        let text = "confine a {\n  files { read /x }\n  apparmor {\n    profile q { }\n  }\n}\n";
        let b = blocks(text);
        assert_eq!(b.len(), 3, "{b:?}");
        assert_eq!((b[0].head, b[0].depth), (0, 0));
        assert_eq!(&text[b[1].head..b[1].open], "files ");
        assert_eq!(b[2].depth, 1);
        assert_eq!(b[2].close.map(|c| &text[c..=c]), Some("}"));
    }

    #[test]
    fn words_keep_their_groups() {
        let text = "read @{HOME}/{a,b} /sys/[^f]* a#b # c\n";
        let kinds: Vec<(Kind, &str)> = lex(text).iter().map(|l| (l.kind, l.text(text))).collect();
        assert_eq!(
            kinds,
            [
                (Kind::Word, "read"),
                (Kind::Word, "@{HOME}/{a,b}"),
                (Kind::Word, "/sys/[^f]*"),
                (Kind::Word, "a#b"),
                (Kind::Comment, "# c"),
                (Kind::Newline, "\n"),
            ]
        );
    }
}
