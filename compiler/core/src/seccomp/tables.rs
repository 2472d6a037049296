//! Syscall tables: names <-> numbers for the architectures the harness
//! simulates (x86_64, x86, aarch64), and the OCI architecture names.

use crate::hashing::HashMap;
use std::sync::OnceLock;

use super::syscalls_data;

/// An architecture with a syscall table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    X86_64,
    X86,
    Aarch64,
}

impl Arch {
    pub const ALL: [Arch; 3] = [Arch::X86_64, Arch::X86, Arch::Aarch64];

    /// The OCI / libseccomp name, e.g. `SCMP_ARCH_X86_64`.
    pub fn oci_name(self) -> &'static str {
        match self {
            Arch::X86_64 => "SCMP_ARCH_X86_64",
            Arch::X86 => "SCMP_ARCH_X86",
            Arch::Aarch64 => "SCMP_ARCH_AARCH64",
        }
    }

    /// Short name for tables and messages.
    pub fn short(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::X86 => "x86",
            Arch::Aarch64 => "aarch64",
        }
    }

    pub fn from_oci(name: &str) -> Option<Arch> {
        Arch::ALL.into_iter().find(|a| a.oci_name() == name)
    }

    pub fn from_short(name: &str) -> Option<Arch> {
        Arch::ALL.into_iter().find(|a| a.short() == name)
    }

    /// Syscall arguments are 32-bit registers.
    pub fn is_32bit(self) -> bool {
        self == Arch::X86
    }

    /// `AUDIT_ARCH_*`: the value of `seccomp_data.arch`.
    pub fn audit(self) -> u32 {
        match self {
            Arch::X86_64 => 0xc000_003e,
            Arch::X86 => 0x4000_0003,
            Arch::Aarch64 => 0xc000_00b7,
        }
    }

    /// The architecture this program runs on, when it has a table.
    pub fn native() -> Option<Arch> {
        if cfg!(target_arch = "x86_64") {
            Some(Arch::X86_64)
        } else if cfg!(target_arch = "x86") {
            Some(Arch::X86)
        } else if cfg!(target_arch = "aarch64") {
            Some(Arch::Aarch64)
        } else {
            None
        }
    }

    /// (name, number) sorted by name.
    pub fn table(self) -> &'static [(&'static str, u32)] {
        match self {
            Arch::X86_64 => syscalls_data::X86_64,
            Arch::X86 => syscalls_data::X86,
            Arch::Aarch64 => syscalls_data::AARCH64,
        }
    }

    /// The syscall's number here. A hash lookup: lowering a profile asks
    /// for every syscall of a set on every architecture, and a binary
    /// search of the sorted names was a tenth of a build's instructions.
    pub fn number(self, name: &str) -> Option<u32> {
        static INDEX: OnceLock<[HashMap<&'static str, u32>; 3]> = OnceLock::new();
        let index = INDEX.get_or_init(|| Arch::ALL.map(|a| a.table().iter().copied().collect()));
        index[self as usize].get(name).copied()
    }

    pub fn name(self, nr: u32) -> Option<&'static str> {
        self.table().iter().find(|(_, n)| *n == nr).map(|(s, _)| *s)
    }
}

/// Every architecture name the OCI runtime spec defines.
pub static OCI_ARCHES: &[&str] = &[
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",
    "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32",
    "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_RISCV64",
];

/// True when some table knows `name`.
pub fn known_anywhere(name: &str) -> bool {
    Arch::ALL.iter().any(|a| a.number(name).is_some())
}

/// All syscall names of all tables, sorted and deduplicated.
pub fn all_names() -> Vec<&'static str> {
    static ALL: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&str> = Arch::ALL
            .iter()
            .flat_map(|a| a.table().iter().map(|(n, _)| *n))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_known_values_hold() {
        for a in Arch::ALL {
            assert!(a.table().windows(2).all(|w| w[0].0 < w[1].0), "{a:?}");
        }
        assert_eq!(Arch::X86_64.number("read"), Some(0));
        assert_eq!(Arch::X86_64.number("ptrace"), Some(101));
        assert_eq!(Arch::X86.number("socketcall"), Some(102));
        assert_eq!(Arch::X86.number("socket"), Some(359));
        assert_eq!(Arch::Aarch64.number("openat"), Some(56));
        assert_eq!(Arch::Aarch64.number("open"), None);
        assert_eq!(Arch::X86_64.name(41), Some("socket"));
    }
}
