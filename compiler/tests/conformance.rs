//! Conformance runner: every case of the AppArmor parser suite in
//! `../shared/conformance/apparmor-suite/` through the library, scored
//! against its `#=EXRESULT` header, overall and per folder.
//!
//! Fails when agreement drops below the figure in `tests/conformance-baseline`
//! (raise it as the checker improves). `CONFORMANCE_VERBOSE=1` prints the
//! first diagnostic of each disagreement; `CONFORMANCE_SUITE=DIR` points at
//! another copy of the suite.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::Session;

struct Case {
    path: PathBuf,
    folder: String,
    expect_pass: bool,
    text: String,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn suite_dir() -> PathBuf {
    match std::env::var_os("CONFORMANCE_SUITE") {
        Some(d) => PathBuf::from(d),
        None => workspace().join("../shared/conformance/apparmor-suite"),
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "sd") {
            out.push(p);
        }
    }
}

fn load_case(path: &Path, root: &Path) -> Option<Case> {
    let raw = std::fs::read(path).ok()?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let mut expect = None;
    let mut text = String::new();
    for line in raw.split_inclusive('\n') {
        let t = line.trim_start();
        if let Some(h) = t.strip_prefix("#=") {
            let h = h.trim();
            if h.starts_with("TODO") || h.starts_with("DISABLED") {
                return None;
            }
            if let Some(r) = h.strip_prefix("EXRESULT") {
                expect = Some(r.trim() == "PASS");
            }
            // Header lines are not part of the text fed to the parser;
            // keep the line count so positions stay true.
            text.push('\n');
        } else {
            text.push_str(line);
        }
    }
    let rel = path.strip_prefix(root).ok()?;
    let folder = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    Some(Case {
        path: path.to_path_buf(),
        folder,
        expect_pass: expect?,
        text,
    })
}

fn main() {
    let root = suite_dir();
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    if files.is_empty() {
        eprintln!("conformance: no cases found under {}", root.display());
        std::process::exit(1);
    }
    // As the reference runs the suite (its README): each case's text on
    // stdin, `-I` the suite, the default base directory, from a working
    // directory `tst/` whose `simple_tests/` is the suite; some cases
    // include `simple_tests/...` or `../tst/...`, which resolve against
    // the working directory.
    let tmp = tempfile::tempdir().expect("temp dir");
    let tst = tmp.path().join("tst");
    std::fs::create_dir(&tst).expect("mkdir tst");
    std::os::unix::fs::symlink(&root, tst.join("simple_tests")).expect("symlink");
    std::env::set_current_dir(&tst).expect("cd tst");
    let mut session = Session::new(Options {
        include_dirs: vec![root.clone()],
        ..Options::default()
    });
    let verbose = std::env::var_os("CONFORMANCE_VERBOSE").is_some();

    let mut per_folder: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut wrong = Vec::new();
    for path in &files {
        let Some(case) = load_case(path, &root) else {
            continue;
        };
        let checked = session.check_bytes(
            &RealFs,
            &case.path.display().to_string(),
            case.text.clone().into_bytes(),
        );
        let sources = &session.sources;
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        let passed = errors.is_empty();
        let entry = per_folder.entry(case.folder.clone()).or_default();
        entry.1 += 1;
        if passed == case.expect_pass {
            entry.0 += 1;
        } else {
            let why = errors
                .first()
                .map(|d| {
                    let at = d
                        .primary
                        .as_ref()
                        .map(|l| {
                            let lc = sources.line_col(l.span.file, l.span.start as usize);
                            format!("{}:{}: ", lc.line, lc.column)
                        })
                        .unwrap_or_default();
                    format!("{at}[{}] {}", d.code, d.message)
                })
                .unwrap_or_else(|| "accepted".to_string());
            wrong.push((case, why));
        }
    }

    let (ok, total) = per_folder
        .values()
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
    println!(
        "{:<28} {:>6} {:>6} {:>8}",
        "folder", "agree", "cases", "percent"
    );
    for (folder, (a, n)) in &per_folder {
        println!(
            "{folder:<28} {a:>6} {n:>6} {:>7.2}%",
            100.0 * *a as f64 / *n as f64
        );
    }
    let pct = 100.0 * ok as f64 / total as f64;
    println!("{:<28} {ok:>6} {total:>6} {pct:>7.2}%", "overall");
    println!();
    println!("disagreements: {}", wrong.len());
    for (case, why) in &wrong {
        let rel = case.path.strip_prefix(&root).unwrap_or(&case.path);
        let expected = if case.expect_pass { "PASS" } else { "FAIL" };
        if verbose {
            println!("  {} (expected {expected}): {why}", rel.display());
        } else {
            println!("  {} (expected {expected})", rel.display());
        }
    }

    let baseline_file = workspace().join("tests/conformance-baseline");
    let baseline: f64 = std::fs::read_to_string(&baseline_file)
        .ok()
        .and_then(|s| s.lines().find(|l| !l.starts_with('#'))?.trim().parse().ok())
        .unwrap_or(0.0);
    println!("baseline: {baseline:.2}% ({})", baseline_file.display());
    if pct + 1e-9 < baseline {
        println!("conformance: agreement {pct:.2}% fell below the baseline {baseline:.2}%");
        println!("0 passed, 1 failed");
        std::process::exit(1);
    }
    println!("1 passed, 0 failed");
}
