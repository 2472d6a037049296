//! Loading `.confine` files with their imports, and the embedded stdlib
//! (`stdlib/confine/`), through the [`FileSystem`] door; name lookup of
//! bases and syscall sets across them.
//!
//! `import "x.confine"` is resolved against the importing file's folder,
//! then the `-I` directories. Every name a file defines is visible to the
//! files that import it (transitively) and the stdlib is visible to all.

use crate::hashing::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::codes;
use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::input::fs::{FileSystem, Kind, MemoryFs};
use crate::input::load;
use crate::syntax::confine::ast::{File, Profile, SyscallSet};
use crate::syntax::parse_confine;

/// Where the embedded `.confine` library appears in diagnostics.
pub const STDLIB_ROOT: &str = "<stdlib>/confine";

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../../stdlib/confine/", $name)))),*]
    };
}

/// The stdlib files, in load order.
pub const STDLIB_FILES: &[(&str, &str)] = embed!(
    "runtime-default.confine",
    "groups.confine",
    "container.confine",
);

/// The stdlib as a file system rooted at [`STDLIB_ROOT`].
pub fn stdlib_fs() -> MemoryFs {
    let mut fs = MemoryFs::new();
    for (name, text) in STDLIB_FILES {
        fs.insert(Path::new(STDLIB_ROOT).join(name), text.as_bytes().to_vec());
    }
    fs
}

/// One loaded `.confine` file.
#[derive(Debug)]
pub struct Loaded {
    pub id: FileId,
    pub path: PathBuf,
    pub ast: File,
    /// Indices (into [`Program::files`]) of the files it imports.
    pub imports: Vec<usize>,
    pub stdlib: bool,
}

/// Every `.confine` file of a run: the inputs, their imports and the stdlib.
#[derive(Debug)]
pub struct Program {
    pub files: Vec<Loaded>,
    by_path: HashMap<PathBuf, usize>,
    /// Files whose import is being followed (cycle detection).
    in_progress: Vec<usize>,
    stdlib_loaded: bool,
    /// The most bytes read from any one file (`--max-input-size`).
    limit: u64,
}

impl Default for Program {
    fn default() -> Program {
        Program::with_limit(crate::input::fs::DEFAULT_MAX_INPUT)
    }
}

/// A name defined in a file: a profile or base, or a syscall set.
pub enum Def<'p> {
    Profile(usize, &'p Profile),
    Set(usize, &'p SyscallSet),
}

impl Program {
    /// A program that reads at most `limit` bytes of any file.
    pub fn with_limit(limit: u64) -> Program {
        Program {
            files: Vec::new(),
            by_path: HashMap::default(),
            in_progress: Vec::new(),
            stdlib_loaded: false,
            limit,
        }
    }

    /// Load the embedded stdlib once; its diagnostics are returned (there
    /// should be none: a test keeps it so).
    pub fn load_stdlib(&mut self, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) {
        if self.stdlib_loaded {
            return;
        }
        self.stdlib_loaded = true;
        let fs = stdlib_fs();
        for (name, _) in STDLIB_FILES {
            let path = Path::new(STDLIB_ROOT).join(name);
            self.load_file(&fs, &[], sources, &path, None, true, diags);
        }
    }

    /// Load an input file (and its imports). Returns its index, or `None`
    /// when it could not be read.
    pub fn load_input(
        &mut self,
        fs: &dyn FileSystem,
        include_dirs: &[PathBuf],
        sources: &mut SourceMap,
        path: &Path,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        self.load_file(fs, include_dirs, sources, path, None, false, diags)
    }

    #[allow(clippy::too_many_arguments)]
    fn load_file(
        &mut self,
        fs: &dyn FileSystem,
        include_dirs: &[PathBuf],
        sources: &mut SourceMap,
        path: &Path,
        imported_at: Option<Span>,
        stdlib: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        let normal = normalize(path);
        let path = normal.as_path();
        if let Some(&i) = self.by_path.get(path) {
            if self.in_progress.contains(&i) {
                if let Some(at) = imported_at {
                    diags.push(
                        Diagnostic::error(
                            codes::CONFINE_IMPORT_CYCLE,
                            format!("`{}` imports itself", path.display()),
                        )
                        .at(at, "this import closes a cycle")
                        .with_help(
                            "move what both files need into a third file that imports neither",
                        ),
                    );
                }
                return None;
            }
            return Some(i);
        }
        let display = path.display().to_string();
        let mut local = Vec::new();
        let loaded = load::load(fs, sources, path, &display, self.limit, &mut local);
        diags.extend(local);
        if !loaded.usable {
            return None;
        }
        let (ast, pdiags) = parse_confine(loaded.file, sources.text(loaded.file));
        diags.extend(pdiags);
        let index = self.files.len();
        let imports_ast = ast.imports.clone();
        self.files.push(Loaded {
            id: loaded.file,
            path: path.to_path_buf(),
            ast,
            imports: Vec::new(),
            stdlib,
        });
        self.by_path.insert(path.to_path_buf(), index);
        self.in_progress.push(index);
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let mut imports = Vec::new();
        for imp in imports_ast {
            let Some(found) = find_import(fs, &dir, include_dirs, &imp.path.text) else {
                diags.push(
                    Diagnostic::error(
                        codes::CONFINE_IMPORT_NOT_FOUND,
                        format!("cannot find `{}` to import", imp.path.text),
                    )
                    .at(imp.path.span, "not found")
                    .with_help("an import is looked up next to the importing file, then in each `-I` directory"),
                );
                continue;
            };
            if let Some(i) = self.load_file(
                fs,
                include_dirs,
                sources,
                &found,
                Some(imp.path.span),
                stdlib,
                diags,
            ) {
                imports.push(i);
            }
        }
        self.in_progress.pop();
        self.files[index].imports = imports;
        Some(index)
    }

    /// Files visible from `file`: itself, what it imports (transitively),
    /// then the stdlib.
    pub fn scope(&self, file: usize) -> Vec<usize> {
        let mut seen = vec![false; self.files.len()];
        let mut order = Vec::new();
        let mut stack = vec![file];
        while let Some(f) = stack.pop() {
            if f >= seen.len() || seen[f] {
                continue;
            }
            seen[f] = true;
            order.push(f);
            for &i in self.files[f].imports.iter().rev() {
                stack.push(i);
            }
        }
        for (i, f) in self.files.iter().enumerate() {
            if f.stdlib && !seen[i] {
                order.push(i);
            }
        }
        order
    }

    /// The profile or base called `name` as seen from `file`.
    pub fn lookup_profile(&self, file: usize, name: &str) -> Option<(usize, &Profile)> {
        self.scope(file).into_iter().find_map(|f| {
            self.files[f]
                .ast
                .profiles
                .iter()
                .find(|p| p.name.text == name)
                .map(|p| (f, p))
        })
    }

    /// The syscall set called `name` as seen from `file`.
    pub fn lookup_set(&self, file: usize, name: &str) -> Option<(usize, &SyscallSet)> {
        self.scope(file).into_iter().find_map(|f| {
            self.files[f]
                .ast
                .sets
                .iter()
                .find(|s| s.name.text == name)
                .map(|s| (f, s))
        })
    }

    /// Every name visible from `file`, for did-you-mean help.
    pub fn names_in_scope(&self, file: usize, sets: bool) -> Vec<&str> {
        let mut out = Vec::new();
        for f in self.scope(file) {
            let ast = &self.files[f].ast;
            if sets {
                out.extend(ast.sets.iter().map(|s| s.name.text.as_str()));
            } else {
                out.extend(ast.profiles.iter().map(|p| p.name.text.as_str()));
            }
        }
        out
    }

    pub fn index_of(&self, id: FileId) -> Option<usize> {
        self.files.iter().position(|f| f.id == id)
    }

    /// The real files `file` depends on (itself and its imports, not the
    /// stdlib), for depfiles.
    pub fn dependencies(&self, file: usize) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .scope(file)
            .into_iter()
            .filter(|&f| !self.files[f].stdlib)
            .map(|f| self.files[f].path.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// `path` with `.` and `name/..` taken out, without asking the file system
/// (the stdlib and editor buffers are not on disk): one file, one key.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

fn find_import(
    fs: &dyn FileSystem,
    dir: &Path,
    include_dirs: &[PathBuf],
    name: &str,
) -> Option<PathBuf> {
    let name = Path::new(name);
    if name.is_absolute() {
        return (fs.kind(name) == Some(Kind::File)).then(|| name.to_path_buf());
    }
    std::iter::once(dir.to_path_buf())
        .chain(include_dirs.iter().cloned())
        .map(|d| d.join(name))
        .find(|p| fs.kind(p) == Some(Kind::File))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_lexically() {
        assert_eq!(
            normalize(Path::new("a/lib/../b.confine")),
            PathBuf::from("a/b.confine")
        );
        assert_eq!(normalize(Path::new("./a/./b")), PathBuf::from("a/b"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
        assert_eq!(normalize(Path::new("/../x")), PathBuf::from("/x"));
    }
}
