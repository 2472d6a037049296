//! Helpers and corpora shared by the integration tests (each test file
//! includes this module with `mod common;` and uses what it needs): the
//! Debian-packaged profiles, the conformance suite, the fmt golden inputs.
#![allow(dead_code)]

pub mod golden;
pub mod reference;

use std::path::{Path, PathBuf};

/// The real disk with relative paths taken from the workspace top, so that
/// names in diagnostics read `tests/data/...` wherever the workspace is and
/// whatever the test's working directory.
pub struct Rooted(pub PathBuf);

impl Rooted {
    fn abs(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.0.join(p)
        }
    }
}

impl profilec_core::input::fs::FileSystem for Rooted {
    fn kind(&self, path: &Path) -> Option<profilec_core::input::fs::Kind> {
        profilec_core::input::fs::RealFs.kind(&self.abs(path))
    }
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        profilec_core::input::fs::RealFs.read(&self.abs(path))
    }
    fn read_dir(&self, path: &Path) -> std::io::Result<Vec<String>> {
        profilec_core::input::fs::RealFs.read_dir(&self.abs(path))
    }
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The conformance suite (`CONFORMANCE_SUITE=DIR` points at another copy).
pub fn suite_dir() -> PathBuf {
    match std::env::var_os("CONFORMANCE_SUITE") {
        Some(d) => PathBuf::from(d),
        None => workspace().join("../shared/conformance/apparmor-suite"),
    }
}

fn read_text(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    String::from_utf8(bytes).ok()
}

/// The regular files directly in `dir`, sorted; none when it is missing.
pub fn regular_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// (name, text) of every Debian profile: the top-level regular files of
/// /etc/apparmor.d and the files of /usr/share/apparmor/extra-profiles
/// except its README.
pub fn debian_corpus() -> Vec<(String, String)> {
    let mut files = regular_files(Path::new("/etc/apparmor.d"));
    files.extend(
        regular_files(Path::new("/usr/share/apparmor/extra-profiles"))
            .into_iter()
            .filter(|p| p.file_name().is_none_or(|n| n != "README")),
    );
    files
        .iter()
        .filter_map(|p| Some((p.display().to_string(), read_text(p)?)))
        .collect()
}

/// The include files of rules of the Debian corpus: every file under
/// /etc/apparmor.d/abstractions.
pub fn debian_include_files() -> Vec<(String, String)> {
    include_files(Path::new("/etc/apparmor.d"))
}

/// The top-level regular files of a profile directory.
pub fn profile_files(dir: &Path) -> Vec<(String, String)> {
    regular_files(dir)
        .iter()
        .filter_map(|p| Some((p.display().to_string(), read_text(p)?)))
        .collect()
}

/// Every file under `DIR/abstractions`.
pub fn include_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("abstractions")];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Some(t) = read_text(&p) {
                out.push((p.display().to_string(), t));
            }
        }
    }
    out.sort();
    out
}

fn collect_sd(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_sd(&p, out);
        } else if p.extension().is_some_and(|x| x == "sd") {
            out.push(p);
        }
    }
}

/// (name, text) of every expected-PASS case that is neither TODO nor
/// DISABLED, with its `#=` header lines blanked (line numbers kept).
pub fn conformance_cases(suite: &Path) -> Vec<(String, String)> {
    conformance_cases_where(suite, true)
}

/// Every case that is neither TODO nor DISABLED, PASS or FAIL.
pub fn all_conformance_cases(suite: &Path) -> Vec<(String, String)> {
    conformance_cases_where(suite, false)
}

fn conformance_cases_where(suite: &Path, pass_only: bool) -> Vec<(String, String)> {
    let mut files = Vec::new();
    collect_sd(suite, &mut files);
    files.sort();
    let mut out = Vec::new();
    'files: for path in files {
        let Some(raw) = read_text(&path) else {
            continue;
        };
        let mut pass = false;
        let mut text = String::new();
        for line in raw.split_inclusive('\n') {
            match line.trim_start().strip_prefix("#=") {
                Some(h) => {
                    let h = h.trim();
                    if h.starts_with("TODO") || h.starts_with("DISABLED") {
                        continue 'files;
                    }
                    if let Some(r) = h.strip_prefix("EXRESULT") {
                        pass = r.trim() == "PASS";
                    }
                    text.push('\n');
                }
                None => text.push_str(line),
            }
        }
        if pass || !pass_only {
            let name = path
                .strip_prefix(suite)
                .unwrap_or(&path)
                .display()
                .to_string();
            out.push((name, text));
        }
    }
    out
}

/// The working directory the suite's cases expect: `tst/` whose
/// `simple_tests/` is the suite.
pub struct ConformanceDir {
    tmp: tempfile::TempDir,
}

impl ConformanceDir {
    pub fn new(suite: &Path) -> Result<ConformanceDir, String> {
        let tmp = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let tst = tmp.path().join("tst");
        std::fs::create_dir(&tst).map_err(|e| format!("mkdir tst: {e}"))?;
        let suite =
            std::fs::canonicalize(suite).map_err(|e| format!("{}: {e}", suite.display()))?;
        std::os::unix::fs::symlink(&suite, tst.join("simple_tests"))
            .map_err(|e| format!("symlink: {e}"))?;
        Ok(ConformanceDir { tmp })
    }

    pub fn path(&self) -> PathBuf {
        self.tmp.path().join("tst")
    }
}

pub fn golden_dir() -> PathBuf {
    workspace().join("tests/data/fmt")
}

/// (name, text) of the golden inputs `tests/data/fmt/*.sd`.
pub fn golden_inputs() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = regular_files(&golden_dir())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "sd"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|p| Some((p.display().to_string(), read_text(p)?)))
        .collect()
}

/// Where Debian's `apparmor` and `apparmor-profiles` packages put profiles.
pub const ETC_APPARMOR: &str = "/etc/apparmor.d";
/// Where `apparmor-profiles` puts the profiles that are not enabled by default.
pub const EXTRA_PROFILES: &str = "/usr/share/apparmor/extra-profiles";

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
