//! `profilec check`: AppArmor policy and seccomp JSON.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use super::{report, Format};
use crate::diag::SourceMap;
use crate::resolve::fs::RealFs;

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
}

pub fn run(args: CheckArgs) -> i32 {
    let fs = RealFs;
    let mut sources = SourceMap::new();
    let mut diags = Vec::new();
    let opts = crate::driver::Options {
        include_dirs: args.include.clone(),
        base: args.base.clone(),
    };
    for path in &args.paths {
        if path == "-" {
            let mut bytes = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                eprintln!("error: cannot read stdin: {e}");
                return super::EXIT_ERRORS;
            }
            diags.extend(crate::driver::check_bytes(
                &fs,
                &mut sources,
                "<stdin>",
                bytes,
                &opts,
            ));
        } else if path.ends_with(".json") {
            diags.extend(crate::seccomp::check_path(
                &fs,
                &mut sources,
                std::path::Path::new(path),
            ));
        } else {
            diags.extend(crate::driver::check_path(
                &fs,
                &mut sources,
                std::path::Path::new(path),
                &opts,
            ));
        }
    }
    report(&sources, &diags, args.format)
}
