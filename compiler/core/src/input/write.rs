//! Writing outputs: a file is replaced atomically (a temporary file in the
//! same directory, renamed over the target), so no reader ever sees a
//! half-written file and a failed run leaves the old file as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Replace `path` with `text` so that no reader ever sees a half-written
/// file: write a temporary file in the same directory, give it the
/// permissions (and, where allowed, the owner) of the original, and rename
/// it over the original.
pub fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Write through a symlink to the file it names, as an editor would.
    let target = std::fs::canonicalize(path)?;
    let dir = target.parent().map_or(dir, Path::to_path_buf);
    let meta = std::fs::metadata(&target)?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    std::fs::set_permissions(tmp.path(), meta.permissions())?;
    // Keep the owner too where we may (root rewriting /etc/apparmor.d);
    // otherwise the file is ours, as an editor would leave it.
    {
        use std::os::unix::fs::MetadataExt;
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}
