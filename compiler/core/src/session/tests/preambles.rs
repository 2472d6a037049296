//! Variable tables shared through the session's memo of preambles: a
//! profile that starts from a cached table and checks only what it added
//! must report what a fresh check reports.

use super::*;

#[test]
fn profiles_built_on_a_shared_preamble_report_as_a_fresh_check_does() {
    let global = "@{A} = /a\n@{B} = @{A}/b\n@{L} = /l\n@{PN} = @{profile_name}/pn\n@{T} = @{L}/t\n";
    let tunables = [
        ("/etc/apparmor.d/tunables/global", global),
        // Reported by the tunables themselves, wherever they are included.
        ("/etc/apparmor.d/tunables/dup", "@{Q} = /q\n@{Q} = /r\n"),
        // Not clean: an undefined reference, and a cycle.
        (
            "/etc/apparmor.d/tunables/undef",
            "@{U} = @{NOPE}/u\n@{OK} = /ok\n",
        ),
        (
            "/etc/apparmor.d/tunables/cyc",
            "@{X} = @{Y}\n@{Y} = @{X}\n@{OK} = /ok\n",
        ),
    ];
    // (head before the profile, rules inside it)
    let cases = [
        (
            "include <tunables/global>\n@{exec_path} = @{B}/x\n",
            "  @{exec_path} r,\n  @{B}/** r,\n",
        ),
        // A cycle introduced by the profile's own definitions.
        (
            "include <tunables/global>\n@{C} = @{D}/c\n@{D} = @{C}\n",
            "  @{C}/** r,\n",
        ),
        (
            "include <tunables/global>\n@{E} = /e\n@{E} += @{E}/f\n",
            "  @{E} r,\n",
        ),
        // A `+=` that extends a tunable: harmless, into a cycle, to an
        // undefined name.
        ("include <tunables/global>\n@{L} += /m\n", "  @{T} r,\n"),
        (
            "include <tunables/global>\n@{A} += @{B}\n",
            "  @{A}/** r,\n",
        ),
        ("include <tunables/global>\n@{A} += @{B}\n", "  /x r,\n"),
        (
            "include <tunables/global>\n@{L} += @{NOPE}\n",
            "  @{T} r,\n",
        ),
        // An undefined reference added by the profile, used and not.
        (
            "include <tunables/global>\n@{E} = @{NOPE}/e\n",
            "  @{E} r,\n",
        ),
        ("include <tunables/global>\n@{E} = @{NOPE}/e\n", "  /e r,\n"),
        // A set a tunable refers to, made a boolean.
        ("include <tunables/global>\n${L} := true\n", "  @{T} r,\n"),
        ("include <tunables/global>\n@{L} := @{T}\n", "  @{T} r,\n"),
        // `@{profile_name}` defined, and a tunable refers to it.
        (
            "include <tunables/global>\n@{profile_name} = @{PN}\n",
            "  @{PN} r,\n",
        ),
        // Variables defined before the tunables are included.
        (
            "@{Z} = /z\ninclude <tunables/global>\n",
            "  @{B} r,\n  @{Z} r,\n",
        ),
        ("@{A} = @{B}\ninclude <tunables/global>\n", "  @{B} r,\n"),
        ("@{A} = /z\ninclude <tunables/global>\n", "  @{B} r,\n"),
        // Two preambles, and the same one on other lines.
        (
            "include <tunables/global>\ninclude <tunables/dup>\n",
            "  @{Q} r,\n",
        ),
        (
            "\n\n# moved\ninclude <tunables/dup>\n@{exec_path} = /x\n",
            "  @{Q} r,\n",
        ),
        ("include <tunables/dup>\n", "  @{Q} r,\n"),
        // Tables that are not clean, used and not.
        ("include <tunables/undef>\n", "  @{OK} r,\n"),
        ("include <tunables/undef>\n", "  @{U} r,\n"),
        ("include <tunables/cyc>\n", "  @{OK} r,\n"),
        ("include <tunables/cyc>\n@{V} = /v\n", "  @{X} r,\n"),
        ("\ninclude <tunables/cyc>\n", "  @{Y} r,\n"),
        // No preamble at all.
        ("@{S} = @{S}\n", "  @{S} r,\n"),
        ("@{S} = /s\n", "  @{S} r,\n"),
    ];
    let mut files: Vec<(String, String)> = tunables
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let mut docs = Vec::new();
    for (i, (head, body)) in cases.iter().enumerate() {
        let path = format!("/w/p{i}");
        files.push((
            path.clone(),
            format!("{head}profile p{i} /usr/bin/p {{\n{body}}}\n"),
        ));
        docs.push(path);
    }
    let fs = fs_with(&files);
    let seen = shared_as_fresh(&fs, &Options::default(), &docs);
    for code in [
        "recursive-variable",
        "undefined-variable",
        "variable-redefined",
        "boolean-as-set",
    ] {
        assert!(seen.contains(&code), "{code}: {seen:?}");
    }
    // The clean cases report nothing.
    for i in [0, 3, 5, 12] {
        let mut fresh = Session::new(Options::default());
        let c = fresh.check_path(&fs, Path::new(&docs[i]));
        assert_eq!(shown(&fresh, &c), [], "{}", docs[i]);
    }
}

#[test]
fn random_tables_report_as_a_fresh_check_does() {
    // A small linear congruential generator: the same cases every run.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let names = ["A", "B", "C", "D", "E", "profile_name", "exec_path"];
    // A definition of one of `names` whose references are to `refs`.
    let def = |next: &mut dyn FnMut(u64) -> u64, refs: &[&str]| -> (String, bool) {
        let n = names[next(names.len() as u64) as usize];
        if next(4) == 0 {
            let op = ["=", ":=", "?="][next(3) as usize];
            return (format!("${{{n}}} {op} true\n"), false);
        }
        let op = ["=", "+=", ":=", "?="][next(4) as usize];
        let mut v = String::new();
        for _ in 0..1 + next(2) {
            if next(2) == 0 && !refs.is_empty() {
                v += &format!(" /x@{{{}}}", refs[next(refs.len() as u64) as usize]);
            } else {
                v += " /p";
            }
        }
        (format!("@{{{n}}} {op}{v}\n"), true)
    };
    let mut seen = Vec::new();
    for round in 0..300 {
        // Mostly clean tunables: sets that refer to names defined before.
        let mut tunables = String::new();
        let mut defined: Vec<&str> = Vec::new();
        for _ in 0..next(6) {
            let refs = if next(4) == 0 {
                &names[..]
            } else {
                &defined[..]
            };
            let (d, set) = def(&mut next, refs);
            if let (true, Some(n)) = (
                set,
                names.iter().find(|n| d.starts_with(&format!("@{{{n}}} "))),
            ) {
                defined.push(n);
            }
            tunables += &d;
        }
        let mut files = vec![("/etc/apparmor.d/tunables/global".to_string(), tunables)];
        let mut docs = Vec::new();
        for i in 0..12 {
            let mut head = String::new();
            for _ in 0..next(2) {
                head += &def(&mut next, &names).0;
            }
            head += "include <tunables/global>\n";
            for _ in 0..next(3) {
                head += &def(&mut next, &names).0;
            }
            let mut body = String::new();
            for _ in 0..1 + next(2) {
                let n = names[next(names.len() as u64) as usize];
                body += &format!("  @{{{n}}} r,\n");
            }
            let path = format!("/w/r{round}-{i}");
            files.push((
                path.clone(),
                format!("{head}profile p{i} /usr/bin/p {{\n{body}}}\n"),
            ));
            docs.push(path);
        }
        let fs = fs_with(&files);
        // A debug build checks every skipped table in full: an unsound
        // skip is an internal error.
        let mut shared = Session::new(Options::default());
        for p in &docs {
            let mut fresh = Session::new(Options::default());
            let c = fresh.check_path(&fs, Path::new(p));
            let want = shown(&fresh, &c);
            let c = shared.check_path(&fs, Path::new(p));
            assert_eq!(shown(&shared, &c), want, "{p}: {files:?}");
            assert!(!codes(&c).contains(&"internal-error"), "{p}: {files:?}");
            seen.extend(codes(&c));
        }
    }
    for code in ["recursive-variable", "undefined-variable", "boolean-as-set"] {
        assert!(seen.contains(&code), "{code}");
    }
}
