//! Settings: include directories and the base directory, from
//! `initializationOptions` or `workspace/didChangeConfiguration` (either
//! the object itself or nested under `profilec`).

use std::path::PathBuf;

use profilec_core::resolve::Options;
use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Searched first, in order, as `apparmor_parser -I`.
    pub include_dirs: Vec<PathBuf>,
    /// Relative includes resolve here (default `/etc/apparmor.d`).
    pub base_dir: Option<PathBuf>,
    /// Where diagnostic codes link to (`<url>#<code>`).
    pub diagnostics_url: Option<String>,
    /// Where quoted relative includes resolve, as apparmor_parser run from
    /// there (default: the workspace root, else the server's directory).
    pub working_dir: Option<PathBuf>,
}

impl Settings {
    /// Settings from a client's JSON; `None` when it holds none of ours.
    pub fn from_json(value: &Value) -> Option<Settings> {
        let v = value.get("profilec").unwrap_or(value);
        if !v.is_object() {
            return None;
        }
        serde_json::from_value(v.clone()).ok()
    }

    pub fn options(&self) -> Options {
        Options {
            include_dirs: self.include_dirs.clone(),
            base: self.base_dir.clone(),
            cwd: self.working_dir.clone(),
            ..Options::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_flat_or_under_profilec() {
        let flat = serde_json::json!({"includeDirs": ["/a"], "baseDir": "/b"});
        let nested = serde_json::json!({"profilec": flat.clone()});
        let want = Settings {
            include_dirs: vec![PathBuf::from("/a")],
            base_dir: Some(PathBuf::from("/b")),
            diagnostics_url: None,
            working_dir: None,
        };
        assert_eq!(Settings::from_json(&flat), Some(want.clone()));
        assert_eq!(Settings::from_json(&nested), Some(want));
        assert_eq!(Settings::from_json(&serde_json::json!(null)), None);
    }
}
