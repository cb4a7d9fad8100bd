//! Trace outputs: `trace_summary.csv`, `trace_holdings.csv`, `trace_paths.csv`,
//! `trace_flows.csv` and `trace_jurisdictions.csv`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::csv_out::CsvOut;
use crate::error::Result;
use crate::graph::FlowGraph;
use crate::model::Dump;
use crate::trace::engine::amount;
use crate::trace::{Direction, GroupTrace, Rule};

fn money(m: i64) -> String {
    format!("{:.2}", amount(m))
}

fn share(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "0.0000".into()
    } else {
        format!("{:.4}", part as f64 / whole as f64)
    }
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Backward => "backward",
        _ => "forward",
    }
}

fn flag(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
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
    let account = |a: u32| dump.accounts.ids[a as usize].as_str();
    let holder = |a: u32| super::holder_id(g, dump, a);
    let country = |a: u32| super::country_code(g, a);
    let rule = match rule {
        Rule::Proportional => "proportional",
        Rule::Fifo => "fifo",
        Rule::Lifo => "lifo",
    };

    let mut out = CsvOut::create(
        &dir.join("trace_summary.csv"),
        &[
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
        ],
    )?;
    for t in traces {
        let o = &t.outcome;
        let held_where = |pick: &dyn Fn(usize) -> bool| {
            o.held.iter().filter(|h| pick(h.0 as usize)).map(|h| h.1).sum::<i64>()
        };
        let seeds: Vec<&str> = t.seeds.iter().map(|&s| account(s)).collect();
        out.row(&[
            &t.case,
            direction(t.direction),
            rule,
            &seeds.join(";"),
            &money(o.seed_value),
            &money(o.total_held()),
            &money(held_where(&|a| g.accounts.offshore[a])),
            &money(held_where(&|a| g.accounts.high_risk[a])),
            &money(o.sunk),
            &money(o.dropped_small),
            &money(o.dropped_hops),
            flag(o.imbalance() == 0),
        ])?;
    }
    out.finish()?;

    let mut out = CsvOut::create(
        &dir.join("trace_holdings.csv"),
        &[
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
        ],
    )?;
    for t in traces {
        let mut held = t.outcome.held.clone();
        held.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (a, m, hops) in held {
            out.row(&[
                &t.case,
                direction(t.direction),
                account(a),
                holder(a),
                &country(a),
                flag(g.accounts.offshore[a as usize]),
                flag(g.accounts.high_risk[a as usize]),
                &money(m),
                &share(m, t.outcome.seed_value),
                &hops.to_string(),
            ])?;
        }
    }
    out.finish()?;

    let mut out = CsvOut::create(
        &dir.join("trace_paths.csv"),
        &[
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
        ],
    )?;
    for t in traces {
        for c in &t.chains {
            let mut accounts = vec![account(g.src[c.edges[0] as usize])];
            accounts.extend(c.edges.iter().map(|&e| account(g.dst[e as usize])));
            let transfers: Vec<&str> =
                c.edges.iter().map(|&e| dump.transfers.ids.get(g.row[e as usize])).collect();
            out.row(&[
                &t.case,
                direction(t.direction),
                account(c.destination),
                &c.rank.to_string(),
                &money(c.amount),
                &share(c.amount, t.outcome.seed_value),
                &money(c.bottleneck),
                &c.edges.len().to_string(),
                flag(c.complete),
                &accounts.join(" > "),
                &transfers.join(" > "),
            ])?;
        }
    }
    out.finish()?;

    let mut out = CsvOut::create(
        &dir.join("trace_flows.csv"),
        &["case_id", "direction", "src_account", "dst_account", "amount", "transfers"],
    )?;
    for t in traces {
        let mut flows: BTreeMap<(u32, u32), (i64, usize)> = BTreeMap::new();
        for &(e, m) in &t.outcome.edges {
            let f = flows.entry((g.src[e as usize], g.dst[e as usize])).or_insert((0, 0));
            f.0 += m;
            f.1 += 1;
        }
        for ((s, d), (m, n)) in flows {
            out.row(&[&t.case, direction(t.direction), account(s), account(d), &money(m), &n.to_string()])?;
        }
    }
    out.finish()?;

    let mut out = CsvOut::create(
        &dir.join("trace_jurisdictions.csv"),
        &["case_id", "direction", "country", "offshore", "high_risk", "amount", "share_of_seed"],
    )?;
    for t in traces {
        for (c, off, risk, m) in by_jurisdiction(t, g) {
            out.row(&[
                &t.case,
                direction(t.direction),
                &c,
                flag(off),
                flag(risk),
                &money(m),
                &share(m, t.outcome.seed_value),
            ])?;
        }
    }
    out.finish()
}
