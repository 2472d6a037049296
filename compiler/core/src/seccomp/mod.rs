//! seccomp JSON profiles as container runtimes read them: a span-keeping
//! JSON reader, the OCI model, validation (`profilec check FILE.json`),
//! syscall tables and constant names.

pub mod consts;
pub mod expect;
pub mod json;
pub mod lint;
pub mod model;
#[rustfmt::skip]
pub mod syscalls_data;
pub mod tables;

use std::path::Path;

use crate::diag::{Diagnostic, FileId, SourceMap, Span};

use crate::input::fs::FileSystem;

pub use model::Profile;

pub use crate::diag::codes::SECCOMP_LOAD_FAILED as LOAD_FAILED;
pub use crate::diag::codes::SECCOMP_PROGRAM_TOO_LONG as PROGRAM_TOO_LONG;

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

/// Compiles a profile the way a container runtime would. The harness crate
/// implements it with libseccomp; the core library has no libseccomp, so a
/// caller without a compiler (the language server) gets every check but
/// this one.
pub trait Compiler: Sync {
    fn compile(&self, profile: &Profile) -> Result<(), CompileError>;
}

/// Why a profile does not compile.
#[derive(Clone, Debug)]
pub struct CompileError {
    pub message: String,
    /// The rule at fault, when one is.
    pub span: Option<Span>,
    /// The program exceeds the kernel's instruction limit.
    pub too_long: bool,
}

/// Everything `profilec check` reports for one profile: syntax, model,
/// semantic lints, and, given a compiler, whether the runtime can load it
/// (including the kernel's program length limit).
pub fn check_file(
    sources: &SourceMap,
    file: FileId,
    compiler: Option<&dyn Compiler>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Profile> {
    let mut local = Vec::new();
    let profile = parse(sources, file, &mut local);
    if let Some(p) = &profile {
        lint::lint(p, &mut local);
        match compiler {
            Some(c) if !local.iter().any(Diagnostic::is_error) => check_loads(p, c, &mut local),
            _ => {}
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

/// Compile as the runtime does; report a refusal.
fn check_loads(p: &Profile, compiler: &dyn Compiler, diags: &mut Vec<Diagnostic>) {
    match compiler.compile(p) {
        Ok(()) => {}
        Err(e) if e.too_long => diags.push(
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

/// Load `path` through `fs` (at most `limit` bytes) and check it.
pub fn check_path(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    path: &Path,
    limit: u64,
    compiler: Option<&dyn Compiler>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let display = path.display().to_string();
    let loaded = crate::input::load::load(fs, sources, path, &display, limit, &mut diags);
    if loaded.usable {
        check_file(sources, loaded.file, compiler, &mut diags);
    }
    diags
}

/// What a seccomp filter decides for one syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Allow,
    Log,
    Errno(u16),
    Trace(u16),
    Trap,
    KillThread,
    KillProcess,
    Notify,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Allow => write!(f, "allow"),
            Outcome::Log => write!(f, "log"),
            Outcome::Errno(e) => match crate::seccomp::consts::errno_name(i32::from(*e)) {
                Some(n) => write!(f, "errno {n}"),
                None => write!(f, "errno {e}"),
            },
            Outcome::Trace(v) => write!(f, "trace {v}"),
            Outcome::Trap => write!(f, "trap"),
            Outcome::KillThread => write!(f, "kill-thread"),
            Outcome::KillProcess => write!(f, "kill-process"),
            Outcome::Notify => write!(f, "notify"),
        }
    }
}
