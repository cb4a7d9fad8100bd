//! UB4 — rapid in-out (快进快出).
//!
//! ## What it finds
//! An account through which money only passes: most of what comes in has left again
//! within hours (FIFO dwell), the end-of-day balance stays small next to the turnover,
//! and it
//! deals with many counterparties.
//!
//! ## Why it matters
//! Accounts rented or opened in others' names ("mules", 跑分 accounts) let underground
//! banks and fraud rings move money without it resting anywhere; regulators list "funds
//! in and out quickly, balance near zero" as a core suspicious-transaction indicator
//! (PBoC, *Administrative Measures for Large-Value and Suspicious Transaction Reports*,
//! 2016; FATF, *Money Laundering Using New Payment Methods*, 2010; typologies.md UB4).
//!
//! ## Example
//! ```text
//! S1 ─20k─┐            ┌─19.8k─> D1   (within 3 h)
//! S2 ─35k─┼─> M ───────┼─34.9k─> D2   (within 1 h)
//! S3 ─50k─┘  (peak     └─49.7k─> D3   (within 6 h)
//!             balance 50k, turnover 105k ... over weeks: 5x and more)
//! ```
//!
//! ## Parameters
//! `[ub4]`: `min_share_out_fast` (0.9 of the inflow, by amount, leaves within),
//! `max_dwell_hours` (24), `min_turnover` (5 x the peak end-of-day balance: balances
//! are monitored at close of business; typologies.md's 10x asks for twenty or thirty
//! batches from a mule that holds two or three overnight, and misses the mule rented
//! for a fortnight, while the dwell test already keeps out accounts that hold money),
//! `min_total_inflow`
//! (`5 x p50`: five median transfers of the dump), `min_counterparties` (5), `inflow_channels` (all but card).
//!
//! ## Look-alikes
//! Merchant acquirers pass card money through daily: card inflows do not count; where
//! no channel says card, a mule whose fast receipts are, in the median, in the smaller
//! half of their senders' own payments over the dump is a shop's till, not a mule
//! ([`crate::graph::algo::novelty::senders_paid_their_usual_or_more`]). Payroll
//! and treasury accounts hold their balances for days or weeks, so their dwell is long.
//! Ordinary current accounts move far less than five median transfers or keep a balance.
//! A household that spends its savings as well as what comes in (more goes out over
//! the dump than comes in) held that money before the dump began: the opening balance
//! the flows imply, its largest running shortfall, counts in its balance, so a pension
//! spent on everyday bills the day it arrives turns over no faster than savings allow.
//! (The dwell is read without it: a mule that also spends savings still relays within
//! hours.) A mule's hit names the receipts that left within the limit and the payments
//! that carried them on, not the shops it pays days later from what it holds. An
//! household that clears its pay on payday (the mortgage, savings, the card statement
//! and the bills the same afternoon) pays those payees on a calendar of their own, month
//! after month: payments to such standing payees are its budget, not money passed on
//! ([`crate::graph::algo::standing`]). An
//! underground-bank collector (UB1) is also rapid in-out: it is reported as UB1, the more
//! specific pattern, and not again as UB4.

use std::collections::BTreeSet;

use crate::balanced::flat_map_balanced;
use crate::config::params::{Channels, Count, Hours, Multiple, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::{Context, Detector, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::fifo_dwell::{fifo_dwell_carried_by, implied_opening_balance_by};
use crate::graph::algo::novelty::senders_paid_their_usual_or_more;
use crate::graph::algo::standing::standing_payees;
use crate::graph::FlowGraph;
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::{fmt_amount, hours_to_seconds, DAY};
use serde::{Deserialize, Serialize};

/// Parameters of UB4 (rapid in-out).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub4Config {
    /// Share of inflow out within the dwell limit.
    pub min_share_out_fast: Share,
    /// Dwell limit, hours.
    pub max_dwell_hours: Hours,
    /// Total inflow / peak balance.
    pub min_turnover: Multiple,
    /// Smallest total inflow, against the dump's amount distribution.
    pub min_total_inflow: AmountFloor,
    /// Distinct senders and payees together.
    pub min_counterparties: Count<1>,
    /// Inflow channels that count.
    pub inflow_channels: Channels,
}

/// UB4 detector.
pub struct RapidInOut;

impl Detector for RapidInOut {
    fn lookback(&self, _: &Config) -> Lookback {
        Lookback::unbounded(
            "turnover and dwell are read over the account's whole life",
            &[Reads::AmountQuantiles, Reads::AccountHistory, Reads::Reference],
        )
    }

    fn part_rule(&self, _config: &Config) -> Option<PartRule> {
        // Turnover and dwell are read over the account's own transfers, both ways.
        Some(PartRule::Account { anchor: Some(Role::Mule) })
    }

    fn pattern(&self) -> Pattern {
        Pattern::Ub4
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let cfg = &ctx.config.ub4;
        let channels = cfg.inflow_channels.as_slice().to_vec();
        let g = ctx.graph;
        // Runs of accounts of about equal business: a block of busy accounts read in one
        // run of a few hundred held one thread alone at the end.
        let hits = flat_map_balanced(
            g.node_count(),
            |v| g.transfers_of(v as u32),
            |v| scan(ctx, cfg, &channels, v as u32).into_iter().collect(),
        );
        Outcome { hits, notes: Vec::new() }
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[Pattern::Ub1]
    }
}

fn scan(ctx: &Context<'_>, cfg: &Ub4Config, channels: &[Channel], v: u32) -> Option<Hit> {
    let g = ctx.graph;
    // Senders, payees, amounts and channels come from the account's own lists, side by
    // side: read from the graph-wide columns by transfer id, every account's scan waited
    // on memory for each of its transfers.
    let incoming = g.in_list(v);
    let from_others: Vec<usize> = (0..incoming.len()).filter(|&k| incoming.other[k] != v).collect();
    let any_in: Vec<u32> = from_others.iter().map(|&k| incoming.edges[k]).collect();
    let counted: Vec<usize> =
        (0..from_others.len()).filter(|&k| channels.contains(&incoming.channel[from_others[k]])).collect();
    let total_in: f64 = counted.iter().map(|&k| incoming.amount[from_others[k]]).sum();
    if counted.len() < 2 || total_in < g.scale.floor(cfg.min_total_inflow) {
        return None;
    }
    // Payments to payees it pays on a calendar of their own (the mortgage, savings, the
    // card statement) are its budget, not money passed on.
    let standing = standing_payees(g, v);
    let outgoing = g.out_list(v);
    let paying: Vec<usize> = (0..outgoing.len())
        .filter(|&k| outgoing.other[k] != v && standing.binary_search(&outgoing.other[k]).is_err())
        .collect();
    if paying.is_empty() {
        return None;
    }
    let outs: Vec<u32> = paying.iter().map(|&k| outgoing.edges[k]).collect();
    // Time and amount of each receipt and payment, from the account's own lists.
    let inflow = |i: usize| (incoming.time[from_others[i]], incoming.amount[from_others[i]]);
    let outflow = |o: usize| (outgoing.time[paying[o]], outgoing.amount[paying[o]]);
    // An account that pays out more than it receives spends savings the dump does not
    // show: they count in its balance.
    let opening = implied_opening_balance_by(any_in.len(), inflow, outs.len(), outflow);
    // Dwell: until most (the UB1 share, 0.8) of each inflow has left, FIFO over history;
    // and which payments carried how much of which receipt on.
    // Each match uses up a receipt or a payment: sized once, not grown match by match.
    let mut carried: Vec<(usize, usize, f64)> = Vec::with_capacity(any_in.len() + outs.len());
    let share = ctx.config.ub1.min_pass_through.get();
    let dwell = fifo_dwell_carried_by(any_in.len(), inflow, outs.len(), outflow, share, |i, o, part| {
        carried.push((i, o, part))
    });
    let limit = hours_to_seconds(cfg.max_dwell_hours.get());
    // The counted receipts that left within the limit.
    let passed: Vec<usize> = counted.iter().copied().filter(|&k| dwell[k] <= limit).collect();
    let fast: f64 = passed.iter().map(|&k| incoming.amount[from_others[k]]).sum();
    let share_fast = fast / total_in;
    if share_fast < cfg.min_share_out_fast.get() {
        return None;
    }
    // Peak end-of-day balance (UTC days), as a bank's balance monitoring sees it, from
    // the opening balance the flows imply.
    let (mut bal, mut peak) = (opening, opening);
    let (mut i, mut o) = (0, 0);
    // The flows in transfer order (time, then transfer id): a receipt when it comes
    // first. A flow on a later day than the one before closes that day, so the balance
    // before it is an end-of-day one; the last day closes after the last flow.
    let mut day = None;
    while i < any_in.len() || o < outs.len() {
        let receipt = o >= outs.len() || (i < any_in.len() && any_in[i] < outs[o]);
        let (time, amount) = if receipt { inflow(i) } else { outflow(o) };
        let today = time.div_euclid(DAY);
        if day.is_some_and(|d| d != today) {
            peak = peak.max(bal);
        }
        day = Some(today);
        if receipt {
            bal += amount;
            i += 1;
        } else {
            bal = (bal - amount).max(0.0);
            o += 1;
        }
    }
    peak = peak.max(bal);
    let turnover = total_in / peak.max(1.0);
    if turnover < cfg.min_turnover.get() {
        return None;
    }
    // A shop's till passes the day's card money on to its merchants every day, where
    // no channel says card: its shoppers pay it the least of what they pay.
    if !senders_paid_their_usual_or_more(g, passed.iter().map(|&k| any_in[k])) {
        return None;
    }
    let c = &g.accounts.controller;
    let senders: BTreeSet<u32> =
        counted.iter().map(|&k| c[incoming.other[from_others[k]] as usize]).collect();
    let payees: BTreeSet<u32> = paying.iter().map(|&k| c[outgoing.other[k] as usize]).collect();
    if senders.len() + payees.len() < cfg.min_counterparties.get() {
        return None;
    }
    // The proving transfers: the counted receipts that left within the limit, and the
    // payments within the limit that carried them on. A mule that also lives an everyday
    // life pays shops and bills later, from what it holds; those payees are no part of
    // the pass.
    let carriers = carriers(g, &any_in, &outs, &passed, &carried, limit);
    let mut b = HitBuilder::default();
    for &k in &passed {
        let e = any_in[k];
        let (s, a) = (g.src[e as usize], g.amount[e as usize]);
        b.account(s, Role::Source, 0.0, a);
        b.account(v, Role::Mule, a, 0.0);
        b.transfer(e);
    }
    let mut total_out = 0.0;
    for &o in &carriers {
        let e = outs[o];
        let (d, a) = (g.dst[e as usize], g.amount[e as usize]);
        total_out += a;
        b.account(d, Role::Destination, a, 0.0);
        b.account(v, Role::Mule, 0.0, a);
        b.transfer(e);
    }
    let passed_on_to: BTreeSet<u32> = carriers.iter().map(|&o| c[g.dst[outs[o] as usize] as usize]).collect();
    let strength = 0.5
        + 0.25
            * ((share_fast - cfg.min_share_out_fast.get()) / (1.0 - cfg.min_share_out_fast.get()).max(1e-9))
                .clamp(0.0, 1.0)
        + 0.25 * ((turnover / cfg.min_turnover.get()).log10()).clamp(0.0, 1.0);
    let reason = format!(
        "{} received {} in {} transfers from {} senders; {:.0}% of it left within {:.0} h to {} payees ({} out); turnover {:.1}x its peak end-of-day balance of {}",
        ctx.account(v),
        fmt_amount(total_in),
        counted.len(),
        senders.len(),
        share_fast * 100.0,
        cfg.max_dwell_hours.get(),
        passed_on_to.len(),
        fmt_amount(total_out),
        turnover,
        fmt_amount(peak)
    );
    // What entered the pattern is what passed through, not all the account received.
    Some(b.finish(g, Pattern::Ub4, fast, strength, reason))
}

/// The payments (positions in `outs`) that carried the `passed` receipts (positions in
/// `ins`) on within `limit` seconds, given FIFO's `carried` (receipt, payment, part).
fn carriers(
    g: &FlowGraph,
    ins: &[u32],
    outs: &[u32],
    passed: &[usize],
    carried: &[(usize, usize, f64)],
    limit: f64,
) -> Vec<usize> {
    let time = |e: u32| g.time[e as usize];
    let within = |i: usize, o: usize| ((time(outs[o]) - time(ins[i])) as f64) <= limit;
    let mut carriers: Vec<usize> = carried
        .iter()
        .filter(|&&(i, o, _)| passed.binary_search(&i).is_ok() && within(i, o))
        .map(|&(_, o, _)| o)
        .collect();
    // FIFO moves on once a receipt's share has left, so that what an account keeps
    // never holds up the queue; a payment it matched to no receipt, within the limit of
    // a passed receipt and no larger than what is left of it, carried that rest on (the
    // last part of a split).
    let mut rest: Vec<f64> = ins.iter().map(|&e| g.amount[e as usize]).collect();
    let mut matched = vec![false; outs.len()];
    for &(i, o, part) in carried {
        rest[i] -= part;
        matched[o] = true;
    }
    for o in (0..outs.len()).filter(|&o| !matched[o]) {
        let amount = g.amount[outs[o] as usize];
        let t = time(outs[o]);
        let before = passed.partition_point(|&k| time(ins[k]) <= t);
        if let Some(&k) =
            passed[..before].iter().rev().take_while(|&&k| within(k, o)).find(|&&k| rest[k] >= amount - 1e-9)
        {
            rest[k] -= amount;
            carriers.push(o);
        }
    }
    carriers.sort_unstable();
    carriers.dedup();
    carriers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{a_till_without_channels, Tiny, D, H};

    #[test]
    fn a_till_passing_its_shoppers_money_on_every_morning_is_no_mule_where_no_channel_says_card() {
        // Look-alike: a card acquirer, in a dump without channels. Its shoppers pay it
        // the least of what they pay (their rent is larger); it passes the day's takings
        // to three merchants the next morning.
        let t = a_till_without_channels(|i| 25.0 + (i % 9) as f64 * 5.0);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
        // Not vacuous: where the same people pay it more than their rent, it is rapid
        // in-out.
        let t = a_till_without_channels(|i| 1_500.0 + (i % 9) as f64 * 50.0);
        assert_eq!(run(&t).len(), 1, "{:?}", run(&t));
    }

    fn run(t: &Tiny) -> Vec<Hit> {
        t.hits(&RapidInOut)
    }

    /// `n` inflows of `amount` two days apart, each passed on `delay` later, `keep` retained.
    fn mule(t: &mut Tiny, n: usize, amount: f64, delay: i64, keep: f64) {
        t.person("M", "CN");
        for k in 0..n {
            let (s, d) = (format!("S{k}"), format!("D{k}"));
            t.person(&s, "CN");
            t.person(&d, "CN");
            let at = k as i64 * 2 * D;
            t.wire(&s, "M", at, amount);
            t.wire("M", &d, at + delay, amount * (1.0 - keep));
        }
    }

    #[test]
    fn finds_a_pass_through_account_with_roles() {
        let mut t = Tiny::new();
        mule(&mut t, 12, 20_000.0, 3 * H, 0.01);
        let hits = run(&t);
        assert_eq!(hits.len(), 1);
        let m = t.dump.accounts.index["M"];
        assert_eq!(hits[0].accounts.iter().find(|a| a.account == m).unwrap().role, Role::Mule);
        assert_eq!(hits[0].accounts.len(), 25);
        assert!(hits[0].reason.contains("12 senders"), "{}", hits[0].reason);
    }

    #[test]
    fn near_misses_do_not_fire() {
        // Too little money: 12 x 150 is under five median transfers of an economy whose
        // median is 5,000.
        let mut t = Tiny::new();
        t.economy(5_000.0, 60, 60);
        mule(&mut t, 12, 150.0, 3 * H, 0.01);
        assert!(run(&t).is_empty());
        // Too slow: 30 hours.
        let mut t = Tiny::new();
        mule(&mut t, 12, 20_000.0, 30 * H, 0.01);
        assert!(run(&t).is_empty());
        // Turnover under 5x: the balance builds up (keeps 30% each time).
        let mut t = Tiny::new();
        mule(&mut t, 12, 20_000.0, 3 * H, 0.3);
        assert!(run(&t).is_empty());
    }

    #[test]
    fn a_payroll_account_funded_days_before_payday_holds_its_balance() {
        // Look-alike: a payroll account that its company funds three days before each of
        // its first two paydays and that pays twelve staff on payday: it passes
        // everything on, but holds the money for days, not hours. (From the third
        // payday on, its staff are standing payees as well.)
        let payroll = |lead: i64| {
            let mut t = Tiny::new();
            t.economy(5_000.0, 60, 120);
            t.company("M", "CN");
            t.company("FIRM", "CN");
            for m in 0..2i64 {
                let payday = (m * 30 + 25) * D + 12 * H;
                t.wire("FIRM", "M", payday - lead, 12.0 * 20_000.0);
                for k in 0..12i64 {
                    t.person(&format!("STAFF{k}"), "CN");
                    t.wire("M", &format!("STAFF{k}"), payday + k * 60, 20_000.0);
                }
            }
            t
        };
        let t = payroll(3 * D);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
        // Not vacuous: the same account paying the money out within the hour it came in
        // passes it through.
        assert_eq!(run(&payroll(H)).len(), 1);
    }

    #[test]
    fn a_mule_rented_for_a_fortnight_is_found() {
        // Twelve receipts in pairs, each pair arriving in the evening and paid on the next
        // morning: two receipts sit overnight, and what each keeps adds up, so turnover is 5.7x, not 10x.
        let mut t = Tiny::new();
        t.person("M", "CN");
        for k in 0..12 {
            let (s, d) = (format!("S{k}"), format!("D{k}"));
            t.person(&s, "CN");
            t.person(&d, "CN");
            let evening = (k / 2) as i64 * 2 * D + 18 * H + (k % 2) as i64 * H;
            t.wire(&s, "M", evening, 20_000.0);
            t.wire("M", &d, evening + 14 * H, 19_800.0);
        }
        let hits = run(&t);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].reason.contains("turnover 5.7x"), "{}", hits[0].reason);
    }

    #[test]
    fn acquirer_look_alike_does_not_fire() {
        let mut t = Tiny::new();
        t.company("ACQ", "CN");
        t.company("SHOP", "CN");
        for day in 0..30 {
            for k in 0..20 {
                let c = format!("C{k}");
                t.person(&c, "CN");
                t.send(&c, "ACQ", day * D + k * H / 2, 500.0, Channel::Card);
            }
            t.wire("ACQ", "SHOP", day * D + 20 * H, 9_900.0);
        }
        assert!(run(&t).is_empty());
    }

    /// A household paid `paid` every three days over a year by three people (a pension,
    /// a relative, a side job), and paying thirty shops and billers 50 a day.
    fn household(t: &mut Tiny, paid: f64) {
        t.economy(200.0, 200, 365);
        t.person("H", "US");
        for k in 0..121i64 {
            t.wire(&format!("P{}", k % 3), "H", k * 3 * D + 9 * H, paid);
        }
        for d in 0..364i64 {
            t.wire("H", &format!("SHOP{}", d % 30), d * D + 12 * H, 50.0);
        }
    }

    #[test]
    fn a_household_spending_its_savings_too_stays_quiet() {
        // Look-alike: what comes in (60 every three days) is spent on everyday bills within
        // the day, with savings the dump does not show: those were there first.
        let mut t = Tiny::new();
        household(&mut t, 60.0);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
        // What arrives does leave within the day: the savings under it keep the balance,
        // and the turnover, those of a household.
        let g = t.graph();
        let h = t.dump.accounts.index["H"];
        let (ins, outs) = (g.in_edges(h), g.out_edges(h));
        assert!(crate::graph::algo::fifo_dwell::implied_opening_balance(&g, ins, outs) > 10_000.0);
        let dwell = crate::graph::algo::fifo_dwell::fifo_dwell(&g, ins, outs, 0.8);
        let fast = dwell.iter().filter(|&&x| x <= hours_to_seconds(24.0)).count();
        assert!(fast * 10 > 9 * dwell.len(), "{fast} of {}", dwell.len());
    }

    /// An earner paid 9,000 on each 25th for six months who pays five payees the same
    /// afternoon: the same five every month (`same_payees`), or five new ones each time.
    fn payday(same_payees: bool) -> Tiny {
        let mut t = Tiny::new();
        t.economy(1_000.0, 180, 200);
        for m in 0..6i64 {
            t.wire("EMPLOYER", "EARNER", (m * 30 + 25) * D + 8 * H, 9_000.0);
            for (k, amount) in [3_200.0, 2_000.0, 2_400.0, 350.0, 600.0].into_iter().enumerate() {
                let payee = if same_payees { format!("BILL{k}") } else { format!("PAYEE{m}_{k}") };
                t.wire("EARNER", &payee, (m * 30 + 25) * D + (13 + k as i64) * H, amount + 10.0 * m as f64);
            }
        }
        t
    }

    #[test]
    fn a_household_paying_its_standing_bills_on_payday_stays_quiet() {
        assert!(run(&payday(true)).is_empty(), "{:?}", run(&payday(true)));
        // Not vacuous: passing each month's pay to five new payees the same afternoon is
        // a relay.
        assert_eq!(run(&payday(false)).len(), 1);
    }

    #[test]
    fn a_relay_names_whom_it_passed_the_money_to_not_its_shops() {
        // A person who relays twelve receipts within hours, and also pays thirty shops
        // and billers from savings the dump does not show, a day or more after each
        // receipt has gone: the shops are no part of the pass.
        let mut t = Tiny::new();
        mule(&mut t, 12, 20_000.0, 3 * H, 0.01);
        for d in 0..30i64 {
            t.wire("M", &format!("SHOP{d}"), d * D + 20 * H, 900.0);
        }
        let hits = run(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let names: Vec<&str> =
            hits[0].accounts.iter().map(|a| t.dump.accounts.ids[a.account as usize].as_str()).collect();
        assert!(names.iter().all(|n| !n.starts_with("SHOP")), "{names:?}");
        assert_eq!(hits[0].accounts.len(), 25, "the mule, its twelve senders and twelve payees");
        assert!(hits[0].reason.contains("to 12 payees"), "{}", hits[0].reason);
        assert_eq!(hits[0].amount, 12.0 * 20_000.0, "what passed through entered the pattern");
        // A receipt split over three payees within hours names all three, though most of
        // it had left with the first two.
        let mut t = Tiny::new();
        mule(&mut t, 12, 20_000.0, 3 * H, 0.01);
        t.wire("S0", "M", 60 * D, 20_000.0);
        t.wire("M", "X1", 60 * D + H, 9_000.0);
        t.wire("M", "X2", 60 * D + 2 * H, 8_000.0);
        t.wire("M", "X3", 60 * D + 3 * H, 2_900.0);
        let hits = run(&t);
        let names: Vec<&str> =
            hits[0].accounts.iter().map(|a| t.dump.accounts.ids[a.account as usize].as_str()).collect();
        assert!(["X1", "X2", "X3"].iter().all(|x| names.contains(x)), "{names:?}");
    }

    #[test]
    fn camouflaged_mule_is_found() {
        let mut t = Tiny::new();
        mule(&mut t, 15, 30_000.0, 5 * H, 0.02);
        // Small everyday traffic around it, rows out of order.
        t.person("SHOP", "CN");
        for k in 0..10 {
            t.send("M", "SHOP", k * D + 7 * H, 40.0, Channel::Card);
        }
        t.reverse_rows();
        assert_eq!(run(&t).len(), 1);
    }
}
