//! The one door to files: real disk, the embedded stdlib, in-memory documents.
//!
//! Everything that reads a profile, an include or a directory listing goes
//! through [`FileSystem`], so the editor can check unsaved buffers and tests
//! can run without touching the disk.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use crate::hashing::HashMap;

/// Inputs larger than this are refused unless the user raises the limit
/// (`--max-input-size`): far above any real profile (the largest Debian
/// profile is under 100 KiB), far below what would exhaust memory.
pub const DEFAULT_MAX_INPUT: u64 = 64 * 1024 * 1024;

/// Why the bounded reader refused a path (carried inside an `io::Error` so
/// that every [`FileSystem`] keeps one error type; see [`refusal`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a regular file: a FIFO, a device, a socket (what it is).
    NotRegular(&'static str),
    /// Larger than the limit (`size` is a lower bound when unknown up front).
    TooLarge { size: u64, limit: u64 },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotRegular(what) => write!(f, "{what}, not a regular file"),
            Refusal::TooLarge { size, limit } => {
                write!(f, "{size} bytes, more than the limit of {limit} bytes")
            }
        }
    }
}

impl std::error::Error for Refusal {}

/// The [`Refusal`] inside an error from [`FileSystem::read_bounded`], if any.
pub fn refusal(e: &io::Error) -> Option<&Refusal> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Refusal>())
}

fn refuse(r: Refusal) -> io::Error {
    let kind = match r {
        Refusal::NotRegular(_) => io::ErrorKind::InvalidInput,
        Refusal::TooLarge { .. } => io::ErrorKind::FileTooLarge,
    };
    io::Error::new(kind, r)
}

/// Read at most `limit` bytes from `r`; more is a [`Refusal::TooLarge`].
/// Used for stdin and for files whose size `stat` does not tell (`/proc`).
pub fn read_limited(mut r: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    r.by_ref()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(refuse(Refusal::TooLarge {
            size: bytes.len() as u64,
            limit,
        }));
    }
    Ok(bytes)
}

/// The one bounded reader of the real disk: opens without blocking (a FIFO
/// with no writer would block an ordinary `open`), refuses anything that is
/// not a regular file and anything over `limit` by `fstat` before reading a
/// byte (a 1 GB sparse file costs nothing), and still stops at `limit` if
/// the file grows or lies about its size.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_opened(open_nonblocking(path, 0)?, limit)
}

/// `path` opened for reading without blocking and without becoming the
/// controlling terminal, with `extra` flags.
fn open_nonblocking(path: &Path, extra: i32) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | extra)
        .open(path)
}

/// The rest of [`read_regular`], on a file it opened.
fn read_opened(file: std::fs::File, limit: u64) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::FileTypeExt;
    let md = file.metadata()?;
    let ft = md.file_type();
    if ft.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    }
    if !ft.is_file() {
        let what = if ft.is_fifo() {
            "a FIFO"
        } else if ft.is_char_device() {
            "a character device"
        } else if ft.is_block_device() {
            "a block device"
        } else if ft.is_socket() {
            "a socket"
        } else {
            "a special file"
        };
        return Err(refuse(Refusal::NotRegular(what)));
    }
    if md.len() > limit {
        return Err(refuse(Refusal::TooLarge {
            size: md.len(),
            limit,
        }));
    }
    if md.len() == 0 {
        // `/proc` and the like say 0 and still have text.
        return read_limited(file, limit);
    }
    // The size `fstat` gave and no more: one `read` instead of a second
    // one that only meets the end (a file that grows meanwhile is read as
    // it was; one that shrinks ends early).
    let mut bytes = Vec::with_capacity(usize::try_from(md.len()).unwrap_or(0));
    file.take(md.len()).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `path` with `.` and `..` resolved by name only (no links followed).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
}

/// `Sync`: a check runs on its own thread (see `driver`).
pub trait FileSystem: Sync {
    /// What is at `path`, following links; `None` when nothing is there.
    fn kind(&self, path: &Path) -> Option<Kind>;
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Entry names (not paths) of a directory, in any order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>>;
    /// Read at most `limit` bytes; a larger file is a [`Refusal`]. The real
    /// disk also refuses FIFOs and devices without blocking on them.
    fn read_bounded(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        let bytes = self.read(path)?;
        if bytes.len() as u64 > limit {
            return Err(refuse(Refusal::TooLarge {
                size: bytes.len() as u64,
                limit,
            }));
        }
        Ok(bytes)
    }
    /// Where `path` really is, to decide whether it lies inside the include
    /// roots: links resolved on the real disk, `..` resolved by name here.
    fn canonical(&self, path: &Path) -> PathBuf {
        normalize(path)
    }
    /// [`FileSystem::canonical`] of a path that is there (`None` when
    /// nothing is), keeping the canonical form of each directory in `dirs`:
    /// on the real disk a file then costs one `lstat`, not a `readlink`
    /// per component of its path.
    fn canonical_in(&self, path: &Path, dirs: &mut HashMap<PathBuf, PathBuf>) -> Option<PathBuf> {
        let _ = dirs;
        self.kind(path).map(|_| self.canonical(path))
    }
    /// [`FileSystem::read_bounded`] and [`FileSystem::canonical_in`] of one
    /// path at once, as the include loader needs them for every file: the
    /// real disk tells a link apart by the open itself (no `lstat`).
    fn read_placed(
        &self,
        path: &Path,
        limit: u64,
        dirs: &mut HashMap<PathBuf, PathBuf>,
    ) -> (io::Result<Vec<u8>>, Option<PathBuf>) {
        (
            self.read_bounded(path, limit),
            self.canonical_in(path, dirs),
        )
    }
}

/// The real file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFs;

impl FileSystem for RealFs {
    fn kind(&self, path: &Path) -> Option<Kind> {
        let md = std::fs::metadata(path).ok()?;
        Some(if md.is_dir() { Kind::Dir } else { Kind::File })
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        read_regular(path, DEFAULT_MAX_INPUT)
    }

    fn read_bounded(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        read_regular(path, limit)
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
    }

    fn canonical_in(&self, path: &Path, dirs: &mut HashMap<PathBuf, PathBuf>) -> Option<PathBuf> {
        let md = std::fs::symlink_metadata(path).ok()?;
        self.placed(path, md.file_type().is_symlink(), dirs)
    }

    fn read_placed(
        &self,
        path: &Path,
        limit: u64,
        dirs: &mut HashMap<PathBuf, PathBuf>,
    ) -> (io::Result<Vec<u8>>, Option<PathBuf>) {
        // `O_NOFOLLOW` fails on a link (and only then with `ELOOP` when the
        // path itself resolves): a file it opens is not one.
        match open_nonblocking(path, libc::O_NOFOLLOW) {
            Ok(file) => (read_opened(file, limit), self.placed(path, false, dirs)),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => (
                self.read_bounded(path, limit),
                self.canonical_in(path, dirs),
            ),
            Err(e) => (Err(e), self.canonical_in(path, dirs)),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(path)? {
            out.push(e?.file_name().to_string_lossy().into_owned());
        }
        Ok(out)
    }
}

impl RealFs {
    /// [`FileSystem::canonical_in`] of a path that is there, `link`
    /// telling whether its last component is a symbolic link.
    fn placed(
        &self,
        path: &Path,
        link: bool,
        dirs: &mut HashMap<PathBuf, PathBuf>,
    ) -> Option<PathBuf> {
        // realpath(dir/name) is realpath(dir)/name when name is not a link;
        // a link, `..` or a trailing `/` takes the whole walk.
        let name = match path.components().next_back() {
            Some(Component::Normal(name))
                if !link && !path.as_os_str().as_encoded_bytes().ends_with(b"/") =>
            {
                name
            }
            _ => return self.kind(path).map(|_| self.canonical(path)),
        };
        let dir = match path.parent() {
            Some(d) if d.as_os_str().is_empty() => Path::new("."),
            Some(d) => d,
            None => return Some(self.canonical(path)),
        };
        if let Some(real) = dirs.get(dir) {
            return Some(real.join(name));
        }
        match std::fs::canonicalize(dir) {
            Ok(real) => {
                let out = real.join(name);
                dirs.insert(dir.to_path_buf(), real);
                Some(out)
            }
            Err(_) => Some(self.canonical(path)),
        }
    }
}

/// Files held in memory: the editor's open documents, tests, the stdlib.
#[derive(Clone, Debug, Default)]
pub struct MemoryFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
    /// The first component every file's path starts with, when they all
    /// share one: a path that starts otherwise is not here, known without
    /// a lookup (the stdlib layer, all under `<stdlib>`, is asked about
    /// every include that misses on disk; issue 13).
    first: First,
}

#[derive(Clone, Debug, Default)]
enum First {
    #[default]
    NoFiles,
    /// The component as text (on Unix each kind of component has texts
    /// of its own: `/`, `.`, `..`, or a name without `/`).
    Shared(std::ffi::OsString),
    Mixed,
}

fn first_component(path: &Path) -> Option<&std::ffi::OsStr> {
    path.components().next().map(|c| c.as_os_str())
}

impl MemoryFs {
    pub fn new() -> MemoryFs {
        MemoryFs::default()
    }

    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<Vec<u8>>) {
        let path = path.into();
        let first = first_component(&path);
        let shared = matches!((&self.first, first), (First::Shared(s), Some(c)) if s == c);
        if !shared {
            self.first = match (&self.first, first) {
                (First::NoFiles, Some(c)) => First::Shared(c.to_owned()),
                _ => First::Mixed,
            };
        }
        self.files.insert(path, text.into());
    }
}

impl FileSystem for MemoryFs {
    fn kind(&self, path: &Path) -> Option<Kind> {
        // A file here is `path` or under it: their first components are
        // equal (an empty `path` has none, and is looked up).
        if let (First::Shared(s), Some(c)) = (&self.first, first_component(path)) {
            if s != c {
                return None;
            }
        }
        // Paths order by components, so the files under `path` come right
        // after it: one lookup, not a scan of every key (the stdlib layer
        // is asked about every include that misses on disk).
        let (next, _) = self
            .files
            .range::<Path, _>((std::ops::Bound::Included(path), std::ops::Bound::Unbounded))
            .next()?;
        if next.as_path() == path {
            Some(Kind::File)
        } else {
            next.starts_with(path).then_some(Kind::Dir)
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.files.get(path) {
            Some(b) => Ok(b.clone()),
            None if self.kind(path) == Some(Kind::Dir) => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )),
            None => Err(io::Error::new(io::ErrorKind::NotFound, "not found")),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|p| p.strip_prefix(path).ok())
            .filter_map(|rest| rest.components().next())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        names.dedup();
        if names.is_empty() {
            return Err(io::Error::new(io::ErrorKind::NotFound, "not found"));
        }
        Ok(names)
    }
}

/// `first` where it has the path, else `second`: open editor buffers over
/// the disk, or a real include directory over the embedded stdlib.
pub struct Layered<A, B> {
    pub first: A,
    pub second: B,
}

impl<A: FileSystem, B: FileSystem> FileSystem for Layered<A, B> {
    fn kind(&self, path: &Path) -> Option<Kind> {
        self.first.kind(path).or_else(|| self.second.kind(path))
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.first.kind(path) {
            Some(_) => self.first.read(path),
            None => self.second.read(path),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        match self.first.kind(path) {
            Some(_) => self.first.read_dir(path),
            None => self.second.read_dir(path),
        }
    }

    fn read_bounded(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        // Asked only when the read fails: one system call less per file.
        match self.first.read_bounded(path, limit) {
            Err(_) if self.first.kind(path).is_none() => self.second.read_bounded(path, limit),
            read => read,
        }
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        match self.first.kind(path) {
            Some(_) => self.first.canonical(path),
            None => self.second.canonical(path),
        }
    }

    fn canonical_in(&self, path: &Path, dirs: &mut HashMap<PathBuf, PathBuf>) -> Option<PathBuf> {
        self.first
            .canonical_in(path, dirs)
            .or_else(|| self.second.canonical_in(path, dirs))
    }
}

impl<T: FileSystem + ?Sized> FileSystem for &T {
    fn kind(&self, path: &Path) -> Option<Kind> {
        (**self).kind(path)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        (**self).read(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        (**self).read_dir(path)
    }

    fn read_bounded(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        (**self).read_bounded(path, limit)
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        (**self).canonical(path)
    }

    fn canonical_in(&self, path: &Path, dirs: &mut HashMap<PathBuf, PathBuf>) -> Option<PathBuf> {
        (**self).canonical_in(path, dirs)
    }

    fn read_placed(
        &self,
        path: &Path,
        limit: u64,
        dirs: &mut HashMap<PathBuf, PathBuf>,
    ) -> (io::Result<Vec<u8>>, Option<PathBuf>) {
        (**self).read_placed(path, limit, dirs)
    }
}

/// Shared between loaders: the stdlib tree is built once per session, not
/// copied for every input.
impl<T: FileSystem + Send + ?Sized> FileSystem for std::sync::Arc<T> {
    fn kind(&self, path: &Path) -> Option<Kind> {
        (**self).kind(path)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        (**self).read(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        (**self).read_dir(path)
    }

    fn read_bounded(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        (**self).read_bounded(path, limit)
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        (**self).canonical(path)
    }

    fn canonical_in(&self, path: &Path, dirs: &mut HashMap<PathBuf, PathBuf>) -> Option<PathBuf> {
        (**self).canonical_in(path, dirs)
    }

    fn read_placed(
        &self,
        path: &Path,
        limit: u64,
        dirs: &mut HashMap<PathBuf, PathBuf>,
    ) -> (io::Result<Vec<u8>>, Option<PathBuf>) {
        (**self).read_placed(path, limit, dirs)
    }
}

/// The files under `dir` whose names `keep` selects, recursively, in name
/// order, hidden entries skipped: how `build` and `test` find their inputs
/// in a directory.
pub fn files_under(
    fs: &dyn FileSystem,
    dir: &Path,
    keep: &dyn Fn(&str) -> bool,
    out: &mut Vec<PathBuf>,
) {
    let Ok(mut names) = fs.read_dir(dir) else {
        return;
    };
    names.sort();
    for n in names {
        if n.starts_with('.') {
            continue;
        }
        let p = dir.join(&n);
        match fs.kind(&p) {
            Some(Kind::Dir) => files_under(fs, &p, keep, out),
            Some(Kind::File) if keep(&n) => out.push(p),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory `profilec-{tag}-PID` holding `real/sub/f`,
    /// `real/g` (with text `g`), a link to `real` (`dirlink`), one to
    /// `real/g` (`real/sub/filelink`) and one to nothing (`real/dangling`).
    fn tree_with_links(tag: &str, g: &str) -> PathBuf {
        use std::os::unix::fs::symlink;
        let base = std::env::temp_dir().join(format!("profilec-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("real/sub")).unwrap();
        std::fs::write(base.join("real/sub/f"), "x").unwrap();
        std::fs::write(base.join("real/g"), g).unwrap();
        symlink(base.join("real"), base.join("dirlink")).unwrap();
        symlink(base.join("real/g"), base.join("real/sub/filelink")).unwrap();
        symlink(base.join("nowhere"), base.join("real/dangling")).unwrap();
        base
    }

    /// The cached walk gives what `realpath` gives, links and all, and
    /// nothing for a path that is not there.
    #[test]
    fn canonical_in_agrees_with_realpath() {
        let base = tree_with_links("canon", "y");
        let mut dirs = HashMap::default();
        for _ in 0..2 {
            for p in [
                "real/sub/f",
                "real/g",
                "dirlink/sub/f",
                "dirlink/g",
                "real/sub/filelink",
                "dirlink/sub/filelink",
                "real/sub/../g",
                "real/sub/./f",
                "real/sub",
                "real/sub/",
                "dirlink",
            ] {
                let path = base.join(p);
                let want = std::fs::canonicalize(&path).unwrap();
                assert_eq!(RealFs.canonical_in(&path, &mut dirs), Some(want), "{p}");
            }
            for p in ["real/dangling", "real/missing", "missing/f"] {
                assert_eq!(RealFs.canonical_in(&base.join(p), &mut dirs), None, "{p}");
            }
        }
        assert!(!dirs.is_empty(), "directories are kept");
        std::fs::remove_dir_all(&base).unwrap();
    }

    /// Reading and placing a path at once gives what the two calls give
    /// apart, for files, links (to files, to nothing, through a linked
    /// directory), directories, FIFOs, files over the limit and nothing.
    #[test]
    fn read_placed_is_read_bounded_and_canonical_in() {
        use std::os::unix::fs::symlink;
        let base = tree_with_links("placed", "a longer text");
        symlink("loop", base.join("real/loop")).unwrap();
        let fifo = base.join("real/fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let outcome = |r: io::Result<Vec<u8>>| match r {
            Ok(bytes) => Ok(bytes),
            Err(e) => Err((e.kind(), refusal(&e).cloned())),
        };
        for limit in [100, 5] {
            let (mut apart, mut together) = (HashMap::default(), HashMap::default());
            for p in [
                "real/sub/f",
                "real/g",
                "dirlink/sub/f",
                "real/sub/filelink",
                "dirlink/sub/filelink",
                "real/sub/../g",
                "real/sub",
                "real/sub/",
                "dirlink",
                "real/dangling",
                "real/loop",
                "real/missing",
                "missing/f",
                "real/fifo",
            ] {
                if p == "real/fifo" && !matches!(made, Ok(s) if s.success()) {
                    continue;
                }
                let path = base.join(p);
                let want = (
                    outcome(RealFs.read_bounded(&path, limit)),
                    RealFs.canonical_in(&path, &mut apart),
                );
                let (read, real) = RealFs.read_placed(&path, limit, &mut together);
                assert_eq!((outcome(read), real), want, "{p}, limit {limit}");
            }
            assert_eq!(apart, together, "the same directories are kept");
        }
        std::fs::remove_dir_all(&base).unwrap();
    }

    /// A layered view reads the first layer without asking it first, and
    /// falls through to the second only where the first has nothing.
    #[test]
    fn layered_reads_and_canonical_fall_through() {
        let mut a = MemoryFs::new();
        a.insert("/x/a", "first");
        let mut b = MemoryFs::new();
        b.insert("/x/a", "second");
        b.insert("/x/b", "only second");
        let fs = Layered {
            first: a,
            second: b,
        };
        assert_eq!(fs.read_bounded(Path::new("/x/a"), 100).unwrap(), b"first");
        assert_eq!(
            fs.read_bounded(Path::new("/x/b"), 100).unwrap(),
            b"only second"
        );
        assert!(fs.read_bounded(Path::new("/x"), 100).is_err());
        assert!(fs.read_bounded(Path::new("/y"), 100).is_err());
        let mut dirs = HashMap::default();
        assert_eq!(
            fs.canonical_in(Path::new("/x/b"), &mut dirs),
            Some(PathBuf::from("/x/b"))
        );
        assert_eq!(fs.canonical_in(Path::new("/y"), &mut dirs), None);
    }

    #[test]
    fn memory_kind_tells_files_dirs_and_neighbours_apart() {
        let mut fs = MemoryFs::new();
        fs.insert("/a/b/c", "x");
        fs.insert("/a/b0", "y");
        assert_eq!(fs.kind(Path::new("/a/b/c")), Some(Kind::File));
        assert_eq!(fs.kind(Path::new("/a/b0")), Some(Kind::File));
        assert_eq!(fs.kind(Path::new("/a/b")), Some(Kind::Dir));
        assert_eq!(fs.kind(Path::new("/a")), Some(Kind::Dir));
        assert_eq!(fs.kind(Path::new("/a/b/")), Some(Kind::Dir));
        assert_eq!(fs.kind(Path::new("/a/b/c/d")), None);
        assert_eq!(fs.kind(Path::new("/a/ab")), None);
        assert_eq!(fs.kind(Path::new("/z")), None);
    }

    #[test]
    fn memory_kind_under_one_first_component_and_under_several() {
        let mut fs = MemoryFs::new();
        fs.insert("<stdlib>/tunables/global", "x");
        for (path, kind) in [
            ("<stdlib>/tunables/global", Some(Kind::File)),
            ("<stdlib>//tunables/./global", Some(Kind::File)),
            ("<stdlib>/tunables", Some(Kind::Dir)),
            ("<stdlib>", Some(Kind::Dir)),
            ("", Some(Kind::Dir)),
            ("./<stdlib>/tunables/global", None),
            ("/<stdlib>/tunables/global", None),
            ("<stdlib>x/tunables/global", None),
            ("/etc/apparmor.d/tunables/global", None),
        ] {
            assert_eq!(fs.kind(Path::new(path)), kind, "{path}");
        }
        // Files under several first components: each is still found.
        fs.insert("/etc/x", "y");
        fs.insert("rel", "z");
        assert_eq!(fs.kind(Path::new("/etc/x")), Some(Kind::File));
        assert_eq!(fs.kind(Path::new("rel")), Some(Kind::File));
        assert_eq!(fs.kind(Path::new("<stdlib>/tunables")), Some(Kind::Dir));
    }
}
