//! The memory of a depth-first search along a path of transfers (temporal cycles, prompt
//! relays, loops of strangers), kept on each thread for its next search: each search
//! allocated its path, its accounts and its pending steps afresh, and grew the last one
//! by reallocating, millions of times in a large dump (a fifth of the cycle motif's time
//! outside its searches' own loops was in the allocator at 10M transfers, `perf`).

use std::cell::RefCell;
use std::thread::LocalKey;

/// A search's path (transfers), the accounts it reached, and the steps it found to take
/// of every hop of the path (`P`, the search's own kind of step).
#[derive(Debug)]
pub struct PathMemory<P> {
    /// The path's transfers, first to last.
    pub path: Vec<u32>,
    /// The accounts the path reached, in order.
    pub nodes: Vec<u32>,
    /// Steps found and not yet taken, the last hop's on top.
    pub pending: Vec<P>,
}

impl<P> Default for PathMemory<P> {
    fn default() -> Self {
        PathMemory { path: Vec::new(), nodes: Vec::new(), pending: Vec::new() }
    }
}

impl<P> PathMemory<P> {
    /// This thread's kept memory in `kept`, emptied, holding the path's first transfer
    /// `edge` to `to`.
    pub fn starting(kept: &'static LocalKey<RefCell<PathMemory<P>>>, edge: u32, to: u32) -> PathMemory<P> {
        let mut memory = crate::memory::take_kept(kept);
        memory.path.clear();
        memory.nodes.clear();
        memory.pending.clear();
        memory.path.push(edge);
        memory.nodes.push(to);
        memory
    }

    /// Hands the memory back to `kept` for the thread's next search (let go of when a
    /// search grew it past [`crate::memory::KEPT_UP_TO`] steps).
    pub fn keep(self, kept: &'static LocalKey<RefCell<PathMemory<P>>>) {
        let size = self.pending.capacity().max(self.path.capacity());
        crate::memory::keep(kept, self, size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static KEPT: RefCell<PathMemory<u64>> = RefCell::default();
    }

    #[test]
    fn memory_is_kept_emptied_and_let_go_of_when_large() {
        let mut m = PathMemory::starting(&KEPT, 7, 3);
        assert_eq!((m.path.as_slice(), m.nodes.as_slice()), (&[7][..], &[3][..]));
        m.pending.extend([1, 2, 3]);
        m.path.push(9);
        let room = m.pending.capacity();
        m.keep(&KEPT);
        // A search inside another gets fresh memory while the outer one holds it.
        let outer = PathMemory::starting(&KEPT, 1, 2);
        assert_eq!(outer.pending.capacity(), room, "the kept memory is reused");
        assert!(outer.pending.is_empty() && outer.path == [1] && outer.nodes == [2]);
        let inner = PathMemory::starting(&KEPT, 4, 5);
        assert_eq!(inner.pending.capacity(), 0, "the inner search gets its own");
        inner.keep(&KEPT);
        let mut big = outer;
        big.pending.reserve(crate::memory::KEPT_UP_TO + 1);
        big.keep(&KEPT);
        // The large one was let go of: the inner one's (empty) memory stayed.
        assert_eq!(PathMemory::starting(&KEPT, 0, 0).pending.capacity(), 0);
    }
}
