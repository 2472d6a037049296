//! Output formats. `apparmor`: canonical AppArmor policy text, the printer
//! behind `profilec fmt` and the target the `.confine` DSL lowers through.

pub mod apparmor;
