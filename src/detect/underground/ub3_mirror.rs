//! UB3 — mirror (offsetting) transfers (对敲).
//!
//! ## What it finds
//! Two accounts in different countries where one repeatedly takes in a domestic payment
//! and the other, within hours, pays out the same value (after FX) domestically in its
//! own country, with no transfer between the two carrying it across: value crossed the
//! border, money did not. The lead reports the implied exchange rate against the table
//! rate of the day, and the spread the broker kept.
//!
//! ## Why it matters
//! This is how underground banks (hawala, fei-ch'ien, 地下钱庄) move value: a customer
//! pays local currency into a domestic collector, a partner abroad pays foreign currency
//! to the beneficiary, and the books settle later in bulk (FATF, *The Role of Hawala and
//! Other Similar Service Providers in Money Laundering and Terrorist Financing*, 2013;
//! typologies.md UB3).
//!
//! ## Example
//! ```text
//! CN: C1 ─100,000 CNY─> X          (Mon 10:00)
//! HK:          Y ─108,200 HKD─> B1  (Mon 16:00)   same value at 1.082 HKD/CNY, no X->Y
//! CN: C2 ─ 50,000 CNY─> X          (Wed 09:00)
//! HK:          Y ─ 54,000 HKD─> B2  (Wed 11:00)
//! ```
//!
//! ## Parameters
//! `[ub3]`: `amount_tolerance` (0.03 after FX), `max_gap_hours` (72), `min_pairs_linked`
//! (2, when X and Y share a holder or controller), `min_pairs_unlinked` (3, when nothing
//! in the data links them, and `min_unlinked_match_share`, 0.5 of the legs they could
//! have paired, and `expected_by_chance`, 1: no more than one network whose matches are
//! as likely a coincidence expected over the dump's reporting-size transfers, each pair's chance being
//! that one of the paying account's legs within the gap came that close in value, as
//! often as the dump's reporting-size amounts do, times the ways of choosing the matched
//! legs among those possible), `min_leg_amount` (`p50`), `min_unlinked_leg_amount` (`p90`:
//! unlinked legs are paired only in the dump's top decile, where chance matches are
//! rare; once those show the two accounts to be a pair, their smaller legs down to
//! `min_leg_amount` join it if the two mirror most of those too, under the same
//! `min_unlinked_match_share`: over the two accounts' whole history, since a broker's
//! book does not begin with its first large payment, or else within a gap of the large
//! pairs, for an account that brokers for a while besides its own business),
//! `persons_only` (customer and beneficiary are not companies), `channels`.
//!
//! ## Look-alikes
//! A multinational's subsidiaries pay and receive in several countries every day: their
//! counterparts are companies and the legs rarely match in value and time repeatedly.
//! Two unrelated people who happen to send equal sums on the same day in two countries
//! match once, not three times between the same two accounts; where most large payments
//! are one round sum (fees, deposits), two busy accounts paying it in and out match by
//! chance, and matches count only as far as the dump's amounts make them rare; two busy accounts that did
//! match three large payments keep their everyday ones, which they do not mostly match.
//! When the two accounts do
//! move money across to each other around the pair, it is an ordinary transfer, not a
//! mirror. Pairs whose networks settle their imbalance in bulk are reported as UB5.

use crate::config::Config;
use crate::detect::graded::Graded;
use crate::detect::search::mirrors;
use crate::detect::{Context, Detector, Lookback, Outcome, PartRule, Reads};
use crate::pattern::Pattern;

/// UB3 detector.
pub struct Mirror;

impl Detector for Mirror {
    fn chance_budget(&self, config: &Config) -> Option<f64> {
        Some(config.ub3.expected_by_chance.get())
    }

    fn lookback(&self, _: &Config) -> Lookback {
        Lookback::unbounded(
            "a mirror network gathers every matched pair of its accounts over the dump",
            &[Reads::AmountQuantiles, Reads::Reference],
        )
    }

    fn pattern(&self) -> Pattern {
        Pattern::Ub3
    }

    fn unavailable(&self, ctx: &Context<'_>) -> Option<String> {
        mirrors::unavailable(ctx)
    }

    fn part_rule(&self, config: &Config) -> Option<PartRule> {
        // A network is two accounts' matched legs, hours apart, gathered over the dump:
        // the pairs are found in parts of time, each network read from both accounts'
        // transfers.
        Some(PartRule::Pairs { gap_days: config.ub3.max_gap_hours.get() / 24.0, with_payees: false })
    }

    fn account_pairs(&self, ctx: &Context<'_>) -> Vec<(u32, u32)> {
        mirrors::candidate_pairs(ctx)
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        outcome(ctx, mirrors::networks(ctx))
    }

    fn search_graded(&self, ctx: &Context<'_>, times: f64) -> Option<Box<dyn Graded>> {
        Some(Box::new(Kept(mirrors::kept_networks(ctx, times))))
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[Pattern::Ub5]
    }
}

/// The hits of `nets`.
fn outcome(ctx: &Context<'_>, nets: &[mirrors::MirrorNetwork]) -> Outcome {
    let hits = nets.iter().map(|n| mirrors::hit(ctx, n, Pattern::Ub3)).collect();
    Outcome { hits, notes: Vec::new() }
}

/// The networks kept for UB3 budgets up to a widest one.
struct Kept(mirrors::KeptNetworks);

impl Graded for Kept {
    fn at(&self, ctx: &Context<'_>) -> Option<Outcome> {
        Some(outcome(ctx, &self.0.at(ctx)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};
    use crate::detect::Role;

    #[test]
    fn kept_networks_read_under_a_wider_budget_as_a_search_under_it() {
        // Three unlinked pairs matched to the cent: as likely a coincidence as a budget
        // of 0.64 allows, and one of 0.32 does not.
        let mut t = Tiny::new();
        case(&mut t, 3, 1.0, 6 * H, false);
        let g = t.graph();
        let budget = |b: f64| {
            Config::with_overrides(&format!("[ub3]\nexpected_by_chance = {b}"), "test").expect("valid")
        };
        let config = budget(0.01);
        let ctx = Context::new(&g, &t.dump, &config);
        let kept = Mirror.search_graded(&ctx, 64.0).expect("kept");
        let mut found = Vec::new();
        for times in [1.0, 32.0, 64.0] {
            let wide = config.with_chance_budgets_times(times);
            let ctx = Context::new(&g, &t.dump, &wide);
            let read = kept.at(&ctx).expect("within the widest").hits;
            assert_eq!(read, Mirror.run(&ctx).hits, "{times}x");
            found.push(read.len());
        }
        assert_eq!(found, [0, 0, 1]);
        assert!(kept.at(&Context::new(&g, &t.dump, &budget(0.65))).is_none(), "wider than kept");
        // The networks the context shares (UB5 reads them) are those of its own budget.
        assert!(mirrors::networks(&ctx).is_empty());
    }

    /// Customers pay X in CN; Y in HK pays beneficiaries the same value.
    fn case(t: &mut Tiny, pairs: usize, value_ratio: f64, gap: i64, link: bool) {
        t.economy(5_000.0, 60, 60);
        t.person("X", "CN");
        t.person("Y", "HK");
        if link {
            t.link("h-X", "h-Y");
        }
        for k in 0..pairs {
            let (c, b) = (format!("C{k}"), format!("B{k}"));
            t.person(&c, "CN");
            t.person(&b, "HK");
            let amount = 20_000.0 + 7_000.0 * k as f64;
            t.wire(&c, "X", 10 * D + k as i64 * 2 * D, amount);
            t.wire("Y", &b, 10 * D + k as i64 * 2 * D + gap, amount * value_ratio);
        }
    }

    #[test]
    fn linked_pairs_are_found_with_every_role() {
        let mut t = Tiny::new();
        case(&mut t, 2, 1.01, 5 * H, true);
        let hits = t.hits(&Mirror);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].accounts.len(), 6);
        assert_eq!(hits[0].transfers.len(), 4);
        assert!(hits[0].reason.contains("share a controller"), "{}", hits[0].reason);
    }

    #[test]
    fn a_multinationals_subsidiaries_trading_in_two_countries_are_no_mirror() {
        // Look-alike: a group's subsidiaries in CN and HK, one paid by its clients, the
        // other paying its suppliers, every day: three of the sums happen to agree to
        // the cent within hours, but the counterparts are companies, whose payments are
        // trade, not customers' money handed over.
        let trading = |counterparts_are_companies: bool| {
            let mut t = Tiny::new();
            t.economy(5_000.0, 60, 60);
            t.company("X", "CN");
            t.company("Y", "HK");
            t.link("h-X", "h-Y");
            for k in 0..40i64 {
                let (c, b) = (format!("C{k}"), format!("B{k}"));
                if counterparts_are_companies {
                    t.company(&c, "CN");
                    t.company(&b, "HK");
                } else {
                    t.person(&c, "CN");
                    t.person(&b, "HK");
                }
                let paid = 20_000.0 + 1_000.0 * ((k * 13) % 17) as f64;
                let sent = if k % 13 == 0 { paid } else { 15_000.0 + 900.0 * ((k * 7) % 19) as f64 };
                t.wire(&c, "X", (5 + k) * D, paid);
                t.wire("Y", &b, (5 + k) * D + 2 * H, sent);
            }
            t
        };
        let t = trading(true);
        assert!(t.hits(&Mirror).is_empty(), "{:?}", t.hits(&Mirror));
        // Not vacuous: the same sums paid in by persons and out to persons are
        // customers' money handed over between the two accounts.
        assert_eq!(trading(false).hits(&Mirror).len(), 1);
    }

    #[test]
    fn unlinked_accounts_need_three_repeated_pairs() {
        let mut t = Tiny::new();
        case(&mut t, 2, 1.0, 2 * H, false);
        assert!(t.hits(&Mirror).is_empty());
        let mut t = Tiny::new();
        case(&mut t, 3, 1.0, 2 * H, false);
        assert_eq!(t.hits(&Mirror).len(), 1);
    }

    #[test]
    fn busy_accounts_paying_the_round_sum_everyone_pays_match_by_chance() {
        // Look-alike: where most large payments are one round sum (school fees, a deposit
        // everyone pays), an account in CN its customers pay it every other day and an
        // account in HK that pays it out every other day match most of their legs, by
        // chance. The same two accounts matching sums as varied as customers' are a mirror.
        let world = |amount: &dyn Fn(i64) -> f64| {
            let mut t = Tiny::new();
            t.economy(5_000.0, 60, 60);
            for k in 0..60i64 {
                t.wire(&format!("P{}", k % 12), &format!("Q{}", k % 7), k * D + 5 * H, 10_000.0);
            }
            t.person("X", "CN");
            t.person("Y", "HK");
            for k in 0..10i64 {
                let (c, b) = (format!("C{k}"), format!("B{k}"));
                t.person(&c, "CN");
                t.person(&b, "HK");
                t.wire(&c, "X", 10 * D + k * 2 * D, amount(k));
                t.wire("Y", &b, 10 * D + k * 2 * D + (5 + k * 3 % 20) * H, amount(k));
            }
            t.hits(&Mirror)
        };
        let round = world(&|_| 10_000.0);
        assert!(round.is_empty(), "{round:?}");
        assert_eq!(world(&|k| 20_000.0 + 7_000.0 * k as f64).len(), 1);
    }

    /// `n` pairs of smaller legs (above the dump's median, below its top decile) through
    /// X and Y from day 11, the first `mirrored` of them matched in value, the rest not.
    fn smaller_legs(t: &mut Tiny, n: usize, mirrored: usize) {
        smaller_legs_from(t, 11 * D, n, mirrored, "S");
    }

    /// [`smaller_legs`] from `start`, one a day, their customers and beneficiaries named
    /// after `tag`.
    fn smaller_legs_from(t: &mut Tiny, start: i64, n: usize, mirrored: usize, tag: &str) {
        // Enough everyday transfers that the median stays near 5,000 and the top decile
        // starts near 7,000, whatever these legs add.
        t.economy(5_000.0, 60, 300);
        for k in 0..n {
            let (c, b) = (format!("{tag}C{k}"), format!("{tag}B{k}"));
            t.person(&c, "CN");
            t.person(&b, "HK");
            let amount = 5_600.0 + 100.0 * k as f64;
            // Unmatched payouts stay below the top decile but match no inflow.
            let paid = if k < mirrored { amount } else { 6_600.0 + 50.0 * k as f64 };
            t.wire(&c, "X", start + k as i64 * D, amount);
            t.wire("Y", &b, start + k as i64 * D + 3 * H, paid);
        }
    }

    #[test]
    fn an_unlinked_pair_shown_by_large_legs_brings_its_smaller_mirrored_legs() {
        // A broker pair mirrors its everyday payments too, not only the large ones that
        // show it.
        let mut t = Tiny::new();
        case(&mut t, 3, 1.0, 2 * H, false);
        smaller_legs(&mut t, 4, 4);
        let hits = t.hits(&Mirror);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 14, "three large pairs and four smaller ones");
    }

    #[test]
    fn a_broker_pairs_smaller_legs_before_its_first_large_one_join_it() {
        // The book began a week before the first large pair (day 10), with everyday
        // sums only.
        let mut t = Tiny::new();
        case(&mut t, 3, 1.0, 2 * H, false);
        smaller_legs_from(&mut t, D, 4, 4, "E");
        let hits = t.hits(&Mirror);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 14, "three large pairs and four smaller ones before them");
    }

    #[test]
    fn an_account_that_brokers_for_a_while_keeps_its_own_business_out() {
        // Four smaller pairs mirrored beside the large ones, then a month of its own
        // everyday payments that match nothing: over the whole history the two mirror
        // fewer than half their legs, around the large pairs nearly all.
        let mut t = Tiny::new();
        case(&mut t, 3, 1.0, 2 * H, false);
        smaller_legs(&mut t, 4, 4);
        smaller_legs_from(&mut t, 40 * D, 8, 0, "L");
        let hits = t.hits(&Mirror);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 14, "{hits:?}");
    }

    #[test]
    fn busy_accounts_that_matched_large_payments_keep_their_everyday_ones() {
        // Of eight smaller payments through each side only one is matched: coincidence,
        // not a broker's book, so only the large pairs are reported.
        let mut t = Tiny::new();
        case(&mut t, 3, 1.0, 2 * H, false);
        smaller_legs(&mut t, 8, 1);
        let hits = t.hits(&Mirror);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 6);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        case(&mut t, 3, 1.035, 2 * H, true);
        assert!(t.hits(&Mirror).is_empty(), "values 3.5% apart");
        let mut t = Tiny::new();
        case(&mut t, 3, 1.0, 73 * H, true);
        assert!(t.hits(&Mirror).is_empty(), "73 h apart");
        let mut t = Tiny::new();
        case(&mut t, 3, 1.0, 2 * H, true);
        t.wire("X", "Y", 12 * D, 50_000.0);
        t.wire("X", "Y", 14 * D, 50_000.0);
        assert!(t.hits(&Mirror).len() <= 1);
        let hits = t.hits(&Mirror);
        assert!(hits.iter().all(|h| h.transfers.len() < 6), "pairs with money crossing are dropped");
    }

    #[test]
    fn both_sides_in_one_country_is_not_a_mirror() {
        let mut t = Tiny::new();
        t.person("X", "CN");
        t.person("Y", "CN");
        t.link("h-X", "h-Y");
        for k in 0..4 {
            t.wire(&format!("C{k}"), "X", k * D, 30_000.0);
            t.wire("Y", &format!("B{k}"), k * D + H, 30_000.0);
        }
        for k in 0..4 {
            t.person(&format!("C{k}"), "CN");
            t.person(&format!("B{k}"), "CN");
        }
        assert!(t.hits(&Mirror).is_empty());
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(9, 30, 200, 60);
        for k in 0..30 {
            t.person(&format!("N{k}"), if k % 2 == 0 { "CN" } else { "HK" });
        }
        case(&mut t, 4, 0.99, 30 * H, false);
        t.reverse_rows();
        let hits = t.hits(&Mirror);
        let x = t.dump.accounts.intern("X");
        assert!(hits.iter().any(|h| h.accounts.iter().any(|a| a.account == x && a.role == Role::Collector)));
    }
}
