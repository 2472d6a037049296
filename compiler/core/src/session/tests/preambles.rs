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
    let fs = fs_with(
        &files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect::<Vec<_>>(),
    );
    let want: Vec<Vec<Shown>> = docs
        .iter()
        .map(|p| {
            let mut fresh = Session::new(Options::default());
            let c = fresh.check_path(&fs, Path::new(p));
            shown(&fresh, &c)
        })
        .collect();
    let mut seen = Vec::new();
    for order in [false, true] {
        let mut shared = Session::new(Options::default());
        for round in 0..2 {
            let mut ids: Vec<usize> = (0..docs.len()).collect();
            if order {
                ids.reverse();
            }
            for i in ids {
                let c = shared.check_path(&fs, Path::new(&docs[i]));
                assert_eq!(shown(&shared, &c), want[i], "{}, round {round}", docs[i]);
                seen.extend(codes(&c));
            }
        }
    }
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
        assert_eq!(want[i], [], "{}", docs[i]);
    }
}
