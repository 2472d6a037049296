//! Silencing warnings by comment: `# profilec: allow(code, ...)` on the
//! line of the warning, or among the comment lines at the top of the file
//! for the whole file. Errors cannot be silenced: what the reference
//! rejects stays rejected. The CLI and the editor both filter through here.

use crate::diag::{codes, Diagnostic, FileId, Severity, SourceMap};

const MARKER: &str = "profilec: allow(";

/// The codes an allow comment in `line` names (none when it has none).
fn allowed_in(line: &str) -> Vec<&str> {
    line.match_indices('#')
        .filter_map(|(i, _)| line[i + 1..].trim_start().strip_prefix(MARKER))
        .filter_map(|rest| rest.split(')').next())
        .flat_map(|list| list.split(',').map(str::trim))
        .filter(|c| !c.is_empty())
        .collect()
}

/// The codes allowed for the whole file: allow comments among the comment
/// and blank lines that open it (`#include` is a rule, not a comment).
fn allowed_in_header(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim_start)
        .take_while(|l| l.is_empty() || (l.starts_with('#') && !l.starts_with("#include")))
        .flat_map(allowed_in)
        .collect()
}

/// Whether `d` is a warning or note that an allow comment silences.
pub fn is_suppressed(sources: &SourceMap, d: &Diagnostic) -> bool {
    if d.severity == Severity::Error {
        return false;
    }
    let Some(at) = &d.primary else {
        return false;
    };
    let text = sources.text(at.span.file);
    let line = sources.position(at.span.file, at.span.start as usize).line;
    let on_line = text.lines().nth(line).map(allowed_in).unwrap_or_default();
    on_line
        .iter()
        .chain(allowed_in_header(text).iter())
        .any(|c| *c == d.code.name)
}

/// Drop the silenced diagnostics.
pub fn filter(sources: &SourceMap, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    // Most files have no allow comment: one search per file, not a walk
    // of its lines for every warning in it (issue 13).
    let mut marked: Vec<(FileId, bool)> = Vec::new();
    let mut has_marker = |file: FileId| match marked.iter().find(|(f, _)| *f == file) {
        Some(&(_, m)) => m,
        None => {
            let m = sources.text(file).contains(MARKER);
            marked.push((file, m));
            m
        }
    };
    diags
        .into_iter()
        .filter(|d| {
            let maybe = d.severity != Severity::Error
                && d.primary.as_ref().is_some_and(|p| has_marker(p.span.file));
            !(maybe && is_suppressed(sources, d))
        })
        .collect()
}

/// Allow comments of `file` that name no registered code: a typo there
/// would silently silence nothing.
pub fn unknown_codes(sources: &SourceMap, file: FileId) -> Vec<Diagnostic> {
    let text = sources.text(file);
    let mut out = Vec::new();
    // Most files have no allow comment: one search, not one per line.
    if !text.contains(MARKER) {
        return out;
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        for code in allowed_in(line) {
            if codes::lookup(code).is_some() {
                continue;
            }
            let start = offset + line.find(code).unwrap_or(0);
            let span = crate::diag::Span::new(file, start, start + code.len());
            let mut d = Diagnostic::of(
                codes::UNKNOWN_ALLOW_CODE,
                format!("`{code}` is not a profilec diagnostic code"),
            )
            .at(span, "allows nothing");
            if let Some(near) = closest(code) {
                d = d.with_help(format!("did you mean `{near}`?"));
            }
            out.push(d);
        }
        offset += line.len();
    }
    out
}

/// The registered code nearest to `name`, if near enough.
fn closest(name: &str) -> Option<&'static str> {
    crate::diag::suggest::suggest(name, codes::ALL.iter().map(|c| c.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{codes, Span};

    fn warning_at(sources: &SourceMap, file: FileId, needle: &str) -> Diagnostic {
        let start = sources.text(file).find(needle).unwrap();
        Diagnostic::of(codes::DEPRECATED_HASH_INCLUDE, "w")
            .at(Span::new(file, start, start + needle.len()), "here")
    }

    #[test]
    fn a_comment_on_the_line_or_at_the_top_silences_warnings_only() {
        let mut m = SourceMap::new();
        let f = m.add(
            "a",
            "#include <x> # profilec: allow(deprecated-hash-include)\n#include <y>\n",
        );
        assert!(is_suppressed(&m, &warning_at(&m, f, "<x>")));
        assert!(!is_suppressed(&m, &warning_at(&m, f, "<y>")));
        let mut err = warning_at(&m, f, "<x>");
        err.severity = Severity::Error;
        assert!(!is_suppressed(&m, &err));

        let g = m.add(
            "b",
            "# A header.\n\n# profilec: allow(other-code, deprecated-hash-include)\nprofile p {\n#include <y>\n}\n",
        );
        assert!(is_suppressed(&m, &warning_at(&m, g, "<y>")));
        // Below the header, an allow comment covers its own line only.
        let h = m.add(
            "c",
            "profile p {\n# profilec: allow(deprecated-hash-include)\n#include <y>\n}\n",
        );
        assert!(!is_suppressed(&m, &warning_at(&m, h, "<y>")));
    }

    #[test]
    fn unknown_codes_in_allow_comments_are_reported() {
        let mut m = SourceMap::new();
        let f = m.add("a", "# profilec: allow(include-cycle, include-cycel)\n");
        let ds = unknown_codes(&m, f);
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].code, codes::UNKNOWN_ALLOW_CODE);
        let span = ds[0].primary.as_ref().unwrap().span;
        assert_eq!(&m.text(f)[span.range()], "include-cycel");
        assert_eq!(ds[0].help.as_deref(), Some("did you mean `include-cycle`?"));
    }
}
