//! `profilec fmt`: print AppArmor and `.confine` files in canonical form,
//! check that they are, or rewrite them in place. The work is
//! `Session::format_path` (`emit::confine::format` for `.confine`); a
//! file with any error is never formatted: its diagnostics are printed, the
//! file is left untouched, and the exit status is 1.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{report, Format, Output, EXIT_ERRORS, EXIT_OK};
use profilec_core::input::fs::RealFs;
use profilec_core::input::write;
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
    /// Rewrite files that are not in canonical form, in place (atomically,
    /// keeping mode, owner, group and extended attributes, or refusing).
    #[arg(long)]
    write: bool,
    /// With `--write`, also rewrite read-only files.
    #[arg(long, requires = "write")]
    force: bool,
    /// Add a directory to the include search path (repeatable), as `apparmor_parser -I`.
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    include: Vec<PathBuf>,
    /// Base directory for relative includes, as `apparmor_parser -b` (default /etc/apparmor.d).
    #[arg(short = 'b', long = "base", value_name = "DIR")]
    base: Option<PathBuf>,
    /// Refuse any input or include larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = profilec_core::input::fs::DEFAULT_MAX_INPUT)]
    max_input_size: u64,
}

pub fn run(args: FmtArgs, color: bool) -> i32 {
    let out = Output {
        format: Format::Human,
        color,
    };
    let mut session = Session::new(Options {
        include_dirs: args.include.clone(),
        base: args.base.clone(),
        max_input: args.max_input_size,
        ..Options::default()
    });
    if args.write {
        remove_temporaries_on_signal();
    }
    let mut status = EXIT_OK;
    for path in &args.paths {
        let result = if path == "-" {
            match profilec_core::input::load::read_stdin(args.max_input_size) {
                Ok(bytes) => session.format_bytes(&RealFs, "<stdin>", bytes),
                Err(e) => {
                    status = super::report_read_error("<stdin>", &e, out);
                    continue;
                }
            }
        } else if profilec_core::build::is_confine(Path::new(path)) {
            format_confine(&mut session, path, args.max_input_size)
        } else {
            session.format_path(&RealFs, Path::new(path))
        };
        let f: Formatted = match result {
            Ok(f) => f,
            Err(diags) => {
                report(&session.sources, &diags, out);
                let shown = profilec_core::diag::render::escape_controls(path);
                eprintln!("error: `{shown}` left unformatted");
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
                let how = write::Replace {
                    original: Some(f.original.as_bytes()),
                    force: args.force,
                };
                if let Err(e) = write::replace_with(Path::new(path), f.formatted.as_bytes(), how) {
                    let mut sources = profilec_core::diag::SourceMap::new();
                    let id = sources.add(path.as_str(), "");
                    let d = e.diagnostic(path, profilec_core::diag::Span::new(id, 0, 0));
                    status = report(&sources, &[d], out);
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

/// A `.confine` file through its own printer
/// (`profilec_core::emit::confine::format`): refused with a syntax error.
fn format_confine(
    session: &mut Session,
    path: &str,
    max_input: u64,
) -> Result<Formatted, Vec<profilec_core::diag::Diagnostic>> {
    let mut diags = Vec::new();
    let loaded = profilec_core::input::load::load(
        &RealFs,
        &mut session.sources,
        Path::new(path),
        path,
        max_input,
        &mut diags,
    );
    if !loaded.usable {
        return Err(diags);
    }
    let original = session.sources.text(loaded.file).to_string();
    match profilec_core::emit::confine::format(loaded.file, &original) {
        Ok(formatted) => Ok(Formatted {
            original,
            formatted,
        }),
        Err(d) => Err(vec![*d]),
    }
}

/// On SIGINT or SIGTERM, remove the temporary file of a replacement in
/// flight (the target is untouched until the rename), then exit as the
/// signal would have.
fn remove_temporaries_on_signal() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            write::remove_pending();
            std::process::exit(128 + sig);
        }
    });
}
