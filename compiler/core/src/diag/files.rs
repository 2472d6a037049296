//! Source texts by id, with line/column lookup for both renderers.

use std::ops::Range;

use codespan_reporting::files::{Error as FilesError, Files};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

#[derive(Debug)]
struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
    /// Characters before each [`CHUNK`]-byte boundary: columns in O(CHUNK),
    /// not O(line), so a diagnostic on a 10 MB line costs no more than one
    /// on a short line. Empty when the text is ASCII (column = byte offset).
    chars_before: Vec<usize>,
    /// Outside the include roots: its text must never be shown.
    hidden: bool,
}

const CHUNK: usize = 4096;

impl SourceFile {
    /// Characters in `text[..offset]` (`offset` on a character boundary).
    fn char_index(&self, offset: usize) -> usize {
        if self.chars_before.is_empty() {
            return offset;
        }
        let chunk = offset / CHUNK;
        let from = chunk * CHUNK;
        // Chunk boundaries may fall inside a character: count the bytes
        // that start a character.
        let tail = self.text.as_bytes()[from..offset]
            .iter()
            .filter(|&&b| (b as i8) >= -0x40)
            .count();
        self.chars_before.get(chunk).copied().unwrap_or(0) + tail
    }
}

/// Every text a run has read: input files, includes, embedded stdlib files.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

/// A 1-based line and column (column counted in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let chars_before = if text.is_ascii() {
            Vec::new()
        } else {
            let mut acc = 0;
            text.as_bytes()
                .chunks(CHUNK)
                .map(|c| {
                    let before = acc;
                    acc += c.iter().filter(|&&b| (b as i8) >= -0x40).count();
                    before
                })
                .collect()
        };
        self.files.push(SourceFile {
            name: name.into(),
            text,
            line_starts,
            chars_before,
            hidden: false,
        });
        FileId((self.files.len() - 1) as u32)
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].name
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].text
    }

    /// Mark a file as outside the include roots: renderers show its name
    /// and positions, never its text (see [`super::redact`]).
    pub fn set_hidden(&mut self, id: FileId) {
        if let Some(f) = self.files.get_mut(id.0 as usize) {
            f.hidden = true;
        }
    }

    pub fn is_hidden(&self, id: FileId) -> bool {
        self.files.get(id.0 as usize).is_some_and(|f| f.hidden)
    }

    /// 0-based index of the line holding `offset` (clamped into the text).
    pub fn line_index_of(&self, id: FileId, offset: usize) -> usize {
        let f = &self.files[id.0 as usize];
        match f.line_starts.binary_search(&offset.min(f.text.len())) {
            Ok(l) => l,
            Err(l) => l - 1,
        }
    }

    /// Byte range of a 0-based line, without its line break.
    pub fn line_span(&self, id: FileId, line: usize) -> std::ops::Range<usize> {
        let f = &self.files[id.0 as usize];
        let start = f.line_starts.get(line).copied().unwrap_or(f.text.len());
        let mut end = f.line_starts.get(line + 1).map_or(f.text.len(), |n| n - 1);
        if end > start && f.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end.max(start)
    }

    pub fn line_count(&self, id: FileId) -> usize {
        self.files[id.0 as usize].line_starts.len()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Line and column of a byte offset (clamped into the text).
    pub fn line_col(&self, id: FileId, offset: usize) -> LineCol {
        let f = &self.files[id.0 as usize];
        let offset = offset.min(f.text.len());
        let line = match f.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = f.line_starts[line];
        let mut end = offset;
        while !f.text.is_char_boundary(end) {
            end -= 1;
        }
        LineCol {
            line: line + 1,
            column: f.char_index(end) - f.char_index(start) + 1,
        }
    }
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.files
            .get(id.0 as usize)
            .map(|f| f.name.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.files
            .get(id.0 as usize)
            .map(|f| f.text.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let f = self
            .files
            .get(id.0 as usize)
            .ok_or(FilesError::FileMissing)?;
        Ok(match f.line_starts.binary_search(&byte_index) {
            Ok(l) => l,
            Err(l) => l - 1,
        })
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = self
            .files
            .get(id.0 as usize)
            .ok_or(FilesError::FileMissing)?;
        let start = *f
            .line_starts
            .get(line_index)
            .ok_or(FilesError::LineTooLarge {
                given: line_index,
                max: f.line_starts.len() - 1,
            })?;
        let end = f
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(f.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let mut m = SourceMap::new();
        let id = m.add("a", "ab\nçd\n");
        assert_eq!(m.line_col(id, 0), LineCol { line: 1, column: 1 });
        assert_eq!(m.line_col(id, 3), LineCol { line: 2, column: 1 });
        assert_eq!(m.line_col(id, 5), LineCol { line: 2, column: 2 });
        assert_eq!(m.line_col(id, 99), LineCol { line: 3, column: 1 });
        // Across chunk boundaries, with multi-byte characters on them.
        let long = "é".repeat(5000) + "x";
        let id = m.add("b", long.clone());
        assert_eq!(
            m.line_col(id, long.len() - 1),
            LineCol {
                line: 1,
                column: 5001
            }
        );
    }
}
