//! Latency from didChange to publishDiagnostics, and memory with 50 open
//! documents, on a 2,000-line profile that includes the tunables and every
//! abstraction of /etc/apparmor.d on this machine. Writes the table to
//! docs/bench-lsp.md. Run: `cargo bench -p profilec-lsp --bench latency`.
//!
//! Two measures: in process (the server's own work: check and convert)
//! and through the release binary on stdio (what an editor sees: JSON-RPC,
//! tower-lsp, the check and the publication).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use profilec_core::input::fs::RealFs;
use profilec_lsp::settings::Settings;
use profilec_lsp::{Outbox, Server};
use serde_json::{json, Value};
use tower_lsp::lsp_types::*;

const LINES: usize = 2000;
const EDITS: usize = 200;
const DOCUMENTS: usize = 50;

/// The profile, and the line of a rule the edits change.
fn profile() -> (String, usize, usize) {
    let dir = Path::new("/etc/apparmor.d/abstractions");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut lines = vec![
        "abi <abi/3.0>,".to_string(),
        "include <tunables/global>".into(),
        "profile bench /usr/bin/bench {".into(),
    ];
    for n in &names {
        lines.push(format!("  include <abstractions/{n}>"));
    }
    let mut i = 0;
    while lines.len() < LINES - 1 {
        lines.push(match i % 5 {
            0 => format!("  /srv/bench/{i}/** r,"),
            1 => format!("  owner @{{HOME}}/.cache/bench-{i}/** rwk,"),
            2 => "  capability net_bind_service,".into(),
            3 => format!("  signal send set=(term) peer=bench-{i},"),
            _ => format!("  network inet stream, # {i}"),
        });
        i += 1;
    }
    let edited = lines.len() - 5;
    lines.push("}".into());
    (lines.join("\n") + "\n", edited, names.len())
}

/// A 2,000-line `.confine` file: the design sketch with a long files block.
fn confine() -> (String, usize) {
    let mut lines = vec![
        "confine bench {".to_string(),
        "  mode enforce".into(),
        "  attach /usr/bin/bench".into(),
        "  files {".into(),
    ];
    let mut i = 0;
    while lines.len() < LINES - 20 {
        lines.push(format!("    read /srv/bench/{i}/**"));
        i += 1;
    }
    let edited = lines.len() - 5;
    lines.extend(
        [
            "  }",
            "  capabilities { allow chown setgid setuid net_bind_service }",
            "  network { allow inet tcp, inet6 tcp; deny raw, packet }",
            "  signals { receive from unconfined }",
            "  ptrace  { deny }",
            "  syscalls {",
            "    default errno EPERM",
            "    use runtime-default",
            "    deny ptrace personality",
            "    allow socket if arg0 in [AF_INET, AF_INET6, AF_UNIX]",
            "  }",
            "  apparmor {",
            "    /run/secrets/** r,",
            "  }",
            "}",
        ]
        .map(String::from),
    );
    (lines.join("\n") + "\n", edited)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Alternately insert and delete one character inside a path.
fn edit(n: usize, line: usize) -> TextDocumentContentChangeEvent {
    let at = Position::new(line as u32, 8);
    let (range, text) = if n.is_multiple_of(2) {
        (Range::new(at, at), "x")
    } else {
        (Range::new(at, Position::new(line as u32, 9)), "")
    };
    TextDocumentContentChangeEvent {
        range: Some(range),
        range_length: None,
        text: text.into(),
    }
}

fn in_process(text: &str, name: &str, line: usize) -> (Vec<Duration>, usize) {
    let mut s = Server::new(Outbox::default(), Box::new(RealFs), Settings::default());
    let uri = Url::parse(&format!("file:///tmp/profilec-bench/{name}")).unwrap();
    s.did_open(DidOpenTextDocumentParams {
        text_document: TextDocumentItem::new(uri.clone(), "apparmor".into(), 1, text.into()),
    });
    s.client.take();
    let mut times = Vec::new();
    let mut diagnostics = 0;
    for n in 0..EDITS {
        let t = Instant::now();
        s.did_change(DidChangeTextDocumentParams {
            text_document: VersionedTextDocumentIdentifier::new(uri.clone(), n as i32 + 2),
            content_changes: vec![edit(n, line)],
        });
        times.push(t.elapsed());
        for m in s.client.take() {
            if let profilec_lsp::client::Message::Diagnostics { diagnostics: d, .. } = m {
                diagnostics = d.len();
            }
        }
    }
    (times, diagnostics)
}

struct Lsp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Lsp {
    fn start() -> Lsp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_profilec-lsp"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Lsp {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn receive(&mut self) -> Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).unwrap();
            let line = line.trim();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                len = n.parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    /// Read until `uri` is published with `version`.
    fn published(&mut self, uri: &str, version: i64) -> usize {
        loop {
            let m = self.receive();
            // A request of the server (registerCapability): answer it, as
            // an editor does, or the server waits for it at exit.
            if m.get("id").is_some() && m.get("method").is_some() {
                self.send(json!({"jsonrpc": "2.0", "id": m["id"], "result": null}));
                continue;
            }
            if m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
            {
                return m["params"]["diagnostics"].as_array().map_or(0, Vec::len);
            }
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "apparmor", "version": 1, "text": text}}}));
        self.published(uri, 1);
    }

    fn rss_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| {
                l.strip_prefix(field)?
                    .trim()
                    .strip_suffix(" kB")?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap()
    }
}

fn over_stdio(
    text: &str,
    name: &str,
    line: usize,
    documents: usize,
) -> (Vec<Duration>, u64, u64, u64) {
    let mut lsp = Lsp::start();
    lsp.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
    );
    lsp.receive();
    lsp.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let uri = &format!("file:///tmp/profilec-bench/{name}");
    lsp.open(uri, text);
    let mut times = Vec::new();
    for n in 0..EDITS {
        let version = n as i64 + 2;
        let change = serde_json::to_value(edit(n, line)).unwrap();
        let t = Instant::now();
        lsp.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}}));
        lsp.published(uri, version);
        times.push(t.elapsed());
    }
    let one = lsp.rss_kib("VmRSS:");
    for i in 1..documents {
        lsp.open(&format!("file:///tmp/profilec-bench/{i}-{name}"), text);
    }
    let (rss, peak) = (lsp.rss_kib("VmRSS:"), lsp.rss_kib("VmHWM:"));
    lsp.send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    lsp.send(json!({"jsonrpc": "2.0", "method": "exit"}));
    drop(lsp.stdin);
    for _ in 0..100 {
        if lsp.child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = lsp.child.kill();
    (times, one, rss, peak)
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo test --benches` runs this with --bench absent: stay quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("latency bench: run with `cargo bench -p profilec-lsp --bench latency`");
        return;
    }
    let (text, line, abstractions) = profile();
    let (mut local, diagnostics) = in_process(&text, "p", line);
    let (mut remote, one, rss, peak) = over_stdio(&text, "p", line, DOCUMENTS);
    let (ctext, cline) = confine();
    let (mut clocal, cdiagnostics) = in_process(&ctext, "bench.confine", cline);
    let (mut cremote, _, _, _) = over_stdio(&ctext, "bench.confine", cline, 1);
    for t in [&mut local, &mut remote, &mut clocal, &mut cremote] {
        t.sort();
    }
    let row = |name: &str, t: &[Duration]| {
        format!(
            "| {name} | {} | {} | {} | {} |\n",
            ms(percentile(t, 0.5)),
            ms(percentile(t, 0.95)),
            ms(percentile(t, 0.99)),
            ms(t[t.len() - 1])
        )
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?").to_string();
    let mut doc = String::new();
    doc.push_str("# Language server latency and memory\n\n");
    doc.push_str("<!-- Written by `cargo bench -p profilec-lsp --bench latency` (lsp/benches/latency.rs); do not edit. -->\n\n");
    doc.push_str(&format!(
        "A {LINES}-line AppArmor profile: `include <tunables/global>`, `include` of every one of the {abstractions} abstraction files \
         in `/etc/apparmor.d/abstractions` of the machine, and rules. {EDITS} edits (`didChange`, alternately inserting and deleting a \
         character of a path), each timed until the `publishDiagnostics` of its version; the document has {diagnostics} diagnostics. \
         Release build, {cpus} CPUs, load average {load} when the run ended.\n\n"
    ));
    doc.push_str("| didChange -> publishDiagnostics | p50 ms | p95 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- |\n");
    doc.push_str(&row("in process (`Server::did_change`)", &local));
    doc.push_str(&row("`profilec-lsp` over stdio (JSON-RPC)", &remote));
    doc.push_str(&format!(
        "\nThe same for a {LINES}-line `.confine` file (a files block of paths, capabilities, network, signals, ptrace, \
         `syscalls` using `runtime-default`, a native block), checked through `build::plan_without_outputs` (as the server does: checked and lowered, not printed); {cdiagnostics} diagnostics.\n\n"
    ));
    doc.push_str("| `.confine`: didChange -> publishDiagnostics | p50 ms | p95 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- |\n");
    doc.push_str(&row("in process (`Server::did_change`)", &clocal));
    doc.push_str(&row("`profilec-lsp` over stdio (JSON-RPC)", &cremote));
    doc.push_str("\nGoal: p95 under 20 ms. apparmor-language-server, measured for issue 10, took 570 ms (p95) on a 200-line profile.\n\n");
    doc.push_str("| memory of `profilec-lsp` | MiB |\n| --- | --- |\n");
    doc.push_str(&format!(
        "| 1 open document (RSS) | {:.1} |\n",
        one as f64 / 1024.0
    ));
    doc.push_str(&format!(
        "| {DOCUMENTS} open documents (RSS) | {:.1} |\n",
        rss as f64 / 1024.0
    ));
    doc.push_str(&format!(
        "| {DOCUMENTS} open documents (peak RSS) | {:.1} |\n",
        peak as f64 / 1024.0
    ));
    doc.push_str("\nGoal: under 150 MB with 50 open documents (the AppArmor profile above).\n");
    let out: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/bench-lsp.md");
    std::fs::write(&out, &doc).unwrap();
    print!("{doc}");
}
