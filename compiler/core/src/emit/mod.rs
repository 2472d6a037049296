//! Output formats. `apparmor`: canonical AppArmor policy text, the printer
//! behind `profilec fmt`; `apparmor_ir`: an `ir::Policy` as AppArmor text
//! through that printer; `seccomp`: an `ir::SyscallPolicy` as OCI seccomp
//! JSON; `confine`: the concrete syntax of `.confine` files (lexer, blocks)
//! and their canonical printer.

pub mod apparmor;
pub mod apparmor_ir;
pub mod confine;
pub mod seccomp;
