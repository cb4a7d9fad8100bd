//! `leads.csv`, `lead_accounts.csv`, `lead_transfers.csv`, `lead_hits.csv` and
//! `lead_evidence.csv`, written
//! as the typed rows of [`super::rows`].

use std::collections::BTreeSet;
use std::path::Path;

use rayon::prelude::*;

use super::rows::{
    EvidenceRow, Fixed, LeadAccountRow, LeadHitRow, LeadRow, LeadTransferRow, List, PatternRole, Text, Time,
    YesNo,
};
use crate::csv_out::CsvOut;
use crate::error::Result;
use crate::graph::FlowGraph;
use crate::leads::Lead;
use crate::model::Dump;

/// Header of `leads.csv`.
pub const LEADS_HEADER: [&str; 14] = [
    "lead_id",
    "rank",
    "score",
    "patterns",
    "account_count",
    "holder_count",
    "countries",
    "total_amount_base",
    "gross_amount_base",
    "base_currency",
    "first_seen",
    "last_seen",
    "controllers",
    "summary",
];
/// Header of `lead_accounts.csv`.
pub const ACCOUNTS_HEADER: [&str; 9] = [
    "lead_id",
    "account_id",
    "holder_id",
    "holder_name",
    "country",
    "role",
    "amount_in",
    "amount_out",
    "base_currency",
];
/// Header of `lead_transfers.csv`.
pub const TRANSFERS_HEADER: [&str; 3] = ["lead_id", "transfer_id", "pattern"];
/// Header of `lead_hits.csv`: every hit of a lead, strongest first.
pub const HITS_HEADER: [&str; 8] =
    ["lead_id", "pattern", "strength", "amount_base", "base_currency", "first_seen", "last_seen", "reason"];
/// Header of `lead_evidence.csv`: the proving transfers in full, for reading and filing.
pub const EVIDENCE_HEADER: [&str; 17] = [
    "lead_id",
    "transfer_id",
    "pattern",
    "timestamp",
    "src_account",
    "src_holder_name",
    "dst_account",
    "dst_holder_name",
    "amount",
    "currency",
    "amount_base",
    "base_currency",
    "channel",
    "cross_border",
    "src_country",
    "dst_country",
    "memo",
];

/// Writes the five lead files into `dir`: leads.csv, lead_accounts.csv,
/// lead_transfers.csv, lead_hits.csv and lead_evidence.csv.
/// `base` names the base currency every `*_base` and account amount is in.
pub fn write(dir: &Path, leads: &[Lead], graph: &FlowGraph, dump: &Dump, base: &str) -> Result<()> {
    let proving = Proving::of(leads, graph, dump);
    let files = LeadFiles { dir, leads, graph, dump, base, proving };
    // Side by side, a file per task: each reads only the leads, and one after another
    // they were the 10M dump's export stage on one thread. A failure is reported for the
    // first file in this order that failed.
    let written: Vec<Result<()>> = (0..5)
        .into_par_iter()
        .map(|file| match file {
            0 => files.leads(),
            1 => files.accounts(),
            2 => files.transfers(),
            3 => files.hits(),
            _ => files.evidence(),
        })
        .collect();
    written.into_iter().collect()
}

/// What the lead files are written from.
struct LeadFiles<'a> {
    dir: &'a Path,
    leads: &'a [Lead],
    graph: &'a FlowGraph,
    dump: &'a Dump,
    /// The base currency's code.
    base: &'a str,
    /// The leads' proving transfers, resolved.
    proving: Proving<'a>,
}

/// Every proving transfer of the leads resolved once, in the graph's order. The graph's
/// columns are in time order, so the reads go front to back, once for a transfer that
/// several leads share. Lead by lead, they landed all over the dump's columns: under
/// `--spill`, with the columns paged out, each read was a page fault of its own (the
/// 10M dump's export took 170 s in 1,000 MB).
struct Proving<'a> {
    /// Per transfer, in the graph's order.
    resolved: Vec<Resolved<'a>>,
    /// For each proving transfer of each lead, in lead order, its place in `resolved`.
    place: Vec<u32>,
}

/// One proving transfer: its evidence, and its sender's and receiver's nodes (for their
/// holders' names and countries).
struct Resolved<'a> {
    evidence: Evidence<'a>,
    src: u32,
    dst: u32,
}

impl<'a> Proving<'a> {
    fn of(leads: &[Lead], graph: &FlowGraph, dump: &'a Dump) -> Proving<'a> {
        let listed: Vec<u32> = leads.iter().flat_map(|l| l.transfers.iter().map(|&(e, _)| e)).collect();
        let mut by_edge: Vec<u32> = (0..listed.len() as u32).collect();
        by_edge.par_sort_unstable_by_key(|&k| listed[k as usize]);
        let mut place = vec![0u32; listed.len()];
        let mut edges: Vec<u32> = Vec::new();
        for &k in &by_edge {
            let e = listed[k as usize];
            if edges.last() != Some(&e) {
                edges.push(e);
            }
            place[k as usize] = (edges.len() - 1) as u32;
        }
        let resolved = edges
            .par_iter()
            .map(|&e| Resolved {
                evidence: Evidence::of(e, graph, dump),
                src: graph.src[e as usize],
                dst: graph.dst[e as usize],
            })
            .collect();
        Proving { resolved, place }
    }

    /// The proving transfers of `leads` (those it was made of), each with its pattern,
    /// resolved, in lead order.
    fn each<'s>(
        &'s self,
        leads: &'s [Lead],
    ) -> impl Iterator<Item = (&'s Lead, crate::pattern::Pattern, &'s Resolved<'a>)> + 's {
        leads
            .iter()
            .flat_map(|l| l.transfers.iter().map(move |&(_, pattern)| (l, pattern)))
            .zip(&self.place)
            .map(|((l, pattern), &k)| (l, pattern, &self.resolved[k as usize]))
    }
}

impl LeadFiles<'_> {
    fn base_currency(&self) -> Text {
        Text(self.base.to_owned())
    }

    fn holder(&self, v: u32) -> &str {
        super::holder_id(self.graph, self.dump, v)
    }

    fn country(&self, v: u32) -> String {
        super::country_code(self.graph, v)
    }

    /// leads.csv: a row per lead.
    fn leads(&self) -> Result<()> {
        let mut out = CsvOut::create(&self.dir.join("leads.csv"), &LEADS_HEADER)?;
        for l in self.leads {
            let holders: BTreeSet<&str> =
                l.accounts.iter().map(|a| self.holder(a.account)).filter(|h| !h.is_empty()).collect();
            let countries: BTreeSet<String> =
                l.accounts.iter().map(|a| self.country(a.account)).filter(|c| !c.is_empty()).collect();
            out.record(&LeadRow {
                lead_id: Text(l.id.clone()),
                rank: l.rank,
                score: Fixed(l.score),
                patterns: List::new(l.patterns.clone()),
                account_count: l.accounts.len(),
                holder_count: holders.len(),
                countries: List::new(countries.into_iter().collect()),
                total_amount_base: Fixed(l.total_amount),
                gross_amount_base: Fixed(l.gross_amount),
                base_currency: self.base_currency(),
                first_seen: Time(l.first_seen),
                last_seen: Time(l.last_seen),
                controllers: List::new(l.controllers.clone()),
                summary: Text(l.summary.clone()),
            })?;
        }
        out.finish()
    }

    /// lead_accounts.csv: a row per account of each lead.
    fn accounts(&self) -> Result<()> {
        let (graph, dump) = (self.graph, self.dump);
        let mut out = CsvOut::create(&self.dir.join("lead_accounts.csv"), &ACCOUNTS_HEADER)?;
        for l in self.leads {
            for a in &l.accounts {
                let roles =
                    a.roles.iter().map(|&(pattern, r)| PatternRole { pattern, role: r.as_str().to_owned() });
                out.record(&LeadAccountRow {
                    lead_id: Text(l.id.clone()),
                    account_id: Text(dump.accounts.ids[a.account as usize].clone()),
                    holder_id: self.holder(a.account).into(),
                    holder_name: super::holder_name(graph, dump, a.account).into(),
                    country: Text(self.country(a.account)),
                    role: List::new(roles.collect()),
                    amount_in: Fixed(a.amount_in),
                    amount_out: Fixed(a.amount_out),
                    base_currency: self.base_currency(),
                })?;
            }
        }
        out.finish()
    }

    /// lead_transfers.csv: a row per proving transfer of each lead.
    fn transfers(&self) -> Result<()> {
        let mut out = CsvOut::create(&self.dir.join("lead_transfers.csv"), &TRANSFERS_HEADER)?;
        for (l, pattern, Resolved { evidence: ev, .. }) in self.proving.each(self.leads) {
            out.record(&LeadTransferRow {
                lead_id: Text(l.id.clone()),
                transfer_id: ev.transfer_id.into(),
                pattern,
            })?;
        }
        out.finish()
    }

    /// lead_hits.csv: a row per hit of each lead.
    fn hits(&self) -> Result<()> {
        let mut out = CsvOut::create(&self.dir.join("lead_hits.csv"), &HITS_HEADER)?;
        for l in self.leads {
            for h in &l.hits {
                out.record(&LeadHitRow {
                    lead_id: Text(l.id.clone()),
                    pattern: h.pattern,
                    strength: Fixed(h.strength),
                    amount_base: Fixed(h.amount),
                    base_currency: self.base_currency(),
                    first_seen: Time(h.first_seen),
                    last_seen: Time(h.last_seen),
                    reason: Text(h.reason.clone()),
                })?;
            }
        }
        out.finish()
    }

    /// lead_evidence.csv: each proving transfer of each lead, resolved to ids, names,
    /// amounts and countries.
    fn evidence(&self) -> Result<()> {
        let (graph, dump) = (self.graph, self.dump);
        let mut out = CsvOut::create(&self.dir.join("lead_evidence.csv"), &EVIDENCE_HEADER)?;
        for (l, pattern, Resolved { evidence: ev, src, dst }) in self.proving.each(self.leads) {
            out.record(&EvidenceRow {
                lead_id: Text(l.id.clone()),
                transfer_id: ev.transfer_id.into(),
                pattern,
                timestamp: Time(ev.time),
                src_account: ev.src.into(),
                src_holder_name: super::holder_name(graph, dump, *src).into(),
                dst_account: ev.dst.into(),
                dst_holder_name: super::holder_name(graph, dump, *dst).into(),
                amount: Fixed(ev.amount),
                currency: ev.currency.into(),
                amount_base: Fixed(ev.amount_base),
                base_currency: self.base_currency(),
                channel: ev.channel.into(),
                cross_border: YesNo(ev.cross_border),
                src_country: Text(self.country(*src)),
                dst_country: Text(self.country(*dst)),
                memo: ev.memo.into(),
            })?;
        }
        out.finish()
    }
}

/// One proving transfer, resolved to ids and original amounts.
pub struct Evidence<'a> {
    /// Transfer id.
    pub transfer_id: &'a str,
    /// Unix seconds.
    pub time: i64,
    /// Sender account id.
    pub src: &'a str,
    /// Receiver account id.
    pub dst: &'a str,
    /// Amount in its own currency.
    pub amount: f64,
    /// Its currency.
    pub currency: &'a str,
    /// Amount in the base currency.
    pub amount_base: f64,
    /// Channel.
    pub channel: &'static str,
    /// Sender and receiver countries known and different.
    pub cross_border: bool,
    /// The transfer's memo, or `""`.
    pub memo: &'a str,
}

impl<'a> Evidence<'a> {
    /// Resolves edge `e`.
    pub fn of(e: u32, graph: &FlowGraph, dump: &'a Dump) -> Evidence<'a> {
        let ei = e as usize;
        let row = graph.row.get(ei) as usize;
        let (s, d) = (graph.src[ei] as usize, graph.dst[ei] as usize);
        let c = &graph.accounts.country;
        Evidence {
            transfer_id: dump.transfers.ids.get(row as u32),
            time: graph.time[ei],
            src: &dump.accounts.ids[s],
            dst: &dump.accounts.ids[d],
            amount: dump.transfers.amount[row],
            currency: dump
                .currencies
                .get(dump.transfers.currency[row] as usize)
                .map(|c| c.as_str())
                .unwrap_or("?"),
            amount_base: graph.amount[ei],
            channel: graph.channel[ei].as_str(),
            cross_border: matches!((c[s], c[d]), (Some(a), Some(b)) if a != b),
            memo: dump.transfers.memos.get(row as u32),
        }
    }
}
