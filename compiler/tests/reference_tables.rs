//! The name tables (capabilities, network families, types and protocols,
//! unix socket types, signals, rlimits, mount options, profile flags,
//! errnos, permission words) checked against the reference itself, not against a hand-copied
//! list: every identifier-like string in apparmor_parser 4.1's binary (its
//! tables are in there) and every name of profilec's own tables is tried in
//! one small profile per table slot, and profilec's verdict must equal
//! 4.1's. Needs 4.1 (scripts/fetch-apparmor-parser-4.sh, as install-deps
//! runs it); without it the test says so and passes nothing.
//!
//! `TABLES_VERBOSE=1` prints every disagreement's text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::reference;
use profilec_core::check::tables;
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::Session;

/// One slot of the language that takes a name from a table; `{}` is the
/// name.
const SLOTS: &[(&str, &str)] = &[
    ("capability", "profile p {\n  capability {},\n}\n"),
    ("network", "profile p {\n  network {},\n}\n"),
    ("network-inet", "profile p {\n  network inet {},\n}\n"),
    ("signal", "profile p {\n  signal set=({}),\n}\n"),
    ("signal-perm", "profile p {\n  signal ({}),\n}\n"),
    ("ptrace-perm", "profile p {\n  ptrace ({}),\n}\n"),
    ("unix-perm", "profile p {\n  unix ({}),\n}\n"),
    ("unix-type", "profile p {\n  unix type={},\n}\n"),
    ("dbus-perm", "profile p {\n  dbus ({}),\n}\n"),
    ("mqueue-perm", "profile p {\n  mqueue ({}),\n}\n"),
    ("rlimit", "profile p {\n  set rlimit {} <= 1,\n}\n"),
    ("mount", "profile p {\n  mount options=({}) /b,\n}\n"),
    ("flag", "profile p flags=({}) {\n}\n"),
    ("kill-signal", "profile p flags=(kill.signal={}) {\n}\n"),
    ("errno", "profile p flags=(error={}) {\n}\n"),
];

/// Where the parser suite (the language as the reference project defines
/// it, newer than 4.1) and 4.1 disagree, profilec follows the suite.
const SUITE_OVERRIDES: &[(&str, &str, &str)] = &[(
    "flag",
    "attach_disconnected.ipc",
    "profile/flags/flags_ok_disconnected_ipc10.sd and others: PASS in the suite; 4.1 predates the flag",
)];

/// Runs of identifier characters in the reference binary: its name tables
/// are among them.
fn binary_words(binary: &Path) -> BTreeSet<String> {
    let bytes = std::fs::read(binary).unwrap_or_default();
    let mut out = BTreeSet::new();
    for run in bytes.split(|b| {
        !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' || *b == b'.' || *b == b'+')
    }) {
        if (2..=24).contains(&run.len()) && run[0].is_ascii_alphabetic() {
            out.insert(String::from_utf8_lossy(run).into_owned());
        }
    }
    out
}

/// The names worth trying in a slot: errno names are upper case, every
/// other table's names lower case (a permission may also be a string of
/// `r`/`w` in either case, as a file mode).
fn fits(slot: &str, name: &str) -> bool {
    let lower = name.bytes().all(|b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.' | b'+')
    });
    match slot {
        "errno" => {
            name.starts_with('E')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }
        s if s.ends_with("-perm") => lower || name.bytes().all(|b| b"rRwW".contains(&b)),
        _ => lower,
    }
}

fn main() {
    let Some(p4) = reference::parser4() else {
        println!("reference_tables: apparmor_parser 4.1 not fetched (scripts/fetch-apparmor-parser-4.sh); nothing judged");
        return;
    };
    let binary = common::workspace().join("target/apparmor-4/root/usr/sbin/apparmor_parser");
    let mut names = binary_words(&binary);
    if names.len() < 200 {
        println!(
            "reference_tables: cannot read the reference binary at {}",
            binary.display()
        );
        println!("0 passed, 1 failed");
        std::process::exit(1);
    }
    // profilec's own tables, so that a name only profilec knows is caught.
    for t in [
        tables::CAPABILITIES,
        tables::NET_FAMILIES,
        tables::NET_TYPES,
        tables::UNIX_TYPES,
        tables::NET_PROTOCOLS,
        tables::SIGNALS,
        tables::RLIMITS,
        tables::PROFILE_MODES,
        tables::PROFILE_FLAGS,
        tables::ERRNOS,
        tables::MOUNT_PROPAGATION,
    ] {
        names.extend(t.iter().map(|s| s.to_string()));
    }
    names.extend(tables::MOUNT_FLAGS.iter().map(|(n, _)| n.to_string()));

    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (slot, template) in SLOTS {
        for (i, name) in names.iter().enumerate().filter(|(_, n)| fits(slot, n)) {
            let p = tmp.path().join(format!("{slot}-{i:05}.sd"));
            std::fs::write(&p, template.replace("{}", name)).unwrap();
            files.push((p, *slot, name.clone()));
        }
    }
    let paths: Vec<PathBuf> = files.iter().map(|(p, _, _)| p.clone()).collect();
    let args = ["-I", "/etc/apparmor.d", "-b", "/etc/apparmor.d"];
    let rejected = reference::rejected_in_batches(&p4, &args, tmp.path(), &paths);

    let mut session = Session::new(Options {
        include_dirs: vec![PathBuf::from("/etc/apparmor.d")],
        base: Some(PathBuf::from("/etc/apparmor.d")),
        ..Options::default()
    });
    let verbose = std::env::var_os("TABLES_VERBOSE").is_some();
    let mut wrong = Vec::new();
    let mut accepted = 0;
    for (path, slot, name) in &files {
        let ours = !session
            .check_path(&RealFs, path)
            .diagnostics
            .iter()
            .any(|d| d.is_error());
        let mut theirs = !rejected.contains(path);
        if ours != theirs {
            // A batch verdict can miss an error that names no file: ask again.
            theirs = reference::accepts(&p4, &args, tmp.path(), path).unwrap_or(theirs);
        }
        accepted += usize::from(theirs);
        let overridden = SUITE_OVERRIDES
            .iter()
            .any(|(s, n, _)| s == slot && n == name);
        if ours != theirs && !overridden {
            wrong.push(format!(
                "{slot} `{name}`: 4.1 {}, profilec {}",
                if theirs { "accepts" } else { "rejects" },
                if ours { "accepts" } else { "rejects" }
            ));
            if verbose {
                println!(
                    "--- {}\n{}",
                    path.display(),
                    std::fs::read_to_string(path).unwrap_or_default()
                );
            }
        }
    }
    println!(
        "reference_tables: {} names x {} slots = {} profiles, {} accepted by 4.1, {} disagreements",
        names.len(),
        SLOTS.len(),
        files.len(),
        accepted,
        wrong.len()
    );
    for w in &wrong {
        println!("  {w}");
    }
    let total = files.len();
    println!("{} passed, {} failed", total - wrong.len(), wrong.len());
    if !wrong.is_empty() {
        std::process::exit(1);
    }
}
