//! The one diagnostics model of profilec.
//!
//! A diagnostic is built once (stable code, message, spans, help) and rendered
//! by [`render`] for the terminal or as JSON; the language server converts the
//! same value into LSP diagnostics.

pub mod files;
pub mod render;

/// `--color`: whether human output is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorFlag {
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether to colour human output, from the `--color` flag, whether the
/// output is a terminal, and the environment (`env(NAME)`), by the usual
/// conventions: `NO_COLOR` set to anything but the empty string turns
/// colour off (an empty `NO_COLOR` does not: <https://no-color.org>);
/// `CLICOLOR_FORCE` other than empty or `0` turns it on even when not a
/// terminal; `CLICOLOR=0` and `TERM=dumb` turn it off. An explicit
/// `--color always|never` beats them all.
pub fn color_choice(
    flag: ColorFlag,
    is_terminal: bool,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> bool {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    match flag {
        ColorFlag::Always => true,
        ColorFlag::Never => false,
        ColorFlag::Auto => {
            if set("NO_COLOR").is_some() {
                return false;
            }
            if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                return true;
            }
            if env("CLICOLOR").is_some_and(|v| v == "0") || env("TERM").is_some_and(|v| v == "dumb")
            {
                return false;
            }
            is_terminal
        }
    }
}

pub use files::{FileId, SourceMap};

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

/// One finding. `code` is a stable kebab-case name (see `codes`), never
/// reworded once published: tools and suppressions key on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message)
    }

    pub fn note(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Note, code, message)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Diagnostic {
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
                "{} `{}` in `{name}`, which is outside the include roots: its text is not shown",
                d.severity.as_str(),
                d.code
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

#[cfg(test)]
mod color_tests {
    use super::*;
    use std::ffi::OsString;

    fn choose(flag: ColorFlag, tty: bool, vars: &[(&str, &str)]) -> bool {
        color_choice(flag, tty, |n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn color_follows_no_color_and_clicolor_conventions() {
        use ColorFlag::*;
        assert!(choose(Auto, true, &[]));
        assert!(!choose(Auto, false, &[]));
        assert!(!choose(Auto, true, &[("NO_COLOR", "1")]));
        // An empty NO_COLOR does not disable colour.
        assert!(choose(Auto, true, &[("NO_COLOR", "")]));
        assert!(!choose(Auto, true, &[("CLICOLOR", "0")]));
        assert!(choose(Auto, true, &[("CLICOLOR", "1")]));
        assert!(choose(Auto, false, &[("CLICOLOR_FORCE", "1")]));
        assert!(!choose(Auto, false, &[("CLICOLOR_FORCE", "0")]));
        assert!(!choose(Auto, true, &[("TERM", "dumb")]));
        assert!(!choose(
            Auto,
            true,
            &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]
        ));
        assert!(choose(Always, false, &[("NO_COLOR", "1")]));
        assert!(!choose(Never, true, &[]));
    }
}
