//! Output formats. `apparmor`: canonical AppArmor policy text, the printer
//! behind `profilec fmt`; `apparmor_ir`: an `ir::Policy` as AppArmor text
//! through that printer; `seccomp`: an `ir::SyscallPolicy` as OCI seccomp
//! JSON.

pub mod apparmor;
pub mod apparmor_ir;
pub mod seccomp;
