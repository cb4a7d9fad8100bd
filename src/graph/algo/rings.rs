//! Rings: closed loops of accounts in which, within a short span, each account after the
//! first made one payment to someone it never paid otherwise, and it went to the next,
//! in whatever order the payments came.
//!
//! A temporal cycle follows the same money round, hop after hop. A ring need not: when
//! the members of a pre-arranged loop each pay the next from their own funds at about the
//! same time (circular trading, turnover inflated to look like business, or a simulator
//! that fires a cycle's transfers in any order), the order of the hops says nothing and
//! the loop itself is the evidence. Each member after the first is given the chance
//! that, sending at its own average rate over the dump, it would send anything within
//! the ring's span ([`Scale::chance_within`]); the payments lead wherever they lead, and
//! the last one closing the loop has the chance that a payment goes to the origin, the
//! share of the dump's accounts (the ring's own aside) that pay it at all, or of the
//! closing member's peers when more ([`popularity_among_peers`]: traders pay the same
//! suppliers and each other). The ring's chance
//! is the product. Quiet accounts that each pay a stranger once, within days, closing a
//! loop, are not a coincidence. Friends or relatives who pay each other
//! round every month do so in step, which the product of independent chances would
//! call unlikely; but they pay the same member again and again, and a ring is made of
//! payments to members paid once only. A ring through an account that paid several
//! strangers in the span is not followed at all: it could lead anywhere.
//!
//! [`Scale::chance_within`]: crate::graph::scale::Scale::chance_within
//! [`popularity_among_peers`]: crate::graph::algo::chance::popularity_among_peers

use crate::graph::algo::chance::popularity_among_peers;
use crate::graph::algo::path_memory::PathMemory;
use crate::graph::algo::stranger_loops::StrangerPayments;
use crate::graph::FlowGraph;

/// Constraints of a ring.
#[derive(Debug, Clone, Copy)]
pub struct RingSpec {
    /// Seconds after the ring's earliest payment within which every other must come.
    pub span: i64,
    /// Fewest hops.
    pub min_hops: usize,
    /// Most hops.
    pub max_hops: usize,
}

/// The ring whose earliest payment (by time, then edge id) is the payment at `position`
/// of `index` (the one-off payments that count), if there is one: from its payee on,
/// every account made exactly one payment in `index` within the span to an account it
/// paid that once only (whatever it paid its regulars), and following those payments
/// leads back to the first payment's sender. Each ring is found from one payment only,
/// so callers need not deduplicate.
pub fn ring_from(
    g: &FlowGraph,
    origin: u32,
    position: usize,
    spec: RingSpec,
    index: &StrangerPayments,
) -> Option<Vec<u32>> {
    // Read from the index, beside the payer's other payments, not from the graph's
    // columns by transfer id.
    let (start, _, _) = index.payment_at(position);
    debug_assert_eq!(g.src[start as usize], origin, "the payment is not the origin's");
    // Most payments lead to no ring: the ring and its members are built in memory kept
    // for the thread's next payment, and copied out only when they close.
    let mut memory = PathMemory::starting(&KEPT, start, origin);
    let found = ring_into(origin, position, spec, index, &mut memory.path, &mut memory.nodes)
        .then(|| memory.path.clone());
    memory.keep(&KEPT);
    found
}

thread_local! {
    /// Each thread's memory for its next payment's ring.
    static KEPT: std::cell::RefCell<PathMemory<()>> = std::cell::RefCell::default();
}

/// Whether the payment at `position` starts a ring (see [`ring_from`]), built in `ring`
/// (which holds the payment) with its `members` (which hold the origin).
fn ring_into(
    origin: u32,
    position: usize,
    spec: RingSpec,
    index: &StrangerPayments,
    ring: &mut Vec<u32>,
    members: &mut Vec<u32>,
) -> bool {
    let (start, t0, mut at) = index.payment_at(position);
    let mut last = position;
    while at != origin {
        if ring.len() >= spec.max_hops || members.contains(&at) {
            return false;
        }
        members.push(at);
        // Read from the index, which holds each account's one-off payments that count,
        // with their payees and times, side by side: payments to the account's regulars
        // (rent, bills, family) are its habit and are not there; one payment to a
        // one-off payee must be. Every payment so far came at `t0` or later, so the
        // last one's payee's payments from `t0` on are found from where it goes on.
        let mut paid = index.onward_between(last, t0, t0 + spec.span).filter(|&(_, _, _, to)| to != at);
        let (Some((at_position, next, time, to)), None) = (paid.next(), paid.next()) else { return false };
        // Earlier than the start (a same-time payment with a smaller id): the ring is
        // found from that one instead.
        if (time, next) < (t0, start) {
            return false;
        }
        ring.push(next);
        (at, last) = (to, at_position);
    }
    ring.len() >= spec.min_hops
}

/// Seconds from the earliest to the latest payment of `ring`.
pub fn ring_span(g: &FlowGraph, ring: &[u32]) -> i64 {
    let times = ring.iter().map(|&e| g.time[e as usize]);
    times.clone().max().unwrap_or(0) - times.min().unwrap_or(0)
}

/// The chance of `ring` by habit: that every member after the first, sending at its own
/// rate, would send anything within the ring's span, times the chance that the last
/// payment, wherever the others led, closes the loop: that its payee is the origin, read
/// as the share of the dump's accounts, or of the closing member's peers, that pay the
/// origin at all ([`popularity_among_peers`]). The payees along the
/// way are not chances: the ring follows whoever was paid.
pub fn ring_chance(g: &FlowGraph, ring: &[u32]) -> f64 {
    let span = ring_span(g, ring);
    let timing: f64 =
        ring[1..].iter().map(|&e| g.scale.chance_within(g.sent_over_dump(g.src[e as usize]), span)).product();
    let origin = g.src[ring[0] as usize];
    let members: Vec<u32> = ring.iter().map(|&e| g.src[e as usize]).collect();
    let closer = members[members.len() - 1];
    timing * popularity_among_peers(g, closer, origin, &members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};
    use crate::graph::algo::one_off::OneOffPayments;

    const SPEC: RingSpec = RingSpec { span: 30 * D, min_hops: 3, max_hops: 10 };

    /// Who made the payment at `position` of `index`.
    fn payer(g: &FlowGraph, index: &StrangerPayments, position: usize) -> u32 {
        g.src[index.payment_at(position).0 as usize]
    }

    /// Every ring of `t`'s dump under `SPEC`.
    fn rings(t: &Tiny) -> Vec<Vec<u32>> {
        let g = t.graph();
        let index = StrangerPayments::index(&g, &OneOffPayments::of(&g), |_| true);
        (0..index.payments()).filter_map(|k| ring_from(&g, payer(&g, &index, k), k, SPEC, &index)).collect()
    }

    /// M0 -> M1 on day 10, M1 -> M2 on day 11, M2 -> M0 at `closing`, and `extra`
    /// payments of M1 `(payee, day)`.
    fn three(closing: i64, extra: &[(&str, i64)]) -> Tiny {
        let mut t = Tiny::new();
        t.wire("M0", "M1", 10 * D, 500.0);
        t.wire("M1", "M2", 11 * D, 300.0);
        t.wire("M2", "M0", closing, 700.0);
        for &(payee, day) in extra {
            t.wire("M1", payee, day * D, 30.0);
        }
        t
    }

    #[test]
    fn one_off_payments_are_those_to_a_payee_paid_once() {
        let t = three(13 * D, &[("LANDLORD", 12), ("LANDLORD", 42), ("SHOP", 50)]);
        let g = t.graph();
        let one_off = OneOffPayments::of(&g);
        let flagged: Vec<&str> = (0..g.edge_count() as u32)
            .filter(|&e| one_off.contains(e))
            .map(|e| t.dump.accounts.ids[g.dst[e as usize] as usize].as_str())
            .collect();
        assert_eq!(flagged.len(), 4, "{flagged:?}");
        assert!(!flagged.contains(&"LANDLORD") && flagged.contains(&"SHOP"));
    }

    #[test]
    fn a_ring_in_any_order_is_found_from_its_earliest_payment_only() {
        // The closing payment comes before M1 -> M2: not a temporal cycle.
        let t = three(10 * D + H, &[]);
        let found = rings(&t);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].len(), 3);
        assert_eq!(t.graph().time[found[0][0] as usize], 10 * D);
    }

    #[test]
    fn a_member_that_paid_a_second_stranger_in_the_span_breaks_the_ring() {
        assert!(rings(&three(13 * D, &[("SHOP", 12)])).is_empty());
        // Outside the span the shop payment does not count.
        assert_eq!(rings(&three(13 * D, &[("SHOP", 50)])).len(), 1);
        // Nor does its rent, paid to the same landlord every month.
        assert_eq!(rings(&three(13 * D, &[("LANDLORD", 12), ("LANDLORD", 42)])).len(), 1);
    }

    #[test]
    fn quiet_members_make_an_unlikely_ring_and_a_monthly_habit_none() {
        let mut t = Tiny::new();
        t.noise(5, 100, 2_000, 365);
        for k in 0..4 {
            t.wire(&format!("M{k}"), &format!("M{}", (k + 1) % 4), 100 * D + (3 - k as i64) * D, 400.0);
        }
        // The same four, a year of paying each other round every month.
        for k in 0..4 {
            for m in 0..12 {
                t.wire(&format!("H{k}"), &format!("H{}", (k + 1) % 4), m * 30 * D + k as i64 * H, 50.0);
            }
        }
        let g = t.graph();
        let index = StrangerPayments::index(&g, &OneOffPayments::of(&g), |_| true);
        let rings = |prefix: &str| -> Vec<Vec<u32>> {
            (0..index.payments())
                .filter(|&k| {
                    t.dump.accounts.ids[g.src[index.payment_at(k).0 as usize] as usize].starts_with(prefix)
                })
                .filter_map(|k| {
                    ring_from(&g, payer(&g, &index, k), k, RingSpec { span: 5 * D, ..SPEC }, &index)
                })
                .collect()
        };
        let quiet = rings("M");
        assert_eq!(quiet.len(), 1);
        assert!(ring_chance(&g, &quiet[0]) < 1e-6, "{}", ring_chance(&g, &quiet[0]));
        assert!(rings("H").is_empty(), "the same member paid every month is no ring");
    }
}
