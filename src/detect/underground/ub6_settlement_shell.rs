//! UB6 — settlement shell (公转私).
//!
//! ## What it finds
//! A company account that, inside one short window, splits money it received from
//! companies into transfers to many different personal accounts, after either tiny test
//! transfers (out, trying its payees' accounts, or in, from a company that then funds the
//! spike, trying the account) or a dormant spell (or no history at all although the dump
//! covers the time before): a corporate account woken up to turn company money into
//! private money.
//!
//! ## Why it matters
//! Turning corporate funds into personal funds (公转私) is how underground banks pay out
//! to individuals and how embezzled or tax-evading company money reaches people; the
//! PBoC lists "corporate accounts transferring to many personal accounts", "dormant
//! accounts suddenly active" and "small test transfers before large ones" among its
//! suspicious-transaction indicators (typologies.md UB6).
//!
//! ## Example
//! ```text
//! S (company, silent for 120 days) ─1, 5, 10 CNY─> P0        day 0 (test transfers)
//! PAYER (company) ─900,000─> S                                day 1
//! S ─~35,000 each─> P1 ... P25 (25 persons)                   days 1-6
//! ```
//!
//! ## Parameters
//! `[ub6]`: `min_payees` (10 personal payees) within `window_days` (7),
//! `test_max_amount` (`p1`: among the dump's smallest 1% of transfers) within `lookback_days` (7)
//! before the spike, `dormancy_days` (90), `min_funded_share` (0.5 of the payout came in
//! from companies from `lookback_days` before the spike until its end), `channels`.
//!
//! ## Look-alikes
//! Payroll pays many people too, but every month: the account is never dormant and sends
//! no test transfers. A company paying its suppliers pays companies. A newly opened
//! employer's first payroll has no dormancy the dump can show unless the dump covers the
//! 90 days before. A registrar or paying agent that is funded once a quarter and pays an
//! issuer's dividend to hundreds of shareholders within hours has this very shape; it is
//! licensed, and licensed holders are left out (`exempt_licensed`) when the entities
//! table says so. A payroll platform verifies a new employer's account with
//! micro-deposits before its first payroll: they come from the platform, which funds no
//! wages, so they are no test of a payer (tested).

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::config::params::{Channels, Count, Days, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::search::fans::{densest_within, Relationship};
use crate::detect::{Context, Detector, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::model::{Channel, HolderKind};
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount, seconds_to_days};
use serde::{Deserialize, Serialize};

/// Parameters of UB6 (settlement shell).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub6Config {
    /// Distinct personal payees of the spike.
    pub min_payees: Count<2>,
    /// Window of the spike, days.
    pub window_days: Days,
    /// A test transfer is at most this amount, against the dump's amount distribution.
    pub test_max_amount: AmountFloor,
    /// Test transfers and funding looked for this many days before the spike.
    pub lookback_days: Days,
    /// Days without a transfer before the spike that make an account dormant.
    pub dormancy_days: Days,
    /// Money in from companies / money paid out in the spike.
    pub min_funded_share: Share,
    /// Channels of the payouts.
    pub channels: Channels,
}

/// UB6 detector.
pub struct SettlementShell;

impl Detector for SettlementShell {
    fn lookback(&self, config: &Config) -> Lookback {
        Lookback::days(
            config.ub6.window_days.get() + config.ub6.lookback_days.get(),
            &[Reads::AmountQuantiles, Reads::AccountRate, Reads::AccountHistory, Reads::Reference],
        )
    }

    fn part_rule(&self, _config: &Config) -> Option<PartRule> {
        // A payout spike, its test transfers, dormancy and funding are the shell account's own
        // transfers, both ways.
        Some(PartRule::Account { anchor: Some(Role::Shell) })
    }

    fn pattern(&self) -> Pattern {
        Pattern::Ub6
    }

    fn unavailable(&self, ctx: &Context<'_>) -> Option<String> {
        let kinds = &ctx.graph.accounts.kind;
        if !kinds.contains(&HolderKind::Company) || !kinds.contains(&HolderKind::Person) {
            return Some("needs holder kinds (company / person) from an entities table".into());
        }
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let cfg = &ctx.config.ub6;
        let channels = cfg.channels.as_slice().to_vec();
        let start = ctx.graph.dump_first_time().unwrap_or(0);
        let hits = (0..ctx.graph.node_count() as u32)
            .into_par_iter()
            .with_min_len(256)
            .filter(|&v| ctx.graph.accounts.kind[v as usize] == HolderKind::Company)
            .filter_map(|v| scan(ctx, cfg, &channels, start, v))
            .collect();
        Outcome { hits, notes: Vec::new() }
    }
}

fn scan(ctx: &Context<'_>, cfg: &Ub6Config, channels: &[Channel], dump_start: i64, v: u32) -> Option<Hit> {
    let g = ctx.graph;
    let kind = &g.accounts.kind;
    let outs = g.out_list(v);
    if outs.len() < cfg.min_payees.get() {
        return None;
    }
    let test_max = g.scale.floor(cfg.test_max_amount);
    let is_test = |amount: f64| amount <= test_max;
    let to_persons: Vec<usize> = (0..outs.len())
        .filter(|&k| {
            outs.other[k] != v
                && kind[outs.other[k] as usize] == HolderKind::Person
                && channels.contains(&outs.channel[k])
                && !is_test(outs.amount[k])
        })
        .collect();
    let window = days_to_seconds(cfg.window_days.get());
    let spike =
        densest_within(g, outs, &to_persons, outs.len(), window, window, Relationship::inside(window))?;
    if spike.counterparties < cfg.min_payees.get() {
        return None;
    }
    let lookback = days_to_seconds(cfg.lookback_days.get());
    // Test transfers: tiny amounts (own currency) shortly before the spike.
    let tests: Vec<u32> = (0..outs.len())
        .filter(|&k| {
            outs.time[k] >= spike.from - lookback && outs.time[k] <= spike.from && is_test(outs.amount[k])
        })
        .map(|k| outs.edges[k])
        .collect();
    // Dormancy: the last activity before the lookback is long past, or there is none
    // although the dump covers the dormancy period.
    let ins = g.in_list(v);
    let before = spike.from - lookback;
    let last_out = outs.time.iter().rev().find(|&&x| x < before).copied();
    let last_in = ins.time.iter().rev().find(|&&x| x < before).copied();
    let dormancy = days_to_seconds(cfg.dormancy_days.get());
    let dormant = match last_out.max(last_in) {
        Some(last) => spike.from - last >= dormancy,
        None => spike.from - dump_start >= dormancy,
    };
    // Corporate money in, from the lookback until the end of the spike.
    let funding: Vec<usize> = (0..ins.len())
        .filter(|&k| {
            ins.time[k] >= before
                && ins.time[k] <= spike.to
                && ins.other[k] != v
                && kind[ins.other[k] as usize] == HolderKind::Company
        })
        .collect();
    // Test transfers in: tiny amounts shortly before the spike from a company that then
    // funds it (whoever rented the account tried it before sending the money). A payment
    // platform's micro-deposits that verify a new employer's account come from the
    // platform, which pays no wages.
    let funds = |w: u32| funding.iter().any(|&k| ins.other[k] == w && !is_test(ins.amount[k]));
    let tests_in: Vec<u32> = funding
        .iter()
        .filter(|&&k| ins.time[k] <= spike.from && is_test(ins.amount[k]) && funds(ins.other[k]))
        .map(|&k| ins.edges[k])
        .collect();
    if tests.is_empty() && tests_in.is_empty() && !dormant {
        return None;
    }
    let funded: f64 = funding.iter().map(|&k| ins.amount[k]).sum();
    if funded < cfg.min_funded_share.get() * spike.amount {
        return None;
    }
    let mut b = HitBuilder::default();
    for &k in &funding {
        b.account(ins.other[k], Role::Source, 0.0, ins.amount[k]);
        b.account(v, Role::Shell, ins.amount[k], 0.0);
        b.transfer(ins.edges[k]);
    }
    for &e in &spike.edges {
        let a = g.amount[e as usize];
        b.account(g.dst[e as usize], Role::Payee, a, 0.0);
        b.account(v, Role::Shell, 0.0, a);
        b.transfer(e);
    }
    for &e in &tests {
        b.transfer(e);
    }
    let payers: BTreeSet<u32> = funding.iter().map(|&k| ins.other[k]).collect();
    let wake = match (dormant, last_out.max(last_in)) {
        (true, Some(last)) => {
            format!("after {:.0} days without a transfer", seconds_to_days(spike.from - last))
        }
        (true, None) => {
            format!("with no transfer in the {:.0} days before", seconds_to_days(spike.from - dump_start))
        }
        (false, _) => "while active".to_owned(),
    };
    let reason = format!(
        "company account {} paid {} to {} persons within {:.1} days {wake}{}; {} of it came in from {} compan{}",
        ctx.account(v),
        fmt_amount(spike.amount),
        spike.counterparties,
        seconds_to_days(spike.to - spike.from),
        tested(tests.len(), tests_in.len(), test_max),
        fmt_amount(funded),
        payers.len(),
        if payers.len() == 1 { "y" } else { "ies" },
    );
    let signals = usize::from(dormant) + usize::from(!tests.is_empty() || !tests_in.is_empty());
    let strength = 0.5
        + 0.2 * signals as f64
        + 0.1 * (spike.counterparties as f64 / cfg.min_payees.get() as f64).log2().clamp(0.0, 1.0);
    Some(b.finish(g, Pattern::Ub6, spike.amount, strength, reason))
}

/// The reason's words on test transfers out (to try payees' accounts) and in (from a
/// payer trying the account), each at most `test_max`.
fn tested(out: usize, ins: usize, test_max: f64) -> String {
    match (out, ins) {
        (0, 0) => String::new(),
        (out, 0) => format!(", after {out} test transfer(s) of at most {test_max:.2}"),
        (0, ins) => format!(", after {ins} test transfer(s) in of at most {test_max:.2} from a payer"),
        (out, ins) => format!(", after {out} test transfer(s) out and {ins} in of at most {test_max:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn case(t: &mut Tiny, payees: usize, tests: bool, silent_days: i64) {
        // Test transfers of 1 to 10 are among the smallest 1% of this economy.
        t.economy(5_000.0, 200, 300);
        t.company("SHELL", "CN");
        t.company("PAYER", "CN");
        t.company("OLDCLIENT", "CN");
        t.wire("OLDCLIENT", "SHELL", 0, 5_000.0);
        let t0 = silent_days * D;
        if tests {
            for (k, units) in [1.0, 5.0, 10.0].iter().enumerate() {
                t.person(&format!("T{k}"), "CN");
                t.wire("SHELL", &format!("T{k}"), t0 + k as i64 * H, *units);
            }
        }
        t.wire("PAYER", "SHELL", t0 + D, 600_000.0);
        for k in 0..payees {
            t.person(&format!("P{k}"), "CN");
            t.wire("SHELL", &format!("P{k}"), t0 + D + k as i64 * 10 * H, 600_000.0 / payees as f64);
        }
    }

    #[test]
    fn dormant_shell_with_tests_is_found() {
        let mut t = Tiny::new();
        case(&mut t, 12, true, 120);
        let hits = t.hits(&SettlementShell);
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].reason.contains("12 persons") && hits[0].reason.contains("test transfer"),
            "{}",
            hits[0].reason
        );
        assert_eq!(hits[0].accounts.len(), 14);
    }

    #[test]
    fn either_signal_suffices() {
        let mut t = Tiny::new();
        case(&mut t, 10, false, 120);
        assert_eq!(t.hits(&SettlementShell).len(), 1, "dormant only");
        let mut t = Tiny::new();
        case(&mut t, 10, true, 30);
        assert_eq!(t.hits(&SettlementShell).len(), 1, "test transfers only");
    }

    #[test]
    fn a_payer_that_tries_the_account_before_funding_it_is_a_test() {
        // Thirty days into the dump, so no dormancy can be shown, and no tests out: the
        // payer sends 1 and 5 first, then the money.
        let mut t = Tiny::new();
        case(&mut t, 12, false, 30);
        assert!(t.hits(&SettlementShell).is_empty(), "no signal yet");
        t.wire("PAYER", "SHELL", 30 * D - 6 * H, 1.0);
        t.wire("PAYER", "SHELL", 30 * D - 5 * H, 5.0);
        let hits = t.hits(&SettlementShell);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].reason.contains("after 2 test transfer(s) in of at most"), "{}", hits[0].reason);
    }

    #[test]
    fn a_new_employers_account_verified_by_micro_deposits_is_no_test() {
        // Look-alike: a payroll platform verifies a new employer's account with two
        // micro-deposits, and the employer's client funds its first payroll. The platform
        // pays no wages: its deposits try nothing for a payer.
        let mut t = Tiny::new();
        case(&mut t, 12, false, 30);
        t.company("PLATFORM", "CN");
        t.wire("PLATFORM", "SHELL", 30 * D - 6 * H, 0.12);
        t.wire("PLATFORM", "SHELL", 30 * D - 5 * H, 0.34);
        assert!(t.hits(&SettlementShell).is_empty(), "{:?}", t.hits(&SettlementShell));
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        case(&mut t, 9, true, 120);
        assert!(t.hits(&SettlementShell).is_empty(), "nine payees");
        let mut t = Tiny::new();
        case(&mut t, 12, false, 80);
        assert!(t.hits(&SettlementShell).is_empty(), "active 80 days before, no tests");
    }

    #[test]
    fn monthly_payroll_is_not_a_settlement_shell() {
        let mut t = Tiny::new();
        t.company("EMPLOYER", "CN");
        t.company("CLIENT", "CN");
        for m in 0..6 {
            t.wire("CLIENT", "EMPLOYER", m * 30 * D + 20 * D, 200_000.0);
            for k in 0..30 {
                t.person(&format!("S{k}"), "CN");
                t.wire("EMPLOYER", &format!("S{k}"), m * 30 * D + 24 * D + k * 60, 5_000.0);
            }
        }
        assert!(t.hits(&SettlementShell).is_empty());
    }

    #[test]
    fn a_seasonal_company_paying_its_suppliers_pays_companies() {
        // Look-alike: a company quiet for four months between seasons, paid by its
        // client, pays twelve suppliers within days, after three tiny test payments
        // (checking new account details): company money to companies is trade, not 公转私.
        let mut t = Tiny::new();
        case(&mut t, 0, true, 120);
        for k in 0..12i64 {
            t.company(&format!("SUPPLIER{k}"), "CN");
            t.wire("SHELL", &format!("SUPPLIER{k}"), 121 * D + k * 10 * H, 50_000.0);
        }
        assert!(t.hits(&SettlementShell).is_empty(), "{:?}", t.hits(&SettlementShell));
        // The same payout to twelve persons is a settlement shell.
        let mut t = Tiny::new();
        case(&mut t, 12, true, 120);
        assert_eq!(t.hits(&SettlementShell).len(), 1);
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(4, 30, 200, 150);
        case(&mut t, 11, true, 100);
        t.reverse_rows();
        assert_eq!(t.hits(&SettlementShell).len(), 1);
    }
}
