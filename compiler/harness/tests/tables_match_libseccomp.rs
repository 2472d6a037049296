//! The committed syscall tables (profilec-core) are what the installed
//! libseccomp resolves.

use profilec_core::seccomp::tables::Arch;

#[test]
fn tables_match_libseccomp() {
    use libseccomp::{ScmpArch, ScmpSyscall};
    for (a, sa) in [
        (Arch::X86_64, ScmpArch::X8664),
        (Arch::X86, ScmpArch::X86),
        (Arch::Aarch64, ScmpArch::Aarch64),
    ] {
        for (name, nr) in a.table() {
            let back = ScmpSyscall::from(*nr as i32).get_name_by_arch(sa);
            assert_eq!(back.ok().as_deref(), Some(*name), "{nr} on {a:?}");
            // On x86 libseccomp resolves the socket calls to its
            // socketcall pseudo numbers (negative); others resolve exactly.
            let fwd = ScmpSyscall::from_name_by_arch(name, sa).map(i32::from).ok();
            let pseudo = a == Arch::X86 && fwd.is_some_and(|n| n < 0);
            assert!(
                pseudo || fwd == Some(*nr as i32),
                "{name} on {a:?}: {fwd:?}"
            );
        }
    }
}
