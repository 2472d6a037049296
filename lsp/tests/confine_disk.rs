//! A `.confine` document is re-checked when a file it imports changes on
//! disk, unopened (watched files, or the save of another document), and
//! only the documents that import it (transitively) are: the build plan
//! reads the new text, no cache serves the old one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use profilec_core::input::fs::RealFs;
use profilec_lsp::client::Message;
use profilec_lsp::settings::Settings;
use profilec_lsp::{Outbox, Server};
use tower_lsp::lsp_types::*;

fn uri(p: &Path) -> Url {
    Url::from_file_path(p).unwrap()
}

fn open(s: &mut Server<Outbox>, p: &Path, text: &str) {
    s.did_open(DidOpenTextDocumentParams {
        text_document: TextDocumentItem::new(uri(p), "confine".into(), 1, text.into()),
    });
}

/// The publications since the last call: (file name, messages' first lines).
fn published(s: &mut Server<Outbox>) -> Vec<(String, Vec<String>)> {
    s.client
        .take()
        .into_iter()
        .filter_map(|m| match m {
            Message::Diagnostics {
                uri, diagnostics, ..
            } => Some((
                uri.path().rsplit('/').next().unwrap_or("").to_string(),
                diagnostics
                    .iter()
                    .map(|d| d.message.lines().next().unwrap_or("").to_string())
                    .collect(),
            )),
            Message::Log(..) => None,
        })
        .collect()
}

#[test]
fn an_imported_file_changed_on_disk_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let lib = root.join("lib.confine");
    let mid = root.join("mid.confine");
    let app = root.join("app.confine");
    let other = root.join("other.confine");
    std::fs::write(&lib, "base hardened {\n  ptrace { deny }\n}\n").unwrap();
    // mid imports lib; app imports mid: app depends on lib transitively.
    std::fs::write(&mid, "import \"lib.confine\"\n").unwrap();
    let mut s = Server::new(Outbox::default(), Box::new(RealFs), Settings::default());
    open(
        &mut s,
        &app,
        "import \"mid.confine\"\nconfine app {\n  extends hardened\n}\n",
    );
    open(&mut s, &other, "confine other {\n  mode enforce\n}\n");
    let first = published(&mut s);
    assert!(
        first.iter().all(|(_, d)| d.is_empty()),
        "clean at first: {first:?}"
    );

    // The base disappears from the unopened file on disk.
    std::fs::write(&lib, "base renamed {\n  ptrace { deny }\n}\n").unwrap();
    s.files_changed(&[uri(&lib)]);
    let after = published(&mut s);
    assert_eq!(after.len(), 1, "only app is re-checked: {after:?}");
    assert_eq!(after[0].0, "app.confine");
    assert!(
        after[0].1.iter().any(|m| m.contains("hardened")),
        "the new text is read: {after:?}"
    );

    // A change that is not imported by anyone re-checks nobody else.
    let unrelated = root.join("unrelated.confine");
    std::fs::write(&unrelated, "base x {\n}\n").unwrap();
    s.files_changed(&[uri(&unrelated)]);
    assert!(published(&mut s).is_empty());

    // Saving another document (the imported file, now fixed) re-checks app.
    std::fs::write(&lib, "base hardened {\n  ptrace { deny }\n}\n").unwrap();
    s.did_save(&uri(&lib));
    let saved = published(&mut s);
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(saved[0], ("app.confine".to_string(), Vec::new()));
}

#[test]
fn a_missing_import_is_looked_for_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let app = root.join("app.confine");
    let lib = root.join("lib.confine");
    let mut s = Server::new(Outbox::default(), Box::new(RealFs), Settings::default());
    open(
        &mut s,
        &app,
        "import \"lib.confine\"\nconfine app {\n  extends hardened\n}\n",
    );
    let first = published(&mut s);
    assert!(
        first[0].1.iter().any(|m| m.contains("cannot find")),
        "{first:?}"
    );
    std::fs::write(&lib, "base hardened {\n  ptrace { deny }\n}\n").unwrap();
    s.files_changed(&[uri(&lib)]);
    assert_eq!(
        published(&mut s),
        vec![("app.confine".to_string(), Vec::new())]
    );
}
