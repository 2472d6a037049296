//! The `profilec` command line: argument parsing and output only; the work is
//! done by library calls that the language server makes too.

mod build;
mod check;
mod fmt;
mod test;
mod verify;

use clap::{Parser, Subcommand, ValueEnum};

use profilec_core::diag::{render, Diagnostic, SourceMap};

#[derive(Parser, Debug)]
#[command(
    name = "profilec",
    version,
    about = "Check and compile Linux confinement profiles"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build `.confine` and AppArmor sources into AppArmor profiles and seccomp JSON.
    Build(build::BuildArgs),
    /// Check AppArmor profiles and seccomp JSON profiles; report every problem found.
    Check(check::CheckArgs),
    /// Print AppArmor files in canonical form (`--check`: diff, `--write`: in place).
    Fmt(fmt::FmtArgs),
    /// Prove seccomp profiles behave as their `.expect` files say (simulator; `--live`: kernel).
    Test(test::TestArgs),
}

#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Source excerpts with underlined spans.
    #[default]
    Human,
    /// One JSON array of diagnostic objects on stdout.
    Json,
}

/// Exit statuses: 0 clean (warnings allowed), 1 errors found, 2 usage error.
pub const EXIT_OK: i32 = 0;
pub const EXIT_ERRORS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    match cli.command {
        Command::Build(args) => build::run(args),
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Test(args) => test::run(args),
    }
}

/// Print diagnostics in the chosen format; return the exit status they imply.
pub fn report(sources: &SourceMap, diags: &[Diagnostic], format: Format) -> i32 {
    match format {
        Format::Human => {
            let stderr = codespan_reporting::term::termcolor::StandardStream::stderr(
                codespan_reporting::term::termcolor::ColorChoice::Auto,
            );
            let mut lock = stderr.lock();
            let _ = render::human(&mut lock, sources, diags);
        }
        Format::Json => {
            use std::io::Write;
            // A closed pipe (`| head`) is not an error of ours.
            let _ = writeln!(std::io::stdout().lock(), "{}", render::json(sources, diags));
        }
    }
    if diags.iter().any(Diagnostic::is_error) {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
