//! `profilec test`: check seccomp profiles against their `.expect` files in
//! the BPF simulator (every architecture of the profile) and, with `--live`,
//! in the kernel.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{report, Format};
use profilec_core::build;
use profilec_core::diag::{Diagnostic, SourceMap};
use profilec_core::input::fs::{FileSystem, Kind, RealFs};
use profilec_core::resolve::Options;
use profilec_harness::{self as harness, expect, run};

/// With `--format json`, stdout carries only the JSON diagnostics and the
/// result tables go to stderr.
static TABLES_TO_STDERR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Print a table line; a closed pipe (`profilec test ... | head`) is not an error.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if TABLES_TO_STDERR.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = writeln!(std::io::stderr().lock(), $($t)*);
        } else {
            let _ = writeln!(std::io::stdout().lock(), $($t)*);
        }
    }};
}

pub use profilec_core::diag::codes::EXPECT_LIVE_UNAVAILABLE as LIVE_UNAVAILABLE;
pub use profilec_core::diag::codes::EXPECT_NOT_FOUND as NO_EXPECTATIONS;
pub use profilec_core::diag::codes::EXPECT_PROFILE_UNUSABLE as PROFILE_UNUSABLE;

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Profiles (`web.json`), expectation files (`web.expect`) or directories to search.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Also run every case in the kernel: fork, install the filter, make the call.
    #[arg(long)]
    live: bool,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Import search directory for `.confine` files (repeatable).
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    include: Vec<PathBuf>,
}

/// `.expect` files under `dir`, sorted, recursively.
fn walk(fs: &dyn FileSystem, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(mut names) = fs.read_dir(dir) else {
        return;
    };
    names.sort();
    for n in names {
        if n.starts_with('.') {
            continue;
        }
        let p = dir.join(&n);
        match fs.kind(&p) {
            Some(Kind::Dir) => walk(fs, &p, out),
            Some(Kind::File) if n.ends_with(".expect") || n.ends_with(".confine") => out.push(p),
            _ => {}
        }
    }
}

/// The expectation files named by the command line; a profile without one
/// is an error.
fn discover(
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        match fs.kind(p) {
            Some(Kind::Dir) => {
                let before = out.len();
                walk(fs, p, &mut out);
                if out.len() == before {
                    let id = sources.add(p.display().to_string(), "");
                    diags.push(
                        Diagnostic::error(
                            NO_EXPECTATIONS,
                            format!("no `.expect` or `.confine` files under `{}`", p.display()),
                        )
                        .at(profilec_core::diag::Span::new(id, 0, 0), "nothing to test"),
                    );
                }
            }
            _ if p.extension().is_some_and(|e| e == "json") => {
                let e = p.with_extension("expect");
                if fs.kind(&e) == Some(Kind::File) {
                    out.push(e);
                } else {
                    let id = sources.add(p.display().to_string(), "");
                    diags.push(
                        Diagnostic::error(
                            NO_EXPECTATIONS,
                            format!("no expectations for `{}`", p.display()),
                        )
                        .at(
                            profilec_core::diag::Span::new(id, 0, 0),
                            "profile given here",
                        )
                        .with_help(format!("write the cases in `{}`", e.display())),
                    );
                }
            }
            _ => out.push(p.clone()),
        }
    }
    out
}

pub fn run(args: TestArgs) -> i32 {
    let fs = RealFs;
    let mut diags = Vec::new();
    TABLES_TO_STDERR.store(
        args.format == Format::Json,
        std::sync::atomic::Ordering::Relaxed,
    );
    if args.live {
        if let Err(why) = harness::live::available() {
            eprintln!("error[{LIVE_UNAVAILABLE}]: cannot run cases live: {why}");
            return super::EXIT_ERRORS;
        }
    }
    let mut scratch = SourceMap::new();
    let found = discover(&fs, &args.paths, &mut scratch, &mut diags);
    let (confine, files): (Vec<PathBuf>, Vec<PathBuf>) =
        found.into_iter().partition(|p| build::is_confine(p));
    // `.confine` inputs are built in memory first; their sources become the
    // run's source map, which the `.expect` files then join.
    let (mut sources, policies) = if confine.is_empty() {
        (scratch, Vec::new())
    } else {
        let opts = Options {
            include_dirs: args.include.clone(),
            base: None,
        };
        let plan = build::plan(&fs, &confine, &opts);
        if plan.has_errors() || !diags.is_empty() {
            diags.extend(plan.diagnostics);
            return report(&plan.sources, &diags, args.format);
        }
        diags.extend(plan.diagnostics);
        (plan.sources, plan.policies)
    };
    let (mut total, mut failed, mut profiles) = (0, 0, 0);
    for pol in policies.iter().filter(|p| !p.expectations.is_empty()) {
        let Some(seccomp) = &pol.seccomp else {
            continue;
        };
        profiles += 1;
        let json = profilec_core::emit::seccomp::emit(seccomp);
        let display = format!("{} (seccomp of `{}`)", sources.name(pol.source), pol.name);
        let id = sources.add(display.clone(), json);
        let Some(profile) = profilec_core::seccomp::parse(&sources, id, &mut diags) else {
            continue;
        };
        let source = sources.name(pol.source).to_string();
        let (t, f) = test_profile(
            &profile,
            id,
            &display,
            &pol.expectations,
            &source,
            args.live,
            &mut diags,
        );
        total += t;
        failed += f;
    }
    for file in &files {
        profiles += 1;
        let (t, f) = test_one(&fs, file, args.live, &mut sources, &mut diags);
        total += t;
        failed += f;
    }
    out!(
        "{profiles} profile{}, {total} row{}, {failed} failed{}",
        if profiles == 1 { "" } else { "s" },
        if total == 1 { "" } else { "s" },
        if args.live {
            " (simulated and live)"
        } else {
            " (simulated)"
        }
    );
    report(&sources, &diags, args.format)
}

/// Test one `.expect` file; returns (rows evaluated, rows failed).
fn test_one(
    fs: &dyn FileSystem,
    path: &Path,
    live: bool,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> (usize, usize) {
    let display = path.display().to_string();
    let loaded = profilec_core::input::load::load(fs, sources, path, &display, diags);
    if !loaded.usable {
        return (0, 0);
    }
    let text = sources.text(loaded.file).to_string();
    // Bad lines are reported and skipped; the good cases still run.
    let exp = expect::parse(loaded.file, &text, diags);
    let mut local = Vec::new();
    let profile_path = match &exp.profile {
        Some((p, _)) => path.parent().unwrap_or(Path::new(".")).join(p),
        None => path.with_extension("json"),
    };
    let pdisplay = profile_path.display().to_string();
    let ploaded =
        profilec_core::input::load::load(fs, sources, &profile_path, &pdisplay, &mut local);
    let profile = if ploaded.usable {
        profilec_core::seccomp::parse(sources, ploaded.file, &mut local)
    } else {
        None
    };
    let parse_failed = local.iter().any(Diagnostic::is_error);
    // Only errors here: warnings about the profile are `profilec check`'s job.
    diags.extend(local.into_iter().filter(Diagnostic::is_error));
    let Some(profile) = profile.filter(|_| !parse_failed) else {
        out!("{pdisplay}: not tested (see errors)\n");
        return (0, 0);
    };
    test_profile(
        &profile,
        ploaded.file,
        &pdisplay,
        &exp.cases,
        &display,
        live,
        diags,
    )
}

/// Run `cases` against a parsed profile; returns (rows evaluated, rows failed).
fn test_profile(
    profile: &profilec_core::seccomp::Profile,
    pfile: profilec_core::diag::FileId,
    pdisplay: &str,
    cases: &[expect::Expectation],
    display: &str,
    live: bool,
    diags: &mut Vec<Diagnostic>,
) -> (usize, usize) {
    let sim = match run::Simulator::new(profile) {
        Ok(s) => s,
        Err(e) => {
            let span = e
                .span
                .unwrap_or_else(|| profilec_core::diag::Span::new(pfile, 0, 0));
            diags.push(
                Diagnostic::error(
                    PROFILE_UNUSABLE,
                    format!("cannot load `{pdisplay}` as runc does: {}", e.message),
                )
                .at(span, "here"),
            );
            return (0, 0);
        }
    };
    let arches: Vec<&str> = sim.arches().iter().map(|a| a.short()).collect();
    out!(
        "{pdisplay} ({} cases from {display}; arches: {}; {} BPF instructions)",
        cases.len(),
        arches.join(", "),
        sim.program.len()
    );
    let untabled: Vec<&str> = profile
        .architectures
        .iter()
        .filter(|a| profilec_core::seccomp::tables::Arch::from_oci(&a.value).is_none())
        .map(|a| a.value.as_str())
        .collect();
    if !untabled.is_empty() {
        out!(
            "  note: in the filter but not simulated (no syscall table): {}",
            untabled.join(", ")
        );
    }
    for s in &sim.loaded.skipped {
        out!("  note: runc skips `{}`: {}", s.name, s.reason);
    }
    let report = run::evaluate(&sim, cases, live);
    for line in report.table().lines() {
        out!("  {line}");
    }
    out!("");
    let mut failed = 0;
    for r in report.failures() {
        failed += 1;
        let case = &cases[r.case];
        let actual = match (&r.status, &r.live) {
            (run::Status::LiveMismatch, Some(run::LiveCell::Ran { observed, predicted })) => format!(
                "the simulator gave `{}`, so the kernel should give `{predicted}`, but it gave `{observed}`",
                r.simulated.map(|o| o.to_string()).unwrap_or_default()
            ),
            (run::Status::Error(e), _) => format!("could not be evaluated: {e}"),
            _ => format!("expected `{}`, got `{}`", r.expected, r.simulated.map(|o| o.to_string()).unwrap_or_default()),
        };
        let mut d = Diagnostic::error(
            expect::EXPECT_MISMATCH,
            format!("`{}` on {}: {actual}", r.label, r.arch.short()),
        );
        if let Some(span) = case.span {
            d = d.at(span, "this expectation does not hold");
        }
        diags.push(d);
    }
    (report.rows.len(), failed)
}
