//! A batch shared out to several workers reports exactly what one worker
//! checking every input in order reports: the same diagnostics, in the
//! same order, whichever worker happened to take which input.

use super::*;
use crate::session::batch::{check_on, Input, Report, WarningPolicy};

/// A diagnostic as the command prints it.
type Line = (String, String, Option<(String, u32, u32)>);

fn lines(report: &Report) -> Vec<Line> {
    report
        .diagnostics()
        .map(|(s, d)| {
            let at = d
                .primary
                .as_ref()
                .map(|l| (s.name(l.span.file).to_string(), l.span.start, l.span.end));
            (d.code.name.to_string(), d.message.clone(), at)
        })
        .collect()
}

/// Include files with warnings and errors of their own (deprecated
/// `#include`, syntax errors, undefined variables, missing includes,
/// exec conflicts), shared by profiles that include them at random.
fn corpus(seed: u64) -> (MemoryFs, Vec<Input>) {
    let mut state = seed | 1;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let pieces = [
        "  /usr/lib/** r,\n",
        "  #include <abstractions/a1>\n",
        "  include <abstractions/a2>\n",
        "  @{NOPE}/x r,\n",
        "  /bin/sh rw\n",
        "  include <abstractions/missing>\n",
        "  /bin/x px,\n  /bin/x ix,\n",
        "  capability bogus,\n",
        "  @{HOME}/.cache/** rw,\n",
    ];
    let mut files = vec![(
        "/etc/apparmor.d/tunables/global".to_string(),
        "@{HOME} = /home/*/ /root/\n".to_string(),
    )];
    for a in 0..6 {
        // Include only files with a higher number: no cycles.
        let body: String = (0..1 + next(4))
            .map(|_| pieces[next(pieces.len())])
            .filter(|p| !p.contains("/a1>") || a < 1)
            .filter(|p| !p.contains("/a2>") || a < 2)
            .collect();
        files.push((format!("/etc/apparmor.d/abstractions/a{a}"), body));
    }
    let mut inputs = Vec::new();
    for p in 0..20 + next(40) {
        let mut body = String::new();
        for _ in 0..next(5) {
            if next(2) == 0 {
                body.push_str(&format!("  include <abstractions/a{}>\n", next(6)));
            } else {
                body.push_str(pieces[next(pieces.len())]);
            }
        }
        let path = format!("/w/p{p}");
        files.push((
            path.clone(),
            format!("include <tunables/global>\nprofile p{p} /usr/bin/p{p} {{\n{body}}}\n"),
        ));
        inputs.push(Input::Path(path.into()));
        // The same input twice, and inputs that cannot be read.
        match next(12) {
            0 => inputs.push(inputs[next(inputs.len())].clone()),
            1 => inputs.push(Input::Path("/w/gone".into())),
            _ => {}
        }
    }
    (fs_with(&files), inputs)
}

/// What one session checking the inputs in order shows: sorted by file
/// (numbered as first read), then position; warnings only in the inputs
/// themselves unless asked for; each diagnostic once.
fn one_session(fs: &MemoryFs, inputs: &[Input], policy: WarningPolicy) -> Vec<Line> {
    let mut session = Session::new(Options::default());
    let mut diags = Vec::new();
    let mut roots = BTreeSet::new();
    for input in inputs {
        let Input::Path(path) = input else {
            continue; // the corpus has paths only
        };
        let checked = session.check_path(fs, path);
        roots.extend(checked.file);
        diags.extend(checked.diagnostics);
    }
    diags.sort_by_key(|d| {
        d.primary
            .as_ref()
            .map(|l| (l.span.file, l.span.start, l.span.end))
    });
    let mut seen = BTreeSet::new();
    diags
        .iter()
        .filter(|d| {
            d.is_error()
                || policy.include_warnings
                || d.primary
                    .as_ref()
                    .is_none_or(|l| roots.contains(&l.span.file))
        })
        .map(|d| {
            let at = d.primary.as_ref().map(|l| {
                let name = session.sources.name(l.span.file).to_string();
                (name, l.span.start, l.span.end)
            });
            (d.code.name.to_string(), d.message.clone(), at)
        })
        .filter(|l| seen.insert(l.clone()))
        .collect()
}

#[test]
fn any_number_of_workers_reports_as_one_session_does() {
    let mut codes = BTreeSet::new();
    for seed in 1..=12u64 {
        let (fs, inputs) = corpus(seed * 0x9e37_79b9);
        for include_warnings in [false, true] {
            let policy = WarningPolicy { include_warnings };
            let one = one_session(&fs, &inputs, policy);
            codes.extend(one.iter().map(|l| l.0.clone()));
            for threads in [1, 2, 3, 4, 4, 4] {
                let many = check_on(threads, &fs, &inputs, &Options::default(), policy, None);
                assert_eq!(lines(&many), one, "seed {seed}, {threads} workers");
            }
        }
    }
    // The corpus reaches what it is meant to.
    for code in [
        "deprecated-hash-include",
        "syntax-error",
        "undefined-variable",
        "include-not-found",
    ] {
        assert!(codes.contains(code), "{code} never reported: {codes:?}");
    }
}
