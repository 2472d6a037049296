//! `profilec check` as one library call: any number of inputs, AppArmor or
//! seccomp JSON, checked in parallel chunks, each input protected from the
//! others (a panic becomes an `internal-error` of that input), with the
//! diagnostics in input order and source order, under a warning policy.

use crate::hashing::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::pool::{Job, Pool};
use super::{internal_error, panic_message, spawn_deep, Session};
use crate::diag::{Code, Diagnostic, FileId, Severity, SourceMap};
use crate::input::fs::FileSystem;
use crate::resolve::bundle::Bundle;
use crate::resolve::Options;
use crate::seccomp::Compiler;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// One input of a batch.
#[derive(Clone, Debug)]
pub enum Input {
    Path(PathBuf),
    /// Text read by the caller (stdin), shown under `name`.
    Bytes {
        name: String,
        bytes: Vec<u8>,
    },
}

/// Which diagnostics a batch reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct WarningPolicy {
    /// Also warnings that arise inside included files (errors always show).
    pub include_warnings: bool,
}

/// The inputs one worker checked, with its session's texts.
pub struct Part {
    sources: SourceMap,
    diagnostics: Vec<Diagnostic>,
    /// For each diagnostic, the input whose check produced it.
    from: Vec<u32>,
    /// For each file of `sources`, the input whose check read it.
    read_by: Vec<u32>,
    /// The files the inputs themselves are.
    roots: Vec<FileId>,
    /// The rest of the worker's session (parsed includes, the memo): freed
    /// with the report, or never by a caller that exits next.
    _session: Option<Session>,
}

pub struct Report {
    parts: Vec<Part>,
    /// The diagnostics shown, as (part, diagnostic), in output order.
    order: Vec<(u32, u32)>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.diagnostics().any(|(_, d)| d.is_error())
    }

    /// In the order a check of all inputs in one session gives: by file,
    /// in the order the files were first read, then by position.
    pub fn diagnostics(&self) -> impl Iterator<Item = (&SourceMap, &Diagnostic)> {
        self.order.iter().map(|&(p, d)| {
            let part = &self.parts[p as usize];
            (&part.sources, &part.diagnostics[d as usize])
        })
    }
}

/// Check every input. Many inputs are shared out to parallel workers,
/// each with its own session, as each worker becomes free (profiles
/// differ in cost by orders of magnitude, so fixed shares leave one
/// worker idle while the other finishes).
pub fn check(
    fs: &dyn FileSystem,
    inputs: &[Input],
    opts: &Options,
    policy: WarningPolicy,
    compiler: Option<&dyn Compiler>,
) -> Report {
    check_on(
        workers_for(inputs.len()),
        fs,
        inputs,
        opts,
        policy,
        compiler,
    )
}

/// How many workers [`check`] starts for `inputs` inputs: one each core
/// (at most 4) for many, one for a few.
pub fn workers_for(inputs: usize) -> usize {
    if inputs >= 16 {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    } else {
        1
    }
}

/// [`check`] on threads of `pool` where it has them (started ahead, see
/// [`super::pool`]), on threads started now for the rest: the same
/// report. What the workers share is theirs, so it is taken by value
/// and `'static`.
pub fn check_pooled(
    pool: &mut Pool,
    fs: &'static dyn FileSystem,
    inputs: Vec<Input>,
    opts: Options,
    policy: WarningPolicy,
    compiler: Option<&'static dyn Compiler>,
) -> Report {
    let threads = workers_for(inputs.len());
    let shared = Arc::new(Shared {
        bundle: OnceLock::new(),
        next: AtomicUsize::new(0),
        inputs,
        opts,
    });
    let (tx, rx) = std::sync::mpsc::channel();
    for _ in 0..threads {
        let (s, tx) = (Arc::clone(&shared), tx.clone());
        let job: Job = Box::new(move || {
            let part = worker_part(|| {
                let bundle = s.open();
                check_worker(fs, &s.inputs, &s.next, threads, &s.opts, bundle, compiler)
            });
            // The caller waits for every part; it cannot have gone.
            let _ = tx.send(part);
        });
        if let Err(job) = pool.run(job) {
            start_or_run(job);
        }
    }
    drop(tx);
    let mut parts: Vec<Part> = rx.iter().take(threads).collect();
    // A worker that ended without its part (it cannot: its work is
    // protected) would otherwise take its inputs' diagnostics with it.
    while parts.len() < threads {
        parts.push(failed_worker("a worker ended without reporting"));
    }
    finish(parts, shared.bundle.get(), policy)
}

/// Run `job` on a thread started with the deep stack, or here if none
/// can be started.
fn start_or_run(job: Job) {
    let slot = Arc::new(Mutex::new(Some(job)));
    let take = |s: &Mutex<Option<Job>>| s.lock().unwrap_or_else(PoisonError::into_inner).take();
    let theirs = Arc::clone(&slot);
    if super::spawn_worker(move || take(&theirs).map(|job| job())).is_err() {
        if let Some(job) = take(&slot) {
            job();
        }
    }
}

/// What [`check_pooled`]'s workers share.
struct Shared {
    inputs: Vec<Input>,
    opts: Options,
    next: AtomicUsize,
    bundle: OnceLock<Option<Arc<Bundle>>>,
}

impl Shared {
    fn open(&self) -> Option<Arc<Bundle>> {
        open_bundle(&self.bundle, &self.opts, &self.inputs)
    }
}

/// The batch's bundle, read by the first worker to ask (into its heap,
/// which grows by huge pages: the caller's may not); `None` with no
/// cache or only stdin.
fn open_bundle(
    cell: &OnceLock<Option<Arc<Bundle>>>,
    opts: &Options,
    inputs: &[Input],
) -> Option<Arc<Bundle>> {
    cell.get_or_init(|| {
        Bundle::open(
            opts,
            inputs.iter().map(|i| match i {
                Input::Path(p) => Some(p.as_path()),
                Input::Bytes { .. } => None,
            }),
        )
        .map(Arc::new)
    })
    .clone()
}

/// A worker's part: each input is protected inside the worker; a worker
/// cannot fail as a whole, but if it did, say so.
fn worker_part(work: impl FnOnce() -> Part) -> Part {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|p| failed_worker(&panic_message(p.as_ref())))
}

/// The report of the workers' parts; a stale bundle is written anew.
fn finish(parts: Vec<Part>, bundle: Option<&Option<Arc<Bundle>>>, policy: WarningPolicy) -> Report {
    if let Some(Some(bundle)) = bundle {
        bundle.finish();
    }
    let order = order(&parts, policy);
    Report { parts, order }
}

/// [`check`] on `threads` workers; the output does not depend on their
/// number.
pub(crate) fn check_on(
    threads: usize,
    fs: &dyn FileSystem,
    inputs: &[Input],
    opts: &Options,
    policy: WarningPolicy,
    compiler: Option<&dyn Compiler>,
) -> Report {
    let bundle: OnceLock<Option<Arc<Bundle>>> = OnceLock::new();
    let next = AtomicUsize::new(0);
    let work = || {
        let bundle = open_bundle(&bundle, opts, inputs);
        check_worker(fs, inputs, &next, threads, opts, bundle, compiler)
    };
    // Already on a deep stack (the command's worker): one worker runs
    // here, and a single input starts no thread at all.
    let here = super::on_deep_thread();
    // Each started worker leaves its part in a slot of its own: the scope
    // then ends as soon as the work is done, where joining each thread
    // would also wait for it to give back its 256 MiB stack (about 0.2 ms
    // on the path of every batch; issue 13).
    let slots: Vec<Mutex<Option<Part>>> = (usize::from(here)..threads.max(1))
        .map(|_| Mutex::new(None))
        .collect();
    let mut parts: Vec<Part> = std::thread::scope(|s| {
        let started = slots
            .iter()
            .filter(|&slot| {
                spawn_deep(s, move || {
                    let part = worker_part(work);
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(part);
                })
                .is_ok()
            })
            .count();
        // If no thread could be started, the inputs are checked here.
        let mut parts = Vec::with_capacity(threads + 1);
        if here || started == 0 {
            parts.push(work());
        }
        parts
    });
    // The scope has waited for every started worker's work.
    parts.extend(
        slots
            .into_iter()
            .filter_map(|slot| slot.into_inner().unwrap_or_else(PoisonError::into_inner)),
    );
    finish(parts, bundle.get(), policy)
}

/// The part of a worker that failed as a whole (a panic outside the
/// protection of each input): one internal error.
fn failed_worker(message: &str) -> Part {
    let mut sources = SourceMap::new();
    let file = sources.add("<check>", "");
    let d = internal_error(file, &sources, message);
    Part {
        sources,
        diagnostics: vec![d],
        from: vec![u32::MAX],
        read_by: vec![u32::MAX],
        roots: vec![file],
        _session: None,
    }
}

/// The diagnostics to show, in the order one session checking the inputs
/// one after another would give. That session numbers files as it reads
/// them and sorts by file, then position; a file's place is therefore the
/// first input that reads it, then the order that input's check reads
/// files in, which every worker's session that checked that input agrees
/// on. Warnings show only in the inputs themselves (unless asked for), and
/// what several inputs report about a shared include shows once.
fn order(parts: &[Part], policy: WarningPolicy) -> Vec<(u32, u32)> {
    let mut place: HashMap<&str, (u32, u32)> = HashMap::default();
    let mut roots: HashSet<&str> = HashSet::default();
    for part in parts {
        for (f, &by) in part.read_by.iter().enumerate() {
            let at = (by, f as u32);
            place
                .entry(part.sources.name(FileId(f as u32)))
                .and_modify(|p| *p = (*p).min(at))
                .or_insert(at);
        }
        roots.extend(part.roots.iter().map(|&f| part.sources.name(f)));
    }
    let mut shown = Vec::new();
    for (p, part) in parts.iter().enumerate() {
        for (i, d) in part.diagnostics.iter().enumerate() {
            let at = d.primary.as_ref().map(|l| {
                let name = part.sources.name(l.span.file);
                (place.get(name).copied(), l.span.start, l.span.end)
            });
            let in_root = d
                .primary
                .as_ref()
                .is_none_or(|l| roots.contains(part.sources.name(l.span.file)));
            if d.severity == Severity::Error || in_root || policy.include_warnings {
                // The input that produced it breaks ties, as a one-session
                // check's stable sort of its diagnostics in input order.
                shown.push(((at, part.from[i], i as u32), (p as u32, i as u32)));
            }
        }
    }
    shown.sort_unstable_by_key(|&(key, _)| key);
    let mut seen: HashSet<(&str, u32, u32, Code, &str)> = HashSet::default();
    shown
        .into_iter()
        .filter(|&(_, (p, i))| {
            let part = &parts[p as usize];
            let d = &part.diagnostics[i as usize];
            let at = d.primary.as_ref().map_or(("", 0, 0), |l| {
                (part.sources.name(l.span.file), l.span.start, l.span.end)
            });
            let key = (at.0, at.1, at.2, d.code, d.message.as_str());
            seen.insert(key)
        })
        .map(|(_, at)| at)
        .collect()
}

/// The next inputs for a worker: a run of neighbours (they tend to
/// include the same files, which its session then reads once), a share of
/// what is left that shrinks towards one input at the end so that the
/// workers finish together.
fn claim(next: &AtomicUsize, len: usize, threads: usize) -> std::ops::Range<usize> {
    let mut start = next.load(Ordering::Relaxed);
    loop {
        let size = (len.saturating_sub(start) / (2 * threads.max(1))).max(1);
        let end = (start + size).min(len);
        match next.compare_exchange_weak(start, end, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return start..end,
            Err(now) => start = now,
        }
    }
}

/// Check inputs, claiming runs of them until none is left, in one
/// session.
fn check_worker(
    fs: &dyn FileSystem,
    inputs: &[Input],
    next: &AtomicUsize,
    threads: usize,
    opts: &Options,
    bundle: Option<Arc<Bundle>>,
    compiler: Option<&dyn Compiler>,
) -> Part {
    let mut session = Session::new(opts.clone());
    session.cache.bundle = bundle;
    session.skip_index = true;
    session.skip_dependencies = true;
    let mut diagnostics = Vec::new();
    let mut from = Vec::new();
    let mut read_by = Vec::new();
    let mut roots = Vec::new();
    loop {
        let run = claim(next, inputs.len(), threads);
        if run.is_empty() {
            break;
        }
        for (n, input) in inputs.iter().enumerate().take(run.end).skip(run.start) {
            let before = session.sources.len();
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                check_one(&mut session, fs, input, compiler)
            }));
            let ds = match ran {
                Ok((ds, file)) => {
                    roots.extend(file);
                    ds
                }
                Err(p) => {
                    let name = match input {
                        Input::Path(p) => p.display().to_string(),
                        Input::Bytes { name, .. } => name.clone(),
                    };
                    // Point at the input's first source if it was read.
                    let file = if session.sources.len() > before {
                        FileId(before as u32)
                    } else {
                        session.sources.add(name, "")
                    };
                    roots.push(file);
                    vec![internal_error(
                        file,
                        &session.sources,
                        &panic_message(p.as_ref()),
                    )]
                }
            };
            from.resize(from.len() + ds.len(), n as u32);
            diagnostics.extend(ds);
            read_by.resize(session.sources.len(), n as u32);
        }
    }
    Part {
        sources: std::mem::take(&mut session.sources),
        diagnostics,
        from,
        read_by,
        roots,
        _session: Some(session),
    }
}

/// The diagnostics of one input and the file they are about.
fn check_one(
    session: &mut Session,
    fs: &dyn FileSystem,
    input: &Input,
    compiler: Option<&dyn Compiler>,
) -> (Vec<Diagnostic>, Option<FileId>) {
    #[cfg(debug_assertions)]
    inject_panic_for_tests(input);
    match input {
        // AppArmor or seccomp JSON, told apart by content once read.
        Input::Bytes { name, bytes } => {
            let checked = session.check_any_bytes(fs, name, bytes.clone(), compiler);
            (checked.diagnostics, checked.file)
        }
        Input::Path(path) => {
            let checked = session.check_any_path(fs, path, compiler);
            (checked.diagnostics, checked.file)
        }
    }
}

/// Debug builds only: `PROFILEC_TEST_PANIC=NAME` panics while checking the
/// input whose path ends with NAME, so the binary's tests can show that a
/// panic becomes an `internal-error` diagnostic and exit status 1.
#[cfg(debug_assertions)]
fn inject_panic_for_tests(input: &Input) {
    if let (Some(needle), Input::Path(p)) = (std::env::var_os("PROFILEC_TEST_PANIC"), input) {
        if p.as_os_str()
            .as_encoded_bytes()
            .ends_with(needle.as_encoded_bytes())
        {
            #[allow(clippy::panic)]
            {
                panic!("injected by PROFILEC_TEST_PANIC");
            }
        }
    }
}
