//! Hostile input (issue 14): every case runs the `profilec` binary in a
//! child with a 1 GiB address-space limit (`prlimit --as`) under a 10 s
//! watchdog, and must exit 1 with a diagnostic (or 0 where the input is
//! valid): never a panic (101), a signal, a hang or unbounded output.
//! The reproducers of the issue are here by name (`repro_*`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_profilec");
const WATCHDOG: Duration = Duration::from_secs(10);
const MEMORY: &str = "--as=1073741824";

/// What a child did.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

enum Stdin {
    Null,
    Bytes(Vec<u8>),
    File(PathBuf),
}

/// Run `profilec ARGS` in `dir` under the memory limit and the watchdog.
fn run_in(dir: &Path, args: &[&str], stdin: Stdin, env: &[(&str, &str)]) -> Ran {
    let mut cmd = Command::new("prlimit");
    cmd.arg(MEMORY)
        .arg("--")
        .arg(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut feed = None;
    match stdin {
        Stdin::Null => {
            cmd.stdin(Stdio::null());
        }
        Stdin::File(p) => {
            cmd.stdin(std::fs::File::open(p).unwrap());
        }
        Stdin::Bytes(b) => {
            cmd.stdin(Stdio::piped());
            feed = Some(b);
        }
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("prlimit (util-linux) runs profilec");
    if let Some(bytes) = feed {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    // Drain both pipes while waiting, so a chatty child cannot block.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut v);
        v
    });
    let e = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut v);
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("profilec {args:?} hung: killed after {WATCHDOG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = start.elapsed();
    eprintln!("hostile: profilec {:?} took {took:.1?}", args);
    let stdout = String::from_utf8_lossy(&o.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&e.join().unwrap()).into_owned();
    let Some(code) = status.code() else {
        panic!("profilec {args:?} was killed by a signal: {status:?}\n{stderr}");
    };
    assert_ne!(code, 101, "profilec {args:?} panicked:\n{stderr}");
    Ran {
        code,
        stdout,
        stderr,
        took,
    }
}

/// A directory with the given files.
fn tree(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    d
}

/// `profilec ARGS` must exit `code` and report every one of `codes`.
fn expect(r: &Ran, code: i32, codes: &[&str]) {
    assert_eq!(
        r.code,
        code,
        "stderr:\n{}",
        &r.stderr[..r.stderr.len().min(4000)]
    );
    let all = format!("{}{}", r.stdout, r.stderr);
    for c in codes {
        assert!(
            all.contains(&format!("[{c}]")) || all.contains(&format!("\"{c}\"")),
            "no `{c}` in:\n{}",
            &all[..all.len().min(4000)]
        );
    }
    if code == 1 {
        assert!(
            r.stderr.contains("error[") || r.stdout.contains("\"error\""),
            "exit 1 without a diagnostic:\n{}",
            r.stderr
        );
    }
}

fn s(text: impl Into<String>) -> Vec<u8> {
    text.into().into_bytes()
}

// ---- Variables -------------------------------------------------------

/// `@{vN} = @{vN-1}@{vN-1}`: each level doubles.
fn doubling(levels: usize, used: bool) -> String {
    let mut t = String::from("@{v0}=x y\n");
    for i in 1..=levels {
        t.push_str(&format!("@{{v{i}}}=@{{v{}}}@{{v{}}}\n", i - 1, i - 1));
    }
    t.push_str("profile p {\n");
    if used {
        t.push_str(&format!("  /@{{v{levels}}} r,\n"));
    }
    t.push_str("}\n");
    t
}

#[test]
fn repro_2_unused_doubling_chain_checks_at_once() {
    let d = tree(&[("v", s(doubling(30, false)))]);
    let r = run_in(d.path(), &["check", "v"], Stdin::Null, &[]);
    expect(&r, 0, &[]);
    assert!(r.took < Duration::from_secs(5), "{:?}", r.took);
}

#[test]
fn used_doubling_chain_is_over_the_expansion_budget() {
    let d = tree(&[("v", s(doubling(40, true)))]);
    let r = run_in(d.path(), &["check", "v"], Stdin::Null, &[]);
    expect(&r, 1, &["expansion-too-large"]);
    assert!(r.stderr.contains(
        "error[expansion-too-large]: `/@{v40}` expands to more than 1048576 bytes of text"
    ));
}

#[test]
fn mutual_recursion_of_thousands_of_variables_is_linear() {
    let n = 5000;
    let mut t: String = (0..n)
        .map(|i| format!("@{{v{i}}}=@{{v{}}}\n", (i + 1) % n))
        .collect();
    t.push_str("profile p {\n  /@{v0} r,\n}\n");
    let d = tree(&[("m", s(t))]);
    let r = run_in(
        d.path(),
        &["check", "--format", "json", "m"],
        Stdin::Null,
        &[],
    );
    expect(&r, 1, &["recursive-variable"]);
    assert_eq!(r.stdout.matches("\"recursive-variable\"").count(), n);
}

#[test]
fn long_add_assign_chains_are_linear() {
    let mut t = String::from("@{a}=x\n@{b}=y\n");
    for i in 0..20_000 {
        t.push_str(&format!("@{{a}}+=/a{i}\n@{{b}}+=@{{b}}\n"));
    }
    t.push_str("profile p {\n  @{a} r,\n  /x@{b} r,\n}\n");
    let d = tree(&[("plus", s(t))]);
    let r = run_in(d.path(), &["check", "plus"], Stdin::Null, &[]);
    expect(&r, 1, &["recursive-variable"]);
    assert!(r.stderr.contains("note: expansion: @{b} -> @{b}"));
}

// ---- Globs, exec rules and includes -----------------------------------

#[test]
fn alternation_bombs_check_quickly() {
    let flat = "{a,b}".repeat(3000);
    let nested = "{a,".repeat(40) + &"}".repeat(40);
    let text = format!(
        "profile p {{\n  /{flat} r,\n  /{} ix,\n  /{} px,\n  /{nested} r,\n}}\n",
        "{a,b}".repeat(300),
        "{a,c}".repeat(300)
    );
    let d = tree(&[("alt", s(text))]);
    let r = run_in(d.path(), &["check", "alt"], Stdin::Null, &[]);
    expect(&r, 1, &["invalid-glob", "conflicting-exec-modes"]);
}

#[test]
fn thousands_of_overlapping_exec_rules_are_bounded() {
    let mut t = String::from("profile p {\n");
    for i in 0..3000 {
        t.push_str(&format!("  /{{a,b}}{i}* ix,\n  /{{a,c}}{i}* px,\n"));
    }
    t.push_str("}\n");
    let d = tree(&[("exec", s(t))]);
    let r = run_in(d.path(), &["check", "exec"], Stdin::Null, &[]);
    expect(
        &r,
        1,
        &["conflicting-exec-modes", "exec-conflicts-unchecked"],
    );
    assert!(r.stderr.contains(
        "warning[exec-conflicts-unchecked]: too many overlapping exec rules to check every pair for conflicts"
    ));
}

#[test]
fn repro_3_deep_include_chain_is_bounded() {
    let n = 20_000;
    let mut files: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| (format!("f{i}"), s(format!("include \"f{}\"\n", i + 1))))
        .collect();
    files.push((format!("f{n}"), s("/x r,\n")));
    files.push(("main.sd".into(), s("profile p {\n  include \"f0\"\n}\n")));
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let d = tree(&refs);
    let r = run_in(
        d.path(),
        &["check", "--base", ".", "main.sd"],
        Stdin::Null,
        &[],
    );
    expect(&r, 1, &["include-too-deep"]);
    assert!(r
        .stderr
        .contains("error[include-too-deep]: includes nest more than 256 deep"));
}

#[test]
fn files_included_twice_at_every_level_are_bounded() {
    let mut files: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| {
            (
                format!("d{i}"),
                s(format!("include \"d{0}\"\ninclude \"d{0}\"\n", i + 1)),
            )
        })
        .collect();
    files.push(("d40".into(), s("/x r,\n")));
    files.push(("main.sd".into(), s("profile p {\n  include \"d0\"\n}\n")));
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let d = tree(&refs);
    let r = run_in(
        d.path(),
        &["check", "--base", ".", "main.sd"],
        Stdin::Null,
        &[],
    );
    expect(&r, 1, &["include-expansion-too-large"]);
    assert!(r.stderr.contains(
        "error[include-expansion-too-large]: the includes expand to more than 1000000 rules"
    ));
}

// ---- Devices, FIFOs, sizes --------------------------------------------

#[test]
fn repro_3_dev_zero_everywhere_is_refused() {
    let d = tree(&[("inc.sd", s("profile p {\n  include \"/dev/zero\"\n}\n"))]);
    let p = d.path();
    expect(
        &run_in(p, &["check", "/dev/zero"], Stdin::Null, &[]),
        1,
        &["not-a-file"],
    );
    expect(
        &run_in(p, &["fmt", "/dev/zero"], Stdin::Null, &[]),
        1,
        &["not-a-file"],
    );
    expect(
        &run_in(p, &["test", "/dev/zero"], Stdin::Null, &[]),
        1,
        &["not-a-file"],
    );
    expect(
        &run_in(p, &["check", "inc.sd"], Stdin::Null, &[]),
        1,
        &["include-unreadable"],
    );
    let r = run_in(p, &["check", "-"], Stdin::File("/dev/zero".into()), &[]);
    expect(&r, 1, &["input-too-large"]);
    let r = run_in(p, &["fmt", "-"], Stdin::File("/dev/zero".into()), &[]);
    expect(&r, 1, &["input-too-large"]);
}

#[test]
fn stdin_over_the_limit_is_refused() {
    let d = tree(&[]);
    let r = run_in(
        d.path(),
        &["check", "--max-input-size", "10", "-"],
        Stdin::Bytes(b"profile p {\n}\n".to_vec()),
        &[],
    );
    expect(&r, 1, &["input-too-large"]);
    assert!(r
        .stderr
        .contains("error[input-too-large]: `<stdin>` is larger than the input limit of 10 bytes"));
}

#[test]
fn repro_3_fifo_with_no_writer_never_blocks() {
    let d = tree(&[("inc.sd", s("profile p {\n  include \"fifo\"\n}\n"))]);
    let fifo = d.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let p = d.path();
    let r = run_in(p, &["check", "fifo"], Stdin::Null, &[]);
    expect(&r, 1, &["not-a-file"]);
    assert!(r
        .stderr
        .contains("error[not-a-file]: `fifo` is a FIFO, not a regular file"));
    expect(
        &run_in(p, &["check", "--base", ".", "inc.sd"], Stdin::Null, &[]),
        1,
        &["include-unreadable"],
    );
    expect(
        &run_in(p, &["test", "fifo"], Stdin::Null, &[]),
        1,
        &["not-a-file"],
    );
}

#[test]
fn repro_3_sparse_gigabyte_is_refused_by_size() {
    let d = tree(&[]);
    let f = std::fs::File::create(d.path().join("sparse.sd")).unwrap();
    f.set_len(1 << 30).unwrap();
    let r = run_in(d.path(), &["check", "sparse.sd"], Stdin::Null, &[]);
    expect(&r, 1, &["input-too-large"]);
    assert!(r.took < Duration::from_secs(3), "{:?}", r.took);
}

// ---- Output that grows with the problem, not the line -------------------

#[test]
fn repro_4_long_line_with_one_error_renders_a_window() {
    let line = format!("profile p {{ /{} bogus }}\n", "a".repeat(1 << 20));
    let d = tree(&[("long.sd", s(line))]);
    let r = run_in(d.path(), &["check", "long.sd"], Stdin::Null, &[]);
    expect(&r, 1, &["syntax-error"]);
    assert!(r.stderr.len() < 2000, "{} bytes of stderr", r.stderr.len());
    assert!(r.stderr.contains("long.sd:1:1048591"), "{}", r.stderr);
}

#[test]
fn repro_4_minified_json_with_many_warnings_does_not_reprint_the_file() {
    let names: Vec<String> = (0..10_000).map(|i| format!("\"nosuch{i}\"")).collect();
    let text = format!(
        "{{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{{\"names\":[{}],\"action\":\"SCMP_ACT_ALLOW\"}}]}}",
        names.join(",")
    );
    let d = tree(&[("mini.json", s(text))]);
    let r = run_in(d.path(), &["check", "mini.json"], Stdin::Null, &[]);
    expect(&r, 0, &["seccomp-unknown-syscall"]);
    assert_eq!(
        r.stderr.matches("warning[seccomp-unknown-syscall]").count(),
        10_000
    );
    // About 400 bytes a warning; before, each reprinted the 160 KB line.
    assert!(r.stderr.len() < 10_000 * 600, "{} bytes", r.stderr.len());
}

// ---- seccomp -----------------------------------------------------------

fn conditional_rules(n: usize) -> String {
    let rules: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "{{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{{\"index\":0,\"value\":{i},\"op\":\"SCMP_CMP_EQ\"}}]}}"
            )
        })
        .collect();
    format!(
        "{{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{}]}}",
        rules.join(",")
    )
}

#[test]
fn repro_5_ten_thousand_conditional_rules_are_refused_early() {
    let d = tree(&[("c.json", s(conditional_rules(10_000)))]);
    let r = run_in(d.path(), &["check", "c.json"], Stdin::Null, &[]);
    expect(&r, 1, &["seccomp-program-too-long"]);
    assert!(r.took < Duration::from_secs(5), "{:?}", r.took);
}

#[test]
fn a_hundred_thousand_seccomp_rules_are_bounded() {
    let d = tree(&[("big.json", s(conditional_rules(100_000)))]);
    let r = run_in(d.path(), &["check", "big.json"], Stdin::Null, &[]);
    expect(&r, 1, &["seccomp-program-too-long"]);
}

#[test]
fn repro_1_expect_case_longer_than_65535_characters() {
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let profile = std::fs::read(ws.join("examples/seccomp/args.json")).unwrap();
    let case = format!("syscall read({}) allowed\n", "0".repeat(70_000));
    let d = tree(&[("p.json", profile), ("p.expect", s(case))]);
    let r = run_in(d.path(), &["test", "p.json"], Stdin::Null, &[]);
    expect(&r, 0, &[]);
    assert!(r.stdout.lines().all(|l| l.len() < 300), "{}", r.stdout);
}

#[test]
fn repro_9_tmpdir_missing_is_no_fault_of_the_profile() {
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let profile = std::fs::read(ws.join("examples/seccomp/args.json")).unwrap();
    let d = tree(&[("p.json", profile)]);
    let r = run_in(
        d.path(),
        &["check", "p.json"],
        Stdin::Null,
        &[("TMPDIR", "/nonexistent")],
    );
    expect(&r, 0, &[]);
}

#[test]
fn repro_9_seccomp_json_is_recognised_by_content() {
    let json = s("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n");
    let d = tree(&[("a.JSON", json.clone()), ("a.txt", json.clone())]);
    let p = d.path();
    expect(
        &run_in(p, &["check", "a.JSON", "a.txt"], Stdin::Null, &[]),
        0,
        &[],
    );
    expect(&run_in(p, &["check", "-"], Stdin::Bytes(json), &[]), 0, &[]);
    expect(
        &run_in(p, &["fmt", "a.JSON"], Stdin::Null, &[]),
        1,
        &["fmt-not-apparmor"],
    );
    let r = run_in(p, &["fmt", "a.txt"], Stdin::Null, &[]);
    expect(&r, 1, &["fmt-not-apparmor"]);
    assert!(r.stderr.contains(
        "error[fmt-not-apparmor]: `a.txt` is seccomp JSON; `profilec fmt` formats AppArmor policy only"
    ));
}

#[test]
fn repro_9_byte_order_mark_has_a_hint() {
    let d = tree(&[("bom.sd", s("\u{feff}profile p {\n}\n"))]);
    let r = run_in(d.path(), &["check", "bom.sd"], Stdin::Null, &[]);
    expect(&r, 1, &["byte-order-mark"]);
    assert!(r
        .stderr
        .contains("error[byte-order-mark]: `bom.sd` starts with a UTF-8 byte-order mark"));
    // The mark itself is shown escaped, not as an invisible character.
    assert!(r.stderr.contains(r"\u{feff}profile p {"), "{}", r.stderr);
}

#[test]
fn repro_9_empty_no_color_does_not_disable_colour() {
    let d = tree(&[("bad.sd", s("profile p {\n  /a Kq,\n}\n"))]);
    let r = run_in(
        d.path(),
        &["check", "bad.sd"],
        Stdin::Null,
        &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")],
    );
    expect(&r, 1, &[]);
    assert!(r.stderr.contains("\x1b["), "{}", r.stderr);
    let r = run_in(
        d.path(),
        &["check", "bad.sd"],
        Stdin::Null,
        &[("CLICOLOR", "0")],
    );
    assert!(!r.stderr.contains('\x1b'), "{}", r.stderr);
}

// ---- Terminal escapes -------------------------------------------------

/// No byte of human output may drive the terminal.
fn assert_inert(text: &str) {
    for bad in [
        '\x1b', '\x07', '\x08', '\r', '\u{9b}', '\u{202e}', '\u{2066}',
    ] {
        assert!(!text.contains(bad), "raw {bad:?} in:\n{text}");
    }
}

#[test]
fn repro_6_escape_sequences_in_every_kind_of_name_are_escaped() {
    let esc = "\x1b[2J\x1b]0;PWNED\x07\u{9b}31m\u{202e}";
    let apparmor = format!(
        "@{{v{esc}}} = /x\nprofile p{esc} {{\n  /a{esc} bogus\n  capability {esc},\n  include <{esc}>\n  /b @{{u{esc}}},\n}}\n"
    );
    let json = format!(
        "{{\"defaultAction\": \"SCMP_ACT_{esc}\", \"k{esc}\": 1, \"syscalls\": [{{\"names\": [\"{esc}\"], \"action\": \"SCMP_ACT_ALLOW\"}}]}}"
    );
    let expect_file = format!("syscall {esc} allowed\nsyscall read errno E{esc}\n");
    let file_name = format!("n{esc}.sd");
    let d = tree(&[
        ("e.sd", s(apparmor)),
        ("e.json", s(json)),
        ("e.expect", s(expect_file)),
        (file_name.as_str(), s("profile q {\n  /a Kq,\n}\n")),
    ]);
    let p = d.path();
    for args in [
        vec!["check", "e.sd"],
        vec!["check", "e.json"],
        vec!["test", "e.expect"],
        vec!["check", file_name.as_str()],
        vec!["fmt", file_name.as_str()],
        vec!["fmt", "e.sd"],
    ] {
        let r = run_in(p, &args, Stdin::Null, &[]);
        expect(&r, 1, &[]);
        assert_inert(&r.stderr);
        assert_inert(&r.stdout);
    }
    // JSON keeps the text exact (JSON escapes it itself).
    let r = run_in(p, &["check", "--format", "json", "e.sd"], Stdin::Null, &[]);
    assert!(r.stdout.contains("\\u001b[2J"), "{}", r.stdout);
    // The issue's reproducer, exactly.
    let d = tree(&[("e", s("profile p {\n /a\x1b[2J\x1b]0;PWNED\x07 bogus\n}\n"))]);
    let r = run_in(d.path(), &["check", "e"], Stdin::Null, &[]);
    expect(&r, 1, &["syntax-error"]);
    assert_inert(&r.stderr);
    assert!(
        r.stderr.contains(r" /a\x1b[2J\x1b]0;PWNED\x07 bogus"),
        "{}",
        r.stderr
    );
}

// ---- Content outside the roots ------------------------------------------

const SECRET: &str = "root:$6$SECRETHASH$xyz:19000:0:99999:7:::\n";

#[test]
fn repro_7_files_outside_the_roots_are_never_quoted() {
    let d = tree(&[
        ("secret/shadow", s(SECRET)),
        (
            "base/p.sd",
            s("profile p {\n  include <../secret/shadow>\n  include \"SECRETDIR/shadow\"\n}\n"),
        ),
    ]);
    let p = d.path();
    let sd = p.join("base/p.sd");
    let text = std::fs::read_to_string(&sd)
        .unwrap()
        .replace("SECRETDIR", p.join("secret").to_str().unwrap());
    std::fs::write(&sd, text).unwrap();
    for format in ["human", "json", "sarif"] {
        let r = run_in(
            p,
            &["check", "--base", "base", "--format", format, "base/p.sd"],
            Stdin::Null,
            &[],
        );
        expect(&r, 1, &["include-outside-root", "syntax-error"]);
        for out in [&r.stdout, &r.stderr] {
            assert!(
                !out.contains("SECRETHASH"),
                "{format}: secret shown:\n{out}"
            );
            assert!(!out.contains("root:"), "{format}: secret shown:\n{out}");
        }
    }
    let r = run_in(
        p,
        &["check", "--base", "base", "base/p.sd"],
        Stdin::Null,
        &[],
    );
    assert!(r.stderr.contains(
        "warning[include-outside-root]: `../secret/shadow` climbs out of its include directory with `..`"
    ));
}

#[test]
fn repro_7_expect_profile_outside_its_directory_is_not_quoted() {
    let d = tree(&[
        ("secret/shadow", s(SECRET)),
        (
            "t/x.expect",
            s("profile \"../secret/shadow\"\nsyscall read allowed\n"),
        ),
    ]);
    let r = run_in(d.path(), &["test", "t/x.expect"], Stdin::Null, &[]);
    expect(&r, 1, &["json-syntax"]);
    assert!(
        !r.stderr.contains("SECRETHASH") && !r.stderr.contains("root:"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("SECRETHASH"), "{}", r.stdout);
}
