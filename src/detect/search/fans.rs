//! Shared by the fan motifs: the densest burst of distinct counterparties an account has
//! in one direction, inside a sliding window.
//!
//! The fans keep their chance budgets as configured where other detectors widen theirs
//! with the hits they find ([`crate::detect::registry::ChanceBudget`]). A burst's reading
//! takes its new counterparties as a Poisson count at the account's own rate and its
//! amounts as drawn apart from them, and life brings a household several new payers with
//! large sums at once (a sale, an inheritance, a wedding): read far out in its tail, as a
//! widened budget reads it, it finds such days by the hundred. On the generator's 100M
//! dump (seed 7), fan_in widened 62x took 1,000 more hits, and its account precision fell
//! from 0.885 to 0.743 for a recall of 0.976 to 0.987.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::hash_map::Entry;
use std::sync::Arc;

use crate::balanced::flat_map_balanced;
use crate::config::params::{Channels, Count, Days, Multiple};
use crate::config::AmountFloor;
use crate::detect::handed::Handed;
use crate::detect::search::fan_rhythm_breaks::{rhythm_broken_fan, rhythm_broken_hit, BreakBar};
use crate::detect::search::fan_schedules::{scheduled_fan, scheduled_hit, FirstPaymentReadings, ScheduleBar};
use crate::detect::{Context, Hit, HitBuilder, Role};
use crate::graph::algo::chance::burst_chance;
use crate::graph::algo::novelty::{rank_chance, AmountNovelty};
use crate::graph::algo::rhythm_breaks::{PeerBreakRates, RhythmCensus};
use crate::graph::{AdjList, FlowGraph};
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount, seconds_to_days, DAY};
use serde::{Deserialize, Serialize};

/// Parameters of the fan-in and fan-out motifs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FanConfig {
    /// Sliding window, days.
    pub window_days: Days,
    /// Distinct new counterparties needed inside the window.
    pub min_counterparties: Count<2>,
    /// A counterparty is new when the account first deals with it inside the window and
    /// not later than this many days after the window opens (at least `window_days`).
    pub relationship_days: Days,
    /// Rate inside the window / rate outside it.
    pub min_rate_ratio: Multiple,
    /// Smallest amount moved in the window, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Most bursts as unlikely as this one (new counterparties against the account's own
    /// rate of opening them, amounts against its own) expected by chance over every
    /// account of the dump.
    pub expected_by_chance: Multiple,
    /// The same for a fan spread over `relationship_days` rather than a burst, whose
    /// new counterparties' amounts must also be that unlikely on their own.
    pub spread_expected_by_chance: Multiple,
    /// Leave out transfers between two companies (when holder kinds are known).
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Channels,
}

/// When a counterparty of a burst counts as *new*: the account first deals with it (this
/// way) inside the window, its last transfer comes at most `ends_within` after the
/// window opened, and it never comes back after a silence longer than `lapse`.
///
/// The silence is what tells a recurring relationship from new business. Staff paid on
/// the 25th are paid again a month later, which may be 28 to 31 days on, moved a day or
/// two off a weekend: a bound of 30 days alone read a dump's first payday as a burst of
/// new payees whenever the dump ended before a third one. Payees paid daily for a few
/// weeks and then never again never fall silent, and stay new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relationship {
    /// Seconds from the window's start by which the counterparty's last transfer falls.
    pub ends_within: i64,
    /// Longest silence, in seconds, between two of its transfers.
    pub lapse: i64,
}

impl Relationship {
    /// New means seen only inside a window of `span` seconds (no silence there can be
    /// longer than the window itself).
    pub fn inside(span: i64) -> Relationship {
        Relationship { ends_within: span, lapse: span }
    }

    /// A fan's: over by `relationship_days` (at least the window), never silent for
    /// longer than the window.
    fn of_fan(cfg: &FanConfig) -> Relationship {
        let window = cfg.window_days.get();
        Relationship {
            ends_within: days_to_seconds(cfg.relationship_days.get().max(window)),
            lapse: days_to_seconds(window),
        }
    }
}

/// How a burst is looked for: the window it must fit in, what makes a counterparty new,
/// and the spans of bursts already found on the account, which a further burst keeps a
/// window away from.
#[derive(Debug, Clone, Copy)]
pub struct BurstSearch<'a> {
    /// Longest span of a burst, seconds; read at every [`scales`] below it too.
    pub window: i64,
    /// What makes a counterparty new.
    pub relationship: Relationship,
    /// `(first, last)` times of bursts found before; a window that comes within
    /// `window` of one of them is not read.
    pub apart_from: &'a [(i64, i64)],
    /// Positions in the list (sorted) whose counterparty the account knows the other way
    /// (it repaid them, or they repay it in instalments: [`known_both_ways`]): their
    /// counterparties are known, never new.
    pub repaid: &'a [usize],
}

impl BurstSearch<'_> {
    /// True when `[from, to]` comes within a window of a burst found before.
    fn near_a_found_burst(&self, from: i64, to: i64) -> bool {
        let w = self.window;
        self.apart_from.iter().any(|&(a, b)| from <= b.saturating_add(w) && to >= a.saturating_sub(w))
    }
}

/// Separate bursts reported per account and direction at most: a mule account reused a
/// few times, or a hub whose first burst another typology explains, must not hide a
/// later one; an account with more is reported by its most telling four.
const MOST_BURSTS_PER_ACCOUNT: usize = 4;

/// Which way the fan points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fan {
    /// Many senders, one receiver.
    In,
    /// One sender, many receivers.
    Out,
}

/// What a bare fan-in or fan-out gives way to: every typology whose evidence includes a
/// fan (collectors, structuring targets, mirrors, pass-throughs, settlement, settlement
/// shells, offshore scatter-gathers) and the motifs that contain one.
pub const FANS_GIVE_WAY_TO: [Pattern; 11] = [
    Pattern::Ub1,
    Pattern::Ub2,
    Pattern::Ub3,
    Pattern::Ub4,
    Pattern::Ub5,
    Pattern::Ub6,
    Pattern::Os4,
    Pattern::GatherScatter,
    Pattern::ScatterGather,
    Pattern::Stack,
    Pattern::Bipartite,
];

/// Every account's fan hit in one direction, in node order.
pub fn fan_hits(ctx: &Context<'_>, cfg: &FanConfig, fan: Fan, pattern: Pattern) -> Vec<Hit> {
    let channels = cfg.channels.as_slice().to_vec();
    let bar = ScheduleBar::new(ctx.graph, cfg);
    let breaks = Breaks::of(ctx, fan);
    let g = ctx.graph;
    // A marketplace's fan is read in a window over each of its receipts: runs of
    // accounts of about equal business, or one thread reads a block of them alone.
    flat_map_balanced(
        g.node_count(),
        |v| g.transfers_of(v as u32),
        |v| fan_hits_of(ctx, (cfg, &bar, breaks.as_ref()), &channels, fan, pattern, v as u32),
    )
}

/// How often the dump's rhythmic accounts break their rhythm to pay someone new, read
/// where a hub pays (a fan out, a gather-scatter's scatter): a payer decides when it
/// pays, a receiver is paid when its payers decide, and a fan in is read by no rhythm of
/// the hub's.
pub struct Breaks {
    /// The rates (measured once over the whole dump; in a part, what it was handed).
    pub rates: PeerBreakRates,
    /// In a whole run, every account's breaks, read with the rates: an account with too
    /// few is not read again. A part reads its own accounts.
    census: Option<Arc<RhythmCensus>>,
}

impl Breaks {
    fn of(ctx: &Context<'_>, fan: Fan) -> Option<Breaks> {
        match fan {
            Fan::In => None,
            Fan::Out => Some(Breaks::of_payments(ctx)),
        }
    }

    /// The breaks of `ctx`'s payers: the whole dump's census, or in a part the rates it
    /// was handed ([`hand_break_rate`]).
    pub fn of_payments(ctx: &Context<'_>) -> Breaks {
        match ctx.handed_tables().and_then(|h| h.breaks) {
            Some(rates) => Breaks { rates, census: None },
            None => {
                let census = ctx.rhythm_census();
                Breaks { rates: census.rates, census: Some(census) }
            }
        }
    }

    /// Whether account `v` could hold `fewest` breaks.
    pub fn may_hold(&self, v: u32, fewest: usize) -> bool {
        self.census.as_ref().is_none_or(|c| c.breaks.get(v as usize).is_some_and(|&b| b as usize >= fewest))
    }
}

/// What a part is handed for a fan out or a gather-scatter: the whole dump's break rates.
pub fn hand_break_rate(whole: &Context<'_>, handed: &mut Handed) {
    handed.breaks = Some(whole.rhythm_census().rates);
}

/// Account `v`'s separate bursts, most telling first: each one found is set aside and
/// the account read again, a window away from it.
fn fan_hits_of(
    ctx: &Context<'_>,
    (cfg, bar, breaks): (&FanConfig, &ScheduleBar, Option<&Breaks>),
    channels: &[Channel],
    fan: Fan,
    pattern: Pattern,
    v: u32,
) -> Vec<Hit> {
    let g = ctx.graph;
    let list = match fan {
        Fan::In => g.in_list(v),
        Fan::Out => g.out_list(v),
    };
    if list.len() < cfg.min_counterparties.get() {
        return Vec::new();
    }
    let keep = counted(g, v, list, channels, cfg.skip_business_to_business);
    let back = match fan {
        Fan::Out => g.in_list(v),
        Fan::In => g.out_list(v),
    };
    let repaid = known_both_ways(list, back, &keep);
    // The baseline counts the account's business with companies too, not its card
    // purchases or cash at its own account.
    let baseline = if cfg.skip_business_to_business { baseline(v, list, channels) } else { keep.len() };
    let floor = g.scale.floor(cfg.min_amount);
    // Read once for every burst, scale and reading of this account.
    let dealt = Dealings::of(g, list, &keep, Relationship::of_fan(cfg).lapse, &repaid);
    let mut found: Vec<(i64, i64)> = Vec::new();
    let mut hits = Vec::new();
    while hits.len() < MOST_BURSTS_PER_ACCOUNT {
        let search = BurstSearch {
            window: days_to_seconds(cfg.window_days.get()),
            relationship: Relationship::of_fan(cfg),
            apart_from: &found,
            repaid: &repaid,
        };
        let burst = densest_at_any_scale_in(g, &dealt, baseline, &search, |b| {
            b.new_counterparties >= cfg.min_counterparties.get()
                && b.rate_ratio >= cfg.min_rate_ratio.get()
                && b.amount >= floor
                && spread_beyond_largest(g, v, &b.edges) >= floor / 2.0
                && unlikely(g, v, b, cfg.expected_by_chance.get())
        })
        .map(|b| continued(&dealt, &search, b))
        // What the burst proves is its new counterparties' money: the floor holds for
        // it, not for the window's business with counterparties the account knew.
        .filter(|b| {
            let moved: f64 = b.proving().iter().map(|&e| g.amount[e as usize]).sum();
            moved >= floor && spread_beyond_largest(g, v, b.proving()) >= floor / 2.0
        })
        .or_else(|| slow_fan(g, v, &dealt, baseline, cfg, floor, &found));
        let Some(burst) = burst else { break };
        found.push((burst.from, burst.to));
        hits.push(burst_hit(ctx, cfg, fan, pattern, v, &burst));
    }
    if hits.len() < MOST_BURSTS_PER_ACCOUNT {
        // New counterparties first dealt with on a schedule, away from the bursts found
        // (which its first payments would only repeat): a fan spread over months at the
        // account's own rate and amounts.
        let readings = first_payments(g, v, list, back, channels, cfg, &dealt);
        let w = days_to_seconds(cfg.window_days.get());
        let apart_from: Vec<(i64, i64)> = found.iter().map(|&(a, b)| (a - w, b + w)).collect();
        let counted = keep.len();
        if let Some(scheduled) = scheduled_fan(g, v, list, &readings, &apart_from, bar, floor) {
            hits.push(scheduled_hit(ctx, fan, pattern, v, &scheduled, counted, cfg.min_counterparties.get()));
        } else if let Some(breaks) = breaks.filter(|b| b.may_hold(v, cfg.min_counterparties.get())) {
            // New payees each paid off the account's own rhythm: a fan spread over
            // months in no burst and on no schedule.
            let bar = BreakBar {
                rate: *breaks.rates.among_peers(g.accounts.business_like[v as usize]),
                min_counterparties: cfg.min_counterparties.get(),
                floor,
                expected: cfg.expected_by_chance.get(),
                within_days: [cfg.window_days.get(), cfg.relationship_days.get()].map(|d| d.ceil() as usize),
            };
            if let Some(broken) = rhythm_broken_fan(g, v, list, &readings.new, &apart_from, &bar) {
                let counts = (counted, cfg.min_counterparties.get());
                hits.push(rhythm_broken_hit(ctx, pattern, v, &broken, &bar.rate, counts));
            }
        }
    }
    hits
}

/// Readings of `v`'s first payments: the positions in `list` (in time order) of its
/// first transfer with each counterparty (controller group) it does not know the other
/// way ([`known_both_ways`]), on the counted channels. Each is read twice: with every
/// such counterparty, and with the new ones alone, as a burst counts them
/// ([`Relationship`]: over within the relationship's span, never silent past the
/// window). An account's lasting relationships open on the days its business takes on
/// a supplier, a tenant or a member of staff, whatever their rhythm, and can hide a
/// schedule among its payees that are paid once and gone; a schedule's payee may also
/// be paid again later, which the first reading keeps. A company's are read with every
/// counterparty (a trading company meets new business partners every week, not on the
/// day a schedule falls due, and a busy account read as a company may be paid by other
/// busy ones), and with persons alone, as the fan counts them (a controller's mules
/// among a company's many new partners). Readings that hold the same positions are read
/// once.
fn first_payments(
    g: &FlowGraph,
    v: u32,
    list: AdjList<'_>,
    back: AdjList<'_>,
    channels: &[Channel],
    cfg: &FanConfig,
    dealt: &Dealings<'_>,
) -> FirstPaymentReadings {
    let ends_within = Relationship::of_fan(cfg).ends_within;
    // (every first payment, the new counterparties' alone) of one way of counting.
    let openings = |dealt: &Dealings<'_>| -> (Vec<usize>, Vec<usize>) {
        let (mut every, mut new) = (Vec::new(), Vec::new());
        for k in (0..dealt.keep.len()).filter(|&k| dealt.opens(k) && !dealt.known_other_way(k)) {
            every.push(dealt.keep[k]);
            if dealt.short(k, ends_within) {
                new.push(dealt.keep[k]);
            }
        }
        (every, new)
    };
    let mut ways = vec![openings(dealt)];
    if cfg.skip_business_to_business && g.accounts.business_like[v as usize] {
        let all = counted(g, v, list, channels, false);
        let known = known_both_ways(list, back, &all);
        ways.insert(0, openings(&Dealings::of(g, list, &all, dealt.lapse, &known)));
    }
    // What is new in one way of counting is new.
    let mut new: Vec<usize> = ways.iter().flat_map(|(_, new)| new.iter().copied()).collect();
    new.sort_unstable();
    new.dedup();
    let readings = ways.into_iter().flat_map(|(every, new)| [every, new]);
    let mut each: Vec<Vec<usize>> = Vec::with_capacity(4);
    for reading in readings {
        if !each.contains(&reading) {
            each.push(reading);
        }
    }
    FirstPaymentReadings { each, new }
}

/// The positions of `keep` (indices into `list`, one direction of an account's
/// transfers, sorted) whose counterparty is known through the other direction (`back`):
/// - a repayment gives a counterparty back what it sent before: at most
///   [`REPAID_AT_MOST`] times all of it until then. A fund redeeming its investors, a club
///   refunding deposits or a lender collecting what it lent deals in people's own money;
///   a mule's payees had paid the hub nothing, and its senders had been paid nothing, or
///   small change beside what the fan moves;
/// - instalments: the counterparty then pays back part of what it was paid, on at least
///   [`INSTALMENTS`] later days, each payment smaller. A lender's borrowers, a parent
///   lending to a child: a running arrangement both ways, not a payee that took its
///   share of a fan and passed it on.
///
/// Such counterparties are known, not new; the transfers stay the account's business.
fn known_both_ways(list: AdjList<'_>, back: AdjList<'_>, keep: &[usize]) -> Vec<usize> {
    if back.is_empty() {
        return Vec::new();
    }
    crate::memory::with_kept(
        &BOTH_WAYS_SCRATCH,
        |s| s.parties.capacity().max(s.other_way.capacity()),
        |s| known_both_ways_in(s, list, back, keep),
    )
}

/// The memory [`known_both_ways`] reads an account in, kept on each thread for its next
/// account: two vectors allocated and freed for nearly every account of the dump.
#[derive(Default)]
struct BothWaysScratch {
    parties: Vec<u32>,
    other_way: Vec<(u32, i64, f64)>,
    paid_so_far: Vec<f64>,
}

thread_local! {
    static BOTH_WAYS_SCRATCH: std::cell::RefCell<BothWaysScratch> = std::cell::RefCell::default();
}

/// [`known_both_ways`] in `scratch`'s memory.
fn known_both_ways_in(
    scratch: &mut BothWaysScratch,
    list: AdjList<'_>,
    back: AdjList<'_>,
    keep: &[usize],
) -> Vec<usize> {
    let BothWaysScratch { parties, other_way, paid_so_far } = scratch;
    // Counterparties the other way that this way deals with too, each with its transfers
    // in time order: (counterparty, time, amount). Most accounts deal with none of them
    // both ways, and pay nothing for this.
    parties.clear();
    parties.extend(keep.iter().map(|&k| list.other[k]));
    parties.sort_unstable();
    parties.dedup();
    other_way.clear();
    other_way.extend(
        (0..back.len())
            .filter(|&k| parties.binary_search(&back.other[k]).is_ok())
            .map(|k| (back.other[k], back.time[k], back.amount[k])),
    );
    if other_way.is_empty() {
        return Vec::new();
    }
    other_way.sort_unstable_by_key(|x| (x.0, x.1));
    let other_way: &[(u32, i64, f64)] = other_way;
    // What each counterparty had paid up to and including each of its transfers, a
    // running sum restarted at each counterparty: a payment reads what was paid before
    // it with one search, not by adding that history up again (a sweep both ways every
    // day would be quadratic).
    paid_so_far.clear();
    for (i, x) in other_way.iter().enumerate() {
        let before = if i > 0 && other_way[i - 1].0 == x.0 { paid_so_far[i - 1] } else { 0.0 };
        paid_so_far.push(before + x.2);
    }
    let repaid = |k: usize| {
        let (party, time) = (list.other[k], list.time[k]);
        // Strictly before: the search stops at the first transfer at `time` or later.
        let upto = other_way.partition_point(|x| x.0 < party || (x.0 == party && x.1 < time));
        let before = match upto.checked_sub(1) {
            Some(j) if other_way[j].0 == party => paid_so_far[j],
            _ => 0.0,
        };
        before > 0.0 && list.amount[k] <= REPAID_AT_MOST * before
    };
    let paid_back_in_instalments = |k: usize| {
        let (party, time, amount) = (list.other[k], list.time[k], list.amount[k]);
        let after = other_way.partition_point(|x| x.0 < party || (x.0 == party && x.1 <= time));
        let mut days = other_way[after..]
            .iter()
            .take_while(|x| x.0 == party)
            .filter(|x| x.2 < amount)
            .map(|x| x.1.div_euclid(DAY));
        // Days come in order: count the distinct ones up to what is needed.
        let (mut distinct, mut last) = (0, None);
        days.any(|day| {
            if last != Some(day) {
                (distinct, last) = (distinct + 1, Some(day));
            }
            distinct >= INSTALMENTS
        })
    };
    keep.iter().copied().filter(|&k| repaid(k) || paid_back_in_instalments(k)).collect()
}

/// Days on which a counterparty pays back part of what it was paid that make a running
/// arrangement (a loan repaid) rather than a fan's leg.
const INSTALMENTS: usize = 2;

/// A payment back to someone who paid the account before is a repayment when it is at
/// most this multiple of all they had paid it: a fund's gains on an investment, a
/// refund with interest.
const REPAID_AT_MOST: f64 = 1.5;

/// The hit of one burst of `v`'s: the hub and its new counterparties, proved by the
/// transfers with them. The window's other transfers, with counterparties the hub already
/// knew, are named in the reason but prove nothing.
fn burst_hit(ctx: &Context<'_>, cfg: &FanConfig, fan: Fan, pattern: Pattern, v: u32, burst: &Burst) -> Hit {
    let g = ctx.graph;
    let trimmed = without_everyday_legs(g, v, fan, burst.proving(), cfg.min_counterparties.get());
    // Counted as the burst counted them (controllers, when links are known) unless
    // everyday legs were left out.
    let (proving, everyday, new_counterparties) = match &trimmed {
        Some(t) => (t.legs.as_slice(), t.left_out, t.counterparties),
        None => (burst.proving(), 0, burst.new_counterparties),
    };
    let mut b = HitBuilder::default();
    let amount = fan_legs(&mut b, g, fan, v, proving);
    let novelty = AmountNovelty::measure(g, &[v], proving);
    let times = proving.iter().map(|&e| g.time[e as usize]);
    let days = seconds_to_days(times.clone().max().unwrap_or(0) - times.min().unwrap_or(0));
    let (verb, to, who) = match fan {
        Fan::In => ("received", "from", "senders"),
        Fan::Out => ("sent", "to", "payees"),
    };
    let known = burst.edges.len() - burst.proving().len();
    let mut beside: Vec<String> = Vec::new();
    if known > 0 {
        beside.push(format!("{known} transfers with {who} it already knew"));
    }
    if everyday > 0 {
        beside.push(format!("{everyday} of its everyday size to other new {who}, left out"));
    }
    let beside = if beside.is_empty() { String::new() } else { format!(" (beside {})", beside.join("; ")) };
    let reason = format!(
        "{} {verb} {} transfers ({}) {to} {} new {who} ({}) within {days:.1} days{beside}, {:.0}x its usual rate{}",
        ctx.account(v),
        proving.len(),
        fmt_amount(amount),
        new_counterparties,
        burst.new_by.words(),
        burst.rate_ratio,
        novelty.words(),
    );
    let strength = fan_strength(new_counterparties, cfg.min_counterparties.get(), burst.share, &novelty);
    b.finish(g, pattern, amount, strength, reason)
}

/// Adds a fan's legs `edges` to `b`: `v` as the hub, each leg's counterparty as a source
/// (fan-in) or destination (fan-out). What they moved.
pub(super) fn fan_legs(b: &mut HitBuilder, g: &FlowGraph, fan: Fan, v: u32, edges: &[u32]) -> f64 {
    let mut amount = 0.0;
    for &e in edges {
        let a = g.amount[e as usize];
        amount += a;
        match fan {
            Fan::In => {
                b.account(counterparty(g, fan, e), Role::Source, 0.0, a);
                b.account(v, Role::Hub, a, 0.0);
            }
            Fan::Out => {
                b.account(counterparty(g, fan, e), Role::Destination, a, 0.0);
                b.account(v, Role::Hub, 0.0, a);
            }
        }
        b.transfer(e);
    }
    amount
}

/// A fan hit's strength: how far past the hub's own normal it sits, in how many new
/// counterparties (against `min_counterparties`), in how much of its activity (`share`),
/// and in the amounts it moved.
pub(super) fn fan_strength(
    new_counterparties: usize,
    min_counterparties: usize,
    share: f64,
    novelty: &AmountNovelty,
) -> f64 {
    let size = new_counterparties as f64 / min_counterparties as f64;
    0.3 + 0.2 * (size.log2() / 2.0).clamp(0.0, 1.0) + 0.2 * share + 0.3 * novelty.term()
}

/// A burst's proving transfers (edge ids, sorted) without those of the hub's everyday
/// size at its ends, when the rest are far larger: a hub that scatters sums many times
/// what it usually pays may also pay a new shop or a new friend its usual amount the day
/// before or after, which the window takes in, and that payee took no part in the fan.
/// A leg is everyday when it is at most twice the hub's usual amount ([`AmountNovelty`]:
/// its other transfers) and under a tenth of the burst's typical one; the burst opens
/// with its first leg that is not and closes with its last. Legs between those stay: a
/// launderer's legs may be drawn small too (a simulator that draws them from a wide
/// range cost recall when every small leg was left out). Nothing is left out unless at
/// least `min_counterparties` counterparties remain. `None` when nothing is left out.
fn without_everyday_legs(
    g: &FlowGraph,
    v: u32,
    fan: Fan,
    proving: &[u32],
    min_counterparties: usize,
) -> Option<Trimmed> {
    let novelty = AmountNovelty::measure(g, &[v], proving);
    let usual = novelty.usual?;
    let everyday = |e: u32| {
        let a = g.amount[e as usize];
        a <= 2.0 * usual && a < novelty.proving / 10.0
    };
    // Edge ids are in time order: the burst opens with its first payment of the fan's
    // size and closes with its last.
    let (mut first, mut end) = (0, proving.len());
    while first < end && everyday(proving[first]) {
        first += 1;
    }
    while end > first && everyday(proving[end - 1]) {
        end -= 1;
    }
    let kept = &proving[first..end];
    let counterparties = kept.iter().map(|&e| counterparty(g, fan, e)).collect::<FxHashSet<u32>>().len();
    (kept.len() < proving.len() && counterparties >= min_counterparties).then(|| Trimmed {
        legs: kept.to_vec(),
        left_out: proving.len() - kept.len(),
        counterparties,
    })
}

/// A burst's legs without the everyday ones at its ends ([`without_everyday_legs`]).
struct Trimmed {
    /// The legs kept (edge ids, sorted).
    legs: Vec<u32>,
    /// How many were left out.
    left_out: usize,
    /// The distinct counterparties of the legs kept.
    counterparties: usize,
}

/// The counterparty of a fan's transfer `e`: its sender for a fan-in, its payee for a
/// fan-out.
pub(super) fn counterparty(g: &FlowGraph, fan: Fan, e: u32) -> u32 {
    match fan {
        Fan::In => g.src[e as usize],
        Fan::Out => g.dst[e as usize],
    }
}

/// A fan spread over the whole relationship span rather than a burst (one new sender
/// every two or three days for a month), or over two or four of them when the dump is
/// at least twice as long: the window that opens the most new relationships at each of
/// those spans, kept when those relationships' own amounts, against the account's habit,
/// are expected by chance at most `spread_expected_by_chance` times over every account
/// of the dump, and their count and amounts together as rarely (each span one more
/// reading); the least likely is the fan. Everyday life opens relationships in clumps
/// over a month (a move, a sale, a holiday), so only amounts the account does not move
/// say that one is a fan. A collection account that takes a stranger's payment every
/// other day for two months counts half its fan as its habit when read over one: read
/// over two, the fan is its life and its habit is what it did besides. A longer span
/// must hold `min_counterparties` new counterparties for each relationship span in it
/// (a few strangers over a season are everyday life), opened `min_rate_ratio` times as
/// fast as the account opens relationships the rest of the time (a trading company
/// paid once by each customer all year holds a dozen in any two months). Its proving
/// transfers are those with the new counterparties: the rest of the window is the
/// account's business. It keeps a month away from the bursts in `apart_from`. A
/// business's amounts must also rank above its other payments more than a sample of its
/// clientele would by chance ([`rank_chance`]): a currency dealer's month in which half
/// its customers paid at the top of its range is no fan.
fn slow_fan(
    g: &FlowGraph,
    v: u32,
    dealt: &Dealings<'_>,
    baseline: usize,
    cfg: &FanConfig,
    floor: f64,
    apart_from: &[(i64, i64)],
) -> Option<Burst> {
    let relationship = Relationship::of_fan(cfg).ends_within;
    // A longer span is read only where the account opened enough short relationships
    // in all to fill it: a reading that cannot find a fan is no try.
    let short = (0..dealt.keep.len()).filter(|&k| dealt.short(k, relationship)).count();
    let spans: Vec<i64> = slow_spans(relationship, g.dump_span_seconds())
        .into_iter()
        .filter(|&span| span == relationship || fewest_new(cfg, relationship, span) <= short)
        .collect();
    // One more reading per span than densest_at_any_scale's.
    let readings = (scales(days_to_seconds(cfg.window_days.get()), g.scale.time_tick_seconds).len()
        + spans.len()) as f64;
    spans
        .into_iter()
        .filter_map(|span| slow_fan_over(g, v, dealt, baseline, (cfg, floor, readings), span, apart_from))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(burst, _)| burst)
}

/// The spans a slow fan is read over: the relationship's span, and twice and four times
/// it while the dump holds twice as much time besides (a fan read over most of the dump
/// has no habit left to be read against).
fn slow_spans(relationship: i64, dump_span: i64) -> Vec<i64> {
    SLOW_SPANS
        .iter()
        .map(|&m| relationship * m)
        .filter(|&s| s == relationship || 2 * s <= dump_span)
        .collect()
}

/// The fewest new counterparties a slow fan over `span` seconds holds: a fan's worth
/// (`min_counterparties`) in each `relationship` span of it, for four strangers over
/// four months are everyday life.
fn fewest_new(cfg: &FanConfig, relationship: i64, span: i64) -> usize {
    let spans_held = usize::try_from(span / relationship.max(1)).unwrap_or(1).max(1);
    cfg.min_counterparties.get() * spans_held
}

/// The spans a slow fan is read over, in relationship spans ([`slow_spans`]), the
/// longest last.
const SLOW_SPANS: [i64; 3] = [1, 2, 4];

impl FanConfig {
    /// The longest time one fan's burst may cover, days: a fan spread over the longest
    /// of [`SLOW_SPANS`] ([`slow_spans`]).
    pub fn longest_fan_days(&self) -> f64 {
        self.window_days.get().max(self.relationship_days.get()) * SLOW_SPANS[SLOW_SPANS.len() - 1] as f64
    }
}

/// [`slow_fan`] over windows of `span` seconds: the fan and the chance of its count and
/// amounts together. Over the relationship's span, its new counterparties are those a
/// burst counts ([`NewBy::WindowOpening`]); over a longer one, those each done within
/// the relationship's span of its own first transfer ([`NewBy::OwnOpening`]).
fn slow_fan_over(
    g: &FlowGraph,
    v: u32,
    dealt: &Dealings<'_>,
    baseline: usize,
    (cfg, floor, readings): (&FanConfig, f64, f64),
    span: i64,
    apart_from: &[(i64, i64)],
) -> Option<(Burst, f64)> {
    let relationship = Relationship::of_fan(cfg);
    let search =
        BurstSearch { window: relationship.ends_within, relationship, apart_from, repaid: dealt.repaid };
    // Most accounts open too few relationships in any month: that is known from the
    // window's count, before its burst and transfers are read.
    let fewest = fewest_new(cfg, relationship.ends_within, span);
    let (mut b, new_edges) = if span <= relationship.ends_within {
        let mut window = [None];
        densest_windows(dealt, &[span], &search, &mut window);
        let window = window[0].filter(|w| w.new >= fewest)?;
        burst_in(g, dealt, baseline, span, &search, window, true)
    } else {
        let window = densest_short_window(dealt, span, &search).filter(|w| w.new >= fewest)?;
        // Over months, a business that meets new customers all year holds as many in
        // any season: the fan opens relationships `min_rate_ratio` times as fast as the
        // account does the rest of the time.
        let days = |s: i64| seconds_to_days(s).max(1.0);
        let outside = (dealt.count().saturating_sub(window.new) + 1) as f64;
        let rest = days(g.dump_span_seconds() - span);
        if (window.new as f64 / days(span)) < cfg.min_rate_ratio.get() * outside / rest {
            return None;
        }
        let (mut b, _) = burst_in(g, dealt, baseline, span, &search, window, false);
        b.new_by = NewBy::OwnOpening(relationship.ends_within);
        let within = relationship.ends_within;
        let new_edges: Vec<u32> = (window.lo..=window.hi)
            .filter(|&k| {
                let first = dealt.first(dealt.slot(k));
                (window.lo..=window.hi).contains(&first) && dealt.short(first, within)
            })
            .map(|k| dealt.list.edges[dealt.keep[k]])
            .collect();
        (b, new_edges)
    };
    b.chance *= readings;
    let amount: f64 = new_edges.iter().map(|&e| g.amount[e as usize]).sum();
    if amount < floor || spread_beyond_largest(g, v, &new_edges) < floor / 2.0 {
        return None;
    }
    // The amounts' novelty reads the account's other payments: only for a fan that
    // moved enough to be one.
    let accounts = g.scale.active_accounts as f64;
    let expected = cfg.spread_expected_by_chance.get();
    let unlikely = |amounts: f64| amounts * accounts <= expected && b.chance * amounts * accounts <= expected;
    let mut amounts = AmountNovelty::measure(g, &[v], &new_edges).chance();
    if !unlikely(amounts) {
        return None;
    }
    // A business's one-off counterparties are its clientele (a dealer's customers, a
    // shop's suppliers): its other months are a sample of them, not a known rate of
    // large sums, and a month of new ones is read against that sample as one sample
    // against another. Strangers paying a private account are no clientele: its history
    // is read as its habit, as before. Read only where the known rate passes: a
    // merchant's history is thousands of payments to sort.
    if g.accounts.business_like[v as usize] {
        amounts = amounts.max(rank_chance(g, &[v], &new_edges));
        if !unlikely(amounts) {
            return None;
        }
    }
    let together = b.chance * amounts;
    // The fan is its new counterparties' transfers: its span, share, amount and
    // counterparties are theirs.
    b.edges = new_edges.clone();
    b.new_edges = new_edges;
    b.counterparties = b.new_counterparties;
    let (first, last) = (*b.edges.first()?, *b.edges.last()?);
    (b.from, b.to) = (g.time[first as usize], g.time[last as usize]);
    b.share = b.edges.len() as f64 / dealt.keep.len() as f64;
    b.amount = amount;
    Some((b, together))
}

/// `burst` (a window of `keep`, with its new counterparties' transfers) continued by the
/// new counterparties the account opened just before or after it, within a window of it
/// and no further from the burst's own openings, one after the other, than the longest
/// interval between those: a fan that runs a little past the window is one fan, not a
/// fan less its first or last payee. They are new by the burst's rule (first dealt with
/// there, never back after a lapse, done within `ends_within` of the window's opening);
/// the burst's chance and rate stay those of the window that was tested.
fn continued(dealt: &Dealings<'_>, search: &BurstSearch<'_>, burst: Burst) -> Burst {
    let (list, keep) = (dealt.list, dealt.keep);
    let (Some(&first), Some(&last_edge)) = (burst.edges.first(), burst.edges.last()) else {
        return burst;
    };
    let (Some(lo), Some(hi)) = (
        (0..keep.len()).find(|&k| list.edges[keep[k]] == first),
        (0..keep.len()).rev().find(|&k| list.edges[keep[k]] == last_edge),
    ) else {
        return burst;
    };
    debug_assert_eq!(dealt.lapse, search.relationship.lapse);
    let ends_within = search.relationship.ends_within;
    let proving: FxHashSet<u32> = burst.new_edges.iter().copied().collect();
    let mut new: FxHashSet<u32> =
        (lo..=hi).filter(|&k| proving.contains(&list.edges[keep[k]])).map(|k| dealt.slot(k)).collect();
    let mut openings: Vec<i64> = new.iter().map(|&p| dealt.time(dealt.first(p))).collect();
    openings.sort_unstable();
    let longest = openings.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    if longest == 0 {
        return burst;
    }
    // A counterparty not yet in the burst, new by its rule from `opened_from`.
    let joins = |k: usize, opened_from: i64, new: &FxHashSet<u32>| {
        dealt.new_from(k, opened_from, ends_within) && !new.contains(&dealt.slot(k))
    };
    let (mut new_lo, mut new_hi) = (lo, hi);
    let mut latest = *openings.last().unwrap_or(&burst.to);
    for k in hi + 1..keep.len() {
        if dealt.time(k) > burst.to + search.window || dealt.time(k) - latest > longest {
            break;
        }
        if joins(k, burst.from, &new) {
            new.insert(dealt.slot(k));
            latest = dealt.time(k);
            new_hi = k;
        }
    }
    let mut earliest = *openings.first().unwrap_or(&burst.from);
    for k in (0..lo).rev() {
        if dealt.time(k) < burst.from - search.window || earliest - dealt.time(k) > longest {
            break;
        }
        if joins(k, dealt.time(k), &new) {
            new.insert(dealt.slot(k));
            earliest = dealt.time(k);
            new_lo = k;
        }
    }
    if (new_lo, new_hi) == (lo, hi) {
        return burst;
    }
    let idx = &keep[new_lo..=new_hi];
    let edges: Vec<u32> = idx.iter().map(|&k| list.edges[k]).collect();
    let new_edges: Vec<u32> =
        (new_lo..=new_hi).filter(|&k| new.contains(&dealt.slot(k))).map(|k| list.edges[keep[k]]).collect();
    Burst {
        from: dealt.time(new_lo),
        to: dealt.time(new_hi),
        counterparties: dealt.distinct(new_lo, new_hi),
        new_counterparties: new.len(),
        share: edges.len() as f64 / keep.len() as f64,
        amount: idx.iter().map(|&k| list.amount[k]).sum(),
        edges,
        new_edges,
        ..burst
    }
}

/// An account's counterparties (controller groups) in its counted transfers `keep`
/// (indices into `list`, time-sorted): where it first dealt with each, when it last did,
/// and whether it ever fell silent with one for longer than `lapse`. What makes a
/// counterparty new ([`Relationship`]) is read from here.
struct Dealings<'a> {
    list: AdjList<'a>,
    keep: &'a [usize],
    /// Each position's counterparty (controller group) as a dense number, in the order
    /// first dealt with, read once: every reading of the account asks about them again,
    /// and each controller is a lookup far from the list, each map entry a hash.
    slots: Vec<u32>,
    /// Per counterparty slot, in the order first dealt with.
    dealings: Vec<Dealing>,
    /// Per position, the previous position with the same counterparty ([`NONE_BEFORE`]
    /// at its first): a window's distinct counterparties are the positions there whose
    /// previous one is before it, counted without a set.
    previous: Vec<u32>,
    /// The fresh openings ([`Dealings::fresh`]) as (their counterparty's last transfer's
    /// time, position), ascending: the order a window's count takes them in.
    by_last: Vec<(i64, usize)>,
    /// The silence after which a counterparty is no longer new.
    lapse: i64,
    /// Positions whose counterparty the account knows the other way
    /// ([`known_both_ways`]): known, not new.
    repaid: &'a [usize],
}

/// [`Dealings::previous`] of a counterparty's first position.
const NONE_BEFORE: u32 = u32::MAX;

/// An account's dealings with one counterparty, in one direction.
#[derive(Debug, Clone, Copy)]
struct Dealing {
    /// Its first position.
    first: usize,
    /// Its last transfer's time.
    last: i64,
    /// Whether it fell silent past the lapse, or is known the other way.
    lapsed: bool,
    /// Whether it is known the other way ([`known_both_ways`]).
    known: bool,
    /// Its latest position so far, while the positions are read.
    latest: u32,
}

impl Drop for Dealings<'_> {
    fn drop(&mut self) {
        DealingsScratch {
            slot_of: FxHashMap::default(),
            slots: std::mem::take(&mut self.slots),
            previous: std::mem::take(&mut self.previous),
            dealings: std::mem::take(&mut self.dealings),
            by_last: std::mem::take(&mut self.by_last),
        }
        .give_back();
    }
}

/// The memory of one account's [`Dealings`], kept on each thread for its next account:
/// every account read was five vectors and a map allocated, grown and freed, a fifth of
/// the fan motifs' time in the allocator at 10M transfers (`perf`). What a busy hub grew
/// is not kept ([`crate::memory::KEPT_UP_TO`]). It is taken for the account's whole read
/// and handed back when its dealings are dropped, so it is not [`crate::memory::with_kept`].
#[derive(Default)]
struct DealingsScratch {
    slot_of: FxHashMap<u32, u32>,
    slots: Vec<u32>,
    previous: Vec<u32>,
    dealings: Vec<Dealing>,
    by_last: Vec<(i64, usize)>,
}

thread_local! {
    static DEALINGS_SCRATCH: std::cell::RefCell<DealingsScratch> = std::cell::RefCell::default();
}

impl DealingsScratch {
    /// This thread's kept memory, emptied (fresh vectors when another account's dealings
    /// on this thread still hold it).
    fn take() -> DealingsScratch {
        let mut s = crate::memory::take_kept(&DEALINGS_SCRATCH);
        s.slot_of.clear();
        s.slots.clear();
        s.previous.clear();
        s.dealings.clear();
        s.by_last.clear();
        s
    }

    /// Keeps `map` for the thread's next account, unless it grew past the bound.
    fn keep_map(map: FxHashMap<u32, u32>) {
        if map.capacity() <= crate::memory::KEPT_UP_TO {
            DEALINGS_SCRATCH.with(|c| c.borrow_mut().slot_of = map);
        }
    }

    /// Keeps the vectors for the thread's next account (its map is kept by
    /// [`DealingsScratch::keep_map`]), unless they grew past the bound.
    fn give_back(self) {
        if self.slots.capacity().max(self.dealings.capacity()) > crate::memory::KEPT_UP_TO {
            return;
        }
        DEALINGS_SCRATCH.with(|c| {
            let mut kept = c.borrow_mut();
            let slot_of = std::mem::take(&mut kept.slot_of);
            *kept = DealingsScratch { slot_of, ..self };
        });
    }
}

impl<'a> Dealings<'a> {
    fn of(
        g: &'a FlowGraph,
        list: AdjList<'a>,
        keep: &'a [usize],
        lapse: i64,
        repaid: &'a [usize],
    ) -> Dealings<'a> {
        let DealingsScratch { mut slot_of, mut slots, mut previous, mut dealings, mut by_last } =
            DealingsScratch::take();
        // Sized once for every counterparty the account could have: growing it from empty
        // rehashed it several times over for a busy account.
        slot_of.reserve(keep.len());
        for (k, &at) in keep.iter().enumerate() {
            let (party, time) = (g.accounts.controller[list.other[at] as usize], list.time[at]);
            match slot_of.entry(party) {
                Entry::Vacant(e) => {
                    e.insert(dealings.len() as u32);
                    slots.push(dealings.len() as u32);
                    previous.push(NONE_BEFORE);
                    dealings.push(Dealing {
                        first: k,
                        last: time,
                        lapsed: false,
                        known: false,
                        latest: k as u32,
                    });
                }
                Entry::Occupied(e) => {
                    let slot = *e.get();
                    slots.push(slot);
                    let d = &mut dealings[slot as usize];
                    previous.push(d.latest);
                    d.latest = k as u32;
                    d.lapsed |= time - d.last > lapse;
                    d.last = time;
                }
            }
        }
        DealingsScratch::keep_map(slot_of);
        // A counterparty known the other way is known, as one that fell silent is.
        for k in (0..keep.len()).filter(|&k| repaid.binary_search(&keep[k]).is_ok()) {
            let d = &mut dealings[slots[k] as usize];
            (d.lapsed, d.known) = (true, true);
        }
        let mut dealt =
            Dealings { list, keep, slots, dealings, previous, by_last: Vec::new(), lapse, repaid };
        by_last.extend((0..keep.len()).filter(|&k| dealt.fresh(k)).map(|k| (dealt.last(k), k)));
        by_last.sort_unstable();
        dealt.by_last = by_last;
        dealt
    }

    /// The counterparty at position `k`, as its dense number.
    fn slot(&self, k: usize) -> u32 {
        self.slots[k]
    }

    /// The time of position `k`.
    fn time(&self, k: usize) -> i64 {
        self.list.time[self.keep[k]]
    }

    /// Where the account first dealt with the counterparty of `slot`.
    fn first(&self, slot: u32) -> usize {
        self.dealings[slot as usize].first
    }

    /// Whether position `k` is its counterparty's first.
    fn opens(&self, k: usize) -> bool {
        self.previous[k] == NONE_BEFORE
    }

    /// When the account last dealt with the counterparty at position `k`.
    fn last(&self, k: usize) -> i64 {
        self.dealings[self.slots[k] as usize].last
    }

    /// Whether position `k`'s counterparty is known the other way ([`known_both_ways`]).
    fn known_other_way(&self, k: usize) -> bool {
        self.dealings[self.slots[k] as usize].known
    }

    /// Whether position `k` opens a relationship that can be new at all: its
    /// counterparty's first, and never silent past the lapse.
    fn fresh(&self, k: usize) -> bool {
        self.opens(k) && !self.dealings[self.slots[k] as usize].lapsed
    }

    /// Whether position `k` opens a short relationship: fresh, and over within
    /// `ends_within` of its own first transfer.
    fn short(&self, k: usize, ends_within: i64) -> bool {
        self.fresh(k) && self.last(k) <= self.time(k) + ends_within
    }

    /// Whether position `k` opens a new relationship in a window opened at `opened_from`:
    /// fresh, and over within `ends_within` of it.
    fn new_from(&self, k: usize, opened_from: i64, ends_within: i64) -> bool {
        self.fresh(k) && self.last(k) <= opened_from + ends_within
    }

    /// Whether position `k`'s counterparty is one that positions `lo..=hi` open anew
    /// in a window opened at `time(lo)`: only its first position can, so it is that one
    /// read, not a set of the window's new counterparties.
    fn new_in(&self, k: usize, lo: usize, hi: usize, ends_within: i64) -> bool {
        let first = self.first(self.slot(k));
        (lo..=hi).contains(&first) && self.new_from(first, self.time(lo), ends_within)
    }

    /// Distinct counterparties at positions `lo..=hi`: those whose previous position is
    /// before `lo`.
    fn distinct(&self, lo: usize, hi: usize) -> usize {
        self.previous[lo..=hi].iter().filter(|&&p| p == NONE_BEFORE || (p as usize) < lo).count()
    }

    /// How many counterparties there are.
    fn count(&self) -> usize {
        self.dealings.len()
    }
}

/// What a fan's transfers `edges` (edge ids, none of them `v`'s to itself) move apart
/// from its largest counterparty's: a fan spreads money over many, while one large
/// payment (a house, a car, a fund subscription) with a few everyday payees beside it is
/// a purchase. Its floor is half the fan's: the rest must carry at least half of one
/// large transfer of the dump.
pub(super) fn spread_beyond_largest(g: &FlowGraph, v: u32, edges: &[u32]) -> f64 {
    let mut by_party: FxHashMap<u32, f64> = FxHashMap::default();
    for &e in edges {
        let e = e as usize;
        let other = if g.src[e] == v { g.dst[e] } else { g.src[e] };
        *by_party.entry(other).or_default() += g.amount[e];
    }
    let total: f64 = by_party.values().sum();
    total - by_party.values().copied().fold(0.0, f64::max)
}

/// The window in which an account dealt with the most distinct counterparties.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    /// First transfer time in the window.
    pub from: i64,
    /// Last transfer time in the window.
    pub to: i64,
    /// Edge ids of the counted transfers in the window, in time order.
    pub edges: Vec<u32>,
    /// Of those, the transfers with its new counterparties, in time order: what the burst
    /// proves. The rest of the window is the account's business with counterparties it
    /// already knew (its landlord, its regular customers), no part of a fan. Filled for
    /// the bursts [`densest_at_any_scale`] and the fan motifs return; empty from
    /// [`densest_within`].
    pub new_edges: Vec<u32>,
    /// Distinct counterparties (controller groups) in the window.
    pub counterparties: usize,
    /// What made its new counterparties new.
    pub new_by: NewBy,
    /// Of those, the ones the account dealt with this way only inside the window.
    pub new_counterparties: usize,
    /// Transfers per day inside the window / per day outside it (one added outside, so a
    /// quiet account's first burst is finite): how far the burst stands out from the
    /// account's own habit.
    pub rate_ratio: f64,
    /// Counted transfers in the window / counted transfers of the account in this
    /// direction over the whole dump: 1.0 for a one-off burst, small for steady business.
    pub share: f64,
    /// Amount moved in the window (base currency).
    pub amount: f64,
    /// How many windows opening this many new relationships would be expected by chance
    /// over the dump, at the account's own rate of opening them outside the window
    /// ([`burst_chance`]); from [`densest_at_any_scale`], times the scales it read, since
    /// the densest of several readings is the likelier to stand out by chance.
    pub chance: f64,
}

/// What makes a burst's counterparties new. Each is first dealt with inside the window
/// and never comes back after a silence longer than the fan's window; besides, its last
/// transfer comes at most the given seconds after one opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewBy {
    /// After the window opened: a burst, and a fan spread over the relationship's span.
    WindowOpening(i64),
    /// After its own first transfer: a fan spread over several relationship spans, whose
    /// payees each deal briefly while the fan does not.
    OwnOpening(i64),
}

impl NewBy {
    /// Words for a reason.
    fn words(self) -> String {
        match self {
            NewBy::WindowOpening(s) => {
                format!("first dealt with in this burst, not after {:.0} days", seconds_to_days(s))
            }
            NewBy::OwnOpening(s) => {
                format!("first dealt with in this fan, each done within {:.0} days", seconds_to_days(s))
            }
        }
    }
}

impl Burst {
    /// What the burst proves: its new counterparties' transfers, or (where they were not
    /// collected) all of the window's.
    pub fn proving(&self) -> &[u32] {
        if self.new_edges.is_empty() {
            &self.edges
        } else {
            &self.new_edges
        }
    }
}

/// How many transfers of one account in one direction are not to itself and on
/// `channels`: the baseline a burst's rate is compared with.
pub fn baseline(v: u32, list: AdjList<'_>, channels: &[Channel]) -> usize {
    (0..list.len()).filter(|&k| list.other[k] != v && channels.contains(&list.channel[k])).count()
}

/// Counted transfers of one account in one direction: not to itself, on `channels`, and
/// (with `skip_b2b`) not between two companies, since a trading company meets new
/// business counterparties every week.
pub fn counted(g: &FlowGraph, v: u32, list: AdjList<'_>, channels: &[Channel], skip_b2b: bool) -> Vec<usize> {
    let company = |a: u32| g.accounts.business_like[a as usize];
    let b2b = skip_b2b && company(v);
    (0..list.len())
        .filter(|&k| {
            list.other[k] != v && channels.contains(&list.channel[k]) && !(b2b && company(list.other[k]))
        })
        .collect()
}

/// True when bursts like `burst` of account `v` would be expected by chance at most
/// `expected` times over every active account of the dump: its new counterparties
/// against the account's own rate of opening them ([`Burst::chance`]), times its amounts
/// against the account's own ([`AmountNovelty::chance`]). A shop's busy Saturday, a
/// payroll run and a remitter's daily book are what the account always does; a mule's
/// burst of payees is not, in its count or in its amounts.
pub fn unlikely(g: &FlowGraph, v: u32, burst: &Burst, expected: f64) -> bool {
    expected_over_dump(g, v, burst) <= expected
}

/// How many bursts like `burst` of account `v` are expected by chance over every active
/// account of the dump (see [`unlikely`]).
pub fn expected_over_dump(g: &FlowGraph, v: u32, burst: &Burst) -> f64 {
    let amounts = AmountNovelty::measure(g, &[v], &burst.edges).chance();
    burst.chance * amounts * g.scale.active_accounts as f64
}

/// The window lengths a burst is looked for at: `window`, and each power-of-two number
/// of days below it, down to one day. A same-day burst of five payees is diluted past
/// notice when its rate is read over a week, and a busy account's week looks like its
/// everyday business; read at its own length, each stands out as far as it really does.
/// Each scale is `(span, rate_window)`: the longest time between a burst's first and last
/// transfer, and the duration its rate is read over. Below `window`, a burst of `d` days
/// spans at most `d` days less one `tick` (the dump's time resolution), so a dates-only
/// dump's one-day burst is one date.
pub fn scales(window: i64, tick: i64) -> Vec<(i64, i64)> {
    let days = || std::iter::successors(Some(DAY), |d| d.checked_mul(2)).take_while(|&d| d < window);
    let mut out = Vec::with_capacity(1 + days().count());
    out.push((window, window));
    out.extend(days().map(|d| (d - tick.clamp(1, DAY), d)));
    out
}

/// The most telling burst over every [`scales`] of `window`: of the bursts that
/// `accept` takes, the one with the most new counterparties, then the one furthest above
/// the account's usual rate, then the longest window. See [`densest_within`].
pub fn densest_at_any_scale(
    g: &FlowGraph,
    list: AdjList<'_>,
    keep: &[usize],
    baseline: usize,
    search: &BurstSearch<'_>,
    accept: impl Fn(&Burst) -> bool,
) -> Option<Burst> {
    let dealt = Dealings::of(g, list, keep, search.relationship.lapse, search.repaid);
    densest_at_any_scale_in(g, &dealt, baseline, search, accept)
}

/// [`densest_at_any_scale`] over the account's dealings, read once for every scale
/// (with `search`'s lapse and repayments).
fn densest_at_any_scale_in(
    g: &FlowGraph,
    dealt: &Dealings<'_>,
    baseline: usize,
    search: &BurstSearch<'_>,
    accept: impl Fn(&Burst) -> bool,
) -> Option<Burst> {
    let mut best: Option<(Burst, (i64, Window))> = None;
    let scales = scales(search.window, g.scale.time_tick_seconds);
    let readings = scales.len() as f64;
    let spans: Vec<i64> = scales.iter().map(|&(span, _)| span).collect();
    let mut windows = vec![None; spans.len()];
    densest_windows(dealt, &spans, search, &mut windows);
    for (&(_, rate_window), window) in scales.iter().zip(windows) {
        let Some(window) = window else {
            continue;
        };
        let (mut b, _) = burst_in(g, dealt, baseline, rate_window, search, window, false);
        b.chance *= readings;
        if !accept(&b) {
            continue;
        }
        let better = best.as_ref().is_none_or(|(x, _)| {
            (b.new_counterparties, b.rate_ratio).partial_cmp(&(x.new_counterparties, x.rate_ratio))
                == Some(std::cmp::Ordering::Greater)
        });
        if better {
            best = Some((b, (rate_window, window)));
        }
    }
    // The winning window read once more for its new counterparties' transfers: only the
    // burst reported pays for collecting them.
    let (mut burst, (rate_window, window)) = best?;
    burst.new_edges = burst_in(g, dealt, baseline, rate_window, search, window, true).1;
    Some(burst)
}

/// The densest window among the counted transfers `keep` (indices into `list`,
/// time-sorted) whose first and last transfers are at most `span` apart: the one that
/// opens the most *new* relationships ([`Relationship`]); earliest on ties; `None` when
/// there are none. Counterparties are
/// controller groups, so one owner's several accounts count once. `baseline` is how many
/// transfers the account made this way in all (counted or not): the burst's rate, per
/// `rate_window`, is compared with the rest of them.
pub fn densest_within(
    g: &FlowGraph,
    list: AdjList<'_>,
    keep: &[usize],
    baseline: usize,
    span: i64,
    rate_window: i64,
    relationship: Relationship,
) -> Option<Burst> {
    let search = BurstSearch { window: span, relationship, apart_from: &[], repaid: &[] };
    let dealt = Dealings::of(g, list, keep, relationship.lapse, &[]);
    densest(g, &dealt, baseline, span, rate_window, &search, false).map(|(b, _)| b)
}

/// [`densest_within`] over the account's dealings (read with `search`'s lapse and
/// repayments), and with `new_edges` the edge ids of the window's transfers with its new
/// counterparties, in time order (empty without).
fn densest(
    g: &FlowGraph,
    dealt: &Dealings<'_>,
    baseline: usize,
    span: i64,
    rate_window: i64,
    search: &BurstSearch<'_>,
    new_edges: bool,
) -> Option<(Burst, Vec<u32>)> {
    let mut window = [None];
    densest_windows(dealt, &[span], search, &mut window);
    let window = window[0]?;
    Some(burst_in(g, dealt, baseline, rate_window, search, window, new_edges))
}

/// Positions `lo..=hi` of an account's dealings, opening `new` new relationships.
#[derive(Debug, Clone, Copy)]
struct Window {
    lo: usize,
    hi: usize,
    new: usize,
}

/// The window of positions ([`Window`]) whose first and last transfers are at most
/// `span` apart and that opens the most short relationships ([`Dealings::short`], over
/// within the search's relationship span of their own first transfer), earliest on
/// ties; away from the bursts found before. A fan spread over more than one
/// relationship span: its payees are each dealt with briefly, which a bound from the
/// window's opening would no longer say.
fn densest_short_window(dealt: &Dealings<'_>, span: i64, search: &BurstSearch<'_>) -> Option<Window> {
    let within = search.relationship.ends_within;
    let n = dealt.keep.len();
    // Short openings before each position.
    let mut before = Vec::with_capacity(n + 1);
    before.push(0usize);
    for k in 0..n {
        before.push(before[k] + usize::from(dealt.short(k, within)));
    }
    let mut best: Option<Window> = None;
    let mut hi = 0;
    for lo in (0..n).filter(|&k| dealt.opens(k)) {
        hi = hi.max(lo);
        while hi + 1 < n && dealt.time(hi + 1) - dealt.time(lo) <= span {
            hi += 1;
        }
        if search.near_a_found_burst(dealt.time(lo), dealt.time(hi)) {
            continue;
        }
        let new = before[hi + 1] - before[lo];
        if best.is_none_or(|b| new > b.new) {
            best = Some(Window { lo, hi, new });
        }
    }
    best
}

/// For each of `spans`, the window of positions ([`Window`]) whose first and last
/// transfers are at most that span apart and that opens the most *new* relationships
/// ([`Relationship`]), earliest on ties; `None` where there is none. What a window counts
/// depends only on where it opens, so every span reads one count.
fn densest_windows(
    dealt: &Dealings<'_>,
    spans: &[i64],
    search: &BurstSearch<'_>,
    best: &mut [Option<Window>],
) {
    let relationship = search.relationship;
    debug_assert_eq!(dealt.lapse, relationship.lapse);
    let (keep, by_last) = (dealt.keep, &dealt.by_last);
    let time = |k: usize| dealt.time(k);
    // New counterparties in [lo, hi] are the fresh openings k there whose counterparty's
    // last transfer is by `time(lo) + ends_within`. That bound only grows with lo, so the
    // openings are added to a Fenwick tree in order of their last transfer as it
    // passes them, and each window's count is a range sum: a shop with thousands of
    // payers a week is O(n log n), not O(n x window).
    let mut counted = Fenwick::new(keep.len());
    let mut next = 0;
    debug_assert_eq!(best.len(), spans.len());
    best.fill(None);
    // Where each span's window ends, for the window opening at `lo`: a few spans, on
    // the stack.
    let (mut on_stack, mut on_heap) = ([0usize; MOST_SPANS], Vec::new());
    let his: &mut [usize] = if spans.len() <= MOST_SPANS {
        &mut on_stack[..spans.len()]
    } else {
        on_heap.resize(spans.len(), 0);
        &mut on_heap
    };
    for lo in 0..keep.len() {
        if !dealt.opens(lo) {
            continue;
        }
        let until = time(lo) + relationship.ends_within;
        while next < by_last.len() && by_last[next].0 <= until {
            counted.add(by_last[next].1);
            next += 1;
        }
        let opened = counted.prefix(lo);
        for ((&span, hi), best) in spans.iter().zip(his.iter_mut()).zip(best.iter_mut()) {
            *hi = (*hi).max(lo);
            while *hi + 1 < keep.len() && time(*hi + 1) - time(lo) <= span {
                *hi += 1;
            }
            if search.near_a_found_burst(time(lo), time(*hi)) {
                continue;
            }
            let new = counted.prefix(*hi + 1) - opened;
            if best.is_none_or(|b| new > b.new) {
                *best = Some(Window { lo, hi: *hi, new });
            }
        }
    }
}

/// Spans [`densest_windows`] keeps on the stack: every window up to 2^63 seconds has
/// fewer [`scales`].
const MOST_SPANS: usize = 64;

/// The burst of `window` ([`densest_windows`]) of the account's
/// dealings, its rate read per `rate_window`, and with `new_edges` the edge ids of its
/// transfers with its new counterparties, in time order (empty without). `baseline` is
/// how many transfers the account made this way in all (counted or not): the burst's
/// rate is compared with the rest of them.
fn burst_in(
    g: &FlowGraph,
    dealt: &Dealings<'_>,
    baseline: usize,
    rate_window: i64,
    search: &BurstSearch<'_>,
    window: Window,
    new_edges: bool,
) -> (Burst, Vec<u32>) {
    let Window { lo, hi, new } = window;
    let (list, keep) = (dealt.list, dealt.keep);
    let new_edges = if new_edges { new_edges_in(dealt, search, window) } else { Vec::new() };
    let parties = dealt.distinct(lo, hi);
    let idx = &keep[lo..=hi];
    // Its rate is read over at least the time it may have taken: in a dump of dates, a
    // week's burst over eight dates took up to eight days.
    let span = list.time[idx[idx.len() - 1]] - list.time[idx[0]];
    let rate_window = rate_window.max(span + g.scale.time_tick_seconds.clamp(1, DAY));
    let dump_span = g.dump_span_seconds().max(rate_window);
    let days = |s: i64| seconds_to_days(s).max(1.0);
    let outside = baseline.saturating_sub(idx.len()) as f64;
    // The account's habit of opening relationships: the counterparties it first dealt
    // with outside the window (one added, so a quiet account's first burst is finite).
    let opened_outside = dealt.count().saturating_sub(new) as f64;
    let usual_per_window = (opened_outside + 1.0) / days(dump_span - rate_window) * days(rate_window);
    let burst = Burst {
        chance: burst_chance(new, usual_per_window, days(dump_span) / days(rate_window)),
        from: list.time[idx[0]],
        to: list.time[idx[idx.len() - 1]],
        edges: idx.iter().map(|&k| list.edges[k]).collect(),
        new_edges: Vec::new(),
        counterparties: parties,
        new_by: NewBy::WindowOpening(search.relationship.ends_within),
        new_counterparties: new,
        share: idx.len() as f64 / keep.len() as f64,
        rate_ratio: (idx.len() as f64 / days(rate_window))
            / ((outside + 1.0) / days(dump_span - rate_window)),
        amount: idx.iter().map(|&k| list.amount[k]).sum(),
    };
    (burst, new_edges)
}

/// The edge ids of `window`'s transfers with the counterparties it opens anew
/// ([`Relationship`], as [`densest_windows`] counts them), in time order.
fn new_edges_in(dealt: &Dealings<'_>, search: &BurstSearch<'_>, window: Window) -> Vec<u32> {
    let Window { lo, hi, .. } = window;
    let ends_within = search.relationship.ends_within;
    (lo..=hi)
        .filter(|&k| dealt.new_in(k, lo, hi, ends_within))
        .map(|k| dealt.list.edges[dealt.keep[k]])
        .collect()
}

/// Counts of marked positions, with prefix sums in O(log n) (a binary indexed tree). Its
/// memory is kept on each thread for the next window search: a tree zeroed and freed
/// for every account and scale was a tenth of the fan motifs' time in the allocator.
struct Fenwick(Vec<usize>);

thread_local! {
    static FENWICK_KEPT: std::cell::RefCell<Vec<usize>> = std::cell::RefCell::default();
}

impl Fenwick {
    fn new(n: usize) -> Fenwick {
        let mut counts = crate::memory::take_kept(&FENWICK_KEPT);
        counts.clear();
        counts.resize(n + 1, 0);
        Fenwick(counts)
    }

    /// Marks position `k` (0-based) once more.
    fn add(&mut self, k: usize) {
        let mut i = k + 1;
        while i < self.0.len() {
            self.0[i] += 1;
            i += i & i.wrapping_neg();
        }
    }

    /// Marks at positions `0..end`.
    fn prefix(&self, end: usize) -> usize {
        let (mut i, mut sum) = (end, 0);
        while i > 0 {
            sum += self.0[i];
            i -= i & i.wrapping_neg();
        }
        sum
    }
}

impl Drop for Fenwick {
    fn drop(&mut self) {
        let counts = std::mem::take(&mut self.0);
        let size = counts.capacity();
        crate::memory::keep(&FENWICK_KEPT, counts, size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    #[test]
    fn a_slow_fan_is_read_over_longer_spans_only_where_the_dump_leaves_time_besides() {
        let month = 30 * DAY;
        assert_eq!(slow_spans(month, 100 * DAY), vec![month]);
        assert_eq!(slow_spans(month, 150 * DAY), vec![month, 2 * month]);
        assert_eq!(slow_spans(month, 365 * DAY), vec![month, 2 * month, 4 * month]);
        // A dump shorter than the span still reads the span: a month of a week's dump.
        assert_eq!(slow_spans(month, 7 * DAY), vec![month]);
    }

    /// HUB paid 100 by `P{who}` on each `(day, who)`.
    fn hub_paid_by(sends: &[(i64, usize)]) -> Tiny {
        let mut t = Tiny::new();
        for (day, who) in sends {
            t.wire(&format!("P{who}"), "HUB", day * D, 100.0);
        }
        t
    }

    proptest::proptest! {
        /// The densest window found with the Fenwick tree is the one a direct count of
        /// every window finds.
        #[test]
        fn densest_window_matches_a_direct_count(
            sends in proptest::collection::vec((0i64..40, 0usize..8), 1..60),
            span in 0i64..10,
            relationship in 0i64..20,
            lapse in 0i64..12,
        ) {
            let t = hub_paid_by(&sends);
            let g = t.graph();
            let hub = t.dump.accounts.index["HUB"];
            let list = g.in_list(hub);
            let keep: Vec<usize> = (0..list.len()).collect();
            let rule = Relationship { ends_within: relationship * D, lapse: lapse * D };
            let got = densest_within(&g, list, &keep, keep.len(), span * D, span * D, rule)
                .map(|b| (b.edges, b.new_counterparties));
            // Direct: every opening as the window's start, earliest best on ties.
            let party = |k: usize| g.accounts.controller[list.other[k] as usize];
            let last = |k: usize| (0..list.len()).filter(|&j| party(j) == party(k)).map(|j| list.time[j]).max().unwrap();
            let opens = |k: usize| (0..k).all(|j| party(j) != party(k));
            let times = |k: usize| (0..list.len()).filter(|&j| party(j) == party(k)).map(|j| list.time[j]).collect::<Vec<_>>();
            let lapsed = |k: usize| times(k).windows(2).any(|w| w[1] - w[0] > lapse * D);
            let mut want: Option<(Vec<u32>, usize)> = None;
            for lo in (0..list.len()).filter(|&k| opens(k)) {
                let hi = (lo..list.len()).take_while(|&k| list.time[k] - list.time[lo] <= span * D).last().unwrap();
                let until = list.time[lo] + relationship * D;
                let new = (lo..=hi).filter(|&k| opens(k) && !lapsed(k) && last(k) <= until).count();
                if want.as_ref().is_none_or(|(_, b)| new > *b) {
                    want = Some((list.edges[lo..=hi].to_vec(), new));
                }
            }
            proptest::prop_assert_eq!(got, want);
        }

        /// A window's distinct counterparties, read from each position's previous one,
        /// and the transfers of those it opens anew, read from each counterparty's first
        /// position, are what sets of the window's counterparties give.
        #[test]
        fn window_counterparties_read_without_sets_are_the_sets(
            sends in proptest::collection::vec((0i64..40, 0usize..8), 1..40),
            relationship in 0i64..20,
            lapse in 0i64..12,
        ) {
            let t = hub_paid_by(&sends);
            let g = t.graph();
            let list = g.in_list(t.dump.accounts.index["HUB"]);
            let keep: Vec<usize> = (0..list.len()).collect();
            let rule = Relationship { ends_within: relationship * D, lapse: lapse * D };
            let dealt = Dealings::of(&g, list, &keep, rule.lapse, &[]);
            let search = BurstSearch { window: 0, relationship: rule, apart_from: &[], repaid: &[] };
            let party = |k: usize| g.accounts.controller[list.other[keep[k]] as usize];
            for lo in 0..keep.len() {
                for hi in lo..keep.len() {
                    let parties: FxHashSet<u32> = (lo..=hi).map(party).collect();
                    proptest::prop_assert_eq!(dealt.distinct(lo, hi), parties.len());
                    let new: FxHashSet<u32> = (lo..=hi)
                        .filter(|&k| dealt.new_from(k, dealt.time(lo), rule.ends_within))
                        .map(party)
                        .collect();
                    let want: Vec<u32> =
                        (lo..=hi).filter(|&k| new.contains(&party(k))).map(|k| list.edges[keep[k]]).collect();
                    proptest::prop_assert_eq!(new_edges_in(&dealt, &search, Window { lo, hi, new: 0 }), want);
                }
            }
        }
    }

    #[test]
    fn densest_window_counts_distinct_owners_and_its_share() {
        let mut t = Tiny::new();
        let hub = t.person("HUB", "US");
        t.span(204);
        // Steady: one sender a month; burst: four senders (one twice) within two days.
        for m in 0..4 {
            t.wire("OLD", "HUB", m * 30 * D, 100.0);
        }
        for (k, s) in ["A", "B", "C", "A", "D"].iter().enumerate() {
            t.wire(s, "HUB", 200 * D + k as i64 * H, 50.0);
        }
        let g = t.graph();
        let list = g.in_list(hub);
        let keep = counted(&g, hub, list, &[Channel::Wire], true);
        let b =
            densest_within(&g, list, &keep, keep.len(), 7 * D, 7 * D, Relationship::inside(7 * D)).unwrap();
        assert_eq!((b.counterparties, b.new_counterparties), (4, 4));
        assert_eq!(b.edges.len(), 5);
        // 5 in 7 days against (4 + 1) in the other 197 days.
        assert!((b.rate_ratio - (5.0 / 7.0) / (5.0 / 197.0)).abs() < 1e-9, "{}", b.rate_ratio);
        assert!((b.share - 5.0 / 9.0).abs() < 1e-9);
        assert_eq!(b.amount, 250.0);
    }

    #[test]
    fn a_week_over_eight_dates_is_read_over_the_eight_days_it_may_have_taken() {
        // Five new senders on the first five and the last of eight dates: in a dump of
        // dates alone they may have come eight days apart, so the burst's rate is read
        // over eight days. Written to the second, the same senders an hour short of a
        // week apart are read over the week.
        let burst = |timed: bool| {
            let mut t = Tiny::new();
            let hub = t.person("HUB", "US");
            t.span(204);
            let second = if timed { 17 } else { 0 };
            for m in 0..4 {
                t.wire("OLD", "HUB", m * 30 * D + second, 100.0);
            }
            for (k, s) in ["A", "B", "C", "D", "E"].iter().enumerate() {
                let at = if k == 4 { 107 * D - if timed { H } else { 0 } } else { (100 + k as i64) * D };
                t.wire(s, "HUB", at + second, 50.0);
            }
            let g = t.graph();
            let list = g.in_list(hub);
            let keep = counted(&g, hub, list, &[Channel::Wire], true);
            let b = densest_within(&g, list, &keep, keep.len(), 7 * D, 7 * D, Relationship::inside(7 * D));
            (g.scale.time_tick_seconds, b.unwrap())
        };
        let (tick, dates) = burst(false);
        assert_eq!((tick, dates.new_counterparties), (D, 5));
        // 5 in 8 days against (4 + 1) in the other 196.
        assert!((dates.rate_ratio - (5.0 / 8.0) / (5.0 / 196.0)).abs() < 1e-9, "{}", dates.rate_ratio);
        let (tick, timed) = burst(true);
        assert_eq!((tick, timed.new_counterparties), (1, 5));
        assert!((timed.rate_ratio - (5.0 / 7.0) / (5.0 / 197.0)).abs() < 1e-9, "{}", timed.rate_ratio);
    }
}
