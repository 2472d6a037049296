//! The embedded include tree (`stdlib/apparmor/`), searched after every real
//! include directory.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::hashing::HashMap;
use crate::input::fs::{FileSystem, Kind, MemoryFs};

/// Where the embedded tree appears in include search and in diagnostics.
pub const ROOT: &str = "<stdlib>";

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../../stdlib/apparmor/", $name)))),*]
    };
}

const FILES: &[(&str, &str)] = embed!(
    "abi/3.0",
    "abi/4.0",
    "tunables/alias",
    "tunables/apparmorfs",
    "tunables/etc",
    "tunables/global",
    "tunables/home",
    "tunables/kernelvars",
    "tunables/multiarch",
    "tunables/proc",
    "tunables/run",
    "tunables/securityfs",
    "tunables/share",
    "tunables/sys",
    "tunables/xdg-user-dirs",
);

pub fn root() -> PathBuf {
    PathBuf::from(ROOT)
}

/// The embedded tree, built once per process and shared by every session
/// (each worker of a batch built its own copy).
pub fn shared() -> Arc<MemoryFs> {
    static TREE: std::sync::OnceLock<Arc<MemoryFs>> = std::sync::OnceLock::new();
    Arc::clone(TREE.get_or_init(|| Arc::new(fs())))
}

/// The embedded tree as a file system rooted at [`ROOT`].
pub fn fs() -> MemoryFs {
    let mut fs = MemoryFs::new();
    for (name, text) in FILES {
        fs.insert(Path::new(ROOT).join(name), text.as_bytes().to_vec());
    }
    fs
}

/// The file system includes are read from: the embedded tree at [`ROOT`]
/// and the disk (or an editor's documents over it) everywhere else. A
/// path under `<stdlib>` is the embedded tree's alone: a directory of that
/// name wherever profilec runs cannot stand in for it, and the disk is not
/// asked about it (a failed `statx` for every include search that falls
/// through to the embedded tree).
pub struct WithStdlib<'a> {
    pub disk: &'a dyn FileSystem,
    pub stdlib: Arc<MemoryFs>,
}

impl WithStdlib<'_> {
    fn pick(&self, path: &Path) -> &dyn FileSystem {
        match path.components().next() {
            Some(Component::Normal(first)) if first == ROOT => &*self.stdlib,
            _ => self.disk,
        }
    }
}

impl FileSystem for WithStdlib<'_> {
    fn kind(&self, path: &Path) -> Option<Kind> {
        self.pick(path).kind(path)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.pick(path).read(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        self.pick(path).read_dir(path)
    }

    fn read_bounded(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        self.pick(path).read_bounded(path, limit)
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        self.pick(path).canonical(path)
    }

    fn canonical_in(&self, path: &Path, dirs: &mut HashMap<PathBuf, PathBuf>) -> Option<PathBuf> {
        self.pick(path).canonical_in(path, dirs)
    }

    fn read_placed(
        &self,
        path: &Path,
        limit: u64,
        dirs: &mut HashMap<PathBuf, PathBuf>,
    ) -> (io::Result<Vec<u8>>, Option<PathBuf>) {
        self.pick(path).read_placed(path, limit, dirs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdlib_paths_are_the_embedded_trees_and_others_the_disks() {
        let mut disk = MemoryFs::new();
        disk.insert("<stdlib>/tunables/global", "shadow");
        disk.insert("/etc/apparmor.d/tunables/global", "disk");
        let fs = WithStdlib {
            disk: &disk,
            stdlib: Arc::new(super::fs()),
        };
        let global = fs.read(Path::new("<stdlib>/tunables/global")).unwrap();
        assert_ne!(global, b"shadow");
        assert!(String::from_utf8(global)
            .unwrap()
            .contains("include <tunables/home>"));
        assert_eq!(fs.kind(Path::new("<stdlib>/tunables")), Some(Kind::Dir));
        assert_eq!(fs.kind(Path::new("<stdlib>/nope")), None);
        assert!(fs
            .read_dir(Path::new("<stdlib>/tunables"))
            .unwrap()
            .contains(&"global".to_string()));
        assert_eq!(
            fs.read(Path::new("/etc/apparmor.d/tunables/global"))
                .unwrap(),
            b"disk"
        );
        // The embedded tree is only at its root.
        assert_eq!(fs.kind(Path::new("/tunables/global")), None);
    }
}
