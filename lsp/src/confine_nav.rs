//! Navigation in `.confine` documents from the symbol table of
//! `confine_index.rs`: go to definition, find references, document
//! highlight, rename and hover of profiles, bases and syscall sets, and go
//! to the file of an `import`.
//!
//! A name defined in the embedded stdlib (`container`, `runtime-default`,
//! ...) has no definition to go to: that file is inside the binary, not on
//! disk, so the request answers nothing (hover says where the name comes
//! from); references to it are found, and it cannot be renamed (an error
//! response says why).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use profilec_core::diag::Span;
use profilec_core::resolve::confine::STDLIB_FILES;
use tower_lsp::jsonrpc::Error;
use tower_lsp::lsp_types::{
    DocumentHighlight, DocumentHighlightKind, GotoDefinitionResponse, Hover, HoverContents,
    Location, MarkupContent, MarkupKind, Position, PrepareRenameResponse, Range, TextEdit, Url,
    WorkspaceEdit,
};

use crate::client::Client;
use crate::confine_build::ConfineChecked;
use crate::confine_index::{self as ix, Name, Ns, Target};
use crate::convert;
use crate::server::Server;

/// The open document's last check, its index in the program, and the
/// name at a position.
struct NameAt<'a> {
    c: &'a ConfineChecked,
    file: usize,
    name: Name,
}

/// A name a profile, base or set may take: what `profilec build` accepts
/// as a profile name (it names output files), letters, digits, `_`, `-`
/// and `.`, not starting with `.` or `-`.
pub fn is_plain_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(['.', '-'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn invalid(message: String) -> Error {
    Error::invalid_params(message)
}

impl<C: Client> Server<C> {
    fn confine_name_at(&self, uri: &Url, pos: Position) -> Option<NameAt<'_>> {
        let path = convert::path_of(uri);
        let c = self.confine.get(&path)?;
        let file = c.root?;
        let id = c.program().files[file].id;
        let offset = convert::offset(c.names(), id, pos);
        let name = ix::name_at(c.program(), file, offset)?;
        Some(NameAt { c, file, name })
    }

    fn confine_location(&self, c: &ConfineChecked, span: Span) -> Option<Location> {
        convert::location(c.names(), span)
    }

    pub(crate) fn confine_definition(
        &self,
        uri: &Url,
        pos: Position,
    ) -> Option<GotoDefinitionResponse> {
        let at = self.confine_name_at(uri, pos)?;
        let program = at.c.program();
        let location = match &at.name {
            Name::Import { word } => {
                let opts = self.settings.options();
                let i = ix::import_target(program, at.file, word, &opts.include_dirs)?;
                let uri = convert::uri_of(&program.files[i].path)?;
                Location::new(uri, Range::new(Position::new(0, 0), Position::new(0, 0)))
            }
            name => {
                let t = ix::resolve(program, at.file, name)?;
                // The stdlib has no path an editor can open: nothing.
                self.confine_location(at.c, t.word.span)?
            }
        };
        Some(GotoDefinitionResponse::Scalar(location))
    }

    /// Every occurrence of the definition at a position, across the open
    /// `.confine` documents and what they import: `(where, is the
    /// definition)`, sorted.
    fn confine_occurrences(&self, uri: &Url, pos: Position) -> Option<Vec<(Location, bool)>> {
        let at = self.confine_name_at(uri, pos)?;
        let t = ix::resolve(at.c.program(), at.file, &at.name)?;
        let key = t.key(at.c.program());
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for path in self.open_paths() {
            let Some(c) = self.confine.get(path) else {
                continue;
            };
            for (span, is_def) in ix::occurrences(c.program(), &key) {
                let Some(l) = self.confine_location(c, span) else {
                    continue;
                };
                if seen.insert((l.uri.to_string(), l.range.start, l.range.end)) {
                    out.push((l, is_def));
                }
            }
        }
        out.sort_by(|(a, _), (b, _)| {
            (a.uri.as_str(), a.range.start).cmp(&(b.uri.as_str(), b.range.start))
        });
        Some(out)
    }

    pub(crate) fn confine_references(
        &self,
        uri: &Url,
        pos: Position,
        with_declaration: bool,
    ) -> Option<Vec<Location>> {
        let all = self.confine_occurrences(uri, pos)?;
        Some(
            all.into_iter()
                .filter(|(_, is_def)| with_declaration || !is_def)
                .map(|(l, _)| l)
                .collect(),
        )
    }

    pub(crate) fn confine_highlight(
        &self,
        uri: &Url,
        pos: Position,
    ) -> Option<Vec<DocumentHighlight>> {
        let at = self.confine_name_at(uri, pos)?;
        let program = at.c.program();
        let id = program.files[at.file].id;
        let mut out = Vec::new();
        if let Name::Import { word } = &at.name {
            out.push(DocumentHighlight {
                range: convert::range(at.c.names(), word.span),
                kind: Some(DocumentHighlightKind::TEXT),
            });
            return Some(out);
        }
        let t = ix::resolve(program, at.file, &at.name)?;
        let key = t.key(program);
        for (span, is_def) in ix::occurrences(program, &key) {
            if span.file != id {
                continue;
            }
            let kind = if is_def {
                DocumentHighlightKind::WRITE
            } else {
                DocumentHighlightKind::READ
            };
            out.push(DocumentHighlight {
                range: convert::range(at.c.names(), span),
                kind: Some(kind),
            });
        }
        Some(out)
    }

    /// Hover over a profile, base or set name: what it is and where it is
    /// defined (the stdlib's names have no file to go to: this says so).
    pub(crate) fn confine_name_hover(&self, uri: &Url, pos: Position) -> Option<Hover> {
        let at = self.confine_name_at(uri, pos)?;
        let program = at.c.program();
        let t = ix::resolve(program, at.file, &at.name)?;
        let defined = &program.files[t.file];
        let place = if defined.stdlib {
            format!(
                "from the embedded stdlib (`{}`)",
                defined.path.file_name()?.to_string_lossy()
            )
        } else if t.file == at.file {
            "defined in this file".to_string()
        } else {
            format!("defined in `{}`", defined.path.display())
        };
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: format!("{} `{}`, {place}", t.kind, t.word.text),
            }),
            range: Some(convert::range(at.c.names(), at.name.word().span)),
        })
    }

    /// The name's range when it can be renamed; an error saying why not.
    pub(crate) fn confine_prepare_rename(
        &self,
        uri: &Url,
        pos: Position,
    ) -> Result<Option<PrepareRenameResponse>, Error> {
        let Some(at) = self.confine_name_at(uri, pos) else {
            return Ok(None);
        };
        self.renamable(&at)?;
        Ok(Some(PrepareRenameResponse::Range(convert::range(
            at.c.names(),
            at.name.word().span,
        ))))
    }

    fn renamable(&self, at: &NameAt<'_>) -> Result<Target, Error> {
        if let Name::Import { .. } = at.name {
            return Err(invalid(
                "an import names a file; rename the file instead".into(),
            ));
        }
        let Some(t) = ix::resolve(at.c.program(), at.file, &at.name) else {
            return Err(invalid(format!(
                "`{}` is not defined: nothing to rename",
                at.name.word().text
            )));
        };
        if t.stdlib(at.c.program()) {
            return Err(invalid(format!(
                "`{}` is a {} of the embedded stdlib, which cannot be renamed",
                t.word.text, t.kind
            )));
        }
        Ok(t)
    }

    pub(crate) fn confine_rename(
        &self,
        uri: &Url,
        pos: Position,
        new_name: &str,
    ) -> Result<Option<WorkspaceEdit>, Error> {
        let Some(at) = self.confine_name_at(uri, pos) else {
            return Ok(None);
        };
        let t = self.renamable(&at)?;
        if !is_plain_name(new_name) {
            return Err(invalid(format!(
                "`{new_name}` cannot name a {}: a name is letters, digits, `_`, `-` and `.`, not starting with `.` or `-`",
                t.kind
            )));
        }
        if stdlib_names(t.ns).contains(&new_name.to_string()) {
            return Err(invalid(format!(
                "`{new_name}` is a name of the stdlib; a {} of that name would hide it",
                t.kind
            )));
        }
        if new_name != t.word.text && self.defined_anywhere(t.ns, new_name) {
            return Err(invalid(format!(
                "a {} named `{new_name}` is already defined",
                if t.ns == Ns::Set {
                    "syscall set"
                } else {
                    "profile or base"
                }
            )));
        }
        let Some(all) = self.confine_occurrences(uri, pos) else {
            return Ok(None);
        };
        let mut edits: BTreeMap<String, BTreeSet<(Position, Position)>> = BTreeMap::new();
        for (l, _) in all {
            edits
                .entry(l.uri.to_string())
                .or_default()
                .insert((l.range.start, l.range.end));
        }
        let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
        for (uri, ranges) in edits {
            let Ok(uri) = uri.parse::<Url>() else {
                continue;
            };
            let list = ranges
                .into_iter()
                .map(|(a, b)| TextEdit::new(Range::new(a, b), new_name.to_string()))
                .collect();
            changes.insert(uri, list);
        }
        Ok(Some(WorkspaceEdit::new(changes)))
    }

    /// Whether a name of `ns` is defined in a file the open `.confine`
    /// documents load.
    fn defined_anywhere(&self, ns: Ns, name: &str) -> bool {
        self.confine.values().any(|c| {
            c.program().files.iter().any(|f| match ns {
                Ns::Profile => f.ast.profiles.iter().any(|p| p.name.text == name),
                Ns::Set => f.ast.sets.iter().any(|s| s.name.text == name),
            })
        })
    }
}

/// The names the embedded stdlib defines in `ns`.
fn stdlib_names(ns: Ns) -> Vec<String> {
    let mut out = Vec::new();
    for (_, text) in STDLIB_FILES {
        let (ast, _) =
            profilec_core::syntax::confine::parse_confine(profilec_core::diag::FileId(0), text);
        match ns {
            Ns::Profile => out.extend(ast.profiles.into_iter().map(|p| p.name.text)),
            Ns::Set => out.extend(ast.sets.into_iter().map(|s| s.name.text)),
        }
    }
    out
}
