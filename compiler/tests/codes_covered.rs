//! Every code of the registry (`profilec_core::diag::codes::ALL`) is shown
//! by a test: in a golden file (`[code]` in any `.out` or `.golden` under
//! tests/data), or named by a test that asserts it (an integration test
//! under compiler/, or a `#[cfg(test)]` module of the library).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use profilec_core::diag::codes;

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

fn read_all(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect()
}

#[test]
fn every_registered_code_is_shown_by_a_test() {
    let ws = common::workspace();
    let mut goldens = Vec::new();
    files(&ws.join("tests/data"), &["out", "golden"], &mut goldens);
    let golden = read_all(&goldens);

    // Tests that name codes: integration tests, and the library's unit
    // tests (the text after `#[cfg(test)]` of each source file).
    let mut sources = Vec::new();
    files(&ws.join("compiler"), &["rs"], &mut sources);
    let tests: String = sources
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            let is_test_file = p.components().any(|c| c.as_os_str() == "tests");
            match text.find("#[cfg(test)]") {
                _ if is_test_file => text,
                Some(i) => text[i..].to_string(),
                None => String::new(),
            }
        })
        .collect();

    let registry_text =
        std::fs::read_to_string(ws.join("compiler/core/src/diag/codes.rs")).unwrap();
    let missing: Vec<&str> = codes::ALL
        .iter()
        .filter(|c| {
            let ident = registry_text
                .lines()
                .find(|l| l.contains(&format!("= \"{}\",", c.name)))
                .and_then(|l| l.split('=').next())
                .map(str::trim)
                .unwrap_or("?");
            !golden.contains(&format!("[{}]", c.name))
                && !tests.contains(&format!("\"{}\"", c.name))
                && !tests.contains(&format!("[{}]", c.name))
                && !tests.contains(ident)
        })
        .map(|c| c.name)
        .collect();
    assert!(
        missing.is_empty(),
        "codes no test shows (add a golden case or a test that asserts the code): {missing:?}"
    );
}

#[test]
fn registry_names_are_unique_kebab_case_with_summaries() {
    let mut names: Vec<&str> = codes::ALL.iter().map(|c| c.name).collect();
    assert!(names.len() > 90, "registry too small: {}", names.len());
    for c in codes::ALL {
        assert!(
            c.name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
            "{}",
            c.name
        );
        assert!(
            !c.summary.is_empty() && !c.summary.ends_with('.'),
            "{}",
            c.name
        );
    }
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "a code is registered twice");
    let in_areas: usize = codes::AREAS.iter().map(|(_, cs)| cs.len()).sum();
    assert_eq!(in_areas, codes::ALL.len());
}
