//! Per-rule checks for every rule kind but file rules: permission words,
//! conditionals and their values, and where qualifiers may stand.

use crate::hashing::HashMap;

use super::tables::{self, suggest, RlimitKind};
use super::{Checker, Effective};
use crate::diag::{Diagnostic, Span};
use crate::syntax::ast::*;

pub use crate::diag::codes::CONFLICTING_MOUNT_OPTIONS as MOUNT_CONFLICT;
pub use crate::diag::codes::INCOMPATIBLE_PERMISSIONS as INCOMPATIBLE;
pub use crate::diag::codes::INVALID_CHANGE_PROFILE as CHANGE_PROFILE;
pub use crate::diag::codes::INVALID_GLOB as BAD_GLOB;
pub use crate::diag::codes::INVALID_MOUNT_OPTION as MOUNT_OPTION;
pub use crate::diag::codes::INVALID_MOUNT_RULE as MOUNT_RULE;
pub use crate::diag::codes::INVALID_MQUEUE_NAME as MQUEUE_NAME;
pub use crate::diag::codes::INVALID_PERMISSION as BAD_PERMISSION;
pub use crate::diag::codes::INVALID_RLIMIT as RLIMIT;
pub use crate::diag::codes::INVALID_VALUE as BAD_VALUE;
pub use crate::diag::codes::OWNER_NOT_ALLOWED;
pub use crate::diag::codes::PRIORITY_NOT_ALLOWED;
pub use crate::diag::codes::PRIORITY_ON_BLOCK;
pub use crate::diag::codes::PRIORITY_OUT_OF_RANGE as PRIORITY_RANGE;
pub use crate::diag::codes::REPEATED_CONDITIONAL;
pub use crate::diag::codes::RULE_DROPPED_IN_BLOCK as DROPPED_IN_BLOCK;
pub use crate::diag::codes::UNKNOWN_CAPABILITY;
pub use crate::diag::codes::UNKNOWN_CONDITIONAL;
pub use crate::diag::codes::UNKNOWN_NETWORK_NAME as UNKNOWN_NETWORK;
pub use crate::diag::codes::UNKNOWN_SIGNAL;

pub fn check_prefix(c: &mut Checker, r: &Rule, eff: &Effective) {
    if let Some((w, span)) = &r.prefix.priority {
        match w.value().parse::<i64>() {
            Ok(v) if (-1000..=1000).contains(&v) => {}
            _ => c.diags.push(
                Diagnostic::error(
                    PRIORITY_RANGE,
                    format!("priority `{}` is out of range", w.value()),
                )
                .at(*span, "must be between -1000 and 1000"),
            ),
        }
        // apparmor_parser 4.1 refuses a priority other than 0 on these.
        let zero = w.value().parse::<i64>().is_ok_and(|v| v == 0);
        if !zero && matches!(r.kind, RuleKind::Network { .. } | RuleKind::All) {
            c.diags.push(
                Diagnostic::error(
                    PRIORITY_NOT_ALLOWED,
                    format!("{} rules take no `priority=`", kind_name(&r.kind)),
                )
                .at(*span, "not allowed here")
                .with_help("remove the priority; apparmor_parser 4.1 refuses it on network and `all` rules"),
            );
        }
    }
    let file_like = matches!(
        r.kind,
        RuleKind::File(_) | RuleKind::BareFile | RuleKind::Link { .. }
    );
    // Only the rule's own `owner`: one inherited from a block is not an
    // error (apparmor_parser 4.1 accepts `owner { change_profile ... }`).
    let _ = eff;
    if let (Some((owner, span)), false) = (r.prefix.owner, file_like) {
        let word = if owner == Owner::Owner {
            "owner"
        } else {
            "other"
        };
        c.diags.push(
            Diagnostic::error(
                OWNER_NOT_ALLOWED,
                format!(
                    "`{word}` applies only to file rules, not to {} rules",
                    kind_name(&r.kind)
                ),
            )
            .at(span, "not allowed here")
            .with_help(format!("remove `{word}`")),
        );
    }
}

fn kind_name(k: &RuleKind) -> &'static str {
    match k {
        RuleKind::BareFile | RuleKind::File(_) => "file",
        RuleKind::Link { .. } => "link",
        RuleKind::Capability(_) => "capability",
        RuleKind::Network { .. } => "network",
        RuleKind::Mediated { class, .. } => class.keyword(),
        RuleKind::Mqueue { .. } => "mqueue",
        RuleKind::All => "`all`",
        RuleKind::Mount { .. } => "mount",
        RuleKind::Remount { .. } => "remount",
        RuleKind::Umount { .. } => "umount",
        RuleKind::PivotRoot { .. } => "pivot_root",
        RuleKind::ChangeProfile { .. } => "change_profile",
    }
}

pub fn check(c: &mut Checker, kind: &RuleKind) {
    match kind {
        RuleKind::Capability(names) => {
            for n in names {
                if !tables::CAPABILITIES.contains(&n.value()) {
                    let mut d = Diagnostic::error(
                        UNKNOWN_CAPABILITY,
                        format!("unknown capability `{}`", n.value()),
                    )
                    .at(n.span, "not a Linux capability");
                    if let Some(s) = suggest(n.value(), tables::CAPABILITIES) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    c.diags.push(d);
                }
            }
        }
        RuleKind::Network {
            access,
            words,
            conds,
        } => network(c, access.as_ref(), words, conds),
        RuleKind::Mediated {
            class,
            access,
            conds,
        } => mediated(c, *class, access.as_ref(), conds),
        RuleKind::Mqueue {
            access,
            conds,
            name,
        } => mqueue(c, access.as_ref(), conds, name.as_ref()),
        RuleKind::Mount {
            conds,
            source,
            target_conds,
            target,
            ..
        } => {
            mount_conds(c, conds, "mount");
            if let Some(tc) = target_conds.first() {
                c.diags.push(
                    Diagnostic::error(MOUNT_RULE, "mount point conditionals are not supported")
                        .at(tc.span, "after `->`")
                        .with_help("put conditionals before the source"),
                );
            }
            let opts = mount_options(conds);
            // With no `->`, the one path named is the mount point.
            if source.is_some()
                && target.is_some()
                && opts
                    .iter()
                    .any(|(o, _)| tables::MOUNT_PROPAGATION.contains(&o.as_str()))
            {
                if let Some(src) = source {
                    c.diags.push(
                        Diagnostic::error(
                            MOUNT_RULE,
                            "a propagation change takes a mount point but no source",
                        )
                        .at(src.span, "source given")
                        .with_help(format!(
                            "write `mount options=(...) -> {}`",
                            target.as_ref().map_or("/mnt/", |t| t.raw())
                        )),
                    );
                }
            }
            for w in [source, target].into_iter().flatten() {
                glob_value(c, w);
            }
        }
        RuleKind::Remount { conds, target } | RuleKind::Umount { conds, target } => {
            let what = if matches!(kind, RuleKind::Remount { .. }) {
                "remount"
            } else {
                "umount"
            };
            mount_conds(c, conds, what);
            if let Some(t) = target {
                glob_value(c, t);
            }
        }
        RuleKind::PivotRoot {
            conds, new_root, ..
        } => {
            for cond in conds {
                if cond.name.value() != "oldroot" {
                    c.diags.push(
                        Diagnostic::error(
                            UNKNOWN_CONDITIONAL,
                            format!("pivot_root has no conditional `{}`", cond.name.value()),
                        )
                        .at(cond.name.span, "unknown here")
                        .with_help("pivot_root takes `oldroot=PATH`"),
                    );
                }
            }
            if let Some(w) = new_root {
                glob_value(c, w);
            }
        }
        RuleKind::ChangeProfile {
            safety,
            exec,
            target,
        } => {
            if let (Some((_, s)), None) = (safety, exec) {
                c.diags.push(
                    Diagnostic::error(CHANGE_PROFILE, "`safe` and `unsafe` need an exec path")
                        .at(*s, "no exec path follows")
                        .with_help("write `change_profile unsafe /usr/bin/foo -> target,`"),
                );
            }
            if let Some(e) = exec {
                if !(e.value().starts_with('/') || e.value().starts_with("@{")) {
                    c.diags.push(
                        Diagnostic::error(
                            CHANGE_PROFILE,
                            format!("exec path `{}` is not absolute", e.raw()),
                        )
                        .at(e.span, "must begin with `/`"),
                    );
                }
                glob_value(c, e);
            }
            if let Some(t) = target {
                glob_value(c, t);
            }
        }
        RuleKind::All => {}
        RuleKind::File(_) | RuleKind::BareFile => {}
        RuleKind::Link { path, target, .. } => {
            super::file::check_path(c, path);
            glob_value(c, target);
        }
    }
}

/// Permission words a class accepts (after `r`/`w`/`rw` shorthands).
fn class_perms(class: Class) -> &'static [&'static str] {
    match class {
        Class::Unix => &[
            "create", "bind", "listen", "accept", "connect", "shutdown", "getattr", "setattr",
            "getopt", "setopt", "send", "receive", "read", "write", "r", "w", "rw", "wr",
        ],
        Class::Dbus => &[
            "send",
            "receive",
            "bind",
            "eavesdrop",
            "read",
            "write",
            "r",
            "w",
            "rw",
            "wr",
        ],
        Class::Signal => &["send", "receive", "read", "write", "r", "w", "rw", "wr"],
        Class::Ptrace => &[
            "trace", "read", "readby", "tracedby", "write", "r", "w", "rw", "wr",
        ],
        Class::Userns => &["create"],
        Class::IoUring => &["override_creds", "sqpoll"],
    }
}

const NET_PERMS: &[&str] = &[
    "create", "bind", "listen", "accept", "connect", "shutdown", "getattr", "setattr", "getopt",
    "setopt", "send", "receive", "read", "write", "r", "w", "rw", "wr",
];

/// Check permission words; return them normalised (`r` -> receive...).
fn perms(c: &mut Checker, access: Option<&Access>, allowed: &[&str], what: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(a) = access else {
        return out;
    };
    for w in &a.words {
        let v = w.value();
        // As a file-style mode, any string of `r` and `w` in either case
        // (`RW`, `rrw`) is read and write permission where those exist.
        let mode_letters = !v.is_empty() && v.chars().all(|ch| matches!(ch, 'r' | 'R' | 'w' | 'W'));
        if mode_letters && allowed.contains(&"r") && allowed.contains(&"w") {
            let (r, w) = (v.contains(['r', 'R']), v.contains(['w', 'W']));
            out.push(
                match (r, w) {
                    (true, true) => "rw",
                    (true, false) => "r",
                    _ => "w",
                }
                .to_string(),
            );
            continue;
        }
        if !allowed.contains(&v) {
            let mut d = Diagnostic::error(
                BAD_PERMISSION,
                format!("`{v}` is not a permission of {what} rules"),
            )
            .at(w.span, "unknown permission")
            .with_help(format!("{what} permissions: {}", allowed.join(", ")));
            if let Some(s) = suggest(v, allowed) {
                d = d.with_help(format!(
                    "did you mean `{s}`? ({what} permissions: {})",
                    allowed.join(", ")
                ));
            }
            c.diags.push(d);
            continue;
        }
        out.push(v.to_string());
    }
    out
}

/// Conditionals by name; repeated ones reported unless `repeatable`.
fn conds_by_name<'a>(
    c: &mut Checker,
    conds: &'a [Cond],
    allowed: &[&str],
    repeatable: &[&str],
    what: &str,
) -> HashMap<&'a str, &'a Cond> {
    let mut map: HashMap<&str, &Cond> = HashMap::default();
    for cond in conds {
        let n = cond.name.value();
        if !allowed.contains(&n) {
            let mut d = Diagnostic::error(
                UNKNOWN_CONDITIONAL,
                format!("{what} rules have no conditional `{n}`"),
            )
            .at(cond.name.span, "unknown conditional");
            d = match suggest(n, allowed) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None if allowed.is_empty() => {
                    d.with_help(format!("{what} rules take no conditionals"))
                }
                None => d.with_help(format!("{what} conditionals: {}", allowed.join(", "))),
            };
            c.diags.push(d);
            continue;
        }
        if let Some(prev) = map.get(n) {
            if !repeatable.contains(&n) {
                c.diags.push(
                    Diagnostic::error(REPEATED_CONDITIONAL, format!("`{n}` is given twice"))
                        .at(cond.span, "repeated")
                        .with_secondary(prev.span, "first given here")
                        .with_help("give one value, or a glob matching all of them"),
                );
                continue;
            }
        }
        map.insert(n, cond);
    }
    map
}

/// The single value of a conditional; `in` and lists reported.
fn single<'a>(c: &mut Checker, cond: &'a Cond) -> Option<&'a Word> {
    if cond.op == CondOp::In {
        c.diags.push(
            Diagnostic::error(
                BAD_VALUE,
                format!("`{}` does not take `in`", cond.name.value()),
            )
            .at(cond.span, "`in` not allowed here")
            .with_help(format!("write `{}=VALUE`", cond.name.value())),
        );
        return None;
    }
    match &cond.value {
        CondValue::One(w) => Some(w),
        CondValue::List(l) if l.items.len() == 1 => match &l.items[0] {
            ListItem::Value(w) => Some(w),
            ListItem::Cond(_) => None,
        },
        CondValue::List(l) => {
            c.diags.push(
                Diagnostic::error(
                    BAD_VALUE,
                    format!("`{}` takes a single value", cond.name.value()),
                )
                .at(l.span, "a list is not allowed here")
                .with_help("use a glob such as `{a,b}` to match several values"),
            );
            None
        }
    }
}

/// Every plain value of a conditional (list or single).
fn values(cond: &Cond) -> Vec<&Word> {
    match &cond.value {
        CondValue::One(w) => vec![w],
        CondValue::List(l) => l
            .items
            .iter()
            .filter_map(|i| match i {
                ListItem::Value(w) => Some(w),
                ListItem::Cond(_) => None,
            })
            .collect(),
    }
}

/// Conditionals inside `peer=( ... )`.
fn peer_group(c: &mut Checker, cond: &Cond) -> Vec<Cond> {
    match &cond.value {
        CondValue::List(l) => l
            .items
            .iter()
            .filter_map(|i| match i {
                ListItem::Cond(pc) => Some(pc.clone()),
                ListItem::Value(w) => {
                    c.diags.push(
                        Diagnostic::error(
                            BAD_VALUE,
                            format!("`{}` is not a peer conditional", w.raw()),
                        )
                        .at(w.span, "expected `name=value`"),
                    );
                    None
                }
            })
            .collect(),
        // `peer=label` is shorthand for `peer=(label=label)`.
        CondValue::One(w) => vec![Cond {
            span: cond.span,
            name: Word::new("label", "label", false, cond.name.span),
            op: CondOp::Eq,
            value: CondValue::One(w.clone()),
        }],
    }
}

fn glob_value(c: &mut Checker, w: &Word) {
    c.check_glob(w);
}

fn network(c: &mut Checker, access: Option<&Access>, words: &[Word], conds: &[Cond]) {
    let ps = perms(c, access, NET_PERMS, "network");
    peer_group_last(c, conds, "network");
    // A protocol names its family: tcp and udp exist for inet and inet6,
    // icmp for inet only (apparmor_parser 4.1: `inet6 icmp` is invalid).
    if let [family, second] = words {
        let (f, p) = (family.value(), second.value());
        let fits = match p {
            "icmp" => f == "inet",
            _ => matches!(f, "inet" | "inet6"),
        };
        if tables::NET_PROTOCOLS.contains(&p) && tables::NET_FAMILIES.contains(&f) && !fits {
            c.diags.push(
                Diagnostic::error(
                    UNKNOWN_NETWORK,
                    format!(
                        "`{}` is not a protocol of family `{}`",
                        second.value(),
                        family.value()
                    ),
                )
                .at(second.span, "protocol of another family")
                .with_secondary(family.span, "this family")
                .with_help("tcp and udp belong to inet and inet6, icmp to inet"),
            );
        }
    }
    for (i, w) in words.iter().enumerate() {
        let v = w.value();
        let ok = if i == 0 {
            tables::NET_FAMILIES.contains(&v)
                || tables::NET_TYPES.contains(&v)
                || tables::NET_PROTOCOLS.contains(&v)
        } else {
            tables::NET_TYPES.contains(&v) || tables::NET_PROTOCOLS.contains(&v)
        };
        if !ok {
            let what = if i == 0 {
                "network family, type or protocol"
            } else {
                "socket type or protocol"
            };
            let mut known: Vec<&str> = tables::NET_TYPES.to_vec();
            known.extend(tables::NET_PROTOCOLS);
            if i == 0 {
                known.extend(tables::NET_FAMILIES);
            }
            let mut d = Diagnostic::error(UNKNOWN_NETWORK, format!("unknown {what} `{v}`"))
                .at(w.span, "not known");
            if let Some(s) = suggest(v, &known) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            c.diags.push(d);
        }
    }
    let map = conds_by_name(
        c,
        conds,
        &["ip", "port", "peer", "interface", "label"],
        &[],
        "network",
    );
    for (name, cond) in &map {
        match *name {
            "ip" | "port" => {
                if let Some(w) = single(c, cond) {
                    net_value(c, name, w);
                }
            }
            "interface" | "label" => {
                if let Some(w) = single(c, cond) {
                    glob_value(c, w);
                }
            }
            "peer" => {
                let group = peer_group(c, cond);
                let pm = conds_by_name(
                    c,
                    &group,
                    &["ip", "port", "label", "label:"],
                    &[],
                    "network peer",
                );
                for (pn, pc) in pm {
                    if let Some(w) = single(c, pc) {
                        if pn.starts_with("label") {
                            glob_value(c, w);
                        } else {
                            net_value(c, pn, w);
                        }
                    }
                }
                peer_perms(c, &ps, cond, "network");
            }
            _ => {}
        }
    }
}

/// Permissions that act on the local socket only cannot name a peer.
fn peer_perms(c: &mut Checker, ps: &[String], peer: &Cond, what: &str) {
    const LOCAL: &[&str] = &[
        "create", "bind", "listen", "shutdown", "getattr", "setattr", "getopt", "setopt",
    ];
    if let Some(p) = ps.iter().find(|p| LOCAL.contains(&p.as_str())) {
        c.diags.push(
            Diagnostic::error(
                INCOMPATIBLE,
                format!("`{p}` acts on the local socket and cannot have a `peer`"),
            )
            .at(peer.span, format!("peer with `{p}`"))
            .with_help(format!("split the {what} rule: one for `{p}`, one with `peer=` for send/receive/connect/accept")),
        );
    }
}

fn net_value(c: &mut Checker, name: &str, w: &Word) {
    let v = w.value();
    let ok = match name {
        "port" => port_range(v),
        _ => ip_value(v),
    };
    if !ok {
        let help = if name == "port" {
            "a port is 0-65535, or a range `LOW-HIGH`"
        } else {
            "an address is one IPv4 or IPv6 address, or `none`; prefixes and ranges are not accepted"
        };
        c.diags.push(
            Diagnostic::error(BAD_VALUE, format!("invalid {name} `{v}`"))
                .at(w.span, format!("not a valid {name}"))
                .with_help(help),
        );
    }
}

fn port_range(v: &str) -> bool {
    let port = |s: &str| s.parse::<u32>().ok().filter(|p| *p <= 65535);
    match v.split_once('-') {
        Some((a, b)) => matches!((port(a), port(b)), (Some(a), Some(b)) if a <= b),
        None => port(v).is_some(),
    }
}

/// An `ip=` value as apparmor_parser 4.1 reads it: one IPv4 or IPv6
/// address, or `none`; no prefixes, no ranges, no `any`.
fn ip_value(v: &str) -> bool {
    v == "none" || v.parse::<std::net::IpAddr>().is_ok()
}

fn mediated(c: &mut Checker, class: Class, access: Option<&Access>, conds: &[Cond]) {
    let what = class.keyword();
    if matches!(class, Class::Dbus | Class::Unix) {
        peer_group_last(c, conds, what);
    }
    let ps = match (class, access) {
        // apparmor_parser 4.1 reads io_uring permissions in parentheses
        // without checking them, and refuses userns permissions there.
        (Class::IoUring, Some(a)) if a.parenthesized => Vec::new(),
        (Class::Userns, Some(a)) if a.parenthesized => {
            c.diags.push(
                Diagnostic::error(
                    BAD_PERMISSION,
                    "userns permissions are not written in parentheses",
                )
                .at(a.span, "in parentheses")
                .with_help("write `userns create,` or `userns,`"),
            );
            Vec::new()
        }
        _ => perms(c, access, class_perms(class), what),
    };
    match class {
        Class::Unix => {
            let map = conds_by_name(
                c,
                conds,
                &["type", "protocol", "addr", "peer", "label"],
                &[],
                what,
            );
            for (name, cond) in &map {
                match *name {
                    "peer" => {
                        let group = peer_group(c, cond);
                        let pm = conds_by_name(c, &group, &["addr", "label"], &[], "unix peer");
                        for pc in pm.values() {
                            if let Some(w) = single(c, pc) {
                                glob_value(c, w);
                            }
                        }
                        peer_perms(c, &ps, cond, what);
                    }
                    "label" => {
                        c.diags.push(
                            Diagnostic::error(
                                UNKNOWN_CONDITIONAL,
                                "unix rules name a label only for the peer",
                            )
                            .at(cond.name.span, "`label` outside `peer=(...)`")
                            .with_help("write `peer=(label=...)`"),
                        );
                    }
                    "type" => {
                        if let Some(w) = single(c, cond) {
                            // Looked up as written: no glob, no variable.
                            if !tables::UNIX_TYPES.contains(&w.value()) {
                                c.diags.push(
                                    Diagnostic::error(
                                        BAD_VALUE,
                                        format!("unknown unix socket type `{}`", w.value()),
                                    )
                                    .at(w.span, "not a socket type")
                                    .with_help(format!(
                                        "socket types: {}",
                                        tables::UNIX_TYPES.join(", ")
                                    )),
                                );
                            }
                        }
                    }
                    "protocol" => c.diags.push(
                        Diagnostic::error(
                            UNKNOWN_CONDITIONAL,
                            "unix rules do not support `protocol`",
                        )
                        .at(cond.name.span, "not supported by apparmor_parser")
                        .with_help("remove the conditional"),
                    ),
                    _ => {
                        if let Some(w) = single(c, cond) {
                            glob_value(c, w);
                        }
                    }
                }
            }
        }
        Class::Dbus => {
            let map = conds_by_name(
                c,
                conds,
                &["bus", "path", "interface", "member", "name", "peer"],
                &[],
                what,
            );
            for (name, cond) in &map {
                if *name == "peer" {
                    let group = peer_group(c, cond);
                    let pm = conds_by_name(c, &group, &["name", "label"], &[], "dbus peer");
                    for pc in pm.values() {
                        if let Some(w) = single(c, pc) {
                            glob_value(c, w);
                        }
                    }
                } else if let Some(w) = single(c, cond) {
                    glob_value(c, w);
                }
            }
            dbus_compat(c, &ps, &map);
            dbus_names(c, &ps, &map);
        }
        Class::Signal => {
            let map = conds_by_name(c, conds, &["set", "peer"], &["set"], what);
            for cond in conds.iter().filter(|k| k.name.value() == "set") {
                if cond.op == CondOp::In {
                    c.diags.push(
                        Diagnostic::error(BAD_VALUE, "`set` does not take `in`")
                            .at(cond.span, "`in` not allowed here")
                            .with_help("write `set=(hup, term)`"),
                    );
                    continue;
                }
                if let CondValue::List(l) = &cond.value {
                    for item in &l.items {
                        if let ListItem::Cond(inner) = item {
                            c.diags.push(
                                Diagnostic::error(
                                    BAD_VALUE,
                                    format!("`{}` is not a signal", inner.name.raw()),
                                )
                                .at(inner.span, "a conditional inside `set=( )`"),
                            );
                        }
                    }
                }
                for w in values(cond) {
                    if !tables::is_signal(w.value()) {
                        let mut d = Diagnostic::error(
                            UNKNOWN_SIGNAL,
                            format!("unknown signal `{}`", w.value()),
                        )
                        .at(w.span, "not a signal name");
                        d = match suggest(w.value(), tables::SIGNALS) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => d.with_help("signals are written without `SIG`, in lower case: `hup`, `term`, `rtmin+3`"),
                        };
                        c.diags.push(d);
                    }
                }
            }
            if let Some(p) = map.get("peer") {
                if let Some(w) = single(c, p) {
                    glob_value(c, w);
                }
            }
        }
        Class::Ptrace => {
            let map = conds_by_name(c, conds, &["peer"], &[], what);
            if let Some(p) = map.get("peer") {
                if let Some(w) = single(c, p) {
                    glob_value(c, w);
                }
            }
        }
        Class::Userns => {
            conds_by_name(c, conds, &[], &[], what);
        }
        Class::IoUring => {
            let map = conds_by_name(c, conds, &["label"], &[], what);
            if let Some(l) = map.get("label") {
                if let Some(w) = single(c, l) {
                    glob_value(c, w);
                }
            }
        }
    }
}

/// Two quirks of apparmor_parser 4.1's dbus rules: the peer's `name` and
/// the rule's `name` are one conditional (given twice is an error), and
/// with no permission given, `name` (a service conditional) cannot stand
/// beside message conditionals.
fn dbus_names(c: &mut Checker, ps: &[String], map: &HashMap<&str, &Cond>) {
    let Some(name) = map.get("name") else {
        return;
    };
    if let Some(peer) = map.get("peer") {
        let peer_name = match &peer.value {
            CondValue::List(l) => l.items.iter().find_map(|i| match i {
                ListItem::Cond(pc) if pc.name.value() == "name" => Some(pc.span),
                _ => None,
            }),
            CondValue::One(_) => None,
        };
        if let Some(at) = peer_name {
            c.diags.push(
                Diagnostic::error(REPEATED_CONDITIONAL, "dbus `name` is given twice")
                    .at(at, "the peer's name")
                    .with_secondary(name.span, "the rule's name")
                    .with_help("apparmor_parser counts both as one `name` conditional; keep one"),
            );
        }
    }
    if ps.is_empty() {
        if let Some(k) = ["path", "interface", "member", "peer"]
            .iter()
            .find_map(|k| map.get(k))
        {
            c.diags.push(
                Diagnostic::error(
                    INCOMPATIBLE,
                    "a dbus rule cannot have both `name` and message conditionals",
                )
                .at(k.span, "a message conditional")
                .with_secondary(name.span, "a service conditional")
                .with_help(
                    "split it: `dbus bind name=...,` and `dbus send path=... interface=...,`",
                ),
            );
        }
    }
}

/// After a `peer=(...)` group, apparmor_parser's grammar takes no further
/// conditional in dbus, unix and network rules.
fn peer_group_last(c: &mut Checker, conds: &[Cond], what: &str) {
    let Some(at) = conds
        .iter()
        .position(|k| k.name.value() == "peer" && matches!(k.value, CondValue::List(_)))
    else {
        return;
    };
    if let Some(after) = conds.get(at + 1) {
        c.diags.push(
            Diagnostic::error(
                UNKNOWN_CONDITIONAL,
                format!("in {what} rules `peer=(...)` must come last"),
            )
            .at(after.name.span, "after `peer=(...)`")
            .with_secondary(conds[at].span, "the peer group")
            .with_help("move this conditional before `peer=(...)`"),
        );
    }
}

/// dbus permissions split into message (send/receive), service (bind) and
/// eavesdrop; each takes only some conditionals.
fn dbus_compat(c: &mut Checker, ps: &[String], map: &HashMap<&str, &Cond>) {
    let message = ps.iter().any(|p| {
        matches!(
            p.as_str(),
            "send" | "receive" | "read" | "write" | "r" | "w" | "rw" | "wr"
        )
    });
    let bind = ps.iter().any(|p| p == "bind");
    let eavesdrop = ps.iter().any(|p| p == "eavesdrop");
    let mut bad = |perm: &str, cond: &str| {
        if let Some(k) = map.get(cond) {
            c.diags.push(
                Diagnostic::error(
                    INCOMPATIBLE,
                    format!("dbus `{perm}` does not take `{cond}`"),
                )
                .at(k.span, format!("not meaningful with `{perm}`"))
                .with_help(match perm {
                    "bind" => "`bind` takes `bus` and `name`",
                    "eavesdrop" => "`eavesdrop` takes only `bus`",
                    _ => "send/receive take bus, path, interface, member and peer; `name` belongs to `bind`",
                }),
            );
        }
    };
    if message {
        bad("send/receive", "name");
    }
    if bind {
        for k in ["path", "interface", "member", "peer"] {
            bad("bind", k);
        }
    }
    if eavesdrop {
        for k in ["path", "interface", "member", "peer", "name"] {
            bad("eavesdrop", k);
        }
    }
}

fn mqueue(c: &mut Checker, access: Option<&Access>, conds: &[Cond], name: Option<&Word>) {
    perms(
        c,
        access,
        &[
            "create", "open", "delete", "getattr", "setattr", "read", "write", "r", "w", "rw", "wr",
        ],
        "mqueue",
    );
    let map = conds_by_name(c, conds, &["type", "label"], &[], "mqueue");
    // No type: a name beginning with `/` (posix) or a number (sysv) will do.
    let mut sysv: Option<bool> = None;
    if let Some(t) = map.get("type") {
        if let Some(w) = single(c, t) {
            match w.value() {
                "posix" => sysv = Some(false),
                "sysv" => sysv = Some(true),
                other => c.diags.push(
                    Diagnostic::error(BAD_VALUE, format!("unknown message queue type `{other}`"))
                        .at(w.span, "expected `posix` or `sysv`"),
                ),
            }
        }
    }
    if let Some(n) = name {
        let v = n.value();
        let posix = v.starts_with('/') || v.starts_with("@{");
        let number = v.parse::<u32>().is_ok();
        let ok = match sysv {
            Some(true) => number,
            Some(false) => posix,
            None => posix || number,
        };
        if !ok {
            let want = match sysv {
                Some(true) => "a sysv queue is named by a positive number",
                Some(false) => "a posix queue name begins with `/`",
                None => "a queue name begins with `/` (posix) or is a positive number (sysv)",
            };
            c.diags.push(
                Diagnostic::error(MQUEUE_NAME, format!("invalid message queue name `{v}`"))
                    .at(n.span, want),
            );
        }
    }
}

/// Mount options named in `options=` / `options in`.
fn mount_options(conds: &[Cond]) -> Vec<(String, Span)> {
    conds
        .iter()
        .filter(|k| k.name.value() == "options")
        .flat_map(values)
        .map(|w| (w.value().to_string(), w.span))
        .collect()
}

fn mount_conds(c: &mut Checker, conds: &[Cond], what: &str) {
    let all = &["options", "fstype", "vfstype"];
    conds_by_name(c, conds, all, all, what);
    for cond in conds.iter().filter(|k| k.name.value() == "options") {
        let is_eq = cond.op == CondOp::Eq;
        // Options contradict only inside one `options=` list:
        // apparmor_parser 4.1 accepts `options=ro options=rw`.
        let mut seen: Vec<(&str, &str, Span)> = Vec::new();
        for w in values(cond) {
            let v = w.value();
            let known = tables::MOUNT_FLAGS.iter().any(|(n, _)| *n == v)
                || tables::MOUNT_PROPAGATION.contains(&v);
            if !known {
                let mut names: Vec<&str> = tables::MOUNT_FLAGS.iter().map(|(n, _)| *n).collect();
                names.extend(tables::MOUNT_PROPAGATION);
                let mut d = Diagnostic::error(MOUNT_OPTION, format!("unknown mount option `{v}`"))
                    .at(w.span, "not a mount option");
                d = match suggest(v, &names) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None if v.contains(',') => {
                        d.with_help("list several options in parentheses: `options=(ro, nosuid)`")
                    }
                    None => d,
                };
                c.diags.push(d);
                continue;
            }
            // With `options=`, all listed options apply at once: opposites
            // contradict. With `in`, each is an alternative.
            if is_eq {
                let flag = tables::MOUNT_FLAGS
                    .iter()
                    .find(|(n, _)| *n == v)
                    .map_or("", |(_, f)| *f);
                if flag.is_empty() {
                    continue;
                }
                let (bit, sets) = flag_sense(flag);
                let opposite = seen.iter().find(|(f, _, _)| {
                    let (b, s) = flag_sense(f);
                    b == bit && s != sets
                });
                if let Some((_, o, os)) = opposite {
                    c.diags.push(
                        Diagnostic::error(
                            MOUNT_CONFLICT,
                            format!("mount options `{o}` and `{v}` contradict each other"),
                        )
                        .at(w.span, "conflicting option")
                        .with_secondary(*os, "conflicts with this")
                        .with_help("use `options in (...)` to allow either"),
                    );
                }
                seen.push((flag, v, w.span));
            }
        }
    }
}

/// A [`tables::MOUNT_FLAGS`] flag: its name and whether the option sets it.
fn flag_sense(flag: &str) -> (&str, bool) {
    match flag.strip_prefix('!') {
        Some(bit) => (bit, false),
        None => (flag, true),
    }
}

pub fn rlimit(c: &mut Checker, r: &Rlimit) {
    let name = r.name.value();
    let Some(kind) = tables::rlimit(name) else {
        let mut d = Diagnostic::error(RLIMIT, format!("unknown rlimit `{name}`"))
            .at(r.name.span, "not a resource limit");
        if let Some(s) = suggest(name, tables::RLIMITS) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        c.diags.push(d);
        return;
    };
    let value = r.value.value();
    // `infinity` with a unit is still infinity to apparmor_parser 4.1.
    if value == "infinity" {
        return;
    }
    let Ok(n) = value.parse::<i64>() else {
        c.diags.push(
            Diagnostic::error(
                RLIMIT,
                format!("invalid value `{value}` for rlimit `{name}`"),
            )
            .at(r.value.span, "expected a number or `infinity`"),
        );
        return;
    };
    let unit = r.unit.as_ref();
    let bad_unit = |c: &mut Checker, u: &Word, help: &str| {
        c.diags.push(
            Diagnostic::error(
                RLIMIT,
                format!("invalid unit `{}` for rlimit `{name}`", u.value()),
            )
            .at(u.span, "unknown unit")
            .with_help(help.to_string()),
        );
    };
    match kind {
        RlimitKind::Cpu | RlimitKind::RtTime => {
            if n < 0 {
                c.diags.push(
                    Diagnostic::error(RLIMIT, format!("rlimit `{name}` cannot be negative"))
                        .at(r.value.span, "negative"),
                );
            }
            let help = if unit.is_some_and(|u| u.value() == "m") {
                "`m` is ambiguous: write `ms` for milliseconds or `min` for minutes"
            } else {
                "time units: us, ms, s, min, h, d, week"
            };
            match unit.map(|u| (u, tables::time_unit(u.value()))) {
                Some((u, None)) => bad_unit(c, u, help),
                // apparmor_parser 4.1 reads a zero time with a unit as a
                // failed conversion: `0 us` is invalid, a bare `0` is not.
                Some((u, Some(_))) if kind == RlimitKind::RtTime && n == 0 => {
                    c.diags.push(
                        Diagnostic::error(
                            RLIMIT,
                            format!("invalid value `0 {}` for rlimit `rttime`", u.value()),
                        )
                        .at(r.value.span.to(u.span), "zero with a unit")
                        .with_help("write a bare `0`, or a time above zero"),
                    );
                }
                Some((u, Some(us)))
                    if kind == RlimitKind::Cpu
                        && (n.max(0) as u64).saturating_mul(us) < 1_000_000 =>
                {
                    c.diags.push(
                        Diagnostic::error(
                            RLIMIT,
                            "rlimit `cpu` is below its minimum of one second",
                        )
                        .at(r.value.span.to(u.span), "less than 1s"),
                    );
                }
                _ => {}
            }
        }
        RlimitKind::Count => {
            if n < 0 {
                c.diags.push(
                    Diagnostic::error(RLIMIT, format!("rlimit `{name}` cannot be negative"))
                        .at(r.value.span, "negative"),
                );
            }
            if let Some(u) = unit {
                bad_unit(c, u, "this limit is a plain count and takes no unit");
            }
        }
        RlimitKind::Nice => {
            if !(-20..=19).contains(&n) {
                c.diags.push(
                    Diagnostic::error(RLIMIT, format!("rlimit `nice` {n} is out of range"))
                        .at(r.value.span, "must be between -20 and 19"),
                );
            }
            if let Some(u) = unit {
                bad_unit(c, u, "`nice` takes no unit");
            }
        }
        RlimitKind::Size => {
            if n < 0 {
                c.diags.push(
                    Diagnostic::error(RLIMIT, format!("rlimit `{name}` cannot be negative"))
                        .at(r.value.span, "negative"),
                );
            }
            if let Some(u) = unit {
                let ok = ["KB", "MB", "GB"]
                    .iter()
                    .any(|full| !u.value().is_empty() && full.starts_with(u.value()));
                if !ok {
                    bad_unit(c, u, "size units: K or KB, M or MB, G or GB");
                }
            }
        }
    }
}
