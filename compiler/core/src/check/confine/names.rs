//! Names the tables know: capabilities, network families, types and
//! protocols, signals, peers and flags, errnos, constants, architectures
//! and syscalls. Every unknown name gets the closest known one as help.

use crate::check::tables;
use crate::diag::codes::{self, Code};
use crate::diag::Diagnostic;
use crate::seccomp::tables::{all_names, known_anywhere, Arch};
use crate::syntax::confine::ast::{
    ActionKind, ActionSpec, ArgCond, CondKind, NetEntry, SyscallRule, Value, Word,
};

use super::values;

pub fn unknown(code: Code, what: &str, w: &Word, known: &[&str]) -> Diagnostic {
    let d = Diagnostic::error(code, format!("unknown {what} `{}`", w.text))
        .at(w.span, format!("not a known {what}"));
    match tables::suggest(&w.text, known) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d,
    }
}

pub fn capability(w: &Word, diags: &mut Vec<Diagnostic>) {
    if !tables::CAPABILITIES.contains(&w.text.as_str()) {
        diags.push(unknown(
            codes::CONFINE_UNKNOWN_CAPABILITY,
            "capability",
            w,
            tables::CAPABILITIES,
        ));
    }
}

/// Which slot (0 family, 1 type, 2 protocol) each word of a network entry
/// fills, in order: `packet` is a family first, a type when the family is
/// taken. `None` for a word that fits no free slot.
pub fn net_slots(words: &[&str]) -> Vec<Option<usize>> {
    let mut taken = [false; 3];
    words
        .iter()
        .map(|w| {
            let fits = [
                tables::NET_FAMILIES.contains(w),
                tables::NET_TYPES.contains(w),
                tables::NET_PROTOCOLS.contains(w),
            ];
            let slot = (0..3).find(|&i| fits[i] && !taken[i]);
            if let Some(i) = slot {
                taken[i] = true;
            }
            slot
        })
        .collect()
}

pub fn network(e: &NetEntry, diags: &mut Vec<Diagnostic>) {
    let texts: Vec<&str> = e.words.iter().map(|w| w.text.as_str()).collect();
    let slots = net_slots(&texts);
    let ty = slots.iter().position(|s| *s == Some(1));
    let proto = slots.iter().position(|s| *s == Some(2));
    if let (Some(t), Some(p)) = (ty, proto) {
        diags.push(
            Diagnostic::error(
                codes::CONFINE_UNKNOWN_NETWORK_NAME,
                format!(
                    "a network entry takes a type or a protocol, not both: `{}` and `{}`",
                    e.words[t].text, e.words[p].text
                ),
            )
            .at(e.words[p].span, "a protocol after a type")
            .with_secondary(e.words[t].span, "the type")
            .with_help("AppArmor network rules are `FAMILY [TYPE | PROTOCOL]`; write `inet6 udp` or `inet6 dgram`"),
        );
    }
    for (w, slot) in e.words.iter().zip(slots) {
        if slot.is_some() {
            continue;
        }
        let t = w.text.as_str();
        let known_somewhere = tables::NET_FAMILIES.contains(&t)
            || tables::NET_TYPES.contains(&t)
            || tables::NET_PROTOCOLS.contains(&t);
        if known_somewhere {
            diags.push(
                Diagnostic::error(
                    codes::CONFINE_UNKNOWN_NETWORK_NAME,
                    format!("`{t}` repeats a part of this network entry"),
                )
                .at(w.span, "the family, type or protocol is already given")
                .with_help("separate entries with `,`: `allow inet tcp, inet6 tcp`"),
            );
        } else {
            let mut known = tables::NET_FAMILIES.to_vec();
            known.extend_from_slice(tables::NET_TYPES);
            known.extend_from_slice(tables::NET_PROTOCOLS);
            diags.push(
                unknown(
                    codes::CONFINE_UNKNOWN_NETWORK_NAME,
                    "network family, type or protocol",
                    w,
                    &known,
                )
                .with_note(
                    "an entry is `[FAMILY] [TYPE] [PROTOCOL]`, e.g. `inet tcp` or `inet6 stream`",
                ),
            );
        }
    }
}

pub fn signal(w: &Word, diags: &mut Vec<Diagnostic>) {
    let t = w.text.as_str();
    let t = t
        .strip_prefix("SIG")
        .map_or(t.to_string(), str::to_lowercase);
    if !tables::is_signal(&t) {
        diags.push(unknown(
            codes::CONFINE_UNKNOWN_SIGNAL,
            "signal",
            w,
            tables::SIGNALS,
        ));
    }
}

/// A profile name as it appears in AppArmor output (peer, own name):
/// letters, digits, `_`, `-`, `.`, not starting with `.` or `-`.
pub fn is_plain_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(['.', '-'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

pub fn peer(w: &Word, diags: &mut Vec<Diagnostic>) {
    if !is_plain_name(&w.text) {
        diags.push(
            Diagnostic::error(
                codes::CONFINE_INVALID_PEER,
                format!("`{}` is not a plain profile name", w.text.escape_debug()),
            )
            .at(w.span, "not a profile name")
            .with_help("a peer is `self`, `unconfined` or a profile name of letters, digits, `_`, `-` and `.`"),
        );
    }
}

pub fn flag(w: &Word, diags: &mut Vec<Diagnostic>) {
    if !tables::PROFILE_FLAGS.contains(&w.text.as_str()) || w.text == "complain" {
        let mut d = unknown(
            codes::CONFINE_INVALID_PEER,
            "profile flag",
            w,
            tables::PROFILE_FLAGS,
        );
        if w.text == "complain" || w.text == "enforce" {
            d = d.with_help(format!("write `mode {}`", w.text));
        }
        diags.push(d);
    }
}

pub fn arch(w: &Word, diags: &mut Vec<Diagnostic>) -> Option<Arch> {
    let a = Arch::from_short(&w.text);
    if a.is_none() {
        diags.push(unknown(
            codes::CONFINE_UNKNOWN_ARCH,
            "architecture",
            w,
            &["x86_64", "x86", "aarch64"],
        ));
    }
    a
}

pub fn action(a: &ActionSpec, diags: &mut Vec<Diagnostic>) {
    match &a.kind {
        ActionKind::Errno(w) if values::errno(&w.text).is_none() => diags.push(unknown(
            codes::CONFINE_UNKNOWN_ERRNO,
            "errno",
            w,
            &values::errno_names(),
        )),
        ActionKind::Trace(Some(w)) if w.text.parse::<u16>().is_err() => diags.push(
            Diagnostic::error(
                codes::CONFINE_UNKNOWN_CONSTANT,
                format!("`{}` is not a trace value (0 to 65535)", w.text),
            )
            .at(w.span, "out of range"),
        ),
        _ => {}
    }
}

/// A syscall name must exist on some architecture profilec knows; whether
/// it exists on the profile's targets is checked when the profile is
/// lowered.
pub fn syscall(w: &Word, diags: &mut Vec<Diagnostic>) -> bool {
    if known_anywhere(&w.text) {
        return true;
    }
    diags.push(
        unknown(codes::CONFINE_UNKNOWN_SYSCALL, "syscall", w, &all_names())
            .with_note("no target architecture (x86_64, x86, aarch64) has it"),
    );
    false
}

pub fn cond_value(v: &Value, diags: &mut Vec<Diagnostic>) {
    if let Err(bad) = values::value(&v.word.text) {
        let w = &v.word;
        let d = Diagnostic::error(
            codes::CONFINE_UNKNOWN_CONSTANT,
            format!("`{bad}` is neither a number nor a known constant"),
        )
        .at(w.span, "unknown value");
        let d = match tables::suggest(bad, &values::constant_names()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(
                "write a number (`2`, `0x10`) or a constant such as `AF_INET` or `CLONE_NEWUSER`",
            ),
        };
        diags.push(d);
    }
}

pub fn rule(r: &SyscallRule, diags: &mut Vec<Diagnostic>) {
    action(&r.action, diags);
    for n in &r.names {
        syscall(n, diags);
    }
    for c in &r.conds {
        cond(c, diags);
    }
    for (i, c) in r.conds.iter().enumerate() {
        if let Some(prev) = r.conds[..i].iter().find(|p| p.index == c.index) {
            diags.push(
                Diagnostic::error(
                    codes::CONFINE_SAME_ARG_TWICE,
                    format!("two conditions on `arg{}` in one rule", c.index),
                )
                .at(c.span, "second condition on this argument")
                .with_secondary(prev.span, "first condition")
                .with_help("runtimes add such conditions as separate rules, so they would be or-ed, not and-ed; use one masked comparison, an `in` list, or two rules"),
            );
        }
    }
}

fn cond(c: &ArgCond, diags: &mut Vec<Diagnostic>) {
    match &c.kind {
        CondKind::Cmp(_, v) => cond_value(v, diags),
        CondKind::Masked { mask, value } => {
            cond_value(mask, diags);
            cond_value(value, diags);
        }
        CondKind::In(vs) => vs.iter().for_each(|v| cond_value(v, diags)),
    }
}
