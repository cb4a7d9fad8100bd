//! `leads.csv`, `lead_accounts.csv` and `lead_transfers.csv`.

use std::collections::BTreeSet;
use std::path::Path;

use super::csv_out::CsvOut;
use crate::error::Result;
use crate::graph::{FlowGraph, NO_HOLDER};
use crate::ingest::parse::format_time;
use crate::leads::Lead;
use crate::model::Dump;

/// Header of `leads.csv`.
pub const LEADS_HEADER: [&str; 11] = [
    "lead_id",
    "rank",
    "score",
    "patterns",
    "accounts",
    "holders",
    "countries",
    "total_amount_base",
    "first_seen",
    "last_seen",
    "summary",
];
/// Header of `lead_accounts.csv`.
pub const ACCOUNTS_HEADER: [&str; 7] = [
    "lead_id",
    "account_id",
    "holder_id",
    "country",
    "role",
    "amount_in",
    "amount_out",
];
/// Header of `lead_transfers.csv`.
pub const TRANSFERS_HEADER: [&str; 3] = ["lead_id", "transfer_id", "pattern"];

/// Writes the three lead files into `dir`.
pub fn write(dir: &Path, leads: &[Lead], graph: &FlowGraph, dump: &Dump) -> Result<()> {
    let holder = |v: u32| {
        let h = graph.accounts.holder[v as usize];
        if h == NO_HOLDER {
            ""
        } else {
            dump.holders.ids[h as usize].as_str()
        }
    };
    let country = |v: u32| {
        graph.accounts.country[v as usize]
            .map(|c| c.to_string())
            .unwrap_or_default()
    };

    let mut out = CsvOut::create(&dir.join("leads.csv"), &LEADS_HEADER)?;
    for l in leads {
        let holders: BTreeSet<&str> = l
            .accounts
            .iter()
            .map(|a| holder(a.account))
            .filter(|h| !h.is_empty())
            .collect();
        let countries: BTreeSet<String> = l
            .accounts
            .iter()
            .map(|a| country(a.account))
            .filter(|c| !c.is_empty())
            .collect();
        out.row(&[
            &l.id,
            &l.rank.to_string(),
            &format!("{:.2}", l.score),
            &l.patterns.join(";"),
            &l.accounts.len().to_string(),
            &holders.len().to_string(),
            &countries.into_iter().collect::<Vec<_>>().join(";"),
            &format!("{:.2}", l.total_amount),
            &format_time(l.first_seen),
            &format_time(l.last_seen),
            &l.summary,
        ])?;
    }
    out.finish()?;

    let mut out = CsvOut::create(&dir.join("lead_accounts.csv"), &ACCOUNTS_HEADER)?;
    for l in leads {
        for a in &l.accounts {
            let roles: Vec<String> = a
                .roles
                .iter()
                .map(|(p, r)| format!("{p}:{}", r.as_str()))
                .collect();
            out.row(&[
                &l.id,
                &dump.accounts.ids[a.account as usize],
                holder(a.account),
                &country(a.account),
                &roles.join(";"),
                &format!("{:.2}", a.amount_in),
                &format!("{:.2}", a.amount_out),
            ])?;
        }
    }
    out.finish()?;

    let mut out = CsvOut::create(&dir.join("lead_transfers.csv"), &TRANSFERS_HEADER)?;
    for l in leads {
        for (e, pattern) in &l.transfers {
            out.row(&[
                &l.id,
                dump.transfers.ids.get(graph.row[*e as usize]),
                pattern,
            ])?;
        }
    }
    out.finish()
}
