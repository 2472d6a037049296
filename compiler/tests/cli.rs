//! End-to-end tests of the `profilec` binary: exit statuses, JSON output,
//! stdin, and the bad inputs of the issue (large, unreadable, missing
//! include, include cycle, directory, binary, invalid UTF-8).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_profilec");

const GOOD: &str = "profile good /usr/bin/good {\n  /etc/hosts r,\n  /tmp/** rw,\n}\n";
/// Line 3, column 15: `K` of `Kq` is not a permission letter.
const BAD: &str = "profile bad {\n  /etc/hosts r,\n  /etc/passwd Kq,\n}\n";

/// A temporary directory holding the given files; also the `--base`.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new(files: &[(&str, &[u8])]) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        Tree { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `profilec ARGS...` with `--base` set to the tree, so that nothing
    /// under /etc/apparmor.d changes the result.
    fn check(&self, args: &[&str]) -> Output {
        profilec(
            &[
                &["check", "--base", self.dir.path().to_str().unwrap()],
                args,
            ]
            .concat(),
            None,
        )
    }
}

fn profilec(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run profilec");
    let input = stdin.unwrap_or_default().to_vec();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

fn status(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed by a signal")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The JSON array printed by `--format json`.
fn json(out: &Output) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    v.as_array().expect("a JSON array").clone()
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

#[test]
fn good_file_exits_0_with_no_output() {
    let t = Tree::new(&[("good.sd", GOOD.as_bytes())]);
    let out = t.check(&[t.path("good.sd").to_str().unwrap()]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn bad_file_exits_1_with_a_rendered_error() {
    let t = Tree::new(&[("bad.sd", BAD.as_bytes())]);
    let path = t.path("bad.sd");
    let out = t.check(&[path.to_str().unwrap()]);
    assert_eq!(status(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("error[syntax-error]: `K` is not a file permission"),
        "{err}"
    );
    assert!(err.contains(&format!("{}:3:15", path.display())), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["check", "--no-such-flag", "x.sd"][..],
        &["check"][..],
        &["check", "--format", "xml", "x.sd"][..],
        &["no-such-command"][..],
        &[][..],
    ] {
        let out = profilec(args, None);
        assert_eq!(status(&out), 2, "profilec {args:?}: {}", stderr(&out));
        assert!(!out.stderr.is_empty(), "profilec {args:?} says why");
    }
}

#[test]
fn json_output_has_every_field() {
    let t = Tree::new(&[("bad.sd", BAD.as_bytes()), ("good.sd", GOOD.as_bytes())]);
    let bad = t.path("bad.sd");
    let good = t.path("good.sd");
    let out = t.check(&[
        "--format",
        "json",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(status(&out), 1);
    let diags = json(&out);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["file"], bad.to_str().unwrap());
    assert_eq!(d["line"], 3);
    assert_eq!(d["column"], 15);
    assert_eq!(d["end_line"], 3);
    assert_eq!(d["end_column"], 16);
    assert_eq!(d["code"], "syntax-error");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["message"], "`K` is not a file permission");

    let clean = t.check(&["--format", "json", good.to_str().unwrap()]);
    assert_eq!(status(&clean), 0);
    assert!(json(&clean).is_empty());
}

#[test]
fn stdin_is_read_for_dash() {
    let out = profilec(&["check", "--format", "json", "-"], Some(BAD.as_bytes()));
    assert_eq!(status(&out), 1);
    let diags = json(&out);
    assert_eq!(codes(&diags), ["syntax-error"]);
    assert_eq!(diags[0]["file"], "<stdin>");
    assert_eq!(diags[0]["line"], 3);

    let out = profilec(&["check", "-"], Some(GOOD.as_bytes()));
    assert_eq!(status(&out), 0, "{}", stderr(&out));
}

#[test]
fn ten_megabyte_file_checks_in_reasonable_time() {
    let mut text = String::from("include <tunables/global>\n\nprofile big /usr/bin/big {\n");
    let mut i = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!(
            "  /srv/data/d{:05}/f{i:07} rw,\n  owner @{{HOME}}/.cache/big/{i} r,\n",
            i % 1000
        ));
        i += 1;
    }
    // One error at the very end: the whole 10 MB is parsed, and exactly
    // that one error is found (one run: a debug build takes ~50 s here).
    text.push_str("  /last Kq,\n}\n");
    let t = Tree::new(&[("big.sd", text.as_bytes())]);
    let started = Instant::now();
    let out = t.check(&["--format", "json", t.path("big.sd").to_str().unwrap()]);
    let took = started.elapsed();
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    let diags = json(&out);
    assert_eq!(codes(&diags), ["syntax-error"]);
    assert_eq!(diags[0]["line"], 2 * i + 4);
    // Generous: a debug build on a shared 2-core machine.
    assert!(
        took < Duration::from_secs(300),
        "checking {} rules (10 MB) took {took:?}",
        2 * i
    );
}

fn is_root() -> bool {
    // Without a libc binding: the effective uid is in /proc/self/status.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

#[test]
fn unreadable_file_is_an_io_error() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tree::new(&[("locked.sd", GOOD.as_bytes())]);
    let locked = t.path("locked.sd");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let locked_s = locked.to_str().unwrap();
    let out = if !is_root() {
        profilec(&["check", "--format", "json", locked_s], None)
    } else {
        // root reads any file whatever its mode: run profilec as `nobody`
        // (the tree must be searchable by it) so that the mode applies.
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
            .into_iter()
            .find(|p| Path::new(p).exists());
        let Some(setpriv) = setpriv else {
            eprintln!("skipped: running as root and setpriv(1) is missing, so mode 000 cannot make a file unreadable");
            return;
        };
        std::fs::set_permissions(t.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let as_nobody = |args: &[&str]| {
            Command::new(setpriv)
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
                .args(args)
                .output()
                .unwrap()
        };
        // The binary must be reachable by `nobody` (not so under a 0700 home).
        if !as_nobody(&["--version"]).status.success() {
            eprintln!("skipped: running as root and `nobody` cannot execute {BIN}");
            return;
        }
        as_nobody(&["check", "--format", "json", locked_s])
    };
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    let diags = json(&out);
    assert_eq!(codes(&diags), ["io-error"]);
    let msg = diags[0]["message"].as_str().unwrap();
    assert!(msg.contains("ermission denied"), "{msg}");
}

/// A file that nobody, root included, can read: /proc/self/mem at offset 0
/// fails with EIO.
#[test]
fn read_failure_of_any_kind_is_an_io_error() {
    let out = profilec(&["check", "--format", "json", "/proc/self/mem"], None);
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    assert_eq!(codes(&json(&out)), ["io-error"]);
}

#[test]
fn missing_include_is_an_error() {
    let t = Tree::new(&[(
        "p.sd",
        b"include <nope/x>\nprofile p {\n  include \"also/missing\"\n  include if exists <optional/missing>\n}\n",
    )]);
    let out = t.check(&["--format", "json", t.path("p.sd").to_str().unwrap()]);
    assert_eq!(status(&out), 1);
    let diags = json(&out);
    assert_eq!(codes(&diags), ["include-not-found", "include-not-found"]);
    assert_eq!(
        (diags[0]["line"].clone(), diags[0]["column"].clone()),
        (1.into(), 9.into())
    );
    assert_eq!(
        (diags[1]["line"].clone(), diags[1]["column"].clone()),
        (3.into(), 11.into())
    );
}

/// apparmor_parser skips an include of a file that is already being
/// included and accepts the profile; profilec does the same and warns.
#[test]
fn include_cycle_is_a_warning() {
    let t = Tree::new(&[
        ("inc/a", b"/a r,\ninclude <b>\n"),
        ("inc/b", b"/b r,\ninclude <a>\n"),
        ("p.sd", b"profile p {\n  include <a>\n}\n"),
        ("self.sd", b"profile s {\n  /s r,\n}\ninclude \"self.sd\"\n"),
    ]);
    let inc = t.path("inc");
    let p = t.path("p.sd");
    let args = ["-I", inc.to_str().unwrap(), "--format", "json"];

    // The cycle is inside included files: hidden unless asked for.
    let out = t.check(&[&args[..], &[p.to_str().unwrap()]].concat());
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert!(json(&out).is_empty());

    let out = t.check(&[&args[..], &["--include-warnings", p.to_str().unwrap()]].concat());
    assert_eq!(status(&out), 0);
    let diags = json(&out);
    assert_eq!(codes(&diags), ["include-cycle"]);
    assert_eq!(diags[0]["severity"], "warning");
    assert_eq!(diags[0]["file"], t.path("inc/b").to_str().unwrap());

    // A file that includes itself (by absolute path: a quoted relative
    // include resolves against the working directory): the warning is in
    // the file given.
    let me = t.path("self.sd");
    std::fs::write(
        &me,
        format!("profile s {{\n  /s r,\n}}\ninclude \"{}\"\n", me.display()),
    )
    .unwrap();
    let out = t.check(&["--format", "json", me.to_str().unwrap()]);
    assert_eq!(status(&out), 0);
    assert_eq!(codes(&json(&out)), ["include-cycle"]);
}

#[test]
fn directory_binary_and_invalid_utf8_are_errors() {
    let t = Tree::new(&[
        ("dir/x.sd", GOOD.as_bytes()),
        ("bin.sd", b"\x7fELF\x02\x01\x01\0\0\0\0"),
        ("latin1.sd", b"profile caf\xe9 {\n}\n"),
    ]);
    for (name, code) in [
        ("dir", "not-a-file"),
        ("bin.sd", "binary-file"),
        ("latin1.sd", "invalid-utf8"),
    ] {
        let out = t.check(&["--format", "json", t.path(name).to_str().unwrap()]);
        assert_eq!(status(&out), 1, "{name}");
        assert_eq!(codes(&json(&out)), [code], "{name}");
    }
    // One bad input does not stop the others from being checked.
    let out = t.check(&[
        "--format",
        "json",
        t.path("dir").to_str().unwrap(),
        t.path("dir/x.sd").to_str().unwrap(),
        t.path("latin1.sd").to_str().unwrap(),
    ]);
    assert_eq!(codes(&json(&out)), ["not-a-file", "invalid-utf8"]);
}

/// The parse cache: a second run reads the stored trees and reports the
/// same; damaged entries are misses, not errors; `--no-cache` stores
/// nothing; a file with a syntax error or outside the roots is not stored.
#[test]
fn the_parse_cache_changes_no_verdict() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "/etc/secret-token r,\n").unwrap();
    let secret = outside.path().join("secret");
    let t = Tree::new(&[
        ("abstractions/common", b"/etc/common r,\n@{X}=/x\n" as &[u8]),
        (
            "p.sd",
            format!(
                "include <abstractions/common>\nprofile p {{\n  include \"{}\"\n  capability bogus,\n}}\n",
                secret.display()
            )
            .as_bytes(),
        ),
        ("broken", b"profile b {\n" as &[u8]),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let entries = || -> Vec<PathBuf> {
        std::fs::read_dir(cache.path().join("parse"))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default()
    };
    let run = |extra: &[&str]| {
        let p = t.path("p.sd");
        let b = t.path("broken");
        let mut cmd = Command::new(BIN);
        cmd.args(["check", "--format", "json", "--base"])
            .arg(t.dir.path())
            .args(extra)
            .arg(&p)
            .arg(&b)
            .env("PROFILEC_CACHE_DIR", cache.path());
        let out = cmd.output().unwrap();
        (
            status(&out),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let none = run(&["--no-cache"]);
    assert_eq!(none.0, 1, "{}", none.1);
    assert!(entries().is_empty(), "--no-cache stored {:?}", entries());
    let first = run(&[]);
    // p.sd (it has a checker error, not a syntax error) and the abstraction;
    // not `broken` (a syntax error) nor the file outside the roots.
    assert_eq!(entries().len(), 2, "{:?}", entries());
    for e in entries() {
        let bytes = std::fs::read(&e).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("secret-token"));
    }
    let second = run(&[]);
    assert_eq!(none, first);
    assert_eq!(first, second);
    for e in entries() {
        let mut bytes = std::fs::read(&e).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        std::fs::write(&e, bytes).unwrap();
    }
    assert_eq!(run(&[]), first);
}
