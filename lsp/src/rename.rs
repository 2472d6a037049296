//! Rename of variables and profiles across the open documents and the files
//! they include. A variable defined in the embedded stdlib cannot be
//! renamed: no editor can change that file. `.confine` profiles, bases and
//! syscall sets: `confine_nav.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use profilec_core::diag::Span;
use profilec_core::session::index::SymbolAt;
use tower_lsp::jsonrpc::Error;
use tower_lsp::lsp_types::{
    PrepareRenameResponse, RenameParams, TextDocumentPositionParams, TextEdit, Url, WorkspaceEdit,
};

use crate::client::Client;
use crate::convert;
use crate::definition::occurrences;
use crate::server::{is_confine, Server};

impl<C: Client> Server<C> {
    /// An error response says why a `.confine` name cannot be renamed.
    pub fn prepare_rename(
        &self,
        p: &TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>, Error> {
        if is_confine(&convert::path_of(&p.text_document.uri)) {
            return self.confine_prepare_rename(&p.text_document.uri, p.position);
        }
        Ok(self.prepare_rename_apparmor(p))
    }

    fn prepare_rename_apparmor(
        &self,
        p: &TextDocumentPositionParams,
    ) -> Option<PrepareRenameResponse> {
        let at = self.at(&p.text_document.uri, p.position)?;
        let symbol = at.checked.index.at(at.file, at.offset as u32)?;
        let o = occurrences(at.checked, &symbol);
        let sources = &self.session.sources;
        let span = o.definitions.iter().chain(&o.uses).find(|s| {
            s.file == at.file && s.start as usize <= at.offset && at.offset <= s.end as usize
        })?;
        let name = self.name_span(&symbol, *span)?;
        Some(PrepareRenameResponse::Range(convert::range(sources, name)))
    }

    /// An error response refuses a `.confine` rename (an invalid name, a
    /// stdlib name, a name already taken).
    pub fn rename(&self, p: &RenameParams) -> Result<Option<WorkspaceEdit>, Error> {
        let tp = &p.text_document_position;
        if is_confine(&convert::path_of(&tp.text_document.uri)) {
            return self.confine_rename(&tp.text_document.uri, tp.position, &p.new_name);
        }
        Ok(self.rename_apparmor(p))
    }

    fn rename_apparmor(&self, p: &RenameParams) -> Option<WorkspaceEdit> {
        let tp = &p.text_document_position;
        let at = self.at(&tp.text_document.uri, tp.position)?;
        let symbol = at.checked.index.at(at.file, at.offset as u32)?;
        let valid = match &symbol {
            SymbolAt::Variable(_) => {
                !p.new_name.is_empty()
                    && p.new_name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
            }
            SymbolAt::Profile(_) => {
                !p.new_name.is_empty()
                    && !p
                        .new_name
                        .contains(|c: char| c.is_whitespace() || "{}(),\"#".contains(c))
            }
            SymbolAt::Include(_) => false,
        };
        if !valid {
            return None;
        }
        let sources = &self.session.sources;
        let mut edits: BTreeMap<String, BTreeSet<(u32, u32, u32, u32)>> = BTreeMap::new();
        // A name declared nowhere we can see (undefined, or in a file the
        // index does not cover) is not ours to rename.
        if occurrences(at.checked, &symbol).definitions.is_empty() {
            return None;
        }
        for checked in self.checked.values() {
            let o = occurrences(checked, &symbol);
            for span in o.definitions.iter().chain(&o.uses) {
                let name = self.name_span(&symbol, *span)?;
                // Refuse rather than leave a file no editor can change.
                let location = convert::location(sources, name)?;
                let r = location.range;
                edits.entry(location.uri.to_string()).or_default().insert((
                    r.start.line,
                    r.start.character,
                    r.end.line,
                    r.end.character,
                ));
            }
        }
        let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
        for (uri, ranges) in edits {
            let uri: Url = uri.parse().ok()?;
            let list = ranges
                .into_iter()
                .map(|(l0, c0, l1, c1)| {
                    TextEdit::new(
                        tower_lsp::lsp_types::Range::new(
                            tower_lsp::lsp_types::Position::new(l0, c0),
                            tower_lsp::lsp_types::Position::new(l1, c1),
                        ),
                        p.new_name.clone(),
                    )
                })
                .collect();
            changes.insert(uri, list);
        }
        Some(WorkspaceEdit::new(changes))
    }

    /// The part of an occurrence that is the name: inside `@{...}` or
    /// `${...}` for a variable, the whole word for a profile.
    fn name_span(&self, symbol: &SymbolAt, span: Span) -> Option<Span> {
        match symbol {
            SymbolAt::Variable(_) => {
                let text = self.session.sources.text(span.file).get(span.range())?;
                let inner =
                    (text.starts_with("@{") || text.starts_with("${")) && text.ends_with('}');
                inner.then(|| Span::new(span.file, span.start as usize + 2, span.end as usize - 1))
            }
            SymbolAt::Profile(_) => Some(span),
            SymbolAt::Include(_) => None,
        }
    }
}
