//! `profilec k8s`: Kubernetes manifests for a build output, and the lint of
//! pod manifests. The work is `profilec_k8s`; this file parses arguments
//! and prints.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{report, Format, Output, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use profilec_core::build;
use profilec_core::diag::SourceMap;
use profilec_core::input::fs::RealFs;
use profilec_k8s::lint::Manifest;
use profilec_k8s::{manifests, ProfileSet};

#[derive(Subcommand, Debug)]
pub enum K8sCommand {
    /// Write node loading manifests (ConfigMap + DaemonSet) and pod snippets for a build output.
    Manifests(ManifestsArgs),
    /// Check pods and pod templates for profile references Kubernetes rejects or fails on.
    Lint(LintArgs),
}

/// The manifest options shared with `profilec build --k8s`.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Kubernetes manifests")]
pub struct ManifestOptions {
    /// Name of the profile set: the seccomp directory (`SET/NAME.json`), the node label `profilec.dev/SET`, object names.
    #[arg(long = "set", value_name = "SET", default_value = "profilec")]
    pub set: String,
    /// Namespace of the loader.
    #[arg(long, value_name = "NS", default_value = "profilec-system")]
    pub namespace: String,
    /// Do not emit the Namespace object (it exists already).
    #[arg(long)]
    pub no_namespace: bool,
    /// Loader image: needs sh, coreutils, apparmor_parser and curl (see docs/k8s.md).
    #[arg(long, value_name = "IMAGE", default_value = "profilec-loader:latest")]
    pub image: String,
    /// The kubelet's seccomp root on the nodes.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/kubelet/seccomp")]
    pub seccomp_root: String,
    /// Run the loader as a privileged container (when CAP_MAC_ADMIN alone cannot load policy on your nodes).
    #[arg(long)]
    pub privileged: bool,
    /// Do not label nodes (drops the ServiceAccount, ClusterRole and ClusterRoleBinding).
    #[arg(long)]
    pub no_node_label: bool,
    /// Seconds between the loader's polls of its ConfigMap.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub interval: u32,
}

impl ManifestOptions {
    pub fn options(&self) -> manifests::Options {
        manifests::Options {
            set: self.set.clone(),
            namespace: self.namespace.clone(),
            create_namespace: !self.no_namespace,
            image: self.image.clone(),
            seccomp_root: self.seccomp_root.clone(),
            privileged: self.privileged,
            node_label: !self.no_node_label,
            interval: self.interval.max(1),
        }
    }
}

#[derive(Args, Debug)]
pub struct ManifestsArgs {
    /// The output directory of `profilec build` (with `apparmor/` and `seccomp/`).
    #[arg(long, value_name = "OUTDIR")]
    profiles: PathBuf,
    /// Where to write the manifests.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    out: PathBuf,
    /// Write nothing; exit 1 with a diff when a manifest is missing or stale.
    #[arg(long)]
    check: bool,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    #[command(flatten)]
    manifest: ManifestOptions,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Pss {
    Baseline,
    Restricted,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Manifests to check (YAML, several documents per file allowed); `-` reads stdin.
    #[arg(required = true)]
    paths: Vec<String>,
    /// The output directory of `profilec build`: every Localhost profile referenced must be one of it.
    #[arg(long, value_name = "OUTDIR")]
    profiles: Option<PathBuf>,
    /// The profile set's name (seccomp profiles are `SET/NAME.json`).
    #[arg(long = "set", value_name = "SET", default_value = "profilec")]
    set: String,
    /// Pod Security Standards level to enforce (default: each Namespace's `pod-security.kubernetes.io/enforce` label in the input).
    #[arg(long, value_enum)]
    pss: Option<Pss>,
    /// Refuse manifests larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 32 * 1024 * 1024)]
    max_input_size: u64,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub fn run(cmd: K8sCommand, color: bool) -> i32 {
    match cmd {
        K8sCommand::Manifests(args) => run_manifests(args, color),
        K8sCommand::Lint(args) => run_lint(args, color),
    }
}

/// Write the manifests of `set` into `out_dir` through core's build
/// writer (atomic, files already right left alone), or with `check`
/// compare them and print a diff of each missing or stale one. Returns the
/// exit status. Diagnostics are the caller's to report (`profilec build
/// --k8s` reports them with the build's own).
pub fn emit(
    set: &ProfileSet,
    out_dir: &std::path::Path,
    options: &manifests::Options,
    check: bool,
) -> i32 {
    let outputs: Vec<build::Output> = profilec_k8s::generate(set, options)
        .into_iter()
        .map(|f| build::Output {
            path: f.path,
            bytes: f.text.into_bytes(),
            deps: Vec::new(),
        })
        .collect();
    if check {
        let stale = build::check(out_dir, &outputs);
        let mut stdout = std::io::stdout().lock();
        for s in &stale {
            let _ = std::io::Write::write_all(&mut stdout, s.diff.as_bytes());
        }
        for s in &stale {
            eprintln!(
                "error: `{}` is {}",
                s.path.display(),
                if s.missing { "missing" } else { "stale" }
            );
        }
        if !stale.is_empty() {
            eprintln!(
                "run `profilec k8s manifests` (or `profilec build --k8s`) to update {} file(s)",
                stale.len()
            );
            return EXIT_ERRORS;
        }
        return EXIT_OK;
    }
    match build::write(out_dir, &outputs) {
        Ok(w) => {
            for p in w.written {
                eprintln!("wrote {}", p.display());
            }
            EXIT_OK
        }
        Err((path, e)) => {
            eprintln!(
                "error[{}]: cannot write `{}`: {e}",
                profilec_core::diag::codes::BUILD_WRITE_FAILED,
                path.display()
            );
            EXIT_ERRORS
        }
    }
}

fn run_manifests(args: ManifestsArgs, color: bool) -> i32 {
    let out = Output {
        format: args.format,
        color,
    };
    let options = args.manifest.options();
    if let Some(problem) = options.problem() {
        eprintln!("error: {problem}");
        return EXIT_USAGE;
    }
    let mut sources = SourceMap::new();
    let mut diags = Vec::new();
    let set = ProfileSet::read(&RealFs, &args.profiles, &mut sources, &mut diags);
    let status = report(&sources, &diags, out);
    if diags.iter().any(|d| d.is_error()) {
        eprintln!("no Kubernetes manifests written: the profiles cannot be used");
        return status;
    }
    status.max(emit(&set, &args.out, &options, args.check))
}

fn run_lint(args: LintArgs, color: bool) -> i32 {
    let out = Output {
        format: args.format,
        color,
    };
    let mut sources = SourceMap::new();
    let mut diags = Vec::new();
    let profiles = args
        .profiles
        .as_ref()
        .map(|p| ProfileSet::read(&RealFs, p, &mut sources, &mut diags));
    if diags.iter().any(|d| d.is_error()) {
        return report(&sources, &diags, out);
    }
    let options = profilec_k8s::lint::Options {
        profiles,
        set: args.set,
        pss: args.pss.map(|p| match p {
            Pss::Baseline => profilec_k8s::lint::Level::Baseline,
            Pss::Restricted => profilec_k8s::lint::Level::Restricted,
        }),
        max_input: Some(args.max_input_size),
    };
    let mut manifests = Vec::new();
    let mut stdin_read = false;
    for p in &args.paths {
        if p == "-" {
            if stdin_read {
                continue;
            }
            stdin_read = true;
            match profilec_core::input::load::read_stdin(args.max_input_size) {
                Ok(bytes) => manifests.push(Manifest::Bytes {
                    name: "<stdin>".into(),
                    bytes,
                }),
                Err(e) => {
                    eprintln!("error: cannot read stdin: {e}");
                    return EXIT_ERRORS;
                }
            }
        } else {
            manifests.push(Manifest::Path(PathBuf::from(p)));
        }
    }
    profilec_k8s::lint::lint(&RealFs, manifests, &options, &mut sources, &mut diags);
    let status = report(&sources, &diags, out);
    if status == EXIT_OK {
        EXIT_OK
    } else {
        status
    }
}
