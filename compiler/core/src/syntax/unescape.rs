//! Decoding of quoted strings and backslash escapes in names and paths.

/// The meaning of a token: surrounding quotes removed, escapes decoded.
/// `\\` and `\"` stay escaped-free here; glob escapes such as `\*` keep
/// their backslash, since they mean a literal `*` to the matcher.
pub fn unescape(raw: &str) -> String {
    let inner = if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        &raw[1..raw.len() - 1]
    } else {
        raw
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            Some('t') => {
                chars.next();
                out.push('\t');
            }
            Some('r') => {
                chars.next();
                out.push('\r');
            }
            Some(d @ '0'..='7') => {
                let mut n = d.to_digit(8).unwrap_or(0);
                chars.next();
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(v) => {
                            n = n * 8 + v;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(n).unwrap_or('\u{fffd}'));
            }
            Some(e @ (' ' | '"' | '!' | ',' | '#' | '(' | ')' | '\t')) => {
                chars.next();
                out.push(e);
            }
            Some(other) => {
                chars.next();
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn decodes() {
        assert_eq!(unescape("\"/a b\""), "/a b");
        assert_eq!(unescape("/abc\\ def"), "/abc def");
        assert_eq!(unescape("/bin/\\141bcde"), "/bin/abcde");
        assert_eq!(unescape("/a\\*b"), "/a\\*b");
        assert_eq!(unescape("\"/alpha\\rbeta\""), "/alpha\rbeta");
    }
}
