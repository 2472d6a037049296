//! `profilec check`: AppArmor policy and seccomp JSON.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{report, Format};
use crate::diag::{Diagnostic, Severity};
use crate::driver::Session;
use crate::resolve::fs::RealFs;
use crate::resolve::Options;

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
}

pub fn run(args: CheckArgs) -> i32 {
    let fs = RealFs;
    let mut session = Session::new(Options {
        include_dirs: args.include.clone(),
        base: args.base.clone(),
    });
    let mut diags = Vec::new();
    let mut roots = HashSet::new();
    for path in &args.paths {
        let checked = if path == "-" {
            let mut bytes = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                eprintln!("error: cannot read stdin: {e}");
                return super::EXIT_ERRORS;
            }
            session.check_bytes(&fs, "<stdin>", bytes)
        } else if path.ends_with(".json") {
            // A seccomp profile: every diagnostic is about the file itself.
            let ds = crate::seccomp::check_path(&fs, &mut session.sources, Path::new(path));
            roots.extend(
                ds.iter()
                    .filter_map(|d| d.primary.as_ref().map(|l| l.span.file)),
            );
            diags.extend(ds);
            continue;
        } else {
            session.check_path(&fs, Path::new(path))
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
    let mut seen = HashSet::new();
    let diags: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| {
            let in_root = d
                .primary
                .as_ref()
                .is_none_or(|l| roots.contains(&l.span.file));
            d.severity == Severity::Error || in_root || args.include_warnings
        })
        .filter(|d| {
            let key = (
                d.code,
                d.primary.as_ref().map(|l| l.span),
                d.message.clone(),
            );
            seen.insert(key)
        })
        .collect();
    report(&session.sources, &diags, args.format)
}
