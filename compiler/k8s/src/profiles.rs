//! A profile set: what `profilec build` wrote (`OUTDIR/apparmor/NAME`,
//! `OUTDIR/seccomp/NAME.json`), read through core's file door, and its
//! content hash.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use profilec_core::diag::{codes, Diagnostic, SourceMap, Span};
use profilec_core::input::fs::{FileSystem, Kind};
use profilec_core::input::load;

/// What the API server stores in one ConfigMap, at most (1 MiB).
pub const CONFIGMAP_LIMIT: usize = 1024 * 1024;

/// The profiles of one build output, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileSet {
    /// AppArmor profile name -> policy text.
    pub apparmor: BTreeMap<String, String>,
    /// seccomp profile name (file name without `.json`) -> JSON text.
    pub seccomp: BTreeMap<String, String>,
}

/// A name that can be a ConfigMap key part, a file name and a profile
/// reference: letters, digits, `.`, `_`, `-`, not starting with `.`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Files a directory listing should skip: dot-files and editor or package
/// manager backups (as AppArmor's directory includes do).
fn skipped(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || [
            ".dpkg-new",
            ".dpkg-old",
            ".dpkg-dist",
            ".dpkg-bak",
            ".rpmnew",
            ".rpmsave",
            ".orig",
            ".rej",
            ".tmp",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

impl ProfileSet {
    pub fn is_empty(&self) -> bool {
        self.apparmor.is_empty() && self.seccomp.is_empty()
    }

    /// Every profile name, AppArmor or seccomp, sorted, once.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .apparmor
            .keys()
            .chain(self.seccomp.keys())
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The ConfigMap data: `apparmor.NAME` and `seccomp.NAME.json`.
    pub fn config_data(&self) -> BTreeMap<String, String> {
        let mut data = BTreeMap::new();
        for (n, t) in &self.apparmor {
            data.insert(format!("apparmor.{n}"), t.clone());
        }
        for (n, t) in &self.seccomp {
            data.insert(format!("seccomp.{n}.json"), t.clone());
        }
        data
    }

    /// The content hash the loader computes over the mounted ConfigMap
    /// (see `loader.sh`, `config_hash`): sha256 over the lines
    /// `<sha256 of value>  <key>` in key order, 32 hex digits.
    pub fn hash(&self) -> String {
        let mut listing = String::new();
        for (k, v) in self.config_data() {
            listing.push_str(&hex(&Sha256::digest(v.as_bytes())));
            listing.push_str("  ");
            listing.push_str(&k);
            listing.push('\n');
        }
        let mut h = hex(&Sha256::digest(listing.as_bytes()));
        h.truncate(32);
        h
    }

    /// The set of a build's planned outputs (paths relative to the output
    /// directory: `apparmor/NAME`, `seccomp/NAME.json`; other paths are
    /// not profiles and are left out). `profilec build --k8s` uses this, so
    /// that files left in the output directory by older builds do not
    /// reach the cluster.
    pub fn from_outputs<'a>(
        outputs: impl IntoIterator<Item = (&'a Path, &'a [u8])>,
        sources: &mut SourceMap,
        diags: &mut Vec<Diagnostic>,
    ) -> ProfileSet {
        let mut set = ProfileSet::default();
        for (path, bytes) in outputs {
            let mut parts = path.iter().filter_map(|p| p.to_str());
            let (Some(dir), Some(file), None) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            let name = match dir {
                "apparmor" => file,
                "seccomp" => match file.strip_suffix(".json") {
                    Some(n) => n,
                    None => continue,
                },
                _ => continue,
            };
            let display = path.display().to_string();
            if !valid_name(name) {
                problem(
                    diags,
                    sources,
                    display,
                    format!("the profile name `{name}` cannot be used in Kubernetes"),
                    "profile names for Kubernetes use letters, digits, `.`, `_` and `-`, and do not start with `.`",
                );
                continue;
            }
            let Ok(text) = std::str::from_utf8(bytes) else {
                problem(
                    diags,
                    sources,
                    display.clone(),
                    format!("`{display}` is not UTF-8 text"),
                    "a ConfigMap's `data` holds text only",
                );
                continue;
            };
            let map = if dir == "seccomp" {
                &mut set.seccomp
            } else {
                &mut set.apparmor
            };
            map.insert(name.to_string(), text.to_string());
        }
        set.check_size("the build output", sources, diags);
        set
    }

    /// A set must fit in one ConfigMap.
    fn check_size(&self, shown: &str, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) {
        let size: usize = self
            .config_data()
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum();
        if size > CONFIGMAP_LIMIT {
            problem(
                diags,
                sources,
                shown.to_string(),
                format!("the profiles of `{shown}` take {size} bytes, more than a ConfigMap holds ({CONFIGMAP_LIMIT})"),
                "split the profiles into several sets (`--set`), each built into its own directory",
            );
        }
    }

    /// Read `OUTDIR/apparmor/*` and `OUTDIR/seccomp/*.json`. Problems are
    /// diagnostics anchored on the file (or directory) they concern.
    pub fn read(
        fs: &dyn FileSystem,
        outdir: &Path,
        sources: &mut SourceMap,
        diags: &mut Vec<Diagnostic>,
    ) -> ProfileSet {
        let mut set = ProfileSet::default();
        let shown = outdir.display().to_string();
        if fs.kind(outdir) != Some(Kind::Dir) {
            problem(
                diags,
                sources,
                shown.clone(),
                format!("`{shown}` is not a directory"),
                "name the output directory of `profilec build` (it holds `apparmor/` and `seccomp/`)",
            );
            return set;
        }
        for (sub, seccomp) in [("apparmor", false), ("seccomp", true)] {
            let dir = outdir.join(sub);
            if fs.kind(&dir) != Some(Kind::Dir) {
                continue;
            }
            let mut entries = match fs.read_dir(&dir) {
                Ok(e) => e,
                Err(e) => {
                    problem(
                        diags,
                        sources,
                        dir.display().to_string(),
                        format!("cannot list `{}`: {e}", dir.display()),
                        "check the directory's permissions",
                    );
                    continue;
                }
            };
            entries.sort();
            for entry in entries {
                if skipped(&entry) {
                    continue;
                }
                let path = dir.join(&entry);
                if fs.kind(&path) != Some(Kind::File) {
                    continue;
                }
                let name = if seccomp {
                    match entry.strip_suffix(".json") {
                        Some(n) => n.to_string(),
                        None => continue,
                    }
                } else {
                    entry.clone()
                };
                let display = path.display().to_string();
                if !valid_name(&name) {
                    problem(
                        diags,
                        sources,
                        display,
                        format!("the profile name `{name}` cannot be used in Kubernetes"),
                        "profile names for Kubernetes use letters, digits, `.`, `_` and `-`, and do not start with `.`",
                    );
                    continue;
                }
                let mut local = Vec::new();
                let loaded = load::load(
                    fs,
                    sources,
                    &path,
                    &display,
                    profilec_core::input::fs::DEFAULT_MAX_INPUT,
                    &mut local,
                );
                diags.extend(local);
                if !loaded.usable {
                    continue;
                }
                let text = sources.text(loaded.file).to_string();
                if seccomp {
                    set.seccomp.insert(name, text);
                } else {
                    set.apparmor.insert(name, text);
                }
            }
        }
        set.check_size(&shown, sources, diags);
        if set.is_empty() {
            problem(
                diags,
                sources,
                shown.clone(),
                format!("`{shown}` holds no profiles"),
                "expected `apparmor/NAME` and `seccomp/NAME.json` files, as `profilec build` writes them",
            );
        }
        set
    }
}

fn problem(
    diags: &mut Vec<Diagnostic>,
    sources: &mut SourceMap,
    name: String,
    msg: String,
    help: &str,
) {
    let id = sources.add(name, "");
    diags.push(
        Diagnostic::of(codes::K8S_PROFILE_SET, msg)
            .at(Span::new(id, 0, 0), "here")
            .with_help(help.to_string()),
    );
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use profilec_core::input::fs::MemoryFs;
    use std::path::PathBuf;

    #[test]
    fn reads_a_build_output() {
        let mut fs = MemoryFs::new();
        fs.insert("/out/apparmor/web", "profile web {}\n");
        fs.insert("/out/apparmor/web~", "backup\n");
        fs.insert("/out/seccomp/web.json", "{}\n");
        fs.insert("/out/seccomp/notes.txt", "x\n");
        fs.insert("/out/apparmor/bad name", "profile x {}\n");
        let mut sources = SourceMap::new();
        let mut diags = Vec::new();
        let set = ProfileSet::read(&fs, Path::new("/out"), &mut sources, &mut diags);
        assert_eq!(set.apparmor.keys().collect::<Vec<_>>(), ["web"]);
        assert_eq!(set.seccomp.keys().collect::<Vec<_>>(), ["web"]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "k8s-profile-set");
        assert_eq!(
            diags[0].message,
            "the profile name `bad name` cannot be used in Kubernetes"
        );
    }

    #[test]
    fn from_build_outputs() {
        let outputs: Vec<(PathBuf, Vec<u8>)> = vec![
            (PathBuf::from("apparmor/web"), b"profile web {}\n".to_vec()),
            (PathBuf::from("seccomp/web.json"), b"{}\n".to_vec()),
            (PathBuf::from("seccomp/notes.txt"), b"x".to_vec()),
            (PathBuf::from("web.d"), b"x".to_vec()),
            (PathBuf::from("apparmor/.hidden"), b"x".to_vec()),
        ];
        let mut sources = SourceMap::new();
        let mut diags = Vec::new();
        let set = ProfileSet::from_outputs(
            outputs.iter().map(|(p, b)| (p.as_path(), b.as_slice())),
            &mut sources,
            &mut diags,
        );
        assert_eq!(set.names(), ["web"]);
        assert_eq!(set.seccomp["web"], "{}\n");
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].message,
            "the profile name `.hidden` cannot be used in Kubernetes"
        );
    }

    #[test]
    fn a_set_larger_than_a_configmap_is_refused() {
        let mut fs = MemoryFs::new();
        let big = format!("profile a {{\n{}}}\n", "  /x r,\n".repeat(80_000));
        fs.insert("/out/apparmor/a", big.clone());
        fs.insert("/out/apparmor/b", big);
        let mut sources = SourceMap::new();
        let mut diags = Vec::new();
        ProfileSet::read(&fs, Path::new("/out"), &mut sources, &mut diags);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "k8s-profile-set");
        assert!(
            diags[0]
                .message
                .starts_with("the profiles of `/out` take 1280"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn hash_is_that_of_sha256sum_listing() {
        let mut set = ProfileSet::default();
        set.apparmor.insert("a".into(), "x\n".into());
        // printf 'x\n' | sha256sum -> 7a31...; the listing's hash is fixed.
        let h = set.hash();
        assert_eq!(h.len(), 32);
        assert_eq!(h, set.clone().hash());
        set.seccomp.insert("a".into(), "{}".into());
        assert_ne!(h, set.hash());
    }
}
