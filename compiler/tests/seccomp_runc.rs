//! End to end with a real runtime: runc starts a busybox container whose OCI
//! config carries a seccomp profile. A denied operation fails with the errno
//! the simulator predicts for the profile, a killed one dies of SIGSYS, and
//! allowed ones work.
//!
//! Needs root, `runc` and `busybox-static` (CI has them). Where they are
//! missing the test prints why and is skipped; set PROFILEC_REQUIRE_RUNC=1
//! to make that a failure instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use profilec_core::diag::SourceMap;
use profilec_core::seccomp::tables::Arch;
use profilec_harness::run::Simulator;
use profilec_harness::{runc, Outcome};

fn strerror(errno: u16) -> String {
    let s = std::io::Error::from_raw_os_error(i32::from(errno)).to_string();
    s.split(" (os error").next().unwrap().to_string()
}

#[test]
fn runc_enforces_the_profile() {
    if let Err(why) = runc::available() {
        assert!(
            std::env::var_os("PROFILEC_REQUIRE_RUNC").is_none(),
            "runc test required but unavailable: {why}"
        );
        eprintln!("SKIPPED runc_enforces_the_profile: {why}");
        return;
    }
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/seccomp/runc/container.json");
    let text = std::fs::read_to_string(&path).unwrap();

    // What the simulator says the kernel will do.
    let mut sources = SourceMap::new();
    let f = sources.add("container.json", text.clone());
    let mut diags = Vec::new();
    let profile = profilec_core::seccomp::parse(&sources, f, &mut diags).unwrap();
    let sim = Simulator::new(&profile).unwrap();
    let native = Arch::native().unwrap();
    let Some(Ok(Outcome::Errno(mkdir_errno))) = sim.decide(native, "mkdirat", [0; 6]) else {
        panic!("mkdirat is not denied with an errno")
    };
    let Some(Ok(Outcome::Errno(hostname_errno))) = sim.decide(native, "sethostname", [0; 6]) else {
        panic!("sethostname is not denied with an errno")
    };
    assert_eq!(
        sim.decide(native, "fchmodat", [0; 6]),
        Some(Ok(Outcome::KillProcess))
    );

    let script = "echo allowed > /tmp/f && cat /tmp/f; \
                  mkdir /tmp/d; echo mkdir=$?; \
                  hostname changed; echo hostname=$?; \
                  chmod 600 /tmp/f; echo chmod=$?";
    let run = runc::run_busybox(&text, script).unwrap();
    let all = format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        run.status, run.stdout, run.stderr
    );
    eprintln!("{all}");

    // Allowed: writing and reading a file.
    assert!(run.stdout.starts_with("allowed\n"), "{all}");
    // Denied with the declared errno, as busybox reports it.
    assert!(
        run.stderr.contains(&format!(
            "mkdir: can't create directory '/tmp/d': {}",
            strerror(mkdir_errno)
        )),
        "{all}"
    );
    assert!(run.stdout.contains("mkdir=1\n"), "{all}");
    assert!(
        run.stderr.contains(&format!(
            "hostname: sethostname: {}",
            strerror(hostname_errno)
        )),
        "{all}"
    );
    assert!(run.stdout.contains("hostname=1\n"), "{all}");
    // Killed: the shell forks for chmod; the child dies of SIGSYS (128 + 31).
    assert!(
        run.stdout
            .contains(&format!("chmod={}\n", 128 + libc::SIGSYS)),
        "{all}"
    );
    assert!(run.stderr.contains("Bad system call"), "{all}");
    assert_eq!(run.status, 0, "{all}");
}
