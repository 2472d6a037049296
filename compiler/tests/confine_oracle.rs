//! The real components judge what `profilec build` writes for every
//! example and every golden build case:
//!
//! - every AppArmor output compiles with `apparmor_parser -QK` (3.0.8, and
//!   4.1 when `scripts/fetch-apparmor-parser-4.sh` has put it in
//!   `target/apparmor-4`, or `CONFINE_PARSER4` names it);
//! - every seccomp JSON loads into libseccomp as runc loads it, and
//!   `profilec check` finds no error in it;
//! - every example's `expect` blocks (and the DESIGN.md sketch's) hold in
//!   the simulator for every architecture, and in the kernel when live runs
//!   are possible here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use profilec_core::build;
use profilec_core::diag::{render, SourceMap};
use profilec_core::input::fs::{RealFs, DEFAULT_MAX_INPUT};
use profilec_core::resolve::Options;

fn outputs() -> Vec<build::Output> {
    let ws = common::workspace();
    let mut all = Vec::new();
    let mut inputs = vec![ws.join("examples/confine")];
    inputs.extend(
        common::regular_files(&ws.join("tests/data/confine/build"))
            .into_iter()
            .filter(|p| build::is_confine(p)),
    );
    for input in inputs {
        let plan = build::plan(&RealFs, std::slice::from_ref(&input), &Options::default());
        assert!(
            !plan.has_errors(),
            "{}: {}",
            input.display(),
            render::human_string(&plan.sources, &plan.diagnostics)
        );
        all.extend(plan.outputs);
    }
    assert!(all.len() >= 25, "only {} outputs", all.len());
    all
}

fn parser4() -> Option<PathBuf> {
    let p = std::env::var_os("CONFINE_PARSER4")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::workspace().join("target/apparmor-4/apparmor_parser"));
    p.exists().then_some(p)
}

fn parse_all(parser: &Path, outputs: &[build::Output]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for o in outputs.iter().filter(|o| o.path.starts_with("apparmor")) {
        let f = dir.path().join(o.path.file_name().unwrap());
        std::fs::write(&f, &o.bytes).unwrap();
        let out = Command::new(parser)
            .args(["-QK", "-I", "/etc/apparmor.d", "-b", "/etc/apparmor.d"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} rejects {}:\n{}\n{}",
            parser.display(),
            o.path.display(),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&o.bytes)
        );
        n += 1;
    }
    n
}

#[test]
fn apparmor_parser_accepts_every_apparmor_output() {
    let outs = outputs();
    let p3 = Path::new("/usr/sbin/apparmor_parser");
    assert!(
        p3.exists(),
        "apparmor_parser is missing: run scripts/install-deps.sh"
    );
    let n = parse_all(p3, &outs);
    assert!(n >= 15, "{n} AppArmor outputs");
    match parser4() {
        Some(p4) => {
            parse_all(&p4, &outs);
        }
        None => eprintln!("apparmor_parser 4.1 not fetched; checked with 3.0.8 only"),
    }
}

#[test]
fn libseccomp_loads_every_seccomp_output() {
    let outs = outputs();
    let mut n = 0;
    for o in outs.iter().filter(|o| o.path.starts_with("seccomp")) {
        let mut sources = SourceMap::new();
        let id = sources.add(
            o.path.display().to_string(),
            String::from_utf8(o.bytes.clone()).unwrap(),
        );
        let mut diags = Vec::new();
        let profile = profilec_core::seccomp::check_file(
            &sources,
            id,
            Some(&profilec_harness::Libseccomp),
            &mut diags,
        );
        assert!(profile.is_some(), "{}", o.path.display());
        let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            o.path.display(),
            render::human_string(&sources, &diags)
        );
        n += 1;
    }
    assert!(n >= 10, "{n} seccomp outputs");
}

#[test]
fn every_example_expectation_holds_simulated_and_live() {
    let ws = common::workspace();
    // The examples, and the design sketch as DESIGN.md writes it.
    let examples = [
        ws.join("examples/confine"),
        ws.join("tests/data/confine/build/design-sketch.confine"),
    ];
    let mut lines = Vec::new();
    let s = profilec_harness::suite::test_paths(
        &RealFs,
        &examples,
        false,
        DEFAULT_MAX_INPUT,
        &mut |l: &str| lines.push(l.to_string()),
    );
    assert_eq!(
        s.diagnostics.iter().filter(|d| d.is_error()).count(),
        0,
        "{}",
        render::human_string(&s.sources, &s.diagnostics)
    );
    assert_eq!(s.failed, 0, "{}", lines.join("\n"));
    assert_eq!(s.files, 8);
    assert!(s.rows >= 150, "{} rows", s.rows);
    if let Err(why) = profilec_harness::live::available() {
        eprintln!("live runs skipped: {why}");
        return;
    }
    let mut live_lines = Vec::new();
    let live = profilec_harness::suite::test_paths(
        &RealFs,
        &examples,
        true,
        DEFAULT_MAX_INPUT,
        &mut |l: &str| live_lines.push(l.to_string()),
    );
    assert_eq!(live.failed, 0, "{}", live_lines.join("\n"));
    assert!(live_lines
        .last()
        .unwrap()
        .ends_with("0 failed (simulated and live)"));
}
