//! `profilec build --verify`: every AppArmor output is compiled by
//! `apparmor_parser -QK` (no kernel load, no cache) before anything is
//! written. The outputs go to a temporary directory for it. With no parser
//! installed, nothing is verified and [`Verified::parser`] says so.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Output;

/// The reference parser: on PATH, else where Debian installs it.
fn parser() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("apparmor_parser"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let p = PathBuf::from("/usr/sbin/apparmor_parser");
        p.is_file().then_some(p)
    })
}

/// What `--verify` found.
#[derive(Debug, Default)]
pub struct Verified {
    /// The parser used; `None` when it is not installed.
    pub parser: Option<PathBuf>,
    /// (output path, why) for every AppArmor output it rejects.
    pub rejected: Vec<(PathBuf, String)>,
}

/// Compile every AppArmor output with `apparmor_parser -QK -b BASE [-I DIR]...`.
pub fn verify(outputs: &[Output], include: &[PathBuf], base: &Path) -> Verified {
    let Some(parser) = parser() else {
        return Verified::default();
    };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            return Verified {
                parser: Some(parser),
                rejected: vec![(PathBuf::from("."), format!("no temporary directory: {e}"))],
            }
        }
    };
    let mut rejected = Vec::new();
    for o in outputs.iter().filter(|o| o.path.starts_with("apparmor")) {
        let file = dir.path().join(o.path.file_name().unwrap_or_default());
        if let Err(e) = std::fs::write(&file, &o.bytes) {
            rejected.push((o.path.clone(), e.to_string()));
            continue;
        }
        let mut cmd = Command::new(&parser);
        cmd.arg("-QK").arg("-b").arg(base);
        for i in include {
            cmd.arg("-I").arg(i);
        }
        cmd.arg(&file);
        match cmd.output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                let why: String = String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .filter(|l| !l.starts_with("Cache read/write disabled"))
                    .collect::<Vec<_>>()
                    .join("; ");
                rejected.push((o.path.clone(), why));
            }
            Err(e) => rejected.push((o.path.clone(), e.to_string())),
        }
    }
    Verified {
        parser: Some(parser),
        rejected,
    }
}
