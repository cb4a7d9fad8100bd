//! Shared by the fan motifs: new counterparties first dealt with on a schedule. A
//! controller who has a new mule pay the collection account every eleven days, or has
//! the account pay a new mule every month, spreads the fan over months at the account's
//! everyday rate and amounts, past any burst; what gives it away is that the first
//! payments keep one interval, while the account's other days keep none.

use std::cell::OnceCell;

use rustc_hash::FxHashSet;

use crate::detect::search::fans::{fan_legs, fan_strength, spread_beyond_largest, Fan, FanConfig};
use crate::detect::{Context, Hit, HitBuilder};
use crate::graph::algo::novelty::AmountNovelty;
use crate::graph::algo::schedules::{
    each_schedule, fewest_terms, keeps_own_cadence, schedule_chance, schedule_chance_around, Cadence,
    Schedule,
};
use crate::graph::{AdjList, FlowGraph};
use crate::pattern::Pattern;
use crate::units::{fmt_amount, fmt_odds, format_date, DAY};

/// The shortest interval of a schedule, days: new counterparties on consecutive days are
/// a burst, which the fan's burst reading weighs against the account's rate.
const SHORTEST_INTERVAL_DAYS: i64 = 2;

/// The fewest first payments that make a schedule: three days keep an interval somewhere
/// in nearly any account's year, and the chance test would throw them all away after
/// reading them.
const FEWEST_TERMS: usize = 4;

/// A fan whose new counterparties were first dealt with on a [`Schedule`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledFan {
    /// The days of the first payments.
    pub schedule: Schedule,
    /// The first transfers with the new counterparties on those days (edge ids, in time
    /// order).
    pub edges: Vec<u32>,
    /// Distinct counterparties (controller groups) of those transfers.
    pub counterparties: usize,
    /// What they moved.
    pub amount: f64,
    /// How many schedules as long would be expected by chance among the account's first
    /// payments ([`schedule_chance`]).
    pub chance: f64,
    /// The shortest step of the account's own [`Cadence`], when the chance was read
    /// around it ([`schedule_chance_around`]).
    pub around_cadence: Option<i64>,
}

/// What a schedule must pass over the whole dump, read once per fan motif: its fewest
/// days, how many schedules as unlikely may be expected by chance, and, per interval,
/// the fewest days that could ever be that unlikely ([`fewest_terms`]): at 10M
/// transfers, four or five days at any interval never are, and the search does not
/// follow them.
#[derive(Debug, Clone)]
pub struct ScheduleBar {
    min_terms: usize,
    expected: f64,
    /// By interval in days, up to the dump's span: the fewest days (`None`: no schedule
    /// at that interval fits and is rare enough).
    fewest: Vec<Option<usize>>,
}

impl ScheduleBar {
    /// The bar of `cfg`'s fans in the dump of `g`.
    pub fn new(g: &FlowGraph, cfg: &FanConfig) -> ScheduleBar {
        let min_terms = cfg.min_counterparties.get().max(FEWEST_TERMS);
        // As a fan spread over a month: everyday life opens relationships in clumps,
        // which a schedule's chance, read as if they came on random days, takes no
        // account of.
        let expected = cfg.spread_expected_by_chance.get();
        let at_most = expected / g.scale.active_accounts.max(1) as f64;
        let span = g.scale.span_days.ceil() as i64 + 2;
        let fewest = (0..=span)
            .map(|every| {
                (every >= SHORTEST_INTERVAL_DAYS)
                    .then(|| fewest_terms(every, min_terms, span, SHORTEST_INTERVAL_DAYS, at_most))
                    .flatten()
            })
            .collect();
        ScheduleBar { min_terms, expected, fewest }
    }

    /// The fewest days a schedule every `every` days needs (`None`: none can pass).
    fn fewest(&self, every: i64) -> Option<usize> {
        match usize::try_from(every).ok().and_then(|k| self.fewest.get(k)) {
            Some(&wanted) => wanted,
            // Past the dump's span, as the day boundaries fall: read as at its widest.
            None => self.fewest.last().copied().flatten(),
        }
    }
}

/// An account's first payments one way, as [`scheduled_fan`] reads them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirstPaymentReadings {
    /// Each reading: positions in the account's list, in time order.
    pub each: Vec<Vec<usize>>,
    /// The positions (sorted) among them that open a new relationship as a burst counts
    /// it (over within the relationship's span, never silent past the window).
    pub new: Vec<usize>,
}

/// The least likely schedule among `readings` of `v`'s first payments (each a list of
/// positions in `list`, in time order: each a new counterparty's first transfer with `v`
/// this way; a company's with every counterparty, and with persons alone) that the
/// account's other days this way do not keep, passing `bar` (each reading one more try),
/// whose transfers move `floor` in all and half of it beyond the largest counterparty's,
/// and none of whose days falls in `apart_from` (times, seconds: bursts found before,
/// with a window around them), and at least half of whose counterparties are new
/// ([`FirstPaymentReadings::new`]): a firm that takes on a supplier every ten days and
/// keeps paying them is doing business, whatever the interval.
pub fn scheduled_fan(
    g: &FlowGraph,
    v: u32,
    list: AdjList<'_>,
    readings: &FirstPaymentReadings,
    apart_from: &[(i64, i64)],
    bar: &ScheduleBar,
    floor: f64,
) -> Option<ScheduledFan> {
    let tries = readings.each.len().max(1) as f64;
    let life = Life::default();
    readings
        .each
        .iter()
        .filter_map(|openings| {
            in_reading(g, v, list, openings, apart_from, (bar, floor, tries, &readings.new), &life)
        })
        .map(|mut found| {
            found.chance *= tries;
            found
        })
        .min_by(|a, b| a.chance.total_cmp(&b.chance))
}

/// An account's life one way, whatever the reading: its active days and its rhythm,
/// each read once and only when a schedule needs them.
#[derive(Default)]
struct Life {
    active_days: OnceCell<Vec<i64>>,
    cadence: OnceCell<Cadence>,
}

impl Life {
    /// Every day of the account's life this way: its rhythm is what it does, whatever
    /// the fan counts.
    fn active_days(&self, v: u32, list: AdjList<'_>) -> &[i64] {
        self.active_days.get_or_init(|| {
            let mut days: Vec<i64> = (0..list.len())
                .filter(|&k| list.other[k] != v)
                .map(|k| list.time[k].div_euclid(DAY))
                .collect();
            days.dedup();
            days
        })
    }

    fn cadence(&self, v: u32, list: AdjList<'_>) -> &Cadence {
        self.cadence.get_or_init(|| Cadence::of(self.active_days(v, list)))
    }
}

/// [`scheduled_fan`] in one reading of the first payments, `openings`.
fn in_reading(
    g: &FlowGraph,
    v: u32,
    list: AdjList<'_>,
    openings: &[usize],
    apart_from: &[(i64, i64)],
    (bar, floor, tries, new): (&ScheduleBar, f64, f64, &[usize]),
    life: &Life,
) -> Option<ScheduledFan> {
    let (min_terms, expected) = (bar.min_terms, bar.expected / tries);
    // What every first payment moved is the most a schedule of them can: most accounts'
    // new counterparties move less than the fan's floor in all.
    let (total, largest) =
        openings.iter().map(|&k| list.amount[k]).fold((0.0, 0.0f64), |(t, l), a| (t + a, l.max(a)));
    if openings.len() < min_terms || total < floor || total - largest < floor / 2.0 {
        return None;
    }
    let day = |k: usize| list.time[k].div_euclid(DAY);
    let mut opening_days: Vec<i64> = openings.iter().map(|&k| day(k)).collect();
    opening_days.dedup();
    if opening_days.len() < min_terms {
        return None;
    }
    // How long it has dealt this way: where else a schedule as long could have fallen.
    let life_days = day(list.len().checked_sub(1)?) - day(0) + 1;
    let accounts = g.scale.active_accounts as f64;
    let marked_within = |s: &Schedule| {
        opening_days.partition_point(|&d| d <= s.last_day())
            - opening_days.partition_point(|&d| d < s.first_day)
    };
    let near_a_burst = |s: &Schedule| {
        apart_from.iter().any(|&(from, to)| (from.div_euclid(DAY)..=to.div_euclid(DAY)).any(|d| s.holds(d)))
    };
    let mut likely: Vec<(f64, Schedule, Option<i64>)> = Vec::new();
    each_schedule(
        &opening_days,
        min_terms,
        SHORTEST_INTERVAL_DAYS,
        |every| bar.fewest(every),
        |s| {
            let mut chance = schedule_chance(&s, marked_within(&s), life_days, SHORTEST_INTERVAL_DAYS);
            let mut around = None;
            // Read around a rhythm, a schedule is no less likely than with nothing but its
            // own days marked in its span: most that fail fail that too, and the
            // account's rhythm is not read for them.
            let within_reach = || {
                2.0 * schedule_chance(&s, s.terms, life_days, SHORTEST_INTERVAL_DAYS) * accounts <= expected
            };
            if chance * accounts > expected && within_reach() {
                let cadence = life.cadence(v, list);
                if let Some(read) = around_cadence(&s, cadence, &opening_days, life_days, min_terms) {
                    // One more reading of the same days: charged as one more try.
                    if 2.0 * read < chance {
                        (chance, around) = (2.0 * read, cadence.shortest_step());
                    }
                }
            }
            if chance * accounts <= expected && !near_a_burst(&s) {
                likely.push((chance, s, around));
            }
        },
    );
    likely.sort_unstable_by(|a, b| {
        a.0.total_cmp(&b.0).then(a.1.first_day.cmp(&b.1.first_day)).then(a.1.every_days.cmp(&b.1.every_days))
    });
    if likely.is_empty() {
        return None;
    }
    let active_days = life.active_days(v, list);
    // Days it dealt with counterparties it already knew: a payout run or a payroll pays
    // them on the days it opens new ones, a mule's schedule does not.
    let mut business_days: Vec<i64> = (0..list.len())
        .filter(|&k| list.other[k] != v && openings.binary_search(&k).is_err())
        .map(day)
        .collect();
    business_days.dedup();
    likely.into_iter().find_map(|(chance, schedule, rhythm_step)| {
        // Every day of its life this way but for the schedule's own first payments.
        let others: Vec<i64> = active_days
            .iter()
            .copied()
            .filter(|&d| !schedule.holds(d) || business_days.binary_search(&d).is_ok())
            .collect();
        if keeps_own_cadence(&schedule, &others) != Some(false) {
            return None;
        }
        // Read around its rhythm, the first payments on its rhythm days are its rhythm's.
        let on_rhythm = |d: i64| rhythm_step.is_some() && life.cadence(v, list).holds(d);
        let on_schedule: Vec<usize> =
            openings.iter().copied().filter(|&k| schedule.holds(day(k)) && !on_rhythm(day(k))).collect();
        // Counterparties it keeps dealing with are its business: most of a fan's are new.
        let kept = on_schedule.iter().filter(|k| new.binary_search(k).is_err()).count();
        if 2 * kept > on_schedule.len() {
            return None;
        }
        let edges: Vec<u32> = on_schedule.iter().map(|&k| list.edges[k]).collect();
        let amount: f64 = edges.iter().map(|&e| g.amount[e as usize]).sum();
        if amount < floor || spread_beyond_largest(g, v, &edges) < floor / 2.0 {
            return None;
        }
        let counterparties = on_schedule
            .iter()
            .map(|&k| g.accounts.controller[list.other[k] as usize])
            .collect::<FxHashSet<u32>>()
            .len();
        Some(ScheduledFan { schedule, edges, counterparties, amount, chance, around_cadence: rhythm_step })
    })
}

/// The chance of `s` among `opening_days` read around the account's `cadence`: `None`
/// when it has none, or fewer than `min_terms` of the schedule's days are off it.
fn around_cadence(
    s: &Schedule,
    cadence: &Cadence,
    opening_days: &[i64],
    life_days: i64,
    min_terms: usize,
) -> Option<f64> {
    if cadence.is_empty() {
        return None;
    }
    let off = |d: &i64| !cadence.holds(*d);
    let counted = (0..s.terms as i64).map(|m| s.first_day + m * s.every_days).filter(off).count();
    if counted < min_terms {
        return None;
    }
    let within = &opening_days[opening_days.partition_point(|&d| d < s.first_day)
        ..opening_days.partition_point(|&d| d <= s.last_day())];
    let marked = within.iter().filter(|d| off(d)).count();
    let open_days = cadence.days_off(s.first_day, s.last_day());
    Some(schedule_chance_around(s, counted, marked, open_days, life_days, SHORTEST_INTERVAL_DAYS))
}

/// The hit of `v`'s scheduled fan: the hub and its new counterparties, proved by their
/// first transfers on the schedule's days. `counted` is how many transfers the account
/// has this way, for the share of its business the fan holds.
pub fn scheduled_hit(
    ctx: &Context<'_>,
    fan: Fan,
    pattern: Pattern,
    v: u32,
    found: &ScheduledFan,
    counted: usize,
    min_counterparties: usize,
) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    fan_legs(&mut b, g, fan, v, &found.edges);
    let novelty = AmountNovelty::measure(g, &[v], &found.edges);
    let (verb, to, who, firsts) = match fan {
        Fan::In => ("received", "from", "senders", "their first payments to it"),
        Fan::Out => ("sent", "to", "payees", "its first payments to them"),
    };
    let s = &found.schedule;
    let reason = format!(
        "{} {verb} {} transfers ({}) {to} {} new {who}, {firsts} on a schedule: every {} days from {} to {}, {} times{}, while its other days keep no such interval (chance of such a schedule among its new {who}: 1 in {}){}",
        ctx.account(v),
        found.edges.len(),
        fmt_amount(found.amount),
        found.counterparties,
        s.every_days,
        format_date(s.first_day * DAY),
        format_date(s.last_day() * DAY),
        s.terms,
        found
            .around_cadence
            .map(|step| format!(" ({} of them off its own rhythm of every {step} days, read apart)", found.edges.len()))
            .unwrap_or_default(),
        fmt_odds(found.chance),
        novelty.words(),
    );
    let share = found.edges.len() as f64 / counted.max(1) as f64;
    let strength = fan_strength(found.counterparties, min_counterparties, share, &novelty);
    b.finish(g, pattern, found.amount, strength, reason)
}
