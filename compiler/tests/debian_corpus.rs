//! Every profile shipped by Debian's `apparmor`, `apparmor-profiles` and
//! `apparmor-profiles-extra` packages checks with no error, through one
//! `Session` with the default base `/etc/apparmor.d`, as `profilec check`
//! runs them. Fails (never skips) when the packages are not installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;

use profilec_core::diag::render;
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::Session;

/// Print past libtest's output capture: the count belongs in the CI log.
fn report(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

#[test]
fn every_debian_profile_checks_without_error() {
    let files = common::debian_profiles().unwrap_or_else(|e| panic!("{e}"));
    let mut session = Session::new(Options::default());
    let mut failed = Vec::new();
    let mut warnings = 0;
    for path in &files {
        let checked = session.check_path(&RealFs, path);
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        warnings += checked.diagnostics.len() - errors.len();
        if !errors.is_empty() {
            failed.push(render::human_string(&session.sources, &errors));
        }
    }
    report(&format!(
        "debian corpus: {} profiles checked ({} from {}, the rest from {}), {} with errors, {} warnings",
        files.len(),
        files
            .iter()
            .filter(|p| p.starts_with(common::ETC_APPARMOR))
            .count(),
        common::ETC_APPARMOR,
        common::EXTRA_PROFILES,
        failed.len(),
        warnings
    ));
    assert!(
        failed.is_empty(),
        "{} of {} Debian profiles have errors:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

/// The test above can fail: a real profile with a syntax error injected
/// gets an error, and the same profile unchanged gets none.
#[test]
fn a_broken_debian_profile_is_reported() {
    let files = common::debian_profiles().unwrap_or_else(|e| panic!("{e}"));
    let (path, text) = files
        .iter()
        .find_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            text.contains("profile ").then_some((p, text))
        })
        .expect("a Debian profile with a `profile` keyword");
    let mut session = Session::new(Options::default());
    let name = path.display().to_string();

    let clean = session.check_bytes(&RealFs, &name, text.clone().into_bytes());
    assert!(
        !clean.diagnostics.iter().any(|d| d.is_error()),
        "{name} unchanged must check clean"
    );

    // Drop the last closing brace: the profile block is never closed.
    let close = text.rfind('}').expect("a closing brace");
    let mut unclosed = text.clone();
    unclosed.remove(close);
    // Open a nameless profile with a bad body in the middle of the file.
    let mut garbled = text.clone();
    garbled.insert_str(text.len() / 2, "\nprofile {{{\n");

    for (what, mutant) in [("unclosed", unclosed), ("garbled", garbled)] {
        let checked =
            session.check_bytes(&RealFs, &format!("{name} ({what})"), mutant.into_bytes());
        assert!(
            checked.diagnostics.iter().any(|d| d.is_error()
                && [
                    profilec_core::syntax::codes::SYNTAX,
                    profilec_core::syntax::codes::UNCLOSED
                ]
                .contains(&d.code)),
            "{what} {name}: expected a syntax error, got {:?}",
            checked.diagnostics
        );
    }
}
