//! fan_out — one account paying many distinct payees in a burst (generic motif).
//!
//! ## What it finds
//! An account that, inside one window, pays at least `min_counterparties` distinct
//! payees (distinct controllers when entity links are known), where that burst is most
//! of everything it ever paid out: a one-off dispersal, not a steady business. As for
//! fan_in, the window is read at every length from one day up, and the burst must be
//! more than the account's habit explains (`expected_by_chance`). A fan spread over a
//! month rather than a burst (a new payee every few days) is found when the amounts it
//! pays them are ones the account does not pay (`spread_expected_by_chance`), and so is
//! one over two or four months with as many new payees for each month, each paid within
//! `relationship_days`, at `min_rate_ratio` times its pace the rest of the time, as for
//! fan_in.
//! A burst that runs a little past the window is one fan: new payees just before or
//! after it, within a window and at no longer an interval than the burst's own longest,
//! join it (the burst's chance is still the tested window's).
//! Bursts a window or more apart are each reported, the most telling first, up to four
//! per account: a mule account used twice, or a hub whose first burst another typology
//! explains, does not hide its later one. A burst is proved by its payments to the new
//! payees; those to payees the account already paid (its landlord, a friend) in the
//! same days are its own business and stay out of the lead, and so are those that open
//! or close the burst to new payees of its everyday size (at most twice its usual
//! amount) when the fan's typical payment is ten times theirs or more: a new shop paid
//! the day before took no part.
//!
//! A fan spread over months at the account's everyday rate and amounts is found when its
//! first payments to new payees keep one interval to the day while its other days keep
//! none, as for fan_in ([`crate::detect::search::fan_schedules`]), among the first
//! payments to every payee it did not know and among those to its new payees alone: a
//! supplier it takes on every week and keeps opens on a day of its own, around and
//! between a schedule of payees paid once and gone.
//!
//! A fan spread over months on no schedule is found when the account keeps a rhythm
//! (its standing orders every Tuesday: most of its days on one day of a step) and pays
//! its new payees on days off it, more often than the dump's other rhythmic payers pay
//! someone new off theirs, over its life or within `window_days` or
//! `relationship_days` (each reading a try), over every account of the dump at most
//! `expected_by_chance` times ([`crate::graph::algo::rhythm_breaks`]): someone else
//! decided those payments.
//!
//! ## Why it matters
//! Fan-out is one of the eight laundering motifs labelled in the public synthetic AML
//! datasets (IBM AMLworld, Altman et al., NeurIPS 2023; AMLSim): placement split across
//! many accounts, or the payout half of an underground bank (typologies.md, generic
//! motifs). It needs no country or company data.
//!
//! ## Example
//! ```text
//!     ┌─> D1
//!     ├─> D2
//! H ──┼─> D3     5 distinct payees within 8 days; H paid almost nothing else
//!     ├─> D4
//!     └─> D5
//! ```
//!
//! ## Parameters
//! `[fan_out]`: `window_days` (7), `min_counterparties` (3 new payees, first paid inside
//! the window, not after `relationship_days`, 30, and never again after a silence longer
//! than the window), `min_rate_ratio` (5),
//! `min_amount` (`p90`), `expected_by_chance` (1), `spread_expected_by_chance` (0.1),
//! `channels` (all but card), as for fan_in.
//!
//! ## Look-alikes
//! Payroll pays the same staff every month (they are not new payees, even on the
//! dump's first payday when the next comes 28 to 31 days later and the dump ends before
//! a third) and suppliers are paid all year (no week stands out). A household that pays a few new people a month
//! its everyday amounts (a move, a holiday) is no spread fan, and one paying three or
//! four new people small sums in a day (a shared dinner, second-hand purchases) moves
//! less than one large transfer of the dump in all. One large purchase (a house, a car, a
//! fund subscription) with a few new everyday payees beside it in the same days spreads
//! nothing: left without its largest payee, a fan must still move half of one large
//! transfer of the dump. A hub that pays new payees its everyday amounts
//! ranks below one that scatters amounts it never pays. A household whose standing
//! orders run on Tuesdays pays a tradesman or a friend on another day now and then: in
//! a dump whose rhythmic accounts do so as often, no number of such days in a year
//! stands out. A firm whose payroll runs on Fridays and which takes on suppliers on
//! other days is read against the dump's other businesses (companies, or accounts far
//! busier than its typical one), not against households' standing orders; and one that
//! takes on suppliers all week, or whose payroll runs every 30 days, lives off its
//! rhythm (under half its days on it, or most of the rhythm's days idle) and breaks none.
//! A business's other payments over the dump are a sample of its trade, not a known
//! rate of large sums: a month of new suppliers paid larger sums is read against them
//! as one sample against another (a rank-sum test), so a busy quarter's larger orders
//! make no spread fan. A company splitting corporate money
//! to many persons after a dormant spell is UB6; a hub that gathered the money first is
//! gather-scatter or UB1: those are reported instead, not twice. A fund redeeming its
//! investors, a club refunding deposits or a borrower repaying its lenders pays people
//! their own money: a payment of at most one and a half times what the payee had paid
//! the hub before is a repayment, no leg of a fan (a mule's payees paid it nothing, or
//! small change beside the fan's sums). A lender's borrowers pay it back in
//! instalments: a payee that then pays the hub less than it was paid on two or more later
//! days is in a running arrangement with it, not a new payee. A marketplace that adds
//! a new seller to its weekly payout run pays its sellers on those days anyway: new
//! payees on its own calendar are no schedule, and a firm that takes on a supplier every
//! ten days and pays each again months later keeps them: at least half of a schedule's
//! payees must be new, whatever the interval and however its first payments are read. Not yet quiet (a gap on record in
//! look_alikes.rs): a company paying a one-off dividend to its shareholders pays many
//! payees it never paid before, and an executor's account pays the heirs their shares of
//! an estate in an afternoon; nothing here reads yet whether the payees pass the money
//! on.

use crate::config::Config;
use crate::detect::context::PartEdges;
use crate::detect::handed::Handed;
use crate::detect::search::fans::{fan_hits, hand_break_rate, Fan, FANS_GIVE_WAY_TO};
use crate::detect::{Context, Detector, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::FlowGraph;
use crate::pattern::Pattern;

/// fan_out detector.
pub struct FanOut;

impl Detector for FanOut {
    fn lookback(&self, config: &Config) -> Lookback {
        Lookback::days(
            config.fan_out.longest_fan_days(),
            &[Reads::AmountQuantiles, Reads::AccountRate, Reads::AccountHistory, Reads::Reference],
        )
    }

    fn part_rule(&self, _config: &Config) -> Option<PartRule> {
        // A burst is read against its hub's own history, both ways, and nothing else
        // but counts shared with the whole dump.
        Some(PartRule::Account { anchor: Some(Role::Hub) })
    }

    fn hand_to_part(&self, whole: &Context<'_>, _: &FlowGraph, _: PartEdges<'_>, handed: &mut Handed) {
        // How often the dump's rhythmic accounts break their rhythm: a count over every
        // account, which a part of some accounts does not hold.
        hand_break_rate(whole, handed);
    }

    fn pattern(&self) -> Pattern {
        Pattern::FanOut
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        Outcome { hits: fan_hits(ctx, &ctx.config.fan_out, Fan::Out, Pattern::FanOut), notes: Vec::new() }
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &FANS_GIVE_WAY_TO
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};
    use crate::detect::Role;

    fn burst(t: &mut Tiny, hub: &str, payees: usize, start: i64, spacing: i64) {
        t.span(200);
        for k in 0..payees {
            t.wire(hub, &format!("P{k}"), start + k as i64 * spacing, 2_000.0 + k as f64);
        }
    }

    #[test]
    fn finds_a_burst_of_distinct_payees() {
        let mut t = Tiny::new();
        burst(&mut t, "HUB", 7, 10 * D, 20 * H);
        let hits = t.hits(&FanOut);
        assert_eq!(hits.len(), 1);
        let hub = t.dump.accounts.intern("HUB");
        assert!(hits[0].accounts.iter().any(|a| a.account == hub && a.role == Role::Hub));
        assert!(hits[0].reason.contains("to 7 new payees"), "{}", hits[0].reason);
    }

    #[test]
    fn a_firm_paying_its_freelancers_all_year_is_no_fan() {
        // Look-alike: a studio pays its seven freelancers each month for their invoices,
        // on days that wander with the invoices: the same payees all year, no week
        // stands out.
        let mut t = Tiny::new();
        t.company("HUB", "DE");
        for m in 0..6i64 {
            burst(&mut t, "HUB", 7, (m * 30 + 3 + m % 4) * D, 20 * H);
        }
        assert!(t.hits(&FanOut).is_empty(), "{:?}", t.hits(&FanOut));
        // Seven payees paid once each in a week are a fan.
        let mut t = Tiny::new();
        t.company("HUB", "DE");
        burst(&mut t, "HUB", 7, 10 * D, 20 * H);
        assert_eq!(t.hits(&FanOut).len(), 1);
    }

    #[test]
    fn paying_people_back_their_own_money_is_no_fan_but_a_mule_paid_small_change_still_is() {
        // Seven people paid the hub 1,800 to 2,400 weeks before; it pays each back up to
        // half as much again.
        let mut t = Tiny::new();
        for k in 0..7i64 {
            t.wire(&format!("P{k}"), "HUB", (20 + k) * D, 1_800.0 + 100.0 * k as f64);
        }
        burst(&mut t, "HUB", 7, 60 * D, 20 * H);
        assert!(t.hits(&FanOut).is_empty(), "{:?}", t.hits(&FanOut));
        // The same payees had paid the hub 50 each: what it pays them is not theirs.
        let mut t = Tiny::new();
        for k in 0..7i64 {
            t.wire(&format!("P{k}"), "HUB", (20 + k) * D, 50.0);
        }
        burst(&mut t, "HUB", 7, 60 * D, 20 * H);
        let hits = t.hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("to 7 new payees"), "{}", hits[0].reason);
    }

    #[test]
    fn a_lender_whose_borrowers_repay_in_instalments_is_no_fan_but_a_mule_paid_back_once_is() {
        // Seven new borrowers; each then pays the hub a tenth of the loan a month, or
        // (the mule's payees) one payment of the same size back and nothing more.
        let lend = |instalments: i64| {
            let mut t = Tiny::new();
            burst(&mut t, "HUB", 7, 60 * D, 20 * H);
            for k in 0..7i64 {
                for m in 1..=instalments {
                    t.wire(&format!("P{k}"), "HUB", (60 + 30 * m) * D + k * H, 200.0 + k as f64);
                }
            }
            t.hits(&FanOut)
        };
        assert!(lend(3).is_empty(), "{:?}", lend(3));
        let hits = lend(1);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("to 7 new payees"), "{}", hits[0].reason);
    }

    #[test]
    fn a_fan_a_little_longer_than_the_window_is_found_whole() {
        // Ten payees twenty hours apart: seven and a half days. The densest week holds
        // nine; the tenth came at the fan's own pace and is part of it.
        let mut t = Tiny::new();
        burst(&mut t, "HUB", 10, 10 * D, 20 * H);
        let hits = t.hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("to 10 new payees"), "{}", hits[0].reason);
        assert_eq!((hits[0].accounts.len(), hits[0].transfers.len()), (11, 10));
    }

    #[test]
    fn new_payees_the_hub_opens_later_at_its_own_pace_stay_out() {
        // Seven payees twenty hours apart, then the hub's everyday new payees, one every
        // three days: they come slower than the fan ever did, so they are not its tail.
        let mut t = Tiny::new();
        burst(&mut t, "HUB", 7, 10 * D, 20 * H);
        for k in 0..6 {
            t.wire("HUB", &format!("LATER{k}"), 10 * D + 6 * 20 * H + (k + 1) * 3 * D, 2_000.0);
        }
        let hits = t.hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("to 7 new payees"), "{}", hits[0].reason);
    }

    #[test]
    fn payees_the_hub_already_paid_are_no_part_of_its_burst() {
        let mut t = Tiny::new();
        burst(&mut t, "HUB", 7, 10 * D, 20 * H);
        // Rent and a regular friend, paid every month, once inside the burst too.
        for m in 0..6 {
            t.wire("HUB", "LANDLORD", m * 30 * D + 11 * D, 800.0);
            t.wire("HUB", "FRIEND", m * 30 * D + 12 * D, 40.0);
        }
        let hits = t.hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let regulars = [t.dump.accounts.intern("LANDLORD"), t.dump.accounts.intern("FRIEND")];
        assert!(hits[0].accounts.iter().all(|a| !regulars.contains(&a.account)), "{:?}", hits[0].accounts);
        assert_eq!((hits[0].accounts.len(), hits[0].transfers.len()), (8, 7));
        assert!(
            hits[0].reason.contains("beside 2 transfers with payees it already knew"),
            "{}",
            hits[0].reason
        );
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        burst(&mut t, "HUB", 2, 10 * D, H);
        assert!(t.hits(&FanOut).is_empty(), "two payees: a pair, not a fan");
        let mut t = Tiny::new();
        burst(&mut t, "HUB", 5, 10 * D, 8 * D);
        assert!(t.hits(&FanOut).is_empty(), "wider than the window");
    }

    /// A household paying its two regulars small sums, in a dump whose median is 20 and
    /// whose 90th percentile is 5,000; then, in one day, `amounts` to new payees.
    fn household_paying_new_people(amounts: &[f64]) -> Tiny {
        let mut t = Tiny::new();
        t.span(200);
        for k in 0..200 {
            let amount = if k % 5 == 0 { 5_000.0 } else { 20.0 };
            t.wire(&format!("E{}", k % 10), &format!("F{}", k % 7), k * D, amount);
        }
        for d in (0..200).step_by(20) {
            t.wire("HOME", "GROCER", d * D, 15.0);
            t.wire("HOME", "PHONE", d * D + H, 25.0);
        }
        for (k, &amount) in amounts.iter().enumerate() {
            t.wire("HOME", &format!("NEW{k}"), 90 * D + k as i64 * H, amount);
        }
        t
    }

    #[test]
    fn a_household_paying_a_few_new_people_small_sums_stays_quiet() {
        // Four new people paid 100 each in a day: a shared dinner, things bought second
        // hand.
        let mut t = household_paying_new_people(&[100.0; 4]);
        assert!(t.hits(&FanOut).is_empty(), "{:?}", t.hits(&FanOut));
        // Not vacuous: one median transfer in all would have let it through.
        t.config.fan_out.min_amount = "p50".parse().expect("a floor");
        assert_eq!(t.hits(&FanOut).len(), 1);
    }

    #[test]
    fn one_large_purchase_beside_a_few_new_everyday_payees_stays_quiet() {
        // A fund subscription of 40,000 and three new payees of 30 to 60 the same day:
        // the money went to one place, nothing was spread.
        let t = household_paying_new_people(&[40_000.0, 30.0, 45.0, 60.0]);
        assert!(t.hits(&FanOut).is_empty(), "{:?}", t.hits(&FanOut));
        // Not vacuous: the same money split between the four is a fan.
        let t = household_paying_new_people(&[10_000.0; 4]);
        assert_eq!(t.hits(&FanOut).len(), 1);
    }

    #[test]
    fn payees_paid_daily_for_three_weeks_then_never_again_are_new() {
        let mut t = Tiny::new();
        t.span(200);
        for day in 0..21 {
            for k in 0..5 {
                t.wire("HUB", &format!("P{k}"), (60 + day) * D + k * H, 500.0);
            }
        }
        let hits = t.hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0].reason.contains("to 5 new payees (first dealt with in this burst"),
            "{}",
            hits[0].reason
        );
    }

    #[test]
    fn new_staff_on_a_monthly_payroll_are_not_new_business() {
        // Six hires paid together on the 24th, then every month after.
        let mut t = Tiny::new();
        t.span(200);
        for m in 0..5 {
            for k in 0..6 {
                t.wire("EMPLOYER", &format!("HIRE{k}"), (24 + m * 30) * D + k * 60, 3_000.0);
            }
        }
        assert!(t.hits(&FanOut).is_empty());
    }

    /// A dump that opens on a payday and ends before the third: thirty staff are first
    /// paid on the dump's first day, paid again `gap` days later, and the dump closes
    /// `tail` days after that.
    fn payroll_at_the_dump_start(gap: Option<i64>) -> Tiny {
        let mut t = Tiny::new();
        t.span(76);
        let paydays: Vec<i64> = std::iter::once(0).chain(gap).collect();
        for day in paydays {
            for k in 0..30 {
                t.wire("EMPLOYER", &format!("STAFF{k}"), day * D + 9 * H + k * 60, 3_000.0 + k as f64);
            }
        }
        t
    }

    #[test]
    fn a_payroll_seen_from_the_dump_start_is_not_a_fan_out() {
        // The next payday 28 to 31 days on (February, a payday moved off a weekend):
        // staff who come back after a month's silence are not new payees, however soon
        // in the month the dump ends.
        for gap in [28, 29, 30, 31] {
            let t = payroll_at_the_dump_start(Some(gap));
            assert!(t.hits(&FanOut).is_empty(), "next payday {gap} days on: {:?}", t.hits(&FanOut));
        }
        // Not vacuous: thirty people paid once and never again are a fan.
        assert_eq!(payroll_at_the_dump_start(None).hits(&FanOut).len(), 1);
    }

    #[test]
    fn monthly_payroll_is_not_a_fan_out() {
        let mut t = Tiny::new();
        t.company("EMPLOYER", "US");
        for m in 0..6 {
            for k in 0..30 {
                t.wire("EMPLOYER", &format!("STAFF{k}"), m * 30 * D + 24 * D + k * 60, 3_000.0);
            }
        }
        assert!(t.hits(&FanOut).is_empty());
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(3, 40, 300, 120);
        burst(&mut t, "HUB", 6, 50 * D, 30 * H);
        t.wire("N1", "HUB", 40 * D, 20_000.0);
        t.reverse_rows();
        let hub = t.dump.accounts.intern("HUB");
        let hits = t.hits(&FanOut);
        assert!(hits.iter().any(|h| h.accounts.iter().any(|a| a.account == hub && a.role == Role::Hub)));
    }

    #[test]
    fn a_new_shop_paid_the_usual_amount_just_before_the_scatter_is_not_a_payee_of_the_fan() {
        // After months of paying 100 a time, the hub scatters 5,000 to each of six new
        // payees within a week; the evening before, it pays a new shop its usual 100.
        let mut t = Tiny::new();
        t.span(200);
        for k in 0..20 {
            t.wire("HUB", &format!("OLD-SHOP{}", k % 2), k * 5 * D, 100.0);
        }
        for k in 0..6 {
            t.wire("HUB", &format!("M{k}"), 150 * D + k * H, 5_000.0);
        }
        t.wire("HUB", "NEW-SHOP", 150 * D - 3 * H, 100.0);
        let hits = t.hits(&FanOut);
        let shop = t.dump.accounts.intern("NEW-SHOP");
        let hit = hits.iter().find(|h| h.accounts.len() > 1).expect("the scatter is a fan");
        assert!(hit.accounts.iter().all(|a| a.account != shop), "{hit:?}");
        assert_eq!(hit.accounts.len(), 7, "{hit:?}");
        assert!(hit.reason.contains("6 new payees"), "{}", hit.reason);
        assert!(
            hit.reason.contains("1 of its everyday size to other new payees, left out"),
            "{}",
            hit.reason
        );
    }

    #[test]
    fn a_platform_adding_new_sellers_to_its_weekly_payout_run_keeps_its_own_calendar() {
        // A marketplace pays its fifteen sellers every Wednesday and its courier, landlord
        // and provider on days of their own; a new seller joins every run. Its every
        // Wednesday holds a new payee, so only the sellers it already knew, paid on the
        // same days, say that the interval is its own.
        let platform = |new_sellers_in_the_run: bool| {
            let mut t = Tiny::new();
            t.span(200);
            for week in 0..26 {
                for s in 0..15 {
                    t.wire("PLATFORM", &format!("SELLER{s}"), (week * 7 + 2) * D + s * H, 200.0 + s as f64);
                }
            }
            for k in 0..30 {
                t.wire(
                    "PLATFORM",
                    ["COURIER", "LANDLORD", "PROVIDER"][k % 3],
                    (k as i64 * 37 % 180) * D,
                    150.0,
                );
            }
            let (joiners, day): (i64, fn(i64) -> i64) =
                if new_sellers_in_the_run { (26, |k| k * 7 + 2) } else { (16, |k| k * 11 + 5) };
            for k in 0..joiners {
                t.wire("PLATFORM", &format!("NEW{k}"), day(k) * D + 20 * H, 210.0 + k as f64);
            }
            t
        };
        let t = platform(true);
        assert!(t.hits(&FanOut).is_empty(), "{:?}", t.hits(&FanOut));
        // Not vacuous: the same new payees paid on a schedule of their own are a fan.
        let hits = platform(false).hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("every 11 days"), "{}", hits[0].reason);
        assert!(hits[0].reason.contains("16 times"), "{}", hits[0].reason);
    }

    /// A dump of thirty households whose standing orders pay two regulars every Tuesday
    /// for forty weeks, each of which also pays `own_breaks` new people on other days,
    /// and a household "HUB" that keeps the same rhythm and pays five new payees its
    /// everyday amounts on five other days months apart.
    fn standing_orders_and_five_new_payees(own_breaks: i64) -> Tiny {
        standing_orders_and_new_payees(own_breaks, &[20, 62, 104, 150, 199])
    }

    /// [`standing_orders_and_five_new_payees`], "HUB" paying a new payee on each of
    /// `hub_days`.
    fn standing_orders_and_new_payees(own_breaks: i64, hub_days: &[i64]) -> Tiny {
        let mut t = Tiny::new();
        t.span(290);
        for p in 0..31i64 {
            let payer = if p == 30 { "HUB".to_string() } else { format!("HOME{p}") };
            t.standing_orders(&payer, p, 5, 40, 1.0);
            let breaks = if p == 30 { 0 } else { own_breaks };
            for k in 0..breaks {
                let day = [9, 47, 110, 160, 230][k as usize % 5] + 3 * (k / 5) + p % 3;
                t.wire(&payer, &format!("{payer}-NEW{k}"), day * D + 15 * H, 350.0 + (k * 61 % 300) as f64);
            }
        }
        for (k, day) in hub_days.iter().enumerate() {
            t.wire("HUB", &format!("PAYEE{k}"), day * D + 15 * H, 420.0 + (k as f64) * 57.0);
        }
        t
    }

    #[test]
    fn new_payees_off_a_rhythm_the_dumps_rhythmic_payers_keep_are_a_fan() {
        let hits = standing_orders_and_five_new_payees(0).hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let reason = &hits[0].reason;
        assert!(reason.starts_with("HUB sent 5 transfers"), "{reason}");
        assert!(reason.contains("on 5 days off its own rhythm of every 7 days"), "{reason}");
        assert!(reason.contains("other 30 private accounts that keep a rhythm"), "{reason}");
        assert_eq!(hits[0].accounts.len(), 6, "the hub and its five new payees: {reason}");
        // A hub that takes on a new payee every Tuesday (as AMLSim's do) opens three in
        // a few days at its usual pace; off its rhythm, where the households break theirs
        // twice a year, three such days in a year are their everyday, three within four
        // days are not: read within the fan's window.
        let weekly_newcomers = |own_breaks: i64, hub_days: &[i64]| {
            let mut t = standing_orders_and_new_payees(own_breaks, hub_days);
            for week in 0..40i64 {
                t.wire(
                    "HUB",
                    &format!("NEWCOMER{week}"),
                    (5 + 7 * week) * D + 10 * H,
                    380.0 + (week * 17 % 90) as f64,
                );
            }
            t
        };
        let hits = weekly_newcomers(2, &[120, 121, 123]).hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let reason = &hits[0].reason;
        assert!(reason.contains("on 3 days off its own rhythm of every 7 days within 7 days"), "{reason}");
        let quiet = |own_breaks: i64, hub_days: &[i64]| {
            let hits = weekly_newcomers(own_breaks, hub_days).hits(&FanOut);
            hits.iter().all(|h| !h.reason.starts_with("HUB"))
        };
        assert!(quiet(2, &[20, 104, 199]), "three months apart");
        // Where they break it five times a year, three days within four are no rarer
        // than their breaks explain.
        assert!(quiet(5, &[120, 121, 123]), "three within four days among restless households");
    }

    #[test]
    fn a_household_paying_someone_new_off_its_standing_orders_as_its_neighbours_do_is_no_fan() {
        // Look-alike: standing orders every Tuesday, and a tradesman, a shop or a friend
        // paid on some other day now and then; where the dump's rhythmic households do
        // so about as often, five such days in a year are everyday life.
        let t = standing_orders_and_five_new_payees(5);
        assert!(t.hits(&FanOut).is_empty(), "{:?}", t.hits(&FanOut));
    }

    #[test]
    fn a_firm_paying_staff_on_fridays_and_new_suppliers_is_read_among_businesses() {
        // Look-alike: a firm whose payroll runs every Friday and which takes on a new
        // supplier every few weeks on another day, in the dump above where no household
        // breaks its rhythm: a firm is read against the dump's other businesses, not
        // against households' standing orders.
        let firm = |company: bool| {
            let mut t = standing_orders_and_five_new_payees(0);
            if company {
                t.company("FIRM", "US");
            } else {
                t.person("FIRM", "US");
            }
            for week in 0..40i64 {
                for staff in 0..3 {
                    t.wire(
                        "FIRM",
                        &format!("STAFF{staff}"),
                        (8 + 7 * week) * D + 9 * H,
                        1_200.0 + staff as f64,
                    );
                }
            }
            for k in 0..12i64 {
                let day = 8 + 21 * k + 1 + k % 4;
                t.wire("FIRM", &format!("SUPPLIER{k}"), day * D + 11 * H, 400.0 + (k * 37 % 500) as f64);
            }
            t
        };
        let mut t = firm(true);
        let id = t.dump.accounts.intern("FIRM");
        let hits = t.hits(&FanOut);
        assert!(hits.iter().all(|h| h.accounts.iter().all(|a| a.account != id)), "{hits:?}");
        assert_eq!(hits.len(), 1, "the household's fan is still found: {hits:?}");
        // Not vacuous: read as a private account among the households, its suppliers are
        // a fan.
        let hits = firm(false).hits(&FanOut);
        assert!(hits.iter().any(|h| h.reason.starts_with("FIRM sent 12 transfers")), "{hits:?}");
    }

    /// A firm that takes on a new gig worker each Tuesday and each Friday for 40 weeks
    /// and pays them once (its rhythm: new payees on two days of every week), with
    /// `extra` new payees paid on the days `day(k)`.
    fn weekly_new_payees(extra: i64, day: impl Fn(i64) -> i64) -> Tiny {
        let mut t = Tiny::new();
        t.span(290);
        for week in 0..40 {
            for (n, weekday) in [1, 4].into_iter().enumerate() {
                let amount = 300.0 + ((week * 2 + n as i64) * 53 % 400) as f64;
                t.wire("FIRM", &format!("GIG{week}-{n}"), (week * 7 + weekday) * D + 10 * H, amount);
            }
        }
        for k in 0..extra {
            t.wire("FIRM", &format!("NEW{k}"), day(k) * D + 15 * H, 320.0 + (k * 71 % 350) as f64);
        }
        t
    }

    #[test]
    fn a_schedule_off_the_hubs_own_weekly_rhythm_is_read_against_its_other_days() {
        // Eight new payees every 34 days: among two days a week with a new payee, a
        // lattice of eight is nothing rare; off its Tuesdays and Fridays, where the firm
        // opens no one, it is. (Day 5 + 34k is a Friday at k = 1, a Tuesday at k = 4.)
        let t = weekly_new_payees(8, |k| 5 + 34 * k);
        let hits = t.hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let reason = &hits[0].reason;
        assert!(
            reason.contains("every 34 days") && reason.contains("own rhythm of every 7 days"),
            "{reason}"
        );
        // The payees first paid on its rhythm days are the rhythm's as much as the
        // schedule's.
        assert_eq!(hits[0].transfers.len(), 6, "{reason}");
        // Its own two days a week are no schedule, nor are the same payees on days of no
        // interval.
        assert!(weekly_new_payees(0, |k| k).hits(&FanOut).is_empty());
        let spread = [3, 40, 62, 107, 150, 172, 229, 260];
        let t = weekly_new_payees(8, |k| spread[k as usize]);
        assert!(t.hits(&FanOut).is_empty(), "{:?}", t.hits(&FanOut));
    }

    #[test]
    fn a_weekly_hirer_adding_staff_to_its_fortnightly_payroll_keeps_its_own_calendar() {
        // The same firm pays five staff every other Wednesday and hires one more at each
        // of eight payrolls: new payees every 14 days, off its rhythm, on the days it
        // pays the staff it already has.
        let payroll = |with_staff: bool| {
            let mut t = weekly_new_payees(8, |k| 9 + 14 * (k + 2));
            if with_staff {
                for run in 0..20 {
                    for s in 0..5 {
                        t.wire("FIRM", &format!("STAFF{s}"), (9 + 14 * run) * D + 9 * H, 1_800.0 + s as f64);
                    }
                }
            }
            t
        };
        assert!(payroll(true).hits(&FanOut).is_empty(), "{:?}", payroll(true).hits(&FanOut));
        // Not vacuous: without the staff on those Tuesdays, the hires keep a schedule.
        let hits = payroll(false).hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("every 14 days"), "{}", hits[0].reason);
    }

    /// An account that takes on a new supplier every week, pays it on two days running
    /// and again half a year later (a lasting relationship, first paid on its own rhythm),
    /// and pays seven more payees every ten days from its first day, each paid again half
    /// a year later when `kept` (suppliers too) or never (paid once and gone).
    fn suppliers_and_a_ten_day_schedule(kept: bool) -> Tiny {
        let mut t = Tiny::new();
        t.span(365);
        for week in 0..26i64 {
            for again in [0, 182] {
                for day in [3, 4] {
                    let amount = 250.0 + ((week * 7 + day + again) * 61 % 650) as f64;
                    t.wire("HUB", &format!("SUPPLIER{week}"), (week * 7 + day + again) * D + 9 * H, amount);
                }
            }
        }
        for k in 0..7i64 {
            let amount = 480.0 + (k * 83 % 470) as f64;
            t.wire("HUB", &format!("PAYEE{k}"), (10 * k) * D + 14 * H, amount);
            if kept {
                t.wire("HUB", &format!("PAYEE{k}"), (10 * k + 182) * D + 14 * H, amount);
            }
        }
        t
    }

    #[test]
    fn a_schedule_of_payees_paid_once_stands_out_among_the_suppliers_it_keeps() {
        // Its suppliers' first payments fall on new days every week, around the ten-day
        // schedule: among every first payment it makes, seven ten days apart are nothing
        // rare; among the payees it pays once and never again, they are all there is.
        let hits = suppliers_and_a_ten_day_schedule(false).hits(&FanOut);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let reason = &hits[0].reason;
        assert!(reason.contains("every 10 days") && reason.contains("7 times"), "{reason}");
        assert_eq!(hits[0].transfers.len(), 7, "{reason}");
        // Look-alike: the same seven paid again half a year later are suppliers it keeps,
        // taken on every ten days: its business, not a fan. Among all its first payments,
        // read around its weekly rhythm, five of them keep the interval; none is new.
        let t = suppliers_and_a_ten_day_schedule(true);
        assert!(t.hits(&FanOut).is_empty(), "{:?}", t.hits(&FanOut));
    }

    #[test]
    fn a_burst_of_amounts_the_hub_never_pays_ranks_above_one_of_its_everyday_amounts() {
        // Both hubs pay six new payees within a week after months of paying 100 a time;
        // one pays its usual 100, the other five times that (a lump being scattered).
        let mut t = Tiny::new();
        t.span(200);
        for hub in ["ROUTINE", "MULE"] {
            for k in 0..20 {
                t.wire(hub, &format!("{hub}-SHOP{}", k % 2), k * 5 * D, 100.0);
            }
        }
        for k in 0..6 {
            t.wire("ROUTINE", &format!("R{k}"), 150 * D + k * H, 100.0);
            t.wire("MULE", &format!("M{k}"), 150 * D + k * H, 500.0);
        }
        let hits = t.hits(&FanOut);
        let strength = |hub: &str| {
            let v = t.dump.accounts.ids.iter().position(|id| id == hub).unwrap() as u32;
            let h = hits.iter().find(|h| h.accounts.iter().any(|a| a.account == v && a.role == Role::Hub));
            h.map(|h| (h.strength, h.reason.clone())).unwrap()
        };
        let (routine, mule) = (strength("ROUTINE"), strength("MULE"));
        assert!(mule.0 > routine.0 + 0.25, "{mule:?} against {routine:?}");
        assert!(mule.1.contains("typical amount 5.0x its usual"), "{}", mule.1);
        assert!(routine.1.contains("typical amount 1.0x its usual"), "{}", routine.1);
    }
}
