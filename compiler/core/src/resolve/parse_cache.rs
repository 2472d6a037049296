//! Parsed files kept on disk between runs. A fresh `profilec
//! check` of one profile otherwise spends most of its time parsing the
//! same tunables and abstractions every profile includes; reading their
//! stored trees back is many times faster.
//!
//! An entry is keyed by a 128-bit hash of the file's text, the context it
//! is read in, and the code that builds the tree (the grammar and the
//! syntax module, hashed at start-up): any change to either makes a new
//! key, so an entry is never read as a tree of another shape. Only trees that
//! parsed with no diagnostic but `#include` warnings (given back from the
//! tree) are stored, and never those of a file outside
//! the include roots (whose text is never shown; it is not copied either).
//! Each entry carries a 64-bit checksum of its payload, checked before it
//! is read; anything unreadable is a cache miss, never an error. The key
//! is SipHash-1-3-128 (the texts may be hostile: one must not be made to
//! collide with another), not a cryptographic hash: the cache directory
//! belongs to the user, and a cryptographic hash cost a third of a fresh
//! run. The checksum only guards against a damaged file (no text of an
//! input decides a payload's bytes without deciding its key), so it is a
//! cheap word-at-a-time hash whose every step is invertible: any one
//! changed word changes it.
//!
//! Texts over [`MAX_TEXT`] are neither stored nor looked up: an entry is
//! larger than its text, and writing or reading it holds it in memory
//! beside the tree (issue 13), for a file that is no include anyway.
//!
//! A batch (`profilec check` of many inputs) also keeps a bundle
//! ([`super::bundle`]): the entries its command line used, in one file,
//! looked up before the entry files (opening, reading and closing some 250
//! entries was a third of a warm run's system calls). A bundle holds the
//! entries' bytes exactly, so they pass the same checksum and are named by
//! the same hash: a bundle can hold a stale entry, never a wrong one.

use std::path::{Path, PathBuf};

use super::bundle::Bundle;
use crate::diag::{Diagnostic, FileId};
use crate::input::write::store_cache_entry;
use crate::syntax::ast::{stored, File};
use crate::syntax::{hash_include_warnings, Context};
use siphasher::sip128::{Hasher128, SipHasher13};
use std::hash::Hasher;

const MAGIC: &[u8] = b"profilec parse cache 4\n";

/// The largest text whose tree is kept; real tunables and abstractions
/// are a few KiB.
pub const MAX_TEXT: usize = 1 << 20;

/// The sources that decide what tree a text parses to.
const BUILDERS: &[&str] = &[
    include_str!("../../../../grammar/apparmor.pest"),
    include_str!("../syntax/mod.rs"),
    include_str!("../syntax/ast.rs"),
    include_str!("../syntax/ast/stored.rs"),
    include_str!("../syntax/parser.rs"),
    include_str!("../syntax/comments.rs"),
    include_str!("../syntax/unescape.rs"),
];

const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a eight bytes a step (a byte a step cost half a million
/// instructions per process), then the length. Each step is invertible
/// for a given word, so two inputs that differ in one word never meet.
/// A `const fn`, so the schema is folded when profilec is compiled.
const fn fold64(mut h: u64, bytes: &[u8]) -> u64 {
    // Slice patterns, not indexing: const, and one load a word at run time.
    let mut rest = bytes;
    while let [a, b, c, d, e, f, g, i, tail @ ..] = rest {
        let w = u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *i]);
        h = (h ^ w).wrapping_mul(FNV_PRIME);
        // The multiply only carries upwards: fold the top down.
        h ^= h >> 29;
        rest = tail;
    }
    while let [b, tail @ ..] = rest {
        h = (h ^ *b as u64).wrapping_mul(FNV_PRIME);
        rest = tail;
    }
    (h ^ bytes.len() as u64).wrapping_mul(FNV_PRIME)
}

/// [`fold64`] over [`BUILDERS`], computed at compile time: at run time it
/// cost 90,000 instructions and the page faults of reading 150 KB.
pub(super) const SCHEMA: u64 = {
    let mut h = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < BUILDERS.len() {
        h = fold64(h, BUILDERS[i].as_bytes());
        i += 1;
    }
    h
};

/// The checksum of a payload.
fn checksum(payload: &[u8]) -> [u8; 8] {
    fold64(0x8422_2325_cbf2_9ce4, payload).to_le_bytes()
}

/// The name of an entry: 128 bits, [`hex`] in the entry file's name.
pub(super) type Name = [u8; 16];

/// The entry of `text` read in `ctx`: named by SipHash-1-3-128 (fixed
/// keys, so the name is the same in every process) of a fixed-size
/// prefix (the schema and the context) and the text.
fn entry_name(text: &str, ctx: Context) -> Name {
    let mut h = SipHasher13::new_with_keys(0x9e37_79b9, 0x85eb_ca6b);
    h.write(&SCHEMA.to_le_bytes());
    h.write(&[u8::from(ctx == Context::Body)]);
    h.write(text.as_bytes());
    h.finish128().as_bytes()
}

/// `name` in lower-case hex.
pub(super) fn hex(name: &Name) -> [u8; 32] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 32];
    for (pair, b) in out.chunks_exact_mut(2).zip(name) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 15)];
    }
    out
}

/// The file of entry `name` under `dir`.
fn entry_file(dir: &Path, name: &Name) -> PathBuf {
    let hex = hex(name);
    let mut path = PathBuf::with_capacity(dir.as_os_str().len() + 40);
    path.push(dir);
    path.push("parse");
    path.push(std::str::from_utf8(&hex).unwrap_or_default());
    path
}

#[cfg(test)]
fn entry_path(dir: &Path, text: &str, ctx: Context) -> PathBuf {
    entry_file(dir, &entry_name(text, ctx))
}

/// `f` of an entry's bytes: those up to the first short read, taken as
/// the end of the file. That is so for a regular file, and the checksum
/// catches anything else (a FIFO or device put in its place), so the
/// `fstat` of [`crate::input::fs::read_regular`] is not needed: one system
/// call less per cached file. The bytes are read into a buffer each thread
/// keeps (zeroing a fresh one per entry cost more than the read). Bounded
/// by [`crate::input::fs::DEFAULT_MAX_INPUT`].
fn with_entry<T>(path: &Path, f: impl FnOnce(&[u8]) -> Option<T>) -> Option<T> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .ok()?;
    let limit = crate::input::fs::DEFAULT_MAX_INPUT as usize;
    BUF.with(|buf| {
        let mut buf = buf.try_borrow_mut().ok()?;
        if buf.is_empty() {
            // Most entries are a few KiB.
            buf.resize(16 << 10, 0);
        }
        let mut len = 0;
        loop {
            len += file.read(&mut buf[len..]).ok()?;
            if len < buf.len() {
                return f(&buf[..len]);
            }
            if len >= limit {
                return None;
            }
            let more = len * 2;
            buf.resize(more, 0);
        }
    })
}

/// The stored tree of `text` read in `ctx`, its spans placed in `file`,
/// and the diagnostics parsing it gives (only `#include` warnings): from
/// `bundle` when it holds it, else from the entry file.
pub fn load(
    dir: &Path,
    bundle: Option<&Bundle>,
    text: &str,
    ctx: Context,
    file: FileId,
) -> Option<(File, Vec<Diagnostic>)> {
    let tree = load_tree(dir, bundle, text, ctx, file)?;
    let mut diags = Vec::new();
    hash_include_warnings(&tree.items, &mut diags);
    Some((tree, diags))
}

fn load_tree(
    dir: &Path,
    bundle: Option<&Bundle>,
    text: &str,
    ctx: Context,
    file: FileId,
) -> Option<File> {
    if text.len() > MAX_TEXT {
        return None;
    }
    let name = entry_name(text, ctx);
    if let Some(bundle) = bundle {
        // A damaged entry in the bundle is a miss there: the file may
        // still be whole (and the next bundle, written for the damage,
        // then holds it).
        if let Some(bytes) = bundle.get(&name) {
            if let Some(tree) = decode(bytes, file) {
                bundle.used(name, None);
                return Some(tree);
            }
            bundle.damaged();
        }
    }
    with_entry(&entry_file(dir, &name), |bytes| {
        let tree = decode(bytes, file)?;
        if let Some(bundle) = bundle {
            bundle.used(name, Some(bytes));
        }
        Some(tree)
    })
}

/// The payload of an entry's bytes, if they are whole.
fn payload(bytes: &[u8]) -> Option<&[u8]> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (sum, payload) = (rest.get(..8)?, rest.get(8..)?);
    (checksum(payload) == sum).then_some(payload)
}

/// The tree an entry's bytes hold, its spans placed in `file`.
fn decode(bytes: &[u8], file: FileId) -> Option<File> {
    let payload = payload(bytes)?;
    stored::decode(payload, file)
}

/// Store the tree of `text` read in `ctx`, when the diagnostics parsing
/// gave are the ones [`load`] gives back (none, or only `#include`
/// warnings: old profiles spell includes so). Failures are ignored: the
/// next run parses again. A stored entry is one `bundle` used.
pub fn store(
    dir: &Path,
    bundle: Option<&Bundle>,
    text: &str,
    ctx: Context,
    tree: &File,
    diags: &[Diagnostic],
) {
    if text.len() > MAX_TEXT {
        return;
    }
    if !diags.is_empty() {
        let mut again = Vec::new();
        hash_include_warnings(&tree.items, &mut again);
        if again != diags {
            return;
        }
    }
    let payload = stored::encode(tree);
    let mut bytes = Vec::with_capacity(MAGIC.len() + 8 + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&checksum(&payload));
    bytes.extend_from_slice(&payload);
    let name = entry_name(text, ctx);
    if store_cache_entry(&entry_file(dir, &name), &bytes).is_ok() {
        if let Some(bundle) = bundle {
            bundle.used(name, Some(&bytes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_apparmor;

    const TEXT: &str = "@{HOME}=/home/*/ /root/\nprofile p /usr/bin/p flags=(complain) {\n  # a comment\n  owner @{HOME}/** rw,\n  if ${b} { capability chown, } else { deny /x w, }\n  network inet stream,\n  ^hat { /etc/hat r, }\n}\n";

    #[test]
    fn a_stored_tree_reads_back_the_same_in_another_file() {
        let dir = tempfile::tempdir().unwrap();
        let (tree, diags) = parse_apparmor(FileId(3), TEXT, Context::Top);
        assert!(diags.is_empty());
        assert!(load(dir.path(), None, TEXT, Context::Top, FileId(7)).is_none());
        store(dir.path(), None, TEXT, Context::Top, &tree, &diags);
        let (back, again) = load(dir.path(), None, TEXT, Context::Top, FileId(7)).unwrap();
        assert!(again.is_empty());
        let (fresh, _) = parse_apparmor(FileId(7), TEXT, Context::Top);
        assert_eq!(format!("{back:?}"), format!("{fresh:?}"));
        // Another context, or another text, is another entry.
        assert!(load(dir.path(), None, TEXT, Context::Body, FileId(7)).is_none());
        assert!(load(
            dir.path(),
            None,
            &TEXT.replace("rw", "r"),
            Context::Top,
            FileId(7)
        )
        .is_none());
    }

    #[test]
    fn hash_include_warnings_come_back_and_other_diagnostics_are_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let text = "#include <t>\nprofile p {\n  #include <a>\n  if ${b} { #include <c> }\n}\n";
        let (tree, diags) = parse_apparmor(FileId(2), text, Context::Top);
        assert_eq!(diags.len(), 3);
        store(dir.path(), None, text, Context::Top, &tree, &diags);
        let (_, again) = load(dir.path(), None, text, Context::Top, FileId(2)).unwrap();
        assert_eq!(again, diags);
        let broken = "#include <t>\nprofile p { /x rw }\n";
        let (tree, diags) = parse_apparmor(FileId(2), broken, Context::Top);
        assert!(diags.len() > 1);
        store(dir.path(), None, broken, Context::Top, &tree, &diags);
        assert!(load(dir.path(), None, broken, Context::Top, FileId(2)).is_none());
    }

    #[test]
    fn a_damaged_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let (tree, _) = parse_apparmor(FileId(0), TEXT, Context::Top);
        store(dir.path(), None, TEXT, Context::Top, &tree, &[]);
        let path = entry_path(dir.path(), TEXT, Context::Top);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(load(dir.path(), None, TEXT, Context::Top, FileId(0)).is_none());
        std::fs::write(&path, b"not an entry").unwrap();
        assert!(load(dir.path(), None, TEXT, Context::Top, FileId(0)).is_none());
    }

    #[test]
    fn a_text_over_the_bound_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{TEXT}{}", "# padding\n".repeat(MAX_TEXT / 10 + 1));
        let (tree, diags) = parse_apparmor(FileId(0), &text, Context::Top);
        assert!(diags.is_empty());
        store(dir.path(), None, &text, Context::Top, &tree, &diags);
        assert!(!entry_path(dir.path(), &text, Context::Top).exists());
        assert!(load(dir.path(), None, &text, Context::Top, FileId(0)).is_none());
    }

    #[test]
    fn entries_larger_than_the_first_read_come_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let rules: String = (0..3000).map(|i| format!("  /srv/f{i} rw,\n")).collect();
        let text = format!("profile big {{\n{rules}}}\n");
        let (tree, diags) = parse_apparmor(FileId(1), &text, Context::Top);
        store(dir.path(), None, &text, Context::Top, &tree, &diags);
        let path = entry_path(dir.path(), &text, Context::Top);
        assert!(std::fs::metadata(&path).unwrap().len() > 64 << 10);
        let (back, _) = load(dir.path(), None, &text, Context::Top, FileId(1)).unwrap();
        assert_eq!(format!("{back:?}"), format!("{tree:?}"));
        // A small entry read next, into the same thread's grown buffer.
        let (small, _) = parse_apparmor(FileId(1), TEXT, Context::Top);
        store(dir.path(), None, TEXT, Context::Top, &small, &[]);
        let (back, _) = load(dir.path(), None, TEXT, Context::Top, FileId(1)).unwrap();
        assert_eq!(format!("{back:?}"), format!("{small:?}"));
    }

    #[test]
    fn a_fifo_or_directory_in_place_of_an_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let path = entry_path(dir.path(), TEXT, Context::Top);
        std::fs::create_dir_all(&path).unwrap();
        assert!(load(dir.path(), None, TEXT, Context::Top, FileId(0)).is_none());
        std::fs::remove_dir(&path).unwrap();
        // A FIFO with no writer: opened without blocking, read as empty.
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(load(dir.path(), None, TEXT, Context::Top, FileId(0)).is_none());
        }
    }
}
