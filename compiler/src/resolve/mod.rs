//! Include search, variables, aliases: from parsed files to one resolved policy.

pub mod fs;
pub mod include;
pub mod stdlib;

pub use include::{Cache, Loader, Options, Unit};
