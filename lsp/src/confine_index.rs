//! The names of a `.confine` program, from the AST spans: a small symbol
//! table for navigation, rename, symbols and semantic tokens.
//!
//! Each open `.confine` document's last check keeps the [`Program`] it was
//! loaded as (the document, its imports, transitively, and the embedded
//! stdlib), so a name resolves exactly as `profilec build` resolves it:
//! `use`/`extends` name a profile or base, `use` in a `syscalls` block (or
//! a `syscall-set`) a syscall set, and a signal or ptrace peer names a
//! profile when one of that name is in scope.

use std::path::{Path, PathBuf};

use profilec_core::diag::Span;
use profilec_core::resolve::confine::{normalize, Program};
use profilec_core::syntax::confine::ast::{File, ProfileItem, ProfileKind, SyscallStmt, Word};

/// The two name spaces of the DSL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ns {
    /// `confine` profiles and `base`s (one name space: `use` takes either).
    Profile,
    /// `syscall-set`s.
    Set,
}

/// What a name in the text is.
#[derive(Clone, Debug)]
pub enum Name {
    /// The name of a `confine`, `base` or `syscall-set` where it is defined.
    Def { ns: Ns, word: Word },
    /// A use of a name: `extends X`, `use X`, a peer.
    Ref { ns: Ns, word: Word },
    /// The file name of `import "x.confine"`.
    Import { word: Word },
}

impl Name {
    pub fn word(&self) -> &Word {
        match self {
            Name::Def { word, .. } | Name::Ref { word, .. } | Name::Import { word } => word,
        }
    }
}

/// Peers that name no profile.
const NOT_PROFILES: &[&str] = &["self", "unconfined"];

/// Every name of one file, in source order. Peers are included as
/// references; callers keep only those that resolve.
pub fn names(ast: &File) -> Vec<Name> {
    let mut out = Vec::new();
    for i in &ast.imports {
        out.push(Name::Import {
            word: i.path.clone(),
        });
    }
    for p in &ast.profiles {
        out.push(Name::Def {
            ns: Ns::Profile,
            word: p.name.clone(),
        });
        for item in &p.items {
            match item {
                ProfileItem::Use { bases, .. } => {
                    out.extend(bases.iter().map(|w| Name::Ref {
                        ns: Ns::Profile,
                        word: w.clone(),
                    }));
                }
                ProfileItem::Syscalls(stmts) => set_uses(stmts, &mut out),
                ProfileItem::Signals(s) => {
                    out.extend(s.iter().filter_map(|s| peer(s.peer.as_ref())));
                }
                ProfileItem::Ptrace(s) => {
                    out.extend(s.iter().filter_map(|s| peer(s.peer.as_ref())));
                }
                _ => {}
            }
        }
    }
    for s in &ast.sets {
        out.push(Name::Def {
            ns: Ns::Set,
            word: s.name.clone(),
        });
        set_uses(&s.stmts, &mut out);
    }
    out.sort_by_key(|n| n.word().span.start);
    out
}

fn peer(w: Option<&Word>) -> Option<Name> {
    let w = w?;
    (!NOT_PROFILES.contains(&w.text.as_str())).then(|| Name::Ref {
        ns: Ns::Profile,
        word: w.clone(),
    })
}

fn set_uses(stmts: &[SyscallStmt], out: &mut Vec<Name>) {
    for s in stmts {
        if let SyscallStmt::Use { sets, .. } = s {
            out.extend(sets.iter().map(|w| Name::Ref {
                ns: Ns::Set,
                word: w.clone(),
            }));
        }
    }
}

/// A definition: the file (index into `Program::files`) and the name.
#[derive(Clone, Debug)]
pub struct Target {
    pub file: usize,
    pub ns: Ns,
    pub kind: &'static str,
    pub word: Word,
}

impl Target {
    /// What identifies a definition across programs: its file and place.
    pub fn key(&self, program: &Program) -> (PathBuf, u32) {
        (program.files[self.file].path.clone(), self.word.span.start)
    }

    pub fn stdlib(&self, program: &Program) -> bool {
        program.files[self.file].stdlib
    }
}

/// The definition a name stands for, as seen from `file`.
pub fn resolve(program: &Program, file: usize, name: &Name) -> Option<Target> {
    match name {
        Name::Def { ns, word } => {
            let ast = &program.files[file].ast;
            let kind = match ns {
                Ns::Set => "syscall set",
                Ns::Profile => ast
                    .profiles
                    .iter()
                    .find(|p| p.name.span == word.span)
                    .map_or("profile", |p| kind_name(p.kind)),
            };
            Some(Target {
                file,
                ns: *ns,
                kind,
                word: word.clone(),
            })
        }
        Name::Ref {
            ns: Ns::Profile,
            word,
        } => {
            let (f, p) = program.lookup_profile(file, &word.text)?;
            Some(Target {
                file: f,
                ns: Ns::Profile,
                kind: kind_name(p.kind),
                word: p.name.clone(),
            })
        }
        Name::Ref { ns: Ns::Set, word } => {
            let (f, s) = program.lookup_set(file, &word.text)?;
            Some(Target {
                file: f,
                ns: Ns::Set,
                kind: "syscall set",
                word: s.name.clone(),
            })
        }
        Name::Import { .. } => None,
    }
}

pub fn kind_name(kind: ProfileKind) -> &'static str {
    match kind {
        ProfileKind::Confine => "profile",
        ProfileKind::Base => "base",
    }
}

/// The file an `import` names, as the loader found it: next to the
/// importing file, then in each `-I` directory.
pub fn import_target(
    program: &Program,
    file: usize,
    word: &Word,
    include_dirs: &[PathBuf],
) -> Option<usize> {
    let from = &program.files[file].path;
    let dir = from.parent().unwrap_or(Path::new(""));
    let name = Path::new(&word.text);
    let candidates: Vec<PathBuf> = if name.is_absolute() {
        vec![name.to_path_buf()]
    } else {
        std::iter::once(dir.join(name))
            .chain(include_dirs.iter().map(|d| d.join(name)))
            .collect()
    };
    let imported = &program.files[file].imports;
    candidates.iter().find_map(|c| {
        let c = normalize(c);
        imported
            .iter()
            .copied()
            .find(|&i| program.files[i].path == c)
    })
}

/// The name at byte `offset` of `file` (touching its end counts).
pub fn name_at(program: &Program, file: usize, offset: usize) -> Option<Name> {
    names(&program.files[file].ast).into_iter().find(|n| {
        let s = n.word().span;
        s.start as usize <= offset && offset <= s.end as usize
    })
}

/// Every occurrence of the definition `target` in the files of `program`
/// that are not the stdlib: `(span, is the definition)`.
pub fn occurrences(program: &Program, target_key: &(PathBuf, u32)) -> Vec<(Span, bool)> {
    let mut out = Vec::new();
    for (i, f) in program.files.iter().enumerate() {
        if f.stdlib {
            continue;
        }
        for n in names(&f.ast) {
            if matches!(n, Name::Import { .. }) {
                continue;
            }
            let Some(t) = resolve(program, i, &n) else {
                continue;
            };
            if &t.key(program) == target_key {
                out.push((n.word().span, matches!(n, Name::Def { .. })));
            }
        }
    }
    out
}
