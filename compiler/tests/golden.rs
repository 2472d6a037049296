//! Golden diagnostic tests: every `tests/data/diagnostics/*.sd` is checked
//! through the library and its rendered diagnostics (`render::human_string`,
//! no colour) are compared with the `.out` file next to it.
//!
//! Regenerate the expectations with `UPDATE_GOLDEN=1 cargo test -p profilec --test golden`
//! and review the diff. A new `.sd` dropped in the folder is picked up; until
//! its `.out` exists the test fails with that hint.
//!
//! Optional header in an `.sd`, a comment line `# args: ARG...` with, as on
//! the `profilec check` command line, `-I DIR`, `--base DIR` and PATHs. Paths
//! are relative to the folder of the `.sd`. With PATHs, those are checked
//! instead of the `.sd` itself. The base directory defaults to the folder, so
//! that nothing on the machine running the test changes the output.
//!
//! Every diagnostic the library reports is rendered, in the order it reports
//! them (also warnings in included files, which `profilec check` shows only
//! with `--include-warnings`), followed by the exit status they imply.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Write as _;

use std::path::Path;

use profilec_core::diag::render;
use profilec_core::input::fs::FileSystem;
use profilec_core::resolve::Options;
use profilec_core::session::Session;

use common::golden::Suite;

const DIR: &str = "tests/data/diagnostics";

use common::Rooted;

/// The `# args:` header of a case, split like a shell would (no quoting).
fn header_args(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.strip_prefix('#')?.trim().strip_prefix("args:"))
        .flat_map(|a| a.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// Check one case; return the text its `.out` file must hold.
fn run_case(fs: &Rooted, case: &Path) -> String {
    let folder = case.parent().expect("case in a folder");
    let bytes = fs.read(case).expect("read case");
    let mut opts = Options {
        include_dirs: Vec::new(),
        base: Some(folder.to_path_buf()),
        ..Options::default()
    };
    let mut paths = Vec::new();
    let mut args = header_args(&bytes).into_iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "-I" => opts
                .include_dirs
                .push(folder.join(args.next().expect("-I needs a directory"))),
            "--base" => {
                opts.base = Some(folder.join(args.next().expect("--base needs a directory")))
            }
            flag if flag.starts_with('-') => {
                panic!("{}: unknown header flag `{flag}`", case.display())
            }
            path => paths.push(folder.join(path)),
        }
    }
    if paths.is_empty() {
        paths.push(case.to_path_buf());
    }
    let mut session = Session::new(opts);
    let mut diags = Vec::new();
    for p in &paths {
        diags.extend(session.check_path(fs, p).diagnostics);
    }
    let status = i32::from(diags.iter().any(|d| d.is_error()));
    let mut out = String::new();
    writeln!(out, "# exit status: {status}").unwrap();
    out.push_str(&render::human_string(&session.sources, &diags));
    out
}

const SUITE: Suite = Suite {
    dir: DIR,
    input_ext: "sd",
    golden_ext: "out",
    test: "golden",
    comment: "#",
};

#[test]
fn golden_diagnostics() {
    let fs = Rooted(common::workspace());
    SUITE.run(50, |case| run_case(&fs, case));
}
