//! Cases that our generator did not write, hidden among the busy existing customers of
//! worlds it did (`benches/busy_cases.py`: each case's accounts are ordinary persons
//! with salaries and shops of their own, and every amount but the law's cash line is
//! drawn from the world's own person-to-person wires). Every case must be found, at the
//! scales the worlds draw.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use common::*;
use flowhound::export::rows::{LeadAccountRow, LeadHitRow, TruthAccountRow};

/// Writes a randomised world of `seed` with `per` busy-customer cases per pattern into
/// `dump`, and analyses it into `out`.
fn world_with_busy_cases(seed: &str, per: &str, dump: &Path, out: &Path) {
    let world = dump.with_extension("world");
    ok(&["generate", "--out", s(&world), "--transfers", "100000", "--seed", seed, "--randomise", "-q"]);
    let script = root().join("benches/busy_cases.py");
    let status = Command::new("python3")
        .args([s(&script), "inject", s(&world), s(dump), "--seed", seed, "--per", per])
        .status()
        .expect("python3 runs");
    assert!(status.success(), "busy_cases.py inject failed");
    ok(&["analyze", s(dump), "--out", s(out), "-q"]);
}

#[test]
fn cases_among_busy_customers_are_found_at_every_scale_drawn() {
    let tmp = tempfile::tempdir().unwrap();
    // Seeds 101 and 105 draw amounts x0.044 and x24 of the generator's economy.
    for seed in ["101", "105"] {
        let (dump, out) = (tmp.path().join(format!("dump-{seed}")), tmp.path().join(format!("out-{seed}")));
        world_with_busy_cases(seed, "3", &dump, &out);
        let truth: Vec<TruthAccountRow> = typed(&dump.join("truth_accounts.csv"));
        let in_leads: Vec<LeadAccountRow> = typed(&out.join("lead_accounts.csv"));
        let hits: Vec<LeadHitRow> = typed(&out.join("lead_hits.csv"));
        let mut leads_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for r in &in_leads {
            leads_of.entry(r.account_id.as_str()).or_default().insert(r.lead_id.as_str());
        }
        let mut patterns_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for h in &hits {
            patterns_of.entry(h.lead_id.as_str()).or_default().insert(h.pattern.code());
        }
        let mut cases: BTreeMap<&str, Vec<&TruthAccountRow>> = BTreeMap::new();
        for r in &truth {
            cases.entry(r.case_id.as_str()).or_default().push(r);
        }
        assert_eq!(cases.len(), 45, "fifteen patterns, three cases each");
        for (case, accounts) in &cases {
            let pattern = accounts[0].pattern.as_str();
            let leads =
                |a: &TruthAccountRow| leads_of.get(a.account_id.as_str()).cloned().unwrap_or_default();
            let found = accounts.iter().filter(|a| !leads(a).is_empty()).count();
            assert!(
                2 * found >= accounts.len(),
                "world {seed}, {case}: {found} of {} accounts in leads",
                accounts.len()
            );
            // Money through offshore shells, structuring, settlement shells and
            // scatter-gathers through mules are named for what they are, every account
            // of them.
            if ["OS1", "OS2", "OS4", "UB2", "UB6", "scatter_gather"].contains(&pattern) {
                for a in accounts {
                    let named =
                        leads(a).iter().any(|l| patterns_of.get(l).is_some_and(|p| p.contains(pattern)));
                    assert!(
                        named,
                        "world {seed}, {case}: {} ({}) in no {pattern} lead",
                        a.account_id.as_str(),
                        a.role.as_str()
                    );
                }
            }
        }
    }
}
