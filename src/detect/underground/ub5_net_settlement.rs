//! UB5 — cross-border net settlement between two broker networks.
//!
//! ## What it finds
//! Two mirror networks (UB3) in different countries whose mirrored flows leave one side
//! owing the other, followed by a few large cross-border transfers from the owing side
//! (its collector, or an account the collector funded) into the other country whose sum
//! comes within a tolerance of that net imbalance.
//!
//! ## Why it matters
//! Underground banks settle the imbalance of their mirror trades in bulk, usually
//! disguised as trade payments between front companies (FATF, *Professional Money
//! Laundering*, 2018, "money value transfer services and settlement"; typologies.md UB5).
//! The settlement ties the two halves of the network together even when nothing else in
//! the data does.
//!
//! ## Example
//! ```text
//! mirror pairs CN->HK: 410,000   HK->CN: 95,000   net owed by CN side: 315,000
//! X(CN) ─300,000─> F(CN) ─160,000 "invoice"─> G(HK)
//!                        └155,000 "invoice"─> G(HK)      315,000 settled (100%)
//! ```
//!
//! ## Parameters
//! `[ub5]`: `tolerance` (0.10 of the net imbalance: of the matched pairs, or else of the
//! owing collector's net domestic position over the mirror period, a pairing gap either
//! side, where the legs of a pair left unmatched fall), `min_settlements` (2),
//! `settle_within_days` (60 after the last mirror pair), `min_imbalance` (`p50`), and
//! the mirror pairs of `[ub3]`.
//!
//! ## Look-alikes
//! A trading company's payments abroad are not preceded by mirrored retail flows through
//! its own accounts; a mirror network that never settles in the data stays UB3.

use rayon::prelude::*;

use crate::config::params::{Count, Days, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::search::mirrors::{self, MirrorNetwork};
use crate::detect::{Context, Detector, Hit, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::FlowGraph;
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount, hours_to_seconds};
use serde::{Deserialize, Serialize};

/// Parameters of UB5 (net settlement).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub5Config {
    /// Settled sum within this share of the net imbalance.
    pub tolerance: Share,
    /// Settlement transfers needed.
    pub min_settlements: Count<1>,
    /// Settlements looked for until this many days after the last mirror pair.
    pub settle_within_days: Days,
    /// Smallest net imbalance, against the dump's amount distribution.
    pub min_imbalance: AmountFloor,
}

/// UB5 detector.
pub struct NetSettlement;

impl Detector for NetSettlement {
    fn lookback(&self, _: &Config) -> Lookback {
        Lookback::unbounded(
            "settlements are weighed against the mirror flows of the whole dump",
            &[Reads::AmountQuantiles, Reads::Reference],
        )
    }

    fn pattern(&self) -> Pattern {
        Pattern::Ub5
    }

    fn unavailable(&self, ctx: &Context<'_>) -> Option<String> {
        mirrors::unavailable(ctx)
    }

    fn part_rule(&self, config: &Config) -> Option<PartRule> {
        // UB3's mirror networks, and the debtor's payments abroad, itself or through the
        // accounts it funds: the pair's transfers and those of the accounts it paid.
        Some(PartRule::Pairs { gap_days: config.ub3.max_gap_hours.get() / 24.0, with_payees: true })
    }

    fn account_pairs(&self, ctx: &Context<'_>) -> Vec<(u32, u32)> {
        mirrors::candidate_pairs(ctx)
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let nets = mirrors::networks(ctx);
        let hits = nets.par_iter().filter_map(|n| settle(ctx, &ctx.config.ub5, n)).collect();
        Outcome { hits, notes: Vec::new() }
    }
}

fn settle(ctx: &Context<'_>, cfg: &Ub5Config, n: &MirrorNetwork) -> Option<Hit> {
    let g = ctx.graph;
    // Net owed by side a: local money it took in for b's payouts, less the reverse.
    let owed: f64 = n
        .pairs
        .iter()
        .map(|p| if p.collector == n.a { g.amount[p.inflow as usize] } else { -g.amount[p.inflow as usize] })
        .sum();
    let (debtor, creditor) = if owed > 0.0 { (n.a, n.b) } else { (n.b, n.a) };
    let to_country = g.accounts.country[creditor as usize];
    let start = n.pairs.iter().map(|p| g.time[p.inflow as usize]).min()?;
    let last = n.pairs.iter().map(|p| g.time[p.outflow as usize].max(g.time[p.inflow as usize])).max()?;
    let until = last + days_to_seconds(cfg.settle_within_days.get());
    // The debtor pays abroad itself, or through accounts it funds with a good part of it.
    let mut payers = vec![(debtor, None)];
    let paid = g.out_after(debtor, start - 1, until);
    for k in 0..paid.len() {
        let (e, a, d) = (paid.edges[k], paid.amount[k], paid.other[k]);
        if a >= 0.3 * owed.abs() && g.accounts.country[d as usize] == g.accounts.country[debtor as usize] {
            payers.push((d, Some(e)));
        }
    }
    let mut settlements: Vec<u32> = Vec::new();
    for &(p, _) in &payers {
        let paid = g.out_after(p, start - 1, until);
        settlements.extend((0..paid.len()).filter_map(|k| {
            let d = paid.other[k];
            (g.accounts.country[d as usize] == to_country
                && g.accounts.country[p as usize] != to_country
                && paid.amount[k] >= cfg.tolerance.get() * owed.abs())
            .then_some(paid.edges[k])
        }));
    }
    settlements.sort_unstable();
    settlements.dedup();
    // What is owed: the imbalance of the matched pairs, or (when a pair went unmatched)
    // the debtor's net domestic position over the mirror period, a pairing gap either
    // side (the leg of a pair left unmatched lies within a gap of the matched ones):
    // local money in, less local money paid out, other than what it sent the accounts
    // that settle for it (that is the settlement).
    let settles = |p: u32| settlements.iter().any(|&e| g.src[e as usize] == p);
    let funding: Vec<u32> = payers.iter().filter(|&&(p, _)| settles(p)).filter_map(|&(_, via)| via).collect();
    let position = {
        let gap = hours_to_seconds(ctx.config.ub3.max_gap_hours.get()) as i64;
        let (from, to) = (start.saturating_sub(gap), last.saturating_add(gap));
        let ins = g.in_list(debtor);
        let outs = g.out_list(debtor);
        let local =
            |o: u32| o != debtor && g.accounts.country[o as usize] == g.accounts.country[debtor as usize];
        let sum = |l: crate::graph::AdjList<'_>| -> f64 {
            (0..l.len())
                .filter(|&k| l.time[k] >= from && l.time[k] <= to && local(l.other[k]))
                .filter(|&k| !funding.contains(&l.edges[k]))
                .map(|k| l.amount[k])
                .sum()
        };
        sum(ins) - sum(outs)
    };
    let mut chosen = None;
    for target in [owed.abs(), position] {
        if target >= ctx.graph.scale.floor(cfg.min_imbalance) && chosen.is_none() {
            chosen = run_within(g, cfg, &settlements, target).map(|c| (c, target));
        }
    }
    let ((i, j, sum), target) = chosen?;
    let (mut b, summary) = mirrors::evidence(ctx, n);
    for &e in &settlements[i..=j] {
        let (s, d, a) = (g.src[e as usize], g.dst[e as usize], g.amount[e as usize]);
        b.account(s, Role::Settlement, 0.0, a);
        b.account(d, Role::Settlement, a, 0.0);
        b.transfer(e);
    }
    for &(p, via) in &payers {
        if let Some(e) = via {
            if settlements[i..=j].iter().any(|&s| g.src[s as usize] == p) {
                b.account(p, Role::Settlement, g.amount[e as usize], 0.0);
                b.transfer(e);
            }
        }
    }
    let reason = format!(
        "{} left {} owing {}; {} cross-border transfers from its side into {} settled {} ({:.0}% of it). Mirror side: {summary}",
        fmt_amount(target),
        ctx.account(debtor),
        ctx.account(creditor),
        j + 1 - i,
        to_country.map(|c| c.to_string()).unwrap_or_default(),
        fmt_amount(sum),
        sum / target * 100.0,
    );
    let strength =
        0.6 + 0.4 * (1.0 - (sum - target).abs() / (cfg.tolerance.get() * target).max(1e-9)).clamp(0.0, 1.0);
    Some(b.finish(g, Pattern::Ub5, target, strength, reason))
}

/// The first run of consecutive settlements with at least `min_settlements` transfers
/// whose sum lands within tolerance of `target`: `(first, last, sum)`.
fn run_within(
    g: &FlowGraph,
    cfg: &Ub5Config,
    settlements: &[u32],
    target: f64,
) -> Option<(usize, usize, f64)> {
    for i in 0..settlements.len() {
        let mut sum = 0.0;
        for (j, &e) in settlements.iter().enumerate().skip(i) {
            sum += g.amount[e as usize];
            if j + 1 - i >= cfg.min_settlements.get() && (sum - target).abs() <= cfg.tolerance.get() * target
            {
                return Some((i, j, sum));
            }
            if sum > target * (1.0 + cfg.tolerance.get()) {
                break;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn case(t: &mut Tiny, settled_share: f64, parts: usize) {
        case_funded_at(t, settled_share, parts, 14 * D);
    }

    /// [`case`], with X funding F at `funded_at` (the last pair is paid out at 10 days
    /// and 3 hours).
    fn case_funded_at(t: &mut Tiny, settled_share: f64, parts: usize, funded_at: i64) {
        // Mirror legs of 20,000 and more stand in the top decile of this economy.
        t.economy(2_000.0, 60, 200);
        t.person("X", "CN");
        t.person("Y", "HK");
        t.company("F", "CN");
        t.company("G", "HK");
        let mut owed = 0.0;
        for k in 0..6 {
            let (c, bf) = (format!("C{k}"), format!("B{k}"));
            let amount = 20_000.0 + 5_000.0 * k as f64;
            if k % 3 == 2 {
                t.person(&c, "HK");
                t.person(&bf, "CN");
                t.wire(&c, "Y", k * 2 * D, amount);
                t.wire("X", &bf, k * 2 * D + 3 * H, amount);
                owed -= amount;
            } else {
                t.person(&c, "CN");
                t.person(&bf, "HK");
                t.wire(&c, "X", k * 2 * D, amount);
                t.wire("Y", &bf, k * 2 * D + 3 * H, amount);
                owed += amount;
            }
        }
        t.send("X", "F", funded_at, owed, crate::model::Channel::Internal);
        for p in 0..parts {
            t.wire("F", "G", 16 * D + p as i64 * 3 * D, owed * settled_share / parts as f64);
        }
    }

    #[test]
    fn settlement_of_the_imbalance_is_found() {
        let mut t = Tiny::new();
        case(&mut t, 0.97, 2);
        let hits = t.hits(&NetSettlement);
        assert_eq!(hits.len(), 1);
        let f = t.dump.accounts.intern("G");
        assert!(hits[0].accounts.iter().any(|a| a.account == f && a.role == Role::Settlement));
        assert!(hits[0].reason.contains("settled"), "{}", hits[0].reason);
    }

    #[test]
    fn a_payout_left_unpaired_just_after_the_last_pair_still_counts() {
        // The matched pairs leave X owing 45,000; ten hours after the last of them X
        // pays a beneficiary at home 15,000 whose counterpart abroad (24,000 into Y)
        // matches no value, so no pair holds it. X settles the 30,000 it still owes.
        // X's payment into F, the account that settles for it, is no mirror leg, even
        // when it comes within a pairing gap of the last pair.
        for funded_at in [14 * D, 11 * D] {
            let mut t = Tiny::new();
            case_funded_at(&mut t, 30_000.0 / 45_000.0, 2, funded_at);
            assert!(t.hits(&NetSettlement).is_empty(), "not vacuous: 30,000 is not what the pairs owe");
            t.person("LATE_C", "HK");
            t.person("LATE_B", "CN");
            t.wire("LATE_C", "Y", 10 * D + 6 * H, 24_000.0);
            t.wire("X", "LATE_B", 10 * D + 10 * H, 15_000.0);
            let hits = t.hits(&NetSettlement);
            assert_eq!(hits.len(), 1, "funded at {funded_at}: {hits:?}");
            assert!(hits[0].reason.contains("(100% of it)"), "{}", hits[0].reason);
        }
    }

    #[test]
    fn an_importer_paying_its_supplier_abroad_in_instalments_settles_nothing() {
        // Look-alike: an importer in CN that its customers pay pays its supplier in HK
        // in two instalments, with no mirrored retail flows through its owner's
        // accounts before them.
        let mut t = Tiny::new();
        t.economy(2_000.0, 60, 200);
        t.person("X", "CN");
        t.company("F", "CN");
        t.company("G", "HK");
        for k in 0..10i64 {
            t.company(&format!("CUSTOMER{k}"), "CN");
            t.wire(&format!("CUSTOMER{k}"), "F", (2 + k) * D, 12_000.0);
        }
        t.send("X", "F", 14 * D, 45_000.0, crate::model::Channel::Internal);
        for p in 0..2i64 {
            t.wire("F", "G", 16 * D + p * 3 * D, 60_000.0);
        }
        assert!(t.hits(&NetSettlement).is_empty(), "{:?}", t.hits(&NetSettlement));
        // The same instalments after mirrored flows that leave the owner owing them are
        // a settlement.
        let mut t = Tiny::new();
        case(&mut t, 0.97, 2);
        assert_eq!(t.hits(&NetSettlement).len(), 1);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        case(&mut t, 0.85, 2);
        assert!(t.hits(&NetSettlement).is_empty(), "settles 85%");
        let mut t = Tiny::new();
        case(&mut t, 1.0, 1);
        assert!(t.hits(&NetSettlement).is_empty(), "one settlement");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Any split of the imbalance into 2-4 settlements within tolerance is found,
        /// among noise and with the rows reversed.
        #[test]
        fn an_injected_settlement_is_always_found(parts in 2usize..5, share in 0.92f64..1.08, seed in 0u64..500) {
            let mut t = Tiny::new();
            t.noise(seed, 40, 200, 60);
            case(&mut t, share, parts);
            t.reverse_rows();
            proptest::prop_assert_eq!(t.hits(&NetSettlement).len(), 1);
        }
    }

    #[test]
    fn camouflaged_by_row_order() {
        let mut t = Tiny::new();
        case(&mut t, 1.02, 3);
        t.wire("F", "SUPPLIER", 15 * D, 1_000.0);
        t.reverse_rows();
        assert_eq!(t.hits(&NetSettlement).len(), 1);
    }
}
