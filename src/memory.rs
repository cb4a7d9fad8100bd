//! Which of a run's memory is read at random: what an allocator may back with huge
//! pages; [`prefetch`], for a search that knows where it reads next; and [`FaultAhead`],
//! for a thread that fills memory it reserved ahead.
//!
//! Ingest streams through its blocks once, and allocates and frees them by the hundred;
//! the graph and what detection builds on it are read one random transfer at a time
//! for the rest of the run. The command-line binary's allocator asks the kernel for
//! huge pages for large blocks, but only once [`random_access_from_now`] has been
//! called: on a 100M-transfer dump, with huge pages during ingest too, ingest took 198 s
//! against 84-116 s without (the kernel compacts memory when blocks allocated and freed
//! by the hundred fault in), while after ingest they made detection faster.

use std::cell::Cell;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

static RANDOM_ACCESS: AtomicBool = AtomicBool::new(false);

/// Says that large blocks allocated from now on are read at random (the graph, the
/// searches' indexes): called when the graph is built.
pub fn random_access_from_now() {
    RANDOM_ACCESS.store(true, Ordering::Relaxed);
}

/// True once [`random_access_from_now`] has been called, outside [`read_in_order`].
pub fn random_access() -> bool {
    RANDOM_ACCESS.load(Ordering::Relaxed) && !IN_ORDER.try_with(Cell::get).unwrap_or(false)
}

thread_local! {
    /// Set while this thread allocates memory that is read in order ([`read_in_order`]).
    static IN_ORDER: Cell<bool> = const { Cell::new(false) };
}

/// Runs `allocate` on this thread with the blocks it allocates read in order, not at
/// random: a large temporary buffer written and read front to back (a list to sort and
/// walk once) gains nothing from huge pages, and the kernel may first have to compact
/// memory to find them. On a 10M-transfer dump, UB2's 163 MB of customer-days took 160
/// ms to fault in with huge pages asked for and 33 ms without.
pub fn read_in_order<R>(allocate: impl FnOnce() -> R) -> R {
    let was = IN_ORDER.try_with(|c| c.replace(true)).unwrap_or(false);
    let out = allocate();
    let _ = IN_ORDER.try_with(|c| c.set(was));
    out
}

/// Entries a buffer kept per thread ([`with_kept`]) may hold and still be kept: what a
/// busy hub grew is let go, so a thread holds little and clearing a kept map stays cheap.
pub const KEPT_UP_TO: usize = 4096;

/// Runs `f` with this thread's value in `kept`, for memory a per-account step needs
/// afresh for each account: allocated and freed for each, it was a fifth of some
/// detectors' time in the allocator. `f` empties what it reads. The value is kept for
/// the thread's next call unless `size` says it grew past [`KEPT_UP_TO`] ([`take_kept`]
/// and [`keep`] around `f`: a call inside `f` on the same key gets a fresh value).
pub fn with_kept<T: Default, R>(
    kept: &'static std::thread::LocalKey<std::cell::RefCell<T>>,
    size: impl FnOnce(&T) -> usize,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    let mut value = take_kept(kept);
    let out = f(&mut value);
    let room = size(&value);
    keep(kept, value, room);
    out
}

/// Takes this thread's value out of `kept`, for memory a search holds while it runs
/// and may need again inside (a visit that starts another search of the same kind gets
/// a fresh value). Hand it back with [`keep`]; a default value when the thread is shutting down or the value is out.
pub fn take_kept<T: Default>(kept: &'static std::thread::LocalKey<std::cell::RefCell<T>>) -> T {
    kept.try_with(|cell| cell.try_borrow_mut().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default())
        .unwrap_or_default()
}

/// Hands `value` (taken with [`take_kept`]) back to this thread's `kept` for its next
/// search, unless `size` (what it holds room for) is past [`KEPT_UP_TO`].
pub fn keep<T>(kept: &'static std::thread::LocalKey<std::cell::RefCell<T>>, value: T, size: usize) {
    if size <= KEPT_UP_TO {
        let _ = kept.try_with(|cell| {
            if let Ok(mut v) = cell.try_borrow_mut() {
                *v = value;
            }
        });
    }
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

/// The part of `v` reserved and not yet filled, as addresses, for [`FaultAhead`].
pub fn spare_of<T>(v: &[T], capacity: usize) -> Range<usize> {
    let size = std::mem::size_of::<T>();
    let start = v.as_ptr() as usize;
    start + std::mem::size_of_val(v)..start + capacity * size
}

/// Backs memory reserved to be filled (see [`spare_of`]) with pages on a thread of its
/// own, a little ahead of the thread that fills it, so that the filling thread does not
/// stop at every fresh page. On a 100M-transfer ingest, the ordered pass (one thread, on
/// which the rest waits) spent about 70% of its time in the kernel zeroing the pages of
/// the dump's columns as it pushed rows into them: on a virtual machine a page touched
/// for the first time is slow to come.
///
/// Nothing else changes: `MADV_POPULATE_WRITE` faults pages in as a write would, without
/// writing, so a range that was freed or handed to another allocation meanwhile keeps
/// its contents (or is not mapped, and is skipped). Linux 5.14 and later; elsewhere, and
/// where the kernel refuses, the filling thread faults the pages in itself.
pub struct FaultAhead {
    filled: Option<std::sync::mpsc::Sender<Vec<usize>>>,
}

impl FaultAhead {
    /// Starts backing `ranges`, each filled from its start, at most `lead` (a share of
    /// each range) past where [`FaultAhead::filled`] last said it was filled: memory
    /// grows as the ranges are filled, as it would without, and at the end no more than
    /// that lead is backed past what was filled, however large the ranges were reserved.
    pub fn start(ranges: Vec<Range<usize>>, lead: f64) -> FaultAhead {
        #[cfg(target_os = "linux")]
        {
            let (send, receive) = std::sync::mpsc::channel::<Vec<usize>>();
            let keep_ahead = move || {
                let leads: Vec<usize> =
                    ranges.iter().map(|r| (r.len() as f64 * lead.clamp(0.0, 1.0)) as usize).collect();
                let mut done: Vec<usize> = ranges.iter().map(|r| r.start).collect();
                let mut filled = done.clone();
                loop {
                    for (k, r) in ranges.iter().enumerate() {
                        let to = filled.get(k).map_or(r.start, |&f| f.max(r.start)).saturating_add(leads[k]);
                        populate(done[k]..to.min(r.end));
                        done[k] = done[k].max(to.min(r.end));
                    }
                    // Where the filler is now, or the end: it is done or gone.
                    match receive.recv() {
                        Ok(now) => filled = now,
                        Err(_) => return,
                    }
                }
            };
            // Without a thread, the filling thread faults the pages in itself, as before.
            let started = std::thread::Builder::new().name("fault-in".into()).spawn(keep_ahead).is_ok();
            FaultAhead { filled: started.then_some(send) }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (ranges, lead);
            FaultAhead { filled: None }
        }
    }

    /// Says how far each range is filled: the address its unfilled part starts at, in
    /// the order of the ranges (the starts of [`spare_of`] taken again).
    pub fn filled(&self, upto: Vec<usize>) {
        if let Some(send) = &self.filled {
            let _ = send.send(upto);
        }
    }
}

/// Backs the whole pages inside `range` with pages.
#[cfg(target_os = "linux")]
fn populate(range: Range<usize>) {
    const PAGE: usize = 4096;
    let (from, to) = (range.start.next_multiple_of(PAGE), range.end / PAGE * PAGE);
    if to > from {
        // SAFETY: MADV_POPULATE_WRITE only makes the kernel back the range's pages as a
        // write fault would; it reads and writes no byte of them, so it cannot change
        // what any owner of the range sees, and an unmapped range is refused, not faulted.
        unsafe {
            libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_POPULATE_WRITE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_read_in_order_is_not_read_at_random_on_that_thread_only() {
        random_access_from_now();
        assert!(random_access());
        read_in_order(|| {
            assert!(!random_access());
            // Nested, and on another thread meanwhile.
            read_in_order(|| assert!(!random_access()));
            assert!(!random_access());
            assert!(std::thread::spawn(random_access).join().unwrap_or(false));
        });
        assert!(random_access());
    }

    #[test]
    fn what_grew_past_the_bound_is_not_kept() {
        thread_local! {
            static KEPT: std::cell::RefCell<Vec<u32>> = std::cell::RefCell::default();
        }
        let fill = |n: usize| with_kept(&KEPT, Vec::capacity, |v| v.extend(0..n as u32));
        fill(10);
        assert!(KEPT.with(|k| k.borrow().capacity()) >= 10);
        fill(KEPT_UP_TO + 1);
        assert_eq!(KEPT.with(|k| k.borrow().capacity()), 0);
    }

    #[test]
    fn the_spare_part_is_what_is_reserved_past_the_filled_part() {
        let mut v: Vec<u64> = Vec::with_capacity(100);
        v.extend([1, 2, 3]);
        let spare = spare_of(&v, v.capacity());
        assert_eq!(spare.start, v.as_ptr() as usize + 3 * 8);
        assert_eq!(spare.len(), (v.capacity() - 3) * 8);
    }

    /// Memory backed ahead holds what the filler writes, and what was there stays: the
    /// filler's rows, a range freed and reused meanwhile, a range never filled.
    #[test]
    fn faulting_in_ahead_changes_no_byte() {
        let rows = 3 << 20;
        let mut column: Vec<u64> = Vec::with_capacity(rows);
        let other: Vec<u8> = Vec::with_capacity(8 << 20);
        let ranges = vec![spare_of(&column, column.capacity()), spare_of(&other, other.capacity())];
        let ahead = FaultAhead::start(ranges, 0.05);
        for block in 0..64u64 {
            column.extend((0..rows as u64 / 64).map(|k| block * 1_000_003 + k));
            ahead.filled(vec![spare_of(&column, column.capacity()).start, spare_of(&other, 0).start]);
        }
        // The other range is handed back and its memory used again while the thread may
        // still back it.
        drop(other);
        let reused = vec![7u8; 8 << 20];
        drop(ahead);
        assert!(reused.iter().all(|&b| b == 7));
        let want = (0..64u64).flat_map(|block| (0..rows as u64 / 64).map(move |k| block * 1_000_003 + k));
        assert!(column.iter().copied().eq(want));
    }
}
