//! Prompt relays: time-respecting cycles in which every account passes money on sooner
//! than its own habit of sending makes likely.
//!
//! Amounts are not read. Some launderers, and some simulators, change the amount at
//! every hop, so the evidence left is the timing: each account along the way sends
//! again soon after it received, and the money comes back. Every hop after the first is
//! given the chance that the relaying account, sending at its own average rate over the
//! dump, would have sent anything at all that soon ([`Scale::chance_between`]: no
//! sooner than the receipt and the payment are written to, an hour apart at least when
//! both are booked on the hour); the
//! cycle's chance is the product of its hops'. A busy account relays "promptly" all the
//! time, so it adds nothing; a quiet account that sends within a day of receiving, five
//! times in a row around a ring, is not a coincidence. A relay slower than
//! `max_hop_chance` ends the path, except the one that closes the cycle: reaching the
//! origin is itself the evidence, so it may come any time within the window, with its
//! timing chance counted like the others'.
//!
//! Equal timestamps may be taken in either order: a dump that records dates only cannot
//! say which of two same-day transfers came first. The same cycle can then be reached
//! from more than one of its transfers; callers keep one.
//!
//! [`Scale::chance_between`]: crate::graph::scale::Scale::chance_between

use crate::graph::algo::path_memory::PathMemory;
use crate::graph::algo::temporal_cycles::{Hop, SearchEnd};
use crate::graph::{FlowGraph, OnwardList};

/// Constraints of the search.
#[derive(Debug, Clone, Copy)]
pub struct RelaySpec {
    /// Seconds after the first transfer within which the last must happen.
    pub window: i64,
    /// Fewest hops.
    pub min_hops: usize,
    /// Most hops.
    pub max_hops: usize,
    /// Largest chance one relay may have: a hop slower than this, against its account's
    /// habit, is not a prompt relay and ends the path.
    pub max_hop_chance: f64,
    /// Edge expansions allowed (u64::MAX for none).
    pub budget: u64,
}

/// The account cycles start from, and the accounts that ever paid it over the dump
/// ([`FlowGraph::payers_over_dump`]), read when one of its searches first needs them and
/// kept for its other searches. The hop that closes a cycle may come any time within the
/// window, so it is looked for only in the payments of an account that ever paid the
/// origin: a busy account's month of payments is otherwise read for every path that
/// reaches it.
#[derive(Debug)]
pub struct RelayOrigin {
    origin: u32,
    payers: std::cell::OnceCell<Vec<u32>>,
}

impl RelayOrigin {
    /// Searches from `origin`, its payers not read yet.
    pub fn new(origin: u32) -> RelayOrigin {
        RelayOrigin { origin, payers: std::cell::OnceCell::new() }
    }

    /// The account the searches start from.
    pub fn origin(&self) -> u32 {
        self.origin
    }

    /// Whether `v` ever paid the origin.
    fn paid_by(&self, g: &FlowGraph, v: u32) -> bool {
        let payers = self.payers.get_or_init(|| g.payers_over_dump(self.origin).into_owned());
        payers.binary_search(&v).is_ok()
    }
}

struct Search<'a, F: FnMut(&[u32], f64), R: Fn(u32) -> bool> {
    g: &'a FlowGraph,
    spec: RelaySpec,
    /// The origin and its payers, shared by its searches.
    from: &'a RelayOrigin,
    /// False for an account from which no path leads back to the origin.
    may_return: R,
    visit: F,
    path: Vec<u32>,
    nodes: Vec<u32>,
    deadline: i64,
    spent: u64,
    /// The steps found to take, of every hop of the path, the last hop's on top.
    pending: Vec<Pending>,
}

/// A step a search has found to take from the path's last hop, with the path's chance
/// through it, and the scan's steps up to it since the one before (counted against the
/// budget when it is taken).
#[derive(Debug, Clone, Copy)]
struct Pending {
    next: Next,
    chance: f64,
    steps: u64,
}

/// What a search does with a transfer it found.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// Closes a cycle long enough: visited.
    Close(u32),
    /// Goes on: followed.
    Follow(Hop),
}

/// Visits every cycle that starts with transfer `start`, returns to its sender, and
/// whose every later hop is a prompt relay, with the cycle's chance (the product of its
/// hops' chances), following no transfer to an account for which `may_return` is false.
/// `from` is shared by the searches from one origin (see [`RelayOrigin`]).
pub fn relay_cycles_from(
    g: &FlowGraph,
    from: &RelayOrigin,
    start: Hop,
    spec: RelaySpec,
    may_return: impl Fn(u32) -> bool,
    visit: impl FnMut(&[u32], f64),
) -> SearchEnd {
    let origin = from.origin;
    debug_assert_eq!(g.src[start.edge as usize], origin, "the start is not the origin's");
    if origin == start.to || spec.max_hops < 2 {
        return SearchEnd::Complete;
    }
    let PathMemory { path, nodes, pending } = PathMemory::starting(&KEPT, start.edge, start.to);
    let mut search = Search {
        g,
        spec,
        from,
        may_return,
        visit,
        path,
        nodes,
        deadline: start.time.saturating_add(spec.window),
        spent: 0,
        pending,
    };
    let complete = search.extend(1.0, start);
    PathMemory { path: search.path, nodes: search.nodes, pending: search.pending }.keep(&KEPT);
    if complete {
        SearchEnd::Complete
    } else {
        SearchEnd::BudgetHit
    }
}

thread_local! {
    /// Each thread's memory for its next search.
    static KEPT: std::cell::RefCell<PathMemory<Pending>> = std::cell::RefCell::default();
}

impl<F: FnMut(&[u32], f64), R: Fn(u32) -> bool> Search<'_, F, R> {
    /// Goes on from the path's last transfer `last` (passed down from the list it was
    /// found in rather than looked up again by edge id, which waits on memory at every
    /// step). Returns false when the budget ran out.
    fn extend(&mut self, chance: f64, last: Hop) -> bool {
        let (at, received) = (last.to, last.time);
        let g = self.g;
        let sent = g.sent_over_dump(at);
        if sent == 0 || g.scale.chance_within(sent, 0) > self.spec.max_hop_chance {
            return true;
        }
        // The slowest relay still within the hop chance, from the account's own rate.
        let slowest = g.scale.longest_within(sent, self.spec.max_hop_chance);
        let until = self.deadline.min(received.saturating_add(slowest).saturating_add(1));
        // From `received` itself: a transfer with the same timestamp may have come after.
        let OnwardList { list: next, starts } = g.onward_from(last.onward, at);
        // The steps to take are all found before any is taken, so that what the accounts
        // followed will read, asked for ahead, arrives together rather than one miss
        // after another. Nothing the scan decides depends on what a step finds; each
        // step's share of the scan is counted against the budget just before it is
        // taken, as scanning and taking in turn would count it.
        let base = self.pending.len();
        let mut steps: u64 = 0;
        let mut k = 0;
        while k < next.len() && next.time[k] <= until {
            let (e, to, time) = (next.edges[k], next.other[k], next.time[k]);
            let step = Hop { edge: e, time, amount: next.amount[k], to, onward: starts[k] };
            let hop = g.scale.chance_between(sent, received, time);
            k += 1;
            steps += 1;
            let hops = self.path.len() + 1;
            if to == self.from.origin {
                if hops >= self.spec.min_hops {
                    self.pending.push(Pending { next: Next::Close(e), chance: chance * hop, steps });
                    steps = 0;
                }
                continue;
            }
            if hop > self.spec.max_hop_chance
                || hops >= self.spec.max_hops
                || to == at
                || self.nodes.contains(&to)
                || !(self.may_return)(to)
            {
                continue;
            }
            g.prefetch_sent_over_dump(to);
            g.prefetch_onward(step.onward, to);
            self.pending.push(Pending { next: Next::Follow(step), chance: chance * hop, steps });
            steps = 0;
        }
        let ok = self.take(base);
        self.pending.truncate(base);
        self.spent += steps;
        if !ok || self.spent > self.spec.budget {
            return false;
        }
        // The hop that closes the cycle may come later than a prompt relay: reaching the
        // origin is itself the evidence, and one account's one payee is cheap to look
        // for. Its timing chance still counts in the cycle's.
        if self.path.len() + 1 >= self.spec.min_hops && until < self.deadline {
            if !self.from.paid_by(g, at) {
                // None of these payments goes to the origin: they are counted against the
                // budget, as reading them would, but not read.
                let later = next.time[k..].partition_point(|&t| t <= self.deadline);
                self.spent += later as u64;
                if self.spent > self.spec.budget {
                    return false;
                }
            } else {
                while k < next.len() && next.time[k] <= self.deadline {
                    self.spent += 1;
                    if self.spent > self.spec.budget {
                        return false;
                    }
                    if next.other[k] == self.from.origin {
                        let hop = g.scale.chance_between(sent, received, next.time[k]);
                        self.path.push(next.edges[k]);
                        (self.visit)(&self.path, chance * hop);
                        self.path.pop();
                    }
                    k += 1;
                }
            }
        }
        true
    }

    /// Takes the steps pending from `base` on, in the order they were found. Returns
    /// false when the budget ran out.
    fn take(&mut self, base: usize) -> bool {
        for p in base..self.pending.len() {
            let Pending { next, chance, steps } = self.pending[p];
            self.spent += steps;
            if self.spent > self.spec.budget {
                return false;
            }
            match next {
                Next::Close(e) => {
                    self.path.push(e);
                    (self.visit)(&self.path, chance);
                    self.path.pop();
                }
                Next::Follow(hop) => {
                    self.path.push(hop.edge);
                    self.nodes.push(hop.to);
                    let ok = self.extend(chance, hop);
                    self.nodes.pop();
                    self.path.pop();
                    if !ok {
                        return false;
                    }
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn spec(max_hops: usize) -> RelaySpec {
        RelaySpec { window: 30 * D, min_hops: 3, max_hops, max_hop_chance: 0.5, budget: u64::MAX }
    }

    fn found(g: &FlowGraph, start: u32, spec: RelaySpec) -> BTreeMap<Vec<u32>, f64> {
        let mut out = BTreeMap::new();
        let end = relay_cycles_from(
            g,
            &RelayOrigin::new(g.src[start as usize]),
            Hop::of(g, start),
            spec,
            |_| true,
            |p, c| {
                out.insert(p.to_vec(), c);
            },
        );
        assert_eq!(end, SearchEnd::Complete);
        out
    }

    /// Brute force: every edge sequence, scanning all edges at every step.
    fn brute(g: &FlowGraph, start: u32, spec: RelaySpec) -> BTreeMap<Vec<u32>, f64> {
        fn rec(
            g: &FlowGraph,
            spec: RelaySpec,
            path: &mut Vec<u32>,
            chance: f64,
            out: &mut BTreeMap<Vec<u32>, f64>,
        ) {
            let first = path[0] as usize;
            let last = *path.last().unwrap() as usize;
            let origin = g.src[first];
            if path.len() >= 2 && g.dst[last] == origin {
                if path.len() >= spec.min_hops {
                    out.insert(path.clone(), chance);
                }
                return;
            }
            if path.len() >= spec.max_hops {
                return;
            }
            for e in 0..g.edge_count() {
                let at = g.src[e];
                let sent = g.sent_over_dump(at);
                let hop = g.scale.chance_between(sent, g.time[last], g.time[e]);
                let revisits = g.dst[e] == at
                    || g.dst[e] != origin && path.iter().any(|&p| g.dst[p as usize] == g.dst[e]);
                // A relay within the hop chance; the hop that closes the cycle at any
                // time in the window, from an account not busy at every tick.
                let closes = g.dst[e] == origin && g.scale.chance_within(sent, 0) <= spec.max_hop_chance;
                let ok = at == g.dst[last]
                    && g.time[e] >= g.time[last]
                    && g.time[e] <= g.time[first] + spec.window
                    && (hop <= spec.max_hop_chance || closes)
                    && !revisits;
                if ok {
                    path.push(e as u32);
                    rec(g, spec, path, chance * hop, out);
                    path.pop();
                }
            }
        }
        let mut out = BTreeMap::new();
        let s = start as usize;
        if g.src[s] != g.dst[s] {
            rec(g, spec, &mut vec![start], 1.0, &mut out);
        }
        out
    }

    /// Accounts that each send once a month for a year, plus a ring through them.
    fn quiet_ring(t: &mut Tiny, n: usize, gap: i64) {
        quiet_ring_closing(t, n, gap, gap);
    }

    /// When the ring's first transfer is made: on day 100, in the morning (the shop is
    /// paid on dates, so a transfer at midnight would be read as dated, any time that day).
    const RING_START: i64 = 100 * D + 8 * H;

    /// `n` accounts that each pay their shop monthly, relaying round a ring `gap` apart
    /// from [`RING_START`]; the last one pays the first back `close` after it received.
    fn quiet_ring_closing(t: &mut Tiny, n: usize, gap: i64, close: i64) {
        quiet_ring_from(t, n, RING_START, gap, close);
    }

    /// [`quiet_ring_closing`] from `start`.
    fn quiet_ring_from(t: &mut Tiny, n: usize, start: i64, gap: i64, close: i64) {
        for k in 0..n {
            for m in 0..12 {
                t.wire(&format!("M{k}"), &format!("shop{k}"), m * 30 * D + 7 * D, 40.0);
            }
        }
        for k in 0..n {
            let at = if k + 1 < n { start + k as i64 * gap } else { start + (k as i64 - 1) * gap + close };
            t.wire(&format!("M{k}"), &format!("M{}", (k + 1) % n), at, 100.0 + 37.0 * k as f64);
        }
    }

    /// The ring's first transfer, out of M0 at [`RING_START`].
    fn ring_start(t: &Tiny, g: &FlowGraph) -> u32 {
        let m0 = t.dump.accounts.index["M0"];
        *g.out_edges(m0).iter().find(|&&e| g.time[e as usize] == RING_START).unwrap()
    }

    #[test]
    fn the_hop_that_closes_a_ring_may_come_late_and_its_chance_counts() {
        // Four prompt relays round a ring of quiet accounts, then the last account pays
        // the first back 20 days later: slower than a prompt relay (each sends monthly),
        // but it closes the ring, and a 20-day wait is counted at its own chance.
        let mut t = Tiny::new();
        quiet_ring(&mut t, 5, 6 * H);
        let g = t.graph();
        let prompt = found(&g, ring_start(&t, &g), spec(10));
        let mut late = Tiny::new();
        quiet_ring_closing(&mut late, 5, 6 * H, 20 * D);
        let g2 = late.graph();
        let slow = found(&g2, ring_start(&late, &g2), spec(10));
        assert_eq!(slow.len(), 1, "the late closing hop is taken");
        let (p, s) = (prompt.values().next().unwrap(), slow.values().next().unwrap());
        assert!(s > p, "a late close is more likely by chance: {s} against {p}");
        // Without the close the open path is no cycle.
        let mut open = Tiny::new();
        for k in 0..4 {
            open.wire(&format!("M{k}"), &format!("M{}", k + 1), 100 * D + k as i64 * 6 * H, 100.0);
        }
        let g3 = open.graph();
        let start = g3.out_edges(open.dump.accounts.index["M0"])[0];
        assert!(found(&g3, start, spec(10)).is_empty());
    }

    #[test]
    fn a_ring_of_quiet_accounts_relaying_within_hours_is_unlikely() {
        let mut t = Tiny::new();
        quiet_ring(&mut t, 5, 6 * H);
        let g = t.graph();
        let cycles = found(&g, ring_start(&t, &g), spec(10));
        assert_eq!(cycles.len(), 1);
        let (cycle, chance) = cycles.into_iter().next().unwrap();
        assert_eq!(cycle.len(), 5);
        // Each relaying account sends 13 times in the dump's 330 days: 6 hours is a chance
        // of about 13 / 337 / 4 each, and there are four relays.
        let each: f64 = 13.0 / 330.0 / 4.0;
        assert!((chance / each.powi(4) - 1.0).abs() < 0.05, "{chance}");
    }

    #[test]
    fn busy_accounts_and_slow_relays_are_not_prompt() {
        let mut t = Tiny::new();
        quiet_ring(&mut t, 4, 20 * D);
        let g = t.graph();
        let none = (0..g.edge_count() as u32).all(|e| found(&g, e, spec(10)).is_empty());
        assert!(none, "20 days between hops is within the accounts' monthly habit");
        let ring_chance = |busy: bool| {
            let mut t = Tiny::new();
            quiet_ring(&mut t, 4, 6 * H);
            for d in 0..337 {
                if busy {
                    t.wire("M2", "grocer", d * D + 7 * D + H, 10.0);
                }
            }
            let g = t.graph();
            let chances: Vec<f64> =
                (0..g.edge_count() as u32).flat_map(|e| found(&g, e, spec(10)).into_values()).collect();
            assert_eq!(chances.len(), 1);
            chances[0]
        };
        let (quiet, busy) = (ring_chance(false), ring_chance(true));
        // M2 sends every day: a relay within six hours is a quarter of its days.
        assert!(busy / quiet > 20.0, "{quiet} {busy}");
    }

    #[test]
    fn same_day_transfers_may_relay_in_a_dump_of_dates() {
        let mut t = Tiny::new();
        quiet_ring_from(&mut t, 4, 100 * D, 0, 0);
        let g = t.graph();
        assert_eq!(g.scale.time_tick_seconds, D);
        let rings: usize = (0..g.edge_count() as u32).map(|e| found(&g, e, spec(10)).len()).sum();
        assert_eq!(rings, 4, "one day, four transfers: found from each, the order unknown");
    }

    /// Transfers of 10 between `n0`..`n5`, `(payer, payee, half-days from the start)`:
    /// over a month, most relays are slower than a sixth of an account's usual gap.
    fn half_days_of(edges: &[(u8, u8, i64)]) -> Tiny {
        let mut t = Tiny::new();
        for (s, d, halves) in edges {
            t.wire(&format!("n{s}"), &format!("n{d}"), *halves * 12 * H, 10.0);
        }
        t
    }

    /// The search as it was before it found a hop's steps ahead of taking them: each
    /// transfer read is counted against the budget and, when it passes, taken at once.
    /// The cycles with their chances in the order visited, and whether the budget ran out.
    fn in_turn(g: &FlowGraph, start: u32, spec: RelaySpec) -> (Vec<(Vec<u32>, f64)>, SearchEnd) {
        struct Walk<'a> {
            g: &'a FlowGraph,
            spec: RelaySpec,
            origin: u32,
            deadline: i64,
            path: Vec<u32>,
            spent: u64,
            out: Vec<(Vec<u32>, f64)>,
        }
        impl Walk<'_> {
            fn extend(&mut self, chance: f64) -> bool {
                let g = self.g;
                let last = *self.path.last().unwrap() as usize;
                let (at, received) = (g.dst[last], g.time[last]);
                let sent = g.sent_over_dump(at);
                if sent == 0 || g.scale.chance_within(sent, 0) > self.spec.max_hop_chance {
                    return true;
                }
                let slowest = g.scale.longest_within(sent, self.spec.max_hop_chance);
                let until = self.deadline.min(received.saturating_add(slowest).saturating_add(1));
                let next = g.out_list(at);
                let mut k = next.time.partition_point(|&t| t < received);
                while k < next.len() && next.time[k] <= until {
                    let (e, to) = (next.edges[k], next.other[k]);
                    let hop = g.scale.chance_between(sent, received, next.time[k]);
                    k += 1;
                    self.spent += 1;
                    if self.spent > self.spec.budget {
                        return false;
                    }
                    let hops = self.path.len() + 1;
                    if to == self.origin {
                        if hops >= self.spec.min_hops {
                            self.out.push(([self.path.as_slice(), &[e]].concat(), chance * hop));
                        }
                        continue;
                    }
                    if hop > self.spec.max_hop_chance
                        || hops >= self.spec.max_hops
                        || to == at
                        || self.path.iter().any(|&p| g.dst[p as usize] == to)
                    {
                        continue;
                    }
                    self.path.push(e);
                    let ok = self.extend(chance * hop);
                    self.path.pop();
                    if !ok {
                        return false;
                    }
                }
                // The closing hop may come later, from an account that ever paid the
                // origin; every later payment up to the deadline is counted.
                if self.path.len() + 1 >= self.spec.min_hops && until < self.deadline {
                    while k < next.len() && next.time[k] <= self.deadline {
                        self.spent += 1;
                        if self.spent > self.spec.budget {
                            return false;
                        }
                        if next.other[k] == self.origin {
                            let hop = g.scale.chance_between(sent, received, next.time[k]);
                            self.out.push(([self.path.as_slice(), &[next.edges[k]]].concat(), chance * hop));
                        }
                        k += 1;
                    }
                }
                true
            }
        }
        let origin = g.src[start as usize];
        if origin == g.dst[start as usize] || spec.max_hops < 2 {
            return (Vec::new(), SearchEnd::Complete);
        }
        let deadline = g.time[start as usize].saturating_add(spec.window);
        let mut walk = Walk { g, spec, origin, deadline, path: vec![start], spent: 0, out: Vec::new() };
        let end = if walk.extend(1.0) { SearchEnd::Complete } else { SearchEnd::BudgetHit };
        (walk.out, end)
    }

    proptest! {
        /// Finding a hop's steps before taking any visits the same cycles with the same
        /// chances in the same order, and stops at the same place when the budget runs
        /// out, as reading and taking each transfer in turn.
        #[test]
        fn steps_found_ahead_are_taken_as_in_turn(
            edges in prop::collection::vec((0u8..6, 0u8..6, 0i64..60), 1..50),
            budget in 1u64..40,
        ) {
            let g = half_days_of(&edges).graph();
            let loose = RelaySpec { window: 10 * D, min_hops: 2, max_hops: 5, max_hop_chance: 0.3, budget: u64::MAX };
            for spec in [loose, RelaySpec { budget, ..loose }] {
                for start in 0..g.edge_count() as u32 {
                    let mut ahead = Vec::new();
                    let from = RelayOrigin::new(g.src[start as usize]);
                    let end = relay_cycles_from(&g, &from, Hop::of(&g, start), spec, |_| true, |p, c| ahead.push((p.to_vec(), c)));
                    prop_assert_eq!((ahead, end), in_turn(&g, start, spec));
                }
            }
        }
    }

    proptest! {
        /// Looking for the closing hop only among the payments of accounts that ever
        /// paid the origin, one origin's payers shared by all its searches, finds the
        /// cycles that reading every account's payments finds, in the same order, and
        /// runs out of budget on the same searches.
        #[test]
        fn the_closing_hop_is_read_only_from_the_origins_payers(
            edges in prop::collection::vec((0u8..6, 0u8..6, 0i64..60), 1..50),
            budget in 1u64..40,
        ) {
            // A ten-day window: most relays are slower than a sixth of an account's
            // usual gap, so many cycles close late.
            let g = half_days_of(&edges).graph();
            let spec = RelaySpec { window: 10 * D, min_hops: 2, max_hops: 5, max_hop_chance: 0.3, budget };
            let run = |from: &RelayOrigin, start: u32| {
                let mut cycles = Vec::new();
                let end = relay_cycles_from(&g, from, Hop::of(&g, start), spec, |_| true, |p, c| cycles.push((p.to_vec(), c)));
                (cycles, end)
            };
            for origin in 0..g.node_count() as u32 {
                let shared = RelayOrigin::new(origin);
                // Every account counted as a payer: every account's payments are read.
                let every = RelayOrigin { origin, payers: (0..g.node_count() as u32).collect::<Vec<_>>().into() };
                for start in (0..g.edge_count() as u32).filter(|&e| g.src[e as usize] == origin) {
                    prop_assert_eq!(run(&shared, start), run(&every, start));
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn search_equals_brute_force_on_random_graphs(
            edges in prop::collection::vec((0u8..6, 0u8..6, 0i64..60), 1..40),
            max_hops in 2usize..6,
            hop_chance in 0.05f64..1.0,
        ) {
            let mut t = Tiny::new();
            for (s, d, hours) in &edges {
                t.wire(&format!("n{s}"), &format!("n{d}"), *hours * H, 10.0);
            }
            let g = t.graph();
            let spec = RelaySpec { window: 40 * H, min_hops: 2, max_hops, max_hop_chance: hop_chance, budget: u64::MAX };
            for start in 0..g.edge_count() as u32 {
                let (a, b) = (found(&g, start, spec), brute(&g, start, spec));
                prop_assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
                for (k, c) in &a {
                    prop_assert!((c - b[k]).abs() < 1e-12);
                }
            }
        }
    }
}
