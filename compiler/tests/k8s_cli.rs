//! `profilec k8s` end to end: the generated pods pass the lint, the lint's
//! JSON and SARIF output, bad input (a 10 MB file, missing files, a build
//! output that is not one) and exit statuses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Write as _;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn profilec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_profilec"))
        .current_dir(common::workspace())
        .env_remove("CLICOLOR_FORCE")
        .args(["--color", "never"])
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const PROFILES: &str = "tests/data/k8s/profiles";

#[test]
fn generated_pods_pass_the_lint_at_restricted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = profilec(&["k8s", "manifests", "--profiles", PROFILES, "-o", out]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pods = [
        format!("{out}/pods/web.yaml"),
        format!("{out}/pods/k8s-apparmor-example-deny-write.yaml"),
    ];
    let mut args = vec!["k8s", "lint", "--profiles", PROFILES, "--pss", "restricted"];
    args.extend(pods.iter().map(String::as_str));
    let o = profilec(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    // The loader manifests read back too; its DaemonSet is refused at
    // baseline (it needs an unconfined AppArmor profile): that is why its
    // Namespace is labelled privileged, which the lint honours.
    let loader = format!("{out}/profilec-loader.yaml");
    let o = profilec(&["k8s", "lint", "--profiles", PROFILES, &loader]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = profilec(&["k8s", "lint", "--pss", "baseline", &loader]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[k8s-pss-violation]: the `baseline` Pod Security Standards level forbids AppArmor profile `Unconfined`"));
}

#[test]
fn manifests_are_written_once_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = profilec(&["k8s", "manifests", "--profiles", PROFILES, "-o", out]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("profilec-loader.yaml"));
    let first = std::fs::read(dir.path().join("profilec-loader.yaml")).unwrap();
    // A second run writes nothing: the files are already right.
    let o = profilec(&["k8s", "manifests", "--profiles", PROFILES, "-o", out]);
    assert!(o.status.success());
    assert_eq!(stderr(&o), "");
    assert_eq!(
        first,
        std::fs::read(dir.path().join("profilec-loader.yaml")).unwrap()
    );

    // --check: clean now; a changed option makes it stale, with a diff,
    // and nothing is written.
    let o = profilec(&[
        "k8s",
        "manifests",
        "--profiles",
        PROFILES,
        "-o",
        out,
        "--check",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = profilec(&[
        "k8s",
        "manifests",
        "--profiles",
        PROFILES,
        "-o",
        out,
        "--check",
        "--interval",
        "30",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&o.stdout);
    assert!(
        diff.contains("-          value: \"10\"\n+          value: \"30\"\n"),
        "{diff}"
    );
    assert!(
        stderr(&o).contains("profilec-loader.yaml` is stale"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        first,
        std::fs::read(dir.path().join("profilec-loader.yaml")).unwrap()
    );
}

#[test]
fn manifests_refuse_what_is_not_a_build_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k8s");
    let o = profilec(&[
        "k8s",
        "manifests",
        "--profiles",
        "tests/data/k8s/lint",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[k8s-profile-set]: `tests/data/k8s/lint` holds no profiles"));
    assert!(!out.exists(), "nothing is written");
    let o = profilec(&[
        "k8s",
        "manifests",
        "--profiles",
        PROFILES,
        "-o",
        out.to_str().unwrap(),
        "--set",
        "Bad",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the set name `Bad` must be lowercase"));
}

#[test]
fn lint_json_and_sarif_point_into_the_yaml() {
    let case = "tests/data/k8s/lint/tutorial-allow-write.yaml";
    let o = profilec(&[
        "k8s",
        "lint",
        "--profiles",
        PROFILES,
        "--format",
        "json",
        case,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!([{
            "file": case,
            "line": 12,
            "column": 25,
            "end_line": 12,
            "end_column": 57,
            "code": "k8s-missing-profile",
            "severity": "error",
            "message": "AppArmor profile `k8s-apparmor-example-allow-write` is not in the build output",
            "help": "did you mean `k8s-apparmor-example-deny-write`? (the build produced `k8s-apparmor-example-deny-write`, `web`)"
        }])
    );
    let o = profilec(&[
        "k8s",
        "lint",
        "--profiles",
        PROFILES,
        "--format",
        "sarif",
        case,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = &v["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "k8s-missing-profile");
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 12);
    assert_eq!(region["startColumn"], 25);
}

/// `-` reads a stream from stdin (`helm template ... | profilec k8s lint -`).
#[test]
fn lint_reads_stdin() {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_profilec"))
        .current_dir(common::workspace())
        .args([
            "--color",
            "never",
            "k8s",
            "lint",
            "--profiles",
            PROFILES,
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let text =
        std::fs::read(common::workspace().join("tests/data/k8s/lint/tutorial-allow-write.yaml"))
            .unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("┌─ <stdin>:12:25"), "{e}");
    assert!(e.contains("error[k8s-missing-profile]"), "{e}");
}

#[test]
fn lint_reports_unreadable_inputs_and_goes_on() {
    let o = profilec(&[
        "k8s",
        "lint",
        "tests/data/k8s/missing.yaml",
        "tests/data/k8s/lint/agreement.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("error[io-error]: cannot read `tests/data/k8s/missing.yaml`"),
        "{e}"
    );
    assert!(e.contains("error[k8s-profile-mismatch]"), "{e}");

    // Not text, not UTF-8, a directory: each a diagnostic, the run goes on.
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("binary.yaml");
    std::fs::write(&binary, b"kind: Pod\0\x01").unwrap();
    let latin1 = dir.path().join("latin1.yaml");
    std::fs::write(&latin1, b"kind: Caf\xe9\n").unwrap();
    let o = profilec(&[
        "k8s",
        "lint",
        binary.to_str().unwrap(),
        latin1.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    for code in ["binary-file", "invalid-utf8", "not-a-file"] {
        assert!(e.contains(&format!("error[{code}]")), "{code}: {e}");
    }
}

/// A 10 MB stream of 20,000 pods, the last one wrong: read in bounded
/// time, one diagnostic, no panic.
#[test]
fn ten_megabyte_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 10 * 1024 * 1024 {
        write!(
            text,
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\n  labels: {{app: big, tier: backend, team: platform}}\n\
             spec:\n  containers:\n  - name: app\n    image: registry.local/app:1.0\n    args: [\"--port\", \"8080\", \"--verbose\"]\n\
             \x20   securityContext:\n      appArmorProfile: {{type: Localhost, localhostProfile: web}}\n      seccompProfile: {{type: Localhost, localhostProfile: profilec/web.json}}\n\
             \x20   env:\n    - {{name: A, value: \"{}\"}}\n",
            "x".repeat(200)
        )
        .unwrap();
        i += 1;
    }
    text.push_str("---\napiVersion: v1\nkind: Pod\nmetadata: {name: last}\nspec:\n  containers:\n  - name: app\n    securityContext: {appArmorProfile: {type: Localhost, localhostProfile: webb}}\n");
    std::fs::write(&path, &text).unwrap();
    let start = Instant::now();
    let o = profilec(&[
        "k8s",
        "lint",
        "--profiles",
        PROFILES,
        "--format",
        "json",
        path.to_str().unwrap(),
    ]);
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 1, "{v:#}");
    assert_eq!(all[0]["code"], "k8s-missing-profile");
    assert_eq!(
        all[0]["message"],
        "AppArmor profile `webb` is not in the build output"
    );
    assert!(i > 10_000);
    assert!(took < Duration::from_secs(120), "took {took:?}");
}

/// `profilec build --k8s DIR`: the manifests of this build's outputs (a
/// file left in OUTDIR by an older build is not among them), checked with
/// `--check`, and one report in JSON; the tutorial's failing pod against
/// that build output names both profiles.
#[test]
fn build_writes_and_checks_k8s_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let k8s = dir.path().join("k8s");
    std::fs::create_dir_all(out.join("apparmor")).unwrap();
    std::fs::write(out.join("apparmor/left-over"), "profile left-over {}\n").unwrap();
    let (out_s, k8s_s) = (out.to_str().unwrap(), k8s.to_str().unwrap());
    let confine = "examples/confine/k8s-deny-write.confine";
    let o = profilec(&[
        "build", "-o", out_s, "--k8s", k8s_s, "--format", "json", confine,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.is_array(), "one JSON report: {v}");
    let loader = std::fs::read_to_string(k8s.join("profilec-loader.yaml")).unwrap();
    assert!(loader.contains("  apparmor.k8s-apparmor-example-deny-write: |\n"));
    assert!(!loader.contains("left-over"), "only this build's outputs");
    assert!(k8s
        .join("pods/k8s-apparmor-example-deny-write.yaml")
        .exists());

    let o = profilec(&["build", "-o", out_s, "--k8s", k8s_s, "--check", confine]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = profilec(&[
        "build", "-o", out_s, "--k8s", k8s_s, "--check", "--set", "other", confine,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("profilec-loader.yaml` is stale"),
        "{}",
        stderr(&o)
    );
    let o = profilec(&[
        "build", "-o", out_s, "--k8s", k8s_s, "--set", "Bad", confine,
    ]);
    assert_eq!(o.status.code(), Some(2));

    std::fs::remove_file(out.join("apparmor/left-over")).unwrap();
    let o = profilec(&[
        "k8s",
        "lint",
        "--profiles",
        out_s,
        "tests/data/k8s/lint/tutorial-allow-write.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("error[k8s-missing-profile]: AppArmor profile `k8s-apparmor-example-allow-write` is not in the build output"), "{e}");
    assert!(e.contains("help: did you mean `k8s-apparmor-example-deny-write`? (the build produced `k8s-apparmor-example-deny-write`)"), "{e}");
}
