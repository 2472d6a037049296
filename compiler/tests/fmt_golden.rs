//! Golden tests of `profilec fmt`: `tests/data/fmt/NAME.sd` formats to
//! exactly `tests/data/fmt/NAME.fmt`. Regenerate the expected files with
//! `UPDATE_GOLDEN=1 cargo test --test fmt_golden` and review the diff; see
//! `tests/data/fmt/README.md`. The expected files are themselves canonical
//! (formatting one gives it back), and the inputs are also run through the
//! `apparmor_parser` oracle by `fmt_oracle`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use profilec_core::emit::apparmor::format_text;

mod common;
use common::{golden_dir, golden_inputs};

#[test]
fn golden_files() {
    let inputs = golden_inputs();
    assert!(
        inputs.len() >= 6,
        "golden inputs missing under {}",
        golden_dir().display()
    );
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for (name, text) in &inputs {
        let expected_path = std::path::Path::new(name).with_extension("fmt");
        let got = match format_text(text) {
            Ok(f) => f,
            Err(d) => {
                failures.push(format!(
                    "{name}: refused: {:?}",
                    d.first().map(|d| &d.message)
                ));
                continue;
            }
        };
        if update {
            if let Err(e) = std::fs::write(&expected_path, &got) {
                failures.push(format!("{}: {e}", expected_path.display()));
            }
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            let diff = similar::TextDiff::from_lines(&expected, &got);
            failures.push(format!(
                "{name}: output differs from {} (UPDATE_GOLDEN=1 to accept)\n{}",
                expected_path.display(),
                diff.unified_diff().header("expected", "got")
            ));
            continue;
        }
        match format_text(&expected) {
            Ok(again) if again == expected => {}
            _ => failures.push(format!("{}: not stable under fmt", expected_path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every comment of every golden input is in its output, in order.
#[test]
fn golden_comments_survive() {
    for (name, text) in golden_inputs() {
        let Ok(out) = format_text(&text) else {
            panic!("{name}: refused");
        };
        let mut rest = out.as_str();
        for line in text.lines() {
            let Some(i) = line.find(" #").map(|i| i + 1).or_else(|| {
                line.trim_start()
                    .starts_with('#')
                    .then(|| line.len() - line.trim_start().len())
            }) else {
                continue;
            };
            let comment = line[i..].trim_end();
            if comment.starts_with("#include") {
                continue;
            }
            match rest.find(comment) {
                Some(at) => rest = &rest[at + comment.len()..],
                None => panic!("{name}: comment `{comment}` lost or out of order"),
            }
        }
    }
}
