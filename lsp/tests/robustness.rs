//! Random edits must never crash or hang the server: thousands of seeded
//! inserts and deletes at random positions (past the end of a line, past
//! the last line, inside a UTF-16 surrogate pair), requests of every kind
//! between them, a 5 MB document, and an include cycle made by an edit.
//! The server's text must equal a model that applies the same edits.
//! `LSP_FUZZ_EDITS=N` and `LSP_FUZZ_SEED=S` change the run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use common::{uri, Harness};
use tower_lsp::lsp_types::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SNIPPETS: &[&str] = &[
    "{",
    "}",
    ",",
    "\n",
    " ",
    "@{",
    "@{HOME}",
    "}\n",
    "😀",
    "é",
    "capability chown,\n",
    "/x r,\n",
    "profile q {\n",
    "include <tunables/global>\n",
    "#include <abstractions/base>\n",
    "^hat {\n",
    "px -> q",
    "\"",
    "(",
    ")",
    "flags=(complain)",
    "# comment\n",
    "\t",
    "signal set=(term),",
    "@{V} = /v\n",
    "if defined @{V} {\n",
    "change_profile -> q,\n",
    "\r\n",
    "\u{feff}",
];

const START: &str = "include <tunables/global>\n@{V} = /v /w\nprofile p /bin/p {\n  include <abstractions/base>\n  @{V}/** r,\n  capability chown,\n  /bin/q px -> q,\n  ^hat {\n    /h r,\n  }\n}\nprofile q {\n}\n";

/// The model: the same clamping rules, written independently.
fn apply(text: &str, r: Range, new: &str) -> String {
    let offset = |p: Position| -> usize {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let Some(&start) = starts.get(p.line as usize) else {
            return text.len();
        };
        let end = starts
            .get(p.line as usize + 1)
            .map_or(text.len(), |e| e - 1);
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            units += c.len_utf16();
            if units > p.character as usize {
                return start + i;
            }
        }
        end
    };
    let (a, b) = (offset(r.start), offset(r.end));
    let b = b.max(a);
    format!("{}{}{}", &text[..a], new, &text[b..])
}

fn random_position(rng: &mut Rng, text: &str) -> Position {
    let lines = text.lines().count() as u32;
    let line = rng.below(lines as usize + 3) as u32;
    let len = text
        .lines()
        .nth(line as usize)
        .map_or(0, |l| l.encode_utf16().count());
    let character = match rng.below(4) {
        0 => len as u32 + rng.below(50) as u32,
        _ => rng.below(len + 1) as u32,
    };
    Position::new(line, character)
}

fn requests(h: &mut Harness, rng: &mut Rng, path: &str, text: &str) {
    let p = random_position(rng, text);
    let at = format!("{path} {}:{}", p.line, p.character);
    let q = random_position(rng, text);
    let range = format!("{}:{} {}:{}", p.line, p.character, q.line, q.character);
    let all = [
        format!("hover {at}"),
        format!("completion {at}"),
        format!("definition {at}"),
        format!("references {at}"),
        format!("highlight {at}"),
        format!("prepare-rename {at}"),
        format!("rename {at} NEW"),
        format!("symbols {path}"),
        "workspace-symbols q".to_string(),
        format!("folding {path}"),
        format!("tokens {path}"),
        format!("format {path}"),
        format!("format-range {path} {range}"),
        format!("actions {path} {range}"),
        format!("inlay {path}"),
    ];
    let r = &all[rng.below(all.len())];
    h.request(r);
}

fn with_watchdog(limit: Duration, work: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(move || {
            work();
            let _ = tx.send(());
        })
        .unwrap();
    match rx.recv_timeout(limit) {
        Ok(()) => handle.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The work panicked: surface its message.
            handle.join().unwrap();
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("no answer within {limit:?}: a hang"),
    }
}

#[test]
fn thousands_of_random_edits() {
    let edits: usize = std::env::var("LSP_FUZZ_EDITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let seed: u64 = std::env::var("LSP_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed);
    with_watchdog(Duration::from_secs(240), move || {
        fuzz("/w/p.sd", START, edits, seed)
    });
}

/// The same for a `.confine` document (the build plan's path).
#[test]
fn random_edits_of_a_confine_document() {
    let seed: u64 = std::env::var("LSP_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed);
    let start = include_str!("../../tests/data/confine/build/design-sketch.confine");
    with_watchdog(Duration::from_secs(240), move || {
        fuzz("/w/c.confine", start, 500, seed)
    });
}

fn fuzz(path: &'static str, start: &'static str, edits: usize, seed: u64) {
    let disk = vec![(
        "/etc/apparmor.d/abstractions/base".to_string(),
        "/etc/ld.so.cache r,\n".to_string(),
    )];
    let mut h = Harness::new(&disk);
    h.open(path, start);
    let mut model = start.to_string();
    let mut rng = Rng(seed | 1);
    for i in 0..edits {
        let a = random_position(&mut rng, &model);
        let b = if rng.below(3) == 0 {
            a
        } else {
            random_position(&mut rng, &model)
        };
        let new = if rng.below(3) == 0 {
            ""
        } else {
            SNIPPETS[rng.below(SNIPPETS.len())]
        };
        let r = Range::new(a, b);
        let published = h.change(path, Some(r), new);
        model = apply(&model, r, new);
        assert_eq!(
            h.server.text(Path::new(path)),
            Some(model.as_str()),
            "edit {i}: {r:?} {new:?}"
        );
        assert_eq!(published.len(), 1, "edit {i}: one publication");
        let version = published[0].2;
        assert_eq!(version, Some(i as i32 + 2));
        // Now and then the document resets, so it does not grow without bound.
        if model.len() > 4000 {
            h.change(path, None, start);
            model = start.to_string();
        }
        requests(&mut h, &mut rng, path, &model);
    }
}

#[test]
fn an_edit_that_makes_an_include_cycle() {
    with_watchdog(Duration::from_secs(60), || {
        let mut h = Harness::new(&[]);
        h.open("/w/a", "profile a {\n  include \"/w/b\"\n}\n");
        h.open("/w/b", "/b r,\n");
        let published = h.change(
            "/w/b",
            Some(Range::new(Position::new(1, 0), Position::new(1, 0))),
            "include \"/w/a\"\n",
        );
        let a = published
            .iter()
            .find(|(u, _, _)| *u == uri("/w/a"))
            .expect("a is checked again");
        let codes: Vec<String> =
            a.1.iter()
                .map(|d| match &d.code {
                    Some(NumberOrString::String(s)) => s.clone(),
                    _ => String::new(),
                })
                .collect();
        assert!(
            codes.iter().all(|c| c == "include-cycle"
                || c == "rule-outside-profile"
                || c == "preamble-after-profile"
                || c == "duplicate-profile"),
            "{codes:?}"
        );
        // And undone.
        let published = h.change(
            "/w/b",
            Some(Range::new(Position::new(1, 0), Position::new(2, 0))),
            "",
        );
        let a = published
            .iter()
            .find(|(u, _, _)| *u == uri("/w/a"))
            .unwrap();
        assert!(a.1.is_empty(), "{:?}", a.1);
    });
}

/// Mostly comments (with characters outside the BMP), one rule in 50:
/// the server's handling of a 5 MB text is the subject, not the checker's
/// throughput on 200,000 rules in a debug build.
#[test]
fn a_five_megabyte_document() {
    with_watchdog(Duration::from_secs(240), || {
        let mut text = String::from("profile big {\n");
        let mut i = 0u32;
        while text.len() < 5 * 1024 * 1024 {
            if i.is_multiple_of(50) {
                text.push_str(&format!("  /srv/data/{i}/** rw,\n"));
            } else {
                text.push_str("  # a comment line with some text in it, and é and 😀 too\n");
            }
            i += 1;
        }
        text.push_str("}\n");
        let mut h = Harness::new(&[]);
        h.open("/w/big", &text);
        let lines = text.lines().count() as u32;
        for (line, new) in [
            (1, "  capability chwon,\n"),
            (lines / 2, "😀"),
            (lines + 5, "\n# end\n"),
        ] {
            let p = Position::new(line, 3);
            let published = h.change("/w/big", Some(Range::new(p, p)), new);
            assert_eq!(published.len(), 1);
        }
        let d = &h.published.last().unwrap().1;
        assert!(!d.is_empty(), "the errors of the edits are reported");
        h.request("symbols /w/big");
        h.request("folding /w/big");
    });
}

/// Changes that piled up during a check are applied in order and checked
/// once, published with the last version.
#[test]
fn a_batch_of_changes_is_checked_once() {
    let mut h = Harness::new(&[]);
    h.open("/w/p", "profile p {\n}\n");
    let at = |l, c| Range::new(Position::new(l, c), Position::new(l, c));
    let change = |v: i32, r: Range, t: &str| DidChangeTextDocumentParams {
        text_document: VersionedTextDocumentIdentifier::new(uri("/w/p"), v),
        content_changes: vec![TextDocumentContentChangeEvent {
            range: Some(r),
            range_length: None,
            text: t.into(),
        }],
    };
    h.server.did_change_all(vec![
        change(2, at(1, 0), "  capability chwon\n"),
        change(3, at(1, 18), ","),
    ]);
    let published: Vec<_> = h
        .server
        .client
        .take()
        .into_iter()
        .filter_map(|m| match m {
            profilec_lsp::client::Message::Diagnostics {
                diagnostics,
                version,
                ..
            } => Some((diagnostics.len(), version)),
            _ => None,
        })
        .collect();
    assert_eq!(published, [(1, Some(3))]);
    assert_eq!(
        h.server.text(Path::new("/w/p")),
        Some("profile p {\n  capability chwon,\n}\n")
    );
}
