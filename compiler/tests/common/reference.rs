//! Running the reference, `apparmor_parser -QK` (compile, load nothing,
//! no cache), for the differential tests: Debian 12's 3.0.8 on the PATH and
//! Debian 13's 4.1 where `scripts/fetch-apparmor-parser-4.sh` unpacked it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian 13's apparmor_parser 4.1 (`DIFF_PARSER4=PATH` overrides).
pub fn parser4() -> Option<PathBuf> {
    let p = std::env::var_os("DIFF_PARSER4")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::workspace().join("target/apparmor-4/apparmor_parser"));
    p.exists().then_some(p)
}

/// Whether `parser -QK ARGS FILE` accepts the file, run in `cwd`.
pub fn accepts(parser: &Path, args: &[&str], cwd: &Path, file: &Path) -> Option<bool> {
    let out = Command::new(parser)
        .arg("-QK")
        .args(args)
        .arg(file)
        .current_dir(cwd)
        .output()
        .ok()?;
    Some(out.status.success())
}

/// The files of `files` that `parser -QK ARGS` rejects, judged many at a
/// time: the parser goes on after a failing file and names it in an
/// "AppArmor parser error for FILE" line. A few errors name no file, so a
/// caller re-judges one by one (`accepts`) where the verdict matters.
pub fn rejected_in_batches(
    parser: &Path,
    args: &[&str],
    cwd: &Path,
    files: &[PathBuf],
) -> HashSet<PathBuf> {
    let mut rejected = HashSet::new();
    for chunk in files.chunks(400) {
        // One job: with several, the parser's messages interleave mid-line.
        let Ok(out) = Command::new(parser)
            .args(["-QK", "-j", "1"])
            .args(args)
            .args(chunk)
            .current_dir(cwd)
            .output()
        else {
            continue;
        };
        let err = String::from_utf8_lossy(&out.stderr);
        for f in chunk {
            let name = f.display().to_string();
            if err.contains(&format!("parser error for {name} "))
                || err.contains(&format!("parser error for {name}:"))
            {
                rejected.insert(f.clone());
            }
        }
    }
    rejected
}
