//! Go to definition, find references and document highlight, from the
//! symbol index of each open document's last check (`.confine` documents:
//! `confine_nav.rs`).

use std::collections::BTreeSet;

use profilec_core::diag::Span;
use profilec_core::session::index::SymbolAt;
use profilec_core::session::Checked;
use tower_lsp::lsp_types::{
    DocumentHighlight, DocumentHighlightKind, DocumentHighlightParams, GotoDefinitionParams,
    GotoDefinitionResponse, Location, Position, Range, ReferenceParams,
};

use crate::client::Client;
use crate::convert;
use crate::server::{is_confine, Server};

/// Where a symbol is declared and where it is used.
#[derive(Default)]
pub struct Occurrences {
    pub definitions: Vec<Span>,
    pub uses: Vec<Span>,
}

pub fn occurrences(checked: &Checked, symbol: &SymbolAt) -> Occurrences {
    let ix = &checked.index;
    match symbol {
        SymbolAt::Variable(name) => ix
            .variables
            .get(name)
            .map(|v| Occurrences {
                definitions: v.definitions.clone(),
                uses: v.uses.clone(),
            })
            .unwrap_or_default(),
        SymbolAt::Profile(name) => Occurrences {
            definitions: ix
                .profiles
                .iter()
                .filter(|p| &p.name == name)
                .map(|p| p.name_span)
                .collect(),
            uses: ix
                .profile_references
                .iter()
                .filter(|r| &r.name == name)
                .map(|r| r.span)
                .collect(),
        },
        SymbolAt::Include(i) => Occurrences {
            definitions: Vec::new(),
            uses: ix
                .includes
                .get(*i)
                .map(|inc| inc.span)
                .into_iter()
                .collect(),
        },
    }
}

impl<C: Client> Server<C> {
    pub fn definition(&self, p: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let tp = &p.text_document_position_params;
        if is_confine(&convert::path_of(&tp.text_document.uri)) {
            return self.confine_definition(&tp.text_document.uri, tp.position);
        }
        let at = self.at(&tp.text_document.uri, tp.position)?;
        let symbol = at.checked.index.at(at.file, at.offset as u32)?;
        let locations: Vec<Location> = match &symbol {
            SymbolAt::Include(i) => at
                .checked
                .index
                .includes
                .get(*i)?
                .resolved
                .iter()
                .filter_map(|p| convert::uri_of(p))
                .map(|uri| Location::new(uri, Range::new(Position::new(0, 0), Position::new(0, 0))))
                .collect(),
            _ => {
                let sources = &self.session.sources;
                occurrences(at.checked, &symbol)
                    .definitions
                    .into_iter()
                    .filter_map(|s| convert::location(sources, s))
                    .collect()
            }
        };
        (!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations))
    }

    pub fn references(&self, p: &ReferenceParams) -> Option<Vec<Location>> {
        let tp = &p.text_document_position;
        if is_confine(&convert::path_of(&tp.text_document.uri)) {
            return self.confine_references(
                &tp.text_document.uri,
                tp.position,
                p.context.include_declaration,
            );
        }
        let at = self.at(&tp.text_document.uri, tp.position)?;
        let symbol = at.checked.index.at(at.file, at.offset as u32)?;
        if matches!(symbol, SymbolAt::Include(_)) {
            return None;
        }
        let with_decl = p.context.include_declaration;
        let mut found = BTreeSet::new();
        for checked in self.checked.values() {
            let o = occurrences(checked, &symbol);
            let defs = o.definitions.into_iter().filter(|_| with_decl);
            for span in defs.chain(o.uses) {
                if let Some(l) = convert::location(&self.session.sources, span) {
                    found.insert((l.uri.to_string(), l.range.start, l.range.end));
                }
            }
        }
        let mut out: Vec<Location> = found
            .into_iter()
            .filter_map(|(uri, start, end)| {
                Some(Location::new(uri.parse().ok()?, Range::new(start, end)))
            })
            .collect();
        out.sort_by(|a, b| (a.uri.as_str(), a.range.start).cmp(&(b.uri.as_str(), b.range.start)));
        Some(out)
    }

    pub fn highlight(&self, p: &DocumentHighlightParams) -> Option<Vec<DocumentHighlight>> {
        let tp = &p.text_document_position_params;
        if is_confine(&convert::path_of(&tp.text_document.uri)) {
            return self.confine_highlight(&tp.text_document.uri, tp.position);
        }
        let at = self.at(&tp.text_document.uri, tp.position)?;
        let symbol = at.checked.index.at(at.file, at.offset as u32)?;
        let o = occurrences(at.checked, &symbol);
        let sources = &self.session.sources;
        let mark = |spans: Vec<Span>, kind| {
            spans
                .into_iter()
                .filter(|s| s.file == at.file)
                .map(move |s| DocumentHighlight {
                    range: convert::range(sources, s),
                    kind: Some(kind),
                })
        };
        let mut out: Vec<DocumentHighlight> = mark(o.definitions, DocumentHighlightKind::WRITE)
            .chain(mark(o.uses, DocumentHighlightKind::READ))
            .collect();
        out.sort_by_key(|h| h.range.start);
        Some(out)
    }
}
