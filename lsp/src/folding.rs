//! Folding ranges: profiles, qualifier blocks, conditionals, and runs of
//! two or more comment lines (`.confine` documents: `confine_symbols.rs`).

use profilec_core::diag::{FileId, SourceMap, Span};
use profilec_core::syntax::ast::Item;
use tower_lsp::lsp_types::{FoldingRange, FoldingRangeKind, FoldingRangeParams};

use crate::client::Client;
use crate::server::Server;
use crate::walk;

impl<C: Client> Server<C> {
    pub fn folding_ranges(&self, p: &FoldingRangeParams) -> Option<Vec<FoldingRange>> {
        if crate::server::is_confine(&crate::convert::path_of(&p.text_document.uri)) {
            return self.confine_folding_ranges(&p.text_document.uri);
        }
        let (_, checked, file) = self.document(&p.text_document.uri)?;
        let ast = checked.unit.as_ref()?.file(file)?;
        let sources = &self.session.sources;
        let line = |offset: u32| sources.position(file, offset as usize).line as u32;
        let mut out = Vec::new();
        walk::items(&ast.items, &mut |item| {
            let span = match item {
                Item::Profile(p) => p.open_brace.to(p.close_brace),
                Item::Block(b) => b.span,
                Item::If(i) => i.span,
                _ => return,
            };
            // The closing brace stays visible.
            let (start, end) = (line(span.start), line(span.end).saturating_sub(1));
            if end > start {
                out.push(range(start, end, None));
            }
        });
        out.extend(comment_runs(sources, file, &ast.comments));
        out.sort_by_key(|r| (r.start_line, r.end_line));
        Some(out)
    }
}

pub(crate) fn range(start: u32, end: u32, kind: Option<FoldingRangeKind>) -> FoldingRange {
    FoldingRange {
        start_line: start,
        start_character: None,
        end_line: end,
        end_character: None,
        kind,
        collapsed_text: None,
    }
}

pub(crate) fn comment_runs(
    sources: &SourceMap,
    file: FileId,
    comments: &[Span],
) -> Vec<FoldingRange> {
    let text = sources.text(file);
    // Only comments alone on their line: trailing comments belong to rules.
    let alone = |c: &&Span| {
        let start = c.start as usize;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        text[line_start..start].trim().is_empty()
    };
    let mut lines: Vec<u32> = comments
        .iter()
        .filter(alone)
        .map(|c| sources.position(file, c.start as usize).line as u32)
        .collect();
    lines.sort();
    lines.dedup();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j + 1 < lines.len() && lines[j + 1] == lines[j] + 1 {
            j += 1;
        }
        if j > i {
            out.push(range(lines[i], lines[j], Some(FoldingRangeKind::Comment)));
        }
        i = j + 1;
    }
    out
}
