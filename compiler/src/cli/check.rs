//! `profilec check`: AppArmor policy and seccomp JSON.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use super::{report_all, Format, Output};
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::batch::{self, Input, WarningPolicy};

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

pub fn run(args: CheckArgs, color: bool) -> i32 {
    let opts = Options {
        include_dirs: args.include,
        base: args.base,
    };
    let mut stdin = None;
    let mut inputs = Vec::new();
    for p in &args.paths {
        if p == "-" {
            if stdin.is_none() {
                let mut bytes = Vec::new();
                if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                    eprintln!("error: cannot read stdin: {e}");
                    return super::EXIT_ERRORS;
                }
                stdin = Some(bytes);
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
    let report = batch::check(
        &RealFs,
        &inputs,
        &opts,
        policy,
        Some(&profilec_harness::Libseccomp),
    );
    let diags: Vec<_> = report.diagnostics().collect();
    report_all(
        &diags,
        Output {
            format: args.format,
            color,
        },
    )
}
