//! YAML with positions: saphyr-parser's events built into a tree whose
//! every value keeps its byte span in the [`SourceMap`], then converted to
//! `serde_json::Value` for the typed (k8s-openapi) objects.
//!
//! Hostile input is bounded here: nesting depth, the number of nodes that
//! aliases may copy (a "billion laughs" file is refused, not expanded), and
//! the size of the file. Every refusal is a diagnostic, never a panic.

use std::collections::{BTreeSet, HashMap};

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::Value;

use profilec_core::diag::{codes, Diagnostic, FileId, Span};

/// Bounds on what one file may make the reader build.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes that aliases may copy, over a whole file.
    pub max_alias_nodes: usize,
    /// Largest file, in bytes.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 100,
            max_alias_nodes: 100_000,
            max_bytes: 32 * 1024 * 1024,
        }
    }
}

const BOMB_HELP: &str = "an anchor and each alias of it copy its value, and nested aliases multiply (a \"billion laughs\" file); write the values out, or anchor smaller ones";

/// A YAML value with its span (bytes of the file).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A plain `<<`: a merge key when it is a mapping key.
    MergeKey,
    Seq(Vec<Node>),
    /// Entries in file order; keys are nodes too (for their spans).
    Map(Vec<(Node, Node)>),
}

/// One step of a path into a document: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl Node {
    /// What copying this value costs, in nodes: each collection and
    /// scalar is one, and a string one more per 16 bytes (so aliases of a
    /// long string are bounded by bytes, not only by count).
    fn size(&self) -> usize {
        match &self.kind {
            Kind::Str(s) => 1 + s.len() / 16,
            Kind::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Kind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
            _ => 1,
        }
    }

    fn respan(&mut self, span: Span) {
        self.span = span;
        match &mut self.kind {
            Kind::Seq(items) => items.iter_mut().for_each(|i| i.respan(span)),
            Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.respan(span);
                v.respan(span);
            }),
            _ => {}
        }
    }

    /// The text of a scalar as a mapping key (`None` for collections).
    pub fn key_text(&self) -> Option<String> {
        Some(match &self.kind {
            Kind::Null => "null".to_string(),
            Kind::Bool(b) => b.to_string(),
            Kind::Int(i) => i.to_string(),
            Kind::Float(f) => f.to_string(),
            Kind::Str(s) => s.clone(),
            Kind::MergeKey => "<<".to_string(),
            Kind::Seq(_) | Kind::Map(_) => return None,
        })
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value under `key` of a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.key_text().as_deref() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The node at `path`, if every step exists.
    pub fn at(&self, path: &[Step]) -> Option<&Node> {
        let mut node = self;
        for step in path {
            node = match (step, &node.kind) {
                (Step::Key(k), Kind::Map(_)) => node.get(k)?,
                (Step::Index(i), Kind::Seq(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The span of the value at `path`, or of the deepest part of it that
    /// exists (a missing field points at the object that lacks it).
    pub fn span_at(&self, path: &[Step]) -> Span {
        let mut node = self;
        for step in path {
            let next = match (step, &node.kind) {
                (Step::Key(k), Kind::Map(_)) => node.get(k),
                (Step::Index(i), Kind::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.span
    }

    /// The span of the key of the last step of `path` when it is a mapping
    /// key that exists; the value's span otherwise.
    pub fn key_span_at(&self, path: &[Step]) -> Span {
        if let Some((Step::Key(k), parent)) = path.split_last() {
            if let Some((key, _)) = self.at(parent).and_then(|p| p.entry(k)) {
                return key.span;
            }
        }
        self.span_at(path)
    }

    /// The JSON value of this tree, as Kubernetes reads YAML: mapping keys
    /// become strings. `Err` names the first key that is not a scalar.
    pub fn to_json(&self) -> Result<Value, Span> {
        Ok(match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => Value::from(*i),
            Kind::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::MergeKey => Value::String("<<".to_string()),
            Kind::Seq(items) => Value::Array(
                items
                    .iter()
                    .map(Node::to_json)
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Kind::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (k, v) in entries {
                    let key = k.key_text().ok_or(k.span)?;
                    map.insert(key, v.to_json()?);
                }
                Value::Object(map)
            }
        })
    }
}

/// One document of a YAML stream.
#[derive(Debug)]
pub struct Document {
    pub root: Node,
}

/// Byte offsets of character indices (saphyr counts characters).
struct Offsets<'a> {
    text: &'a str,
    /// Byte offset of each character; empty when the text is ASCII.
    table: Vec<usize>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Offsets<'a> {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).collect()
        };
        Offsets { text, table }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.table.is_empty() {
            char_index.min(self.text.len())
        } else {
            self.table
                .get(char_index)
                .copied()
                .unwrap_or(self.text.len())
        }
    }
}

enum Open {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
    },
}

/// Parse every document of `text` (file `file` of the source map). Errors
/// and refusals are pushed to `diags`; the documents complete before a
/// syntax error are returned.
pub fn parse(
    text: &str,
    file: FileId,
    limits: Limits,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Document> {
    let mut docs = Vec::new();
    if text.len() > limits.max_bytes {
        diags.push(
            Diagnostic::of(
                codes::K8S_YAML_TOO_COMPLEX,
                format!(
                    "the file has {} bytes, more than the {} this reader takes",
                    text.len(),
                    limits.max_bytes
                ),
            )
            .at(Span::new(file, 0, 0), "file too large")
            .with_help("split the manifests into several files"),
        );
        return docs;
    }
    let offsets = Offsets::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    let mut alias_nodes = 0usize;
    let mut root: Option<Node> = None;
    // A document that went wrong (too deep, alias bomb, bad key) is skipped
    // to its end; the next ones are still read.
    let mut poisoned = false;
    while let Some(next) = parser.next_event() {
        let (event, espan) = match next {
            Ok(e) => e,
            Err(e) => {
                let at = offsets.byte(e.marker().index());
                diags.push(
                    Diagnostic::of(
                        codes::K8S_YAML_SYNTAX,
                        format!("invalid YAML: {}", e.info()),
                    )
                    .at(Span::new(file, at, at), "here"),
                );
                return docs;
            }
        };
        let start = offsets.byte(espan.start.index());
        let end = offsets.byte(espan.end.index());
        let mut done: Option<Node> = None;
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                stack.clear();
                anchors.clear();
                root = None;
                poisoned = false;
            }
            Event::DocumentEnd => {
                if let (Some(r), false) = (root.take(), poisoned) {
                    docs.push(Document { root: r });
                }
            }
            _ if poisoned => {}
            Event::Alias(id) => match anchors.get(&id) {
                Some((node, size)) => {
                    alias_nodes = alias_nodes.saturating_add(*size);
                    if alias_nodes > limits.max_alias_nodes {
                        diags.push(
                            Diagnostic::of(
                                codes::K8S_YAML_TOO_COMPLEX,
                                format!(
                                    "anchors and aliases copy more than {} nodes; the document is not read",
                                    limits.max_alias_nodes
                                ),
                            )
                            .at(Span::new(file, start, end), "this alias goes past the limit")
                            .with_help(BOMB_HELP),
                        );
                        poisoned = true;
                    } else {
                        // Every value of the copy points at the alias:
                        // that is where this occurrence is in the file.
                        let mut copy = node.clone();
                        copy.respan(Span::new(file, start, end));
                        done = Some(copy);
                    }
                }
                None => {
                    diags.push(
                        Diagnostic::of(codes::K8S_YAML_SYNTAX, "an alias to an unknown anchor").at(
                            Span::new(file, start, end),
                            "no anchor of this name before here",
                        ),
                    );
                    poisoned = true;
                }
            },
            Event::Scalar(value, style, anchor, tag) => {
                let kind = scalar(&value, style, tag.as_deref().map(|t| t.suffix.as_str()));
                let node = Node {
                    span: Span::new(file, start, end),
                    kind,
                };
                if anchor != 0 {
                    let size = node.size();
                    anchors.insert(anchor, (node.clone(), size));
                }
                done = Some(node);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    diags.push(
                        Diagnostic::of(
                            codes::K8S_YAML_TOO_COMPLEX,
                            format!(
                                "collections nested deeper than {} levels; the document is not read",
                                limits.max_depth
                            ),
                        )
                        .at(Span::new(file, start, end), "too deep"),
                    );
                    poisoned = true;
                    stack.clear();
                } else if matches!(event, Event::SequenceStart(..)) {
                    stack.push(Open::Seq {
                        start,
                        anchor,
                        items: Vec::new(),
                    });
                } else {
                    stack.push(Open::Map {
                        start,
                        anchor,
                        entries: Vec::new(),
                        pending_key: None,
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                // A block collection ends where the next token starts:
                // back over the blank space (and line breaks) before it.
                let end = text.get(..end).map_or(end, |t| t.trim_end().len());
                let node = match stack.pop() {
                    Some(Open::Seq {
                        start: s,
                        anchor,
                        items,
                    }) => Some((
                        anchor,
                        Node {
                            span: Span::new(file, s, end.max(s)),
                            kind: Kind::Seq(items),
                        },
                    )),
                    Some(Open::Map {
                        start: s,
                        anchor,
                        entries,
                        ..
                    }) => {
                        let entries = merge_keys(entries, file, diags);
                        Some((
                            anchor,
                            Node {
                                span: Span::new(file, s, end.max(s)),
                                kind: Kind::Map(entries),
                            },
                        ))
                    }
                    None => None,
                };
                if let Some((anchor, node)) = node {
                    if anchor != 0 {
                        // An anchor keeps a copy: nested anchors would copy
                        // a large value once per level, so the copies count
                        // against the same budget as the aliases' copies.
                        let size = node.size();
                        alias_nodes = alias_nodes.saturating_add(size);
                        if alias_nodes > limits.max_alias_nodes {
                            diags.push(
                                Diagnostic::of(
                                    codes::K8S_YAML_TOO_COMPLEX,
                                    format!(
                                        "anchors and aliases copy more than {} nodes; the document is not read",
                                        limits.max_alias_nodes
                                    ),
                                )
                                .at(node.span, "this anchored value goes past the limit")
                                .with_help(BOMB_HELP),
                            );
                            poisoned = true;
                            stack.clear();
                        } else {
                            anchors.insert(anchor, (node.clone(), size));
                        }
                    }
                    if !poisoned {
                        done = Some(node);
                    }
                }
            }
        }
        if let Some(node) = done {
            match stack.last_mut() {
                None => root = Some(node),
                Some(Open::Seq { items, .. }) => items.push(node),
                Some(Open::Map {
                    entries,
                    pending_key,
                    ..
                }) => match pending_key.take() {
                    None => {
                        if node.key_text().is_none() {
                            diags.push(
                                Diagnostic::of(
                                    codes::K8S_YAML_SYNTAX,
                                    "a mapping key that is a collection",
                                )
                                .at(node.span, "Kubernetes objects take string keys only"),
                            );
                            poisoned = true;
                            stack.clear();
                        } else {
                            *pending_key = Some(node);
                        }
                    }
                    Some(key) => entries.push((key, node)),
                },
            }
        }
    }
    docs
}

/// `<<` merge keys (as Kubernetes' YAML reader takes them): the entries of
/// the merged mapping(s) that the mapping does not set itself. Duplicate
/// keys are reported (Kubernetes refuses them).
fn merge_keys(
    entries: Vec<(Node, Node)>,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(Node, Node)> {
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (k, v) in entries {
        let text = k.key_text().unwrap_or_default();
        if matches!(k.kind, Kind::MergeKey) {
            let sources = match v.kind {
                Kind::Map(m) => vec![m],
                Kind::Seq(items) => items
                    .into_iter()
                    .filter_map(|i| match i.kind {
                        Kind::Map(m) => Some(m),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for m in sources {
                merged.extend(m);
            }
            continue;
        }
        if !seen.insert(text.clone()) {
            let first = out
                .iter()
                .find(|(fk, _)| fk.key_text().as_deref() == Some(text.as_str()))
                .map(|(fk, _)| fk.span);
            let mut d = Diagnostic::of(
                codes::K8S_YAML_DUPLICATE_KEY,
                format!("the key `{text}` appears twice in one mapping"),
            )
            .at(k.span, "again here");
            if let Some(f) = first {
                d = d.with_secondary(f, "first here");
            }
            diags.push(d.with_help("Kubernetes refuses a mapping with a repeated key; keep one"));
            continue;
        }
        out.push((k, v));
    }
    for (k, v) in merged {
        let text = k.key_text().unwrap_or_default();
        if seen.insert(text) {
            out.push((k, v));
        }
    }
    let _ = file;
    out
}

/// A scalar as YAML 1.2's core schema resolves it (quoted and block
/// scalars are strings; a `!!str` tag makes a string).
fn scalar(value: &str, style: ScalarStyle, tag: Option<&str>) -> Kind {
    if style != ScalarStyle::Plain || tag == Some("str") {
        return Kind::Str(value.to_string());
    }
    let v = value;
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "<<" => return Kind::MergeKey,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return Kind::Str(v.to_string()),
        _ => {}
    }
    if let Some(i) = int(v) {
        return Kind::Int(i);
    }
    let looks_float = v
        .trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && v.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'));
    if looks_float {
        if let Ok(f) = v.parse::<f64>() {
            return Kind::Float(f);
        }
    }
    Kind::Str(v.to_string())
}

fn int(v: &str) -> Option<i64> {
    let (neg, digits) = match v.as_bytes().first()? {
        b'-' => (true, &v[1..]),
        b'+' => (false, &v[1..]),
        _ => (false, v),
    };
    let n = if let Some(h) = digits.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = digits.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;
    use profilec_core::diag::SourceMap;

    fn read(text: &str) -> (SourceMap, Vec<Document>, Vec<Diagnostic>) {
        let mut m = SourceMap::new();
        let f = m.add("t.yaml", text);
        let mut d = Vec::new();
        let docs = parse(text, f, Limits::default(), &mut d);
        (m, docs, d)
    }

    #[test]
    fn values_keep_their_spans() {
        let text = "a: 1\nb:\n  - x\n  - \"é y\"\n";
        let (_, docs, d) = read(text);
        assert!(d.is_empty(), "{d:?}");
        let root = &docs[0].root;
        let y = root.at(&[Step::Key("b".into()), Step::Index(1)]).unwrap();
        assert_eq!(&text[y.span.range()], "\"é y\"");
        assert_eq!(y.as_str(), Some("é y"));
        let k = root.key_span_at(&[Step::Key("b".into())]);
        assert_eq!(&text[k.range()], "b");
        assert_eq!(
            root.to_json().unwrap(),
            serde_json::json!({"a": 1, "b": ["x", "é y"]})
        );
    }

    #[test]
    fn scalars_resolve_as_the_core_schema() {
        let (_, docs, _) = read("[1, -2, 0x1f, 1.5, true, null, ~, '1', abc, .inf]");
        assert_eq!(
            docs[0].root.to_json().unwrap(),
            serde_json::json!([1, -2, 31, 1.5, true, null, null, "1", "abc", ".inf"])
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let (_, docs, d) = read("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nl: *b\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            docs[0].root.to_json().unwrap(),
            serde_json::json!({"base": {"x": 1, "y": 2}, "m": {"y": 3, "x": 1}, "l": {"x": 1, "y": 2}})
        );
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let (_, docs, d) = read(&text);
        assert!(docs.is_empty());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "k8s-yaml-too-complex");
    }

    /// Nested anchors each keep a copy of their value: bounded too.
    #[test]
    fn nested_anchors_over_a_large_value_are_refused() {
        let mut text = String::new();
        for i in 0..90 {
            text.push_str(&format!("{}- &a{i}\n", "  ".repeat(i)));
        }
        text.push_str(&format!(
            "{}- [{}]\n",
            "  ".repeat(90),
            vec!["x"; 5000].join(", ")
        ));
        let (_, docs, d) = read(&text);
        assert!(docs.is_empty());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].message,
            "anchors and aliases copy more than 100000 nodes; the document is not read"
        );
    }

    /// A long string aliased many times: bounded by bytes.
    #[test]
    fn aliases_of_a_long_string_are_refused() {
        let text = format!(
            "a: &a \"{}\"\nb: [{}]\n",
            "x".repeat(1 << 20),
            vec!["*a"; 100].join(", ")
        );
        let (_, docs, d) = read(&text);
        assert!(docs.is_empty());
        assert_eq!(d[0].code, "k8s-yaml-too-complex");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let (_, docs, d) = read(&text);
        assert!(docs.is_empty());
        assert!(!d.is_empty());
    }

    #[test]
    fn duplicate_keys_and_syntax_errors() {
        let (_, _, d) = read("a: 1\na: 2\n");
        assert_eq!(d[0].code, "k8s-yaml-duplicate-key");
        let (_, docs, d) = read("a: 1\n---\nb: [1\n");
        assert_eq!(docs.len(), 1);
        assert_eq!(d[0].code, "k8s-yaml-syntax");
    }
}
