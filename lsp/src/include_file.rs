//! An include file (an abstraction, a tunables or `local/` file) is not a
//! policy on its own: checked alone, every rule in it is "outside any
//! profile". Such a document is checked the way it is used, included into
//! a profile after the standard tunables, and the diagnostics of that
//! check are shown on it. The wrapper is a session document of its own,
//! so it reuses its source ids and follows the include's edits.

use std::path::{Path, PathBuf};

use profilec_core::diag::{codes, Diagnostic, FileId, Label};
use profilec_core::session::Checked;

use crate::client::Client;
use crate::server::Server;

/// The wrapper's path: no include can name it.
pub fn wrapper_path(path: &Path) -> PathBuf {
    PathBuf::from(format!("<profilec-lsp: included> {}", path.display()))
}

/// Whether the document reads as an include file of rules.
pub fn is_include_file(checked: &Checked, path: &Path) -> bool {
    let outside = checked
        .diagnostics
        .iter()
        .any(|d| d.code == codes::RULE_OUTSIDE_PROFILE);
    outside && (in_include_dir(path) || checked.index.profiles.is_empty())
}

/// `abstractions/`, `tunables/`, `local/` or any `NAME.d/`, as AppArmor
/// lays out include files.
fn in_include_dir(path: &Path) -> bool {
    path.parent().is_some_and(|dir| {
        dir.components().any(|c| {
            let name = c.as_os_str().to_string_lossy();
            matches!(name.as_ref(), "abstractions" | "tunables" | "local")
                || (name.ends_with(".d") && name != "apparmor.d")
        })
    })
}

impl<C: Client> Server<C> {
    /// The diagnostics of `path` checked as included into a profile, moved
    /// onto `root` (the document's own source id); `None` when the path
    /// cannot be written in an include.
    pub(crate) fn check_as_included(
        &mut self,
        path: &Path,
        root: FileId,
    ) -> Option<Vec<Diagnostic>> {
        let shown = path.to_str()?;
        if shown.contains(['"', '\\', '\n']) {
            return None;
        }
        let wrapper = wrapper_path(path);
        let text = format!(
            "include if exists <tunables/global>\nprofile profilec-lsp-include {{\n  include \"{shown}\"\n}}\n"
        );
        if self
            .session
            .documents()
            .all(|(p, t)| p != wrapper || t != text)
        {
            self.session.set_document(&wrapper, text);
        }
        let checked = self.session.check_path(self.fs.as_ref(), &wrapper);
        let unit = checked.unit.as_ref()?;
        let included = unit
            .paths()
            .find(|(_, p)| &***p == path)
            .map(|(id, _)| id)?;
        let own = checked.file?;
        let moved = |l: &Label| Label {
            span: if l.span.file == included {
                profilec_core::diag::Span {
                    file: root,
                    ..l.span
                }
            } else {
                l.span
            },
            message: l.message.clone(),
        };
        Some(
            checked
                .diagnostics
                .iter()
                .filter(|d| d.primary.as_ref().is_some_and(|l| l.span.file != own))
                .map(|d| Diagnostic {
                    primary: d.primary.as_ref().map(moved),
                    secondary: d.secondary.iter().map(moved).collect(),
                    ..d.clone()
                })
                .collect(),
        )
    }
}
