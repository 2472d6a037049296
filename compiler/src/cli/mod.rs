//! The `profilec` command line: argument parsing and output only; the work is
//! done by library calls that the language server makes too.

mod check;
mod fmt;
mod test;

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
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Test(args) => test::run(args),
    }
}

/// Report an input that could not be read at all (stdin too large, ...).
pub fn report_read_error(display: &str, e: &std::io::Error, format: Format) -> i32 {
    let mut sources = SourceMap::new();
    let id = sources.add(display, "");
    let span = profilec_core::diag::Span::new(id, 0, 0);
    let d = profilec_core::input::load::read_error(display, e, span);
    report(&sources, &[d], format)
}

/// Print diagnostics in the chosen format; return the exit status they imply.
pub fn report(sources: &SourceMap, diags: &[Diagnostic], format: Format) -> i32 {
    match format {
        Format::Human => {
            use codespan_reporting::term::termcolor::{BufferWriter, ColorChoice};
            use std::io::IsTerminal;
            // Colour by the NO_COLOR / CLICOLOR conventions; `--color` will
            // set the flag. Buffered: one write, not one per fragment.
            let colour = profilec_core::diag::color_choice(
                profilec_core::diag::ColorFlag::Auto,
                std::io::stderr().is_terminal(),
                |n| std::env::var_os(n),
            );
            let writer = BufferWriter::stderr(if colour {
                ColorChoice::Always
            } else {
                ColorChoice::Never
            });
            let mut buf = writer.buffer();
            let _ = render::human(&mut buf, sources, diags);
            let _ = writer.print(&buf);
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
