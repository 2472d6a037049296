//! `profilec fmt` on whole corpora: the Debian profiles and every
//! expected-PASS conformance case.
//!
//! For every file fmt accepts: fmt(fmt(x)) == fmt(x); the output parses with
//! no syntax error; the checker gives the same number of errors and
//! warnings for the output as for the original (less the deprecation
//! warnings of `#include`, which fmt rewrites); every comment survives.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use profilec_core::diag::{Diagnostic, SourceMap};
use profilec_core::emit::apparmor::{emit_tree, format_text, format_text_in};
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::Session;
use profilec_core::syntax::{codes, parse_apparmor, Context};

mod common;
use common::{
    all_conformance_cases, conformance_cases, debian_corpus, debian_include_files, suite_dir,
    ConformanceDir,
};

/// Comment texts of a file, sorted.
fn comments(text: &str) -> Vec<String> {
    let mut sources = SourceMap::new();
    let id = sources.add("x", text);
    let (file, _) = parse_apparmor(id, text, Context::Top);
    let mut out: Vec<String> = file
        .comments
        .iter()
        .map(|c| text[c.range()].trim_end().to_string())
        .collect();
    out.sort();
    out
}

/// (errors, warnings) the checker gives, `#include` deprecations left out.
fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags
        .iter()
        .filter(|d| !d.is_error() && d.code != codes::DEPRECATED_HASH_INCLUDE)
        .count();
    (errors, warnings)
}

/// Run the properties over `cases`; returns (formatted, refused) and the
/// failures.
fn check_corpus(cases: &[(String, String)], opts: Options) -> (usize, usize, Vec<String>) {
    let mut session = Session::new(opts);
    let mut failures = Vec::new();
    let mut formatted = 0;
    let mut refused = 0;
    for (name, text) in cases {
        let once = match format_text(text) {
            Ok(f) => f,
            Err(_) => {
                refused += 1;
                continue;
            }
        };
        formatted += 1;
        match format_text(&once) {
            Ok(twice) if twice == once => {}
            Ok(twice) => {
                let diff = similar::TextDiff::from_lines(&once, &twice);
                failures.push(format!(
                    "{name}: not idempotent\n{}",
                    diff.unified_diff().header("fmt", "fmt twice")
                ));
                continue;
            }
            Err(d) => {
                let first = d.first().map(|d| d.message.clone()).unwrap_or_default();
                failures.push(format!("{name}: formatted text does not parse: {first}"));
                continue;
            }
        }
        if comments(text) != comments(&once) {
            failures.push(format!("{name}: comments differ after fmt"));
        }
        // The same tree printed with no source (as the DSL will): reads
        // back, and is canonical.
        let mut sources = SourceMap::new();
        let id = sources.add(name.as_str(), text.as_str());
        let (tree, _) = parse_apparmor(id, text, Context::Top);
        match emit_tree(&tree) {
            Ok(t) if format_text(&t).as_ref() == Ok(&t) => {}
            Ok(_) => failures.push(format!("{name}: emit_tree output is not canonical")),
            Err(d) => failures.push(format!("{name}: emit_tree refused: {}", d.message)),
        }
        let before = session.check_bytes(&RealFs, name, text.clone().into_bytes());
        let after = session.check_bytes(&RealFs, name, once.into_bytes());
        let (b, a) = (counts(&before.diagnostics), counts(&after.diagnostics));
        if b != a {
            failures.push(format!(
                "{name}: checker gives (errors, warnings) {b:?} before fmt, {a:?} after"
            ));
        }
    }
    (formatted, refused, failures)
}

#[test]
fn debian_corpus_is_stable_under_fmt() {
    let cases = debian_corpus();
    assert!(
        cases.len() >= 20,
        "only {} Debian profiles found; install apparmor, apparmor-profiles, apparmor-profiles-extra",
        cases.len()
    );
    let etc = PathBuf::from("/etc/apparmor.d");
    let (formatted, refused, failures) = check_corpus(
        &cases,
        Options {
            include_dirs: vec![etc.clone()],
            base: Some(etc),
            ..Options::default()
        },
    );
    println!("fmt idempotence [debian]: formatted {formatted}, refused {refused}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(refused, 0, "fmt refused a Debian profile");
}

#[test]
fn conformance_pass_cases_are_stable_under_fmt() {
    let suite = suite_dir();
    let cases = conformance_cases(&suite);
    assert!(!cases.is_empty(), "no cases under {}", suite.display());
    let tst = ConformanceDir::new(&suite).unwrap_or_else(|e| panic!("{e}"));
    let (formatted, refused, failures) = check_corpus(
        &cases,
        Options {
            include_dirs: vec![suite.clone()],
            cwd: Some(tst.path()),
            ..Options::default()
        },
    );
    println!("fmt idempotence [conformance PASS]: formatted {formatted}, refused {refused}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Include files of rules (abstractions), formatted as profile bodies.
#[test]
fn debian_include_files_are_stable_under_fmt() {
    let files = debian_include_files();
    assert!(files.len() >= 50, "only {} abstractions found", files.len());
    let mut failures = Vec::new();
    for (name, text) in &files {
        let once = match format_text_in(text, Context::Body) {
            Ok(f) => f,
            Err(d) => {
                let first = d.first().map(|d| d.message.clone()).unwrap_or_default();
                failures.push(format!("{name}: refused: {first}"));
                continue;
            }
        };
        match format_text_in(&once, Context::Body) {
            Ok(twice) if twice == once => {}
            _ => failures.push(format!("{name}: not idempotent")),
        }
        if comments(text) != comments(&once) {
            failures.push(format!("{name}: comments differ after fmt"));
        }
    }
    println!(
        "fmt idempotence [debian include files]: {} files",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Expected-FAIL cases too, wherever they parse: they are the oddest inputs
/// of the suite. fmt must be idempotent on them, keep every comment, and
/// leave the checker's verdict as it was.
#[test]
fn every_parsable_conformance_case_is_stable_under_fmt() {
    let suite = suite_dir();
    let cases = all_conformance_cases(&suite);
    let tst = ConformanceDir::new(&suite).unwrap_or_else(|e| panic!("{e}"));
    let (formatted, refused, failures) = check_corpus(
        &cases,
        Options {
            include_dirs: vec![suite.clone()],
            cwd: Some(tst.path()),
            ..Options::default()
        },
    );
    println!("fmt idempotence [conformance, all]: formatted {formatted}, refused {refused}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
