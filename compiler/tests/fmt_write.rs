//! `profilec fmt --write` keeps what the old file had (mode with setuid and
//! setgid, owner, group, extended attributes) or refuses with a diagnostic:
//! read-only files without `--force`, files with several hard links,
//! another user's file, a file changed while it was formatted; and it
//! leaves no temporary file behind when interrupted. Each rule runs as
//! root and as an unprivileged user (`setpriv`), as issue 14 asks; the
//! unprivileged runs are skipped with a note when not root.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_profilec");
const UGLY: &str = "profile p {\n/a r,\n}\n";
const CANONICAL: &str = "profile p {\n  /a r,\n}\n";
const NOBODY: u32 = 65534;

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Who runs `profilec`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum As {
    Root,
    Nobody,
}

/// The users to run as here: root, and `nobody` when we are root.
fn users() -> Vec<As> {
    if !is_root() {
        eprintln!("note: not root: the unprivileged runs need setpriv as root; running as self");
        return vec![As::Root];
    }
    vec![As::Root, As::Nobody]
}

/// A directory everyone may write (no sticky bit: a rename over another
/// user's file is then allowed, the case the issue found).
fn open_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    d
}

fn file(dir: &Path, name: &str, mode: u32, owner: As) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, UGLY).unwrap();
    if owner == As::Nobody {
        std::os::unix::fs::chown(&p, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

fn fmt(user: As, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = match user {
        As::Root => Command::new(BIN),
        As::Nobody => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
            c
        }
    };
    cmd.arg("fmt")
        .arg("--write")
        .args(args)
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".profilec-fmt-") || n.starts_with(".tmp"))
        .collect()
}

/// The binary must be reachable by `nobody` (not so under a 0700 home).
fn nobody_can_run() -> bool {
    let ok = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            BIN,
            "--version",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: `nobody` cannot execute {BIN}");
    }
    ok
}

#[test]
fn read_only_files_are_refused_without_force() {
    for user in users() {
        if user == As::Nobody && !nobody_can_run() {
            continue;
        }
        let d = open_dir();
        let p = file(d.path(), "ro.sd", 0o444, user);
        let ps = p.to_str().unwrap();
        let out = fmt(user, &[ps], &[]);
        assert_eq!(out.status.code(), Some(1), "{user:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "error[write-read-only]: `{ps}` not rewritten: the file is read-only"
            )),
            "{user:?}: {}",
            stderr(&out)
        );
        assert_eq!(std::fs::read_to_string(&p).unwrap(), UGLY);
        let out = fmt(user, &["--force", ps], &[]);
        assert_eq!(out.status.code(), Some(0), "{user:?}: {}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), CANONICAL);
        assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o7777, 0o444);
        assert!(temporaries(d.path()).is_empty());
    }
}

#[test]
fn mode_owner_group_and_special_bits_are_kept() {
    for user in users() {
        if user == As::Nobody && !nobody_can_run() {
            continue;
        }
        for mode in [0o4755, 0o2755, 0o640] {
            let d = open_dir();
            let p = file(d.path(), "m.sd", mode, user);
            let before = std::fs::metadata(&p).unwrap();
            let out = fmt(user, &[p.to_str().unwrap()], &[]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{user:?} {mode:o}: {}",
                stderr(&out)
            );
            let after = std::fs::metadata(&p).unwrap();
            assert_eq!(std::fs::read_to_string(&p).unwrap(), CANONICAL);
            assert_eq!(after.mode() & 0o7777, mode, "{user:?}");
            assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
            // A new inode: the replacement was atomic.
            assert_ne!(after.ino(), before.ino());
        }
    }
}

#[test]
fn another_users_file_is_refused_not_taken_over() {
    if !is_root() || !nobody_can_run() {
        eprintln!("skipped: needs root to make a root-owned file for `nobody`");
        return;
    }
    let d = open_dir();
    let p = file(d.path(), "root.sd", 0o666, As::Root);
    let ps = p.to_str().unwrap();
    let out = fmt(As::Nobody, &[ps], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "error[write-metadata-lost]: `{ps}` not rewritten: cannot keep its owner 0 and group 0"
        )),
        "{}",
        stderr(&out)
    );
    let md = std::fs::metadata(&p).unwrap();
    assert_eq!((md.uid(), md.gid()), (0, 0));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), UGLY);
    assert!(temporaries(d.path()).is_empty());
}

/// Whether the file system under `dir` takes `user.*` attributes.
fn xattrs_supported(dir: &Path) -> bool {
    let probe = dir.join("probe");
    std::fs::write(&probe, "").unwrap();
    let ok = xattr::set(&probe, "user.probe", b"1").is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

#[test]
fn extended_attributes_are_kept() {
    for user in users() {
        if user == As::Nobody && !nobody_can_run() {
            continue;
        }
        let d = open_dir();
        if !xattrs_supported(d.path()) {
            eprintln!(
                "skipped: no user xattrs (or setfattr) under {}",
                d.path().display()
            );
            return;
        }
        let p = file(d.path(), "x.sd", 0o644, user);
        xattr::set(&p, "user.profilec", b"kept").unwrap();
        let out = fmt(user, &[p.to_str().unwrap()], &[]);
        assert_eq!(out.status.code(), Some(0), "{user:?}: {}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), CANONICAL);
        let got = xattr::get(&p, "user.profilec").unwrap();
        assert_eq!(got.as_deref(), Some(&b"kept"[..]), "{user:?}");
    }
}

#[test]
fn hard_links_are_refused_not_split() {
    for user in users() {
        if user == As::Nobody && !nobody_can_run() {
            continue;
        }
        let d = open_dir();
        let p = file(d.path(), "a.sd", 0o644, user);
        let q = d.path().join("b.sd");
        std::fs::hard_link(&p, &q).unwrap();
        let ps = p.to_str().unwrap();
        let out = fmt(user, &[ps], &[]);
        assert_eq!(out.status.code(), Some(1), "{user:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "error[write-hard-link]: `{ps}` not rewritten: the file has 2 hard links"
            )),
            "{}",
            stderr(&out)
        );
        assert_eq!(std::fs::read_to_string(&q).unwrap(), UGLY);
        assert_eq!(
            std::fs::metadata(&p).unwrap().ino(),
            std::fs::metadata(&q).unwrap().ino()
        );
    }
}

/// Start `fmt --write` paused with its temporary file written; wait until
/// that file exists.
fn paused_write(user: As, dir: &Path, target: &Path, pause_ms: u64) -> std::process::Child {
    let mut cmd = match user {
        As::Root => Command::new(BIN),
        As::Nobody => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
            c
        }
    };
    let child = cmd
        .args(["fmt", "--write"])
        .arg(target)
        .env("NO_COLOR", "1")
        .env("PROFILEC_TEST_WRITE_PAUSE_MS", pause_ms.to_string())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while temporaries(dir).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

#[test]
fn an_interrupted_write_leaves_no_temporary_file() {
    for user in users() {
        if user == As::Nobody && !nobody_can_run() {
            continue;
        }
        for (sig, code) in [("-INT", 130), ("-TERM", 143)] {
            let d = open_dir();
            let p = file(d.path(), "i.sd", 0o644, user);
            let child = paused_write(user, d.path(), &p, 20_000);
            let killed = Command::new("kill")
                .args([sig, &child.id().to_string()])
                .status()
                .unwrap();
            assert!(killed.success());
            let out = child.wait_with_output().unwrap();
            // setpriv execs profilec: the signal reaches it directly.
            assert_eq!(out.status.code(), Some(code), "{user:?} {sig}");
            assert!(temporaries(d.path()).is_empty(), "{user:?} {sig}");
            assert_eq!(std::fs::read_to_string(&p).unwrap(), UGLY);
        }
    }
}

#[test]
fn text_appended_while_formatting_is_not_lost() {
    for user in users() {
        if user == As::Nobody && !nobody_can_run() {
            continue;
        }
        let d = open_dir();
        let p = file(d.path(), "c.sd", 0o666, user);
        let mut child = paused_write(user, d.path(), &p, 1500);
        {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
            f.write_all(b"# appended\n").unwrap();
        }
        let status = child.wait().unwrap();
        let mut err = String::new();
        use std::io::Read;
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(status.code(), Some(1), "{user:?}: {err}");
        assert!(
            err.contains("error[write-changed-on-disk]"),
            "{user:?}: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            format!("{UGLY}# appended\n")
        );
        assert!(temporaries(d.path()).is_empty());
    }
}
