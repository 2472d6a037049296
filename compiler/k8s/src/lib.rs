//! profilec-k8s: the Kubernetes side of profilec.
//!
//! - [`manifests`]: from a build output ([`profiles::ProfileSet`]) to node
//!   loading manifests (a DaemonSet running [`manifests::LOADER_SCRIPT`])
//!   and per-profile pod snippets;
//! - [`lint`]: pods and pod templates checked for the profile references
//!   Kubernetes would reject or fail on at run time.
//!
//! Kubernetes objects are k8s-openapi types, both ways. YAML is read by
//! [`yaml`] (saphyr-parser events, every value with its span, bounded) and
//! written by [`emit`]. Depends on profilec-core for diagnostics and file
//! access; core knows nothing of Kubernetes.
#![forbid(unsafe_code)]

pub mod emit;
pub mod lint;
pub mod manifests;
pub mod profiles;
pub mod yaml;

pub use manifests::{generate, Options};
pub use profiles::ProfileSet;
