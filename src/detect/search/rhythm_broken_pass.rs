//! Read by the gather-scatter motif: a hub whose payments keep a rhythm (its standing
//! orders every Tuesday) that gathered from new senders and, within days, broke its
//! rhythm to pay new payees. Money that came in from strangers and went out on days the
//! hub never pays, to people it never paid, was sent when someone else decided, whatever
//! share of it was passed on: amounts drawn afresh at each leg carry nothing, and a hub
//! that pays when its own life says pays on its own days.
//!
//! The chance is the hub's breaks, as the fan-out reads them
//! ([`crate::graph::algo::rhythm_breaks`]: the Poisson tail of that many days off its
//! rhythm with a new payee within the window, at the rate of the dump's other rhythmic
//! accounts of its kind, times the windows its life holds), times the chance that its
//! senders were new so close before: the Poisson tail of that many new senders within
//! a window at its own rate of meeting them over the rest of its life. Times the dump's
//! active accounts, at most `expected_by_chance`. The breaks must say something on
//! their own: a hub with no other rhythmic account of its kind to be read against, or
//! whose peers break their rhythm so often that as many breaks within a window are
//! even odds over its life, is not read this way (a burst of new senders alone is no
//! pass). Nor is a gather at less than `min_rate_ratio` times the hub's pace of meeting
//! new senders. Where the dump's rhythmic accounts break their rhythm every week or
//! two, or the hub meets new senders all the time (a shop), nothing is read.

use rustc_hash::FxHashSet;

use crate::detect::graded::Refused;
use crate::detect::search::gather_scatter::{hub_hit, HubSpec};
use crate::detect::{Context, Hit};
use crate::graph::algo::chance::poisson_tail;
use crate::graph::algo::rhythm_breaks::{PeerBreakRates, Rhythm};
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::{fmt_odds, DAY};

/// A gather from new senders, then payments to new payees off the hub's rhythm.
#[derive(Debug, Clone, PartialEq)]
struct Pass {
    /// The first transfers from the new senders (edge ids).
    gathered: Vec<u32>,
    /// What they brought.
    amount: f64,
    /// Distinct senders (controller groups).
    senders: usize,
    /// The breaks that scattered it (positions in the hub's payments).
    scatter: Vec<usize>,
    /// Distinct days of the breaks.
    break_days: usize,
    /// Accounts expected to do as much by chance.
    expected: f64,
}

/// Hub `v`'s gather from new senders followed by breaks of its rhythm to new payees,
/// within `spec.window` each, more than chance: `rates` are the dump's rates of breaks
/// (its persons' and its businesses'). A hit of `pattern`, or `None`.
pub fn rhythm_broken_pass(
    ctx: &Context<'_>,
    spec: &HubSpec,
    rates: &PeerBreakRates,
    channels: &[Channel],
    v: u32,
    pattern: Pattern,
    refused: &Refused,
) -> Option<Hit> {
    let g = ctx.graph;
    let (outs, ins) = (g.out_list(v), g.in_list(v));
    if ins.len() < spec.min_senders {
        return None;
    }
    let rhythm = Rhythm::of(v, outs)?;
    let counts = |channel: Channel| channels.contains(&channel);
    let breaks: Vec<usize> = rhythm.breaks.iter().copied().filter(|&k| counts(outs.channel[k])).collect();
    if breaks.len() < spec.min_payees {
        return None;
    }
    let c = &g.accounts.controller;
    // Each sender's first transfer, in time order: the hub's new senders over its life.
    let mut seen = FxHashSet::default();
    let firsts: Vec<usize> =
        (0..ins.len()).filter(|&k| counts(ins.channel[k]) && seen.insert(c[ins.other[k] as usize])).collect();
    let senders_in_life = firsts.len();
    let life_days = ins.time.last().zip(ins.time.first()).map_or(1, |(l, f)| (l - f).div_euclid(DAY) + 1);
    let window_days = spec.window.div_euclid(DAY).max(1);
    let rate = rates.among_peers(g.accounts.business_like[v as usize]);
    // The only rhythmic account of its kind has no one to be read against: its breaks
    // say nothing, and its gather alone is no pass (nor below, where its peers break
    // their rhythm so often that as many breaks in a week are even odds in its life).
    if rate.rhythmic < 2 {
        return None;
    }
    let own_break_days = Rhythm::days_of(outs, &rhythm.breaks);
    let mut best: Option<Pass> = None;
    for (i, &first) in breaks.iter().enumerate() {
        let opened = outs.time[first];
        let scatter: Vec<usize> =
            breaks[i..].iter().copied().take_while(|&k| outs.time[k] < opened + spec.window).collect();
        let payees = scatter.iter().map(|&k| c[outs.other[k] as usize]).collect::<FxHashSet<u32>>().len();
        if payees < spec.min_payees {
            continue;
        }
        let gathered: Vec<u32> = firsts
            .iter()
            .filter(|&&k| ins.time[k] >= opened - spec.window && ins.time[k] < opened)
            .map(|&k| ins.edges[k])
            .collect();
        let senders =
            gathered.iter().map(|&e| c[g.src[e as usize] as usize]).collect::<FxHashSet<u32>>().len();
        let amount: f64 = gathered.iter().map(|&e| g.amount[e as usize]).sum();
        if senders < spec.min_senders || amount < spec.min_amount {
            continue;
        }
        let break_days = Rhythm::days_of(outs, &scatter);
        // The breaks: that many days off the rhythm within a window, over its life.
        let breaking = rate.chance_within(&rhythm, own_break_days, break_days, window_days as usize);
        if breaking >= 0.5 {
            continue;
        }
        // The gather: that many new senders within the window before, at the hub's own
        // rate of meeting them over the rest of its life (one more allowed for).
        let rest_days = (life_days - window_days).max(window_days) as f64;
        let pace = |met: usize| met as f64 / rest_days * window_days as f64;
        let meeting = pace(senders_in_life - senders + 1);
        // Nor is the gather the hub's everyday business: it meets new senders within the
        // window at `min_rate_ratio` times its pace over the rest of its life, as a
        // fan's burst must (a hub that meets someone new every week gathers nothing by
        // meeting two).
        if (senders as f64) < spec.min_rate_ratio * pace(senders_in_life - senders) {
            continue;
        }
        let expected = breaking * poisson_tail(senders, meeting) * g.scale.active_accounts as f64;
        if best.as_ref().is_none_or(|b| expected < b.expected) {
            best = Some(Pass { gathered, amount, senders, scatter, break_days, expected });
        }
    }
    let pass = best?;
    if refused.refuses(pass.expected, spec.expected_by_chance.unwrap_or(f64::INFINITY)) {
        return None;
    }
    let words = format!(
        "; it keeps a rhythm of every {} days and paid them on {} off it, each its first with them, where {}, within {} of meeting the senders, where it met {} new senders in all over the {} it was paid in (accounts expected to do both as often by chance: 1 in {})",
        rhythm.cadence.shortest_step().unwrap_or_default(),
        days_in_words(pass.break_days as i64),
        rate.in_words(g.accounts.business_like[v as usize], rate.per_open_day(&rhythm, own_break_days)),
        days_in_words(window_days),
        senders_in_life,
        days_in_words(life_days),
        fmt_odds(pass.expected),
    );
    Some(hub_hit(
        ctx,
        spec,
        v,
        pattern,
        &pass.gathered,
        pass.amount,
        pass.senders,
        &pass.scatter,
        outs,
        &words,
    ))
}

/// "1 day", "7 days".
fn days_in_words(days: i64) -> String {
    if days == 1 {
        "1 day".to_string()
    } else {
        format!("{days} days")
    }
}
