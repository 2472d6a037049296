//! The DaemonSet's loader script (`src/loader.sh`, embedded in the
//! generated ConfigMap), run with bash against a temporary root: it writes
//! the profiles, compiles the AppArmor ones with the real `apparmor_parser`
//! (`-QK`: no kernel load, no cache), removes what the ConfigMap no longer
//! has, computes the same hash as profilec, and its readiness check goes
//! red while a profile is broken, not yet applied or not loaded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use profilec_k8s::manifests::LOADER_SCRIPT;
use profilec_k8s::ProfileSet;

struct Node {
    _tmp: tempfile::TempDir,
    shell: &'static str,
    script: PathBuf,
    config: PathBuf,
    root: PathBuf,
    state: PathBuf,
}

const SECCOMP_DIR: &str = "/var/lib/kubelet/seccomp/profilec";

fn profiles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/k8s/profiles")
}

fn set() -> ProfileSet {
    let mut set = ProfileSet::default();
    let dir = profiles_dir();
    for name in ["k8s-apparmor-example-deny-write", "web"] {
        set.apparmor.insert(
            name.into(),
            std::fs::read_to_string(dir.join("apparmor").join(name)).unwrap(),
        );
    }
    set.seccomp.insert(
        "web".into(),
        std::fs::read_to_string(dir.join("seccomp/web.json")).unwrap(),
    );
    set
}

impl Node {
    fn new(shell: &'static str) -> Node {
        let tmp = tempfile::tempdir().unwrap();
        let script = tmp.path().join("loader.sh");
        std::fs::write(&script, LOADER_SCRIPT).unwrap();
        let node = Node {
            shell,
            script,
            config: tmp.path().join("config"),
            root: tmp.path().join("root"),
            state: tmp.path().join("state"),
            _tmp: tmp,
        };
        std::fs::create_dir_all(&node.config).unwrap();
        std::fs::create_dir_all(node.root.join("etc/apparmor.d")).unwrap();
        node
    }

    /// Replace the mounted ConfigMap with the data of `set`.
    fn configure(&self, set: &ProfileSet) {
        for e in std::fs::read_dir(&self.config).unwrap().flatten() {
            std::fs::remove_file(e.path()).unwrap();
        }
        for (k, v) in set.config_data() {
            std::fs::write(self.config.join(k), v).unwrap();
        }
    }

    fn command(&self, mode: &str) -> Command {
        let mut c = Command::new(self.shell);
        c.arg(&self.script)
            .arg(mode)
            .env("PROFILEC_CONFIG", &self.config)
            .env("PROFILEC_ROOT", &self.root)
            .env("PROFILEC_SECCOMP_DIR", SECCOMP_DIR)
            .env("PROFILEC_STATE", &self.state)
            .env("PROFILEC_PARSER_FLAGS", "-QK")
            .env("PROFILEC_INTERVAL", "1")
            .env_remove("NODE_NAME");
        c
    }

    fn run(&self, mode: &str) -> Output {
        self.command(mode).output().unwrap()
    }

    /// The kernel's list of loaded profiles, faked under the root.
    fn kernel_lists(&self, names: &[&str]) {
        let dir = self.root.join("sys/kernel/security/apparmor");
        std::fs::create_dir_all(&dir).unwrap();
        let text: String = names.iter().map(|n| format!("{n} (enforce)\n")).collect();
        std::fs::write(dir.join("profiles"), text).unwrap();
    }

    fn host(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn have_parser() -> bool {
    Command::new("apparmor_parser")
        .arg("--version")
        .output()
        .is_ok()
}

#[test]
fn loader_applies_checks_and_removes() {
    if !have_parser() {
        eprintln!(
            "skipped: apparmor_parser is not installed (scripts/install-deps.sh installs it)"
        );
        return;
    }
    let node = Node::new("bash");
    let set = set();
    node.configure(&set);

    // Nothing applied yet: not ready.
    let o = node.run("ready");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "not applied yet\n");

    let o = node.run("apply");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for (name, body) in &set.apparmor {
        let written = std::fs::read_to_string(node.host("/etc/apparmor.d").join(name)).unwrap();
        assert_eq!(&written, body);
    }
    let seccomp = std::fs::read_to_string(node.host(SECCOMP_DIR).join("web.json")).unwrap();
    assert_eq!(seccomp, set.seccomp["web"]);
    // The shell computes the hash profilec puts in the node affinity.
    let applied = std::fs::read_to_string(node.state.join("applied")).unwrap();
    assert_eq!(applied.trim(), set.hash());

    // Applied, but the kernel does not list the profiles: not ready.
    let o = node.run("ready");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "apparmor k8s-apparmor-example-deny-write is not loaded\n"
    );
    node.kernel_lists(&["unrelated", "k8s-apparmor-example-deny-write", "web"]);
    let o = node.run("ready");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("ready: profile set {}\n", set.hash())
    );

    // A seccomp file changed on the node behind the loader's back: red.
    std::fs::write(node.host(SECCOMP_DIR).join("web.json"), "{}").unwrap();
    let o = node.run("ready");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "seccomp web.json is not in place\n"
    );

    // A broken profile arrives: red until applied, and red after, with
    // apparmor_parser's complaint in the log.
    let mut broken = set.clone();
    broken
        .apparmor
        .insert("web".into(), "profile web {\n  /x rwz,\n}\n".into());
    node.configure(&broken);
    let o = node.run("ready");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("profile set {} not applied yet\n", broken.hash())
    );
    let o = node.run("apply");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(log.contains("apparmor profile web failed to load"), "{log}");
    assert!(log.contains("AppArmor parser error"), "{log}");
    let o = node.run("ready");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "apparmor web failed\n");

    // The set shrinks: what is gone is removed from the node.
    let mut smaller = set.clone();
    smaller.apparmor.remove("k8s-apparmor-example-deny-write");
    smaller.seccomp.clear();
    node.configure(&smaller);
    let o = node.run("apply");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!node
        .host("/etc/apparmor.d/k8s-apparmor-example-deny-write")
        .exists());
    assert!(node.host("/etc/apparmor.d/web").exists());
    assert!(!node.host(SECCOMP_DIR).join("web.json").exists());
    let o = node.run("ready");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn loader_loop_applies_changes() {
    if !have_parser() {
        eprintln!("skipped: apparmor_parser is not installed");
        return;
    }
    let node = Node::new("bash");
    let set = set();
    node.configure(&set);
    node.kernel_lists(&["k8s-apparmor-example-deny-write", "web"]);
    let mut child = node
        .command("run")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let wait_for = |hash: &str| {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            let o = node.run("ready");
            if o.status.success() && String::from_utf8_lossy(&o.stdout).contains(hash) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    };
    let first = wait_for(&set.hash());
    // The ConfigMap changes (as the kubelet updates a mounted one): the
    // loop notices the new hash and applies it.
    let mut changed = set.clone();
    changed.seccomp.insert(
        "extra".into(),
        "{\"defaultAction\": \"SCMP_ACT_LOG\"}\n".into(),
    );
    node.configure(&changed);
    let second = wait_for(&changed.hash());
    let _ = child.kill();
    let _ = child.wait();
    assert!(first, "the loop never applied the first set");
    assert!(second, "the loop never applied the changed set");
    assert!(node.host(SECCOMP_DIR).join("extra.json").exists());
}

/// The node label: after a clean round the loader patches its node with
/// `profilec.dev/SET=HASH` (a JSON merge patch, the token from a header
/// file); after a failed one it removes the label. `curl` is a stand-in
/// that records its arguments.
#[test]
fn loader_labels_its_node() {
    if !have_parser() {
        eprintln!("skipped: apparmor_parser is not installed");
        return;
    }
    let node = Node::new("bash");
    let set = set();
    node.configure(&set);
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    let sa = tmp.path().join("sa");
    let calls = tmp.path().join("calls");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&sa).unwrap();
    std::fs::write(sa.join("token"), "secret-token").unwrap();
    std::fs::write(sa.join("ca.crt"), "ca").unwrap();
    let curl = bin.join("curl");
    std::fs::write(
        &curl,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\" >> {calls}; done\necho --- >> {calls}\n",
            calls = calls.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&curl, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |mode: &str| {
        node.command(mode)
            .env("PATH", &path)
            .env("NODE_NAME", "node-1")
            .env("PROFILEC_LABEL_KEY", "profilec.dev/profilec")
            .env("PROFILEC_SA_DIR", &sa)
            .env("KUBERNETES_SERVICE_HOST", "10.0.0.1")
            .env("KUBERNETES_SERVICE_PORT", "443")
            .output()
            .unwrap()
    };
    let o = run("apply");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let recorded = std::fs::read_to_string(&calls).unwrap();
    let args: Vec<&str> = recorded.lines().collect();
    let auth = node.state.join("auth");
    let header = format!("@{}", auth.display());
    assert!(args.contains(&header.as_str()), "{recorded}");
    assert!(
        !recorded.contains("secret-token"),
        "the token is no argument: {recorded}"
    );
    assert_eq!(
        std::fs::read_to_string(&auth).unwrap(),
        "Authorization: Bearer secret-token\n"
    );
    assert!(
        args.contains(&"Content-Type: application/merge-patch+json"),
        "{recorded}"
    );
    assert!(args.contains(&"PATCH"), "{recorded}");
    let patch = format!(
        "{{\"metadata\":{{\"labels\":{{\"profilec.dev/profilec\":\"{}\"}}}}}}",
        set.hash()
    );
    assert!(args.contains(&patch.as_str()), "{recorded}");
    assert!(
        args.contains(&"https://10.0.0.1:443/api/v1/nodes/node-1"),
        "{recorded}"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&auth).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // A broken profile: the label goes (null removes it in a merge patch).
    std::fs::remove_file(&calls).unwrap();
    let mut broken = set.clone();
    broken
        .apparmor
        .insert("web".into(), "profile web {\n  /x rwz,\n}\n".into());
    node.configure(&broken);
    let o = run("apply");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let recorded = std::fs::read_to_string(&calls).unwrap();
    assert!(
        recorded.contains("{\"metadata\":{\"labels\":{\"profilec.dev/profilec\":null}}}"),
        "{recorded}"
    );
}
