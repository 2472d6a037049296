//! seccomp verification: load a profile into libseccomp as runc does, export
//! the BPF program, simulate it, run cases in the live kernel, and check
//! expectations.

pub mod bpf;
pub mod live;
pub mod load;
pub mod run;
pub mod runc;
pub mod suite;

/// The expectation format and outcomes live in the core library (the
/// `.confine` front end reads them too); the harness evaluates them.
pub use profilec_core::seccomp::{expect, Outcome};

use profilec_core::seccomp::{CompileError, Compiler, Profile};

/// The runtime's compiler for `profilec_core::seccomp::check_file`:
/// libseccomp, loaded as runc loads a profile, and the BPF export.
#[derive(Clone, Copy, Debug, Default)]
pub struct Libseccomp;

impl Compiler for Libseccomp {
    fn compile(&self, profile: &Profile) -> Result<(), CompileError> {
        load::program(profile)
            .map(|_| ())
            .map_err(|e| CompileError {
                too_long: e.message.contains("the kernel accepts at most"),
                message: e.message,
                span: e.span,
            })
    }
}
