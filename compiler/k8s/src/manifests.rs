//! Kubernetes output of a profile set, every object typed with k8s-openapi:
//!
//! - `profilec-loader.yaml`: the node loading manifests (Namespace,
//!   ConfigMaps with the profiles and the loader script, ServiceAccount,
//!   ClusterRole and ClusterRoleBinding for the node label, DaemonSet);
//! - `pods/NAME.yaml`: per profile, a pod that uses it (the
//!   `securityContext` fields, the older AppArmor annotation and the node
//!   affinity to nodes that hold the set), to copy from.
//!
//! Output is deterministic: keys sorted, no timestamps, no host names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetSpec};
use k8s_openapi::api::core::v1::{
    Affinity, AppArmorProfile, Capabilities, ConfigMap, ConfigMapVolumeSource, Container, EnvVar,
    EnvVarSource, ExecAction, HostPathVolumeSource, Namespace, NodeAffinity, NodeSelector,
    NodeSelectorRequirement, NodeSelectorTerm, ObjectFieldSelector, Pod, PodSecurityContext,
    PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile, SecurityContext,
    ServiceAccount, Toleration, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::emit;
use crate::profiles::ProfileSet;

/// The loader script the DaemonSet runs (also tested on its own).
pub const LOADER_SCRIPT: &str = include_str!("loader.sh");

/// The prefix of the node label keys (`profilec.dev/SET=HASH`).
pub const LABEL_PREFIX: &str = "profilec.dev/";

/// The AppArmor annotation of a container, for clusters before 1.30.
pub const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// Choices of the generated manifests.
#[derive(Clone, Debug)]
pub struct Options {
    /// The profile set's name: the seccomp directory under the kubelet
    /// root, the node label's name, the objects' name prefix.
    pub set: String,
    pub namespace: String,
    /// Emit the Namespace object (labelled for Pod Security admission).
    pub create_namespace: bool,
    /// The loader's image: it needs `sh`, coreutils, `apparmor_parser` and
    /// (for the node label) `curl`.
    pub image: String,
    /// The kubelet's seccomp root on the nodes.
    pub seccomp_root: String,
    /// Run the loader privileged instead of with CAP_MAC_ADMIN alone.
    pub privileged: bool,
    /// Label each node with the set's hash (needs the RBAC objects).
    pub node_label: bool,
    /// Seconds between the loader's polls of the ConfigMap.
    pub interval: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            set: "profilec".into(),
            namespace: "profilec-system".into(),
            create_namespace: true,
            image: "profilec-loader:latest".into(),
            seccomp_root: "/var/lib/kubelet/seccomp".into(),
            privileged: false,
            node_label: true,
            interval: 10,
        }
    }
}

impl Options {
    /// Why these options cannot be used, if they cannot.
    pub fn problem(&self) -> Option<String> {
        let dns_label = |s: &str| {
            !s.is_empty()
                && s.len() <= 63
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !s.starts_with('-')
                && !s.ends_with('-')
        };
        if !dns_label(&self.set) || self.set.len() > 40 {
            return Some(format!(
                "the set name `{}` must be lowercase letters, digits and `-`, at most 40 characters",
                self.set
            ));
        }
        if !dns_label(&self.namespace) {
            return Some(format!(
                "the namespace `{}` is not a valid namespace name",
                self.namespace
            ));
        }
        if !self.seccomp_root.starts_with('/') || self.seccomp_root.contains("/../") {
            return Some(format!(
                "the seccomp root `{}` must be an absolute path",
                self.seccomp_root
            ));
        }
        if self.image.trim().is_empty() || self.image.contains(char::is_whitespace) {
            return Some(format!(
                "the image `{}` is not an image reference",
                self.image
            ));
        }
        None
    }

    pub fn label_key(&self) -> String {
        format!("{LABEL_PREFIX}{}", self.set)
    }

    /// The seccomp `localhostProfile` of profile `name`.
    pub fn seccomp_reference(&self, name: &str) -> String {
        format!("{}/{name}.json", self.set)
    }

    fn seccomp_dir(&self) -> String {
        format!("{}/{}", self.seccomp_root.trim_end_matches('/'), self.set)
    }
}

/// One generated file, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
}

fn yaml_doc<T: Serialize>(comment: &str, object: &T) -> String {
    let value = serde_json::to_value(object).unwrap_or(serde_json::Value::Null);
    let mut out = String::new();
    for line in comment.lines() {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&emit::document(&value));
    out
}

fn meta(name: &str, namespace: Option<&str>, labels: &BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.map(str::to_string),
        labels: Some(labels.clone()),
        ..Default::default()
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

const PRIVILEGES: &str = "\
Privileges of the loader, and why each is needed:
- hostPath /etc/apparmor.d (read-write): the profiles are written there, so
  the node's own abstractions/ and tunables/ resolve their includes and the
  node loads them again at boot, before this DaemonSet runs.
- hostPath SECCOMP_DIR (read-write, created if missing): the kubelet reads
  Localhost seccomp profiles from its seccomp root; the loader owns only
  this set's directory in it.
- hostPath /sys/kernel/security (read-write): apparmor_parser loads policy
  by writing to securityfs, which a container's /sys does not include.
- CAP_MAC_ADMIN (all other capabilities dropped): the kernel requires it to
  load or replace AppArmor policy.
- appArmorProfile Unconfined: the runtime's default AppArmor profile
  forbids writing to securityfs, so the loader cannot run under it.
- runAsUser 0: the host directories belong to root (no DAC_OVERRIDE is
  granted: root writes them as their owner).
Not granted: privileged, hostPID, hostNetwork, any other capability,
privilege escalation. If the nodes still refuse the load (apparmor_parser
reports `Access denied`, e.g. with a stacked LSM or an older runtime),
regenerate with --privileged: a privileged container runs unconfined with
every capability, which is what loading AppArmor policy otherwise needs.";

const RBAC: &str = "\
The loader labels its own node LABEL=HASH after loading the set (and
removes the label when a profile fails), so pods can require nodes that
hold their profiles. That is a `patch` on `nodes`, and nothing else: no
get, list or watch, no other resource. Kubernetes RBAC cannot narrow it to
one node or one label; regenerate with --no-node-label to drop the label
and these objects (pods then cannot select nodes by profile).";

/// Every file of the Kubernetes output of `set`.
pub fn generate(set: &ProfileSet, opts: &Options) -> Vec<File> {
    let mut files = vec![File {
        path: PathBuf::from("profilec-loader.yaml"),
        text: loader_manifests(set, opts),
    }];
    for name in set.names() {
        files.push(File {
            path: PathBuf::from("pods").join(format!("{name}.yaml")),
            text: pod_snippet(set, opts, name),
        });
    }
    files
}

fn labels(opts: &Options) -> BTreeMap<String, String> {
    BTreeMap::from([
        (s("app.kubernetes.io/name"), s("profilec-loader")),
        (s("app.kubernetes.io/instance"), opts.set.clone()),
        (s("app.kubernetes.io/managed-by"), s("profilec")),
    ])
}

/// The node loading manifests, one YAML stream.
pub fn loader_manifests(set: &ProfileSet, opts: &Options) -> String {
    let ns = opts.namespace.as_str();
    let labels = labels(opts);
    let name = format!("{}-loader", opts.set);
    let profiles_cm = format!("{}-profiles", opts.set);
    let script_cm = format!("{}-loader-script", opts.set);
    let hash = set.hash();
    let mut docs: Vec<String> = Vec::new();

    docs.push(format!(
        "# Generated by profilec: node loading manifests of the profile set `{}`\n\
         # (hash {hash}). Apply with `kubectl apply -f`; regenerate, do not edit.\n",
        opts.set
    ));
    if opts.create_namespace {
        let mut l = labels.clone();
        // The loader needs hostPath volumes and an unconfined AppArmor
        // profile, which the baseline and restricted levels refuse.
        l.insert(s("pod-security.kubernetes.io/enforce"), s("privileged"));
        let namespace = Namespace {
            metadata: meta(ns, None, &l),
            ..Default::default()
        };
        docs.push(yaml_doc(
            "The loader's namespace. Pod Security admission must let it run a pod\n\
             with hostPath volumes and an unconfined AppArmor profile: `privileged`.",
            &namespace,
        ));
    }
    let profiles = ConfigMap {
        metadata: meta(&profiles_cm, Some(ns), &labels),
        data: Some(set.config_data()),
        ..Default::default()
    };
    docs.push(yaml_doc(
        "The profiles: `apparmor.NAME` is the AppArmor policy of profile NAME,\n\
         `seccomp.NAME.json` its seccomp profile. The loader polls this ConfigMap\n\
         and loads it again when it changes.",
        &profiles,
    ));
    let script = ConfigMap {
        metadata: meta(&script_cm, Some(ns), &labels),
        data: Some(BTreeMap::from([(s("loader.sh"), s(LOADER_SCRIPT))])),
        ..Default::default()
    };
    docs.push(yaml_doc("The loader script (see its header).", &script));

    if opts.node_label {
        let sa = ServiceAccount {
            metadata: meta(&name, Some(ns), &labels),
            ..Default::default()
        };
        docs.push(yaml_doc(
            "The loader's identity, for the node label (see the ClusterRole).",
            &sa,
        ));
        let rbac_comment = RBAC
            .replace("LABEL", &opts.label_key())
            .replace("HASH", "<hash>");
        let role = ClusterRole {
            metadata: meta(&name, None, &labels),
            rules: Some(vec![PolicyRule {
                api_groups: Some(vec![s("")]),
                resources: Some(vec![s("nodes")]),
                verbs: vec![s("patch")],
                ..Default::default()
            }]),
            ..Default::default()
        };
        docs.push(yaml_doc(&rbac_comment, &role));
        let binding = ClusterRoleBinding {
            metadata: meta(&name, None, &labels),
            role_ref: RoleRef {
                api_group: Some(s("rbac.authorization.k8s.io")),
                kind: s("ClusterRole"),
                name: name.clone(),
            },
            subjects: Some(vec![Subject {
                kind: s("ServiceAccount"),
                name: name.clone(),
                namespace: Some(s(ns)),
                ..Default::default()
            }]),
        };
        docs.push(yaml_doc(
            "The ClusterRole above, for the loader's ServiceAccount only.",
            &binding,
        ));
    }

    let daemonset = daemon_set(opts, &name, &profiles_cm, &script_cm, &labels);
    let privileges = if opts.privileged {
        format!(
            "{}\n\nThis output was generated with --privileged: the container is privileged\n\
             (every capability, unconfined AppArmor and seccomp) in place of the above.",
            PRIVILEGES.replace("SECCOMP_DIR", &opts.seccomp_dir())
        )
    } else {
        PRIVILEGES.replace("SECCOMP_DIR", &opts.seccomp_dir())
    };
    docs.push(yaml_doc(
        &format!(
            "The loader: one pod on every node (it tolerates every taint). It writes\n\
             the profiles, loads the AppArmor ones with `apparmor_parser -r`, and is\n\
             ready only while every profile of the current ConfigMap is loaded.\n\n{privileges}"
        ),
        &daemonset,
    ));
    let mut out = String::new();
    for (i, d) in docs.iter().enumerate() {
        if i > 1 {
            out.push_str("---\n");
        }
        out.push_str(d);
    }
    out
}

fn daemon_set(
    opts: &Options,
    name: &str,
    profiles_cm: &str,
    script_cm: &str,
    labels: &BTreeMap<String, String>,
) -> DaemonSet {
    let seccomp_dir = opts.seccomp_dir();
    let env = |k: &str, v: String| EnvVar {
        name: s(k),
        value: Some(v),
        ..Default::default()
    };
    let mut envs = vec![
        env("PROFILEC_CONFIG", s("/profilec/profiles")),
        env("PROFILEC_SECCOMP_DIR", seccomp_dir.clone()),
        env("PROFILEC_INTERVAL", opts.interval.to_string()),
        // No policy cache: the root file system is read-only, and a cache
        // would only speed up loads that happen once per change.
        env("PROFILEC_PARSER_FLAGS", s("--skip-cache")),
        env("PROFILEC_STATE", s("/profilec/state")),
    ];
    if opts.node_label {
        envs.push(env("PROFILEC_LABEL_KEY", opts.label_key()));
        envs.push(EnvVar {
            name: s("NODE_NAME"),
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    field_path: s("spec.nodeName"),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    envs.sort_by(|a, b| a.name.cmp(&b.name));
    let mount = |n: &str, path: &str, ro: bool| VolumeMount {
        name: s(n),
        mount_path: s(path),
        read_only: ro.then_some(true),
        ..Default::default()
    };
    let host = |n: &str, path: &str, kind: &str| Volume {
        name: s(n),
        host_path: Some(HostPathVolumeSource {
            path: s(path),
            type_: Some(s(kind)),
        }),
        ..Default::default()
    };
    let security_context = if opts.privileged {
        SecurityContext {
            privileged: Some(true),
            run_as_user: Some(0),
            ..Default::default()
        }
    } else {
        SecurityContext {
            allow_privilege_escalation: Some(false),
            app_armor_profile: Some(AppArmorProfile {
                type_: s("Unconfined"),
                localhost_profile: None,
            }),
            capabilities: Some(Capabilities {
                add: Some(vec![s("MAC_ADMIN")]),
                drop: Some(vec![s("ALL")]),
            }),
            privileged: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(false),
            run_as_user: Some(0),
            seccomp_profile: Some(SeccompProfile {
                type_: s("RuntimeDefault"),
                localhost_profile: None,
            }),
            ..Default::default()
        }
    };
    let script_path = "/profilec/loader/loader.sh";
    let container = Container {
        name: s("loader"),
        image: Some(opts.image.clone()),
        image_pull_policy: Some(s("IfNotPresent")),
        command: Some(vec![s("/bin/sh"), s(script_path), s("run")]),
        env: Some(envs),
        readiness_probe: Some(Probe {
            exec: Some(ExecAction {
                command: Some(vec![s("/bin/sh"), s(script_path), s("ready")]),
            }),
            period_seconds: Some(10),
            timeout_seconds: Some(5),
            failure_threshold: Some(1),
            ..Default::default()
        }),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                (s("cpu"), Quantity(s("10m"))),
                (s("memory"), Quantity(s("16Mi"))),
            ])),
            limits: Some(BTreeMap::from([(s("memory"), Quantity(s("64Mi")))])),
            ..Default::default()
        }),
        security_context: Some(security_context),
        volume_mounts: Some(vec![
            mount("profiles", "/profilec/profiles", true),
            mount("loader", "/profilec/loader", true),
            mount("state", "/profilec/state", false),
            mount("apparmor-d", "/etc/apparmor.d", false),
            mount("seccomp", &seccomp_dir, false),
            mount("securityfs", "/sys/kernel/security", false),
        ]),
        ..Default::default()
    };
    let mut template_annotations = BTreeMap::new();
    // A new script rolls the pods; new profiles do not (the loop reloads them).
    template_annotations.insert(
        s("profilec.dev/loader-script-sha256"),
        Sha256::digest(LOADER_SCRIPT.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    );
    let selector: BTreeMap<String, String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "app.kubernetes.io/managed-by")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    DaemonSet {
        metadata: meta(name, Some(&opts.namespace), labels),
        spec: DaemonSetSpec {
            selector: LabelSelector {
                match_labels: Some(selector),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels.clone()),
                    annotations: Some(template_annotations),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: opts.node_label.then(|| s(name)),
                    automount_service_account_token: Some(opts.node_label),
                    node_selector: Some(BTreeMap::from([(s("kubernetes.io/os"), s("linux"))])),
                    tolerations: Some(vec![Toleration {
                        operator: Some(s("Exists")),
                        ..Default::default()
                    }]),
                    containers: vec![container],
                    volumes: Some(vec![
                        Volume {
                            name: s("profiles"),
                            config_map: Some(ConfigMapVolumeSource {
                                name: s(profiles_cm),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                        Volume {
                            name: s("loader"),
                            config_map: Some(ConfigMapVolumeSource {
                                name: s(script_cm),
                                default_mode: Some(0o555),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                        Volume {
                            name: s("state"),
                            empty_dir: Some(Default::default()),
                            ..Default::default()
                        },
                        host("apparmor-d", "/etc/apparmor.d", "Directory"),
                        host("seccomp", &seccomp_dir, "DirectoryOrCreate"),
                        host("securityfs", "/sys/kernel/security", "Directory"),
                    ]),
                    ..Default::default()
                }),
            },
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The node affinity that requires a node holding this version of the set.
pub fn node_affinity(set: &ProfileSet, opts: &Options) -> Affinity {
    Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: vec![NodeSelectorTerm {
                    match_expressions: Some(vec![NodeSelectorRequirement {
                        key: opts.label_key(),
                        operator: s("In"),
                        values: Some(vec![set.hash()]),
                    }]),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// An example pod confined by profile `name` (its AppArmor and seccomp
/// parts, whichever the set has).
pub fn pod_snippet(set: &ProfileSet, opts: &Options, name: &str) -> String {
    let container = "app";
    let apparmor = set.apparmor.contains_key(name);
    let seccomp = set.seccomp.contains_key(name);
    let mut annotations = BTreeMap::new();
    if apparmor {
        annotations.insert(
            format!("{APPARMOR_ANNOTATION_PREFIX}{container}"),
            format!("localhost/{name}"),
        );
    }
    let pod = Pod {
        metadata: ObjectMeta {
            name: Some(format!("{name}-example")),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..Default::default()
        },
        spec: Some(PodSpec {
            affinity: Some(node_affinity(set, opts)),
            containers: vec![Container {
                name: s(container),
                image: Some(s("app:latest")),
                security_context: Some(SecurityContext {
                    app_armor_profile: apparmor.then(|| AppArmorProfile {
                        type_: s("Localhost"),
                        localhost_profile: Some(s(name)),
                    }),
                    // Without a seccomp profile of its own, the
                    // runtime's default: the restricted level requires one.
                    seccomp_profile: Some(if seccomp {
                        SeccompProfile {
                            type_: s("Localhost"),
                            localhost_profile: Some(opts.seccomp_reference(name)),
                        }
                    } else {
                        SeccompProfile {
                            type_: s("RuntimeDefault"),
                            localhost_profile: None,
                        }
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            security_context: None::<PodSecurityContext>,
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut parts = Vec::new();
    if apparmor {
        parts.push(format!(
            "- securityContext.appArmorProfile: Localhost `{name}` (Kubernetes 1.30+);\n\
             - the annotation {APPARMOR_ANNOTATION_PREFIX}<container>: localhost/{name}\n  \
             (clusters before 1.30; newer ones require it to agree with the field);"
        ));
    }
    if !seccomp {
        parts.push(
            "- securityContext.seccompProfile: RuntimeDefault (the set has no seccomp\n  \
             profile of this name; the restricted Pod Security level requires one);"
                .to_string(),
        );
    }
    if seccomp {
        parts.push(format!(
            "- securityContext.seccompProfile: Localhost `{}`, relative to the\n  \
             kubelet seccomp root ({});",
            opts.seccomp_reference(name),
            opts.seccomp_root
        ));
    }
    parts.push(format!(
        "- spec.affinity: only nodes whose loader holds this version of the set\n  \
         (label {}={}).",
        opts.label_key(),
        set.hash()
    ));
    yaml_doc(
        &format!(
            "Generated by profilec: a pod confined by profile `{name}`. Copy what you\n\
             need into your pod template; `app` stands for your container:\n{}",
            parts.join("\n")
        ),
        &pod,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> ProfileSet {
        let mut set = ProfileSet::default();
        set.apparmor.insert(s("web"), s("profile web {\n}\n"));
        set.seccomp
            .insert(s("web"), s("{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\n"));
        set
    }

    #[test]
    fn output_is_deterministic_and_names_every_profile() {
        let a = generate(&set(), &Options::default());
        let b = generate(&set(), &Options::default());
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].path, PathBuf::from("pods/web.yaml"));
        assert!(a[1].text.contains("localhostProfile: profilec/web.json\n"));
        assert!(a[0]
            .text
            .contains("  apparmor.web: |\n    profile web {\n    }\n"));
    }

    /// The loader's environment, mounts and volumes agree: it reads the
    /// ConfigMap where it is mounted, writes the seccomp files where the
    /// host's seccomp directory is mounted, and runs the mounted script.
    #[test]
    fn loader_paths_agree_with_mounts() {
        for opts in [
            Options::default(),
            Options {
                seccomp_root: s("/var/lib/k0s/kubelet/seccomp/"),
                set: s("tier"),
                ..Default::default()
            },
        ] {
            let ds = daemon_set(&opts, "n", "p", "l", &labels(&opts));
            let spec = ds.spec.template.spec.unwrap();
            let c = &spec.containers[0];
            let env: BTreeMap<&str, &str> = c
                .env
                .iter()
                .flatten()
                .filter_map(|e| Some((e.name.as_str(), e.value.as_deref()?)))
                .collect();
            let mounts: BTreeMap<&str, &str> = c
                .volume_mounts
                .iter()
                .flatten()
                .map(|m| (m.name.as_str(), m.mount_path.as_str()))
                .collect();
            let volumes = spec.volumes.unwrap();
            let host = |name: &str| {
                volumes
                    .iter()
                    .find(|v| v.name == name)
                    .and_then(|v| v.host_path.as_ref())
                    .map(|h| h.path.clone())
                    .unwrap()
            };
            assert_eq!(env["PROFILEC_CONFIG"], mounts["profiles"]);
            assert_eq!(env["PROFILEC_STATE"], mounts["state"]);
            assert_eq!(env["PROFILEC_SECCOMP_DIR"], mounts["seccomp"]);
            assert_eq!(host("seccomp"), env["PROFILEC_SECCOMP_DIR"]);
            assert_eq!(
                format!("{}/{}", opts.seccomp_root.trim_end_matches('/'), opts.set),
                env["PROFILEC_SECCOMP_DIR"]
            );
            // The loader's defaults for the host paths it is not told.
            assert!(LOADER_SCRIPT.contains("${PROFILEC_APPARMOR_DIR:-/etc/apparmor.d}"));
            assert_eq!(mounts["apparmor-d"], "/etc/apparmor.d");
            assert_eq!(host("apparmor-d"), "/etc/apparmor.d");
            assert!(LOADER_SCRIPT.contains("${PROFILEC_SECURITYFS:-/sys/kernel/security}"));
            assert_eq!(mounts["securityfs"], "/sys/kernel/security");
            let script = format!("{}/loader.sh", mounts["loader"]);
            assert_eq!(c.command.as_deref().unwrap()[1], script);
            let probe = c.readiness_probe.as_ref().unwrap().exec.as_ref().unwrap();
            assert_eq!(
                probe.command.as_deref().unwrap(),
                ["/bin/sh", script.as_str(), "ready"]
            );
        }
    }

    #[test]
    fn options_are_checked() {
        let o = Options {
            set: s("Bad_Set"),
            ..Default::default()
        };
        assert!(o.problem().is_some());
        assert!(Options::default().problem().is_none());
    }
}
