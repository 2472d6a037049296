//! Completion from the text before the cursor: include paths on the search
//! path, variables in scope, profile flags, and the names each rule kind
//! takes (capabilities, network families and types, signals, permissions);
//! otherwise keywords.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use profilec_core::check::tables::{
    CAPABILITIES, NET_FAMILIES, NET_PROTOCOLS, NET_TYPES, RLIMITS, SIGNALS,
};
use profilec_core::input::fs::{FileSystem, Kind};
use profilec_core::resolve::include::DEFAULT_BASE;
use profilec_core::resolve::stdlib;
use tower_lsp::lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, Documentation,
};

use crate::client::Client;
use crate::server::Server;
use crate::{convert, docs};

const QUALIFIERS: &[&str] = &["audit", "deny", "allow", "owner", "other"];
const FILE_PERMISSIONS: &[&str] = &[
    "r", "w", "a", "l", "k", "m", "ix", "px", "Px", "cx", "Cx", "ux", "Ux", "pix", "cix", "rw",
    "rwk", "rix", "mr",
];

impl<C: Client> Server<C> {
    pub fn completion(&self, p: &CompletionParams) -> Option<CompletionResponse> {
        let tp = &p.text_document_position;
        let path = convert::path_of(&tp.text_document.uri);
        let text = self.text(&path)?;
        let offset = self.texts.offset(&path, tp.position)?;
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let before = &text[line_start..offset];
        let items = if crate::server::is_confine(&path) {
            crate::confine::completion(before)
        } else {
            self.items_for(&path, before)
        };
        Some(CompletionResponse::Array(items))
    }

    fn items_for(&self, path: &Path, before: &str) -> Vec<CompletionItem> {
        if let Some(partial) = include_partial(before) {
            return self.include_items(partial);
        }
        if let Some(open) = before.rfind("@{") {
            if !before[open..].contains('}') {
                return self.variable_items(path);
            }
        }
        if let Some(open) = before.rfind("flags=(") {
            if !before[open..].contains(')') {
                return words(
                    docs::FLAGS.iter().map(|(k, d)| (*k, Some(*d))),
                    CompletionItemKind::ENUM_MEMBER,
                );
            }
        }
        let statement = statement_start(before);
        let mut tokens = statement.split_whitespace();
        let first = tokens.next().unwrap_or("");
        let ended =
            before.ends_with(char::is_whitespace) || before.ends_with('(') || before.ends_with(',');
        let in_progress = tokens.next().is_some() || (ended && !first.is_empty());
        if !in_progress {
            return keywords();
        }
        match first {
            "capability" => words(
                CAPABILITIES
                    .iter()
                    .map(|c| (*c, docs::lookup(docs::CAPABILITY_DOCS, c))),
                CompletionItemKind::ENUM_MEMBER,
            ),
            "network" => {
                let all = NET_FAMILIES.iter().chain(NET_TYPES).chain(NET_PROTOCOLS);
                words(all.map(|w| (*w, None)), CompletionItemKind::ENUM_MEMBER)
            }
            "signal"
                if before
                    .rfind("set=(")
                    .is_some_and(|i| !before[i..].contains(')')) =>
            {
                words(
                    SIGNALS.iter().map(|s| (*s, None)),
                    CompletionItemKind::ENUM_MEMBER,
                )
            }
            "signal" => words(
                docs::SIGNAL_PERMISSIONS
                    .iter()
                    .chain(&["set=(", "peer="])
                    .map(|s| (*s, None)),
                CompletionItemKind::KEYWORD,
            ),
            "ptrace" => words(
                docs::PTRACE_PERMISSIONS
                    .iter()
                    .chain(&["peer="])
                    .map(|s| (*s, None)),
                CompletionItemKind::KEYWORD,
            ),
            "set" => words(
                RLIMITS.iter().map(|s| (*s, None)).chain([("rlimit", None)]),
                CompletionItemKind::ENUM_MEMBER,
            ),
            w if w.starts_with('/') || w.starts_with("@{") || w.starts_with('"') => words(
                FILE_PERMISSIONS.iter().map(|s| (*s, None)),
                CompletionItemKind::OPERATOR,
            ),
            _ => Vec::new(),
        }
    }

    /// Entries under the typed directory of every include directory.
    fn include_items(&self, partial: &str) -> Vec<CompletionItem> {
        let dir = partial.rfind('/').map_or("", |i| &partial[..i]);
        let mut roots: Vec<PathBuf> = self.settings.include_dirs.clone();
        roots.push(
            self.settings
                .base_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_BASE)),
        );
        let embedded = stdlib::fs();
        let mut seen: BTreeSet<(String, bool)> = BTreeSet::new();
        let mut list = |fs: &dyn FileSystem, base: &Path| {
            let at = base.join(dir);
            for name in fs.read_dir(&at).unwrap_or_default() {
                if name.starts_with('.')
                    || name.ends_with('~')
                    || name.contains(".dpkg-")
                    || name.ends_with(".rpmsave")
                    || name.ends_with(".rpmnew")
                {
                    continue;
                }
                let is_dir = fs.kind(&at.join(&name)) == Some(Kind::Dir);
                seen.insert((name, is_dir));
            }
        };
        for root in &roots {
            list(self.fs.as_ref(), root);
        }
        list(&embedded, &stdlib::root());
        seen.into_iter()
            .map(|(name, is_dir)| CompletionItem {
                label: if is_dir {
                    format!("{name}/")
                } else {
                    name.clone()
                },
                insert_text: Some(if is_dir { format!("{name}/") } else { name }),
                kind: Some(if is_dir {
                    CompletionItemKind::FOLDER
                } else {
                    CompletionItemKind::FILE
                }),
                ..CompletionItem::default()
            })
            .collect()
    }

    /// Every variable the document's last check knew: its own, its
    /// includes' and the tunables'.
    fn variable_items(&self, path: &Path) -> Vec<CompletionItem> {
        let Some(checked) = self.checked.get(path) else {
            return Vec::new();
        };
        let mut names: BTreeSet<&str> =
            checked.index.variables.keys().map(String::as_str).collect();
        if let Some(v) = &checked.variables {
            names.extend(v.vars.keys().map(|k| &**k));
        }
        names
            .into_iter()
            .filter(|n| !n.is_empty())
            .map(|n| CompletionItem {
                label: n.to_string(),
                kind: Some(CompletionItemKind::VARIABLE),
                ..CompletionItem::default()
            })
            .collect()
    }
}

/// What follows `include <` or `include "` when the cursor is inside it.
fn include_partial(before: &str) -> Option<&str> {
    let t = before.trim_start();
    let rest = t
        .strip_prefix("#include")
        .or_else(|| t.strip_prefix("include"))?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("if exists").map_or(rest, str::trim_start);
    let inner = rest.strip_prefix('<').or_else(|| rest.strip_prefix('"'))?;
    (!inner.contains(['>', '"'])).then_some(inner)
}

/// The current rule: after the last `{` or `,`, without its qualifiers.
fn statement_start(before: &str) -> &str {
    let from = before.rfind(['{', ',']).map_or(0, |i| i + 1);
    let mut s = before[from..].trim_start();
    loop {
        let word = s.split_whitespace().next().unwrap_or("");
        if QUALIFIERS.contains(&word) || word.starts_with("priority=") {
            s = s[word.len()..].trim_start();
        } else {
            return s;
        }
    }
}

fn words<'a>(
    list: impl Iterator<Item = (&'a str, Option<&'a str>)>,
    kind: CompletionItemKind,
) -> Vec<CompletionItem> {
    list.map(|(w, d)| CompletionItem {
        label: w.to_string(),
        kind: Some(kind),
        detail: d.map(str::to_string),
        ..CompletionItem::default()
    })
    .collect()
}

fn keywords() -> Vec<CompletionItem> {
    docs::KEYWORDS
        .iter()
        .map(|(k, d)| CompletionItem {
            label: (*k).to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            documentation: Some(Documentation::String((*d).to_string())),
            ..CompletionItem::default()
        })
        .collect()
}
