//! Moving every span of a syntax tree by a byte distance: what an edit
//! before a region does to the items after it (the incremental re-parse of
//! `parser.rs`).

use super::ast::*;
use crate::diag::Span;

/// `s` moved by `delta` bytes.
pub(super) fn span(s: &mut Span, delta: i64) {
    s.start = (i64::from(s.start) + delta) as u32;
    s.end = (i64::from(s.end) + delta) as u32;
}

fn opt(s: &mut Option<Span>, delta: i64) {
    if let Some(s) = s {
        span(s, delta);
    }
}

fn word(w: &mut Word, delta: i64) {
    span(&mut w.span, delta);
}

fn opt_word(w: &mut Option<Word>, delta: i64) {
    if let Some(w) = w {
        word(w, delta);
    }
}

fn opt_boxed_word(w: &mut Option<Box<Word>>, delta: i64) {
    if let Some(w) = w {
        word(w, delta);
    }
}

fn words(ws: &mut [Word], delta: i64) {
    for w in ws {
        word(w, delta);
    }
}

pub(super) fn items(items: &mut [Item], delta: i64) {
    for i in items {
        item(i, delta);
    }
}

pub(super) fn item(i: &mut Item, delta: i64) {
    match i {
        Item::Include(x) => {
            span(&mut x.span, delta);
            span(&mut x.target_span, delta);
            opt(&mut x.hash, delta);
        }
        Item::Abi(x) => {
            span(&mut x.span, delta);
            span(&mut x.target_span, delta);
        }
        Item::Alias(x) => {
            span(&mut x.span, delta);
            word(&mut x.from, delta);
            word(&mut x.to, delta);
        }
        Item::SetAssign(x) => {
            span(&mut x.span, delta);
            word(&mut x.var, delta);
            span(&mut x.op_span, delta);
            words(&mut x.values, delta);
            opt(&mut x.trailing_comma, delta);
        }
        Item::BoolAssign(x) => {
            span(&mut x.span, delta);
            word(&mut x.var, delta);
            span(&mut x.op_span, delta);
            expr(&mut x.expr, delta);
            opt(&mut x.trailing_comma, delta);
        }
        Item::Profile(x) => profile(x, delta),
        Item::Rule(x) => {
            span(&mut x.span, delta);
            prefix(&mut x.prefix, delta);
            opt(&mut x.keyword, delta);
            rule_kind(&mut x.kind, delta);
        }
        Item::Block(x) => {
            span(&mut x.span, delta);
            prefix(&mut x.prefix, delta);
            items(&mut x.items, delta);
        }
        Item::If(x) => if_rule(x, delta),
        Item::Rlimit(x) => {
            span(&mut x.span, delta);
            word(&mut x.name, delta);
            word(&mut x.value, delta);
            opt_word(&mut x.unit, delta);
        }
        Item::Error(s) => span(s, delta),
    }
}

pub(super) fn profile(x: &mut Profile, delta: i64) {
    profile_head(x, delta);
    span(&mut x.span, delta);
    items(&mut x.items, delta);
    span(&mut x.close_brace, delta);
}

/// The parts of a profile before its body (`span` and `close_brace` not
/// included).
pub(super) fn profile_head(x: &mut Profile, delta: i64) {
    opt(&mut x.keyword_span, delta);
    word(&mut x.name, delta);
    opt_word(&mut x.attachment, delta);
    if let Some(l) = &mut x.xattrs {
        paren_list(l, delta);
    }
    for l in &mut x.identities {
        paren_list(l, delta);
    }
    if let Some(l) = &mut x.flags {
        paren_list(l, delta);
    }
    span(&mut x.open_brace, delta);
}

fn prefix(p: &mut Prefix, delta: i64) {
    let Some(p) = p.parts_mut() else {
        return;
    };
    if let Some((w, s)) = &mut p.priority {
        word(w, delta);
        span(s, delta);
    }
    opt(&mut p.audit, delta);
    if let Some((_, s)) = &mut p.mode {
        span(s, delta);
    }
    if let Some((_, s)) = &mut p.owner {
        span(s, delta);
    }
}

fn safety(s: &mut Option<(ExecSafety, Span)>, delta: i64) {
    if let Some((_, s)) = s {
        span(s, delta);
    }
}

fn access(a: &mut Option<Access>, delta: i64) {
    if let Some(a) = a {
        span(&mut a.span, delta);
        words(&mut a.words, delta);
    }
}

fn cond(c: &mut Cond, delta: i64) {
    span(&mut c.span, delta);
    word(&mut c.name, delta);
    match &mut c.value {
        CondValue::One(w) => word(w, delta),
        CondValue::List(l) => paren_list(l, delta),
    }
}

fn conds(cs: &mut [Cond], delta: i64) {
    for c in cs {
        cond(c, delta);
    }
}

fn paren_list(l: &mut ParenList, delta: i64) {
    span(&mut l.span, delta);
    for i in &mut l.items {
        match i {
            ListItem::Value(w) => word(w, delta),
            ListItem::Cond(c) => cond(c, delta),
        }
    }
}

fn rule_kind(k: &mut RuleKind, delta: i64) {
    match k {
        RuleKind::BareFile | RuleKind::All => {}
        RuleKind::File(f) => {
            if let Some((_, s)) = f.safety.as_deref_mut() {
                span(s, delta);
            }
            word(&mut f.path, delta);
            word(&mut f.perms, delta);
            if let Some(s) = f.subset.as_deref_mut() {
                span(s, delta);
            }
            opt_boxed_word(&mut f.target, delta);
        }
        RuleKind::Link {
            subset,
            path,
            target,
        } => {
            opt(subset, delta);
            word(path, delta);
            word(target, delta);
        }
        RuleKind::Capability(ws) => words(ws, delta),
        RuleKind::Network {
            access: a,
            words: ws,
            conds: cs,
        } => {
            access(a, delta);
            words(ws, delta);
            conds(cs, delta);
        }
        RuleKind::Mediated {
            access: a,
            conds: cs,
            ..
        } => {
            access(a, delta);
            conds(cs, delta);
        }
        RuleKind::Mqueue {
            access: a,
            conds: cs,
            name,
        } => {
            access(a, delta);
            conds(cs, delta);
            opt_word(name, delta);
        }
        RuleKind::Mount {
            conds: cs,
            source,
            arrow,
            target_conds,
            target,
        } => {
            conds(cs, delta);
            opt_boxed_word(source, delta);
            opt(arrow, delta);
            conds(target_conds, delta);
            opt_boxed_word(target, delta);
        }
        RuleKind::Remount { conds: cs, target } | RuleKind::Umount { conds: cs, target } => {
            conds(cs, delta);
            opt_word(target, delta);
        }
        RuleKind::PivotRoot {
            conds: cs,
            new_root,
            target,
        } => {
            conds(cs, delta);
            opt_word(new_root, delta);
            opt_word(target, delta);
        }
        RuleKind::ChangeProfile {
            safety: s,
            exec,
            target,
        } => {
            safety(s, delta);
            opt_word(exec, delta);
            opt_word(target, delta);
        }
    }
}

fn if_rule(x: &mut IfRule, delta: i64) {
    span(&mut x.span, delta);
    expr(&mut x.cond, delta);
    items(&mut x.then, delta);
    span(&mut x.then_span, delta);
    match &mut x.otherwise {
        None => {}
        Some(Else::If(e)) => if_rule(e, delta),
        Some(Else::Block(is, s)) => {
            items(is, delta);
            span(s, delta);
        }
    }
}

fn expr(e: &mut Expr, delta: i64) {
    match e {
        Expr::Or(es, s) | Expr::And(es, s) => {
            for e in es {
                expr(e, delta);
            }
            span(s, delta);
        }
        Expr::Not(e, s) => {
            expr(e, delta);
            span(s, delta);
        }
        Expr::Defined(w, s) => {
            word(w, delta);
            span(s, delta);
        }
        Expr::BoolVar(w) | Expr::Operand(w) => word(w, delta),
        Expr::Compare(a, b, c, s) => {
            word(a, delta);
            word(b, delta);
            word(c, delta);
            span(s, delta);
        }
    }
}
