//! Reading a source file into the [`SourceMap`], with diagnostics for input
//! that is not text at all (unreadable, a directory, a FIFO or device, too
//! large, binary, not UTF-8, a byte-order mark).
//!
//! Every entry point (files, stdin, includes, expectation files) comes
//! through [`load`] or [`from_bytes`]; files are read by the bounded
//! [`FileSystem::read_bounded`], stdin by [`read_stdin`].

use std::path::Path;

use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::input::fs::{refusal, FileSystem, Kind, Refusal};

pub use crate::diag::codes::BINARY_FILE;
pub use crate::diag::codes::BYTE_ORDER_MARK;
pub use crate::diag::codes::INPUT_TOO_LARGE;
pub use crate::diag::codes::INVALID_UTF8;
pub use crate::diag::codes::IO_ERROR;
pub use crate::diag::codes::NOT_A_FILE;

/// Read all of stdin, at most `limit` bytes (the user named stdin, so any
/// kind of file may stand behind it; only the size is bounded).
pub fn read_stdin(limit: u64) -> std::io::Result<Vec<u8>> {
    crate::input::fs::read_limited(std::io::stdin().lock(), limit)
}

/// The diagnostic for a failed read of `display` (a file or stdin), anchored
/// at `span`.
pub fn read_error(display: &str, e: &std::io::Error, span: Span) -> Diagnostic {
    match refusal(e) {
        Some(Refusal::NotRegular(what)) => Diagnostic::error(
            NOT_A_FILE,
            format!("`{display}` is {what}, not a regular file"),
        )
        .at(span, "not read")
        .with_help("profilec reads regular files only; to read from a pipe or device, give `-` and redirect it to stdin"),
        Some(Refusal::TooLarge { size, limit }) => Diagnostic::error(
            INPUT_TOO_LARGE,
            format!("`{display}` is larger than the input limit of {limit} bytes"),
        )
        .at(span, format!("{size} bytes or more, not read"))
        .with_help("raise the limit with `--max-input-size BYTES` if this really is a profile"),
        None => Diagnostic::error(IO_ERROR, format!("cannot read `{display}`: {e}"))
            .at(span, "unreadable"),
    }
}

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

/// Read `path` through `fs`, at most `limit` bytes. On failure the
/// diagnostic is pushed and the file is marked unusable; the run goes on
/// with the other inputs.
pub fn load(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    path: &Path,
    display: &str,
    limit: u64,
    diags: &mut Vec<Diagnostic>,
) -> Loaded {
    let read = fs.read_bounded(path, limit);
    load_read(fs, sources, path, display, read, diags)
}

/// [`load`] of what reading `path` already gave.
pub fn load_read(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    path: &Path,
    display: &str,
    read: std::io::Result<Vec<u8>>,
    diags: &mut Vec<Diagnostic>,
) -> Loaded {
    // A directory is told apart only when the read fails: no `stat` before
    // every file.
    if read.is_err() && fs.kind(path) == Some(Kind::Dir) {
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
    match read {
        Ok(bytes) => from_bytes(sources, display, bytes, diags),
        Err(e) => {
            let (file, span) = placeholder(sources, display);
            diags.push(read_error(display, &e, span));
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
    if let Some(nul) = memchr::memchr(0, &bytes) {
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
        // apparmor_parser 4.1 refuses a BOM ("Lexer found unexpected
        // character"); so do we, but with a span and a way out.
        Ok(text) if text.starts_with('\u{feff}') => {
            let file = sources.add(display, text);
            diags.push(
                Diagnostic::error(
                    BYTE_ORDER_MARK,
                    format!("`{display}` starts with a UTF-8 byte-order mark"),
                )
                .at(Span::new(file, 0, 3), "byte-order mark")
                .with_help("apparmor_parser rejects it too; save the file as UTF-8 without a BOM"),
            );
            Loaded {
                file,
                usable: false,
            }
        }
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
        fs.insert("/bom.sd", b"\xef\xbb\xbfp {}".to_vec());
        fs.insert("/big.sd", vec![b'#'; 11]);
        for p in [
            "/bin.sd",
            "/latin1.sd",
            "/d",
            "/missing",
            "/bom.sd",
            "/big.sd",
        ] {
            assert!(!load(&fs, &mut sources, Path::new(p), p, 10, &mut diags).usable);
        }
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                BINARY_FILE,
                INVALID_UTF8,
                NOT_A_FILE,
                IO_ERROR,
                BYTE_ORDER_MARK,
                INPUT_TOO_LARGE
            ]
        );
        let span = diags[1].primary.as_ref().map(|l| l.span.range());
        assert_eq!(span, Some(2..5));
    }

    #[test]
    fn real_disk_refuses_devices_fifos_and_large_files_without_reading() {
        let mut sources = SourceMap::new();
        let mut diags = Vec::new();
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { return };
        let sparse = dir.path().join("sparse");
        let made = std::fs::File::create(&sparse).and_then(|f| f.set_len(1 << 30));
        assert!(made.is_ok());
        let fifo = dir.path().join("fifo");
        let mkfifo = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(mkfifo.is_ok_and(|s| s.success()));
        let fs = crate::input::fs::RealFs;
        for p in [Path::new("/dev/zero"), &fifo, &sparse] {
            let d = p.display().to_string();
            assert!(!load(&fs, &mut sources, p, &d, 1 << 20, &mut diags).usable);
        }
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, [NOT_A_FILE, NOT_A_FILE, INPUT_TOO_LARGE]);
        assert_eq!(
            diags[1].message,
            format!("`{}` is a FIFO, not a regular file", fifo.display())
        );
    }
}
