//! The allocator of flowhound's programs (the command-line binary and the Python
//! module declare it theirs): the system's, asking the kernel to back every block of
//! [`HUGE_FROM`] or more with 2 MiB pages before it is first touched, once the run says
//! its memory is read at random ([`crate::memory`]); or, under `--spill DIR`, large
//! blocks kept in files the kernel may page out ([`crate::spill`]).
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

/// A page: blocks aligned to more than this stay with [`System`].
const PAGE: usize = 4096;

/// Free memory each of glibc's arenas keeps at its top, once [`keep_freed_memory`] is
/// called: a thread's arena grows in heaps of at most 64 MiB, so more would keep nothing
/// more (on a 1M-transfer graph, `features` faulted in a quarter more pages keeping 32
/// MiB than 64, and no fewer keeping 128 or 256).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const KEPT_FREE: libc::c_int = 64 << 20;

/// Has the system allocator keep up to [`KEPT_FREE`] free at the top of each arena (one
/// per thread that allocates) instead of handing it back to the kernel, and cut any
/// block that fits from there, for a run that makes and frees blocks of a few MiB over
/// and over. The binary has glibc map every block above 128 KiB on its own and unmap it
/// on free (so that the peak holds no freed blocks), and the kernel zeroes a fresh
/// mapping page by page: `features` on a 1M-transfer graph, whose Parquet pages' buffers
/// are made and freed for every column of every row group, faulted in 0.85 GB for a
/// 0.34 GB peak, with a fifth of its CPU in the kernel. Kept, it faults in half as much,
/// at a peak higher by at most [`KEPT_FREE`] an arena, whatever the dump's size.
///
/// Called before the threads start: an arena taken before keeps less (called once the
/// thread pool ran, `features` faulted in only a twentieth less).
///
/// Not for `analyze`, which frees few such blocks: on 10M transfers it was no faster
/// (16.5 and 18.7 s against 16.6 and 15.8 s, runs alternated), at a peak 0.16 GB higher.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets one of glibc's allocator parameters, under its own lock; the
    // parameter only decides how much freed memory stays in the process.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, KEPT_FREE);
    }
}

/// [`System`], with large blocks advised to use huge pages, or kept in spill files.
pub struct RunAllocator;

/// Whether a block of `layout` is (or was made) in a spill file: its size and alignment
/// alone say so, spilling being switched on before any such block exists.
#[inline]
fn in_file(size: usize, align: usize) -> bool {
    align <= PAGE && crate::spill::spills(size)
}

impl RunAllocator {
    /// A block of `layout`, zeroed when asked: from a spill file when [`in_file`] says so
    /// (a new file's pages read as zero), from [`System`] otherwise.
    ///
    /// # Safety
    /// GlobalAlloc's `alloc`: `layout` has a non-zero size.
    unsafe fn allocate(&self, layout: Layout, zeroed: bool) -> *mut u8 {
        if in_file(layout.size(), layout.align()) {
            // SAFETY: spilling is on; the block is unmapped in `dealloc` with its size.
            return unsafe { crate::spill::map(layout.size()) };
        }
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe {
            if zeroed {
                System.alloc_zeroed(layout)
            } else {
                System.alloc(layout)
            }
        };
        if !ptr.is_null() {
            crate::spill::system_allocated(layout.size());
        }
        Self::advise(ptr, layout.size());
        ptr
    }

    /// Advises the 2 MiB-aligned inside of `[ptr, ptr + size)`.
    fn advise(ptr: *mut u8, size: usize) {
        #[cfg(target_os = "linux")]
        if let Some((start, end)) = advised(ptr as usize, size) {
            if crate::memory::random_access() {
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

// SAFETY: a block is either `System`'s, which upholds GlobalAlloc's contract, or a whole
// shared file mapping of its size, page-aligned (at least as aligned as asked), zeroed,
// and freed only by unmapping it; `in_file` sends a block's free where its allocation
// went. The advice only changes the pages backing a block.
unsafe impl GlobalAlloc for RunAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.allocate(layout, false) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.allocate(layout, true) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if in_file(layout.size(), layout.align()) {
            // SAFETY: a block of this size and alignment was mapped by `alloc`.
            return unsafe { crate::spill::unmap(ptr, layout.size()) };
        }
        crate::spill::system_freed(layout.size());
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let (was_in_file, goes_in_file) =
            (in_file(layout.size(), layout.align()), in_file(new_size, layout.align()));
        if !was_in_file && !goes_in_file {
            // SAFETY: forwarded with the caller's guarantees.
            let moved = unsafe { System.realloc(ptr, layout, new_size) };
            if !moved.is_null() {
                crate::spill::system_freed(layout.size());
                crate::spill::system_allocated(new_size);
            }
            Self::advise(moved, new_size);
            return moved;
        }
        // Into, out of, or between files: a file mapping cannot grow in place once its
        // file is closed, so the block moves, as `System` moves one it cannot extend.
        // SAFETY: the caller guarantees `new_size` is a valid size for this alignment.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: `new_layout` has a non-zero size (GlobalAlloc's contract).
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are live, apart, and at least this long.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        moved
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

    /// Spilling is on in the library's tests from the first that asks (it is one switch
    /// for the process), so large blocks here come from spill files: blocks are made,
    /// moved into, between and out of files, and freed, keeping what was written.
    #[test]
    fn blocks_keep_what_is_written_in_memory_and_in_files() {
        crate::memory::random_access_from_now();
        crate::spill::on_for_tests();
        let layout = Layout::from_size_align(HUGE_FROM + 12_345, 64).expect("a layout");
        // SAFETY: every layout has a non-zero size; each block is freed with its own.
        unsafe {
            let p = RunAllocator.alloc_zeroed(layout);
            assert!(!p.is_null());
            assert!(std::slice::from_raw_parts(p, layout.size()).iter().all(|&b| b == 0));
            p.add(layout.size() - 1).write(7);
            let q = RunAllocator.realloc(p, layout, 2 * layout.size());
            assert!(!q.is_null());
            assert_eq!(q.add(layout.size() - 1).read(), 7);
            RunAllocator.dealloc(q, Layout::from_size_align(2 * layout.size(), 64).expect("a layout"));

            let small = Layout::from_size_align(1000, 8).expect("a layout");
            let p = RunAllocator.alloc(small);
            p.write(3);
            p.add(999).write(4);
            let large = 4 * crate::spill::SPILL_FROM;
            let q = RunAllocator.realloc(p, small, large);
            assert_eq!((q.read(), q.add(999).read()), (3, 4));
            q.add(large - 1).write(5);
            let r = RunAllocator.realloc(q, Layout::from_size_align(large, 8).expect("a layout"), 100);
            assert_eq!(r.read(), 3);
            RunAllocator.dealloc(r, Layout::from_size_align(100, 8).expect("a layout"));
        }
    }
}
