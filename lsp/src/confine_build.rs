//! `.confine` documents through `profilec build`'s library call
//! (`build::plan`), over the open documents: diagnostics, and inlay hints
//! of what each block lowers to (AppArmor rules; seccomp rules for each
//! architecture).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use profilec_core::build::{self, Plan};
use profilec_core::diag::{codes, FileId, SourceMap, Span};
use profilec_core::input::fs::{FileSystem, Kind};
use profilec_core::ir::{MountRule, Policy};
use profilec_core::resolve::confine::Program;
use profilec_core::seccomp::tables::Arch;
use profilec_core::syntax::confine::ast::{ProfileItem, SyscallStmt};
use tower_lsp::lsp_types::{Diagnostic, InlayHint, InlayHintKind, InlayHintLabel, InlayHintParams};

use crate::client::Client;
use crate::server::Server;
use crate::settings::Settings;
use crate::sync::Texts;
use crate::{convert, diagnostics};

/// The last build plan of one `.confine` document.
pub struct ConfineChecked {
    pub plan: Plan,
    /// The document in `plan.sources`.
    pub file: Option<FileId>,
    /// The document's index in `plan.program` (the document, its imports
    /// and the stdlib, over `plan.sources`: what navigation reads).
    pub root: Option<usize>,
    /// The files on disk or open that the document reads (itself and its
    /// imports, transitively), normalized; empty when an import was not
    /// found (then any `.confine` change may be the missing file).
    pub deps: Vec<PathBuf>,
    pub import_missing: bool,
}

impl ConfineChecked {
    pub fn program(&self) -> &Program {
        &self.plan.program
    }

    /// The source map of `program`'s files.
    pub fn names(&self) -> &SourceMap {
        &self.plan.sources
    }
}

/// Open documents over a file system, for `build::plan`.
struct Open<'a> {
    texts: &'a Texts,
    open: Vec<&'a Path>,
    fs: &'a dyn FileSystem,
}

impl FileSystem for Open<'_> {
    fn kind(&self, path: &Path) -> Option<Kind> {
        if self.texts.text(path).is_some() {
            return Some(Kind::File);
        }
        self.fs.kind(path)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.texts.text(path) {
            Some(t) => Ok(t.as_bytes().to_vec()),
            None => self.fs.read(path),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let unsaved = self
            .open
            .iter()
            .filter(|p| p.parent() == Some(path))
            .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()));
        let mut names = self.fs.read_dir(path).unwrap_or_default();
        names.extend(unsaved);
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        self.fs.canonical(path)
    }
}

impl<C: Client> Server<C> {
    /// Plan a build of the `.confine` document at `path`; its diagnostics.
    pub(crate) fn check_confine(&mut self, path: &Path) -> Vec<Diagnostic> {
        let open = Open {
            texts: &self.texts,
            open: self.docs.keys().map(PathBuf::as_path).collect(),
            fs: self.fs.as_ref(),
        };
        let opts = self.settings.options();
        let plan = build::plan_without_outputs(&open, &[path.to_path_buf()], &opts);
        let name = path.display().to_string();
        let file = (0..plan.sources.len() as u32)
            .map(FileId)
            .find(|id| plan.sources.name(*id) == name);
        let list = file.map_or_else(Vec::new, |id| to_lsp(&plan, id, &self.settings));
        let import_missing = plan
            .diagnostics
            .iter()
            .any(|d| d.code == codes::CONFINE_IMPORT_NOT_FOUND);
        let root = file.and_then(|id| plan.program.index_of(id));
        let deps = root.map_or_else(Vec::new, |r| plan.program.dependencies(r));
        self.confine.insert(
            path.to_path_buf(),
            ConfineChecked {
                plan,
                file,
                root,
                deps,
                import_missing,
            },
        );
        list
    }

    pub fn inlay_hints(&self, p: &InlayHintParams) -> Option<Vec<InlayHint>> {
        let path = convert::path_of(&p.text_document.uri);
        let Some(c) = self.confine.get(&path) else {
            // AppArmor files have none.
            self.document(&p.text_document.uri)?;
            return Some(Vec::new());
        };
        let (file, ast) = (c.file?, &c.program().files[c.root?].ast);
        let sources = &c.plan.sources;
        let text = sources.text(file);
        let mut hints = Vec::new();
        for profile in &ast.profiles {
            let Some(policy) = c
                .plan
                .policies
                .iter()
                .find(|pol| pol.name_span.file == file && inside(pol.name_span, profile.span))
            else {
                continue;
            };
            for item in &profile.items {
                let Some((first, block)) = block_span(item) else {
                    continue;
                };
                let label = match item {
                    ProfileItem::Syscalls(_) => seccomp_label(policy),
                    // Native rules are parsed from the block's text apart.
                    ProfileItem::Native(_) => rules(policy.native.len()),
                    _ => rules(apparmor_rules(policy, block)),
                };
                // At the end of the line that opens the block.
                let open = text[..first.start as usize]
                    .rfind('{')
                    .unwrap_or(first.start as usize);
                let end = text[open..].find('\n').map_or(text.len(), |i| open + i);
                let position = convert::position(sources, file, end);
                if !convert::overlaps(
                    &tower_lsp::lsp_types::Range::new(position, position),
                    &p.range,
                ) {
                    continue;
                }
                hints.push(InlayHint {
                    position,
                    label: InlayHintLabel::String(format!("→ {label}")),
                    kind: None::<InlayHintKind>,
                    text_edits: None,
                    tooltip: None,
                    padding_left: Some(true),
                    padding_right: None,
                    data: None,
                });
            }
        }
        Some(hints)
    }
}

fn to_lsp(plan: &Plan, file: FileId, settings: &Settings) -> Vec<Diagnostic> {
    let sources = &plan.sources;
    let mut list: Vec<Diagnostic> = plan
        .diagnostics
        .iter()
        .filter_map(|d| {
            let mut shown = diagnostics::plain(sources, settings, d)?;
            // A finding in an imported file shows at the top, pointing there.
            if d.primary.as_ref().is_some_and(|l| l.span.file != file) {
                shown.range = convert::range(sources, Span::new(file, 0, 0));
            }
            Some(shown)
        })
        .collect();
    list.sort_by_key(|d| (d.range.start, d.range.end));
    list
}

fn rules(n: usize) -> String {
    format!("{n} AppArmor rule{}", if n == 1 { "" } else { "s" })
}

fn inside(s: Span, outer: Span) -> bool {
    s.file == outer.file && outer.start <= s.start && s.end <= outer.end
}

/// The first statement of a rule block and the span of all its statements.
fn block_span(item: &ProfileItem) -> Option<(Span, Span)> {
    let spans: Vec<Span> = match item {
        ProfileItem::Files(s) => s.iter().map(|x| x.span).collect(),
        ProfileItem::Capabilities(s) => s.iter().map(|x| x.span).collect(),
        ProfileItem::Network(s) => s.iter().map(|x| x.span).collect(),
        ProfileItem::Signals(s) => s.iter().map(|x| x.span).collect(),
        ProfileItem::Ptrace(s) => s.iter().map(|x| x.span).collect(),
        ProfileItem::Mount(s) => s
            .iter()
            .map(|m| match m {
                profilec_core::syntax::confine::ast::MountStmt::DenyAll(sp) => *sp,
                profilec_core::syntax::confine::ast::MountStmt::Mount { span, .. }
                | profilec_core::syntax::confine::ast::MountStmt::Umount { span, .. } => *span,
            })
            .collect(),
        ProfileItem::Syscalls(s) => s
            .iter()
            .map(|x| match x {
                SyscallStmt::Default { span, .. }
                | SyscallStmt::Arch { span, .. }
                | SyscallStmt::Use { span, .. } => *span,
                SyscallStmt::Rule(r) => r.span,
            })
            .collect(),
        ProfileItem::Native(n) => vec![n.body],
        _ => return None,
    };
    let first = *spans.first()?;
    let all = spans.iter().fold(first, |a, b| a.to(*b));
    Some((first, all))
}

/// AppArmor rules of the policy that come from statements inside `block`.
fn apparmor_rules(p: &Policy, block: Span) -> usize {
    let mount = |m: &MountRule| match m {
        MountRule::Mount { span, .. } | MountRule::Umount { span, .. } => Some(*span),
        _ => None,
    };
    let spans = p
        .files
        .iter()
        .map(|r| Some(r.span))
        .chain(p.capabilities.iter().map(|r| Some(r.span)))
        .chain(p.network.iter().map(|r| Some(r.span)))
        .chain(p.signals.iter().map(|r| Some(r.span)))
        .chain(p.ptrace.iter().map(|r| Some(r.span)))
        .chain(p.mount.iter().map(mount));
    spans.flatten().filter(|s| inside(*s, block)).count()
}

/// `seccomp: x86_64 12, x86 13, aarch64 11` (rules per architecture).
fn seccomp_label(p: &Policy) -> String {
    let Some(s) = &p.seccomp else {
        return "no seccomp profile".into();
    };
    let arches: Vec<Arch> = if s.arches.is_empty() {
        Arch::ALL.to_vec()
    } else {
        s.arches.clone()
    };
    let mut per: BTreeMap<usize, (Arch, usize)> = BTreeMap::new();
    for (i, a) in arches.iter().enumerate() {
        let n = s
            .rules
            .iter()
            .filter(|r| a.number(&r.name).is_some())
            .count();
        per.insert(i, (*a, n));
    }
    let parts: Vec<String> = per
        .values()
        .map(|(a, n)| format!("{} {n}", a.short()))
        .collect();
    format!("seccomp rules: {}", parts.join(", "))
}
