//! Spans in a stored syntax tree (`resolve::parse_cache`). Only the byte
//! range of a span is written; the file is the one being read back, set
//! for the length of one deserialization by [`reading_file`], since a
//! source id is only meaningful inside the session that made it.

use std::cell::Cell;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{FileId, Span};

thread_local! {
    static FILE: Cell<FileId> = const { Cell::new(FileId(0)) };
}

/// Run `f` (a deserialization) with every span read back placed in `file`.
pub fn reading_file<T>(file: FileId, f: impl FnOnce() -> T) -> T {
    let old = FILE.replace(file);
    let out = f();
    FILE.set(old);
    out
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.start, self.end).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Span, D::Error> {
        let (start, end) = <(u32, u32)>::deserialize(d)?;
        if start > end {
            return Err(serde::de::Error::custom("span ends before it starts"));
        }
        Ok(Span {
            file: FILE.get(),
            start,
            end,
        })
    }
}

impl Serialize for FileId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ().serialize(s)
    }
}

impl<'de> Deserialize<'de> for FileId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FileId, D::Error> {
        <()>::deserialize(d)?;
        Ok(FILE.get())
    }
}
