//! Formatting through the `profilec fmt` emitter, whole document or range.
//! A document with errors is never formatted: the request returns nothing.

use similar::{DiffTag, TextDiff};
use tower_lsp::lsp_types::{
    DocumentFormattingParams, DocumentRangeFormattingParams, MessageType, Position, Range,
    TextEdit, Url,
};

use crate::client::Client;
use crate::convert;
use crate::server::Server;

impl<C: Client> Server<C> {
    pub fn format(&mut self, p: &DocumentFormattingParams) -> Option<Vec<TextEdit>> {
        let edits = self.line_edits(&p.text_document.uri)?;
        Some(edits.into_iter().map(|(_, e)| e).collect())
    }

    /// Only the changed lines that touch the range.
    pub fn format_range(&mut self, p: &DocumentRangeFormattingParams) -> Option<Vec<TextEdit>> {
        let edits = self.line_edits(&p.text_document.uri)?;
        let (first, last) = (p.range.start.line, p.range.end.line);
        Some(
            edits
                .into_iter()
                .filter(|((start, end), _)| *start <= last && first < (*end).max(*start + 1))
                .map(|(_, e)| e)
                .collect(),
        )
    }

    /// The formatted text as line-wise edits, each with the old lines it
    /// replaces (`start..end`).
    fn line_edits(&mut self, uri: &Url) -> Option<Vec<((u32, u32), TextEdit)>> {
        let path = convert::path_of(uri);
        self.docs.get(&path)?;
        let formatted = match self.session.format_path(self.fs.as_ref(), &path) {
            Ok(f) => f,
            Err(errors) => {
                self.client.log(
                    MessageType::INFO,
                    format!(
                        "not formatting {}: it has {} error(s)",
                        path.display(),
                        errors.len()
                    ),
                );
                return None;
            }
        };
        let diff = TextDiff::from_lines(&formatted.original, &formatted.formatted);
        let new_lines: Vec<&str> = diff.new_slices().to_vec();
        let mut out = Vec::new();
        for op in diff.ops() {
            if op.tag() == DiffTag::Equal {
                continue;
            }
            let old = op.old_range();
            let text: String = new_lines[op.new_range()].concat();
            let range = Range::new(
                Position::new(old.start as u32, 0),
                Position::new(old.end as u32, 0),
            );
            out.push((
                (old.start as u32, old.end as u32),
                TextEdit::new(range, text),
            ));
        }
        Some(out)
    }
}
