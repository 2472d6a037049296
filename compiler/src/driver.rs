//! The pipeline as library calls: load -> parse -> resolve -> check.
//! The CLI and the language server both call these.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, SourceMap};
use crate::load;
use crate::resolve::fs::FileSystem;

/// Include search settings, as `apparmor_parser -I` and `-b`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub include_dirs: Vec<PathBuf>,
    pub base: Option<PathBuf>,
}

/// Check one file on `fs`.
pub fn check_path(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    path: &Path,
    opts: &Options,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let display = path.display().to_string();
    let loaded = load::load(fs, sources, path, &display, &mut diags);
    if loaded.usable {
        let _ = opts;
    }
    diags
}

/// Check text that does not come from a file (stdin, an editor buffer).
pub fn check_bytes(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    name: &str,
    bytes: Vec<u8>,
    opts: &Options,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let loaded = load::from_bytes(sources, name, bytes, &mut diags);
    let _ = (fs, opts, loaded);
    diags
}
