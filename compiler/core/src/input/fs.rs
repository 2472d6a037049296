//! The one door to files: real disk, the embedded stdlib, in-memory documents.
//!
//! Everything that reads a profile, an include or a directory listing goes
//! through [`FileSystem`], so the editor can check unsaved buffers and tests
//! can run without touching the disk.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

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
    /// The path with links and `..` resolved, where the file system has
    /// such a notion; the path itself otherwise.
    fn canonical(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
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
        std::fs::read(path)
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(path)? {
            out.push(e?.file_name().to_string_lossy().into_owned());
        }
        Ok(out)
    }
}

/// Files held in memory: the editor's open documents, tests, the stdlib.
#[derive(Clone, Debug, Default)]
pub struct MemoryFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryFs {
    pub fn new() -> MemoryFs {
        MemoryFs::default()
    }

    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), text.into());
    }
}

impl FileSystem for MemoryFs {
    fn kind(&self, path: &Path) -> Option<Kind> {
        if self.files.contains_key(path) {
            return Some(Kind::File);
        }
        let is_dir = self.files.keys().any(|p| p.starts_with(path) && p != path);
        is_dir.then_some(Kind::Dir)
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

    fn canonical(&self, path: &Path) -> PathBuf {
        match self.first.kind(path) {
            Some(_) => self.first.canonical(path),
            None => self.second.canonical(path),
        }
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

    fn canonical(&self, path: &Path) -> PathBuf {
        (**self).canonical(path)
    }
}
