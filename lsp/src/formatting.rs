//! Formatting through the `profilec fmt` emitter, whole document or range
//! (`.confine` documents: `emit::confine::format`). A document with errors
//! is never formatted: the request returns nothing.

use std::path::Path;

use profilec_core::diag::{Diagnostic, FileId};
use profilec_core::session::format::Formatted;
use similar::{DiffTag, TextDiff};
use tower_lsp::lsp_types::{
    DocumentFormattingParams, DocumentRangeFormattingParams, MessageType, Position, Range,
    TextEdit, Url,
};

use crate::client::Client;
use crate::convert;
use crate::server::{is_confine, Server};

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
        let result = if is_confine(&path) {
            self.format_confine(&path)
        } else {
            self.session.format_path(self.fs.as_ref(), &path)
        };
        let formatted = match result {
            Ok(f) => f,
            Err(errors) => {
                self.client.log(
                    MessageType::INFO,
                    format!(
                        "not formatting {}: it has {} error(s){}",
                        path.display(),
                        errors.len(),
                        errors
                            .first()
                            .map(|d| format!(", first: {}", d.message))
                            .unwrap_or_default()
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

    /// A `.confine` document through the core's printer; refused while
    /// its last check has an error in it.
    fn format_confine(&self, path: &Path) -> Result<Formatted, Vec<Diagnostic>> {
        let original = self.text(path).unwrap_or("").to_string();
        if let Some(c) = self.confine.get(path) {
            let errors: Vec<Diagnostic> = c
                .plan
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .filter(|d| c.file.is_some() && d.primary.as_ref().map(|l| l.span.file) == c.file)
                .cloned()
                .collect();
            if !errors.is_empty() {
                return Err(errors);
            }
        }
        match profilec_core::emit::confine::format(FileId(0), &original) {
            Ok(formatted) => Ok(Formatted {
                original,
                formatted,
            }),
            Err(d) => Err(vec![*d]),
        }
    }
}
