//! Verdicts of apparmor_parser 4.1 recorded from probes, one small profile
//! per line, that profilec must reproduce: the fidelity fixes of the
//! grammar differential (issue 12 and after), each class probed with small
//! variants so the rule, not one case, is pinned.
//!
//! `tests/data/verdicts/*.txt`: `A<TAB>text` (4.1 accepts) or `R<TAB>text`
//! (4.1 rejects), `\n` in the text for a line break; `#` lines are notes.
//! profilec's verdict must equal the recorded one. When 4.1 is fetched
//! (scripts/fetch-apparmor-parser-4.sh) every recorded verdict is also
//! checked against 4.1 itself, so the data cannot drift from the
//! reference. `VERDICTS_VERBOSE=1` prints each wrong case's diagnostics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::reference;
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::Session;

struct Case {
    source: String,
    accept: bool,
    text: String,
}

fn load() -> Vec<Case> {
    let dir = common::workspace().join("tests/data/verdicts");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    let mut cases = Vec::new();
    for path in names {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (verdict, body) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("{file}:{}: no tab", n + 1));
            let accept = match verdict {
                "A" => true,
                "R" => false,
                v => panic!("{file}:{}: verdict `{v}` is neither A nor R", n + 1),
            };
            cases.push(Case {
                source: format!("{file}:{}", n + 1),
                accept,
                text: body.replace("\\n", "\n") + "\n",
            });
        }
    }
    cases
}

fn main() {
    let cases = load();
    assert!(cases.len() > 100, "too few recorded verdicts");
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let p = tmp.path().join(format!("v{i:05}.sd"));
            std::fs::write(&p, &c.text).unwrap();
            p
        })
        .collect();
    let mut session = Session::new(Options {
        include_dirs: vec![PathBuf::from("/etc/apparmor.d")],
        base: Some(PathBuf::from("/etc/apparmor.d")),
        ..Options::default()
    });
    let verbose = std::env::var_os("VERDICTS_VERBOSE").is_some();
    let mut failed = 0;
    for (c, path) in cases.iter().zip(&files) {
        let checked = session.check_path(&RealFs, path);
        let ours = !checked.diagnostics.iter().any(|d| d.is_error());
        if ours != c.accept {
            failed += 1;
            println!(
                "{}: 4.1 {}, profilec {}: {}",
                c.source,
                if c.accept { "accepts" } else { "rejects" },
                if ours { "accepts" } else { "rejects" },
                c.text.trim_end().replace('\n', "\\n")
            );
            if verbose {
                for d in &checked.diagnostics {
                    println!("    {}: {}", d.code, d.message);
                }
            }
        }
    }
    // The recorded verdicts are 4.1's own.
    match reference::parser4() {
        Some(p4) => {
            let args = ["-I", "/etc/apparmor.d", "-b", "/etc/apparmor.d"];
            let rejected = reference::rejected_in_batches(&p4, &args, tmp.path(), &files);
            for (c, path) in cases.iter().zip(&files) {
                let mut theirs = !rejected.contains(path);
                if theirs != c.accept {
                    theirs = reference::accepts(&p4, &args, tmp.path(), path).unwrap_or(theirs);
                }
                if theirs != c.accept {
                    failed += 1;
                    println!(
                        "{}: recorded as {} but 4.1 {} it",
                        c.source,
                        if c.accept { "accepted" } else { "rejected" },
                        if theirs { "accepts" } else { "rejects" }
                    );
                }
            }
        }
        None => println!(
            "reference_verdicts: apparmor_parser 4.1 not fetched; recorded verdicts not re-checked"
        ),
    }
    println!("{} passed, {} failed", cases.len() - failed, failed);
    if failed > 0 {
        std::process::exit(1);
    }
}
