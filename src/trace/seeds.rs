//! Reading SEEDS.csv: who to trace from.
//!
//! Columns (header required, any order): `account_id` or `holder_id` (one per row),
//! and optionally `case_id` (rows of one case are traced together), `start` (a timestamp:
//! only money leaving after it is traced) and `amount` (the amount of interest, in the
//! base currency; default: everything the seed accounts paid out in the window).
//! A holder expands to all its accounts and, through entity links, to its controller
//! group.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::graph::FlowGraph;
use crate::ingest::parse;
use crate::model::Dump;

/// One group of seeds traced together.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedGroup {
    /// `case_id`, or `seeds` when the file has none.
    pub case: String,
    /// Seed accounts, sorted.
    pub accounts: Vec<u32>,
    /// Latest `start` of the group's rows (money leaving before it is not traced).
    pub start: Option<i64>,
    /// Sum of the rows' `amount`, when every row gives one.
    pub amount: Option<f64>,
}

/// Reads and resolves SEEDS.csv against the dump.
pub fn read(path: &Path, dump: &Dump, graph: &FlowGraph) -> Result<Vec<SeedGroup>> {
    let bad = |line: usize, msg: String| Error::bad_input(path, format!("line {line}: {msg}"));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::bad_input(path, format!("cannot read: {e}")))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::bad_input(path, format!("cannot read header: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (acc_col, holder_col) = (col("account_id"), col("holder_id"));
    if acc_col.is_none() && holder_col.is_none() {
        return Err(Error::missing_column(path, "account_id (or holder_id)", &header));
    }
    let (case_col, start_col, amount_col) = (col("case_id"), col("start"), col("amount"));
    let mut groups: BTreeMap<String, Rows> = BTreeMap::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| bad(line, e.to_string()))?;
        let cell = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).unwrap_or("");
        let accounts = resolve(dump, graph, cell(acc_col), cell(holder_col)).map_err(|m| bad(line, m))?;
        let case = match cell(case_col) {
            "" => "seeds".to_owned(),
            c => c.to_owned(),
        };
        let start = match cell(start_col) {
            "" => None,
            s => Some(parse::timestamp(s).map_err(|e| bad(line, format!("start: {e}")))?),
        };
        let amount = match cell(amount_col) {
            "" => None,
            a => Some(parse::amount(a).map_err(|e| bad(line, format!("amount: {e}")))?),
        };
        let g = groups.entry(case).or_default();
        g.accounts.extend(accounts);
        g.start = match (g.start, start) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        g.amounts.push(amount);
    }
    if groups.is_empty() {
        return Err(Error::bad_input(path, "no seeds: the file has a header but no rows"));
    }
    Ok(groups
        .into_iter()
        .map(|(case, mut rows)| {
            rows.accounts.sort_unstable();
            rows.accounts.dedup();
            // The group's amount of interest is known only when every row gives one.
            let amount = rows.amounts.iter().copied().sum::<Option<f64>>();
            SeedGroup { case, accounts: rows.accounts, start: rows.start, amount }
        })
        .collect())
}

/// Rows of one case while reading.
#[derive(Default)]
struct Rows {
    accounts: Vec<u32>,
    start: Option<i64>,
    amounts: Vec<Option<f64>>,
}

fn resolve(
    dump: &Dump,
    graph: &FlowGraph,
    account: &str,
    holder: &str,
) -> std::result::Result<Vec<u32>, String> {
    if !account.is_empty() {
        return dump
            .accounts
            .index
            .get(account)
            .map(|&a| vec![a])
            .ok_or_else(|| format!("account `{account}` is not in the dump"));
    }
    if holder.is_empty() {
        return Err("neither account_id nor holder_id given".into());
    }
    let &h = dump.holders.index.get(holder).ok_or_else(|| format!("holder `{holder}` is not in the dump"))?;
    let own: Vec<u32> =
        (0..graph.node_count() as u32).filter(|&a| graph.accounts.holder[a as usize] == h).collect();
    let groups: Vec<u32> = own.iter().map(|&a| graph.accounts.controller[a as usize]).collect();
    let all: Vec<u32> = (0..graph.node_count() as u32)
        .filter(|&a| groups.contains(&graph.accounts.controller[a as usize]))
        .collect();
    if all.is_empty() {
        return Err(format!("holder `{holder}` has no accounts in the dump"));
    }
    Ok(all)
}
