//! The two terminal renderings of a [`Diagnostic`]: human and JSON.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde::Serialize;

use super::{Diagnostic, Severity, SourceMap};

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<super::FileId> {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(cs::Label::primary(p.span.file, p.span.range()).with_message(&p.message));
    }
    for s in &d.secondary {
        labels.push(cs::Label::secondary(s.span.file, s.span.range()).with_message(&s.message));
    }
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code.name)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Human output, as codespan-reporting draws it (source line, underline, help).
pub fn human(
    out: &mut dyn WriteColor,
    sources: &SourceMap,
    diags: &[Diagnostic],
) -> std::io::Result<()> {
    let config = term::Config::default();
    for d in diags {
        term::emit(out, &config, sources, &to_codespan(d)).map_err(|e| match e {
            codespan_reporting::files::Error::Io(e) => e,
            other => std::io::Error::other(other.to_string()),
        })?;
    }
    Ok(())
}

/// Human output as a plain string (no colour): golden tests compare this.
pub fn human_string(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut buf = term::termcolor::NoColor::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = human(&mut buf, sources, diags);
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub file: Option<&'a str>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub code: &'a str,
    pub severity: &'a str,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
}

pub fn json_value<'a>(sources: &'a SourceMap, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let (file, start, end) = match &d.primary {
        Some(p) => (
            Some(sources.name(p.span.file)),
            Some(sources.line_col(p.span.file, p.span.start as usize)),
            Some(sources.line_col(p.span.file, p.span.end as usize)),
        ),
        None => (None, None, None),
    };
    JsonDiagnostic {
        file,
        line: start.map(|p| p.line),
        column: start.map(|p| p.column),
        end_line: end.map(|p| p.line),
        end_column: end.map(|p| p.column),
        code: d.code.name,
        severity: d.severity.as_str(),
        message: &d.message,
        help: d.help.as_deref(),
    }
}

/// JSON output: one array of objects, one object per diagnostic.
pub fn json(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    let values: Vec<_> = diags.iter().map(|d| json_value(sources, d)).collect();
    serde_json::to_string_pretty(&values).unwrap_or_else(|_| "[]".to_string())
}
