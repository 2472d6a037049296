//! Source text -> typed syntax tree. The only module that sees pest types.

pub mod ast;
mod comments;
pub mod confine;
mod parser;
mod shift;
mod unescape;

pub use confine::parse_confine;
pub use parser::{hash_include_warnings, parse_apparmor, parse_incremental, Context, Parsed};
pub use unescape::unescape;

/// Diagnostic codes of the syntax layer.
pub mod codes {
    pub use crate::diag::codes::ASSIGNMENT_TRAILING_COMMA as TRAILING_COMMA_IN_ASSIGNMENT;
    pub use crate::diag::codes::DEPRECATED_HASH_INCLUDE;
    pub use crate::diag::codes::EMPTY_ASSIGNMENT;
    pub use crate::diag::codes::NESTING_TOO_DEEP as TOO_DEEP;
    pub use crate::diag::codes::SYNTAX_ERROR as SYNTAX;
    pub use crate::diag::codes::TOO_MANY_ERRORS;
    pub use crate::diag::codes::UNCLOSED_BRACE as UNCLOSED;
}
