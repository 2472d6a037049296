//! pest parse of `grammar/confine.pest` -> a small generic tree of blocks,
//! statements and tokens. Keywords are read later (`build.rs`).

use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

use super::ast::Word;
use super::codes;
use crate::diag::{Diagnostic, FileId, Span};

#[derive(Parser)]
#[grammar = "../../../grammar/confine.pest"]
struct ConfineParser;

#[derive(Clone, Debug)]
pub enum Tok {
    Word(Word),
    Comma(Span),
    List(Vec<Tok>, Span),
}

impl Tok {
    pub fn span(&self) -> Span {
        match self {
            Tok::Word(w) => w.span,
            Tok::Comma(s) | Tok::List(_, s) => *s,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Node {
    Block {
        span: Span,
        head: Vec<Tok>,
        /// From after `{` to before `}`.
        inner: Span,
        body: Vec<Node>,
    },
    Stmt {
        span: Span,
        toks: Vec<Tok>,
    },
    /// `apparmor { ... }`
    Native {
        span: Span,
        keyword: Span,
        body: Span,
    },
    /// A line that fits no statement.
    Stray(Span),
}

impl Node {
    pub fn span(&self) -> Span {
        match self {
            Node::Block { span, .. }
            | Node::Stmt { span, .. }
            | Node::Native { span, .. }
            | Node::Stray(span) => *span,
        }
    }
}

/// Nesting beyond this is no `.confine` file (real ones nest three deep);
/// refusing it keeps the recursive parser within its stack.
pub const MAX_DEPTH: usize = 64;

/// Parse `text` into generic nodes, with a diagnostic per line that does not
/// fit and per block left open.
pub fn parse(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Node> {
    if let Some(at) = too_deep(text) {
        diags.push(
            Diagnostic::error(
                codes::TOO_DEEP,
                format!("braces and brackets nest more than {MAX_DEPTH} levels deep"),
            )
            .at(Span::new(file, at, at + 1), "too deep")
            .with_help("a `.confine` file nests blocks at most three deep; is a `}` missing?"),
        );
        return Vec::new();
    }
    let b = TreeBuilder { file, text };
    match ConfineParser::parse(Rule::file, text) {
        Ok(mut pairs) => match pairs.next() {
            Some(f) => b.items(f.into_inner(), diags),
            None => Vec::new(),
        },
        Err(e) => {
            // Recovery makes `file` total; this is a safety net.
            let at = match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((s, _)) => s,
            };
            diags.push(
                Diagnostic::error(codes::SYNTAX, "this file could not be parsed")
                    .at(Span::new(file, at, at), "here"),
            );
            Vec::new()
        }
    }
}

fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_comment = false;
    let mut in_quote = false;
    let mut prev = b' ';
    for (i, &c) in text.as_bytes().iter().enumerate() {
        match c {
            b'\n' => {
                in_comment = false;
                in_quote = false;
            }
            _ if in_comment => {}
            b'"' if prev != b'\\' => in_quote = !in_quote,
            _ if in_quote => {}
            b'#' if prev.is_ascii_whitespace() => in_comment = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
    }
    None
}

struct TreeBuilder<'a> {
    file: FileId,
    text: &'a str,
}

impl TreeBuilder<'_> {
    fn span(&self, p: &Pair<Rule>) -> Span {
        Span::new(self.file, p.as_span().start(), p.as_span().end())
    }

    fn items<'i>(
        &self,
        pairs: impl IntoIterator<Item = Pair<'i, Rule>>,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<Node> {
        let mut out = Vec::new();
        for p in pairs {
            match p.as_rule() {
                Rule::block => out.push(self.block(p, diags)),
                Rule::stmt => {
                    let span = self.span(&p);
                    let toks = p.into_inner().filter_map(|t| self.tok(t)).collect();
                    out.push(Node::Stmt { span, toks });
                }
                Rule::native => {
                    let span = self.span(&p);
                    let mut inner = p.into_inner();
                    let keyword = inner.next().map_or(span, |k| self.span(&k));
                    let body = inner.next().map_or(span, |r| self.span(&r));
                    if let Some(close) = inner.next() {
                        self.check_close(&close, span, diags);
                    }
                    out.push(Node::Native {
                        span,
                        keyword,
                        body,
                    });
                }
                Rule::stray | Rule::stray_close => {
                    let span = self.span(&p);
                    out.push(Node::Stray(span));
                }
                _ => {}
            }
        }
        out
    }

    fn block(&self, p: Pair<Rule>, diags: &mut Vec<Diagnostic>) -> Node {
        let span = self.span(&p);
        let mut head = Vec::new();
        let mut body_pairs = Vec::new();
        let mut close = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::head => head = c.into_inner().filter_map(|t| self.tok(t)).collect(),
                Rule::close => close = Some(c),
                _ => body_pairs.push(c),
            }
        }
        // The body starts after the `{` that follows the head.
        let head_end = head
            .last()
            .map_or(span.start as usize, |t: &Tok| t.span().end as usize);
        let open = self.text[head_end..span.end as usize]
            .find('{')
            .map_or(head_end, |i| head_end + i + 1);
        let inner_end = close
            .as_ref()
            .map_or(span.end as usize, |c| c.as_span().start());
        if let Some(c) = &close {
            self.check_close(c, span, diags);
        }
        let body = self.items(body_pairs, diags);
        Node::Block {
            span,
            head,
            inner: Span::new(self.file, open, inner_end.max(open)),
            body,
        }
    }

    fn check_close(&self, close: &Pair<Rule>, block: Span, diags: &mut Vec<Diagnostic>) {
        if close.as_str().is_empty() {
            let open_line_end = self.text[block.start as usize..]
                .find('\n')
                .map_or(block.end as usize, |i| block.start as usize + i);
            diags.push(
                Diagnostic::error(codes::UNCLOSED, "this block is never closed")
                    .at(
                        Span::new(self.file, block.start as usize, open_line_end),
                        "opened here",
                    )
                    .with_help("add the missing `}`"),
            );
        }
    }

    fn tok(&self, p: Pair<Rule>) -> Option<Tok> {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::comma => Some(Tok::Comma(span)),
            Rule::word => Some(Tok::Word(Word {
                text: p.as_str().to_string(),
                raw: p.as_str().to_string(),
                quoted: false,
                span,
            })),
            Rule::quoted => Some(Tok::Word(Word {
                text: unquote(p.as_str()),
                raw: p.as_str().to_string(),
                quoted: true,
                span,
            })),
            Rule::list => Some(Tok::List(
                p.into_inner().filter_map(|t| self.tok(t)).collect(),
                span,
            )),
            _ => None,
        }
    }
}

/// `"a\"b"` -> `a"b`: quotes removed, a backslash takes the next character
/// as it is.
fn unquote(raw: &str) -> String {
    let inner = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}
