//! Trace outputs: `trace_summary.csv`, `trace_holdings.csv`, `trace_paths.csv`,
//! `trace_flows.csv` and `trace_jurisdictions.csv`.

use std::collections::BTreeMap;
use std::path::Path;

use super::rows::{
    Fixed, List, Money, Ratio, Text, TraceFlowRow, TraceHoldingRow, TraceJurisdictionRow, TracePathRow,
    TraceSummaryRow, YesNo,
};
use crate::csv_out::CsvOut;
use crate::error::Result;
use crate::graph::FlowGraph;
use crate::model::Dump;
use crate::trace::engine::amount;
use crate::trace::{Direction, GroupTrace, Rule};

fn money(m: i64) -> Money {
    Fixed(amount(m))
}

fn share(part: i64, whole: i64) -> Ratio {
    Fixed(if whole <= 0 { 0.0 } else { part as f64 / whole as f64 })
}

fn direction(d: Direction) -> Text {
    Text::from(match d {
        Direction::Backward => "backward",
        _ => "forward",
    })
}

/// Ids and places of one run's accounts.
struct Names<'a> {
    g: &'a FlowGraph,
    dump: &'a Dump,
}

impl Names<'_> {
    fn account(&self, a: u32) -> &str {
        self.dump.accounts.ids[a as usize].as_str()
    }
}

/// Held value per (offshore, high-risk, country) of one trace, largest first.
pub fn by_jurisdiction(t: &GroupTrace, g: &FlowGraph) -> Vec<(String, bool, bool, i64)> {
    let mut map: BTreeMap<String, (bool, bool, i64)> = BTreeMap::new();
    for &(a, m, _) in &t.outcome.held {
        let a = a as usize;
        let c = g.accounts.country[a].map(|c| c.to_string()).unwrap_or_else(|| "unknown".into());
        let e = map.entry(c).or_insert((g.accounts.offshore[a], g.accounts.high_risk[a], 0));
        e.2 += m;
    }
    let mut rows: Vec<(String, bool, bool, i64)> =
        map.into_iter().map(|(c, (o, h, m))| (c, o, h, m)).collect();
    rows.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
    rows
}

/// Writes every trace file into `dir`.
pub fn write(dir: &Path, traces: &[GroupTrace], rule: Rule, g: &FlowGraph, dump: &Dump) -> Result<()> {
    let names = Names { g, dump };
    let rule = match rule {
        Rule::Proportional => "proportional",
        Rule::Fifo => "fifo",
        Rule::Lifo => "lifo",
    };
    write_summary(&dir.join("trace_summary.csv"), traces, rule, &names)?;
    write_holdings(&dir.join("trace_holdings.csv"), traces, &names)?;
    write_paths(&dir.join("trace_paths.csv"), traces, &names)?;
    write_flows(&dir.join("trace_flows.csv"), traces, &names)?;
    write_jurisdictions(&dir.join("trace_jurisdictions.csv"), traces, g)
}

const SUMMARY_HEADER: [&str; 12] = [
    "case_id",
    "direction",
    "rule",
    "seeds",
    "seed_value",
    "held",
    "held_offshore",
    "held_high_risk",
    "sunk",
    "dropped_below_threshold",
    "dropped_hop_limit",
    "conserved",
];

fn write_summary(path: &Path, traces: &[GroupTrace], rule: &str, n: &Names<'_>) -> Result<()> {
    let g = n.g;
    let mut out = CsvOut::create(path, &SUMMARY_HEADER)?;
    for t in traces {
        let o = &t.outcome;
        let held_where = |pick: &dyn Fn(usize) -> bool| {
            o.held.iter().filter(|h| pick(h.0 as usize)).map(|h| h.1).sum::<i64>()
        };
        out.record(&TraceSummaryRow {
            case_id: Text(t.case.clone()),
            direction: direction(t.direction),
            rule: rule.into(),
            seeds: List::new(t.seeds.iter().map(|&s| n.account(s).to_owned()).collect()),
            seed_value: money(o.seed_value),
            held: money(o.total_held()),
            held_offshore: money(held_where(&|a| g.accounts.offshore[a])),
            held_high_risk: money(held_where(&|a| g.accounts.high_risk[a])),
            sunk: money(o.sunk),
            dropped_below_threshold: money(o.dropped_small),
            dropped_hop_limit: money(o.dropped_hops),
            conserved: YesNo(o.imbalance() == 0),
        })?;
    }
    out.finish()
}

const HOLDINGS_HEADER: [&str; 10] = [
    "case_id",
    "direction",
    "account_id",
    "holder_id",
    "country",
    "offshore",
    "high_risk",
    "amount",
    "share_of_seed",
    "hops_from_seed",
];

fn write_holdings(path: &Path, traces: &[GroupTrace], n: &Names<'_>) -> Result<()> {
    let g = n.g;
    let mut out = CsvOut::create(path, &HOLDINGS_HEADER)?;
    for t in traces {
        let mut held = t.outcome.held.clone();
        held.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (a, m, hops) in held {
            out.record(&TraceHoldingRow {
                case_id: Text(t.case.clone()),
                direction: direction(t.direction),
                account_id: n.account(a).into(),
                holder_id: super::holder_id(g, n.dump, a).into(),
                country: Text(super::country_code(g, a)),
                offshore: YesNo(g.accounts.offshore[a as usize]),
                high_risk: YesNo(g.accounts.high_risk[a as usize]),
                amount: money(m),
                share_of_seed: share(m, t.outcome.seed_value),
                hops_from_seed: hops,
            })?;
        }
    }
    out.finish()
}

const PATHS_HEADER: [&str; 11] = [
    "case_id",
    "direction",
    "endpoint",
    "rank",
    "amount",
    "share_of_seed",
    "bottleneck",
    "hops",
    "reaches_seed",
    "accounts",
    "transfers",
];

fn write_paths(path: &Path, traces: &[GroupTrace], n: &Names<'_>) -> Result<()> {
    let g = n.g;
    let mut out = CsvOut::create(path, &PATHS_HEADER)?;
    for t in traces {
        for c in &t.chains {
            let mut accounts = vec![n.account(g.src[c.edges[0] as usize])];
            accounts.extend(c.edges.iter().map(|&e| n.account(g.dst[e as usize])));
            let transfers: Vec<&str> =
                c.edges.iter().map(|&e| n.dump.transfers.ids.get(g.row.get(e as usize))).collect();
            out.record(&TracePathRow {
                case_id: Text(t.case.clone()),
                direction: direction(t.direction),
                endpoint: n.account(c.destination).into(),
                rank: c.rank,
                amount: money(c.amount),
                share_of_seed: share(c.amount, t.outcome.seed_value),
                bottleneck: money(c.bottleneck),
                hops: c.edges.len(),
                reaches_seed: YesNo(c.complete),
                accounts: Text(accounts.join(" > ")),
                transfers: Text(transfers.join(" > ")),
            })?;
        }
    }
    out.finish()
}

fn write_flows(path: &Path, traces: &[GroupTrace], n: &Names<'_>) -> Result<()> {
    let g = n.g;
    let mut out =
        CsvOut::create(path, &["case_id", "direction", "src_account", "dst_account", "amount", "transfers"])?;
    for t in traces {
        let mut flows: BTreeMap<(u32, u32), (i64, usize)> = BTreeMap::new();
        for &(e, m) in &t.outcome.edges {
            let f = flows.entry((g.src[e as usize], g.dst[e as usize])).or_insert((0, 0));
            f.0 += m;
            f.1 += 1;
        }
        for ((s, d), (m, count)) in flows {
            out.record(&TraceFlowRow {
                case_id: Text(t.case.clone()),
                direction: direction(t.direction),
                src_account: n.account(s).into(),
                dst_account: n.account(d).into(),
                amount: money(m),
                transfers: count,
            })?;
        }
    }
    out.finish()
}

fn write_jurisdictions(path: &Path, traces: &[GroupTrace], g: &FlowGraph) -> Result<()> {
    let mut out = CsvOut::create(
        path,
        &["case_id", "direction", "country", "offshore", "high_risk", "amount", "share_of_seed"],
    )?;
    for t in traces {
        for (c, off, risk, m) in by_jurisdiction(t, g) {
            out.record(&TraceJurisdictionRow {
                case_id: Text(t.case.clone()),
                direction: direction(t.direction),
                country: Text(c),
                offshore: YesNo(off),
                high_risk: YesNo(risk),
                amount: money(m),
                share_of_seed: share(m, t.outcome.seed_value),
            })?;
        }
    }
    out.finish()
}
