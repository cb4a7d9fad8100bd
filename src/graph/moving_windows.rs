//! Windows of accounts' transfer lists (the transfers up to an edge id, from a time on)
//! asked again and again as both ends move forward, as when every transfer of the dump
//! in time order asks for its counterparties' recent transfers. A busy account is asked
//! for thousands of times, each a little later than the last: where its last window
//! ended, the next one is found by galloping forward from there instead of by two
//! binary searches over its whole history.

use crate::graph::AdjList;

/// Remembered windows, one slot per account hash (a later account in the same slot
/// takes it over): memory stays fixed however many accounts there are, and the busy
/// accounts, asked for most often, keep their slots. One per kind of list (outgoing,
/// incoming): a slot knows its account, not which of its lists it came from.
#[derive(Debug, Clone)]
pub struct MovingWindows {
    slots: Vec<Slot>,
    shift: u32,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    account: u32,
    upto: u32,
    from: i64,
    start: u32,
    end: u32,
}

const EMPTY: Slot = Slot { account: u32::MAX, upto: 0, from: i64::MIN, start: 0, end: 0 };

impl MovingWindows {
    /// Room for `2^bits` remembered windows.
    pub fn new(bits: u32) -> MovingWindows {
        let bits = bits.clamp(1, 30);
        MovingWindows { slots: vec![EMPTY; 1 << bits], shift: 32 - bits }
    }

    /// Asks the processor for `account`'s remembered window without waiting for it.
    #[inline]
    pub fn prefetch(&self, account: u32) {
        crate::memory::prefetch(&self.slots, self.held_in(account));
    }

    /// Where `account`'s window is remembered.
    fn held_in(&self, account: u32) -> usize {
        (account.wrapping_mul(0x9E37_79B1) >> self.shift) as usize
    }

    /// `list.window(upto, from)` for `account`'s list, `at` being `upto`'s time: the same
    /// transfers, found from the account's last window when neither end moved back
    /// since.
    pub fn window<'a>(
        &mut self,
        account: u32,
        list: AdjList<'a>,
        upto: u32,
        at: i64,
        from: i64,
    ) -> AdjList<'a> {
        if list.len() <= SHORT {
            return list.window_at(upto, at, from);
        }
        let held_in = self.held_in(account);
        let slot = self.slots[held_in];
        let (start, end) = if slot.account == account && slot.upto <= upto && slot.from <= from {
            // Everything before the last window's ends is still before the new ones.
            let end = gallop(list.edges, slot.end as usize, |&x| x <= upto);
            let start = gallop(&list.time[..end], (slot.start as usize).min(end), |&t| t < from);
            (start, end)
        } else {
            let end = list.edges.partition_point(|&x| x <= upto);
            (list.time[..end].partition_point(|&t| t < from), end)
        };
        self.slots[held_in] = Slot { account, upto, from, start: start as u32, end: end as u32 };
        list.range(start..end)
    }
}

/// Lists this short are searched whole: a few comparisons on the list's own cache lines
/// cost less than fetching the account's remembered window from its slot.
const SHORT: usize = 16;

/// `xs.partition_point(pred)` when `pred` is known to hold for `xs[..lo]`: steps of
/// 1, 2, 4, ... from `lo`, then a binary search inside the last step.
fn gallop<T>(xs: &[T], lo: usize, pred: impl Fn(&T) -> bool) -> usize {
    let mut step = 1;
    let mut lo = lo.min(xs.len());
    loop {
        let probe = lo + step;
        if probe > xs.len() || !pred(&xs[probe - 1]) {
            let hi = probe.min(xs.len());
            return lo + xs[lo..hi].partition_point(&pred);
        }
        lo = probe;
        step *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;
    use proptest::prelude::*;

    #[test]
    fn gallop_is_partition_point_from_a_known_prefix() {
        let xs: Vec<u32> = (0..100).collect();
        for cut in [0, 1, 2, 3, 50, 99, 100] {
            for lo in 0..=cut {
                assert_eq!(gallop(&xs, lo, |&x| x < cut as u32), cut, "cut {cut} from {lo}");
            }
        }
        assert_eq!(gallop::<u32>(&[], 0, |_| true), 0);
    }

    proptest! {
        #[test]
        fn windows_are_what_the_list_gives(
            transfers in proptest::collection::vec((0u8..6, 0u8..6, 0i64..40), 1..120),
            asks in proptest::collection::vec((0u8..6, any::<bool>(), 0usize..120, 0i64..15), 1..200),
            bits in 1u32..4,
        ) {
            let mut t = Tiny::new();
            for (a, b, at) in &transfers {
                t.wire(&format!("A{a}"), &format!("A{b}"), *at, 10.0);
            }
            let g = t.graph();
            let mut caches = [MovingWindows::new(bits), MovingWindows::new(bits)];
            // Mostly forward, sometimes back: both must give the list's own window.
            for (v, out, e, span) in asks {
                let Some(v) = (0..g.node_count() as u32).nth(usize::from(v)) else { continue };
                let upto = (e % g.edge_count()) as u32;
                let from = g.time[upto as usize] - span;
                let list = if out { g.out_list(v) } else { g.in_list(v) };
                let got = caches[usize::from(out)].window(v, list, upto, g.time[upto as usize], from);
                let want = list.window(upto, from);
                prop_assert_eq!(got.edges, want.edges);
            }
        }
    }
}
