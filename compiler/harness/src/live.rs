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
use profilec_core::seccomp::tables::Arch;

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
            Observed::Errno(e) => match profilec_core::seccomp::consts::errno_name(*e) {
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
    "pselect6_time64",
    "ppoll",
    "ppoll_time64",
    "sigsuspend",
    "rt_sigreturn",
    "sigreturn",
    // Behaves differently once a filter is installed, whatever it decides
    // (strict mode cannot be entered on top of a filter).
    "seccomp",
    // Change machine-wide state even with zero arguments.
    "acct",
    "kexec_load",
    "kexec_file_load",
];

/// Syscalls that act on other processes or on the whole machine through
/// their numeric arguments (a pid, a signal, a command): run live only with
/// all-zero arguments, which target the child itself or nothing.
pub static ZERO_ARGS_ONLY: &[&str] = &[
    "kill",
    "tkill",
    "tgkill",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "pidfd_send_signal",
    "ptrace",
    "reboot",
    "setpriority",
    "ioprio_set",
    "syslog",
    "keyctl",
    "quotactl",
    "sched_setscheduler",
    "sched_setparam",
    "sched_setattr",
    "setpgid",
    "prlimit64",
    "process_madvise",
    "process_mrelease",
    "migrate_pages",
    "move_pages",
    "kcmp",
];

/// Why a case must not run live, if so: the calls in [`NOT_RUN_LIVE`], the
/// calls in [`ZERO_ARGS_ONLY`] with arguments, and `clone` with flags that
/// would share our memory or stack with the new task.
pub fn refuse(name: &str, args: &[u64; 6]) -> Option<&'static str> {
    if NOT_RUN_LIVE.contains(&name) {
        return Some("blocks, changes machine-wide state, or cannot be called safely with harmless arguments");
    }
    if ZERO_ARGS_ONLY.contains(&name) && args.iter().any(|a| *a != 0) {
        return Some("with these arguments it could act on other processes or the machine");
    }
    let sharing =
        (libc::CLONE_VM | libc::CLONE_THREAD | libc::CLONE_VFORK | libc::CLONE_SETTLS) as u64;
    if name == "clone" && args[0] & sharing != 0 {
        return Some("a new task sharing the caller's memory and stack cannot be made safely");
    }
    None
}

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

/// Syscalls that return 0 in a new process: that process leaves at once.
const FORK_LIKE: &[&str] = &["fork", "clone", "clone3"];

/// How the child enters the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// The native syscall instruction.
    Native,
    /// `int 0x80` from a 64-bit process on x86_64: the kernel sees an x86
    /// (i386) syscall, `seccomp_data.arch` is AUDIT_ARCH_I386.
    #[cfg(target_arch = "x86_64")]
    Int80,
}

fn entry_for(arch: Arch) -> Option<Entry> {
    if Some(arch) == Arch::native() {
        return Some(Entry::Native);
    }
    #[cfg(target_arch = "x86_64")]
    if arch == Arch::X86 {
        return Some(Entry::Int80);
    }
    None
}

/// Whether cases for `arch` can run in this kernel: the native architecture
/// always; x86 on x86_64 when the kernel has IA32 emulation (probed once).
pub fn can_run(arch: Arch) -> bool {
    static COMPAT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    match entry_for(arch) {
        Some(Entry::Native) => true,
        #[cfg(target_arch = "x86_64")]
        Some(Entry::Int80) => *COMPAT.get_or_init(|| {
            let getpid = Arch::X86.number("getpid").map_or(20, i64::from);
            matches!(
                run_entry(None, Entry::Int80, getpid, false, [0; 6]),
                Ok(Observed::Returned)
            )
        }),
        None => false,
    }
}

/// Enter the kernel as an x86 (i386) process would: `int 0x80` with the
/// arguments in ebx, ecx, edx, esi, edi, ebp; the result in eax.
#[cfg(target_arch = "x86_64")]
unsafe fn int80(nr: i64, a: [u64; 6]) -> i64 {
    let ret: u64;
    // SAFETY: the caller is a forked test child. rbx and rbp cannot be asm
    // operands, so they are saved and loaded by hand; the compat entry
    // returns r8-r11 zeroed.
    unsafe {
        std::arch::asm!(
            "push rbx",
            "push rbp",
            "mov ebx, {a0:e}",
            "mov ebp, {a5:e}",
            "int 0x80",
            "pop rbp",
            "pop rbx",
            a0 = in(reg) a[0],
            a5 = in(reg) a[5],
            inout("rax") nr as u64 => ret,
            in("rcx") a[1],
            in("rdx") a[2],
            in("rsi") a[3],
            in("rdi") a[4],
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
        );
    }
    i64::from(ret as u32 as i32)
}

/// The page shared with the child: `[state, errno]`, written by the child
/// with plain stores, because after the filter is installed the child may
/// not be allowed any syscall but the one under test.
const STATE_NONE: i64 = 0;
const STATE_RETURNED: i64 = 1;
const STATE_ERRNO: i64 = 2;
const STATE_SETUP_FAILED: i64 = 3;

/// Run syscall `nr` of `arch` with `args` in a child, under `prog` when given.
pub fn run(
    prog: Option<&[Insn]>,
    arch: Arch,
    nr: i64,
    args: [u64; 6],
) -> std::io::Result<Observed> {
    let Some(entry) = entry_for(arch) else {
        return Err(std::io::Error::other(format!(
            "cannot make {} syscalls on this machine",
            arch.short()
        )));
    };
    let fork_like = FORK_LIKE
        .iter()
        .any(|n| arch.number(n).map(i64::from) == Some(nr));
    run_entry(prog, entry, nr, fork_like, args)
}

fn run_entry(
    prog: Option<&[Insn]>,
    entry: Entry,
    nr: i64,
    fork_like: bool,
    args: [u64; 6],
) -> std::io::Result<Observed> {
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
    // SAFETY: an anonymous shared mapping of one page, unmapped below.
    let shared = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if shared == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error());
    }
    let state = shared.cast::<i64>();
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two fds into the array. The pipe only tells the
    // parent when the child is gone (its write end closes).
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        let e = std::io::Error::last_os_error();
        // SAFETY: unmapping our own mapping.
        unsafe { libc::munmap(shared, 4096) };
        return Err(e);
    }
    let (rd, wr) = (fds[0], fds[1]);
    // SAFETY: the child only makes raw syscalls and plain stores, then exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: child side of the fork.
        unsafe {
            libc::close(rd);
            child(state, wr, with_filter, &fprog, entry, nr, args, fork_like)
        }
    }
    // SAFETY: parent closes its copy of the write end.
    unsafe { libc::close(wr) };
    let observed = if pid < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        parent(pid, rd, state)
    };
    // SAFETY: closing and unmapping what we own; the child is gone.
    unsafe {
        libc::close(rd);
        libc::munmap(shared, 4096);
    }
    observed
}

/// End the child without depending on any syscall being allowed: try
/// `exit_group`, and if the filter refuses it, die on an illegal instruction.
fn terminate() -> ! {
    // SAFETY: exit_group does not return when allowed.
    unsafe { libc::syscall(libc::SYS_exit_group, 0) };
    // SAFETY: raises SIGILL, which kills the child.
    unsafe {
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        std::arch::asm!("ud2", options(noreturn));
        #[cfg(target_arch = "aarch64")]
        std::arch::asm!("udf #0", options(noreturn));
        #[cfg(not(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64")))]
        libc::abort();
    }
}

/// # Safety
/// Must only be called in a freshly forked child; `state` points into the
/// shared page. Never returns.
#[allow(clippy::too_many_arguments)]
unsafe fn child(
    state: *mut i64,
    wr: i32,
    with_filter: bool,
    fprog: &libc::sock_fprog,
    entry: Entry,
    nr: i64,
    a: [u64; 6],
    fork_like: bool,
) -> ! {
    // SAFETY: raw syscalls on values prepared before fork, and volatile
    // stores into the shared page, which the caller mapped for this child.
    unsafe {
        libc::setsid();
        // File descriptors: 0, 1 and 2 become a private memfd, so calls on
        // fd 0 (`fchmod(0, 0)`, `ftruncate(0, 0)`, ...) touch nothing real;
        // the pipe's write end moves to 3; everything else is closed.
        let w = libc::fcntl(wr, libc::F_DUPFD, 10);
        let mfd = libc::memfd_create(c"profilec-live".as_ptr(), 0);
        if w < 0 || mfd < 0 {
            state
                .add(1)
                .write_volatile(i64::from(*libc::__errno_location()));
            state.write_volatile(STATE_SETUP_FAILED);
            libc::_exit(3);
        }
        for fd in 0..3 {
            libc::dup2(mfd, fd);
        }
        libc::dup2(w, 3);
        libc::syscall(libc::SYS_close_range, 4u32, u32::MAX, 0u32);
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
                state
                    .add(1)
                    .write_volatile(i64::from(*libc::__errno_location()));
                state.write_volatile(STATE_SETUP_FAILED);
                libc::_exit(3);
            }
        }
        let (r, err) = match entry {
            Entry::Native => {
                let r = libc::syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
                (
                    r,
                    if r == -1 {
                        i64::from(*libc::__errno_location())
                    } else {
                        0
                    },
                )
            }
            #[cfg(target_arch = "x86_64")]
            Entry::Int80 => {
                let r = int80(nr, a);
                if (-4095..0).contains(&r) {
                    (-1, -r)
                } else {
                    (r, 0)
                }
            }
        };
        if fork_like && r == 0 {
            // The new process of a successful fork/clone: leave at once.
            terminate();
        }
        if r == -1 {
            state.add(1).write_volatile(err);
            state.write_volatile(STATE_ERRNO);
        } else {
            state.write_volatile(STATE_RETURNED);
        }
        terminate();
    }
}

fn parent(pid: libc::pid_t, rd: i32, state: *mut i64) -> std::io::Result<Observed> {
    let mut pfd = libc::pollfd {
        fd: rd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: polling one valid fd; it becomes readable (EOF) when the child is gone.
    let ready = unsafe { libc::poll(&mut pfd, 1, TIMEOUT_MS) };
    if ready == 0 {
        // SAFETY: the child is ours.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let mut status = 0;
    loop {
        // SAFETY: waiting for our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
    if ready == 0 {
        return Ok(Observed::Blocked);
    }
    // SAFETY: the child has exited; the page is ours alone.
    let (st, err) = unsafe { (state.read_volatile(), state.add(1).read_volatile()) };
    Ok(match st {
        STATE_RETURNED => Observed::Returned,
        STATE_ERRNO => Observed::Errno(err as i32),
        STATE_SETUP_FAILED => Observed::SetupFailed(err as i32),
        STATE_NONE if libc::WIFSIGNALED(status) => Observed::Signal(libc::WTERMSIG(status)),
        _ => Observed::Exited(libc::WEXITSTATUS(status)),
    })
}

/// Whether this kernel lets us install seccomp filters at all.
pub fn available() -> Result<(), String> {
    let allow = [Insn {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: super::bpf::RET_ALLOW,
    }];
    match run_entry(
        Some(&allow),
        Entry::Native,
        libc::SYS_getppid,
        false,
        [0; 6],
    ) {
        Ok(Observed::Returned) => Ok(()),
        Ok(other) => Err(format!(
            "installing an allow-all seccomp filter gave: {other}"
        )),
        Err(e) => Err(format!("cannot fork a test child: {e}")),
    }
}
