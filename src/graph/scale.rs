//! The dump's own scale, measured once per run: the amount distribution of its transfers
//! and how busy its accounts are. Detectors state their floors against it ("five times
//! the median transfer", "the 75th percentile"), never in one world's currency units, so
//! the same configuration works on a dump whose transfers are all under 1,000 and on one
//! where they run to millions.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::{AmountFloor, Config};
use crate::units::{days_to_seconds, DAY, HOUR};

/// Per-mille steps kept of the amount distribution (0.0%, 0.1%, ... 100.0%).
const STEPS: usize = 1000;

/// Amounts of one currency read before its own unit is: fewer say little (three round
/// sums make a unit of a thousand), and the dump's unit in all stands for it.
const FEWEST_FOR_A_UNIT: usize = 100;

/// The share of a dump's amounts that must be whole multiples of its tick: transfers
/// converted from other currencies, or fees and interest to finer fractions, do not make
/// a dump written to the cent one of amounts to any fraction (nine in ten of its
/// amounts in its own currency are enough; the others pass exactly only by chance).
const ON_THE_TICK: f64 = 0.9;

/// Amounts read for a dump's tick.
const TICK_SAMPLE: usize = 100_000;

/// The unit amounts are written in: the largest power of ten (from a millionth
/// to a million) that nine in ten of `amounts` are whole multiples of: 0.01 for a dump
/// to the cent, 1 for one in whole units. `None` when there is none (amounts converted
/// from other currencies, to any fraction), and no sum can be read as exact.
pub fn amount_tick(amounts: &[f64]) -> Option<f64> {
    if amounts.is_empty() {
        return None;
    }
    // Every so many of them, evenly: a hundred thousand say what unit a dump is
    // written in as well as a hundred million.
    let stride = amounts.len().div_ceil(TICK_SAMPLE);
    let sample: Vec<f64> = amounts.iter().step_by(stride).copied().collect();
    let needed = (ON_THE_TICK * sample.len() as f64).ceil() as usize;
    (-6..=6).rev().map(|e| 10f64.powi(e)).find(|&tick| {
        sample
            .iter()
            .filter(|&&a| {
                let x = a / tick;
                (x - x.round()).abs() <= 1e-6_f64.max(x.abs() * 1e-12)
            })
            .count()
            >= needed
    })
}

/// What a run measured of the dump before detection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scale {
    /// Transfer amount (base currency) at each per-mille of the distribution, ascending;
    /// empty for a dump without transfers.
    #[serde(skip)]
    amount_permille: Vec<f64>,
    /// Transfers whose amounts were measured.
    pub amounts_measured: usize,
    /// Accounts with at least one transfer.
    pub active_accounts: usize,
    /// Days from the first to the last transfer (at least 1).
    pub span_days: f64,
    /// Transfers (in and out) of the median active account.
    pub median_account_transfers: f64,
    /// The coarsest unit (a day, an hour, a minute or a second) that every timestamp is a
    /// whole number of: a dump that records dates only has a tick of 86,400 seconds, and
    /// two of its transfers on one day may have happened in either order.
    pub time_tick_seconds: i64,
    /// Units coarser than the tick (an hour, a day) that some of the dump's timestamps
    /// are written to, far more of them falling on one than rounding to the finer unit
    /// would put there ([`written_units`]): a dump that mixes channels may book standing
    /// orders on the hour or date batch credits at midnight beside card payments timed
    /// to the second. Finest first.
    #[serde(default)]
    pub written_units: Vec<i64>,
    /// Per currency slot of the dump, the unit its transfers' own amounts are written in
    /// ([`amount_tick`]: 0.01 to the cent, 1 in whole units), `None` where there is
    /// none: two amounts written to a unit agree to within it by rounding alone.
    #[serde(default)]
    pub amount_units: Vec<Option<f64>>,
}

impl Scale {
    /// Measures `amounts` (base currency, any order; reordered in place, so the caller's
    /// one copy is all the memory it takes), each account's transfer count (`degree`, in
    /// and out; zero for an account without transfers) and the dump's span; `times`
    /// (seconds) give the tick.
    pub fn measure(mut amounts: Vec<f64>, degree: &[u32], span_days: f64, times: &[i64]) -> Scale {
        amounts.retain(|a| a.is_finite());
        let measured = amounts.len();
        let amount_permille = if amounts.is_empty() {
            Vec::new()
        } else {
            let ranks: Vec<usize> = (0..=STEPS).map(|k| (k * (amounts.len() - 1)) / STEPS).collect();
            let mut at = vec![0.0; ranks.len()];
            order_statistics(&mut amounts, &ranks, &mut at);
            at
        };
        let mut active: Vec<u32> = degree.iter().copied().filter(|&d| d > 0).collect();
        active.sort_unstable();
        let median = active.get(active.len() / 2).copied().unwrap_or(0) as f64;
        let on = on_units(times);
        Scale {
            amount_permille,
            amounts_measured: measured,
            active_accounts: active.len(),
            span_days: span_days.max(1.0),
            median_account_transfers: median,
            time_tick_seconds: tick(on, times.len()),
            written_units: written_units(on, times.len()),
            amount_units: Vec::new(),
        }
    }

    /// The amount at each per-mille of the distribution (left out of the run's report,
    /// which gives the floors derived from it).
    pub(crate) fn permille(&self) -> &[f64] {
        &self.amount_permille
    }

    /// This scale with the per-mille amounts `permille` (read back beside it).
    pub(crate) fn with_permille(self, permille: Vec<f64>) -> Scale {
        Scale { amount_permille: permille, ..self }
    }

    /// With the units `own_amounts` (each transfer's amount in its own currency, and the
    /// currency's slot) are written in, per currency ([`Scale::amount_units`]): read from
    /// an even sample of them, per currency where it has enough, else from all of them.
    pub fn with_amount_units(mut self, own_amounts: &[f64], currencies: &[u16]) -> Scale {
        let stride = own_amounts.len().div_ceil(TICK_SAMPLE).max(1);
        let mut sampled: Vec<Vec<f64>> = Vec::new();
        for (&amount, &currency) in own_amounts.iter().zip(currencies).step_by(stride) {
            let slot = usize::from(currency);
            if sampled.len() <= slot {
                sampled.resize(slot + 1, Vec::new());
            }
            sampled[slot].push(amount);
        }
        let all: Vec<f64> = sampled.iter().flatten().copied().collect();
        let overall = amount_tick(&all);
        self.amount_units = sampled
            .iter()
            .map(|own| if own.len() >= FEWEST_FOR_A_UNIT { amount_tick(own) } else { overall })
            .collect();
        self
    }

    /// The unit, in the base currency, that an amount of `base` (in the base currency),
    /// `own` in the currency of slot `currency`, is written to: 0 where the dump's amounts
    /// in that currency are written to none.
    pub fn amount_unit(&self, base: f64, own: f64, currency: u16) -> f64 {
        match self.amount_units.get(usize::from(currency)).copied().flatten() {
            Some(unit) if own != 0.0 && own.is_finite() => unit * (base / own).abs(),
            _ => 0.0,
        }
    }

    /// How often account `v`, which made `sent` transfers over the dump, would by its own
    /// average rate send at least once within `seconds` (never less than one tick): the
    /// chance that a relay as quick as that is a coincidence of its everyday habit.
    pub fn chance_within(&self, sent: usize, seconds: i64) -> f64 {
        (self.per_second(sent) * seconds.max(self.time_tick_seconds) as f64).min(1.0)
    }

    /// [`Self::chance_within`] the delay from `received` to `sent_at` (timestamps,
    /// seconds), read no finer than the coarser unit either is written to
    /// ([`Self::written_to`]): in a dump that mixes channels, a batch credit dated at midnight
    /// or a standing order booked on the hour may have come at any time of its day or
    /// hour, so a payment written to the same hour as the receipt before it was made
    /// within the hour, not within the second.
    pub fn chance_between(&self, sent: usize, received: i64, sent_at: i64) -> f64 {
        let unit = self.written_to(received).max(self.written_to(sent_at));
        self.chance_within(sent, (sent_at - received).max(unit))
    }

    /// The coarsest unit the timestamp `time` (seconds) may have been written to: the
    /// coarsest of [`Self::written_units`] it is a whole number of, else the tick. One
    /// timestamp in 3,600 written to the second falls on the hour by chance and is read
    /// as if written to it, which only ever makes a delay less telling.
    pub fn written_to(&self, time: i64) -> i64 {
        self.written_units
            .iter()
            .rev()
            .copied()
            .find(|&unit| time.rem_euclid(unit) == 0)
            .unwrap_or(self.time_tick_seconds)
    }

    /// How many transfers account `v`, which made `sent` over the dump, sends within
    /// `seconds` at its own average rate (uncapped, never less than one tick).
    pub fn expected_within(&self, sent: usize, seconds: i64) -> f64 {
        self.per_second(sent) * seconds.max(self.time_tick_seconds) as f64
    }

    /// The average rate, per second, of an account that made `sent` transfers over the
    /// dump.
    fn per_second(&self, sent: usize) -> f64 {
        sent as f64 / days_to_seconds(self.span_days) as f64
    }

    /// The longest delay, in seconds, whose [`Self::chance_within`] for an account that
    /// made `sent` transfers is still at most `chance` (a prompt relay's deadline).
    pub fn longest_within(&self, sent: usize, chance: f64) -> i64 {
        let span = days_to_seconds(self.span_days) as f64;
        (chance * span / sent.max(1) as f64).floor() as i64
    }

    /// `multiple` times the median active account's transfers: the activity above which
    /// an account is busier than the households that make up most of any customer base.
    pub fn activity(&self, multiple: f64) -> f64 {
        multiple * self.median_account_transfers
    }

    /// The transfer amount at `percentile` (0..=100) of the dump; 0 for an empty dump.
    pub fn amount_at(&self, percentile: f64) -> f64 {
        if self.amount_permille.is_empty() {
            return 0.0;
        }
        let k = ((percentile.clamp(0.0, 100.0) * 10.0).round() as usize).min(STEPS);
        self.amount_permille[k]
    }

    /// The share of the dump's transfers whose amount lies in `[lo, hi]`, at least one
    /// per mille (the resolution kept): how often an amount that close is chance.
    pub fn share_between(&self, lo: f64, hi: f64) -> f64 {
        if self.amount_permille.is_empty() || hi < lo {
            return 1.0 / STEPS as f64;
        }
        let below = |x: f64| self.amount_permille.partition_point(|&a| a < x);
        let above = self.amount_permille.partition_point(|&a| a <= hi);
        (above.saturating_sub(below(lo)) as f64 / (STEPS + 1) as f64).clamp(1.0 / STEPS as f64, 1.0)
    }

    /// The share of an account's `of` other amounts at least as large as `amount`, of
    /// which `as_large` are, with two more drawn from the dump's amounts: a long history
    /// speaks for itself, a short one is read against how rare `amount` is in the dump
    /// rather than as even odds, and an amount never seen before is rare, not impossible.
    pub fn share_with_history(&self, as_large: usize, of: usize, amount: f64) -> f64 {
        (as_large as f64 + 2.0 * self.share_between(amount, f64::INFINITY)) / (of + 2) as f64
    }

    /// Of the dump's transfers with an amount in `[lo, hi]`, the share whose amount lies
    /// in `[inner_lo, inner_hi]`: how often an amount that close is chance, for an
    /// amount already known to lie in the wider range. The amounts' distribution is read
    /// as linear between the per-mille points kept, so narrow bands get their share of
    /// the density rather than one per mille; where the dump has no amounts that large
    /// (past its largest), the density is taken as even, and the share is the widths'.
    pub fn share_within(&self, (inner_lo, inner_hi): (f64, f64), (lo, hi): (f64, f64)) -> f64 {
        if hi <= lo {
            return 1.0;
        }
        let (inner_lo, inner_hi) = (inner_lo.max(lo), inner_hi.min(hi));
        if inner_hi <= inner_lo {
            return 0.0;
        }
        let outer = self.cdf(hi) - self.cdf(lo);
        if outer <= 0.0 {
            return (inner_hi - inner_lo) / (hi - lo);
        }
        ((self.cdf(inner_hi) - self.cdf(inner_lo)) / outer).clamp(0.0, 1.0)
    }

    /// The share of the dump's transfers at or below `x`, linear between the per-mille
    /// points kept.
    fn cdf(&self, x: f64) -> f64 {
        let points = &self.amount_permille;
        let (Some(&first), Some(&last)) = (points.first(), points.last()) else { return 0.0 };
        if x < first {
            return 0.0;
        }
        if x >= last {
            return 1.0;
        }
        // points[k] <= x < points[k + 1]; equal points (a common amount) are a step.
        let k = points.partition_point(|&a| a <= x) - 1;
        let (a, b) = (points[k], points[k + 1]);
        let within = if b > a { (x - a) / (b - a) } else { 0.0 };
        (k as f64 + within) / STEPS as f64
    }

    /// The base-currency amount a floor stands for in this dump.
    pub fn floor(&self, floor: AmountFloor) -> f64 {
        floor.times * self.amount_at(floor.percentile)
    }
}

/// The units a timestamp may be written to, the coarsest first (a second is the finest).
const TIME_UNITS: [i64; 3] = [DAY, HOUR, 60];

/// How many of `times` are a whole number of each of [`TIME_UNITS`], in one pass.
fn on_units(times: &[i64]) -> [usize; 3] {
    times
        .par_iter()
        .fold(
            || [0usize; 3],
            |mut on, &t| {
                for (count, unit) in on.iter_mut().zip(TIME_UNITS) {
                    *count += usize::from(t.rem_euclid(unit) == 0);
                }
                on
            },
        )
        .reduce(|| [0usize; 3], |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]])
}

/// The coarsest of a day, an hour and a minute that divides every timestamp (`on`: how
/// many of the `len` timestamps each of [`TIME_UNITS`] divides), else a second (also
/// for an empty dump).
fn tick(on: [usize; 3], len: usize) -> i64 {
    TIME_UNITS.into_iter().zip(on).find(|&(_, held)| len > 0 && held == len).map_or(1, |(unit, _)| unit)
}

/// The units coarser than the tick that some of the `len` timestamps are written to
/// (`on`: how many each of [`TIME_UNITS`] divides), finest first: a unit where at least
/// [`WRITTEN_EXCESS`] times as many timestamps fall on it as would if the timestamps on
/// the next finer unit were spread evenly over it (among times on the minute, one in
/// sixty on the hour). Midnight in a dump booked on the hour holds its hour's share,
/// and the hours of a business day somewhat more, but a system that dates its credits
/// puts them all there.
fn written_units(on: [usize; 3], len: usize) -> Vec<i64> {
    let tick = tick(on, len);
    let mut finer = (tick, len);
    let mut units = Vec::new();
    for (unit, held) in TIME_UNITS.into_iter().zip(on).rev().filter(|&(unit, _)| unit > tick) {
        let even = finer.1 as f64 * finer.0 as f64 / unit as f64;
        if held > 0 && held as f64 >= WRITTEN_EXCESS * even {
            units.push(unit);
        }
        finer = (unit, held);
    }
    units
}

/// How many times its even share of the timestamps a unit must hold to be one they are
/// written to ([`written_units`]): no hour of a business day holds four times its share.
const WRITTEN_EXCESS: f64 = 4.0;

/// One configured floor and what it came to on this dump.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DerivedFloor {
    /// TOML key, e.g. `fan_in.min_amount`.
    pub key: &'static str,
    /// As configured, e.g. `5 x p50`.
    pub floor: String,
    /// In base currency on this dump.
    pub amount: f64,
}

/// What the run measured and the floors it derived, for run.json and the summary.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleReport {
    /// Transfer amounts (base currency) at the 1st, 10th, 25th, 50th, 75th, 90th and 99th
    /// percentiles.
    pub amount_percentiles: Vec<(u8, f64)>,
    /// Activity of the dump's accounts.
    #[serde(flatten)]
    pub scale: Scale,
    /// Busier than this many transfers, an account of unknown kind counts as a business.
    pub business_activity: f64,
    /// Every amount floor, derived.
    pub floors: Vec<DerivedFloor>,
}

impl ScaleReport {
    /// The report of `scale` under `config`.
    pub fn new(scale: &Scale, config: &Config) -> ScaleReport {
        ScaleReport {
            amount_percentiles: [1u8, 10, 25, 50, 75, 90, 99]
                .iter()
                .map(|&p| (p, scale.amount_at(f64::from(p))))
                .collect(),
            scale: scale.clone(),
            business_activity: scale.activity(config.business_activity_vs_median.get()),
            floors: config
                .amount_floors()
                .into_iter()
                .map(|(key, f)| DerivedFloor { key, floor: f.to_string(), amount: scale.floor(f) })
                .collect(),
        }
    }
}

/// The values of `xs` at each of `ranks` (ascending, each `< xs.len()`) once `xs` is
/// sorted by [`f64::total_cmp`], into `at` (one per rank): what a sort gives, for about
/// a third of its work. Each step puts one rank's value in place and splits `xs` there
/// (`select_nth_unstable_by`); the two sides, with their ranks, are read side by side.
/// `xs` is left in some order.
fn order_statistics(xs: &mut [f64], ranks: &[usize], at: &mut [f64]) {
    ranks_from(xs, 0, ranks, at);
}

/// [`order_statistics`] of `xs`, the part of a list that starts at rank `first`.
fn ranks_from(xs: &mut [f64], first: usize, ranks: &[usize], at: &mut [f64]) {
    if ranks.is_empty() {
        return;
    }
    let middle = ranks.len() / 2;
    let rank = ranks[middle];
    let (below, value, above) = xs.select_nth_unstable_by(rank - first, f64::total_cmp);
    let value = *value;
    // Ranks that fall on the same value (a repeated rank of a short list) take it too.
    let lo = ranks[..middle].partition_point(|&r| r < rank);
    let hi = middle + ranks[middle..].partition_point(|&r| r == rank);
    at[lo..hi].fill(value);
    let (at_below, rest) = at.split_at_mut(lo);
    let at_above = &mut rest[hi - lo..];
    let (ranks_below, ranks_above) = (&ranks[..lo], &ranks[hi..]);
    if below.len() + above.len() > 1 << 16 {
        rayon::join(
            || ranks_from(below, first, ranks_below, at_below),
            || ranks_from(above, rank + 1, ranks_above, at_above),
        );
    } else {
        ranks_from(below, first, ranks_below, at_below);
        ranks_from(above, rank + 1, ranks_above, at_above);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_tick_is_the_unit_amounts_are_written_in() {
        let cents: Vec<f64> = (0..1000).map(|k| 100.0 + k as f64 * 1.37).collect();
        assert_eq!(amount_tick(&cents), Some(0.01));
        let hundredfold: Vec<f64> = cents.iter().map(|a| (a * 100.0).round()).collect();
        assert_eq!(amount_tick(&hundredfold), Some(1.0));
        let hundredth: Vec<f64> = cents.iter().map(|a| a / 100.0).collect();
        assert_eq!(amount_tick(&hundredth), Some(1e-4));
        // Converted from another currency, to any fraction: none.
        let converted: Vec<f64> = cents.iter().map(|a| a * 1.0853127).collect();
        assert_eq!(amount_tick(&converted), None);
        assert_eq!(amount_tick(&[]), None);
    }

    #[test]
    fn each_currency_is_read_at_its_own_unit() {
        // Slot 0 to the cent, slot 1 in whole units, slot 2 five round sums (too few to
        // say: the dump's unit in all, the cent, stands for it), slot 3 none at all.
        let mut own = Vec::new();
        let mut currency = Vec::new();
        for k in 0..300 {
            own.push(10.0 + k as f64 * 0.37);
            currency.push(0u16);
            own.push((50 + k * 13) as f64);
            currency.push(1);
        }
        for k in 1..=5 {
            own.push(k as f64 * 1000.0);
            currency.push(2);
        }
        let scale = Scale::default().with_amount_units(&own, &currency);
        assert_eq!(scale.amount_units, vec![Some(0.01), Some(1.0), Some(0.01)]);
        // In the base currency: 7 units of a currency worth two base units each are
        // written to two base units; a currency the dump never wrote has none.
        assert_eq!(scale.amount_unit(14.0, 7.0, 1), 2.0);
        assert_eq!(scale.amount_unit(3.5, 3.5, 0), 0.01);
        assert_eq!(scale.amount_unit(3.5, 3.5, 3), 0.0);
        assert_eq!(scale.amount_unit(3.5, 0.0, 1), 0.0);
    }

    #[test]
    fn order_statistics_of_a_large_list_split_on_every_thread_are_a_sorts() {
        // Large enough that both sides of the first splits are read side by side.
        let mut xs: Vec<f64> =
            (0..300_000u64).map(|i| ((i * 2_654_435_761) % 1_000_003) as f64 / 7.0).collect();
        let ranks: Vec<usize> = (0..=STEPS).map(|k| (k * (xs.len() - 1)) / STEPS).collect();
        let mut sorted = xs.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let mut at = vec![f64::NAN; ranks.len()];
        order_statistics(&mut xs, &ranks, &mut at);
        assert!(ranks.iter().zip(&at).all(|(&r, &x)| sorted[r].to_bits() == x.to_bits()));
    }

    proptest! {
        #[test]
        fn order_statistics_are_a_sorts(
            mut xs in proptest::collection::vec(prop_oneof![-5.0..5.0f64, Just(0.0), Just(-0.0), Just(1.5)], 1..400),
            steps in 1usize..40,
        ) {
            let ranks: Vec<usize> = (0..=steps).map(|k| (k * (xs.len() - 1)) / steps).collect();
            let mut sorted = xs.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            let mut at = vec![f64::NAN; ranks.len()];
            order_statistics(&mut xs, &ranks, &mut at);
            let want: Vec<u64> = ranks.iter().map(|&r| sorted[r].to_bits()).collect();
            prop_assert_eq!(at.iter().map(|x| x.to_bits()).collect::<Vec<u64>>(), want);
        }
    }

    #[test]
    fn a_narrow_band_within_a_range_gets_its_share_of_the_density() {
        // 1..=1000, even: of the amounts in 100..200, a tenth lie in 100..110, however
        // narrow the band; past the largest amount the widths decide.
        let even = Scale::measure((1..=1000).map(f64::from).collect(), &[1], 10.0, &[0]);
        let share = even.share_within((100.0, 110.0), (100.0, 200.0));
        assert!((share - 0.1).abs() < 0.01, "{share}");
        let fine = even.share_within((150.0, 150.2), (100.0, 200.0));
        assert!((fine - 0.002).abs() < 0.001, "{fine}");
        assert!((even.share_within((2_000.0, 2_010.0), (2_000.0, 2_100.0)) - 0.1).abs() < 1e-12);
        // Most amounts small: the same band over the same range is a larger share where
        // the amounts crowd.
        let skewed: Vec<f64> = (1..=1000).map(|k| (k as f64 / 100.0).powi(3)).collect();
        let crowded = Scale::measure(skewed, &[1], 10.0, &[0]);
        assert!(crowded.share_within((1.0, 1.1), (1.0, 2.0)) > 0.1);
        assert_eq!(even.share_within((300.0, 310.0), (100.0, 200.0)), 0.0);
        assert_eq!(even.share_within((100.0, 110.0), (100.0, 100.0)), 1.0);
    }

    #[test]
    fn floors_follow_the_dump_not_a_currency() {
        let amounts: Vec<f64> = (1..=1000).map(f64::from).collect();
        let small = Scale::measure(amounts.clone(), &[2, 0, 4, 6], 10.0, &[0, DAY, 3 * DAY]);
        let big = Scale::measure(amounts.iter().map(|a| a * 1000.0).collect(), &[2, 4, 6], 10.0, &[0, 7]);
        let f = AmountFloor::new(5.0, 50.0);
        assert!((small.floor(f) - 2_500.0).abs() <= 5.0, "{}", small.floor(f));
        assert!((big.floor(f) / small.floor(f) - 1000.0).abs() < 1e-9);
        assert_eq!(small.active_accounts, 3);
        assert_eq!(small.median_account_transfers, 4.0);
        assert_eq!(Scale::measure(Vec::new(), &[], 0.0, &[]).floor(f), 0.0);
        assert_eq!((small.time_tick_seconds, big.time_tick_seconds), (DAY, 1));
        // 1..=1000: a tenth of the amounts lie in 101..=200, none above the largest.
        assert!(
            (small.share_between(101.0, 200.0) - 0.1).abs() < 0.002,
            "{}",
            small.share_between(101.0, 200.0)
        );
        assert_eq!(small.share_between(5_000.0, 6_000.0), 0.001, "never below the resolution kept");
        // One transfer in ten days, and a dump that records dates only: an hour counts as
        // the day it cannot be told from.
        assert!((small.chance_within(1, HOUR) - 0.1).abs() < 1e-9);
        assert_eq!(small.chance_within(10, 0), 1.0);
        // Ten transfers in ten days: once a day on average.
        assert!((big.chance_within(10, 12 * HOUR) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn a_delay_is_read_no_finer_than_its_two_timestamps_are_written() {
        // Card payments timed to the second, standing orders booked on the hour of a
        // business day, and batch credits dated at midnight.
        let cards = (0..600i64).map(|k| k * 7_919 + 13);
        let orders = (0..120i64).map(|k| (k % 40) * DAY + (8 + k % 12) * HOUR);
        let credits = (0..30i64).map(|k| k * DAY);
        let times: Vec<i64> = cards.chain(orders).chain(credits).collect();
        let mixed = Scale::measure(vec![1.0; 10], &[10], 10.0, &times);
        assert_eq!((mixed.time_tick_seconds, mixed.written_units.clone()), (1, vec![60, HOUR, DAY]));
        let noon = 40 * DAY + 12 * HOUR;
        // Ten transfers in ten days, once a day. A receipt and a payment both booked at
        // noon: the same hour, not the same second.
        assert!((mixed.chance_between(10, noon, noon) - 1.0 / 24.0).abs() < 1e-9);
        // A batch credit dated at midnight and a payment at 09:00:17: any time that day.
        assert_eq!(mixed.chance_between(10, 40 * DAY, 40 * DAY + 9 * HOUR + 17), 1.0);
        // Both written to the second: their own delay, however short.
        assert!((mixed.chance_between(10, noon + 5, noon + 65) - 60.0 / DAY as f64).abs() < 1e-12);
        // A dump booked on the hour through the day: midnight holds its hour's share.
        let hourly: Vec<i64> = (0..500i64).map(|k| k * 7 * HOUR).collect();
        let hourly = Scale::measure(vec![1.0; 10], &[10], 10.0, &hourly);
        assert_eq!((hourly.time_tick_seconds, hourly.written_units.clone()), (HOUR, vec![]));
        assert_eq!(hourly.written_to(40 * DAY), HOUR);
        // A dump timed to the second alone: on the hour is chance.
        let seconds: Vec<i64> = (0..5_000i64).map(|k| k * 7_919 + 13).collect();
        let seconds = Scale::measure(vec![1.0; 10], &[10], 10.0, &seconds);
        assert_eq!(seconds.written_units, Vec::<i64>::new());
    }
}
