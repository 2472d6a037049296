//! Live runs: fork a child, install the BPF program (no_new_privs +
//! seccomp), make one syscall with harmless arguments, and report what the
//! kernel did: a return value, an errno, or a signal.
//!
//! A syscall that the filter allows still runs for real, so the same call
//! is also made in a control child without a filter; "allowed" is confirmed
//! when the filtered child observes what the control child observes.
//! Children run in their own session and in new UTS, IPC and mount
//! namespaces, so that calls such as `sethostname("")` or `vhangup()` reach
//! nothing outside them.

use super::bpf::Insn;
use super::Outcome;

/// What a child observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observed {
    /// The syscall returned (value not kept: pids and fds differ per run).
    Returned,
    Errno(i32),
    /// The child was killed by this signal.
    Signal(i32),
    /// The child exited inside the syscall (`exit`, `exit_group`).
    Exited(i32),
    /// Still blocked after the time limit.
    Blocked,
    /// The filter could not be installed (errno of seccomp(2)).
    SetupFailed(i32),
}

impl std::fmt::Display for Observed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Observed::Returned => write!(f, "returned"),
            Observed::Errno(e) => match crate::seccomp::consts::errno_name(*e) {
                Some(n) => write!(f, "errno {n}"),
                None => write!(f, "errno {e}"),
            },
            Observed::Signal(s) if *s == libc::SIGSYS => write!(f, "SIGSYS"),
            Observed::Signal(s) => write!(f, "signal {s}"),
            Observed::Exited(c) => write!(f, "exited {c}"),
            Observed::Blocked => write!(f, "blocked"),
            Observed::SetupFailed(e) => write!(f, "seccomp(2) failed: errno {e}"),
        }
    }
}

/// Syscalls never run live: with harmless arguments they block forever or,
/// like `vfork`, cannot be called safely from a plain function.
pub static NOT_RUN_LIVE: &[&str] = &[
    "vfork",
    "pause",
    "select",
    "_newselect",
    "pselect6",
    "ppoll",
    "rt_sigreturn",
    "sigreturn",
];

/// How long a child may block before it counts as blocked.
const TIMEOUT_MS: i32 = 2000;

const SECCOMP_SET_MODE_FILTER: libc::c_ulong = 1;

/// What the kernel does, given the simulator's decision and the control run.
pub fn predict(outcome: Outcome, control: Observed) -> Observed {
    match outcome {
        Outcome::Allow | Outcome::Log => control,
        Outcome::Errno(e) => Observed::Errno(i32::from(e)),
        // No tracer / no listener attached: the kernel fails the call with ENOSYS.
        Outcome::Trace(_) | Outcome::Notify => Observed::Errno(libc::ENOSYS),
        Outcome::Trap | Outcome::KillThread | Outcome::KillProcess => {
            Observed::Signal(libc::SIGSYS)
        }
    }
}

/// Run syscall `nr` with `args` in a child, under `prog` when given.
pub fn run(prog: Option<&[Insn]>, nr: i64, args: [u64; 6]) -> std::io::Result<Observed> {
    // Everything the child needs is prepared before fork: after fork it only
    // makes raw syscalls (no allocation, no locks).
    let filter: Vec<libc::sock_filter> = prog
        .unwrap_or(&[])
        .iter()
        .map(|i| libc::sock_filter {
            code: i.code,
            jt: i.jt,
            jf: i.jf,
            k: i.k,
        })
        .collect();
    let fprog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr() as *mut libc::sock_filter,
    };
    let with_filter = prog.is_some();
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two fds into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let (rd, wr) = (fds[0], fds[1]);
    // SAFETY: the child only calls async-signal-safe functions, then _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        let e = std::io::Error::last_os_error();
        // SAFETY: closing fds we own.
        unsafe {
            libc::close(rd);
            libc::close(wr);
        }
        return Err(e);
    }
    if pid == 0 {
        // SAFETY: child side; raw syscalls only.
        unsafe { child(wr, with_filter, &fprog, nr, args) }
    }
    // SAFETY: parent closes its copy of the write end.
    unsafe { libc::close(wr) };
    let observed = parent(pid, rd);
    // SAFETY: closing the read end we own.
    unsafe { libc::close(rd) };
    observed
}

/// # Safety
/// Must only be called in a freshly forked child; never returns.
unsafe fn child(wr: i32, with_filter: bool, fprog: &libc::sock_fprog, nr: i64, a: [u64; 6]) -> ! {
    // SAFETY (whole body): raw syscalls on values prepared before fork.
    unsafe {
        libc::setsid();
        // Best effort: isolates hostname, IPC and mounts when running as root.
        libc::unshare(libc::CLONE_NEWUTS | libc::CLONE_NEWIPC | libc::CLONE_NEWNS);
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &no_core);
        if with_filter {
            let mut rc = libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) as libc::c_long;
            if rc == 0 {
                rc = libc::syscall(
                    libc::SYS_seccomp,
                    SECCOMP_SET_MODE_FILTER,
                    0,
                    fprog as *const libc::sock_fprog,
                );
            }
            if rc != 0 {
                let msg = [2i64, i64::from(*libc::__errno_location())];
                libc::write(wr, msg.as_ptr().cast(), 16);
                libc::_exit(3);
            }
        }
        let me = libc::syscall(libc::SYS_getpid);
        let r = libc::syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        let err = *libc::__errno_location();
        if libc::syscall(libc::SYS_getpid) != me {
            // A fork-like call succeeded: the new process leaves at once.
            libc::_exit(0);
        }
        let msg = if r == -1 {
            [1i64, i64::from(err)]
        } else {
            [0i64, 0]
        };
        libc::write(wr, msg.as_ptr().cast(), 16);
        libc::_exit(0);
    }
}

fn parent(pid: libc::pid_t, rd: i32) -> std::io::Result<Observed> {
    let mut pfd = libc::pollfd {
        fd: rd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: polling one valid fd.
    let ready = unsafe { libc::poll(&mut pfd, 1, TIMEOUT_MS) };
    let mut msg = [0i64; 2];
    let mut got = 0isize;
    if ready > 0 {
        // SAFETY: reading at most 16 bytes into a 16-byte buffer.
        got = unsafe { libc::read(rd, msg.as_mut_ptr().cast(), 16) };
    } else {
        // SAFETY: the child is ours.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    loop {
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break;
        }
        if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return Err(std::io::Error::last_os_error());
        }
    }
    if ready == 0 {
        return Ok(Observed::Blocked);
    }
    if got == 16 {
        return Ok(match msg[0] {
            0 => Observed::Returned,
            1 => Observed::Errno(msg[1] as i32),
            _ => Observed::SetupFailed(msg[1] as i32),
        });
    }
    if libc::WIFSIGNALED(status) {
        Ok(Observed::Signal(libc::WTERMSIG(status)))
    } else {
        Ok(Observed::Exited(libc::WEXITSTATUS(status)))
    }
}

/// Whether the observation agrees with the prediction. Allowed calls are
/// compared by kind (returned / errno / signal), not by returned value.
pub fn agrees(observed: Observed, predicted: Observed) -> bool {
    observed == predicted
}

/// Whether this kernel lets us install seccomp filters at all.
pub fn available() -> Result<(), String> {
    let allow = [Insn {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: super::bpf::RET_ALLOW,
    }];
    match run(Some(&allow), libc::SYS_getppid, [0; 6]) {
        Ok(Observed::Returned) => Ok(()),
        Ok(other) => Err(format!(
            "installing an allow-all seccomp filter gave: {other}"
        )),
        Err(e) => Err(format!("cannot fork a test child: {e}")),
    }
}
