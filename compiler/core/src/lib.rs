//! profilec-core: the front ends, checker and emitters of profilec.
//!
//! Layers depend one way (kept by `tests/layering.rs`):
//! `diag` -> `input` -> `seccomp` -> `syntax` -> `resolve` -> `check` ->
//! `emit` -> `session`. The `profilec` binary and the language server are
//! thin shells over [`session`]; the libseccomp harness is another crate.
#![forbid(unsafe_code)]

pub mod build;
pub mod check;
pub mod diag;
pub mod emit;
pub mod hashing;
pub mod input;
pub mod ir;
pub mod resolve;
pub mod seccomp;
pub mod session;
pub mod syntax;
