//! profilec-k8s: the Kubernetes side of profilec.
//!
//! - [`manifests`]: from a build output ([`profiles::ProfileSet`]) to node
//!   loading manifests (a DaemonSet running [`manifests::LOADER_SCRIPT`])
//!   and per-profile pod snippets;
//! - [`lint`]: pods and pod templates checked for the profile references
//!   Kubernetes would reject or fail on at run time.
//!
//! Kubernetes objects are k8s-openapi types, both ways. YAML is read by
//! [`yaml`] (saphyr-parser events, every value with its span, bounded) and
//! written by [`emit`]. Depends on profilec-core for diagnostics and file
//! access; core knows nothing of Kubernetes.
#![forbid(unsafe_code)]

pub mod emit;
pub mod lint;
pub mod manifests;
pub mod profiles;
pub mod yaml;

pub use manifests::{generate, Options};
pub use profiles::ProfileSet;

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Write generated files under `dir`: a file whose bytes are already right
/// is left alone; others are written to a temporary file in the same
/// directory and renamed over the target (core's `input::write` for files
/// that exist). Returns the paths written.
pub fn write_files(
    dir: &Path,
    files: &[manifests::File],
) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut written = Vec::new();
    for f in files {
        let target = dir.join(&f.path);
        if std::fs::read(&target).is_ok_and(|b| b == f.text.as_bytes()) {
            continue;
        }
        write_one(&target, f.text.as_bytes()).map_err(|e| (target.clone(), e))?;
        written.push(target);
    }
    Ok(written)
}

/// A generated file that is missing or differs from what is on disk.
#[derive(Debug)]
pub struct Stale {
    pub path: PathBuf,
    pub missing: bool,
    /// Unified diff from the file on disk to the generated text.
    pub diff: String,
}

/// Compare generated files with `dir`; nothing is written.
pub fn stale_files(dir: &Path, files: &[manifests::File]) -> Vec<Stale> {
    let mut out = Vec::new();
    for f in files {
        let target = dir.join(&f.path);
        let on_disk = std::fs::read(&target).ok();
        if on_disk.as_deref() == Some(f.text.as_bytes()) {
            continue;
        }
        let old = on_disk
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let shown = target.display().to_string();
        let from = if on_disk.is_some() {
            format!("{shown} (on disk)")
        } else {
            "/dev/null".to_string()
        };
        let diff = similar::TextDiff::from_lines(old.as_str(), f.text.as_str())
            .unified_diff()
            .header(&from, &format!("{shown} (generated)"))
            .to_string();
        out.push(Stale {
            path: target,
            missing: on_disk.is_none(),
            diff,
        });
    }
    out
}

fn write_one(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if target.exists() {
        return profilec_core::input::write::replace_file(target, bytes);
    }
    let parent = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let mut tmp = tempfile::NamedTempFile::new_in(parent)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}
