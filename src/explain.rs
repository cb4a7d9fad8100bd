//! `explain`: one lead from an output folder as an investigator would brief it: who,
//! what, when, where, why and how (5W1H), with the transfers that prove it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::export::rows::{self, EvidenceRow, LeadAccountRow, LeadHitRow, LeadRow, Time};
use crate::model::Country;
use crate::units::{fmt_amount, format_time, seconds_to_days};

/// One lead and its rows, read from an `analyze` output folder.
struct Case {
    lead: LeadRow,
    total_leads: usize,
    accounts: Vec<LeadAccountRow>,
    evidence: Vec<EvidenceRow>,
    /// Every hit with its reason (absent from folders written before lead_hits.csv).
    hits: Option<Vec<LeadHitRow>>,
}

impl Case {
    fn read(out: &Path, id: &str) -> Result<Case> {
        let leads: Vec<LeadRow> = rows::read(&out.join("leads.csv"))?;
        let total_leads = leads.len();
        let Some(lead) = leads.into_iter().find(|l| l.lead_id.as_str() == id) else {
            return Err(Error::Usage(format!("no lead `{id}` in {}", out.join("leads.csv").display())));
        };
        let mine = |lead_id: &rows::Text| lead_id.as_str() == id;
        let accounts: Vec<LeadAccountRow> = rows::read::<LeadAccountRow>(&out.join("lead_accounts.csv"))?
            .into_iter()
            .filter(|a| mine(&a.lead_id))
            .collect();
        let evidence: Vec<EvidenceRow> = rows::read::<EvidenceRow>(&out.join("lead_evidence.csv"))?
            .into_iter()
            .filter(|e| mine(&e.lead_id))
            .collect();
        let hits_file = out.join("lead_hits.csv");
        let hits = if hits_file.is_file() {
            Some(rows::read::<LeadHitRow>(&hits_file)?.into_iter().filter(|h| mine(&h.lead_id)).collect())
        } else {
            None
        };
        Ok(Case { lead, total_leads, accounts, evidence, hits })
    }
}

/// The narrative for lead `id` of the output folder `out`.
pub fn explain(out: &Path, id: &str, config: &Config) -> Result<String> {
    let case = Case::read(out, id)?;
    let cur = &config.base_currency;
    let mut t = String::new();
    title(&mut t, id, &case);
    who(&mut t, &case);
    what(&mut t, &case, cur);
    when(&mut t, &case);
    where_(&mut t, &case, config);
    why(&mut t, &case);
    how(&mut t, &case, cur);
    evidence(&mut t, &case);
    Ok(t)
}

fn title(t: &mut String, id: &str, case: &Case) {
    let l = &case.lead;
    let patterns: Vec<&str> = l.patterns.items().iter().map(|p| p.code()).collect();
    let _ = writeln!(
        t,
        "{id}: {} — score {:.2} (rank {} of {})",
        patterns.join(" + "),
        l.score.0,
        l.rank,
        case.total_leads
    );
    let _ = writeln!(t, "{}", "=".repeat(72));
}

/// WHO: accounts grouped by role, the biggest first.
fn who(t: &mut String, case: &Case) {
    let mut by_role: BTreeMap<String, Vec<&LeadAccountRow>> = BTreeMap::new();
    for a in &case.accounts {
        for role in a.role.items() {
            by_role.entry(role.to_string()).or_default().push(a);
        }
    }
    let holders: BTreeSet<&str> =
        case.accounts.iter().map(|a| a.holder_id.as_str()).filter(|h| !h.is_empty()).collect();
    let _ =
        writeln!(t, "\nWHO    {} accounts held by {} holders.", case.accounts.len(), holders.len().max(1));
    for (role, list) in &by_role {
        let mut list = list.clone();
        let moved = |a: &LeadAccountRow| a.amount_in.0 + a.amount_out.0;
        list.sort_by(|a, b| moved(b).total_cmp(&moved(a)));
        let named: Vec<String> = list
            .iter()
            .take(4)
            .map(|a| {
                let country = a.country.as_str();
                let holder = a.holder_id.as_str();
                let name = a.holder_name.as_str();
                let who = match (holder.is_empty(), name.is_empty()) {
                    (true, _) => String::new(),
                    (false, true) => format!(", holder {holder}"),
                    (false, false) => format!(", holder {holder} {name}"),
                };
                format!(
                    "{} ({}{who}; in {}, out {})",
                    a.account_id,
                    if country.is_empty() { "?" } else { country },
                    fmt_amount(a.amount_in.0),
                    fmt_amount(a.amount_out.0)
                )
            })
            .collect();
        let more = if list.len() > 4 { format!(" and {} more", list.len() - 4) } else { String::new() };
        let _ = writeln!(t, "       {role}: {}{more}", named.join("; "));
    }
}

/// Distinct proving transfers of the lead.
fn transfer_count(case: &Case) -> usize {
    case.evidence.iter().map(|e| e.transfer_id.as_str()).collect::<BTreeSet<_>>().len()
}

fn what(t: &mut String, case: &Case, cur: &str) {
    // A chain moves the same money several times, so this is a sum of transfers, not of money.
    let _ = writeln!(
        t,
        "\nWHAT   {} proving transfers totalling {} {cur}.",
        transfer_count(case),
        fmt_amount(case.lead.total_amount_base.0)
    );
    for p in case.lead.patterns.items() {
        let _ = writeln!(t, "       {p}: {}.", p.description());
    }
}

fn when(t: &mut String, case: &Case) {
    let (first, last) = (case.lead.first_seen, case.lead.last_seen);
    let days = seconds_to_days(last.0 - first.0);
    let _ = writeln!(t, "\nWHEN   {} to {} ({days:.1} days).", format_time(first.0), format_time(last.0));
}

fn where_(t: &mut String, case: &Case, config: &Config) {
    let (offshore, risky) = (config.offshore_set(), config.high_risk_set());
    let mut countries: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &case.accounts {
        *countries.entry(a.country.as_str()).or_default() += 1;
    }
    let places: Vec<String> = countries
        .iter()
        .map(|(c, n)| {
            let tag = match Country::parse(c) {
                Some(k) if offshore.contains(&k) => " offshore",
                Some(k) if risky.contains(&k) => " high-risk",
                _ => "",
            };
            format!(
                "{} ({n} account{}{tag})",
                if c.is_empty() { "unknown" } else { c },
                if *n == 1 { "" } else { "s" }
            )
        })
        .collect();
    // A transfer proving two patterns is one transfer: count each once, as WHAT does.
    let cross: BTreeSet<&str> =
        case.evidence.iter().filter(|e| e.cross_border.0).map(|e| e.transfer_id.as_str()).collect();
    let _ = writeln!(
        t,
        "\nWHERE  {}; {} of {} proving transfers cross a border.",
        places.join(", "),
        cross.len(),
        transfer_count(case)
    );
}

/// WHY: every hit's reason, strongest first (the summary quotes only the first few).
fn why(t: &mut String, case: &Case) {
    let _ = writeln!(t, "\nWHY");
    match &case.hits {
        Some(hits) => {
            for h in hits {
                let _ = writeln!(t, "       - {}: {}", h.pattern, h.reason);
            }
        }
        None => {
            for reason in case.lead.summary.as_str().split(" | ") {
                let _ = writeln!(t, "       - {reason}");
            }
        }
    }
}

/// HOW: the main flows between accounts.
fn how(t: &mut String, case: &Case, cur: &str) {
    let mut flows: BTreeMap<(&str, &str), (f64, usize, Time, Time)> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for e in &case.evidence {
        if !seen.insert(e.transfer_id.as_str()) {
            continue;
        }
        let f = flows.entry((e.src_account.as_str(), e.dst_account.as_str())).or_insert((
            0.0,
            0,
            e.timestamp,
            e.timestamp,
        ));
        f.0 += e.amount_base.0;
        f.1 += 1;
        f.3 = e.timestamp.max(f.3);
        f.2 = e.timestamp.min(f.2);
    }
    let mut flows: Vec<_> = flows.into_iter().collect();
    flows.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0));
    let _ = writeln!(t, "\nHOW    the money moved (largest flows first):");
    let date = |time: Time| crate::units::format_date(time.0);
    for ((s, d), (amount, n, from, to)) in flows.iter().take(12) {
        let when = if n > &1 {
            format!("{} transfers, {} to {}", n, date(*from), date(*to))
        } else {
            format!("on {}", date(*from))
        };
        let _ = writeln!(t, "       {s} -> {d}: {} {cur} ({when})", fmt_amount(*amount));
    }
    if flows.len() > 12 {
        let _ = writeln!(t, "       ... {} more account pairs", flows.len() - 12);
    }
}

/// EVIDENCE: the first proving transfers in time order.
fn evidence(t: &mut String, case: &Case) {
    let n = transfer_count(case);
    let shown = if n > 20 { format!("first 20 of {n}") } else { format!("all {n}") };
    let _ = writeln!(t, "\nEVIDENCE ({shown} proving transfers, in time order; all in lead_evidence.csv)");
    let mut ev: Vec<&EvidenceRow> = case.evidence.iter().collect();
    ev.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then(a.transfer_id.cmp(&b.transfer_id)));
    let mut shown = BTreeSet::new();
    let _ = writeln!(
        t,
        "       {:<21} {:<12} {:<12} {:<12} {:>16} {:<5} {:<15} pattern",
        "time", "transfer", "from", "to", "amount", "cur", "channel"
    );
    for e in ev.into_iter().filter(|e| shown.insert(e.transfer_id.as_str())).take(20) {
        let _ = writeln!(
            t,
            "       {:<21} {:<12} {:<12} {:<12} {:>16} {:<5} {:<15} {}",
            format_time(e.timestamp.0),
            e.transfer_id.as_str(),
            e.src_account.as_str(),
            e.dst_account.as_str(),
            format!("{:.2}", e.amount.0),
            e.currency.as_str(),
            e.channel.as_str(),
            e.pattern
        );
    }
}
