//! `profilec check`: AppArmor policy and seccomp JSON.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{report, Format};
use profilec_core::diag::{render, Diagnostic, Severity};
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::Session;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files to check; `-` reads an AppArmor profile from stdin.
    #[arg(required = true)]
    paths: Vec<String>,
    /// Add a directory to the include search path (repeatable), as `apparmor_parser -I`.
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    include: Vec<PathBuf>,
    /// Base directory for relative includes, as `apparmor_parser -b` (default /etc/apparmor.d).
    #[arg(short = 'b', long = "base", value_name = "DIR")]
    base: Option<PathBuf>,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Also show warnings that arise in included files (errors always show).
    #[arg(long)]
    include_warnings: bool,
    /// Refuse any input or include larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = profilec_core::input::fs::DEFAULT_MAX_INPUT)]
    max_input_size: u64,
}

pub fn run(args: CheckArgs) -> i32 {
    let opts = Options {
        include_dirs: args.include.clone(),
        base: args.base.clone(),
    };
    let mut stdin = None;
    if args.paths.iter().any(|p| p == "-") {
        match profilec_core::input::load::read_stdin(args.max_input_size) {
            Ok(bytes) => stdin = Some(bytes),
            Err(e) => return super::report_read_error("<stdin>", &e, args.format),
        }
    }
    // Many inputs are checked in contiguous chunks on parallel threads, each
    // with its own session; the output keeps the order of the inputs.
    let threads = if args.paths.len() >= 16 && stdin.is_none() {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    } else {
        1
    };
    let chunk_len = args.paths.len().div_ceil(threads).max(1);
    let results: Vec<(Session, Vec<Diagnostic>)> = std::thread::scope(|s| {
        let handles: Vec<_> = args
            .paths
            .chunks(chunk_len)
            .map(|chunk| {
                let (opts, stdin) = (opts.clone(), stdin.clone());
                let include_warnings = args.include_warnings;
                let max = args.max_input_size;
                s.spawn(move || check_chunk(chunk, opts, stdin, include_warnings, max))
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    // An included file shared by two chunks reports its diagnostics in both.
    let mut seen = HashSet::new();
    let results: Vec<(Session, Vec<Diagnostic>)> = results
        .into_iter()
        .map(|(session, diags)| {
            let diags = diags
                .into_iter()
                .filter(|d| {
                    let at = d.primary.as_ref().map(|l| {
                        (
                            session.sources.name(l.span.file).to_string(),
                            l.span.start,
                            l.span.end,
                        )
                    });
                    seen.insert((at, d.code, d.message.clone()))
                })
                .collect();
            (session, diags)
        })
        .collect();
    report_all(&results, args.format)
}

fn check_chunk(
    paths: &[String],
    opts: Options,
    stdin: Option<Vec<u8>>,
    include_warnings: bool,
    max_input: u64,
) -> (Session, Vec<Diagnostic>) {
    let fs = RealFs;
    let mut session = Session::new(opts);
    session.max_input = max_input;
    let mut diags = Vec::new();
    let mut roots = HashSet::new();
    // AppArmor or seccomp JSON, told apart by content.
    let seccomp = Some(&profilec_harness::Libseccomp as &dyn profilec_core::seccomp::Compiler);
    for path in paths {
        let checked = if path == "-" {
            let bytes = stdin.clone().unwrap_or_default();
            session.check_any_bytes(&fs, "<stdin>", bytes, seccomp)
        } else {
            session.check_any_path(&fs, Path::new(path), seccomp)
        };
        roots.extend(checked.file);
        diags.extend(checked.diagnostics);
    }
    // Source order reads best: by file, then position.
    diags.sort_by_key(|d| {
        d.primary
            .as_ref()
            .map(|l| (l.span.file, l.span.start, l.span.end))
    });
    let diags = diags
        .into_iter()
        .filter(|d| {
            let in_root = d
                .primary
                .as_ref()
                .is_none_or(|l| roots.contains(&l.span.file));
            d.severity == Severity::Error || in_root || include_warnings
        })
        .collect();
    (session, diags)
}

/// Print every chunk's diagnostics in input order; the exit status they imply.
fn report_all(results: &[(Session, Vec<Diagnostic>)], format: Format) -> i32 {
    match format {
        Format::Human => {
            for (session, diags) in results {
                report(&session.sources, diags, Format::Human);
            }
        }
        Format::Json => {
            use std::io::Write;
            let values: Vec<_> = results
                .iter()
                .flat_map(|(s, ds)| ds.iter().map(|d| render::json_value(&s.sources, d)))
                .collect();
            let text = serde_json::to_string_pretty(&values).unwrap_or_else(|_| "[]".into());
            // A closed pipe (`| head`) is not an error of ours.
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    }
    let errors = results
        .iter()
        .any(|(_, ds)| ds.iter().any(Diagnostic::is_error));
    if errors {
        super::EXIT_ERRORS
    } else {
        super::EXIT_OK
    }
}
