//! The canonical printer of `.confine` files
//! (`profilec_core::emit::confine::format`):
//!
//! - golden files: `tests/data/confine/fmt/NAME.confine` formats to
//!   `NAME.fmt` (or is refused, saying why), and the output is canonical
//!   (formatting it again gives it back);
//! - every `.confine` file of the repository (examples, build and
//!   diagnostics cases, the stdlib) formats idempotently or is refused for
//!   a syntax error, and its comments survive in order;
//! - the examples, formatted, build to byte-identical outputs.
//!
//! Regenerate with `UPDATE_GOLDEN=1 cargo test -p profilec --test confine_fmt`
//! and review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::golden::Suite;
use common::Rooted;
use profilec_core::build;
use profilec_core::diag::FileId;
use profilec_core::emit::confine::{format, lex, Kind};
use profilec_core::input::fs::{Layered, MemoryFs};
use profilec_core::resolve::Options;

const SUITE: Suite = Suite {
    dir: "tests/data/confine/fmt",
    input_ext: "confine",
    golden_ext: "fmt",
    test: "confine_fmt",
    comment: "#",
};

fn fmt(text: &str) -> Result<String, String> {
    format(FileId(0), text).map_err(|d| d.message)
}

#[test]
fn golden_files() {
    SUITE.run(4, |input| {
        let text = std::fs::read_to_string(common::workspace().join(input)).unwrap();
        match fmt(&text) {
            Ok(f) => {
                assert_eq!(
                    fmt(&f).as_ref(),
                    Ok(&f),
                    "{}: not stable under fmt",
                    input.display()
                );
                f
            }
            Err(m) => format!("refused: {m}\n"),
        }
    });
}

fn confine_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            confine_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "confine") {
            out.push(p);
        }
    }
}

#[test]
fn every_confine_file_formats_idempotently() {
    let ws = common::workspace();
    let mut files = Vec::new();
    for d in ["examples", "tests/data/confine", "stdlib/confine"] {
        confine_files(&ws.join(d), &mut files);
    }
    files.sort();
    assert!(files.len() > 50, "{}", files.len());
    let mut formatted = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let out = match fmt(&text) {
            Ok(out) => out,
            Err(m) => {
                assert!(
                    m.contains("syntax error") || m.contains("grammar does not take"),
                    "{}: refused without a syntax error: {m}",
                    f.display()
                );
                continue;
            }
        };
        formatted += 1;
        assert_eq!(
            fmt(&out).as_ref(),
            Ok(&out),
            "{}: not idempotent",
            f.display()
        );
        let comments = |t: &str| -> Vec<String> {
            lex(t)
                .iter()
                .filter(|l| l.kind == Kind::Comment)
                .map(|l| l.text(t).trim_end().to_string())
                .collect()
        };
        assert_eq!(comments(&text), comments(&out), "{}", f.display());
    }
    assert!(formatted > 40, "only {formatted} files formatted");
}

#[test]
fn formatted_examples_build_to_the_same_outputs() {
    let ws = common::workspace();
    let mut files = Vec::new();
    confine_files(&ws.join("examples/confine"), &mut files);
    assert!(files.len() >= 9);
    let mut mem = MemoryFs::new();
    let mut changed = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let out = fmt(&text).unwrap_or_else(|m| panic!("{}: {m}", f.display()));
        changed += usize::from(out != text);
        let rel = f.strip_prefix(&ws).unwrap().to_path_buf();
        mem.insert(rel, out);
    }
    let inputs = [PathBuf::from("examples/confine")];
    let before = build::plan(&Rooted(ws.clone()), &inputs, &Options::default());
    let after = build::plan(
        &Layered {
            first: mem,
            second: Rooted(ws),
        },
        &inputs,
        &Options::default(),
    );
    assert!(!before.has_errors() && !after.has_errors());
    assert_eq!(before.outputs.len(), after.outputs.len());
    for (a, b) in before.outputs.iter().zip(&after.outputs) {
        assert_eq!(a.path, b.path);
        assert!(a.bytes == b.bytes, "{} differs", a.path.display());
    }
    eprintln!("{changed} of {} examples change under fmt", files.len());
}

/// `profilec fmt` takes `.confine` files: prints, checks (a diff, exit 1),
/// rewrites, and refuses a file with a syntax error.
#[test]
fn the_cli_formats_confine_files() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("a.confine");
    let bad = dir.path().join("b.confine");
    std::fs::write(&good, "confine   a {\n mode enforce\n}\n").unwrap();
    std::fs::write(&bad, "confine b {\n  fils { }\n}\n").unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_profilec"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let printed = run(&["fmt", "a.confine"]);
    assert_eq!(printed.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&printed.stdout),
        "confine a {\n  mode enforce\n}\n"
    );
    let check = run(&["fmt", "--check", "a.confine"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stdout).contains("+confine a {"));
    let write = run(&["fmt", "--write", "a.confine"]);
    assert_eq!(write.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&good).unwrap(),
        "confine a {\n  mode enforce\n}\n"
    );
    let refused = run(&["fmt", "b.confine"]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("left unformatted"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap(),
        "confine b {\n  fils { }\n}\n"
    );
}

/// Random edits of the examples: whatever the printer accepts, it prints
/// idempotently (its own check keeps the tree and the comments).
#[test]
fn random_edits_format_idempotently_or_are_refused() {
    let ws = common::workspace();
    let mut files = Vec::new();
    confine_files(&ws.join("examples/confine"), &mut files);
    confine_files(&ws.join("tests/data/confine/fmt"), &mut files);
    files.sort();
    const SNIPPETS: &[&str] = &[
        " ",
        "  ",
        "\n",
        "\n\n",
        ";",
        "; ",
        "# note\n",
        " # trailing",
        "{",
        "}",
        "{ }",
        "[a, b]",
        ",",
        "\t",
        "\"q s\"",
        "files { read /x }",
        "\n  deny ptrace\n",
        "apparmor { /y r, }",
        "expect {\n syscall read allowed\n}\n",
        "@{HOME}/{a,b}",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1) as u64) as usize
    };
    let (mut accepted, mut refused) = (0, 0);
    for f in &files {
        let original = std::fs::read_to_string(f).unwrap();
        for _ in 0..60 {
            let mut text = original.clone();
            for _ in 0..1 + next(3) {
                let mut at = next(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                if next(4) == 0 {
                    let mut end = (at + next(8)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(at..end, "");
                } else {
                    text.insert_str(at, SNIPPETS[next(SNIPPETS.len())]);
                }
            }
            match fmt(&text) {
                Ok(out) => {
                    accepted += 1;
                    assert_eq!(
                        fmt(&out).as_ref(),
                        Ok(&out),
                        "{}: not idempotent for\n{text}",
                        f.display()
                    );
                }
                Err(m) => {
                    refused += 1;
                    assert!(
                        !m.contains("would not read back"),
                        "{}: the printer's own check failed for\n{text}",
                        f.display()
                    );
                }
            }
        }
    }
    assert!(accepted > 50, "accepted {accepted}, refused {refused}");
    eprintln!("accepted {accepted}, refused {refused}");
}
