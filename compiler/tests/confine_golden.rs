//! Golden tests of the `.confine` front end and its lowering, through the
//! library call `profilec build` makes (`profilec_core::build::plan`):
//!
//! - `tests/data/confine/build/NAME.confine` -> `NAME.golden`: the rendered
//!   diagnostics, then every output file (AppArmor text and seccomp JSON)
//!   byte for byte;
//! - `tests/data/confine/diagnostics/NAME.confine` -> `NAME.out`: the
//!   rendered diagnostics (code, message, underlined text, help) and the
//!   exit status; one or more cases per DSL diagnostic code;
//! - `examples/confine/` -> `tests/data/confine/examples/`: every output of
//!   the examples, as `profilec build` writes them.
//!
//! Regenerate with `UPDATE_GOLDEN=1 cargo test -p profilec --test confine_golden`
//! and review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Write as _;

use std::path::PathBuf;

use common::golden::Suite;
use profilec_core::build;
use profilec_core::diag::render;
use profilec_core::resolve::Options;

use common::Rooted;

fn plan(inputs: &[PathBuf]) -> build::Plan {
    let fs = Rooted(common::workspace());
    build::plan(&fs, inputs, &Options::default())
}

fn diagnostics(plan: &build::Plan) -> String {
    let mut out = String::new();
    writeln!(out, "# exit status: {}", i32::from(plan.has_errors())).unwrap();
    out.push_str(&render::human_string(&plan.sources, &plan.diagnostics));
    out
}

const BUILD: Suite = Suite {
    dir: "tests/data/confine/build",
    input_ext: "confine",
    golden_ext: "golden",
    test: "confine_golden",
    comment: "#",
};

const DIAGNOSTICS: Suite = Suite {
    dir: "tests/data/confine/diagnostics",
    input_ext: "confine",
    golden_ext: "out",
    test: "confine_golden",
    comment: "#",
};

#[test]
fn build_outputs() {
    BUILD.run(5, |input| {
        let plan = plan(&[input.to_path_buf()]);
        let mut out = diagnostics(&plan);
        for o in &plan.outputs {
            writeln!(out, "=== {}", o.path.display()).unwrap();
            out.push_str(&String::from_utf8(o.bytes.clone()).unwrap());
        }
        out
    });
}

#[test]
fn diagnostics_of_bad_inputs() {
    DIAGNOSTICS.run(20, |input| {
        let plan = plan(&[input.to_path_buf()]);
        diagnostics(&plan)
    });
}

/// Every output of `examples/confine`, as files under
/// `tests/data/confine/examples/` (readable, and diffable in review).
#[test]
fn example_outputs() {
    let ws = common::workspace();
    let plan = plan(&[PathBuf::from("examples/confine")]);
    assert!(
        !plan.has_errors(),
        "{}",
        render::human_string(&plan.sources, &plan.diagnostics)
    );
    let warnings: Vec<_> = plan
        .diagnostics
        .iter()
        .filter(|d| d.severity == profilec_core::diag::Severity::Warning)
        .map(|d| d.message.clone())
        .collect();
    assert!(warnings.is_empty(), "examples have warnings: {warnings:?}");
    let dir = ws.join("tests/data/confine/examples");
    let update = common::golden::update_requested();
    let mut failures = Vec::new();
    let mut expected: Vec<PathBuf> = Vec::new();
    for sub in ["apparmor", "seccomp"] {
        for f in common::regular_files(&dir.join(sub)) {
            expected.push(f.strip_prefix(&dir).unwrap().to_path_buf());
        }
    }
    for o in &plan.outputs {
        let golden = dir.join(&o.path);
        expected.retain(|p| p != &o.path);
        if std::fs::read(&golden).ok().as_deref() == Some(o.bytes.as_slice()) {
            continue;
        }
        if update {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &o.bytes).unwrap();
        } else {
            failures.push(o.path.display().to_string());
        }
    }
    for stale in expected {
        if update {
            std::fs::remove_file(dir.join(&stale)).unwrap();
        } else {
            failures.push(format!("{} (stale)", stale.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "example outputs differ from tests/data/confine/examples: {failures:?}; if intended, run `UPDATE_GOLDEN=1 cargo test -p profilec --test confine_golden`"
    );
    assert_eq!(plan.outputs.len(), 16);
}
