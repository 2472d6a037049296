//! `profilec build --verify`: every AppArmor output is compiled by
//! `apparmor_parser -QK` (no kernel load, no cache) before anything is
//! written. The outputs go to a temporary directory for it.

use std::path::{Path, PathBuf};
use std::process::Command;

use profilec_core::build::Output;

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

/// (output path, why) for every AppArmor output the parser rejects. With no
/// parser installed, says so and rejects nothing.
pub fn verify(outputs: &[Output], include: &[PathBuf], base: &Path) -> Vec<(PathBuf, String)> {
    let Some(parser) = parser() else {
        eprintln!("note: apparmor_parser is not installed; --verify checked nothing");
        return Vec::new();
    };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return vec![(PathBuf::from("."), format!("no temporary directory: {e}"))],
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
    rejected
}
