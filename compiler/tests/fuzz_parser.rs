//! The front ends never panic or hang: mutants of real profiles (the
//! Debian corpus, the shared conformance suite, this repository's test data
//! and examples) go through `Session::check_bytes`, mutants of the seccomp
//! JSON profiles through `Session::check_any_bytes` with libseccomp, and
//! mutants of the `.expect` files through the expectation parser and the
//! simulator's report table; their diagnostics go through both renderers.
//!
//! Deterministic: a seeded xorshift generator drives the mutations, so a
//! failure is reproduced by its seed and case number. Environment:
//! `FUZZ_CASES=N` (default 5000), `FUZZ_SEED=S` (default fixed),
//! `FUZZ_TIMEOUT_SECS=T` (default 10): a watchdog thread aborts the process
//! when one case runs longer, after printing it and saving its input.
//! Failing inputs are saved under the cargo target tmp dir, named in the
//! failure message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use profilec_core::diag::{render, SourceMap};
use profilec_core::input::fs::{FileSystem, Kind, RealFs};
use profilec_core::resolve::Options;
use profilec_core::session::Session;

/// The real disk, but only under the corpus roots: a mutant that includes
/// `/tmp` or `/` must not make the run depend on what the machine holds
/// (reading a directory of multi-megabyte files is slow, not a hang).
struct Confined(Vec<PathBuf>);

impl Confined {
    fn corpora() -> Confined {
        Confined(vec![
            PathBuf::from(common::ETC_APPARMOR),
            PathBuf::from(common::EXTRA_PROFILES),
            common::suite_dir(),
            common::workspace().join("tests/data"),
        ])
    }

    fn allowed(&self, p: &Path) -> bool {
        self.0.iter().any(|root| p.starts_with(root))
    }
}

impl FileSystem for Confined {
    fn kind(&self, path: &Path) -> Option<Kind> {
        self.allowed(path).then(|| RealFs.kind(path)).flatten()
    }
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        if self.allowed(path) {
            RealFs.read(path)
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "outside the corpora",
            ))
        }
    }
    fn read_dir(&self, path: &Path) -> std::io::Result<Vec<String>> {
        if self.allowed(path) {
            RealFs.read_dir(path)
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "outside the corpora",
            ))
        }
    }
}

const DEFAULT_CASES: u64 = 5000;
const DEFAULT_SEED: u64 = 0x5eed_cafe_f00d_0001;
/// A fresh session this often: the shared include cache is exercised, and
/// the source map does not grow without bound.
const CASES_PER_SESSION: u64 = 250;

/// Tokens that matter to the grammar, inserted at random places.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    ",",
    "\"",
    "#",
    "\\",
    "=",
    "@",
    "$",
    "@{",
    "${",
    "}\n",
    "\n",
    ",\n",
    "+=",
    "->",
    "^",
    "<",
    ">",
    "[",
    "]",
    "*",
    "**",
    "profile ",
    "include ",
    "include <",
    "#include ",
    "deny ",
    "audit ",
    "owner ",
    "if ",
    "else ",
    "abi ",
    "hat ",
    "flags=(",
    "peer=(",
    "@{HOME}",
    "${b}",
    " rw,",
    " Kq,",
    "\t",
    "\r\n",
    "\\x",
    "\\0",
    "\"\\",
    // JSON and expectation files.
    ":",
    "\"names\": [",
    "\"args\": [{",
    "1e999",
    "-1",
    "18446744073709551616",
    "\\u0000",
    "\\ud800",
    "syscall ",
    " allowed\n",
    " errno ",
    "profile \"",
    "(AF_INET, ",
];

/// Byte sequences that are not UTF-8.
const BAD_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\xc0\xaf",
    b"\x80",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Apply one random mutation; returns its name for the report.
fn mutate(rng: &mut Rng, buf: &mut Vec<u8>, corpus: &[(String, Vec<u8>)]) -> &'static str {
    let len = buf.len();
    let at = rng.below(len + 1);
    match rng.below(10) {
        0 if len > 0 => {
            let i = rng.below(len);
            buf[i] ^= 1 << rng.below(8);
            "bit flip"
        }
        1 if len > 0 => {
            let end = (at + 1 + rng.below(64)).min(len);
            buf.drain(at.min(end)..end);
            "deletion"
        }
        2 | 3 => {
            let t = TOKENS[rng.below(TOKENS.len())];
            buf.splice(at..at, t.bytes());
            "token insertion"
        }
        4 => {
            buf.truncate(at);
            "truncation"
        }
        5 if len > 0 => {
            let a = rng.below(len);
            let b = (a + 1 + rng.below(256)).min(len);
            let slice = buf[a..b].to_vec();
            let c = rng.below(buf.len() + 1);
            buf.splice(c..c, slice);
            "slice duplication"
        }
        6 => {
            let n = 1 + rng.below(64);
            let junk: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            if rng.chance(5) {
                *buf = junk.repeat(1 + rng.below(64));
                "random binary file"
            } else {
                buf.splice(at..at, junk);
                "random bytes"
            }
        }
        7 => {
            let b = BAD_UTF8[rng.below(BAD_UTF8.len())];
            buf.splice(at..at, b.iter().copied());
            "invalid UTF-8"
        }
        8 => {
            // Deep nesting and long runs: recursion and quadratic traps.
            let t = ["{", "(", "\"", "@{", "/", "#", "{,", "}", ")", "["][rng.below(10)];
            let n = 1 + rng.below(2000);
            buf.splice(at..at, t.repeat(n).bytes());
            "repeated token"
        }
        _ => {
            let (_, other) = &corpus[rng.below(corpus.len())];
            if other.is_empty() {
                return "nothing";
            }
            let a = rng.below(other.len());
            let b = (a + 1 + rng.below(512)).min(other.len());
            buf.splice(at..at, other[a..b].iter().copied());
            "crossover"
        }
    }
}

/// The case the watchdog reports if it runs too long.
#[derive(Default)]
struct Current {
    label: String,
    input: Vec<u8>,
}

/// What is fuzzed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    AppArmor,
    SeccompJson,
    Expect,
}

/// Files of the repository (test data and examples) ending in `ext`.
fn repo_files(ext: &str) -> Vec<(String, Vec<u8>)> {
    let ws = common::workspace();
    let mut paths = common::files_under(&ws.join("tests/data"));
    paths.extend(common::files_under(&ws.join("examples")));
    paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .filter_map(|p| Some((p.display().to_string(), std::fs::read(&p).ok()?)))
        .collect()
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut paths = common::debian_profiles().unwrap_or_else(|e| panic!("{e}"));
    let suite = common::suite_dir();
    let suite_files = common::files_under(&suite);
    if suite_files.is_empty() {
        eprintln!(
            "fuzz: note: conformance suite not found at {}; fuzzing the other corpora",
            suite.display()
        );
    }
    paths.extend(suite_files);
    let ws = common::workspace();
    paths.extend(common::files_under(&ws.join("tests/data")));
    paths.extend(common::files_under(&ws.join("examples")));
    paths
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read(&p).ok()?)))
        .collect()
}

fn save(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    let _ = std::fs::write(&p, bytes);
    p
}

/// Every span of every diagnostic lies inside its file, on character
/// boundaries (the renderers and the language server rely on it).
fn spans_valid(
    sources: &SourceMap,
    diags: &[profilec_core::diag::Diagnostic],
) -> Result<(), String> {
    for d in diags {
        for l in d.primary.iter().chain(&d.secondary) {
            let text = sources.text(l.span.file);
            let r = l.span.range();
            if r.end > text.len()
                || !text.is_char_boundary(r.start)
                || !text.is_char_boundary(r.end)
            {
                return Err(format!(
                    "[{}] {}: span {r:?} is not inside `{}` ({} bytes)",
                    d.code,
                    d.message,
                    sources.name(l.span.file),
                    text.len()
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn mutated_profiles_never_panic_or_hang() {
    fuzz(Target::AppArmor, DEFAULT_CASES);
}

#[test]
fn mutated_seccomp_json_never_panics_or_hangs() {
    fuzz(Target::SeccompJson, 3000);
}

#[test]
fn mutated_expectation_files_never_panic_or_hang() {
    fuzz(Target::Expect, 3000);
}

/// The profile `.expect` mutants are evaluated against.
fn expect_profile() -> profilec_core::seccomp::Profile {
    let text =
        std::fs::read_to_string(common::workspace().join("examples/seccomp/args.json")).unwrap();
    let mut sources = SourceMap::new();
    let f = sources.add("args.json", text);
    profilec_core::seccomp::parse(&sources, f, &mut Vec::new()).unwrap()
}

/// Check one mutant as `target`; whether it had errors.
fn check_one(
    target: Target,
    session: &mut Session,
    fs: &Confined,
    sim: Option<&profilec_harness::run::Simulator>,
    name: &str,
    input: &[u8],
) -> Result<bool, String> {
    let (diags, sources_owned);
    let sources: &SourceMap = match target {
        Target::AppArmor => {
            diags = session.check_bytes(fs, name, input.to_vec()).diagnostics;
            &session.sources
        }
        Target::SeccompJson => {
            let lib = profilec_harness::Libseccomp;
            let json_name = format!("{name}.json");
            diags = session
                .check_any_bytes(fs, &json_name, input.to_vec(), Some(&lib))
                .diagnostics;
            &session.sources
        }
        Target::Expect => {
            let mut sources = SourceMap::new();
            let mut ds = Vec::new();
            let loaded =
                profilec_core::input::load::from_bytes(&mut sources, name, input.to_vec(), &mut ds);
            if loaded.usable {
                let text = sources.text(loaded.file).to_string();
                let exp = profilec_core::seccomp::expect::parse(loaded.file, &text, &mut ds);
                if let Some(sim) = sim {
                    let report = profilec_harness::run::evaluate(sim, &exp.cases, false);
                    let _ = report.table();
                }
            }
            diags = ds;
            sources_owned = sources;
            &sources_owned
        }
    };
    spans_valid(sources, &diags)?;
    let _ = render::human_string(sources, &diags);
    let _ = render::json(sources, &diags);
    Ok(diags.iter().any(|d| d.is_error()))
}

fn fuzz(target: Target, default_cases: u64) {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .map(|v| {
                v.parse::<u64>()
                    .unwrap_or_else(|_| panic!("{k}={v}: not a number"))
            })
            .unwrap_or(d)
    };
    let cases = env("FUZZ_CASES", default_cases);
    let seed = env("FUZZ_SEED", DEFAULT_SEED).max(1);
    let timeout = Duration::from_secs(env("FUZZ_TIMEOUT_SECS", 10));
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));

    let corpus = match target {
        Target::AppArmor => corpus(),
        Target::SeccompJson => repo_files("json"),
        Target::Expect => repo_files("expect"),
    };
    assert!(!corpus.is_empty());
    let profile = (target == Target::Expect).then(expect_profile);
    let sim = profile
        .as_ref()
        .map(|p| profilec_harness::run::Simulator::new(p).unwrap());

    // Watchdog: `started` is the start of the running case in ms since
    // `epoch` (0 = idle).
    let epoch = Instant::now();
    let started = Arc::new(AtomicU64::new(0));
    let current = Arc::new(Mutex::new(Current::default()));
    {
        let started = Arc::clone(&started);
        let current = Arc::clone(&current);
        let out_dir = out_dir.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            let s = started.load(Ordering::SeqCst);
            if s != 0 && epoch.elapsed().as_millis() as u64 - s > timeout.as_millis() as u64 {
                let cur = current.lock().unwrap_or_else(|e| e.into_inner());
                let file = save(&out_dir, "fuzz-hang.sd", &cur.input);
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "\nfuzz: HANG: {} ran longer than {timeout:?}; input saved to {}\n\
                     reproduce: FUZZ_SEED={seed} FUZZ_CASES=N cargo test --test fuzz_parser, \
                     or profilec check {}",
                    cur.label,
                    file.display(),
                    file.display()
                );
                std::process::abort();
            }
        });
    }

    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    let mut with_errors = 0u64;
    let mut slowest = (Duration::ZERO, String::new());
    let mut session = Session::new(Options::default());
    let fs = Confined::corpora();
    let run_started = Instant::now();
    for case in 0..cases {
        if case % CASES_PER_SESSION == 0 {
            session = Session::new(Options::default());
        }
        let (name, base) = &corpus[rng.below(corpus.len())];
        let mut input = base.clone();
        let mut applied = Vec::new();
        for _ in 0..1 + rng.below(4) {
            applied.push(mutate(&mut rng, &mut input, &corpus));
        }
        // Past every 16-bit width (a table cell of 70,000 characters once
        // panicked in `format!`); AppArmor text is covered by cli.rs's 10 MB.
        if target != Target::AppArmor && rng.chance(2) {
            let at = rng.below(input.len() + 1);
            input.splice(at..at, "0".repeat(70_000).bytes());
            applied.push("70,000-digit run");
        }
        // Most mutants stay text so that the parser, not only the loader,
        // sees them.
        if rng.chance(75) {
            input = String::from_utf8_lossy(&input)
                .replace('\0', " ")
                .into_bytes();
        }
        let label = format!("case {case} (seed {seed}): {name} + {}", applied.join(", "));
        {
            let mut cur = current.lock().unwrap();
            cur.label.clone_from(&label);
            cur.input.clone_from(&input);
        }
        started.store(
            (epoch.elapsed().as_millis() as u64).max(1),
            Ordering::SeqCst,
        );
        let t0 = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| {
            check_one(
                target,
                &mut session,
                &fs,
                sim.as_ref(),
                &format!("mutant-{case}"),
                &input,
            )
        }));
        started.store(0, Ordering::SeqCst);
        let took = t0.elapsed();
        if took > slowest.0 {
            slowest = (took, label.clone());
        }
        match result {
            Ok(Ok(has_errors)) => with_errors += u64::from(has_errors),
            Ok(Err(why)) => {
                let file = save(&out_dir, &format!("fuzz-bad-span-{case}.sd"), &input);
                failures.push(format!("{label}: {why}; input: {}", file.display()));
            }
            Err(_) => {
                let file = save(&out_dir, &format!("fuzz-panic-{case}.sd"), &input);
                failures.push(format!("{label}: PANIC; input: {}", file.display()));
                // The session may be half-updated after a panic.
                session = Session::new(Options::default());
            }
        }
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "fuzz {target:?}: {cases} mutants of {} corpus files (seed {seed}) in {:.1?}: {with_errors} with errors, \
         {} failures; slowest {:.1?}: {}",
        corpus.len(),
        run_started.elapsed(),
        failures.len(),
        slowest.0,
        slowest.1
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} mutants failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every kind of block nested `depth` deep around a rule, closed or not,
/// must check within 10 s (on another thread, left running on failure: the
/// test process exits anyway).
fn nested_blocks_check_quickly(depth: usize, closed: bool) {
    type Opener = fn(usize) -> String;
    const OPENERS: &[(&str, Opener)] = &[
        ("if", |_| "if $b".to_string()),
        ("qualifier block", |_| "audit".to_string()),
        ("child profile", |i| format!("profile c{i}")),
    ];
    let limit = Duration::from_secs(10);
    for (what, opener) in OPENERS {
        let mut s = String::from("profile p {\n");
        for i in 0..depth {
            s.push_str(&format!("{}{} {{\n", "  ".repeat(i + 1), opener(i)));
        }
        s.push_str("/x r,\n");
        if closed {
            s.push_str(&"}\n".repeat(depth + 1));
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut session = Session::new(Options::default());
            let _ = session.check_bytes(&RealFs, "nested", s.into_bytes());
            let _ = tx.send(());
        });
        let state = if closed { "closed" } else { "unclosed" };
        if rx.recv_timeout(limit).is_err() {
            panic!("{depth} nested {state} {what} blocks: not checked within {limit:?}");
        }
    }
}

#[test]
fn deeply_nested_closed_blocks_check_quickly() {
    nested_blocks_check_quickly(40, true);
}

/// Unclosed blocks once took time exponential in their depth (each level's
/// body was parsed again by every enclosing alternative).
#[test]
fn deeply_nested_unclosed_blocks_check_quickly() {
    nested_blocks_check_quickly(40, false);
}
