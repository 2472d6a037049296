//! Differential test: mutated Debian profiles get the same accept/reject
//! verdict from profilec as from `apparmor_parser -QK` (the reference,
//! Debian 12's 3.0.8) on the same text and include path.
//!
//! Mutations are seeded and deterministic: token swaps (capabilities,
//! permissions, signals, network names, mount options, rlimits), inserted
//! rules from a pool of valid and invalid 3.0-era rules, deleted commas,
//! broken braces, undefined variables, duplicated profiles. The pool is
//! restricted to syntax 3.0.8 knows, so a disagreement is a bug of ours.
//!
//! When Debian 13's apparmor_parser 4.1 is at hand (`DIFF_PARSER4=PATH`, or
//! `target/apparmor-4/apparmor_parser` as `scripts/fetch-apparmor-parser-4.sh`
//! leaves it), every mutant is also judged by it, and the pool gains rules
//! only 4.x knows (priority, prompt, userns, mqueue, io_uring, `all`,
//! network ip/port, contradicting mount options).
//!
//! `DIFF_CASES=N` sets the number of mutants (default 300), `DIFF_SEED=S`
//! the seed, `DIFF_ONLY=I` keeps mutant I alone, `DIFF_VERBOSE=1` prints
//! each disagreement's text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use profilec_core::input::fs::RealFs;
use profilec_core::resolve::Options;
use profilec_core::session::Session;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// Rules, valid and invalid, that apparmor_parser 3.0 understands.
///
/// Left out on purpose, where 3.0.8 and the 4.x language profilec checks
/// disagree: contradicting mount options such as `options=(ro, rw)` (4.x
/// rejects them, see the suite's mount/bad_3; 3.0.8 accepts), and every
/// rule kind or conditional 3.0 does not know (priority, prompt, userns,
/// mqueue, io_uring, all, network ip/port).
const RULE_POOL: &[&str] = &[
    "capability chown,",
    "capability sys_admin net_raw,",
    "capability chwon,",
    "capability cap_chown,",
    "network inet stream,",
    "network inet6 dgram,",
    "network netlink raw,",
    "network inet tcp,",
    "network foo,",
    "network inet bogus,",
    "deny network packet,",
    "owner network inet,",
    "signal (send) set=(hup, term) peer=unconfined,",
    "signal receive set=(usr1),",
    "signal send set=(nohup),",
    "signal set=(rtmin+5),",
    "signal set=(rtmin+40),",
    "signal tracedby,",
    "ptrace (read, trace) peer=unconfined,",
    "ptrace tracedby,",
    "ptrace send,",
    "owner ptrace read,",
    "unix (send, receive) type=stream peer=(label=foo),",
    "unix (bind) type=stream addr=@foo,",
    "unix (getattr) peer=(label=foo),",
    "dbus send bus=session path=/org/foo interface=org.foo member=Bar peer=(name=org.foo),",
    "dbus bind bus=session name=org.foo,",
    "dbus bind bus=session path=/org/foo,",
    "dbus eavesdrop bus=system,",
    "dbus send bus=(session, system),",
    "dbus receive name=org.foo,",
    "mount options=(ro, nosuid) /dev/sda1 -> /mnt/,",
    "mount options=(bogus) -> /mnt/,",
    "mount fstype=ext4 -> /mnt/,",
    "remount /mnt/,",
    "umount /mnt/,",
    "pivot_root oldroot=/old/ /new/,",
    "change_profile -> foo,",
    "change_profile /usr/bin/foo -> bar,",
    "change_profile unsafe /usr/bin/foo -> bar,",
    "change_profile safe -> bar,",
    "set rlimit nofile <= 1024,",
    "set rlimit nofile <= 10KB,",
    "set rlimit as <= 1GB,",
    "set rlimit as <= 1TB,",
    "set rlimit nice <= 25,",
    "set rlimit nice <= -5,",
    "set rlimit cpu <= 10s,",
    "set rlimit cpu <= 10ms,",
    "set rlimit bogus <= 1,",
    "set rlimit rttime <= 60m,",
    "/tmp/foo rw,",
    "/tmp/foo aw,",
    "/tmp/foo rwk,",
    "/tmp/foo rix,",
    "/tmp/foo x,",
    "deny /tmp/foo x,",
    "deny /tmp/foo ix,",
    "/tmp/foo pxix,",
    "/usr/bin/bar Px -> baz,",
    "/usr/bin/bar Cx -> baz,",
    "/tmp/{a,b}/ r,",
    "/tmp/{a,b/ r,",
    "/tmp/{}/x r,",
    "/tmp/{one}/x r,",
    "/tmp/[ab r,",
    "@{HOME}/.foo r,",
    "@{NOPE_UNDEFINED}/foo r,",
    "owner @{HOME}/** rw,",
    "other /tmp/** r,",
    "audit deny /etc/shadow r,",
    "deny owner /tmp/x w,",
    "link /tmp/a -> /tmp/b,",
    "link subset /tmp/a -> /tmp/b,",
    "l subset /tmp/c -> /tmp/d,",
    "file,",
    "audit file,",
    "tmp/relative r,",
    "unsafe /tmp/foo r,",
    "safe /usr/bin/x Px,",
    "rw /tmp/leading,",
    "profile child_x { /tmp/c r, }",
    "^hat_x { /tmp/h r, }",
    "include <abstractions/base>",
    "include <abstractions/does-not-exist>",
    "include if exists <abstractions/does-not-exist>",
];

/// Rules of the 4.x language that 3.0.8 does not know or judges otherwise.
const RULE_POOL_4X: &[&str] = &[
    "mount options=(ro, rw) -> /mnt/,",
    "mount options=(symfollow, nosymfollow) -> /mnt/,",
    "mount options in (ro, rw) -> /mnt/,",
    "priority=10 /tmp/p r,",
    "priority=-2000 /tmp/p r,",
    "prompt /tmp/p r,",
    "userns,",
    "userns create,",
    "userns read,",
    "mqueue,",
    "mqueue (open, read) type=posix /q,",
    "mqueue type=sysv 1234,",
    "mqueue type=sysv /q,",
    "io_uring,",
    "io_uring sqpoll,",
    "io_uring read,",
    "all,",
    "owner all,",
    "network inet stream ip=127.0.0.1 port=80,",
    "network inet stream port=70000,",
    "network ip=10.0.0.0/33,",
    "network send peer=(ip=::1 port=22),",
    "network bind peer=(ip=::1),",
    "unix (send) peer=(label=foo),",
    "signal set=(lost),",
];

const CAPS: &[&str] = &[
    "chown",
    "setuid",
    "sys_ptrace",
    "net_admin",
    "dac_override",
    "chownn",
    "sys_foo",
    "CAP_CHOWN",
];
const PERMS: &[&str] = &[
    "r", "rw", "rwk", "rm", "ix", "rix", "Px", "px", "Ux", "Cx", "mr", "lr", "aw", "pxux", "x",
    "rwx", "a", "ra",
];

fn mutate(rng: &mut Rng, text: &str, with_4x: bool) -> (String, bool) {
    let mut uses_4x = false;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Lines inside profile bodies (indented rule lines ending in a comma).
    let rule_lines: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with(' ') || l.starts_with('\t'))
        .filter(|(_, l)| l.trim_end().ends_with(',') && !l.trim_start().starts_with('#'))
        .map(|(i, _)| i)
        .collect();
    let body_open = lines.iter().position(|l| l.trim_end().ends_with('{'));
    let ops = 1 + rng.below(2);
    for _ in 0..ops {
        match rng.below(7) {
            // Insert a pool rule after the first profile's opening brace.
            0..=2 => {
                if let Some(at) = body_open {
                    let rule = if with_4x && rng.below(3) == 0 {
                        uses_4x = true;
                        rng.pick(RULE_POOL_4X)
                    } else {
                        rng.pick(RULE_POOL)
                    };
                    lines.insert(at + 1, format!("  {rule}"));
                }
            }
            // Swap the permissions of a file rule.
            3 => {
                if let Some(&i) = rule_lines.get(rng.below(rule_lines.len())) {
                    let l = &lines[i];
                    let t = l.trim_end().trim_end_matches(',');
                    if let Some((path, perms)) = t.rsplit_once(' ') {
                        if perms.chars().all(|c| "rwaklmixpucPUCIX".contains(c))
                            && !perms.is_empty()
                        {
                            let p = rng.pick(PERMS);
                            lines[i] = format!("{path} {p},");
                        }
                    }
                }
            }
            // Swap a capability.
            4 => {
                if let Some(i) = lines
                    .iter()
                    .position(|l| l.trim_start().starts_with("capability "))
                {
                    let c = rng.pick(CAPS);
                    lines[i] = format!("  capability {c},");
                }
            }
            // Drop a rule's comma.
            5 => {
                if let Some(&i) = rule_lines.get(rng.below(rule_lines.len())) {
                    let l = lines[i].trim_end().trim_end_matches(',').to_string();
                    lines[i] = l;
                }
            }
            // Duplicate the whole text (duplicate profiles).
            _ => {
                if rng.below(4) == 0 {
                    let copy = lines.clone();
                    lines.extend(copy.into_iter().filter(|l| {
                        !l.trim_start().starts_with("include")
                            && !l.trim_start().starts_with("#include")
                            && !l.trim_start().starts_with("abi")
                    }));
                }
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    (out, uses_4x)
}

fn parser4() -> Option<PathBuf> {
    let p = std::env::var_os("DIFF_PARSER4")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/apparmor-4/apparmor_parser")
        });
    p.exists().then_some(p)
}

fn reference_accepts(parser: &Path, path: &Path) -> Option<bool> {
    let out = Command::new(parser)
        .args(["-QK", "-I", "/etc/apparmor.d", "-b", "/etc/apparmor.d"])
        .arg(path)
        .output()
        .ok()?;
    Some(out.status.success())
}

/// Verdicts compared so far, and the disagreements.
#[derive(Default)]
struct Tally {
    agree: usize,
    accepted: usize,
    rejected: usize,
    wrong: Vec<(PathBuf, PathBuf, &'static str, bool, String)>,
}

impl Tally {
    fn record(
        &mut self,
        path: &Path,
        src: &Path,
        oracle: &'static str,
        reference: bool,
        checked: &profilec_core::session::Checked,
    ) {
        let first_error = checked.diagnostics.iter().find(|d| d.is_error());
        if reference {
            self.accepted += 1;
        } else {
            self.rejected += 1;
        }
        if first_error.is_none() == reference {
            self.agree += 1;
        } else {
            let first = first_error
                .map(|d| format!("[{}] {}", d.code, d.message))
                .unwrap_or_else(|| "accepted".into());
            self.wrong.push((
                path.to_path_buf(),
                src.to_path_buf(),
                oracle,
                reference,
                first,
            ));
        }
    }
}

fn main() {
    if Command::new("apparmor_parser")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("differential: apparmor_parser not found; run scripts/install-deps.sh");
        println!("0 passed, 1 failed");
        std::process::exit(1);
    }
    let files = common::debian_profiles().unwrap_or_default();
    if files.is_empty() {
        eprintln!(
            "differential: no Debian profiles under /etc/apparmor.d; run scripts/install-deps.sh"
        );
        println!("0 passed, 1 failed");
        std::process::exit(1);
    }
    let only: Option<usize> = std::env::var("DIFF_ONLY").ok().and_then(|v| v.parse().ok());
    let cases: usize = std::env::var("DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seed: u64 = std::env::var("DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let verbose = std::env::var_os("DIFF_VERBOSE").is_some();
    let tmp = tempfile::tempdir().expect("temp dir");

    let p4 = parser4();
    match &p4 {
        Some(p) => println!("differential: also judging by {}", p.display()),
        None => println!("differential: apparmor_parser 4.x not fetched; judging by 3.0.8 alone"),
    }
    let mut rng = Rng(seed);
    let mut mutants = Vec::new();
    for i in 0..cases {
        let src = &files[rng.below(files.len())];
        let text = std::fs::read_to_string(src).unwrap_or_default();
        let (m, uses_4x) = mutate(&mut rng, &text, p4.is_some());
        if only.is_some_and(|o| o != i) {
            continue;
        }
        let p = tmp.path().join(format!("case-{i:04}"));
        std::fs::write(&p, &m).expect("write mutant");
        mutants.push((p, src.clone(), uses_4x));
    }

    // The reference runs in two threads; profilec checks in this one.
    let next = AtomicUsize::new(0);
    // Per mutant: (3.0.8's verdict unless it uses 4.x rules, 4.1's).
    type Verdicts = Vec<(Option<bool>, Option<bool>)>;
    let verdicts: Mutex<Verdicts> = Mutex::new(vec![(None, None); mutants.len()]);
    let p3 = PathBuf::from("apparmor_parser");
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= mutants.len() {
                    break;
                }
                let (path, _, uses_4x) = &mutants[i];
                let v3 = if *uses_4x {
                    None
                } else {
                    reference_accepts(&p3, path)
                };
                let v4 = p4.as_ref().and_then(|p| reference_accepts(p, path));
                if let Ok(mut g) = verdicts.lock() {
                    g[i] = (v3, v4);
                }
            });
        }
    });
    let verdicts = verdicts.into_inner().expect("verdicts");

    let mut session = Session::new(Options {
        include_dirs: vec![PathBuf::from("/etc/apparmor.d")],
        base: Some(PathBuf::from("/etc/apparmor.d")),
        ..Options::default()
    });
    let mut tally = Tally::default();
    for (i, (path, src, _)) in mutants.iter().enumerate() {
        let checked = session.check_path(&RealFs, path);
        let (v3, v4) = verdicts[i];
        for (oracle, verdict) in [("3.0.8", v3), ("4.1", v4)] {
            if let Some(reference) = verdict {
                tally.record(path, src, oracle, reference, &checked);
            }
        }
    }
    // Debian 13's own profiles, as unpacked with its parser: each gets 4.1's
    // verdict, with its own include tree.
    if let Some(p4) = &p4 {
        let root = p4.parent().map(|d| d.join("root/etc/apparmor.d"));
        let files = root
            .as_deref()
            .map(common::regular_files)
            .unwrap_or_default();
        if let Some(root) = root.filter(|_| !files.is_empty()) {
            let mut s13 = Session::new(Options {
                include_dirs: vec![root.clone()],
                base: Some(root.clone()),
                ..Options::default()
            });
            let mut n = 0;
            for f in &files {
                let out = Command::new(p4)
                    .arg("-QK")
                    .arg("-I")
                    .arg(&root)
                    .arg("-b")
                    .arg(&root)
                    .arg(f)
                    .output();
                let Ok(out) = out else { continue };
                let checked = s13.check_path(&RealFs, f);
                n += 1;
                tally.record(f, f, "4.1", out.status.success(), &checked);
            }
            println!("differential: {n} Debian 13 profiles judged by 4.1 as well");
        }
    }
    let Tally {
        agree,
        accepted,
        rejected,
        wrong,
    } = tally;
    let total = accepted + rejected;
    println!("differential: {total} verdicts on {} mutants ({accepted} accepted, {rejected} rejected by apparmor_parser)", mutants.len());
    println!("agreement: {agree}/{total}");
    for (path, src, oracle, reference, first) in &wrong {
        let want = if *reference { "accepts" } else { "rejects" };
        println!(
            "  {} (from {}): apparmor_parser {oracle} {want}; profilec: {first}",
            path.display(),
            src.display()
        );
        if verbose {
            if let Ok(t) = std::fs::read_to_string(path) {
                let body: Vec<&str> = t
                    .lines()
                    .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
                    .collect();
                println!("{}", body.join("\n"));
            }
            let out = Command::new("apparmor_parser")
                .args(["-QK", "-I", "/etc/apparmor.d", "-b", "/etc/apparmor.d"])
                .arg(path)
                .output();
            if let Ok(o) = out {
                println!(
                    "  reference says: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
            }
        }
    }
    if wrong.is_empty() && total > 0 {
        println!("1 passed, 0 failed");
    } else {
        println!("0 passed, 1 failed");
        std::process::exit(1);
    }
}
