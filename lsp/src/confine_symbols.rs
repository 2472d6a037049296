//! Document symbols, workspace symbols and folding ranges of `.confine`
//! documents: profiles, bases and syscall sets from the AST (with the
//! document's imports), their blocks (`files { }`, `syscalls { }`, ...)
//! from the concrete syntax (`emit::confine::blocks`), and runs of comment
//! lines.

use profilec_core::diag::{FileId, SourceMap, Span};
use profilec_core::emit::confine::{blocks, lex, Block, Kind};
use profilec_core::syntax::confine::ast::{File, ProfileKind};
use tower_lsp::lsp_types::{
    DocumentSymbol, DocumentSymbolResponse, FoldingRange, SymbolInformation, SymbolKind, Url,
};

use crate::client::Client;
use crate::confine_build::ConfineChecked;
use crate::confine_index::kind_name;
use crate::convert;
use crate::server::Server;

fn profile_kind(k: ProfileKind) -> SymbolKind {
    match k {
        ProfileKind::Confine => SymbolKind::MODULE,
        ProfileKind::Base => SymbolKind::CLASS,
    }
}

/// The document's file in its program: id, text and AST.
fn document(c: &ConfineChecked) -> Option<(FileId, &str, &File)> {
    let f = &c.program().files[c.root?];
    Some((f.id, c.names().text(f.id), &f.ast))
}

/// The first word of a block's head and the block's whole span.
fn block_spans(file: FileId, text: &str, b: &Block) -> (Span, Span) {
    let head = &text[b.head..b.open];
    let word_len = head.find(char::is_whitespace).unwrap_or(head.len());
    let end = b.close.map_or(text.len(), |c| c + 1);
    (
        Span::new(file, b.head, b.head + word_len),
        Span::new(file, b.head, end),
    )
}

#[allow(deprecated)] // `deprecated` is a required field of the type.
fn symbol(
    sources: &SourceMap,
    name: String,
    detail: &str,
    kind: SymbolKind,
    span: Span,
    selection: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail: Some(detail.to_string()),
        kind,
        tags: None,
        deprecated: None,
        range: convert::range(sources, span),
        selection_range: convert::range(sources, selection),
        children: (!children.is_empty()).then_some(children),
    }
}

impl<C: Client> Server<C> {
    pub(crate) fn confine_document_symbols(&self, uri: &Url) -> Option<DocumentSymbolResponse> {
        let c = self.confine.get(&convert::path_of(uri))?;
        let (file, text, ast) = document(c)?;
        let sources = c.names();
        let all_blocks = blocks(text);
        let mut out = Vec::new();
        for i in &ast.imports {
            out.push(symbol(
                sources,
                i.path.text.clone(),
                "import",
                SymbolKind::FILE,
                i.span,
                i.path.span,
                Vec::new(),
            ));
        }
        for p in &ast.profiles {
            // The blocks directly inside the profile.
            let children = all_blocks
                .iter()
                .filter(|b| b.depth == 1 && p.span.start as usize <= b.head)
                .filter(|b| b.close.is_some_and(|c| c < p.span.end as usize))
                .map(|b| {
                    let (word, whole) = block_spans(file, text, b);
                    let name = text[word.range()].to_string();
                    symbol(
                        sources,
                        name,
                        "block",
                        SymbolKind::OBJECT,
                        whole,
                        word,
                        Vec::new(),
                    )
                })
                .collect();
            out.push(symbol(
                sources,
                p.name.text.clone(),
                kind_name(p.kind),
                profile_kind(p.kind),
                p.span,
                p.name.span,
                children,
            ));
        }
        for s in &ast.sets {
            out.push(symbol(
                sources,
                s.name.text.clone(),
                "syscall set",
                SymbolKind::NAMESPACE,
                s.span,
                s.name.span,
                Vec::new(),
            ));
        }
        out.sort_by_key(|s| s.range.start);
        Some(DocumentSymbolResponse::Nested(out))
    }

    /// The profiles, bases and syscall sets of the open `.confine`
    /// documents whose name contains `query` (any case).
    #[allow(deprecated)] // `deprecated` is a required field of the type.
    pub(crate) fn confine_workspace_symbols(&self, query: &str) -> Vec<SymbolInformation> {
        let query = query.to_lowercase();
        let mut out = Vec::new();
        for path in self.open_paths() {
            let Some(c) = self.confine.get(path) else {
                continue;
            };
            let Some((_, _, ast)) = document(c) else {
                continue;
            };
            let profiles = ast
                .profiles
                .iter()
                .map(|p| (&p.name, p.span, profile_kind(p.kind)));
            let sets = ast
                .sets
                .iter()
                .map(|s| (&s.name, s.span, SymbolKind::NAMESPACE));
            for (name, span, kind) in profiles.chain(sets) {
                if !name.text.to_lowercase().contains(&query) {
                    continue;
                }
                let Some(location) = convert::location(c.names(), span) else {
                    continue;
                };
                out.push(SymbolInformation {
                    name: name.text.clone(),
                    kind,
                    tags: None,
                    deprecated: None,
                    location,
                    container_name: None,
                });
            }
        }
        out
    }

    /// Every block that spans lines (its `}` stays visible), and runs of
    /// two or more comment lines.
    pub(crate) fn confine_folding_ranges(&self, uri: &Url) -> Option<Vec<FoldingRange>> {
        let c = self.confine.get(&convert::path_of(uri))?;
        let (file, text, _) = document(c)?;
        let sources = c.names();
        let line = |offset: usize| sources.position(file, offset).line as u32;
        let mut out = Vec::new();
        for b in blocks(text) {
            let (start, end) = (
                line(b.head),
                line(b.close.unwrap_or(text.len())).saturating_sub(1),
            );
            if end > start {
                out.push(crate::folding::range(start, end, None));
            }
        }
        let comments: Vec<Span> = lex(text)
            .iter()
            .filter(|l| l.kind == Kind::Comment)
            .map(|l| Span::new(file, l.start, l.end))
            .collect();
        out.extend(crate::folding::comment_runs(sources, file, &comments));
        out.sort_by_key(|r| (r.start_line, r.end_line));
        Some(out)
    }
}
