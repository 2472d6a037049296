//! pest parse tree -> [`ast`] with syntax diagnostics.

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

use super::ast::{self, *};
use super::codes;
use super::unescape;
use crate::diag::{Diagnostic, FileId, Span};

#[derive(Parser)]
#[grammar = "../../../grammar/apparmor.pest"]
struct AppArmorParser;

/// Where a text stands: a whole policy file, or an include read inside a
/// profile (whose items are rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    Top,
    Body,
}

/// Parse one AppArmor file. Never fails: regions that do not parse become
/// [`Item::Error`] with a diagnostic each, and parsing goes on after them.
pub fn parse_apparmor(file: FileId, text: &str, context: Context) -> (File, Vec<Diagnostic>) {
    let mut b = Builder {
        file,
        text,
        diags: Vec::new(),
        syntax_errors: 0,
        unclosed_seen: false,
    };
    if let Some(at) = too_deep(text) {
        b.diags.push(
            Diagnostic::error(
                codes::TOO_DEEP,
                format!("braces and parentheses nest more than {MAX_DEPTH} levels deep"),
            )
            .at(Span::new(file, at, at + 1), "too deep")
            .with_help("no real profile nests this deep; is a `}` missing?"),
        );
        let comments = find_comments(file, text, &[]);
        return (
            File {
                file,
                items: Vec::new(),
                comments,
            },
            b.diags,
        );
    }
    let entry = match context {
        Context::Top => Rule::file,
        Context::Body => Rule::body_file,
    };
    let mut tokens = Vec::new();
    let items = match AppArmorParser::parse(entry, text) {
        Ok(mut pairs) => {
            tokens = token_spans(pairs.clone());
            match pairs.next() {
                Some(file_pair) => b.items(file_pair.into_inner()),
                None => Vec::new(),
            }
        }
        // Recovery makes `file` total except for pathological input; report
        // pest's error as it is.
        Err(e) => {
            let d = b.pest_error(&e, 0);
            b.diags.push(d);
            Vec::new()
        }
    };
    let comments = find_comments(file, text, &tokens);
    let file = File {
        file,
        items,
        comments,
    };
    b.diags.extend(super::comments::misplaced(&file));
    (file, b.diags)
}

/// Deeper nesting than any real policy (the parser suite's stress case
/// nests 101 deep); refusing it keeps the recursive parser and checker
/// within the stack `driver` gives them.
const MAX_DEPTH: usize = 1024;

/// Offset of the first `{` or `(` nesting beyond [`MAX_DEPTH`] (quotes and
/// comments skipped; both kinds count together).
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_quote = false;
    let mut in_comment = false;
    let mut prev = 0u8;
    for (i, &c) in text.as_bytes().iter().enumerate() {
        match c {
            b'\n' => in_comment = false,
            _ if in_comment => {}
            b'"' if prev != b'\\' => in_quote = !in_quote,
            _ if in_quote => {}
            b'#' if prev.is_ascii_whitespace() || i == 0 => in_comment = true,
            b'{' | b'(' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b'}' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
    }
    None
}

/// Spans of the tokens of a parse tree (its leaves, in source order): no
/// comment starts inside one. Containers that may be empty (`{ }`, `( )`,
/// an empty prefix) are not tokens.
fn token_spans(pairs: pest::iterators::Pairs<Rule>) -> Vec<(usize, usize)> {
    pairs
        .flatten()
        .filter(|p| {
            !matches!(
                p.as_rule(),
                Rule::block | Rule::error_block | Rule::paren_list | Rule::access | Rule::prefix
            ) && p.clone().into_inner().next().is_none()
        })
        .map(|p| (p.as_span().start(), p.as_span().end()))
        .collect()
}

/// Comment spans: a `#` outside every token, up to the end of the line, as
/// in `/a r,#note`. Without tokens (no parse tree), a `#` at a token start.
fn find_comments(file: FileId, text: &str, tokens: &[(usize, usize)]) -> Vec<Span> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_quote = false;
    let mut t = 0;
    while i < bytes.len() {
        if !tokens.is_empty() {
            while t < tokens.len() && tokens[t].1 <= i {
                t += 1;
            }
            if let Some(&(start, end)) = tokens.get(t) {
                if start <= i && i < end {
                    i = end;
                    continue;
                }
            }
        }
        let c = bytes[i];
        if c == b'"' && tokens.is_empty() && (i == 0 || bytes[i - 1] != b'\\') {
            in_quote = !in_quote;
        } else if c == b'#'
            && !in_quote
            && (!tokens.is_empty() || i == 0 || bytes[i - 1].is_ascii_whitespace())
            && !text[i..].starts_with("#include")
        {
            let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
            out.push(Span::new(file, i, end));
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// Syntax errors reported per file; past this, recovery goes on silently
/// (a garbled file would otherwise print its long lines once per error).
const MAX_SYNTAX_ERRORS: usize = 50;

struct Builder<'t> {
    file: FileId,
    text: &'t str,
    diags: Vec<Diagnostic>,
    syntax_errors: usize,
    unclosed_seen: bool,
}

type P<'i> = Pair<'i, Rule>;

impl<'t> Builder<'t> {
    fn span(&self, p: &P) -> Span {
        let s = p.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn word(&self, p: &P) -> Word {
        let raw = p.as_str().to_string();
        Word {
            value: unescape(&raw),
            quoted: raw.starts_with('"'),
            raw,
            span: self.span(p),
        }
    }

    fn items(&mut self, pairs: pest::iterators::Pairs<'t, Rule>) -> Vec<Item> {
        let mut out = Vec::new();
        for p in pairs {
            if let Some(item) = self.item(p) {
                out.push(item);
            }
        }
        out
    }

    fn item(&mut self, p: P<'t>) -> Option<Item> {
        Some(match p.as_rule() {
            Rule::include => Item::Include(self.include(p)),
            Rule::abi_rule => {
                let span = self.span(&p);
                let t = p
                    .into_inner()
                    .find(|q| q.as_rule() == Rule::include_target)?;
                let (target, target_span) = self.include_target(t);
                Item::Abi(Abi {
                    span,
                    target,
                    target_span,
                })
            }
            Rule::alias_rule => {
                let span = self.span(&p);
                let words: Vec<_> = p
                    .into_inner()
                    .filter(|q| q.as_rule() == Rule::word)
                    .collect();
                Item::Alias(Alias {
                    span,
                    from: self.word(&words[0]),
                    to: self.word(&words[1]),
                })
            }
            Rule::set_assign => Item::SetAssign(self.set_assign(p)),
            Rule::bool_assign => Item::BoolAssign(self.bool_assign(p)),
            Rule::profile => Item::Profile(self.profile(p)),
            Rule::qualified => self.qualified(p),
            Rule::if_rule => Item::If(self.if_rule(p)),
            Rule::rlimit_rule => {
                let span = self.span(&p);
                let mut name = None;
                let mut value = None;
                let mut unit = None;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::rlimit_name => name = Some(self.word(&q)),
                        Rule::rlimit_value => value = Some(self.word(&q)),
                        Rule::rlimit_unit => unit = Some(self.word(&q)),
                        _ => {}
                    }
                }
                Item::Rlimit(Rlimit {
                    span,
                    name: name?,
                    value: value?,
                    unit,
                })
            }
            Rule::top_error | Rule::body_error => self.error_region(p),
            Rule::unclosed => {
                self.unclosed(&p);
                return None;
            }
            Rule::EOI => return None,
            _ => return None,
        })
    }

    fn include_target(&self, p: P) -> (IncludeTarget, Span) {
        let span = self.span(&p);
        let inner = p.into_inner().next();
        let target = match inner {
            Some(q) if q.as_rule() == Rule::angle_target => {
                let s = q.as_str();
                let name = s[1..s.len() - 1].trim();
                IncludeTarget::Search(unescape(name))
            }
            Some(q) => IncludeTarget::Path(unescape(q.as_str())),
            None => IncludeTarget::Path(String::new()),
        };
        (target, span)
    }

    fn include(&mut self, p: P) -> Include {
        let span = self.span(&p);
        let mut hash = None;
        let mut if_exists = false;
        let mut target = (IncludeTarget::Path(String::new()), span);
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::hash_include => hash = Some(self.span(&q)),
                Rule::if_exists => if_exists = true,
                Rule::include_target => target = self.include_target(q),
                _ => {}
            }
        }
        if let Some(h) = hash {
            self.diags.push(
                Diagnostic::warning(codes::DEPRECATED_HASH_INCLUDE, "`#include` is deprecated")
                    .at(h, "deprecated spelling")
                    .with_help("write `include` without the `#`"),
            );
        }
        Include {
            span,
            target: target.0,
            target_span: target.1,
            if_exists,
            hash,
        }
    }

    fn assign_op(&self, p: &P) -> AssignOp {
        match p.as_str() {
            "+=" => AssignOp::Add,
            "?=" => AssignOp::SetIfUnset,
            ":=" => AssignOp::Override,
            _ => AssignOp::Set,
        }
    }

    fn trailing_comma(&mut self, p: &P) -> Span {
        let s = self.span(p);
        self.diags.push(
            Diagnostic::error(
                codes::TRAILING_COMMA_IN_ASSIGNMENT,
                "variable declarations do not take a trailing comma",
            )
            .at(s, "remove this comma")
            .with_help("an assignment ends at the end of its line"),
        );
        s
    }

    fn set_assign(&mut self, p: P) -> SetAssign {
        let span = self.span(&p);
        let mut var = None;
        let mut op = (AssignOp::Set, span);
        let mut values = Vec::new();
        let mut trailing_comma = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::set_var => var = Some(self.word(&q)),
                Rule::assign_op => op = (self.assign_op(&q), self.span(&q)),
                Rule::assign_value => values.push(self.word(&q)),
                Rule::assign_comma => trailing_comma = Some(self.trailing_comma(&q)),
                _ => {}
            }
        }
        let var = var.unwrap_or_else(|| self.missing_word(span));
        if values.is_empty() && trailing_comma.is_none() {
            self.diags.push(
                Diagnostic::error(
                    codes::EMPTY_ASSIGNMENT,
                    format!("`{}` is assigned no value", var.raw),
                )
                .at(op.1, "expected values after this")
                .with_help("list one or more values on the same line"),
            );
        }
        SetAssign {
            span,
            name: var_name(&var.raw),
            var,
            op: op.0,
            op_span: op.1,
            values,
            trailing_comma,
        }
    }

    fn bool_assign(&mut self, p: P) -> BoolAssign {
        let span = self.span(&p);
        let mut var = None;
        let mut op = (AssignOp::Set, span);
        let mut expr = None;
        let mut trailing_comma = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::bool_var => var = Some(self.word(&q)),
                Rule::assign_op => op = (self.assign_op(&q), self.span(&q)),
                Rule::line_expr => expr = Some(self.expr(q)),
                Rule::assign_comma => trailing_comma = Some(self.trailing_comma(&q)),
                _ => {}
            }
        }
        let var = var.unwrap_or_else(|| self.missing_word(span));
        let expr = expr.unwrap_or_else(|| Expr::Operand(self.missing_word(span)));
        BoolAssign {
            span,
            name: var_name(&var.raw),
            var,
            op: op.0,
            op_span: op.1,
            expr,
            trailing_comma,
        }
    }

    fn missing_word(&self, span: Span) -> Word {
        Word {
            raw: String::new(),
            value: String::new(),
            quoted: false,
            span: Span::new(span.file, span.start as usize, span.start as usize),
        }
    }

    fn profile(&mut self, p: P<'t>) -> Profile {
        let span = self.span(&p);
        let mut keyword = ProfileKeyword::None;
        let mut keyword_span = None;
        let mut name = None;
        let mut attachment = None;
        let mut xattrs = None;
        let mut flags = None;
        let mut identities = Vec::new();
        let mut items = Vec::new();
        let mut braces = Vec::new();
        // `keyword_head` holds the keyword and the name.
        let pairs = p.into_inner().flat_map(|q| {
            if q.as_rule() == Rule::keyword_head {
                q.into_inner().collect::<Vec<_>>()
            } else {
                vec![q]
            }
        });
        for q in pairs {
            match q.as_rule() {
                Rule::k_profile => {
                    keyword = ProfileKeyword::Profile;
                    keyword_span = Some(self.span(&q));
                }
                Rule::k_hat => {
                    keyword = ProfileKeyword::Hat;
                    keyword_span = Some(self.span(&q));
                }
                Rule::caret_name => {
                    keyword = ProfileKeyword::Caret;
                    let s = self.span(&q);
                    keyword_span =
                        Some(Span::new(self.file, s.start as usize, s.start as usize + 1));
                    let raw = q.as_str()[1..].to_string();
                    name = Some(Word {
                        value: unescape(&raw),
                        quoted: raw.starts_with('"'),
                        raw,
                        span: Span::new(self.file, s.start as usize + 1, s.end as usize),
                    });
                }
                Rule::profile_name | Rule::bare_profile_name => name = Some(self.word(&q)),
                Rule::attachment => attachment = Some(self.word(&q)),
                Rule::xattrs => {
                    if let Some(l) = q.into_inner().next() {
                        xattrs = Some(self.paren_list(l));
                    }
                }
                Rule::flags => {
                    if let Some(l) = q.into_inner().next() {
                        flags = Some(self.paren_list(l));
                    }
                }
                Rule::identities => {
                    if let Some(l) = q.into_inner().next() {
                        identities.push(self.paren_list(l));
                    }
                }
                _ => {
                    if let Some(item) = self.item(q) {
                        items.push(item);
                    }
                }
            }
        }
        // The braces are the first `{` after the header and the last `}`.
        let body = &self.text[span.range()];
        let header_end = attachment
            .as_ref()
            .map(|w| w.span.end)
            .max(flags.as_ref().map(|f| f.span.end))
            .max(identities.last().map(|f| f.span.end))
            .max(xattrs.as_ref().map(|f| f.span.end))
            .or(name.as_ref().map(|w| w.span.end))
            .unwrap_or(span.start) as usize;
        let open = self.text[header_end..span.end as usize]
            .find('{')
            .map_or(span.start as usize, |i| header_end + i);
        braces.push(Span::new(self.file, open, open + 1));
        let close = span.start as usize + body.rfind('}').unwrap_or(0);
        Profile {
            span,
            keyword,
            keyword_span,
            name: name.unwrap_or_else(|| self.missing_word(span)),
            attachment,
            xattrs,
            identities,
            flags,
            items,
            open_brace: braces[0],
            close_brace: Span::new(self.file, close, close + 1),
        }
    }

    fn prefix(&self, p: P) -> Prefix {
        let mut prefix = Prefix::default();
        for q in p.into_inner() {
            let s = self.span(&q);
            match q.as_rule() {
                Rule::priority => {
                    if let Some(v) = q.into_inner().find(|r| r.as_rule() == Rule::priority_value) {
                        prefix.priority = Some((self.word(&v), s));
                    }
                }
                Rule::k_audit => prefix.audit = Some(s),
                Rule::k_allow => prefix.mode = Some((RuleMode::Allow, s)),
                Rule::k_deny => prefix.mode = Some((RuleMode::Deny, s)),
                Rule::k_prompt => prefix.mode = Some((RuleMode::Prompt, s)),
                Rule::k_owner => prefix.owner = Some((Owner::Owner, s)),
                Rule::k_other => prefix.owner = Some((Owner::Other, s)),
                _ => {}
            }
        }
        prefix
    }

    fn qualified(&mut self, p: P<'t>) -> Item {
        let span = self.span(&p);
        let mut prefix = Prefix::default();
        let mut result = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::prefix => prefix = self.prefix(q),
                Rule::block => {
                    let items = self.items(q.into_inner());
                    result = Some(Item::Block(Block {
                        span,
                        prefix: std::mem::take(&mut prefix),
                        items,
                    }));
                }
                _ => {
                    let rule_span = self.span(&q);
                    let (keyword, kind) = self.rule_kind(q);
                    result = Some(Item::Rule(ast::Rule {
                        span: if prefix.is_empty() { rule_span } else { span },
                        prefix: std::mem::take(&mut prefix),
                        keyword,
                        kind,
                    }));
                }
            }
        }
        result.unwrap_or(Item::Error(span))
    }

    fn access(&self, p: P) -> Access {
        let span = self.span(&p);
        let parenthesized = p.as_str().starts_with('(');
        let words = if parenthesized {
            p.into_inner()
                .filter(|q| q.as_rule() == Rule::list_value)
                .map(|q| self.word(&q))
                .collect()
        } else {
            vec![Word {
                raw: p.as_str().to_string(),
                value: p.as_str().to_string(),
                quoted: false,
                span,
            }]
        };
        Access {
            span,
            words,
            parenthesized,
        }
    }

    fn cond(&self, p: P) -> Cond {
        let span = self.span(&p);
        let mut name = None;
        let mut op = CondOp::Eq;
        let mut value = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::cond_name | Rule::list_cond_name => name = Some(self.word(&q)),
                Rule::k_in => op = CondOp::In,
                Rule::paren_list => value = Some(CondValue::List(self.paren_list(q))),
                Rule::cond_value | Rule::list_value => value = Some(CondValue::One(self.word(&q))),
                _ => {}
            }
        }
        let name = name.unwrap_or_else(|| self.missing_word(span));
        let value = value.unwrap_or_else(|| CondValue::One(self.missing_word(span)));
        Cond {
            span,
            name,
            op,
            value,
        }
    }

    fn paren_list(&self, p: P) -> ParenList {
        let span = self.span(&p);
        let items = p
            .into_inner()
            .map(|q| match q.as_rule() {
                Rule::list_cond => ListItem::Cond(self.cond(q)),
                _ => ListItem::Value(self.word(&q)),
            })
            .collect();
        ParenList { span, items }
    }

    fn rule_kind(&mut self, p: P<'t>) -> (Option<Span>, RuleKind) {
        let kind_rule = p.as_rule();
        let mut keyword = None;
        let mut access = None;
        let mut conds = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut safety = None;
        let mut subset = None;
        let mut arrow = None;
        let mut target = None;
        let mut target_conds = Vec::new();
        let mut perms = None;
        let mut perms_first = false;
        let mut file_keyword = false;
        let mut bare_file = false;
        let mut inner: Vec<P> = p.into_inner().collect();
        // Flatten the file rule's two shapes into one list of parts.
        let mut i = 0;
        while i < inner.len() {
            if matches!(
                inner[i].as_rule(),
                Rule::path_first | Rule::perms_first | Rule::bare_file_rule
            ) {
                let q = inner.remove(i);
                perms_first = q.as_rule() == Rule::perms_first;
                bare_file = q.as_rule() == Rule::bare_file_rule;
                let sub: Vec<P> = q.into_inner().collect();
                for (k, s) in sub.into_iter().enumerate() {
                    inner.insert(i + k, s);
                }
                continue;
            }
            i += 1;
        }
        for q in inner {
            let s = self.span(&q);
            match q.as_rule() {
                Rule::k_file => {
                    file_keyword = true;
                    keyword = Some(s);
                }
                Rule::k_capability
                | Rule::k_network
                | Rule::k_unix
                | Rule::k_dbus
                | Rule::k_signal
                | Rule::k_ptrace
                | Rule::k_userns
                | Rule::k_mqueue
                | Rule::k_io_uring
                | Rule::k_all
                | Rule::k_mount
                | Rule::k_remount
                | Rule::k_umount
                | Rule::k_pivot_root
                | Rule::k_change_profile
                | Rule::k_link => keyword = Some(s),
                Rule::exec_safety => {
                    let v = if q.as_str() == "safe" {
                        ExecSafety::Safe
                    } else {
                        ExecSafety::Unsafe
                    };
                    safety = Some((v, s));
                }
                Rule::k_subset => subset = Some(s),
                Rule::access => access = Some(self.access(q)),
                Rule::cond => {
                    if arrow.is_some() {
                        target_conds.push(self.cond(q));
                    } else {
                        conds.push(self.cond(q));
                    }
                }
                Rule::arrow => arrow = Some(s),
                Rule::target => target = Some(self.word(&q)),
                Rule::file_perms => perms = Some(self.word(&q)),
                Rule::file_path | Rule::net_word | Rule::cap_name | Rule::mount_id => {
                    let w = self.word(&q);
                    if arrow.is_some() && kind_rule != Rule::network_rule {
                        target = Some(w);
                    } else {
                        words.push(w);
                    }
                }
                _ => {}
            }
        }
        let mut words = words.into_iter();
        let kind = match kind_rule {
            Rule::file_rule if bare_file => RuleKind::BareFile,
            Rule::file_rule => {
                let path = words.next();
                match (path, perms) {
                    (Some(path), Some(perms)) => RuleKind::File(FileRule {
                        file_keyword,
                        safety,
                        path,
                        perms,
                        perms_first,
                        subset,
                        target,
                    }),
                    _ => RuleKind::BareFile,
                }
            }
            Rule::link_rule => {
                let path = words.next();
                match (path, target) {
                    (Some(path), Some(target)) => RuleKind::Link {
                        subset,
                        path,
                        target,
                    },
                    _ => RuleKind::All,
                }
            }
            Rule::capability_rule => RuleKind::Capability(words.collect()),
            Rule::network_rule => RuleKind::Network {
                access,
                words: words.collect(),
                conds,
            },
            Rule::unix_rule => mediated(Class::Unix, access, conds),
            Rule::dbus_rule => mediated(Class::Dbus, access, conds),
            Rule::signal_rule => mediated(Class::Signal, access, conds),
            Rule::ptrace_rule => mediated(Class::Ptrace, access, conds),
            Rule::userns_rule => mediated(Class::Userns, access, conds),
            Rule::io_uring_rule => mediated(Class::IoUring, access, conds),
            Rule::mqueue_rule => RuleKind::Mqueue {
                access,
                conds,
                name: words.next(),
            },
            Rule::all_rule => RuleKind::All,
            Rule::mount_rule => RuleKind::Mount {
                conds,
                source: words.next(),
                arrow,
                target_conds,
                target,
            },
            Rule::remount_rule => RuleKind::Remount {
                conds,
                target: words.next(),
            },
            Rule::umount_rule => RuleKind::Umount {
                conds,
                target: words.next(),
            },
            Rule::pivot_root_rule => RuleKind::PivotRoot {
                conds,
                new_root: words.next(),
                target,
            },
            Rule::change_profile_rule => RuleKind::ChangeProfile {
                safety,
                exec: words.next(),
                target,
            },
            _ => RuleKind::All,
        };
        (keyword, kind)
    }

    fn if_rule(&mut self, p: P<'t>) -> IfRule {
        let span = self.span(&p);
        let mut cond = None;
        let mut then = None;
        let mut otherwise = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::expr => cond = Some(self.expr(q)),
                Rule::block => {
                    let s = self.span(&q);
                    let items = self.items(q.into_inner());
                    if then.is_none() {
                        then = Some((items, s));
                    } else {
                        otherwise = Some(Else::Block(items, s));
                    }
                }
                Rule::if_rule => otherwise = Some(Else::If(Box::new(self.if_rule(q)))),
                _ => {}
            }
        }
        let (then, then_span) = then.unwrap_or((Vec::new(), span));
        IfRule {
            span,
            cond: cond.unwrap_or_else(|| Expr::Operand(self.missing_word(span))),
            then,
            then_span,
            otherwise,
        }
    }

    fn expr(&self, p: P) -> Expr {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::expr | Rule::expr_term | Rule::line_expr | Rule::lx_term => {
                let is_or = matches!(p.as_rule(), Rule::expr | Rule::line_expr);
                let mut parts: Vec<Expr> = p
                    .into_inner()
                    .filter(|q| !matches!(q.as_rule(), Rule::k_or | Rule::k_and))
                    .map(|q| self.expr(q))
                    .collect();
                if parts.len() == 1 {
                    parts.remove(0)
                } else if is_or {
                    Expr::Or(parts, span)
                } else {
                    Expr::And(parts, span)
                }
            }
            Rule::expr_not | Rule::lx_not => {
                let mut inner = p.into_inner();
                match inner.next() {
                    Some(q) if q.as_rule() == Rule::k_not => match inner.next() {
                        Some(e) => Expr::Not(Box::new(self.expr(e)), span),
                        None => Expr::Operand(self.missing_word(span)),
                    },
                    Some(q) => self.expr(q),
                    None => Expr::Operand(self.missing_word(span)),
                }
            }
            Rule::expr_factor | Rule::lx_factor => {
                let parts: Vec<P> = p.into_inner().collect();
                match parts.first().map(|q| q.as_rule()) {
                    Some(Rule::expr | Rule::line_expr) => self.expr(parts[0].clone()),
                    Some(Rule::k_defined) if parts.len() == 2 => {
                        Expr::Defined(self.word(&parts[1]), span)
                    }
                    Some(Rule::bool_var) => Expr::BoolVar(self.word(&parts[0])),
                    Some(Rule::expr_operand) if parts.len() == 3 => Expr::Compare(
                        self.word(&parts[0]),
                        self.word(&parts[1]),
                        self.word(&parts[2]),
                        span,
                    ),
                    Some(_) => Expr::Operand(self.word(&parts[0])),
                    None => Expr::Operand(self.missing_word(span)),
                }
            }
            _ => Expr::Operand(self.word(&p)),
        }
    }

    /// A region the grammar could not read: find out what was expected at
    /// its start by parsing it again with no recovery.
    fn error_region(&mut self, p: P<'t>) -> Item {
        let span = self.span(&p);
        let strict = if p.as_rule() == Rule::top_error {
            Rule::strict_top_item
        } else {
            Rule::strict_body_item
        };
        let start = span.start as usize;
        // The failure lies inside the region (or just after it): parsing a
        // bounded window keeps many errors from costing quadratic time.
        let mut window_end = (span.end as usize + 256).min(self.text.len());
        while !self.text.is_char_boundary(window_end) {
            window_end += 1;
        }
        let rest = &self.text[start..window_end];
        let mut diag = if &self.text[span.range()] == "}" {
            Diagnostic::error(codes::SYNTAX, "`}` closes no block")
                .at(span, "unmatched `}`")
                .with_help("remove it, or look for a `{` missing above")
        } else if let Some(d) = self
            .misspelt_keyword(start, rest)
            .or_else(|| self.bad_permission_letter(start, rest))
        {
            d
        } else {
            match AppArmorParser::parse(strict, rest) {
                Err(e) => self.pest_error(&e, start),
                Ok(_) => self.unexpected(span),
            }
        };
        // `foo{` is one name to the reference lexer, which confuses the
        // reader more than anything else here.
        let glued = rest
            .split_whitespace()
            .take(3)
            .find(|t| t.len() > 1 && t.ends_with('{'));
        if let Some(t) = glued {
            let at = start + rest.find(t).unwrap_or(0) + t.len() - 1;
            diag = diag
                .with_secondary(
                    Span::new(self.file, at, at + 1),
                    "this `{` is part of the name",
                )
                .with_help("put a space before the `{` that opens the block");
        }
        self.syntax_errors += 1;
        if self.syntax_errors <= MAX_SYNTAX_ERRORS {
            self.diags.push(diag);
        } else if self.syntax_errors == MAX_SYNTAX_ERRORS + 1 {
            self.diags.push(
                Diagnostic::note(
                    codes::TOO_MANY_ERRORS,
                    format!("more than {MAX_SYNTAX_ERRORS} syntax errors; the rest are not shown"),
                )
                .at(span, "no further syntax errors reported from here")
                .with_help("fix the errors above first; later ones often follow from them"),
            );
        }
        // Keep the nested items of a swallowed `{ ... }` so their own errors
        // and rules still count.
        let mut items = Vec::new();
        for q in p.into_inner() {
            if q.as_rule() == Rule::error_block {
                items.extend(self.items(q.into_inner()));
            }
        }
        if items.is_empty() {
            Item::Error(span)
        } else {
            Item::Block(Block {
                span,
                prefix: Prefix::default(),
                items,
            })
        }
    }

    /// Blocks that reached the end of the file: one diagnostic, at the
    /// innermost `{` still open (deep unclosed nesting must not flood).
    fn unclosed(&mut self, p: &P) {
        if self.unclosed_seen {
            return;
        }
        self.unclosed_seen = true;
        let end = self.span(p).start as usize;
        let mut depth = 0usize;
        let mut open = Vec::new();
        for (i, c) in self.text[..end].char_indices().rev() {
            match c {
                '}' => depth += 1,
                '{' if depth == 0 => open.push(i),
                '{' => depth -= 1,
                _ => {}
            }
        }
        // No `{` found by this count (braces in quotes or comments): point
        // at the end of the file instead.
        let brace = match open.first() {
            Some(&at) => Span::new(self.file, at, at + 1),
            None => Span::new(self.file, end, end),
        };
        let mut d = Diagnostic::error(codes::UNCLOSED, "`{` is never closed")
            .at(brace, "this block has no `}`")
            .with_secondary(Span::new(self.file, end, end), "the file ends here")
            .with_help("add the missing `}`");
        if open.len() > 1 {
            d = d.with_note(format!(
                "{} blocks are open at the end of the file",
                open.len()
            ));
        }
        self.diags.push(d);
    }

    /// A region that starts (after any qualifiers) with a word close to a
    /// rule keyword but not one (`capabilty net_admin,`) is an unknown
    /// rule, not a file rule with odd permissions.
    fn misspelt_keyword(&self, start: usize, rest: &str) -> Option<Diagnostic> {
        const KEYWORDS: &[&str] = &[
            "capability",
            "network",
            "signal",
            "ptrace",
            "unix",
            "dbus",
            "mount",
            "remount",
            "umount",
            "pivot_root",
            "change_profile",
            "userns",
            "mqueue",
            "io_uring",
            "link",
            "file",
            "include",
            "profile",
            "abi",
            "alias",
            "set",
            "rlimit",
            "all",
            "hat",
            "audit",
            "allow",
            "deny",
            "prompt",
            "owner",
            "other",
            "priority",
        ];
        let mut offset = 0;
        for word in rest.split_inclusive(char::is_whitespace) {
            let w = word.trim_end();
            if w.is_empty() {
                offset += word.len();
                continue;
            }
            if matches!(w, "audit" | "allow" | "deny" | "prompt" | "owner" | "other")
                || w.starts_with("priority=")
            {
                offset += word.len();
                continue;
            }
            let bare: String = w
                .chars()
                .take_while(|c| c.is_ascii_alphabetic() || *c == '_')
                .collect();
            if bare.len() < 3 || KEYWORDS.contains(&bare.as_str()) {
                return None;
            }
            let near = crate::diag::suggest::suggest(&bare, KEYWORDS.iter().copied())?;
            let at = start + offset;
            return Some(
                Diagnostic::error(codes::SYNTAX, format!("unknown rule `{bare}`"))
                    .at(
                        Span::new(self.file, at, at + bare.len()),
                        "not a rule keyword",
                    )
                    .with_help(format!("did you mean `{near}`?")),
            );
        }
        None
    }

    /// `PATH PERMS,` whose permissions hold a letter no permission uses
    /// (`/etc/passwd rwz,`): point at that letter and list the valid ones.
    fn bad_permission_letter(&self, start: usize, rest: &str) -> Option<Diagnostic> {
        const LETTERS: &str = "rwalmkxpciuRWLMXPCIU";
        let line = rest.lines().next()?;
        let mut words = line.split_whitespace();
        let path = words.next()?;
        if !path.starts_with(['/', '@', '"']) {
            return None;
        }
        let perms = words.next()?.trim_end_matches(',');
        let bad = perms.char_indices().find(|(_, c)| !LETTERS.contains(*c))?;
        if !perms.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let after_path = line.find(path)? + path.len();
        let at = start + after_path + line[after_path..].find(perms)? + bad.0;
        Some(
            Diagnostic::error(codes::SYNTAX, format!("`{}` is not a file permission", bad.1))
                .at(Span::new(self.file, at, at + bad.1.len_utf8()), "unknown permission letter")
                .with_help("file permissions: r (read), w (write), a (append), l (link), k (lock), m (map executable), and x with a qualifier: ix, px, Px, cx, Cx, ux, Ux, pix, cix, ..."),
        )
    }

    fn unexpected(&self, span: Span) -> Diagnostic {
        let text = &self.text[span.range()];
        let first = text.split_whitespace().next().unwrap_or(text);
        let end = span.start as usize + first.len();
        Diagnostic::error(codes::SYNTAX, format!("unexpected `{}`", first)).at(
            Span::new(self.file, span.start as usize, end),
            "not understood here",
        )
    }

    fn pest_error(&self, e: &pest::error::Error<Rule>, offset: usize) -> Diagnostic {
        let at = offset
            + match e.location {
                InputLocation::Pos(p) => p,
                InputLocation::Span((s, _)) => s,
            };
        let rest = &self.text[at.min(self.text.len())..];
        let token_len = token_at(rest);
        let found = if rest.is_empty() {
            "end of file".to_string()
        } else {
            format!("`{}`", &rest[..token_len])
        };
        let expected = match &e.variant {
            ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
            ErrorVariant::CustomError { message } => message.clone(),
        };
        let span = Span::new(self.file, at, at + token_len);
        let mut d = Diagnostic::error(codes::SYNTAX, format!("unexpected {found}")).at(
            span,
            if expected.is_empty() {
                "not understood here".to_string()
            } else {
                format!("expected {expected}")
            },
        );
        if rest.trim_start().starts_with('}') {
            d = d.with_help("is a `,` missing at the end of the rule before?");
        } else if rest.trim_start().is_empty() {
            d = d.with_help(
                "something is left open: a `(`, a `{` or a quote, or a rule's final `,`",
            );
        }
        d
    }
}

fn mediated(class: Class, access: Option<Access>, conds: Vec<Cond>) -> RuleKind {
    RuleKind::Mediated {
        class,
        access,
        conds,
    }
}

/// `@{NAME}` / `@NAME` / `${NAME}` / `$NAME` -> `NAME`.
fn var_name(raw: &str) -> String {
    let s = raw.trim_start_matches(['@', '$']);
    s.trim_start_matches('{').trim_end_matches('}').to_string()
}

/// Byte length of the token starting `rest` (at least one character).
fn token_at(rest: &str) -> usize {
    let mut chars = rest.char_indices();
    match chars.next() {
        None => 0,
        Some((_, c)) if c.is_whitespace() || ",{}()=".contains(c) => c.len_utf8(),
        Some(_) => rest
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || ",{}()".contains(*c))
            .map_or(rest.len(), |(i, _)| i),
    }
}

/// Human words for what the grammar wanted.
fn describe_expected(rules: &[Rule]) -> String {
    let mut names: Vec<&str> = rules.iter().filter_map(|r| rule_label(*r)).collect();
    names.sort_unstable();
    names.dedup();
    match names.len() {
        0 => String::new(),
        1 => names[0].to_string(),
        n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

fn rule_label(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::eor => "`,`",
        Rule::arrow => "`->`",
        Rule::file_perms => "file permissions",
        Rule::file_path => "a path",
        Rule::target => "a transition target",
        Rule::word | Rule::bare_id => "a name",
        Rule::quoted => "a quoted string",
        Rule::profile_name | Rule::caret_name => "a profile name",
        Rule::cap_name => "a capability name",
        Rule::cond | Rule::cond_name | Rule::list_cond => "a conditional (`name=value`)",
        Rule::cond_value | Rule::list_value => "a value",
        Rule::paren_list => "a `( )` list",
        Rule::access | Rule::access_kw => "a permission",
        Rule::net_word => "a network family or type",
        Rule::mount_id => "a mount point or source",
        Rule::include_target | Rule::angle_target => "an include target",
        Rule::assign_op => "`=`, `+=`, `?=` or `:=`",
        Rule::assign_value => "a value",
        Rule::expr | Rule::expr_factor | Rule::expr_operand | Rule::expr_term | Rule::expr_not => {
            "a condition"
        }
        Rule::block => "`{`",
        Rule::rlimit_name => "an rlimit name",
        Rule::rlimit_value => "a number or `infinity`",
        Rule::rlimit_unit => "a unit",
        Rule::priority_value => "an integer",
        Rule::set_var => "a variable `@{NAME}`",
        Rule::bool_var => "a boolean `${NAME}`",
        Rule::include => "`include`",
        Rule::profile => "a profile",
        Rule::k_rlimit => "`rlimit`",
        Rule::k_in => "`in`",
        Rule::eq => "`=`",
        Rule::qualified | Rule::prefix => "a rule",
        Rule::EOI => "end of file",
        _ => return None,
    })
}
