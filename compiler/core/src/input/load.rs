//! Reading a source file into the [`SourceMap`], with diagnostics for input
//! that is not text at all (unreadable, a directory, binary, not UTF-8).

use std::path::Path;

use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::input::fs::{FileSystem, Kind};

pub use crate::diag::codes::BINARY_FILE;
pub use crate::diag::codes::INVALID_UTF8;
pub use crate::diag::codes::IO_ERROR;
pub use crate::diag::codes::NOT_A_FILE;

/// Text of a loaded file; `usable` is false when the text must not be parsed.
pub struct Loaded {
    pub file: FileId,
    pub usable: bool,
}

/// Add `name` with no text: the anchor for a diagnostic about the file itself.
fn placeholder(sources: &mut SourceMap, name: &str) -> (FileId, Span) {
    let id = sources.add(name, "");
    (id, Span::new(id, 0, 0))
}

/// Read `path` through `fs`. On failure the diagnostic is pushed and the file
/// is marked unusable; the run goes on with the other inputs.
pub fn load(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    path: &Path,
    display: &str,
    diags: &mut Vec<Diagnostic>,
) -> Loaded {
    if fs.kind(path) == Some(Kind::Dir) {
        let (file, span) = placeholder(sources, display);
        diags.push(
            Diagnostic::error(
                NOT_A_FILE,
                format!("`{display}` is a directory, not a file"),
            )
            .at(span, "directory")
            .with_help("name the profile files inside it"),
        );
        return Loaded {
            file,
            usable: false,
        };
    }
    match fs.read(path) {
        Ok(bytes) => from_bytes(sources, display, bytes, diags),
        Err(e) => {
            let (file, span) = placeholder(sources, display);
            diags.push(
                Diagnostic::error(IO_ERROR, format!("cannot read `{display}`: {e}"))
                    .at(span, "unreadable"),
            );
            Loaded {
                file,
                usable: false,
            }
        }
    }
}

/// Check that `bytes` are text and add them to the source map.
pub fn from_bytes(
    sources: &mut SourceMap,
    display: &str,
    bytes: Vec<u8>,
    diags: &mut Vec<Diagnostic>,
) -> Loaded {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let text = String::from_utf8_lossy(&bytes[..nul]).into_owned();
        let file = sources.add(display, text);
        let at = sources.text(file).len();
        diags.push(
            Diagnostic::error(BINARY_FILE, format!("`{display}` is not a text file"))
                .at(Span::new(file, at, at), "NUL byte here")
                .with_help("profiles are UTF-8 text; was a binary or a compiled policy given?"),
        );
        return Loaded {
            file,
            usable: false,
        };
    }
    match String::from_utf8(bytes) {
        Ok(text) => Loaded {
            file: sources.add(display, text),
            usable: true,
        },
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let file = sources.add(display, text);
            // Lossy decoding keeps every byte offset before the first bad byte
            // and puts one U+FFFD where it was: the span covers that character.
            let end = valid + char::REPLACEMENT_CHARACTER.len_utf8();
            diags.push(
                Diagnostic::error(INVALID_UTF8, format!("`{display}` is not valid UTF-8"))
                    .at(Span::new(file, valid, end), "invalid byte here"),
            );
            Loaded {
                file,
                usable: false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::fs::MemoryFs;

    #[test]
    fn binary_and_bad_utf8_are_reported() {
        let mut fs = MemoryFs::new();
        fs.insert("/bin.sd", b"abc\0def".to_vec());
        fs.insert("/latin1.sd", b"ab\xe9c".to_vec());
        fs.insert("/d/x", b"x".to_vec());
        let mut sources = SourceMap::new();
        let mut diags = Vec::new();
        for p in ["/bin.sd", "/latin1.sd", "/d", "/missing"] {
            assert!(!load(&fs, &mut sources, Path::new(p), p, &mut diags).usable);
        }
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, [BINARY_FILE, INVALID_UTF8, NOT_A_FILE, IO_ERROR]);
        let span = diags[1].primary.as_ref().map(|l| l.span.range());
        assert_eq!(span, Some(2..5));
    }
}
