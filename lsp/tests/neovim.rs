//! A real editor drives the server: headless Neovim (Debian's 0.7) opens a
//! profile with two errors and reads both diagnostics back on their lines,
//! asks for completion after `capability `, and renames a variable; on a
//! `.confine` file it goes to a base defined in an imported file and
//! renames a profile (an invalid name is refused with the server's reason).
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

/// Whether nvim is there; a skip is printed (or a failure when required).
fn have_nvim() -> bool {
    if Command::new("nvim").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("PROFILEC_REQUIRE_NVIM").is_none(),
        "nvim is not installed (scripts/install-deps.sh installs it)"
    );
    eprintln!("skipped: nvim is not installed");
    false
}

/// Run a Lua script in headless nvim with `env`; its OUT file's lines.
fn run_nvim(dir: &Path, script: &str, extra: &[&str], env: &[(&str, &Path)]) -> String {
    let out = dir.join("out.txt");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/nvim")
        .join(script);
    let mut cmd = Command::new("nvim");
    cmd.args(["--headless", "-u", "NONE", "-i", "NONE", "-n"])
        .args(extra);
    cmd.arg("-c").arg(format!("luafile {}", script.display()));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .env("OUT", &out)
        .env("HOME", dir)
        .env("XDG_STATE_HOME", dir)
        .env("XDG_DATA_HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The scripts wait at most 40 s in all; never hang the suite.
    let mut waited = Duration::ZERO;
    while child.try_wait().unwrap().is_none() {
        if waited > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("nvim did not finish");
        }
        std::thread::sleep(Duration::from_millis(100));
        waited += Duration::from_millis(100);
    }
    std::fs::read_to_string(&out).unwrap_or_default()
}

#[test]
fn the_neovim_package_detects_filetypes() {
    if !have_nvim() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/nvim");
    let paths = [
        dir.path().join("etc/apparmor.d/usr.bin.foo"),
        dir.path().join("etc/apparmor.d/abstractions/base"),
        dir.path().join("web.confine"),
        dir.path().join("notes.txt"),
    ];
    let joined = std::env::join_paths(&paths).unwrap();
    let rtp = format!("set rtp^={}", package.display());
    let got = run_nvim(
        dir.path(),
        "ftdetect.lua",
        &["--cmd", &rtp],
        &[("PATHS", Path::new(&joined))],
    );
    assert_eq!(got, "apparmor\napparmor\nconfine\ntext\nprofilec-lsp\n");
}

#[test]
fn neovim_shows_diagnostics_completes_and_renames() {
    if !have_nvim() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.sd");
    std::fs::write(&profile, PROFILE).unwrap();
    let server = Path::new(env!("CARGO_BIN_EXE_profilec-lsp"));
    let got = run_nvim(
        dir.path(),
        "drive.lua",
        &[],
        &[("PROFILEC_LSP", server), ("PROFILE", &profile)],
    );
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

const CONFINE: &str = "import \"lib.confine\"
confine web {
  extends hardened
  ptrace { allow read peer web }
}
";

#[test]
fn neovim_goes_to_a_confine_definition_and_renames() {
    if !have_nvim() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let file = root.join("web.confine");
    std::fs::write(&file, CONFINE).unwrap();
    std::fs::write(
        root.join("lib.confine"),
        "# shared\nbase hardened {\n  ptrace { deny }\n}\n",
    )
    .unwrap();
    let server = Path::new(env!("CARGO_BIN_EXE_profilec-lsp"));
    let got = run_nvim(
        &root,
        "confine.lua",
        &[],
        &[("PROFILEC_LSP", server), ("CONFINE", &file)],
    );
    let lines: Vec<&str> = got.lines().collect();
    assert!(lines.contains(&"definition lib.confine 1:5"), "{got}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("rename-error `no/slash` cannot name a profile")),
        "{got}"
    );
    let text: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("text "))
        .collect();
    assert_eq!(
        text.join("\n") + "\n",
        CONFINE.replace("web", "frontend"),
        "{got}"
    );
}
