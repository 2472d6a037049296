//! The x86 socketcall gap, shown in the kernel: a profile that allows only
//! AF_INET sockets refuses `socket(AF_PACKET, ...)`, yet a 32-bit program
//! gets the same socket through `socketcall(SYS_SOCKET, {AF_PACKET, ...})`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use profilec_core::diag::SourceMap;
use profilec_core::seccomp::tables::Arch;
use profilec_harness::live::{self, Observed};
use profilec_harness::run::Simulator;
use profilec_harness::Outcome;

#[test]
fn socketcall_bypasses_the_family_check_on_x86() {
    if !live::can_run(Arch::X86) {
        eprintln!("SKIPPED: this machine cannot make x86 syscalls (no x86_64 IA32 emulation)");
        return;
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/seccomp/gaps/socket-x86.json");
    let mut sources = SourceMap::new();
    let f = sources.add("socket-x86.json", std::fs::read_to_string(path).unwrap());
    let mut diags = Vec::new();
    let profile = profilec_core::seccomp::parse(&sources, f, &mut diags).unwrap();
    let sim = Simulator::new(&profile).unwrap();

    let (af_packet, sock_raw) = (libc::AF_PACKET as u64, libc::SOCK_RAW as u64);
    let socket = i64::from(Arch::X86.number("socket").unwrap());
    let socketcall = i64::from(Arch::X86.number("socketcall").unwrap());

    // Direct socket(2): refused, in the simulator and in the kernel.
    assert_eq!(
        sim.decide(Arch::X86, "socket", [af_packet, sock_raw, 0, 0, 0, 0])
            .unwrap(),
        Ok(Outcome::Errno(1))
    );
    let direct = live::run(
        Some(&sim.program),
        Arch::X86,
        socket,
        [af_packet, sock_raw, 0, 0, 0, 0],
    )
    .unwrap();
    assert_eq!(direct, Observed::Errno(libc::EPERM));

    // socketcall(SYS_SOCKET, args): the arguments are in memory a 32-bit
    // process can address, where no filter can look.
    // SAFETY: a private anonymous page below 4 GiB, unmapped at the end.
    let page = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_32BIT,
            -1,
            0,
        )
    };
    assert_ne!(page, libc::MAP_FAILED);
    let args: [u32; 3] = [af_packet as u32, sock_raw as u32, 0];
    // SAFETY: the page is writable and large enough.
    unsafe { std::ptr::copy_nonoverlapping(args.as_ptr(), page.cast::<u32>(), 3) };
    let sys_socket = 1;
    let via = [sys_socket, page as u64, 0, 0, 0, 0];
    assert_eq!(
        sim.decide(Arch::X86, "socketcall", via).unwrap(),
        Ok(Outcome::Allow)
    );
    let unfiltered = live::run(None, Arch::X86, socketcall, via).unwrap();
    let filtered = live::run(Some(&sim.program), Arch::X86, socketcall, via).unwrap();
    // SAFETY: unmapping the page mapped above.
    unsafe { libc::munmap(page, 4096) };
    // Whatever the kernel does without a filter (a packet socket as root), it
    // does the same under the filter: the family check never ran.
    assert_eq!(filtered, unfiltered);
    assert_ne!(filtered, Observed::Errno(libc::EPERM));
    eprintln!("socket(AF_PACKET) under the filter: {direct}; socketcall(SYS_SOCKET, AF_PACKET): {filtered}");
}
