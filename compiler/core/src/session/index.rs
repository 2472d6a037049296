//! The symbol index of one checked document: what an editor hovers, jumps
//! to, renames and lists. Built from the resolved unit, never from text
//! search: every entry is a span of the syntax tree.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::check::vars::{for_each_word, reference_iter};
use crate::diag::{FileId, Span};
use crate::resolve::Unit;
use crate::syntax::ast::{Else, File, Item, Profile, ProfileKeyword, RuleKind, Word};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileKind {
    Profile,
    /// `^name` or `hat name`.
    Hat,
    /// A profile inside another profile.
    Child,
}

#[derive(Clone, Debug)]
pub struct ProfileSymbol {
    pub name: String,
    pub kind: ProfileKind,
    /// The whole profile, header to closing brace.
    pub span: Span,
    pub name_span: Span,
    /// Index of the enclosing profile in [`SymbolIndex::profiles`].
    pub parent: Option<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct VariableSymbol {
    /// Without `@{}` or `${}`.
    pub name: String,
    /// Every `=`, `+=` (and `?=`, `:=`) of it, in the files of the unit.
    pub definitions: Vec<Span>,
    /// Every `@{name}` / `${name}` in a rule, a header or a condition.
    pub uses: Vec<Span>,
}

#[derive(Clone, Debug)]
pub struct IncludeSymbol {
    /// The include target as written (`<abstractions/base>`).
    pub span: Span,
    pub target: String,
    /// The files it stands for, in order (empty: missing or skipped).
    pub resolved: Vec<PathBuf>,
}

/// A place that names a profile: an exec transition target (`px -> name`,
/// `cx -> name`) or a `change_profile -> name` target.
#[derive(Clone, Debug)]
pub struct ProfileReference {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct SymbolIndex {
    pub profiles: Vec<ProfileSymbol>,
    /// By name, sorted.
    pub variables: BTreeMap<String, VariableSymbol>,
    pub includes: Vec<IncludeSymbol>,
    pub profile_references: Vec<ProfileReference>,
}

/// What is at one position of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SymbolAt {
    Variable(String),
    Profile(String),
    Include(usize),
}

impl SymbolIndex {
    pub fn build(unit: &Unit) -> SymbolIndex {
        let mut ix = SymbolIndex::default();
        let mut files: Vec<(FileId, &Arc<File>)> = unit.files().collect();
        files.sort_by_key(|(id, _)| *id);
        for (_, file) in files {
            ix.items(unit, &file.items, None);
        }
        ix
    }

    fn items(&mut self, unit: &Unit, items: &[Item], parent: Option<usize>) {
        for item in items {
            match item {
                Item::Include(i) => self.includes.push(IncludeSymbol {
                    span: i.target_span,
                    target: i.target.name().to_string(),
                    resolved: unit
                        .included(i.span)
                        .iter()
                        .filter_map(|id| unit.path(*id).map(|p| p.to_path_buf()))
                        .collect(),
                }),
                Item::SetAssign(a) => {
                    self.variable(&a.name).definitions.push(a.var.span);
                    for w in &a.values {
                        self.uses_in(w);
                    }
                }
                Item::BoolAssign(a) => self.variable(&a.name).definitions.push(a.var.span),
                Item::Profile(p) => self.profile(unit, p, parent),
                Item::Rule(r) => {
                    for_each_word(&r.kind, &mut |w| self.uses_in(w));
                    self.references_in(&r.kind);
                }
                Item::Block(b) => self.items(unit, &b.items, parent),
                Item::If(i) => {
                    self.items(unit, &i.then, parent);
                    let mut next = i.otherwise.as_ref();
                    while let Some(e) = next {
                        match e {
                            Else::Block(items, _) => {
                                self.items(unit, items, parent);
                                next = None;
                            }
                            Else::If(inner) => {
                                self.items(unit, &inner.then, parent);
                                next = inner.otherwise.as_ref();
                            }
                        }
                    }
                }
                Item::Abi(_) | Item::Alias(_) | Item::Rlimit(_) | Item::Error(_) => {}
            }
        }
    }

    fn profile(&mut self, unit: &Unit, p: &Profile, parent: Option<usize>) {
        let kind = match p.keyword {
            ProfileKeyword::Hat | ProfileKeyword::Caret => ProfileKind::Hat,
            _ if parent.is_some() => ProfileKind::Child,
            _ => ProfileKind::Profile,
        };
        self.uses_in(&p.name);
        if let Some(a) = &p.attachment {
            self.uses_in(a);
        }
        self.profiles.push(ProfileSymbol {
            name: p.name.value().to_string(),
            kind,
            span: p.span,
            name_span: p.name.span,
            parent,
        });
        let me = self.profiles.len() - 1;
        self.items(unit, &p.items, Some(me));
    }

    fn variable(&mut self, name: &str) -> &mut VariableSymbol {
        self.variables
            .entry(name.to_string())
            .or_insert_with(|| VariableSymbol {
                name: name.to_string(),
                ..VariableSymbol::default()
            })
    }

    /// Every `@{name}` inside a word. `raw` is exactly the source text of
    /// the word's span, so offsets inside it carry over.
    fn uses_in(&mut self, w: &Word) {
        for (name, start, end) in reference_iter(w.raw()) {
            let span = Span::new(
                w.span.file,
                w.span.start as usize + start,
                w.span.start as usize + end,
            );
            // Looked up first: most names are seen many times.
            match self.variables.get_mut(name) {
                Some(v) => v.uses.push(span),
                None => self.variable(name).uses.push(span),
            }
        }
    }

    fn references_in(&mut self, kind: &RuleKind) {
        let target = match kind {
            RuleKind::File(f) => f.target.as_deref(),
            RuleKind::ChangeProfile { target, .. } => target.as_ref(),
            _ => None,
        };
        if let Some(t) = target {
            self.profile_references.push(ProfileReference {
                name: t.value().to_string(),
                span: t.span,
            });
        }
    }

    /// The symbol whose span holds `offset` in `file`, if any.
    pub fn at(&self, file: FileId, offset: u32) -> Option<SymbolAt> {
        let inside = |s: &Span| s.file == file && s.start <= offset && offset <= s.end;
        for v in self.variables.values() {
            if v.definitions.iter().chain(&v.uses).any(inside) {
                return Some(SymbolAt::Variable(v.name.clone()));
            }
        }
        if let Some(i) = self.includes.iter().position(|i| inside(&i.span)) {
            return Some(SymbolAt::Include(i));
        }
        if let Some(p) = self.profiles.iter().find(|p| inside(&p.name_span)) {
            return Some(SymbolAt::Profile(p.name.clone()));
        }
        self.profile_references
            .iter()
            .find(|r| inside(&r.span))
            .map(|r| SymbolAt::Profile(r.name.clone()))
    }

    /// Where a profile is declared, by name.
    pub fn profile_named(&self, name: &str) -> Option<&ProfileSymbol> {
        self.profiles.iter().find(|p| p.name == name)
    }
}
