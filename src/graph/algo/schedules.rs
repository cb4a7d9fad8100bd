//! Schedules: days that keep one interval exactly (every 11 days, every 34), how often a
//! set of days holds one that long by chance, and whether an account's other days keep
//! the same interval (its own cadence, not a schedule set for one purpose).
//!
//! A controller who has new mules pay a collection account, or has one account pay new
//! mules, on a fixed interval leaves the days of those first payments on a lattice. An
//! account's everyday days do not keep an interval of their own, unless its whole life
//! does (a firm that pays on Fridays, a payroll every other week): then a lattice among
//! its new counterparties is its calendar.

use crate::graph::algo::chance::binomial_tail;

/// Days `first_day`, `first_day + every_days`, ..., `terms` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The first day (days since the epoch).
    pub first_day: i64,
    /// The interval, days.
    pub every_days: i64,
    /// How many days.
    pub terms: usize,
}

impl Schedule {
    /// The last day.
    pub fn last_day(&self) -> i64 {
        self.first_day + (self.terms as i64 - 1) * self.every_days
    }

    /// Days from the first to the last, both counted.
    pub fn span_days(&self) -> i64 {
        self.last_day() - self.first_day + 1
    }

    /// Whether `day` is one of the schedule's.
    pub fn holds(&self, day: i64) -> bool {
        (self.first_day..=self.last_day()).contains(&day) && (day - self.first_day) % self.every_days == 0
    }
}

/// Every maximal schedule in `days` (sorted, distinct) of at least `min_terms` days at
/// an interval of at least `min_every` days, and at least `fewest(every)` days at that
/// interval (`None`: none wanted), each handed to `visit`: each interval from each day
/// that does not continue an earlier day's, followed as far as the days go. Quadratic
/// in the days (an account's active days, at most the dump's span), each schedule read
/// once; a busy merchant's year holds thousands, so none is collected, and those too
/// short to matter are not followed.
pub fn each_schedule(
    days: &[i64],
    min_terms: usize,
    min_every: i64,
    fewest: impl Fn(i64) -> Option<usize>,
    mut visit: impl FnMut(Schedule),
) {
    let (Some(&lo), Some(&hi)) = (days.first(), days.last()) else {
        return;
    };
    let min_terms = min_terms.max(2) as i64;
    let mut marked = vec![0u64; ((hi - lo) / 64 + 1) as usize];
    for &d in days {
        let at = (d - lo) as usize;
        marked[at / 64] |= 1 << (at % 64);
    }
    let has = |d: i64| d >= lo && d <= hi && marked[((d - lo) / 64) as usize] & (1 << ((d - lo) % 64)) != 0;
    for (i, &first) in days.iter().enumerate() {
        for &second in &days[i + 1..] {
            let every = second - first;
            if every < min_every {
                continue;
            }
            // Too wide to reach `min_terms` before the last day: so is every later one.
            if first + (min_terms - 1) * every > hi {
                break;
            }
            let Some(wanted) = fewest(every).map(|k| (k as i64).max(min_terms)) else {
                continue;
            };
            // Its last wanted term first: most pairs stop short, and most of a busy
            // year's continue an earlier day's.
            if !has(first + (wanted - 1) * every) || has(first - every) {
                continue;
            }
            let mut terms = 2;
            while has(first + terms * every) {
                terms += 1;
            }
            if terms >= wanted {
                visit(Schedule { first_day: first, every_days: every, terms: terms as usize });
            }
        }
    }
}

/// How many schedules as long as `schedule` (any interval of at least `min_every`
/// days, any start) are expected by chance among an account's days, when `marked` of
/// the days in the schedule's span are of the kind it is made of (first payments of new
/// counterparties) and they fall on the span's days at random: the schedules the span
/// holds, times the chance that all of one's days are marked, times the spans of that
/// length in the account's `life_days`. What makes an interval unlikely is the marked
/// days around it: a shop that meets a new customer every day holds every schedule.
pub fn schedule_chance(schedule: &Schedule, marked: usize, life_days: i64, min_every: i64) -> f64 {
    let (span, k) = (schedule.span_days(), schedule.terms as i64);
    let Some(lattices) = lattices_like(schedule, min_every).filter(|_| marked >= schedule.terms) else {
        return 1.0;
    };
    // Hypergeometric: all `k` of one schedule's days among the `marked` of `span`, no
    // likelier than its smallest factor to the `k`th: a busy account's schedules, most
    // of them, are seen to be likely without the product.
    let smallest = (marked + 1 - schedule.terms) as f64 / (span as usize + 1 - schedule.terms) as f64;
    let spans = (life_days as f64 / span as f64).max(1.0);
    if lattices * smallest.powi(k as i32) * spans >= 1.0 {
        return 1.0;
    }
    let all_marked: f64 =
        (0..schedule.terms).map(|m| (marked - m) as f64 / (span as usize - m) as f64).product();
    (lattices * all_marked * spans).min(1.0)
}

/// How many schedules as long as `schedule` (as many days, at any interval of at least
/// `min_every` days, from any start) fit inside its span: for each interval, the starts
/// that fit, summed in closed form (an arithmetic series over the intervals). `None`
/// when none does.
fn lattices_like(schedule: &Schedule, min_every: i64) -> Option<f64> {
    let (span, k) = (schedule.span_days(), schedule.terms as i64);
    if k < 2 || span < k {
        return None;
    }
    let (narrowest, widest) = (min_every.max(1), (span - 1) / (k - 1));
    if widest < narrowest {
        return None;
    }
    let intervals = (widest - narrowest + 1) as f64;
    Some(intervals * span as f64 - (k - 1) as f64 * (narrowest + widest) as f64 * intervals / 2.0)
}

/// The chance of `schedule` ([`schedule_chance`]) read around an account's [`Cadence`]:
/// its days on the cadence say nothing either way (the account deals on them anyway), so
/// only its `counted` days off the cadence must be marked, among the `marked` off-cadence
/// days of the `open_days` of its span that are off the cadence. The lattices are still
/// every one the whole span holds, however many of a lattice's days the cadence takes.
pub fn schedule_chance_around(
    schedule: &Schedule,
    counted: usize,
    marked: usize,
    open_days: usize,
    life_days: i64,
    min_every: i64,
) -> f64 {
    let Some(lattices) = lattices_like(schedule, min_every) else {
        return 1.0;
    };
    if counted == 0 || marked < counted || open_days < counted {
        return 1.0;
    }
    let span = schedule.span_days();
    let all_marked: f64 = (0..counted).map(|m| (marked - m) as f64 / (open_days - m) as f64).product();
    let spans = (life_days as f64 / span as f64).max(1.0);
    (lattices * all_marked * spans).min(1.0)
}

/// The longest step of a cadence: a month's worth of days. Calendar months are no
/// lattice; a cadence is a rhythm of days (every Friday, every other Monday, every ten
/// days).
const LONGEST_CADENCE_DAYS: i64 = 31;

/// Below this chance, summed over every step and day of the step a cadence could have,
/// an account's days fall on one day of a step more often than chance.
const CADENCE_SIGNIFICANCE: f64 = 0.01;

/// The days of an account's life that keep a rhythm of its own: each a day of a step
/// (every 7 days from a Monday) on which far more of its days fall than one in the step
/// (a binomial tail, held at [`CADENCE_SIGNIFICANCE`] over every step and day tried). A
/// firm that pays a supplier each Friday deals on its Fridays whatever else it does; what
/// it does on its other days is read against its other days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cadence {
    /// (step, day of the step) of each rhythm, days since the epoch modulo the step;
    /// none held by a finer one (every other Friday is a Friday).
    rhythms: Vec<(i64, i64)>,
    /// The first day of the life the cadence was read in.
    first_day: i64,
    /// For each day of that life from its first, how many days before it were off the
    /// rhythm: a schedule's open days are counted once for the whole life, not day by
    /// day for each schedule.
    off_before: Vec<u32>,
}

impl Cadence {
    /// The cadence of `days` (sorted, distinct: an account's active days one way), at
    /// steps of 2 to 31 days; empty when too few days fall on any one day of a step.
    pub fn of(days: &[i64]) -> Cadence {
        let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
            return Cadence::default();
        };
        // Steps whose days the life holds at least twice over: a step longer than half
        // of it has each of its days once or not at all.
        let longest = LONGEST_CADENCE_DAYS.min((last - first) / 2);
        let tried: i64 = (2..=longest).sum();
        let at_most = CADENCE_SIGNIFICANCE / tried.max(1) as f64;
        let mut rhythms: Vec<(i64, i64)> = Vec::new();
        for step in 2..=longest {
            for residue in rhythms_at(days, step, at_most) {
                if !rhythms.iter().any(|&(finer, r)| step % finer == 0 && residue % finer == r) {
                    rhythms.push((step, residue));
                }
            }
        }
        let mut cadence = Cadence { rhythms, first_day: first, off_before: Vec::new() };
        if !cadence.rhythms.is_empty() {
            let mut off = 0u32;
            cadence.off_before = (first..=last + 1)
                .map(|d| {
                    let before = off;
                    off += u32::from(!cadence.holds(d));
                    before
                })
                .collect();
        }
        cadence
    }

    /// Whether the account has no rhythm of its own.
    pub fn is_empty(&self) -> bool {
        self.rhythms.is_empty()
    }

    /// Whether `day` is one of the account's rhythm days.
    pub fn holds(&self, day: i64) -> bool {
        self.rhythms.iter().any(|&(step, residue)| day.rem_euclid(step) == residue)
    }

    /// How many of the days `from..=to` are off the rhythm.
    pub fn days_off(&self, from: i64, to: i64) -> usize {
        if to < from {
            return 0;
        }
        let last = self.first_day + self.off_before.len() as i64 - 2;
        if self.off_before.is_empty() || from < self.first_day || to > last {
            // Outside the life it was read in: day by day.
            return (from..=to).filter(|&d| !self.holds(d)).count();
        }
        let at = |d: i64| self.off_before[(d - self.first_day) as usize] as usize;
        at(to + 1) - at(from)
    }

    /// The shortest step of its rhythms, days.
    pub fn shortest_step(&self) -> Option<i64> {
        self.rhythms.iter().map(|&(step, _)| step).min()
    }
}

/// The fewest days a schedule at an interval of `every` days needs before its chance
/// ([`schedule_chance`]) can be at most `at_most`, however few of the days around it are
/// marked (only its own) and however short the life it is read in (its own span); `None`
/// when none that fits in `span_days` can.
pub fn fewest_terms(
    every: i64,
    min_terms: usize,
    span_days: i64,
    min_every: i64,
    at_most: f64,
) -> Option<usize> {
    (min_terms.max(2)..).take_while(|&k| (k as i64 - 1) * every < span_days).find(|&k| {
        let s = Schedule { first_day: 0, every_days: every, terms: k };
        schedule_chance(&s, k, s.span_days(), min_every) <= at_most
    })
}

/// Below this chance, an account's other days are on the schedule's lattice (or a finer
/// one that holds it) more often than one day in `every` by chance: the interval is its
/// own cadence.
const OWN_CADENCE_SIGNIFICANCE: f64 = 0.01;

/// Whether `other_days` (the account's days in the same direction, but for those that
/// held nothing but the schedule's own transfers) keep `schedule`'s interval: at least
/// as many of them as the schedule has days, and more of them than chance on its
/// lattice or on a finer one that contains it (every 7 days holds every 14), or on
/// another day of its very interval that no finer rhythm explains (a firm that pays on
/// Fridays and opens new payees on Tuesdays deals weekly: every weekday it keeps is its
/// rhythm; its Fridays say nothing of a fortnight of Wednesdays). `None` when there are
/// too few other days to tell: an account whose whole life is the schedule has no
/// everyday rhythm to set it against.
pub fn keeps_own_cadence(schedule: &Schedule, other_days: &[i64]) -> Option<bool> {
    if other_days.len() < schedule.terms {
        return None;
    }
    let n = other_days.len();
    let every = schedule.every_days;
    let on_lattice = (2..=every).filter(|step| every % step == 0).any(|step| {
        let on = other_days.iter().filter(|&&d| (d - schedule.first_day).rem_euclid(step) == 0).count();
        binomial_tail(n, on, 1.0 / step as f64) <= OWN_CADENCE_SIGNIFICANCE
    });
    let rhythm_of_its_own = || {
        let finer: Vec<(i64, Vec<i64>)> = (2..every)
            .filter(|step| every % step == 0)
            .map(|step| (step, rhythms_at(other_days, step, OWN_CADENCE_SIGNIFICANCE / step as f64)))
            .collect();
        rhythms_at(other_days, every, OWN_CADENCE_SIGNIFICANCE / every as f64).into_iter().any(|residue| {
            residue != schedule.first_day.rem_euclid(every)
                && !finer.iter().any(|(step, held)| held.contains(&residue.rem_euclid(*step)))
        })
    };
    Some(on_lattice || rhythm_of_its_own())
}

/// The days of a `step` (days since the epoch modulo it) on which far more of `days`
/// fall than one in the step: at least four, twice their share, and a binomial tail of
/// at most `at_most`. Only a day holding twice its share is tested: most steps of most
/// lives are read without a single tail.
fn rhythms_at(days: &[i64], step: i64, at_most: f64) -> Vec<i64> {
    let n = days.len();
    // A month's steps count on the stack: they are read for every account that holds a
    // schedule.
    let mut on_stack = [0usize; LONGEST_CADENCE_DAYS as usize + 1];
    let mut on_heap = Vec::new();
    let on: &mut [usize] = match on_stack.get_mut(..step as usize) {
        Some(on) => on,
        None => {
            on_heap.resize(step as usize, 0);
            &mut on_heap
        }
    };
    // Each day's place in the step from the last one's: most gaps are shorter than the
    // step, and a division a day for every step was most of an account's reading.
    let mut previous = None;
    let mut at = 0;
    for &d in days {
        at = match previous {
            Some(p) if (0..step).contains(&(d - p)) => {
                let next = at + (d - p);
                if next >= step {
                    next - step
                } else {
                    next
                }
            }
            _ => d.rem_euclid(step),
        };
        previous = Some(d);
        on[at as usize] += 1;
    }
    let p = 1.0 / step as f64;
    let mut fewest = None;
    (0..step)
        .filter(|&r| {
            let count = on[r as usize];
            count >= 4
                && count as f64 >= 2.0 * n as f64 * p
                && count >= *fewest.get_or_insert_with(|| fewest_rare_count(n, p, at_most))
        })
        .collect()
}

std::thread_local! {
    /// [`fewest_rare_count`] by `(n, p, at_most)` (their bits), per thread: every
    /// account's cadence reads the same few lives and steps, and a tail costs two
    /// logarithms and an exponential a term.
    static FEWEST_RARE: std::cell::RefCell<rustc_hash::FxHashMap<(usize, u64, u64), usize>> =
        std::cell::RefCell::default();
}

/// The fewest of `n` days on one day of a step (each there with chance `p`) whose
/// binomial tail is at most `at_most` (`n + 1`: none). The tail falls as the count
/// grows (each term added to a larger sum, in the same order), so the counts that pass
/// are exactly those at or above this one.
fn fewest_rare_count(n: usize, p: f64, at_most: f64) -> usize {
    FEWEST_RARE.with(|memo| {
        *memo.borrow_mut().entry((n, p.to_bits(), at_most.to_bits())).or_insert_with(|| {
            // The first count in 0..=n whose tail passes, by bisection; n + 1 if none.
            let (mut lo, mut hi) = (0, n + 1);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if binomial_tail(n, mid, p) <= at_most {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            lo
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fewest_rare_count_is_where_the_tail_first_passes() {
        for n in [1usize, 4, 9, 20, 57, 200] {
            for step in [2i64, 7, 13, 31] {
                let p = 1.0 / step as f64;
                for at_most in [1e-2, 2e-5, 1e-9] {
                    let fewest = fewest_rare_count(n, p, at_most);
                    let passes = |k: usize| binomial_tail(n, k, p) <= at_most;
                    assert!((0..=n).all(|k| passes(k) == (k >= fewest)), "n {n}, step {step}, {at_most}");
                }
            }
        }
    }

    #[test]
    fn finds_the_maximal_schedules_only() {
        // Every 11 days from day 3, six times, among days that keep no interval.
        let mut days: Vec<i64> = (0..6).map(|m| 3 + 11 * m).collect();
        days.extend([5, 9, 30, 61]);
        days.sort_unstable();
        let mut found = Vec::new();
        each_schedule(&days, 4, 2, |_| Some(4), |s| found.push(s));
        assert!(found.contains(&Schedule { first_day: 3, every_days: 11, terms: 6 }), "{found:?}");
        // Its tail from day 14 is no schedule of its own.
        assert!(!found.iter().any(|s| s.first_day == 14 && s.every_days == 11));
        assert!(found.iter().all(|s| s.terms >= 4 && s.every_days >= 2));
    }

    #[test]
    fn a_schedule_among_few_marked_days_is_unlikely_among_many_it_is_not() {
        let s = Schedule { first_day: 0, every_days: 11, terms: 7 };
        // Ten marked days in its 67: seven of them on one lattice is rare.
        let sparse = schedule_chance(&s, 10, 365, 2);
        // Every day marked: every lattice is there.
        let dense = schedule_chance(&s, 67, 365, 2);
        assert!(sparse < 1e-3, "{sparse}");
        assert_eq!(dense, 1.0);
    }

    #[test]
    fn a_short_schedule_at_a_short_interval_is_never_rare_enough() {
        // Four days two apart: one lattice in seven days, all four marked: 1 in 35.
        assert_eq!(fewest_terms(2, 4, 365, 2, 1.0 / 34.9), Some(4));
        assert_eq!(fewest_terms(2, 4, 365, 2, 1.0 / 35.1), Some(5));
        // Nothing that fits in twenty days is one in a billion.
        assert_eq!(fewest_terms(5, 4, 20, 2, 1e-9), None);
        // What is skipped could not have passed: every schedule of fewer days has a
        // larger chance, whatever is marked around it.
        let k = fewest_terms(11, 4, 365, 2, 1e-7).unwrap();
        let shorter = Schedule { first_day: 0, every_days: 11, terms: k - 1 };
        for marked in k - 1..40 {
            assert!(schedule_chance(&shorter, marked, 365, 2) > 1e-7);
        }
    }

    #[test]
    fn the_lattices_a_span_holds_are_counted_in_closed_form() {
        // Four days in ten, every 2 or 3 days: starts 0..=3 every 2, 0 every 3; with
        // every day marked the chance is capped, with four marked it is 5 in C(10, 4).
        let s = Schedule { first_day: 0, every_days: 3, terms: 4 };
        let chance = schedule_chance(&s, 4, 10, 2);
        assert!((chance - 5.0 / 210.0).abs() < 1e-12, "{chance}");
    }

    #[test]
    fn a_weekly_rhythm_is_a_cadence_a_working_week_is_not() {
        // Paying on every Friday (day 4 of the week) for a year, and on twelve other days.
        let mut days: Vec<i64> = (0..52).map(|w| 7 * w + 4).collect();
        days.extend([2, 19, 45, 80, 93, 130, 151, 200, 238, 261, 300, 333]);
        days.sort_unstable();
        days.dedup();
        let cadence = Cadence::of(&days);
        assert!(cadence.holds(4 + 7 * 60) && !cadence.holds(2), "{cadence:?}");
        assert_eq!(cadence.shortest_step(), Some(7));
        // Every working day of the year: five days in seven are its share, no rhythm.
        let weekdays: Vec<i64> = (0..365).filter(|d| d % 7 < 5).collect();
        assert!(Cadence::of(&weekdays).is_empty(), "{:?}", Cadence::of(&weekdays));
        // Days of no rhythm.
        let spread: Vec<i64> =
            (0..60).map(|k| k * k * 7 % 365).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        assert!(Cadence::of(&spread).is_empty(), "{:?}", Cadence::of(&spread));
        assert!(Cadence::of(&[]).is_empty());
        // Days off its Fridays, counted at once or day by day past its life.
        for (from, to) in [(0, 6), (3, 40), (100, 100), (4, 4), (-20, 10), (350, 400), (5, 4)] {
            let by_day = (from..=to).filter(|&d| !cadence.holds(d)).count();
            assert_eq!(cadence.days_off(from, to), by_day, "{from}..={to}");
        }
        // Every other Friday is a Friday: one rhythm, not four.
        assert_eq!(cadence.rhythms, vec![(7, 4)]);
    }

    #[test]
    fn around_a_cadence_only_the_days_off_it_count() {
        // Eight days 34 apart, all marked, seven off the cadence, among seven marked days
        // of 205 open ones: the chance is the lattices times 7!/(205 falling 7).
        let s = Schedule { first_day: 0, every_days: 34, terms: 8 };
        let around = schedule_chance_around(&s, 7, 7, 205, 365, 2);
        let (span, k) = (239.0, 8.0);
        let intervals = 33.0;
        let lattices = intervals * span - (k - 1.0) * (2.0 + 34.0) * intervals / 2.0;
        let all_marked: f64 = (0..7).map(|m| (7 - m) as f64 / (205 - m) as f64).product();
        let want = lattices * all_marked * 365.0 / span;
        assert!((around - want).abs() <= 1e-12 * want, "{around} vs {want}");
        // Read with every day open and marked as they were, the same schedule is likely.
        assert!(schedule_chance(&s, 42, 365, 2) > 1e3 * around);
        // Nothing off the cadence, nothing to read.
        assert_eq!(schedule_chance_around(&s, 0, 7, 205, 365, 2), 1.0);
    }

    #[test]
    fn a_firm_that_pays_on_fridays_keeps_its_own_cadence() {
        let s = Schedule { first_day: 4, every_days: 14, terms: 6 };
        // Its other payments fall on the other Fridays: the weekly lattice holds them.
        let fridays: Vec<i64> = (0..26).map(|w| 11 + 14 * w).collect();
        assert_eq!(keeps_own_cadence(&s, &fridays), Some(true));
        // Other days spread over the week keep no interval.
        let spread: Vec<i64> = (0..40).map(|d| d * 5 + d % 3).collect();
        assert_eq!(keeps_own_cadence(&s, &spread), Some(false));
        // Too few other days to tell.
        assert_eq!(keeps_own_cadence(&s, &[1, 2]), None);
        // Weekly on Tuesdays among weekly Fridays: each weekday it keeps is its rhythm.
        let tuesdays = Schedule { first_day: 1, every_days: 7, terms: 20 };
        let fridays: Vec<i64> = (0..40).map(|w| 7 * w + 4).collect();
        assert_eq!(keeps_own_cadence(&tuesdays, &fridays), Some(true));
        // Every other Wednesday is not its weekly rhythm: the Fridays every 14 days are
        // its Fridays every 7.
        let wednesdays = Schedule { first_day: 2, every_days: 14, terms: 8 };
        assert_eq!(keeps_own_cadence(&wednesdays, &fridays), Some(false));
    }
}
