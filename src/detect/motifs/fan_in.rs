//! fan_in — many distinct senders into one account in a burst (generic motif).
//!
//! ## What it finds
//! An account that, inside one window, receives from at least `min_counterparties`
//! distinct senders (distinct controllers when entity links are known), where that burst
//! is most of everything it ever received: a one-off gathering, not a steady business.
//! The window is read at every length from one day up to `window_days` (a same-day
//! burst is diluted past notice over a week), and the burst must be more than the
//! account's own habit explains: no more than `expected_by_chance` bursts as unlikely,
//! in new senders against its own rate of meeting them and in amounts against its own,
//! expected over every account of the dump. A fan spread over a month rather than a
//! burst (a new sender every few days) is found when the amounts its new senders pay are
//! ones the account does not receive: its count and amounts together no more than
//! `spread_expected_by_chance` times as unlikely expected, and its amounts on their own.
//! So is one spread over two or four months (when the dump holds as much time again),
//! with `min_counterparties` new senders for each month, each sender's dealings done
//! within `relationship_days`, and met `min_rate_ratio` times as fast as the account
//! meets new senders the rest of the time: a collection account paid by strangers for
//! eight weeks, read a month at a time, counts the other month as its habit.
//! A fan spread over months at the account's everyday rate and amounts is found when its
//! new senders' first payments keep one interval to the day (every 11 days, every 34: a
//! controller's schedule), while the account's other days keep none, and a schedule that
//! long is expected among its first payments by chance no more than
//! `spread_expected_by_chance` times over the dump's accounts
//! ([`crate::detect::search::fan_schedules`]). The first payments are read twice, each
//! reading one more try: from every sender it did not know, and from the new senders
//! alone (done within `relationship_days`, never silent past the window): the first
//! payments of the customers and tenants it keeps fall on days of their own, around and
//! between a schedule of senders that pay once and are gone.
//! A burst that runs a little past the window is one fan: new senders just before or
//! after it, within a window and at no longer an interval than the burst's own longest,
//! join it (the burst's chance is still the tested window's).
//! Bursts a window or more apart are each reported, the most telling first, up to four
//! per account: a mule account used twice, or a hub whose first burst another typology
//! explains, does not hide its later one. A burst is proved by the transfers from its
//! new senders; those from senders the account already knew (an employer, a regular
//! customer) in the same days are its own business and stay out of the lead, and so are
//! those that open or close the burst from new senders of its everyday size (at most
//! twice its usual amount) when the fan's typical transfer is ten times theirs or more:
//! a new customer who paid the day before took no part.
//!
//! ## Why it matters
//! Fan-in is one of the eight laundering motifs labelled in the public synthetic AML
//! datasets (IBM AMLworld, Altman et al., NeurIPS 2023; AMLSim) and the gathering half
//! of the underground-bank collector (typologies.md, generic motifs: "fan-in/out counts
//! distinct counterparties"). It needs no country or company data, so it still finds
//! leads in dumps that have none.
//!
//! ## Example
//! ```text
//! S1 ─┐
//! S2 ─┤
//! S3 ─┼─> H     5 distinct senders within 8 days; H received almost nothing else
//! S4 ─┤
//! S5 ─┘
//! ```
//!
//! ## Parameters
//! `[fan_in]`: `window_days` (7, as typologies.md counts many-into-one bursts: UB2's
//! 5 hits and UB6's 10 payees in 7 days),
//! `min_counterparties` (3, the fewest that make a fan rather than a pair: how many is
//! "many" is left to the chance test, so a busy account needs far more) *new* senders, first seen inside the window and
//! not after `relationship_days` (30: a sender who pays daily for a few weeks and then
//! never again is new; one who pays every month is not), and never back after a silence
//! longer than the window (rent due again 28 to 31 days on is not new, however soon in
//! the month the dump ends),
//! `min_rate_ratio` (5: the burst's daily rate is five times the account's own rate
//! outside it), `min_amount` (`p90`: one large transfer of the dump in the window, in
//! all, and as much from its new senders alone, whose money is what the burst proves;
//! a household meeting a few new people in a week moves less, however large its wages
//! that week; and half of it without the largest sender's, since one large payment
//! beside a few everyday ones gathers nothing), `expected_by_chance` (1, as for cycles:
//! not even one burst as unlikely expected by chance in the whole dump),
//! `spread_expected_by_chance` (0.1: a tenth of a burst's, since everyday life opens
//! relationships in clumps over a month), `skip_business_to_business` (true), `channels` (all but card). The strength grows
//! with the new senders, the share of the account's receipts the burst holds, and how
//! far its typical amount sits above the account's usual one.
//!
//! ## Look-alikes
//! Merchants, utilities, funds and payroll accounts receive from many counterparties
//! all year round, so no week stands out from their own habit, and a shop that meets
//! new customers every day has busy days its habit explains; a trading company meets
//! new business counterparties every week, so company-to-company payments do not count. Card purchases do not
//! count. Friends paying a household back over a month, a few new people each week, pay
//! its everyday amounts: no spread fan. Tenants seen first on the dump's first rent day
//! pay again a month on, so they are not new senders. A lender collecting what it lent,
//! or a seller refunded by its buyers, is paid back its own money: a payment of at most
//! one and a half times what the hub had paid the sender before is a repayment, no leg of
//! a fan. A hub that also passes the money on is reported as gather-scatter, or as UB1,
//! UB4 or one of the other typologies when their evidence is there, not twice.
//! Colleagues chipping in for a gift move less than one large transfer of the dump in
//! all. A new lodger paying rent every few days beside a few one-off payers is one
//! arrangement: a payer's repeats of one sum count as one draw of its amount. A sender the hub
//! then pays back in instalments (on two or more later days, each less than it was
//! paid) lent it money: a running arrangement, not a new sender. A club that signs a new
//! member at its weekly meeting, where the members pay their dues, keeps its own
//! calendar: new senders on its meeting days are no schedule of anyone's. A dealer whose
//! customers each pay once all year meets them no faster in its busy season than
//! `min_rate_ratio` times its pace the rest of the year: no fan over months (its busiest
//! month alone, at ten times its sums, still reads as a spread fan: a gap of the
//! one-month reading, in its test). A business's other months are a sample of its
//! clientele, not a known rate of large sums: a month of new customers is read against
//! them as one sample against another (a rank-sum test), so a dealer whose busiest month
//! brought a few importers among its tourists, or a ski-hire shop whose snowy month's
//! customers paid twice the thaw's, is no spread fan. Not yet quiet (gaps on record in
//! look_alikes.rs): a crowdfunding campaign's first-time donors, a couple's wedding
//! guests sending their gifts over a weekend, a tour operator's travellers booking a
//! tour and an education agent's families paying before an intake look like scam
//! victims paying a collection account.

use crate::config::Config;
use crate::detect::search::fans::{fan_hits, Fan, FANS_GIVE_WAY_TO};
use crate::detect::{Context, Detector, Lookback, Outcome, PartRule, Reads, Role};
use crate::pattern::Pattern;

/// fan_in detector.
pub struct FanIn;

impl Detector for FanIn {
    fn lookback(&self, config: &Config) -> Lookback {
        Lookback::days(
            config.fan_in.longest_fan_days(),
            &[Reads::AmountQuantiles, Reads::AccountRate, Reads::AccountHistory, Reads::Reference],
        )
    }

    fn part_rule(&self, _config: &Config) -> Option<PartRule> {
        // A burst is read against its hub's own history, both ways, and nothing else
        // but counts shared with the whole dump.
        Some(PartRule::Account { anchor: Some(Role::Hub) })
    }

    fn pattern(&self) -> Pattern {
        Pattern::FanIn
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        Outcome { hits: fan_hits(ctx, &ctx.config.fan_in, Fan::In, Pattern::FanIn), notes: Vec::new() }
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

    fn burst(t: &mut Tiny, hub: &str, senders: usize, start: i64, spacing: i64) {
        t.span(200);
        for k in 0..senders {
            t.wire(&format!("S{k}"), hub, start + k as i64 * spacing, 3_000.0 + k as f64);
        }
    }

    #[test]
    fn a_lender_collecting_what_it_lent_is_no_fan_but_a_mule_paid_by_strangers_is() {
        // Six people the hub lent 2,500 to weeks before pay it back with interest.
        let mut t = Tiny::new();
        for k in 0..6i64 {
            t.wire("HUB", &format!("S{k}"), (20 + k) * D, 2_500.0);
        }
        burst(&mut t, "HUB", 6, 60 * D, 30 * H);
        assert!(t.hits(&FanIn).is_empty(), "{:?}", t.hits(&FanIn));
        // Had it paid them small change only, what they send is not its own money.
        let mut t = Tiny::new();
        for k in 0..6i64 {
            t.wire("HUB", &format!("S{k}"), (20 + k) * D, 40.0);
        }
        burst(&mut t, "HUB", 6, 60 * D, 30 * H);
        assert_eq!(t.hits(&FanIn).len(), 1, "{:?}", t.hits(&FanIn));
    }

    #[test]
    fn a_trading_company_paid_by_new_business_customers_is_no_fan() {
        // Look-alike: a wholesaler that six companies it never dealt with pay in a week
        // (a trade fair's orders): company-to-company payments do not count.
        let mut t = Tiny::new();
        t.company("HUB", "DE");
        for k in 0..6 {
            t.company(&format!("S{k}"), "FR");
        }
        burst(&mut t, "HUB", 6, 10 * D, 30 * H);
        assert!(t.hits(&FanIn).is_empty(), "{:?}", t.hits(&FanIn));
        // The same payments from six persons are a fan.
        let mut t = Tiny::new();
        t.company("HUB", "DE");
        for k in 0..6 {
            t.person(&format!("S{k}"), "FR");
        }
        burst(&mut t, "HUB", 6, 10 * D, 30 * H);
        assert_eq!(t.hits(&FanIn).len(), 1);
    }

    #[test]
    fn finds_a_burst_of_distinct_senders() {
        let mut t = Tiny::new();
        burst(&mut t, "HUB", 6, 10 * D, 30 * H);
        let hits = t.hits(&FanIn);
        assert_eq!(hits.len(), 1);
        let hub = t.dump.accounts.intern("HUB");
        assert!(hits[0].accounts.iter().any(|a| a.account == hub && a.role == Role::Hub));
        assert_eq!(hits[0].accounts.len(), 7);
        assert!(hits[0].reason.contains("from 6 new senders"), "{}", hits[0].reason);
    }

    #[test]
    fn a_hub_used_twice_shows_both_bursts() {
        // A mule account gathers from six strangers in January and from six others in
        // July: the first burst, whatever else explains it, must not hide the second.
        let mut t = Tiny::new();
        t.span(200);
        for k in 0..6 {
            t.wire(&format!("JAN{k}"), "HUB", 10 * D + k * 12 * H, 2_000.0 + k as f64);
            t.wire(&format!("JUL{k}"), "HUB", 150 * D + k * 12 * H, 2_500.0 + k as f64);
        }
        let hits = t.hits(&FanIn);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert!(hits.iter().all(|h| h.accounts.len() == 7), "{hits:?}");
        // One burst longer than the window is one fan, not a fan and its tail.
        let mut t = Tiny::new();
        t.span(200);
        for k in 0..12 {
            t.wire(&format!("S{k}"), "HUB", 10 * D + k * D, 2_000.0 + k as f64);
        }
        assert_eq!(t.hits(&FanIn).len(), 1, "{:?}", t.hits(&FanIn));
    }

    #[test]
    fn a_few_new_senders_beside_large_sums_from_known_ones_stay_quiet() {
        // A household paid its wages, a pension and a lodger's rent every month, large
        // sums in this economy, and in one of those weeks five new people send it 60
        // each (a collection for a gift): the week took in more than large transfers of
        // the dump, but the new senders' share of it is a whip-round.
        let household = |each: f64| {
            let mut t = Tiny::new();
            t.economy(1_000.0, 200, 400);
            t.span(200);
            for m in 0..6 {
                t.wire("EMPLOYER", "HOME", m * 30 * D + 20 * D, 6_000.0);
                t.wire("PENSION", "HOME", m * 30 * D + 21 * D, 4_000.0);
                t.wire("LODGER", "HOME", m * 30 * D + 22 * D, 3_000.0);
            }
            for k in 0..5 {
                t.wire(&format!("FRIEND{k}"), "HOME", 80 * D + k * 20 * H, each);
            }
            t
        };
        let t = household(60.0);
        assert!(t.hits(&FanIn).is_empty(), "{:?}", t.hits(&FanIn));
        // Not vacuous: five new senders of large sums in that week are a fan.
        let t = household(1_500.0);
        assert_eq!(t.hits(&FanIn).len(), 1, "{:?}", t.hits(&FanIn));
    }

    #[test]
    fn near_misses_do_not_fire() {
        // Two senders: a pair, not a fan.
        let mut t = Tiny::new();
        burst(&mut t, "HUB", 2, 10 * D, H);
        assert!(t.hits(&FanIn).is_empty());
        // Five senders, but spread wider than the window.
        let mut t = Tiny::new();
        burst(&mut t, "HUB", 5, 10 * D, 8 * D);
        assert!(t.hits(&FanIn).is_empty());
        // Seven new senders every week, all year: no week stands out from its habit.
        let mut t = Tiny::new();
        for k in 0..200 {
            t.wire(&format!("R{k}"), "HUB", k * D, 3_000.0);
        }
        assert!(t.hits(&FanIn).is_empty());
        // A whip-round: 6 friends chip in 50 each, 300 in all, in an economy whose
        // median transfer is 5,000.
        let mut t = Tiny::new();
        t.economy(5_000.0, 200, 60);
        for k in 0..6 {
            t.wire(&format!("S{k}"), "HUB", 10 * D + k * H, 50.0);
        }
        t.span(200);
        assert!(t.hits(&FanIn).is_empty());
        // One person's five accounts are one sender.
        let mut t = Tiny::new();
        for k in 0..5 {
            t.account(&format!("S{k}"), "same-owner", "US", crate::model::HolderKind::Person);
        }
        burst(&mut t, "HUB", 5, 10 * D, H);
        assert!(t.hits(&FanIn).is_empty());
    }

    #[test]
    fn card_purchases_do_not_count() {
        let mut t = Tiny::new();
        for k in 0..20 {
            t.send(&format!("C{k}"), "SHOP", 10 * D + k * H, 40.0, crate::model::Channel::Card);
        }
        assert!(t.hits(&FanIn).is_empty());
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        burst(&mut t, "HUB", 5, 40 * D, 20 * H);
        for k in 0..3 {
            t.wire("HUB", &format!("SHOP{k}"), 45 * D + k * D, 80.0);
            t.wire(&format!("X{k}"), &format!("Y{k}"), 41 * D, 500.0);
        }
        t.wire("FRIEND", "HUB", 100 * D, 50.0);
        t.reverse_rows();
        let hits = t.hits(&FanIn);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].transfers.len(), 5);
    }

    #[test]
    fn a_same_day_burst_into_a_steadily_busy_account_is_read_at_its_own_length() {
        // Twenty regular customers pay twice a week all year (about 0.3 transfers a day);
        // on day 200 six strangers pay in on one day. Over a week that is under five
        // times the habit; over its one day it is twenty times.
        let mut t = Tiny::new();
        for k in 0..104 {
            t.wire(&format!("REG{}", k % 20), "HUB", k * 7 * D / 2, 300.0);
        }
        for k in 0..6 {
            t.wire(&format!("NEW{k}"), "HUB", 200 * D + k * H, 300.0);
        }
        let hits = t.hits(&FanIn);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 6, "{}", hits[0].reason);
        assert!(hits[0].reason.contains("6 new"), "{}", hits[0].reason);
    }

    #[test]
    fn a_shop_that_meets_new_customers_every_day_stays_quiet_on_its_busiest_days() {
        // Each payer is new and pays once, at random times, about one every three days
        // for a year, of everyday amounts. Its busiest few days hold five or more new
        // payers at five times its usual rate, which its habit explains.
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut t = Tiny::new();
        for k in 0..120 {
            let at = rng.random_range(0..365 * D);
            t.wire(&format!("CUSTOMER{k}"), "SHOP", at, rng.random_range(50.0..150.0));
        }
        // Its busiest week in the year, so the test is not vacuous.
        for k in 0..5 {
            t.wire(&format!("RUSH{k}"), "SHOP", 100 * D + k * 14 * H, rng.random_range(50.0..150.0));
        }
        let g = t.graph();
        let shop = t.dump.accounts.index["SHOP"];
        let list = g.in_list(shop);
        let keep: Vec<usize> = (0..list.len()).collect();
        let dense = crate::detect::search::fans::scales(7 * D, 1).into_iter().any(|(span, rate)| {
            crate::detect::search::fans::densest_within(
                &g,
                list,
                &keep,
                keep.len(),
                span,
                rate,
                crate::detect::search::fans::Relationship { ends_within: 30 * D, lapse: 7 * D },
            )
            .is_some_and(|b| b.new_counterparties >= 5 && b.rate_ratio >= 5.0)
        });
        assert!(dense, "the rush passes the count and rate tests");
        assert!(t.hits(&FanIn).is_empty(), "{:?}", t.hits(&FanIn));
    }

    /// Twelve tenants pay their rent on the dump's first day and again `gap` days later,
    /// and the dump ends before the third month.
    fn rent_at_the_dump_start(gap: Option<i64>) -> Tiny {
        let mut t = Tiny::new();
        t.span(76);
        let due: Vec<i64> = std::iter::once(0).chain(gap).collect();
        for day in due {
            for k in 0..12 {
                t.wire(&format!("TENANT{k}"), "LANDLORD", day * D + k * H, 1_500.0 + k as f64);
            }
        }
        t
    }

    #[test]
    fn rent_seen_from_the_dump_start_is_not_a_fan_in() {
        // Rent comes back a month on, 28 to 31 days: tenants who pay again after a
        // month's silence are not new senders.
        for gap in [28, 29, 30, 31] {
            let t = rent_at_the_dump_start(Some(gap));
            assert!(t.hits(&FanIn).is_empty(), "next rent {gap} days on: {:?}", t.hits(&FanIn));
        }
        // Not vacuous: twelve people paying once and never again are a fan.
        assert_eq!(rent_at_the_dump_start(None).hits(&FanIn).len(), 1);
    }

    /// A household's everyday life for 200 days: four friends pay it about 100 every ten
    /// days, and it pays a landlord and a shop about as much.
    fn everyday(t: &mut Tiny) {
        t.span(200);
        for d in (0..200).step_by(10) {
            for f in 0..4 {
                t.wire(&format!("FRIEND{f}"), "HUB", (d + f) * D, 90.0 + (d % 7 + f) as f64 * 5.0);
            }
            t.wire("HUB", "LANDLORD", d * D + 5 * H, 300.0);
            t.wire("HUB", "SHOP", d * D + 9 * H, 60.0 + (d % 5) as f64 * 10.0);
        }
    }

    /// [`everyday`], and ten new senders over four weeks from day 100, a few days apart
    /// on days of their own (on a schedule they would be one: see
    /// `new_senders_paying_on_a_schedule_are_a_fan_however_slow`), the `k`th paying
    /// `amount(k)`.
    fn new_senders_over_a_month(amount: impl Fn(i64) -> f64) -> Tiny {
        let mut t = Tiny::new();
        everyday(&mut t);
        for (k, day) in [0, 2, 5, 9, 12, 14, 19, 21, 23, 27].into_iter().enumerate() {
            t.wire(&format!("S{k}"), "HUB", (100 + day) * D, amount(k as i64));
        }
        t
    }

    #[test]
    fn a_fan_spread_over_a_month_is_found_by_its_amounts() {
        // Ten new senders, one every three days, each paying thirty times what the
        // account usually moves: no week holds a burst, the month does.
        let t = new_senders_over_a_month(|k| 3_000.0 + k as f64 * 10.0);
        let hits = t.hits(&FanIn);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 10, "the friends' payments in the month are not the fan");
        // Its senders are the new ones, not the friends who paid in the same month.
        assert!(hits[0].reason.contains("10 transfers (30,450) from 10 new senders"), "{}", hits[0].reason);
        assert!(hits[0].reason.contains("within 27.0 days"), "{}", hits[0].reason);
    }

    /// [`everyday`], and 24 new senders over two months from day 60, two to four days
    /// apart in no rhythm, the `k`th paying `amount(k)`.
    fn new_senders_over_two_months(amount: impl Fn(i64) -> f64) -> Tiny {
        let mut t = Tiny::new();
        everyday(&mut t);
        let mut day = 60;
        for k in 0..24 {
            t.wire(&format!("S{k}"), "HUB", day * D + 11 * H, amount(k));
            day += 2 + (k * k * 7 + k * 3) % 11 % 3;
        }
        t
    }

    #[test]
    fn a_collection_account_paid_by_strangers_over_two_months_is_found_whole() {
        // Read over one month, the other month's strangers were the account's habit and
        // their sums its usual amounts; read over two, the fan is all 24 of them.
        let hits = new_senders_over_two_months(|k| 3_000.0 + k as f64 * 10.0).hits(&FanIn);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let reason = &hits[0].reason;
        assert_eq!(hits[0].transfers.len(), 24, "{reason}");
        assert!(
            reason.contains("from 24 new senders") && reason.contains("each done within 30 days"),
            "{reason}"
        );
        // Look-alike: the same 24 people paying what the household's friends pay (buyers
        // of what it sold before a move, a club's members settling a trip) stay quiet.
        let t = new_senders_over_two_months(|k| 90.0 + (k % 5) as f64 * 5.0);
        assert!(t.hits(&FanIn).is_empty(), "{:?}", t.hits(&FanIn));
    }

    #[test]
    fn a_trading_companys_busy_season_of_new_customers_is_no_fan_over_months() {
        // Look-alike: a currency dealer's customers each pay it once, one every three to
        // five days all year, sums of every size (a tourist's 100, an importer's 9,000),
        // and in its two busiest months one every two or three days, ten times the
        // sums. It meets new customers no faster than `min_rate_ratio` times its pace
        // the rest of the year: read over two months, the season is no fan.
        let mut t = Tiny::new();
        t.span(365);
        t.company("DEALER", "JP");
        let mut day = 1;
        let mut k = 0i64;
        while day < 360 {
            // Sums spread over two orders of magnitude.
            let size = 100.0 * 10f64.powf(((k * k * 37 + k * 11) % 97) as f64 / 48.0);
            let season = (120..180).contains(&day);
            t.wire(
                &format!("CUSTOMER{k}"),
                "DEALER",
                day * D + 10 * H,
                if season { size * 10.0 } else { size },
            );
            day += if season { 2 + k % 2 } else { 3 + (k * 7 + k * k) % 3 };
            k += 1;
        }
        let hits = t.hits(&FanIn);
        assert!(hits.iter().all(|h| !h.reason.contains("each done within")), "{hits:?}");
        // Not yet quiet (left as it is): its busiest month alone, read as a fan spread
        // over a month, moves sums it does not otherwise receive.
        assert!(hits.iter().all(|h| h.reason.contains("not after 30 days")), "{hits:?}");
    }

    /// A hub paid once by each of 66 new senders over three months: 38 in the first two,
    /// their sums spread evenly (on a log scale) from 1,000 to 10,000, and 28 in the
    /// third, half of them the hub's smaller sums and half above nine in ten of the first
    /// months' (7,800 to 12,000); a company (`business`) or a private account.
    fn one_off_payers_for_three_months(business: bool) -> Tiny {
        let mut t = Tiny::new();
        t.span(96);
        if business {
            t.company("HUB", "GB");
        } else {
            t.person("HUB", "GB");
        }
        for k in 0..38i64 {
            // Every other rank from each end, so that the sums do not rise with time.
            let rank = if k % 2 == 0 { k / 2 } else { 37 - k / 2 };
            t.wire(
                &format!("S{k}"),
                "HUB",
                (k * 64 / 38) * D + 10 * H,
                1_000.0 * 10f64.powf(rank as f64 / 37.0),
            );
        }
        for j in 0..28i64 {
            let sum = if j % 2 == 0 {
                1_000.0 * 10f64.powf((j + 1) as f64 / 28.0 * 0.75)
            } else {
                7_800.0 * 10f64.powf((j / 2) as f64 / 14.0 * 0.2)
            };
            t.wire(&format!("T{j}"), "HUB", (64 + j * 32 / 28) * D + 10 * H, sum);
        }
        t
    }

    #[test]
    fn a_businesss_month_of_larger_sums_from_its_one_off_customers_is_no_fan() {
        // Look-alike: a currency dealer whose customers each pay it once, in its busiest
        // month half of them importers paying at the top of its range. Half the month's
        // sums above nine in ten of the months before is rare for a known rate of such
        // sums (1 in 5 million), but thirty-eight payments are a sample of its
        // clientele, and the month's sums rank that high among them about one time in a
        // hundred.
        let hits = one_off_payers_for_three_months(true).hits(&FanIn);
        assert!(hits.is_empty(), "{hits:?}");
        // A private account paid by 66 strangers the same way: strangers paying a
        // household are no clientele, and its amounts are read against its history.
        let hits = one_off_payers_for_three_months(false).hits(&FanIn);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("new senders"), "{}", hits[0].reason);
    }

    #[test]
    fn new_senders_paying_on_a_schedule_are_a_fan_however_slow() {
        // Eight strangers pay the household its everyday amounts, one every eleven days
        // from day 60: no week or month holds a burst, and the amounts are its own.
        let mut t = Tiny::new();
        everyday(&mut t);
        for k in 0..8 {
            t.wire(&format!("S{k}"), "HUB", (60 + 11 * k) * D + 3 * H, 95.0 + k as f64 * 5.0);
        }
        let hits = t.hits(&FanIn);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 8, "{}", hits[0].reason);
        assert!(hits[0].reason.contains("every 11 days"), "{}", hits[0].reason);
        // Not on a schedule (intervals of 9 to 13 days), the same senders are quiet.
        let mut t = Tiny::new();
        everyday(&mut t);
        let mut day = 60;
        for k in 0..8 {
            t.wire(&format!("S{k}"), "HUB", day * D + 3 * H, 95.0 + k as f64 * 5.0);
            day += [9, 13, 11, 10, 12, 9, 13, 11][k as usize];
        }
        assert!(t.hits(&FanIn).is_empty(), "{:?}", t.hits(&FanIn));
    }

    #[test]
    fn a_companys_new_private_senders_on_a_schedule_stand_out_among_its_trade_partners() {
        // A wholesaler meets a new trading partner every two or three days; from day 40
        // eight private persons pay it, one every eleven days. Among all its new senders
        // the schedule is nothing rare, among its private ones it is.
        let mut t = Tiny::new();
        t.span(200);
        t.company("HUB", "DE");
        let mut day = 1;
        for k in 0..70 {
            t.company(&format!("PARTNER{k}"), "FR");
            t.wire(&format!("PARTNER{k}"), "HUB", day * D + (9 + k % 7) * H, 4_000.0 + (k * 37 % 900) as f64);
            // Two to four days apart, in no rhythm.
            day += 2 + (k * k * 7 + k * 3) % 11 % 3;
        }
        for k in 0..8 {
            t.person(&format!("S{k}"), "DE");
            t.wire(&format!("S{k}"), "HUB", (40 + 11 * k) * D + 15 * H, 900.0 + k as f64 * 20.0);
        }
        let hits = t.hits(&FanIn);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0].reason.contains("8 new senders") && hits[0].reason.contains("every 11 days"),
            "{}",
            hits[0].reason
        );
    }

    #[test]
    fn a_club_signing_new_members_on_its_meeting_day_keeps_its_own_calendar() {
        // Twelve members pay their dues at the weekly meeting, and from week 5 a new
        // member joins at each meeting: new senders every 7 days, on the days it always
        // takes money.
        let club = |joiners_meet: bool| {
            let mut t = Tiny::new();
            t.span(200);
            for week in 0..28 {
                for m in 0..12 {
                    t.wire(&format!("MEMBER{m}"), "CLUB", (week * 7 + 1) * D + m * H, 20.0 + m as f64);
                }
            }
            for k in 0..10 {
                let day = if joiners_meet { (5 + k) * 7 + 1 } else { (5 + k) * 11 + 3 };
                t.wire(&format!("JOINER{k}"), "CLUB", day * D + 13 * H, 21.0 + k as f64);
            }
            t
        };
        assert!(club(true).hits(&FanIn).is_empty(), "{:?}", club(true).hits(&FanIn));
        // Not vacuous: the same strangers paying on days of their own keep a schedule.
        let hits = club(false).hits(&FanIn);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("every 11 days"), "{}", hits[0].reason);
    }

    #[test]
    fn new_people_paying_a_household_its_everyday_amounts_over_a_month_stay_quiet() {
        // The same ten new senders over the same month, paying what the household's
        // friends pay: people settling a shared holiday, buyers of things it sold.
        let t = new_senders_over_a_month(|k| 90.0 + k as f64 * 5.0);
        assert!(t.hits(&FanIn).is_empty(), "{:?}", t.hits(&FanIn));
    }

    #[test]
    fn a_new_lodger_paying_rent_every_few_days_beside_a_few_buyers_stays_quiet() {
        // Over a month a lodger pays the household 600 every four days, six times its
        // usual amount, and three buyers of things it sold pay it everyday sums once.
        // The lodger's repeats are one arrangement, not six unusual payments.
        let month = |lodgers: usize| {
            let mut t = Tiny::new();
            everyday(&mut t);
            for k in 0..6 {
                t.wire(&format!("LODGER{}", k % lodgers), "HUB", (100 + 4 * k as i64) * D, 600.0);
            }
            for (k, day) in [102, 110, 118].into_iter().enumerate() {
                t.wire(&format!("BUYER{k}"), "HUB", day * D, 95.0 + 5.0 * k as f64);
            }
            t
        };
        assert!(month(1).hits(&FanIn).is_empty(), "{:?}", month(1).hits(&FanIn));
        // Not vacuous: six new people paying those sums once each are a fan.
        assert_eq!(month(6).hits(&FanIn).len(), 1);
    }
}
