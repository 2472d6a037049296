//! profilec: checker and compiler for Linux confinement profiles.
//!
//! Layers depend one way: `syntax` -> `resolve` -> `check` -> `ir` -> `emit`.
//! `diag` is shared by all of them; the CLI (`main.rs`, `cli`) and the
//! language server are thin shells over the same library calls.

pub mod check;
pub mod cli;
pub mod diag;
pub mod driver;
pub mod emit;
pub mod harness;
pub mod load;
pub mod resolve;
pub mod seccomp;
pub mod syntax;
