//! Rhythm breaks: days on which an account that keeps a rhythm of its own (every
//! Tuesday, every other Friday: a [`Cadence`] holding most of its days, most of whose
//! days it is active on) deals, off that rhythm, with a counterparty it never dealt with
//! before, and how often the dump's rhythmic accounts do so, persons and businesses
//! apart ([`RhythmCensus`]); and the payments made off a rhythm, whoever was paid, which
//! a walk reads ([`OffRhythmPayments`]).
//!
//! Most people and firms keep no rhythm a week or a fortnight long; those that do (a
//! pensioner's standing orders, a firm that pays on Fridays) break it now and then to
//! pay someone new, and the dump says how often ([`BreakRate`]). An account whose every
//! payment kept its weekly rhythm for months, then paid five new payees on five other
//! days, broke it far more often than the dump's rhythmic accounts do: someone else
//! decided those payments. Where rhythmic accounts break their rhythm all the time, the
//! same five breaks are everyday life and nothing stands out.

use fixedbitset::FixedBitSet;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::graph::algo::chance::poisson_tail;
use crate::graph::algo::schedules::Cadence;
use crate::graph::AdjList;
use crate::units::{fmt_amount, DAY};

/// Fewest active days one way before a rhythm is read at all: fewer fall on one day of
/// a step four times only by the smallest steps' chance, which [`Cadence::of`] would
/// read and throw away.
const FEWEST_DAYS: usize = 8;

/// One account's rhythm one way and its breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct Rhythm {
    /// Its rhythm (never empty).
    pub cadence: Cadence,
    /// Days of its life this way, first to last active day.
    pub life_days: usize,
    /// Those off the rhythm: where a break could have fallen.
    pub open_days: usize,
    /// Its active days off the rhythm, whoever it paid.
    pub off_days: usize,
    /// Positions in the list (time order) of its first transfers with counterparties it
    /// had not dealt with this way before, on days off its rhythm.
    pub breaks: Vec<usize>,
}

impl Rhythm {
    /// The rhythm of `v`'s transfers one way (`list`, in time order; payments to
    /// itself left out): `None` when its days keep none.
    pub fn of(v: u32, list: AdjList<'_>) -> Option<Rhythm> {
        let day = |k: usize| list.time[k].div_euclid(DAY);
        let active = (0..list.len()).filter(|&k| list.other[k] != v).map(day);
        // Most accounts deal on too few days to keep a rhythm: counted before any is kept.
        let mut last_day = None;
        if active.clone().filter(|&d| last_day.replace(d) != Some(d)).count() < FEWEST_DAYS {
            return None;
        }
        let mut days: Vec<i64> = active.collect();
        days.dedup();
        let cadence = Cadence::of(&days);
        if cadence.is_empty() {
            return None;
        }
        // A life that keeps its rhythm: most of its days on it, and active on most of
        // the rhythm's days. A dealer whose customers pay on any day, and some every
        // eleventh, lives off its rhythm, and its new customers are no break of it; a
        // firm whose payroll runs every 30 days is read as rhythms of 6 and 15 days that
        // hold the payroll and, by chance, a share of its every other day, most of those
        // lattices' days idle: it keeps a payroll, not a rhythm of 6 days.
        let (first, last) = (days[0], days[days.len() - 1]);
        let open_days = cadence.days_off(first, last);
        let rhythm_days = (last - first + 1) as usize - open_days;
        let kept = days.iter().filter(|&&d| cadence.holds(d)).count();
        if 2 * kept <= days.len() || 2 * kept <= rhythm_days {
            return None;
        }
        let mut seen: FxHashSet<u32> = FxHashSet::default();
        let breaks = (0..list.len())
            .filter(|&k| list.other[k] != v && seen.insert(list.other[k]) && !cadence.holds(day(k)))
            .collect();
        let off_days = days.len() - kept;
        Some(Rhythm { cadence, life_days: (last - first + 1) as usize, open_days, off_days, breaks })
    }

    /// The positions of `v`'s transfers in `list` (the one it was read from) on days off
    /// the rhythm, whoever they were with (payments to itself left out).
    pub fn off_positions<'a>(&'a self, v: u32, list: AdjList<'a>) -> impl Iterator<Item = usize> + 'a {
        let (time, other) = (list.time, list.other);
        (0..list.len()).filter(move |&k| other[k] != v && !self.cadence.holds(time[k].div_euclid(DAY)))
    }

    /// Distinct days among `positions` (of the same list, sorted).
    pub fn days_of(list: AdjList<'_>, positions: &[usize]) -> usize {
        let mut last = None;
        positions
            .iter()
            .map(|&k| list.time[k].div_euclid(DAY))
            .filter(|&d| last.replace(d) != Some(d))
            .count()
    }
}

/// How often the dump's rhythmic accounts break their rhythm one way: days with a break
/// over the days off their rhythms, summed over every account with a rhythm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BreakRate {
    /// Accounts with a rhythm this way: how many accounts a test of breaks is tried on.
    pub rhythmic: u64,
    /// Days with at least one break.
    pub break_days: u64,
    /// Days off a rhythm.
    pub open_days: u64,
    /// Days off a rhythm with a payment to anyone.
    pub off_days: u64,
}

impl BreakRate {
    fn plus(self, other: BreakRate) -> BreakRate {
        BreakRate {
            rhythmic: self.rhythmic + other.rhythmic,
            break_days: self.break_days + other.break_days,
            open_days: self.open_days + other.open_days,
            off_days: self.off_days + other.off_days,
        }
    }

    /// Days with a payment off a rhythm per day off it, whoever was paid (one more
    /// counted, as for breaks).
    pub fn paying_per_open_day(&self) -> f64 {
        ((self.off_days + 1) as f64 / self.open_days.max(1) as f64).min(1.0)
    }

    /// Breaks per day off a rhythm among the rhythmic accounts but `own` (an account's
    /// own breaks and days off its rhythm, left out of the rate it is read against: the
    /// only rhythmic account of a dump has nothing to be read against), one more break
    /// counted, so a dump whose rhythmic accounts never break still allows for it.
    pub fn per_open_day(&self, own: &Rhythm, own_break_days: usize) -> f64 {
        let breaks = self.break_days.saturating_sub(own_break_days as u64);
        let open = self.open_days.saturating_sub(own.open_days as u64);
        ((breaks + 1) as f64 / open.max(1) as f64).min(1.0)
    }

    /// The rate in a reason, as `own`'s peers' (`per_open_day`, the rate it was read
    /// against): "the dump's other 30 private accounts that keep a rhythm deal with
    /// someone new off it on 1 in 688 such days".
    pub fn in_words(&self, business_like: bool, per_open_day: f64) -> String {
        format!(
            "the dump's other {} {} that keep a rhythm deal with someone new off it on 1 in {} such days",
            self.rhythmic.saturating_sub(1),
            if business_like { "businesses" } else { "private accounts" },
            fmt_amount(1.0 / per_open_day),
        )
    }

    /// The chance that an account breaks its rhythm on `days` days or more of
    /// `rhythm`'s days off it, at the rate of the others ([`BreakRate::per_open_day`]).
    pub fn chance(&self, rhythm: &Rhythm, own_break_days: usize, days: usize) -> f64 {
        let rate = self.per_open_day(rhythm, own_break_days);
        poisson_tail(days, rate * rhythm.open_days as f64)
    }

    /// The chance that an account breaks its rhythm on `days` days or more within some
    /// `within` days of its life (each read as off its rhythm, so a window is never
    /// rarer than it is), at the rate of the others: the Poisson tail in one window,
    /// times the windows its life holds.
    pub fn chance_within(&self, rhythm: &Rhythm, own_break_days: usize, days: usize, within: usize) -> f64 {
        let rate = self.per_open_day(rhythm, own_break_days);
        let windows = (rhythm.life_days as f64 / within.max(1) as f64).max(1.0);
        (windows * poisson_tail(days, rate * within as f64)).min(1.0)
    }
}

/// The dump's [`BreakRate`] among persons and among businesses apart: a firm that pays
/// its staff every month and takes on suppliers all year is read against the dump's other
/// firms, not against households' standing orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PeerBreakRates {
    /// Among accounts not read as businesses.
    pub persons: BreakRate,
    /// Among accounts read as businesses (a company, or far busier than the dump's
    /// typical account).
    pub businesses: BreakRate,
}

impl PeerBreakRates {
    /// The rate among an account's peers.
    pub fn among_peers(&self, business_like: bool) -> &BreakRate {
        if business_like {
            &self.businesses
        } else {
            &self.persons
        }
    }
}

/// Every account's rhythm one way, read once: the dump's [`PeerBreakRates`], and each
/// account's breaks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RhythmCensus {
    /// The rates among persons and among businesses.
    pub rates: PeerBreakRates,
    /// By account, how many counterparties it first dealt with off its rhythm (0 without
    /// one): an account with fewer breaks than a reading needs is not read again.
    pub breaks: Vec<u32>,
    /// The transfers made off their maker's rhythm, by edge id, ascending.
    pub off_rhythm: Vec<u32>,
    /// The accounts that keep a rhythm one way.
    pub rhythmic: Arc<FixedBitSet>,
}

impl RhythmCensus {
    /// The census of every account of a graph, `business_like` telling each one's peers
    /// and `list` giving its transfers the way read.
    pub fn of<'g>(business_like: &[bool], list: impl Fn(u32) -> AdjList<'g> + Sync) -> RhythmCensus {
        let each: Vec<Option<(BreakRate, u32, Vec<u32>)>> = (0..business_like.len() as u32)
            .into_par_iter()
            .map(|v| {
                let list = list(v);
                Rhythm::of(v, list).map(|r| {
                    let rate = BreakRate {
                        rhythmic: 1,
                        break_days: Rhythm::days_of(list, &r.breaks) as u64,
                        open_days: r.open_days as u64,
                        off_days: r.off_days as u64,
                    };
                    let off: Vec<u32> = r.off_positions(v, list).map(|k| list.edges[k]).collect();
                    (rate, u32::try_from(r.breaks.len()).unwrap_or(u32::MAX), off)
                })
            })
            .collect();
        let mut rates = PeerBreakRates::default();
        for (v, read) in each.iter().enumerate() {
            if let Some((rate, ..)) = read {
                let peers = if business_like[v] { &mut rates.businesses } else { &mut rates.persons };
                *peers = peers.plus(*rate);
            }
        }
        let breaks = each.iter().map(|read| read.as_ref().map_or(0, |(_, breaks, _)| *breaks)).collect();
        let mut rhythmic = FixedBitSet::with_capacity(each.len());
        for (v, read) in each.iter().enumerate() {
            rhythmic.set(v, read.is_some());
        }
        let mut off_rhythm: Vec<u32> = each.into_iter().flatten().flat_map(|(.., off)| off).collect();
        off_rhythm.sort_unstable();
        RhythmCensus { rates, breaks, off_rhythm, rhythmic: Arc::new(rhythmic) }
    }
}

/// What a walk along payments made off their makers' rhythms reads of the whole dump:
/// the rates, how many such payments the dump holds (a walk's tries), which of the
/// transfers at hand are such payments, and which accounts keep a rhythm at all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OffRhythmPayments {
    /// The dump's rates among persons and among businesses.
    pub rates: PeerBreakRates,
    /// Transfers made off their maker's rhythm in the whole dump.
    pub in_dump: u64,
    /// Those at hand, by edge id, ascending.
    pub edges: Vec<u32>,
    /// The accounts that keep a rhythm one way, over the whole dump.
    pub rhythmic: Arc<FixedBitSet>,
}

impl OffRhythmPayments {
    /// The whole dump's, from its census.
    pub fn of(census: &RhythmCensus) -> OffRhythmPayments {
        OffRhythmPayments {
            rates: census.rates,
            in_dump: census.off_rhythm.len() as u64,
            edges: census.off_rhythm.clone(),
            rhythmic: Arc::clone(&census.rhythmic),
        }
    }

    /// The whole dump's (its `census`), cut to a part whose transfers are, in its edge
    /// order, the whole dump's `whole`.
    pub fn of_part(census: &RhythmCensus, whole: impl Iterator<Item = u32>) -> OffRhythmPayments {
        let all = &census.off_rhythm;
        // A part's transfers come in the whole dump's order: both lists are walked
        // together once (one out of order is looked up afresh).
        let (mut from, mut last) = (0usize, 0u32);
        let mut edges = Vec::new();
        for (e, w) in whole.enumerate() {
            if w < last {
                from = all.partition_point(|&x| x < w);
            }
            last = w;
            while all.get(from).is_some_and(|&x| x < w) {
                from += 1;
            }
            if all.get(from) == Some(&w) {
                edges.push(e as u32);
            }
        }
        OffRhythmPayments {
            rates: census.rates,
            in_dump: all.len() as u64,
            edges,
            rhythmic: Arc::clone(&census.rhythmic),
        }
    }

    /// Whether transfer `e` (of the graph at hand) was made off its maker's rhythm.
    pub fn holds(&self, e: u32) -> bool {
        self.edges.binary_search(&e).is_ok()
    }

    /// Whether account `v` keeps a rhythm one way.
    pub fn keeps_a_rhythm(&self, v: u32) -> bool {
        self.rhythmic.contains(v as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::OwnedList;

    /// The columns of `(day, counterparty)` transfers one way.
    fn columns(rows: &[(i64, u32)]) -> OwnedList {
        OwnedList::of_days(&rows.iter().map(|&(day, other)| (day, 100.0, other)).collect::<Vec<_>>())
    }

    fn rhythm(rows: &[(i64, u32)]) -> Option<Rhythm> {
        Rhythm::of(0, columns(rows).list())
    }

    #[test]
    fn a_weekly_payer_breaks_its_rhythm_to_pay_someone_new() {
        // Twenty Tuesdays (day 5 of the epoch's week) paying four regulars in turn, and
        // three new payees on other days; a regular paid off the rhythm is no break.
        let mut rows: Vec<(i64, u32)> = (0..20).map(|w| (5 + 7 * w, 1 + (w % 4) as u32)).collect();
        rows.extend([(30, 10), (58, 11), (59, 2), (100, 12)]);
        rows.sort();
        let r = rhythm(&rows).expect("a weekly rhythm");
        assert!(r.cadence.holds(5 + 7 * 30) && !r.cadence.holds(6));
        let broken: Vec<u32> = r.breaks.iter().map(|&k| rows[k].1).collect();
        assert_eq!(broken, vec![10, 11, 12]);
        // Its life runs from day 5 to day 138; one day in seven is its rhythm's.
        assert_eq!(r.open_days, 134 - 20);
    }

    #[test]
    fn an_account_paying_on_any_day_keeps_no_rhythm() {
        let rows: Vec<(i64, u32)> = (0..60).map(|d| (d, d as u32 % 9)).collect();
        assert_eq!(rhythm(&rows), None);
        // Nor does a firm whose payroll every 30 days reads as rhythms of 6 and 15 days,
        // most of whose days it leaves idle, however many of its other days they hold.
        // (A generated world's firm: its payroll on days 24, 54, ..., 324.)
        let days = [
            0, 24, 42, 43, 48, 54, 67, 84, 86, 89, 90, 99, 100, 102, 109, 114, 122, 144, 146, 150, 153, 174,
            177, 187, 196, 204, 210, 217, 226, 234, 240, 249, 260, 262, 264, 294, 299, 301, 312, 324, 336,
        ];
        let rows: Vec<(i64, u32)> =
            days.iter().zip(2..).map(|(&d, other)| (d, if (d - 24) % 30 == 0 { 1 } else { other })).collect();
        assert_eq!(rhythm(&rows), None);
        // Nor does one that pays every eleventh day and on as many other days.
        let mut rows: Vec<(i64, u32)> =
            (0..20).flat_map(|k| [(11 * k, 1), (11 * k + 2 + k % 7, 2)]).collect();
        rows.sort();
        assert_eq!(rhythm(&rows), None);
        assert_eq!(rhythm(&[(5, 1), (12, 1), (19, 1)]), None, "too few days to keep a rhythm");
    }

    #[test]
    fn breaks_are_rare_only_where_the_other_rhythmic_accounts_rarely_break() {
        let mut rows: Vec<(i64, u32)> = (0..40).map(|w| (5 + 7 * w, 1 + (w % 4) as u32)).collect();
        rows.extend([41, 72, 100, 130, 160].into_iter().zip(10..));
        rows.sort();
        let own = rhythm(&rows).expect("a weekly rhythm");
        let own_days = 5;
        assert_eq!(own.breaks.len(), own_days);
        let with_own = |others_break: u64, others_open: u64| BreakRate {
            rhythmic: 1_000,
            break_days: others_break + own_days as u64,
            open_days: others_open + own.open_days as u64,
            off_days: others_break + own_days as u64,
        };
        let quiet = with_own(10, 300_000).chance(&own, own_days, own_days);
        let restless = with_own(30_000, 300_000).chance(&own, own_days, own_days);
        assert!(quiet < 1e-5, "{quiet}");
        assert!(restless > 0.1, "{restless}");
        // Alone in its dump, an account is read against nothing: any break is likely.
        assert_eq!(with_own(0, 0).per_open_day(&own, own_days), 1.0);
        // Others that never break still allow for one break.
        let never = with_own(0, 1_000).per_open_day(&own, own_days);
        assert!((never - 0.001).abs() < 1e-12, "{never}");
    }

    #[test]
    fn a_part_holds_the_off_rhythm_payments_among_its_transfers_in_any_order() {
        let census = RhythmCensus { off_rhythm: vec![2, 5, 9, 14], ..RhythmCensus::default() };
        let part = OffRhythmPayments::of_part(&census, [1, 2, 9, 10, 14].into_iter());
        assert_eq!((part.edges, part.in_dump), (vec![1, 2, 4], 4));
        let shuffled = OffRhythmPayments::of_part(&census, [14, 3, 5, 2, 20].into_iter());
        assert_eq!(shuffled.edges, vec![0, 2, 3]);
    }

    #[test]
    fn persons_and_businesses_are_read_among_their_own_kind() {
        let weekly: Vec<(i64, u32)> = (0..20).map(|w| (5 + 7 * w, 1 + (w % 4) as u32)).collect();
        let mut broken = weekly.clone();
        broken.extend([(30, 10), (58, 11)]);
        broken.sort();
        let lists: Vec<OwnedList> = [&weekly, &broken, &broken].iter().map(|rows| columns(rows)).collect();
        let census = RhythmCensus::of(&[false, true, true], |v| lists[v as usize].list());
        let rates = census.rates;
        assert_eq!((rates.persons.rhythmic, rates.persons.break_days), (1, 0));
        assert_eq!((rates.businesses.rhythmic, rates.businesses.break_days), (2, 4));
        assert_eq!(rates.among_peers(true), &rates.businesses);
        assert_eq!(census.breaks, vec![0, 2, 2]);
        // Each broken list's two transfers off its rhythm (edge ids 0-21 in every list).
        assert_eq!(census.off_rhythm.len(), 4);
        assert_eq!((rates.persons.off_days, rates.businesses.off_days), (0, 4));
    }
}
