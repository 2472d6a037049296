//! Evaluating expectations against a profile: the simulator on every
//! architecture of the profile, optionally the live kernel on the native one.

use super::bpf::{self, Insn, SeccompData};
use super::expect::{Expectation, Expected};
use super::live::{self, Observed};
use super::load::{self, LoadError, Loaded};
use super::Outcome;
use profilec_core::seccomp::model::Profile;
use profilec_core::seccomp::tables::Arch;

/// A profile loaded as runc loads it, with its exported program.
pub struct Simulator {
    pub loaded: Loaded,
    pub program: Vec<Insn>,
}

impl Simulator {
    pub fn new(profile: &Profile) -> Result<Simulator, LoadError> {
        let (loaded, program) = load::program(profile)?;
        Ok(Simulator { loaded, program })
    }

    /// Architectures simulated: the native one and the listed ones with tables.
    pub fn arches(&self) -> &[Arch] {
        &self.loaded.arches
    }

    /// The decision for syscall `nr` of `arch`. On 32-bit architectures the
    /// kernel passes 32-bit registers, so the high words of `args` are cleared.
    pub fn decide_nr(&self, arch: Arch, nr: u32, args: [u64; 6]) -> Result<Outcome, bpf::SimError> {
        let args = if arch.is_32bit() {
            args.map(|a| a & 0xffff_ffff)
        } else {
            args
        };
        let data = SeccompData {
            nr: nr as i32,
            arch: arch.audit(),
            instruction_pointer: 0,
            args,
        };
        bpf::run(&self.program, &data).map(bpf::outcome)
    }

    /// `None` when `name` is not a syscall on `arch`.
    pub fn decide(
        &self,
        arch: Arch,
        name: &str,
        args: [u64; 6],
    ) -> Option<Result<Outcome, bpf::SimError>> {
        arch.number(name).map(|nr| self.decide_nr(arch, nr, args))
    }

    /// The decision for every syscall of `arch`'s table, with zero arguments,
    /// in table (name) order.
    pub fn table(&self, arch: Arch) -> Vec<(&'static str, Result<Outcome, bpf::SimError>)> {
        arch.table()
            .iter()
            .map(|(name, nr)| (*name, self.decide_nr(arch, *nr, [0; 6])))
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveCell {
    Ran {
        observed: Observed,
        predicted: Observed,
    },
    /// Simulated only, and why.
    NotRun(&'static str),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// The simulator disagrees with the expectation.
    Mismatch,
    /// The kernel disagrees with the simulator.
    LiveMismatch,
    /// Could not be evaluated (simulator or live run error).
    Error(String),
    /// Not evaluated on this architecture, and why.
    Skipped(&'static str),
}

#[derive(Clone, Debug)]
pub struct Row {
    pub arch: Arch,
    /// Index into the expectations.
    pub case: usize,
    pub label: String,
    pub expected: Expected,
    pub simulated: Option<Outcome>,
    pub live: Option<LiveCell>,
    pub status: Status,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub live: bool,
}

impl Report {
    pub fn failures(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| {
            matches!(
                r.status,
                Status::Mismatch | Status::LiveMismatch | Status::Error(_)
            )
        })
    }

    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The results as an aligned text table, one row per (architecture, case).
    pub fn table(&self) -> String {
        let mut head = vec!["arch", "case", "expected", "simulated"];
        if self.live {
            head.push("live");
        }
        head.push("result");
        let mut lines: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
        for r in &self.rows {
            let mut l = vec![
                r.arch.short().to_string(),
                shorten(&r.label),
                r.expected.to_string(),
                r.simulated
                    .map_or_else(|| "-".to_string(), |o| o.to_string()),
            ];
            if self.live {
                l.push(match &r.live {
                    Some(LiveCell::Ran {
                        observed,
                        predicted,
                    }) if observed == predicted => observed.to_string(),
                    Some(LiveCell::Ran {
                        observed,
                        predicted,
                    }) => format!("{observed} (simulation predicts {predicted})"),
                    Some(LiveCell::NotRun(_)) => "not run".to_string(),
                    None => "-".to_string(),
                });
            }
            l.push(match &r.status {
                Status::Ok => "ok".to_string(),
                Status::Mismatch => "FAIL".to_string(),
                Status::LiveMismatch => "FAIL (live)".to_string(),
                Status::Error(e) => format!("ERROR: {e}"),
                Status::Skipped(why) => format!("skipped: {why}"),
            });
            lines.push(l);
        }
        let cols = lines[0].len();
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                lines
                    .iter()
                    .map(|l| l[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for l in &lines {
            let mut s = String::new();
            for (c, cell) in l.iter().enumerate() {
                if c + 1 == cols {
                    s.push_str(cell);
                } else {
                    // Padded by hand: a `{:<w$}` width over 65,535 panics.
                    s.push_str(cell);
                    let pad = widths[c].saturating_sub(cell.chars().count()) + 2;
                    s.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Evaluate every case on every architecture of the profile; with `live`,
/// also run native-architecture cases in the kernel.
pub fn evaluate(sim: &Simulator, cases: &[Expectation], live: bool) -> Report {
    let mut rows = Vec::new();
    for &arch in sim.arches() {
        for (i, c) in cases.iter().enumerate() {
            let mut row = Row {
                arch,
                case: i,
                label: c.label.clone(),
                expected: c.expected,
                simulated: None,
                live: None,
                status: Status::Ok,
            };
            if !c.only_on.is_empty() && !c.only_on.contains(&arch) {
                continue;
            }
            let Some(nr) = arch.number(&c.syscall) else {
                row.status = if c.only_on.contains(&arch) {
                    Status::Error(format!(
                        "`{}` is not a syscall on {}",
                        c.syscall,
                        arch.short()
                    ))
                } else {
                    Status::Skipped("no such syscall on this architecture")
                };
                rows.push(row);
                continue;
            };
            match sim.decide_nr(arch, nr, c.args) {
                Ok(o) => {
                    row.simulated = Some(o);
                    if !c.expected.matches(o) {
                        row.status = Status::Mismatch;
                    }
                    if live && live::can_run(arch) {
                        if let Some(why) = live::refuse(&c.syscall, &c.args) {
                            row.live = Some(LiveCell::NotRun(why));
                        } else {
                            match live_cell(&sim.program, arch, nr, c.args, o) {
                                Ok(cell) => {
                                    if matches!(&cell, LiveCell::Ran { observed, predicted } if observed != predicted)
                                        && row.status == Status::Ok
                                    {
                                        row.status = Status::LiveMismatch;
                                    }
                                    row.live = Some(cell);
                                }
                                Err(e) => row.status = Status::Error(e),
                            }
                        }
                    }
                }
                Err(e) => row.status = Status::Error(format!("simulator: {e}")),
            }
            rows.push(row);
        }
    }
    for (i, c) in cases.iter().enumerate() {
        for &arch in c.only_on.iter().filter(|a| !sim.arches().contains(a)) {
            rows.push(Row {
                arch,
                case: i,
                label: c.label.clone(),
                expected: c.expected,
                simulated: None,
                live: None,
                status: Status::Skipped("architecture not in the profile"),
            });
        }
    }
    Report { rows, live }
}

/// Run one case in the kernel with and without the filter.
pub fn live_cell(
    prog: &[Insn],
    arch: Arch,
    nr: u32,
    args: [u64; 6],
    simulated: Outcome,
) -> Result<LiveCell, String> {
    // The call runs unfiltered only when the filter would let it run anyway.
    let control = match simulated {
        Outcome::Allow | Outcome::Log => {
            live::run(None, arch, i64::from(nr), args).map_err(|e| e.to_string())?
        }
        _ => Observed::Returned,
    };
    let observed = live::run(Some(prog), arch, i64::from(nr), args).map_err(|e| e.to_string())?;
    Ok(LiveCell::Ran {
        observed,
        predicted: live::predict(simulated, control),
    })
}

/// Table cells longer than this are cut in the middle.
const MAX_CELL: usize = 80;

/// A case label as the table shows it: a 70,000-digit argument does not
/// make a 70,000-column table (the full text is in the `.expect` file).
fn shorten(label: &str) -> String {
    let label = profilec_core::diag::render::escape_controls(label);
    let n = label.chars().count();
    if n <= MAX_CELL {
        return label.into_owned();
    }
    let head: String = label.chars().take(MAX_CELL / 2).collect();
    let tail: String = label.chars().skip(n - MAX_CELL / 2 + 1).collect();
    format!("{head}…{tail}")
}
