//! The server state: one `Session`, the open documents, and the last check
//! of each. Every LSP request is a plain method here (see the feature
//! modules); notifications re-check what they affect and publish.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use profilec_core::diag::{codes, FileId};
use profilec_core::input::fs::FileSystem;
use profilec_core::resolve::confine::normalize;
use profilec_core::session::{Checked, Session};
use tower_lsp::lsp_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    MessageType, Position, Url,
};

use crate::client::Client;
use crate::confine_build::ConfineChecked;
use crate::convert;
use crate::settings::Settings;
use crate::sync::Texts;
use crate::{diagnostics, include_file};

pub fn is_confine(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "confine")
}

/// File systems the server reads: the real disk, or memory in tests.
pub type Fs = Box<dyn FileSystem + Send + Sync>;

pub struct Doc {
    pub uri: Url,
    pub version: i32,
}

pub struct Server<C> {
    pub client: C,
    pub fs: Fs,
    pub session: Session,
    pub settings: Settings,
    pub(crate) texts: Texts,
    pub(crate) docs: BTreeMap<PathBuf, Doc>,
    pub(crate) checked: HashMap<PathBuf, Checked>,
    /// The last build plan of each open `.confine` document.
    pub(crate) confine: HashMap<PathBuf, ConfineChecked>,
}

/// A request's document, its last check and the byte offset of a position.
pub struct At<'a> {
    pub path: &'a Path,
    pub checked: &'a Checked,
    pub file: FileId,
    pub offset: usize,
}

impl<C: Client> Server<C> {
    pub fn new(client: C, fs: Fs, settings: Settings) -> Server<C> {
        Server {
            client,
            fs,
            session: Session::new(settings.options()),
            settings,
            texts: Texts::default(),
            docs: BTreeMap::new(),
            checked: HashMap::new(),
            confine: HashMap::new(),
        }
    }

    pub fn did_open(&mut self, p: DidOpenTextDocumentParams) {
        let path = convert::path_of(&p.text_document.uri);
        self.texts.open(&path, p.text_document.text.clone());
        self.docs.insert(
            path.clone(),
            Doc {
                uri: p.text_document.uri,
                version: p.text_document.version,
            },
        );
        let mut affected = self.session.set_document(&path, p.text_document.text);
        affected.extend(self.confine_dependents(&path));
        // A document that could not find an include may find this one now.
        affected.extend(self.missing_an_include());
        affected.sort();
        affected.dedup();
        self.recheck(&affected);
    }

    /// Open documents whose last check missed an include: a new file may
    /// be the one they look for, and a missing file is no dependency.
    fn missing_an_include(&self) -> Vec<PathBuf> {
        self.checked
            .iter()
            .filter(|(_, c)| {
                c.diagnostics
                    .iter()
                    .any(|d| d.code == codes::INCLUDE_NOT_FOUND)
            })
            .map(|(p, _)| p.clone())
            .collect()
    }

    pub fn did_change(&mut self, p: DidChangeTextDocumentParams) {
        self.did_change_all(vec![p]);
    }

    /// Changes that arrived while a check ran: all applied in order, then
    /// each affected document checked once, at its latest version.
    pub fn did_change_all(&mut self, changes: Vec<DidChangeTextDocumentParams>) {
        let mut affected = Vec::new();
        for p in changes {
            affected.extend(self.apply_change(p));
        }
        affected.sort();
        affected.dedup();
        self.recheck(&affected);
    }

    fn apply_change(&mut self, p: DidChangeTextDocumentParams) -> Vec<PathBuf> {
        let path = convert::path_of(&p.text_document.uri);
        let Some(text) = self.texts.apply(&path, p.content_changes) else {
            self.client.log(
                MessageType::WARNING,
                format!(
                    "change to a document that is not open: {}",
                    p.text_document.uri
                ),
            );
            return Vec::new();
        };
        if let Some(doc) = self.docs.get_mut(&path) {
            doc.version = p.text_document.version;
        }
        let mut affected = self.session.set_document(&path, text);
        affected.extend(self.confine_dependents(&path));
        affected
    }

    /// The open `.confine` documents a change of the `.confine` file
    /// `path` (open or on disk) may affect: itself, those that import it
    /// (transitively, as their last check loaded them), and those whose
    /// last check missed an import (it may be this file).
    pub(crate) fn confine_dependents(&self, path: &Path) -> Vec<PathBuf> {
        if !is_confine(path) {
            return Vec::new();
        }
        let changed = normalize(path);
        self.docs
            .keys()
            .filter(|p| is_confine(p))
            .filter(|p| match self.confine.get(*p) {
                Some(c) => normalize(p) == changed || c.import_missing || c.deps.contains(&changed),
                None => true,
            })
            .cloned()
            .collect()
    }

    /// Saved: the disk now has the text, so files that read it from disk
    /// (through a directory include, say) are checked again too.
    pub fn did_save(&mut self, uri: &Url) {
        let path = convert::path_of(uri);
        let mut affected = self.session.invalidate(&path);
        affected.extend(self.confine_dependents(&path));
        affected.sort();
        affected.dedup();
        self.recheck(&affected);
    }

    pub fn did_close(&mut self, p: DidCloseTextDocumentParams) {
        let path = convert::path_of(&p.text_document.uri);
        self.texts.close(&path);
        self.docs.remove(&path);
        self.checked.remove(&path);
        self.confine.remove(&path);
        let mut affected = self.session.close_document(&path);
        affected.extend(
            self.session
                .close_document(&include_file::wrapper_path(&path)),
        );
        // The disk's text of a closed `.confine` file is what imports read now.
        affected.extend(self.confine_dependents(&path));
        affected.sort();
        affected.dedup();
        self.client
            .publish_diagnostics(p.text_document.uri, Vec::new(), None);
        self.recheck(&affected);
    }

    /// Files changed on disk (watched files).
    pub fn files_changed(&mut self, uris: &[Url]) {
        let mut affected = Vec::new();
        for uri in uris {
            let path = convert::path_of(uri);
            affected.extend(self.session.invalidate(&path));
            // `build::plan` reads `.confine` files afresh each check (no
            // cache to clear): re-check the documents that import it.
            affected.extend(self.confine_dependents(&path));
        }
        affected.extend(self.missing_an_include());
        affected.sort();
        affected.dedup();
        self.recheck(&affected);
    }

    /// New settings: a new session over the same documents, all re-checked.
    pub fn set_settings(&mut self, settings: Settings) {
        self.session = Session::new(settings.options());
        self.settings = settings;
        let paths: Vec<PathBuf> = self.docs.keys().cloned().collect();
        for p in &paths {
            if let Some(text) = self.texts.text(p) {
                self.session.set_document(p, text.to_string());
            }
        }
        self.recheck(&paths);
    }

    /// Check each open document of `paths` and publish its diagnostics.
    pub fn recheck(&mut self, paths: &[PathBuf]) {
        for path in paths {
            let Some(doc) = self.docs.get(path) else {
                continue;
            };
            let uri = doc.uri.clone();
            let version = doc.version;
            if is_confine(path) {
                let list = self.check_confine(path);
                self.client.publish_diagnostics(uri, list, Some(version));
                continue;
            }
            let mut checked = self.session.check_path(self.fs.as_ref(), path);
            if let Some(root) = checked
                .file
                .filter(|_| include_file::is_include_file(&checked, path))
            {
                if let Some(diags) = self.check_as_included(path, root) {
                    checked.diagnostics = diags;
                }
            }
            let list = diagnostics::to_lsp(&self.session.sources, &checked, &self.settings);
            self.client.publish_diagnostics(uri, list, Some(version));
            self.checked.insert(path.clone(), checked);
        }
    }

    /// The open document of `uri`, checked.
    pub fn document(&self, uri: &Url) -> Option<(&Path, &Checked, FileId)> {
        let path = convert::path_of(uri);
        let (path, checked) = self.checked.get_key_value(&path)?;
        Some((path.as_path(), checked, checked.file?))
    }

    pub fn at(&self, uri: &Url, pos: Position) -> Option<At<'_>> {
        let (path, checked, file) = self.document(uri)?;
        Some(At {
            path,
            checked,
            file,
            offset: convert::offset(&self.session.sources, file, pos),
        })
    }

    /// The open documents, sorted by path.
    pub fn open_paths(&self) -> impl Iterator<Item = &Path> {
        self.docs.keys().map(PathBuf::as_path)
    }

    pub fn text(&self, path: &Path) -> Option<&str> {
        self.texts.text(path)
    }
}
