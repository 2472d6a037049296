//! Checks of `.confine` files, each name and value on its own: paths,
//! capabilities, network names, signals, peers, errnos, constants,
//! syscalls, names of profiles, bases and sets, `use` cycles, and the
//! `apparmor { }` blocks through the AppArmor checker. Checks that need a
//! whole merged profile (contradictions, shadowed grants, cross-backend
//! consistency) run on the `ir`.

pub mod expect;
mod names;
mod native;
pub mod paths;
pub mod values;

use crate::hashing::HashMap;
use std::collections::BTreeMap;

pub use names::{is_plain_name, net_slots};

use crate::diag::codes;
use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::input::fs::FileSystem;
use crate::resolve::confine::Program;
use crate::resolve::{Cache, Options};
use crate::syntax::ast::Item;
use crate::syntax::confine::ast::*;

/// What checking gives the lowering besides diagnostics.
#[derive(Default)]
pub struct Checked {
    pub diags: Vec<Diagnostic>,
    /// The parsed rules of each `apparmor { }` block, by (file, block start).
    pub native: HashMap<(FileId, u32), Vec<Item>>,
}

pub struct Env<'a> {
    pub fs: &'a dyn FileSystem,
    pub opts: &'a Options,
    pub cache: &'a mut Cache,
}

/// Check every file of `program` (inputs, imports, stdlib).
pub fn check(program: &Program, sources: &mut SourceMap, env: &mut Env) -> Checked {
    let mut out = Checked::default();
    for (index, f) in program.files.iter().enumerate() {
        let ast = &f.ast;
        if ast.profiles.is_empty() && ast.sets.is_empty() && ast.imports.is_empty() {
            out.diags.push(
                Diagnostic::error(
                    codes::CONFINE_NO_PROFILE,
                    format!("`{}` defines no profile", sources.name(f.id)),
                )
                .at(Span::new(f.id, 0, 0), "nothing here")
                .with_help("write `confine NAME { ... }`; see docs/confine.md"),
            );
        }
        for p in &ast.profiles {
            profile(program, index, p, sources, env, &mut out);
        }
        for s in &ast.sets {
            for st in &s.stmts {
                syscall_stmt(program, index, st, &mut out.diags);
            }
            set_cycle(program, index, s, &mut out.diags);
        }
    }
    duplicates(program, &mut out.diags);
    out
}

fn profile(
    program: &Program,
    index: usize,
    p: &Profile,
    sources: &mut SourceMap,
    env: &mut Env,
    out: &mut Checked,
) {
    let file = program.files[index].id;
    let diags = &mut out.diags;
    if !names::is_plain_name(&p.name.text) {
        diags.push(
            Diagnostic::error(
                codes::CONFINE_INVALID_NAME,
                format!("`{}` cannot name a profile", p.name.text.escape_debug()),
            )
            .at(p.name.span, "not a plain name")
            .with_help("a name is letters, digits, `_`, `-` and `.`, not starting with `.` or `-`; it names the output files"),
        );
    }
    let mut settings: BTreeMap<&str, Span> = BTreeMap::new();
    let mut once = |what: &'static str, span: Span, diags: &mut Vec<Diagnostic>| {
        if let Some(prev) = settings.insert(what, span) {
            diags.push(
                Diagnostic::error(
                    codes::CONFINE_REPEATED_SETTING,
                    format!("`{what}` is given twice"),
                )
                .at(span, "again here")
                .with_secondary(prev, "first here")
                .with_help("keep one"),
            );
        }
    };
    for item in &p.items {
        match item {
            ProfileItem::Mode(w) => {
                once("mode", w.span, diags);
                if w.text != "enforce" && w.text != "complain" {
                    diags.push(names::unknown(
                        codes::CONFINE_UNKNOWN_MODE,
                        "mode",
                        w,
                        &["enforce", "complain"],
                    ));
                }
            }
            ProfileItem::Attach(w) => {
                once("attach", w.span, diags);
                paths::check(w, diags);
            }
            ProfileItem::Flags(ws) => ws.iter().for_each(|w| names::flag(w, diags)),
            ProfileItem::Use { bases, .. } => {
                for b in bases {
                    match program.lookup_profile(index, &b.text) {
                        Some(_) => base_cycle(program, index, p, b, diags),
                        None => diags.push(
                            names::unknown(
                                codes::CONFINE_UNKNOWN_BASE,
                                "base",
                                b,
                                &program.names_in_scope(index, false),
                            )
                            .with_note("bases come from this file, its imports and the stdlib (`container`)"),
                        ),
                    }
                }
            }
            ProfileItem::Files(stmts) => {
                for s in stmts {
                    for path in &s.paths {
                        paths::check(path, diags);
                    }
                }
            }
            ProfileItem::Capabilities(stmts) => {
                for s in stmts {
                    s.names.iter().for_each(|w| names::capability(w, diags));
                }
            }
            ProfileItem::Network(stmts) => {
                for s in stmts {
                    s.entries.iter().for_each(|e| names::network(e, diags));
                }
            }
            ProfileItem::Signals(stmts) => {
                for s in stmts {
                    s.signals.iter().for_each(|w| names::signal(w, diags));
                    if let Some(w) = &s.peer {
                        names::peer(w, diags);
                    }
                }
            }
            ProfileItem::Ptrace(stmts) => {
                for s in stmts {
                    const ACCESS: &[&str] = &["read", "trace", "readby", "tracedby"];
                    for a in &s.access {
                        if !ACCESS.contains(&a.text.as_str()) {
                            diags.push(names::unknown(
                                codes::CONFINE_UNKNOWN_KEYWORD,
                                "ptrace access",
                                a,
                                ACCESS,
                            ));
                        }
                    }
                    if let Some(w) = &s.peer {
                        names::peer(w, diags);
                    }
                }
            }
            ProfileItem::Mount(stmts) => {
                for s in stmts {
                    match s {
                        MountStmt::DenyAll(_) => {}
                        MountStmt::Mount { fstype, target, .. } => {
                            names::peer(fstype, diags);
                            paths::check(target, diags);
                        }
                        MountStmt::Umount { target, .. } => {
                            paths::check(target, diags);
                        }
                    }
                }
            }
            ProfileItem::Syscalls(stmts) => {
                for s in stmts {
                    match s {
                        SyscallStmt::Default { span, .. } => once("default", *span, diags),
                        SyscallStmt::Arch { span, .. } => once("arch", *span, diags),
                        _ => {}
                    }
                    syscall_stmt(program, index, s, diags);
                }
            }
            ProfileItem::Native(n) => {
                if let Some(items) =
                    native::check(env.fs, sources, env.opts, env.cache, file, n, diags)
                {
                    out.native.insert((file, n.body.start), items);
                }
            }
            ProfileItem::Expect(e) => {
                expect::cases(sources, file, e, diags);
            }
        }
    }
}

fn syscall_stmt(program: &Program, index: usize, s: &SyscallStmt, diags: &mut Vec<Diagnostic>) {
    match s {
        SyscallStmt::Default { action, .. } => {
            names::action(action, diags);
            if action.kind == ActionKind::Deny {
                diags.push(
                    Diagnostic::error(
                        codes::CONFINE_UNKNOWN_KEYWORD,
                        "`deny` is not a default action",
                    )
                    .at(action.span, "say which denial")
                    .with_help("write `default errno EPERM`, `default kill` or `default trap`"),
                );
            }
        }
        SyscallStmt::Arch { arches, .. } => {
            for a in arches {
                names::arch(a, diags);
            }
        }
        SyscallStmt::Use { sets, .. } => {
            for s in sets {
                if program.lookup_set(index, &s.text).is_none() {
                    diags.push(
                        names::unknown(
                            codes::CONFINE_UNKNOWN_SET,
                            "syscall set",
                            s,
                            &program.names_in_scope(index, true),
                        )
                        .with_note("sets come from this file, its imports and the stdlib (`runtime-default`, `dangerous`, `file`, `network`, `process`, `time`)"),
                    );
                }
            }
        }
        SyscallStmt::Rule(r) => names::rule(r, diags),
    }
}

/// `use`/`extends` of `b` from profile `p` must not lead back to `p`.
fn base_cycle(program: &Program, index: usize, p: &Profile, b: &Word, diags: &mut Vec<Diagnostic>) {
    let mut stack = vec![(index, b.text.clone())];
    let mut seen = crate::hashing::HashSet::default();
    while let Some((f, name)) = stack.pop() {
        let Some((bf, base)) = program.lookup_profile(f, &name) else {
            continue;
        };
        if std::ptr::eq(base, p) {
            diags.push(
                Diagnostic::error(
                    codes::CONFINE_BASE_CYCLE,
                    format!("`{}` uses itself through `{}`", p.name.text, b.text),
                )
                .at(b.span, "leads back to this profile")
                .with_help("a base cannot use, directly or indirectly, the profile that uses it"),
            );
            return;
        }
        if !seen.insert((bf, name)) {
            continue;
        }
        for item in &base.items {
            if let ProfileItem::Use { bases, .. } = item {
                stack.extend(bases.iter().map(|w| (bf, w.text.clone())));
            }
        }
    }
}

fn set_cycle(program: &Program, index: usize, s: &SyscallSet, diags: &mut Vec<Diagnostic>) {
    let mut stack: Vec<(usize, String, Span)> = Vec::new();
    let uses = |set: &SyscallSet| -> Vec<Word> {
        set.stmts
            .iter()
            .filter_map(|st| match st {
                SyscallStmt::Use { sets, .. } => Some(sets.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    };
    for w in uses(s) {
        stack.push((index, w.text.clone(), w.span));
    }
    let mut seen = crate::hashing::HashSet::default();
    while let Some((f, name, first)) = stack.pop() {
        let Some((sf, set)) = program.lookup_set(f, &name) else {
            continue;
        };
        if std::ptr::eq(set, s) {
            diags.push(
                Diagnostic::error(
                    codes::CONFINE_BASE_CYCLE,
                    format!("syscall set `{}` uses itself", s.name.text),
                )
                .at(first, "leads back to this set"),
            );
            return;
        }
        if seen.insert((sf, name)) {
            for w in uses(set) {
                stack.push((sf, w.text.clone(), first));
            }
        }
    }
}

/// Profiles and bases share one namespace, sets another; stdlib names may
/// be shadowed by the user's own.
fn duplicates(program: &Program, diags: &mut Vec<Diagnostic>) {
    let mut profiles: BTreeMap<&str, Span> = BTreeMap::new();
    let mut sets: BTreeMap<&str, Span> = BTreeMap::new();
    for f in program.files.iter().filter(|f| !f.stdlib) {
        for p in &f.ast.profiles {
            dup(&mut profiles, &p.name, "profile", diags);
        }
        for s in &f.ast.sets {
            dup(&mut sets, &s.name, "syscall set", diags);
        }
    }
}

fn dup<'a>(
    seen: &mut BTreeMap<&'a str, Span>,
    name: &'a Word,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(prev) = seen.get(name.text.as_str()) {
        diags.push(
            Diagnostic::error(
                codes::CONFINE_DUPLICATE_NAME,
                format!("a {what} named `{}` is already defined", name.text),
            )
            .at(name.span, "defined again here")
            .with_secondary(*prev, "first defined here")
            .with_help("names must be unique: each profile is written to a file of its name"),
        );
    } else {
        seen.insert(name.text.as_str(), name.span);
    }
}

#[cfg(test)]
mod stdlib_tests {
    use super::*;
    use crate::input::fs::MemoryFs;
    use crate::resolve::confine::Program;

    /// The embedded stdlib parses and checks without a single diagnostic,
    /// and defines what docs/confine.md says it does.
    #[test]
    fn stdlib_is_clean_and_complete() {
        let mut sources = SourceMap::new();
        let mut diags = Vec::new();
        let mut program = Program::default();
        program.load_stdlib(&mut sources, &mut diags);
        let fs = MemoryFs::new();
        let opts = Options::default();
        let mut cache = Cache::default();
        let checked = check(
            &program,
            &mut sources,
            &mut Env {
                fs: &fs,
                opts: &opts,
                cache: &mut cache,
            },
        );
        diags.extend(checked.diags);
        assert!(diags.is_empty(), "{diags:#?}");
        for set in [
            "runtime-default",
            "dangerous",
            "file",
            "network",
            "process",
            "time",
        ] {
            assert!(program.lookup_set(0, set).is_some(), "{set}");
        }
        assert!(program.lookup_profile(0, "container").is_some());
    }
}
