//! Fixture tests in the style of nickel's: each `fixtures/*.txt` holds
//! documents and requests; `fixtures/*.out` the server's responses.
//! Regenerate the expectations with `UPDATE_GOLDEN=1 cargo test -p
//! profilec-lsp --test fixtures` and review the diff (the variable every
//! golden suite of the project reads); an `.out` without its `.txt` is
//! stale and fails.
//!
//! Format of a fixture (positions are 0-based line:utf16-column, as LSP):
//!
//! ```text
//! # what the fixture shows
//! //- /w/p.sd              an open document, its text on the lines below
//! //- disk /etc/x          a file on the (in-memory) disk, not open
//! //> hover /w/p.sd 1:14   a request; its response goes to the .out file
//! ```
//!
//! Requests: `diagnostics PATH` (the last publication for it), `text PATH`, `change PATH
//! L:C L:C "json text"`, `save PATH`, `close PATH`, `settings {json}`,
//! `hover`, `completion`, `definition`, `references`, `highlight`,
//! `prepare-rename` (PATH L:C), `rename PATH L:C NEW`, `symbols PATH`,
//! `workspace-symbols QUERY`, `folding PATH`, `tokens PATH`, `format PATH`,
//! `format-range PATH L:C L:C`, `actions PATH L:C L:C`, `inlay PATH`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::Harness;

const HEADER: &str = "# Golden file of lsp/tests/fixtures.rs; regenerate: UPDATE_GOLDEN=1 cargo test -p profilec-lsp --test fixtures\n";

#[test]
fn fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let mut failed = Vec::new();
    for path in names {
        let fixture = std::fs::read_to_string(&path).unwrap();
        let got = format!("{HEADER}{}", run(&fixture));
        let out = path.with_extension("out");
        let want = std::fs::read_to_string(&out).unwrap_or_default();
        if got == want {
            continue;
        }
        if update {
            std::fs::write(&out, &got).unwrap();
            continue;
        }
        eprintln!("--- {} differs; got:\n{got}", out.display());
        failed.push(out.display().to_string());
    }
    // An expectation whose fixture is gone is stale.
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "out") && !p.with_extension("txt").exists() {
            if update {
                let _ = std::fs::remove_file(&p);
            } else {
                failed.push(format!("{} (stale: no .txt)", p.display()));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "fixtures differ (UPDATE_GOLDEN=1 to regenerate, then review the diff): {failed:?}"
    );
}

/// Run one fixture and render every response.
fn run(fixture: &str) -> String {
    let mut docs: Vec<(String, String)> = Vec::new();
    let mut disk: Vec<(String, String)> = Vec::new();
    let mut requests: Vec<String> = Vec::new();
    let mut current: Option<(bool, String, String)> = None;
    let flush =
        |current: &mut Option<(bool, String, String)>, docs: &mut Vec<_>, disk: &mut Vec<_>| {
            if let Some((on_disk, path, text)) = current.take() {
                if on_disk {
                    disk.push((path, text));
                } else {
                    docs.push((path, text));
                }
            }
        };
    for line in fixture.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("//- ") {
            flush(&mut current, &mut docs, &mut disk);
            let rest = rest.trim();
            current = Some(match rest.strip_prefix("disk ") {
                Some(p) => (true, p.to_string(), String::new()),
                None => (false, rest.to_string(), String::new()),
            });
        } else if let Some(rest) = line.strip_prefix("//> ") {
            flush(&mut current, &mut docs, &mut disk);
            requests.push(rest.trim().to_string());
        } else if let Some((_, _, text)) = current.as_mut() {
            text.push_str(line);
        }
    }
    flush(&mut current, &mut docs, &mut disk);
    let mut h = Harness::new(&disk);
    for (path, text) in &docs {
        h.open(path, text);
    }
    let mut out = String::new();
    for r in requests {
        out.push_str(&format!("=== {r}\n{}\n", h.request(&r)));
    }
    out
}
