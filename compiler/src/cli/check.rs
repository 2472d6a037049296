//! `profilec check`: AppArmor policy and seccomp JSON.

use std::path::PathBuf;

use clap::Args;

use super::{report_all, Format, Output};
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::batch::{self, Input, WarningPolicy};
use profilec_core::session::pool::Pool;

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
    /// Do not keep parsed include files between runs (kept by default in
    /// `$PROFILEC_CACHE_DIR`, `$XDG_CACHE_HOME/profilec` or `~/.cache/profilec`).
    #[arg(long)]
    no_cache: bool,
}

pub fn run(args: CheckArgs, color: bool, mut pool: Pool) -> i32 {
    let opts = Options {
        include_dirs: args.include,
        base: args.base,
        max_input: args.max_input_size,
        cwd: None,
        parse_cache: super::cache_dir(args.no_cache),
    };
    let out = Output {
        format: args.format,
        color,
    };
    let mut stdin = None;
    let mut inputs = Vec::new();
    for p in &args.paths {
        if p == "-" {
            if stdin.is_none() {
                match profilec_core::input::load::read_stdin(opts.max_input) {
                    Ok(bytes) => stdin = Some(bytes),
                    Err(e) => return super::report_read_error("<stdin>", &e, out),
                }
            }
            inputs.push(Input::Bytes {
                name: "<stdin>".into(),
                bytes: stdin.clone().unwrap_or_default(),
            });
        } else {
            inputs.push(Input::Path(PathBuf::from(p)));
        }
    }
    let policy = WarningPolicy {
        include_warnings: args.include_warnings,
    };
    let report = batch::check_pooled(
        &mut pool,
        &RealFs,
        inputs,
        opts,
        policy,
        Some(&profilec_harness::Libseccomp),
    );
    let diags: Vec<_> = report.diagnostics().collect();
    let code = report_all(&diags, out);
    drop(diags);
    // The process exits next: freeing the sessions' tables, one by one,
    // is work nobody needs (tens of millions of instructions for a large
    // corpus).
    std::mem::forget(report);
    code
}
