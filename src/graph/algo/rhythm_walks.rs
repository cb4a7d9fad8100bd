//! Walks along payments made off their makers' rhythms ([`crate::graph::algo::rhythm_breaks`]):
//! money that an account which pays on its own days passed on, on another day, to an
//! account which did the same within days. Where the dump's rhythmic accounts seldom pay
//! off their rhythm, a few such hand-overs in a row are someone else's schedule. Which
//! payments a walk may follow is the caller's (`off`): the random detector also lets a
//! quiet account that keeps no rhythm hand the money on.

use crate::graph::FlowGraph;

/// A walk's bounds: how soon each hand-over follows the payment it passes on, how many
/// transfers at most, and how many payments a search may read before it stops.
#[derive(Debug, Clone, Copy)]
pub struct WalkSpec {
    /// Longest delay between a receipt and the payment that passes it on, seconds.
    pub max_delay: i64,
    /// Most transfers.
    pub max_hops: usize,
    /// Payments read per search.
    pub budget: u64,
}

/// Whether transfer `start` begins a walk: its payer received no payment off its own
/// maker's rhythm (`off`) within the walk's delay before it. A transfer that passes one
/// on is the walk's middle, read from where it began.
pub fn begins_a_walk(g: &FlowGraph, start: u32, off: &dyn Fn(u32) -> bool, spec: &WalkSpec) -> bool {
    let s = start as usize;
    let received = g.in_list(g.src[s]);
    let before = received.time.partition_point(|&t| t < g.time[s] - spec.max_delay);
    let upto = received.time.partition_point(|&t| t < g.time[s]);
    !(before..upto).any(|k| off(received.edges[k]))
}

/// The longest walk from transfer `start` along payments made off their makers' rhythms
/// (`off`), each within `spec.max_delay` after the receipt it passes on, never back to an
/// account it passed; the first found of the longest, in time order. Also whether the
/// search stopped at its budget.
pub fn longest_walk(
    g: &FlowGraph,
    start: u32,
    off: &dyn Fn(u32) -> bool,
    spec: &WalkSpec,
) -> (Vec<u32>, bool) {
    let s = start as usize;
    let mut search = Search { g, off, spec, read: 0, stopped: false, best: vec![start] };
    let mut path = vec![start];
    let mut passed = vec![g.src[s], g.dst[s]];
    search.extend(&mut path, &mut passed);
    (search.best, search.stopped)
}

struct Search<'a> {
    g: &'a FlowGraph,
    off: &'a dyn Fn(u32) -> bool,
    spec: &'a WalkSpec,
    read: u64,
    stopped: bool,
    best: Vec<u32>,
}

impl Search<'_> {
    fn extend(&mut self, path: &mut Vec<u32>, passed: &mut Vec<u32>) {
        if path.len() > self.best.len() {
            self.best.clone_from(path);
        }
        if path.len() >= self.spec.max_hops {
            return;
        }
        let last = path[path.len() - 1] as usize;
        let (holder, at) = (self.g.dst[last], self.g.time[last]);
        let paid = self.g.out_list(holder);
        let from = paid.time.partition_point(|&t| t <= at);
        let to = paid.time.partition_point(|&t| t <= at + self.spec.max_delay);
        for k in from..to {
            self.read += 1;
            if self.read > self.spec.budget {
                self.stopped = true;
                return;
            }
            let (e, next) = (paid.edges[k], paid.other[k]);
            if !(self.off)(e) || passed.contains(&next) {
                continue;
            }
            path.push(e);
            passed.push(next);
            self.extend(path, passed);
            path.pop();
            passed.pop();
            if self.stopped {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    #[test]
    fn a_walk_follows_off_rhythm_hand_overs_within_the_delay_and_never_returns() {
        let mut t = Tiny::new();
        t.wire("A", "B", 10 * D, 900.0);
        t.wire("B", "C", 11 * D, 400.0);
        t.wire("C", "D", 12 * D + 3 * H, 700.0);
        t.wire("D", "B", 13 * D, 300.0);
        t.wire("D", "E", 13 * D + H, 300.0);
        t.wire("E", "F", 20 * D, 500.0);
        let g = t.graph();
        let spec = WalkSpec { max_delay: 3 * D, max_hops: 10, budget: 1_000 };
        let every = |_: u32| true;
        let (walk, stopped) = longest_walk(&g, 0, &every, &spec);
        // D -> B returns to an account passed; E -> F comes a week after E was paid.
        let names: Vec<String> =
            walk.iter().map(|&e| t.dump.accounts.ids[g.dst[e as usize] as usize].clone()).collect();
        assert_eq!(names, ["B", "C", "D", "E"]);
        assert!(!stopped);
        assert!(begins_a_walk(&g, 0, &every, &spec));
        assert!(!begins_a_walk(&g, walk[1], &every, &spec), "B -> C passes on A's payment");
        // Only payments off their makers' rhythms are followed.
        let c_to_d = walk[2];
        let (cut, _) = longest_walk(&g, 0, &|e| e != c_to_d, &spec);
        assert_eq!(cut.len(), 2);
        assert!(begins_a_walk(&g, c_to_d, &|e| e != walk[1], &spec));
        // A search that reads no more than its budget stops, and says so.
        let (_, stopped) = longest_walk(&g, 0, &every, &WalkSpec { budget: 2, ..spec });
        assert!(stopped);
    }
}
