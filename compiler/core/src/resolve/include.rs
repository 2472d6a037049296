//! Include search and loading: from one entry file to every file it pulls in.
//!
//! Mirrors `apparmor_parser`: `<name>` searches the include directories in
//! order (`-I` dirs, then the base directory), `"name"` and bare names are
//! paths relative to the base directory, a directory includes its files in
//! sorted order minus backup and package-manager leftovers, and a file that
//! is already being included is skipped (reported here as a cycle warning).

use crate::hashing::{HashMap, HashSet};
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::input::load;
use crate::syntax::ast::{File, IncludeTarget, Item};
use crate::syntax::{parse_apparmor, Context};

use super::bundle::Bundle;
use super::marks::Marks;
use super::{parse_cache, stdlib};
use crate::input::fs::{FileSystem, Kind, MemoryFs};

pub use crate::diag::codes::ABI_NOT_FOUND;
pub use crate::diag::codes::INCLUDE_CYCLE;
pub use crate::diag::codes::INCLUDE_EXPANSION_TOO_LARGE;
pub use crate::diag::codes::INCLUDE_NOT_FOUND;
pub use crate::diag::codes::INCLUDE_OUTSIDE_ROOT;
pub use crate::diag::codes::INCLUDE_TOO_DEEP;
pub use crate::diag::codes::INCLUDE_UNREADABLE;

/// Includes nested deeper than this are refused. Debian's profiles nest
/// fewer than 10 deep; the limit keeps every walk over includes (here and
/// in the checker, which recurses once per level) bounded.
pub const MAX_INCLUDE_DEPTH: usize = 256;

/// Items a policy may hold with every include expanded in place. A file
/// included twice by each of 40 chained files would expand to 2^40 copies;
/// the checker walks the expansion, so it must stay linear in the input.
pub const MAX_EXPANDED_ITEMS: u64 = 1_000_000;

/// Include search settings, as `apparmor_parser -I` and `-b`, and the
/// bound on what is read.
#[derive(Clone, Debug)]
pub struct Options {
    pub include_dirs: Vec<PathBuf>,
    /// Base directory, searched after the `-I` directories. Default
    /// `/etc/apparmor.d`.
    pub base: Option<PathBuf>,
    /// The most bytes read from any one input or include
    /// (`--max-input-size`; default [`DEFAULT_MAX_INPUT`]).
    pub max_input: u64,
    /// The directory quoted relative includes resolve against; `None` is
    /// the process's working directory.
    pub cwd: Option<PathBuf>,
    /// Where parsed include files are kept between runs
    /// ([`super::parse_cache`]); `None` parses every run.
    pub parse_cache: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            include_dirs: Vec::new(),
            base: None,
            max_input: DEFAULT_MAX_INPUT,
            cwd: None,
            parse_cache: None,
        }
    }
}

pub use crate::input::fs::DEFAULT_MAX_INPUT;

pub const DEFAULT_BASE: &str = "/etc/apparmor.d";

impl Options {
    fn search_dirs(&self) -> Vec<PathBuf> {
        self.search_path().map(Path::to_path_buf).collect()
    }

    /// [`Options::search_dirs`] without copying them (each search that
    /// misses on disk walks them).
    fn search_path(&self) -> impl Iterator<Item = &Path> {
        let base = self.base.as_deref().unwrap_or(Path::new(DEFAULT_BASE));
        self.include_dirs
            .iter()
            .map(PathBuf::as_path)
            .chain([base, Path::new(stdlib::ROOT)])
    }
}

/// Suffixes and names of files a directory include passes over.
fn skipped_in_dir(name: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "~",
        ".dpkg-new",
        ".dpkg-old",
        ".dpkg-dist",
        ".dpkg-bak",
        ".dpkg-remove",
        ".rpmnew",
        ".rpmsave",
        ".pacsave",
        ".pacnew",
        ".orig",
        ".rej",
    ];
    name.starts_with('.') || SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Every parsed file of one check, and which files each include stands for.
#[derive(Debug, Default)]
pub struct Unit {
    pub root: Option<FileId>,
    /// Each file's tree and place, in one map: loading an input puts
    /// each of its files in once, and a walk over includes asks once.
    members: HashMap<FileId, Member>,
    /// (file, start of the include item) -> the files it includes, in order.
    /// Shared with the session's cache when the same as last time.
    pub includes: HashMap<(FileId, u32), Arc<[FileId]>>,
}

/// A file of a [`Unit`].
#[derive(Debug)]
struct Member {
    tree: Arc<File>,
    /// Where it was read from (shared with the session's cache: loading
    /// an input copies no path) and the session's number of that path (a
    /// file read in two contexts has two ids but one path): what
    /// [`IncludeScope`] records. `None` for a root read from no path.
    path: Option<(Arc<Path>, u32)>,
    /// Items at every nesting level ([`count_items`]).
    items: u64,
}

impl Unit {
    /// Room for `files` files and as many include items, so that the
    /// maps do not grow step by step while an input is loaded.
    fn with_capacity(files: usize, includes: usize) -> Unit {
        Unit {
            root: None,
            members: HashMap::with_capacity_and_hasher(files, Default::default()),
            includes: HashMap::with_capacity_and_hasher(includes, Default::default()),
        }
    }

    /// The tree of file `id`.
    pub fn file(&self, id: FileId) -> Option<&Arc<File>> {
        self.members.get(&id).map(|m| &m.tree)
    }

    /// The tree of the root file.
    pub fn root_file(&self) -> Option<&Arc<File>> {
        self.file(self.root?)
    }

    /// Every file of the unit with its tree, in no particular order.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &Arc<File>)> {
        self.members.iter().map(|(id, m)| (*id, &m.tree))
    }

    /// How many files the unit has.
    pub fn file_count(&self) -> usize {
        self.members.len()
    }

    /// Where file `id` was read from.
    pub fn path(&self, id: FileId) -> Option<&Arc<Path>> {
        self.members.get(&id)?.path.as_ref().map(|(p, _)| p)
    }

    /// Every file read from a path, with the path, in no particular order.
    pub fn paths(&self) -> impl Iterator<Item = (FileId, &Arc<Path>)> {
        self.members
            .iter()
            .filter_map(|(id, m)| Some((*id, &m.path.as_ref()?.0)))
    }

    /// The tree of `id` if a walk in `scope` enters it: the first time
    /// its path is included there (which records it), or always for a
    /// file read from no path.
    fn enters(&self, id: FileId, scope: &mut IncludeScope) -> Option<&Arc<File>> {
        let m = self.members.get(&id)?;
        match &m.path {
            Some((_, n)) => scope.insert(*n).then_some(&m.tree),
            None => Some(&m.tree),
        }
    }

    /// The files an include item stands for (empty when missing or skipped).
    pub fn included(&self, span: Span) -> &[FileId] {
        self.includes
            .get(&(span.file, span.start))
            .map_or(&[], |ids| &ids[..])
    }

    /// Visit `items` in order with every include replaced by the items of
    /// the files it stands for. Does not enter profiles or blocks.
    ///
    /// A file already included in `scope` is skipped, as apparmor_parser
    /// skips a "duplicate include": the scope is the top level of the file
    /// being checked, or one profile with its blocks and conditionals (a
    /// child profile or hat starts its own).
    pub fn for_each_flat<'u>(
        &'u self,
        items: &'u [Item],
        scope: &mut IncludeScope,
        f: &mut dyn FnMut(&'u Item),
    ) {
        for item in items {
            match item {
                Item::Include(inc) => {
                    for id in self.included(inc.span) {
                        if let Some(file) = self.enters(*id, scope) {
                            self.for_each_flat(&file.items, scope, f);
                        }
                    }
                }
                other => f(other),
            }
        }
    }

    /// [`Unit::for_each_flat`] by stretches: `f` gets each maximal slice of
    /// one items list with no include in it, in the same order, so that a
    /// caller can tell which items stand together in one file.
    pub fn for_each_flat_slice<'u>(
        &'u self,
        items: &'u [Item],
        scope: &mut IncludeScope,
        f: &mut dyn FnMut(&'u [Item]),
    ) {
        let mut start = 0;
        for (k, item) in items.iter().enumerate() {
            let Item::Include(inc) = item else {
                continue;
            };
            if start < k {
                f(&items[start..k]);
            }
            start = k + 1;
            for id in self.included(inc.span) {
                if let Some(file) = self.enters(*id, scope) {
                    self.for_each_flat_slice(&file.items, scope, f);
                }
            }
        }
        if start < items.len() {
            f(&items[start..]);
        }
    }
}

impl Unit {
    /// What [`Unit::for_each_flat`] over `items` would enter, in order: per
    /// file entered, its id and the start of the include item that
    /// entered it, then `(u32::MAX, 0)` when it is left. With the files'
    /// texts this fixes the items visited, so it can key what a walk
    /// computed. Updates `scope` as the walk would.
    pub fn entered(&self, items: &[Item], scope: &mut IncludeScope, out: &mut Vec<(u32, u32)>) {
        for item in items {
            let Item::Include(inc) = item else {
                continue;
            };
            for id in self.included(inc.span) {
                if let Some(file) = self.enters(*id, scope) {
                    out.push((id.0, inc.span.start));
                    self.entered(&file.items, scope, out);
                    out.push((u32::MAX, 0));
                }
            }
        }
    }
}

/// The files included so far in one scope (see [`Unit::for_each_flat`]):
/// a bit per path number of the unit.
#[derive(Clone, Debug, Default)]
pub struct IncludeScope(Vec<u64>);

impl IncludeScope {
    /// The scope of the top level of `unit`'s root file: the root itself
    /// counts as included.
    pub fn top(unit: &Unit) -> IncludeScope {
        let mut s = IncludeScope::default();
        if let Some((_, n)) = unit.root.and_then(|r| unit.members.get(&r)?.path.as_ref()) {
            s.insert(*n);
        }
        s
    }

    /// Add path number `n`; whether it was new.
    fn insert(&mut self, n: u32) -> bool {
        let (word, bit) = ((n / 64) as usize, 1u64 << (n % 64));
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        let new = self.0[word] & bit == 0;
        self.0[word] |= bit;
        new
    }
}

/// An include item of a file, as the walk over includes needs it.
struct IncludeRef {
    span: Span,
    target_span: Span,
    target: IncludeTarget,
    if_exists: bool,
    /// The context the included text is read in.
    ctx: Context,
    /// Whether the target climbs out of its directory ([`climbs_out`]):
    /// known once per file, not looked for on every walk.
    climbs: bool,
}

/// A parsed file (`None` when unusable), the diagnostics reading it gave,
/// and its include items.
struct CacheEntry {
    file: Option<(FileId, Arc<File>)>,
    diags: Vec<Diagnostic>,
    includes: Arc<[IncludeRef]>,
    /// Items of the file at every nesting level ([`count_items`]).
    items: u64,
    /// Where its include items lead, once searched, and the ids each
    /// stood for last (cleared with the search results, see
    /// [`Cache::invalidate`]).
    resolved: Option<Walked>,
}

/// The files each include item of a file stood for when last walked:
/// the next input that walks it to the same files shares the list.
type LastIds = Arc<[std::sync::OnceLock<Arc<[FileId]>>]>;

/// Where a file's include items lead, and what each stood for last.
type Walked = (Resolved, LastIds);

/// Where each include item of one file leads (path numbers), in order;
/// `None` when nothing is there.
type Resolved = Arc<[Option<Arc<[u32]>>]>;

/// Parsed include files, shared by every input of one run: each file is
/// read and parsed once however many profiles include it.
#[derive(Default)]
pub struct Cache {
    /// By path number and context.
    entries: HashMap<(u32, Context), CacheEntry>,
    /// Where each include target led, as path numbers (the search path is
    /// fixed per session).
    found: HashMap<IncludeTarget, Option<Arc<[u32]>>>,
    /// Whether each `abi` target names a file (every profile names one).
    abis: HashMap<IncludeTarget, bool>,
    /// A number per path seen: the walks over includes hash and compare
    /// numbers, not paths.
    numbers: HashMap<PathBuf, u32>,
    paths: Vec<Arc<Path>>,
    /// Canonical forms of the include roots and of the directories files
    /// were read from (each is many system calls).
    canonical: HashMap<PathBuf, PathBuf>,
    stdlib: Option<Arc<MemoryFs>>,
    /// Files and include items the last input loaded: the next unit's
    /// maps start this large.
    last_unit_files: usize,
    last_unit_includes: usize,
    /// A batch's bundle of parse-cache entries ([`super::bundle`]),
    /// shared by its workers' sessions.
    pub(crate) bundle: Option<Arc<Bundle>>,
}

impl Cache {
    /// The canonical form of directory `dir`, kept for the session.
    pub fn canonical_dir(&mut self, fs: &dyn FileSystem, dir: &Path) -> PathBuf {
        if let Some(real) = self.canonical.get(dir) {
            return real.clone();
        }
        let real = fs.canonical(dir);
        self.canonical.insert(dir.to_path_buf(), real.clone());
        real
    }

    /// Forget `path` (edited, created or deleted): its parsed entries, and
    /// every include search result, since a search may now end elsewhere.
    /// Returns the ids of the source texts that are no longer used.
    pub fn invalidate(&mut self, path: &Path) -> Vec<FileId> {
        let mut freed = Vec::new();
        if let Some(&n) = self.numbers.get(path) {
            self.entries.retain(|(p, _), entry| {
                let keep = *p != n;
                if !keep {
                    freed.extend(entry.file.as_ref().map(|(id, _)| *id));
                }
                keep
            });
        }
        self.found.clear();
        self.abis.clear();
        for entry in self.entries.values_mut() {
            entry.resolved = None;
        }
        self.canonical.clear();
        freed
    }

    /// The number of `path`, given on first sight.
    fn number(&mut self, path: &Path) -> u32 {
        if let Some(&n) = self.numbers.get(path) {
            return n;
        }
        let n = self.paths.len() as u32;
        self.paths.push(Arc::from(path));
        self.numbers.insert(path.to_path_buf(), n);
        n
    }
}

pub struct Loader<'a> {
    fs: stdlib::WithStdlib<'a>,
    opts: &'a Options,
    pub sources: &'a mut SourceMap,
    pub diags: Vec<Diagnostic>,
    cache: &'a mut Cache,
    unit: Unit,
    /// Canonical directories whose files may be quoted in diagnostics:
    /// worked out when the first new file is read ([`Loader::roots`]);
    /// most inputs of a session read none.
    roots: Option<Vec<PathBuf>>,
    extra_roots: &'a [PathBuf],
    /// Where the root was read from, when from a path.
    root_path: Option<Arc<Path>>,
    /// The root's tree and parse diagnostics, when the caller parsed it.
    root_parse: Option<(Arc<File>, Vec<Diagnostic>)>,
    /// The ids of the include items being walked, innermost last.
    scratch: Vec<FileId>,
}

impl<'a> Loader<'a> {
    pub fn new(
        fs: &'a dyn FileSystem,
        sources: &'a mut SourceMap,
        opts: &'a Options,
        cache: &'a mut Cache,
    ) -> Self {
        let stdlib = Arc::clone(cache.stdlib.get_or_insert_with(stdlib::shared));
        let (room, includes) = (cache.last_unit_files, cache.last_unit_includes);
        Loader {
            fs: stdlib::WithStdlib { disk: fs, stdlib },
            opts,
            sources,
            diags: Vec::new(),
            cache,
            unit: Unit::with_capacity(room, includes),
            scratch: Vec::with_capacity(room),
            roots: None,
            extra_roots: &[],
            root_path: None,
            root_parse: None,
        }
    }

    /// The root as already parsed (a session's incremental re-parse of an
    /// edited document): [`Loader::load_root`] does not parse it again.
    pub fn with_root_parse(mut self, parsed: Option<(Arc<File>, Vec<Diagnostic>)>) -> Self {
        self.root_parse = parsed;
        self
    }

    /// Also quote files under `dirs` (the directories of the named inputs).
    pub fn with_roots(mut self, dirs: &'a [PathBuf]) -> Self {
        self.extra_roots = dirs;
        self
    }

    /// Parse the entry text and everything it includes.
    pub fn load_root(mut self, file: FileId, path: Option<PathBuf>) -> (Unit, Vec<Diagnostic>) {
        let (ast, diags) = match self.root_parse.take() {
            Some(parsed) => parsed,
            None => {
                let (ast, diags) = self.parse_file(file, Context::Top, false);
                (Arc::new(ast), diags)
            }
        };
        self.diags.extend(diags);
        self.unit.root = Some(file);
        let root_no = path.as_deref().map(|p| self.cache.number(p));
        let includes = collect_includes(&ast.items, Context::Top);
        self.check_abis(&ast.items);
        let member = Member {
            items: count_items(&ast.items),
            tree: ast,
            path: root_no.map(|n| (Arc::clone(&self.cache.paths[n as usize]), n)),
        };
        self.root_path = member.path.as_ref().map(|(p, _)| Arc::clone(p));
        self.unit.members.insert(file, member);
        // The files being included right now, as a set: the cycle check is
        // one lookup, not a walk of the whole chain.
        let mut stack = Marks::with_paths(self.cache.paths.len());
        if let Some(n) = root_no {
            stack.insert((n, Context::Top));
        }
        let mut done = Marks::with_paths(self.cache.paths.len());
        self.visit(file, &includes, None, &mut stack, 0, &mut done);
        self.bound_expansion(file);
        self.cache.last_unit_files = self.unit.members.len();
        self.cache.last_unit_includes = self.unit.includes.len();
        (self.unit, self.diags)
    }

    /// Where quoting is allowed: the search path, the embedded stdlib,
    /// the inputs' directories and this input's own, canonical.
    fn roots(&mut self) -> &[PathBuf] {
        if self.roots.is_none() {
            let mut roots = self.opts.search_dirs();
            roots.extend(self.extra_roots.iter().cloned());
            if let Some(dir) = self.root_path.as_deref().and_then(Path::parent) {
                roots.push(if dir.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    dir.to_path_buf()
                });
            }
            let roots = roots
                .iter()
                .map(|r| self.cache.canonical_dir(&self.fs, r))
                .collect();
            self.roots = Some(roots);
        }
        self.roots.as_deref().unwrap_or_default()
    }

    /// When the includes would expand to more than [`MAX_EXPANDED_ITEMS`]
    /// items, keep only the first inclusion of each file (in expansion
    /// order) and say so: then the expansion is at most the input's size.
    fn bound_expansion(&mut self, root: FileId) {
        if self.expanded_size(root) <= MAX_EXPANDED_ITEMS {
            return;
        }
        let mut by_file: HashMap<FileId, Vec<(u32, Vec<FileId>)>> = HashMap::default();
        for ((f, start), ids) in &self.unit.includes {
            by_file.entry(*f).or_default().push((*start, ids.to_vec()));
        }
        for v in by_file.values_mut() {
            v.sort_by_key(|(start, _)| *start);
        }
        let mut seen = HashSet::from_iter([root]);
        let mut first_cut: Option<(FileId, u32)> = None;
        let mut work = vec![root];
        while let Some(f) = work.pop() {
            let Some(children) = by_file.get(&f) else {
                continue;
            };
            let mut next = Vec::new();
            for (start, ids) in children {
                let kept: Vec<FileId> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
                if kept.len() != ids.len() {
                    first_cut.get_or_insert((f, *start));
                }
                next.extend(kept.iter().copied());
                self.unit.includes.insert((f, *start), kept.into());
            }
            work.extend(next.into_iter().rev());
        }
        if let Some((f, start)) = first_cut {
            // The include item's target, looked up only here (rare).
            let at = self
                .unit
                .file(f)
                .and_then(|file| {
                    collect_includes(&file.items, Context::Top)
                        .into_iter()
                        .find(|inc| inc.span.start == start)
                })
                .map_or_else(
                    || Span::new(f, start as usize, start as usize),
                    |inc| inc.target_span,
                );
            self.diags.push(
                Diagnostic::error(
                    INCLUDE_EXPANSION_TOO_LARGE,
                    format!("the includes expand to more than {MAX_EXPANDED_ITEMS} rules"),
                )
                .at(at, "a file included again from here")
                .with_help("files are included many times over (each includes the next more than once); only the first inclusion of each file is checked"),
            );
        }
    }

    /// Items of `root` with every include expanded, saturating. Sizes
    /// are summed in any order, so the includes are only borrowed and
    /// grouped by file, not copied and sorted (this runs per input).
    fn expanded_size(&self, root: FileId) -> u64 {
        let mut by_file: HashMap<FileId, Vec<&[FileId]>> =
            HashMap::with_capacity_and_hasher(self.unit.members.len(), Default::default());
        for ((f, _), ids) in &self.unit.includes {
            by_file.entry(*f).or_default().push(&ids[..]);
        }
        let own = &self.unit.members;
        // Expanded size of each file, bottom up (the include graph is
        // acyclic: the loader skips an include of a file being included).
        // `None` while in progress, so that a cycle (there is none) could not loop.
        let mut size: HashMap<FileId, Option<u64>> =
            HashMap::with_capacity_and_hasher(self.unit.members.len(), Default::default());
        let mut work = vec![(root, false)];
        while let Some((f, expanded)) = work.pop() {
            let children = by_file.get(&f).map_or(&[][..], Vec::as_slice);
            if expanded {
                let total = children
                    .iter()
                    .flat_map(|ids| ids.iter())
                    .fold(own.get(&f).map_or(0, |m| m.items), |acc, id| {
                        acc.saturating_add(size.get(id).copied().flatten().unwrap_or(0))
                    });
                size.insert(f, Some(total));
                continue;
            }
            if size.contains_key(&f) {
                continue;
            }
            size.insert(f, None);
            work.push((f, true));
            for ids in children {
                work.extend(
                    ids.iter()
                        .filter(|id| !size.contains_key(id))
                        .map(|id| (*id, false)),
                );
            }
        }
        size.get(&root).copied().flatten().unwrap_or(0)
    }

    /// Follow the `includes` of `file`; `resolved` is where each leads
    /// when known (a cache entry's), else each target is searched (the
    /// root: it may be an edited text).
    fn visit(
        &mut self,
        file: FileId,
        includes: &[IncludeRef],
        resolved: Option<&Walked>,
        stack: &mut Marks,
        depth: usize,
        done: &mut Marks,
    ) {
        for (k, inc) in includes.iter().enumerate() {
            let target_span = inc.target_span;
            if inc.climbs {
                let name = climbs_out(&inc.target).unwrap_or_default();
                self.diags.push(
                    Diagnostic::warning(
                        INCLUDE_OUTSIDE_ROOT,
                        format!("`{name}` climbs out of its include directory with `..`"),
                    )
                    .at(target_span, "leaves the directory it is searched in")
                    .with_help("name the file inside the include path (`-I`, `--base`), or by an absolute path if it really lives elsewhere"),
                );
            }
            if depth >= MAX_INCLUDE_DEPTH {
                self.diags.push(
                    Diagnostic::error(
                        INCLUDE_TOO_DEEP,
                        format!("includes nest more than {MAX_INCLUDE_DEPTH} deep"),
                    )
                    .at(target_span, "not followed")
                    .with_help("include the shared files from one place instead of chaining them"),
                );
                continue;
            }
            let searched;
            let found = match resolved {
                Some((r, _)) => r.get(k).and_then(Option::as_deref),
                None => {
                    searched = self.find_numbers(&inc.target);
                    searched.as_deref()
                }
            };
            let Some(numbers) = found else {
                if !inc.if_exists {
                    self.not_found(target_span, &inc.target);
                }
                continue;
            };
            let start = self.scratch.len();
            for &no in numbers {
                let key = (no, inc.ctx);
                if stack.contains(key) {
                    self.diags.push(
                        Diagnostic::warning(
                            INCLUDE_CYCLE,
                            format!(
                                "`{}` includes itself",
                                self.cache.paths[no as usize].display()
                            ),
                        )
                        .at(
                            target_span,
                            "this include is skipped: the file is already being included",
                        )
                        .with_help(
                            "remove the include, or move shared rules into a file both can include",
                        ),
                    );
                    continue;
                }
                let Some(id) = self.load(no, inc.ctx, target_span) else {
                    continue;
                };
                self.scratch.push(id);
                if done.insert(key) {
                    stack.insert(key);
                    self.visit_entry(id, key, stack, depth + 1, done);
                    stack.remove(key);
                }
            }
            // Nested items pushed and took back their own ids: this
            // item's are on top. Most items stand for the same files as
            // last time: share that list rather than allocate one.
            let ids = &self.scratch[start..];
            let last = resolved.and_then(|(_, last)| last.get(k));
            let ids: Arc<[FileId]> = match last.map(|l| l.get_or_init(|| Arc::from(ids))) {
                Some(l) if l[..] == ids[..] => Arc::clone(l),
                _ => Arc::from(ids),
            };
            self.scratch.truncate(start);
            self.unit.includes.insert((file, inc.span.start), ids);
        }
    }

    /// [`Loader::visit`] of the loaded file `file`, cache entry `key`.
    fn visit_entry(
        &mut self,
        file: FileId,
        key: (u32, Context),
        stack: &mut Marks,
        depth: usize,
        done: &mut Marks,
    ) {
        // Every input walks the same shared files again: their includes'
        // search results are looked up once per file, not once per target.
        let Some((includes, resolved)) = self.prepared(key, depth < MAX_INCLUDE_DEPTH) else {
            return;
        };
        self.visit(file, &includes, resolved.as_ref(), stack, depth, done);
    }

    fn not_found(&mut self, span: Span, target: &IncludeTarget) {
        let (what, help) = match target {
            IncludeTarget::Search(n) => (
                format!("cannot find `<{n}>` in the include path"),
                format!(
                    "searched: {}; add a directory with `-I DIR`",
                    self.opts
                        .search_dirs()
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            IncludeTarget::Path(n) => (
                format!("cannot find `{n}`"),
                format!(
                    "a quoted relative include resolves against the working directory `{}`, as apparmor_parser resolves it, not against `--base`; use `<...>` to search the include path, or `include if exists` for optional files",
                    self.opts.cwd.as_deref().unwrap_or(Path::new(".")).display()
                ),
            ),
        };
        self.diags.push(
            Diagnostic::error(INCLUDE_NOT_FOUND, what)
                .at(span, "not found")
                .with_help(help),
        );
    }

    /// The files an include target names, or `None` when nothing is there.
    pub fn find(&mut self, target: &IncludeTarget) -> Option<Vec<PathBuf>> {
        let found = self.find_numbers(target)?;
        Some(
            found
                .iter()
                .map(|&n| self.cache.paths[n as usize].to_path_buf())
                .collect(),
        )
    }

    /// The include items of the cache entry `key` and, when `resolve`,
    /// where each leads ([`Loader::find_numbers`]), kept for the session.
    fn prepared(
        &mut self,
        key: (u32, Context),
        resolve: bool,
    ) -> Option<(Arc<[IncludeRef]>, Option<Walked>)> {
        let entry = self.cache.entries.get(&key)?;
        let includes = Arc::clone(&entry.includes);
        if !resolve {
            return Some((includes, None));
        }
        if let Some((r, last)) = &entry.resolved {
            return Some((includes, Some((Arc::clone(r), Arc::clone(last)))));
        }
        let r: Resolved = includes
            .iter()
            .map(|inc| self.find_numbers(&inc.target))
            .collect();
        let last: LastIds = r.iter().map(|_| Default::default()).collect();
        if let Some(entry) = self.cache.entries.get_mut(&key) {
            entry.resolved = Some((Arc::clone(&r), Arc::clone(&last)));
        }
        Some((includes, Some((r, last))))
    }

    /// [`Loader::find`] as path numbers, kept for the session.
    fn find_numbers(&mut self, target: &IncludeTarget) -> Option<Arc<[u32]>> {
        if let Some(found) = self.cache.found.get(target) {
            return found.clone();
        }
        let found: Option<Arc<[u32]>> = self
            .search(target)
            .map(|paths| paths.iter().map(|p| self.cache.number(p)).collect());
        self.cache.found.insert(target.clone(), found.clone());
        found
    }

    fn search(&self, target: &IncludeTarget) -> Option<Vec<PathBuf>> {
        // What is there is asked once per candidate (a `stat` each).
        let (path, kind) = match target {
            IncludeTarget::Search(name) => self.opts.search_path().find_map(|d| {
                let p = d.join(name);
                self.fs.kind(&p).map(|k| (p, k))
            })?,
            // `"path"` and bare paths: absolute, or relative to the working
            // directory, as apparmor_parser resolves them (3.0.8 and 4.1,
            // with -b or without), never to the base directory.
            IncludeTarget::Path(name) => {
                let p = Path::new(name);
                let p = match &self.opts.cwd {
                    Some(dir) if p.is_relative() => dir.join(p),
                    _ => p.to_path_buf(),
                };
                let kind = self.fs.kind(&p)?;
                (p, kind)
            }
        };
        match kind {
            Kind::File => Some(vec![path]),
            Kind::Dir => {
                let mut names = self.fs.read_dir(&path).ok()?;
                names.sort();
                Some(
                    names
                        .into_iter()
                        .filter(|n| !skipped_in_dir(n))
                        .map(|n| path.join(n))
                        .filter(|p| self.fs.kind(p) == Some(Kind::File))
                        .collect(),
                )
            }
        }
    }

    /// Every `abi` target must exist (its content is a kernel feature list
    /// that profilec does not need to read).
    fn check_abis(&mut self, items: &[Item]) {
        for item in items {
            let abi = match item {
                Item::Abi(a) => a,
                Item::Profile(p) => {
                    self.check_abis(&p.items);
                    continue;
                }
                _ => continue,
            };
            let found = match &abi.target {
                IncludeTarget::Search(n) if n == "kernel" || n == "default" => true,
                t => match self.cache.abis.get(t) {
                    Some(&found) => found,
                    None => {
                        // `find` gives files only (a `stat` each already).
                        let found = matches!(self.find(t), Some(v) if v.len() == 1);
                        self.cache.abis.insert(t.clone(), found);
                        found
                    }
                },
            };
            if !found {
                self.diags.push(
                    Diagnostic::error(
                        ABI_NOT_FOUND,
                        format!("cannot find the feature abi `{}`", abi.target.name()),
                    )
                    .at(abi.target_span, "no such abi file")
                    .with_help(
                        "abi files live under `abi/` in the include path, e.g. `abi <abi/3.0>,`",
                    ),
                );
            }
        }
    }

    /// Load the file of path number `no` into the unit: its id.
    fn load(&mut self, no: u32, ctx: Context, at: Span) -> Option<FileId> {
        let key = (no, ctx);
        let entry = match self.cache.entries.get(&key) {
            Some(entry) => entry,
            None => {
                let path = self.cache.paths[no as usize].clone();
                let entry = self.read_and_parse(&path, ctx, at);
                self.cache.entries.entry(key).or_insert(entry)
            }
        };
        self.diags.extend(entry.diags.iter().cloned());
        let (id, file) = entry.file.as_ref()?;
        let id = *id;
        match self.unit.members.entry(id) {
            // Included before by this input (from another file): it is
            // there already.
            Entry::Occupied(_) if self.unit.root != Some(id) => {}
            // The root, read again as an include: its own tree stays,
            // counted as this entry, placed if it was not.
            Entry::Occupied(mut e) => {
                let m = e.get_mut();
                m.items = entry.items;
                let path = &self.cache.paths[no as usize];
                m.path.get_or_insert_with(|| (Arc::clone(path), no));
            }
            Entry::Vacant(e) => {
                e.insert(Member {
                    tree: Arc::clone(file),
                    path: Some((Arc::clone(&self.cache.paths[no as usize]), no)),
                    items: entry.items,
                });
            }
        }
        Some(id)
    }

    fn read_and_parse(&mut self, path: &Path, ctx: Context, at: Span) -> CacheEntry {
        let display = path.display().to_string();
        let mut diags = Vec::new();
        let (read, real) =
            self.fs
                .read_placed(path, self.opts.max_input, &mut self.cache.canonical);
        let loaded = load::load_read(&self.fs, self.sources, path, &display, read, &mut diags);
        // A file outside every root (`include "/etc/shadow"`) is read as
        // the reference reads it, but never quoted: see `diag::redact`.
        let real = real.unwrap_or_else(|| self.fs.canonical(path));
        let hidden = !self.roots().iter().any(|r| real.starts_with(r));
        if hidden {
            self.sources.set_hidden(loaded.file);
        }
        if !loaded.usable {
            let diags = diags
                .into_iter()
                .map(|d| {
                    Diagnostic::error(
                        INCLUDE_UNREADABLE,
                        format!("cannot use included file `{display}`"),
                    )
                    .at(at, d.message.clone())
                    .with_secondary(d.primary.as_ref().map_or(at, |l| l.span), "here")
                })
                .collect();
            return CacheEntry {
                file: None,
                diags,
                includes: Arc::from([]),
                items: 0,
                resolved: None,
            };
        }
        let (ast, parse_diags) = self.parse_file(loaded.file, ctx, hidden);
        let before = self.diags.len();
        self.check_abis(&ast.items);
        let mut diags = parse_diags;
        diags.extend(self.diags.drain(before..));
        CacheEntry {
            includes: collect_includes(&ast.items, ctx).into(),
            items: count_items(&ast.items),
            file: Some((loaded.file, Arc::new(ast))),
            diags,
            resolved: None,
        }
    }
}

impl Loader<'_> {
    /// Parse a file, through the parse cache when there is one (never for
    /// a file outside the roots: its text is not copied).
    fn parse_file(&self, file: FileId, ctx: Context, hidden: bool) -> (File, Vec<Diagnostic>) {
        let text = self.sources.text(file);
        let cache = self.opts.parse_cache.as_deref().filter(|_| !hidden);
        let bundle = self.cache.bundle.as_deref();
        if let Some(parsed) = cache.and_then(|dir| parse_cache::load(dir, bundle, text, ctx, file))
        {
            return parsed;
        }
        let (tree, diags) = parse_apparmor(file, text, ctx);
        if let Some(dir) = cache {
            parse_cache::store(dir, bundle, text, ctx, &tree, &diags);
        }
        (tree, diags)
    }
}

/// The name of a relative include that goes above its starting directory
/// (`<../../etc/shadow>`, `"abstractions/../../x"`).
fn climbs_out(target: &IncludeTarget) -> Option<&str> {
    let name = match target {
        IncludeTarget::Search(n) => n,
        IncludeTarget::Path(n) if !n.starts_with('/') => n,
        IncludeTarget::Path(_) => return None,
    };
    let mut depth: i64 = 0;
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => depth -= 1,
            _ => depth += 1,
        }
        if depth < 0 {
            return Some(name);
        }
    }
    None
}

/// Items of a file at every nesting level (includes not followed).
fn count_items(items: &[Item]) -> u64 {
    items
        .iter()
        .map(|i| {
            1 + match i {
                Item::Profile(p) => count_items(&p.items),
                Item::Block(b) => count_items(&b.items),
                Item::If(i) => {
                    let mut n = count_items(&i.then);
                    let mut e = i.otherwise.as_ref();
                    while let Some(branch) = e {
                        match branch {
                            crate::syntax::ast::Else::Block(items, _) => {
                                n += count_items(items);
                                e = None;
                            }
                            crate::syntax::ast::Else::If(inner) => {
                                n += count_items(&inner.then);
                                e = inner.otherwise.as_ref();
                            }
                        }
                    }
                    n
                }
                _ => 0,
            }
        })
        .sum()
}

/// Include items of a file with the context their text is read in.
fn collect_includes(items: &[Item], ctx: Context) -> Vec<IncludeRef> {
    let mut out = Vec::new();
    collect_into(items, ctx, &mut out);
    out
}

fn collect_into(items: &[Item], ctx: Context, out: &mut Vec<IncludeRef>) {
    for item in items {
        match item {
            Item::Include(i) => out.push(IncludeRef {
                span: i.span,
                target_span: i.target_span,
                target: i.target.clone(),
                if_exists: i.if_exists,
                ctx,
                climbs: climbs_out(&i.target).is_some(),
            }),
            Item::Profile(p) => collect_into(&p.items, Context::Body, out),
            Item::Block(b) => collect_into(&b.items, Context::Body, out),
            Item::If(i) => {
                collect_into(&i.then, Context::Body, out);
                let mut e = i.otherwise.as_ref();
                while let Some(branch) = e {
                    match branch {
                        crate::syntax::ast::Else::Block(items, _) => {
                            collect_into(items, Context::Body, out);
                            e = None;
                        }
                        crate::syntax::ast::Else::If(inner) => {
                            collect_into(&inner.then, Context::Body, out);
                            e = inner.otherwise.as_ref();
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
