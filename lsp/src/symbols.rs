//! Document symbols (profiles, hats and child profiles, nested) and
//! workspace symbols (the profiles of every open document). `.confine`
//! documents: `confine_symbols.rs`.

use profilec_core::diag::FileId;
use profilec_core::session::index::{ProfileKind, ProfileSymbol};
use tower_lsp::lsp_types::{
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolInformation, SymbolKind,
    WorkspaceSymbolParams,
};

use crate::client::Client;
use crate::convert;
use crate::server::{is_confine, Server};

pub fn kind_name(kind: ProfileKind) -> &'static str {
    match kind {
        ProfileKind::Profile => "profile",
        ProfileKind::Hat => "hat",
        ProfileKind::Child => "child profile",
    }
}

fn symbol_kind(kind: ProfileKind) -> SymbolKind {
    match kind {
        ProfileKind::Profile => SymbolKind::MODULE,
        ProfileKind::Hat => SymbolKind::FUNCTION,
        ProfileKind::Child => SymbolKind::CLASS,
    }
}

impl<C: Client> Server<C> {
    pub fn document_symbols(&self, p: &DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
        if is_confine(&convert::path_of(&p.text_document.uri)) {
            return self.confine_document_symbols(&p.text_document.uri);
        }
        let (_, checked, file) = self.document(&p.text_document.uri)?;
        let profiles = &checked.index.profiles;
        Some(DocumentSymbolResponse::Nested(
            self.children(profiles, file, None),
        ))
    }

    #[allow(deprecated)] // `deprecated` is a required field of the type.
    fn children(
        &self,
        profiles: &[ProfileSymbol],
        file: FileId,
        parent: Option<usize>,
    ) -> Vec<DocumentSymbol> {
        let sources = &self.session.sources;
        profiles
            .iter()
            .enumerate()
            .filter(|(_, p)| p.parent == parent && p.span.file == file)
            .map(|(i, p)| {
                let children = self.children(profiles, file, Some(i));
                DocumentSymbol {
                    name: p.name.clone(),
                    detail: Some(kind_name(p.kind).to_string()),
                    kind: symbol_kind(p.kind),
                    tags: None,
                    deprecated: None,
                    range: convert::range(sources, p.span),
                    selection_range: convert::range(sources, p.name_span),
                    children: (!children.is_empty()).then_some(children),
                }
            })
            .collect()
    }

    #[allow(deprecated)] // `deprecated` is a required field of the type.
    pub fn workspace_symbols(&self, p: &WorkspaceSymbolParams) -> Option<Vec<SymbolInformation>> {
        let sources = &self.session.sources;
        let query = p.query.to_lowercase();
        let mut out: Vec<SymbolInformation> = Vec::new();
        for path in self.open_paths() {
            let Some(checked) = self.checked.get(path) else {
                continue;
            };
            let Some(file) = checked.file else { continue };
            for s in &checked.index.profiles {
                if s.span.file != file || !s.name.to_lowercase().contains(&query) {
                    continue;
                }
                let Some(location) = convert::location(sources, s.span) else {
                    continue;
                };
                let container = s
                    .parent
                    .and_then(|i| checked.index.profiles.get(i))
                    .map(|p| p.name.clone());
                out.push(SymbolInformation {
                    name: s.name.clone(),
                    kind: symbol_kind(s.kind),
                    tags: None,
                    deprecated: None,
                    location,
                    container_name: container,
                });
            }
        }
        out.extend(self.confine_workspace_symbols(&p.query));
        Some(out)
    }
}
