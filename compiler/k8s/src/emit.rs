//! A small YAML writer for `serde_json::Value`: block style, keys in the
//! order of the value (serde_json's map sorts them), strings quoted
//! whenever a plain scalar could read back as something else, multi-line
//! strings as literal blocks. Output is deterministic and reads back (with
//! [`crate::yaml`]) as the same value, which the tests check.

use serde_json::Value;

/// The YAML text of one document (no `---`), ending with a newline.
pub fn document(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => seq(&mut out, a, 0),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// Entries sorted by key, whatever order the map keeps (serde_json keeps
/// insertion order when another crate turns on `preserve_order`).
fn sorted(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = m.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn map(out: &mut String, m: &serde_json::Map<String, Value>, level: usize) {
    for (k, v) in sorted(m) {
        indent(out, level);
        out.push_str(&string(k));
        out.push(':');
        value_after_key(out, v, level);
    }
}

/// Sequences sit at their key's indentation, as kubectl writes them.
fn seq(out: &mut String, items: &[Value], level: usize) {
    for v in items {
        indent(out, level);
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                // The first entry shares the dash's line.
                let mut first = true;
                for (k, val) in sorted(m) {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent(out, level + 2);
                    }
                    out.push_str(&string(k));
                    out.push(':');
                    value_after_key(out, val, level + 2);
                }
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                seq(out, a, level + 2);
            }
            Value::String(s) if block_ok(s) => {
                out.push(' ');
                block(out, s, level + 2);
            }
            other => {
                out.push(' ');
                out.push_str(&inline(other));
                out.push('\n');
            }
        }
    }
}

fn value_after_key(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            map(out, m, level + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            seq(out, a, level);
        }
        Value::String(s) if block_ok(s) => {
            out.push(' ');
            block(out, s, level + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

/// A string that reads back unchanged as a literal block: several lines,
/// printable characters, no line starting with a space (the block's
/// indentation would be ambiguous) and no trailing spaces.
fn block_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\t', '\n'])
        && s.chars().all(|c| {
            c == '\n'
                || (!c.is_control()
                    && c != '\u{feff}'
                    && c != '\u{2028}'
                    && c != '\u{2029}'
                    && c != '\u{85}')
        })
        && s.lines().all(|l| !l.ends_with([' ', '\t']))
}

fn block(out: &mut String, s: &str, level: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    out.push('\n');
    for line in s[..body.len()].split('\n') {
        if !line.is_empty() {
            indent(out, level);
            out.push_str(line);
        }
        out.push('\n');
    }
    // `|+` keeps the empty lines after the last one.
    for _ in 1..trailing {
        out.push('\n');
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string as a plain scalar when that reads back as the same string,
/// double-quoted (JSON escapes are valid YAML) otherwise.
fn string(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let reserved_start = "-?:,[]{}#&*!|>'\"%@` \t";
    if reserved_start.contains(first) {
        // `-x`, `:x` and `?x` are plain, but keep it simple: quote.
        return false;
    }
    if s.ends_with([' ', '\t', ':']) || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if s.chars().any(|c| c.is_control() || !c.is_ascii()) {
        return false;
    }
    if s.contains(['{', '}', '[', ']', ',']) {
        // Fine in block context, but a reader in flow context would split.
        return false;
    }
    // Anything the core schema (or YAML 1.1 readers such as Kubernetes')
    // would read as a non-string.
    if s == "<<" || s == "=" {
        // A merge key, and YAML 1.1's value key.
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let special = [
        "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf",
        ".nan",
    ];
    if special.contains(&lower.as_str()) {
        return false;
    }
    let numberish = s.chars().all(|c| {
        c.is_ascii_hexdigit() || matches!(c, '.' | '-' | '+' | '_' | 'x' | 'o' | ':' | 'X' | 'O')
    });
    if numberish && s.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse, Limits};
    use profilec_core::diag::SourceMap;
    use serde_json::json;

    fn round_trip(v: &Value) {
        let text = document(v);
        let mut m = SourceMap::new();
        let f = m.add("t", text.clone());
        let mut d = Vec::new();
        let docs = parse(&text, f, Limits::default(), &mut d);
        assert!(d.is_empty(), "{d:?}\n{text}");
        assert_eq!(docs[0].root.to_json().unwrap(), *v, "\n{text}");
    }

    #[test]
    fn values_read_back_unchanged() {
        round_trip(&json!({
            "a": "plain",
            "b": ["x", "1", "true", "yes", "", " lead", "trail ", "a: b", "#c", "-", "1.5", "0x1f", "é"],
            "c": {"d": [{"e": 1, "f": [1, 2]}, [3, [4]], {}], "g": [], "h": null, "i": false},
            "script": "#!/bin/sh\nset -eu\n\n  indented\n",
            "two": "a\nb\n\n",
            "none": "a\nb",
            "ctl": "a\tb\r\n",
            "lead": "  x\ny\n",
            "k:ey": "v",
            "<<": "<<",
            "n": -3,
        }));
    }

    #[test]
    fn literal_blocks_for_scripts() {
        let text = document(&json!({"s": "echo a\necho b\n"}));
        assert_eq!(text, "s: |\n  echo a\n  echo b\n");
    }
}
