//! Helpers shared by the integration tests (each test file includes this
//! module with `mod common;` and uses what it needs).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Where Debian's `apparmor` and `apparmor-profiles` packages put profiles.
pub const ETC_APPARMOR: &str = "/etc/apparmor.d";
/// Where `apparmor-profiles` puts the profiles that are not enabled by default.
pub const EXTRA_PROFILES: &str = "/usr/share/apparmor/extra-profiles";

/// The top of the workspace (the directory holding `compiler/`).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("compiler/ has a parent")
        .to_path_buf()
}

/// Every Debian-packaged profile: the regular files at the top level of
/// /etc/apparmor.d and every file of /usr/share/apparmor/extra-profiles
/// except its README. Sorted. An error when a directory is missing or holds
/// no profile, so that a test built on it cannot pass by checking nothing.
pub fn debian_profiles() -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for dir in [ETC_APPARMOR, EXTRA_PROFILES] {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            format!(
                "cannot read {dir}: {e}\n\
                 the Debian profile corpus is missing: run `sudo scripts/install-deps.sh` \
                 (packages apparmor, apparmor-profiles, apparmor-profiles-extra)"
            )
        })?;
        let before = out.len();
        for e in entries {
            let e = e.map_err(|e| format!("cannot list {dir}: {e}"))?;
            let path = e.path();
            if path.file_name().is_some_and(|n| n == "README") {
                continue;
            }
            if path.is_file() {
                out.push(path);
            }
        }
        if out.len() == before {
            return Err(format!(
                "no profiles in {dir}: run `sudo scripts/install-deps.sh` \
                 (packages apparmor, apparmor-profiles, apparmor-profiles-extra)"
            ));
        }
    }
    out.sort();
    Ok(out)
}

/// The conformance suite shared outside the repository (see
/// `compiler/tests/conformance.rs`); `CONFORMANCE_SUITE` overrides it.
pub fn conformance_suite() -> PathBuf {
    match std::env::var_os("CONFORMANCE_SUITE") {
        Some(d) => PathBuf::from(d),
        None => workspace().join("../shared/conformance/apparmor-suite"),
    }
}

/// Every file under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.is_file() {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}
