//! `profilec test`: the examples and the real profiles pass in simulation and
//! in the kernel; a flipped expectation fails with a readable row.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn profilec(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_profilec"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn examples_pass_in_simulation() {
    let (code, out, err) = profilec(&["test", "examples/seccomp"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("4 profiles, "), "{out}");
    assert!(out.contains(", 0 failed (simulated)"), "{out}");
    // Every architecture of args.json is simulated.
    for arch in ["x86_64", "x86", "aarch64"] {
        assert!(
            out.lines()
                .any(|l| l.trim_start().starts_with(arch)
                    && l.contains("socket(AF_VSOCK, SOCK_STREAM)")),
            "{arch}: {out}"
        );
    }
}

#[test]
fn examples_pass_live() {
    let (code, out, err) = profilec(&["test", "--live", "examples/seccomp"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(", 0 failed (simulated and live)"), "{out}");
    // The kernel really killed, denied and allowed.
    let row = |case: &str| {
        out.lines()
            .find(|l| {
                l.trim_start().starts_with("x86_64 ")
                    && l.split("  ").map(str::trim).any(|c| c == case)
            })
            .unwrap_or_else(|| panic!("no row {case}:\n{out}"))
            .to_string()
    };
    assert!(row("mkdirat").contains("SIGSYS"), "{out}");
    let vsock = row("socket(AF_VSOCK, SOCK_STREAM)");
    assert!(
        vsock
            .split_whitespace()
            .rev()
            .take(3)
            .eq(["ok", "EPERM", "errno"]),
        "{out}"
    );
    // x86 cases ran in the kernel too (int 0x80), where the machine allows it.
    if profilec_harness::live::can_run(profilec_core::seccomp::tables::Arch::X86) {
        let sc = out
            .lines()
            .find(|l| l.contains("socketcall(1, 0)"))
            .unwrap();
        assert!(
            sc.split_whitespace()
                .rev()
                .take(5)
                .eq(["ok", "ENOSYS", "errno", "ENOSYS", "errno"]),
            "{sc}"
        );
    }
}

#[test]
fn real_profiles_load_as_runc_loads_them() {
    // Docker's capability-gated rules come out allowed (mount, unshare, clone3).
    let (code, out, err) = profilec(&["test", "--live", "tests/data/seccomp/real"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let mount = out
        .lines()
        .find(|l| l.split_whitespace().take(2).eq(["x86_64", "mount"]))
        .unwrap();
    assert!(
        mount.split_whitespace().collect::<Vec<_>>()[2..4] == ["allow", "allow"],
        "{mount}"
    );
}

#[test]
fn flipped_expectation_fails_with_a_readable_row() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("examples/seccomp");
    std::fs::copy(src.join("fine-grained.json"), dir.path().join("web.json")).unwrap();
    let expect = std::fs::read_to_string(src.join("fine-grained.expect")).unwrap();
    assert!(expect.contains("syscall ptrace errno EPERM\n"));
    let flipped = expect.replace("syscall ptrace errno EPERM\n", "syscall ptrace allowed\n");
    std::fs::write(dir.path().join("web.expect"), flipped).unwrap();
    let web = dir.path().join("web.json");
    let (code, out, err) = profilec(&["test", web.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}\n{err}");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.ends_with("FAIL"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec!["x86_64", "ptrace", "allow", "errno", "EPERM", "FAIL"],
            vec!["x86", "ptrace", "allow", "errno", "EPERM", "FAIL"]
        ],
        "{out}"
    );
    assert!(out.contains(", 2 failed (simulated)"), "{out}");
    assert!(
        err.contains(
            "error[expect-mismatch]: `ptrace` on x86_64: expected `allow`, got `errno EPERM`"
        ),
        "{err}"
    );
    assert!(err.contains("web.expect:11:1"), "{err}");
}

#[test]
fn a_profile_without_expectations_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("lonely.json");
    std::fs::write(&p, "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}").unwrap();
    let (code, _, err) = profilec(&["test", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("error[expect-not-found]: no expectations for"),
        "{err}"
    );
}

#[test]
fn a_profile_libseccomp_refuses_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    // A valid model that runc with libseccomp 2.5 refuses: the notify
    // action as the default.
    std::fs::write(
        dir.path().join("p.json"),
        r#"{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/run/l.sock"}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("p.expect"), "syscall read allowed\n").unwrap();
    let (code, _, err) = profilec(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[expect-profile-unusable]: cannot load"),
        "{err}"
    );
}

/// A machine where no test child can be forked cannot run live cases: the
/// run says so instead of reporting every case as failed. (As `nobody`
/// with a process limit of 0; root ignores the limit.)
#[test]
fn live_runs_say_when_the_kernel_cannot_run_them() {
    let Some(bin) = std::env::var_os("CARGO_BIN_EXE_profilec") else {
        return;
    };
    let tools = ["prlimit", "setpriv"];
    if tools
        .iter()
        .any(|t| Command::new(t).arg("--version").output().is_err())
    {
        eprintln!("skipped: prlimit or setpriv missing");
        return;
    }
    let dir = root().join("examples/seccomp");
    let out = Command::new("prlimit")
        .args([
            "--nproc=0:0",
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ])
        .arg(&bin)
        .args(["test", "--live"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("Permission denied") && !err.contains("expect-live") {
        eprintln!("skipped: nobody cannot run the binary here: {err}");
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[expect-live-unavailable]: cannot run cases live"),
        "{err}"
    );
}

#[test]
fn bad_expectation_lines_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.json"),
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.expect"),
        "syscall raed allowed\nsyscall read perhaps\nsyscall read errno EFOOBAR\nsyscall read allowed\n",
    )
    .unwrap();
    let (code, out, err) = profilec(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        err.contains("error[expect-unknown-syscall]: unknown syscall `raed`"),
        "{err}"
    );
    assert!(err.contains("help: did you mean `read`?"), "{err}");
    assert!(
        err.contains("error[expect-syntax]: unknown outcome `perhaps`"),
        "{err}"
    );
    assert!(
        err.contains("error[expect-unknown-name]: unknown errno `EFOOBAR`"),
        "{err}"
    );
    // The good line still ran.
    let read: Vec<&str> = out
        .lines()
        .find(|l| l.contains(" read "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(read, ["x86_64", "read", "allow", "allow", "ok"], "{out}");
}

#[test]
fn json_format_keeps_stdout_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.json"),
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.expect"),
        "\n\nsyscall read errno EPERM\n",
    )
    .unwrap();
    let (code, out, err) = profilec(&["test", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["code"], "expect-mismatch");
    assert_eq!(v[0]["line"], 3);
    assert_eq!(v[0]["column"], 1);
    assert_eq!(
        v[0]["message"],
        "`read` on x86_64: expected `errno EPERM`, got `allow`"
    );
    assert!(err.contains("FAIL"), "{err}");
}
