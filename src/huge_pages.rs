//! The binary's allocator: the system's, asking the kernel to back every block of
//! [`HUGE_FROM`] or more with 2 MiB pages before it is first touched, once the run says
//! its memory is read at random ([`flowhound::memory`]).
//!
//! Detection reads the graph's per-transfer columns by transfer id, one random read
//! after another. With 4 KiB pages, the page tables of a 100M-transfer graph (a few
//! GiB of columns) no longer fit in the processor's caches, so such a read is likely to
//! wait for memory twice: once for the page table entry, once for the data. With 2 MiB pages the
//! page tables are 512 times smaller. Linux's default policy for transparent huge pages
//! is `madvise` (used only where a program asks), so the program asks, for large blocks
//! only: small ones would round up to 2 MiB.
//!
//! The request is advice. Where the kernel has huge pages off, or the system is not
//! Linux, blocks are what the system allocator gives, and nothing else changes.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks at least this large are advised to use huge pages: sixteen of them, so that a
/// block's rounding costs at most a sixteenth of it.
const HUGE_FROM: usize = 32 << 20;

/// 2 MiB, the huge page size of x86-64 and of arm64 with 4 KiB base pages.
const HUGE_PAGE: usize = 2 << 20;

/// [`System`], with large blocks advised to use huge pages.
pub struct HugePages;

impl HugePages {
    /// Advises the 2 MiB-aligned inside of `[ptr, ptr + size)`.
    fn advise(ptr: *mut u8, size: usize) {
        #[cfg(target_os = "linux")]
        if let Some((start, end)) = advised(ptr as usize, size) {
            if flowhound::memory::random_access() {
                // SAFETY: `[start, end)` lies inside a block the allocator just handed
                // out; MADV_HUGEPAGE changes how it is backed, never its contents.
                unsafe {
                    libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (ptr, size);
    }
}

/// The whole huge pages inside a block at `address` of `size` bytes, when it is large
/// enough to ask for them.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn advised(address: usize, size: usize) -> Option<(usize, usize)> {
    if address == 0 || size < HUGE_FROM {
        return None;
    }
    let start = address.checked_next_multiple_of(HUGE_PAGE)?;
    let end = address.checked_add(size)? / HUGE_PAGE * HUGE_PAGE;
    (end > start).then_some((start, end))
}

// SAFETY: every call goes to `System`, which upholds GlobalAlloc's contract; the advice
// only changes the pages backing a block.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { System.alloc(layout) };
        Self::advise(ptr, layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        Self::advise(ptr, layout.size());
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { System.realloc(ptr, layout, new_size) };
        Self::advise(ptr, new_size);
        ptr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_huge_pages_inside_large_blocks() {
        assert_eq!(advised(4096, HUGE_FROM - 1), None);
        assert_eq!(advised(0, HUGE_FROM), None);
        let (start, end) = advised(4096, HUGE_FROM).expect("a large block");
        assert_eq!((start, end), (HUGE_PAGE, HUGE_FROM));
        let (start, end) = advised(3 * HUGE_PAGE, HUGE_FROM).expect("an aligned block");
        assert_eq!((start, end), (3 * HUGE_PAGE, 3 * HUGE_PAGE + HUGE_FROM));
        assert_eq!(advised(usize::MAX - HUGE_PAGE, HUGE_FROM), None);
    }

    #[test]
    fn blocks_read_and_write_as_the_system_allocator_gives_them() {
        flowhound::memory::random_access_from_now();
        let layout = Layout::from_size_align(HUGE_FROM + 12_345, 64).expect("a layout");
        // SAFETY: the layout has a non-zero size; the block is freed with it below.
        unsafe {
            let p = HugePages.alloc_zeroed(layout);
            assert!(!p.is_null());
            assert!(std::slice::from_raw_parts(p, layout.size()).iter().all(|&b| b == 0));
            p.add(layout.size() - 1).write(7);
            let q = HugePages.realloc(p, layout, 2 * layout.size());
            assert!(!q.is_null());
            assert_eq!(q.add(layout.size() - 1).read(), 7);
            HugePages.dealloc(q, Layout::from_size_align(2 * layout.size(), 64).expect("a layout"));
        }
    }
}
