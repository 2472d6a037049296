//! `profilec fmt` as library calls: check a file, then print it in
//! canonical form. A file with any error is never formatted. An include
//! file of rules (`abstractions/base`, `local/...`) or hats is checked the
//! way it is used, included into a profile, and formatted on its own.

use std::path::Path;

use super::Session;
use crate::diag::{codes, Diagnostic, FileId};
use crate::emit::apparmor::emit_file;
use crate::input::fs::FileSystem;
use crate::syntax::ast::{Item, ProfileKeyword};
use crate::syntax::{parse_apparmor, Context};

/// A file's text and its canonical form.
pub struct Formatted {
    pub original: String,
    pub formatted: String,
}

impl Formatted {
    pub fn changed(&self) -> bool {
        self.original != self.formatted
    }
}

/// `fmt` formats AppArmor policy only: seccomp JSON (by content or name)
/// is refused plainly instead of with an AppArmor syntax error.
fn not_json(session: &Session, file: Option<FileId>) -> Result<(), Vec<Diagnostic>> {
    let Some(id) = file else {
        return Ok(());
    };
    let (name, text) = (session.sources.name(id), session.sources.text(id));
    if text.is_empty() || !super::is_seccomp_json(name, text) {
        return Ok(());
    }
    Err(vec![Diagnostic::error(
        codes::FMT_NOT_APPARMOR,
        format!("`{name}` is seccomp JSON; `profilec fmt` formats AppArmor policy only"),
    )
    .at(crate::diag::Span::new(id, 0, 0), "seccomp JSON")
    .with_help(
        "check it with `profilec check`; JSON is left as it is written",
    )])
}

impl Session {
    /// Check `path` through `fs` and format it, or return the errors that
    /// forbid formatting it.
    pub fn format_path(
        &mut self,
        fs: &dyn FileSystem,
        path: &Path,
    ) -> Result<Formatted, Vec<Diagnostic>> {
        let checked = self.check_path(fs, path);
        not_json(self, checked.file)?;
        let errors = errors_of(checked.diagnostics);
        if !errors.is_empty() {
            // Not a policy file on its own? Perhaps an include file of
            // rules. It is one when it reads as a profile body and, as a
            // policy file, does not parse, has rules outside any profile
            // (its own or those of the files it includes) or hats outside
            // any profile, or lives in an include directory. Any other file
            // keeps its errors: a profile is never checked in a context it
            // does not have.
            if let Some(id) = checked.file {
                let (top_ok, body_ok, hats) = self.parses_as(id);
                let rules_outside = errors.iter().any(|d| d.code == codes::RULE_OUTSIDE_PROFILE);
                let in_dir = in_include_dir(&fs.canonical(path));
                if body_ok && (!top_ok || rules_outside || hats || in_dir) {
                    return self.format_rule_file(fs, path);
                }
            }
            return Err(errors);
        }
        self.emit(checked.file, checked.unit.as_ref())
    }

    /// Check text that comes from no file (stdin, an editor buffer) and
    /// format it.
    pub fn format_bytes(
        &mut self,
        fs: &dyn FileSystem,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<Formatted, Vec<Diagnostic>> {
        let checked = self.check_bytes(fs, name, bytes);
        not_json(self, checked.file)?;
        let errors = errors_of(checked.diagnostics);
        if !errors.is_empty() {
            return Err(errors);
        }
        self.emit(checked.file, checked.unit.as_ref())
    }

    fn emit(
        &self,
        file: Option<FileId>,
        unit: Option<&crate::resolve::Unit>,
    ) -> Result<Formatted, Vec<Diagnostic>> {
        let ast = file.and_then(|id| unit?.file(id)).ok_or_else(Vec::new)?;
        let original = self.sources.text(ast.file).to_string();
        let formatted = emit_file(ast, &original).map_err(|d| vec![*d])?;
        Ok(Formatted {
            original,
            formatted,
        })
    }

    /// Whether the text of `id` parses with no syntax error as a policy
    /// file and as the body of a profile, and whether it holds hats outside
    /// any profile.
    fn parses_as(&self, id: FileId) -> (bool, bool, bool) {
        let text = self.sources.text(id);
        let (top, top_diags) = parse_apparmor(id, text, Context::Top);
        let (_, body_diags) = parse_apparmor(id, text, Context::Body);
        let hats = top.items.iter().any(|i| {
            matches!(i, Item::Profile(p) if matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret))
        });
        (
            !top_diags.iter().any(Diagnostic::is_error),
            !body_diags.iter().any(Diagnostic::is_error),
            hats,
        )
    }

    /// Check an include file the way it is used, included into a profile
    /// after the standard tunables, and format it on its own (its includes
    /// stay includes).
    fn format_rule_file(
        &mut self,
        fs: &dyn FileSystem,
        path: &Path,
    ) -> Result<Formatted, Vec<Diagnostic>> {
        let abs = fs.canonical(path);
        let shown = abs.display().to_string();
        if shown.contains(['"', '\\', '\n']) {
            return Err(Vec::new());
        }
        // The file is a named input: its text may be quoted.
        if let Some(dir) = abs.parent() {
            self.input_dirs.push(dir.to_path_buf());
        }
        let wrapper = format!(
            "include if exists <tunables/global>\nprofile profilec-fmt-include {{\n  include \"{shown}\"\n}}\n"
        );
        let checked = self.check_bytes(fs, "<fmt: include file>", wrapper.into_bytes());
        let errors = errors_of(checked.diagnostics);
        if !errors.is_empty() {
            return Err(errors);
        }
        let unit = checked.unit.ok_or_else(Vec::new)?;
        let root = unit.root_file().ok_or_else(Vec::new)?;
        let include = match root.items.get(1) {
            Some(Item::Profile(p)) => match p.items.first() {
                Some(Item::Include(i)) => i.span,
                _ => return Err(Vec::new()),
            },
            _ => return Err(Vec::new()),
        };
        let id = *unit.included(include).first().ok_or_else(Vec::new)?;
        self.emit(Some(id), Some(&unit))
    }
}

fn errors_of(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.into_iter().filter(Diagnostic::is_error).collect()
}

/// Whether `path` lies in a directory of include files, as AppArmor lays
/// them out: `abstractions/`, `tunables/`, `local/`, or any `NAME.d/`.
fn in_include_dir(path: &Path) -> bool {
    path.parent().is_some_and(|dir| {
        dir.components().any(|c| {
            let name = c.as_os_str().to_string_lossy();
            matches!(name.as_ref(), "abstractions" | "tunables" | "local")
                || (name.ends_with(".d") && name != "apparmor.d")
        })
    })
}

/// `--- PATH` / `+++ PATH` unified diff (applies with `patch -p0`), 3 lines
/// of context: what `--check` modes print.
pub fn unified_diff(path: &str, original: &str, formatted: &str) -> String {
    similar::TextDiff::from_lines(original, formatted)
        .unified_diff()
        .context_radius(3)
        .header(path, path)
        .to_string()
}
