//! Checks of a whole policy, after bases are merged: contradictions between
//! file rules, grants a deny covers completely, and disagreements between
//! the AppArmor side and the seccomp side, which only a tool that writes
//! both can see.

use super::syscalls::{decide_call, is_denial};
use super::{FileAccess, FileRule, Policy};
use crate::check::confine::paths::without_variables;
use crate::check::glob::Glob;
use crate::diag::codes;
use crate::diag::Diagnostic;
use crate::seccomp::consts;
use crate::seccomp::tables::Arch;

pub fn lint(p: &Policy, diags: &mut Vec<Diagnostic>) {
    files(p, diags);
    cross_backend(p, diags);
}

/// Whether a deny rule takes away the access a grant gives.
fn deny_covers_access(grant: &FileRule, deny: &FileRule) -> bool {
    match deny.access {
        FileAccess::Every | FileAccess::AnyFile => true,
        FileAccess::Write | FileAccess::Append => {
            matches!(grant.access, FileAccess::Write | FileAccess::Append)
        }
        FileAccess::Exec => grant.access == FileAccess::Exec,
        FileAccess::Read => grant.access == FileAccess::Read,
    }
}

/// Every path `grant` names is matched by `deny`. Exact for literal grants
/// (a match is an overlap); for globs, a deny of the form `PREFIX/**` with
/// a literal prefix covers grants under that prefix.
fn covers(grant: &str, deny: &str) -> bool {
    if grant == deny {
        return true;
    }
    let (grant, deny) = (&without_variables(grant), &without_variables(deny));
    let (Ok(g), Ok(d)) = (Glob::parse(grant), Glob::parse(deny)) else {
        return false;
    };
    if g.is_literal() {
        return g.overlaps(&d);
    }
    match deny.strip_suffix("**") {
        Some(prefix)
            if prefix.ends_with('/') && Glob::parse(prefix).is_ok_and(|p| p.is_literal()) =>
        {
            grant.starts_with(prefix)
        }
        _ => false,
    }
}

fn files(p: &Policy, diags: &mut Vec<Diagnostic>) {
    let denies: Vec<&FileRule> = p.files.iter().filter(|r| r.deny).collect();
    for g in p
        .files
        .iter()
        .filter(|r| !r.deny && r.access != FileAccess::AnyFile)
    {
        for d in &denies {
            // An owner-only deny leaves other users' files granted.
            if !deny_covers_access(g, d) || (d.owner && !g.owner) {
                continue;
            }
            if g.path == d.path && g.writes() && d.writes() {
                diags.push(
                    Diagnostic::error(
                        codes::CONFINE_PATH_CONTRADICTION,
                        format!("`{}` is made writable and denied", g.path),
                    )
                    .at(g.span, "writable here")
                    .with_secondary(d.span, "denied here")
                    .with_help("keep one; the deny would win"),
                );
                break;
            }
            if covers(&g.path, &d.path) {
                diags.push(
                    Diagnostic::warning(
                        codes::CONFINE_SHADOWED_GRANT,
                        format!("this grant of `{}` never takes effect", g.path),
                    )
                    .at(g.span, "granted here")
                    .with_secondary(d.span, "but this deny covers every path it names")
                    .with_help("deny always wins in AppArmor; drop the grant or narrow the deny"),
                );
                break;
            }
        }
    }
}

/// The first target architecture on which the policy denies the call.
fn blocked(p: &Policy, name: &str, args: [u64; 6]) -> Option<Arch> {
    let s = p.seccomp.as_ref()?;
    s.arches
        .iter()
        .copied()
        .find(|&a| decide_call(s, a, name, &args).is_some_and(is_denial))
}

fn cross_backend(p: &Policy, diags: &mut Vec<Diagnostic>) {
    if p.seccomp.is_none() {
        return;
    }
    let c = |n: &str| consts::constant(n).unwrap_or(0);
    for n in p.network.iter().filter(|n| !n.deny) {
        let family = match n.family.as_deref() {
            Some("inet") | None => c("AF_INET"),
            Some("inet6") => c("AF_INET6"),
            Some("unix") => c("AF_UNIX"),
            _ => continue,
        };
        let sock_type = match (n.sock_type.as_deref(), n.protocol.as_deref()) {
            (Some("dgram"), _) | (_, Some("udp")) => c("SOCK_DGRAM"),
            (Some("raw"), _) | (_, Some("icmp")) => c("SOCK_RAW"),
            _ => c("SOCK_STREAM"),
        };
        let calls: [(&str, [u64; 6]); 3] = [
            ("socket", [family, sock_type, 0, 0, 0, 0]),
            ("connect", [0; 6]),
            ("bind", [0; 6]),
        ];
        for (name, args) in calls {
            if let Some(arch) = blocked(p, name, args) {
                let shown = if name == "socket" {
                    format!("socket({family}, {sock_type})")
                } else {
                    name.to_string()
                };
                diags.push(
                    Diagnostic::warning(
                        codes::CONFINE_NETWORK_BLOCKED,
                        format!("the network rule allows what seccomp blocks: `{shown}` is denied on {}", arch.short()),
                    )
                    .at(n.span, "allowed by AppArmor")
                    .with_help(format!("allow `{name}` in `syscalls`, or drop the network rule")),
                );
                break;
            }
        }
    }
    for f in p
        .files
        .iter()
        .filter(|f| !f.deny && f.access == FileAccess::Exec)
    {
        if let Some(arch) = blocked(p, "execve", [0; 6]) {
            diags.push(
                Diagnostic::warning(
                    codes::CONFINE_EXEC_BLOCKED,
                    format!(
                        "`{}` may be executed, but seccomp denies `execve` on {}",
                        f.path,
                        arch.short()
                    ),
                )
                .at(f.span, "exec granted here")
                .with_help("allow `execve` in `syscalls`, or drop the exec grant"),
            );
        }
    }
    for cap in p
        .capabilities
        .iter()
        .filter(|c| !c.deny && c.name == "net_raw")
    {
        let raw = [c("AF_INET"), c("SOCK_RAW"), 0, 0, 0, 0];
        if let Some(arch) = blocked(p, "socket", raw) {
            diags.push(
                Diagnostic::warning(
                    codes::CONFINE_RAW_BLOCKED,
                    format!(
                        "`net_raw` is allowed, but seccomp denies raw sockets on {}",
                        arch.short()
                    ),
                )
                .at(cap.span, "capability granted here")
                .with_help("allow `socket` with `SOCK_RAW` in `syscalls`, or drop the capability"),
            );
        }
    }
}
