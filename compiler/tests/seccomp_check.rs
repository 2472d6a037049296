//! `profilec check FILE.json`: golden diagnostics for hand-written inputs,
//! real profiles written by others, and hostile input.
//!
//! Golden files: `tests/data/seccomp/check/NAME.golden` holds the plain-text
//! rendering (code + underlined text) of the diagnostics for `NAME.json`.
//! Regenerate them with `UPDATE_GOLDEN=1 cargo test -p profilec --test seccomp_check`
//! and review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use profilec_core::diag::{render, Diagnostic, SourceMap};

mod common;
use common::golden::Suite;

pub const DOCKER_DEFAULT: &str =
    "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";
pub const CONTAINERS_COMMON: &str = "/usr/share/containers/seccomp.json";

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

fn check(display: &str, text: &str) -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let f = sources.add(display, text);
    let mut diags = Vec::new();
    profilec_core::seccomp::check_file(
        &sources,
        f,
        Some(&profilec_harness::Libseccomp),
        &mut diags,
    );
    (sources, diags)
}

const SUITE: Suite = Suite {
    dir: "tests/data/seccomp/check",
    input_ext: "json",
    golden_ext: "golden",
    test: "seccomp_check",
    comment: "#",
};

#[test]
fn golden_diagnostics() {
    SUITE.run(8, |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(common::workspace().join(path)).unwrap();
        let (sources, diags) = check(&name, &text);
        render::human_string(&sources, &diags)
    });
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code.name).collect()
}

fn read_required(path: &str, package: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}; install the Debian package `{package}`"))
}

#[test]
fn docker_default_profile_has_no_errors_and_names_the_gated_syscalls() {
    let text = read_required(DOCKER_DEFAULT, "golang-github-docker-docker-dev");
    let (_, diags) = check("default.json", &text);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The capability-gated rules that plain OCI readers apply unconditionally.
    let gated: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.code == profilec_core::seccomp::lint::DOCKER_GATED_RULE)
        .collect();
    let all: String = gated
        .iter()
        .map(|d| d.message.clone())
        .collect::<Vec<_>>()
        .join("\n");
    for name in [
        "`mount`",
        "`unshare`",
        "`clone3`",
        "`setns`",
        "`reboot`",
        "`bpf`",
    ] {
        assert!(
            all.contains(name),
            "no gated-rule warning names {name}:\n{all}"
        );
    }
    // ptrace has an ungated allow rule (kernel >= 4.8), so its verdict does not change.
    assert!(!all.contains("`ptrace`"), "{all}");
    let sys_admin = gated
        .iter()
        .find(|d| d.message.contains("only with CAP_SYS_ADMIN"))
        .unwrap();
    assert!(sys_admin.notes.iter().any(|n| n == "`mount`: errno EPERM (default) in Docker (default capabilities), allow as OCI JSON"), "{:?}", sys_admin.notes);
    assert!(codes(&diags).contains(&profilec_core::seccomp::model::DOCKER_FIELD.name));
}

#[test]
fn containers_common_profile_has_no_errors() {
    let text = read_required(CONTAINERS_COMMON, "golang-github-containers-common");
    let (_, diags) = check("seccomp.json", &text);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // `defaultErrno` and the rules' `errno` are not OCI fields: runtimes ignore them.
    let unknown: Vec<_> = diags
        .iter()
        .filter(|d| d.code == profilec_core::seccomp::model::UNKNOWN_FIELD)
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        unknown.contains(&"unknown field `defaultErrno` in the profile"),
        "{unknown:?}"
    );
    assert!(diags.iter().any(
        |d| d.code == profilec_core::seccomp::lint::DOCKER_GATED_RULE
            && d.message.contains("`sethostname`")
    ));
}

fn profilec(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_profilec"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rules_json(n: usize, rule: impl Fn(usize) -> String) -> String {
    let rules: Vec<String> = (0..n).map(rule).collect();
    format!(
        "{{\n\"defaultAction\": \"SCMP_ACT_ERRNO\",\n\"syscalls\": [\n{}\n]\n}}\n",
        rules.join(",\n")
    )
}

fn temp_file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn hostile_input_gives_diagnostics_and_exit_1_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    // A program over the kernel's 4096-instruction limit.
    let long = temp_file(
        dir.path(),
        "long.json",
        &rules_json(5000, |i| {
            format!("{{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{{\"index\": 1, \"value\": {i}, \"op\": \"SCMP_CMP_EQ\"}}]}}")
        }),
    );
    let (code, _, err) = profilec(&["check", &long]);
    assert_eq!(code, 1, "{err}");
    assert!(
        // Refused by the instruction floor, before libseccomp builds it.
        err.contains(
            "error[seccomp-program-too-long]: the rules need at least 5000 BPF instructions"
        ),
        "{err}"
    );
    assert!(err.contains("the kernel accepts at most 4096"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // 10,000 rules: accepted (they compile to a short program), no panic.
    let many = temp_file(
        dir.path(),
        "many.json",
        &rules_json(10_000, |i| {
            format!("{{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": {}}}", 2 + i % 2)
        }),
    );
    let (code, _, err) = profilec(&["check", &many]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning[seccomp-shadowed-rule]: rule for `read` has no effect"),
        "{err}"
    );

    // 10,000 rules with unknown actions: one error each, exit 1.
    let bad = temp_file(
        dir.path(),
        "bad.json",
        &rules_json(10_000, |_| {
            "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOPE\"}".to_string()
        }),
    );
    let (code, _, err) = profilec(&["check", &bad]);
    assert_eq!(code, 1);
    assert_eq!(err.matches("error[seccomp-unknown-action]").count(), 10_000);

    // Deep nesting, binary data, truncated input.
    let deep = temp_file(dir.path(), "deep.json", &"[".repeat(50_000));
    let (code, _, err) = profilec(&["check", &deep]);
    assert_eq!(code, 1);
    assert!(err.contains("nested more than 128 levels deep"), "{err}");
    let bin = dir.path().join("bin.json");
    std::fs::write(&bin, b"{\"defaultAction\": \0}").unwrap();
    let (code, _, err) = profilec(&["check", &bin.display().to_string()]);
    assert_eq!(code, 1);
    assert!(err.contains("error[binary-file]"), "{err}");
    let cut = temp_file(dir.path(), "cut.json", "{\"defaultAction\": \"SCMP_ACT_ERR");
    let (code, _, err) = profilec(&["check", &cut]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid JSON: unterminated string"), "{err}");
}

#[test]
fn real_profiles_pass_check_through_the_cli() {
    for p in [DOCKER_DEFAULT, CONTAINERS_COMMON] {
        let (code, _, err) = profilec(&["check", p]);
        assert_eq!(code, 0, "{p}:\n{err}");
        assert!(!err.contains("error["), "{err}");
    }
}

#[test]
fn json_format_has_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_file(dir.path(), "p.json", "{\n  \"defaultAction\": \"SCMP_ACT_KILL\",\n  \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALOW\"}]\n}\n");
    let (code, out, _) = profilec(&["check", "--format", "json", &p]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["code"], "seccomp-unknown-action");
    assert_eq!(
        (v[0]["line"].as_u64(), v[0]["column"].as_u64()),
        (Some(3), Some(46))
    );
    assert_eq!(v[0]["help"], "did you mean `SCMP_ACT_ALLOW`?");
}

/// Every prefix of real profiles and of the examples, and every single-byte
/// corruption of a small one, gives diagnostics, never a panic.
#[test]
fn truncated_and_corrupted_profiles_never_panic() {
    let text = std::fs::read_to_string(data("examples/seccomp/args.json")).unwrap();
    let text = text.trim_end();
    for end in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
        let (_, diags) = check("cut.json", &text[..end]);
        assert!(
            diags.iter().any(Diagnostic::is_error),
            "prefix of {end} bytes accepted"
        );
    }
    let small = std::fs::read_to_string(data("tests/data/seccomp/check/shadowed.json")).unwrap();
    for i in 0..small.len() {
        for b in [b'"', b'{', b']', b',', b'0', b'x', b'\\', b'-', 0xff] {
            let mut bytes = small.clone().into_bytes();
            bytes[i] = b;
            let mut sources = SourceMap::new();
            let mut diags = Vec::new();
            let loaded = profilec_core::input::load::from_bytes(
                &mut sources,
                "corrupt.json",
                bytes,
                &mut diags,
            );
            if loaded.usable {
                profilec_core::seccomp::check_file(
                    &sources,
                    loaded.file,
                    Some(&profilec_harness::Libseccomp),
                    &mut diags,
                );
            }
            let _ = render::human_string(&sources, &diags);
        }
    }
}
