//! Names the kernel and `apparmor_parser` know: capabilities, network
//! families, signals, rlimits, mount options, profile flags, errno names.

pub const CAPABILITIES: &[&str] = &[
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
];

pub const NET_FAMILIES: &[&str] = &[
    "unix",
    "inet",
    "ax25",
    "ipx",
    "appletalk",
    "netrom",
    "bridge",
    "atmpvc",
    "x25",
    "inet6",
    "rose",
    "netbeui",
    "security",
    "key",
    "netlink",
    "packet",
    "ash",
    "econet",
    "atmsvc",
    "rds",
    "sna",
    "irda",
    "pppox",
    "wanpipe",
    "llc",
    "ib",
    "mpls",
    "can",
    "tipc",
    "bluetooth",
    "iucv",
    "rxrpc",
    "isdn",
    "phonet",
    "ieee802154",
    "caif",
    "alg",
    "nfc",
    "vsock",
    "kcm",
    "qipcrtr",
    "smc",
    "xdp",
    "mctp",
    "unspec",
];

pub const NET_TYPES: &[&str] = &["stream", "dgram", "seqpacket", "rdm", "raw", "packet"];

/// Socket types of a unix rule's `type=`: apparmor_parser 4.1's own table,
/// with `none` and `dccp`, which network rules do not take.
pub const UNIX_TYPES: &[&str] = &[
    "none",
    "stream",
    "dgram",
    "raw",
    "rdm",
    "seqpacket",
    "dccp",
    "packet",
];

pub const NET_PROTOCOLS: &[&str] = &["tcp", "udp", "icmp"];

pub const SIGNALS: &[&str] = &[
    "hup", "int", "quit", "ill", "trap", "abrt", "bus", "fpe", "kill", "usr1", "segv", "usr2",
    "pipe", "alrm", "term", "stkflt", "chld", "cont", "stop", "stp", "ttin", "ttou", "urg", "xcpu",
    "xfsz", "vtalrm", "prof", "winch", "io", "pwr", "sys", "emt", "exists",
];

/// `rtmin+N` accepts N in 0..=32. The reference reads N as C's `atoi`
/// does: leading blanks, a sign, the digits that follow, and nothing of the
/// rest, so `rtmin+`, `rtmin+x` and `rtmin+3a` are `rtmin+0` and `rtmin+3`.
pub fn is_signal(name: &str) -> bool {
    if SIGNALS.contains(&name) {
        return true;
    }
    name.strip_prefix("rtmin+")
        .is_some_and(|n| (0..=32).contains(&atoi(n)))
}

/// C's `atoi`: optional blanks and sign, then as many digits as there are;
/// 0 when there are none. Saturates instead of overflowing.
fn atoi(s: &str) -> i64 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -n
    } else {
        n
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RlimitKind {
    /// Seconds by default; time units allowed; at least 1s.
    Cpu,
    /// Microseconds by default; time units allowed.
    RtTime,
    /// A plain count.
    Count,
    /// -20..=19, no unit.
    Nice,
    /// Bytes; K/KB, M/MB, G/GB units.
    Size,
}

pub fn rlimit(name: &str) -> Option<RlimitKind> {
    Some(match name {
        "cpu" => RlimitKind::Cpu,
        "rttime" => RlimitKind::RtTime,
        "nofile" | "ofile" | "nproc" | "locks" | "sigpending" | "rtprio" => RlimitKind::Count,
        "nice" => RlimitKind::Nice,
        "fsize" | "data" | "stack" | "core" | "rss" | "as" | "memlock" | "msgqueue" => {
            RlimitKind::Size
        }
        _ => return None,
    })
}

pub const RLIMITS: &[&str] = &[
    "cpu",
    "fsize",
    "data",
    "stack",
    "core",
    "rss",
    "nofile",
    "ofile",
    "as",
    "nproc",
    "memlock",
    "locks",
    "sigpending",
    "msgqueue",
    "nice",
    "rtprio",
    "rttime",
];

/// Time unit -> microseconds. `m` is deliberately absent: minutes or ms?
pub fn time_unit(u: &str) -> Option<u64> {
    Some(match u {
        "us" | "microsecond" | "microseconds" => 1,
        "ms" | "millisecond" | "milliseconds" => 1_000,
        "s" | "sec" | "second" | "seconds" => 1_000_000,
        "min" | "minute" | "minutes" => 60_000_000,
        "h" | "hour" | "hours" => 3_600_000_000,
        "d" | "day" | "days" => 86_400_000_000,
        "week" | "weeks" => 604_800_000_000,
        _ => return None,
    })
}

/// Mount options: (name, the flag it sets, or clears with a leading `!`;
/// empty for none that can contradict). Within one `options=(...)` list an
/// option that sets a flag and one that clears it contradict, as
/// apparmor_parser 4.1 reads them (`r`, `ro` and `read-only` all set the
/// read-only flag; `norelatime` clears nothing, so it contradicts nothing).
pub const MOUNT_FLAGS: &[(&str, &str)] = &[
    ("ro", "rdonly"),
    ("r", "rdonly"),
    ("read-only", "rdonly"),
    ("rw", "!rdonly"),
    ("w", "!rdonly"),
    ("nosuid", "nosuid"),
    ("suid", "!nosuid"),
    ("nodev", "nodev"),
    ("dev", "!nodev"),
    ("noexec", "noexec"),
    ("exec", "!noexec"),
    ("sync", "sync"),
    ("async", "!sync"),
    ("mand", "mand"),
    ("nomand", "!mand"),
    ("dirsync", ""),
    ("symfollow", "!nosymfollow"),
    ("nosymfollow", "nosymfollow"),
    ("atime", "!noatime"),
    ("noatime", "noatime"),
    ("diratime", "!nodiratime"),
    ("nodiratime", "nodiratime"),
    ("relatime", "relatime"),
    ("norelatime", ""),
    ("strictatime", "strictatime"),
    ("nostrictatime", "!strictatime"),
    ("lazytime", "lazytime"),
    ("nolazytime", "!lazytime"),
    ("iversion", "iversion"),
    ("noiversion", "!iversion"),
    ("user", "user"),
    ("nouser", "!user"),
    ("acl", "acl"),
    ("noacl", "!acl"),
    ("verbose", ""),
    ("silent", ""),
    ("loud", ""),
    ("remount", ""),
    ("bind", ""),
    ("B", ""),
    ("rbind", ""),
    ("R", ""),
    ("move", ""),
    ("M", ""),
];

/// Propagation changes: such a mount names a mount point but no source.
pub const MOUNT_PROPAGATION: &[&str] = &[
    "unbindable",
    "runbindable",
    "private",
    "rprivate",
    "slave",
    "rslave",
    "shared",
    "rshared",
    "make-unbindable",
    "make-runbindable",
    "make-private",
    "make-rprivate",
    "make-slave",
    "make-rslave",
    "make-shared",
    "make-rshared",
];

/// Profile mode flags: at most one.
pub const PROFILE_MODES: &[&str] = &[
    "enforce",
    "complain",
    "kill",
    "unconfined",
    "prompt",
    "default_allow",
];

pub const PROFILE_FLAGS: &[&str] = &[
    "audit",
    "mediate_deleted",
    "delegate_deleted",
    "attach_disconnected",
    "no_attach_disconnected",
    "chroot_relative",
    "namespace_relative",
    "chroot_attach",
    "chroot_no_attach",
    "interruptible",
    "debug",
    "attach_disconnected.ipc",
];

/// Pairs of flags that contradict each other.
pub const FLAG_CONFLICTS: &[(&str, &str)] = &[
    ("mediate_deleted", "delegate_deleted"),
    ("attach_disconnected", "no_attach_disconnected"),
    ("chroot_relative", "namespace_relative"),
    ("chroot_attach", "chroot_no_attach"),
];

/// Every errno name apparmor_parser 4.1 accepts in `flags=(error=...)`
/// (tests/reference_tables.rs probes them against it).
pub const ERRNOS: &[&str] = &[
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "EWOULDBLOCK",
    "ENOMSG",
    "EIDRM",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENOLINK",
    "EPROTO",
    "EBADMSG",
    "EOVERFLOW",
    "EILSEQ",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "ENOTSUP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETOOMANYREFS",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EDQUOT",
    "ECANCELED",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
    "EADV",
    "EBADE",
    "EBADFD",
    "EBADR",
    "EBADRQC",
    "EBADSLT",
    "EBFONT",
    "ECHRNG",
    "ECOMM",
    "EDEADLOCK",
    "EDOTDOT",
    "EISNAM",
    "EKEYEXPIRED",
    "EKEYREJECTED",
    "EKEYREVOKED",
    "EL2HLT",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "ELIBACC",
    "ELIBBAD",
    "ELIBEXEC",
    "ELIBMAX",
    "ELIBSCN",
    "ELNRNG",
    "EMEDIUMTYPE",
    "EMULTIHOP",
    "ENAVAIL",
    "ENOANO",
    "ENOCSI",
    "ENOKEY",
    "ENOMEDIUM",
    "ENONET",
    "ENOPKG",
    "ENOTNAM",
    "ENOTUNIQ",
    "EREMCHG",
    "EREMOTE",
    "EREMOTEIO",
    "ERESTART",
    "ESRMNT",
    "ESTRPIPE",
    "EUCLEAN",
    "EUNATCH",
    "EXFULL",
];

/// Closest known name, for "did you mean" help.
pub fn suggest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    crate::diag::suggest::suggest(name, known.iter().copied())
}
