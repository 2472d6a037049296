//! `profilec build` as a library call (the CLI and the language server are
//! shells over it): inputs (files and directories, `.confine` and AppArmor)
//! -> planned outputs (relative path -> bytes), dependencies and
//! diagnostics ([`plan`]); then, only when there is no error, [`write`]
//! them (atomically, leaving unchanged files untouched) or [`check`] them
//! against what is on disk (unified diffs).
//!
//! Outputs: `apparmor/<profile>` for every profile, `seccomp/<profile>.json`
//! for every profile with a syscall policy.

mod files;
pub mod verify;

use crate::hashing::HashSet;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use files::{check, depfile, write, Stale, Written};

use crate::check::confine::{self as cc, Env};
use crate::diag::codes;
use crate::diag::{Diagnostic, SourceMap, Span};
use crate::input::fs::{FileSystem, Kind};
use crate::ir::{self, Policy};
use crate::resolve::confine::Program;
use crate::resolve::{Cache, Options};
use crate::session::Session;
use crate::syntax::confine::ast::ProfileKind;

/// One file the build writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Relative to the output directory: `apparmor/NAME`, `seccomp/NAME.json`.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// The input files it depends on (imports and includes too), sorted.
    pub deps: Vec<PathBuf>,
}

/// What a build would do.
pub struct Plan {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    pub outputs: Vec<Output>,
    /// Every checked policy, in input order (for `profilec test`).
    pub policies: Vec<Policy>,
    /// The input files found (directories expanded), in order.
    pub inputs: Vec<PathBuf>,
    /// The `.confine` files read (the inputs, their imports, the stdlib),
    /// their ids in `sources`: what an editor navigates.
    pub program: Program,
}

impl Plan {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Whether a path names a `.confine` file.
pub fn is_confine(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "confine")
}

/// Files a directory contributes: `*.confine` and `*.apparmor`.
fn walk(fs: &dyn FileSystem, dir: &Path, out: &mut Vec<PathBuf>) {
    let keep = |n: &str| n.ends_with(".confine") || n.ends_with(".apparmor");
    crate::input::fs::files_under(fs, dir, &keep, out);
}

fn anchor(sources: &mut SourceMap, name: &str) -> Span {
    let id = sources.add(name, "");
    Span::new(id, 0, 0)
}

/// The output file name of a profile name: AppArmor path-named profiles
/// (`/usr/bin/foo`) become `usr.bin.foo`, as Debian names them.
fn output_name(name: &str) -> String {
    name.trim_start_matches('/').replace('/', ".")
}

/// Check, lower and print every input; nothing is written.
pub fn plan(fs: &dyn FileSystem, inputs: &[PathBuf], opts: &Options) -> Plan {
    plan_with(fs, inputs, opts, true)
}

/// [`plan`] without printing the outputs (`outputs` stays empty): what an
/// editor needs after each keystroke, the diagnostics and the lowered
/// policies. Printing the AppArmor text and reading it back was most of
/// the time of a large `.confine` file; the printer's own guard reports
/// only what the checks should have caught first.
pub fn plan_without_outputs(fs: &dyn FileSystem, inputs: &[PathBuf], opts: &Options) -> Plan {
    plan_with(fs, inputs, opts, false)
}

fn plan_with(fs: &dyn FileSystem, inputs: &[PathBuf], opts: &Options, print: bool) -> Plan {
    let mut session = Session::new(opts.clone());
    session.skip_index = true;
    let mut diags = Vec::new();
    let mut files = Vec::new();
    for p in inputs {
        if fs.kind(p) == Some(Kind::Dir) {
            let before = files.len();
            walk(fs, p, &mut files);
            if files.len() == before {
                let at = anchor(&mut session.sources, &p.display().to_string());
                diags.push(
                    Diagnostic::error(
                        codes::BUILD_NO_INPUTS,
                        format!("no `.confine` or `.apparmor` files under `{}`", p.display()),
                    )
                    .at(at, "nothing to build"),
                );
            }
        } else {
            files.push(p.clone());
        }
    }
    let mut program = Program::with_limit(opts.max_input);
    program.load_stdlib(&mut session.sources, &mut diags);
    let mut confine_roots = Vec::new();
    let mut policies: Vec<(Policy, Vec<PathBuf>)> = Vec::new();
    let mut cache = Cache::default();
    for f in &files {
        if is_confine(f) {
            if let Some(i) =
                program.load_input(fs, &opts.include_dirs, &mut session.sources, f, &mut diags)
            {
                if !confine_roots.contains(&i) {
                    confine_roots.push(i);
                }
            }
        } else {
            let checked = session.check_path(fs, f);
            diags.extend(checked.diagnostics);
            if let Some(unit) = &checked.unit {
                let mut deps: Vec<PathBuf> = unit
                    .paths()
                    .map(|(_, p)| p)
                    .filter(|p| !p.starts_with(crate::resolve::stdlib::ROOT))
                    .map(|p| p.to_path_buf())
                    .collect();
                deps.push(f.clone());
                deps.sort();
                deps.dedup();
                for pol in ir::from_apparmor::lower(unit) {
                    policies.push((pol, deps.clone()));
                }
            }
        }
    }
    let checked = cc::check(
        &program,
        &mut session.sources,
        &mut Env {
            fs,
            opts,
            cache: &mut cache,
        },
    );
    diags.extend(checked.diags.iter().cloned());
    let mut jobs = Vec::new();
    for &i in &confine_roots {
        let deps = program.dependencies(i);
        for p in &program.files[i].ast.profiles {
            if p.kind == ProfileKind::Confine {
                jobs.push((i, p, deps.clone()));
            }
        }
    }
    // Profiles lower independently: in parallel, results in input order.
    let sources = &session.sources;
    let lowered = par_map(&jobs, |(i, p, deps)| {
        let mut local = Vec::new();
        let pol = ir::lower::lower(&program, &checked, sources, *i, p, &mut local);
        ir::lint::lint(&pol, &mut local);
        (pol, deps.clone(), local)
    });
    let mut confine_policies = Vec::new();
    for (pol, deps, local) in lowered {
        diags.extend(local);
        confine_policies.push((pol, deps));
    }
    // Inputs in the order given: AppArmor and `.confine` interleave by file.
    policies.extend(confine_policies);
    let mut outputs = Vec::new();
    // With an error nothing is written, so nothing is printed either (and a
    // rejected value never reaches the printer).
    if diags.iter().any(Diagnostic::is_error) {
        policies.clear();
    }
    let mut claimed: BTreeMap<String, Span> = BTreeMap::new();
    let mut to_emit = Vec::new();
    for (pol, deps) in &policies {
        let name = output_name(&pol.name);
        if let Some(prev) = claimed.insert(name.clone(), pol.name_span) {
            diags.push(
                Diagnostic::error(
                    codes::BUILD_OUTPUT_CLASH,
                    format!("two profiles would be written to `apparmor/{name}`"),
                )
                .at(pol.name_span, "this profile")
                .with_secondary(prev, "and this one")
                .with_help("rename one of them"),
            );
            continue;
        }
        // Output names are claimed (and clash) whether or not the text is
        // printed.
        if !print {
            continue;
        }
        let source_name = session
            .sources
            .name(pol.source)
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        to_emit.push((pol, deps, name, source_name));
    }
    for (outs, d) in par_map(&to_emit, |(pol, deps, name, source_name)| {
        emit_one(pol, deps, name, source_name)
    }) {
        outputs.extend(outs);
        diags.extend(d);
    }
    Plan {
        sources: session.sources,
        diagnostics: dedup(diags),
        outputs,
        policies: policies.into_iter().map(|(p, _)| p).collect(),
        inputs: files,
        program,
    }
}

/// The outputs of one policy.
fn emit_one(
    pol: &Policy,
    deps: &[PathBuf],
    name: &str,
    source_name: &str,
) -> (Vec<Output>, Vec<Diagnostic>) {
    let mut outputs = Vec::new();
    let mut diags = Vec::new();
    match crate::emit::apparmor_ir::emit(pol) {
        Ok(text) => {
            let header = format!(
                "# Generated by profilec from {source_name}; edit that file, not this one.\n"
            );
            outputs.push(Output {
                path: Path::new("apparmor").join(name),
                bytes: format!("{header}{text}").into_bytes(),
                deps: deps.to_vec(),
            });
        }
        // The printer's own guard: the text would not read back as the
        // same rules. Checks should have caught the cause first.
        Err(d) => {
            let mut d = *d;
            d.primary = None;
            diags.push(
                d.at(pol.name_span, "in the AppArmor output of this profile")
                    .with_help(
                        "this is a bug in profilec's checks; please report it with the input",
                    ),
            );
        }
    }
    if let Some(s) = &pol.seccomp {
        outputs.push(Output {
            path: Path::new("seccomp").join(format!("{name}.json")),
            bytes: crate::emit::seccomp::emit(s).into_bytes(),
            deps: deps.to_vec(),
        });
    }
    (outputs, diags)
}

/// `f` over `items` on a few threads (one per CPU, at most 4), results in
/// the order of `items`.
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    par_map_on(threads, items, f)
}

/// [`par_map`] on `threads` threads.
pub(crate) fn par_map_on<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if threads < 2 || items.len() < 16 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                // A panic in a worker is a bug; re-raise it where the
                // session's panic guard reports it.
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        out
    })
}

/// A base used by several profiles reports its problems once.
fn dedup(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = HashSet::default();
    diags
        .into_iter()
        .filter(|d| {
            seen.insert((
                d.code.name,
                d.message.clone(),
                d.primary.as_ref().map(|l| l.span),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::fs::MemoryFs;

    /// The editor's plan prints nothing but reports what a build would.
    #[test]
    fn a_plan_without_outputs_still_reports_an_output_clash() {
        let mut fs = MemoryFs::default();
        fs.insert(
            "/w/a.confine",
            "confine same { files { read /etc/hosts } }\n",
        );
        fs.insert(
            "/w/b.apparmor",
            "profile same /usr/bin/same {\n  /etc/group r,\n}\n",
        );
        let inputs = [
            PathBuf::from("/w/a.confine"),
            PathBuf::from("/w/b.apparmor"),
        ];
        let full = plan(&fs, &inputs, &Options::default());
        let quiet = plan_without_outputs(&fs, &inputs, &Options::default());
        assert!(quiet.outputs.is_empty());
        let codes = |p: &Plan| {
            p.diagnostics
                .iter()
                .map(|d| d.code.name)
                .collect::<Vec<_>>()
        };
        assert!(
            codes(&full).contains(&"build-output-clash"),
            "{:?}",
            codes(&full)
        );
        assert_eq!(codes(&full), codes(&quiet));
    }
}
