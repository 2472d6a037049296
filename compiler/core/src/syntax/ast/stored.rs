//! The parse cache's stored form of a tree (issue 13): written and read
//! here by hand, field by field, in the order the types declare them.
//!
//! Reading stored trees back was a sixth of a warm batch's instructions
//! through serde (a visitor per node, an enum access per variant, a UTF-8
//! check per string, a thread-local per span). Here a node is its fields
//! in order: numbers as LEB128, a tag byte per enum and per `Option`,
//! spans as start and length. Every string goes to one table ahead of the
//! nodes, checked as UTF-8 once; a node holds only its string's length,
//! and strings are taken from the table in the order they were written.
//!
//! The layout is the in-memory one ([`Word`]'s `meta` as it is), and it
//! changes with this file or `ast.rs`: both are among the sources whose
//! hash keys every entry (`resolve::parse_cache`), so an entry is never
//! read by code of another shape. Reading never panics: anything that
//! does not fit (a truncated or damaged payload) is `None`, a cache miss.

use compact_str::CompactString;

use super::*;

/// The stored bytes of `tree`.
pub fn encode(tree: &File) -> Vec<u8> {
    let mut out = Out::default();
    tree.put(&mut out);
    let mut bytes = Vec::with_capacity(5 + out.strs.len() + out.nodes.len());
    put_num(&mut bytes, out.strs.len() as u32);
    bytes.extend_from_slice(&out.strs);
    bytes.extend_from_slice(&out.nodes);
    bytes
}

/// The tree stored in `bytes` ([`encode`]), its spans placed in `file`;
/// `None` unless the bytes are exactly one tree.
pub fn decode(bytes: &[u8], file: FileId) -> Option<File> {
    let mut head = In {
        nodes: bytes,
        strs: "",
        file,
    };
    let len = head.num()? as usize;
    let (strs, nodes) = head.nodes.split_at_checked(len)?;
    let mut input = In {
        nodes,
        strs: std::str::from_utf8(strs).ok()?,
        file,
    };
    let tree = File::get(&mut input)?;
    (input.nodes.is_empty() && input.strs.is_empty()).then_some(tree)
}

#[derive(Default)]
struct Out {
    nodes: Vec<u8>,
    strs: Vec<u8>,
}

impl Out {
    fn tag(&mut self, t: u8) {
        self.nodes.push(t);
    }

    fn num(&mut self, n: u32) {
        put_num(&mut self.nodes, n);
    }

    fn str(&mut self, s: &str) {
        self.num(s.len() as u32);
        self.strs.extend_from_slice(s.as_bytes());
    }
}

fn put_num(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

struct In<'a> {
    nodes: &'a [u8],
    strs: &'a str,
    file: FileId,
}

impl<'a> In<'a> {
    #[inline]
    fn tag(&mut self) -> Option<u8> {
        let (&b, rest) = self.nodes.split_first()?;
        self.nodes = rest;
        Some(b)
    }

    /// Most numbers (lengths, tags, short spans) take one byte: that
    /// case inline, the others in [`In::long_num`].
    #[inline]
    fn num(&mut self) -> Option<u32> {
        match self.nodes.split_first() {
            Some((&b, rest)) if b < 0x80 => {
                self.nodes = rest;
                Some(u32::from(b))
            }
            _ => self.long_num(),
        }
    }

    #[inline(never)]
    fn long_num(&mut self) -> Option<u32> {
        let mut n = 0u32;
        for shift in [0, 7, 14, 21, 28] {
            let b = self.tag()?;
            // The fifth byte holds the top four bits only.
            if shift == 28 && b > 0x0f {
                return None;
            }
            n |= u32::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(n);
            }
        }
        None
    }

    #[inline]
    fn str(&mut self) -> Option<&'a str> {
        let len = self.num()? as usize;
        let (s, rest) = self.strs.split_at_checked(len)?;
        self.strs = rest;
        Some(s)
    }
}

/// A type with a stored form.
trait Stored: Sized {
    fn put(&self, out: &mut Out);
    fn get(input: &mut In<'_>) -> Option<Self>;
}

impl Stored for bool {
    fn put(&self, out: &mut Out) {
        out.tag(u8::from(*self));
    }
    fn get(input: &mut In<'_>) -> Option<Self> {
        match input.tag()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl Stored for Span {
    fn put(&self, out: &mut Out) {
        out.num(self.start);
        out.num(self.end.saturating_sub(self.start));
    }
    fn get(input: &mut In<'_>) -> Option<Self> {
        let start = input.num()?;
        let end = start.checked_add(input.num()?)?;
        Some(Span {
            file: input.file,
            start,
            end,
        })
    }
}

/// A tree's own file is the one it is read into.
impl Stored for FileId {
    fn put(&self, _: &mut Out) {}
    fn get(input: &mut In<'_>) -> Option<Self> {
        Some(input.file)
    }
}

impl Stored for String {
    fn put(&self, out: &mut Out) {
        out.str(self);
    }
    fn get(input: &mut In<'_>) -> Option<Self> {
        input.str().map(String::from)
    }
}

impl Stored for Word {
    fn put(&self, out: &mut Out) {
        out.str(&self.text);
        out.num(self.meta);
        self.span.put(out);
    }
    fn get(input: &mut In<'_>) -> Option<Self> {
        Some(Word {
            text: CompactString::new(input.str()?),
            meta: input.num()?,
            span: Span::get(input)?,
        })
    }
}

impl<T: Stored> Stored for Option<T> {
    fn put(&self, out: &mut Out) {
        match self {
            None => out.tag(0),
            Some(v) => {
                out.tag(1);
                v.put(out);
            }
        }
    }
    fn get(input: &mut In<'_>) -> Option<Self> {
        match input.tag()? {
            0 => Some(None),
            1 => T::get(input).map(Some),
            _ => None,
        }
    }
}

impl<T: Stored> Stored for Box<T> {
    fn put(&self, out: &mut Out) {
        T::put(self, out);
    }
    fn get(input: &mut In<'_>) -> Option<Self> {
        T::get(input).map(Box::new)
    }
}

impl<T: Stored> Stored for Vec<T> {
    fn put(&self, out: &mut Out) {
        out.num(self.len() as u32);
        for v in self {
            v.put(out);
        }
    }
    fn get(input: &mut In<'_>) -> Option<Self> {
        let n = input.num()? as usize;
        // Every element takes a byte at least: a damaged length cannot
        // reserve more than the payload holds.
        let mut v = Vec::with_capacity(n.min(input.nodes.len()));
        for _ in 0..n {
            v.push(T::get(input)?);
        }
        Some(v)
    }
}

impl<A: Stored, B: Stored> Stored for (A, B) {
    fn put(&self, out: &mut Out) {
        self.0.put(out);
        self.1.put(out);
    }
    fn get(input: &mut In<'_>) -> Option<Self> {
        Some((A::get(input)?, B::get(input)?))
    }
}

impl Stored for Prefix {
    fn put(&self, out: &mut Out) {
        self.0.put(out);
    }
    fn get(input: &mut In<'_>) -> Option<Self> {
        Option::get(input).map(Prefix)
    }
}

/// A struct's fields in order.
macro_rules! stored_struct {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl Stored for $t {
            fn put(&self, out: &mut Out) {
                $(self.$f.put(out);)*
            }
            fn get(input: &mut In<'_>) -> Option<Self> {
                Some($t { $($f: Stored::get(input)?,)* })
            }
        }
    };
}

/// An enum's tag, then the variant's fields in order. Each variant is
/// written as a pattern: `Name`, `Name(a, b)` or `Name { a, b }`.
macro_rules! stored_enum {
    ($t:ident {
        $($tag:literal => $v:ident $(($($a:ident),*))? $({$($f:ident),*})?),* $(,)?
    }) => {
        impl Stored for $t {
            fn put(&self, out: &mut Out) {
                match self {
                    $($t::$v $(($($a),*))? $({$($f),*})? => {
                        out.tag($tag);
                        $($($a.put(out);)*)?
                        $($($f.put(out);)*)?
                    })*
                }
            }
            fn get(input: &mut In<'_>) -> Option<Self> {
                Some(match input.tag()? {
                    $($tag => $t::$v
                        $(($(stored_enum!(@one input $a)),*))?
                        $({$($f: Stored::get(input)?),*})?,)*
                    _ => return None,
                })
            }
        }
    };
    (@one $in:ident $a:ident) => { Stored::get($in)? };
}

stored_struct!(File {
    file,
    items,
    comments
});

stored_enum!(Item {
    0 => Include(a),
    1 => Abi(a),
    2 => Alias(a),
    3 => SetAssign(a),
    4 => BoolAssign(a),
    5 => Profile(a),
    6 => Rule(a),
    7 => Block(a),
    8 => If(a),
    9 => Rlimit(a),
    10 => Error(a),
});

stored_enum!(IncludeTarget {
    0 => Search(a),
    1 => Path(a),
});

stored_struct!(Include {
    span,
    target,
    target_span,
    if_exists,
    hash
});

stored_struct!(Abi {
    span,
    target,
    target_span
});

stored_struct!(Alias { span, from, to });

stored_enum!(AssignOp {
    0 => Set,
    1 => Add,
    2 => SetIfUnset,
    3 => Override,
});

stored_struct!(SetAssign {
    span,
    var,
    name,
    op,
    op_span,
    values,
    trailing_comma
});

stored_struct!(BoolAssign {
    span,
    var,
    name,
    op,
    op_span,
    expr,
    trailing_comma
});

stored_enum!(ProfileKeyword {
    0 => None,
    1 => Profile,
    2 => Hat,
    3 => Caret,
});

stored_struct!(Profile {
    span,
    keyword,
    keyword_span,
    name,
    attachment,
    xattrs,
    identities,
    flags,
    items,
    open_brace,
    close_brace
});

stored_enum!(RuleMode {
    0 => Allow,
    1 => Deny,
    2 => Prompt,
});

stored_enum!(Owner {
    0 => Owner,
    1 => Other,
});

stored_struct!(Qualifiers {
    priority,
    audit,
    mode,
    owner
});

stored_struct!(Block {
    span,
    prefix,
    items
});

stored_struct!(Rule {
    span,
    prefix,
    keyword,
    kind
});

stored_enum!(ExecSafety {
    0 => Safe,
    1 => Unsafe,
});

stored_struct!(FileRule {
    file_keyword,
    safety,
    path,
    perms,
    perms_first,
    subset,
    target
});

stored_struct!(Access {
    span,
    words,
    parenthesized
});

stored_enum!(CondOp {
    0 => Eq,
    1 => In,
});

stored_struct!(Cond {
    span,
    name,
    op,
    value
});

stored_enum!(CondValue {
    0 => One(a),
    1 => List(a),
});

stored_struct!(ParenList { span, items });

stored_enum!(ListItem {
    0 => Value(a),
    1 => Cond(a),
});

stored_enum!(RuleKind {
    0 => BareFile,
    1 => File(a),
    2 => Link { subset, path, target },
    3 => Capability(a),
    4 => Network { access, words, conds },
    5 => Mediated { class, access, conds },
    6 => Mqueue { access, conds, name },
    7 => All,
    8 => Mount { conds, source, arrow, target_conds, target },
    9 => Remount { conds, target },
    10 => Umount { conds, target },
    11 => PivotRoot { conds, new_root, target },
    12 => ChangeProfile { safety, exec, target },
});

stored_enum!(Class {
    0 => Unix,
    1 => Dbus,
    2 => Signal,
    3 => Ptrace,
    4 => Userns,
    5 => IoUring,
});

stored_struct!(Rlimit {
    span,
    name,
    value,
    unit
});

stored_struct!(IfRule {
    span,
    cond,
    then,
    then_span,
    otherwise
});

stored_enum!(Else {
    0 => If(a),
    1 => Block(a, b),
});

stored_enum!(Expr {
    0 => Or(a, b),
    1 => And(a, b),
    2 => Not(a, b),
    3 => Defined(a, b),
    4 => BoolVar(a),
    5 => Compare(a, b, c, d),
    6 => Operand(a),
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse_apparmor, Context};
    use std::path::Path;

    /// Every AppArmor text of the repository: test inputs (many with
    /// syntax errors, so error nodes too), fmt cases, the stdlib.
    fn texts() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut out = Vec::new();
        let mut dirs = vec![
            root.join("tests/data/diagnostics"),
            root.join("tests/data/fmt"),
            root.join("stdlib/apparmor"),
            root.join("examples"),
        ];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if !path.extension().is_some_and(|x| x == "out" || x == "json") {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        out.push((path.display().to_string(), text));
                    }
                }
            }
        }
        out.sort();
        assert!(out.len() > 50, "only {} texts", out.len());
        out
    }

    #[test]
    fn every_tree_reads_back_the_same_in_another_file() {
        for (name, text) in texts() {
            for ctx in [Context::Top, Context::Body] {
                let (tree, _) = parse_apparmor(FileId(3), &text, ctx);
                let back = decode(&encode(&tree), FileId(9))
                    .unwrap_or_else(|| panic!("{name} did not read back"));
                let (fresh, _) = parse_apparmor(FileId(9), &text, ctx);
                assert_eq!(format!("{back:?}"), format!("{fresh:?}"), "{name}");
            }
        }
    }

    #[test]
    fn a_cut_or_padded_payload_is_no_tree() {
        let text = "@{A}=/a \"/b c\"\nprofile p /usr/bin/p flags=(complain) {\n  owner @{A}/** rw,\n  if ${b} { capability chown, } else { deny /x w, }\n  network inet stream,\n  ^hat { /etc/hat r, }\n}\n";
        let (tree, diags) = parse_apparmor(FileId(0), text, Context::Top);
        assert!(diags.is_empty());
        let bytes = encode(&tree);
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], FileId(0)).is_none(), "cut at {n}");
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(decode(&padded, FileId(0)).is_none());
        assert!(decode(&bytes, FileId(0)).is_some());
    }

    #[test]
    fn numbers_of_every_width_read_back() {
        for n in [0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 1 << 28, u32::MAX] {
            let mut out = Out::default();
            out.num(n);
            let mut input = In {
                nodes: &out.nodes,
                strs: "",
                file: FileId(0),
            };
            assert_eq!(input.num(), Some(n));
            assert!(input.nodes.is_empty());
        }
        // Past 32 bits, or longer than five bytes: no number.
        for bad in [
            &[0xff, 0xff, 0xff, 0xff, 0x1f][..],
            &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        ] {
            let mut input = In {
                nodes: bad,
                strs: "",
                file: FileId(0),
            };
            assert_eq!(input.num(), None);
        }
    }
}
