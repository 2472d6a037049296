//! The command line as its users expect: no colour escapes off a terminal,
//! `--color` and the colour environment variables, SARIF output, shell
//! completions and a man page from the clap definitions, `--version` naming
//! the commit, and a panic inside the library reported as an
//! `internal-error` of its input with exit status 1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_profilec");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `profilec ARGS` from the workspace top, with none of the colour
/// variables of the caller's environment.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

const BAD: &str = "tests/data/diagnostics/undefined-variable.sd";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn no_escape_codes_when_stderr_is_a_pipe() {
    let o = run(&["check", BAD], &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[undefined-variable]"), "{err}");
    assert!(
        !err.contains('\x1b'),
        "escape codes in piped output: {err:?}"
    );
}

#[test]
fn color_flag_and_environment() {
    let colored = |o: &Output| stderr(o).contains("\x1b[");
    assert!(colored(&run(&["--color", "always", "check", BAD], &[])));
    assert!(colored(&run(
        &["check", "--color=always", BAD],
        &[("NO_COLOR", "1")]
    )));
    assert!(!colored(&run(
        &["--color", "never", "check", BAD],
        &[("CLICOLOR_FORCE", "1")]
    )));
    assert!(colored(&run(&["check", BAD], &[("CLICOLOR_FORCE", "1")])));
    assert!(!colored(&run(
        &["check", BAD],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    )));
    let bad_flag = run(&["--color", "sometimes", "check", BAD], &[]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[test]
fn sarif_has_one_result_per_diagnostic_with_rules_from_the_registry() {
    let o = run(
        &[
            "check",
            "--format",
            "sarif",
            BAD,
            "tests/data/seccomp/check/bad-names.json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), profilec_core::diag::codes::ALL.len());
    let results = run0["results"].as_array().unwrap();
    let json = run(
        &[
            "check",
            "--format",
            "json",
            BAD,
            "tests/data/seccomp/check/bad-names.json",
        ],
        &[],
    );
    let plain: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(results.len(), plain.as_array().unwrap().len());
    let first = &results[0];
    assert_eq!(first["ruleId"], "undefined-variable");
    let i = first["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[i]["id"], "undefined-variable");
    let region = &first["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 6);
    assert_eq!(region["startColumn"], 3);
    assert_eq!(
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        BAD
    );
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    let bash = run(&["completions", "bash"], &[]);
    assert_eq!(bash.status.code(), Some(0));
    let text = String::from_utf8_lossy(&bash.stdout);
    assert!(text.contains("_profilec()"), "{text}");
    for sub in ["check", "fmt", "test", "--include-warnings", "--color"] {
        assert!(text.contains(sub), "bash completion lacks {sub}");
    }
    let zsh = run(&["completions", "zsh"], &[]);
    assert!(String::from_utf8_lossy(&zsh.stdout).starts_with("#compdef profilec"));
    let man = run(&["man"], &[]);
    assert_eq!(man.status.code(), Some(0));
    let roff = String::from_utf8_lossy(&man.stdout);
    assert!(roff.contains(".TH profilec"), "{roff}");
    assert!(roff.contains("Check and compile Linux confinement profiles"));
}

#[test]
fn version_names_the_commit() {
    let o = run(&["--version"], &[]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(h) => assert!(text.contains(&format!("(commit {h}")), "{text} vs {h}"),
        None => assert!(text.contains("(commit unknown)"), "{text}"),
    }
    assert!(text.starts_with(&format!("profilec {}", env!("CARGO_PKG_VERSION"))));
}

/// A panic while checking one input (injected through a debug-only hook)
/// is that input's `internal-error`; the other inputs are still checked
/// and the exit status is 1.
#[test]
fn a_panic_is_an_internal_error_of_its_input() {
    let o = run(
        &[
            "check",
            "--format",
            "json",
            "tests/data/diagnostics/code-unknown-capability.sd",
            "tests/data/diagnostics/code-unknown-profile-flag.sd",
        ],
        &[("PROFILEC_TEST_PANIC", "code-unknown-profile-flag.sd")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let diags: Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<(&str, &str)> = diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["file"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect();
    assert!(
        codes.contains(&(
            "tests/data/diagnostics/code-unknown-capability.sd",
            "unknown-capability"
        )),
        "{codes:?}"
    );
    let internal = diags
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "internal-error")
        .unwrap();
    assert_eq!(
        internal["file"],
        "tests/data/diagnostics/code-unknown-profile-flag.sd"
    );
    assert_eq!(
        internal["message"],
        "internal error while checking `tests/data/diagnostics/code-unknown-profile-flag.sd`: injected by PROFILEC_TEST_PANIC"
    );
    // The human rendering names the file too.
    let human = run(
        &[
            "check",
            "tests/data/diagnostics/code-unknown-profile-flag.sd",
        ],
        &[("PROFILEC_TEST_PANIC", "code-unknown-profile-flag.sd")],
    );
    assert_eq!(human.status.code(), Some(1));
    assert!(stderr(&human).contains(
        "error[internal-error]: internal error while checking `tests/data/diagnostics/code-unknown-profile-flag.sd`: injected by PROFILEC_TEST_PANIC"
    ));
}
