//! Writing outputs: a file is replaced atomically (a temporary file in the
//! same directory, renamed over the target), so no reader ever sees a
//! half-written file and a failed run leaves the old file as it was.
//!
//! The replacement keeps what the old file had, or is refused:
//! - mode (setuid, setgid and sticky bits included), owner and group, and
//!   every extended attribute (SELinux labels, ACLs, user attributes); a
//!   user who cannot give the new file the old owner (another user's file
//!   in a directory the user may write) is refused, not silently made owner;
//! - a read-only file (no write bit at all) is refused unless forced;
//! - a file with more than one hard link is refused: a rename would split
//!   the links (the other names would keep the old text), and writing in
//!   place would give up atomicity;
//! - a file that changed since it was read (another editor, an appended
//!   line) is refused: its content is compared just before the rename.
//!
//! Temporary files in flight are registered, so that the command line can
//! remove them when it is interrupted ([`remove_pending`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::diag::{codes, Diagnostic, Span};

/// How to replace a file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Replace<'a> {
    /// The content the new text was made from: if the file no longer holds
    /// it, nothing is written.
    pub original: Option<&'a [u8]>,
    /// Rewrite a read-only file too.
    pub force: bool,
}

/// Why a file was not replaced.
#[derive(Debug)]
pub enum WriteError {
    ReadOnly,
    HardLinks(u64),
    /// The new file could not be given the old owner and group.
    Owner {
        uid: u32,
        gid: u32,
    },
    /// The mode bits did not stick (e.g. setgid for a group not ours).
    Mode(u32),
    Xattr(String, std::io::Error),
    Changed,
    Io(std::io::Error),
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> WriteError {
        WriteError::Io(e)
    }
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::ReadOnly => write!(f, "the file is read-only"),
            WriteError::HardLinks(n) => write!(f, "the file has {n} hard links"),
            WriteError::Owner { uid, gid } => {
                write!(f, "cannot keep its owner {uid} and group {gid}")
            }
            WriteError::Mode(m) => write!(f, "cannot keep its mode {m:04o}"),
            WriteError::Xattr(name, e) => {
                write!(f, "cannot keep its extended attribute `{name}`: {e}")
            }
            WriteError::Changed => write!(f, "the file changed after it was read"),
            WriteError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl WriteError {
    /// The diagnostic for `display`, anchored at `span`.
    pub fn diagnostic(&self, display: &str, span: Span) -> Diagnostic {
        let (code, help) = match self {
            WriteError::ReadOnly => (
                codes::WRITE_READ_ONLY,
                "make it writable, or give `--force` to rewrite it anyway",
            ),
            WriteError::HardLinks(_) => (
                codes::WRITE_HARD_LINK,
                "replacing it would split the links (the other names would keep the old text); print the canonical text with `profilec fmt FILE` and copy it in place",
            ),
            WriteError::Owner { .. } | WriteError::Mode(_) | WriteError::Xattr(..) => (
                codes::WRITE_METADATA,
                "the rewritten file would lose what the old one had; run as the file's owner (or root)",
            ),
            WriteError::Changed => (
                codes::WRITE_CHANGED,
                "something else wrote to it while it was formatted; run `profilec fmt --write` again",
            ),
            WriteError::Io(_) => (codes::WRITE_FAILED, "the file is left as it was"),
        };
        Diagnostic::error(code, format!("`{display}` not rewritten: {self}"))
            .at(span, "left unchanged")
            .with_help(help)
    }
}

/// Temporary files being written, for [`remove_pending`].
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remove every temporary file a replacement has in flight (the command
/// line calls this on SIGINT and SIGTERM, then exits).
pub fn remove_pending() {
    remove_pending_where(|_| true);
}

/// Remove the temporary files in flight that `which` selects (a test
/// selects its own: other tests' replacements run at the same time).
fn remove_pending_where(which: impl Fn(&Path) -> bool) {
    if let Ok(mut pending) = PENDING.lock() {
        pending.retain(|p| {
            if which(p) {
                let _ = std::fs::remove_file(p);
                false
            } else {
                true
            }
        });
    }
}

/// Registers a temporary file for its lifetime.
struct Pending(PathBuf);

impl Pending {
    fn new(p: &Path) -> Pending {
        if let Ok(mut pending) = PENDING.lock() {
            pending.push(p.to_path_buf());
        }
        Pending(p.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Ok(mut pending) = PENDING.lock() {
            pending.retain(|p| p != &self.0);
        }
    }
}

/// Replace `path` with `bytes` (see the module documentation for what is
/// kept and what is refused), without a change check.
pub fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_with(path, bytes, Replace::default()).map_err(|e| match e {
        WriteError::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    })
}

/// Replace `path` with `bytes`, keeping its metadata or refusing.
pub fn replace_with(path: &Path, bytes: &[u8], how: Replace) -> Result<(), WriteError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // Write through a symlink to the file it names, as an editor would.
    let target = std::fs::canonicalize(path)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let meta = std::fs::metadata(&target)?;
    let mode = meta.mode() & 0o7777;
    if mode & 0o222 == 0 && !how.force {
        return Err(WriteError::ReadOnly);
    }
    if meta.nlink() > 1 {
        return Err(WriteError::HardLinks(meta.nlink()));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".profilec-fmt-")
        .tempfile_in(&dir)?;
    let _pending = Pending::new(tmp.path());
    tmp.write_all(bytes)?;
    #[cfg(debug_assertions)]
    pause_for_tests();
    // Owner first: chown clears setuid and setgid, so the mode comes after.
    let ours = tmp.as_file().metadata()?;
    if (ours.uid(), ours.gid()) != (meta.uid(), meta.gid())
        && std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid())).is_err()
    {
        return Err(WriteError::Owner {
            uid: meta.uid(),
            gid: meta.gid(),
        });
    }
    copy_xattrs(&target, tmp.as_file())?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    let now = tmp.as_file().metadata()?.mode() & 0o7777;
    if now != mode {
        return Err(WriteError::Mode(mode));
    }
    tmp.as_file().sync_all()?;
    if let Some(original) = how.original {
        // As late as possible: what is there now must be what was read.
        let again = std::fs::metadata(&target)?;
        let same_file = (again.dev(), again.ino()) == (meta.dev(), meta.ino());
        let current = crate::input::fs::read_regular(&target, original.len() as u64 + 1)
            .map_err(|_| WriteError::Changed)?;
        if !same_file || current != original {
            return Err(WriteError::Changed);
        }
    }
    tmp.persist(&target).map_err(|e| WriteError::Io(e.error))?;
    Ok(())
}

/// Debug builds only: `PROFILEC_TEST_WRITE_PAUSE_MS=N` waits N ms with the
/// temporary file written, so that tests can interrupt a write or change
/// the target under it.
#[cfg(debug_assertions)]
fn pause_for_tests() {
    if let Some(ms) = std::env::var("PROFILEC_TEST_WRITE_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Copy every extended attribute of `from` onto `to` (ACLs and security
/// labels are attributes too).
fn copy_xattrs(from: &Path, to: &std::fs::File) -> Result<(), WriteError> {
    use xattr::FileExt;
    let names = match xattr::list(from) {
        Ok(n) => n,
        // A file system without extended attributes has none to keep.
        Err(e) if e.raw_os_error() == Some(libc::ENOTSUP) => return Ok(()),
        Err(e) => return Err(WriteError::Xattr("*".into(), e)),
    };
    for name in names {
        let shown = name.to_string_lossy().into_owned();
        let value = xattr::get(from, &name).map_err(|e| WriteError::Xattr(shown.clone(), e))?;
        if let Some(v) = value {
            to.set_xattr(&name, &v)
                .map_err(|e| WriteError::Xattr(shown.clone(), e))?;
        }
    }
    Ok(())
}

/// Put a cache entry at `path` (a file only profilec reads back, checked
/// on reading): written whole to a temporary file in the same directory,
/// then renamed over, so a reader never sees half of it. No fsync: a lost
/// entry after a crash is only a cache miss. The directory is made, mode
/// 0700, when missing.
pub fn store_cache_entry(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Keep the `keep` most recently written files of cache directory `dir`
/// and remove the rest (links and directories are left alone). Failures
/// are ignored: a cache is only ever a cache.
pub fn prune_cache_dir(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let md = e.metadata().ok().filter(std::fs::Metadata::is_file)?;
            Some((md.modified().ok()?, e.path()))
        })
        .collect();
    if files.len() <= keep {
        return;
    }
    // Newest first; the same time falls back to the name, for a stable order.
    files.sort_unstable_by(|a, b| b.cmp(a));
    for (_, path) in files.into_iter().skip(keep) {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_changed_after_it_was_read_is_not_replaced() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let p = dir.path().join("f");
        assert!(std::fs::write(&p, "old\nappended\n").is_ok());
        let how = Replace {
            original: Some(b"old\n"),
            force: false,
        };
        let r = replace_with(&p, b"new\n", how);
        assert!(matches!(r, Err(WriteError::Changed)), "{r:?}");
        assert_eq!(
            std::fs::read(&p).ok().as_deref(),
            Some(&b"old\nappended\n"[..])
        );
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .map(|rd| rd.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(names.len(), 1, "{names:?}");
        let how = Replace {
            original: Some(b"old\nappended\n"),
            force: false,
        };
        assert!(replace_with(&p, b"new\n", how).is_ok());
        assert_eq!(std::fs::read(&p).ok().as_deref(), Some(&b"new\n"[..]));
    }

    #[test]
    fn pending_temporaries_are_removed_on_request() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let p = dir.path().join(".profilec-fmt-x");
        assert!(std::fs::write(&p, "partial").is_ok());
        let guard = Pending::new(&p);
        remove_pending_where(|q| q.starts_with(dir.path()));
        assert!(!p.exists());
        drop(guard);
    }

    #[test]
    fn pruning_a_cache_directory_keeps_the_newest_files() {
        let Ok(dir) = tempfile::tempdir() else { return };
        for (i, name) in ["a", "b", "c", "d"].iter().enumerate() {
            let p = dir.path().join(name);
            assert!(std::fs::write(&p, name).is_ok());
            let t =
                std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i as u64);
            let f = std::fs::File::options().write(true).open(&p).unwrap();
            f.set_modified(t).unwrap();
        }
        assert!(std::fs::create_dir(dir.path().join("sub")).is_ok());
        prune_cache_dir(dir.path(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["c", "d", "sub"]);
        prune_cache_dir(dir.path(), 2);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }
}
