//! The `profilec` command line: argument parsing and output only; what is
//! decided lives in profilec-core and the harness, which the language
//! server calls too.

mod build;
mod check;
mod color;
mod fmt;
mod k8s;
mod test;

use std::io::{IsTerminal, Write};

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use profilec_core::diag::{render, sarif, Diagnostic, SourceMap};
use profilec_core::session::pool::Pool;

pub use color::ColorWhen;

/// `profilec --version`: the crate version and the commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PROFILEC_COMMIT"),
    ")"
);

#[derive(Parser, Debug)]
#[command(
    name = "profilec",
    version = VERSION,
    about = "Check and compile Linux confinement profiles (AppArmor, seccomp)"
)]
pub struct Cli {
    /// When to colour diagnostics: `auto` colours a terminal only (and
    /// honours NO_COLOR, CLICOLOR and CLICOLOR_FORCE).
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build `.confine` and AppArmor sources into AppArmor profiles and seccomp JSON.
    Build(build::BuildArgs),
    /// Check AppArmor profiles and seccomp JSON profiles; report every problem found.
    Check(check::CheckArgs),
    /// Print AppArmor and `.confine` files in canonical form (`--check`: diff, `--write`: in place).
    Fmt(fmt::FmtArgs),
    /// Prove seccomp profiles behave as their `.expect` files say (simulator; `--live`: kernel).
    Test(test::TestArgs),
    /// Kubernetes: node loading manifests for a build output, and a lint of pod manifests.
    #[command(subcommand)]
    K8s(k8s::K8sCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `profilec man > profilec.1`.
    Man,
}

#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Source excerpts with underlined spans, on stderr.
    #[default]
    Human,
    /// One JSON array of diagnostic objects on stdout.
    Json,
    /// A SARIF 2.1.0 log on stdout, for code-scanning dashboards.
    Sarif,
}

/// Exit statuses: 0 clean (warnings allowed), 1 errors found, 2 usage error.
pub const EXIT_OK: i32 = 0;
pub const EXIT_ERRORS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// How diagnostics are shown in this run.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    pub format: Format,
    pub color: bool,
}

/// Parse the command line and run the command: its exit status.
pub fn main() -> i32 {
    match parse() {
        Ok(cli) => run(cli, Pool::default()),
        Err(code) => code,
    }
}

/// The first worker of `check`'s batch, started before the command line
/// is parsed (see [`profilec_core::session::pool`]) when it names
/// `check`; nothing for other commands. One only: with every worker
/// started here (two on two cores), the threads outnumbered the cores
/// while the arguments were read, and the Debian batch took 1.4 ms
/// longer on a busy host (100 pairs; 0.5 ms less on a quiet one); the
/// batch starts the others when it begins.
pub fn early_pool() -> Pool {
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|a| a == "check") {
        Pool::start(1)
    } else {
        Pool::default()
    }
}

/// The parsed command line, or the exit status of a usage error (or of
/// `--help` and `--version`, printed here).
pub fn parse() -> Result<Cli, i32> {
    Cli::try_parse().map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            EXIT_USAGE
        } else {
            EXIT_OK
        }
    })
}

impl Cli {
    /// Whether the command needs no deep stack of its own: `check` parses
    /// and checks only on the deep-stack workers its batch starts, so it
    /// can run on the main thread (starting a thread first, to run it
    /// there, was a fifth of a batch's wall time: 0.35 ms, and 0.65 ms
    /// on a machine whose other core was idle; issue 13).
    pub fn runs_in_place(&self) -> bool {
        matches!(self.command, Command::Check(_))
    }
}

/// Run a parsed command line: its exit status. `check` runs its batch on
/// `pool`'s threads.
pub fn run(cli: Cli, pool: Pool) -> i32 {
    let color = color::use_color(cli.color, std::io::stderr().is_terminal(), |k| {
        std::env::var(k).ok()
    });
    match cli.command {
        Command::Build(args) => build::run(args, color),
        Command::Check(args) => check::run(args, color, pool),
        Command::Fmt(args) => fmt::run(args, color),
        Command::Test(args) => test::run(args, color),
        Command::K8s(cmd) => k8s::run(cmd, color),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "profilec", &mut std::io::stdout());
            EXIT_OK
        }
        Command::Man => {
            let man = clap_mangen::Man::new(Cli::command());
            let mut buf = Vec::new();
            if man.render(&mut buf).is_err() || std::io::stdout().write_all(&buf).is_err() {
                return EXIT_ERRORS;
            }
            EXIT_OK
        }
    }
}

/// Print diagnostics (each with the source map it points into) in the
/// chosen format; return the exit status they imply.
/// Where parsed include files are kept between runs: `$PROFILEC_CACHE_DIR`,
/// else `$XDG_CACHE_HOME/profilec`, else `~/.cache/profilec`; none with
/// `--no-cache` or when none of these is set.
pub fn cache_dir(disabled: bool) -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    if disabled {
        return None;
    }
    let set = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    set("PROFILEC_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| set("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("profilec")))
        .or_else(|| set("HOME").map(|h| PathBuf::from(h).join(".cache/profilec")))
}

pub fn report_all(diags: &[(&SourceMap, &Diagnostic)], out: Output) -> i32 {
    match out.format {
        Format::Human => {
            use codespan_reporting::term::termcolor::{BufferWriter, ColorChoice};
            let choice = if out.color {
                ColorChoice::Always
            } else {
                ColorChoice::Never
            };
            // Buffered: one write per diagnostic, not one per fragment
            // (10,000 warnings took seconds of system calls).
            let writer = BufferWriter::stderr(choice);
            let mut buf = writer.buffer();
            for (sources, d) in diags {
                let _ = render::human(&mut buf, sources, std::slice::from_ref(d));
                if buf.len() > 1 << 16 {
                    let _ = writer.print(&buf);
                    buf.clear();
                }
            }
            let _ = writer.print(&buf);
        }
        Format::Json => {
            let values: Vec<_> = diags
                .iter()
                .map(|(s, d)| render::json_value(s, d))
                .collect();
            let text = serde_json::to_string_pretty(&values).unwrap_or_else(|_| "[]".into());
            // A closed pipe (`| head`) is not an error of ours.
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
        Format::Sarif => {
            let log = sarif::log(VERSION, diags.iter().copied());
            let text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    }
    if diags.iter().any(|(_, d)| d.is_error()) {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}

/// Report an input that could not be read at all (stdin too large, ...).
pub fn report_read_error(display: &str, e: &std::io::Error, out: Output) -> i32 {
    let mut sources = SourceMap::new();
    let id = sources.add(display, "");
    let span = profilec_core::diag::Span::new(id, 0, 0);
    let d = profilec_core::input::load::read_error(display, e, span);
    report(&sources, &[d], out)
}

/// [`report_all`] for diagnostics of one source map.
pub fn report(sources: &SourceMap, diags: &[Diagnostic], out: Output) -> i32 {
    let pairs: Vec<_> = diags.iter().map(|d| (sources, d)).collect();
    report_all(&pairs, out)
}
