//! `.confine` documents: hover and completion from the syscall, errno and
//! constant tables (`profilec_core::seccomp`), read from the text around
//! the cursor. Diagnostics and inlay hints come with the DSL's library API.

use profilec_core::diag::{FileId, SourceMap};
use profilec_core::seccomp::consts::{
    self, CLONE_FLAG, ERRNO, PERSONALITY, SOCKET_FAMILY, SOCKET_TYPE,
};
use profilec_core::seccomp::tables::{self, Arch};
use tower_lsp::lsp_types::{
    CompletionItem, CompletionItemKind, Hover, HoverContents, MarkupContent, MarkupKind,
};

use crate::convert;

/// Words of the DSL, for completion.
pub const KEYWORDS: &[&str] = &[
    "confine",
    "mode",
    "enforce",
    "complain",
    "attach",
    "files",
    "read",
    "write",
    "audit-write",
    "exec",
    "deny",
    "deny-exec",
    "capabilities",
    "allow",
    "network",
    "signals",
    "receive",
    "send",
    "from",
    "ptrace",
    "syscalls",
    "default",
    "errno",
    "use",
    "extends",
    "if",
    "in",
    "apparmor",
    "expect",
    "syscall",
    "allowed",
];

/// The word around `offset`: letters, digits, `_` and `-`.
fn word_at(text: &str, offset: usize) -> (usize, usize) {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
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

/// What a name of the tables stands for.
pub fn describe(word: &str) -> Option<String> {
    if tables::known_anywhere(word) {
        let mut s = format!("syscall `{word}`\n\n| architecture | number |\n| --- | --- |\n");
        for a in Arch::ALL {
            let n = a.number(word).map_or("—".to_string(), |n| n.to_string());
            s.push_str(&format!("| {} | {n} |\n", a.oci_name()));
        }
        return Some(s);
    }
    if let Some(v) = consts::errno_value(word) {
        return Some(format!("errno `{word}` = {v}"));
    }
    consts::constant(word).map(|v| format!("constant `{word}` = {v} (`{v:#x}`)"))
}

/// Hover over the word at `offset` of `file` (the document's text).
pub fn hover(sources: &SourceMap, file: FileId, offset: usize) -> Option<Hover> {
    let text = sources.text(file);
    let (start, end) = word_at(text, offset);
    let value = describe(&text[start..end])?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(convert::range(
            sources,
            profilec_core::diag::Span::new(file, start, end),
        )),
    })
}

/// Completion in a `.confine` document: errnos after `errno`, constants
/// inside `[...]`, syscall names in a `syscalls` or `expect` line, and the
/// keywords otherwise.
pub fn completion(before: &str) -> Vec<CompletionItem> {
    let item = |label: &str, kind, detail: Option<String>| CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        ..CompletionItem::default()
    };
    let words: Vec<&str> = before.split_whitespace().collect();
    let last_done = before.ends_with(char::is_whitespace);
    let previous = if last_done {
        words.last()
    } else {
        words.len().checked_sub(2).and_then(|i| words.get(i))
    };
    if previous == Some(&"errno") {
        return ERRNO
            .iter()
            .map(|(n, v)| item(n, CompletionItemKind::CONSTANT, Some(v.to_string())))
            .collect();
    }
    if before
        .rfind('[')
        .is_some_and(|i| !before[i..].contains(']'))
    {
        return [SOCKET_FAMILY, SOCKET_TYPE, CLONE_FLAG, PERSONALITY]
            .iter()
            .flat_map(|t| t.iter())
            .map(|(n, v)| item(n, CompletionItemKind::CONSTANT, Some(format!("{v:#x}"))))
            .collect();
    }
    let first = words.first().copied().unwrap_or("");
    let syscall_line = matches!(
        first,
        "allow" | "deny" | "syscall" | "kill" | "log" | "trace"
    ) || previous == Some(&"syscall");
    if syscall_line && words.len() + usize::from(last_done) >= 2 {
        return tables::all_names()
            .into_iter()
            .map(|n| item(n, CompletionItemKind::FUNCTION, None))
            .collect();
    }
    KEYWORDS
        .iter()
        .map(|k| item(k, CompletionItemKind::KEYWORD, None))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscalls_have_a_number_per_architecture() {
        let d = describe("socket").unwrap_or_default();
        assert!(d.contains("| SCMP_ARCH_X86_64 | 41 |"), "{d}");
        assert!(d.contains("| SCMP_ARCH_X86 | 359 |"), "{d}");
        assert!(d.contains("| SCMP_ARCH_AARCH64 | 198 |"), "{d}");
        assert_eq!(describe("EPERM").as_deref(), Some("errno `EPERM` = 1"));
        assert_eq!(
            describe("AF_INET").as_deref(),
            Some("constant `AF_INET` = 2 (`0x2`)")
        );
        assert_eq!(describe("nginx"), None);
    }

    #[test]
    fn completion_follows_the_line() {
        let labels = |b: &str| {
            completion(b)
                .into_iter()
                .map(|i| i.label)
                .collect::<Vec<_>>()
        };
        assert!(labels("    default errno ").contains(&"EPERM".to_string()));
        assert!(labels("    allow socket if arg0 in [AF_").contains(&"AF_INET6".to_string()));
        assert!(labels("    deny ").contains(&"ptrace".to_string()));
        assert!(labels("    syscall pt").contains(&"ptrace".to_string()));
        assert!(labels("  ").contains(&"syscalls".to_string()));
    }
}
