//! Layers depend one way. Inside profilec-core, a module may use the
//! modules of its own layer and those below it, never one above:
//!
//!   diag -> input -> seccomp -> syntax -> resolve -> check -> ir -> emit
//!        -> session -> build
//!
//! (`seccomp` is the seccomp JSON model: it needs files and diagnostics
//! only, and the `.confine` checks below `ir` read its syscall tables.)
//! Across crates the boundary is Cargo's: profilec-core depends on no other
//! crate of the workspace but the leaf profilec-heap (which depends on
//! none), so the harness, the CLI and the language server cannot be
//! reached from it.
//!
//! The test reads every source file of the crate and resolves each
//! `crate::` and `super::` path to the top-level module it names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

const LAYERS: &[&str] = &[
    "hashing", "diag", "input", "seccomp", "syntax", "resolve", "check", "ir", "emit", "session",
    "build",
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == module)
}

/// The module path of a source file below `src` (`check/vars.rs` ->
/// [check, vars]; `check/mod.rs` -> [check]).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" && stem != "lib" {
            parts.push(stem);
        }
    }
    parts
}

/// Every top-level module that `text` (the source of a file whose module
/// path is `me`) names through `crate::` or `super::`.
fn references(me: &[String], text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (no, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::").or_else(|| rest.find("super::")) {
            let tail = &rest[at..];
            // `profilec_core::` or `some_crate::` are not this crate.
            let before = rest[..at].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                rest = &tail[1..];
                continue;
            }
            let mut module: Vec<String> = me.to_vec();
            let mut path = tail;
            if let Some(p) = path.strip_prefix("crate::") {
                module.clear();
                path = p;
            } else {
                while let Some(p) = path.strip_prefix("super::") {
                    module.pop();
                    path = p;
                }
            }
            let first: String = path
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let top = module.first().cloned().unwrap_or(first);
            out.push((no + 1, top));
            rest = &tail[1..];
        }
    }
    out
}

/// Upward uses in one file: (line, the module used).
fn violations(me: &[String], text: &str) -> Vec<(usize, String)> {
    let Some(mine) = me.first().and_then(|m| rank(m)) else {
        return Vec::new();
    };
    references(me, text)
        .into_iter()
        .filter(|(_, used)| rank(used).is_some_and(|r| r > mine))
        .collect()
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_uses_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    let mut unknown = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let me = module_path(rel);
        if let Some(top) = me.first() {
            if rank(top).is_none() {
                unknown.push(top.clone());
            }
        }
        let text = std::fs::read_to_string(f).unwrap();
        for (line, used) in violations(&me, &text) {
            bad.push(format!(
                "{}:{line}: `{}` uses `{used}`, a layer above it",
                rel.display(),
                me[0]
            ));
        }
    }
    unknown.sort();
    unknown.dedup();
    assert!(
        unknown.is_empty(),
        "modules missing from LAYERS (place them in the order): {unknown:?}"
    );
    assert!(bad.is_empty(), "upward imports:\n{}", bad.join("\n"));
    assert!(files.len() > 30, "found only {} files", files.len());
}

/// The check itself: an upward import is caught, in each spelling.
#[test]
fn an_upward_import_is_caught() {
    let syntax = vec!["syntax".to_string(), "parser".to_string()];
    assert_eq!(
        violations(&syntax, "use crate::check::vars;\n"),
        [(1, "check".to_string())]
    );
    assert_eq!(
        violations(&syntax, "fn f() { crate::session::Session::new(x); }"),
        [(1, "session".to_string())]
    );
    // `super::super::` climbs to the crate root, then down into `emit`.
    assert_eq!(
        violations(&syntax, "use super::super::emit::apparmor;"),
        [(1, "emit".to_string())]
    );
    // Downward and sideways uses are fine; other crates are not this one.
    assert!(violations(
        &syntax,
        "use crate::diag::Span;\nuse super::ast::Word;\nuse profilec_core::session;"
    )
    .is_empty());
    let check_mod = vec!["check".to_string()];
    assert!(violations(&check_mod, "use super::resolve::Unit;").is_empty());
    assert_eq!(
        violations(&check_mod, "use super::emit::apparmor;"),
        [(1, "emit".to_string())]
    );
}

/// profilec-core depends on no crate of the workspace but profilec-heap,
/// nor on clap or libseccomp (the language server links it alone).
#[test]
fn core_depends_on_no_cli_or_libseccomp() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    for forbidden in [
        "profilec-harness",
        "profilec-k8s",
        "clap",
        "libseccomp",
        "tower-lsp",
        "profilec-lsp",
    ] {
        assert!(
            !manifest
                .lines()
                .any(|l| l.trim_start().starts_with(forbidden)),
            "profilec-core must not depend on {forbidden}"
        );
    }
    let heap =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../heap/Cargo.toml"))
            .unwrap();
    assert!(
        !heap.lines().any(|l| l.trim_start().starts_with("profilec")),
        "profilec-heap must stay a leaf"
    );
}
