//! `profilec test` as a library call: find the expectation files a
//! command line names, prove each against its profile in the simulator for
//! every architecture (and with `live`, in the kernel), and report a table
//! per profile plus diagnostics for every expectation that does not hold.

use std::path::{Path, PathBuf};

use profilec_core::build;
use profilec_core::diag::codes::{
    EXPECT_LIVE_UNAVAILABLE, EXPECT_NOT_FOUND, EXPECT_PROFILE_UNUSABLE,
};
use profilec_core::diag::{Diagnostic, SourceMap};
use profilec_core::input::fs::{FileSystem, Kind};
use profilec_core::resolve::Options;

use crate::{expect, run};

use EXPECT_NOT_FOUND as NO_EXPECTATIONS;
use EXPECT_PROFILE_UNUSABLE as PROFILE_UNUSABLE;

/// What a test run found.
#[derive(Default)]
pub struct Summary {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    /// Expectation files tested.
    pub files: usize,
    pub rows: usize,
    pub failed: usize,
}

/// Test every expectation file `paths` name (profiles, `.expect` files,
/// `.confine` files or directories), reading at most `limit` bytes of any
/// file. Table lines go to `out` as they are made.
pub fn test_paths(
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    live: bool,
    limit: u64,
    out: &mut dyn FnMut(&str),
) -> Summary {
    test_paths_in(fs, paths, &[], live, limit, out)
}

/// [`test_paths`] with import search directories for `.confine` files.
/// A `.confine` file is built in memory (`profilec_core::build::plan`); the
/// `expect` blocks of each profile are proven against its seccomp JSON. A
/// `.confine` input with errors tests nothing and reports them.
pub fn test_paths_in(
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    include_dirs: &[PathBuf],
    live: bool,
    limit: u64,
    out: &mut dyn FnMut(&str),
) -> Summary {
    let mut s = Summary::default();
    if live {
        if let Err(why) = crate::live::available() {
            s.diagnostics.push(Diagnostic::error(
                EXPECT_LIVE_UNAVAILABLE,
                format!("cannot run cases live: {why}"),
            ));
            return s;
        }
    }
    let mut scratch = SourceMap::new();
    let found = discover(fs, paths, &mut scratch, &mut s.diagnostics);
    // A profile named by an `.expect` file is quoted in diagnostics only
    // when it lies in a directory the user named (or the `.expect` file's).
    let roots: Vec<PathBuf> = paths
        .iter()
        .map(|p| match fs.kind(p) {
            Some(Kind::Dir) => fs.canonical(p),
            _ => fs.canonical(dir_of(p)),
        })
        .collect();
    let (confine, files): (Vec<PathBuf>, Vec<PathBuf>) =
        found.into_iter().partition(|p| build::is_confine(p));
    // `.confine` inputs are built first; their source map becomes the run's,
    // which the `.expect` files then join.
    s.sources = scratch;
    if !confine.is_empty() {
        let opts = Options {
            include_dirs: include_dirs.to_vec(),
            base: None,
            max_input: limit,
            ..Options::default()
        };
        let plan = build::plan(fs, &confine, &opts);
        let failed = plan.has_errors();
        let early = std::mem::take(&mut s.diagnostics);
        let scratch = std::mem::replace(&mut s.sources, plan.sources);
        // Discovery's diagnostics point at empty anchors in the scratch map:
        // give them the same anchors in the run's map.
        for mut d in early {
            if let Some(l) = &mut d.primary {
                let id = s.sources.add(scratch.name(l.span.file).to_string(), "");
                l.span = profilec_core::diag::Span::new(id, 0, 0);
            }
            s.diagnostics.push(d);
        }
        s.diagnostics.extend(plan.diagnostics);
        if failed {
            return s;
        }
        for pol in plan.policies.iter().filter(|p| !p.expectations.is_empty()) {
            let Some(seccomp) = &pol.seccomp else {
                continue;
            };
            let json = profilec_core::emit::seccomp::emit(seccomp);
            let source = s.sources.name(pol.source).to_string();
            let display = format!("{source} (seccomp of `{}`)", pol.name);
            let id = s.sources.add(display.clone(), json);
            let Some(profile) = profilec_core::seccomp::parse(&s.sources, id, &mut s.diagnostics)
            else {
                continue;
            };
            s.files += 1;
            let (t, f) = test_profile(
                &profile,
                id,
                &display,
                &pol.expectations,
                &source,
                live,
                &mut s.diagnostics,
                out,
            );
            s.rows += t;
            s.failed += f;
        }
    }
    for file in &files {
        let ctx = Ctx {
            fs,
            live,
            limit,
            roots: &roots,
        };
        let (t, f) = test_one(&ctx, file, &mut s.sources, &mut s.diagnostics, out);
        s.rows += t;
        s.failed += f;
    }
    s.files += files.len();
    out(&format!(
        "{} profile{}, {} row{}, {} failed{}",
        s.files,
        if s.files == 1 { "" } else { "s" },
        s.rows,
        if s.rows == 1 { "" } else { "s" },
        s.failed,
        if live {
            " (simulated and live)"
        } else {
            " (simulated)"
        }
    ));
    s
}

/// `.expect` and `.confine` files under `dir`, sorted, recursively.
fn walk(fs: &dyn FileSystem, dir: &Path, out: &mut Vec<PathBuf>) {
    let keep = |n: &str| n.ends_with(".expect") || n.ends_with(".confine");
    profilec_core::input::fs::files_under(fs, dir, &keep, out);
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

/// The directory a file is in (`.` for a bare name).
fn dir_of(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// What every `.expect` file of a run is tested with.
struct Ctx<'a> {
    fs: &'a dyn FileSystem,
    live: bool,
    limit: u64,
    roots: &'a [PathBuf],
}

/// Test one `.expect` file; returns (rows evaluated, rows failed).
fn test_one(
    ctx: &Ctx,
    path: &Path,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
    out: &mut dyn FnMut(&str),
) -> (usize, usize) {
    let (fs, live, limit) = (ctx.fs, ctx.live, ctx.limit);
    let display = path.display().to_string();
    let loaded = profilec_core::input::load::load(fs, sources, path, &display, limit, diags);
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
        profilec_core::input::load::load(fs, sources, &profile_path, &pdisplay, limit, &mut local);
    // `profile "/etc/shadow"` must not print a line of the shadow file.
    let own_dir = fs.canonical(dir_of(path));
    let real = fs.canonical(&profile_path);
    if !std::iter::once(&own_dir)
        .chain(ctx.roots)
        .any(|r| real.starts_with(r))
    {
        sources.set_hidden(ploaded.file);
    }
    let profile = if ploaded.usable {
        profilec_core::seccomp::parse(sources, ploaded.file, &mut local)
    } else {
        None
    };
    profilec_core::diag::redact(sources, &mut local);
    let parse_failed = local.iter().any(Diagnostic::is_error);
    // Only errors here: warnings about the profile are `profilec check`'s job.
    diags.extend(local.into_iter().filter(Diagnostic::is_error));
    let Some(profile) = profile.filter(|_| !parse_failed) else {
        out(&format!("{pdisplay}: not tested (see errors)\n"));
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
        out,
    )
}

/// Prove `cases` against a parsed profile; returns (rows evaluated, rows
/// failed).
#[allow(clippy::too_many_arguments)]
fn test_profile(
    profile: &profilec_core::seccomp::Profile,
    pfile: profilec_core::diag::FileId,
    pdisplay: &str,
    cases: &[expect::Expectation],
    display: &str,
    live: bool,
    diags: &mut Vec<Diagnostic>,
    out: &mut dyn FnMut(&str),
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
    out(&format!(
        "{pdisplay} ({} cases from {display}; arches: {}; {} BPF instructions)",
        cases.len(),
        arches.join(", "),
        sim.program.len()
    ));
    let untabled: Vec<&str> = profile
        .architectures
        .iter()
        .filter(|a| profilec_core::seccomp::tables::Arch::from_oci(&a.value).is_none())
        .map(|a| a.value.as_str())
        .collect();
    if !untabled.is_empty() {
        out(&format!(
            "  note: in the filter but not simulated (no syscall table): {}",
            untabled.join(", ")
        ));
    }
    for s in &sim.loaded.skipped {
        out(&format!("  note: runc skips `{}`: {}", s.name, s.reason));
    }
    let report = run::evaluate(&sim, cases, live);
    for line in report.table().lines() {
        out(&format!("  {line}"));
    }
    out("");
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
