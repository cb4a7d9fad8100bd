//! First-in first-out dwell: how long each inflow of an account stayed before it left.
//! Read by the collector (UB1) and rapid in-out (UB4) detectors and by shell profiles.

use crate::graph::FlowGraph;

/// Dwell of each inflow in `ins` (all of an account's inflows, time-sorted): the time
/// until `share` of it had left, matching outflows to inflows first-in first-out over the
/// account's whole history, so an old balance delays newer money. Once an inflow's share
/// has left, the rest of that same outflow tops up the inflow's remainder (it is the same
/// batch of money) and then moves on; the next outflow starts on the next inflow, so a
/// commission the account keeps never blocks the queue. Never covered: infinity.
pub fn fifo_dwell(g: &FlowGraph, ins: &[u32], outs: &[u32], share: f64) -> Vec<f64> {
    let at = |e: u32| (g.time[e as usize], g.amount[e as usize]);
    fifo_dwell_by(ins.len(), |i| at(ins[i]), outs.len(), |o| at(outs[o]), share)
}

/// The smallest opening balance an account must have held for its flows never to take
/// it below zero: its largest running shortfall of outflows over inflows (`ins` and
/// `outs` time-sorted; money arriving in the same second counts first). A dump shows
/// part of an account's life: one that pays out more than it receives spends savings
/// the dump does not show.
pub fn implied_opening_balance(g: &FlowGraph, ins: &[u32], outs: &[u32]) -> f64 {
    let at = |e: u32| (g.time[e as usize], g.amount[e as usize]);
    implied_opening_balance_by(ins.len(), |i| at(ins[i]), outs.len(), |o| at(outs[o]))
}

/// [`implied_opening_balance`] of `ins` inflows and `outs` outflows (each time-sorted),
/// read by position as (time, amount), as [`fifo_dwell_by`] reads them.
pub fn implied_opening_balance_by(
    ins: usize,
    inflow: impl Fn(usize) -> (i64, f64),
    outs: usize,
    outflow: impl Fn(usize) -> (i64, f64),
) -> f64 {
    let (mut i, mut balance, mut lowest) = (0usize, 0.0f64, 0.0f64);
    for o in 0..outs {
        let (t_out, amount) = outflow(o);
        while i < ins && inflow(i).0 <= t_out {
            balance += inflow(i).1;
            i += 1;
        }
        balance -= amount;
        lowest = lowest.min(balance);
    }
    -lowest
}

/// [`fifo_dwell`], calling `carried(inflow, outflow, part)` (positions in `ins` and
/// `outs`) as [`fifo_dwell_carried_by`] does.
pub fn fifo_dwell_carried(
    g: &FlowGraph,
    ins: &[u32],
    outs: &[u32],
    share: f64,
    carried: impl FnMut(usize, usize, f64),
) -> Vec<f64> {
    let at = |e: u32| (g.time[e as usize], g.amount[e as usize]);
    fifo_dwell_carried_by(ins.len(), |i| at(ins[i]), outs.len(), |o| at(outs[o]), share, carried)
}

/// The share of each inflow that an account which keeps a cut of everything it passes
/// on is taken to carry on: what it paid out over what it took in, `paid / taken`, when
/// that is at least `share` (it passes on most of what it gets) and below one; else one.
///
/// First in, first out, a cut kept from every inflow stays at the head of the queue: a
/// collector that keeps 5% of a hundred receipts holds five receipts' worth ahead of the
/// next one, and the dwell it is read with grows by hours with every week it works,
/// though it forwards each receipt within hours. Scaling its inflows by the share it
/// passes on leaves its cut out of the queue. An account that keeps more than `1 -
/// share` of what it takes (a household, a business) is read unscaled.
pub fn carried_share(taken: f64, paid: f64, share: f64) -> f64 {
    if taken <= 0.0 {
        return 1.0;
    }
    let carried = paid / taken;
    if carried >= share && carried < 1.0 {
        carried
    } else {
        1.0
    }
}

/// [`fifo_dwell`] of `ins` inflows and `outs` outflows (each time-sorted), read by
/// position as (time, amount): for a caller that holds an account's flows side by side
/// rather than as transfer ids.
pub fn fifo_dwell_by(
    ins: usize,
    inflow: impl Fn(usize) -> (i64, f64),
    outs: usize,
    outflow: impl Fn(usize) -> (i64, f64),
    share: f64,
) -> Vec<f64> {
    fifo_dwell_carried_by(ins, inflow, outs, outflow, share, |_, _, _| {})
}

/// [`fifo_dwell_by`], calling `carried(inflow, outflow, part)` for each outflow that pays
/// `part` of an inflow (by position), in order: which payments carried the money on.
pub fn fifo_dwell_carried_by(
    ins: usize,
    inflow: impl Fn(usize) -> (i64, f64),
    outs: usize,
    outflow: impl Fn(usize) -> (i64, f64),
    share: f64,
    mut carried: impl FnMut(usize, usize, f64),
) -> Vec<f64> {
    const EPS: f64 = 1e-9;
    let mut dwell = vec![f64::INFINITY; ins];
    let (mut i, mut paid, mut done) = (0usize, 0.0f64, false);
    for o in 0..outs {
        if done {
            (i, paid, done) = (i + 1, 0.0, false);
        }
        let (t_out, mut left) = outflow(o);
        while left > EPS && i < ins && inflow(i).0 <= t_out {
            let (t_in, amount) = inflow(i);
            let had = left;
            if !done {
                let take = left.min(share * amount - paid);
                paid += take;
                left -= take;
                if paid < share * amount - EPS {
                    carried(i, o, had - left);
                    break;
                }
                done = true;
                dwell[i] = (t_out - t_in) as f64;
            }
            let top_up = left.min(amount - paid).max(0.0);
            paid += top_up;
            left -= top_up;
            if had - left > EPS {
                carried(i, o, had - left);
            }
            if left > EPS {
                (i, paid, done) = (i + 1, 0.0, false);
            }
        }
    }
    dwell
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;

    #[test]
    fn a_cut_kept_from_every_receipt_does_not_slow_the_queue() {
        // A collector forwards 90 to 100% (95% in all) of each of 240 receipts, eight
        // hours apart, within 2¼ to 13½ hours, some before one paid in ahead of them.
        const H: i64 = 3_600;
        let ins: Vec<(i64, f64)> = (0..240).map(|i| (i * 8 * H, 3_000.0 + 700.0 * (i % 9) as f64)).collect();
        let mut outs: Vec<(i64, f64)> = ins
            .iter()
            .enumerate()
            .map(|(i, &(t, a))| {
                (t + [8_100, 48_600, 24_300, 37_800][i % 4], (0.9 + 0.01 * ((i * 7) % 11) as f64) * a)
            })
            .collect();
        outs.sort_by_key(|a| a.0);
        let taken: f64 = ins.iter().map(|x| x.1).sum();
        let paid: f64 = outs.iter().map(|x| x.1).sum();
        let carried = carried_share(taken, paid, 0.8);
        assert!((carried - 0.95).abs() < 0.001, "{carried}");
        let last_month = |dwell: Vec<f64>| {
            let mut month = dwell[150..237].to_vec();
            month.sort_by(f64::total_cmp);
            month[month.len() / 2]
        };
        let scaled =
            fifo_dwell_by(ins.len(), |i| (ins[i].0, ins[i].1 * carried), outs.len(), |o| outs[o], 0.8);
        assert!(last_month(scaled) <= 12.0 * H as f64);
        // Not vacuous: unscaled, the last month's receipts rest more than a day.
        let unscaled = fifo_dwell_by(ins.len(), |i| ins[i], outs.len(), |o| outs[o], 0.8);
        let m = last_month(unscaled);
        assert!(m > 24.0 * H as f64, "{m}");
        // An account that keeps most of what it takes, or passes on all of it, is read
        // as it is.
        assert_eq!(carried_share(100.0, 30.0, 0.8), 1.0);
        assert_eq!(carried_share(100.0, 100.0, 0.8), 1.0);
        assert_eq!(carried_share(0.0, 10.0, 0.8), 1.0);
    }

    #[test]
    fn fifo_dwell_matches_hand_computation() {
        let mut t = Tiny::new();
        t.person("H", "CN");
        t.wire("A", "H", 0, 100.0);
        t.wire("B", "H", 10, 100.0);
        t.wire("H", "X", 20, 150.0);
        t.wire("H", "X", 50, 20.0);
        t.wire("C", "H", 60, 100.0);
        t.wire("H", "X", 55, 500.0); // before C arrived: cannot carry C's money
        let g = t.graph();
        let h = t.dump.accounts.index["H"];
        let d = fifo_dwell(&g, g.in_edges(h), g.out_edges(h), 0.8);
        // A: 80 owed, paid at 20 (+20 top-up); B: 50 at 20, 20 at 50, the last 10 at 55.
        assert_eq!(d, vec![20.0, 45.0, f64::INFINITY]);
    }

    #[test]
    fn the_opening_balance_is_the_largest_running_shortfall() {
        let mut t = Tiny::new();
        t.person("H", "CN");
        t.wire("A", "H", 0, 100.0);
        t.wire("H", "X", 10, 300.0);
        t.wire("B", "H", 20, 100.0);
        t.wire("H", "X", 30, 50.0);
        t.wire("H", "X", 40, 100.0);
        let g = t.graph();
        let h = t.dump.accounts.index["H"];
        // Running balance 100, -200, -100, -150, -250: 250 must have been there before.
        assert_eq!(implied_opening_balance(&g, g.in_edges(h), g.out_edges(h)), 250.0);
        // Money that arrives in the same second as it leaves was there first.
        let mut t = Tiny::new();
        t.wire("A", "H", 5, 100.0);
        t.wire("H", "X", 5, 100.0);
        let g = t.graph();
        let h = t.dump.accounts.index["H"];
        assert_eq!(implied_opening_balance(&g, g.in_edges(h), g.out_edges(h)), 0.0);
    }

    #[test]
    fn carried_parts_add_up_to_what_each_payment_drew() {
        let mut t = Tiny::new();
        t.person("H", "CN");
        t.wire("A", "H", 0, 100.0);
        t.wire("B", "H", 10, 100.0);
        t.wire("H", "X", 20, 150.0);
        t.wire("H", "X", 50, 20.0);
        let g = t.graph();
        let h = t.dump.accounts.index["H"];
        let mut parts = Vec::new();
        fifo_dwell_carried(&g, g.in_edges(h), g.out_edges(h), 0.8, |i, o, part| parts.push((i, o, part)));
        // The 150 takes A's 80 and its 20 top-up, then 50 of B; the 20 goes on B.
        assert_eq!(parts, vec![(0, 0, 100.0), (1, 0, 50.0), (1, 1, 20.0)]);
    }
}
