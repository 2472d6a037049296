//! Hover: a variable's value (expanded), a profile, an include's files, or
//! documentation of the word under the cursor in the rule it belongs to.

use profilec_core::check::vars::{references, Value};
use profilec_core::check::Symbols;
use profilec_core::session::index::SymbolAt;
use profilec_core::syntax::ast::{Class, Item, RuleKind};
use tower_lsp::lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::client::Client;
use crate::server::Server;
use crate::{convert, docs, walk};

/// Expansions shown at most; a set of sets multiplies quickly.
const MAX_VALUES: usize = 32;

impl<C: Client> Server<C> {
    pub fn hover(&self, p: &HoverParams) -> Option<Hover> {
        let tp = &p.text_document_position_params;
        let path = convert::path_of(&tp.text_document.uri);
        if crate::server::is_confine(&path) {
            if let Some(h) = self.confine_name_hover(&tp.text_document.uri, tp.position) {
                return Some(h);
            }
            let (sources, file) = self.texts.source(&path)?;
            return crate::confine::hover(
                sources,
                file,
                convert::offset(sources, file, tp.position),
            );
        }
        let at = self.at(&tp.text_document.uri, tp.position)?;
        let sources = &self.session.sources;
        let text = sources.text(at.file);
        let (value, span) = match at.checked.index.at(at.file, at.offset as u32) {
            Some(SymbolAt::Variable(name)) => {
                let span = at.checked.index.variables.get(&name).and_then(|v| {
                    v.definitions
                        .iter()
                        .chain(&v.uses)
                        .find(|s| {
                            s.file == at.file
                                && s.start as usize <= at.offset
                                && at.offset <= s.end as usize
                        })
                        .copied()
                });
                (variable(at.checked.variables.as_ref(), &name), span)
            }
            Some(SymbolAt::Profile(name)) => {
                let ix = &at.checked.index;
                let doc = match ix.profile_named(&name) {
                    Some(p) => format!("{} `{}`", crate::symbols::kind_name(p.kind), p.name),
                    None => {
                        format!("profile `{name}` (not declared in this document or its includes)")
                    }
                };
                (doc, None)
            }
            Some(SymbolAt::Include(i)) => {
                let inc = at.checked.index.includes.get(i)?;
                let files: Vec<String> = inc
                    .resolved
                    .iter()
                    .map(|p| format!("- `{}`", p.display()))
                    .collect();
                let body = if files.is_empty() {
                    "not found on the include path".to_string()
                } else {
                    files.join("\n")
                };
                (
                    format!("include `{}`\n\n{body}", inc.target),
                    Some(inc.span),
                )
            }
            None => {
                let (start, end) = word_at(text, at.offset);
                let word = &text[start..end];
                let unit = at.checked.unit.as_ref()?;
                let ast = unit.file(at.file)?;
                let doc = describe(&ast.items, at.offset, word)?;
                (
                    doc,
                    Some(profilec_core::diag::Span::new(at.file, start, end)),
                )
            }
        };
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: span.map(|s| convert::range(sources, s)),
        })
    }
}

/// The word around `offset`: letters, digits and `_+-.`.
pub fn word_at(text: &str, offset: usize) -> (usize, usize) {
    let is_word = |c: char| c.is_ascii_alphanumeric() || "_+-.".contains(c);
    let offset = offset.min(text.len());
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    (start, end)
}

/// Documentation of `word` at `offset`, read in the rule around it.
fn describe(items: &[Item], offset: usize, word: &str) -> Option<String> {
    let inside =
        |s: profilec_core::diag::Span| s.start as usize <= offset && offset <= s.end as usize;
    let mut found: Option<String> = None;
    walk::items(items, &mut |item| {
        if !inside(item.span()) {
            return;
        }
        match item {
            Item::Profile(p) if p.flags.as_ref().is_some_and(|f| inside(f.span)) => {
                let key = word.split('=').next().unwrap_or(word);
                found =
                    docs::lookup(docs::FLAGS, key).map(|d| format!("profile flag `{key}`: {d}"));
            }
            Item::Rule(r) => {
                if r.keyword.is_some_and(inside) {
                    return;
                }
                found = match &r.kind {
                    RuleKind::Capability(_) => docs::lookup(docs::CAPABILITY_DOCS, word)
                        .map(|d| format!("capability `{word}` (CAP_{}): {d}", word.to_uppercase())),
                    RuleKind::Network { .. } => network(word),
                    RuleKind::Mediated {
                        class: Class::Signal,
                        ..
                    } => docs::signal(word),
                    RuleKind::File(f) if inside(f.perms.span) => Some(format!(
                        "permissions `{}`\n\n{}",
                        f.perms.value(),
                        docs::explain_permissions(f.perms.value())
                    )),
                    _ => None,
                };
            }
            _ => {}
        }
    });
    found.or_else(|| docs::lookup(docs::KEYWORDS, word).map(|d| format!("**{word}**: {d}")))
}

fn network(word: &str) -> Option<String> {
    use profilec_core::check::tables::{NET_FAMILIES, NET_PROTOCOLS, NET_TYPES};
    if NET_FAMILIES.contains(&word) {
        Some(format!(
            "network family `{word}` (AF_{})",
            word.to_uppercase()
        ))
    } else if NET_TYPES.contains(&word) {
        Some(format!(
            "socket type `{word}` (SOCK_{})",
            word.to_uppercase()
        ))
    } else if NET_PROTOCOLS.contains(&word) {
        Some(format!("protocol `{word}`"))
    } else {
        None
    }
}

/// `@{NAME}`'s value, every variable in it expanded.
fn variable(symbols: Option<&Symbols>, name: &str) -> String {
    let Some(var) = symbols.and_then(|s| s.vars.get(name)) else {
        return format!("variable `{name}` (no value: not defined where this document is checked)");
    };
    match &var.value {
        Value::Bool(b) => format!("boolean `${{{name}}}` = `{b}`"),
        Value::Set(words) => {
            let raw: Vec<&str> = words.iter().map(|w| w.raw()).collect();
            let mut out = format!("`@{{{name}}}` = `{}`", raw.join(" "));
            let mut values = Vec::new();
            for w in words {
                expand(symbols, w.value(), 0, &mut values);
            }
            let truncated = values.len() > MAX_VALUES;
            values.truncate(MAX_VALUES);
            if values.iter().zip(&raw).any(|(v, r)| v != r) || values.len() != raw.len() {
                out.push_str("\n\nexpands to:\n");
                for v in &values {
                    out.push_str(&format!("- `{v}`\n"));
                }
                if truncated {
                    out.push_str("- ...\n");
                }
            }
            out
        }
    }
}

fn expand(symbols: Option<&Symbols>, text: &str, depth: usize, out: &mut Vec<String>) {
    if out.len() > MAX_VALUES {
        return;
    }
    let refs = references(text);
    let first = refs.first();
    let value = first
        .and_then(|(n, _, _)| symbols?.vars.get(n.as_str()))
        .map(|v| &v.value);
    match (first, value) {
        (Some((_, start, end)), Some(Value::Set(words))) if depth < 16 => {
            for w in words {
                let joined = format!("{}{}{}", &text[..*start], w.value(), &text[*end..]);
                expand(symbols, &joined, depth + 1, out);
            }
        }
        _ => out.push(text.to_string()),
    }
}
