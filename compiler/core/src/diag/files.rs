//! Source texts by id, with line/column lookup for both renderers.

use std::ops::Range;
use std::sync::OnceLock;

use codespan_reporting::files::{Error as FilesError, Files};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

#[derive(Debug)]
struct SourceFile {
    name: String,
    text: String,
    /// Byte offsets of line starts: u32, as in spans (a 10 MB profile has
    /// some 300,000 lines). Computed at the first position asked: most
    /// files a check reads (abstractions, tunables) are never asked one
    /// (issue 13).
    line_starts: OnceLock<Vec<u32>>,
    /// (characters, UTF-16 units) before each [`CHUNK`]-byte boundary:
    /// columns cost O(CHUNK), not O(line), so a diagnostic on a 10 MB line
    /// costs no more than one on a short line. Empty for ASCII text.
    /// Computed when first needed, as `line_starts`.
    counts_before: OnceLock<Vec<(usize, usize)>>,
    /// Outside the include roots: its text must never be shown.
    hidden: bool,
}

const CHUNK: usize = 4096;

/// Characters and UTF-16 units that start in `bytes` (a slice may begin
/// inside a character: only lead bytes count).
fn count(bytes: &[u8]) -> (usize, usize) {
    bytes.iter().fold((0, 0), |(c, u), &b| {
        if (b as i8) < -0x40 {
            (c, u)
        } else {
            (c + 1, u + if b >= 0xf0 { 2 } else { 1 })
        }
    })
}

fn counts_before(text: &str) -> Vec<(usize, usize)> {
    if text.is_ascii() {
        return Vec::new();
    }
    let mut acc = (0, 0);
    text.as_bytes()
        .chunks(CHUNK)
        .map(|c| {
            let before = acc;
            let (ch, u) = count(c);
            acc = (acc.0 + ch, acc.1 + u);
            before
        })
        .collect()
}

impl SourceFile {
    fn new(name: String, text: String) -> SourceFile {
        SourceFile {
            name,
            text,
            line_starts: OnceLock::new(),
            counts_before: OnceLock::new(),
            hidden: false,
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| line_starts(&self.text))
    }

    /// (characters, UTF-16 units) in `text[..offset]`.
    fn counts(&self, offset: usize) -> (usize, usize) {
        let counts_before = self.counts_before.get_or_init(|| counts_before(&self.text));
        if counts_before.is_empty() {
            return (offset, offset);
        }
        let chunk = offset / CHUNK;
        let (c, u) = counts_before.get(chunk).copied().unwrap_or((0, 0));
        let (tc, tu) = count(&self.text.as_bytes()[chunk * CHUNK..offset]);
        (c + tc, u + tu)
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

/// A 0-based position, its column counted both ways: in characters (for
/// humans and JSON) and in UTF-16 code units (for LSP clients).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub character: usize,
    pub utf16: usize,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile::new(name.into(), text.into()));
        FileId((self.files.len() - 1) as u32)
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].name
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].text
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Replace the text of `id` (an edited document, a changed include).
    /// Spans into the old text are meaningless afterwards.
    pub fn replace(&mut self, id: FileId, text: impl Into<String>) {
        if let Some(f) = self.files.get_mut(id.0 as usize) {
            f.text = text.into();
            f.line_starts = OnceLock::new();
            f.counts_before = OnceLock::new();
        }
    }

    /// Line and column of a byte offset (clamped into the text).
    pub fn line_col(&self, id: FileId, offset: usize) -> LineCol {
        let p = self.position(id, offset);
        LineCol {
            line: p.line + 1,
            column: p.character + 1,
        }
    }

    /// The position of a byte offset, clamped into the text and moved back
    /// to a character boundary. The one place offsets become positions.
    pub fn position(&self, id: FileId, offset: usize) -> Position {
        let f = &self.files[id.0 as usize];
        let mut offset = offset.min(f.text.len());
        while !f.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = line_of(f.line_starts(), offset);
        let (c0, u0) = f.counts(f.line_starts()[line] as usize);
        let (c1, u1) = f.counts(offset);
        Position {
            line,
            character: c1 - c0,
            utf16: u1 - u0,
        }
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
        line_of(f.line_starts(), offset.min(f.text.len()))
    }

    /// Byte range of a 0-based line, without its line break.
    pub fn line_span(&self, id: FileId, line: usize) -> Range<usize> {
        let f = &self.files[id.0 as usize];
        let start = start_of(f.line_starts(), line).unwrap_or(f.text.len());
        let mut end = start_of(f.line_starts(), line + 1).map_or(f.text.len(), |n| n - 1);
        if end > start && f.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end.max(start)
    }

    /// The byte offset of a 0-based line and UTF-16 column, as an LSP client
    /// sends them. A line past the end gives the end of the text; a column
    /// past the end of its line gives the end of the line; a column inside
    /// a surrogate pair gives the start of that character.
    pub fn offset_of_utf16(&self, id: FileId, line: usize, utf16: usize) -> usize {
        let f = &self.files[id.0 as usize];
        let Some(start) = start_of(f.line_starts(), line) else {
            return f.text.len();
        };
        let end = start_of(f.line_starts(), line + 1).map_or(f.text.len(), |e| e - 1);
        let mut units = 0;
        for (i, c) in f.text[start..end].char_indices() {
            units += c.len_utf16();
            if units > utf16 {
                return start + i;
            }
        }
        end
    }
}

/// One pass over the bytes: a char search per line, after a pass to count
/// the lines, cost more than the rest of reading a file.
fn line_starts(text: &str) -> Vec<u32> {
    let mut starts = Vec::with_capacity(text.len() / 32 + 1);
    starts.push(0);
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
    // Kept as long as the text: no room left over.
    starts.shrink_to_fit();
    starts
}

/// The 0-based line holding `offset` (line 0 starts at 0).
fn line_of(starts: &[u32], offset: usize) -> usize {
    starts
        .partition_point(|&s| s as usize <= offset)
        .saturating_sub(1)
}

fn start_of(starts: &[u32], line: usize) -> Option<usize> {
    starts.get(line).map(|&s| s as usize)
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
        Ok(line_of(f.line_starts(), byte_index))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = self
            .files
            .get(id.0 as usize)
            .ok_or(FilesError::FileMissing)?;
        let start = start_of(f.line_starts(), line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: f.line_starts().len() - 1,
        })?;
        let end = start_of(f.line_starts(), line_index + 1).unwrap_or(f.text.len());
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
        let long = "é".repeat(5000) + "\u{1F600}x";
        let id = m.add("b", long.clone());
        let p = m.position(id, long.len() - 1);
        assert_eq!((p.character, p.utf16), (5001, 5002));
    }

    /// U+1F600 is one character, two UTF-16 units and four bytes.
    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let mut m = SourceMap::new();
        let text = "a\u{1F600}b\n\u{e7}\u{1F600}\n";
        let id = m.add("a", text);
        let b = text.find('b').unwrap();
        assert_eq!(
            m.position(id, b),
            Position {
                line: 0,
                character: 2,
                utf16: 3
            }
        );
        // Inside the emoji's bytes: moved back to its start.
        assert_eq!(m.position(id, 2).utf16, 1);
        // Back from UTF-16: each boundary maps to its byte offset.
        assert_eq!(m.offset_of_utf16(id, 0, 0), 0);
        assert_eq!(m.offset_of_utf16(id, 0, 1), 1);
        assert_eq!(m.offset_of_utf16(id, 0, 3), b);
        // Column 2 is inside the surrogate pair: the emoji's start.
        assert_eq!(m.offset_of_utf16(id, 0, 2), 1);
        // Past the end of a line, and past the last line.
        assert_eq!(m.offset_of_utf16(id, 0, 99), b + 1);
        let line1 = b + 2;
        assert_eq!(m.offset_of_utf16(id, 1, 1), line1 + 2);
        assert_eq!(m.offset_of_utf16(id, 1, 3), line1 + 6);
        assert_eq!(m.offset_of_utf16(id, 7, 0), text.len());
        // Round trip over every character boundary.
        for (i, _) in text.char_indices() {
            let p = m.position(id, i);
            assert_eq!(m.offset_of_utf16(id, p.line, p.utf16), i, "offset {i}");
        }
    }

    #[test]
    fn replaced_text_gets_new_lines() {
        let mut m = SourceMap::new();
        let id = m.add("a", "x\n");
        m.replace(id, "x\ny\nz");
        assert_eq!(m.text(id), "x\ny\nz");
        assert_eq!(m.line_col(id, 4), LineCol { line: 3, column: 1 });
    }
}
