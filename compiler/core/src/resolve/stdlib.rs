//! The embedded include tree (`stdlib/apparmor/`), searched after every real
//! include directory.

use std::path::{Path, PathBuf};

use crate::input::fs::MemoryFs;

/// Where the embedded tree appears in include search and in diagnostics.
pub const ROOT: &str = "<stdlib>";

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../../stdlib/apparmor/", $name)))),*]
    };
}

const FILES: &[(&str, &str)] = embed!(
    "abi/3.0",
    "abi/4.0",
    "tunables/alias",
    "tunables/apparmorfs",
    "tunables/etc",
    "tunables/global",
    "tunables/home",
    "tunables/kernelvars",
    "tunables/multiarch",
    "tunables/proc",
    "tunables/run",
    "tunables/securityfs",
    "tunables/share",
    "tunables/sys",
    "tunables/xdg-user-dirs",
);

pub fn root() -> PathBuf {
    PathBuf::from(ROOT)
}

/// The embedded tree as a file system rooted at [`ROOT`].
pub fn fs() -> MemoryFs {
    let mut fs = MemoryFs::new();
    for (name, text) in FILES {
        fs.insert(Path::new(ROOT).join(name), text.as_bytes().to_vec());
    }
    fs
}
