//! Byte spans <-> LSP ranges, paths <-> URIs. Offsets become positions only
//! through `SourceMap::position` and `SourceMap::offset_of_utf16`.

use std::path::{Path, PathBuf};

use profilec_core::diag::{FileId, SourceMap, Span};
use tower_lsp::lsp_types::{Location, Position, Range, Url};

/// The path a URI stands for. Non-file URIs (an unsaved buffer) get a
/// path of their own that no include can name.
pub fn path_of(uri: &Url) -> PathBuf {
    if uri.scheme() == "file" {
        if let Ok(p) = uri.to_file_path() {
            return p;
        }
    }
    PathBuf::from(format!("<{}>", uri.as_str()))
}

/// The URI of a path; `None` for the embedded stdlib and other paths that
/// no editor can open.
pub fn uri_of(path: &Path) -> Option<Url> {
    let s = path.to_str()?;
    if let Some(inner) = s.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
        return Url::parse(inner).ok();
    }
    Url::from_file_path(path).ok()
}

pub fn position(sources: &SourceMap, file: FileId, offset: usize) -> Position {
    let p = sources.position(file, offset);
    Position::new(p.line as u32, p.utf16 as u32)
}

pub fn range(sources: &SourceMap, span: Span) -> Range {
    Range::new(
        position(sources, span.file, span.start as usize),
        position(sources, span.file, span.end as usize),
    )
}

pub fn offset(sources: &SourceMap, file: FileId, p: Position) -> usize {
    sources.offset_of_utf16(file, p.line as usize, p.character as usize)
}

/// The location of a span in the file whose path the source map names.
pub fn location(sources: &SourceMap, span: Span) -> Option<Location> {
    let uri = uri_of(Path::new(sources.name(span.file)))?;
    Some(Location::new(uri, range(sources, span)))
}

/// Whether two ranges share a position (touching counts).
pub fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}
