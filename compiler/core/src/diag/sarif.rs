//! SARIF 2.1.0, what code-scanning dashboards read: one run, the rules
//! described from the registry ([`super::codes`]), one result per
//! diagnostic with its primary location and its secondary ones as related
//! locations. Columns count Unicode code points, as the JSON output does.

use serde_json::{json, Value};

use super::{codes, Diagnostic, Severity, SourceMap, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A relative reference or a path as a URI reference: unreserved
/// characters and `/` as they are, every other byte percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(sources: &SourceMap, span: Span, message: Option<&str>) -> Value {
    let start = sources.line_col(span.file, span.start as usize);
    let end = sources.line_col(span.file, span.end as usize);
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(sources.name(span.file)) },
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            }
        }
    });
    if let (Some(m), Some(obj)) = (message.filter(|m| !m.is_empty()), loc.as_object_mut()) {
        obj.insert("message".into(), json!({ "text": m }));
    }
    loc
}

fn result(sources: &SourceMap, d: &Diagnostic) -> Value {
    let rule_index = codes::ALL.iter().position(|c| *c == d.code);
    let mut text = d.message.clone();
    if let Some(h) = &d.help {
        text.push_str(&format!(" (help: {h})"));
    }
    let mut r = json!({
        "ruleId": d.code.name,
        "level": level(d.severity),
        "message": { "text": text },
    });
    if let Some(obj) = r.as_object_mut() {
        if let Some(i) = rule_index {
            obj.insert("ruleIndex".into(), json!(i));
        }
        if let Some(p) = &d.primary {
            obj.insert(
                "locations".into(),
                json!([location(sources, p.span, Some(&p.message))]),
            );
        }
        if !d.secondary.is_empty() {
            let related: Vec<Value> = d
                .secondary
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let mut v = location(sources, l.span, Some(&l.message));
                    if let Some(o) = v.as_object_mut() {
                        o.insert("id".into(), json!(i));
                    }
                    v
                })
                .collect();
            obj.insert("relatedLocations".into(), Value::Array(related));
        }
    }
    r
}

/// The SARIF log of `diags` (each with the source map it points into).
pub fn log<'a>(
    tool_version: &str,
    diags: impl IntoIterator<Item = (&'a SourceMap, &'a Diagnostic)>,
) -> Value {
    let rules: Vec<Value> = codes::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.name,
                "shortDescription": { "text": c.summary },
                "defaultConfiguration": { "level": level(c.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = diags.into_iter().map(|(s, d)| result(s, d)).collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "profilec",
                    "version": tool_version,
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_name_their_rule_and_place() {
        let mut m = SourceMap::new();
        let f = m.add("dir/a b.sd", "profile p {\n  /x rwz,\n}\n");
        let d = Diagnostic::of(codes::INVALID_PERMISSION, "bad")
            .at(Span::new(f, 17, 20), "here")
            .with_secondary(Span::new(f, 0, 7), "in this profile")
            .with_help("use r, w");
        let v = log("1.0", [(&m, &d)]);
        let r = &v["runs"][0]["results"][0];
        assert_eq!(r["ruleId"], "invalid-permission");
        assert_eq!(r["level"], "error");
        assert_eq!(r["message"]["text"], "bad (help: use r, w)");
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"][i]["id"],
            "invalid-permission"
        );
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "dir/a%20b.sd");
        assert_eq!(loc["region"]["startLine"], 2);
        assert_eq!(loc["region"]["startColumn"], 6);
        assert_eq!(loc["region"]["endColumn"], 9);
        assert_eq!(
            r["relatedLocations"][0]["message"]["text"],
            "in this profile"
        );
    }
}
