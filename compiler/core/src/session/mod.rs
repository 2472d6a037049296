//! The pipeline as library calls: load -> parse -> resolve -> check.
//! The CLI, the language server and the test runners all call these.
//!
//! A [`Session`] is also an editor's workspace: open documents are read
//! before the disk, a document's text can be replaced and re-checked, an
//! include path can be invalidated (and the documents that depend on it
//! re-checked), and each check returns a symbol index and the files the
//! document depends on.

pub mod batch;
pub mod format;
pub mod index;
pub mod pool;
pub mod suppress;

use crate::hashing::HashMap;
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use crate::check::{Memo, Symbols};
use crate::diag::{Diagnostic, FileId, SourceMap};
use crate::input::fs::{FileSystem, Kind};
use crate::input::load;
use crate::resolve::{Cache, Loader, Options, Unit};
use crate::syntax::{parse_incremental, Parsed};

pub use index::SymbolIndex;

/// Parsing and checking recurse once per nesting level; the parser allows
/// deep nesting (the conformance suite nests conditions 100 deep), more than
/// a 2 MiB thread stack holds in a debug build. The work runs on a scoped
/// thread whose stack is reserved, not committed, up front.
const STACK: usize = 256 * 1024 * 1024;

/// Run `work` on a thread with a deep stack. A panic inside it is caught
/// and returned as its message, so one bad input cannot take down a run
/// (the caller reports it as an `internal-error` diagnostic).
/// On a thread started by [`spawn_deep`] the work runs in place.
pub fn on_deep_stack<T: Send>(work: impl FnOnce() -> T + Send) -> Result<T, String> {
    if on_deep_thread() {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
            .map_err(|p| panic_message(p.as_ref()));
    }
    let slot = std::sync::Mutex::new(Some(work));
    let take = || slot.lock().ok().and_then(|mut w| w.take());
    let on_thread = std::thread::scope(|s| {
        let handle = spawn_deep(s, || take().map(|w| w())).ok()?;
        Some(handle.join())
    });
    match on_thread {
        Some(Ok(Some(v))) => Ok(v),
        Some(Err(panic)) => Err(panic_message(panic.as_ref())),
        // No thread could be started: this thread's stack will have to do.
        Some(Ok(None)) | None => match take() {
            Some(w) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(w))
                .map_err(|p| panic_message(p.as_ref())),
            None => Err("the check ran on no thread".into()),
        },
    }
}

thread_local! {
    /// Whether this thread was started with the deep stack: a batch checks
    /// all its inputs on one such thread instead of starting one per input.
    static DEEP: Cell<bool> = const { Cell::new(false) };
}

/// Start a scoped thread with the deep stack, on which [`on_deep_stack`]
/// runs its work in place.
pub fn spawn_deep<'s, T: Send + 's>(
    s: &'s std::thread::Scope<'s, '_>,
    work: impl FnOnce() -> T + Send + 's,
) -> std::io::Result<std::thread::ScopedJoinHandle<'s, T>> {
    std::thread::Builder::new()
        .name("profilec-check".into())
        .stack_size(STACK)
        .spawn_scoped(s, deep(work))
}

/// Start the program's worker thread with the deep stack: checks (and
/// the first chunk of a batch) then run on it in place, without a thread
/// of their own.
pub fn spawn_worker<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    std::thread::Builder::new()
        .name("profilec".into())
        .stack_size(STACK)
        .spawn(deep(work))
}

/// `work` as the body of a deep-stack thread: marked as one, its heap
/// prepared.
fn deep<T>(work: impl FnOnce() -> T) -> impl FnOnce() -> T {
    move || {
        DEEP.with(|d| d.set(true));
        profilec_heap::prepare_thread_heap();
        work()
    }
}

/// Whether this thread has the deep stack.
fn on_deep_thread() -> bool {
    DEEP.with(Cell::get)
}

/// The text a panic was raised with.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".into()
    }
}

pub use crate::diag::codes::INTERNAL_ERROR;

/// A panic inside the library, reported against the input that caused it.
fn internal_error(file: FileId, sources: &SourceMap, why: &str) -> Diagnostic {
    let name = sources.name(file);
    Diagnostic::error(
        INTERNAL_ERROR,
        format!("internal error while checking `{name}`: {why}"),
    )
    .at(
        crate::diag::Span::new(file, 0, 0),
        "while checking this file",
    )
    .with_help("this is a bug in profilec; please report it with the input that caused it")
}

/// What checking one input produced.
pub struct Checked {
    /// The entry file, when it could be read.
    pub file: Option<FileId>,
    pub unit: Option<Unit>,
    /// The variable table (values for hover), when the input was checked.
    pub variables: Option<Symbols>,
    /// Empty when the session has [`Session::skip_index`] set.
    pub index: SymbolIndex,
    /// Every other file the input read (includes, and their includes),
    /// sorted: when one changes, the input must be checked again.
    pub dependencies: Vec<PathBuf>,
    /// Suppressed warnings already left out.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    fn unusable(file: FileId, diagnostics: Vec<Diagnostic>) -> Checked {
        Checked {
            file: Some(file),
            unit: None,
            variables: None,
            index: SymbolIndex::default(),
            dependencies: Vec::new(),
            diagnostics,
        }
    }
}

/// Any number of checks: sources and parsed includes are shared.
#[derive(Default)]
pub struct Session {
    pub sources: SourceMap,
    pub opts: Options,
    cache: Cache,
    /// What checks computed about words (expansions, glob verdicts), by
    /// text and variable values: valid whatever is edited.
    memo: Memo,
    /// Open editor documents, read before the file system.
    documents: BTreeMap<PathBuf, String>,
    /// The last clean parse of each open document, from which the next
    /// check re-parses only the edited items.
    parsed: HashMap<PathBuf, Parsed>,
    /// The source id each checked document had last time, reused so that
    /// editing never grows the source map.
    roots: HashMap<PathBuf, FileId>,
    /// What each document read at its last check.
    dependencies: HashMap<PathBuf, BTreeSet<PathBuf>>,
    /// Directories of the inputs named so far: their files may be quoted
    /// in diagnostics like those of the include path.
    pub input_dirs: Vec<PathBuf>,
    /// Leave [`Checked::index`] empty: `profilec check` reports diagnostics
    /// only, and the index walks every rule of every file again.
    pub skip_index: bool,
    /// Leave [`Checked::dependencies`] empty: `profilec check` of many
    /// inputs never re-checks one, and sorting every profile's includes
    /// by path cost a twentieth of the run (issue 13).
    pub skip_dependencies: bool,
}

impl Session {
    pub fn new(opts: Options) -> Session {
        Session {
            opts,
            ..Session::default()
        }
    }

    /// Check one AppArmor file on `fs` (an open document's text wins).
    pub fn check_path(&mut self, fs: &dyn FileSystem, path: &Path) -> Checked {
        let mut diags = Vec::new();
        // An open document: the previous parse of its text, if any.
        let mut incremental = None;
        let loaded = match self.documents.get(path) {
            Some(text) => {
                incremental = Some(self.parsed.remove(path));
                let text = text.clone();
                let file = match self.roots.get(path) {
                    Some(&id) => {
                        self.sources.replace(id, text);
                        id
                    }
                    None => self.sources.add(path.display().to_string(), text),
                };
                load::Loaded { file, usable: true }
            }
            None => {
                // Read from disk: no previous parse of an open document.
                self.parsed.remove(path);
                let display = path.display().to_string();
                let overlay = Overlay {
                    documents: &self.documents,
                    fs,
                };
                let loaded = load::load(
                    &overlay,
                    &mut self.sources,
                    path,
                    &display,
                    self.opts.max_input,
                    &mut diags,
                );
                if let Some(old) = self.roots.get(path) {
                    // The previous text of a re-read root is no longer used.
                    self.sources.replace(*old, String::new());
                }
                loaded
            }
        };
        self.roots.insert(path.to_path_buf(), loaded.file);
        let checked = self.finish(fs, loaded, Some(path), diags, incremental);
        self.dependencies.insert(
            path.to_path_buf(),
            checked.dependencies.iter().cloned().collect(),
        );
        checked
    }

    /// Check AppArmor text that does not come from a file (stdin, a test
    /// case).
    pub fn check_bytes(&mut self, fs: &dyn FileSystem, name: &str, bytes: Vec<u8>) -> Checked {
        let mut diags = Vec::new();
        let loaded = load::from_bytes(&mut self.sources, name, bytes, &mut diags);
        self.finish(fs, loaded, None, diags, None)
    }

    /// Open a document, or replace its text. Returns the open documents to
    /// check again: itself and every open document that includes it.
    pub fn set_document(&mut self, path: &Path, text: String) -> Vec<PathBuf> {
        self.documents.insert(path.to_path_buf(), text);
        self.invalidate(path)
    }

    /// Close a document: the disk's version counts again. Returns the open
    /// documents to check again.
    pub fn close_document(&mut self, path: &Path) -> Vec<PathBuf> {
        self.documents.remove(path);
        self.parsed.remove(path);
        if let Some(id) = self.roots.remove(path) {
            self.sources.replace(id, String::new());
        }
        self.dependencies.remove(path);
        self.invalidate(path)
    }

    /// The open documents, sorted.
    pub fn documents(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.documents
            .iter()
            .map(|(p, t)| (p.as_path(), t.as_str()))
    }

    /// Forget what is known of `path` (changed, created or deleted on disk,
    /// or edited). Returns the open documents to check again: `path` itself
    /// when it is open, and every open document that read it.
    pub fn invalidate(&mut self, path: &Path) -> Vec<PathBuf> {
        for id in self.cache.invalidate(path) {
            self.sources.replace(id, String::new());
        }
        let mut affected: Vec<PathBuf> = self
            .documents
            .keys()
            .filter(|doc| {
                doc.as_path() == path
                    || self
                        .dependencies
                        .get(doc.as_path())
                        .is_some_and(|d| d.contains(path))
            })
            .cloned()
            .collect();
        affected.sort();
        affected
    }

    fn finish(
        &mut self,
        fs: &dyn FileSystem,
        loaded: load::Loaded,
        path: Option<&Path>,
        mut diags: Vec<Diagnostic>,
        incremental: Option<Option<Parsed>>,
    ) -> Checked {
        if !loaded.usable {
            return Checked::unusable(loaded.file, diags);
        }
        let overlay = Overlay {
            documents: &self.documents,
            fs,
        };
        if let Some(dir) = path.and_then(Path::parent) {
            let dir = self.cache.canonical_dir(
                fs,
                if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                },
            );
            if !self.input_dirs.contains(&dir) {
                self.input_dirs.push(dir);
            }
        }
        let (sources, opts, cache) = (&mut self.sources, &self.opts, &mut self.cache);
        let memo = &mut self.memo;
        let input_dirs = &self.input_dirs;
        let skip_index = self.skip_index;
        let ran = on_deep_stack(|| {
            // An open document is parsed here, from its previous parse.
            let (root_parse, parsed) = match incremental {
                Some(prev) => {
                    let (tree, diags, next) =
                        parse_incremental(loaded.file, sources.text(loaded.file), prev.as_ref());
                    (Some((tree, diags)), next)
                }
                None => (None, None),
            };
            let loader = Loader::new(&overlay, sources, opts, cache)
                .with_roots(input_dirs)
                .with_root_parse(root_parse);
            let (unit, mut more) = loader.load_root(loaded.file, path.map(Path::to_path_buf));
            let (checked, variables) = crate::check::check_unit_with(&unit, memo);
            more.extend(checked);
            more.extend(suppress::unknown_codes(sources, loaded.file));
            let index = if skip_index {
                SymbolIndex::default()
            } else {
                SymbolIndex::build(&unit)
            };
            (unit, variables, index, more, parsed)
        });
        match ran {
            Ok((unit, variables, index, more, parsed)) => {
                if let (Some(path), Some(parsed)) = (path, parsed) {
                    self.parsed.insert(path.to_path_buf(), parsed);
                }
                diags.extend(more);
                let dependencies = if self.skip_dependencies {
                    Vec::new()
                } else {
                    dependencies(&unit, loaded.file)
                };
                // Nothing of a file outside the include roots is quoted.
                crate::diag::redact(&self.sources, &mut diags);
                Checked {
                    file: Some(loaded.file),
                    unit: Some(unit),
                    variables: Some(variables),
                    index,
                    dependencies,
                    diagnostics: suppress::filter(&self.sources, diags),
                }
            }
            Err(why) => {
                // A cache filled halfway through may be inconsistent.
                // (The batch's bundle is kept: its entries are files'.)
                let bundle = self.cache.bundle.take();
                self.cache = Cache::default();
                self.cache.bundle = bundle;
                self.memo = Memo::default();
                diags.push(internal_error(loaded.file, &self.sources, &why));
                Checked::unusable(loaded.file, diags)
            }
        }
    }
}

/// The files `unit` read besides `root`, sorted and deduplicated as paths
/// compare (by components), each path split into components once.
fn dependencies(unit: &Unit, root: FileId) -> Vec<PathBuf> {
    let mut keyed: Vec<(Vec<std::path::Component>, &std::sync::Arc<Path>)> = unit
        .paths()
        .filter(|(id, _)| *id != root)
        .map(|(_, p)| (p.components().collect(), p))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.0 == b.0);
    keyed.into_iter().map(|(_, p)| p.to_path_buf()).collect()
}

/// Whether a text is seccomp JSON rather than AppArmor policy: by content
/// (its first non-blank character is `{`, which no AppArmor file starts
/// with), or by a `.json` name whatever its case, so that a broken JSON
/// file still gets JSON diagnostics.
pub fn is_seccomp_json(name: &str, text: &str) -> bool {
    text.trim_start().starts_with('{')
        || Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

impl Session {
    /// Check a file of either language, told apart by [`is_seccomp_json`]
    /// once it is read (through the one bounded reader); `compiler`
    /// (libseccomp, from the harness) also proves a seccomp profile loads.
    pub fn check_any_path(
        &mut self,
        fs: &dyn FileSystem,
        path: &Path,
        compiler: Option<&dyn crate::seccomp::Compiler>,
    ) -> Checked {
        if self.documents.contains_key(path) {
            return self.check_path(fs, path);
        }
        let mut diags = Vec::new();
        let display = path.display().to_string();
        let loaded = load::load(
            fs,
            &mut self.sources,
            path,
            &display,
            self.opts.max_input,
            &mut diags,
        );
        if loaded.usable && self.is_json(loaded.file) {
            return self.finish_seccomp(loaded.file, compiler, diags);
        }
        self.finish(fs, loaded, Some(path), diags, None)
    }

    /// [`Session::check_any_path`] for text that does not come from a file.
    pub fn check_any_bytes(
        &mut self,
        fs: &dyn FileSystem,
        name: &str,
        bytes: Vec<u8>,
        compiler: Option<&dyn crate::seccomp::Compiler>,
    ) -> Checked {
        let mut diags = Vec::new();
        let loaded = load::from_bytes(&mut self.sources, name, bytes, &mut diags);
        if loaded.usable && self.is_json(loaded.file) {
            return self.finish_seccomp(loaded.file, compiler, diags);
        }
        self.finish(fs, loaded, None, diags, None)
    }

    fn is_json(&self, file: FileId) -> bool {
        is_seccomp_json(self.sources.name(file), self.sources.text(file))
    }

    fn finish_seccomp(
        &mut self,
        file: FileId,
        compiler: Option<&dyn crate::seccomp::Compiler>,
        mut diags: Vec<Diagnostic>,
    ) -> Checked {
        crate::seccomp::check_file(&self.sources, file, compiler, &mut diags);
        let diags = suppress::filter(&self.sources, diags);
        Checked::unusable(file, diags)
    }
}

/// Open documents over a file system: what an editor shows is what is
/// checked, saved or not.
struct Overlay<'a> {
    documents: &'a BTreeMap<PathBuf, String>,
    fs: &'a dyn FileSystem,
}

impl FileSystem for Overlay<'_> {
    fn kind(&self, path: &Path) -> Option<Kind> {
        if self.documents.contains_key(path) {
            return Some(Kind::File);
        }
        self.fs.kind(path)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.documents.get(path) {
            Some(text) => Ok(text.clone().into_bytes()),
            None => self.fs.read(path),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let unsaved = self
            .documents
            .keys()
            .filter(|p| p.parent() == Some(path))
            .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()));
        match self.fs.read_dir(path) {
            Ok(mut names) => {
                names.extend(unsaved);
                names.sort();
                names.dedup();
                Ok(names)
            }
            Err(e) => {
                let names: Vec<String> = unsaved.collect();
                if names.is_empty() {
                    Err(e)
                } else {
                    Ok(names)
                }
            }
        }
    }

    fn read_bounded(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        match self.documents.get(path) {
            Some(_) => {
                let bytes = self.read(path)?;
                crate::input::fs::read_limited(bytes.as_slice(), limit)
            }
            None => self.fs.read_bounded(path, limit),
        }
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        self.fs.canonical(path)
    }

    fn canonical_in(
        &self,
        path: &Path,
        dirs: &mut crate::hashing::HashMap<PathBuf, PathBuf>,
    ) -> Option<PathBuf> {
        self.fs.canonical_in(path, dirs).or_else(|| {
            self.documents
                .contains_key(path)
                .then(|| self.fs.canonical(path))
        })
    }

    fn read_placed(
        &self,
        path: &Path,
        limit: u64,
        dirs: &mut crate::hashing::HashMap<PathBuf, PathBuf>,
    ) -> (io::Result<Vec<u8>>, Option<PathBuf>) {
        if self.documents.contains_key(path) {
            (
                self.read_bounded(path, limit),
                self.canonical_in(path, dirs),
            )
        } else {
            self.fs.read_placed(path, limit, dirs)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;
    use crate::input::fs::{Kind, MemoryFs};

    mod batch;
    mod preambles;

    /// A file system that fails in the middle of a check the way a bug
    /// would: by panicking when an include is read.
    struct PanicsOnInclude(MemoryFs);

    impl FileSystem for PanicsOnInclude {
        fn kind(&self, path: &Path) -> Option<Kind> {
            self.0.kind(path)
        }
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            if path.ends_with("boom") {
                panic!("injected failure");
            }
            self.0.read(path)
        }
        fn read_dir(&self, path: &Path) -> std::io::Result<Vec<String>> {
            self.0.read_dir(path)
        }
    }

    #[test]
    fn a_panic_during_a_check_is_an_internal_error_of_that_input() {
        let mut fs = MemoryFs::new();
        fs.insert("/p/boom", "/x r,\n");
        fs.insert("/p/a", "profile a {\n  include \"/p/boom\"\n}\n");
        fs.insert("/p/b", "profile b {\n  /b r,\n}\n");
        let fs = PanicsOnInclude(fs);
        let mut session = Session::new(Options::default());
        let a = session.check_path(&fs, Path::new("/p/a"));
        assert_eq!(a.diagnostics.len(), 1, "{:?}", a.diagnostics);
        let d = &a.diagnostics[0];
        assert_eq!(d.code, crate::diag::codes::INTERNAL_ERROR);
        assert_eq!(
            d.message,
            "internal error while checking `/p/a`: injected failure"
        );
        // The session goes on with the next input.
        let b = session.check_path(&fs, Path::new("/p/b"));
        assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
    }

    fn fs_with<P: AsRef<str>, T: AsRef<str>>(files: &[(P, T)]) -> MemoryFs {
        let mut fs = MemoryFs::new();
        for (p, t) in files {
            fs.insert(p.as_ref(), t.as_ref());
        }
        fs
    }

    fn codes(c: &Checked) -> Vec<&'static str> {
        c.diagnostics.iter().map(|d| d.code.name).collect()
    }

    #[test]
    fn an_edited_document_is_checked_again_without_growing_the_sources() {
        let fs = fs_with::<&str, &str>(&[]);
        let doc = Path::new("/w/p");
        let mut s = Session::new(Options::default());
        assert_eq!(
            s.set_document(doc, "profile p {\n  capability chwon,\n}\n".into()),
            [doc]
        );
        let first = s.check_path(&fs, doc);
        assert_eq!(codes(&first), ["unknown-capability"]);
        let files = s.sources.len();
        assert_eq!(
            s.set_document(doc, "profile p {\n  capability chown,\n}\n".into()),
            [doc]
        );
        let second = s.check_path(&fs, doc);
        assert!(second.diagnostics.is_empty(), "{:?}", second.diagnostics);
        assert_eq!(second.file, first.file, "the document keeps its source id");
        assert_eq!(s.sources.len(), files);
        for _ in 0..100 {
            s.set_document(doc, "profile p {\n}\n".into());
            s.check_path(&fs, doc);
        }
        assert_eq!(s.sources.len(), files);
    }

    #[test]
    fn an_edited_document_checks_as_a_fresh_one() {
        let fs = fs_with(&[("/etc/apparmor.d/abstractions/x", "/x r,\n")]);
        let doc = Path::new("/w/p");
        let texts = [
            "profile p {\n  /a r,\n  capability chown,\n  /b w,\n}\n",
            "profile p {\n  /a r,\n  capability chwon,\n  /b w,\n}\n",
            "profile p {\n  /a r,\n  capability chwon,\n  include <abstractions/x>\n  /b w,\n}\n",
            "profile p {\n  /a r,\n  capability chwon,\n  include <abstractions/x>\n  /b w\n}\n",
            "profile p {\n  /a r,\n  capability chwon,\n  include <abstractions/x>\n  /b w,\n}\n",
            "profile p {\n  /a r, # note\n  capability chwon,\n  /b w,\n}\nprofile q {\n}\n",
            "profile p {\n  /a r, # note\n  capability chwon,\n  /bb w,\n}\nprofile q {\n}\n",
        ];
        let mut s = Session::new(Options::default());
        for text in texts {
            s.set_document(doc, text.into());
            let edited = s.check_path(&fs, doc);
            let mut fresh = Session::new(Options::default());
            fresh.set_document(doc, text.into());
            let once = fresh.check_path(&fs, doc);
            assert_eq!(shown(&s, &edited), shown(&fresh, &once), "{text}");
            assert_eq!(edited.dependencies, once.dependencies, "{text}");
        }
    }

    #[test]
    fn invalidating_an_include_rechecks_the_documents_that_read_it() {
        let fs = fs_with(&[
            ("/etc/apparmor.d/abstractions/x", "/x r,\n"),
            ("/etc/apparmor.d/abstractions/y", "/y r,\n"),
        ]);
        let a = Path::new("/w/a");
        let b = Path::new("/w/b");
        let x = Path::new("/etc/apparmor.d/abstractions/x");
        let mut s = Session::new(Options::default());
        s.set_document(a, "profile a {\n  include <abstractions/x>\n}\n".into());
        s.set_document(b, "profile b {\n  include <abstractions/y>\n}\n".into());
        assert!(s.check_path(&fs, a).diagnostics.is_empty());
        assert!(s.check_path(&fs, b).diagnostics.is_empty());
        assert_eq!(s.check_path(&fs, a).dependencies, [x]);
        // Only `a` read `x`.
        assert_eq!(s.invalidate(x), [a]);
        // An editor opens the abstraction and breaks it: `a` sees the
        // unsaved text, and is named for a re-check.
        assert_eq!(s.set_document(x, "capability chwon,\n".into()), [x, a]);
        assert_eq!(codes(&s.check_path(&fs, a)), ["unknown-capability"]);
        assert!(s.check_path(&fs, b).diagnostics.is_empty());
        // Closing it brings back the disk's version.
        assert_eq!(s.close_document(x), [a]);
        assert!(s.check_path(&fs, a).diagnostics.is_empty());
    }

    /// A diagnostic's code, message and place (file name, start, end).
    type Shown = (String, String, Option<(String, u32, u32)>);

    /// What a check reports, by file name rather than source id.
    fn shown(s: &Session, c: &Checked) -> Vec<Shown> {
        c.diagnostics
            .iter()
            .map(|d| {
                let at = d.primary.as_ref().map(|l| {
                    let f = s.sources.name(l.span.file).to_string();
                    (f, l.span.start, l.span.end)
                });
                (d.code.name.to_string(), d.message.clone(), at)
            })
            .collect()
    }

    /// Checks each of `docs` in a fresh session, then all of them in a
    /// shared one, in order and reversed, twice over: each must report
    /// what it did alone. Returns the codes seen.
    fn shared_as_fresh<S: AsRef<str>>(
        fs: &MemoryFs,
        opts: &Options,
        docs: &[S],
    ) -> Vec<&'static str> {
        let want: Vec<Vec<Shown>> = docs
            .iter()
            .map(|p| {
                let mut fresh = Session::new(opts.clone());
                let c = fresh.check_path(fs, Path::new(p.as_ref()));
                shown(&fresh, &c)
            })
            .collect();
        let mut seen = Vec::new();
        for order in [false, true] {
            let mut shared = Session::new(opts.clone());
            for round in 0..2 {
                let mut ids: Vec<usize> = (0..docs.len()).collect();
                if order {
                    ids.reverse();
                }
                for i in ids {
                    let doc = docs[i].as_ref();
                    let c = shared.check_path(fs, Path::new(doc));
                    assert_eq!(shown(&shared, &c), want[i], "{doc}, round {round}");
                    seen.extend(codes(&c));
                }
            }
        }
        seen
    }

    #[test]
    fn the_session_memo_gives_what_a_fresh_check_gives() {
        // One abstraction, read under different variable values: the memo
        // keeps its expansions and glob verdicts by the values looked up,
        // including a reference that appears only after substitution
        // (`@` + `{B}` in the flag).
        // The tunables each document starts with differ by its `x`: the
        // session keeps a preamble's table by the files it entered.
        let abs = "@{X}/** r,\n@{X}/bin/* px,\n/opt/*/c ix,\n@{V}/v r,\n";
        let head = |x: &str, b: &str| {
            let t = if x.contains('{') { "u" } else { "t" };
            format!("include <tunables/{t}>\n@{{X}} = {x}\n@{{A}} = {{B}}\n@{{B}} = {b}\n")
        };
        let docs = [
            ("/w/ok", head("/ok", "c")),
            ("/w/bad", head("/{bad", "c")),
            ("/w/seam", head("/ok", "/b")),
            ("/w/seam2", head("/ok", "b")),
            ("/w/ok2", head("/ok", "c")),
            ("/w/exec", head("/opt", "c")),
            ("/w/many", head("/ok /{a,b} /o[k", "d")),
        ];
        let mut files = vec![
            (
                "/etc/apparmor.d/tunables/t",
                "@{T} = /t\n@{U} += /u\n".to_string(),
            ),
            ("/etc/apparmor.d/tunables/u", "@{V} = /v\n".to_string()),
            ("/etc/apparmor.d/abstractions/x", abs.to_string()),
        ];
        for (p, h) in &docs {
            let body = format!(
                "{h}profile p /bin/p flags=(attach_disconnected.path=@@{{A}}) {{\n  include <abstractions/x>\n  @{{X}}/*/c px,\n}}\n"
            );
            files.push((p, body));
        }
        let fs = fs_with(&files);
        let mut shared = Session::new(Options::default());
        let mut seen_codes = Vec::new();
        for round in 0..2 {
            for (p, _) in &docs {
                let path = Path::new(p);
                let mut fresh = Session::new(Options::default());
                let want = fresh.check_path(&fs, path);
                let got = shared.check_path(&fs, path);
                assert_eq!(
                    shown(&shared, &got),
                    shown(&fresh, &want),
                    "{p}, round {round}"
                );
                seen_codes.extend(codes(&want));
            }
        }
        // The cases differ: some are clean, some are not.
        assert!(seen_codes.contains(&"invalid-glob"), "{seen_codes:?}");
        assert!(
            seen_codes.contains(&"conflicting-exec-modes"),
            "{seen_codes:?}"
        );
        assert!(
            seen_codes.contains(&"invalid-profile-flag-value"),
            "{seen_codes:?}"
        );
        assert!(!shared.memo.is_empty());
    }

    #[test]
    fn included_rules_checked_once_report_as_a_fresh_check_does() {
        // One abstraction full of findings, included in many contexts: the
        // session checks a run of its rules once per context and values,
        // and every document must still get exactly a fresh check's
        // diagnostics (same order, spans and messages), in either order.
        let abs = "@{X}/** r,\n/a x,\n/b/*/d px,\n/b/c/* ix,\n/d RW,\n/e aw,\n@{U}/f r,\n\
                   capability chwon,\nchange_profile /bin/x -> y,\nchange_profile unsafe /bin/x -> y,\n\
                   /{g r,\n@{exec_path} r,\n@{profile_name} r,\ndeny /h ix,\nowner /i/* Px,\n\
                   include <abstractions/inner>\nnetwork inet stream,\n/j/** Cx,\n";
        let inner = "/b/c/d ux,\n/k/* pix,\n/l x\n";
        let heads = [
            "@{X} = /ok\n",
            "@{X} = /{bad\n",
            "@{X} = /ok\n@{U} = /u\n",
            "@{X} = /ok\n${U} = true\n",
        ];
        let bodies = [
            "  include <abstractions/r>\n",
            "  include <abstractions/r>\n  include <abstractions/r>\n  /b/c/x Ux,\n",
            "  deny {\n    include <abstractions/r>\n  }\n",
            "  owner {\n    include <abstractions/r>\n  }\n",
            "  audit deny owner {\n    include <abstractions/r>\n  }\n",
            "  allow {\n    include <abstractions/r>\n  }\n",
            "  if ${B} {\n    include <abstractions/r>\n  } else {\n    /b/c/x ix,\n  }\n",
            "  if not ${B} {\n    include <abstractions/r>\n  }\n  include <abstractions/r>\n",
            "  owner {\n    profile c {\n      include <abstractions/r>\n    }\n  }\n",
            "  ^hat {\n    include <abstractions/r>\n  }\n  include <abstractions/r>\n",
            "  include <abstractions/inner>\n  include <abstractions/r>\n",
            "  /b/c/e Px,\n  include <abstractions/r>\n  change_profile safe /bin/x -> y,\n",
        ];
        let mut files = vec![
            (
                "/etc/apparmor.d/abstractions/r".to_string(),
                abs.to_string(),
            ),
            (
                "/etc/apparmor.d/abstractions/inner".to_string(),
                inner.to_string(),
            ),
        ];
        let mut docs = Vec::new();
        for (h, head) in heads.iter().enumerate() {
            for (b, body) in bodies.iter().enumerate() {
                for (a, attach) in ["", " /usr/bin/p"].iter().enumerate() {
                    let path = format!("/w/p{h}-{b}-{a}");
                    let text = format!("${{B}} = true\n{head}profile p{attach} {{\n{body}}}\n");
                    files.push((path.clone(), text));
                    docs.push(path);
                }
            }
        }
        let fs = fs_with(&files);
        let seen = shared_as_fresh(&fs, &Options::default(), &docs);
        // The contexts differ in what they report.
        for code in [
            "exec-needs-qualifier",
            "deny-exec-qualifier",
            "conflicting-exec-modes",
            "invalid-glob",
            "undefined-variable",
            "boolean-as-set",
            "no-attachment-for-variable",
            "rule-dropped-in-block",
            "syntax-error",
        ] {
            assert!(seen.contains(&code), "{code}: {seen:?}");
        }
    }

    #[test]
    fn shared_include_walks_report_as_a_fresh_check_does() {
        // Documents that include the same files in different orders and
        // contexts: a session keeps what it learnt of each file (its
        // includes' search results, which files it pulls in), and every
        // document must still get exactly a fresh check's diagnostics,
        // whatever was walked before it (issue 13).
        let files = [
            (
                "/etc/apparmor.d/tunables/t",
                "@{T} = /t\ninclude if exists <tunables/t.d>\n",
            ),
            ("/etc/apparmor.d/tunables/t.d/a", "@{T} += /u\n"),
            ("/etc/apparmor.d/tunables/t.d/b~", "not policy\n"),
            (
                "/etc/apparmor.d/abstractions/a",
                "/a r,\ninclude <abstractions/b>\ninclude <abstractions/c>\ninclude if exists <abstractions/gone>\n",
            ),
            (
                "/etc/apparmor.d/abstractions/b",
                "/b r,\ninclude <abstractions/c>\ninclude <abstractions/loop>\n",
            ),
            ("/etc/apparmor.d/abstractions/loop", "/l r,\ninclude <abstractions/b>\n"),
            ("/etc/apparmor.d/abstractions/c", "/c rw\n/c2 r,\n"),
            (
                "/etc/apparmor.d/abstractions/d",
                "include <abstractions/missing>\ninclude <../escape>\n/d r,\ninclude <abstractions/a>\n",
            ),
            ("/etc/escape", "/e r,\n"),
            ("/extra/abstractions/c", "/c3 r,\n"),
            ("/extra/abstractions/loop", "include <abstractions/loop>\n"),
            (
                "/w/d0",
                "include <tunables/t>\nprofile p {\n  include <abstractions/a>\n}\n",
            ),
            (
                "/w/d1",
                "include <tunables/t>\nprofile p {\n  include <abstractions/b>\n  include <abstractions/a>\n}\n",
            ),
            (
                "/w/d2",
                "profile p {\n  include <abstractions/c>\n  include <abstractions/a>\n  ^hat {\n    include <abstractions/a>\n  }\n}\n",
            ),
            (
                "/w/d3",
                "include <abstractions/loop>\nprofile p {\n  include <abstractions/loop>\n}\n",
            ),
            (
                "/w/d4",
                "profile p {\n  include <abstractions/d>\n  include <abstractions/a>\n  include \"/w/d4\"\n}\n",
            ),
            ("/w/d5", "include <abstractions/d>\ninclude <abstractions/d>\n"),
            ("/w/d6", "include \"/w/d6\"\nprofile p {\n  include <abstractions/b>\n}\n"),
        ];
        let fs = fs_with(&files);
        let docs: Vec<&str> = files
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| p.starts_with("/w/"))
            .collect();
        let mut seen = Vec::new();
        for dirs in [vec![], vec![PathBuf::from("/extra")]] {
            let opts = Options {
                include_dirs: dirs,
                ..Options::default()
            };
            seen.extend(shared_as_fresh(&fs, &opts, &docs));
        }
        for code in [
            "include-cycle",
            "include-not-found",
            "include-outside-root",
            "syntax-error",
        ] {
            assert!(seen.contains(&code), "{code}: {seen:?}");
        }
    }

    #[test]
    fn an_edited_tunable_is_seen_through_the_memo() {
        let fs = fs_with(&[("/etc/apparmor.d/tunables/t", "@{D} = /d\n")]);
        let t = Path::new("/etc/apparmor.d/tunables/t");
        let doc = Path::new("/w/p");
        let mut s = Session::new(Options::default());
        s.set_document(
            doc,
            "include <tunables/t>\nprofile p {\n  @{D}/** r,\n}\n".into(),
        );
        assert!(s.check_path(&fs, doc).diagnostics.is_empty());
        assert_eq!(s.set_document(t, "@{D} = /{d\n".into()), [t, doc]);
        assert_eq!(codes(&s.check_path(&fs, doc)), ["invalid-glob"]);
        assert_eq!(s.close_document(t), [doc]);
        assert!(s.check_path(&fs, doc).diagnostics.is_empty());
    }

    #[test]
    fn checks_carry_a_symbol_index() {
        use index::{ProfileKind, SymbolAt};
        let fs = fs_with(&[("/etc/apparmor.d/tunables/t", "@{D} = /d\n@{D} += /e\n")]);
        let text = "include <tunables/t>\n@{X} = @{D}/x\nprofile p /bin/p {\n  @{X} r,\n  /bin/q px -> q,\n  ^hat {\n    change_profile -> p,\n  }\n  profile c {\n  }\n}\nprofile q {\n}\n";
        let doc = Path::new("/w/p");
        let mut s = Session::new(Options::default());
        s.set_document(doc, text.into());
        let c = s.check_path(&fs, doc);
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        let ix = &c.index;
        let shown = |sp: Span| s.sources.text(sp.file)[sp.range()].to_string();
        let profiles: Vec<(&str, ProfileKind, Option<usize>)> = ix
            .profiles
            .iter()
            .map(|p| (p.name.as_str(), p.kind, p.parent))
            .collect();
        assert_eq!(
            profiles,
            [
                ("p", ProfileKind::Profile, None),
                ("hat", ProfileKind::Hat, Some(0)),
                ("c", ProfileKind::Child, Some(0)),
                ("q", ProfileKind::Profile, None)
            ]
        );
        let d = &ix.variables["D"];
        assert_eq!(d.definitions.len(), 2);
        assert!(d
            .definitions
            .iter()
            .all(|sp| s.sources.name(sp.file).ends_with("tunables/t")));
        assert_eq!(
            d.uses.iter().map(|u| shown(*u)).collect::<Vec<_>>(),
            ["@{D}"]
        );
        let x = &ix.variables["X"];
        assert_eq!(x.definitions.len(), 1);
        assert_eq!(x.uses.len(), 1);
        let use_at = x.uses[0];
        assert_eq!(shown(use_at), "@{X}");
        assert_eq!(
            ix.at(use_at.file, use_at.start + 1),
            Some(SymbolAt::Variable("X".into()))
        );
        assert_eq!(ix.includes.len(), 1);
        assert_eq!(shown(ix.includes[0].span), "<tunables/t>");
        assert_eq!(
            ix.includes[0].resolved,
            [PathBuf::from("/etc/apparmor.d/tunables/t")]
        );
        let refs: Vec<(&str, String)> = ix
            .profile_references
            .iter()
            .map(|r| (r.name.as_str(), shown(r.span)))
            .collect();
        assert_eq!(refs, [("q", "q".to_string()), ("p", "p".to_string())]);
        let target = ix.profile_references[0].span;
        assert_eq!(
            ix.at(target.file, target.start),
            Some(SymbolAt::Profile("q".into()))
        );
        assert_eq!(
            ix.profile_named("q").map(|p| shown(p.name_span)),
            Some("q".into())
        );
        // Values of the variable table, for hover.
        assert!(c
            .variables
            .as_ref()
            .is_some_and(|v| v.vars.contains_key("X")));
    }
}
