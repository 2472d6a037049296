//! End-to-end runs under a real runtime: a busybox container started by
//! `runc` with a seccomp profile in its OCI config.
//!
//! The bundle is built in a temporary directory: a root file system holding
//! only a static busybox, and a `config.json` from `runc spec` with the
//! profile placed verbatim under `linux.seccomp`, a non-interactive process,
//! and a private runc state directory.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Debian's `busybox-static` installs the static binary.
pub const BUSYBOX: &str = "/bin/busybox";

#[derive(Clone, Debug)]
pub struct RuncRun {
    /// Exit status of the container process (128 + signal when killed).
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// Whether an ELF64 binary asks for a dynamic loader (has a PT_INTERP header).
fn has_interpreter(elf: &[u8]) -> bool {
    let u16_at = |o: usize| {
        elf.get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u64_at = |o: usize| {
        elf.get(o..o + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    let (Some(phoff), Some(entsize), Some(num)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38)) else {
        return true;
    };
    if !elf.starts_with(b"\x7fELF") || elf.get(4) != Some(&2) {
        return true; // not an ELF64 file we can read: treat as unusable
    }
    (0..num).any(|i| {
        let at = phoff as usize + i * entsize;
        elf.get(at..at + 4)
            .is_some_and(|t| u32::from_le_bytes([t[0], t[1], t[2], t[3]]) == 3)
    })
}

/// Whether a container can be run here; the reason when it cannot.
pub fn available() -> Result<PathBuf, String> {
    let runc = find_in_path("runc").ok_or("`runc` is not installed (Debian package `runc`)")?;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("runc needs root here (the test uses a rootful bundle)".into());
    }
    let bb = std::fs::read(BUSYBOX)
        .map_err(|e| format!("{BUSYBOX}: {e} (Debian package `busybox-static`)"))?;
    // A dynamically linked busybox would need its libraries in the rootfs.
    if has_interpreter(&bb) {
        return Err(format!(
            "{BUSYBOX} is not statically linked (install `busybox-static`)"
        ));
    }
    Ok(runc)
}

/// Run `sh -c script` in a busybox container confined by `profile_json`.
pub fn run_busybox(profile_json: &str, script: &str) -> Result<RuncRun, String> {
    let runc = available()?;
    let profile: serde_json::Value =
        serde_json::from_str(profile_json).map_err(|e| format!("profile is not JSON: {e}"))?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let bundle = dir.path();
    let bin = bundle.join("rootfs/bin");
    std::fs::create_dir_all(&bin).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(bundle.join("rootfs/tmp")).map_err(|e| e.to_string())?;
    std::fs::copy(BUSYBOX, bin.join("busybox")).map_err(|e| format!("copy busybox: {e}"))?;
    std::os::unix::fs::symlink("busybox", bin.join("sh")).map_err(|e| e.to_string())?;

    let spec = Command::new(&runc)
        .args(["spec", "--bundle"])
        .arg(bundle)
        .output()
        .map_err(|e| format!("runc spec: {e}"))?;
    if !spec.status.success() {
        return Err(format!(
            "runc spec failed: {}",
            String::from_utf8_lossy(&spec.stderr)
        ));
    }
    let config_path = bundle.join("config.json");
    let text = std::fs::read_to_string(&config_path).map_err(|e| e.to_string())?;
    let mut config: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("runc spec output: {e}"))?;
    config["process"]["terminal"] = false.into();
    config["process"]["args"] = serde_json::json!(["/bin/sh", "-c", script]);
    config["root"]["readonly"] = false.into();
    config["hostname"] = "profilec-test".into();
    config["linux"]["seccomp"] = profile;
    let text = serde_json::to_string_pretty(&config).map_err(|e| e.to_string())?;
    std::fs::write(&config_path, text).map_err(|e| e.to_string())?;

    let id = format!(
        "profilec-{}-{}",
        std::process::id(),
        bundle
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("x")
            .trim_start_matches('.')
    );
    let out = Command::new(&runc)
        .arg("--root")
        .arg(bundle.join("state"))
        .args(["run", "--bundle"])
        .arg(bundle)
        .arg(&id)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("runc run: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // runc's own failures (before the container process starts) are errors.
    if stderr.contains("level=error") || stderr.starts_with("runc run failed") {
        return Err(format!("runc could not start the container: {stderr}"));
    }
    Ok(RuncRun {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    })
}
