//! The pipeline as library calls: load -> parse -> resolve -> check.
//! The CLI and the language server both call these.

use std::path::Path;

use crate::diag::{Diagnostic, FileId, SourceMap};
use crate::load;
use crate::resolve::fs::FileSystem;
use crate::resolve::{Loader, Options, Unit};

/// What checking one input produced.
pub struct Checked {
    pub unit: Option<Unit>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Check one AppArmor file on `fs`.
pub fn check_path(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    path: &Path,
    opts: &Options,
) -> Checked {
    let mut diags = Vec::new();
    let display = path.display().to_string();
    let loaded = load::load(fs, sources, path, &display, &mut diags);
    finish(fs, sources, loaded, Some(path), opts, diags)
}

/// Check AppArmor text that does not come from a file (stdin, an editor buffer).
pub fn check_bytes(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    name: &str,
    bytes: Vec<u8>,
    opts: &Options,
) -> Checked {
    let mut diags = Vec::new();
    let loaded = load::from_bytes(sources, name, bytes, &mut diags);
    finish(fs, sources, loaded, None, opts, diags)
}

fn finish(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    loaded: load::Loaded,
    path: Option<&Path>,
    opts: &Options,
    mut diags: Vec<Diagnostic>,
) -> Checked {
    if !loaded.usable {
        return Checked {
            unit: None,
            diagnostics: diags,
        };
    }
    let (unit, more) = resolve_and_check(fs, sources, loaded.file, path, opts);
    diags.extend(more);
    Checked {
        unit: Some(unit),
        diagnostics: diags,
    }
}

fn resolve_and_check(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    file: FileId,
    path: Option<&Path>,
    opts: &Options,
) -> (Unit, Vec<Diagnostic>) {
    let loader = Loader::new(fs, sources, opts);
    let (unit, mut diags) = loader.load_root(file, path.map(Path::to_path_buf));
    diags.extend(crate::check::check(&unit, sources, fs, opts));
    (unit, diags)
}
