//! Where a checking thread's heap lives (issue 13).
//!
//! A check is short and allocates a few MiB of fresh heap. On the
//! machines measured, each first touch of a 4 KiB page costs about 1.5 µs
//! (a page fault, allocated and zeroed one at a time: some 600 faults
//! for the Debian corpus, a tenth of its wall time), while a 2 MiB
//! transparent huge page is had in one fault for about 0.1 ms. glibc puts
//! a thread's heap in an arena of its own, a 64 MiB-aligned mapping; this
//! crate prepares that arena so that it grows by huge pages where the
//! kernel allows them (`madvise` mode, the default, included), and by
//! ordinary pages otherwise. Only placement changes: what is allocated,
//! and when it is freed, do not.

/// Prepare the calling thread's heap: call first thing on a thread that
/// will check. Other allocators (or a shared arena) are left as they are.
pub fn prepare_thread_heap() {
    let carved = raise_mmap_threshold();
    #[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
    if let Some(at) = carved {
        glibc::huge_pages_for_fresh_arena(at);
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")))]
    let _ = carved;
}

/// glibc grows a new thread's heap one `mprotect` per page as a check
/// allocates (hundreds of system calls per profile). Freeing one large
/// mapped block (at most 32 MiB) raises its `mmap` threshold, so the next
/// block is carved from this thread's heap in one step and stays there
/// once freed (12 MiB covers the apparmor.d corpus; untouched pages cost
/// no memory). Other allocators just allocate and free twice.
///
/// Returns where the second block was, which is where this thread's
/// larger blocks come from (glibc may serve a thread's very first small
/// blocks from another arena).
fn raise_mmap_threshold() -> Option<usize> {
    let mut carved = None;
    for size in [(16 << 20) - (1 << 16), 12 << 20] {
        // Under an address-space limit the block may not be had: no
        // matter, and no abort.
        let mut block = Vec::<u8>::new();
        if block.try_reserve_exact(size).is_ok() {
            carved = Some(block.as_ptr() as usize);
            drop(std::hint::black_box(block));
        }
    }
    carved
}

#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
mod glibc {
    /// glibc's `HEAP_MAX_SIZE` on 64-bit targets: a thread arena's heap is
    /// a mapping of this size, aligned to it, with the arena's own header
    /// at its start.
    const ARENA_HEAP: usize = 64 << 20;
    /// A transparent huge page on x86-64 and on aarch64 with 4 KiB pages.
    const HUGE_PAGE: usize = 2 << 20;
    /// A block this close to its arena's start means a fresh arena.
    const FRESH: usize = 64 << 10;

    /// A huge page only replaces ordinary pages in a 2 MiB extent nothing
    /// has touched, and the arena's header is already written in the
    /// first. So: mark the rest of the arena's mapping for huge pages,
    /// then hold the rest of the first extent in one block that is never
    /// written (virtual memory only: it costs no page), so that what the
    /// thread allocates next starts at the second extent. Done once per
    /// arena; an arena in use (reused by a later thread, or shared) is
    /// left alone. `at` is a block just carved from the arena's top and
    /// freed: the hold takes its place.
    pub(super) fn huge_pages_for_fresh_arena(at: usize) {
        let base = at & !(ARENA_HEAP - 1);
        if at - base > FRESH {
            return;
        }
        let rest = base + HUGE_PAGE;
        // SAFETY: `MADV_HUGEPAGE` changes no contents and no access rights,
        // only the page size the kernel may back the range with, and
        // `madvise` checks the range itself (an unmapped part is an error
        // it reports, nothing more). The range is this arena's heap mapping
        // past its first extent.
        let marked = unsafe {
            libc::madvise(
                rest as *mut libc::c_void,
                ARENA_HEAP - HUGE_PAGE,
                libc::MADV_HUGEPAGE,
            )
        };
        if marked != 0 {
            return;
        }
        // Sized so that the next chunk's header takes the last 16 bytes
        // of the first extent and its memory starts the second (a chunk
        // spans the request and 8 bytes, in steps of 16). The two headers
        // are all it writes.
        let hold = Vec::<u8>::with_capacity(rest - at - 8);
        std::mem::forget(std::hint::black_box(hold));
    }
}
