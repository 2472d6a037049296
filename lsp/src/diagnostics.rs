//! Core diagnostics -> LSP diagnostics. A diagnostic that lies in an
//! included file is shown on the include line that leads to it, with the
//! real place as related information; warnings of included files are left
//! out, as the CLI does by default.

use std::collections::{HashSet, VecDeque};

use profilec_core::diag::{self, FileId, Severity, SourceMap, Span};
use profilec_core::resolve::Unit;
use profilec_core::session::Checked;
use tower_lsp::lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString,
    Url,
};

use crate::convert;
use crate::settings::Settings;

/// The default page codes link to: `docs/diagnostics.md` of the source tree
/// the server was built from (the `diagnosticsUrl` setting overrides it).
fn default_docs() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/diagnostics.md");
    Url::from_file_path(path).map_or_else(|()| String::new(), |u| u.to_string())
}

pub fn code_url(settings: &Settings, code: &str) -> Option<Url> {
    let base = settings
        .diagnostics_url
        .clone()
        .unwrap_or_else(default_docs);
    Url::parse(&format!("{base}#{code}")).ok()
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// The text shown: the message, then help and notes on their own lines.
pub fn message(d: &diag::Diagnostic) -> String {
    let mut m = d.message.clone();
    if let Some(h) = &d.help {
        m.push_str("\nhelp: ");
        m.push_str(h);
    }
    for n in &d.notes {
        m.push_str("\nnote: ");
        m.push_str(n);
    }
    m
}

/// Where a diagnostic of `d`'s document is shown: its primary span when it
/// is in the document, the include that leads to it otherwise.
pub fn shown_at(checked: &Checked, root: FileId, d: &diag::Diagnostic) -> Option<Span> {
    match &d.primary {
        None => Some(Span::new(root, 0, 0)),
        Some(l) if l.span.file == root => Some(l.span),
        Some(l) => checked
            .unit
            .as_ref()
            .and_then(|u| include_leading_to(u, root, l.span.file)),
    }
}

pub fn to_lsp(sources: &SourceMap, checked: &Checked, settings: &Settings) -> Vec<Diagnostic> {
    let Some(root) = checked.file else {
        return Vec::new();
    };
    let mut list: Vec<Diagnostic> = checked
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity == Severity::Error || d.primary.as_ref().is_none_or(|l| l.span.file == root)
        })
        .filter_map(|d| one(sources, checked, root, settings, d))
        .collect();
    // Source order reads best.
    list.sort_by_key(|d| (d.range.start, d.range.end));
    list
}

/// A diagnostic at its own primary span, secondary labels as related
/// information.
pub fn plain(sources: &SourceMap, settings: &Settings, d: &diag::Diagnostic) -> Option<Diagnostic> {
    let at = d.primary.as_ref().map(|l| l.span)?;
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: convert::location(sources, l.span)?,
                message: l.message.clone(),
            })
        })
        .collect();
    Some(Diagnostic {
        range: convert::range(sources, at),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.name.to_string())),
        code_description: code_url(settings, d.code.name).map(|href| CodeDescription { href }),
        source: Some("profilec".into()),
        message: message(d),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    })
}

/// One core diagnostic of a document, as the editor shows it.
pub fn one(
    sources: &SourceMap,
    checked: &Checked,
    root: FileId,
    settings: &Settings,
    d: &diag::Diagnostic,
) -> Option<Diagnostic> {
    let at = shown_at(checked, root, d)?;
    let elsewhere = d.primary.as_ref().filter(|p| p.span.file != root);
    let mut related: Vec<DiagnosticRelatedInformation> = Vec::new();
    let mut msg = message(d);
    if let Some(p) = elsewhere {
        msg = format!("in `{}`: {msg}", sources.name(p.span.file));
        if let Some(location) = convert::location(sources, p.span) {
            related.push(DiagnosticRelatedInformation {
                location,
                message: p.message.clone(),
            });
        }
    }
    related.extend(d.secondary.iter().filter_map(|l| {
        Some(DiagnosticRelatedInformation {
            location: convert::location(sources, l.span)?,
            message: l.message.clone(),
        })
    }));
    Some(Diagnostic {
        range: convert::range(sources, at),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.name.to_string())),
        code_description: code_url(settings, d.code.name).map(|href| CodeDescription { href }),
        source: Some("profilec".into()),
        message: msg,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    })
}

/// The target of the include in `root` through which `file` was read.
fn include_leading_to(unit: &Unit, root: FileId, file: FileId) -> Option<Span> {
    let mut starts: Vec<u32> = unit
        .includes
        .keys()
        .filter(|(f, _)| *f == root)
        .map(|(_, s)| *s)
        .collect();
    starts.sort();
    for start in starts {
        if reaches(unit, (root, start), file) {
            let item = unit.file(root).and_then(|f| find_include(&f.items, start));
            return Some(item.unwrap_or(Span::new(root, start as usize, start as usize)));
        }
    }
    None
}

fn reaches(unit: &Unit, from: (FileId, u32), file: FileId) -> bool {
    let mut seen = HashSet::new();
    let mut todo: VecDeque<FileId> = unit
        .includes
        .get(&from)
        .map(|ids| ids.iter().copied().collect())
        .unwrap_or_default();
    while let Some(f) = todo.pop_front() {
        if f == file {
            return true;
        }
        if seen.insert(f) {
            for ((g, _), children) in &unit.includes {
                if *g == f {
                    todo.extend(children.iter().copied());
                }
            }
        }
    }
    false
}

/// The target span of the include item starting at `start`, at any depth.
fn find_include(items: &[profilec_core::syntax::ast::Item], start: u32) -> Option<Span> {
    use profilec_core::syntax::ast::Item;
    let mut found = None;
    crate::walk::items(items, &mut |item| {
        if let Item::Include(i) = item {
            if i.span.start == start {
                found = Some(i.target_span);
            }
        }
    });
    found
}
