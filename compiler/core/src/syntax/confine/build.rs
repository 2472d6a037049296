//! Generic tree -> typed [`ast`]: keywords are read here, and every unknown
//! keyword or misplaced token is reported with its span (parsing goes on).

use super::ast::*;
use super::codes;
use super::tree::{Node, Tok};
use crate::diag::{Diagnostic, FileId, Span};

const TOP_KEYWORDS: &[&str] = &["confine", "base", "syscall-set", "import"];
const PROFILE_STMTS: &[&str] = &["mode", "attach", "flags", "use", "extends"];
const SECTIONS: &[&str] = &[
    "files",
    "capabilities",
    "network",
    "signals",
    "ptrace",
    "mount",
    "syscalls",
    "apparmor",
    "expect",
];
const ACTIONS: &[&str] = &[
    "allow",
    "deny",
    "errno",
    "log",
    "kill",
    "kill-process",
    "kill-thread",
    "trap",
    "trace",
];
const CMP_OPS: &[&str] = &["==", "!=", "<", "<=", ">", ">=", "&", "in"];

pub struct Builder<'d> {
    pub file: FileId,
    pub diags: &'d mut Vec<Diagnostic>,
}

fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    crate::seccomp::model::suggest(word, known.iter().copied())
}

impl Builder<'_> {
    fn unknown(&mut self, w: &Word, what: &str, known: &[&str]) {
        let mut d = Diagnostic::error(
            codes::UNKNOWN_KEYWORD,
            format!("unknown {what} `{}`", w.text),
        )
        .at(w.span, "not a keyword here");
        d = match closest(&w.text, known) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "expected one of {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.diags.push(d);
    }

    fn expected(&mut self, span: Span, what: &str, help: &str) {
        self.diags.push(
            Diagnostic::error(codes::EXPECTED, format!("expected {what}"))
                .at(span, "here")
                .with_help(help.to_string()),
        );
    }

    fn stray(&mut self, span: Span) {
        self.diags.push(
            Diagnostic::error(codes::SYNTAX, "this line is not a statement")
                .at(span, "not understood")
                .with_help("a statement is a keyword and its values on one line; a block is `NAME { ... }`"),
        );
    }

    pub fn file(&mut self, nodes: &[Node]) -> File {
        let mut f = File {
            file: Some(self.file),
            ..File::default()
        };
        for n in nodes {
            match n {
                Node::Stmt { span, toks } => {
                    let words = self.words_only(toks);
                    match words.first() {
                        Some(w) if w.text == "import" => match words.get(1) {
                            Some(path) if words.len() == 2 => f.imports.push(Import {
                                span: *span,
                                path: path.clone(),
                            }),
                            _ => self.expected(
                                *span,
                                "one file name after `import`",
                                "write `import \"other.confine\"`",
                            ),
                        },
                        Some(w) => self.unknown(w, "top-level keyword", TOP_KEYWORDS),
                        None => self.stray(*span),
                    }
                }
                Node::Block {
                    span, head, body, ..
                } => {
                    let words = self.words_only(head);
                    let (Some(kw), name) = (words.first(), words.get(1)) else {
                        self.expected(*span, "`confine NAME {`", "name the profile");
                        continue;
                    };
                    let Some(name) = name.cloned() else {
                        self.expected(
                            kw.span,
                            "a name after the keyword",
                            "write `confine NAME {`",
                        );
                        continue;
                    };
                    if let Some(extra) = words.get(2) {
                        self.expected(extra.span, "`{` after the name", "a name is one word");
                    }
                    match kw.text.as_str() {
                        "confine" | "base" => {
                            let kind = if kw.text == "base" {
                                ProfileKind::Base
                            } else {
                                ProfileKind::Confine
                            };
                            let items = self.profile_items(body);
                            f.profiles.push(Profile {
                                span: *span,
                                kind,
                                name,
                                items,
                            });
                        }
                        "syscall-set" => {
                            let stmts = self.syscall_stmts(body, true);
                            f.sets.push(SyscallSet {
                                span: *span,
                                name,
                                stmts,
                            });
                        }
                        _ => self.unknown(kw, "top-level keyword", TOP_KEYWORDS),
                    }
                }
                Node::Native { keyword, .. } => {
                    let w = Word {
                        text: "apparmor".into(),
                        raw: "apparmor".into(),
                        quoted: false,
                        span: *keyword,
                    };
                    self.unknown(&w, "top-level keyword", TOP_KEYWORDS);
                }
                Node::Stray(s) => self.stray(*s),
            }
        }
        f
    }

    /// The words of a statement; a comma or list where none belongs is
    /// reported.
    fn words_only(&mut self, toks: &[Tok]) -> Vec<Word> {
        let mut out = Vec::new();
        for t in toks {
            match t {
                Tok::Word(w) => out.push(w.clone()),
                Tok::Comma(s) => self.unexpected(*s, "`,`"),
                Tok::List(_, s) => self.unexpected(*s, "a `[...]` list"),
            }
        }
        out
    }

    fn unexpected(&mut self, span: Span, what: &str) {
        self.diags.push(
            Diagnostic::error(codes::UNEXPECTED, format!("unexpected {what}"))
                .at(span, "not allowed here")
                .with_help("values are separated by spaces; a statement ends at the end of the line or at `;`"),
        );
    }

    fn profile_items(&mut self, body: &[Node]) -> Vec<ProfileItem> {
        let mut items = Vec::new();
        for n in body {
            match n {
                Node::Stmt { span, toks } => {
                    let words = self.words_only(toks);
                    let Some(kw) = words.first() else {
                        self.stray(*span);
                        continue;
                    };
                    let rest = &words[1..];
                    let one = |b: &mut Self, what: &str| -> Option<Word> {
                        match rest {
                            [w] => Some(w.clone()),
                            [] => {
                                b.expected(kw.span, what, "give one value");
                                None
                            }
                            [_, extra, ..] => {
                                b.expected(
                                    extra.span,
                                    "the end of the statement",
                                    "give one value",
                                );
                                None
                            }
                        }
                    };
                    match kw.text.as_str() {
                        "mode" => {
                            if let Some(w) = one(self, "`enforce` or `complain` after `mode`") {
                                items.push(ProfileItem::Mode(w));
                            }
                        }
                        "attach" => {
                            if let Some(w) = one(self, "a program path after `attach`") {
                                items.push(ProfileItem::Attach(w));
                            }
                        }
                        "flags" => items.push(ProfileItem::Flags(rest.to_vec())),
                        "use" | "extends" => {
                            if rest.is_empty() {
                                self.expected(kw.span, "a base name", "write `use container`");
                            }
                            items.push(ProfileItem::Use {
                                keyword: kw.clone(),
                                bases: rest.to_vec(),
                            });
                        }
                        _ => {
                            let mut known = PROFILE_STMTS.to_vec();
                            known.extend_from_slice(SECTIONS);
                            self.unknown(kw, "profile keyword", &known);
                        }
                    }
                }
                Node::Block {
                    span,
                    head,
                    inner,
                    body,
                } => {
                    let words = self.words_only(head);
                    let Some(kw) = words.first() else {
                        self.expected(*span, "a section name before `{`", "e.g. `files {`");
                        continue;
                    };
                    if let Some(extra) = words.get(1) {
                        self.expected(
                            extra.span,
                            "`{` after the section name",
                            "a section name is one word",
                        );
                    }
                    let item = match kw.text.as_str() {
                        "files" => ProfileItem::Files(self.each(body, Self::file_stmt)),
                        "capabilities" => {
                            ProfileItem::Capabilities(self.each(body, Self::cap_stmt))
                        }
                        "network" => ProfileItem::Network(self.each(body, Self::net_stmt)),
                        "signals" => ProfileItem::Signals(self.each(body, Self::signal_stmt)),
                        "ptrace" => ProfileItem::Ptrace(self.each(body, Self::ptrace_stmt)),
                        "mount" => ProfileItem::Mount(self.each(body, Self::mount_stmt)),
                        "syscalls" => ProfileItem::Syscalls(self.syscall_stmts(body, false)),
                        "expect" => ProfileItem::Expect(ExpectBlock {
                            span: *span,
                            body: *inner,
                        }),
                        _ => {
                            self.unknown(kw, "section", SECTIONS);
                            continue;
                        }
                    };
                    items.push(item);
                }
                Node::Native { span, body, .. } => items.push(ProfileItem::Native(Native {
                    span: *span,
                    body: *body,
                })),
                Node::Stray(s) => self.stray(*s),
            }
        }
        items
    }

    /// Read each statement of a section with `f`; nested blocks are errors.
    fn each<T>(&mut self, body: &[Node], f: fn(&mut Self, Span, &[Tok]) -> Option<T>) -> Vec<T> {
        let mut out = Vec::new();
        for n in body {
            match n {
                Node::Stmt { span, toks } => out.extend(f(self, *span, toks)),
                Node::Stray(s) => self.stray(*s),
                other => self.expected(
                    other.span(),
                    "a statement, not a block",
                    "sections do not nest",
                ),
            }
        }
        out
    }

    fn file_stmt(&mut self, span: Span, toks: &[Tok]) -> Option<FileStmt> {
        let words = self.words_only(toks);
        let mut it = words.iter();
        let mut first = it.next()?;
        let mut owner = None;
        if first.text == "owner" {
            owner = Some(first.span);
            first = match it.next() {
                Some(w) => w,
                None => {
                    self.expected(
                        first.span,
                        "a verb after `owner`",
                        "e.g. `owner write /tmp/**`",
                    );
                    return None;
                }
            };
        }
        let verb = FileVerb::ALL
            .iter()
            .find(|(k, _)| *k == first.text)
            .map(|(_, v)| *v);
        let Some(verb) = verb else {
            let mut known: Vec<&str> = FileVerb::ALL.iter().map(|(k, _)| *k).collect();
            known.push("owner");
            self.unknown(first, "file verb", &known);
            return None;
        };
        let paths: Vec<Word> = it.cloned().collect();
        if paths.is_empty() && verb != FileVerb::All {
            self.expected(first.span, "one or more paths", "e.g. `read /etc/nginx/**`");
        }
        if verb == FileVerb::All {
            if let Some(p) = paths.first() {
                self.expected(
                    p.span,
                    "no paths after `all`",
                    "`all` grants every file access",
                );
            }
        }
        Some(FileStmt {
            span,
            owner,
            verb,
            verb_span: first.span,
            paths,
        })
    }

    fn allow_deny(&mut self, w: &Word) -> Option<bool> {
        match w.text.as_str() {
            "allow" => Some(false),
            "deny" => Some(true),
            _ => {
                self.unknown(w, "keyword", &["allow", "deny"]);
                None
            }
        }
    }

    fn cap_stmt(&mut self, span: Span, toks: &[Tok]) -> Option<CapStmt> {
        let words = self.words_only(toks);
        let deny = self.allow_deny(words.first()?)?;
        if words.len() == 1 {
            self.expected(
                words[0].span,
                "capability names",
                "e.g. `allow chown setuid`",
            );
        }
        Some(CapStmt {
            span,
            deny,
            names: words[1..].to_vec(),
        })
    }

    fn net_stmt(&mut self, span: Span, toks: &[Tok]) -> Option<NetStmt> {
        let Some(Tok::Word(first)) = toks.first() else {
            self.expected(span, "`allow` or `deny`", "e.g. `allow inet tcp`");
            return None;
        };
        let deny = self.allow_deny(first)?;
        let mut entries = Vec::new();
        let mut cur: Vec<Word> = Vec::new();
        let mut push = |b: &mut Self, cur: &mut Vec<Word>, at: Span| {
            if cur.is_empty() {
                b.expected(
                    at,
                    "a family, type or protocol",
                    "e.g. `allow inet tcp, inet6 tcp`",
                );
            } else {
                let s = cur[0].span.to(cur[cur.len() - 1].span);
                entries.push(NetEntry {
                    span: s,
                    words: std::mem::take(cur),
                });
            }
        };
        for t in &toks[1..] {
            match t {
                Tok::Word(w) => cur.push(w.clone()),
                Tok::Comma(s) => push(self, &mut cur, *s),
                Tok::List(_, s) => self.unexpected(*s, "a `[...]` list"),
            }
        }
        let end = toks.last().map_or(span, Tok::span);
        if cur.is_empty() && toks.len() == 1 {
            // `allow` alone: all networking.
        } else {
            push(self, &mut cur, end);
        }
        Some(NetStmt {
            span,
            deny,
            entries,
        })
    }

    fn signal_stmt(&mut self, span: Span, toks: &[Tok]) -> Option<SignalStmt> {
        let words = self.words_only(toks);
        let mut i = 0;
        let mut deny = false;
        if let Some(w) = words.first() {
            if w.text == "deny" || w.text == "allow" {
                deny = w.text == "deny";
                i = 1;
            }
        }
        let dir_word = words.get(i)?;
        let dir = match dir_word.text.as_str() {
            "send" => SignalDir::Send,
            "receive" => SignalDir::Receive,
            _ => {
                self.unknown(
                    dir_word,
                    "signal keyword",
                    &["send", "receive", "allow", "deny"],
                );
                return None;
            }
        };
        let mut signals = Vec::new();
        let mut peer = None;
        let mut rest = words[i + 1..].iter();
        while let Some(w) = rest.next() {
            if w.text == "to" || w.text == "from" {
                peer = rest.next().cloned();
                if peer.is_none() {
                    self.expected(
                        w.span,
                        "a peer profile name",
                        "e.g. `receive from unconfined`",
                    );
                }
                if let Some(extra) = rest.next() {
                    self.expected(
                        extra.span,
                        "the end of the statement",
                        "the peer comes last",
                    );
                }
                break;
            }
            signals.push(w.clone());
        }
        Some(SignalStmt {
            span,
            deny,
            dir,
            signals,
            peer,
        })
    }

    fn ptrace_stmt(&mut self, span: Span, toks: &[Tok]) -> Option<PtraceStmt> {
        let words = self.words_only(toks);
        let deny = self.allow_deny(words.first()?)?;
        let mut access = Vec::new();
        let mut peer = None;
        let mut rest = words[1..].iter();
        while let Some(w) = rest.next() {
            if w.text == "peer" {
                peer = rest.next().cloned();
                if peer.is_none() {
                    self.expected(w.span, "a peer profile name", "e.g. `allow read peer self`");
                }
                break;
            }
            access.push(w.clone());
        }
        if !deny && access.is_empty() {
            self.expected(span, "what to allow", "e.g. `allow read trace peer self`");
        }
        Some(PtraceStmt {
            span,
            deny,
            access,
            peer,
        })
    }

    fn mount_stmt(&mut self, span: Span, toks: &[Tok]) -> Option<MountStmt> {
        let words = self.words_only(toks);
        let first = words.first()?;
        match (first.text.as_str(), &words[1..]) {
            ("deny", []) => Some(MountStmt::DenyAll(span)),
            ("allow", [um, target]) if um.text == "umount" => Some(MountStmt::Umount {
                span,
                target: target.clone(),
            }),
            ("allow", [fstype, on, target]) if on.text == "on" => Some(MountStmt::Mount {
                span,
                fstype: fstype.clone(),
                target: target.clone(),
            }),
            ("allow" | "deny", _) => {
                self.expected(
                    span,
                    "`deny`, `allow FSTYPE on TARGET` or `allow umount TARGET`",
                    "e.g. `allow tmpfs on /run/app/`",
                );
                None
            }
            _ => {
                self.unknown(first, "keyword", &["allow", "deny"]);
                None
            }
        }
    }

    pub fn syscall_stmts(&mut self, body: &[Node], in_set: bool) -> Vec<SyscallStmt> {
        let mut out = Vec::new();
        for n in body {
            match n {
                Node::Stmt { span, toks } => {
                    if let Some(s) = self.syscall_stmt(*span, toks, in_set) {
                        out.push(s);
                    }
                }
                Node::Stray(s) => self.stray(*s),
                other => self.expected(
                    other.span(),
                    "a statement, not a block",
                    "sections do not nest",
                ),
            }
        }
        out
    }

    fn syscall_stmt(&mut self, span: Span, toks: &[Tok], in_set: bool) -> Option<SyscallStmt> {
        let Some(Tok::Word(first)) = toks.first() else {
            self.expected(
                span,
                "an action or `default`, `use`, `arch`",
                "e.g. `allow read write`",
            );
            return None;
        };
        match first.text.as_str() {
            "default" | "arch" if in_set => {
                self.expected(
                    first.span,
                    "a rule",
                    "a syscall set holds rules only; `default` and `arch` belong in `syscalls { }`",
                );
                return None;
            }
            "default" => {
                let words = self.words_only(&toks[1..]);
                let (action, used) = self.action(&words, first.span)?;
                if let Some(extra) = words.get(used) {
                    self.expected(
                        extra.span,
                        "the end of the statement",
                        "the default is one action",
                    );
                }
                return Some(SyscallStmt::Default { span, action });
            }
            "arch" => {
                let arches = self.words_only(&toks[1..]);
                if arches.is_empty() {
                    self.expected(
                        first.span,
                        "architecture names",
                        "e.g. `arch x86_64 aarch64`",
                    );
                }
                return Some(SyscallStmt::Arch { span, arches });
            }
            "use" => {
                let sets = self.words_only(&toks[1..]);
                if sets.is_empty() {
                    self.expected(
                        first.span,
                        "a syscall set name",
                        "e.g. `use runtime-default`",
                    );
                }
                return Some(SyscallStmt::Use { span, sets });
            }
            _ => {}
        }
        // ACTION NAME... [if COND [and COND]...]
        let if_at = toks
            .iter()
            .position(|t| matches!(t, Tok::Word(w) if w.text == "if" && !w.quoted));
        let (rule_toks, cond_toks) = match if_at {
            Some(i) => (&toks[..i], Some(&toks[i..])),
            None => (toks, None),
        };
        let words = self.words_only(rule_toks);
        let (action, used) = self.action(&words, first.span)?;
        let names = words[used..].to_vec();
        if names.is_empty() {
            self.expected(
                action.span,
                "syscall names after the action",
                "e.g. `allow read write`",
            );
        }
        let conds = match cond_toks {
            Some(ct) => self.conditions(ct)?,
            None => Vec::new(),
        };
        Some(SyscallStmt::Rule(SyscallRule {
            span,
            action,
            names,
            conds,
        }))
    }

    /// An action at the start of `words`; returns it and the words it used.
    fn action(&mut self, words: &[Word], at: Span) -> Option<(ActionSpec, usize)> {
        let Some(w) = words.first() else {
            self.expected(at, "an action", "e.g. `errno EPERM`, `kill`, `allow`");
            return None;
        };
        let (kind, used) = match w.text.as_str() {
            "allow" => (ActionKind::Allow, 1),
            "deny" => (ActionKind::Deny, 1),
            "log" => (ActionKind::Log, 1),
            "kill" | "kill-process" => (ActionKind::Kill, 1),
            "kill-thread" => (ActionKind::KillThread, 1),
            "trap" => (ActionKind::Trap, 1),
            "errno" => match words.get(1) {
                Some(e) => (ActionKind::Errno(e.clone()), 2),
                None => {
                    self.expected(w.span, "an errno name after `errno`", "e.g. `errno EPERM`");
                    return None;
                }
            },
            "trace" => match words.get(1) {
                Some(v) if v.text.chars().all(|c| c.is_ascii_digit()) => {
                    (ActionKind::Trace(Some(v.clone())), 2)
                }
                _ => (ActionKind::Trace(None), 1),
            },
            _ => {
                let mut known = ACTIONS.to_vec();
                known.extend(["default", "use", "arch"]);
                self.unknown(w, "syscall action", &known);
                return None;
            }
        };
        let span = w.span.to(words[used - 1].span);
        Some((ActionSpec { span, kind }, used))
    }

    /// `if argN OP VALUE [and ...]`; `toks[0]` is `if`.
    fn conditions(&mut self, toks: &[Tok]) -> Option<Vec<ArgCond>> {
        let mut out = Vec::new();
        let groups: Vec<&[Tok]> = toks[1..]
            .split(|t| matches!(t, Tok::Word(w) if w.text == "and" && !w.quoted))
            .collect();
        for g in groups {
            out.push(self.condition(g, toks[0].span())?);
        }
        Some(out)
    }

    fn condition(&mut self, g: &[Tok], at: Span) -> Option<ArgCond> {
        let help = "write `argN OP VALUE`, `argN & MASK == VALUE` or `argN in [A, B]`";
        let Some(Tok::Word(arg)) = g.first() else {
            self.expected(g.first().map_or(at, Tok::span), "`argN`", help);
            return None;
        };
        let index = arg
            .text
            .strip_prefix("arg")
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| *n < 6);
        let Some(index) = index else {
            self.diags.push(
                Diagnostic::error(
                    codes::EXPECTED,
                    format!("expected `arg0` to `arg5`, found `{}`", arg.text),
                )
                .at(arg.span, "not an argument")
                .with_help(help),
            );
            return None;
        };
        let span = arg.span.to(g[g.len() - 1].span());
        let value = |b: &mut Self, t: Option<&Tok>| -> Option<Value> {
            match t {
                Some(Tok::Word(w)) => Some(Value { word: w.clone() }),
                Some(other) => {
                    b.expected(other.span(), "a value", help);
                    None
                }
                None => {
                    b.expected(span, "a value after the operator", help);
                    None
                }
            }
        };
        let Some(Tok::Word(op)) = g.get(1) else {
            self.expected(
                g.get(1).map_or(arg.span, Tok::span),
                "a comparison operator",
                help,
            );
            return None;
        };
        let kind = match op.text.as_str() {
            "in" => match g.get(2) {
                Some(Tok::List(items, lspan)) => {
                    let mut vals = Vec::new();
                    for t in items {
                        match t {
                            Tok::Word(w) => vals.push(Value { word: w.clone() }),
                            Tok::Comma(_) => {}
                            Tok::List(_, s) => self.unexpected(*s, "a nested list"),
                        }
                    }
                    if vals.is_empty() {
                        self.expected(*lspan, "at least one value", help);
                        return None;
                    }
                    CondKind::In(vals)
                }
                _ => {
                    self.expected(op.span, "a `[...]` list after `in`", help);
                    return None;
                }
            },
            "&" => {
                let mask = value(self, g.get(2))?;
                match g.get(3) {
                    Some(Tok::Word(eq)) if eq.text == "==" => {}
                    _ => {
                        self.expected(
                            g.get(3).map_or(op.span, Tok::span),
                            "`==` after the mask",
                            help,
                        );
                        return None;
                    }
                }
                let v = value(self, g.get(4))?;
                CondKind::Masked { mask, value: v }
            }
            text => match CmpOp::from_text(text) {
                Some(cmp) => CondKind::Cmp(cmp, value(self, g.get(2))?),
                None => {
                    let d = Diagnostic::error(
                        codes::UNKNOWN_KEYWORD,
                        format!("unknown operator `{text}`"),
                    )
                    .at(op.span, "not an operator")
                    .with_help(format!(
                        "operators: {}",
                        CMP_OPS
                            .iter()
                            .map(|o| format!("`{o}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    self.diags.push(d);
                    return None;
                }
            },
        };
        let used = match &kind {
            CondKind::Masked { .. } => 5,
            _ => 3,
        };
        if let Some(extra) = g.get(used) {
            self.expected(extra.span(), "`and` or the end of the statement", help);
        }
        Some(ArgCond { span, index, kind })
    }
}
