//! Paths of `files` rules and `attach`: absolute or starting with a
//! variable, a valid AppArmor glob, and nothing that could end the rule
//! and start another one in the AppArmor output.

use crate::check::glob::Glob;
use crate::diag::codes;
use crate::diag::{Diagnostic, Span};
use crate::syntax::confine::ast::Word;

/// The first character of `path` that could inject rules: a `,` outside an
/// alternation (it ends an AppArmor rule), a quote, a comment sign, a
/// backslash, or a control character (a newline ends the rule too).
fn injection(path: &str) -> Option<(usize, char)> {
    let mut depth = 0usize;
    for (i, c) in path.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => return Some((i, c)),
            '"' | '#' | '\\' => return Some((i, c)),
            c if c.is_control() => return Some((i, c)),
            _ => {}
        }
    }
    None
}

/// `p` with each `@{VAR}` replaced by one ordinary character of the same
/// byte length, so offsets stay put and variables count as text for glob
/// validation (AppArmor checks their values when it loads the profile).
pub fn without_variables(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut rest = p;
    while let Some(i) = rest.find("@{") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => {
                out.push_str(&"v".repeat(j + 1));
                rest = &rest[i + j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Check one path; true when it is fit for output.
pub fn check(w: &Word, diags: &mut Vec<Diagnostic>) -> bool {
    let p = &w.text;
    if let Some((at, c)) = injection(p) {
        // Point at the character when the word is written unquoted.
        let span = if w.quoted {
            w.span
        } else {
            let s = w.span.start as usize + at;
            Span::new(w.span.file, s, s + c.len_utf8())
        };
        let shown = if c.is_control() {
            format!("U+{:04X}", u32::from(c))
        } else {
            format!("`{c}`")
        };
        diags.push(
            Diagnostic::error(
                codes::CONFINE_PATH_INJECTION,
                format!("path `{}` contains {shown}, which could end the rule and start another", p.escape_debug()),
            )
            .at(span, "not allowed in a path")
            .with_help("a path holds no `,` (outside `{a,b}`), `\"`, `#`, `\\` or control characters; write one path per value"),
        );
        return false;
    }
    if !(p.starts_with('/') || p.starts_with("@{")) {
        diags.push(
            Diagnostic::error(
                codes::CONFINE_RELATIVE_PATH,
                format!("`{p}` is not an absolute path"),
            )
            .at(w.span, "not absolute")
            .with_help("begin the path with `/` or a variable such as `@{HOME}`"),
        );
        return false;
    }
    if let Err(e) = Glob::validate(&without_variables(p)) {
        let (at, msg, label) = e.describe();
        let span = if w.quoted {
            w.span
        } else {
            let s = (w.span.start as usize + at).min(w.span.end as usize);
            Span::new(w.span.file, s, (s + 1).min(w.span.end as usize))
        };
        diags.push(
            Diagnostic::error(
                codes::CONFINE_INVALID_GLOB,
                format!("`{p}` is not a valid glob: {msg}"),
            )
            .at(span, label),
        );
        return false;
    }
    true
}
