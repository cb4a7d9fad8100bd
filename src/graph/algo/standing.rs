//! Standing payments: a payee an account pays on a calendar of its own (the mortgage on
//! the 1st, the energy bill, the card statement, a transfer to savings on payday), week
//! after week or month after month.
//!
//! Such payments are a household's or a firm's budget: the salary that arrives on the
//! 25th and leaves the same afternoon for the mortgage, savings and bills is spent, not
//! passed on. A mule passes money on when it arrives, to whoever it is told, so its
//! payments follow its receipts rather than a calendar. A treasury's regular sweeps to
//! a subsidiary are a calendar too, with amounts held closer (OS5).

use crate::graph::FlowGraph;
use crate::units::DAY;

/// Payments to one payee at the least that show a calendar.
pub const STANDING_PAYMENTS_AT_LEAST: usize = 3;

/// How far each interval may stray from the typical one (a month is 28 to 31 days, a
/// due date moves off a weekend).
const PERIOD_TOLERANCE: f64 = 0.25;

/// What a calendar of payments allows: its shortest typical interval, and how far an
/// amount may stray from the typical one.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    /// The shortest typical interval, seconds.
    pub shortest_period: i64,
    /// Whether an amount fits, given the typical one.
    pub amount_fits: fn(f64, f64) -> bool,
}

/// A household's or a firm's bills and standing orders: weekly or slower (a payee paid
/// every day or two follows the account's business, not a bill's due date), each amount
/// within half again of the typical one either way. A bill varies from month to month
/// by that much at most (a standing order not at all), while a mule's payments to one
/// payee are whatever came in (a payee paid three times at a weekly rhythm by chance,
/// among a busy mule's fifty, took 967k, 583k and 435k).
pub const BILLS: Calendar = Calendar {
    shortest_period: 6 * DAY,
    amount_fits: |a, typical| typical > 0.0 && a <= 1.5 * typical && a * 1.5 >= typical,
};

/// Whether payments at `times` (seconds, ascending) of `amounts` follow `calendar`: at
/// least [`STANDING_PAYMENTS_AT_LEAST`], every interval within a quarter of the typical
/// (upper median) one and that at least `shortest_period`, every amount fitting the
/// typical (upper median) one.
pub fn on_a_calendar(times: &[i64], amounts: &[f64], calendar: &Calendar) -> bool {
    if times.len() < STANDING_PAYMENTS_AT_LEAST || times.len() != amounts.len() {
        return false;
    }
    let mut gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_unstable();
    let period = gaps[gaps.len() / 2];
    let mut sizes = amounts.to_vec();
    sizes.sort_unstable_by(f64::total_cmp);
    let typical = sizes[sizes.len() / 2];
    period >= calendar.shortest_period
        && gaps.iter().all(|&gap| (gap - period).abs() as f64 <= PERIOD_TOLERANCE * period as f64)
        && amounts.iter().all(|&a| (calendar.amount_fits)(a, typical))
}

/// The payees `v` pays on a calendar of bills ([`BILLS`], over every payment to each),
/// sorted.
pub fn standing_payees(g: &FlowGraph, v: u32) -> Vec<u32> {
    let out = g.out_list(v);
    if out.len() < STANDING_PAYMENTS_AT_LEAST {
        return Vec::new();
    }
    // (payee, time, amount), by payee then time.
    let mut payments: Vec<(u32, i64, f64)> = (0..out.len())
        .filter(|&k| out.other[k] != v)
        .map(|k| (out.other[k], out.time[k], out.amount[k]))
        .collect();
    payments.sort_unstable_by_key(|a| (a.0, a.1));
    payments
        .chunk_by(|a, b| a.0 == b.0)
        // Fewer payments than a calendar needs are none, without reading them: most of
        // an account's payees are paid once or twice.
        .filter(|to_one| to_one.len() >= STANDING_PAYMENTS_AT_LEAST)
        .filter(|to_one| {
            let times: Vec<i64> = to_one.iter().map(|p| p.1).collect();
            let amounts: Vec<f64> = to_one.iter().map(|p| p.2).collect();
            on_a_calendar(&times, &amounts, &BILLS)
        })
        .map(|to_one| to_one[0].0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monthly(n: i64, day_shift: impl Fn(i64) -> i64) -> Vec<i64> {
        (0..n).map(|m| (m * 30 + day_shift(m)) * DAY).collect()
    }

    #[test]
    fn a_monthly_bill_moved_off_weekends_is_on_a_calendar() {
        let times = monthly(6, |m| [0, 2, -1, 0, 1, 0][m as usize]);
        assert!(on_a_calendar(&times, &[90.0, 120.0, 80.0, 95.0, 140.0, 100.0], &BILLS));
    }

    #[test]
    fn irregular_daily_or_wildly_sized_payments_are_not() {
        // Whenever money came in.
        let times = [0, 3, 17, 18, 40, 90].map(|d| d * DAY);
        assert!(!on_a_calendar(&times, &[100.0; 6], &BILLS));
        // Every day.
        let daily: Vec<i64> = (0..10).map(|d| d * DAY).collect();
        assert!(!on_a_calendar(&daily, &[100.0; 10], &BILLS));
        // Monthly, but one payment twice the others.
        let times = monthly(4, |_| 0);
        assert!(!on_a_calendar(&times, &[100.0, 100.0, 200.0, 100.0], &BILLS));
        // Two payments say nothing of a calendar.
        assert!(!on_a_calendar(&monthly(2, |_| 0), &[100.0, 100.0], &BILLS));
    }
}
