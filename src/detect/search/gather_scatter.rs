//! Gather-scatter search: a hub that, within a window, gathers from many senders at a rate
//! far above its own habit and scatters most of it on to many payees; or, however long it
//! took, a hub whose whole life is one such pass. The gather_scatter motif runs it over
//! every account; OS4 over offshore hubs. What a hub pays back to someone who paid it
//! (a refund, a fund's redemption) is not scattered on.

use std::cell::OnceCell;
use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::detect::graded::Refused;
use crate::detect::search::fans::{
    baseline, counted, densest_at_any_scale, expected_over_dump, scales, Burst, BurstSearch, Relationship,
};
use crate::detect::{Context, Hit, HitBuilder, Role};
use crate::graph::algo::chance::{block_chance, burst_chance};
use crate::graph::algo::fifo_dwell::{fifo_dwell_carried_by, implied_opening_balance_by};
use crate::graph::algo::novelty::{median, AmountNovelty};
use crate::graph::{AdjList, FlowGraph};
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::{fmt_amount, fmt_odds, seconds_to_days};

/// What a gather-scatter hub must show.
#[derive(Debug, Clone)]
pub struct HubSpec {
    /// Seconds the gather (and, after it, the scatter) may take.
    pub window: i64,
    /// Distinct senders gathered from.
    pub min_senders: usize,
    /// Distinct payees scattered to.
    pub min_payees: usize,
    /// Senders plus payees.
    pub min_counterparties: usize,
    /// Scattered / gathered, and its inverse bound.
    pub min_pass_through: f64,
    /// Rate inside the window over the hub's own rate outside it (0: no habit needed).
    pub min_rate_ratio: f64,
    /// Smallest amount gathered (base currency).
    pub min_amount: f64,
    /// Leave out company-to-company transfers.
    pub skip_b2b: bool,
    /// Most gathers as unlikely as the hub's expected by chance over the dump (see
    /// [`unlikely`]); `None` takes any that passes the other tests.
    pub expected_by_chance: Option<f64>,
    /// Hubs that exist for one pass (one-off senders and payees and nothing else): when
    /// set, one is reported within the window whatever share it passes on, and tested
    /// over its whole life however long the pass took. `None`: the amounts must carry on.
    pub one_pass: Option<WholeLife>,
}

/// The test of a hub whose whole life is one pass: it dealt with every counterparty once
/// and nothing else, every payment came together after the receipts that gathered the
/// money (any others came after the last payment), and the money rested no longer than
/// the gather took and one window more. Among the accounts that dealt with each
/// counterparty once (`candidates`), lives in that order are expected by chance
/// `candidates × (receipts after + 1) / C(receipts + payments, receipts)` times; a hub is
/// reported when that is at most `expected_by_chance`. The timing test of the window
/// route needs a habit to stand out from, which such a hub never had: a mule account
/// opened for one job may take weeks over it.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct WholeLife {
    /// Accounts that dealt with each of enough counterparties exactly once.
    pub candidates: usize,
    /// Most lives as orderly as the hub's expected by chance among the candidates.
    pub expected_by_chance: f64,
}

impl WholeLife {
    /// The test under `spec` on `g`, its candidates counted (accounts whose every
    /// transfer is on one of `channels`).
    pub fn new(g: &FlowGraph, spec: &HubSpec, channels: &[Channel], expected_by_chance: f64) -> WholeLife {
        let candidates = (0..g.node_count() as u32)
            .into_par_iter()
            .with_min_len(256)
            .filter(|&v| single_dealings(g, spec, channels, v).is_some())
            .count();
        WholeLife { candidates, expected_by_chance }
    }
}

/// The receipts and payments of `v` when it dealt with every counterparty exactly once,
/// one way only, never with itself (no cash, no own transfers), every transfer on one of
/// `channels` (card purchases are shopping, a life besides, not a scatter), and with
/// enough of them on each side to be a hub under `spec`.
fn single_dealings<'a>(
    g: &'a FlowGraph,
    spec: &HubSpec,
    channels: &[Channel],
    v: u32,
) -> Option<(AdjList<'a>, AdjList<'a>)> {
    let (ins, outs) = (g.in_list(v), g.out_list(v));
    if ins.len() < spec.min_senders
        || outs.len() < spec.min_payees
        || ins.len() + outs.len() < spec.min_counterparties
        || !ins.channel.iter().chain(outs.channel).all(|c| channels.contains(c))
    {
        return None;
    }
    // Once in either direction: money that goes back to whom it came from is a refund
    // or a redemption, not a pass to someone else.
    every_one_once(v, ins.other.iter().chain(outs.other).copied()).then_some((ins, outs))
}

thread_local! {
    /// The counterparties [`every_one_once`] has met, kept per thread for its next account.
    static MET: std::cell::RefCell<rustc_hash::FxHashSet<u32>> = std::cell::RefCell::default();
}

/// Whether `counterparties` are all different and none is `v`. Read until the first
/// repeat, which most accounts (their landlord, their regular shops) meet early: a sort
/// of every counterparty of every account that might be a hub was a fifth of
/// gather_scatter's time at 10M (`perf`), twice per account.
fn every_one_once(v: u32, counterparties: impl Iterator<Item = u32>) -> bool {
    crate::memory::with_kept(
        &MET,
        |met| met.capacity(),
        |met| {
            met.clear();
            counterparties.into_iter().all(|w| w != v && met.insert(w))
        },
    )
}

/// True when hub `v` exists for this one pass: the gather and the scatter are all it
/// ever did, each sender paid it once and each payee was paid once. Its legs then need
/// not carry the same amounts (some launderers and simulators size each afresh). A
/// shop, a payroll or a household has a life besides, and deals with the same
/// counterparties again.
fn one_off(ctx: &Context<'_>, v: u32, gathered: &[u32], scatter: &[usize], outs: AdjList<'_>) -> bool {
    if ctx.graph.in_list(v).len() != gathered.len() || outs.len() != scatter.len() {
        return false;
    }
    let one_off = ctx.one_off_payments();
    gathered.iter().all(|&e| one_off.contains(e)) && scatter.iter().all(|&k| one_off.contains(outs.edges[k]))
}

/// The least share of its take a hub that lived for one pass must have paid on, its
/// amounts sized afresh: what a hub that carries the money on may keep (`1 -
/// min_pass_through`, a fifth by default). Legs of everyday sizes drawn at random pass
/// on a third or more of what came in; a collection account that keeps its take and
/// pays a bill or two has passed nothing on.
fn least_paid_on(spec: &HubSpec) -> f64 {
    (1.0 - spec.min_pass_through).clamp(0.0, 1.0)
}

/// The gather-scatter around hub `v`, if there is one, as a hit of `pattern`: within a
/// window, else (when `spec` asks) over the hub's whole life. Every chance test reads
/// `spec`'s budget through `refused`.
pub fn scan(
    ctx: &Context<'_>,
    spec: &HubSpec,
    channels: &[Channel],
    v: u32,
    pattern: Pattern,
    refused: &Refused,
) -> Option<Hit> {
    within_window(ctx, spec, channels, v, pattern, refused).or_else(|| {
        spec.one_pass.and_then(|life| whole_life(ctx, spec, channels, &life, v, pattern, refused))
    })
}

/// A hub whose whole life is one pass (see [`WholeLife`]): every payment it ever made
/// came together, after receipts enough to be its gather; receipts after the pass (the
/// account kept open, or paid by others since) are a life besides that makes such an
/// order likelier by chance, and are counted in it ([`block_chance`]).
fn whole_life(
    ctx: &Context<'_>,
    spec: &HubSpec,
    channels: &[Channel],
    life: &WholeLife,
    v: u32,
    pattern: Pattern,
    refused: &Refused,
) -> Option<Hit> {
    let g = ctx.graph;
    let (ins, outs) = single_dealings(g, spec, channels, v)?;
    let first_out = *outs.time.iter().min()?;
    let last_out = *outs.time.iter().max()?;
    // The gather: the receipts up to the first payment (in time order). Any other
    // came after the last payment, or the payments were not one pass.
    let senders = ins.time.partition_point(|&t| t <= first_out);
    if senders < spec.min_senders
        || senders + outs.len() < spec.min_counterparties
        || ins.time.get(senders).is_some_and(|&t| t <= last_out)
    {
        return None;
    }
    let gather = ins.range(0..senders);
    let first_in = *gather.time.first()?;
    let last_in = *gather.time.last()?;
    let gathered: f64 = gather.amount.iter().sum();
    // A pass, not savings spent later: the money rests no longer than the gather took,
    // and one window more. Its amounts need not carry on, but a hub that paid out a
    // few per cent of its take kept it: a collection account, not a pass.
    let rested = first_out - last_in;
    let scattered: f64 = outs.amount.iter().sum();
    if rested > last_in - first_in + spec.window
        || gathered < spec.min_amount
        || scattered < least_paid_on(spec) * gathered
    {
        return None;
    }
    let chance = block_chance(ins.len(), outs.len(), senders);
    if refused.refuses(chance * life.candidates as f64, life.expected_by_chance) {
        return None;
    }
    let scatter: Vec<usize> = (0..outs.len()).collect();
    let life = match ins.len() - senders {
        0 => "that was all it ever did, every receipt before every payment".to_owned(),
        since => format!(
            "those were all the payments it ever made, each counterparty dealt with once, and it was paid {since} time(s) since"
        ),
    };
    let words = format!(
        "; {life} (1 in {} of the orders its {} transfers could have come in)",
        fmt_odds(chance),
        ins.len() + outs.len()
    );
    Some(hub_hit(ctx, spec, v, pattern, gather.edges, gathered, senders, &scatter, outs, &words))
}

/// Gathers read per hub at most: its busiest, and those away from the ones before that
/// no scatter followed.
const MOST_GATHERS_READ: usize = 3;

/// The gather-scatter of hub `v` within the window: a gather its habit does not explain
/// and the scatter that follows it.
fn within_window(
    ctx: &Context<'_>,
    spec: &HubSpec,
    channels: &[Channel],
    v: u32,
    pattern: Pattern,
    refused: &Refused,
) -> Option<Hit> {
    let g = ctx.graph;
    let (ins, outs) = (g.in_list(v), g.out_list(v));
    if ins.len() < spec.min_senders || outs.len() < spec.min_payees {
        return None;
    }
    let window = spec.window;
    let keep_in = counted(g, v, ins, channels, spec.skip_b2b);
    let keep_out = counted(g, v, outs, channels, spec.skip_b2b);
    let c = &g.accounts.controller;
    let dump = g.dump_span_seconds();
    let days = |s: i64| seconds_to_days(s).max(1.0);
    // The hub's counted payments, for the habit a scatter is read against: how many in
    // all, and (when a scatter's sums are read) their amounts, ascending.
    let paid_all = baseline(v, outs, channels);
    let paid_amounts: OnceCell<Vec<f64>> = OnceCell::new();
    let paid_at_least = |least: f64| {
        let paid = paid_amounts.get_or_init(|| {
            // The payments `paid_all` counts.
            let mut a: Vec<f64> =
                counted(g, v, outs, channels, false).into_iter().map(|k| outs.amount[k]).collect();
            a.sort_unstable_by(f64::total_cmp);
            a
        });
        paid.len() - paid.partition_point(|&a| a < least)
    };
    // Each controller that paid the hub, and when it first did: money paid back to one
    // of them is a refund or a redemption, not money passed on to someone else.
    let payers: OnceCell<Vec<(u32, i64)>> = OnceCell::new();
    let pays_back = |k: usize| {
        let payers = payers.get_or_init(|| {
            let mut p: Vec<(u32, i64)> =
                ins.other.iter().zip(ins.time).map(|(&w, &t)| (c[w as usize], t)).collect();
            p.sort_unstable();
            p.dedup_by_key(|x| x.0);
            p
        });
        let payee = c[outs.other[k] as usize];
        payers.binary_search_by_key(&payee, |x| x.0).is_ok_and(|i| payers[i].1 <= outs.time[k])
    };
    // What a gather scattered: the counted payments from its first transfer on, the
    // scatter starting within one window after its last and lasting one window more,
    // when they are a scatter (enough payees, above the hub's habit) that carries the
    // gathered money on, or the hub lived for this one pass. A scatter that starts a
    // few days after the gather and takes a week over its payees is still the same
    // pass: its end is read from its own start, not from the gather's.
    let scatter_of = |gather: &Burst| -> Option<Vec<usize>> {
        let from = keep_out.partition_point(|&k| outs.time[k] < gather.from);
        let starts = keep_out[from..]
            .iter()
            .take_while(|&&k| outs.time[k] <= gather.to + window)
            .find(|&&k| !pays_back(k))
            .map_or(gather.to, |&k| outs.time[k].max(gather.to));
        let (scatter, paid_back): (Vec<usize>, Vec<usize>) = keep_out[from..]
            .iter()
            .copied()
            .take_while(|&k| outs.time[k] <= starts + window)
            .partition(|&k| !pays_back(k));
        let payees: BTreeSet<u32> = scatter.iter().map(|&k| c[outs.other[k] as usize]).collect();
        let scattered: f64 = scatter.iter().map(|&k| outs.amount[k]).sum();
        // Against all the hub took in from the gather's start until it had paid the
        // scatter, not just the gather: a few days cut out of a larger take would make
        // any share of it look carried on.
        let paid_by = scatter.iter().map(|&k| outs.time[k]).max().unwrap_or(gather.to);
        let taken: f64 = keep_in
            .iter()
            .filter(|&&k| ins.time[k] >= gather.from && ins.time[k] <= paid_by)
            .map(|&k| ins.amount[k])
            .sum();
        // What went back to those who paid it by then was never the hub's to pass on.
        let returned: f64 =
            paid_back.iter().filter(|&&k| outs.time[k] <= paid_by).map(|&k| outs.amount[k]).sum();
        let ratio = scattered / (gather.amount.max(taken) - returned).max(1e-9);
        // The scatter's rate is read at its own length, as the gather's is (the window,
        // or the power-of-two number of days below it that holds it): a household that
        // pays a few small bills a week and then pays ten new payees in three days is
        // diluted past notice when those ten are read over a week.
        let spread = match (scatter.first(), scatter.last()) {
            (Some(&a), Some(&b)) => outs.time[b] - outs.time[a],
            _ => 0,
        };
        let read_over = scales(window, g.scale.time_tick_seconds)
            .into_iter()
            .filter(|&(span, _)| span >= spread)
            .map(|(_, over)| over)
            .min()
            .unwrap_or(spread);
        // Against the hub's habit of paying (its daily rate outside the scatter, one more
        // payment than it made): more payments in the scatter than its own rate makes...
        let habit = |outside: usize| (outside as f64 + 1.0) / days(dump - read_over);
        let rate_ratio = |inside: usize, outside: usize| (inside as f64 / days(read_over)) / habit(outside);
        let enough = |payees: usize| {
            payees >= spec.min_payees && gather.counterparties + payees >= spec.min_counterparties
        };
        let every_payment = enough(payees.len())
            && rate_ratio(scatter.len(), paid_all.saturating_sub(scatter.len())) >= spec.min_rate_ratio;
        // ...or more payments of the scatter's sums (half its median payment or more)
        // than its habit of paying such sums makes, to enough payees of such sums (a
        // grocer paid its weekly sum in the meantime is none), and a burst that
        // dense expected by chance at most `expected_by_chance` times over the dump's
        // accounts at that habit. A household that pays a few small bills a week has
        // no habit of paying its scatter's sums, and its bills must not dilute a
        // scatter of them; a business that pays large sums every week has that habit,
        // and its busier weeks are what a dump of such businesses holds by chance.
        let large_sums = || {
            let least = scatter_least(scatter.iter().map(|&k| outs.amount[k]));
            let large: Vec<usize> = scatter.iter().copied().filter(|&k| outs.amount[k] >= least).collect();
            let large_payees: BTreeSet<u32> = large.iter().map(|&k| c[outs.other[k] as usize]).collect();
            let outside = paid_at_least(least).saturating_sub(large.len());
            let chance =
                burst_chance(large.len(), habit(outside) * days(read_over), days(dump) / days(read_over));
            enough(large_payees.len())
                && rate_ratio(large.len(), outside) >= spec.min_rate_ratio
                && refused
                    .allows(chance * g.scale.active_accounts as f64, spec.expected_by_chance.unwrap_or(1.0))
        };
        if !(every_payment || large_sums()) {
            return None;
        }
        let carried = ratio >= spec.min_pass_through && ratio <= 1.0 / spec.min_pass_through.max(1e-9);
        // Or, first in first out: most of what the hub took from the gather's start
        // until its first payment (or the gather's end, if later) went out in the
        // scatter, whatever came in while it scattered (a salary, a customer's payment
        // the hub kept).
        let passed_on_first = || {
            let began = scatter.iter().map(|&k| outs.time[k]).min().unwrap_or(paid_by);
            let until = began.max(gather.to);
            let (take, moved) =
                carried_first_in(ins, outs, &keep_in, &keep_out, (gather.from, until), &scatter, paid_by);
            take > 0.0
                && moved >= spec.min_pass_through * take
                && scattered <= take.max(gather.amount) / spec.min_pass_through.max(1e-9)
        };
        (carried
            || passed_on_first()
            || spec.one_pass.is_some()
                && scattered >= least_paid_on(spec) * gather.amount.max(taken)
                && one_off(ctx, v, &gather.edges, &scatter, outs))
        .then_some(scatter)
    };
    // Baselines count business with companies too, not card purchases or own cash. Of
    // the gathers read at each scale, the most telling one that a scatter follows: a
    // week that also holds an earlier receipt the hub kept may hide the pass its
    // busiest days made.
    let gather_alone = |b: &Burst| {
        b.counterparties >= spec.min_senders
            && b.rate_ratio >= spec.min_rate_ratio
            && spec.expected_by_chance.is_none_or(|x| refused.allows(expected_over_dump(g, v, b), x))
            && b.amount >= spec.min_amount
    };
    let base_in = baseline(v, ins, channels);
    // A hub reused by two cases shows its busiest gather first: one that no scatter
    // followed (money it kept, a fan-in) must not hide a pass it made later. Gathers
    // are read again away from those, a few at most.
    let mut kept: Vec<(i64, i64)> = Vec::new();
    let mut rounds = 0;
    let gather = loop {
        let search = BurstSearch {
            window,
            relationship: Relationship::inside(window),
            apart_from: &kept,
            repaid: &[],
        };
        // The gathers each scale's reading held that no scatter followed, kept aside as
        // they are read rather than searched for again.
        let unscattered = std::cell::RefCell::new(Vec::new());
        let found = densest_at_any_scale(g, ins, &keep_in, base_in, &search, |b| {
            if !gather_alone(b) {
                return false;
            }
            let scattered = scatter_of(b).is_some();
            if !scattered {
                unscattered.borrow_mut().push((b.from, b.to));
            }
            scattered
        });
        if let Some(b) = found {
            break b;
        }
        rounds += 1;
        let unscattered = unscattered.into_inner();
        if unscattered.is_empty() || rounds >= MOST_GATHERS_READ {
            return None;
        }
        kept.extend(unscattered);
    };
    let scatter = scatter_of(&gather)?;
    // A hub that lived for this one pass says so: its amounts need not carry on.
    let words = if spec.one_pass.is_some() && one_off(ctx, v, &gather.edges, &scatter, outs) {
        "; that was all it ever did, each sender and payee dealt with once"
    } else {
        ""
    };
    Some(hub_hit(
        ctx,
        spec,
        v,
        pattern,
        &gather.edges,
        gather.amount,
        gather.counterparties,
        &scatter,
        outs,
        words,
    ))
}

/// The least payment read as one of a scatter's sums: half the scatter's median
/// payment (the upper one of an even count).
fn scatter_least(amounts: impl Iterator<Item = f64>) -> f64 {
    let mut a: Vec<f64> = amounts.collect();
    median(&mut a).map_or(0.0, |m| m / 2.0)
}

/// What the hub took in over `take` (`[from, until]`, its counted inflows `keep_in`) and
/// how much of that the scatter's payments (`scatter`, indices into `outs`) carried on,
/// matching its counted flows until `paid_by` first in, first out, after a balance as
/// large as its flows imply it held before the dump ([`fifo_dwell_carried_by`]). Money
/// the hub took in after `until` (a salary while it scattered) comes later in the queue
/// and funded none of the earlier payments; an old balance goes out before the take.
fn carried_first_in(
    ins: AdjList<'_>,
    outs: AdjList<'_>,
    keep_in: &[usize],
    keep_out: &[usize],
    (from, until): (i64, i64),
    scatter: &[usize],
    paid_by: i64,
) -> (f64, f64) {
    let ins_k: Vec<usize> = keep_in.iter().copied().filter(|&k| ins.time[k] <= paid_by).collect();
    let outs_k: Vec<usize> = keep_out.iter().copied().filter(|&k| outs.time[k] <= paid_by).collect();
    let received = |p: usize| (ins.time[ins_k[p]], ins.amount[ins_k[p]]);
    let outflow = |p: usize| (outs.time[outs_k[p]], outs.amount[outs_k[p]]);
    let opening = implied_opening_balance_by(ins_k.len(), received, outs_k.len(), outflow);
    // Position 0 is the opening balance, there by the first payment.
    let opened = outs_k.first().map_or(paid_by, |&k| outs.time[k]);
    let inflow = |p: usize| if p == 0 { (opened, opening) } else { received(p - 1) };
    let in_take = |k: usize| ins.time[k] >= from && ins.time[k] <= until;
    let take: f64 = ins_k.iter().filter(|&&k| in_take(k)).map(|&k| ins.amount[k]).sum();
    let mut moved = 0.0;
    // `scatter` is ascending, as `keep_out` is.
    fifo_dwell_carried_by(ins_k.len() + 1, inflow, outs_k.len(), outflow, 1.0, |p, o, part| {
        if p > 0 && in_take(ins_k[p - 1]) && scatter.binary_search(&outs_k[o]).is_ok() {
            moved += part;
        }
    });
    (take, moved)
}

/// The hit of hub `v` that gathered `gathered` (`amount` from `senders` senders) and
/// scattered `scatter` (indices into `outs`); `words` end the reason.
#[allow(clippy::too_many_arguments)]
pub(crate) fn hub_hit(
    ctx: &Context<'_>,
    spec: &HubSpec,
    v: u32,
    pattern: Pattern,
    gathered: &[u32],
    amount: f64,
    senders: usize,
    scatter: &[usize],
    outs: AdjList<'_>,
    words: &str,
) -> Hit {
    let g = ctx.graph;
    let c = &g.accounts.controller;
    let payees: BTreeSet<u32> = scatter.iter().map(|&k| c[outs.other[k] as usize]).collect();
    let scattered: f64 = scatter.iter().map(|&k| outs.amount[k]).sum();
    let ratio = scattered / amount.max(1e-9);
    let mut b = HitBuilder::default();
    for &e in gathered {
        let a = g.amount[e as usize];
        b.account(g.src[e as usize], Role::Source, 0.0, a);
        b.account(v, Role::Hub, a, 0.0);
        b.transfer(e);
    }
    for &k in scatter {
        let (e, a) = (outs.edges[k], outs.amount[k]);
        b.account(outs.other[k], Role::Destination, a, 0.0);
        b.account(v, Role::Hub, 0.0, a);
        b.transfer(e);
    }
    let mut proving: Vec<u32> =
        gathered.iter().copied().chain(scatter.iter().map(|&k| outs.edges[k])).collect();
    proving.sort_unstable();
    let novelty = AmountNovelty::measure(g, &[v], &proving);
    let time = |e: u32| g.time[e as usize];
    let first_in = gathered.iter().map(|&e| time(e)).min().unwrap_or(0);
    let last_in = gathered.iter().map(|&e| time(e)).max().unwrap_or(first_in);
    let last_out = scatter.iter().map(|&k| outs.time[k]).max().unwrap_or(last_in);
    let reason = format!(
        "{} gathered {} from {} senders within {:.1} days, then scattered {} ({:.0}%) to {} payees by {:.1} days after the first receipt{}{words}",
        ctx.account(v),
        fmt_amount(amount),
        senders,
        seconds_to_days(last_in - first_in),
        fmt_amount(scattered),
        ratio * 100.0,
        payees.len(),
        seconds_to_days(last_out - first_in),
        novelty.words(),
    );
    let size = (senders + payees.len()) as f64 / spec.min_counterparties as f64;
    let shape = 0.5 + 0.5 * (size.log2() / 2.0).clamp(0.0, 1.0);
    let strength = 0.7 * shape + 0.3 * novelty.term();
    b.finish(g, pattern, amount, strength, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Read until the first repeat, the answer is a sort's: every counterparty
        /// different, none the account itself. Small ids repeat often; a long run grows
        /// the kept set past its bound, which must not change the next answer.
        #[test]
        fn every_one_once_is_what_a_sort_says(
            lists in proptest::collection::vec(
                (0u32..6, proptest::collection::vec(0u32..40, 0..30)), 1..8),
            long in 0usize..6000,
        ) {
            let sorted = |v: u32, ws: &[u32]| {
                let mut other = ws.to_vec();
                other.sort_unstable();
                other.dedup();
                other.len() == ws.len() && other.binary_search(&v).is_err()
            };
            let all_different: Vec<u32> = (100..100 + long as u32).collect();
            proptest::prop_assert!(every_one_once(7, all_different.iter().copied()));
            for (v, ws) in &lists {
                proptest::prop_assert_eq!(every_one_once(*v, ws.iter().copied()), sorted(*v, ws));
            }
        }
    }
}
