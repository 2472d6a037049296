//! A fresh thread's heap, once prepared, grows in the part of its arena
//! marked for huge pages.

#![cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]

const ARENA_HEAP: usize = 64 << 20;
const HUGE_PAGE: usize = 2 << 20;

/// The `VmFlags` line of the mapping of `/proc/self/smaps` holding `addr`.
fn vm_flags_at(addr: usize) -> Option<String> {
    let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
    let mut inside = false;
    for line in smaps.lines() {
        if let Some((range, _)) = line.split_once(' ') {
            if let Some((lo, hi)) = range.split_once('-') {
                if let (Ok(lo), Ok(hi)) =
                    (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
                {
                    inside = lo <= addr && addr < hi;
                    continue;
                }
            }
        }
        if inside {
            if let Some(flags) = line.strip_prefix("VmFlags:") {
                return Some(flags.trim().to_string());
            }
        }
    }
    None
}

#[test]
fn a_prepared_thread_allocates_past_its_arenas_first_extent_on_huge_pages() {
    let (offset, flags) = std::thread::spawn(|| {
        profilec_heap::prepare_thread_heap();
        let block = std::hint::black_box(vec![1u8; 4096]);
        let at = block.as_ptr() as usize;
        (at % ARENA_HEAP, vm_flags_at(at))
    })
    .join()
    .unwrap_or((0, None));
    assert!(
        offset >= HUGE_PAGE,
        "the block is {offset:#x} into its arena, inside the first extent"
    );
    // A kernel built without transparent huge pages refuses the advice;
    // the placement above holds either way.
    if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
        return;
    }
    let flags = flags.unwrap_or_default();
    assert!(
        flags.split_whitespace().any(|f| f == "hg"),
        "the block's mapping is not marked for huge pages: {flags}"
    );
}

#[test]
fn an_arena_is_prepared_once() {
    // A second preparation on the same thread finds the arena in use and
    // holds no second block: allocations stay where the first left them.
    std::thread::spawn(|| {
        profilec_heap::prepare_thread_heap();
        let first = std::hint::black_box(Box::new(0u64));
        profilec_heap::prepare_thread_heap();
        let second = std::hint::black_box(Box::new(0u64));
        let gap = (&*second as *const u64 as usize).abs_diff(&*first as *const u64 as usize);
        assert!(gap < HUGE_PAGE, "a second block was held: {gap:#x} apart");
    })
    .join()
    .unwrap_or_else(|_| panic!("the preparing thread panicked"));
}
