//! seccomp JSON profiles as container runtimes read them: a span-keeping
//! JSON reader, the OCI model, validation (`profilec check FILE.json`),
//! syscall tables and constant names.

pub mod consts;
pub mod json;
pub mod lint;
pub mod model;
#[rustfmt::skip]
pub mod syscalls_data;
pub mod tables;

use std::path::Path;

use crate::diag::{Diagnostic, FileId, SourceMap, Span};

use crate::resolve::fs::FileSystem;

pub use model::Profile;

pub const LOAD_FAILED: &str = "seccomp-load-failed";
pub const PROGRAM_TOO_LONG: &str = "seccomp-program-too-long";
pub const SKIPPED_BY_RUNTIME: &str = "seccomp-skipped-by-runtime";

/// Parse and read a profile already in `sources`: syntax and model
/// diagnostics only (no semantic lints, no libseccomp).
pub fn parse(sources: &SourceMap, file: FileId, diags: &mut Vec<Diagnostic>) -> Option<Profile> {
    let root = match json::parse(file, sources.text(file)) {
        Ok(v) => v,
        Err(d) => {
            diags.push(*d);
            return None;
        }
    };
    model::read(file, &root, diags)
}

/// Everything `profilec check` reports for one profile: syntax, model,
/// semantic lints, and whether libseccomp accepts it as runc loads it
/// (including the kernel's program length limit).
pub fn check_file(
    sources: &SourceMap,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> Option<Profile> {
    let mut local = Vec::new();
    let profile = parse(sources, file, &mut local);
    if let Some(p) = &profile {
        lint::lint(p, &mut local);
        if !local.iter().any(Diagnostic::is_error) {
            check_loads(p, &mut local);
        }
    }
    diags.extend(local);
    profile
}

/// Where to point when libseccomp gives no rule: the `syscalls` key, or the
/// default action.
fn profile_anchor(p: &Profile) -> Span {
    p.syscalls_key.unwrap_or(p.default_action.span)
}

/// Load into libseccomp the way runc does and export the program.
fn check_loads(p: &Profile, diags: &mut Vec<Diagnostic>) {
    match crate::harness::load::program(p) {
        Ok(_) => {}
        Err(e) if e.message.contains("the kernel accepts at most") => diags.push(
            Diagnostic::error(PROGRAM_TOO_LONG, e.message)
                .at(e.span.unwrap_or_else(|| profile_anchor(p)), "these rules compile to too long a program")
                .with_help("merge rules with the same action into one `names` list, or drop argument conditions"),
        ),
        Err(e) => diags.push(
            Diagnostic::error(LOAD_FAILED, format!("runc cannot load this profile: {}", e.message))
                .at(e.span.unwrap_or_else(|| profile_anchor(p)), "rejected by libseccomp"),
        ),
    }
}

/// Load `path` through `fs` and check it.
pub fn check_path(fs: &dyn FileSystem, sources: &mut SourceMap, path: &Path) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let display = path.display().to_string();
    let loaded = crate::load::load(fs, sources, path, &display, &mut diags);
    if loaded.usable {
        check_file(sources, loaded.file, &mut diags);
    }
    diags
}
