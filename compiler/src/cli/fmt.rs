//! `profilec fmt`: print AppArmor files in canonical form, check that they
//! are, or rewrite them in place. The work is `Session::format_path`; a
//! file with any error is never formatted: its diagnostics are printed, the
//! file is left untouched, and the exit status is 1.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{report, Format, Output, EXIT_ERRORS, EXIT_OK};
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::format::{unified_diff, Formatted};
use profilec_core::session::Session;

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Files to format; `-` reads a profile from stdin (printed to stdout).
    #[arg(required = true)]
    paths: Vec<String>,
    /// Print a unified diff for each file that is not in canonical form and
    /// exit 1 if there is any; change nothing.
    #[arg(long, conflicts_with = "write")]
    check: bool,
    /// Rewrite files that are not in canonical form, in place (atomically).
    #[arg(long)]
    write: bool,
    /// Add a directory to the include search path (repeatable), as `apparmor_parser -I`.
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    include: Vec<PathBuf>,
    /// Base directory for relative includes, as `apparmor_parser -b` (default /etc/apparmor.d).
    #[arg(short = 'b', long = "base", value_name = "DIR")]
    base: Option<PathBuf>,
}

pub fn run(args: FmtArgs, color: bool) -> i32 {
    let out = Output {
        format: Format::Human,
        color,
    };
    let mut session = Session::new(Options {
        include_dirs: args.include.clone(),
        base: args.base.clone(),
    });
    let mut status = EXIT_OK;
    for path in &args.paths {
        let result = if path == "-" {
            let mut bytes = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                eprintln!("error: cannot read stdin: {e}");
                status = EXIT_ERRORS;
                continue;
            }
            session.format_bytes(&RealFs, "<stdin>", bytes)
        } else {
            session.format_path(&RealFs, Path::new(path))
        };
        let f: Formatted = match result {
            Ok(f) => f,
            Err(diags) => {
                report(&session.sources, &diags, out);
                eprintln!("error: `{path}` left unformatted");
                status = EXIT_ERRORS;
                continue;
            }
        };
        if args.check {
            if f.changed() {
                print!("{}", unified_diff(path, &f.original, &f.formatted));
                status = EXIT_ERRORS;
            }
        } else if args.write && path != "-" {
            if f.changed() {
                let written = profilec_core::input::write::replace_file(
                    Path::new(path),
                    f.formatted.as_bytes(),
                );
                if let Err(e) = written {
                    eprintln!("error: cannot write `{path}`: {e}");
                    status = EXIT_ERRORS;
                }
            }
        } else if std::io::stdout()
            .lock()
            .write_all(f.formatted.as_bytes())
            .is_err()
        {
            return EXIT_ERRORS;
        }
    }
    status
}
