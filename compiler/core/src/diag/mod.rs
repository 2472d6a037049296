//! The one diagnostics model of profilec.
//!
//! A diagnostic is built once (stable code, message, spans, help) and rendered
//! by [`render`] for the terminal or as JSON; the language server converts the
//! same value into LSP diagnostics.

pub mod codes;
pub mod files;
pub mod render;
pub mod sarif;
pub mod suggest;

pub use codes::Code;

pub use files::{FileId, LineCol, Position, SourceMap};

/// A byte range inside one file of a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// The smallest span covering both (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding. `code` comes from the registry ([`codes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message)
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message)
    }

    pub fn note(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Note, code, message)
    }

    /// A diagnostic with the code's default severity.
    pub fn of(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code.severity, code, message)
    }

    fn new(severity: Severity, code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// The main place the diagnostic points at, with a short label.
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.primary = Some(Label {
            span,
            message: label.into(),
        });
        self
    }

    pub fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: label.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Withhold the text of files outside the include roots (marked with
/// [`SourceMap::set_hidden`]) from diagnostics: a diagnostic that points
/// into such a file keeps its code, severity and positions, but its
/// message, labels, help and notes (which quote tokens, such as a password
/// hash from `/etc/shadow`) are replaced. Renderers also never print a
/// snippet of such a file. Called by the session on everything it returns.
pub fn redact(sources: &SourceMap, diags: &mut [Diagnostic]) {
    for d in diags {
        let primary_hidden = d
            .primary
            .as_ref()
            .is_some_and(|l| sources.is_hidden(l.span.file));
        if primary_hidden {
            let name = d
                .primary
                .as_ref()
                .map(|l| sources.name(l.span.file).to_string())
                .unwrap_or_default();
            d.message = format!(
                "`{}` in `{name}`, a file outside the include roots: its text is not shown",
                d.code.name
            );
            if let Some(l) = d.primary.as_mut() {
                l.message = "text not shown".into();
            }
            d.help = Some(
                "only files under the include search path (`-I`, `--base`) and the inputs' directories are quoted; check this file directly to see the problem".into(),
            );
            d.notes.clear();
        }
        for l in &mut d.secondary {
            if sources.is_hidden(l.span.file) {
                l.message = "outside the include roots: text not shown".into();
            }
        }
    }
}
