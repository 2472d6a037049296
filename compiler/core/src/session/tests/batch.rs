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

#[test]
fn workers_started_ahead_report_as_one_session_does() {
    // The command's path: a pool of threads started before the inputs
    // were known, as many as the batch wants, fewer (the rest started
    // then), or none; the report is the same.
    let workers = crate::session::batch::workers_for(usize::MAX);
    for seed in 1..=4u64 {
        let (fs, inputs) = corpus(seed * 0x85eb_ca6b);
        let fs: &'static MemoryFs = Box::leak(Box::new(fs));
        let policy = WarningPolicy {
            include_warnings: seed % 2 == 0,
        };
        let one = one_session(fs, &inputs, policy);
        for started in [workers, 1, 0, workers + 2] {
            let mut pool = crate::session::pool::Pool::start(started);
            assert_eq!(pool.len(), started);
            let report = crate::session::batch::check_pooled(
                &mut pool,
                fs,
                inputs.clone(),
                Options::default(),
                policy,
                None,
            );
            assert_eq!(lines(&report), one, "seed {seed}, {started} started ahead");
            // The batch took what it needed; the rest still wait.
            assert_eq!(pool.len(), started.saturating_sub(workers));
        }
    }
}

/// The bundle of parse-cache entries ([`crate::resolve::bundle`]).
mod bundle {
    use super::*;
    use std::path::{Path, PathBuf};

    fn cached(dir: &Path) -> Options {
        Options {
            parse_cache: Some(dir.to_path_buf()),
            ..Options::default()
        }
    }

    fn run(fs: &MemoryFs, inputs: &[Input], dir: &Path) -> Vec<Line> {
        let policy = WarningPolicy::default();
        lines(&check_on(2, fs, inputs, &cached(dir), policy, None))
    }

    /// The files in `dir/sub` (none if it is missing).
    fn files(dir: &Path, sub: &str) -> Vec<PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(dir.join(sub))
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    /// The one bundle written, and its bytes.
    fn the_bundle(dir: &Path) -> (PathBuf, Vec<u8>) {
        let all = files(dir, "bundle");
        assert_eq!(all.len(), 1, "{all:?}");
        let bytes = std::fs::read(&all[0]).unwrap();
        (all[0].clone(), bytes)
    }

    /// With the entry files gone, a run still gets every tree: from the
    /// bundle (a miss would parse and store the file again).
    fn served_from_bundle(fs: &MemoryFs, inputs: &[Input], dir: &Path, want: &[Line]) {
        let (_, before) = the_bundle(dir);
        // (Gone already when the last run was served so.)
        let _ = std::fs::remove_dir_all(dir.join("parse"));
        assert_eq!(run(fs, inputs, dir), want);
        assert_eq!(files(dir, "parse"), Vec::<PathBuf>::new());
        assert_eq!(the_bundle(dir).1, before, "the bundle was rewritten");
    }

    #[test]
    fn a_second_run_is_served_from_the_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let (fs, inputs) = corpus(7 * 0x9e37_79b9);
        let want = one_session(&fs, &inputs, WarningPolicy::default());
        assert!(files(dir.path(), "bundle").is_empty());
        assert_eq!(run(&fs, &inputs, dir.path()), want);
        let entries = files(dir.path(), "parse").len();
        assert!(entries >= 5, "{entries} entries");
        // The bundle holds exactly the entries: each a name, a length
        // and the entry file's bytes.
        let (_, bytes) = the_bundle(dir.path());
        let sizes: usize = files(dir.path(), "parse")
            .iter()
            .map(|p| 20 + std::fs::metadata(p).unwrap().len() as usize)
            .sum();
        assert_eq!(bytes.len(), b"profilec parse bundle 1\n".len() + sizes);
        served_from_bundle(&fs, &inputs, dir.path(), &want);
        served_from_bundle(&fs, &inputs, dir.path(), &want);
        // Another command line (fewer inputs) has a bundle of its own.
        assert!(!run(&fs, &inputs[1..], dir.path()).is_empty());
        assert_eq!(files(dir.path(), "bundle").len(), 2);
    }

    #[test]
    fn a_changed_include_is_parsed_afresh_and_bundled() {
        let dir = tempfile::tempdir().unwrap();
        let (fs, inputs) = corpus(7 * 0x9e37_79b9);
        let before = run(&fs, &inputs, dir.path());
        let (_, old) = the_bundle(dir.path());
        let entries = files(dir.path(), "parse").len();
        assert!(entries >= 9, "{entries} entries");
        // Same inputs, another text of the tunables every profile
        // includes: `@{HOME}` is no longer defined.
        let mut changed = fs.clone();
        changed.insert("/etc/apparmor.d/tunables/global", "@{HOMES} = /home/*/\n");
        let want = one_session(&changed, &inputs, WarningPolicy::default());
        assert_ne!(want, before);
        assert!(want.iter().any(|l| l.0 == "undefined-variable"));
        assert_eq!(run(&changed, &inputs, dir.path()), want);
        // One new entry of many: the bundle is kept (the edited file is
        // read from its entry), and its stale tree is never used: with
        // the entry files gone, the new text is parsed afresh.
        assert_eq!(the_bundle(dir.path()).1, old);
        std::fs::remove_dir_all(dir.path().join("parse")).unwrap();
        assert_eq!(run(&changed, &inputs, dir.path()), want);
        assert_eq!(the_bundle(dir.path()).1, old);
        // Most files changed: a new bundle, which then serves every tree.
        let mut many = changed.clone();
        for a in 0..6 {
            let path = format!("/etc/apparmor.d/abstractions/a{a}");
            let text = String::from_utf8(many.read(Path::new(&path)).unwrap()).unwrap();
            many.insert(path, format!("# edited\n{text}"));
        }
        let want = one_session(&many, &inputs, WarningPolicy::default());
        assert_eq!(run(&many, &inputs, dir.path()), want);
        assert_ne!(the_bundle(dir.path()).1, old);
        served_from_bundle(&many, &inputs, dir.path(), &want);
        // Back to the old texts: parsed again, bundled again.
        assert_eq!(run(&fs, &inputs, dir.path()), before);
        served_from_bundle(&fs, &inputs, dir.path(), &before);
    }

    #[test]
    fn a_damaged_bundle_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let (fs, inputs) = corpus(7 * 0x9e37_79b9);
        let want = run(&fs, &inputs, dir.path());
        let (path, good) = the_bundle(dir.path());
        let mut damaged: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"garbage".to_vec(),
            vec![0xff; 4096],
            good[..good.len() - 1].to_vec(),
            good[..good.len() / 2].to_vec(),
            good[..30].to_vec(),
            [&good[..], &[1, 2, 3][..]].concat(),
        ];
        // A flipped byte in the magic, a length and payloads.
        for at in [0, 24 + 16, 24 + 19, 24 + 30, good.len() / 3, good.len() - 1] {
            let mut b = good.clone();
            b[at] ^= 0x10;
            damaged.push(b);
        }
        for bytes in damaged {
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(run(&fs, &inputs, dir.path()), want);
            // Rewritten whole: the same entries make the same bytes.
            assert_eq!(std::fs::read(&path).unwrap(), good);
        }
        // A flipped byte in a name is a stale entry, not a damaged one:
        // that tree is read from its entry file, whatever the bundle holds.
        let mut b = good.clone();
        b[24] ^= 0x10;
        std::fs::write(&path, &b).unwrap();
        assert_eq!(run(&fs, &inputs, dir.path()), want);
        std::fs::remove_dir_all(dir.path().join("parse")).unwrap();
        assert_eq!(run(&fs, &inputs, dir.path()), want);
        // A directory in its place: still the same diagnostics.
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert_eq!(run(&fs, &inputs, dir.path()), want);
    }

    #[test]
    fn no_bundle_without_a_cache_or_for_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let (fs, inputs) = corpus(7 * 0x9e37_79b9);
        let policy = WarningPolicy::default();
        let no_cache = Options::default();
        let want = lines(&check_on(2, &fs, &inputs, &no_cache, policy, None));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // Stdin only: entries are kept, no bundle.
        let stdin = vec![Input::Bytes {
            name: "<stdin>".into(),
            bytes: b"include <tunables/global>\nprofile p /usr/bin/p { @{HOME}/x r, }\n".to_vec(),
        }];
        let got = lines(&check_on(1, &fs, &stdin, &cached(dir.path()), policy, None));
        assert_eq!(got, Vec::<Line>::new());
        assert!(!files(dir.path(), "parse").is_empty());
        assert!(!dir.path().join("bundle").exists());
        // Paths with stdin among them: a bundle.
        let mixed = [&inputs[..], &stdin[..]].concat();
        check_on(2, &fs, &mixed, &cached(dir.path()), policy, None);
        assert_eq!(files(dir.path(), "bundle").len(), 1);
        assert!(!want.is_empty());
    }
}
