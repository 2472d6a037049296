//! The language server's budget: a warm re-check after an edit of a
//! 2,000-line profile that includes the tunables and every abstraction of
//! /etc/apparmor.d (the profile of `lsp/benches/latency.rs`), as
//! `Session::set_document` + `Session::check_path` with the include cache
//! warm. Prints the median and 95th percentile over 200 edits (`RECHECK_EDITS`); the figures
//! are recorded in docs/perf-check.md. Run:
//! `cargo bench -p profilec-core --bench recheck` (`WARM_RECHECK_OUT=FILE`
//! also writes the figures to FILE, for scripts/bench-apparmor.sh).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::{Duration, Instant};

use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::Session;
use profilec_core::syntax::{parse_apparmor, Context};

const LINES: usize = 2000;
/// Edits measured (`RECHECK_EDITS` to change, e.g. under callgrind).
fn edits() -> usize {
    std::env::var("RECHECK_EDITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

/// The profile, and the index of a line whose path the edits change.
fn profile() -> (String, usize, usize) {
    let dir = Path::new("/etc/apparmor.d/abstractions");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut lines = vec![
        "abi <abi/3.0>,".to_string(),
        "include <tunables/global>".into(),
        "profile bench /usr/bin/bench {".into(),
    ];
    for n in &names {
        lines.push(format!("  include <abstractions/{n}>"));
    }
    let mut i = 0;
    while lines.len() < LINES - 1 {
        lines.push(match i % 5 {
            0 => format!("  /srv/bench/{i}/** r,"),
            1 => format!("  owner @{{HOME}}/.cache/bench-{i}/** rwk,"),
            2 => "  capability net_bind_service,".into(),
            3 => format!("  signal send set=(term) peer=bench-{i},"),
            _ => format!("  network inet stream, # {i}"),
        });
        i += 1;
    }
    let edited = lines.len() - 5;
    lines.push("}".into());
    (lines.join("\n") + "\n", edited, names.len())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let (text, line, abstractions) = profile();
    if abstractions == 0 {
        eprintln!("recheck: no abstractions under /etc/apparmor.d: nothing to measure");
        return;
    }
    let path = Path::new("/tmp/profilec-bench/recheck");
    let edited = |n: usize| {
        let mut lines: Vec<&str> = text.lines().collect();
        let changed = if n.is_multiple_of(2) {
            lines[line].replacen("/srv/", "/srv/x", 1)
        } else {
            lines[line].to_string()
        };
        lines[line] = &changed;
        lines.join("\n") + "\n"
    };
    let mut session = Session::new(Options::default());
    // Cold: every include read and parsed.
    session.set_document(path, text.clone());
    let t = Instant::now();
    let cold = session.check_path(&RealFs, path);
    let cold_time = t.elapsed();
    for n in 0..3 {
        session.set_document(path, edited(n));
        session.check_path(&RealFs, path);
    }
    let edits = edits();
    let mut times = Vec::with_capacity(edits);
    let mut diagnostics = 0;
    for n in 0..edits {
        let next = edited(n);
        let t = Instant::now();
        session.set_document(path, next);
        let c = session.check_path(&RealFs, path);
        times.push(t.elapsed());
        diagnostics = c.diagnostics.len();
    }
    times.sort();
    // What a full parse of the edited document takes (the warm check
    // re-parses only the edited items: `syntax::parse_incremental`).
    let mut parse = Vec::with_capacity(edits);
    for n in 0..edits {
        let next = edited(n);
        let t = Instant::now();
        let parsed = parse_apparmor(profilec_core::diag::FileId(0), &next, Context::Top);
        parse.push(t.elapsed());
        drop(parsed);
    }
    parse.sort();
    println!(
        "warm re-check of a {LINES}-line profile including the tunables and {abstractions} abstractions \
         ({} files read), {edits} edits:",
        cold.dependencies.len() + 1
    );
    println!(
        "| cold check | warm median | warm p95 | full parse of the document (median) | diagnostics |"
    );
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| {} | {} | {} | {} | {diagnostics} |",
        ms(cold_time),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&parse, 0.5))
    );
    // For scripts/bench-apparmor.sh, which sets the table beside the others.
    if let Some(out) = std::env::var_os("WARM_RECHECK_OUT") {
        let f = |d: Duration| d.as_secs_f64() * 1e3;
        let body = format!(
            "lines={LINES}\np50_ms={:.3}\np95_ms={:.3}\nparse_p50_ms={:.3}\n",
            f(percentile(&times, 0.5)),
            f(percentile(&times, 0.95)),
            f(percentile(&parse, 0.5))
        );
        std::fs::write(out, body).unwrap();
    }
}
