//! `profilec test`: check seccomp profiles against their `.expect` files in
//! the BPF simulator (every architecture of the profile) and, with `--live`,
//! in the kernel. The work is `profilec_harness::suite::test_paths`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{report, Format, Output};
use profilec_core::input::fs::RealFs;

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Profiles (`web.json`), expectation files (`web.expect`), `.confine` files or directories to search.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Also run every case in the kernel: fork, install the filter, make the call.
    #[arg(long)]
    live: bool,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Refuse any profile or expectation file larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = profilec_core::input::fs::DEFAULT_MAX_INPUT)]
    max_input_size: u64,
    /// Import search directory for `.confine` files (repeatable).
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    include: Vec<PathBuf>,
}

pub fn run(args: TestArgs, color: bool) -> i32 {
    // With a machine-readable format, stdout carries only the diagnostics
    // and the result tables go to stderr. A closed pipe (`| head`) is not
    // an error of ours.
    let to_stderr = args.format != Format::Human;
    let mut out = |line: &str| {
        let _ = if to_stderr {
            writeln!(std::io::stderr().lock(), "{line}")
        } else {
            writeln!(std::io::stdout().lock(), "{line}")
        };
    };
    let summary = profilec_harness::suite::test_paths_in(
        &RealFs,
        &args.paths,
        &args.include,
        args.live,
        args.max_input_size,
        &mut out,
    );
    report(
        &summary.sources,
        &summary.diagnostics,
        Output {
            format: args.format,
            color,
        },
    )
}
