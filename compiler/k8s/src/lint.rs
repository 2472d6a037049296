//! `profilec k8s lint`: pods and pod templates checked for the AppArmor and
//! seccomp settings that Kubernetes rejects, or that let a pod be created
//! whose containers then fail to start.
//!
//! Each YAML document is read with positions ([`crate::yaml`]), converted
//! to JSON and deserialized into its k8s-openapi type; the checks read the
//! typed object, and every finding points back into the YAML through the
//! field path of what it is about.

use std::collections::BTreeMap;
use std::path::PathBuf;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    AppArmorProfile, Namespace, Pod, PodSpec, SeccompProfile, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;

use profilec_core::diag::{codes, Diagnostic, FileId, SourceMap, Span};
use profilec_core::input::fs::FileSystem;
use profilec_core::input::load;

use crate::manifests::APPARMOR_ANNOTATION_PREFIX;
use crate::profiles::ProfileSet;
use crate::yaml::{self, Document, Limits, Node, Step};

/// A Pod Security Standards level that constrains profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Baseline,
    Restricted,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

/// What the lint checks against.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The build output: every Localhost profile must be one of it.
    pub profiles: Option<ProfileSet>,
    /// The set's name: its seccomp profiles are `SET/NAME.json`.
    pub set: String,
    /// A level for every pod (else each Namespace's enforce label).
    pub pss: Option<Level>,
    /// The largest file read, in bytes (default: the YAML reader's 32 MiB).
    pub max_input: Option<u64>,
}

const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";
const TYPES: [&str; 3] = ["RuntimeDefault", "Localhost", "Unconfined"];

/// The fields of `PodSecurityContext`, `SecurityContext` and the two
/// profile objects (Kubernetes 1.37, as k8s-openapi has them). k8s-openapi
/// ignores unknown fields, as the API server does without strict field
/// validation: a misspelt `apparmorProfile` would silently confine nothing.
const POD_SC_FIELDS: &[&str] = &[
    "appArmorProfile",
    "fsGroup",
    "fsGroupChangePolicy",
    "runAsGroup",
    "runAsNonRoot",
    "runAsUser",
    "seLinuxChangePolicy",
    "seLinuxOptions",
    "seccompProfile",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "sysctls",
    "windowsOptions",
];
const SC_FIELDS: &[&str] = &[
    "allowPrivilegeEscalation",
    "appArmorProfile",
    "capabilities",
    "privileged",
    "procMount",
    "readOnlyRootFilesystem",
    "runAsGroup",
    "runAsNonRoot",
    "runAsUser",
    "seLinuxOptions",
    "seccompProfile",
    "windowsOptions",
];
const PROFILE_FIELDS: &[&str] = &["localhostProfile", "type"];

/// One read file: its id and documents.
struct Input {
    docs: Vec<Document>,
}

/// One input of the lint.
#[derive(Clone, Debug)]
pub enum Manifest {
    /// A file, read through the file system door.
    Path(PathBuf),
    /// Bytes already read (stdin), with the name diagnostics show.
    Bytes { name: String, bytes: Vec<u8> },
}

/// Lint every file of `paths` (read through `fs`).
pub fn lint_paths(
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    opts: &Options,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    let manifests: Vec<Manifest> = paths.iter().cloned().map(Manifest::Path).collect();
    lint(fs, manifests, opts, sources, diags);
}

/// Lint `manifests` together (a Namespace in one sets the level of pods in
/// the others). Unreadable inputs are diagnostics; the others are checked.
pub fn lint(
    fs: &dyn FileSystem,
    manifests: Vec<Manifest>,
    opts: &Options,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    let mut inputs = Vec::new();
    let mut files = Vec::new();
    let limit = opts.max_input.unwrap_or(Limits::default().max_bytes as u64);
    for m in manifests {
        let loaded = match m {
            Manifest::Path(p) => {
                let display = p.display().to_string();
                load::load(fs, sources, &p, &display, limit, diags)
            }
            Manifest::Bytes { name, bytes } => load::from_bytes(sources, &name, bytes, diags),
        };
        if !loaded.usable {
            continue;
        }
        files.push(loaded.file);
        inputs.push(read(sources, loaded.file, opts, diags));
    }
    lint_inputs(&inputs, opts, diags);
    suppress(sources, &files, diags);
}

/// `# profilec: allow(code)` comments silence warnings and notes, on their
/// line or for the whole file among its opening comments (as in profiles);
/// an allow comment naming no code is reported.
fn suppress(sources: &SourceMap, files: &[FileId], diags: &mut Vec<Diagnostic>) {
    let mut kept = profilec_core::session::suppress::filter(sources, std::mem::take(diags));
    for f in files {
        kept.extend(profilec_core::session::suppress::unknown_codes(sources, *f));
    }
    kept.sort_by_key(|d| d.primary.as_ref().map(|p| (p.span.file, p.span.start)));
    *diags = kept;
}

/// Lint texts given by name (tests, editors).
pub fn lint_texts(
    texts: &[(&str, &str)],
    opts: &Options,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    let mut inputs = Vec::new();
    let mut files = Vec::new();
    for (name, text) in texts {
        let file = sources.add(*name, *text);
        files.push(file);
        inputs.push(read(sources, file, opts, diags));
    }
    lint_inputs(&inputs, opts, diags);
    suppress(sources, &files, diags);
}

fn read(sources: &SourceMap, file: FileId, opts: &Options, diags: &mut Vec<Diagnostic>) -> Input {
    let mut limits = Limits::default();
    if let Some(max) = opts.max_input {
        limits.max_bytes = usize::try_from(max).unwrap_or(usize::MAX);
    }
    let docs = yaml::parse(sources.text(file), file, limits, diags);
    Input { docs }
}

fn lint_inputs(inputs: &[Input], opts: &Options, diags: &mut Vec<Diagnostic>) {
    // The levels of the Namespaces in the input, first.
    let mut levels: BTreeMap<String, Option<Level>> = BTreeMap::new();
    for input in inputs {
        for object in input.docs.iter().flat_map(|d| objects(&d.root)) {
            if kind_of(object).as_deref() == Some("Namespace") {
                if let Some(ns) = typed::<Namespace>(object, "Namespace", diags) {
                    namespace_level(object, &ns, &mut levels, diags);
                }
            }
        }
    }
    for input in inputs {
        for object in input.docs.iter().flat_map(|d| objects(&d.root)) {
            document(object, opts, &levels, diags);
        }
    }
    // File order, whatever order the checks found them in.
    diags.sort_by_key(|d| d.primary.as_ref().map(|p| (p.span.file, p.span.start)));
}

/// The objects of a document: itself, or the items of a `v1` `List` (what
/// `kubectl get -o yaml` prints).
fn objects(root: &Node) -> Vec<&Node> {
    let is_list = kind_of(root).as_deref() == Some("List")
        && root.get("apiVersion").and_then(Node::as_str) == Some("v1");
    match root.get("items").map(|i| &i.kind) {
        Some(yaml::Kind::Seq(items)) if is_list => items.iter().collect(),
        _ if is_list => Vec::new(),
        _ => vec![root],
    }
}

fn kind_of(root: &Node) -> Option<String> {
    root.get("kind").and_then(Node::as_str).map(str::to_string)
}

fn key(k: &str) -> Step {
    Step::Key(k.to_string())
}

fn path(base: &[Step], more: &[Step]) -> Vec<Step> {
    let mut p = base.to_vec();
    p.extend_from_slice(more);
    p
}

/// Deserialize `root` as `T`; a failure is a diagnostic at the failing field.
fn typed<T: DeserializeOwned>(root: &Node, kind: &str, diags: &mut Vec<Diagnostic>) -> Option<T> {
    let json = root.to_json().ok()?;
    match serde_path_to_error::deserialize::<_, T>(json) {
        Ok(v) => Some(v),
        Err(e) => {
            let steps: Vec<Step> = e
                .path()
                .iter()
                .filter_map(|s| match s {
                    serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
                    serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
                    _ => None,
                })
                .collect();
            let name = root
                .at(&[key("metadata"), key("name")])
                .and_then(Node::as_str)
                .unwrap_or("");
            let what = if name.is_empty() {
                format!("`{kind}`")
            } else {
                format!("`{kind}` `{name}`")
            };
            let field = e.path().to_string();
            let mut d = Diagnostic::of(
                codes::K8S_INVALID_OBJECT,
                format!("{what} is not a valid object: {}", e.inner()),
            )
            .at(root.span_at(&steps), "here");
            if field != "." {
                d = d.with_note(format!("at `{field}`"));
            }
            diags.push(d);
            None
        }
    }
}

fn namespace_level(
    root: &Node,
    ns: &Namespace,
    levels: &mut BTreeMap<String, Option<Level>>,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(name) = ns.metadata.name.clone() else {
        return;
    };
    let label = ns
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(ENFORCE_LABEL));
    let level = match label.map(String::as_str) {
        None | Some("privileged") => None,
        Some("baseline") => Some(Level::Baseline),
        Some("restricted") => Some(Level::Restricted),
        Some(other) => {
            let at = root.span_at(&[key("metadata"), key("labels"), key(ENFORCE_LABEL)]);
            diags.push(
                Diagnostic::of(
                    codes::K8S_INVALID_PSS_LEVEL,
                    format!("`{other}` is not a Pod Security Standards level"),
                )
                .at(at, "not a level")
                .with_help("use `privileged`, `baseline` or `restricted`"),
            );
            None
        }
    };
    levels.insert(name, level);
}

/// Where a kind keeps its pod: the path of the pod's metadata and spec.
fn pod_paths(kind: &str) -> Option<(Vec<Step>, Vec<Step>)> {
    let template = |prefix: &[&str]| {
        let base: Vec<Step> = prefix.iter().map(|k| key(k)).collect();
        (path(&base, &[key("metadata")]), path(&base, &[key("spec")]))
    };
    Some(match kind {
        "Pod" => (vec![key("metadata")], vec![key("spec")]),
        "Deployment" | "DaemonSet" | "StatefulSet" | "ReplicaSet" | "Job" => {
            template(&["spec", "template"])
        }
        "CronJob" => template(&["spec", "jobTemplate", "spec", "template"]),
        _ => return None,
    })
}

fn expected_api_version(kind: &str) -> &'static str {
    match kind {
        "Pod" | "Namespace" => "v1",
        "Job" | "CronJob" => "batch/v1",
        _ => "apps/v1",
    }
}

fn document(
    root: &Node,
    opts: &Options,
    levels: &BTreeMap<String, Option<Level>>,
    diags: &mut Vec<Diagnostic>,
) {
    match &root.kind {
        yaml::Kind::Null => return,
        yaml::Kind::Map(_) => {}
        _ => {
            diags.push(
                Diagnostic::of(
                    codes::K8S_INVALID_OBJECT,
                    "a document that is not a Kubernetes object",
                )
                .at(root.span, "expected a mapping with `apiVersion` and `kind`"),
            );
            return;
        }
    }
    let Some(kind) = kind_of(root) else {
        diags.push(
            Diagnostic::of(codes::K8S_INVALID_OBJECT, "an object with no `kind`")
                .at(root.span, "no `kind` in this document")
                .with_help("every Kubernetes object names its `apiVersion` and `kind`"),
        );
        return;
    };
    let kind_span = root.span_at(&[key("kind")]);
    if kind == "Namespace" {
        return;
    }
    let Some((meta_path, spec_path)) = pod_paths(&kind) else {
        diags.push(
            Diagnostic::of(
                codes::K8S_UNKNOWN_KIND,
                format!("`{kind}` is not a kind the lint reads; skipped"),
            )
            .at(kind_span, "skipped")
            .with_note("the lint reads Pod, Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob, Namespace and List"),
        );
        return;
    };
    let api = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let expected = expected_api_version(&kind);
    if api != expected {
        diags.push(
            Diagnostic::of(
                codes::K8S_UNKNOWN_KIND,
                format!("`{kind}` of `apiVersion: {api}` is not read; skipped"),
            )
            .at(root.span_at(&[key("apiVersion")]), "skipped")
            .with_help(format!("current clusters serve `{kind}` as `{expected}`")),
        );
        return;
    }
    let extracted: Option<(ObjectMeta, Option<ObjectMeta>, Option<PodSpec>)> = match kind.as_str() {
        "Pod" => {
            typed::<Pod>(root, &kind, diags).map(|p| (p.metadata.clone(), Some(p.metadata), p.spec))
        }
        "Deployment" => typed::<Deployment>(root, &kind, diags)
            .map(|o| (o.metadata, o.spec.template.metadata, o.spec.template.spec)),
        "DaemonSet" => typed::<DaemonSet>(root, &kind, diags)
            .map(|o| (o.metadata, o.spec.template.metadata, o.spec.template.spec)),
        "StatefulSet" => typed::<StatefulSet>(root, &kind, diags)
            .map(|o| (o.metadata, o.spec.template.metadata, o.spec.template.spec)),
        "ReplicaSet" => typed::<ReplicaSet>(root, &kind, diags).map(|o| {
            let t = o.spec.template.unwrap_or_default();
            (o.metadata, t.metadata, t.spec)
        }),
        "Job" => typed::<Job>(root, &kind, diags).map(|o| {
            let t = o.spec.map(|s| s.template).unwrap_or_default();
            (o.metadata, t.metadata, t.spec)
        }),
        "CronJob" => typed::<CronJob>(root, &kind, diags).map(|o| {
            let t = o
                .spec
                .job_template
                .spec
                .map(|s| s.template)
                .unwrap_or_default();
            (o.metadata, t.metadata, t.spec)
        }),
        _ => None,
    };
    let Some((object_meta, pod_meta, Some(spec))) = extracted else {
        return;
    };
    let namespace = object_meta
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let level = match opts.pss {
        Some(l) => Some((l, "--pss".to_string())),
        None => levels.get(&namespace).copied().flatten().map(|l| {
            (
                l,
                format!("the `{ENFORCE_LABEL}` label of namespace `{namespace}`"),
            )
        }),
    };
    let pod = PodView {
        root,
        meta_path,
        spec_path,
        annotations: pod_meta.and_then(|m| m.annotations).unwrap_or_default(),
        spec: &spec,
    };
    pod.check(opts, level, diags);
}

/// A container of any of the three lists, with its path.
struct ContainerRef<'a> {
    name: &'a str,
    path: Vec<Step>,
    sc: Option<&'a SecurityContext>,
}

/// A profile setting of a securityContext (pod or container level).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum What {
    AppArmor,
    Seccomp,
}

impl What {
    fn field(self) -> &'static str {
        match self {
            What::AppArmor => "appArmorProfile",
            What::Seccomp => "seccompProfile",
        }
    }
    fn title(self) -> &'static str {
        match self {
            What::AppArmor => "AppArmor",
            What::Seccomp => "seccomp",
        }
    }
}

struct Setting<'a> {
    what: What,
    type_: &'a str,
    localhost: Option<&'a str>,
    /// Path of the `appArmorProfile` / `seccompProfile` object.
    path: Vec<Step>,
}

fn apparmor(p: &AppArmorProfile) -> (&str, Option<&str>) {
    (p.type_.as_str(), p.localhost_profile.as_deref())
}

fn seccomp(p: &SeccompProfile) -> (&str, Option<&str>) {
    (p.type_.as_str(), p.localhost_profile.as_deref())
}

struct PodView<'a> {
    root: &'a Node,
    meta_path: Vec<Step>,
    spec_path: Vec<Step>,
    annotations: BTreeMap<String, String>,
    spec: &'a PodSpec,
}

impl<'a> PodView<'a> {
    fn span(&self, p: &[Step]) -> Span {
        self.root.span_at(p)
    }

    fn containers(&self) -> Vec<ContainerRef<'a>> {
        let mut out = Vec::new();
        for (i, c) in self.spec.containers.iter().enumerate() {
            out.push(ContainerRef {
                name: &c.name,
                path: path(&self.spec_path, &[key("containers"), Step::Index(i)]),
                sc: c.security_context.as_ref(),
            });
        }
        for (i, c) in self.spec.init_containers.iter().flatten().enumerate() {
            out.push(ContainerRef {
                name: &c.name,
                path: path(&self.spec_path, &[key("initContainers"), Step::Index(i)]),
                sc: c.security_context.as_ref(),
            });
        }
        for (i, c) in self.spec.ephemeral_containers.iter().flatten().enumerate() {
            out.push(ContainerRef {
                name: &c.name,
                path: path(
                    &self.spec_path,
                    &[key("ephemeralContainers"), Step::Index(i)],
                ),
                sc: c.security_context.as_ref(),
            });
        }
        out
    }

    /// Every profile setting of the pod: pod level first, then containers.
    fn settings(&self, containers: &[ContainerRef<'a>]) -> Vec<(Option<usize>, Setting<'a>)> {
        let mut out = Vec::new();
        let sc_path = path(&self.spec_path, &[key("securityContext")]);
        if let Some(sc) = &self.spec.security_context {
            if let Some(p) = &sc.app_armor_profile {
                let (t, l) = apparmor(p);
                out.push((
                    None,
                    Setting {
                        what: What::AppArmor,
                        type_: t,
                        localhost: l,
                        path: path(&sc_path, &[key("appArmorProfile")]),
                    },
                ));
            }
            if let Some(p) = &sc.seccomp_profile {
                let (t, l) = seccomp(p);
                out.push((
                    None,
                    Setting {
                        what: What::Seccomp,
                        type_: t,
                        localhost: l,
                        path: path(&sc_path, &[key("seccompProfile")]),
                    },
                ));
            }
        }
        for (i, c) in containers.iter().enumerate() {
            let Some(sc) = c.sc else { continue };
            let base = path(&c.path, &[key("securityContext")]);
            if let Some(p) = &sc.app_armor_profile {
                let (t, l) = apparmor(p);
                out.push((
                    Some(i),
                    Setting {
                        what: What::AppArmor,
                        type_: t,
                        localhost: l,
                        path: path(&base, &[key("appArmorProfile")]),
                    },
                ));
            }
            if let Some(p) = &sc.seccomp_profile {
                let (t, l) = seccomp(p);
                out.push((
                    Some(i),
                    Setting {
                        what: What::Seccomp,
                        type_: t,
                        localhost: l,
                        path: path(&base, &[key("seccompProfile")]),
                    },
                ));
            }
        }
        out
    }

    /// Unknown keys of the mapping at `at` (when it is one).
    fn check_fields(&self, at: &[Step], known: &[&str], what: &str, diags: &mut Vec<Diagnostic>) {
        let Some(yaml::Kind::Map(entries)) = self.root.at(at).map(|n| &n.kind) else {
            return;
        };
        for (k, _) in entries {
            let Some(name) = k.key_text() else { continue };
            if known.contains(&name.as_str()) {
                continue;
            }
            let mut d = Diagnostic::of(
                codes::K8S_UNKNOWN_FIELD,
                format!("`{name}` is not a field of {what}"),
            )
            .at(k.span, "unknown field")
            .with_note("Kubernetes drops it, or refuses the object under strict field validation");
            if let Some(m) = did_you_mean(&name, known.iter().copied()) {
                d = d.with_help(format!("did you mean `{m}`?"));
            }
            diags.push(d);
        }
    }

    fn check_all_fields(&self, containers: &[ContainerRef<'_>], diags: &mut Vec<Diagnostic>) {
        let mut contexts = vec![(
            path(&self.spec_path, &[key("securityContext")]),
            POD_SC_FIELDS,
            "the pod's `securityContext`".to_string(),
        )];
        for c in containers {
            contexts.push((
                path(&c.path, &[key("securityContext")]),
                SC_FIELDS,
                format!("the `securityContext` of container `{}`", c.name),
            ));
        }
        for (at, known, what) in contexts {
            self.check_fields(&at, known, &what, diags);
            for profile in ["seccompProfile", "appArmorProfile"] {
                self.check_fields(
                    &path(&at, &[key(profile)]),
                    PROFILE_FIELDS,
                    &format!("`{profile}`"),
                    diags,
                );
            }
        }
    }

    fn check(&self, opts: &Options, level: Option<(Level, String)>, diags: &mut Vec<Diagnostic>) {
        let containers = self.containers();
        self.check_all_fields(&containers, diags);
        let settings = self.settings(&containers);
        for (_, s) in &settings {
            self.check_setting(s, opts, diags);
        }
        let annotations = self.check_annotations(&containers, opts, diags);
        self.check_agreement(&containers, &settings, &annotations, diags);
        self.check_privileged(&containers, &settings, &annotations, diags);
        let windows = self.spec.os.as_ref().is_some_and(|o| o.name == "windows");
        if let (Some((level, from)), false) = (level, windows) {
            self.check_pss(level, &from, &containers, &settings, &annotations, diags);
        }
    }

    fn check_setting(&self, s: &Setting<'_>, opts: &Options, diags: &mut Vec<Diagnostic>) {
        let type_path = path(&s.path, &[key("type")]);
        let lp_path = path(&s.path, &[key("localhostProfile")]);
        let field = s.what.field();
        if !TYPES.contains(&s.type_) {
            let mut help = "use `RuntimeDefault`, `Localhost` or `Unconfined`".to_string();
            if let Some(m) = did_you_mean(s.type_, TYPES.iter().copied()) {
                help = format!("did you mean `{m}`? ({help})");
            }
            diags.push(
                Diagnostic::of(
                    codes::K8S_INVALID_PROFILE_REFERENCE,
                    format!("`{}` is not a type of `{field}`", s.type_),
                )
                .at(self.span(&type_path), "not a profile type")
                .with_help(help),
            );
            return;
        }
        match (s.type_, s.localhost) {
            ("Localhost", None) => {
                diags.push(
                    Diagnostic::of(
                        codes::K8S_INVALID_PROFILE_REFERENCE,
                        format!("a `Localhost` {field} needs `localhostProfile`"),
                    )
                    .at(self.span(&type_path), "no `localhostProfile` beside this")
                    .with_help("name the profile: `localhostProfile: NAME`"),
                );
            }
            ("Localhost", Some(lp)) => self.check_localhost(s, lp, &lp_path, opts, diags),
            (t, Some(_)) => {
                diags.push(
                    Diagnostic::of(
                        codes::K8S_INVALID_PROFILE_REFERENCE,
                        format!(
                            "`localhostProfile` is only allowed with type `Localhost`, not `{t}`"
                        ),
                    )
                    .at(self.root.key_span_at(&lp_path), "not allowed here")
                    .with_help("remove `localhostProfile`, or set `type: Localhost`"),
                );
            }
            _ => {}
        }
    }

    fn check_localhost(
        &self,
        s: &Setting<'_>,
        lp: &str,
        lp_path: &[Step],
        opts: &Options,
        diags: &mut Vec<Diagnostic>,
    ) {
        let at = self.span(lp_path);
        if lp.trim().is_empty() {
            diags.push(
                Diagnostic::of(
                    codes::K8S_INVALID_PROFILE_REFERENCE,
                    "an empty `localhostProfile`",
                )
                .at(at, "empty")
                .with_help("name the profile"),
            );
            return;
        }
        if lp.trim() != lp {
            diags.push(
                Diagnostic::of(
                    codes::K8S_INVALID_PROFILE_REFERENCE,
                    format!("`localhostProfile` `{lp}` has surrounding whitespace"),
                )
                .at(at, "whitespace around the name")
                .with_help(format!("Kubernetes rejects it; write `{}`", lp.trim())),
            );
            return;
        }
        if s.what == What::Seccomp {
            if lp.starts_with('/') {
                diags.push(
                    Diagnostic::of(
                        codes::K8S_SECCOMP_PATH,
                        format!("seccomp `localhostProfile` `{lp}` is an absolute path"),
                    )
                    .at(at, "absolute")
                    .with_help(format!(
                        "give the path relative to the kubelet seccomp root (`/var/lib/kubelet/seccomp`), e.g. `{}/NAME.json`",
                        opts.set
                    )),
                );
                return;
            }
            if lp.split('/').any(|part| part == "..") {
                diags.push(
                    Diagnostic::of(
                        codes::K8S_SECCOMP_PATH,
                        format!("seccomp `localhostProfile` `{lp}` climbs out of the kubelet seccomp root"),
                    )
                    .at(at, "`..` here")
                    .with_help("the path must descend from the kubelet seccomp root: no `..`"),
                );
                return;
            }
        }
        self.check_exists(s.what, lp, at, opts, diags);
    }

    /// A Localhost reference must be a profile of the build output.
    fn check_exists(
        &self,
        what: What,
        reference: &str,
        at: Span,
        opts: &Options,
        diags: &mut Vec<Diagnostic>,
    ) {
        let Some(set) = &opts.profiles else {
            return;
        };
        let known: Vec<String> = match what {
            What::AppArmor => set.apparmor.keys().cloned().collect(),
            What::Seccomp => set
                .seccomp
                .keys()
                .map(|n| format!("{}/{n}.json", opts.set))
                .collect(),
        };
        if known.iter().any(|k| k == reference) {
            return;
        }
        let title = what.title();
        let mut d = Diagnostic::of(
            codes::K8S_MISSING_PROFILE,
            format!("{title} profile `{reference}` is not in the build output"),
        )
        .at(at, "not built");
        let listed = if known.is_empty() {
            format!("the build produced no {title} profile")
        } else {
            let names: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!("the build produced {}", names.join(", "))
        };
        d = d.with_help(
            match did_you_mean(reference, known.iter().map(String::as_str)) {
                Some(m) => format!("did you mean `{m}`? ({listed})"),
                None => listed,
            },
        );
        diags.push(d.with_note(match what {
            What::AppArmor => "the pod would be created, but its container fails to start: the profile is not loaded on the node".to_string(),
            What::Seccomp => "the pod would be created, but its container fails to start: the kubelet finds no such seccomp file".to_string(),
        }));
    }

    /// Check the AppArmor (and legacy seccomp) annotations; return the
    /// valid AppArmor ones by container name: (value, path of the value).
    fn check_annotations(
        &self,
        containers: &[ContainerRef<'_>],
        opts: &Options,
        diags: &mut Vec<Diagnostic>,
    ) -> BTreeMap<String, (String, Vec<Step>)> {
        let mut out = BTreeMap::new();
        let ann_path = path(&self.meta_path, &[key("annotations")]);
        for (k, v) in &self.annotations {
            let value_path = path(&ann_path, &[key(k)]);
            if k == SECCOMP_POD_ANNOTATION || k.starts_with(SECCOMP_CONTAINER_ANNOTATION_PREFIX) {
                diags.push(
                    Diagnostic::of(
                        codes::K8S_SECCOMP_ANNOTATION_IGNORED,
                        format!("the annotation `{k}` is ignored since Kubernetes 1.27"),
                    )
                    .at(self.root.key_span_at(&value_path), "ignored")
                    .with_help("set `securityContext.seccompProfile` instead"),
                );
                continue;
            }
            let Some(container) = k.strip_prefix(APPARMOR_ANNOTATION_PREFIX) else {
                continue;
            };
            if !containers.iter().any(|c| c.name == container) {
                let mut d = Diagnostic::of(
                    codes::K8S_ANNOTATION_UNKNOWN_CONTAINER,
                    format!("the AppArmor annotation names container `{container}`, which the pod does not have"),
                )
                .at(self.root.key_span_at(&value_path), "no such container");
                let names: Vec<&str> = containers.iter().map(|c| c.name).collect();
                if let Some(m) = did_you_mean(container, names.iter().copied()) {
                    d = d.with_help(format!("did you mean `{m}`?"));
                } else if !names.is_empty() {
                    let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                    d = d.with_help(format!("the pod's containers are {}", listed.join(", ")));
                }
                diags.push(d.with_note("the annotation has no effect"));
            }
            let at = self.span(&value_path);
            let valid = match v.as_str() {
                "runtime/default" | "unconfined" => true,
                other => match other.strip_prefix("localhost/") {
                    Some(name) if !name.is_empty() && name.trim() == name => {
                        self.check_exists(What::AppArmor, name, at, opts, diags);
                        true
                    }
                    _ => false,
                },
            };
            if valid {
                out.insert(container.to_string(), (v.clone(), value_path));
            } else {
                let mut help =
                    "use `runtime/default`, `localhost/NAME` or `unconfined`".to_string();
                if let Some(m) = did_you_mean(v, ["runtime/default", "unconfined"].into_iter()) {
                    help = format!("did you mean `{m}`? ({help})");
                }
                diags.push(
                    Diagnostic::of(
                        codes::K8S_INVALID_PROFILE_REFERENCE,
                        format!("`{v}` is not an AppArmor profile reference"),
                    )
                    .at(at, "invalid")
                    .with_help(help),
                );
            }
        }
        out
    }

    /// The AppArmor field that applies to container `i`: its own, else the pod's.
    fn effective<'s>(
        settings: &'s [(Option<usize>, Setting<'a>)],
        i: usize,
        what: What,
    ) -> Option<&'s Setting<'a>> {
        settings
            .iter()
            .find(|(c, s)| *c == Some(i) && s.what == what)
            .or_else(|| settings.iter().find(|(c, s)| c.is_none() && s.what == what))
            .map(|(_, s)| s)
    }

    fn check_agreement(
        &self,
        containers: &[ContainerRef<'_>],
        settings: &[(Option<usize>, Setting<'a>)],
        annotations: &BTreeMap<String, (String, Vec<Step>)>,
        diags: &mut Vec<Diagnostic>,
    ) {
        for (i, c) in containers.iter().enumerate() {
            let Some((value, value_path)) = annotations.get(c.name) else {
                continue;
            };
            let Some(field) = Self::effective(settings, i, What::AppArmor) else {
                continue;
            };
            let as_annotation = match (field.type_, field.localhost) {
                ("RuntimeDefault", _) => "runtime/default".to_string(),
                ("Unconfined", _) => "unconfined".to_string(),
                ("Localhost", Some(l)) => format!("localhost/{l}"),
                _ => continue,
            };
            if &as_annotation != value {
                let shown = match field.localhost {
                    Some(l) if field.type_ == "Localhost" => format!("Localhost `{l}`"),
                    _ => format!("`{}`", field.type_),
                };
                diags.push(
                    Diagnostic::of(
                        codes::K8S_PROFILE_MISMATCH,
                        format!(
                            "container `{}`: the AppArmor annotation says `{value}` but `appArmorProfile` says {shown}",
                            c.name
                        ),
                    )
                    .at(self.span(value_path), "the annotation")
                    .with_secondary(self.span(&field.path), "the field")
                    .with_help(format!("Kubernetes rejects the pod; make them agree (`{as_annotation}`), or drop the annotation")),
                );
            }
        }
    }

    fn check_privileged(
        &self,
        containers: &[ContainerRef<'_>],
        settings: &[(Option<usize>, Setting<'a>)],
        annotations: &BTreeMap<String, (String, Vec<Step>)>,
        diags: &mut Vec<Diagnostic>,
    ) {
        for (i, c) in containers.iter().enumerate() {
            if !c.sc.and_then(|sc| sc.privileged).unwrap_or(false) {
                continue;
            }
            let mut profiles: Vec<(String, Span)> = Vec::new();
            for what in [What::AppArmor, What::Seccomp] {
                if let Some(s) = Self::effective(settings, i, what) {
                    if s.type_ != "Unconfined" {
                        profiles.push((
                            format!("{} `{}`", what.title(), s.localhost.unwrap_or(s.type_)),
                            self.span(&s.path),
                        ));
                    }
                }
            }
            if let Some((v, p)) = annotations.get(c.name) {
                if v != "unconfined" {
                    profiles.push((format!("AppArmor `{v}`"), self.span(p)));
                }
            }
            if profiles.is_empty() {
                continue;
            }
            let listed: Vec<&str> = profiles.iter().map(|(p, _)| p.as_str()).collect();
            let privileged_at =
                self.span(&path(&c.path, &[key("securityContext"), key("privileged")]));
            let mut d = Diagnostic::of(
                codes::K8S_PRIVILEGED_PROFILE_IGNORED,
                format!(
                    "container `{}` is privileged: the runtime ignores its profiles ({})",
                    c.name,
                    listed.join(", ")
                ),
            )
            .at(privileged_at, "privileged");
            for (_, span) in &profiles {
                d = d.with_secondary(*span, "has no effect");
            }
            diags.push(d.with_help("a privileged container runs unconfined whatever its profiles say; drop `privileged: true` to confine it"));
        }
    }

    fn check_pss(
        &self,
        level: Level,
        from: &str,
        containers: &[ContainerRef<'_>],
        settings: &[(Option<usize>, Setting<'a>)],
        annotations: &BTreeMap<String, (String, Vec<Step>)>,
        diags: &mut Vec<Diagnostic>,
    ) {
        let name = level.name();
        let note = format!(
            "the level comes from {from}; Windows pods (`spec.os.name: windows`) are exempt"
        );
        let violation = |msg: String, at: Span, help: &str| {
            Diagnostic::of(codes::K8S_PSS_VIOLATION, msg)
                .at(at, format!("refused at `{name}`"))
                .with_help(help.to_string())
                .with_note(note.clone())
        };
        for (_, s) in settings {
            if s.type_ == "Unconfined" {
                diags.push(violation(
                    format!(
                        "the `{name}` Pod Security Standards level forbids {} profile `Unconfined`",
                        s.what.title()
                    ),
                    self.span(&path(&s.path, &[key("type")])),
                    "use `RuntimeDefault` or `Localhost`",
                ));
            }
        }
        for (value, p) in annotations.values() {
            if value != "runtime/default" && !value.starts_with("localhost/") {
                diags.push(violation(
                    format!("the `{name}` Pod Security Standards level forbids the AppArmor annotation `{value}`"),
                    self.span(p),
                    "use `runtime/default` or `localhost/NAME`",
                ));
            }
        }
        if level != Level::Restricted {
            return;
        }
        let confining = |s: &Setting<'_>| s.type_ == "RuntimeDefault" || s.type_ == "Localhost";
        let pod_level = settings
            .iter()
            .any(|(c, s)| c.is_none() && s.what == What::Seccomp && confining(s));
        if pod_level {
            return;
        }
        for (i, c) in containers.iter().enumerate() {
            let own = settings
                .iter()
                .any(|(ci, s)| *ci == Some(i) && s.what == What::Seccomp);
            if !own {
                diags.push(violation(
                    format!("container `{}` has no seccomp profile, which the `restricted` level requires", c.name),
                    self.span(&path(&c.path, &[key("name")])),
                    "set `securityContext.seccompProfile.type: RuntimeDefault` (or `Localhost`) on the pod or on every container",
                ));
            }
        }
    }
}

/// The closest of `candidates` to `word`, if close enough to be a typo.
pub fn did_you_mean<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(&lower, &c.to_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let limit = (word.chars().count() / 3).max(2);
    best.filter(|(d, _)| *d <= limit).map(|(_, c)| c)
}

/// Levenshtein distance, in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Namespace in one input sets the level of pods in another.
    #[test]
    fn namespace_level_crosses_files() {
        let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {pod-security.kubernetes.io/enforce: baseline}\n";
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n  - name: a\n    securityContext: {seccompProfile: {type: Unconfined}}\n";
        let mut sources = SourceMap::new();
        let mut diags = Vec::new();
        lint_texts(
            &[("ns.yaml", ns), ("pod.yaml", pod)],
            &Options::default(),
            &mut sources,
            &mut diags,
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "k8s-pss-violation");
        let at = diags[0].primary.as_ref().unwrap().span;
        assert_eq!(sources.name(at.file), "pod.yaml");
        assert_eq!(&pod[at.range()], "Unconfined");
        // The same pod in another namespace: no level, no finding.
        let other = pod.replace("namespace: shop", "namespace: tools");
        let mut diags = Vec::new();
        lint_texts(
            &[("ns.yaml", ns), ("pod.yaml", &other)],
            &Options::default(),
            &mut SourceMap::new(),
            &mut diags,
        );
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        let names = ["k8s-apparmor-example-deny-write"];
        assert_eq!(
            did_you_mean("k8s-apparmor-example-allow-write", names.into_iter()),
            Some("k8s-apparmor-example-deny-write")
        );
        assert_eq!(
            did_you_mean("localhost", TYPES.into_iter()),
            Some("Localhost")
        );
        assert_eq!(did_you_mean("nginx", names.into_iter()), None);
    }
}
