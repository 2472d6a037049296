//! `profilec build`: `.confine` and AppArmor inputs -> `OUTDIR/apparmor/NAME`
//! and `OUTDIR/seccomp/NAME.json`. The work is `profilec_core::build`; this
//! file parses arguments, shows progress on a terminal and prints results.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{report, Format, Output};
use profilec_core::build;
use profilec_core::diag::codes;
use profilec_core::diag::{Diagnostic, Span};
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// `.confine` files, AppArmor files, or directories (searched for `*.confine` and `*.apparmor`).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Add a directory to the search path of imports and AppArmor includes (repeatable).
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    include: Vec<PathBuf>,
    /// Base directory for AppArmor includes (default /etc/apparmor.d).
    #[arg(short = 'b', long = "base", value_name = "DIR")]
    base: Option<PathBuf>,
    /// Output directory.
    #[arg(
        short = 'o',
        long = "out",
        value_name = "OUTDIR",
        default_value = "out"
    )]
    out: PathBuf,
    /// Write nothing; exit 1 with a diff when an output is missing or stale.
    #[arg(long)]
    check: bool,
    /// Write make-style dependencies of every output to FILE.
    #[arg(long, value_name = "FILE")]
    depfile: Option<PathBuf>,
    /// Compile every AppArmor output with `apparmor_parser -QK` (when installed).
    #[arg(long)]
    verify: bool,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Refuse any input, import or include larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = profilec_core::input::fs::DEFAULT_MAX_INPUT)]
    max_input_size: u64,
    /// Do not keep parsed include files between runs (kept by default in
    /// `$PROFILEC_CACHE_DIR`, `$XDG_CACHE_HOME/profilec` or `~/.cache/profilec`).
    #[arg(long)]
    no_cache: bool,
    /// Also write Kubernetes manifests for this build's outputs into DIR (as `profilec k8s manifests`; with --check, check them).
    #[arg(long, value_name = "DIR")]
    k8s: Option<PathBuf>,
    #[command(flatten)]
    k8s_options: super::k8s::ManifestOptions,
}

/// Progress goes to a terminal only, and only for builds long enough to
/// need it.
fn progress(msg: &str) {
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r\x1b[2K{msg}");
        let _ = err.flush();
    }
}

fn progress_done() {
    progress("");
}

pub fn run(args: BuildArgs, color: bool) -> i32 {
    let out = Output {
        format: args.format,
        color,
    };
    let opts = Options {
        include_dirs: args.include.clone(),
        base: args.base.clone(),
        max_input: args.max_input_size,
        cwd: None,
        parse_cache: super::cache_dir(args.no_cache),
    };
    let started = std::time::Instant::now();
    progress(&format!("building {} input path(s)...", args.paths.len()));
    let mut plan = build::plan(&RealFs, &args.paths, &opts);
    if plan.has_errors() {
        progress_done();
        eprintln!("nothing written: the inputs have errors");
        return report(&plan.sources, &plan.diagnostics, out);
    }
    if args.verify {
        progress("verifying with apparmor_parser...");
        let base = args
            .base
            .clone()
            .unwrap_or_else(|| PathBuf::from("/etc/apparmor.d"));
        let verified = build::verify::verify(&plan.outputs, &args.include, &base);
        if verified.parser.is_none() {
            eprintln!("note: apparmor_parser is not installed; --verify checked nothing");
        }
        for (path, why) in verified.rejected {
            let at = plan.sources.add(path.display().to_string(), "");
            plan.diagnostics.push(
                Diagnostic::error(
                    codes::BUILD_VERIFY_FAILED,
                    format!("apparmor_parser rejects `{}`: {why}", path.display()),
                )
                .at(Span::new(at, 0, 0), "this output"),
            );
        }
        if plan.has_errors() {
            progress_done();
            eprintln!("nothing written: apparmor_parser rejects an output");
            return report(&plan.sources, &plan.diagnostics, out);
        }
    }
    // Kubernetes manifests of this build's outputs (not of whatever else
    // OUTDIR holds); their diagnostics are reported with the build's.
    let k8s_options = args.k8s.as_ref().map(|_| args.k8s_options.options());
    if let Some(problem) = k8s_options.as_ref().and_then(|o| o.problem()) {
        progress_done();
        eprintln!("error: {problem}");
        return super::EXIT_USAGE;
    }
    let mut k8s_diags = Vec::new();
    let k8s_set = if k8s_options.is_some() {
        profilec_k8s::ProfileSet::from_outputs(
            plan.outputs
                .iter()
                .map(|o| (o.path.as_path(), o.bytes.as_slice())),
            &mut plan.sources,
            &mut k8s_diags,
        )
    } else {
        profilec_k8s::ProfileSet::default()
    };
    let k8s_errors = k8s_diags.iter().any(|d| d.is_error());
    plan.diagnostics.extend(k8s_diags);
    let mut status = report(&plan.sources, &plan.diagnostics, out);
    if args.check {
        let stale = build::check(&args.out, &plan.outputs);
        progress_done();
        let mut out = std::io::stdout().lock();
        for s in &stale {
            let _ = out.write_all(s.diff.as_bytes());
        }
        for s in &stale {
            eprintln!(
                "error[{}]: `{}` is {}",
                codes::BUILD_STALE_OUTPUT,
                s.path.display(),
                if s.missing { "missing" } else { "stale" }
            );
        }
        if !stale.is_empty() {
            eprintln!("run `profilec build` to update {} output(s)", stale.len());
            status = super::EXIT_ERRORS;
        }
    } else {
        match build::write(&args.out, &plan.outputs) {
            Ok(w) => {
                progress_done();
                eprintln!(
                    "{} output(s): {} written, {} unchanged, in {} ms",
                    plan.outputs.len(),
                    w.written.len(),
                    w.unchanged.len(),
                    started.elapsed().as_millis()
                );
            }
            Err((path, e)) => {
                progress_done();
                eprintln!(
                    "error[{}]: cannot write `{}`: {e}",
                    codes::BUILD_WRITE_FAILED,
                    path.display()
                );
                return super::EXIT_ERRORS;
            }
        }
    }
    if let (Some(dir), Some(options)) = (&args.k8s, &k8s_options) {
        if k8s_errors {
            eprintln!("no Kubernetes manifests written: the profiles cannot be used");
        } else {
            status = status.max(super::k8s::emit(&k8s_set, dir, options, args.check));
        }
    }
    if let Some(dep) = &args.depfile {
        let text = build::depfile(&args.out, &plan.outputs);
        if let Err(e) = write_if_changed(dep, text.as_bytes()) {
            eprintln!(
                "error[{}]: cannot write `{}`: {e}",
                codes::BUILD_WRITE_FAILED,
                dep.display()
            );
            return super::EXIT_ERRORS;
        }
    }
    status
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|b| b == bytes) {
        return Ok(());
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(d) = dir {
        std::fs::create_dir_all(d)?;
    }
    let out = build::Output {
        path: PathBuf::from(path.file_name().unwrap_or_default()),
        bytes: bytes.to_vec(),
        deps: Vec::new(),
    };
    build::write(dir.unwrap_or(Path::new(".")), &[out])
        .map(|_| ())
        .map_err(|(_, e)| e)
}
