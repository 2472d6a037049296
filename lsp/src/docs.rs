//! Short documentation of the words of the AppArmor language, for hover
//! and completion details.

/// Rule kinds, qualifiers and preamble keywords.
pub const KEYWORDS: &[(&str, &str)] = &[
    ("profile", "`profile NAME [ATTACHMENT] [flags=(...)] { ... }` declares a profile; inside another profile it declares a child profile (`cx -> NAME`)"),
    ("hat", "`hat NAME { ... }` (or `^NAME`) declares a hat: a sub-profile the task enters with `change_hat`"),
    ("include", "`include <path>` searches the include directories; `include \"path\"` is relative to the base directory; `include if exists` tolerates a missing file"),
    ("abi", "`abi <abi/4.0>,` pins the feature ABI the policy was written for"),
    ("alias", "`alias /from -> /to,` rewrites paths before matching"),
    ("capability", "`capability [NAME...],` grants POSIX capabilities (`capability,` grants all)"),
    ("network", "`network [ACCESS] [FAMILY] [TYPE|PROTOCOL],` mediates socket creation and use"),
    ("unix", "`unix [ACCESS] [type=..] [addr=..] [peer=(..)],` mediates unix domain sockets"),
    ("dbus", "`dbus [ACCESS] [bus=..] [path=..] [interface=..] [member=..] [peer=(..)],` mediates D-Bus messages"),
    ("signal", "`signal [ACCESS] [set=(NAMES)] [peer=LABEL],` mediates sending and receiving signals"),
    ("ptrace", "`ptrace [ACCESS] [peer=LABEL],` mediates ptrace (`read`, `trace`, `readby`, `tracedby`)"),
    ("mount", "`mount [options=(..)] [fstype=..] SOURCE -> TARGET,` permits mounting"),
    ("remount", "`remount [options=(..)] TARGET,` permits remounting"),
    ("umount", "`umount TARGET,` permits unmounting"),
    ("pivot_root", "`pivot_root [oldroot=..] NEWROOT [-> PROFILE],` permits pivot_root"),
    ("change_profile", "`change_profile [EXEC] -> PROFILE,` permits moving to another profile"),
    ("set", "`set rlimit NAME <= VALUE,` sets a resource limit on exec"),
    ("rlimit", "`set rlimit NAME <= VALUE,` sets a resource limit on exec"),
    ("userns", "`userns [create],` permits creating user namespaces"),
    ("mqueue", "`mqueue [ACCESS] [type=posix|sysv] [NAME],` mediates message queues"),
    ("io_uring", "`io_uring [sqpoll|override_creds] [label=..],` mediates io_uring"),
    ("all", "`all,` grants every access (still confined: a transition target)"),
    ("file", "`file,` grants all file access; `file PATH PERMS,` is a file rule"),
    ("link", "`link [subset] PATH -> TARGET,` permits hard links"),
    ("audit", "`audit` logs every access the rule grants (or denies)"),
    ("deny", "`deny` forbids the access and silences its log; deny always wins over allow"),
    ("allow", "`allow` is the default rule mode, written out"),
    ("owner", "`owner` applies the rule only to files the task owns (fsuid)"),
    ("other", "`other` applies the rule only to files the task does not own"),
    ("priority", "`priority=N` (-1000..1000) orders rules: the highest priority wins"),
    ("if", "`if CONDITION { ... } else { ... }` over booleans (`${b}`) and `defined @{v}`"),
];

pub const PERMISSIONS: &[(char, &str)] = &[
    ('r', "read"),
    ('w', "write (implies append)"),
    ('a', "append"),
    ('l', "link"),
    ('k', "lock"),
    ('m', "memory map as executable"),
    ('x', "execute (needs a qualifier: i, p, c, u)"),
    ('i', "inherit: execute under the current profile"),
    (
        'p',
        "profile: execute under the profile attached to the target",
    ),
    ('c', "child: execute under a child profile"),
    (
        'u',
        "unconfined: execute with no profile (scrubs the environment unless `U`)",
    ),
    ('P', "profile, keeping the environment (unsafe)"),
    ('C', "child, keeping the environment (unsafe)"),
    ('U', "unconfined, keeping the environment (unsafe)"),
];

pub const FLAGS: &[(&str, &str)] = &[
    (
        "enforce",
        "deny and log what the profile does not allow (the default)",
    ),
    (
        "complain",
        "allow everything, log what the profile would deny",
    ),
    ("kill", "kill the task on a denial"),
    (
        "unconfined",
        "attach but do not confine (the profile can still transition)",
    ),
    ("prompt", "ask a user-space agent about denials"),
    ("audit", "log every access, allowed or not"),
    ("mediate_deleted", "mediate files after they are deleted"),
    ("delegate_deleted", "let deleted files through"),
    (
        "attach_disconnected",
        "treat paths outside the namespace as attached to its root",
    ),
    ("no_attach_disconnected", "do not attach disconnected paths"),
    ("chroot_relative", "paths are relative to the task's chroot"),
    (
        "namespace_relative",
        "paths are relative to the mount namespace",
    ),
    ("chroot_attach", "attach chrooted paths"),
    ("chroot_no_attach", "do not attach chrooted paths"),
    ("debug", "debugging output"),
    ("interruptible", "a prompt can be interrupted"),
    ("error", "`error=ERRNO`: the errno returned on denial"),
    (
        "attach_disconnected.path",
        "`attach_disconnected.path=PATH`: where disconnected paths attach",
    ),
];

pub const CAPABILITY_DOCS: &[(&str, &str)] = &[
    ("chown", "change file owners and groups"),
    (
        "dac_override",
        "bypass file read, write and execute permission checks",
    ),
    (
        "dac_read_search",
        "bypass file read and directory search checks",
    ),
    (
        "fowner",
        "bypass checks that need the file's owner (chmod, utime, ...)",
    ),
    (
        "fsetid",
        "keep set-user-ID and set-group-ID bits when a file changes",
    ),
    ("kill", "send signals to any process"),
    ("setgid", "change group IDs and supplementary groups"),
    ("setuid", "change user IDs"),
    ("setpcap", "change capability sets and bounding set"),
    (
        "linux_immutable",
        "set immutable and append-only file attributes",
    ),
    ("net_bind_service", "bind ports below 1024"),
    ("net_broadcast", "broadcast and listen to multicast"),
    (
        "net_admin",
        "network administration (interfaces, routes, firewall)",
    ),
    ("net_raw", "raw and packet sockets"),
    ("ipc_lock", "lock memory (mlock, SHM_LOCK)"),
    ("ipc_owner", "bypass System V IPC permission checks"),
    ("sys_module", "load and unload kernel modules"),
    ("sys_rawio", "raw I/O (iopl, ioperm, /dev/mem)"),
    ("sys_chroot", "call chroot"),
    ("sys_ptrace", "trace any process"),
    ("sys_pacct", "configure process accounting"),
    (
        "sys_admin",
        "a broad set of system administration operations (mount, sethostname, ...)",
    ),
    ("sys_boot", "reboot and kexec"),
    (
        "sys_nice",
        "raise priority, set scheduling policies of any process",
    ),
    ("sys_resource", "override resource limits"),
    ("sys_time", "set the system clock"),
    ("sys_tty_config", "configure ttys (vhangup)"),
    ("mknod", "create device files"),
    ("lease", "take leases on files the task does not own"),
    ("audit_write", "write records to the kernel audit log"),
    ("audit_control", "configure kernel auditing"),
    ("setfcap", "set file capabilities"),
    ("mac_override", "override mandatory access control"),
    (
        "mac_admin",
        "configure mandatory access control (load AppArmor policy)",
    ),
    ("syslog", "privileged syslog operations"),
    ("wake_alarm", "set alarms that wake the system"),
    ("block_suspend", "block system suspend"),
    ("audit_read", "read the audit log through multicast netlink"),
    ("perfmon", "performance monitoring (perf_event_open)"),
    ("bpf", "privileged BPF operations"),
    ("checkpoint_restore", "checkpoint and restore operations"),
];

pub const SIGNAL_PERMISSIONS: &[&str] = &["send", "receive", "r", "w", "rw"];
pub const PTRACE_PERMISSIONS: &[&str] = &["read", "trace", "readby", "tracedby", "r", "w", "rw"];

/// Signal numbers on x86-64 and arm64, for hover.
pub const SIGNAL_NUMBERS: &[(&str, u32, &str)] = &[
    ("hup", 1, "hangup"),
    ("int", 2, "interrupt"),
    ("quit", 3, "quit"),
    ("ill", 4, "illegal instruction"),
    ("trap", 5, "trace trap"),
    ("abrt", 6, "abort"),
    ("bus", 7, "bus error"),
    ("fpe", 8, "floating point exception"),
    ("kill", 9, "kill (cannot be caught)"),
    ("usr1", 10, "user signal 1"),
    ("segv", 11, "segmentation fault"),
    ("usr2", 12, "user signal 2"),
    ("pipe", 13, "broken pipe"),
    ("alrm", 14, "alarm clock"),
    ("term", 15, "termination"),
    ("stkflt", 16, "stack fault"),
    ("chld", 17, "child status changed"),
    ("cont", 18, "continue"),
    ("stop", 19, "stop (cannot be caught)"),
    ("stp", 20, "terminal stop"),
    ("ttin", 21, "background read from tty"),
    ("ttou", 22, "background write to tty"),
    ("urg", 23, "urgent socket condition"),
    ("xcpu", 24, "CPU time limit exceeded"),
    ("xfsz", 25, "file size limit exceeded"),
    ("vtalrm", 26, "virtual alarm clock"),
    ("prof", 27, "profiling alarm clock"),
    ("winch", 28, "window size change"),
    ("io", 29, "I/O possible"),
    ("pwr", 30, "power failure"),
    ("sys", 31, "bad system call"),
    ("emt", 0, "emulator trap (no number on Linux)"),
    ("exists", 0, "signal 0: checks that the process exists"),
];

pub fn lookup<'a>(table: &[(&str, &'a str)], word: &str) -> Option<&'a str> {
    table.iter().find(|(k, _)| *k == word).map(|(_, d)| *d)
}

/// One line per letter of a permission string (`rwix`).
pub fn explain_permissions(perms: &str) -> String {
    let mut out = Vec::new();
    for c in perms.chars() {
        if let Some((_, d)) = PERMISSIONS.iter().find(|(k, _)| *k == c) {
            out.push(format!("- `{c}`: {d}"));
        }
    }
    out.join("\n")
}

pub fn signal(word: &str) -> Option<String> {
    if let Some((name, n, d)) = SIGNAL_NUMBERS.iter().find(|(k, _, _)| *k == word) {
        return Some(if *n == 0 {
            format!("signal `{name}`: {d}")
        } else {
            format!("signal `{name}` (SIG{}, {n}): {d}", name.to_uppercase())
        });
    }
    let n: u32 = word.strip_prefix("rtmin+")?.parse().ok()?;
    (n <= 32).then(|| format!("real-time signal SIGRTMIN+{n} ({})", 34 + n))
}
