//! Semantic tokens from the syntax tree: comments, keywords, profile names,
//! variables, paths, permissions and the names rules take. `.confine`
//! documents: `confine_tokens.rs`, in the same legend.

use profilec_core::diag::{FileId, SourceMap, Span};
use profilec_core::syntax::ast::{Item, Prefix, RuleKind, Word};
use tower_lsp::lsp_types::{
    SemanticToken, SemanticTokenType, SemanticTokens, SemanticTokensLegend, SemanticTokensParams,
    SemanticTokensResult,
};

use crate::client::Client;
use crate::server::{is_confine, Server};
use crate::{convert, walk};

/// Token types, in legend order.
pub const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::COMMENT,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::STRING,
    SemanticTokenType::CLASS,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::ENUM_MEMBER,
    // `.confine` documents (`confine_tokens.rs`) also use these two.
    SemanticTokenType::NUMBER,
    SemanticTokenType::FUNCTION,
];

pub const COMMENT: u32 = 0;
pub const KEYWORD: u32 = 1;
pub const VARIABLE: u32 = 2;
pub const STRING: u32 = 3;
pub const CLASS: u32 = 4;
pub const OPERATOR: u32 = 5;
pub const ENUM_MEMBER: u32 = 6;
pub const NUMBER: u32 = 7;
pub const FUNCTION: u32 = 8;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: Vec::new(),
    }
}

impl<C: Client> Server<C> {
    pub fn semantic_tokens(&self, p: &SemanticTokensParams) -> Option<SemanticTokensResult> {
        if is_confine(&convert::path_of(&p.text_document.uri)) {
            return self.confine_semantic_tokens(&p.text_document.uri);
        }
        let (_, checked, file) = self.document(&p.text_document.uri)?;
        let ast = checked.unit.as_ref()?.file(file)?;
        let text = self.session.sources.text(file);
        let mut spans: Vec<(Span, u32)> = ast.comments.iter().map(|c| (*c, COMMENT)).collect();
        walk::items(&ast.items, &mut |item| collect(item, text, &mut spans));
        let variables: Vec<Span> = checked
            .index
            .variables
            .values()
            .flat_map(|v| v.definitions.iter().chain(&v.uses))
            .filter(|s| s.file == file)
            .copied()
            .collect();
        // Variables inside a path split it: `@{HOME}` in `@{HOME}/.x`.
        let mut all: Vec<(Span, u32)> = Vec::new();
        for (span, kind) in spans {
            all.extend(subtract(span, &variables).into_iter().map(|s| (s, kind)));
        }
        all.extend(variables.iter().map(|s| (*s, VARIABLE)));
        all.sort_by_key(|(s, _)| (s.start, s.end));
        Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: encode(&self.session.sources, file, &all),
        }))
    }
}

fn word(spans: &mut Vec<(Span, u32)>, w: &Word, kind: u32) {
    spans.push((w.span, kind));
}

fn prefix(spans: &mut Vec<(Span, u32)>, p: &Prefix) {
    for s in [p.audit, p.mode.map(|m| m.1), p.owner.map(|o| o.1)]
        .into_iter()
        .flatten()
    {
        spans.push((s, KEYWORD));
    }
}

/// The leading keyword of an item (`include`, `#include`, `abi`, `alias`).
fn leading_keyword(span: Span, text: &str) -> Span {
    let rest = text.get(span.range()).unwrap_or("");
    let len = rest
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_alphabetic() || (*i == 0 && *c == '#')))
        .map_or(rest.len(), |(i, _)| i);
    Span::new(span.file, span.start as usize, span.start as usize + len)
}

fn collect(item: &Item, text: &str, spans: &mut Vec<(Span, u32)>) {
    match item {
        Item::Include(i) => {
            spans.push((leading_keyword(i.span, text), KEYWORD));
            spans.push((i.target_span, STRING));
        }
        Item::Abi(a) => {
            spans.push((leading_keyword(a.span, text), KEYWORD));
            spans.push((a.target_span, STRING));
        }
        Item::Alias(a) => {
            spans.push((leading_keyword(a.span, text), KEYWORD));
            word(spans, &a.from, STRING);
            word(spans, &a.to, STRING);
        }
        Item::Profile(p) => {
            if let Some(k) = p.keyword_span {
                spans.push((k, KEYWORD));
            }
            word(spans, &p.name, CLASS);
            if let Some(a) = &p.attachment {
                word(spans, a, STRING);
            }
        }
        Item::Block(b) => prefix(spans, &b.prefix),
        Item::Rule(r) => {
            prefix(spans, &r.prefix);
            if let Some(k) = r.keyword {
                spans.push((k, KEYWORD));
            }
            match &r.kind {
                RuleKind::File(f) => {
                    word(spans, &f.path, STRING);
                    word(spans, &f.perms, OPERATOR);
                    if let Some(t) = &f.target {
                        word(spans, t, CLASS);
                    }
                }
                RuleKind::Link { path, target, .. } => {
                    word(spans, path, STRING);
                    word(spans, target, STRING);
                }
                RuleKind::Capability(ws) | RuleKind::Network { words: ws, .. } => {
                    for w in ws {
                        word(spans, w, ENUM_MEMBER);
                    }
                }
                RuleKind::ChangeProfile { exec, target, .. } => {
                    if let Some(e) = exec {
                        word(spans, e, STRING);
                    }
                    if let Some(t) = target {
                        word(spans, t, CLASS);
                    }
                }
                _ => {}
            }
        }
        Item::Rlimit(r) => {
            spans.push((leading_keyword(r.span, text), KEYWORD));
            word(spans, &r.name, ENUM_MEMBER);
        }
        _ => {}
    }
}

/// `span` minus the parts `holes` cover.
fn subtract(span: Span, holes: &[Span]) -> Vec<Span> {
    let mut inside: Vec<&Span> = holes
        .iter()
        .filter(|h| h.file == span.file && h.start < span.end && span.start < h.end)
        .collect();
    inside.sort_by_key(|h| h.start);
    let mut out = Vec::new();
    let mut at = span.start;
    for h in inside {
        if h.start > at {
            out.push(Span {
                start: at,
                end: h.start,
                ..span
            });
        }
        at = at.max(h.end);
    }
    if at < span.end {
        out.push(Span { start: at, ..span });
    }
    out
}

/// Relative encoding; tokens that overlap an earlier one or span lines are
/// left out (clients take neither).
pub(crate) fn encode(
    sources: &SourceMap,
    file: FileId,
    spans: &[(Span, u32)],
) -> Vec<SemanticToken> {
    let mut out = Vec::new();
    let (mut line, mut col, mut end) = (0u32, 0u32, 0u32);
    for (span, kind) in spans {
        if span.is_empty() || span.start < end {
            continue;
        }
        let a = sources.position(file, span.start as usize);
        let b = sources.position(file, span.end as usize);
        if a.line != b.line {
            continue;
        }
        let (l, c) = (a.line as u32, a.utf16 as u32);
        out.push(SemanticToken {
            delta_line: l - line,
            delta_start: if l == line { c - col } else { c },
            length: (b.utf16 - a.utf16) as u32,
            token_type: *kind,
            token_modifiers_bitset: 0,
        });
        (line, col, end) = (l, c, span.end);
    }
    out
}
