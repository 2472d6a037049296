//! Outputs on disk: atomic writes that leave unchanged files alone (their
//! mtime stays, so make does not rebuild what depends on them), `--check`
//! diffs, and make-style depfiles.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::Output;
use crate::input::write::replace_file;

/// Threads that write outputs.
const IO_THREADS: usize = 16;

/// What [`write`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
}

/// Write every output under `outdir`. A file whose bytes are already right
/// is not touched; others are replaced atomically (a temporary file in the
/// same directory, renamed over the target).
pub fn write(outdir: &Path, outputs: &[Output]) -> Result<Written, (PathBuf, std::io::Error)> {
    // Each write waits on its own fsync, not on the CPU: many threads
    // overlap them (the file system commits them together).
    let results = super::par_map_on(IO_THREADS, outputs, |o| {
        let target = outdir.join(&o.path);
        if read_output(&target).is_ok_and(|b| b == o.bytes) {
            return Ok((target, false));
        }
        match write_one(&target, &o.bytes) {
            Ok(()) => Ok((target, true)),
            Err(e) => Err((target, e)),
        }
    });
    let mut done = Written::default();
    for r in results {
        let (target, written) = r?;
        if written {
            done.written.push(target);
        } else {
            done.unchanged.push(target);
        }
    }
    Ok(done)
}

/// An output as it is on disk, through the bounded reader: a FIFO or a
/// device put where an output goes must not block or flood the build.
fn read_output(target: &Path) -> std::io::Result<Vec<u8>> {
    crate::input::fs::read_regular(target, crate::input::fs::DEFAULT_MAX_INPUT)
}

fn write_one(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if target.exists() {
        return replace_file(target, bytes);
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // A new file gets ordinary permissions (a temporary file has 0600).
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// An output that is missing or differs from what is on disk.
#[derive(Debug)]
pub struct Stale {
    pub path: PathBuf,
    pub missing: bool,
    /// Unified diff from the file on disk to the planned bytes.
    pub diff: String,
}

/// Compare the planned outputs with `outdir`; nothing is written.
pub fn check(outdir: &Path, outputs: &[Output]) -> Vec<Stale> {
    let mut out = Vec::new();
    for o in outputs {
        let target = outdir.join(&o.path);
        let on_disk = read_output(&target).ok();
        if on_disk.as_deref() == Some(o.bytes.as_slice()) {
            continue;
        }
        let old = on_disk
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let new = String::from_utf8_lossy(&o.bytes);
        let shown = target.display().to_string();
        let diff = similar::TextDiff::from_lines(old.as_str(), new.as_ref())
            .unified_diff()
            .header(
                &if on_disk.is_some() {
                    format!("{shown} (on disk)")
                } else {
                    "/dev/null".to_string()
                },
                &format!("{shown} (built)"),
            )
            .to_string();
        out.push(Stale {
            path: target,
            missing: on_disk.is_none(),
            diff,
        });
    }
    out
}

/// Escape a path for a make rule.
fn make_escape(p: &Path) -> String {
    let s = p.display().to_string();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' | '#' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '$' => out.push_str("$$"),
            _ => out.push(c),
        }
    }
    out
}

/// Make rules: each output depends on its inputs, imports and includes.
pub fn depfile(outdir: &Path, outputs: &[Output]) -> String {
    let mut s = String::new();
    for o in outputs {
        s.push_str(&make_escape(&outdir.join(&o.path)));
        s.push(':');
        for d in &o.deps {
            s.push(' ');
            s.push_str(&make_escape(d));
        }
        s.push('\n');
    }
    s
}
