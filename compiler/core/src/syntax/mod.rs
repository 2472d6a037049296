//! Source text -> typed syntax tree. The only module that sees pest types.

pub mod ast;
pub mod confine;
mod parser;
mod unescape;

pub use confine::parse_confine;
pub use parser::{parse_apparmor, Context};
pub use unescape::unescape;

/// Diagnostic codes of the syntax layer.
pub mod codes {
    pub const SYNTAX: &str = "syntax-error";
    pub const DEPRECATED_HASH_INCLUDE: &str = "deprecated-hash-include";
    pub const TRAILING_COMMA_IN_ASSIGNMENT: &str = "assignment-trailing-comma";
    pub const EMPTY_ASSIGNMENT: &str = "empty-assignment";
    pub const TOO_DEEP: &str = "nesting-too-deep";
    pub const UNCLOSED: &str = "unclosed-brace";
    pub const TOO_MANY_ERRORS: &str = "too-many-errors";
}
