//! `profilec fmt` end to end: output, `--check`, `--write`, and refusal of
//! files with errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

const MESSY: &str = "profile p /usr/bin/p flags=(complain,attach_disconnected){\n/etc/p mr, # why\n  capability   chown,\n}\n";
const CANONICAL: &str = "profile p /usr/bin/p flags=(complain, attach_disconnected) {\n  /etc/p rm, # why\n  capability chown,\n}\n";

fn profilec(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_profilec"))
        .arg("fmt")
        .args(["-I", &dir.display().to_string()])
        .args(["--base", &dir.display().to_string()])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run profilec")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn prints_canonical_text_and_leaves_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let f = tmp.path().join("p");
    std::fs::write(&f, MESSY).expect("write");
    let out = profilec(tmp.path(), &["p"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), CANONICAL);
    assert_eq!(std::fs::read_to_string(&f).expect("read"), MESSY);
}

#[test]
fn check_prints_a_diff_and_fails_only_when_not_canonical() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(tmp.path().join("messy"), MESSY).expect("write");
    std::fs::write(tmp.path().join("clean"), CANONICAL).expect("write");
    let out = profilec(tmp.path(), &["--check", "messy"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "--- messy\n+++ messy\n@@ -1,4 +1,4 @@\n-profile p /usr/bin/p flags=(complain,attach_disconnected){\n-/etc/p mr, # why\n-  capability   chown,\n+profile p /usr/bin/p flags=(complain, attach_disconnected) {\n+  /etc/p rm, # why\n+  capability chown,\n }\n"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("messy")).expect("read"),
        MESSY
    );
    let out = profilec(tmp.path(), &["--check", "clean"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[test]
fn write_rewrites_in_place_keeping_permissions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let f = tmp.path().join("p");
    std::fs::write(&f, MESSY).expect("write");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let out = profilec(tmp.path(), &["--write", "p"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&f).expect("read"), CANONICAL);
    let mode = std::fs::metadata(&f).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(dir_entries(tmp.path()), ["p"], "no temporary file left");
    // A second run changes nothing.
    let out = profilec(tmp.path(), &["--check", "p"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn files_with_errors_are_never_rewritten() {
    let tmp = tempfile::tempdir().expect("tmp");
    // A syntax error (missing `,`) and a checker error (unknown capability).
    let cases = [
        ("syntax", "profile p {\n  /etc/p   r\n}\n"),
        ("semantic", "profile p {\n  capability  no_such_cap,\n}\n"),
    ];
    for (name, body) in cases {
        let f = tmp.path().join(name);
        std::fs::write(&f, body).expect("write");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let before = std::fs::metadata(&f)
            .expect("stat")
            .modified()
            .expect("mtime");
        for mode in ["--write", "--check"] {
            let out = profilec(tmp.path(), &[mode, name]);
            assert_eq!(out.status.code(), Some(1), "{name} {mode}");
            let err = text(&out.stderr);
            assert!(
                err.contains("error"),
                "{name}: diagnostics expected, got {err}"
            );
            assert!(err.contains(&format!("`{name}` left unformatted")), "{err}");
            assert!(
                out.stdout.is_empty(),
                "{name} {mode}: no diff for a refused file"
            );
        }
        assert_eq!(std::fs::read_to_string(&f).expect("read"), body);
        let after = std::fs::metadata(&f)
            .expect("stat")
            .modified()
            .expect("mtime");
        assert_eq!(before, after);
    }
    assert_eq!(dir_entries(tmp.path()), ["semantic", "syntax"]);
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(tmp.path().join("bad"), "profile p {\n  /x r\n}\n").expect("write");
    std::fs::write(tmp.path().join("good"), MESSY).expect("write");
    let out = profilec(tmp.path(), &["--write", "bad", "good"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("good")).expect("read"),
        CANONICAL
    );
}

#[test]
fn check_and_write_conflict() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(tmp.path().join("p"), MESSY).expect("write");
    let out = profilec(tmp.path(), &["--check", "--write", "p"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn include_files_of_rules_are_checked_in_a_profile_and_formatted() {
    let tmp = tempfile::tempdir().expect("tmp");
    let abs = tmp.path().join("abstractions");
    std::fs::create_dir(&abs).expect("mkdir");
    std::fs::write(
        abs.join("good"),
        "# rules\n/etc/x  mr,\ncapability chown,\n",
    )
    .expect("write");
    std::fs::write(abs.join("bad"), "/etc/x r,\ncapability no_such_cap,\n").expect("write");
    let out = profilec(tmp.path(), &["abstractions/good"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "# rules\n/etc/x rm,\ncapability chown,\n"
    );
    let out = profilec(tmp.path(), &["--write", "abstractions/bad"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no_such_cap"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(abs.join("bad")).expect("read"),
        "/etc/x r,\ncapability no_such_cap,\n"
    );
}

/// A profile with an error is not rescued by the include-file path, even
/// when the error would vanish inside a profile (here, variables of the
/// tunables it forgot to include).
#[test]
fn a_profile_is_not_checked_as_an_include_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tun = tmp.path().join("tunables");
    std::fs::create_dir(&tun).expect("mkdir");
    std::fs::write(tun.join("global"), "@{HOME} = /home/*/\n").expect("write");
    let body = "profile p {\n  @{HOME}/x  r,\n}\n";
    std::fs::write(tmp.path().join("p"), body).expect("write");
    let out = profilec(tmp.path(), &["--write", "p"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("HOME"), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("p")).expect("read"),
        body
    );
}

/// Hats outside any profile, or a file in an include directory, make an
/// include file: checked inside a profile after the tunables.
#[test]
fn hat_files_and_include_dirs_are_include_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tun = tmp.path().join("tunables");
    std::fs::create_dir(&tun).expect("mkdir");
    std::fs::write(tun.join("global"), "@{HOME} = /home/*/\n").expect("write");
    std::fs::write(tmp.path().join("hats"), "^h {\n@{HOME}/x  r,\n}\n").expect("write");
    let out = profilec(tmp.path(), &["hats"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "^h {\n  @{HOME}/x r,\n}\n");
    let d = tmp.path().join("apache2.d");
    std::fs::create_dir(&d).expect("mkdir");
    std::fs::write(d.join("child"), "profile c {\n@{HOME}/y  r,\n}\n").expect("write");
    let out = profilec(tmp.path(), &["apache2.d/child"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "profile c {\n  @{HOME}/y r,\n}\n");
}

/// As root, `--write` keeps the owner of the file it replaces.
#[test]
fn write_keeps_the_owner_where_allowed() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let f = tmp.path().join("p");
    std::fs::write(&f, MESSY).expect("write");
    // Only root may give a file away; elsewhere there is nothing to test.
    if std::os::unix::fs::chown(&f, Some(65534), Some(65534)).is_err() {
        return;
    }
    let out = profilec(tmp.path(), &["--write", "p"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let meta = std::fs::metadata(&f).expect("stat");
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert_eq!(std::fs::read_to_string(&f).expect("read"), CANONICAL);
}
