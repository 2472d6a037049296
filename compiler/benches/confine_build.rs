//! Benchmark: `profilec build` of a directory of 1,000 generated `.confine`
//! files (each extends the stdlib `container` base, so each lowers the
//! whole runtime-default syscall set), through the library call the CLI
//! makes: check, lower, print, write. Goal: under 1 s. The table says
//! whether the goal is met; the exit status does only with
//! `BENCH_ENFORCE=1`. `BENCH_DOCS=1` writes the table to
//! `docs/bench-confine.md`.
//!
//!     cargo bench -p profilec --bench confine_build
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use profilec_core::build;
use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;

const FILES: usize = 1000;
const GOAL: Duration = Duration::from_secs(1);
const RUNS: usize = 5;

/// A service profile; `i` varies names, paths and rules.
fn profile(i: usize) -> String {
    format!(
        "# generated service {i}\n\
confine svc-{i:04} {{\n\
  extends container\n\
  attach /usr/local/bin/svc-{i}\n\
  files {{\n\
    exec /usr/local/bin/svc-{i}\n\
    read /etc/svc-{i}/** /usr/share/svc-{i}/** /lib/** /usr/lib/**\n\
    owner write /var/lib/svc-{i}/** /var/log/svc-{i}/*.log\n\
    deny /etc/shadow\n\
  }}\n\
  capabilities {{ allow net_bind_service setuid setgid }}\n\
  network {{ allow inet stream, inet6 stream; deny raw }}\n\
  syscalls {{\n\
    deny ptrace personality\n\
    allow socket if arg0 in [AF_INET, AF_INET6, AF_UNIX]\n\
    errno EACCES mkdir{}\n\
  }}\n\
  expect {{\n\
    syscall read allowed\n\
    syscall ptrace errno EPERM\n\
  }}\n\
}}\n",
        if i.is_multiple_of(2) { " rmdir" } else { "" }
    )
}

/// CPU time (user + system, all threads) of this process so far, from
/// /proc/self/stat (fields 14 and 15, in clock ticks of 10 ms).
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // After the command name: state is field 3, utime 14, stime 15.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// (wall time, CPU time, outputs) of one build.
fn timed(dir: &Path, out: &Path) -> (Duration, Duration, usize) {
    let (started, cpu0) = (Instant::now(), cpu());
    let plan = build::plan(&RealFs, &[dir.to_path_buf()], &Options::default());
    assert!(!plan.has_errors());
    build::write(out, &plan.outputs).unwrap();
    (started.elapsed(), cpu() - cpu0, plan.outputs.len())
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("profiles");
    std::fs::create_dir(&dir).unwrap();
    let mut bytes = 0;
    for i in 0..FILES {
        let text = profile(i);
        bytes += text.len();
        std::fs::write(dir.join(format!("svc-{i:04}.confine")), text).unwrap();
    }
    // First run: every output is new. Later runs: every output is unchanged
    // (what `make` sees after an edit elsewhere) into the same directory,
    // and fresh builds into new directories.
    let out: PathBuf = tmp.path().join("out");
    let (cold, cold_cpu, outputs) = timed(&dir, &out);
    let mut unchanged = Vec::new();
    let mut fresh = Vec::new();
    for r in 0..RUNS {
        let (w, c, _) = timed(&dir, &out);
        unchanged.push((w, c));
        let (w, c, _) = timed(&dir, &tmp.path().join(format!("fresh{r}")));
        fresh.push((w, c));
    }
    unchanged.sort();
    fresh.sort();
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    let meets = |d: Duration| if d < GOAL { "yes" } else { "no" };
    let mid = RUNS / 2;
    let mut table = String::new();
    writeln!(table, "| build of {FILES} files ({} KiB, {outputs} outputs) | best wall | median wall | CPU (user+sys) of the median | wall < 1 s |", bytes / 1024).unwrap();
    writeln!(table, "| --- | --- | --- | --- | --- |").unwrap();
    writeln!(
        table,
        "| first build (all outputs new) | {} | {} | {} | {} |",
        ms(cold),
        ms(cold),
        ms(cold_cpu),
        meets(cold)
    )
    .unwrap();
    writeln!(
        table,
        "| fresh output directory | {} | {} | {} | {} |",
        ms(fresh[0].0),
        ms(fresh[mid].0),
        ms(fresh[mid].1),
        meets(fresh[mid].0)
    )
    .unwrap();
    writeln!(
        table,
        "| rebuild, nothing changed | {} | {} | {} | {} |",
        ms(unchanged[0].0),
        ms(unchanged[mid].0),
        ms(unchanged[mid].1),
        meets(unchanged[mid].0)
    )
    .unwrap();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?").to_string();
    print!("{table}");
    println!("load average during the run: {load}");
    if std::env::var("BENCH_DOCS").is_ok_and(|v| v == "1") {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let doc = format!(
            "# Benchmark: profilec build of 1,000 .confine files\n\n\
             <!-- Written by `BENCH_DOCS=1 cargo bench -p profilec --bench confine_build`. -->\n\n\
             Each generated file extends the stdlib `container` base (so each profile\n\
             lowers the whole runtime-default syscall set, about 460 rules), adds file,\n\
             capability, network and syscall rules, and has an `expect` block. The\n\
             build checks, lowers and prints all of them and writes the outputs\n\
             through `input::write` (release build, {RUNS} runs, {cpus} CPUs shared with\n\
             other jobs; load average {load} when it ended).\n\n{table}"
        );
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/bench-confine.md");
        std::fs::write(path, doc).unwrap();
    }
    if std::env::var("BENCH_ENFORCE").is_ok_and(|v| v == "1") && fresh[mid].0 >= GOAL {
        std::process::exit(1);
    }
}
