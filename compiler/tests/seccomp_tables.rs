//! Full decision tables: every syscall of every simulated architecture, for
//! allow-all, deny-all and the examples.
//!
//! Three independent views must agree on each row:
//! - the BPF simulator running the program libseccomp exported;
//! - a direct reading of the OCI JSON (the reference below: rules equal to
//!   the default are dropped, the first unconditional rule for a name wins,
//!   otherwise the first conditional rule whose conditions hold);
//! - on x86_64, the live kernel (fork, no_new_privs, seccomp, syscall).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use profilec_core::diag::SourceMap;
use profilec_core::seccomp::model::{Action, Op, Profile};
use profilec_core::seccomp::tables::Arch;
use profilec_harness::live;
use profilec_harness::run::{live_cell, LiveCell, Simulator};
use profilec_harness::Outcome;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

fn profile(rel: &str) -> Profile {
    let text = std::fs::read_to_string(data(rel)).unwrap();
    let mut sources = SourceMap::new();
    let f = sources.add(rel, text);
    let mut diags = Vec::new();
    let p = profilec_core::seccomp::parse(&sources, f, &mut diags);
    assert!(diags.iter().all(|d| !d.is_error()), "{rel}: {diags:?}");
    p.unwrap()
}

fn outcome(a: Action) -> Outcome {
    match a {
        Action::KillProcess => Outcome::KillProcess,
        Action::KillThread => Outcome::KillThread,
        Action::Trap => Outcome::Trap,
        Action::Errno(e) => Outcome::Errno(e),
        Action::Trace(t) => Outcome::Trace(t),
        Action::Allow => Outcome::Allow,
        Action::Log => Outcome::Log,
        Action::Notify => Outcome::Notify,
    }
}

/// The OCI JSON read directly, without libseccomp or BPF.
fn reference(p: &Profile, name: &str, args: [u64; 6]) -> Outcome {
    let default = p.default();
    let rules: Vec<_> = p
        .syscalls
        .iter()
        .filter(|r| r.resolved() != default && r.names.iter().any(|n| n.value == name))
        .collect();
    if let Some(r) = rules.iter().find(|r| r.args.is_empty()) {
        return outcome(r.resolved());
    }
    for r in rules {
        let holds = r.args.iter().all(|a| {
            let v = args[a.index as usize];
            match a.op {
                Op::NotEqual => v != a.value,
                Op::LessThan => v < a.value,
                Op::LessEqual => v <= a.value,
                Op::Equal => v == a.value,
                Op::GreaterEqual => v >= a.value,
                Op::GreaterThan => v > a.value,
                Op::MaskedEqual => v & a.value == a.value_two,
            }
        });
        if holds {
            return outcome(r.resolved());
        }
    }
    outcome(default)
}

/// Every syscall of every architecture of the profile: simulator == reference.
/// Returns the number of rows checked.
fn full_table(rel: &str, arches: &[Arch], args: [u64; 6]) -> usize {
    let p = profile(rel);
    let sim = Simulator::new(&p).unwrap();
    assert_eq!(sim.arches(), arches, "{rel}: simulated architectures");
    let mut rows = 0;
    for &arch in arches {
        for (name, nr) in arch.table() {
            let got = sim.decide_nr(arch, *nr, args).unwrap();
            // A 32-bit task cannot pass the high words.
            let seen = if arch.is_32bit() {
                args.map(|a| a & 0xffff_ffff)
            } else {
                args
            };
            assert_eq!(
                got,
                reference(&p, name, seen),
                "{rel}: `{name}` on {} with {args:x?}",
                arch.short()
            );
            rows += 1;
        }
    }
    rows
}

fn table_len(arches: &[Arch]) -> usize {
    arches.iter().map(|a| a.table().len()).sum()
}

const ALL3: [Arch; 3] = [Arch::X86_64, Arch::X86, Arch::Aarch64];

#[test]
fn allow_all_allows_every_syscall() {
    let p = profile("tests/data/seccomp/table/allow-all.json");
    let sim = Simulator::new(&p).unwrap();
    for arch in ALL3 {
        let table = sim.table(arch);
        assert_eq!(table.len(), arch.table().len());
        for (name, got) in table {
            assert_eq!(got, Ok(Outcome::Allow), "`{name}` on {}", arch.short());
        }
    }
    assert_eq!(
        full_table("tests/data/seccomp/table/allow-all.json", &ALL3, [0; 6]),
        table_len(&ALL3)
    );
}

#[test]
fn deny_all_fails_every_syscall_with_eperm() {
    let p = profile("tests/data/seccomp/table/deny-all.json");
    let sim = Simulator::new(&p).unwrap();
    for arch in ALL3 {
        for (name, got) in sim.table(arch) {
            assert_eq!(got, Ok(Outcome::Errno(1)), "`{name}` on {}", arch.short());
        }
    }
    assert_eq!(
        full_table("tests/data/seccomp/table/deny-all.json", &ALL3, [0; 6]),
        table_len(&ALL3)
    );
}

/// A syscall number past every table still gets the default action, and a
/// foreign architecture gets the bad-arch action (kill).
#[test]
fn unknown_numbers_and_foreign_arches() {
    let p = profile("examples/seccomp/fine-grained.json");
    let sim = Simulator::new(&p).unwrap();
    assert_eq!(
        sim.decide_nr(Arch::X86_64, 1000, [0; 6]),
        Ok(Outcome::Errno(1))
    );
    // aarch64 is not in fine-grained.json: libseccomp kills foreign arches.
    assert_eq!(
        sim.decide(Arch::Aarch64, "read", [0; 6]).unwrap(),
        Ok(Outcome::KillThread)
    );
}

#[test]
fn fine_grained_table() {
    let arches = [Arch::X86_64, Arch::X86];
    let n = full_table("examples/seccomp/fine-grained.json", &arches, [0; 6]);
    assert_eq!(n, table_len(&arches));
    // Independent of the reference: exactly the listed names are allowed.
    let p = profile("examples/seccomp/fine-grained.json");
    let listed: Vec<&str> = p.syscalls[0]
        .names
        .iter()
        .map(|n| n.value.as_str())
        .collect();
    let sim = Simulator::new(&p).unwrap();
    for (name, got) in sim.table(Arch::X86_64) {
        let want = if listed.contains(&name) {
            Outcome::Allow
        } else {
            Outcome::Errno(1)
        };
        assert_eq!(got, Ok(want), "`{name}`");
    }
}

#[test]
fn args_table_for_several_argument_vectors() {
    // Zero arguments, then values that hit each condition of args.json.
    let vectors = [
        [0u64; 6],
        [1, 1, 0, 0, 0, 0],             // AF_UNIX / personality 1
        [2, 0, 0, 0, 0, 0],             // AF_INET
        [10, 0, 0, 0, 0, 0],            // AF_INET6
        [8, 0, 0, 0, 0, 0],             // PER_LINUX32
        [0xffff_ffff, 0, 0, 0, 0, 0],   // PER_QUERY
        [0x1_0000_0002, 0, 0, 0, 0, 0], // high word set: not AF_INET
        [0x1000_0000, 0, 0, 0, 0, 0],   // CLONE_NEWUSER
        [0x0001_0f00, 0, 0, 0, 0, 0],   // thread flags
    ];
    for args in vectors {
        let n = full_table("examples/seccomp/args.json", &ALL3, args);
        assert_eq!(n, table_len(&ALL3));
    }
}

/// The kernel agrees with the simulator on a whole table (x86 runs through
/// `int 0x80` on x86_64 kernels with IA32 emulation).
fn live_table(rel: &str, arch: Arch) {
    if !live::can_run(arch) {
        eprintln!(
            "SKIPPED live {} table for {rel}: this machine cannot make {} syscalls",
            arch.short(),
            arch.short()
        );
        return;
    }
    live::available().expect("seccomp filters cannot be installed in this environment");
    let p = profile(rel);
    let sim = Simulator::new(&p).unwrap();
    let mut ran = 0;
    let mut mismatches = Vec::new();
    for (name, nr) in arch.table() {
        if live::refuse(name, &[0; 6]).is_some() {
            continue;
        }
        let o = sim.decide_nr(arch, *nr, [0; 6]).unwrap();
        match live_cell(&sim.program, arch, *nr, [0; 6], o).unwrap() {
            LiveCell::Ran {
                observed,
                predicted,
            } => {
                ran += 1;
                if observed != predicted {
                    mismatches.push(format!(
                        "{name}: simulated {o}, kernel {observed}, predicted {predicted}"
                    ));
                }
            }
            LiveCell::NotRun(_) => {}
        }
    }
    assert!(
        mismatches.is_empty(),
        "{rel} on {}:\n{}",
        arch.short(),
        mismatches.join("\n")
    );
    assert!(
        ran + live::NOT_RUN_LIVE.len() >= arch.table().len(),
        "{rel}: only {ran} rows ran"
    );
}

/// Every syscall really runs (with zero arguments, fd 0 a private memfd, in
/// new UTS/IPC/mount namespaces), with and without the filter.
#[test]
fn live_kernel_agrees_allow_all() {
    live_table("tests/data/seccomp/table/allow-all.json", Arch::X86_64);
    live_table("tests/data/seccomp/table/allow-all.json", Arch::X86);
}

#[test]
fn live_kernel_agrees_deny_all() {
    live_table("tests/data/seccomp/table/deny-all.json", Arch::X86_64);
    live_table("tests/data/seccomp/table/deny-all.json", Arch::X86);
}

#[test]
fn live_kernel_agrees_fine_grained() {
    live_table("examples/seccomp/fine-grained.json", Arch::X86_64);
    live_table("examples/seccomp/fine-grained.json", Arch::X86);
}

#[test]
fn live_kernel_agrees_args() {
    live_table("examples/seccomp/args.json", Arch::X86_64);
    live_table("examples/seccomp/args.json", Arch::X86);
}
