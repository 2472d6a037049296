//! Round-trip oracle for `profilec fmt`: `apparmor_parser -QK -S` must give
//! the same compiled policy bytes for a file and for its formatted text.
//!
//! Corpora: the Debian-packaged profiles (top-level files of /etc/apparmor.d
//! and /usr/share/apparmor/extra-profiles, from the packages apparmor,
//! apparmor-profiles, apparmor-profiles-extra); the include files under
//! /etc/apparmor.d/abstractions, compiled inside a profile that includes
//! them; every expected-PASS case of the conformance suite; the golden
//! inputs of `tests/data/fmt`. A file the oracle rejects as written is
//! skipped and counted; every file it accepts must be formatted, and
//! compile to identical bytes.
//!
//! The text goes to the parser on stdin both times, with the same include
//! path, base directory and working directory; the compiled policy holds no
//! file name (see `docs/fmt.md`).
//!
//! Fails, never passes silently, when `apparmor_parser` is missing.
//! `FMT_ORACLE_VERBOSE=1` prints a diff of each failing file. When Debian
//! 13's parser (4.1) has been fetched (`scripts/fetch-apparmor-parser-4.sh`,
//! into `target/apparmor-4`, or `FMT_ORACLE_PARSER4=PATH`), every corpus is
//! judged by it too, so that the 4.x language is checked as well.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use profilec_core::emit::apparmor::{format_text, format_text_in};
use profilec_core::syntax::Context;

mod common;
use common::{
    conformance_cases, debian_corpus, debian_include_files, golden_inputs, include_files,
    profile_files, suite_dir, ConformanceDir,
};

/// The oracle: `apparmor_parser` on the PATH, or the executable named by
/// `FMT_ORACLE_PARSER`.
fn parser() -> String {
    std::env::var("FMT_ORACLE_PARSER").unwrap_or_else(|_| "apparmor_parser".to_string())
}

/// A second oracle that reads the 4.x language: Debian 13's parser as
/// `scripts/fetch-apparmor-parser-4.sh` unpacks it (default under
/// `target/apparmor-4`), or `FMT_ORACLE_PARSER4`. Used when present.
fn parser4() -> Option<String> {
    let p = std::env::var_os("FMT_ORACLE_PARSER4")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/apparmor-4/apparmor_parser")
        });
    p.exists().then(|| p.display().to_string())
}

/// How the oracle is run for one corpus.
struct Oracle {
    parser: String,
    args: Vec<String>,
    cwd: PathBuf,
}

impl Oracle {
    /// The compiled policy, or `None` when the parser rejects the text.
    fn compile(&self, text: &str) -> Result<Option<Vec<u8>>, String> {
        self.compile_with(&[], text)
    }

    /// As `compile`, with `extra` arguments before the usual ones (an `-I`
    /// directory searched first).
    fn compile_with(&self, extra: &[String], text: &str) -> Result<Option<Vec<u8>>, String> {
        let parser = &self.parser;
        let mut child = Command::new(parser)
            .args(["-QK", "-S", "-q"])
            .args(extra)
            .args(&self.args)
            .current_dir(&self.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {parser}: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A parser that stops reading early fails below; ignore EPIPE.
            let _ = stdin.write_all(text.as_bytes());
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("{parser} did not finish: {e}"))?;
        Ok(out.status.success().then_some(out.stdout))
    }
}

#[derive(Default)]
struct Tally {
    compared: usize,
    identical: usize,
    /// Identical although fmt changed the text (the oracle ran twice).
    rewritten: usize,
    skipped: usize,
    unstable: usize,
    failures: Vec<String>,
}

enum Outcome {
    Skipped,
    /// The oracle itself is not deterministic on this file.
    Unstable,
    /// fmt left the text as it was.
    Unchanged,
    Identical,
    Failed(String),
}

fn judge(oracle: &Oracle, name: &str, text: &str) -> Outcome {
    let original = match oracle.compile(text) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Outcome::Skipped,
        Err(e) => return Outcome::Failed(format!("{name}: {e}")),
    };
    let formatted = match format_text(text) {
        Ok(f) => f,
        Err(diags) => {
            let first = diags.first().map(|d| d.message.clone()).unwrap_or_default();
            return Outcome::Failed(format!(
                "{name}: the oracle accepts it but fmt refuses it: {first}"
            ));
        }
    };
    if formatted == text {
        return Outcome::Unchanged;
    }
    match oracle.compile(&formatted) {
        Ok(Some(bytes)) if bytes == original => Outcome::Identical,
        Ok(Some(b))
            if unstable(
                &original,
                &b,
                &|| oracle.compile(text).ok().flatten(),
                &|| oracle.compile(&formatted).ok().flatten(),
            ) =>
        {
            Outcome::Unstable
        }
        Ok(Some(_)) => Outcome::Failed(format!(
            "{name}: formatted text compiles to different bytes{}",
            verbose_diff(text, &formatted)
        )),
        Ok(None) => Outcome::Failed(format!(
            "{name}: the oracle rejects the formatted text{}",
            verbose_diff(text, &formatted)
        )),
        Err(e) => Outcome::Failed(format!("{name}: {e}")),
    }
}

/// Whether a difference comes from the oracle rather than from fmt: Debian
/// 13's 4.1 parser varies its output from run to run for a few files
/// (3.0.8 never did here). Both texts are compiled again a few times; when
/// the original alone varies, or some output of the original equals some
/// output of the formatted text, the difference says nothing about fmt.
fn unstable(
    original: &[u8],
    formatted: &[u8],
    compile_original: &dyn Fn() -> Option<Vec<u8>>,
    compile_formatted: &dyn Fn() -> Option<Vec<u8>>,
) -> bool {
    let mut seen_original = vec![original.to_vec()];
    let mut seen_formatted = vec![formatted.to_vec()];
    for _ in 0..8 {
        if let Some(o) = compile_original() {
            if o != original || seen_formatted.contains(&o) {
                return true;
            }
            seen_original.push(o);
        }
        if let Some(f) = compile_formatted() {
            if seen_original.contains(&f) {
                return true;
            }
            seen_formatted.push(f);
        }
    }
    false
}

fn verbose_diff(a: &str, b: &str) -> String {
    if std::env::var_os("FMT_ORACLE_VERBOSE").is_none() {
        return String::new();
    }
    let diff = similar::TextDiff::from_lines(a, b);
    format!(
        "\n{}",
        diff.unified_diff()
            .context_radius(1)
            .header("original", "fmt")
    )
}

/// An include file of rules (`abstractions/base`), judged where it is used:
/// a profile that includes it, compiled once as installed and once with
/// the formatted copy shadowing it from an include directory searched
/// first.
fn judge_include(oracle: &Oracle, name: &str, text: &str) -> Outcome {
    let Ok(rel) = Path::new(name).strip_prefix(&oracle.cwd) else {
        return Outcome::Failed(format!("{name}: not under {}", oracle.cwd.display()));
    };
    let wrapper = format!(
        "include <tunables/global>\nprofile fmt-oracle-wrapper {{\n  include <{}>\n}}\n",
        rel.display()
    );
    let original = match oracle.compile(&wrapper) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Outcome::Skipped,
        Err(e) => return Outcome::Failed(format!("{name}: {e}")),
    };
    let formatted = match format_text_in(text, Context::Body).or_else(|_| format_text(text)) {
        Ok(f) => f,
        Err(diags) => {
            let first = diags.first().map(|d| d.message.clone()).unwrap_or_default();
            return Outcome::Failed(format!(
                "{name}: the oracle accepts it but fmt refuses it: {first}"
            ));
        }
    };
    if formatted == text {
        return Outcome::Unchanged;
    }
    let shadow = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return Outcome::Failed(format!("{name}: temp dir: {e}")),
    };
    let copy = shadow.path().join(rel);
    let written = copy
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&copy, &formatted));
    if let Err(e) = written {
        return Outcome::Failed(format!("{name}: {e}"));
    }
    let extra = ["-I".to_string(), shadow.path().display().to_string()];
    match oracle.compile_with(&extra, &wrapper) {
        Ok(Some(bytes)) if bytes == original => Outcome::Identical,
        Ok(Some(b))
            if unstable(
                &original,
                &b,
                &|| oracle.compile(&wrapper).ok().flatten(),
                &|| oracle.compile_with(&extra, &wrapper).ok().flatten(),
            ) =>
        {
            Outcome::Unstable
        }
        Ok(Some(_)) => Outcome::Failed(format!(
            "{name}: formatted include file compiles to different bytes{}",
            verbose_diff(text, &formatted)
        )),
        Ok(None) => Outcome::Failed(format!(
            "{name}: the oracle rejects the formatted include file{}",
            verbose_diff(text, &formatted)
        )),
        Err(e) => Outcome::Failed(format!("{name}: {e}")),
    }
}

type Judge = fn(&Oracle, &str, &str) -> Outcome;

/// Judge every case on two threads (the parser is the slow part).
fn run(label: &str, oracle: &Oracle, cases: &[(String, String)], judge: Judge) -> Tally {
    let next = AtomicUsize::new(0);
    let tally = Mutex::new(Tally::default());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((name, text)) = cases.get(i) else {
                    break;
                };
                let outcome = judge(oracle, name, text);
                let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
                match outcome {
                    Outcome::Skipped => t.skipped += 1,
                    Outcome::Unstable => t.unstable += 1,
                    Outcome::Unchanged => {
                        t.compared += 1;
                        t.identical += 1;
                    }
                    Outcome::Identical => {
                        t.compared += 1;
                        t.identical += 1;
                        t.rewritten += 1;
                    }
                    Outcome::Failed(why) => {
                        t.compared += 1;
                        t.failures.push(why);
                    }
                }
            });
        }
    });
    let mut t = tally.into_inner().unwrap_or_else(|e| e.into_inner());
    t.failures.sort();
    println!(
        "fmt oracle [{label}]: {} files, compared {}, identical {} ({} of them reformatted), skipped (oracle rejects the original) {}",
        cases.len(),
        t.compared,
        t.identical,
        t.rewritten,
        t.skipped
    );
    if t.unstable > 0 {
        println!(
            "fmt oracle [{label}]: {} more files not compared: the oracle gives different bytes for the same text from run to run",
            t.unstable
        );
    }
    t
}

fn parser_present(parser: &str) -> bool {
    Command::new(parser)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn main() {
    let primary = parser();
    if !parser_present(&primary) {
        eprintln!(
            "fmt oracle: `{primary}` is not installed; this test needs it (Debian package `apparmor`)"
        );
        std::process::exit(1);
    }
    let mut failures = run_all(&primary, "");
    if let Some(p4) = parser4() {
        if parser_present(&p4) {
            failures.extend(run_all(&p4, " (4.x parser)"));
        } else {
            failures.push(format!("{p4} is there but does not run"));
        }
    }
    if !failures.is_empty() {
        eprintln!("fmt oracle: {} failures", failures.len());
        for f in &failures {
            eprintln!("  {f}");
        }
        std::process::exit(1);
    }
}

/// Every corpus through one parser; the failures.
fn run_all(parser: &str, tag: &str) -> Vec<String> {
    let mut failures = Vec::new();
    let oracle_in = |dir: &Path| Oracle {
        parser: parser.to_string(),
        args: vec![
            "-I".into(),
            dir.display().to_string(),
            "--base".into(),
            dir.display().to_string(),
        ],
        cwd: dir.to_path_buf(),
    };

    let etc = Path::new("/etc/apparmor.d");
    let debian = debian_corpus();
    if debian.len() < 20 {
        eprintln!(
            "fmt oracle: only {} Debian profiles found; install apparmor, apparmor-profiles and apparmor-profiles-extra",
            debian.len()
        );
        std::process::exit(1);
    }
    let oracle = oracle_in(etc);
    let t = run(&format!("debian{tag}"), &oracle, &debian, judge);
    failures.extend(t.failures);
    let includes = debian_include_files();
    let t = run(
        &format!("debian include files{tag}"),
        &oracle,
        &includes,
        judge_include,
    );
    failures.extend(t.failures);

    // Another profile tree, for instance Debian 13's /etc/apparmor.d
    // unpacked by scripts/fetch-apparmor-parser-4.sh.
    if let Some(dir) = std::env::var_os("FMT_ORACLE_PROFILES") {
        let dir = PathBuf::from(dir);
        let oracle = oracle_in(&dir);
        let t = run(
            &format!("FMT_ORACLE_PROFILES profiles{tag}"),
            &oracle,
            &profile_files(&dir),
            judge,
        );
        failures.extend(t.failures);
        let t = run(
            &format!("FMT_ORACLE_PROFILES include files{tag}"),
            &oracle,
            &include_files(&dir),
            judge_include,
        );
        failures.extend(t.failures);
    }

    let suite = suite_dir();
    let tst = match ConformanceDir::new(&suite) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("fmt oracle: {e}");
            std::process::exit(1);
        }
    };
    let cases = conformance_cases(&suite);
    if cases.is_empty() {
        eprintln!("fmt oracle: no conformance cases under {}", suite.display());
        std::process::exit(1);
    }
    let oracle = Oracle {
        parser: parser.to_string(),
        args: vec!["-I".into(), suite.display().to_string()],
        cwd: tst.path(),
    };
    let t = run(&format!("conformance PASS{tag}"), &oracle, &cases, judge);
    failures.extend(t.failures);

    let golden = golden_inputs();
    let t = run(
        &format!("golden inputs{tag}"),
        &oracle_in(etc),
        &golden,
        judge,
    );
    failures.extend(t.failures);
    failures
}
