//! File rules on their own: the permission string, exec qualifiers, link
//! and transition forms, and the path glob.

use super::Checker;
use crate::diag::{Diagnostic, Span};
use crate::syntax::ast::*;

pub use crate::diag::codes::APPEND_WRITE_CONFLICT as APPEND_WRITE;
pub use crate::diag::codes::CONFLICTING_EXEC_MODES as EXEC_CONFLICT;
pub use crate::diag::codes::DENY_EXEC_QUALIFIER;
pub use crate::diag::codes::DEPRECATED_UPPERCASE_PERMISSION as UPPERCASE_PERMS;
pub use crate::diag::codes::EXEC_NEEDS_QUALIFIER as BARE_EXEC;
pub use crate::diag::codes::LINK_EXEC_TRANSITION as LINK_EXEC_TARGET;
pub use crate::diag::codes::RELATIVE_PATH;
pub use crate::diag::codes::SUBSET_WITHOUT_LINK as SUBSET_NOT_LINK;
pub use crate::diag::codes::UNSAFE_WITHOUT_EXEC as UNSAFE_NO_EXEC;

/// How an executed file is confined.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExecMode {
    /// `i`, `p`, `c`, `u` (lower case), with a fallback for `pix`, `cux`...
    pub kind: char,
    pub fallback: Option<char>,
    /// Environment not scrubbed (`px` vs `Px`, or `unsafe`).
    pub unsafe_: bool,
    pub fallback_unsafe: bool,
}

/// The permission string split into its parts, without allocating: it is
/// split for every file rule, twice (issue 13).
#[derive(Debug, Clone, Copy)]
pub struct Perms<'a> {
    text: &'a str,
    /// The plain (non-exec) permissions as a set of ASCII codes; a non-ASCII
    /// byte is counted but names no permission.
    plain_set: u128,
    /// How many plain permission bytes, repeats included.
    pub plain_len: usize,
    pub has_exec: bool,
}

impl<'a> Perms<'a> {
    /// A plain permission, in either case.
    pub fn has(&self, ch: char) -> bool {
        let bit = |c: char| (c as u32) < 128 && self.plain_set & (1u128 << c as u32) != 0;
        bit(ch.to_ascii_lowercase()) || bit(ch.to_ascii_uppercase())
    }

    /// The exec tokens (`x`, `ix`, `Pux`...) with their byte offset in the
    /// permission word, in order.
    pub fn exec(&self) -> impl Iterator<Item = (&'a str, usize)> + 'a {
        let text = self.text;
        perm_tokens(text)
            .filter(|&(_, _, exec)| exec)
            .map(move |(at, len, _)| (text.get(at..at + len).unwrap_or_default(), at))
    }
}

/// The tokens of a permission word as (offset, byte length, is exec): an
/// exec token is `x`, or `p`/`c`/`i`/`u` then `x`, or `p`/`c` then `i`/`u`
/// then `x` (any case); every other byte is a plain permission of its own.
fn perm_tokens(s: &str) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
    let b = s.as_bytes();
    let is_x = |c: u8| c == b'x' || c == b'X';
    let is_pc = |c: u8| matches!(c, b'p' | b'P' | b'c' | b'C');
    let is_iu = |c: u8| matches!(c, b'i' | b'I' | b'u' | b'U');
    let mut i = 0;
    std::iter::from_fn(move || {
        let c = *b.get(i)?;
        let n1 = b.get(i + 1).copied().unwrap_or(0);
        let n2 = b.get(i + 2).copied().unwrap_or(0);
        let (len, exec) = if is_pc(c) && is_iu(n1) && is_x(n2) {
            (3, true)
        } else if (is_pc(c) || is_iu(c)) && is_x(n1) {
            (2, true)
        } else {
            (1, is_x(c))
        };
        let at = i;
        i += len;
        Some((at, len, exec))
    })
}

pub fn split_perms(s: &str) -> Perms<'_> {
    let mut p = Perms {
        text: s,
        plain_set: 0,
        plain_len: 0,
        has_exec: false,
    };
    for (at, _, exec) in perm_tokens(s) {
        if exec {
            p.has_exec = true;
        } else {
            p.plain_len += 1;
            if let Some(&c) = s.as_bytes().get(at).filter(|c| c.is_ascii()) {
                p.plain_set |= 1u128 << c;
            }
        }
    }
    p
}

/// The exec mode of a token such as `Pix`: lower case leaves the
/// environment unscrubbed, as does the `unsafe` keyword; `safe` scrubs.
pub fn exec_mode(token: &str, safety: Option<ExecSafety>) -> Option<ExecMode> {
    // Exec tokens are ASCII (see `perm_tokens`): bytes are chars.
    let b = token.as_bytes();
    if b.len() < 2 {
        return None;
    }
    let kind = b[0] as char;
    let fallback = (b.len() == 3).then(|| b[1] as char);
    let mut unsafe_ = kind.is_ascii_lowercase() && kind != 'i';
    let mut fallback_unsafe = fallback.is_some_and(|f| f.is_ascii_lowercase());
    match safety {
        Some(ExecSafety::Unsafe) => {
            unsafe_ = !kind.eq_ignore_ascii_case(&'i');
            fallback_unsafe = fallback.is_some();
        }
        Some(ExecSafety::Safe) => {
            unsafe_ = false;
            fallback_unsafe = false;
        }
        None => {}
    }
    Some(ExecMode {
        kind: kind.to_ascii_lowercase(),
        fallback: fallback.map(|f| f.to_ascii_lowercase()),
        unsafe_,
        fallback_unsafe,
    })
}

fn sub(w: &Word, offset: usize, len: usize) -> Span {
    // Quoted permission words do not exist; offsets map into the source.
    Span::new(
        w.span.file,
        w.span.start as usize + offset,
        w.span.start as usize + offset + len,
    )
}

/// A file rule's exec permissions, for the checks of the qualifier blocks
/// around it.
pub struct ExecInfo {
    /// An exec type (`ix`, `Px`, ... or `unsafe`) is named.
    pub typed: bool,
    /// The first typed token (or `unsafe`), else the bare `x`.
    pub at: Span,
    /// An exec error was reported for the rule on its own.
    pub reported: bool,
}

/// `file,` in a deny rule: it grants `ix`, an exec type.
pub fn deny_bare_file(span: Span) -> Diagnostic {
    Diagnostic::error(
        DENY_EXEC_QUALIFIER,
        "`deny file,` denies `ix`, and deny rules take no exec qualifier",
    )
    .at(span, "`file,` is `/{**,} rwlkm ix`")
    .with_help("name the permissions to deny, e.g. `deny /** rwlkmx,`")
}

/// The rule on its own, with its own prefix: `own_deny` is the rule's own
/// `deny` (apparmor_parser 4.1 checks exec permissions once for the rule as
/// written and again for every qualifier block around it, in the block's
/// mode). Returns its exec permissions, if any.
pub fn check(c: &mut Checker, f: &FileRule, own_deny: bool) -> Option<ExecInfo> {
    check_path(c, &f.path);
    let perms = split_perms(f.perms.value());
    let deny = own_deny;
    if perms.has('a') && perms.has('w') {
        c.diags.push(
            Diagnostic::error(APPEND_WRITE, "`a` (append) and `w` (write) conflict")
                .at(f.perms.span, "both `a` and `w`")
                .with_help("`w` already allows appending: drop the `a`"),
        );
    }
    for (i, ch) in f.perms.value().char_indices() {
        if matches!(ch, 'R' | 'W' | 'M' | 'L') {
            c.diags.push(
                Diagnostic::warning(UPPERCASE_PERMS, format!("upper-case `{ch}` is deprecated"))
                    .at(sub(&f.perms, i, 1), "deprecated spelling")
                    .with_help(format!("write `{}`", ch.to_ascii_lowercase())),
            );
        }
    }
    let unsafe_kw = match f.safety.as_deref().copied() {
        Some((ExecSafety::Unsafe, s)) => Some(s),
        _ => None,
    };
    let mut info: Option<ExecInfo> = None;
    let errors_before = c.diags.len();
    let mut mode: Option<(ExecMode, Span)> = None;
    for (tok, at) in perms.exec() {
        let span = sub(&f.perms, at, tok.len());
        let typed = tok.len() > 1 || unsafe_kw.is_some();
        match &mut info {
            None => {
                info = Some(ExecInfo {
                    typed,
                    at: if tok.len() == 1 {
                        unsafe_kw.unwrap_or(span)
                    } else {
                        span
                    },
                    reported: false,
                })
            }
            Some(i) if typed && !i.typed => {
                i.typed = true;
                i.at = span;
            }
            Some(_) => {}
        }
        if tok.len() == 1 {
            // Only a deny rule or an `unsafe` one takes a bare `x`; a
            // target does not make one valid (apparmor_parser 4.1 refuses
            // `/a x -> b,` and `safe /a x,`, accepts `unsafe /a x,`).
            if !own_deny && unsafe_kw.is_none() {
                c.diags.push(
                    Diagnostic::error(BARE_EXEC, "`x` needs an exec qualifier")
                        .at(span, "how should the program run?")
                        .with_help("write `ix` (inherit this profile), `px`/`Px` (its own profile), `cx`/`Cx` (a child profile) or `ux`/`Ux` (unconfined)"),
                );
            } else if own_deny {
                if let Some(u) = unsafe_kw {
                    // `unsafe` is an exec type to the reference.
                    c.diags.push(
                        Diagnostic::error(DENY_EXEC_QUALIFIER, "deny rules cannot be `unsafe`")
                            .at(u, "`unsafe` in a deny rule")
                            .with_help("a denied exec has no transition: remove `unsafe`"),
                    );
                }
            }
            continue;
        }
        if deny {
            c.diags.push(
                Diagnostic::error(
                    DENY_EXEC_QUALIFIER,
                    format!("deny rules take a plain `x`, not `{tok}`"),
                )
                .at(span, "qualifier in a deny rule")
                .with_help("a denied exec has no transition: write `x`"),
            );
            continue;
        }
        let Some(m) = exec_mode(tok, f.safety.as_deref().map(|s| s.0)) else {
            continue;
        };
        match &mode {
            Some((prev, prev_span)) if *prev != m => c.diags.push(
                Diagnostic::error(
                    EXEC_CONFLICT,
                    format!("conflicting exec modes in `{}`", f.perms.value()),
                )
                .at(span, "second exec mode")
                .with_secondary(*prev_span, "first exec mode")
                .with_help("one rule gives one way to run a program: keep one of them"),
            ),
            Some(_) => {}
            None => mode = Some((m, span)),
        }
    }
    if let Some(i) = &mut info {
        i.reported = c.diags[errors_before..]
            .iter()
            .any(|d| d.code == BARE_EXEC || d.code == DENY_EXEC_QUALIFIER);
    }
    if let Some(&(s, span)) = f.safety.as_deref() {
        if !perms.has_exec {
            let word = if s == ExecSafety::Safe {
                "safe"
            } else {
                "unsafe"
            };
            c.diags.push(
                Diagnostic::error(UNSAFE_NO_EXEC, format!("`{word}` needs an exec permission"))
                    .at(span, "no exec permission in this rule")
                    .with_help(format!(
                        "remove `{word}`, or add an exec permission such as `px`"
                    )),
            );
        }
    }
    let link = perms.has('l');
    if let Some(&s) = f.subset.as_deref() {
        if !link || perms.plain_len > 1 || perms.has_exec {
            c.diags.push(
                Diagnostic::error(SUBSET_NOT_LINK, "`subset` applies only to link rules")
                    .at(s, "not a link rule")
                    .with_help("use `l` alone with `subset`, or write `link subset A -> B,`"),
            );
        }
    }
    if let Some(t) = &f.target {
        if f.perms_first && link && perms.has_exec {
            c.diags.push(
                Diagnostic::error(
                    LINK_EXEC_TARGET,
                    "link and exec permissions conflict on a rule with `->`",
                )
                .at(f.perms.span, "both `l` and exec")
                .with_secondary(t.span, "is this a link target or a profile transition?")
                .with_help("split it into a link rule and an exec rule"),
            );
        }
        // An exec target names a profile: apparmor_parser 4.1 neither
        // expands nor compiles it as a glob. A link target is a path.
        if link && !perms.has_exec && !f.perms_first {
            c.check_glob(t);
        }
    }
    info
}

/// A file path must be absolute (or start with a variable) and a valid glob.
pub fn check_path(c: &mut Checker, w: &Word) {
    let v = &w.value();
    // Checked with the glob, after parsing: not in what the reference
    // drops once parsed.
    if !c.compiled {
        return;
    }
    // A bare identifier (a letter, then letters, digits, `_`) is a token
    // apparmor_parser 4.1 takes as a path: `rel r,` is accepted.
    let identifier = !w.quoted()
        && w.raw().starts_with(|c: char| c.is_ascii_alphabetic())
        && w.raw()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !(v.starts_with('/') || v.starts_with("@{") || v.starts_with('{') || identifier) {
        c.diags.push(
            Diagnostic::error(
                RELATIVE_PATH,
                format!("`{}` is not an absolute path", w.raw()),
            )
            .at(w.span, "file rules need an absolute path")
            .with_help("begin the path with `/` or a variable such as `@{HOME}`"),
        );
        return;
    }
    c.check_glob(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> (Vec<char>, usize, Vec<(&str, usize)>) {
        let p = split_perms(s);
        let plain = "rwamlkRWAMLKz".chars().filter(|&c| p.has(c)).collect();
        (plain, p.plain_len, p.exec().collect())
    }

    #[test]
    fn split_perms_tokens() {
        // `has` ignores case: `r` finds `R` and the other way round.
        assert_eq!(
            parts("rwPix"),
            (vec!['r', 'w', 'R', 'W'], 2, vec![("Pix", 2)])
        );
        assert_eq!(parts("Cx"), (vec![], 0, vec![("Cx", 0)]));
        assert_eq!(parts("ix"), (vec![], 0, vec![("ix", 0)]));
        assert_eq!(
            parts("mrwlk"),
            (
                vec!['r', 'w', 'm', 'l', 'k', 'R', 'W', 'M', 'L', 'K'],
                5,
                vec![]
            )
        );
        assert_eq!(parts("pux"), (vec![], 0, vec![("pux", 0)]));
        assert_eq!(
            parts("rxixX"),
            (vec!['r', 'R'], 1, vec![("x", 1), ("ix", 2), ("X", 4)])
        );
        // `rr` counts twice; a non-ASCII byte is a plain permission of none.
        let p = split_perms("rré");
        assert_eq!((p.plain_len, p.has_exec, p.has('r')), (4, false, true));
        assert!(!split_perms("").has_exec);
    }

    #[test]
    fn exec_modes() {
        let m = |t, s| exec_mode(t, s).map(|m| (m.kind, m.fallback, m.unsafe_, m.fallback_unsafe));
        assert_eq!(m("x", None), None);
        assert_eq!(m("Pix", None), Some(('p', Some('i'), false, true)));
        assert_eq!(m("pux", None), Some(('p', Some('u'), true, true)));
        assert_eq!(m("Cx", None), Some(('c', None, false, false)));
        assert_eq!(m("ix", None), Some(('i', None, false, false)));
        assert_eq!(
            m("Px", Some(ExecSafety::Unsafe)),
            Some(('p', None, true, false))
        );
        assert_eq!(
            m("cix", Some(ExecSafety::Safe)),
            Some(('c', Some('i'), false, false))
        );
    }
}
