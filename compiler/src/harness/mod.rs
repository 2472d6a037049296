//! seccomp verification: load a profile into libseccomp as runc does, export
//! the BPF program, simulate it, run cases in the live kernel, and check
//! expectations.

pub mod bpf;
pub mod expect;
pub mod live;
pub mod load;
pub mod run;
pub mod runc;

/// What a seccomp filter decides for one syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Allow,
    Log,
    Errno(u16),
    Trace(u16),
    Trap,
    KillThread,
    KillProcess,
    Notify,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Allow => write!(f, "allow"),
            Outcome::Log => write!(f, "log"),
            Outcome::Errno(e) => match crate::seccomp::consts::errno_name(i32::from(*e)) {
                Some(n) => write!(f, "errno {n}"),
                None => write!(f, "errno {e}"),
            },
            Outcome::Trace(v) => write!(f, "trace {v}"),
            Outcome::Trap => write!(f, "trap"),
            Outcome::KillThread => write!(f, "kill-thread"),
            Outcome::KillProcess => write!(f, "kill-process"),
            Outcome::Notify => write!(f, "notify"),
        }
    }
}
