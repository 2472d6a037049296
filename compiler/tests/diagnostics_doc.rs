//! `docs/diagnostics.md` is generated from the registry of codes
//! (`profilec_core::diag::codes`), with an example of each code taken from
//! the golden files (or, for the few codes no golden file shows, the line a
//! test asserts). The test fails when the file is stale; regenerate it with
//! `UPDATE_GOLDEN=1 cargo test -p profilec --test diagnostics_doc`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use profilec_core::diag::{codes, Code, Severity};

fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() && p.file_name().is_none_or(|n| n != "target") {
            files(&p, exts, out);
        } else if p.extension().is_some_and(|x| exts.iter().any(|e| x == *e)) {
            out.push(p);
        }
    }
}

/// The first rendered diagnostic of `code` in the golden files: from its
/// `severity[code]:` line to the next diagnostic or the end of the file.
fn golden_example(goldens: &[(PathBuf, String)], code: &Code) -> Option<String> {
    let head = format!("[{}]: ", code.name);
    for (_, text) in goldens {
        let lines: Vec<&str> = text.lines().collect();
        let Some(start) = lines
            .iter()
            .position(|l| l.contains(&head) && starts_diagnostic(l))
        else {
            continue;
        };
        let mut block: Vec<&str> = lines[start..]
            .iter()
            .enumerate()
            .take_while(|(i, l)| *i == 0 || !starts_diagnostic(l))
            .map(|(_, l)| *l)
            .take(20)
            .collect();
        while block.last().is_some_and(|l| l.trim().is_empty()) {
            block.pop();
        }
        return Some(block.join("\n"));
    }
    None
}

fn starts_diagnostic(line: &str) -> bool {
    ["error[", "warning[", "note["]
        .iter()
        .any(|p| line.starts_with(p))
}

/// A line a test asserts for `code` (`error[code]: message`).
fn asserted_example(tests: &str, code: &Code) -> Option<String> {
    let head = format!("[{}]: ", code.name);
    let at = tests.find(&head)?;
    let line_start = tests[..at].rfind('"').map_or(0, |i| i + 1);
    let line_end = at + tests[at..].find('"').unwrap_or(0);
    Some(tests[line_start..line_end].to_string())
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn generate() -> String {
    let ws = common::workspace();
    let mut golden_paths = Vec::new();
    files(
        &ws.join("tests/data"),
        &["out", "golden"],
        &mut golden_paths,
    );
    golden_paths.sort();
    let goldens: Vec<(PathBuf, String)> = golden_paths
        .into_iter()
        .map(|p| {
            let t = std::fs::read_to_string(&p).unwrap_or_default();
            (p, t)
        })
        .collect();
    let mut test_paths = Vec::new();
    files(&ws.join("compiler/tests"), &["rs"], &mut test_paths);
    test_paths.sort();
    let tests: String = test_paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();

    let mut out = String::new();
    out.push_str(
        "# Diagnostic codes\n\n\
         <!-- Generated from the registry (compiler/core/src/diag/codes.rs) by\n\
         compiler/tests/diagnostics_doc.rs; regenerate: UPDATE_GOLDEN=1 cargo test -p profilec --test diagnostics_doc -->\n\n\
         Every diagnostic profilec reports has a stable code. Warnings and notes can be\n\
         silenced by a comment naming the code, on the line of the finding or among the\n\
         comment lines that open the file:\n\n\
         ```\n\
         # profilec: allow(deprecated-hash-include)\n\
         #include <tunables/global>   # profilec: allow(deprecated-hash-include)\n\
         ```\n\n\
         Errors cannot be silenced. The same codes appear in `--format json` and as SARIF\n\
         rule ids (`--format sarif`), and the language server links each one here.\n\n",
    );
    for (area, cs) in codes::AREAS {
        writeln!(out, "## {area}\n").unwrap();
        writeln!(out, "| code | default | summary |\n| --- | --- | --- |").unwrap();
        for c in *cs {
            writeln!(
                out,
                "| [`{n}`](#{n}) | {} | {} |",
                severity(c.severity),
                c.summary.replace('|', "\\|"),
                n = c.name
            )
            .unwrap();
        }
        out.push('\n');
        for c in *cs {
            writeln!(out, "### {}\n", c.name).unwrap();
            writeln!(
                out,
                "{} ({}).\n",
                capitalise(c.summary),
                severity(c.severity)
            )
            .unwrap();
            match golden_example(&goldens, c).or_else(|| asserted_example(&tests, c)) {
                Some(ex) => writeln!(out, "```text\n{ex}\n```\n").unwrap(),
                None => writeln!(out, "(no example yet)\n").unwrap(),
            }
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[test]
fn docs_diagnostics_md_is_current() {
    let path = common::workspace().join("docs/diagnostics.md");
    let want = generate();
    if common::golden::update_requested() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/diagnostics.md is stale; regenerate it with `UPDATE_GOLDEN=1 cargo test -p profilec --test diagnostics_doc`:\n{}",
        similar::TextDiff::from_lines(&have, &want)
            .unified_diff()
            .header("docs/diagnostics.md", "generated")
    );
}

#[test]
fn every_code_has_an_example() {
    let doc = generate();
    assert!(
        !doc.contains("(no example yet)"),
        "codes without an example in the generated doc"
    );
}
