//! The parse-cache entries one command line used, in one file
//! (issue 13). A warm `profilec check` of Debian's profiles read some 250
//! entry files, three system calls each: a third of its system calls, and
//! each of the batch's workers read its own. The next run of the same
//! command line reads them all at once, before the workers start.
//!
//! A bundle lives at `$dir/bundle/<32 hex>`, named by SipHash-1-3-128 of
//! the schema, the working directory, the options that decide which files
//! are read (include directories, base) and the input paths in order. It
//! is a magic line, then for each entry its 16-byte name (the entry file's
//! name), a little-endian u32 length and the entry's bytes exactly as its
//! file holds them: a lookup goes through the same checksum and reading as
//! an entry file's. The name says nothing about whether the bundle is
//! current: an entry's name is a hash of its text, so a changed file
//! looks up another name, misses, and the run writes a new bundle.
//! Anything malformed, or larger than [`DEFAULT_MAX_INPUT`], is no bundle
//! (never an error); an entry whose checksum fails is a miss.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::parse_cache::{self, Name, SCHEMA};
use super::Options;
use crate::hashing::{HashMap, HashSet};
use crate::input::fs::{read_regular, DEFAULT_MAX_INPUT};
use crate::input::write::{prune_cache_dir, store_cache_entry};
use siphasher::sip128::{Hasher128, SipHasher13};
use std::hash::Hasher;

const MAGIC: &[u8] = b"profilec parse bundle 1\n";

/// Bundles kept: one per command line recently run (each holds every
/// tree its files needed, some hundreds of KiB).
const KEEP: usize = 64;

/// Where each entry's bytes are in a bundle's.
type Index = HashMap<Name, Range<usize>>;

/// The entries of one command line's last run, and those this run used.
pub struct Bundle {
    /// This bundle's file.
    path: PathBuf,
    /// The bytes read and where each entry is in them; `None` when there
    /// was no well-formed bundle.
    index: Option<(Vec<u8>, Index)>,
    used: Mutex<Used>,
}

#[derive(Default)]
struct Used {
    /// An entry the bundle holds failed its checksum.
    damaged: bool,
    /// Entries the bundle served.
    from_bundle: HashSet<Name>,
    /// The bytes of those read from entry files or stored: kept, so that
    /// writing the next bundle reads no file again.
    fresh: HashMap<Name, Vec<u8>>,
}

impl Bundle {
    /// The bundle of a batch of `inputs` (`None` for stdin), read if there
    /// is one; `None` with no cache, or no input read from a path (stdin's
    /// text changes from run to run).
    pub fn open<'a>(
        opts: &Options,
        inputs: impl IntoIterator<Item = Option<&'a Path>>,
    ) -> Option<Bundle> {
        let dir = opts.parse_cache.as_deref()?;
        let mut h = SipHasher13::new_with_keys(0x85eb_ca6b, 0x9e37_79b9);
        h.write(&SCHEMA.to_le_bytes());
        // Every part with its length before it: no two command lines
        // run together into the same bytes.
        let mut part = |tag: u8, p: Option<&Path>| {
            let bytes = p.map_or(&[][..], |p| p.as_os_str().as_encoded_bytes());
            h.write(&[tag]);
            h.write(&(bytes.len() as u64).to_le_bytes());
            h.write(bytes);
        };
        part(0, std::env::current_dir().ok().as_deref());
        part(1, opts.cwd.as_deref());
        for d in &opts.include_dirs {
            part(2, Some(d));
        }
        part(3, opts.base.as_deref());
        let mut any_path = false;
        for input in inputs {
            any_path |= input.is_some();
            part(if input.is_some() { 4 } else { 5 }, input);
        }
        if !any_path {
            return None;
        }
        let name = h.finish128().as_bytes();
        let hex = parse_cache::hex(&name);
        let path = dir
            .join("bundle")
            .join(std::str::from_utf8(&hex).unwrap_or_default());
        Some(Bundle {
            index: read(&path),
            path,
            used: Mutex::default(),
        })
    }

    /// The bytes of entry `name`, if the bundle holds it.
    pub(super) fn get(&self, name: &Name) -> Option<&[u8]> {
        let (bytes, index) = self.index.as_ref()?;
        bytes.get(index.get(name)?.clone())
    }

    /// Entry `name` was used: served by the bundle (`None`), or read from
    /// its file or stored, with these bytes (whole: their checksum held).
    pub(super) fn used(&self, name: Name, fresh: Option<&[u8]>) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        match fresh {
            None => {
                used.from_bundle.insert(name);
            }
            Some(bytes) => {
                used.fresh.entry(name).or_insert_with(|| bytes.to_vec());
            }
        }
    }

    /// An entry the bundle holds failed its checksum.
    pub(super) fn damaged(&self) {
        self.used.lock().unwrap_or_else(|e| e.into_inner()).damaged = true;
    }

    /// At the end of the run: write a new bundle holding exactly the
    /// entries used, when there was none, when it is damaged, or when more
    /// than an eighth of them did not come from it. A few misses (the
    /// profile being edited) cost a few entry files' reads next time, less
    /// than rewriting a bundle of hundreds of entries (about 1 ms) on every
    /// run. Failures are ignored: the next run reads the entry files.
    pub fn finish(&self) {
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let all = used.from_bundle.len() + used.fresh.len();
        let stale = if self.index.is_some() {
            used.damaged || used.fresh.len() * 8 > all
        } else {
            all > 0
        };
        if !stale {
            return;
        }
        // In name order: the same entries make the same file.
        let mut names: Vec<&Name> = used.from_bundle.iter().chain(used.fresh.keys()).collect();
        names.sort_unstable();
        names.dedup();
        let mut out = MAGIC.to_vec();
        for name in names {
            let Some(bytes) = used
                .fresh
                .get(name)
                .map(Vec::as_slice)
                .or_else(|| self.get(name))
            else {
                continue;
            };
            let Ok(len) = u32::try_from(bytes.len()) else {
                continue;
            };
            if (out.len() + 20 + bytes.len()) as u64 > DEFAULT_MAX_INPUT {
                // It would be read as no bundle at all.
                return;
            }
            out.extend_from_slice(name);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(bytes);
        }
        if store_cache_entry(&self.path, &out).is_ok() {
            // One bundle per command line: the least recently written go.
            if let Some(dir) = self.path.parent() {
                prune_cache_dir(dir, KEEP);
            }
        }
    }
}

/// A bundle's bytes and where each entry is in them; `None` if missing or
/// malformed. Read as every input is: regular files only, bounded.
fn read(path: &Path) -> Option<(Vec<u8>, Index)> {
    let bytes = read_regular(path, DEFAULT_MAX_INPUT).ok()?;
    let index = parse(&bytes)?;
    Some((bytes, index))
}

/// Where each entry of a bundle's bytes is.
fn parse(bytes: &[u8]) -> Option<Index> {
    let mut at = MAGIC.len();
    if bytes.get(..at)? != MAGIC {
        return None;
    }
    let mut index = HashMap::default();
    while at < bytes.len() {
        let name: Name = bytes.get(at..at + 16)?.try_into().ok()?;
        let len: [u8; 4] = bytes.get(at + 16..at + 20)?.try_into().ok()?;
        let start = at + 20;
        let end = start.checked_add(u32::from_le_bytes(len) as usize)?;
        bytes.get(start..end)?;
        index.insert(name, start..end);
        at = end;
    }
    Some(index)
}
