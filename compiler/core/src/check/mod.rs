//! Semantic checks over a resolved [`Unit`]: what `apparmor_parser` rejects
//! after parsing, reported all at once with spans.
//!
//! The walk visits every profile with its includes expanded in place; rules
//! inside qualifier blocks carry the block's prefix. Each rule is checked on
//! its own (`rules`, `file`), then the file rules of a profile are checked
//! against each other (`conflicts`).

pub mod confine;
mod conflicts;
mod expand;
mod file;
pub mod glob;
mod memo;
mod profile;
mod rules;
pub mod tables;
pub mod vars;

use crate::hashing::HashMap;
use std::sync::Arc;

use crate::diag::{Diagnostic, SourceMap, Span};
use crate::resolve::{IncludeScope, Unit};
use crate::syntax::ast::*;

pub use memo::Memo;
pub use vars::Symbols;

/// The prefix in force for a rule, as apparmor_parser 4.1 moves a
/// qualifier block's rules out: the outermost block's mode (`deny`,
/// `allow`, `prompt`, or none: allow) replaces the mode of every block and
/// rule inside it, `audit` adds up, and each `owner`/`other` keeps only its
/// half of the permissions (an `other` rule in an `owner` block keeps
/// nothing).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Effective {
    pub audit: bool,
    pub mode: Option<(RuleMode, Span)>,
    /// The mode was set by an enclosing block and can no longer change.
    fixed_mode: bool,
    /// Whether the owner's half and the others' half are left.
    pub owner_side: bool,
    pub other_side: bool,
}

impl Default for Effective {
    fn default() -> Self {
        Effective {
            audit: false,
            mode: None,
            fixed_mode: false,
            owner_side: true,
            other_side: true,
        }
    }
}

impl Effective {
    /// Inside a block (`block`) or a rule with prefix `p`.
    fn inside(&self, p: &Prefix, block: bool) -> Effective {
        let (owner_side, other_side) = sides(p);
        Effective {
            audit: self.audit || p.audit.is_some(),
            mode: if self.fixed_mode { self.mode } else { p.mode },
            fixed_mode: self.fixed_mode || block,
            owner_side: self.owner_side && owner_side,
            other_side: self.other_side && other_side,
        }
    }

    pub fn is_deny(&self) -> bool {
        matches!(self.mode, Some((RuleMode::Deny, _)))
    }
}

/// The halves (owner's, others') a prefix's `owner`/`other` keeps.
fn sides(p: &Prefix) -> (bool, bool) {
    match p.owner {
        Some((Owner::Owner, _)) => (true, false),
        Some((Owner::Other, _)) => (false, true),
        None => (true, true),
    }
}

/// A rule with exec permissions on its way out of qualifier blocks. At
/// every block apparmor_parser 4.1 masks it by the block's `owner`/`other`,
/// gives it the block's mode and, if exec bits are left, checks them again:
/// a deny rule takes no exec type, any other rule needs one (`unsafe`
/// counts as one). Only the rules of an `if` branch taken reach the block.
#[derive(Clone)]
struct ExecEntry {
    owner_side: bool,
    other_side: bool,
    /// An exec type (`ix`, `Px`, ..., or `unsafe`) is named.
    typed: bool,
    /// The typed token (or `unsafe`), else the bare `x` or exec path.
    at: Span,
    what: ExecWhat,
    /// An exec error was already reported for this rule.
    reported: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ExecWhat {
    File,
    ChangeProfile,
}

/// A file rule as the conflict analysis needs it; `None` is the bare
/// `file,` rule, which grants `ix` on every path.
pub struct FileEntry<'a> {
    pub rule: Option<&'a FileRule>,
    pub prefix: Effective,
    pub span: Span,
    /// `priority=N` (0 when none): of two overlapping exec rules the
    /// higher priority wins, so only equal priorities conflict.
    pub priority: i64,
}

/// A rule's `priority=` value, 0 when it has none (or a bad one, which is
/// reported elsewhere).
fn priority_of(r: &Rule) -> i64 {
    r.prefix
        .priority
        .as_ref()
        .and_then(|(w, _)| w.value().parse().ok())
        .unwrap_or(0)
}

/// Where a run of rules stands (a stretch of one file's items holding only
/// rules) and the context it is checked in: with the file's tree and the
/// variables looked up, this fixes what checking it gives.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RunKey {
    file: u32,
    start: u32,
    len: u32,
    prefix: Effective,
    active: bool,
    dropped: bool,
    block: Option<Span>,
}

impl RunKey {
    fn new(
        run: &[Item],
        prefix: &Effective,
        active: bool,
        block: Option<Span>,
        dropped: bool,
    ) -> RunKey {
        let first = run[0].span();
        RunKey {
            file: first.file.0,
            start: first.start,
            len: run.len() as u32,
            prefix: prefix.clone(),
            active,
            dropped,
            block,
        }
    }
}

/// What checking a run of an included file's rules gave, replayed when a
/// later profile includes the same file in the same context: the
/// diagnostics in order, the exec entries for the enclosing block, and
/// which rules (by offset in the run) joined the profile's file entries
/// and `change_profile` rules.
pub(crate) struct Run {
    /// The tree checked: a file read again is another tree.
    tree: Arc<File>,
    diags: Vec<Diagnostic>,
    exec: Vec<ExecEntry>,
    files: Vec<(u32, Effective, i64)>,
    changes: Vec<u32>,
}

/// The variables looked up while a run is checked, and whether its result
/// may be kept (not when an expansion ran over the budget: that is
/// reported once per unit, so it depends on what came before).
#[derive(Default)]
struct Recording {
    deps: Vec<(Box<str>, u32)>,
    ok: bool,
}

/// What a profile's walk gathers for the checks across rules.
#[derive(Default)]
struct Collected<'a> {
    files: Vec<FileEntry<'a>>,
    changes: Vec<&'a Rule>,
    /// Child profiles and hats, whether their `if` branch is taken, and
    /// whether they stand in a qualifier block.
    children: Vec<(&'a Profile, bool, bool)>,
    /// The profile's files included so far (duplicates are skipped).
    includes: IncludeScope,
}

pub struct Checker<'a> {
    pub unit: &'a Unit,
    pub syms: &'a Symbols,
    pub diags: Vec<Diagnostic>,
    /// Expansions and glob verdicts by word text: an abstraction's rules are
    /// checked again in every profile that includes it. These hold for this
    /// unit; `memo` across the session.
    expanded: HashMap<String, Arc<[String]>>,
    /// Only words with a variable (see [`Checker::check_glob`]).
    glob_errors: HashMap<String, Option<glob::GlobError>>,
    globs: HashMap<String, Arc<[PathGlob]>>,
    ids: memo::VarIds<'a>,
    memo: memo::Tables,
    /// Variables' values by shape ([`Checker::shaped`]): plain, skeletons.
    shaped: [HashMap<String, Arc<[String]>>; 2],
    /// Scratch for a word's skeleton in [`Checker::glob_verdict`], which
    /// runs for most paths: no allocation each time (issue 13).
    shape: String,
    /// Words whose expansion ran over [`EXPANSION_BUDGET`] (reported once).
    blown: Vec<(Span, String)>,
    /// Whether the rules being checked get apparmor_parser's processing
    /// after parsing (globs compiled, paths checked, exec conflicts): not
    /// those of an `if` branch not taken, nor anything in a profile that
    /// stands in a qualifier block or in such a branch, which the reference
    /// drops once parsed. Checks made while parsing apply to them all.
    pub compiled: bool,
    /// The profile being walked is dropped so.
    dropped: bool,
    /// Set while a run of rules is checked for the session's memo.
    rec: Option<Recording>,
}

/// A glob a path expands to, with its text (as paths compare).
#[derive(Clone)]
pub struct PathGlob {
    pub text: Arc<str>,
    pub glob: Arc<glob::Glob>,
}

/// Bytes of text one word may expand to. A real path is at most 4096
/// bytes and a real word has a few dozen expansions; a doubling chain of
/// variables would otherwise expand to gigabytes.
pub const EXPANSION_BUDGET: usize = 1 << 20;
pub use crate::diag::codes::EXPANSION_TOO_LARGE;

pub fn check(unit: &Unit, _sources: &SourceMap) -> Vec<Diagnostic> {
    check_unit(unit).0
}

/// Check a unit; also return its variable table (for hover and the
/// symbol index).
pub fn check_unit(unit: &Unit) -> (Vec<Diagnostic>, Symbols) {
    check_unit_with(unit, &mut Memo::default())
}

/// [`check_unit`] with what earlier checks of the session computed about
/// words ([`Memo`]); the diagnostics are the same as without it.
pub fn check_unit_with(unit: &Unit, memo: &mut Memo) -> (Vec<Diagnostic>, Symbols) {
    let mut diags = Vec::new();
    memo.bound();
    let syms = vars::check_with(
        unit,
        &mut diags,
        &mut memo.tables.preambles,
        &mut memo.tables.names,
    );
    let (ids, tables, scratch) = std::mem::take(memo).open(&syms);
    let memo::Scratch {
        expanded,
        glob_errors,
        globs,
        shaped,
    } = scratch;
    let mut c = Checker {
        unit,
        syms: &syms,
        diags,
        expanded,
        glob_errors,
        globs,
        ids,
        memo: tables,
        shaped,
        shape: String::new(),
        blown: Vec::new(),
        compiled: true,
        dropped: false,
        rec: None,
    };
    if let Some(root) = unit.root_file() {
        let mut profiles = Vec::new();
        // By slices: the tunables' thousands of assignments are passed
        // over in a loop, not a call each.
        unit.for_each_flat_slice(&root.items, &mut IncludeScope::top(unit), &mut |slice| {
            for item in slice {
                match item {
                    Item::Profile(p) => profiles.push(&**p),
                    Item::Rule(_) | Item::Block(_) => c.diags.push(
                        Diagnostic::error(
                            profile::RULE_OUTSIDE_PROFILE,
                            "rules must be inside a profile",
                        )
                        .at(item.span(), "outside any profile")
                        .with_help("wrap the rules in `profile NAME { ... }`"),
                    ),
                    _ => {}
                }
            }
        });
        profile::check_siblings(&mut c, &profiles, None);
        for p in profiles {
            c.profile(p, None, false);
        }
    }
    let mut blown = std::mem::take(&mut c.blown);
    blown.sort();
    blown.dedup();
    for (span, raw) in blown {
        c.diags.push(
            Diagnostic::error(
                EXPANSION_TOO_LARGE,
                format!("`{raw}` expands to more than {EXPANSION_BUDGET} bytes of text"),
            )
            .at(span, "variables here expand too far")
            .with_help("a variable defined twice in terms of another doubles at every level; list the values instead"),
        );
    }
    let Checker {
        diags,
        ids,
        memo: tables,
        expanded,
        glob_errors,
        globs,
        shaped,
        ..
    } = c;
    let scratch = memo::Scratch {
        expanded,
        glob_errors,
        globs,
        shaped,
    };
    *memo = Memo::close(ids, tables, scratch);
    (diags, syms)
}

impl<'a> Checker<'a> {
    fn profile(&mut self, p: &'a Profile, parent: Option<&'a Profile>, dropped: bool) {
        self.dropped = dropped;
        self.compiled = !dropped;
        profile::check_header(self, p, parent);
        let mut out = Collected::default();
        self.items(
            &p.items,
            &Effective::default(),
            true,
            None,
            &mut out,
            &mut Vec::new(),
        );
        if !dropped {
            conflicts::check(self, &out.files);
            conflicts::check_change_profile(self, &out.changes);
        }
        let children = out.children;
        // Profiles in an `if` branch not taken do not exist, so they cannot
        // clash with the taken branch's.
        let active: Vec<&Profile> = children
            .iter()
            .filter(|(_, a, _)| *a)
            .map(|(p, _, _)| *p)
            .collect();
        profile::check_siblings(self, &active, Some(p));
        for (child, active, in_block) in children {
            self.profile(child, Some(p), dropped || !active || in_block);
        }
    }

    /// Walk rules with includes expanded; `active` is false inside the
    /// branch of an `if` that is not taken (still checked, but its rules do
    /// not take part in conflicts). `exec` collects the exec rules that
    /// reach the innermost enclosing block.
    #[allow(clippy::too_many_arguments)]
    fn items(
        &mut self,
        items: &'a [Item],
        prefix: &Effective,
        active: bool,
        block: Option<Span>,
        out: &mut Collected<'a>,
        exec: &mut Vec<ExecEntry>,
    ) {
        let unit = self.unit;
        let mut slices = Vec::new();
        unit.for_each_flat_slice(items, &mut out.includes, &mut |s| slices.push(s));
        for slice in slices {
            for piece in stretches(slice) {
                match piece {
                    Stretch::Rules(run) => self.run(run, prefix, active, block, out, exec),
                    Stretch::One(item) => self.item(item, prefix, active, block, out, exec),
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn item(
        &mut self,
        item: &'a Item,
        prefix: &Effective,
        active: bool,
        block: Option<Span>,
        out: &mut Collected<'a>,
        exec: &mut Vec<ExecEntry>,
    ) {
        match item {
            Item::Rule(r) => self.rule(r, prefix, active, block, out, exec),
            Item::Block(b) => {
                if let Some((_, s)) = &b.prefix.priority {
                    self.diags.push(
                        Diagnostic::error(
                            rules::PRIORITY_ON_BLOCK,
                            "`priority` cannot qualify a block",
                        )
                        .at(*s, "on a block")
                        .with_help("give each rule inside the block its own priority"),
                    );
                }
                let eff = prefix.inside(&b.prefix, true);
                let mut inner = Vec::new();
                self.items(&b.items, &eff, active, Some(b.span), out, &mut inner);
                self.block_exec(b, inner, exec);
            }
            Item::If(i) => self.if_rule(i, prefix, active, block, out, exec),
            Item::Profile(p) => {
                out.children.push((p, active, block.is_some()));
            }
            Item::Rlimit(r) => rules::rlimit(self, r),
            // Assignments and aliases cannot parse inside a profile.
            Item::Include(_)
            | Item::Abi(_)
            | Item::Error(_)
            | Item::SetAssign(_)
            | Item::BoolAssign(_)
            | Item::Alias(_) => {}
        }
    }

    /// A run of rules of one items list. A run of an included file is
    /// checked once per session and context: a later profile that includes
    /// the same file, in the same context, with the same values of the
    /// variables the checks looked up, gets what the first check gave.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        run: &'a [Item],
        prefix: &Effective,
        active: bool,
        block: Option<Span>,
        out: &mut Collected<'a>,
        exec: &mut Vec<ExecEntry>,
    ) {
        let file = run[0].span().file;
        // The root's text changes under an editor; it is checked once anyway.
        let tree = match self.unit.file(file) {
            Some(t) if self.unit.root != Some(file) && self.rec.is_none() => t,
            _ => {
                for item in run {
                    self.item(item, prefix, active, block, out, exec);
                }
                return;
            }
        };
        let key = RunKey::new(run, prefix, active, block, self.dropped);
        if let Some(hit) = self.memo.find_run(&key, tree, &mut self.ids) {
            self.compiled = active && !self.dropped;
            self.diags.extend(hit.diags.iter().cloned());
            exec.extend(hit.exec.iter().cloned());
            for (k, eff, priority) in &hit.files {
                let Item::Rule(r) = &run[*k as usize] else {
                    continue;
                };
                let rule = match &r.kind {
                    RuleKind::File(f) => Some(f),
                    _ => None,
                };
                out.files.push(FileEntry {
                    rule,
                    prefix: eff.clone(),
                    span: r.span,
                    priority: *priority,
                });
            }
            for &k in &hit.changes {
                if let Item::Rule(r) = &run[k as usize] {
                    out.changes.push(r);
                }
            }
            return;
        }
        let tree = Arc::clone(tree);
        let (diags, execs, blown) = (self.diags.len(), exec.len(), self.blown.len());
        self.rec = Some(Recording {
            deps: Vec::new(),
            ok: true,
        });
        let (mut files, mut changes) = (Vec::new(), Vec::new());
        for (k, item) in run.iter().enumerate() {
            let (f, c) = (out.files.len(), out.changes.len());
            self.item(item, prefix, active, block, out, exec);
            if let Some(e) = out.files.get(f) {
                files.push((k as u32, e.prefix.clone(), e.priority));
            }
            if out.changes.len() > c {
                changes.push(k as u32);
            }
        }
        let rec = self.rec.take().unwrap_or_default();
        if rec.ok && self.blown.len() == blown {
            let run = Run {
                tree,
                diags: self.diags[diags..].to_vec(),
                exec: exec[execs..].to_vec(),
                files,
                changes,
            };
            self.memo.store_run(key, rec.deps, run);
        }
    }

    /// One rule, checked on its own; what the checks across rules need
    /// goes to `out` and `exec`.
    #[allow(clippy::too_many_arguments)]
    fn rule(
        &mut self,
        r: &'a Rule,
        prefix: &Effective,
        active: bool,
        block: Option<Span>,
        out: &mut Collected<'a>,
        exec: &mut Vec<ExecEntry>,
    ) {
        self.compiled = active && !self.dropped;
        let kept = vars::kept_in_block(&r.kind);
        let eff = match block {
            // apparmor_parser moves only file, link and
            // change_profile rules out of a qualifier block;
            // it drops every other rule inside one.
            Some(b) if !kept => {
                self.diags.push(
                    Diagnostic::warning(
                        rules::DROPPED_IN_BLOCK,
                        "apparmor_parser ignores this rule: it is inside a qualifier block",
                    )
                    .at(r.span, "dropped when the policy is compiled")
                    .with_secondary(b, "in this block")
                    .with_help("move the rule out of the block and give it its own qualifiers"),
                );
                Effective::default().inside(&r.prefix, false)
            }
            _ => prefix.inside(&r.prefix, false),
        };
        rules::check_prefix(self, r, &eff);
        let (owner_side, other_side) = sides(&r.prefix);
        let mut entry = |typed: bool, at: Span, what: ExecWhat, reported: bool| {
            exec.push(ExecEntry {
                owner_side,
                other_side,
                typed,
                at,
                what,
                reported,
            })
        };
        match &r.kind {
            RuleKind::File(f) => {
                let own_deny = matches!(r.prefix.mode, Some((RuleMode::Deny, _)));
                let x = file::check(self, f, own_deny);
                if let Some(x) = x {
                    entry(x.typed, x.at, ExecWhat::File, x.reported);
                }
                // Only a rule that may run its path can conflict: a deny
                // rule, or one with no `x` at all, is left out here.
                if active && !eff.is_deny() && f.perms.value().contains(['x', 'X']) {
                    out.files.push(FileEntry {
                        rule: Some(f),
                        prefix: eff,
                        span: r.span,
                        priority: priority_of(r),
                    });
                }
            }
            RuleKind::BareFile => {
                // `file,` grants `ix`: no deny rule may say it.
                let own_deny = matches!(r.prefix.mode, Some((RuleMode::Deny, _)));
                if own_deny {
                    self.diags.push(file::deny_bare_file(r.span));
                }
                entry(true, r.span, ExecWhat::File, own_deny);
                if active && !eff.is_deny() {
                    out.files.push(FileEntry {
                        rule: None,
                        prefix: eff,
                        span: r.span,
                        priority: priority_of(r),
                    });
                }
            }
            RuleKind::ChangeProfile {
                exec: exec_path,
                safety,
                ..
            } => {
                if let Some(x) = exec_path {
                    let at = match safety {
                        Some((ExecSafety::Unsafe, s)) => *s,
                        _ => x.span,
                    };
                    let typed = matches!(safety, Some((ExecSafety::Unsafe, _)));
                    entry(typed, at, ExecWhat::ChangeProfile, false);
                }
                rules::check(self, &r.kind);
                if active {
                    out.changes.push(r);
                }
            }
            kind => rules::check(self, kind),
        }
    }

    /// The exec rules that reached block `b`, checked again with the
    /// block's mode and `owner`/`other`, then passed on to the enclosing
    /// block.
    fn block_exec(&mut self, b: &Block, inner: Vec<ExecEntry>, exec: &mut Vec<ExecEntry>) {
        let deny = matches!(b.prefix.mode, Some((RuleMode::Deny, _)));
        let (owner_side, other_side) = sides(&b.prefix);
        let word = match b.prefix.mode {
            Some((RuleMode::Deny, _)) => "deny",
            Some((RuleMode::Allow, _)) => "allow",
            Some((RuleMode::Prompt, _)) => "prompt",
            None => "allow",
        };
        let block_label = if b.prefix.mode.is_some() {
            format!("this block makes every rule in it a `{word}` rule")
        } else {
            "this block names no `deny`: every rule in it is an allow rule".to_string()
        };
        for mut e in inner {
            e.owner_side &= owner_side;
            e.other_side &= other_side;
            let left = e.owner_side || e.other_side;
            if left && !e.reported && deny == e.typed {
                e.reported = true;
                let d = match (deny, e.what) {
                    (true, ExecWhat::File) => Diagnostic::error(
                        file::DENY_EXEC_QUALIFIER,
                        "in a `deny` block a rule is a deny rule, which takes a plain `x`",
                    )
                    .at(e.at, "an exec qualifier in a deny rule")
                    .with_help("apparmor_parser gives every rule of a qualifier block the block's own mode: write `x`, or move the rule out of the block"),
                    (true, ExecWhat::ChangeProfile) => Diagnostic::error(
                        file::DENY_EXEC_QUALIFIER,
                        "a `change_profile` rule in a `deny` block cannot be `unsafe`",
                    )
                    .at(e.at, "`unsafe` in a deny rule")
                    .with_help("apparmor_parser gives every rule of a qualifier block the block's own mode: remove `unsafe`, or move the rule out of the block"),
                    (false, ExecWhat::File) => Diagnostic::error(
                        file::BARE_EXEC,
                        format!("in this block the rule is an {word} rule, whose `x` needs an exec qualifier"),
                    )
                    .at(e.at, "how should the program run?")
                    .with_help("apparmor_parser gives every rule of a qualifier block the block's own mode (its own `deny` does not count): write `ix`, `px`, `cx` or `ux`, or move the rule out of the block"),
                    (false, ExecWhat::ChangeProfile) => Diagnostic::error(
                        file::BARE_EXEC,
                        "a `change_profile` rule with an exec path needs `unsafe` in a qualifier block that is not `deny`",
                    )
                    .at(e.at, "exec path inside a block")
                    .with_help("apparmor_parser turns it into an exec rule with a bare `x` in the block's mode: write `change_profile unsafe`, or move the rule out of the block"),
                };
                self.diags
                    .push(d.with_secondary(b.span, block_label.clone()));
            }
            exec.push(e);
        }
    }

    fn if_rule(
        &mut self,
        i: &'a IfRule,
        prefix: &Effective,
        active: bool,
        block: Option<Span>,
        out: &mut Collected<'a>,
        exec: &mut Vec<ExecEntry>,
    ) {
        // Undefined names in conditions were reported by `vars`.
        let taken = vars::eval(&i.cond, self.syms, &mut Vec::new());
        // Only the branch taken reaches an enclosing block.
        let mut dropped = Vec::new();
        let (then_exec, else_exec) = if taken {
            (&mut *exec, &mut dropped)
        } else {
            (&mut dropped, &mut *exec)
        };
        self.items(&i.then, prefix, active && taken, block, out, then_exec);
        match &i.otherwise {
            Some(Else::Block(items, _)) => {
                self.items(items, prefix, active && !taken, block, out, else_exec)
            }
            Some(Else::If(inner)) => {
                if taken {
                    self.if_rule(inner, prefix, false, block, out, &mut Vec::new())
                } else {
                    self.if_rule(inner, prefix, active, block, out, else_exec)
                }
            }
            None => {}
        }
    }

    /// Values of a word with variables substituted (every combination, up
    /// to a bound), for checks that need the text the kernel will see.
    /// Unknown variables (reported elsewhere) stand in as a plain name;
    /// values still holding variables after many rounds (recursion,
    /// reported elsewhere) are left out.
    pub fn expand(&mut self, w: &Word) -> Vec<String> {
        self.expand_shared(w).to_vec()
    }

    fn expand_shared(&mut self, w: &Word) -> Arc<[String]> {
        if let Some(v) = self.expanded.get(w.value()) {
            return Arc::clone(v);
        }
        let v = self.expand_uncached(w).unwrap_or_else(|| {
            self.blown.push((w.span, w.raw().to_string()));
            Arc::from(Vec::new())
        });
        self.expanded.insert(w.value().to_string(), Arc::clone(&v));
        v
    }

    /// The valid globs `w` expands to, as paths compare (`//` is `/`).
    pub fn path_globs(&mut self, w: &Word) -> Arc<[PathGlob]> {
        if let Some(g) = self.globs.get(w.value()) {
            return Arc::clone(g);
        }
        let texts = self.expand_shared(w);
        // The same expansions (the memo's own list: an included rule's,
        // in every profile that includes it) give the same globs.
        let g = match self.memo.path_globs.get(&memo::list_key(&texts)) {
            Some((_, g)) => Arc::clone(g),
            None => {
                let g: Arc<[PathGlob]> = texts
                    .iter()
                    .filter_map(|v| {
                        // Most paths have no `//`: no second copy.
                        let text: Arc<str> = if v.contains("//") {
                            Arc::from(glob::collapse_slashes(v))
                        } else {
                            Arc::from(v.as_str())
                        };
                        let glob = self.memo.glob(&text)?;
                        Some(PathGlob { text, glob })
                    })
                    .collect();
                let t = &mut self.memo;
                t.path_globs
                    .insert(memo::list_key(&texts), (texts, Arc::clone(&g)));
                t.entries += 1;
                g
            }
        };
        self.globs.insert(w.value().to_string(), Arc::clone(&g));
        g
    }

    /// Whether some path matches both globs.
    pub fn overlaps(&mut self, a: &PathGlob, b: &PathGlob) -> bool {
        self.memo.overlaps((&a.text, &a.glob), (&b.text, &b.glob))
    }

    /// Every expansion of `w` must be a valid AppArmor glob (where the
    /// reference compiles it: see [`Checker::compiled`]).
    pub fn check_glob(&mut self, w: &Word) {
        if !self.compiled || !glob::may_be_invalid(w.value()) {
            return;
        }
        // Without a variable the verdict is the memo's, by skeleton, and
        // cannot run over the budget: no entry per path (issue 13).
        let verdict = if !w.value().contains("@{") {
            self.glob_verdict(w)
        } else {
            match self.glob_errors.get(w.value()) {
                Some(v) => {
                    let v = v.clone();
                    if let Some(rec) = &mut self.rec {
                        // Found for an earlier word of this unit: the run's
                        // trace needs the variables behind it too.
                        let shape = glob::skeleton(w.value());
                        let found = memo::Tables::find(
                            &self.memo.verdicts,
                            &shape,
                            &mut self.ids,
                            Some(&mut rec.deps),
                        );
                        rec.ok &= matches!(found, Some(Some(_)));
                    }
                    v
                }
                None => {
                    let v = self.glob_verdict(w);
                    self.glob_errors.insert(w.value().to_string(), v.clone());
                    v
                }
            }
        };
        if let Some(e) = verdict {
            let (_, msg, label) = e.describe();
            self.diags.push(
                Diagnostic::error(rules::BAD_GLOB, format!("{msg} in `{}`", w.raw()))
                    .at(w.span, label)
                    .with_help("balance `{}` and `[]`, and give alternations two or more entries"),
            );
        }
    }

    /// The first error of validating the distinct [`glob::skeleton`]s of
    /// every expansion of `w` (far fewer than the expansions themselves).
    fn glob_verdict(&mut self, w: &Word) -> Option<glob::GlobError> {
        // Kept by skeleton: `@{bin}/foo` and `@{bin}/bar` validate alike.
        let mut shape = std::mem::take(&mut self.shape);
        glob::skeleton_into(w.value(), &mut shape);
        let sink = self.rec.as_mut().map(|r| &mut r.deps);
        let found = memo::Tables::find(&self.memo.verdicts, &shape, &mut self.ids, sink);
        let verdict = match found {
            Some(v) => v,
            None => {
                let mut deps = Vec::new();
                let v = self
                    .expansions(&shape, true, &mut deps)
                    .map(|xs| xs.iter().find_map(|x| glob::Glob::validate(x).err()));
                if let Some(rec) = &mut self.rec {
                    memo::merge_deps(&mut rec.deps, &deps);
                }
                let t = &mut self.memo;
                memo::Tables::store(&mut t.verdicts, &mut t.entries, &shape, deps, v.clone());
                v
            }
        };
        self.shape = shape;
        verdict.unwrap_or_else(|| {
            if let Some(rec) = &mut self.rec {
                rec.ok = false;
            }
            self.blown.push((w.span, w.raw().to_string()));
            None
        })
    }

    fn expand_uncached(&mut self, w: &Word) -> Option<Arc<[String]>> {
        if let Some(v) = memo::Tables::find(&self.memo.expansions, w.value(), &mut self.ids, None) {
            return v;
        }
        let mut deps = Vec::new();
        let v: Option<Arc<[String]>> = self.expansions(w.value(), false, &mut deps).map(Arc::from);
        let t = &mut self.memo;
        memo::Tables::store(
            &mut t.expansions,
            &mut t.entries,
            w.value(),
            deps,
            v.clone(),
        );
        v
    }

    /// The values of `name`, as skeletons or plain, sorted, each once
    /// (`x` for a variable with none); kept for the unit, whose table is
    /// fixed, since every word using the variable asks again.
    fn shaped(&mut self, name: &str, skeletons: bool) -> Arc<[String]> {
        let shape = if skeletons {
            glob::skeleton
        } else {
            str::to_string
        };
        if let Some(v) = self.shaped[usize::from(skeletons)].get(name) {
            return Arc::clone(v);
        }
        let mut values: Vec<String> = match self.syms.vars.get(name).map(|v| &v.value) {
            Some(vars::Value::Set(vals)) if !vals.is_empty() => {
                vals.iter().map(|v| shape(v.value())).collect()
            }
            _ => vec!["x".to_string()],
        };
        values.sort();
        values.dedup();
        let values: Arc<[String]> = values.into();
        self.shaped[usize::from(skeletons)].insert(name.to_string(), Arc::clone(&values));
        values
    }

    /// The distinct texts `text` expands to, at most 64: every reference
    /// replaced by every value of its variable, as a skeleton when
    /// `skeletons` (and each result made a skeleton again), round after
    /// round. Unknown
    /// variables (reported elsewhere) stand in as `x`; texts still holding
    /// references after 16 rounds (recursion, reported elsewhere) are
    /// left out. `None` when the texts would exceed [`EXPANSION_BUDGET`].
    /// Every variable looked up is added to `deps`.
    fn expansions(
        &mut self,
        text: &str,
        skeletons: bool,
        deps: &mut Vec<(Box<str>, u32)>,
    ) -> Option<Vec<String>> {
        expand::expansions(text, skeletons, |name: &str| {
            self.ids.trace(deps, name);
            self.shaped(name, skeletons)
        })
    }
}
