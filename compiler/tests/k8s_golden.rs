//! Golden tests of `profilec k8s`, through the binary:
//!
//! - `tests/data/k8s/lint/*.yaml` -> `*.out`: `profilec k8s lint` on the
//!   file, with the arguments of its `# args:` header (paths relative to
//!   the case's folder); the exit status and the human output.
//! - `tests/data/k8s/manifests/*.args` -> `*.golden`: `profilec k8s
//!   manifests --profiles tests/data/k8s/profiles` with the arguments in
//!   the `.args` file; every file written, with its path.
//!
//! Regenerate with `UPDATE_GOLDEN=1 cargo test -p profilec --test k8s_golden`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::golden::Suite;

fn profilec() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_profilec"));
    c.current_dir(common::workspace())
        .env_remove("CLICOLOR_FORCE")
        .arg("--color")
        .arg("never");
    c
}

/// The `# args:` header of a case (no quoting).
fn header_args(text: &str) -> Vec<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.strip_prefix('#')?.trim().strip_prefix("args:"))
        .flat_map(|a| a.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

const LINT: Suite = Suite {
    dir: "tests/data/k8s/lint",
    input_ext: "yaml",
    golden_ext: "out",
    test: "k8s_golden",
    comment: "#",
};

#[test]
fn lint_golden() {
    let ws = common::workspace();
    LINT.run(10, |case| {
        let text = std::fs::read_to_string(ws.join(case)).unwrap();
        let folder = case.parent().unwrap();
        let mut args: Vec<String> = Vec::new();
        let mut header = header_args(&text).into_iter();
        while let Some(a) = header.next() {
            args.push(a.clone());
            if a == "--profiles" {
                let dir = header.next().expect("--profiles needs a directory");
                args.push(folder.join(dir).display().to_string());
            }
        }
        let out = profilec()
            .args(["k8s", "lint"])
            .args(&args)
            .arg(case)
            .output()
            .unwrap();
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        format!(
            "# exit status: {}\n{}",
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr)
        )
    });
}

const MANIFESTS: Suite = Suite {
    dir: "tests/data/k8s/manifests",
    input_ext: "args",
    golden_ext: "golden",
    test: "k8s_golden",
    comment: "#",
};

fn files_under(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, base, out);
        } else {
            out.push(p.strip_prefix(base).unwrap().to_path_buf());
        }
    }
}

#[test]
fn manifests_golden() {
    let ws = common::workspace();
    MANIFESTS.run(2, |case| {
        let args_text = std::fs::read_to_string(ws.join(case)).unwrap();
        let args: Vec<&str> = args_text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let out = profilec()
            .args([
                "k8s",
                "manifests",
                "--profiles",
                "tests/data/k8s/profiles",
                "-o",
            ])
            .arg(dir.path())
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut files = Vec::new();
        files_under(dir.path(), dir.path(), &mut files);
        files.sort();
        let mut text = String::new();
        for f in files {
            writeln!(text, "# ==> {} <==", f.display()).unwrap();
            text.push_str(&std::fs::read_to_string(dir.path().join(&f)).unwrap());
        }
        text
    });
}
