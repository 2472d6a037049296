//! Document texts as the editor has them, with incremental changes applied.
//! Positions in a change are UTF-16 and may point past the end of a line,
//! past the last line or inside a surrogate pair: `offset_of_utf16` clamps
//! them all to a character boundary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use profilec_core::diag::{FileId, SourceMap};
use tower_lsp::lsp_types::TextDocumentContentChangeEvent;

use crate::convert;

#[derive(Default)]
pub struct Texts {
    sources: SourceMap,
    ids: HashMap<PathBuf, FileId>,
    /// Ids of closed documents, reused so the map does not grow.
    free: Vec<FileId>,
}

impl Texts {
    pub fn open(&mut self, path: &Path, text: String) {
        match self.ids.get(path) {
            Some(&id) => self.sources.replace(id, text),
            None => {
                let id = match self.free.pop() {
                    Some(id) => {
                        self.sources.replace(id, text);
                        id
                    }
                    None => self.sources.add(path.display().to_string(), text),
                };
                self.ids.insert(path.to_path_buf(), id);
            }
        }
    }

    pub fn close(&mut self, path: &Path) {
        if let Some(id) = self.ids.remove(path) {
            self.sources.replace(id, String::new());
            self.free.push(id);
        }
    }

    pub fn text(&self, path: &Path) -> Option<&str> {
        self.ids.get(path).map(|&id| self.sources.text(id))
    }

    /// The document's text as a source, for documents no check covers.
    pub fn source(&self, path: &Path) -> Option<(&SourceMap, FileId)> {
        Some((&self.sources, *self.ids.get(path)?))
    }

    /// The byte offset of an editor position in the current text.
    pub fn offset(&self, path: &Path, p: tower_lsp::lsp_types::Position) -> Option<usize> {
        let id = *self.ids.get(path)?;
        Some(convert::offset(&self.sources, id, p))
    }

    /// Apply changes in order; returns the new text (`None`: not open).
    pub fn apply(
        &mut self,
        path: &Path,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Option<String> {
        let id = *self.ids.get(path)?;
        for change in changes {
            let text = match change.range {
                None => change.text,
                Some(r) => {
                    let start = convert::offset(&self.sources, id, r.start);
                    let end = convert::offset(&self.sources, id, r.end).max(start);
                    let old = self.sources.text(id);
                    let mut new = String::with_capacity(old.len() + change.text.len());
                    new.push_str(&old[..start]);
                    new.push_str(&change.text);
                    new.push_str(&old[end..]);
                    new
                }
            };
            self.sources.replace(id, text);
        }
        Some(self.sources.text(id).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp::lsp_types::{Position, Range};

    fn edit(l0: u32, c0: u32, l1: u32, c1: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l0, c0), Position::new(l1, c1))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn edits_count_utf16_and_clamp() {
        let mut t = Texts::default();
        let p = Path::new("/d");
        t.open(p, "a😀b\ncd\n".into());
        // 😀 is two UTF-16 units: column 3 is just after it.
        assert_eq!(
            t.apply(p, vec![edit(0, 3, 0, 4, "X")]).as_deref(),
            Some("a😀X\ncd\n")
        );
        // Inside the surrogate pair: the start of the character.
        assert_eq!(
            t.apply(p, vec![edit(0, 2, 0, 2, "-")]).as_deref(),
            Some("a-😀X\ncd\n")
        );
        // Past the end of a line: the end of that line.
        assert_eq!(
            t.apply(p, vec![edit(1, 99, 1, 99, ",")]).as_deref(),
            Some("a-😀X\ncd,\n")
        );
        // Past the last line: the end of the text.
        assert_eq!(
            t.apply(p, vec![edit(9, 0, 9, 0, "z")]).as_deref(),
            Some("a-😀X\ncd,\nz")
        );
        // A reversed range deletes nothing.
        assert_eq!(
            t.apply(p, vec![edit(1, 2, 1, 0, "")]).as_deref(),
            Some("a-😀X\ncd,\nz")
        );
    }
}
