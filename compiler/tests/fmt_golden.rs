//! Golden tests of `profilec fmt`: `tests/data/fmt/NAME.sd` formats to
//! exactly `tests/data/fmt/NAME.fmt`. Regenerate the expected files with
//! `UPDATE_GOLDEN=1 cargo test -p profilec --test fmt_golden` and review the diff; see
//! `tests/data/fmt/README.md`. The expected files are themselves canonical
//! (formatting one gives it back), and the inputs are also run through the
//! `apparmor_parser` oracle by `fmt_oracle`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use profilec_core::emit::apparmor::format_text;

mod common;
use common::golden::Suite;
use common::golden_inputs;

const SUITE: Suite = Suite {
    dir: "tests/data/fmt",
    input_ext: "sd",
    golden_ext: "fmt",
    test: "fmt_golden",
    comment: "#",
};

#[test]
fn golden_files() {
    SUITE.run(6, |input| {
        let text = std::fs::read_to_string(common::workspace().join(input)).unwrap();
        let formatted = match format_text(&text) {
            Ok(f) => f,
            Err(d) => return format!("refused: {:?}\n", d.first().map(|d| &d.message)),
        };
        // The expected text is itself canonical: formatting it gives it back.
        let again = format_text(&formatted);
        assert_eq!(
            again.as_ref().ok(),
            Some(&formatted),
            "{}: not stable under fmt",
            input.display()
        );
        formatted
    });
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

/// A file that parsed with an error region is never printed: the
/// formatter refuses it with its own code.
#[test]
fn a_tree_with_an_error_region_is_refused() {
    use profilec_core::diag::SourceMap;
    use profilec_core::emit::apparmor::emit_file;
    use profilec_core::syntax::{parse_apparmor, Context};
    let text = "profile p {\n  /a rw\n}\n";
    let mut sources = SourceMap::new();
    let id = sources.add("p", text);
    let (file, _) = parse_apparmor(id, text, Context::Top);
    let d = emit_file(&file, text).unwrap_err();
    let shown = format!("{}[{}]: {}", d.severity.as_str(), d.code, d.message);
    assert_eq!(
        shown,
        "error[fmt-refused]: the file has a syntax error; not formatted"
    );
}
