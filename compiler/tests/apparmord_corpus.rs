//! The shared half of the apparmor.d collection (`../shared/corpora/
//! apparmor.d`, not copied in): every profile its `compiles-with-4.1.txt`
//! lists, which apparmor_parser 4.1 accepts run as
//! `apparmor_parser -QK -b include-root -I include-root profiles/<path>`,
//! is checked the same way (from the corpus directory, `-I` and `--base`
//! at its include root) and must give no error. Without the corpus the test
//! says so and checks nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::batch::{self, Input, WarningPolicy};

#[test]
fn every_listed_apparmor_d_profile_checks_without_error() {
    let corpus = common::workspace().join("../shared/corpora/apparmor.d");
    let Ok(list) = std::fs::read_to_string(corpus.join("compiles-with-4.1.txt")) else {
        eprintln!(
            "apparmor.d corpus not present at {}; nothing checked",
            corpus.display()
        );
        return;
    };
    let root = corpus.join("include-root");
    let inputs: Vec<Input> = list
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Input::Path(corpus.join("profiles").join(l.trim())))
        .collect();
    assert!(inputs.len() > 500, "only {} profiles listed", inputs.len());
    let opts = Options {
        include_dirs: vec![root.clone()],
        base: Some(root),
        cwd: Some(corpus.clone()),
        ..Options::default()
    };
    let report = batch::check(&RealFs, &inputs, &opts, WarningPolicy::default(), None);
    let mut errors: Vec<String> = report
        .diagnostics()
        .filter(|(_, d)| d.is_error())
        .map(|(s, d)| {
            let at = d
                .primary
                .as_ref()
                .map(|l| {
                    let lc = s.line_col(l.span.file, l.span.start as usize);
                    format!("{}:{}:{}", s.name(l.span.file), lc.line, lc.column)
                })
                .unwrap_or_default();
            format!("{at}: {}[{}] {}", d.severity.as_str(), d.code, d.message)
        })
        .collect();
    errors.sort();
    let files: std::collections::BTreeSet<PathBuf> = errors
        .iter()
        .filter_map(|e| e.split(':').next().map(PathBuf::from))
        .collect();
    println!(
        "apparmor.d corpus: {} profiles checked, {} with errors",
        inputs.len(),
        files.len()
    );
    assert!(errors.is_empty(), "false errors:\n{}", errors.join("\n"));
}
