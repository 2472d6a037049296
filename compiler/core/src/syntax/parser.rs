//! pest parse tree -> [`ast`] with syntax diagnostics.

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

use super::ast::{self, *};
use super::codes;
use super::shift;
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
fn hash_include_warning(at: Span) -> Diagnostic {
    Diagnostic::warning(codes::DEPRECATED_HASH_INCLUDE, "`#include` is deprecated")
        .at(at, "deprecated spelling")
        .with_help("write `include` without the `#`")
}

/// The `#include` warnings of a tree, in source order: what parsing its
/// text reports when nothing else is wrong. The parse cache stores such
/// trees and gives their warnings back from here.
pub fn hash_include_warnings(items: &[Item], out: &mut Vec<Diagnostic>) {
    for item in items {
        match item {
            Item::Include(Include { hash: Some(h), .. }) => out.push(hash_include_warning(*h)),
            Item::Profile(p) => hash_include_warnings(&p.items, out),
            Item::Block(b) => hash_include_warnings(&b.items, out),
            Item::If(i) => {
                hash_include_warnings(&i.then, out);
                let mut e = i.otherwise.as_ref();
                while let Some(branch) = e {
                    match branch {
                        Else::Block(items, _) => {
                            hash_include_warnings(items, out);
                            e = None;
                        }
                        Else::If(inner) => {
                            hash_include_warnings(&inner.then, out);
                            e = inner.otherwise.as_ref();
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

pub fn parse_apparmor(file: FileId, text: &str, context: Context) -> (File, Vec<Diagnostic>) {
    let out = parse_with(file, text, context, true, false);
    (out.tree, out.diags)
}

/// A parse whose builder reported nothing, kept so that the next text of
/// the same document can be parsed again from the edited item only
/// ([`parse_incremental`]).
#[derive(Clone, Debug)]
pub struct Parsed {
    text: String,
    /// Shared with the checked unit that holds the same tree: an open
    /// document's tree is kept once, not twice.
    tree: std::sync::Arc<File>,
    tokens: Vec<Token>,
    bodies: Vec<Body>,
}

impl Parsed {
    /// The file id of the tree.
    pub fn file(&self) -> FileId {
        self.tree.file
    }
}

/// The body of a top-level profile as it was read, step by step.
#[derive(Clone, Debug)]
struct Body {
    /// Where the profile starts.
    start: usize,
    /// Each call of `step_item` in the body, the closing one included.
    steps: Vec<BodyStep>,
}

/// One step of a body: where it started, and how many items (of the
/// profile) and tokens (of the file) had been read before it.
#[derive(Clone, Copy, Debug)]
struct BodyStep {
    pos: usize,
    items: usize,
    tokens: usize,
}

/// A token's byte range: u32, as in spans (a large profile holds a few
/// tokens a line while it is parsed).
type Token = (u32, u32);

fn token(start: usize, end: usize) -> Token {
    (start as u32, end as u32)
}

/// What one parse produced.
struct Out {
    tree: File,
    diags: Vec<Diagnostic>,
    tokens: Vec<Token>,
    bodies: Vec<Body>,
    /// The builder reported nothing (diagnostics of `comments::misplaced`
    /// aside): the parse may be reused.
    clean: bool,
}

/// [`parse_apparmor`] of a document's new text (`Context::Top`), given the
/// [`Parsed`] of its previous text: when the edit lies inside the body of
/// one top-level profile, only the items from the one before the edit to
/// the first old item boundary after it are read again; the others are
/// reused, moved by the change in length. Anything else (an edit that
/// touches a profile header or brace, an old parse with errors, a new one
/// with errors in the re-read items, another file id) is a full parse; the
/// same text is the same tree.
/// Either way the result is the one of a full parse of `text` (the tests
/// compare them over thousands of random edits). Returns the tree, its
/// diagnostics and what the next call needs, when the parse is clean.
pub fn parse_incremental(
    file: FileId,
    text: &str,
    prev: Option<&Parsed>,
) -> (std::sync::Arc<File>, Vec<Diagnostic>, Option<Parsed>) {
    let out = prev
        .filter(|p| p.tree.file == file)
        .and_then(|p| reparse(p, text))
        .unwrap_or_else(|| parse_with(file, text, Context::Top, true, true));
    let tree = std::sync::Arc::new(out.tree);
    let keep = out.clean.then(|| Parsed {
        text: text.to_string(),
        tree: std::sync::Arc::clone(&tree),
        tokens: out.tokens,
        bodies: out.bodies,
    });
    (tree, out.diags, keep)
}

/// The most bytes an edit may change for [`reparse`] to try.
const MAX_INCREMENTAL_EDIT: usize = 4096;

/// The incremental half of [`parse_incremental`]; `None`: parse it all.
fn reparse(prev: &Parsed, text: &str) -> Option<Out> {
    let file = prev.tree.file;
    if prev.text == text {
        return Some(Out {
            tree: File::clone(&prev.tree),
            diags: super::comments::misplaced(&prev.tree),
            tokens: prev.tokens.clone(),
            bodies: prev.bodies.clone(),
            clean: true,
        });
    }
    let (ob, nb) = (prev.text.as_bytes(), text.as_bytes());
    let shorter = ob.len().min(nb.len());
    let p = ob.iter().zip(nb).take_while(|(a, b)| a == b).count();
    let mut s = 0;
    while s < shorter - p && ob[ob.len() - 1 - s] == nb[nb.len() - 1 - s] {
        s += 1;
    }
    let (old_end, new_end) = (ob.len() - s, nb.len() - s);
    if old_end - p > MAX_INCREMENTAL_EDIT
        || new_end - p > MAX_INCREMENTAL_EDIT
        || u32::try_from(nb.len()).is_err()
        || too_deep(text).is_some()
    {
        return None;
    }
    let delta = nb.len() as i64 - ob.len() as i64;
    let moved = |x: usize| (x as i64 + delta) as usize;
    // The top-level profile whose body holds the whole change.
    let t = prev.tree.items.iter().position(|i| {
        matches!(i, Item::Profile(pr)
            if (pr.open_brace.end as usize) < p
                && old_end < pr.close_brace.start as usize
                && pr.close_brace.end > pr.close_brace.start)
    })?;
    let Item::Profile(old) = &prev.tree.items[t] else {
        return None;
    };
    let body = prev
        .bodies
        .iter()
        .find(|b| b.start == old.span.start as usize)?;
    // The step the change falls in; reading starts one step before it.
    let j = body.steps.iter().rposition(|st| st.pos < p)?;
    let r = j.saturating_sub(1);
    let restart = body.steps[r];
    let mut b = Builder {
        file,
        text,
        fast: true,
        keep: true,
        offset: 0,
        diags: Vec::new(),
        syntax_errors: 0,
        unclosed_seen: false,
        tokens: prev.tokens[..restart.tokens].to_vec(),
        depth: 1,
        bodies: Vec::new(),
    };
    let mut items: Vec<Item> = old.items[..restart.items].to_vec();
    let mut steps: Vec<BodyStep> = body.steps[..r].to_vec();
    let mut pos = restart.pos;
    // Read until a step starts where an old one started after the change:
    // the text from there on is the old text, so is what it reads.
    let m = loop {
        if pos >= new_end {
            let at = pos as i64 - delta;
            if let Ok(m) = body.steps.binary_search_by_key(&at, |st| st.pos as i64) {
                break m;
            }
        }
        steps.push(BodyStep {
            pos,
            items: items.len(),
            tokens: b.tokens.len(),
        });
        match b.step_item(true, pos, &mut items) {
            Step::Item(end) if b.diags.is_empty() && end > pos => pos = end,
            _ => return None,
        }
    };
    let from = body.steps[m];
    let (items_at, tokens_at) = (items.len(), b.tokens.len());
    for st in &body.steps[m..] {
        steps.push(BodyStep {
            pos: moved(st.pos),
            items: st.items - from.items + items_at,
            tokens: st.tokens - from.tokens + tokens_at,
        });
    }
    let mut rest = old.items[from.items..].to_vec();
    shift::items(&mut rest, delta);
    items.extend(rest);
    let mut tokens = b.tokens;
    tokens.extend(
        prev.tokens[from.tokens..]
            .iter()
            .map(|&(a, e)| token(moved(a as usize), moved(e as usize))),
    );
    let token_shift = tokens.len() as i64 - prev.tokens.len() as i64;
    let mut close_brace = old.close_brace;
    shift::span(&mut close_brace, delta);
    let profile = Profile {
        span: Span::new(file, old.span.start as usize, moved(old.span.end as usize)),
        keyword: old.keyword,
        keyword_span: old.keyword_span,
        name: old.name.clone(),
        attachment: old.attachment.clone(),
        xattrs: old.xattrs.clone(),
        identities: old.identities.clone(),
        flags: old.flags.clone(),
        items,
        open_brace: old.open_brace,
        close_brace,
    };
    let mut top: Vec<Item> = Vec::with_capacity(prev.tree.items.len());
    top.extend(prev.tree.items[..t].iter().cloned());
    top.push(Item::Profile(Box::new(profile)));
    let mut after = prev.tree.items[t + 1..].to_vec();
    shift::items(&mut after, delta);
    top.extend(after);
    let bodies = prev
        .bodies
        .iter()
        .map(|bd| {
            if bd.start < body.start {
                bd.clone()
            } else if bd.start == body.start {
                Body {
                    start: bd.start,
                    steps: steps.clone(),
                }
            } else {
                Body {
                    start: moved(bd.start),
                    steps: bd
                        .steps
                        .iter()
                        .map(|st| BodyStep {
                            pos: moved(st.pos),
                            items: st.items,
                            tokens: (st.tokens as i64 + token_shift) as usize,
                        })
                        .collect(),
                }
            }
        })
        .collect();
    let comments = find_comments(file, text, &tokens);
    let tree = File {
        file,
        items: top,
        comments,
    };
    let diags = super::comments::misplaced(&tree);
    Some(Out {
        tree,
        diags,
        tokens,
        bodies,
        clean: true,
    })
}

/// [`parse_apparmor`]; `fast`: read plain file rules without pest (the
/// tests compare both ways).
/// `keep`: record the body steps that [`parse_incremental`] needs (a step
/// per item: only for a parse that is kept).
fn parse_with(file: FileId, text: &str, context: Context, fast: bool, keep: bool) -> Out {
    let mut b = Builder {
        file,
        text,
        fast,
        keep,
        offset: 0,
        diags: Vec::new(),
        syntax_errors: 0,
        unclosed_seen: false,
        tokens: Vec::new(),
        depth: 0,
        bodies: Vec::new(),
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
        return Out {
            tree: File {
                file,
                items: Vec::new(),
                comments,
            },
            diags: b.diags,
            tokens: Vec::new(),
            bodies: Vec::new(),
            clean: false,
        };
    }
    let (items, whole) = match b.step_items(context) {
        Some(items) => (items, false),
        // The file as a whole does not parse (a stray `{` outside every
        // rule): read it again in one piece to report pest's error as it is.
        None => {
            b.reset();
            (b.whole_file(context), true)
        }
    };
    let tokens = std::mem::take(&mut b.tokens);
    let comments = find_comments(file, text, &tokens);
    let tree = File {
        file,
        items,
        comments,
    };
    let clean = !whole && b.diags.is_empty();
    b.diags.extend(super::comments::misplaced(&tree));
    Out {
        tree,
        diags: b.diags,
        tokens,
        bodies: b.bodies,
        clean,
    }
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

/// Whether `p` is a token: a leaf of the parse tree. Containers that may be
/// empty (`{ }`, `( )`, an empty prefix) are not tokens; no comment starts
/// inside a token.
fn is_token(p: &P) -> bool {
    !matches!(
        p.as_rule(),
        Rule::block | Rule::error_block | Rule::paren_list | Rule::access | Rule::prefix
    ) && p.clone().into_inner().next().is_none()
}

/// Comment spans: a `#` outside every token, up to the end of the line, as
/// in `/a r,#note`. Without tokens (no parse tree), a `#` at a token start.
fn find_comments(file: FileId, text: &str, tokens: &[Token]) -> Vec<Span> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_quote = false;
    let mut t = 0;
    while i < bytes.len() {
        if !tokens.is_empty() {
            while t < tokens.len() && tokens[t].1 as usize <= i {
                t += 1;
            }
            if let Some(&(start, end)) = tokens.get(t) {
                let (start, end) = (start as usize, end as usize);
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
    /// Read plain file rules with [`Builder::plain_file_rule`].
    fast: bool,
    /// Record body steps (see [`parse_with`]).
    keep: bool,
    /// Where the text that pest is reading starts in `text`: pairs count
    /// from there.
    offset: usize,
    diags: Vec<Diagnostic>,
    syntax_errors: usize,
    unclosed_seen: bool,
    /// Spans of the tokens read so far, in order (see [`is_token`]).
    tokens: Vec<Token>,
    /// Profiles being read around the current position.
    depth: usize,
    /// The bodies of the top-level profiles read so far.
    bodies: Vec<Body>,
}

type P<'i> = Pair<'i, Rule>;

/// What one step of the item-by-item reading found.
enum Step {
    /// An item, added to the list (unless it adds nothing, such as a stray
    /// `unclosed`), and where it ends.
    Item(usize),
    /// The end of a profile body or of the file: `}` or the end of the file
    /// (`eoi`), and where it ends.
    Close { end: usize, eoi: bool },
    /// Nothing matches here: the enclosing profile fails as a whole.
    Fail,
}

/// The builder's state, to undo a profile that fails as a whole.
struct Mark {
    bodies: usize,
    diags: usize,
    syntax_errors: usize,
    unclosed_seen: bool,
    tokens: usize,
}

/// The parts of a profile before its `{`.
struct ProfileHead {
    keyword: ProfileKeyword,
    keyword_span: Option<Span>,
    name: Option<Word>,
    attachment: Option<Word>,
    xattrs: Option<ParenList>,
    flags: Option<ParenList>,
    identities: Vec<ParenList>,
}

impl ProfileHead {
    fn new() -> Self {
        ProfileHead {
            keyword: ProfileKeyword::None,
            keyword_span: None,
            name: None,
            attachment: None,
            xattrs: None,
            flags: None,
            identities: Vec::new(),
        }
    }
}

impl<'t> Builder<'t> {
    fn span(&self, p: &P) -> Span {
        let s = p.as_span();
        Span::new(self.file, self.offset + s.start(), self.offset + s.end())
    }

    /// Parse `text` from `pos` with the entry `rule` (one of the `step_*`
    /// rules): the alternative it matched, with `offset` set to `pos`.
    fn step(&mut self, entry: Rule, pos: usize) -> Option<P<'t>> {
        let text: &'t str = self.text;
        let mut pairs = AppArmorParser::parse(entry, &text[pos..]).ok()?;
        self.offset = pos;
        pairs.next()?.into_inner().next()
    }

    /// Record the tokens of `p` (read from `offset`).
    fn push_tokens(&mut self, p: &P) {
        let off = self.offset;
        if is_token(p) {
            let s = p.as_span();
            self.tokens.push(token(off + s.start(), off + s.end()));
            return;
        }
        for q in p.clone().into_inner().flatten() {
            if is_token(&q) {
                let s = q.as_span();
                self.tokens.push(token(off + s.start(), off + s.end()));
            }
        }
    }

    fn mark(&self) -> Mark {
        Mark {
            bodies: self.bodies.len(),
            diags: self.diags.len(),
            syntax_errors: self.syntax_errors,
            unclosed_seen: self.unclosed_seen,
            tokens: self.tokens.len(),
        }
    }

    fn rollback(&mut self, m: Mark) {
        self.bodies.truncate(m.bodies);
        self.diags.truncate(m.diags);
        self.syntax_errors = m.syntax_errors;
        self.unclosed_seen = m.unclosed_seen;
        self.tokens.truncate(m.tokens);
    }

    fn reset(&mut self) {
        self.rollback(Mark {
            bodies: 0,
            diags: 0,
            syntax_errors: 0,
            unclosed_seen: false,
            tokens: 0,
        });
        self.offset = 0;
    }

    /// The whole file as one pest parse (`file` or `body_file`): the same
    /// result as [`Builder::step_items`], which reads it item by item, and
    /// pest's own error when the file does not parse as a whole.
    fn whole_file(&mut self, context: Context) -> Vec<Item> {
        let entry = match context {
            Context::Top => Rule::file,
            Context::Body => Rule::body_file,
        };
        let text: &'t str = self.text;
        match AppArmorParser::parse(entry, text) {
            Ok(mut pairs) => match pairs.next() {
                Some(file_pair) => {
                    self.push_tokens(&file_pair);
                    self.items(file_pair.into_inner())
                }
                None => Vec::new(),
            },
            // Recovery makes `file` total except for pathological input;
            // report pest's error as it is.
            Err(e) => {
                let d = self.pest_error(&e, 0);
                self.diags.push(d);
                Vec::new()
            }
        }
    }

    /// The items of the file, read one at a time (so that pest never holds
    /// the tokens of the whole file), exactly as `file` (or `body_file`)
    /// reads them. `None` when the file does not parse as a whole.
    fn step_items(&mut self, context: Context) -> Option<Vec<Item>> {
        let body = context == Context::Body;
        let mut items = Vec::new();
        let mut pos = 0;
        loop {
            match self.step_item(body, pos, &mut items) {
                Step::Item(end) => {
                    pos = end;
                }
                // `body_file` has no `}` of its own.
                Step::Close { eoi: true, .. } => return Some(items),
                Step::Close { eoi: false, .. } | Step::Fail => return None,
            }
        }
    }

    /// One `top_item` (`body`: one `body_item`, or the `}` that closes the
    /// body) after `pos`; a profile is read item by item too.
    fn step_item(&mut self, body: bool, pos: usize, items: &mut Vec<Item>) -> Step {
        let (entry, tail) = if body {
            (Rule::step_body, Rule::step_body_tail)
        } else {
            (Rule::step_top, Rule::step_top_tail)
        };
        if body && self.fast {
            if let Some(end) = self.plain_file_rule(pos, items) {
                return Step::Item(end);
            }
        }
        let Some(q) = self.step(entry, pos) else {
            return Step::Fail;
        };
        let end = self.offset + q.as_span().end();
        match q.as_rule() {
            Rule::EOI => {
                self.push_tokens(&q);
                Step::Close { end, eoi: true }
            }
            Rule::step_close => {
                let eoi = match q.into_inner().next() {
                    Some(e) => {
                        self.push_tokens(&e);
                        true
                    }
                    None => false,
                };
                Step::Close { end, eoi }
            }
            Rule::profile_header => {
                let mark = self.mark();
                if let Some((profile, end)) = self.profile_steps(q) {
                    items.push(Item::Profile(Box::new(profile)));
                    return Step::Item(end);
                }
                // The profile fails as a whole: the alternatives after it.
                self.rollback(mark);
                match self.step(tail, pos) {
                    Some(q) => self.step_pair(q, items),
                    None => Step::Fail,
                }
            }
            _ => self.step_pair(q, items),
        }
    }

    /// A file rule in its plainest and by far its most common shape, read
    /// without pest: after blanks and line breaks, any of the qualifiers
    /// `audit`, `allow`/`deny`/`prompt`, `owner`/`other` (in that order,
    /// each followed by blanks), a path that starts with `/` or `@` and
    /// holds no character that the grammar treats specially (blanks,
    /// quotes, `!`, `\\`, `#`, and `,` unless a name character follows),
    /// blanks, permissions and a `,` right after them. Where `step_body`
    /// reads such text, every alternative before `qualified` fails (each
    /// needs a keyword that is not there), the prefix reads exactly these
    /// qualifiers, the keyword rules need a lowercase letter where the path
    /// starts, and `path_first` matches just these tokens: the item, its
    /// tokens and its end are the ones pest's reading gives (the tests
    /// compare both). `None`, with nothing done, for anything else.
    fn plain_file_rule(&mut self, pos: usize, items: &mut Vec<Item>) -> Option<usize> {
        let b = self.text.as_bytes();
        let blank = |i: usize| matches!(b.get(i), Some(b' ' | b'\t'));
        let mut i = pos;
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        let start = i;
        // The qualifiers, as `prefix` reads them: each a whole word.
        let mut prefix = Prefix::default();
        let mut qualifiers = [(0, 0); 3];
        let mut n_qualifiers = 0;
        for (k, words) in [
            &["audit"][..],
            &["allow", "deny", "prompt"][..],
            &["owner", "other"][..],
        ]
        .into_iter()
        .enumerate()
        {
            let Some(w) = words.iter().find(|w| b[i..].starts_with(w.as_bytes())) else {
                continue;
            };
            let end = i + w.len();
            if !blank(end) {
                // `owner/a` or `ownerx`: leave it to pest.
                return None;
            }
            let span = Span::new(self.file, i, end);
            match (k, *w) {
                (0, _) => prefix.audit = Some(span),
                (1, "allow") => prefix.mode = Some((RuleMode::Allow, span)),
                (1, "deny") => prefix.mode = Some((RuleMode::Deny, span)),
                (1, _) => prefix.mode = Some((RuleMode::Prompt, span)),
                (_, "owner") => prefix.owner = Some((Owner::Owner, span)),
                (_, _) => prefix.owner = Some((Owner::Other, span)),
            }
            qualifiers[n_qualifiers] = token(i, end);
            n_qualifiers += 1;
            i = end;
            while blank(i) {
                i += 1;
            }
        }
        let path_start = i;
        if !matches!(b.get(i), Some(b'/' | b'@')) {
            return None;
        }
        i += 1;
        let special = |c: u8| {
            matches!(
                c,
                b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'!' | b',' | b'\\' | b'#'
            )
        };
        while i < b.len() {
            if b[i] == b',' {
                // `/a,b`: a comma followed by a name character continues
                // the name (`id_char`).
                match b.get(i + 1) {
                    Some(&c) if !special(c) => i += 2,
                    _ => return None,
                }
            } else if special(b[i]) {
                break;
            } else {
                i += 1;
            }
        }
        let path_end = i;
        if !blank(i) {
            return None;
        }
        while blank(i) {
            i += 1;
        }
        let perms_start = i;
        loop {
            let n = mode_char_len(&b[i..]);
            if n == 0 {
                break;
            }
            i += n;
        }
        let perms_end = i;
        if perms_end == perms_start || b.get(perms_end) != Some(&b',') {
            return None;
        }
        let end = perms_end + 1;
        let word = |from: usize, to: usize| {
            let raw = &self.text[from..to];
            Word::new(raw, raw, false, Span::new(self.file, from, to))
        };
        let kind = RuleKind::File(FileRule {
            file_keyword: false,
            safety: None,
            path: word(path_start, path_end),
            perms: word(perms_start, perms_end),
            perms_first: false,
            subset: None,
            target: None,
        });
        items.push(Item::Rule(ast::Rule {
            span: Span::new(self.file, start, end),
            prefix,
            keyword: None,
            kind,
        }));
        self.tokens.extend_from_slice(&qualifiers[..n_qualifiers]);
        self.tokens.push(token(path_start, path_end));
        self.tokens.push(token(perms_start, perms_end));
        self.tokens.push(token(perms_end, end));
        Some(end)
    }

    fn step_pair(&mut self, q: P<'t>, items: &mut Vec<Item>) -> Step {
        let end = self.offset + q.as_span().end();
        self.push_tokens(&q);
        items.extend(self.item(q));
        Step::Item(end)
    }

    /// A profile from its header (just read) to its end: the body item by
    /// item, then `}` or the end of the file. `None` when the body ends at
    /// anything else (the profile does not parse).
    fn profile_steps(&mut self, header: P<'t>) -> Option<(Profile, usize)> {
        let start = self.offset + header.as_span().start();
        let mut pos = self.offset + header.as_span().end();
        self.push_tokens(&header);
        let head = self.profile_head(header.into_inner());
        let mut items = Vec::new();
        // The steps of a top-level profile's body are kept for
        // `parse_incremental`.
        let record = self.depth == 0 && self.keep;
        let mut steps = Vec::new();
        self.depth += 1;
        loop {
            if record {
                steps.push(BodyStep {
                    pos,
                    items: items.len(),
                    tokens: self.tokens.len(),
                });
            }
            match self.step_item(true, pos, &mut items) {
                Step::Item(end) => {
                    pos = end;
                }
                Step::Close { end, eoi } => {
                    self.depth -= 1;
                    if eoi {
                        self.unclosed_at(end);
                    }
                    if record {
                        self.bodies.push(Body { start, steps });
                    }
                    let span = Span::new(self.file, start, end);
                    return Some((self.finish_profile(span, head, items), end));
                }
                Step::Fail => {
                    self.depth -= 1;
                    return None;
                }
            }
        }
    }

    fn word(&self, p: &P) -> Word {
        let raw = p.as_str();
        Word::new(raw, &unescape(raw), raw.starts_with('"'), self.span(p))
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
            Rule::bool_assign => Item::BoolAssign(Box::new(self.bool_assign(p))),
            Rule::profile => Item::Profile(Box::new(self.profile(p))),
            Rule::qualified => self.qualified(p),
            Rule::if_rule => Item::If(Box::new(self.if_rule(p))),
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
            self.diags.push(hash_include_warning(h));
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
                    format!("`{}` is assigned no value", var.raw()),
                )
                .at(op.1, "expected values after this")
                .with_help("list one or more values on the same line"),
            );
        }
        SetAssign {
            span,
            name: var_name(var.raw()),
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
            name: var_name(var.raw()),
            var,
            op: op.0,
            op_span: op.1,
            expr,
            trailing_comma,
        }
    }

    fn missing_word(&self, span: Span) -> Word {
        Word::new(
            "",
            "",
            false,
            Span::new(span.file, span.start as usize, span.start as usize),
        )
    }

    /// A profile read in one piece (inside a swallowed error block, or when
    /// the whole file is read at once).
    fn profile(&mut self, p: P<'t>) -> Profile {
        let span = self.span(&p);
        let mut head = ProfileHead::new();
        let mut items = Vec::new();
        for q in p.into_inner() {
            if !self.head_part(&mut head, &q) {
                if let Some(item) = self.item(q) {
                    items.push(item);
                }
            }
        }
        self.finish_profile(span, head, items)
    }

    /// The parts of a `profile_header`.
    fn profile_head(&mut self, parts: pest::iterators::Pairs<'t, Rule>) -> ProfileHead {
        let mut head = ProfileHead::new();
        for q in parts {
            self.head_part(&mut head, &q);
        }
        head
    }

    /// Read `q` into `head` if it is a part of a profile's header.
    fn head_part(&self, head: &mut ProfileHead, q: &P<'t>) -> bool {
        match q.as_rule() {
            Rule::k_profile => {
                head.keyword = ProfileKeyword::Profile;
                head.keyword_span = Some(self.span(q));
            }
            Rule::k_hat => {
                head.keyword = ProfileKeyword::Hat;
                head.keyword_span = Some(self.span(q));
            }
            // `keyword_head` holds the keyword and the name.
            Rule::keyword_head => {
                for inner in q.clone().into_inner() {
                    self.head_part(head, &inner);
                }
            }
            Rule::caret_name => {
                head.keyword = ProfileKeyword::Caret;
                let s = self.span(q);
                head.keyword_span =
                    Some(Span::new(self.file, s.start as usize, s.start as usize + 1));
                let raw = &q.as_str()[1..];
                head.name = Some(Word::new(
                    raw,
                    &unescape(raw),
                    raw.starts_with('"'),
                    Span::new(self.file, s.start as usize + 1, s.end as usize),
                ));
            }
            Rule::profile_name | Rule::bare_profile_name => head.name = Some(self.word(q)),
            Rule::attachment => head.attachment = Some(self.word(q)),
            Rule::xattrs => {
                if let Some(l) = q.clone().into_inner().next() {
                    head.xattrs = Some(self.paren_list(l));
                }
            }
            Rule::flags => {
                if let Some(l) = q.clone().into_inner().next() {
                    head.flags = Some(self.paren_list(l));
                }
            }
            Rule::identities => {
                if let Some(l) = q.clone().into_inner().next() {
                    head.identities.push(self.paren_list(l));
                }
            }
            _ => return false,
        }
        true
    }

    fn finish_profile(&self, span: Span, head: ProfileHead, items: Vec<Item>) -> Profile {
        let ProfileHead {
            keyword,
            keyword_span,
            name,
            attachment,
            xattrs,
            flags,
            identities,
        } = head;
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
            open_brace: Span::new(self.file, open, open + 1),
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
            vec![Word::new(p.as_str(), p.as_str(), false, span)]
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
                        safety: safety.map(Box::new),
                        path,
                        perms,
                        perms_first,
                        subset: subset.map(Box::new),
                        target: target.map(Box::new),
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
                source: words.next().map(Box::new),
                arrow,
                target_conds,
                target: target.map(Box::new),
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
        let end = self.span(p).start as usize;
        self.unclosed_at(end);
    }

    /// Blocks still open where the file ends at `end`.
    fn unclosed_at(&mut self, end: usize) {
        if self.unclosed_seen {
            return;
        }
        self.unclosed_seen = true;
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

/// Length of the `mode_char` at the start of `b` (0: none), as the grammar's
/// ordered choice reads it.
fn mode_char_len(b: &[u8]) -> usize {
    let pc = |i: usize| matches!(b.get(i), Some(b'P' | b'p' | b'C' | b'c'));
    let iu = |i: usize| matches!(b.get(i), Some(b'I' | b'i' | b'U' | b'u'));
    let x = |i: usize| matches!(b.get(i), Some(b'X' | b'x'));
    let q = usize::from(pc(0));
    if iu(q) && x(q + 1) {
        q + 2
    } else if pc(0) && x(1) {
        2
    } else if matches!(
        b.first(),
        Some(b'R' | b'r' | b'W' | b'w' | b'a' | b'L' | b'l' | b'M' | b'm' | b'k' | b'X' | b'x')
    ) {
        1
    } else {
        0
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

#[cfg(test)]
mod tests {
    use super::{parse_with, Context};
    use crate::diag::FileId;

    /// Lines the plain file rule reading takes, and lines close to them
    /// that it must leave to pest.
    const LINES: &[&str] = &[
        "/a r,",
        "/a rw,",
        "  /srv/data/dir1/file1.txt rw,",
        "\t/a\t\tmr,",
        "/ r,",
        "@ r,",
        "@{HOME}/.cache/** rwk,",
        "@{PROC}/@{pid}/{stat,status} r,",
        "/usr/{lib,lib64}/** mr,",
        "/a ix,",
        "/a pix,",
        "/a Pix,",
        "/a Px,",
        "/a cx,",
        "/a Cux,",
        "/a pux,",
        "/a rwPx,",
        "/a pixr,",
        "/a rpix,",
        "/a xx,",
        "/a rwlkmaRWLMX,",
        "/a pc,",
        "/a ip,",
        "/a rz,",
        "/a r2,",
        "/a r ,",
        "/a r",
        "/a r,,",
        "/a r,#note",
        "/a r, # note",
        "/a#b r,",
        "/a r -> b,",
        "/a px -> b,",
        "/a,b r,",
        "/a\\ b r,",
        "/a\\\nb r,",
        "/a \\\n r,",
        "\"/a b\" r,",
        "/a!b r,",
        "/é/ü r,",
        "/a\u{b}b r,",
        "/a\r\n r,",
        "/a\n r,",
        "/a r,/b w,",
        "/a r, /b w,",
        "/a {",
        "/a r, }",
        "/a rw",
        "&a r,",
        ":ns: r,",
        "/{a r,",
        "/a r,\n{",
        "owner /a r,",
        "deny /a w,",
        "r /a,",
        "@{X} = a",
        "/a = r,",
        "/a rw,\u{a0}",
        "owner /a r,",
        "owner  /a rw,",
        "owner\t@{HOME}/a r,",
        "owner/a r,",
        "ownerx /a r,",
        "owner_ /a r,",
        "owner\n/a r,",
        "owner # c\n/a r,",
        "other /a r,",
        "deny /a w,",
        "deny owner /a w,",
        "audit deny owner /a w,",
        "audit allow other /a r,",
        "audit  deny\t owner  /a  rw,",
        "prompt /a r,",
        "allow /a r,",
        "audit /a r,",
        "deny audit /a r,",
        "owner deny /a r,",
        "owner owner /a r,",
        "deny deny /a r,",
        "audit audit /a r,",
        "priority=1 /a r,",
        "priority=1 owner /a r,",
        "owner /a r -> b,",
        "owner file /a r,",
        "deny capability,",
        "owner",
        "owner ",
        "deny /a",
        "/a,b r,",
        "/a,,b r,",
        "/a,\\ b r,",
        "/a, r,",
        "/a,#b r,",
        "/{a,b} r,",
        "@{PROC}/{,1,2}/x r,",
        "/a,\"b\" r,",
        "/a,!b r,",
        "/a,é r,",
        "/a, b r,",
        "/a,",
        "/a,b",
        "owner /a,b rw,",
    ];

    fn both(text: &str, context: Context) {
        let fast = parse_with(FileId(0), text, context, true, true);
        let slow = parse_with(FileId(0), text, context, false, true);
        assert_eq!(
            format!("{:?}", (fast.tree, fast.diags)),
            format!("{:?}", (slow.tree, slow.diags)),
            "{text:?}"
        );
    }

    #[test]
    fn plain_file_rules_read_as_pest_reads_them() {
        for line in LINES {
            both(&format!("profile p {{\n{line}\n}}\n"), Context::Top);
            both(&format!("/usr/bin/x {{{line}}}"), Context::Top);
            both(&format!("profile p {{\n  {line}\n  {line}\n"), Context::Top);
            both(&format!("{line}\n"), Context::Body);
            both(line, Context::Body);
            both(line, Context::Top);
            for other in LINES {
                both(&format!("{line}\n{other}\n"), Context::Body);
            }
        }
    }
}

#[cfg(test)]
mod incremental_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    /// A small deterministic generator (xorshift64*).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// A random one-place edit: insert, delete or replace a character (or,
    /// now and then, none).
    fn edit(text: &str, rng: &mut Rng) -> String {
        if rng.below(20) == 0 {
            return text.to_string();
        }
        const CHARS: &[&str] = &[
            "{", "}", ",", "#", "\"", "\n", " ", "a", "/", "r", "w", "(", ")", "=", "@", "$", "^",
            "é", "x", "\\", "*", "-", "<", ">", "p",
        ];
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let at = bounds[rng.below(bounds.len())];
        let next = bounds.iter().find(|&&i| i > at).copied();
        let c = CHARS[rng.below(CHARS.len())];
        let mut out = text[..at].to_string();
        match (rng.below(3), next) {
            (0, Some(n)) => out.push_str(&text[n..]),
            (1, Some(n)) => {
                out.push_str(c);
                out.push_str(&text[n..]);
            }
            _ => {
                out.push_str(c);
                out.push_str(&text[at..]);
            }
        }
        out
    }

    fn full(text: &str) -> String {
        format!("{:?}", parse_apparmor(FileId(3), text, Context::Top))
    }

    /// `edits` random edits of `base`, each re-parsed from the previous
    /// parse and compared with a full parse. Returns how many edits the
    /// incremental path took.
    fn fuzz(base: &str, edits: usize, rng: &mut Rng) -> usize {
        let (_, _, first) = parse_incremental(FileId(3), base, None);
        let mut good: Option<(String, Parsed)> = first.map(|p| (base.to_string(), p));
        let mut cur = (base.to_string(), good.as_ref().map(|g| g.1.clone()));
        let mut hits = 0;
        for _ in 0..edits {
            let text = edit(&cur.0, rng);
            if let Some(prev) = &cur.1 {
                if let Some(out) = reparse(prev, &text) {
                    hits += 1;
                    assert_eq!(
                        format!("{:?}", (&out.tree, &out.diags)),
                        full(&text),
                        "edit of {:?} into {text:?}",
                        cur.0
                    );
                }
            }
            let (tree, diags, next) = parse_incremental(FileId(3), &text, cur.1.as_ref());
            assert_eq!(format!("{:?}", (&tree, &diags)), full(&text));
            if let Some(n) = &next {
                // The kept parse is the one of this text.
                assert_eq!(n.text, text);
                assert_eq!(format!("{:?}", n.tree), format!("{tree:?}"));
            }
            // Mostly go on from the edited text; back to the last clean
            // one now and then, and whenever it has errors.
            match next {
                Some(n) if rng.below(4) != 0 => {
                    good = Some((text.clone(), n.clone()));
                    cur = (text, Some(n));
                }
                _ => {
                    if let Some((t, p)) = &good {
                        cur = (t.clone(), Some(p.clone()));
                    } else {
                        cur = (base.to_string(), None);
                    }
                }
            }
        }
        hits
    }

    fn data_files() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut out = Vec::new();
        for dir in [
            "tests/data/fmt",
            "tests/data/diagnostics",
            "examples/apparmor",
        ] {
            let mut paths = Vec::new();
            let mut dirs = vec![root.join(dir)];
            while let Some(d) = dirs.pop() {
                for p in std::fs::read_dir(d)
                    .unwrap()
                    .filter_map(|e| e.ok().map(|e| e.path()))
                {
                    if p.is_dir() {
                        dirs.push(p);
                    } else if !p.extension().is_some_and(|e| e == "out" || e == "json") {
                        paths.push(p);
                    }
                }
            }
            paths.sort();
            for p in paths {
                if let Ok(text) = std::fs::read_to_string(&p) {
                    out.push(text);
                }
            }
        }
        out
    }

    /// The recheck bench's profile, without the abstractions.
    fn generated(lines: usize) -> String {
        let mut out = vec![
            "abi <abi/3.0>,".to_string(),
            "include <tunables/global>".into(),
            "profile bench /usr/bin/bench {".into(),
            "  include <abstractions/base>".into(),
        ];
        let mut i = 0;
        while out.len() < lines - 1 {
            out.push(match i % 7 {
                0 => format!("  /srv/bench/{i}/** r,"),
                1 => format!("  owner @{{HOME}}/.cache/bench-{i}/** rwk,"),
                2 => "  capability net_bind_service,".into(),
                3 => format!("  signal send set=(term) peer=bench-{i},"),
                4 => format!("  ^hat{i} {{\n    /a/{i} r,\n  }}"),
                5 => format!("  deny /x/{i} w, # note {i}"),
                _ => format!("  network inet stream, # {i}"),
            });
            i += 1;
        }
        out.push("}".into());
        out.push("profile other {\n  /b r,\n}".into());
        out.join("\n") + "\n"
    }

    #[test]
    fn incremental_parse_equals_a_full_parse() {
        // Debug builds of the recursive parser need more than a test
        // thread's stack for the deeper random texts.
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(compare_random_edits)
            .unwrap()
            .join()
            .unwrap();
    }

    fn compare_random_edits() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let files = data_files();
        assert!(files.len() > 50, "{}", files.len());
        let (mut hits, mut edits) = (0, 0);
        for text in &files {
            hits += fuzz(text, 60, &mut rng);
            edits += 60;
        }
        // Many of the small files are error cases, read in full each time.
        assert!(hits > 1000, "{hits} of {edits}");
        // In a long profile, the incremental path is the common one.
        let big = generated(2000);
        let big_hits = fuzz(&big, 400, &mut rng);
        assert!(big_hits > 200, "{big_hits} of 400");
    }
}
