//! `profilec check` as one library call: any number of inputs, AppArmor or
//! seccomp JSON, checked in parallel chunks, each input protected from the
//! others (a panic becomes an `internal-error` of that input), with the
//! diagnostics in input order and source order, under a warning policy.

use crate::hashing::HashSet;
use std::path::PathBuf;

use super::{internal_error, panic_message, spawn_deep, Session};
use crate::diag::{Diagnostic, FileId, Severity, SourceMap};
use crate::input::fs::FileSystem;
use crate::resolve::Options;
use crate::seccomp::Compiler;

/// One input of a batch.
#[derive(Clone, Debug)]
pub enum Input {
    Path(PathBuf),
    /// Text read by the caller (stdin), shown under `name`.
    Bytes {
        name: String,
        bytes: Vec<u8>,
    },
}

/// Which diagnostics a batch reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct WarningPolicy {
    /// Also warnings that arise inside included files (errors always show).
    pub include_warnings: bool,
}

/// The diagnostics of a run of contiguous inputs and the texts they point
/// into.
pub struct Part {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    /// The rest of the chunk's session (parsed includes, the memo): freed
    /// with the report, or never by a caller that exits next.
    pub session: Option<Session>,
}

pub struct Report {
    /// In input order.
    pub parts: Vec<Part>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.parts
            .iter()
            .any(|p| p.diagnostics.iter().any(Diagnostic::is_error))
    }

    pub fn diagnostics(&self) -> impl Iterator<Item = (&SourceMap, &Diagnostic)> {
        self.parts
            .iter()
            .flat_map(|p| p.diagnostics.iter().map(move |d| (&p.sources, d)))
    }
}

/// Check every input. Many inputs are checked in contiguous chunks on
/// parallel threads, each with its own session.
pub fn check(
    fs: &dyn FileSystem,
    inputs: &[Input],
    opts: &Options,
    policy: WarningPolicy,
    compiler: Option<&dyn Compiler>,
) -> Report {
    let threads = if inputs.len() >= 16 {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    } else {
        1
    };
    let chunk_len = inputs.len().div_ceil(threads).max(1);
    let mut chunks = inputs.chunks(chunk_len);
    // Already on a deep stack (the command's worker): the first chunk runs
    // here, and a single input starts no thread at all.
    let here = if super::on_deep_thread() {
        chunks.next()
    } else {
        None
    };
    // Each chunk runs on one thread with the deep stack (a thread per
    // input cost more than checking a small profile); if none can be
    // started, the chunk runs here and each input gets its own.
    let parts: Vec<Part> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .map(|chunk| {
                let work = move || check_chunk(fs, chunk, opts, policy, compiler);
                spawn_deep(s, work).map_err(|_| chunk)
            })
            .collect();
        let first = here.map(|chunk| check_chunk(fs, chunk, opts, policy, compiler));
        first
            .into_iter()
            .chain(handles.into_iter().map(|h| match h {
                Err(chunk) => check_chunk(fs, chunk, opts, policy, compiler),
                Ok(h) => {
                    // Each input is protected inside the chunk; a chunk
                    // cannot fail as a whole, but if it did, say so.
                    h.join().unwrap_or_else(|p| {
                        let mut sources = SourceMap::new();
                        let file = sources.add("<check>", "");
                        let d = internal_error(file, &sources, &panic_message(p.as_ref()));
                        Part {
                            sources,
                            diagnostics: vec![d],
                            session: None,
                        }
                    })
                }
            }))
            .collect()
    });
    Report {
        parts: dedup_across_parts(parts),
    }
}

/// An included file shared by two chunks reports its diagnostics in both.
fn dedup_across_parts(parts: Vec<Part>) -> Vec<Part> {
    let mut seen = HashSet::default();
    parts
        .into_iter()
        .map(|part| {
            let diagnostics = part
                .diagnostics
                .into_iter()
                .filter(|d| {
                    let at = d.primary.as_ref().map(|l| {
                        (
                            part.sources.name(l.span.file).to_string(),
                            l.span.start,
                            l.span.end,
                        )
                    });
                    seen.insert((at, d.code, d.message.clone()))
                })
                .collect();
            Part {
                sources: part.sources,
                diagnostics,
                session: part.session,
            }
        })
        .collect()
}

fn check_chunk(
    fs: &dyn FileSystem,
    inputs: &[Input],
    opts: &Options,
    policy: WarningPolicy,
    compiler: Option<&dyn Compiler>,
) -> Part {
    let mut session = Session::new(opts.clone());
    session.skip_index = true;
    session.skip_dependencies = true;
    let mut diags = Vec::new();
    let mut roots: HashSet<FileId> = HashSet::default();
    for input in inputs {
        let before = session.sources.len();
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_one(&mut session, fs, input, compiler)
        }));
        match ran {
            Ok((ds, file)) => {
                roots.extend(file);
                diags.extend(ds);
            }
            Err(p) => {
                let name = match input {
                    Input::Path(p) => p.display().to_string(),
                    Input::Bytes { name, .. } => name.clone(),
                };
                // Point at the input's first source if it was read.
                let file = if session.sources.len() > before {
                    FileId(before as u32)
                } else {
                    session.sources.add(name, "")
                };
                roots.insert(file);
                diags.push(internal_error(
                    file,
                    &session.sources,
                    &panic_message(p.as_ref()),
                ));
            }
        }
    }
    // Source order reads best: by file, then position.
    diags.sort_by_key(|d| {
        d.primary
            .as_ref()
            .map(|l| (l.span.file, l.span.start, l.span.end))
    });
    let diagnostics = diags
        .into_iter()
        .filter(|d| {
            let in_root = d
                .primary
                .as_ref()
                .is_none_or(|l| roots.contains(&l.span.file));
            d.severity == Severity::Error || in_root || policy.include_warnings
        })
        .collect();
    Part {
        sources: std::mem::take(&mut session.sources),
        diagnostics,
        session: Some(session),
    }
}

/// The diagnostics of one input and the file they are about.
fn check_one(
    session: &mut Session,
    fs: &dyn FileSystem,
    input: &Input,
    compiler: Option<&dyn Compiler>,
) -> (Vec<Diagnostic>, Option<FileId>) {
    #[cfg(debug_assertions)]
    inject_panic_for_tests(input);
    match input {
        // AppArmor or seccomp JSON, told apart by content once read.
        Input::Bytes { name, bytes } => {
            let checked = session.check_any_bytes(fs, name, bytes.clone(), compiler);
            (checked.diagnostics, checked.file)
        }
        Input::Path(path) => {
            let checked = session.check_any_path(fs, path, compiler);
            (checked.diagnostics, checked.file)
        }
    }
}

/// Debug builds only: `PROFILEC_TEST_PANIC=NAME` panics while checking the
/// input whose path ends with NAME, so the binary's tests can show that a
/// panic becomes an `internal-error` diagnostic and exit status 1.
#[cfg(debug_assertions)]
fn inject_panic_for_tests(input: &Input) {
    if let (Some(needle), Input::Path(p)) = (std::env::var_os("PROFILEC_TEST_PANIC"), input) {
        if p.as_os_str()
            .as_encoded_bytes()
            .ends_with(needle.as_encoded_bytes())
        {
            #[allow(clippy::panic)]
            {
                panic!("injected by PROFILEC_TEST_PANIC");
            }
        }
    }
}
