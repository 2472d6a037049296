//! A small JSON parser that keeps the byte span of every value and key.
//!
//! serde_json drops positions, and diagnostics must point into the profile
//! with line and column, so seccomp JSON is read with this parser (RFC 8259:
//! objects, arrays, strings with escapes, numbers, literals). Object members
//! keep their order and duplicates, so the validator can report them. Numbers
//! keep their source text: seccomp argument values are full `u64`s, which an
//! `f64` cannot hold.

use crate::diag::{Diagnostic, FileId, Span};

pub use crate::diag::codes::JSON_SYNTAX;

/// Nesting deeper than this is refused (with a diagnostic) instead of
/// recursing until the stack runs out.
const MAX_DEPTH: usize = 128;

#[derive(Clone, Debug, PartialEq)]
pub struct Json {
    pub kind: JsonKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JsonKind {
    Null,
    Bool(bool),
    /// The number as written, e.g. `-1`, `4294967296`, `1.5e3`.
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<Member>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub key: String,
    pub key_span: Span,
    pub value: Json,
}

impl Json {
    /// What the value is, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            JsonKind::Null => "null",
            JsonKind::Bool(_) => "a boolean",
            JsonKind::Number(_) => "a number",
            JsonKind::String(_) => "a string",
            JsonKind::Array(_) => "an array",
            JsonKind::Object(_) => "an object",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            JsonKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// A non-negative integer that fits in `u64`, written without fraction
    /// or exponent.
    pub fn as_u64(&self) -> Option<u64> {
        match &self.kind {
            JsonKind::Number(n) => n.parse().ok(),
            _ => None,
        }
    }
}

/// Parse `text` (the whole file `file`). On a syntax error, returns the
/// diagnostic; JSON has no safe resynchronisation point, so parsing stops at
/// the first one.
pub fn parse(file: FileId, text: &str) -> Result<Json, Box<Diagnostic>> {
    let mut p = Parser {
        file,
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.error_at(
            p.pos,
            p.next_char_end(),
            "unexpected text after the JSON value",
            "expected end of file",
        ));
    }
    Ok(value)
}

struct Parser<'a> {
    file: FileId,
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn next_char_end(&self) -> usize {
        match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            Some(c) => self.pos + c.len_utf8(),
            None => self.pos,
        }
    }

    fn error_at(&self, start: usize, end: usize, msg: &str, label: &str) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error(JSON_SYNTAX, format!("invalid JSON: {msg}"))
                .at(self.span(start, end), label),
        )
    }

    fn unexpected(&self, what: &str) -> Box<Diagnostic> {
        if self.pos >= self.bytes.len() {
            return self.error_at(
                self.pos,
                self.pos,
                "unexpected end of file",
                &format!("expected {what}"),
            );
        }
        let end = self.next_char_end();
        let found = &self.text[self.pos..end];
        self.error_at(
            self.pos,
            end,
            &format!("unexpected `{found}`"),
            &format!("expected {what}"),
        )
    }

    fn trailing_comma(&self) -> Box<Diagnostic> {
        let comma = self.text[..self.pos].rfind(',').unwrap_or(self.pos);
        Box::new(
            Diagnostic::error(JSON_SYNTAX, "invalid JSON: trailing comma")
                .at(self.span(comma, comma + 1), "remove this comma")
                .with_help("JSON allows no comma after the last element"),
        )
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.bytes.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Json, Box<Diagnostic>> {
        if depth > MAX_DEPTH {
            return Err(self.error_at(
                self.pos,
                self.next_char_end(),
                &format!("nested more than {MAX_DEPTH} levels deep"),
                "too deep",
            ));
        }
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => JsonKind::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b't') => self.literal("true", JsonKind::Bool(true))?,
            Some(b'f') => self.literal("false", JsonKind::Bool(false))?,
            Some(b'n') => self.literal("null", JsonKind::Null)?,
            _ => return Err(self.unexpected("a value")),
        };
        Ok(Json {
            kind,
            span: self.span(start, self.pos),
        })
    }

    fn literal(&mut self, word: &str, kind: JsonKind) -> Result<JsonKind, Box<Diagnostic>> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(kind)
        } else {
            let start = self.pos;
            let mut end = start;
            while end < self.bytes.len() && self.bytes[end].is_ascii_alphanumeric() {
                end += 1;
            }
            let end = end.max(self.next_char_end());
            Err(self.error_at(
                start,
                end,
                &format!("unexpected `{}`", &self.text[start..end]),
                "expected a value",
            ))
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonKind, Box<Diagnostic>> {
        self.pos += 1; // {
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(JsonKind::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') && !members.is_empty() {
                return Err(self.trailing_comma());
            }
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a member name in double quotes"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = self.span(key_start, self.pos);
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.unexpected("`:`"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(JsonKind::Object(members));
                }
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonKind, Box<Diagnostic>> {
        self.pos += 1; // [
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(JsonKind::Array(items));
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') && !items.is_empty() {
                return Err(self.trailing_comma());
            }
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(JsonKind::Array(items));
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Box<Diagnostic>> {
        let start = self.pos;
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.error_at(
                start - 2,
                self.next_char_end(),
                "bad `\\u` escape",
                "expected four hex digits",
            )),
        }
    }

    fn string(&mut self) -> Result<String, Box<Diagnostic>> {
        let open = self.pos;
        self.pos += 1; // "
        let mut out = String::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error_at(
                    open,
                    self.pos,
                    "unterminated string",
                    "string starts here",
                ));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let esc_start = self.pos;
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.error_at(
                            open,
                            self.pos,
                            "unterminated string",
                            "string starts here",
                        ));
                    };
                    self.pos = self.next_char_end();
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                // A surrogate pair: `\uD83D\uDE00`.
                                if self.text[self.pos..].starts_with("\\u") {
                                    self.pos += 2;
                                    let lo = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&lo) {
                                        char::from_u32(
                                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00),
                                        )
                                    } else {
                                        None
                                    }
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            match c {
                                Some(c) => out.push(c),
                                None => {
                                    return Err(self.error_at(
                                        esc_start,
                                        self.pos,
                                        "unpaired UTF-16 surrogate in `\\u` escape",
                                        "not a character",
                                    ))
                                }
                            }
                        }
                        _ => {
                            return Err(self.error_at(
                                esc_start,
                                self.pos,
                                "unknown escape in string",
                                "not a JSON escape",
                            ));
                        }
                    }
                }
                0x00..=0x1f => {
                    return Err(self.error_at(
                        self.pos,
                        self.pos + 1,
                        "control character in string",
                        "escape it, e.g. `\\n`",
                    ));
                }
                _ => {
                    let end = self.next_char_end();
                    out.push_str(&self.text[self.pos..end]);
                    self.pos = end;
                }
            }
        }
    }

    fn number(&mut self) -> Result<JsonKind, Box<Diagnostic>> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return Err(self.unexpected("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit after `.`"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit in the exponent"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if self.bytes[int_start] == b'0' && matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.error_at(
                int_start,
                self.pos + 1,
                "leading zero in number",
                "JSON numbers have no leading zeros",
            ));
        }
        Ok(JsonKind::Number(self.text[start..self.pos].to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceMap;

    fn parse_str(text: &str) -> Result<Json, Box<Diagnostic>> {
        let mut sources = SourceMap::new();
        let f = sources.add("t.json", text);
        parse(f, text)
    }

    #[test]
    fn values_and_spans() {
        let text = r#" {"a": [1, -2.5e3, "x\u00e9\ud83d\ude00"], "b": {"c": null, "d": true}} "#;
        let v = parse_str(text).expect("valid");
        assert_eq!(&text[v.span.range()], &text[1..text.len() - 1]);
        let JsonKind::Object(m) = &v.kind else {
            panic!("object")
        };
        assert_eq!(m[0].key, "a");
        assert_eq!(&text[m[0].key_span.range()], "\"a\"");
        let JsonKind::Array(items) = &m[0].value.kind else {
            panic!("array")
        };
        assert_eq!(items[1].kind, JsonKind::Number("-2.5e3".into()));
        assert_eq!(items[2].as_str(), Some("xé😀"));
        assert_eq!(&text[items[2].span.range()], r#""x\u00e9\ud83d\ude00""#);
    }

    #[test]
    fn u64_values_are_exact() {
        let v = parse_str("18446744073709551615").expect("valid");
        assert_eq!(v.as_u64(), Some(u64::MAX));
        assert_eq!(
            parse_str("18446744073709551616").expect("valid").as_u64(),
            None
        );
        assert_eq!(parse_str("1.0").expect("valid").as_u64(), None);
    }

    #[test]
    fn syntax_errors_point_at_the_problem() {
        let cases = [
            ("{\"a\": 1,}", "trailing comma", 7..8),
            ("[1,]", "trailing comma", 2..3),
            ("[1 2]", "unexpected `2`", 3..4),
            ("{\"a\" 1}", "unexpected `1`", 5..6),
            ("\"abc", "unterminated string", 0..4),
            ("01", "leading zero in number", 0..2),
            ("tru", "unexpected `tru`", 0..3),
            ("[1] x", "unexpected text after the JSON value", 4..5),
            ("", "unexpected end of file", 0..0),
            ("\"\\x\"", "unknown escape in string", 1..3),
            ("\"\\é\"", "unknown escape in string", 1..4),
        ];
        for (text, msg, range) in cases {
            let d = parse_str(text).expect_err(text);
            assert_eq!(d.message, format!("invalid JSON: {msg}"), "{text}");
            assert_eq!(
                d.primary.as_ref().map(|l| l.span.range()),
                Some(range),
                "{text}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let d = parse_str(&text).expect_err("too deep");
        assert!(d.message.contains("nested more than"));
    }
}
