//! Read by the fan-out motif: new payees paid off the account's own rhythm. An account
//! whose payments keep a rhythm (its standing orders every Tuesday, its supplier run on
//! Fridays) and that pays new payees on days off it, more often than the dump's rhythmic
//! accounts break theirs ([`BreakRate`]), had those payments decided by something other
//! than its own life: a fan spread over months at the account's everyday amounts, in no
//! burst and on no schedule. A receiver is paid when its payers decide, so a fan in is
//! not read this way.

use rustc_hash::FxHashSet;

use crate::detect::search::fans::{fan_legs, fan_strength, spread_beyond_largest, Fan};
use crate::detect::{Context, Hit, HitBuilder};
use crate::graph::algo::novelty::AmountNovelty;
use crate::graph::algo::rhythm_breaks::{BreakRate, Rhythm};
use crate::graph::{AdjList, FlowGraph};
use crate::pattern::Pattern;
use crate::units::{fmt_amount, fmt_odds, DAY};

/// A fan whose new counterparties were each first dealt with off the account's rhythm.
#[derive(Debug, Clone, PartialEq)]
pub struct RhythmBrokenFan {
    /// The first transfers with the new counterparties on days off the rhythm (edge ids,
    /// in time order).
    pub edges: Vec<u32>,
    /// Distinct counterparties (controller groups) of those transfers.
    pub counterparties: usize,
    /// Distinct days they fell on.
    pub days: usize,
    /// The window they fell within, days (`None`: read over the account's life).
    pub within: Option<usize>,
    /// Days of the account's life off its rhythm.
    pub open_days: usize,
    /// The shortest step of its rhythm, days.
    pub step: i64,
    /// The rate of breaks its breaks were read against (the other rhythmic accounts').
    pub others_per_open_day: f64,
    /// What they moved.
    pub amount: f64,
    /// How many accounts of the dump would break their rhythm on as many days by chance.
    pub expected: f64,
}

/// What a rhythm-broken fan must pass: its fewest counterparties, what it must move
/// (`floor` in all and half of it beyond its largest counterparty's, as any fan), and how
/// many as unlikely may be expected by chance among the dump's accounts.
#[derive(Debug, Clone, Copy)]
pub struct BreakBar {
    /// The dump's rate of breaks, the way the fan is read.
    pub rate: BreakRate,
    /// Fewest distinct counterparties.
    pub min_counterparties: usize,
    /// Least moved.
    pub floor: f64,
    /// Most expected by chance.
    pub expected: f64,
    /// The windows, days, the breaks are also read within (the fan's burst and
    /// relationship spans): a hub that breaks its rhythm three times in a week is rarer
    /// than one that does so three times in a year.
    pub within_days: [usize; 2],
}

/// `v`'s fan of new counterparties (`new`: positions in `list`, sorted, of the first
/// transfers with counterparties the fan counts as new) first dealt with off its own
/// rhythm, on days none of which falls in `apart_from` (times, seconds: bursts found
/// before, with a window around them), when it passes `bar`.
pub fn rhythm_broken_fan(
    g: &FlowGraph,
    v: u32,
    list: AdjList<'_>,
    new: &[usize],
    apart_from: &[(i64, i64)],
    bar: &BreakBar,
) -> Option<RhythmBrokenFan> {
    if new.len() < bar.min_counterparties {
        return None;
    }
    let rhythm = Rhythm::of(v, list)?;
    let day = |k: usize| list.time[k].div_euclid(DAY);
    let near_a_burst = |k: usize| {
        apart_from.iter().any(|&(from, to)| (from.div_euclid(DAY)..=to.div_euclid(DAY)).contains(&day(k)))
    };
    let off: Vec<usize> =
        rhythm.breaks.iter().copied().filter(|k| new.binary_search(k).is_ok() && !near_a_burst(*k)).collect();
    // Each a counterparty of its own: too few breaks are too few counterparties.
    if off.len() < bar.min_counterparties {
        return None;
    }
    let own_break_days = Rhythm::days_of(list, &rhythm.breaks);
    // Its breaks over its whole life, and in the densest window of each span shorter
    // than its life: the least likely reading, charged for every reading made.
    let mut break_days: Vec<i64> = off.iter().map(|&k| day(k)).collect();
    break_days.dedup();
    let spans: Vec<usize> = bar.within_days.iter().copied().filter(|&w| w < rhythm.life_days).collect();
    let whole = (bar.rate.chance(&rhythm, own_break_days, break_days.len()), None, break_days.clone());
    let windows = spans.iter().map(|&within| {
        let densest = densest_days(&break_days, within as i64);
        (
            bar.rate.chance_within(&rhythm, own_break_days, densest.len(), within),
            Some(within),
            densest.to_vec(),
        )
    });
    let (chance, within, days) = std::iter::once(whole).chain(windows).min_by(|a, b| a.0.total_cmp(&b.0))?;
    let readings = 1 + spans.len();
    // Every account of the dump is tried, as for any other reading of a fan.
    let expected = chance * readings as f64 * g.scale.active_accounts as f64;
    if expected > bar.expected {
        return None;
    }
    let off: Vec<usize> = off.into_iter().filter(|&k| days.binary_search(&day(k)).is_ok()).collect();
    let counterparties =
        off.iter().map(|&k| g.accounts.controller[list.other[k] as usize]).collect::<FxHashSet<u32>>().len();
    if counterparties < bar.min_counterparties {
        return None;
    }
    let edges: Vec<u32> = off.iter().map(|&k| list.edges[k]).collect();
    let amount: f64 = edges.iter().map(|&e| g.amount[e as usize]).sum();
    if amount < bar.floor || spread_beyond_largest(g, v, &edges) < bar.floor / 2.0 {
        return None;
    }
    let step = rhythm.cadence.shortest_step().unwrap_or_default();
    let others_per_open_day = bar.rate.per_open_day(&rhythm, own_break_days);
    Some(RhythmBrokenFan {
        edges,
        counterparties,
        days: days.len(),
        within,
        open_days: rhythm.open_days,
        step,
        others_per_open_day,
        amount,
        expected,
    })
}

/// The hit of `v`'s rhythm-broken fan out: the hub and its new payees, proved by their
/// first transfers, read against its peers' `rate`. `counted` is how many transfers the
/// account has this way, for the share of its business the fan holds.
pub fn rhythm_broken_hit(
    ctx: &Context<'_>,
    pattern: Pattern,
    v: u32,
    found: &RhythmBrokenFan,
    rate: &BreakRate,
    (counted, min_counterparties): (usize, usize),
) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    fan_legs(&mut b, g, Fan::Out, v, &found.edges);
    let novelty = AmountNovelty::measure(g, &[v], &found.edges);
    let span = match found.within {
        Some(days) => format!("within {days} days"),
        None => format!("in its {} days off that rhythm", found.open_days),
    };
    let reason = format!(
        "{} sent {} transfers ({}) to {} new payees on {} days off its own rhythm of every {} days {span}, each its first with them; {} (accounts expected to break theirs as often by chance: 1 in {}){}",
        ctx.account(v),
        found.edges.len(),
        fmt_amount(found.amount),
        found.counterparties,
        found.days,
        found.step,
        rate.in_words(g.accounts.business_like[v as usize], found.others_per_open_day),
        fmt_odds(found.expected),
        novelty.words(),
    );
    let share = found.edges.len() as f64 / counted.max(1) as f64;
    let strength = fan_strength(found.counterparties, min_counterparties, share, &novelty);
    b.finish(g, pattern, found.amount, strength, reason)
}

/// The longest run of `days` (sorted, distinct) within `within` days of its first,
/// earliest on ties.
fn densest_days(days: &[i64], within: i64) -> &[i64] {
    let mut best = &days[..days.len().min(1)];
    let mut hi = 0;
    for lo in 0..days.len() {
        hi = hi.max(lo);
        while hi + 1 < days.len() && days[hi + 1] - days[lo] < within {
            hi += 1;
        }
        if hi + 1 - lo > best.len() {
            best = &days[lo..=hi];
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_densest_run_of_days_within_a_window_is_found_earliest_first() {
        let days = [3, 10, 11, 13, 40, 41, 42];
        assert_eq!(densest_days(&days, 4), &[10, 11, 13]);
        assert_eq!(densest_days(&days, 1), &[3]);
        assert_eq!(densest_days(&days, 40), &[3, 10, 11, 13, 40, 41, 42]);
        assert!(densest_days(&[], 7).is_empty());
    }
}
