//! Benchmark: the full decision table (every syscall of x86_64, x86 and
//! aarch64) for one profile, end to end: parse the JSON, load it into
//! libseccomp as runc does, export the BPF program, simulate every syscall.
//! Goal: under 50 ms per profile. The table says whether each profile meets
//! it; the exit status does only with `BENCH_ENFORCE=1` (a loaded machine
//! must not fail CI on timing).
//!
//!     cargo bench -p profilec --bench seccomp_table
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use profilec_core::diag::SourceMap;
use profilec_core::seccomp::model::Spanned;
use profilec_core::seccomp::tables::Arch;
use profilec_harness::run::Simulator;

const GOAL: Duration = Duration::from_millis(50);
const RUNS: usize = 30;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One full-table evaluation; returns the number of rows decided.
fn full_table(text: &str, add_all_arches: bool) -> usize {
    let mut sources = SourceMap::new();
    let f = sources.add("bench.json", text);
    let mut diags = Vec::new();
    let mut profile = profilec_core::seccomp::parse(&sources, f, &mut diags).unwrap();
    if add_all_arches {
        let span = profile.default_action.span;
        profile.architectures = Arch::ALL
            .iter()
            .map(|a| Spanned {
                value: a.oci_name().to_string(),
                span,
            })
            .collect();
    }
    let sim = Simulator::new(&profile).unwrap();
    let mut rows = 0;
    for arch in Arch::ALL {
        for (_, decision) in sim.table(arch) {
            decision.unwrap();
            rows += 1;
        }
    }
    rows
}

fn stats(mut d: Vec<Duration>) -> (Duration, Duration, Duration) {
    d.sort();
    (d[0], d[d.len() / 2], d[d.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let docker = "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";
    let cases: Vec<(String, String, bool)> = vec![
        (
            "examples/seccomp/args.json".into(),
            std::fs::read_to_string(root().join("examples/seccomp/args.json")).unwrap(),
            false,
        ),
        (
            "examples/seccomp/fine-grained.json (+aarch64)".into(),
            std::fs::read_to_string(root().join("examples/seccomp/fine-grained.json")).unwrap(),
            true,
        ),
        (
            "docker default.json (3 arches)".into(),
            std::fs::read_to_string(docker).unwrap_or_default(),
            true,
        ),
    ];
    println!(
        "{:<46} {:>6} {:>9} {:>10} {:>9}  goal {} ms",
        "profile (parse+load+export+simulate)",
        "rows",
        "min ms",
        "median ms",
        "max ms",
        GOAL.as_millis()
    );
    let mut all_ok = true;
    for (name, text, all) in cases {
        if text.is_empty() {
            println!("{name:<46} skipped: file not installed");
            continue;
        }
        let rows = full_table(&text, all); // warm-up
        let times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(full_table(std::hint::black_box(&text), all));
                t.elapsed()
            })
            .collect();
        let (min, med, max) = stats(times);
        let ok = med < GOAL;
        all_ok &= ok;
        println!(
            "{name:<46} {rows:>6} {:>9} {:>10} {:>9}  {}",
            ms(min),
            ms(med),
            ms(max),
            if ok { "ok" } else { "OVER GOAL" }
        );
    }
    // Simulation alone, for scale.
    let text = std::fs::read_to_string(root().join("examples/seccomp/args.json")).unwrap();
    let mut sources = SourceMap::new();
    let f = sources.add("args.json", text);
    let mut diags = Vec::new();
    let profile = profilec_core::seccomp::parse(&sources, f, &mut diags).unwrap();
    let sim = Simulator::new(&profile).unwrap();
    let t = Instant::now();
    let mut n = 0;
    for _ in 0..RUNS {
        for arch in Arch::ALL {
            n += std::hint::black_box(sim.table(arch)).len();
        }
    }
    let per = t.elapsed() / RUNS as u32;
    println!(
        "{:<46} {:>6} {:>9}",
        "args.json, simulation only (per table)",
        n / RUNS,
        ms(per)
    );
    if !all_ok {
        println!(
            "goal missed: some profile took over {} ms",
            GOAL.as_millis()
        );
        if std::env::var_os("BENCH_ENFORCE").is_some() {
            std::process::exit(1);
        }
    }
}
