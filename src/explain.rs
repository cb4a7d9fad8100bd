//! `explain`: one lead from an output folder as an investigator would brief it: who,
//! what, when, where, why and how (5W1H), with the transfers that prove it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::Country;
use crate::pattern::Pattern;
use crate::units::fmt_amount;

/// Rows of a CSV file as maps from column to cell, filtered by `keep`.
fn rows(
    path: &Path,
    keep: &dyn Fn(&BTreeMap<String, String>) -> bool,
) -> Result<Vec<BTreeMap<String, String>>> {
    let mut r =
        csv::Reader::from_path(path).map_err(|e| Error::bad_input(path, format!("cannot read: {e}")))?;
    let header: Vec<String> =
        r.headers().map_err(|e| Error::bad_input(path, e.to_string()))?.iter().map(str::to_owned).collect();
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| Error::bad_input(path, e.to_string()))?;
        let row: BTreeMap<String, String> =
            header.iter().cloned().zip(rec.iter().map(str::to_owned)).collect();
        if keep(&row) {
            out.push(row);
        }
    }
    Ok(out)
}

fn get<'a>(row: &'a BTreeMap<String, String>, k: &str) -> &'a str {
    row.get(k).map(String::as_str).unwrap_or("")
}

fn num(row: &BTreeMap<String, String>, k: &str) -> f64 {
    get(row, k).parse().unwrap_or(0.0)
}

/// What a pattern code read from leads.csv means (a code this build does not know, from
/// a newer or older version's output, reads as a bare "pattern").
fn pattern_title(code: &str) -> &'static str {
    code.parse::<Pattern>().map_or("pattern", Pattern::description)
}

/// The narrative for lead `id` of the output folder `out`.
pub fn explain(out: &Path, id: &str, config: &Config) -> Result<String> {
    let leads = rows(&out.join("leads.csv"), &|r| get(r, "lead_id") == id)?;
    let Some(lead) = leads.first() else {
        return Err(Error::Usage(format!("no lead `{id}` in {}", out.join("leads.csv").display())));
    };
    let total_leads = rows(&out.join("leads.csv"), &|_| true)?.len();
    let accounts = rows(&out.join("lead_accounts.csv"), &|r| get(r, "lead_id") == id)?;
    let evidence = rows(&out.join("lead_evidence.csv"), &|r| get(r, "lead_id") == id)?;
    let offshore = config.offshore_set();
    let risky = config.high_risk_set();
    let cur = &config.base_currency;
    let mut t = String::new();

    let patterns: Vec<&str> = get(lead, "patterns").split(';').filter(|p| !p.is_empty()).collect();
    let _ = writeln!(
        t,
        "{id}: {} — score {} (rank {} of {total_leads})",
        patterns.join(" + "),
        get(lead, "score"),
        get(lead, "rank")
    );
    let _ = writeln!(t, "{}", "=".repeat(72));

    // WHO: accounts grouped by role, the biggest first.
    let mut by_role: BTreeMap<String, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    for a in &accounts {
        for role in get(a, "role").split(';') {
            by_role.entry(role.to_owned()).or_default().push(a);
        }
    }
    let holders: BTreeSet<&str> =
        accounts.iter().map(|a| get(a, "holder_id")).filter(|h| !h.is_empty()).collect();
    let _ = writeln!(t, "\nWHO    {} accounts held by {} holders.", accounts.len(), holders.len().max(1));
    for (role, list) in &by_role {
        let mut list = list.clone();
        list.sort_by(|a, b| {
            (num(b, "amount_in") + num(b, "amount_out"))
                .total_cmp(&(num(a, "amount_in") + num(a, "amount_out")))
        });
        let named: Vec<String> = list
            .iter()
            .take(4)
            .map(|a| {
                let country = get(a, "country");
                let holder = get(a, "holder_id");
                let who = if holder.is_empty() { String::new() } else { format!(", holder {holder}") };
                format!(
                    "{} ({}{who}; in {}, out {})",
                    get(a, "account_id"),
                    if country.is_empty() { "?" } else { country },
                    fmt_amount(num(a, "amount_in")),
                    fmt_amount(num(a, "amount_out"))
                )
            })
            .collect();
        let more = if list.len() > 4 { format!(" and {} more", list.len() - 4) } else { String::new() };
        let _ = writeln!(t, "       {role}: {}{more}", named.join("; "));
    }

    // WHAT
    let transfers: BTreeSet<&str> = evidence.iter().map(|e| get(e, "transfer_id")).collect();
    // A chain moves the same money several times, so this is a sum of transfers, not of money.
    let _ = writeln!(
        t,
        "\nWHAT   {} proving transfers totalling {} {cur}.",
        transfers.len(),
        fmt_amount(num(lead, "total_amount_base"))
    );
    for p in &patterns {
        let _ = writeln!(t, "       {p}: {}.", pattern_title(p));
    }

    // WHEN
    let (first, last) = (get(lead, "first_seen"), get(lead, "last_seen"));
    let days = match (crate::ingest::parse::timestamp(first), crate::ingest::parse::timestamp(last)) {
        (Ok(a), Ok(b)) => format!(" ({:.1} days)", (b - a) as f64 / 86_400.0),
        _ => String::new(),
    };
    let _ = writeln!(t, "\nWHEN   {first} to {last}{days}.");

    // WHERE
    let mut countries: BTreeMap<String, usize> = BTreeMap::new();
    for a in &accounts {
        *countries.entry(get(a, "country").to_owned()).or_default() += 1;
    }
    let places: Vec<String> = countries
        .iter()
        .map(|(c, n)| {
            let code = Country::parse(c);
            let tag = match code {
                Some(k) if offshore.contains(&k) => " offshore",
                Some(k) if risky.contains(&k) => " high-risk",
                _ => "",
            };
            format!(
                "{} ({n} account{}{tag})",
                if c.is_empty() { "unknown" } else { c.as_str() },
                if *n == 1 { "" } else { "s" }
            )
        })
        .collect();
    let cross = evidence.iter().filter(|e| get(e, "cross_border") == "yes").count();
    let _ = writeln!(
        t,
        "\nWHERE  {}; {cross} of {} proving transfers cross a border.",
        places.join(", "),
        evidence.len()
    );

    // WHY
    let _ = writeln!(t, "\nWHY");
    for reason in get(lead, "summary").split(" | ") {
        let _ = writeln!(t, "       - {reason}");
    }

    // HOW: the main flows between accounts.
    let mut flows: BTreeMap<(&str, &str), (f64, usize, &str, &str)> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for e in &evidence {
        if !seen.insert(get(e, "transfer_id")) {
            continue;
        }
        let f = flows.entry((get(e, "src_account"), get(e, "dst_account"))).or_insert((
            0.0,
            0,
            get(e, "timestamp"),
            get(e, "timestamp"),
        ));
        f.0 += num(e, "amount_base");
        f.1 += 1;
        f.3 = get(e, "timestamp").max(f.3);
        f.2 = get(e, "timestamp").min(f.2);
    }
    let mut flows: Vec<_> = flows.into_iter().collect();
    flows.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0));
    let _ = writeln!(t, "\nHOW    the money moved (largest flows first):");
    for ((s, d), (amount, n, from, to)) in flows.iter().take(12) {
        let when = if n > &1 {
            format!("{} transfers, {} to {}", n, &from[..10.min(from.len())], &to[..10.min(to.len())])
        } else {
            format!("on {}", &from[..10.min(from.len())])
        };
        let _ = writeln!(t, "       {s} -> {d}: {} {cur} ({when})", fmt_amount(*amount));
    }
    if flows.len() > 12 {
        let _ = writeln!(t, "       ... {} more account pairs", flows.len() - 12);
    }

    // EVIDENCE
    let _ = writeln!(
        t,
        "\nEVIDENCE (first 20 of {} proving transfers, in time order; all in lead_evidence.csv)",
        transfers.len()
    );
    let mut ev: Vec<&BTreeMap<String, String>> = evidence.iter().collect();
    ev.sort_by(|a, b| {
        get(a, "timestamp").cmp(get(b, "timestamp")).then(get(a, "transfer_id").cmp(get(b, "transfer_id")))
    });
    let mut shown = BTreeSet::new();
    let _ = writeln!(
        t,
        "       {:<21} {:<12} {:<12} {:<12} {:>16} {:<5} {:<15} pattern",
        "time", "transfer", "from", "to", "amount", "cur", "channel"
    );
    for e in ev.into_iter().filter(|e| shown.insert(get(e, "transfer_id"))).take(20) {
        let _ = writeln!(
            t,
            "       {:<21} {:<12} {:<12} {:<12} {:>16} {:<5} {:<15} {}",
            get(e, "timestamp"),
            get(e, "transfer_id"),
            get(e, "src_account"),
            get(e, "dst_account"),
            get(e, "amount"),
            get(e, "currency"),
            get(e, "channel"),
            get(e, "pattern")
        );
    }
    Ok(t)
}
