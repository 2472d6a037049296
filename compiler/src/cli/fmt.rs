//! `profilec fmt`: print AppArmor files in canonical form, check that they
//! are, or rewrite them in place.
//!
//! Each file is checked first, with the same session as `profilec check`: a
//! file with any error is never formatted; its diagnostics are printed, the
//! file is left untouched, and the exit status is 1.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{report, Format, EXIT_ERRORS, EXIT_OK};
use profilec_core::diag::{Diagnostic, FileId};
use profilec_core::emit::apparmor::emit_file;
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::Session;
use profilec_core::syntax::ast::{Item, ProfileKeyword};
use profilec_core::syntax::{parse_apparmor, Context};

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

/// The checker's stable code for a rule written outside any profile.
use profilec_core::diag::codes::RULE_OUTSIDE_PROFILE;

enum Mode {
    Print,
    Check,
    Write,
}

pub fn run(args: FmtArgs) -> i32 {
    let mode = if args.check {
        Mode::Check
    } else if args.write {
        Mode::Write
    } else {
        Mode::Print
    };
    let mut session = Session::new(Options {
        include_dirs: args.include.clone(),
        base: args.base.clone(),
    });
    let mut status = EXIT_OK;
    for path in &args.paths {
        let (original, formatted) = match format_one(&mut session, path) {
            Ok(pair) => pair,
            Err(diags) => {
                report(&session.sources, &diags, Format::Human);
                eprintln!("error: `{path}` left unformatted");
                status = EXIT_ERRORS;
                continue;
            }
        };
        match mode {
            Mode::Print => {
                let mut out = std::io::stdout().lock();
                if out.write_all(formatted.as_bytes()).is_err() {
                    return EXIT_ERRORS;
                }
            }
            Mode::Check => {
                if formatted != original {
                    print!("{}", unified_diff(path, &original, &formatted));
                    status = EXIT_ERRORS;
                }
            }
            Mode::Write => {
                if formatted != original && path != "-" {
                    if let Err(e) = profilec_core::input::write::replace_file(
                        Path::new(path),
                        formatted.as_bytes(),
                    ) {
                        eprintln!("error: cannot write `{path}`: {e}");
                        status = EXIT_ERRORS;
                    }
                } else if path == "-" {
                    print!("{formatted}");
                }
            }
        }
    }
    status
}

/// Check one input and print it in canonical form: (source, formatted), or
/// the errors that forbid formatting it.
fn format_one(session: &mut Session, path: &str) -> Result<(String, String), Vec<Diagnostic>> {
    let checked = if path == "-" {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            eprintln!("error: cannot read stdin: {e}");
            return Err(Vec::new());
        }
        session.check_bytes(&RealFs, "<stdin>", bytes)
    } else {
        session.check_path(&RealFs, Path::new(path))
    };
    let errors: Vec<Diagnostic> = checked
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if !errors.is_empty() {
        // Not a policy file on its own? Perhaps an include file of rules.
        // It is one when it reads as a profile body and, as a policy
        // file, does not parse, has rules outside any profile (its own or
        // those of the files it includes) or hats outside any profile, or
        // lives in an include directory (`abstractions/`, `local/`,
        // `apache2.d/`). Any other file keeps its errors: a profile is never
        // checked in a context it does not have.
        if let (Some(id), true) = (checked.file, path != "-") {
            let (top_ok, body_ok, hats) = parses_as(session, id);
            let rules_outside = errors.iter().any(|d| d.code == RULE_OUTSIDE_PROFILE);
            if body_ok && (!top_ok || rules_outside || hats || in_include_dir(Path::new(path))) {
                return format_rule_file(session, Path::new(path));
            }
        }
        return Err(errors);
    }
    let file = checked.file.and_then(|id| {
        let unit = checked.unit.as_ref()?;
        unit.files.get(&id).cloned().map(|ast| (id, ast))
    });
    let Some((id, ast)) = file else {
        return Err(Vec::new());
    };
    let source = session.sources.text(id).to_string();
    let formatted = emit_file(&ast, &source).map_err(|d| vec![*d])?;
    Ok((source, formatted))
}

/// Whether the text of `id` parses with no syntax error as a policy file
/// and as the body of a profile, and whether it holds hats outside any
/// profile. An include file made of rules (`abstractions/base`, `local/...`)
/// or hats (`apache2.d/...`) is not a policy file on its own, but reads as a
/// profile body, as the parser reads it where it is included.
fn parses_as(session: &Session, id: FileId) -> (bool, bool, bool) {
    let text = session.sources.text(id);
    let (top, top_diags) = parse_apparmor(id, text, Context::Top);
    let (_, body_diags) = parse_apparmor(id, text, Context::Body);
    let hats = top.items.iter().any(|i| {
        matches!(i, Item::Profile(p) if matches!(p.keyword, ProfileKeyword::Hat | ProfileKeyword::Caret))
    });
    (
        !top_diags.iter().any(Diagnostic::is_error),
        !body_diags.iter().any(Diagnostic::is_error),
        hats,
    )
}

/// Whether `path` lies in a directory of include files, as AppArmor lays
/// them out: `abstractions/`, `tunables/`, `local/`, or any `NAME.d/`.
fn in_include_dir(path: &Path) -> bool {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    abs.parent().is_some_and(|dir| {
        dir.components().any(|c| {
            let name = c.as_os_str().to_string_lossy();
            matches!(name.as_ref(), "abstractions" | "tunables" | "local")
                || (name.ends_with(".d") && name != "apparmor.d")
        })
    })
}

/// Check an include file the way it is used, included into a profile, and
/// format it on its own (still one file: its includes stay includes).
fn format_rule_file(
    session: &mut Session,
    path: &Path,
) -> Result<(String, String), Vec<Diagnostic>> {
    let abs = std::fs::canonicalize(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        Vec::new()
    })?;
    let shown = abs.display().to_string();
    if shown.contains(['"', '\\', '\n']) {
        eprintln!("error: `{shown}`: cannot check an include file with this name");
        return Err(Vec::new());
    }
    // As a profile uses it: after the standard tunables, which abstractions
    // take for granted (`@{HOME}`, `@{PROC}`, ...).
    let wrapper = format!(
        "include if exists <tunables/global>\nprofile profilec-fmt-include {{\n  include \"{shown}\"\n}}\n"
    );
    let checked = session.check_bytes(&RealFs, "<fmt: include file>", wrapper.into_bytes());
    let errors: Vec<Diagnostic> = checked
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let unit = checked.unit.ok_or_else(Vec::new)?;
    let root = unit
        .root
        .and_then(|r| unit.files.get(&r))
        .ok_or_else(Vec::new)?;
    let include = match root.items.get(1) {
        Some(Item::Profile(p)) => match p.items.first() {
            Some(Item::Include(i)) => i.span,
            _ => return Err(Vec::new()),
        },
        _ => return Err(Vec::new()),
    };
    let id = *unit.included(include).first().ok_or_else(Vec::new)?;
    let ast = unit.files.get(&id).ok_or_else(Vec::new)?;
    let source = session.sources.text(id).to_string();
    let formatted = emit_file(ast, &source).map_err(|d| vec![*d])?;
    Ok((source, formatted))
}

/// `--- PATH` / `+++ PATH` unified diff (applies with `patch -p0`), 3 lines of context.
pub fn unified_diff(path: &str, original: &str, formatted: &str) -> String {
    let diff = similar::TextDiff::from_lines(original, formatted);
    diff.unified_diff()
        .context_radius(3)
        .header(path, path)
        .to_string()
}
