//! Every diagnostic code of the AppArmor front end (loading, syntax,
//! includes, checks) has a golden test: some `.out` under
//! `tests/data/diagnostics/` shows it rendered with its underlined span.
//! A new code without a golden case fails here with its name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// `pub const NAME: &str = "kebab-code";` declarations in a source file.
fn codes_in(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("pub const ")?;
            let (_, value) = rest.split_once(": &str = \"")?;
            let code = value.strip_suffix("\";")?;
            code.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                .then(|| code.to_string())
        })
        .collect()
}

#[test]
fn every_front_end_code_has_a_golden_case() {
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let src = ws.join("compiler/core/src");
    let mut sources = vec![src.join("input/load.rs")];
    for dir in ["syntax", "resolve", "check"] {
        files(&src.join(dir), "rs", &mut sources);
    }
    let mut codes: Vec<String> = sources
        .iter()
        .flat_map(|p| codes_in(&std::fs::read_to_string(p).unwrap()))
        .collect();
    codes.sort();
    codes.dedup();
    assert!(
        codes.len() > 50,
        "found only {} codes: is the scan broken?",
        codes.len()
    );

    let mut outs = Vec::new();
    files(&ws.join("tests/data/diagnostics"), "out", &mut outs);
    let golden: String = outs
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| !golden.contains(&format!("[{c}]")))
        .collect();
    println!("{} codes, {} golden files", codes.len(), outs.len());
    assert!(
        missing.is_empty(),
        "codes without a golden case in tests/data/diagnostics: {missing:?}"
    );
}
