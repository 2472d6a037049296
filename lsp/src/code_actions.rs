//! Quick fixes for the diagnostics of the requested range: did-you-mean
//! names, `#include` -> `include`, a missing comma, `include
//! <tunables/global>` for an undefined standard variable, and an allow
//! comment that silences a warning.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use profilec_core::diag::{codes, Diagnostic, FileId, Severity, SourceMap, Span};
use profilec_core::input::fs::MemoryFs;
use profilec_core::resolve::Options;
use profilec_core::session::Session;
use tower_lsp::lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse,
    TextEdit, Url, WorkspaceEdit,
};

use crate::client::Client;
use crate::server::Server;
use crate::{convert, diagnostics};

impl<C: Client> Server<C> {
    pub fn code_actions(&self, p: &CodeActionParams) -> Option<CodeActionResponse> {
        let uri = &p.text_document.uri;
        let (_, checked, file) = self.document(uri)?;
        let sources = &self.session.sources;
        let mut out = Vec::new();
        for d in &checked.diagnostics {
            let Some(primary) = d.primary.as_ref().filter(|l| l.span.file == file) else {
                continue;
            };
            if !convert::overlaps(&convert::range(sources, primary.span), &p.range) {
                continue;
            }
            let shown = diagnostics::one(sources, checked, file, &self.settings, d);
            for (title, edit) in fixes(sources, file, d, primary.span) {
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: shown.clone().map(|s| vec![s]),
                    edit: Some(workspace_edit(uri, edit)),
                    is_preferred: None,
                    ..CodeAction::default()
                }));
            }
        }
        Some(out)
    }
}

fn workspace_edit(uri: &Url, edit: TextEdit) -> WorkspaceEdit {
    WorkspaceEdit::new(HashMap::from([(uri.clone(), vec![edit])]))
}

fn fixes(sources: &SourceMap, file: FileId, d: &Diagnostic, at: Span) -> Vec<(String, TextEdit)> {
    let text = sources.text(file);
    let edit = |start: usize, end: usize, new: &str| {
        TextEdit::new(
            convert::range(sources, Span::new(file, start, end)),
            new.to_string(),
        )
    };
    let mut out = Vec::new();
    if let Some(name) = d.help.as_deref().and_then(did_you_mean) {
        out.push((
            format!("replace with `{name}`"),
            edit(at.start as usize, at.end as usize, name),
        ));
    }
    if d.code == codes::DEPRECATED_HASH_INCLUDE {
        out.push((
            "write `include`".into(),
            edit(at.start as usize, at.end as usize, "include"),
        ));
    }
    if d.code == codes::SYNTAX_ERROR && mentions_comma(d) {
        let before = text[..at.start as usize].trim_end().len();
        if before > 0 && !text[..before].ends_with([',', '{', '}']) {
            out.push(("add the missing `,`".into(), edit(before, before, ",")));
        }
    }
    if d.code == codes::UNDEFINED_VARIABLE {
        let name = text
            .get(at.range())
            .and_then(|t| t.strip_prefix("@{")?.strip_suffix('}'));
        if name.is_some_and(|n| standard_variables().contains(n)) {
            let top = preamble_end(text);
            out.push((
                "add `include <tunables/global>`".into(),
                edit(top, top, "include <tunables/global>\n"),
            ));
        }
    }
    if d.severity != Severity::Error {
        let line_end = text[at.start as usize..]
            .find('\n')
            .map_or(text.len(), |i| at.start as usize + i);
        out.push((
            format!("silence `{}` on this line", d.code.name),
            edit(
                line_end,
                line_end,
                &format!("  # profilec: allow({})", d.code.name),
            ),
        ));
    }
    out
}

/// `x` of a help text `did you mean `x`?`.
fn did_you_mean(help: &str) -> Option<&str> {
    let rest = help.split("did you mean `").nth(1)?;
    rest.split('`').next().filter(|n| !n.is_empty())
}

fn mentions_comma(d: &Diagnostic) -> bool {
    let labels = d
        .primary
        .iter()
        .chain(&d.secondary)
        .map(|l| l.message.as_str());
    labels
        .chain([d.message.as_str()])
        .chain(d.help.as_deref())
        .any(|m| m.contains("`,`"))
}

/// Where a new include goes: after the comment lines that open the file.
fn preamble_end(text: &str) -> usize {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.is_empty() || (t.starts_with('#') && !t.starts_with("#include")) {
            at += line.len();
        } else {
            break;
        }
    }
    at
}

/// The variables `include <tunables/global>` defines (embedded stdlib).
fn standard_variables() -> &'static BTreeSet<String> {
    static NAMES: OnceLock<BTreeSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let opts = Options {
            include_dirs: Vec::new(),
            base: Some("<none>".into()),
            ..Options::default()
        };
        let mut s = Session::new(opts);
        let c = s.check_bytes(
            &MemoryFs::new(),
            "<tunables>",
            b"include <tunables/global>\n".to_vec(),
        );
        c.variables
            .map(|v| v.vars.keys().map(|k| k.to_string()).collect())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_variables_come_from_the_embedded_tunables() {
        let names = standard_variables();
        assert!(
            names.contains("HOME") && names.contains("PROC"),
            "{names:?}"
        );
        assert!(!names.contains("FOO"));
    }

    #[test]
    fn help_texts_give_their_suggestion() {
        assert_eq!(did_you_mean("did you mean `chown`?"), Some("chown"));
        assert_eq!(
            did_you_mean("did you mean `r`? (file permissions: rw)"),
            Some("r")
        );
        assert_eq!(did_you_mean("write it differently"), None);
    }
}
