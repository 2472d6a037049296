//! A real editor drives the server: headless Neovim (Debian's 0.7) opens a
//! profile with two errors and reads both diagnostics back on their lines,
//! asks for completion after `capability `, and renames a variable.
//! Without `nvim` the test prints a skip, unless PROFILEC_REQUIRE_NVIM=1
//! (scripts/test.sh sets it) makes that a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

const PROFILE: &str = "@{DATA} = /srv/data
profile p {
  capability chwon,
  @{DATA}/** r,
  signal send set=(bogus),
  @{DATA}/x w,
}
";

#[test]
fn neovim_shows_diagnostics_completes_and_renames() {
    if Command::new("nvim").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("PROFILEC_REQUIRE_NVIM").is_none(),
            "nvim is not installed (scripts/install-deps.sh installs it)"
        );
        eprintln!("skipped: nvim is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.sd");
    std::fs::write(&profile, PROFILE).unwrap();
    let out = dir.path().join("out.txt");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nvim/drive.lua");
    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("PROFILEC_LSP", env!("CARGO_BIN_EXE_profilec-lsp"))
        .env("PROFILE", &profile)
        .env("OUT", &out)
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The script waits at most 40 s in all; never hang the suite.
    let mut waited = Duration::ZERO;
    while child.try_wait().unwrap().is_none() {
        assert!(waited < Duration::from_secs(90), "nvim did not finish");
        std::thread::sleep(Duration::from_millis(100));
        waited += Duration::from_millis(100);
    }
    let got = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = got.lines().collect();
    let diags: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("diag ") || l.starts_with("error"))
        .collect();
    assert_eq!(
        diags,
        ["diag 2 unknown-capability", "diag 4 unknown-signal"],
        "{got}"
    );
    let completion = lines.iter().find(|l| l.starts_with("completion ")).unwrap();
    let labels: Vec<&str> = completion.split(' ').skip(1).collect();
    for cap in ["chown", "net_bind_service", "sys_admin"] {
        assert!(labels.contains(&cap), "{completion}");
    }
    let text: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("text "))
        .collect();
    assert_eq!(
        text.join("\n") + "\n",
        PROFILE.replace("@{DATA}", "@{STORE}"),
        "{got}"
    );
}
