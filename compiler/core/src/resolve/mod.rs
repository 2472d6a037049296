//! Include search and loading: from parsed files to one resolved policy.

pub mod bundle;
pub mod confine;
pub mod include;
mod marks;
pub mod parse_cache;
pub mod stdlib;

pub use include::{Cache, IncludeScope, Loader, Options, Unit};
