//! Which of a run's memory is read at random: what an allocator may back with huge
//! pages; and [`prefetch`], for a search that knows where it reads next.
//!
//! Ingest streams through its blocks once, and allocates and frees them by the hundred;
//! the graph and what detection builds on it are read one random transfer at a time
//! for the rest of the run. The command-line binary's allocator asks the kernel for
//! huge pages for large blocks, but only once [`random_access_from_now`] has been
//! called: on a 100M-transfer dump, with huge pages during ingest too, ingest took 198 s
//! against 84-116 s without (the kernel compacts memory when blocks allocated and freed
//! by the hundred fault in), while after ingest they made detection faster.

use std::sync::atomic::{AtomicBool, Ordering};

static RANDOM_ACCESS: AtomicBool = AtomicBool::new(false);

/// Says that large blocks allocated from now on are read at random (the graph, the
/// searches' indexes): called when the graph is built.
pub fn random_access_from_now() {
    RANDOM_ACCESS.store(true, Ordering::Relaxed);
}

/// True once [`random_access_from_now`] has been called.
pub fn random_access() -> bool {
    RANDOM_ACCESS.load(Ordering::Relaxed)
}

/// Asks the processor to bring `items[at]` into its caches, without waiting for it: for
/// a search that knows which entry it reads next while it still has work to do here.
/// Nothing happens when `at` is out of range or the processor is not x86-64.
#[inline]
pub fn prefetch<T>(items: &[T], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = items.get(at) {
        // SAFETY: a prefetch only hints at a cache line to load; it reads nothing into
        // the program and cannot fault, and the address is that of a live element.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (item as *const T).cast::<i8>(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, at);
}
