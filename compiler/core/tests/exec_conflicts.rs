//! Exec conflicts between the file rules of a profile (issue 13: the
//! checker rules pairs out by their ends before comparing automata).
use profilec_core::input::fs::MemoryFs;
use profilec_core::session::Session;
use std::path::Path;

/// Exec conflicts reported for a profile with these rules.
fn conflicts(rules: &str) -> usize {
    let mut fs = MemoryFs::new();
    let text = format!("@{{bins}} = /usr/bin /bin\nprofile x {{\n{rules}}}\n");
    fs.insert("/p/x", text.as_str());
    let mut s = Session::new(Default::default());
    let c = s.check_path(&fs, Path::new("/p/x"));
    c.diagnostics
        .iter()
        .filter(|d| d.code.name == "conflicting-exec-modes")
        .count()
}

#[test]
fn paths_that_differ_at_an_end_do_not_conflict() {
    assert_eq!(conflicts("/{,usr/}bin/sh ix,\n/{,usr/}bin/kmod px,\n"), 0);
    assert_eq!(conflicts("/{,usr/}bin/sh ix,\n/usr/bin/sh px,\n"), 1);
    assert_eq!(conflicts("/usr/bin/{m,g,}awk ix,\n/usr/bin/gawk Px,\n"), 1);
    assert_eq!(conflicts("/usr/bin/{m,g}awk ix,\n/usr/bin/awk Px,\n"), 0);
    assert_eq!(conflicts("/usr/bin/** ix,\n/usr/bin/*/x px,\n"), 1);
    assert_eq!(conflicts("/usr/bin/** ix,\n/usr/lib/** px,\n"), 0);
    assert_eq!(conflicts("/home/*/.P/** ix,\n/{,usr/}sbin/* px,\n"), 0);
    assert_eq!(conflicts("/usr/bin/[ab]x ix,\n/usr/bin/bx px,\n"), 1);
    assert_eq!(conflicts("/usr/bin/[ab]x ix,\n/usr/bin/cx px,\n"), 0);
}

#[test]
fn variables_and_slashes_expand_before_comparing() {
    assert_eq!(conflicts("@{bins}/tool ix,\n/bin/tool px,\n"), 1);
    assert_eq!(conflicts("@{bins}/tool ix,\n/sbin/tool px,\n"), 0);
    assert_eq!(conflicts("/usr//bin/tool ix,\n/usr/bin/tool px,\n"), 1);
}

#[test]
fn sides_modes_and_targets() {
    assert_eq!(conflicts("owner /usr/bin/t ix,\nother /usr/bin/t px,\n"), 0);
    assert_eq!(conflicts("owner /usr/bin/t ix,\n/usr/bin/t px,\n"), 1);
    assert_eq!(conflicts("/usr/bin/t px -> a,\n/usr/bin/t px -> b,\n"), 1);
    assert_eq!(conflicts("/usr/bin/t px -> a,\n/usr/bin/t px -> a,\n"), 0);
    assert_eq!(conflicts("/usr/bin/t cx,\n/usr/bin/t ix,\n"), 1);
    assert_eq!(conflicts("/usr/bin/t ix,\n/usr/bin/t ix,\n"), 0);
    // A literal path takes precedence over a glob.
    assert_eq!(conflicts("/usr/bin/t ix,\n/usr/bin/* px,\n"), 0);
}
