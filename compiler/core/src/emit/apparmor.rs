//! Canonical AppArmor text from the syntax tree of one file.
//!
//! This is the printer of `profilec fmt` ([`emit_file`]: a parsed file with
//! its comments) and the one place AppArmor text is written: the `.confine`
//! DSL will lower into the same tree and print through [`emit_tree`]. There
//! is no `ir` layer yet, so the checked model this printer takes is the
//! syntax tree itself (checked by the caller).
//!
//! The canonical form is described in `docs/fmt.md`. In short: two spaces of
//! indentation per level, one rule per line ending in `,`, `include` lines
//! kept as includes (never inlined; `#include` becomes `include`), prefixes
//! in the order `priority=N audit allow|deny|prompt owner|other`, file
//! permissions in the order `r w a l k m` then the exec mode, `( )` lists
//! written `(a, b)`, every token otherwise printed exactly as written (its
//! `raw` text, quotes and escapes included), at most one blank line kept
//! where the source had one or more, and every comment kept: on its own line
//! before the item it precedes, or at the end of the line it ended.

use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::syntax::ast::*;
use crate::syntax::{parse_apparmor, Context};

/// Code of the diagnostic given when a file cannot be formatted.
pub use crate::diag::codes::FMT_REFUSED as UNFORMATTABLE;

const INDENT: &str = "  ";

/// Print `file` (parsed from `source`) in canonical form.
///
/// Refuses, with a diagnostic, a tree that holds a region that did not
/// parse: printing it would drop text. The caller is expected to refuse a
/// file with any error diagnostic before calling this.
pub fn emit_file(file: &File, source: &str) -> Result<String, Box<Diagnostic>> {
    if let Some(span) = first_error(&file.items) {
        return Err(Box::new(
            Diagnostic::error(UNFORMATTABLE, "the file has a syntax error; not formatted")
                .at(span, "not understood here"),
        ));
    }
    let out = print(file, source);
    // Every `#` of the source is either in a comment or inside a token the
    // printer writes as written, except the one of `#include`. A difference
    // means a comment was lost or doubled: refuse rather than write it.
    let hashes = |s: &str| s.bytes().filter(|&b| b == b'#').count();
    let hash_includes = count_hash_includes(&file.items);
    if hashes(source) != hashes(&out) + hash_includes {
        return Err(Box::new(
            Diagnostic::error(
                UNFORMATTABLE,
                "a comment could not be placed; the file is left as it is",
            )
            .at(Span::new(file.file, 0, 0), "in this file")
            .with_help("this is a formatter bug; please report it with the file"),
        ));
    }
    Ok(out)
}

/// Print a tree that was not parsed from AppArmor text (the `.confine`
/// lowering builds one): no comments, no blank lines, and every token from
/// the tree itself, since its spans point into another file. Include and
/// abi targets print as `<name>` or `"path"`.
pub fn emit_tree(file: &File) -> Result<String, Box<Diagnostic>> {
    if let Some(span) = first_error(&file.items) {
        return Err(Box::new(
            Diagnostic::error(UNFORMATTABLE, "the tree holds an error region").at(span, "here"),
        ));
    }
    let out = print_items(file.file, &file.items, &[], "");
    // The tokens come from elsewhere: make sure the text reads back as the
    // same tree shape, so a token that smuggles in a `,`, a newline or a
    // brace cannot add or hide a rule.
    let mut sources = SourceMap::new();
    let id = sources.add("<emitted>", out.as_str());
    let want = shape(&file.items);
    let reads_back_in = |context| {
        let (again, diags) = parse_apparmor(id, &out, context);
        !diags.iter().any(Diagnostic::is_error) && shape(&again.items) == want
    };
    // A whole policy file reads back at the top; only a body (the rules of
    // an include) needs the second parse.
    let reads_back = reads_back_in(Context::Top) || reads_back_in(Context::Body);
    if !reads_back {
        return Err(Box::new(
            Diagnostic::error(
                UNFORMATTABLE,
                "the printed policy does not read back as the same rules",
            )
            .at(Span::new(file.file, 0, 0), "in this tree")
            .with_help("a name or value holds characters that need quoting or escaping"),
        ));
    }
    Ok(out)
}

/// The nesting of a tree: for each item its kind and its children.
fn shape(items: &[Item]) -> String {
    let mut s = String::new();
    for item in items {
        match item {
            Item::Profile(p) => s.push_str(&format!("P({})", shape(&p.items))),
            Item::Block(b) => s.push_str(&format!("B({})", shape(&b.items))),
            Item::If(i) => {
                let mut cur = Some(i);
                s.push_str("I(");
                while let Some(i) = cur {
                    s.push_str(&format!("{};", shape(&i.then)));
                    cur = match &i.otherwise {
                        Some(Else::If(next)) => Some(next),
                        Some(Else::Block(items, _)) => {
                            s.push_str(&shape(items));
                            None
                        }
                        None => None,
                    };
                }
                s.push(')');
            }
            Item::Rule(r) => {
                s.push_str(rule_kind_name(&r.kind));
                s.push(';');
            }
            Item::Include(_) => s.push_str("include;"),
            Item::Abi(_) => s.push_str("abi;"),
            Item::Alias(_) => s.push_str("alias;"),
            Item::SetAssign(a) => s.push_str(&format!("set{};", a.values.len())),
            Item::BoolAssign(_) => s.push_str("bool;"),
            Item::Rlimit(_) => s.push_str("rlimit;"),
            Item::Error(_) => s.push_str("error;"),
        }
    }
    s
}

fn print(file: &File, source: &str) -> String {
    print_items(file.file, &file.items, &file.comments, source)
}

fn print_items(id: FileId, items: &[Item], comments: &[Span], source: &str) -> String {
    let mut comments = comments.to_vec();
    comments.sort_by_key(|c| c.start);
    let mut p = Printer {
        src: source,
        file: id,
        comments,
        next: 0,
        out: String::new(),
        prev_end: None,
    };
    p.items(0, items);
    p.leading(0, source.len());
    p.out
}

/// Parse `text` as a policy file and print it in canonical form; refuses
/// (returns the diagnostics) when the text has a syntax error. Used where
/// only the syntax matters (tests, the DSL's round trip); `profilec fmt`
/// runs the whole checker first.
pub fn format_text(text: &str) -> Result<String, Vec<Diagnostic>> {
    format_text_in(text, Context::Top)
}

/// As [`format_text`], for a file read as `context`: `Context::Body` for an
/// include file made of rules (`abstractions/base`).
pub fn format_text_in(text: &str, context: Context) -> Result<String, Vec<Diagnostic>> {
    let mut sources = SourceMap::new();
    let id = sources.add("<input>", text);
    let (file, diags) = parse_apparmor(id, text, context);
    let errors: Vec<Diagnostic> = diags.into_iter().filter(|d| d.is_error()).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    emit_file(&file, text).map_err(|d| vec![*d])
}

fn first_error(items: &[Item]) -> Option<Span> {
    items.iter().find_map(|item| match item {
        Item::Error(s) => Some(*s),
        Item::Profile(p) => first_error(&p.items),
        Item::Block(b) => first_error(&b.items),
        Item::If(i) => first_error_if(i),
        _ => None,
    })
}

fn first_error_if(i: &IfRule) -> Option<Span> {
    first_error(&i.then).or_else(|| match &i.otherwise {
        Some(Else::If(e)) => first_error_if(e),
        Some(Else::Block(items, _)) => first_error(items),
        None => None,
    })
}

fn count_hash_includes(items: &[Item]) -> usize {
    items
        .iter()
        .map(|item| match item {
            Item::Include(i) => usize::from(i.hash.is_some()),
            Item::Profile(p) => count_hash_includes(&p.items),
            Item::Block(b) => count_hash_includes(&b.items),
            Item::If(i) => count_hash_includes_if(i),
            _ => 0,
        })
        .sum()
}

fn count_hash_includes_if(i: &IfRule) -> usize {
    count_hash_includes(&i.then)
        + match &i.otherwise {
            Some(Else::If(e)) => count_hash_includes_if(e),
            Some(Else::Block(items, _)) => count_hash_includes(items),
            None => 0,
        }
}

struct Printer<'a> {
    src: &'a str,
    file: FileId,
    /// Every comment of the file, in source order.
    comments: Vec<Span>,
    /// The first comment not printed yet.
    next: usize,
    out: String,
    /// Where the last thing printed in the current block ended in the
    /// source; `None` at the start of a block (no blank line there).
    prev_end: Option<usize>,
}

impl Printer<'_> {
    fn items(&mut self, depth: usize, items: &[Item]) {
        for item in items {
            self.item(depth, item);
        }
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
    }

    /// One blank line before what starts at `start` when the source had at
    /// least one there.
    fn blank_before(&mut self, start: usize) {
        if let Some(prev) = self.prev_end {
            let gap = self.src.get(prev..start).unwrap_or("");
            if gap.matches('\n').count() >= 2 {
                self.out.push('\n');
            }
        }
    }

    fn comment_text(&self, c: Span) -> &str {
        self.src.get(c.range()).unwrap_or("#").trim_end()
    }

    /// Print, each on its own line, the comments that start before `before`.
    fn leading(&mut self, depth: usize, before: usize) {
        while let Some(&c) = self.comments.get(self.next) {
            if c.start as usize >= before {
                break;
            }
            self.blank_before(c.start as usize);
            self.indent(depth);
            let text = self.comment_text(c).to_string();
            self.out.push_str(&text);
            self.out.push('\n');
            self.prev_end = Some(c.end as usize);
            self.next += 1;
        }
    }

    /// End the current line; a comment that follows `after` on the same
    /// source line stays at its end.
    fn end_line(&mut self, after: usize) {
        let mut end = after;
        if let Some(&c) = self.comments.get(self.next) {
            let start = c.start as usize;
            if start >= after
                && self
                    .src
                    .get(after..start)
                    .unwrap_or("\n")
                    .bytes()
                    .all(|b| b == b' ' || b == b'\t')
            {
                let text = self.comment_text(c).to_string();
                self.out.push(' ');
                self.out.push_str(&text);
                end = c.end as usize;
                self.next += 1;
            }
        }
        self.out.push('\n');
        self.prev_end = Some(end);
    }

    /// The end of an item's own text: its span minus trailing blanks and a
    /// comment the grammar took into it (assignments run to the line end).
    fn content_end(&self, span: Span) -> usize {
        let mut e = (span.end as usize).min(self.src.len());
        let start = (span.start as usize).min(e);
        loop {
            while e > start && self.src.as_bytes()[e - 1].is_ascii_whitespace() {
                e -= 1;
            }
            let inside = self.comments.iter().find(|c| {
                c.start as usize >= start && (c.start as usize) < e && e <= c.end as usize
            });
            match inside {
                Some(c) => e = c.start as usize,
                None => break,
            }
        }
        e
    }

    /// A one-line item.
    fn simple(&mut self, depth: usize, span: Span, text: &str) {
        let end = self.content_end(span);
        self.leading(depth, end);
        self.blank_before(span.start as usize);
        self.indent(depth);
        self.out.push_str(text);
        self.end_line(end);
    }

    /// `HEADER {`, the items at one more level, `}`.
    fn compound(
        &mut self,
        depth: usize,
        span: Span,
        header: &str,
        open: usize,
        close: usize,
        items: &[Item],
    ) {
        self.leading(depth, open);
        self.blank_before(span.start as usize);
        self.indent(depth);
        self.out.push_str(header);
        self.out.push('{');
        self.end_line(open + 1);
        self.prev_end = None;
        self.items(depth + 1, items);
        self.leading(depth + 1, close);
        self.indent(depth);
        self.out.push('}');
        self.end_line(close + 1);
    }

    /// Position of the first `{` at or after `from`.
    fn open_brace(&self, from: usize) -> usize {
        let rest = self.src.get(from..).unwrap_or("");
        rest.find('{').map_or(from, |i| from + i)
    }

    /// Position of the last `}` before `end`.
    fn close_brace(&self, start: usize, end: usize) -> usize {
        let body = self.src.get(start..end).unwrap_or("");
        body.rfind('}').map_or(end.saturating_sub(1), |i| start + i)
    }

    /// The source text of a token of this file, when there is one.
    fn slice(&self, span: Span) -> Option<&str> {
        if span.file != self.file || span.is_empty() {
            return None;
        }
        self.src.get(span.range())
    }

    /// An include or abi target: as written, or made from the tree.
    fn target_text(&self, span: Span, target: &IncludeTarget) -> String {
        match self.slice(span).map(str::trim) {
            Some(text) if !text.is_empty() => text.to_string(),
            _ => match target {
                IncludeTarget::Search(name) => format!("<{name}>"),
                IncludeTarget::Path(name) => {
                    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
                }
            },
        }
    }

    fn item(&mut self, depth: usize, item: &Item) {
        match item {
            Item::Profile(p) => {
                let header = format!("{} ", profile_header(p));
                self.compound(
                    depth,
                    p.span,
                    &header,
                    p.open_brace.start as usize,
                    p.close_brace.start as usize,
                    &p.items,
                );
            }
            Item::Block(b) => {
                let header = prefix_text(&b.prefix);
                let open = self.open_brace(b.span.start as usize);
                let close = self.close_brace(open, b.span.end as usize);
                self.compound(depth, b.span, &header, open, close, &b.items);
            }
            Item::If(i) => self.if_chain(depth, i),
            Item::Error(span) => {
                // Unreachable: `emit_file` refuses such trees. Keep the text.
                let text = self.slice(*span).unwrap_or("").to_string();
                self.simple(depth, *span, &text);
            }
            other => {
                let text = self.line_text(other);
                self.simple(depth, other.span(), &text);
            }
        }
    }

    fn if_chain(&mut self, depth: usize, first: &IfRule) {
        let mut cur = first;
        let open = cur.then_span.start as usize;
        self.leading(depth, open);
        self.blank_before(cur.span.start as usize);
        self.indent(depth);
        self.out
            .push_str(&format!("if {} {{", expr_text(&cur.cond)));
        self.end_line(open + 1);
        loop {
            self.prev_end = None;
            self.items(depth + 1, &cur.then);
            let close = self.close_brace(cur.then_span.start as usize, cur.then_span.end as usize);
            match &cur.otherwise {
                None => {
                    self.leading(depth + 1, close);
                    self.indent(depth);
                    self.out.push('}');
                    self.end_line(close + 1);
                    return;
                }
                Some(Else::Block(items, span)) => {
                    // Comments between `}` and `else {` move into the block
                    // they follow: `} else {` is one line.
                    let open = span.start as usize;
                    self.leading(depth + 1, open);
                    self.indent(depth);
                    self.out.push_str("} else {");
                    self.end_line(open + 1);
                    self.prev_end = None;
                    self.items(depth + 1, items);
                    let close = self.close_brace(open, span.end as usize);
                    self.leading(depth + 1, close);
                    self.indent(depth);
                    self.out.push('}');
                    self.end_line(close + 1);
                    return;
                }
                Some(Else::If(next)) => {
                    let open = next.then_span.start as usize;
                    self.leading(depth + 1, open);
                    self.indent(depth);
                    self.out
                        .push_str(&format!("}} else if {} {{", expr_text(&next.cond)));
                    self.end_line(open + 1);
                    cur = next;
                }
            }
        }
    }

    /// The text of an item that is printed on one line.
    fn line_text(&self, item: &Item) -> String {
        match item {
            Item::Include(i) => {
                let mut s = String::from("include ");
                if i.if_exists {
                    s.push_str("if exists ");
                }
                s.push_str(&self.target_text(i.target_span, &i.target));
                s
            }
            Item::Abi(a) => format!("abi {},", self.target_text(a.target_span, &a.target)),
            Item::Alias(a) => format!("alias {} -> {},", a.from.raw(), a.to.raw()),
            Item::SetAssign(a) => {
                let mut s = format!("{} {}", a.var.raw(), a.op.as_str());
                for v in &a.values {
                    s.push(' ');
                    s.push_str(v.raw());
                }
                if a.trailing_comma.is_some() {
                    s.push(',');
                }
                s
            }
            Item::BoolAssign(a) => {
                let mut s = format!("{} {} {}", a.var.raw(), a.op.as_str(), expr_text(&a.expr));
                if a.trailing_comma.is_some() {
                    s.push(',');
                }
                s
            }
            Item::Rlimit(r) => {
                let end = r.unit.as_ref().map_or(r.value.span.end, |u| u.span.end);
                let value = Span::new(self.file, r.value.span.start as usize, end as usize);
                let value = match self.slice(value) {
                    Some(text) => text.split_whitespace().collect::<Vec<_>>().join(" "),
                    None => format!(
                        "{}{}",
                        r.value.raw(),
                        r.unit.as_ref().map_or("", |u| u.raw())
                    ),
                };
                format!("set rlimit {} <= {},", r.name.raw(), value)
            }
            Item::Rule(r) => rule_text(r),
            Item::Profile(_) | Item::Block(_) | Item::If(_) | Item::Error(_) => {
                self.slice(item.span()).unwrap_or("").to_string()
            }
        }
    }
}

fn rule_kind_name(k: &RuleKind) -> &'static str {
    match k {
        RuleKind::BareFile => "file",
        RuleKind::File(_) => "path",
        RuleKind::Link { .. } => "link",
        RuleKind::Capability(_) => "capability",
        RuleKind::Network { .. } => "network",
        RuleKind::Mediated { class, .. } => class.keyword(),
        RuleKind::Mqueue { .. } => "mqueue",
        RuleKind::All => "all",
        RuleKind::Mount { .. } => "mount",
        RuleKind::Remount { .. } => "remount",
        RuleKind::Umount { .. } => "umount",
        RuleKind::PivotRoot { .. } => "pivot_root",
        RuleKind::ChangeProfile { .. } => "change_profile",
    }
}

/// `profile NAME ATTACH xattrs=(...) + identities=(...) flags=(...)`
fn profile_header(p: &Profile) -> String {
    let mut s = String::new();
    match p.keyword {
        ProfileKeyword::None => {}
        ProfileKeyword::Profile => s.push_str("profile "),
        ProfileKeyword::Hat => s.push_str("hat "),
        ProfileKeyword::Caret => s.push('^'),
    }
    s.push_str(p.name.raw());
    if let Some(a) = &p.attachment {
        s.push(' ');
        s.push_str(a.raw());
    }
    if let Some(x) = &p.xattrs {
        s.push_str(" xattrs=");
        s.push_str(&list_text(x));
    }
    for id in &p.identities {
        s.push_str(" + identities=");
        s.push_str(&list_text(id));
    }
    if let Some(f) = &p.flags {
        s.push_str(" flags=");
        s.push_str(&list_text(f));
    }
    s
}

/// `priority=N audit deny owner ` (with a trailing space when not empty).
fn prefix_text(p: &Prefix) -> String {
    let mut s = String::new();
    if let Some((w, _)) = &p.priority {
        s.push_str("priority=");
        s.push_str(w.raw());
        s.push(' ');
    }
    if p.audit.is_some() {
        s.push_str("audit ");
    }
    if let Some((m, _)) = &p.mode {
        s.push_str(match m {
            RuleMode::Allow => "allow ",
            RuleMode::Deny => "deny ",
            RuleMode::Prompt => "prompt ",
        });
    }
    if let Some((o, _)) = &p.owner {
        s.push_str(match o {
            Owner::Owner => "owner ",
            Owner::Other => "other ",
        });
    }
    s
}

/// `(a, b, name=value)`
fn list_text(l: &ParenList) -> String {
    let items: Vec<String> = l
        .items
        .iter()
        .map(|i| match i {
            ListItem::Value(w) => w.raw().to_string(),
            ListItem::Cond(c) => cond_text(c),
        })
        .collect();
    format!("({})", items.join(", "))
}

fn cond_text(c: &Cond) -> String {
    let value = match &c.value {
        CondValue::One(w) => w.raw().to_string(),
        CondValue::List(l) => list_text(l),
    };
    match c.op {
        CondOp::Eq => format!("{}={}", c.name.raw(), value),
        CondOp::In => format!("{} in {}", c.name.raw(), value),
    }
}

fn access_text(a: &Access) -> String {
    if a.parenthesized {
        let words: Vec<&str> = a.words.iter().map(|w| w.raw()).collect();
        format!("({})", words.join(", "))
    } else {
        a.words
            .iter()
            .map(|w| w.raw())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Appends ` part` for each present part.
struct Line(String);

impl Line {
    fn new(start: &str) -> Line {
        Line(start.to_string())
    }
    fn word(&mut self, w: &str) -> &mut Line {
        if !self.0.is_empty() && !self.0.ends_with(' ') {
            self.0.push(' ');
        }
        self.0.push_str(w);
        self
    }
    fn opt(&mut self, w: Option<&Word>) -> &mut Line {
        if let Some(w) = w {
            self.word(w.raw());
        }
        self
    }
    fn access(&mut self, a: Option<&Access>) -> &mut Line {
        if let Some(a) = a {
            let t = access_text(a);
            self.word(&t);
        }
        self
    }
    fn conds(&mut self, cs: &[Cond]) -> &mut Line {
        for c in cs {
            let t = cond_text(c);
            self.word(&t);
        }
        self
    }
    fn arrow_to(&mut self, target: Option<&Word>) -> &mut Line {
        if let Some(t) = target {
            self.word("->");
            self.word(t.raw());
        }
        self
    }
    fn finish(&mut self) -> String {
        let mut s = std::mem::take(&mut self.0);
        s.push(',');
        s
    }
}

fn safety_text(s: Option<&(ExecSafety, Span)>) -> Option<&'static str> {
    s.map(|(s, _)| match s {
        ExecSafety::Safe => "safe",
        ExecSafety::Unsafe => "unsafe",
    })
}

/// One rule, prefix included, ending in `,`.
pub fn rule_text(r: &Rule) -> String {
    let mut l = Line::new(&prefix_text(&r.prefix));
    match &r.kind {
        RuleKind::BareFile => {
            l.word("file");
        }
        RuleKind::File(f) => {
            if f.file_keyword {
                l.word("file");
            }
            if let Some(s) = safety_text(f.safety.as_deref()) {
                l.word(s);
            }
            let perms = canonical_perms(f.perms.raw());
            if f.perms_first {
                l.word(&perms);
                if f.subset.is_some() {
                    l.word("subset");
                }
                l.word(f.path.raw());
            } else {
                l.word(f.path.raw()).word(&perms);
            }
            l.arrow_to(f.target.as_deref());
        }
        RuleKind::Link {
            subset,
            path,
            target,
        } => {
            l.word("link");
            if subset.is_some() {
                l.word("subset");
            }
            l.word(path.raw()).arrow_to(Some(target));
        }
        RuleKind::Capability(words) => {
            l.word("capability");
            for w in words {
                l.word(w.raw());
            }
        }
        RuleKind::Network {
            access,
            words,
            conds,
        } => {
            l.word("network").access(access.as_ref());
            for w in words {
                l.word(w.raw());
            }
            l.conds(conds);
        }
        RuleKind::Mediated {
            class,
            access,
            conds,
        } => {
            l.word(class.keyword()).access(access.as_ref()).conds(conds);
        }
        RuleKind::Mqueue {
            access,
            conds,
            name,
        } => {
            l.word("mqueue")
                .access(access.as_ref())
                .conds(conds)
                .opt(name.as_ref());
        }
        RuleKind::All => {
            l.word("all");
        }
        RuleKind::Mount {
            conds,
            source,
            arrow,
            target_conds,
            target,
        } => {
            l.word("mount").conds(conds).opt(source.as_deref());
            if arrow.is_some() {
                l.word("->").conds(target_conds).opt(target.as_deref());
            }
        }
        RuleKind::Remount { conds, target } => {
            l.word("remount").conds(conds).opt(target.as_ref());
        }
        RuleKind::Umount { conds, target } => {
            l.word("umount").conds(conds).opt(target.as_ref());
        }
        RuleKind::PivotRoot {
            conds,
            new_root,
            target,
        } => {
            l.word("pivot_root")
                .conds(conds)
                .opt(new_root.as_ref())
                .arrow_to(target.as_ref());
        }
        RuleKind::ChangeProfile {
            safety,
            exec,
            target,
        } => {
            l.word("change_profile");
            if let Some(s) = safety_text(safety.as_ref()) {
                l.word(s);
            }
            l.opt(exec.as_ref()).arrow_to(target.as_ref());
        }
    }
    l.finish()
}

/// Rank of a permission unit in the canonical order `r w a l k m`, then
/// exec modes in the order written.
fn perm_rank(unit: &str) -> u8 {
    match unit {
        "r" | "R" => 0,
        "w" | "W" => 1,
        "a" | "A" => 2,
        "l" | "L" => 3,
        "k" | "K" => 4,
        "m" | "M" => 5,
        _ => 6,
    }
}

/// File permissions in canonical order. The word is cut into the units the
/// grammar reads (`r`, `w`, ..., and exec modes such as `ix`, `Pix`, `cux`,
/// `x`); each unit keeps its letters and their case (`px` and `Px` differ),
/// and exec modes keep their relative order.
pub fn canonical_perms(raw: &str) -> String {
    let b = raw.as_bytes();
    let is = |i: usize, set: &[u8]| b.get(i).is_some_and(|c| set.contains(c));
    let mut units: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let len = if is(i, b"PpCc") && is(i + 1, b"IiUu") && is(i + 2, b"Xx") {
            3
        } else if (is(i, b"PpCc") || is(i, b"IiUu")) && is(i + 1, b"Xx") {
            2
        } else {
            // One letter; a multi-byte character cannot occur in a
            // permission word the grammar accepted, but never split one.
            raw[i..].chars().next().map_or(1, char::len_utf8)
        };
        units.push(&raw[i..i + len]);
        i += len;
    }
    units.sort_by_key(|u| perm_rank(u));
    units.concat()
}

/// A condition, parenthesised only where precedence needs it.
pub fn expr_text(e: &Expr) -> String {
    match e {
        Expr::Or(parts, _) => parts.iter().map(expr_text).collect::<Vec<_>>().join(" or "),
        Expr::And(parts, _) => parts
            .iter()
            .map(|p| match p {
                Expr::Or(..) => format!("({})", expr_text(p)),
                _ => expr_text(p),
            })
            .collect::<Vec<_>>()
            .join(" and "),
        Expr::Not(inner, _) => match **inner {
            Expr::Or(..) | Expr::And(..) => format!("not ({})", expr_text(inner)),
            _ => format!("not {}", expr_text(inner)),
        },
        Expr::Defined(w, _) => format!("defined {}", w.raw()),
        Expr::BoolVar(w) | Expr::Operand(w) => w.raw().to_string(),
        Expr::Compare(a, op, b, _) => format!("{} {} {}", a.raw(), op.raw(), b.raw()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        match format_text(s) {
            Ok(out) => out,
            Err(d) => panic!("refused: {:?}", d),
        }
    }

    #[test]
    fn perms_are_ordered_and_exec_case_kept() {
        assert_eq!(canonical_perms("mrw"), "rwm");
        assert_eq!(canonical_perms("Pixmr"), "rmPix");
        assert_eq!(canonical_perms("lkwr"), "rwlk");
        assert_eq!(canonical_perms("cxr"), "rcx");
        assert_eq!(canonical_perms("x"), "x");
        assert_eq!(canonical_perms("rUx"), "rUx");
    }

    #[test]
    fn rules_one_per_line_with_indent() {
        let src = "profile foo /usr/bin/foo flags=(complain,attach_disconnected) {\n/a mr, /b w,\n  audit deny owner /c r,\n}\n";
        assert_eq!(
            fmt(src),
            "profile foo /usr/bin/foo flags=(complain, attach_disconnected) {\n  /a rm,\n  /b w,\n  audit deny owner /c r,\n}\n"
        );
    }

    #[test]
    fn comments_are_kept_leading_and_trailing() {
        let src =
            "# head\n\n\n/p { # open\n  # lead\n  /a r, # trail\n  # last\n} # close\n# end\n";
        assert_eq!(
            fmt(src),
            "# head\n\n/p { # open\n  # lead\n  /a r, # trail\n  # last\n} # close\n# end\n"
        );
    }

    #[test]
    fn hash_include_becomes_include() {
        assert_eq!(
            fmt("#include <tunables/global>\n/p {\n  #include <abstractions/base>\n}\n"),
            "include <tunables/global>\n/p {\n  include <abstractions/base>\n}\n"
        );
    }

    #[test]
    fn syntax_errors_are_refused() {
        assert!(format_text("/p {\n  /a rw\n}\n").is_err());
        assert!(format_text("/p {\n  /a r,\n}}\n").is_err());
        assert!(format_text("/p {\n  /a r, {\n  /b r,\n}\n").is_err());
    }

    /// A tree with no AppArmor source behind it (what the DSL lowering
    /// builds) prints from its tokens alone.
    #[test]
    fn trees_without_source_print_from_their_tokens() {
        let src = "# gone\ninclude <tunables/global>\ninclude \"local/x y\"\n\n\nabi <abi/3.0>,\nprofile p /usr/bin/p flags=(complain) { # gone\n  /a mr,\n  set rlimit as <= 1024M,\n  audit { capability chown, }\n  if ${B} { /b r, } else { /c r, }\n}\n";
        let mut sources = SourceMap::new();
        let id = sources.add("x", src);
        let (file, diags) = parse_apparmor(id, src, Context::Top);
        assert!(diags.is_empty(), "{diags:?}");
        let out = emit_tree(&file).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(
            out,
            "include <tunables/global>\ninclude \"local/x y\"\nabi <abi/3.0>,\nprofile p /usr/bin/p flags=(complain) {\n  /a rm,\n  set rlimit as <= 1024M,\n  audit {\n    capability chown,\n  }\n  if ${B} {\n    /b r,\n  } else {\n    /c r,\n  }\n}\n"
        );
    }

    /// A token that would smuggle a rule into the text is refused.
    #[test]
    fn trees_with_injected_tokens_are_refused() {
        let src = "profile p {\n  /a r,\n}\n";
        let mut sources = SourceMap::new();
        let id = sources.add("x", src);
        let (mut file, _) = parse_apparmor(id, src, Context::Top);
        if let Some(Item::Profile(p)) = file.items.first_mut() {
            if let Some(Item::Rule(r)) = p.items.first_mut() {
                if let RuleKind::File(f) = &mut r.kind {
                    let v = f.path.value().to_string();
                    f.path = Word::new("/a r,\n  /etc/shadow", &v, false, f.path.span);
                }
            }
        }
        let refused = emit_tree(&file).err().map(|d| d.code);
        assert_eq!(refused, Some(crate::diag::codes::FMT_REFUSED));
    }

    #[test]
    fn comment_touching_a_rule_end_is_kept() {
        let src = "profile p {#a\n  /a r,#b\n  /a,#c r,\n  @{X}/#d r,\n}#e\n";
        assert_eq!(
            fmt(src),
            "profile p { #a\n  /a r, #b\n  /a,#c r,\n  @{X}/#d r,\n} #e\n"
        );
    }

    #[test]
    fn comment_inside_a_rule_moves_before_it() {
        // (Only where `#` is a comment: not inside a network rule.)
        let src = "/p {\n  capability # why\n    chown,\n}\n";
        assert_eq!(fmt(src), "/p {\n  # why\n  capability chown,\n}\n");
    }
}
