//! Semantic tokens of `.confine` documents, in the legend of
//! `semantic_tokens.rs`: the lexer of `emit::confine` gives every token
//! and comment; the AST says what a word is (a profile, base or set name,
//! a syscall, a path, a capability or other table name, a number or
//! constant); the remaining words of the DSL are keywords, and in an
//! `expect` block the word after `syscall` is a syscall. The AppArmor rules
//! of `apparmor { }` get no tokens.

use std::collections::HashMap;

use profilec_core::diag::Span;
use profilec_core::emit::confine::{lex, Kind};
use profilec_core::syntax::confine::ast::{
    ActionKind, CondKind, File, MountStmt, ProfileItem, SyscallStmt, Value, Word,
};
use tower_lsp::lsp_types::{SemanticTokens, SemanticTokensResult, Url};

use crate::client::Client;
use crate::confine_index::{names, Name};
use crate::convert;
use crate::semantic_tokens::{
    encode, CLASS, COMMENT, ENUM_MEMBER, FUNCTION, KEYWORD, NUMBER, OPERATOR, STRING, VARIABLE,
};
use crate::server::Server;

/// Words of the DSL that are keywords wherever they stand (unless the AST
/// says the word is something else there).
const KEYWORDS: &[&str] = &[
    "confine",
    "base",
    "syscall-set",
    "import",
    "mode",
    "attach",
    "flags",
    "use",
    "extends",
    "files",
    "capabilities",
    "network",
    "signals",
    "ptrace",
    "mount",
    "syscalls",
    "apparmor",
    "expect",
    "owner",
    "read",
    "write",
    "audit-write",
    "append",
    "exec",
    "deny",
    "deny-write",
    "deny-exec",
    "all",
    "allow",
    "send",
    "receive",
    "to",
    "from",
    "peer",
    "on",
    "umount",
    "default",
    "arch",
    "errno",
    "log",
    "kill",
    "kill-process",
    "kill-thread",
    "trap",
    "trace",
    "if",
    "and",
    "syscall",
    "allowed",
    "killed",
    "self",
    "unconfined",
];

const OPERATORS: &[&str] = &["==", "!=", "<", "<=", ">", ">=", "&", "in"];

/// What the AST says each word is, by its start.
fn roles(ast: &File) -> HashMap<u32, u32> {
    let mut r = HashMap::new();
    let mut put = |w: &Word, kind: u32| {
        r.insert(w.span.start, kind);
    };
    for n in names(ast) {
        match n {
            Name::Import { word } => put(&word, STRING),
            Name::Def { word, .. } | Name::Ref { word, .. } => put(&word, CLASS),
        }
    }
    for p in &ast.profiles {
        for item in &p.items {
            match item {
                ProfileItem::Mode(w) => put(w, ENUM_MEMBER),
                ProfileItem::Attach(w) => put(w, STRING),
                ProfileItem::Flags(ws) => ws.iter().for_each(|w| put(w, ENUM_MEMBER)),
                ProfileItem::Files(s) => {
                    for f in s {
                        f.paths.iter().for_each(|w| put(w, STRING));
                    }
                }
                ProfileItem::Capabilities(s) => {
                    for c in s {
                        c.names.iter().for_each(|w| put(w, ENUM_MEMBER));
                    }
                }
                ProfileItem::Network(s) => {
                    for n in s {
                        for e in &n.entries {
                            e.words.iter().for_each(|w| put(w, ENUM_MEMBER));
                        }
                    }
                }
                ProfileItem::Signals(s) => {
                    for x in s {
                        x.signals.iter().for_each(|w| put(w, ENUM_MEMBER));
                    }
                }
                ProfileItem::Ptrace(s) => {
                    for x in s {
                        x.access.iter().for_each(|w| put(w, ENUM_MEMBER));
                    }
                }
                ProfileItem::Mount(s) => {
                    for m in s {
                        match m {
                            MountStmt::Mount { fstype, target, .. } => {
                                put(fstype, ENUM_MEMBER);
                                put(target, STRING);
                            }
                            MountStmt::Umount { target, .. } => put(target, STRING),
                            MountStmt::DenyAll(_) => {}
                        }
                    }
                }
                ProfileItem::Syscalls(s) => syscalls(s, &mut put),
                _ => {}
            }
        }
    }
    for s in &ast.sets {
        syscalls(&s.stmts, &mut put);
    }
    r
}

fn value(v: &Value, put: &mut dyn FnMut(&Word, u32)) {
    let numeric = v.word.text.starts_with(|c: char| c.is_ascii_digit());
    put(&v.word, if numeric { NUMBER } else { ENUM_MEMBER });
}

fn syscalls(stmts: &[SyscallStmt], put: &mut dyn FnMut(&Word, u32)) {
    for s in stmts {
        match s {
            SyscallStmt::Default { action, .. } => action_words(&action.kind, put),
            SyscallStmt::Arch { arches, .. } => arches.iter().for_each(|w| put(w, ENUM_MEMBER)),
            SyscallStmt::Use { .. } => {}
            SyscallStmt::Rule(rule) => {
                action_words(&rule.action.kind, put);
                rule.names.iter().for_each(|w| put(w, FUNCTION));
                for c in &rule.conds {
                    match &c.kind {
                        CondKind::Cmp(_, v) => value(v, put),
                        CondKind::Masked { mask, value: v } => {
                            value(mask, put);
                            value(v, put);
                        }
                        CondKind::In(vs) => vs.iter().for_each(|v| value(v, put)),
                    }
                }
            }
        }
    }
}

fn action_words(kind: &ActionKind, put: &mut dyn FnMut(&Word, u32)) {
    match kind {
        ActionKind::Errno(w) => {
            let numeric = w.text.starts_with(|c: char| c.is_ascii_digit());
            put(w, if numeric { NUMBER } else { ENUM_MEMBER });
        }
        ActionKind::Trace(Some(w)) => put(w, NUMBER),
        _ => {}
    }
}

impl<C: Client> Server<C> {
    pub(crate) fn confine_semantic_tokens(&self, uri: &Url) -> Option<SemanticTokensResult> {
        let c = self.confine.get(&convert::path_of(uri))?;
        let f = &c.program().files[c.root?];
        let (file, text) = (f.id, c.names().text(f.id));
        let roles = roles(&f.ast);
        let mut spans: Vec<(Span, u32)> = Vec::new();
        // The word before: in an `expect` block, `syscall NAME`.
        let mut previous = "";
        for l in lex(text) {
            let span = Span::new(file, l.start, l.end);
            let word = l.text(text);
            let after = std::mem::replace(&mut previous, word);
            let kind = match l.kind {
                Kind::Comment => COMMENT,
                Kind::Word | Kind::Quoted => match roles.get(&(l.start as u32)) {
                    Some(k) => *k,
                    None if after == "syscall" => FUNCTION,
                    None if l.kind == Kind::Quoted => STRING,
                    None if KEYWORDS.contains(&word) => KEYWORD,
                    None if OPERATORS.contains(&word) => OPERATOR,
                    None if is_arg(word) => VARIABLE,
                    None if word.starts_with(|c: char| c.is_ascii_digit()) => NUMBER,
                    None if word.starts_with('/') || word.starts_with("@{") => STRING,
                    None => continue,
                },
                _ => continue,
            };
            spans.push((span, kind));
        }
        Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: encode(c.names(), file, &spans),
        }))
    }
}

/// `arg0` ... `arg5`.
fn is_arg(w: &str) -> bool {
    w.strip_prefix("arg")
        .is_some_and(|n| n.len() == 1 && n.as_bytes()[0].is_ascii_digit())
}
