//! The `.confine` DSL: source text -> typed syntax tree ([`ast`]).
//!
//! `grammar/confine.pest` fixes the shape (blocks, statements, tokens);
//! [`parse_confine`] reads the keywords and reports every line it cannot
//! read, so one run shows all of a file's syntax errors.

pub mod ast;
mod build;
mod tree;

use crate::diag::{Diagnostic, FileId};

/// Diagnostic codes of the `.confine` syntax layer.
pub mod codes {
    pub use crate::diag::codes::CONFINE_EXPECTED as EXPECTED;
    pub use crate::diag::codes::CONFINE_NESTING_TOO_DEEP as TOO_DEEP;
    pub use crate::diag::codes::CONFINE_SYNTAX_ERROR as SYNTAX;
    pub use crate::diag::codes::CONFINE_UNCLOSED_BRACE as UNCLOSED;
    pub use crate::diag::codes::CONFINE_UNEXPECTED_TOKEN as UNEXPECTED;
    pub use crate::diag::codes::CONFINE_UNKNOWN_KEYWORD as UNKNOWN_KEYWORD;
}

/// Parse one `.confine` file. Never fails: what cannot be read is reported
/// and left out.
pub fn parse_confine(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let nodes = tree::parse(file, text, &mut diags);
    let f = build::Builder {
        file,
        diags: &mut diags,
    }
    .file(&nodes);
    // A garbled or binary-like file would report every line: show the first
    // ones and say how many more there were.
    if diags.len() > MAX_ERRORS {
        let more = diags.len() - MAX_ERRORS;
        diags.truncate(MAX_ERRORS);
        let at = diags
            .last()
            .and_then(|d| d.primary.as_ref())
            .map_or(crate::diag::Span::new(file, 0, 0), |l| l.span);
        diags.push(
            Diagnostic::note(
                crate::diag::codes::TOO_MANY_ERRORS,
                format!("{more} more syntax errors in this file are not shown"),
            )
            .at(at, "after this one"),
        );
    }
    (f, diags)
}

/// Syntax errors shown per file.
pub const MAX_ERRORS: usize = 50;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceMap;

    fn parse(text: &str) -> (ast::File, Vec<Diagnostic>) {
        let mut sm = SourceMap::new();
        let id = sm.add("t.confine", text);
        parse_confine(id, text)
    }

    #[test]
    fn design_sketch_parses_without_diagnostics() {
        let text = include_str!("../../../../../tests/data/confine/build/design-sketch.confine");
        let (f, diags) = parse(text);
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(f.profiles.len(), 1);
        assert_eq!(f.profiles[0].name.text, "nginx-sample");
        assert_eq!(f.profiles[0].items.len(), 10);
    }

    #[test]
    fn several_errors_are_reported_from_one_file() {
        let (_, diags) =
            parse("confine a {\n  fils { read /a }\n  mode enforce\n  ]]]\n  modee x\n}\n");
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                codes::UNKNOWN_KEYWORD,
                codes::SYNTAX,
                codes::UNKNOWN_KEYWORD
            ]
        );
    }

    #[test]
    fn an_unclosed_block_is_reported() {
        let (f, diags) = parse("confine a {\n  mode enforce\n");
        assert_eq!(f.profiles.len(), 1);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, codes::UNCLOSED);
    }
}
