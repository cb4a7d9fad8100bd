//! `report.html`: one self-contained page (inline CSS and SVG, no scripts, no network)
//! with the run summary, the ranked leads, and for each top lead a drawing of its
//! accounts and transfers, its reason, and its evidence.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::leads_csv::Evidence;
use crate::config::Config;
use crate::csv_out::write_atomic;
use crate::detect::{DetectorRun, Role};
use crate::error::Result;
use crate::graph::{FlowGraph, NO_HOLDER};
use crate::leads::{Lead, LeadAccount};
use crate::model::Dump;
use crate::units::fmt_amount;
use crate::units::{format_date, format_time};
use serde::{Deserialize, Serialize};

/// Parameters of the HTML case report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Leads drawn.
    pub top_leads: usize,
    /// Accounts drawn per lead.
    pub max_accounts_drawn: usize,
}

/// Run facts shown at the top of the report.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// Dump analysed.
    pub dump: String,
    /// Reconciliation lines.
    pub reconciliation: Vec<String>,
    /// Missing tables and what they cost.
    pub missing: Vec<String>,
    /// Detector runs.
    pub detectors: Vec<DetectorRun>,
    /// Base currency.
    pub base_currency: String,
}

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1d2330;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 6px;border-top:2px solid #d8dde6;padding-top:14px}h3{font-size:15px;margin:18px 0 6px}
.muted{color:#5a6475}table{border-collapse:collapse;width:100%;margin:8px 0 12px;font-size:13px}th,td{border-bottom:1px solid #e3e7ee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f9;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.tag{display:inline-block;border-radius:3px;padding:0 5px;margin-right:3px;font-size:12px;background:#e8edf6}
.tag.off{background:#fde2e1;color:#8a1c15}.tag.risk{background:#fff0d9;color:#8a5300}.reason{background:#f7f9fc;border-left:3px solid #4a6fa5;padding:8px 12px;margin:8px 0}
svg{background:#fcfdff;border:1px solid #e3e7ee;border-radius:4px;display:block;margin:8px 0}.legend span{margin-right:14px;font-size:12px}.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px;vertical-align:middle}";

fn colour(g: &FlowGraph, a: u32) -> &'static str {
    let i = a as usize;
    if g.accounts.offshore[i] {
        "#c8372d"
    } else if g.accounts.high_risk[i] {
        "#e08a00"
    } else if g.accounts.country[i].is_some() {
        "#2f6db5"
    } else {
        "#7d8796"
    }
}

/// Drawing column of a role: where money comes from, passes through, ends.
fn column(role: Role) -> usize {
    match role {
        Role::Depositor
        | Role::Originator
        | Role::Source
        | Role::Smurf
        | Role::Customer
        | Role::Controller => 0,
        Role::Collector
        | Role::Mule
        | Role::Layer
        | Role::OffshoreLayer
        | Role::Hub
        | Role::Shell
        | Role::Settlement
        | Role::Intermediary
        | Role::Member => 1,
        Role::Payout | Role::Beneficiary | Role::Destination | Role::Target | Role::Payee => 2,
    }
}

fn main_role(a: &LeadAccount) -> Role {
    a.roles.iter().map(|(_, r)| *r).min().unwrap_or(Role::Layer)
}

/// The lead as an SVG: accounts in three columns (sources, intermediaries, destinations),
/// coloured by jurisdiction, arrows with amounts and dates.
pub fn drawing(lead: &Lead, g: &FlowGraph, dump: &Dump, max_nodes: usize) -> String {
    let (cols, hidden) = columns(lead, g, max_nodes);
    let rows = cols.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let h = TOP + rows as f64 * ROW_H + 30.0;
    let pos = positions(&cols, rows);
    let pairs = arrows(lead, g, &pos);
    let max_amount = pairs.values().map(|p| p.0).fold(1.0, f64::max);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="accounts and transfers of {id}"><defs><marker id="arrow-{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b778c"/></marker></defs>"##,
        w = WIDTH,
        id = esc(&lead.id)
    );
    for (t, x) in ["sources", "pass-through", "destinations"].iter().zip(XS) {
        let _ = write!(
            svg,
            r##"<text x="{x}" y="20" text-anchor="middle" font-size="12" fill="#5a6475">{t}</text>"##
        );
    }
    let label_edges = pairs.len() <= 40;
    for (&(s, d), &(amount, first, n)) in &pairs {
        let arrow = Arrow { from: pos[&s], to: pos[&d], amount, first, transfers: n };
        draw_arrow(
            &mut svg,
            &lead.id,
            &dump.accounts.ids[s as usize],
            &dump.accounts.ids[d as usize],
            &arrow,
            max_amount,
            label_edges,
        );
    }
    for a in cols.iter().flatten() {
        draw_account(&mut svg, a, pos[&a.account], g, dump);
    }
    if hidden > 0 {
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#5a6475">+{hidden} more accounts in the table below</text>"##,
            WIDTH - 10.0,
            h - 8.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Width of a drawing, and the x of its three columns (sources, pass-through,
/// destinations).
const WIDTH: f64 = 1040.0;
const XS: [f64; 3] = [150.0, 520.0, 890.0];
/// Height of one row of accounts, and the room above the first.
const ROW_H: f64 = 44.0;
const TOP: f64 = 40.0;

/// The accounts drawn in each column, and how many were left out. The largest accounts
/// are drawn; drawn accounts read top to bottom in time order, so chains of layers
/// follow the money.
fn columns<'l>(lead: &'l Lead, g: &FlowGraph, max_nodes: usize) -> ([Vec<&'l LeadAccount>; 3], usize) {
    let mut cols: [Vec<&LeadAccount>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for a in &lead.accounts {
        cols[column(main_role(a))].push(a);
    }
    let per_col = (max_nodes / 3).max(4);
    let mut hidden = 0;
    let mut first: BTreeMap<u32, u32> = BTreeMap::new();
    for &(e, _) in &lead.transfers {
        for a in [g.src[e as usize], g.dst[e as usize]] {
            first.entry(a).and_modify(|f| *f = (*f).min(e)).or_insert(e);
        }
    }
    for c in &mut cols {
        c.sort_by(|a, b| {
            (b.amount_in + b.amount_out)
                .total_cmp(&(a.amount_in + a.amount_out))
                .then(a.account.cmp(&b.account))
        });
        if c.len() > per_col {
            hidden += c.len() - per_col;
            c.truncate(per_col);
        }
        c.sort_by_key(|a| (first.get(&a.account).copied().unwrap_or(u32::MAX), a.account));
    }
    (cols, hidden)
}

/// Where each drawn account sits: columns centred vertically on the tallest.
fn positions(cols: &[Vec<&LeadAccount>; 3], rows: usize) -> BTreeMap<u32, (f64, f64)> {
    let mut pos: BTreeMap<u32, (f64, f64)> = BTreeMap::new();
    for (ci, c) in cols.iter().enumerate() {
        let offset = (rows - c.len()) as f64 * ROW_H / 2.0;
        for (ri, a) in c.iter().enumerate() {
            pos.insert(a.account, (XS[ci], TOP + offset + ri as f64 * ROW_H + ROW_H / 2.0));
        }
    }
    pos
}

/// One arrow per pair of drawn accounts: total amount, first time, transfer count.
fn arrows(
    lead: &Lead,
    g: &FlowGraph,
    pos: &BTreeMap<u32, (f64, f64)>,
) -> BTreeMap<(u32, u32), (f64, i64, usize)> {
    let mut pairs: BTreeMap<(u32, u32), (f64, i64, usize)> = BTreeMap::new();
    for &(e, _) in &lead.transfers {
        let (s, d) = (g.src[e as usize], g.dst[e as usize]);
        if pos.contains_key(&s) && pos.contains_key(&d) {
            let p = pairs.entry((s, d)).or_insert((0.0, i64::MAX, 0));
            p.0 += g.amount[e as usize];
            p.1 = p.1.min(g.time[e as usize]);
            p.2 += 1;
        }
    }
    pairs
}

/// An arrow between two drawn accounts.
struct Arrow {
    from: (f64, f64),
    to: (f64, f64),
    amount: f64,
    first: i64,
    transfers: usize,
}

fn draw_arrow(
    svg: &mut String,
    lead_id: &str,
    from_id: &str,
    to_id: &str,
    arrow: &Arrow,
    max_amount: f64,
    label: bool,
) {
    let ((x1, y1), (x2, y2)) = (arrow.from, arrow.to);
    let (amount, first, n) = (arrow.amount, arrow.first, arrow.transfers);
    let width = 0.8 + 3.2 * (amount / max_amount).sqrt();
    // Arrows within one column, or backwards, bend so they do not overlap the nodes.
    let (cx, cy) = if (x1 - x2).abs() < 1.0 {
        (x1 + 90.0, (y1 + y2) / 2.0)
    } else if x2 < x1 {
        ((x1 + x2) / 2.0, (y1 + y2) / 2.0 + 60.0)
    } else {
        ((x1 + x2) / 2.0, (y1 + y2) / 2.0)
    };
    let shorten = |x: f64, y: f64, tx: f64, ty: f64| {
        let (dx, dy) = (tx - x, ty - y);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        (x + dx / len * 12.0, y + dy / len * 12.0)
    };
    let (sx, sy) = shorten(x1, y1, cx, cy);
    let (ex, ey) = shorten(x2, y2, cx, cy);
    let _ = write!(
        svg,
        r##"<path d="M{sx:.1},{sy:.1} Q{cx:.1},{cy:.1} {ex:.1},{ey:.1}" fill="none" stroke="#6b778c" stroke-opacity="0.75" stroke-width="{width:.2}" marker-end="url(#arrow-{id})"><title>{from} → {to}: {amt} in {n} transfer(s), first {date}</title></path>"##,
        id = esc(lead_id),
        from = esc(from_id),
        to = esc(to_id),
        amt = fmt_amount(amount),
        date = format_date(first),
    );
    if label {
        let (lx, ly) = ((sx + 2.0 * cx + ex) / 4.0, (sy + 2.0 * cy + ey) / 4.0 - 4.0);
        let times = if n > 1 { format!(" ×{n}") } else { String::new() };
        let _ = write!(
            svg,
            r##"<text x="{lx:.1}" y="{ly:.1}" text-anchor="middle" font-size="10" fill="#39414f" paint-order="stroke" stroke="#fcfdff" stroke-width="3">{} · {}{times}</text>"##,
            fmt_amount(amount),
            format_date(first)
        );
    }
}

fn draw_account(svg: &mut String, a: &LeadAccount, (x, y): (f64, f64), g: &FlowGraph, dump: &Dump) {
    let i = a.account as usize;
    let country = g.accounts.country[i].map(|c| c.to_string()).unwrap_or_else(|| "?".into());
    let roles: Vec<&str> = a.roles.iter().map(|(_, r)| r.as_str()).collect();
    let _ = write!(
        svg,
        r##"<circle cx="{x}" cy="{y}" r="10" fill="{fill}" stroke="#fff" stroke-width="2"><title>{id} ({country}) {roles}: in {inn}, out {out}</title></circle><text x="{x}" y="{ty}" text-anchor="middle" font-size="11" fill="#1d2330">{id} · {country} · {role}</text>"##,
        fill = colour(g, a.account),
        id = esc(&dump.accounts.ids[i]),
        roles = esc(&roles.join(", ")),
        role = esc(roles.first().copied().unwrap_or("")),
        inn = fmt_amount(a.amount_in),
        out = fmt_amount(a.amount_out),
        ty = y + 22.0,
    );
}

/// Writes the report.
pub fn write(
    path: &Path,
    leads: &[Lead],
    g: &FlowGraph,
    dump: &Dump,
    config: &Config,
    run: &RunContext,
) -> Result<()> {
    let cur = esc(&run.base_currency);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>flowhound report: {dump}</title><style>{STYLE}</style></head><body><h1>flowhound case report</h1><p class=\"muted\">Dump <b>{dump}</b> · flowhound {v} · {n} leads · amounts in {cur}</p>",
        dump = esc(&run.dump),
        v = env!("CARGO_PKG_VERSION"),
        n = leads.len()
    );
    h.push_str("<h2>Run</h2><table><tr><th>input</th></tr>");
    for line in run.reconciliation.iter().chain(&run.missing) {
        let _ = write!(h, "<tr><td>{}</td></tr>", esc(line));
    }
    h.push_str("</table><table><tr><th>detector</th><th>pattern</th><th>hits</th><th>notes</th></tr>");
    for d in &run.detectors {
        let notes = d.skipped.clone().map(|s| format!("skipped: {s}")).unwrap_or_else(|| d.notes.join("; "));
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            d.code,
            esc(d.title),
            d.hits,
            esc(&notes)
        );
    }
    h.push_str("</table><h2>Leads</h2><table><tr><th>lead</th><th>score</th><th>patterns</th><th>accounts</th><th>amount</th><th>from</th><th>to</th><th>countries</th></tr>");
    for l in leads.iter().take(200) {
        let _ = write!(
            h,
            "<tr><td><a href=\"#{id}\">{id}</a></td><td class=\"num\">{:.1}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            l.score,
            crate::pattern::join(&l.patterns, ", "),
            l.accounts.len(),
            fmt_amount(l.total_amount),
            format_date(l.first_seen),
            format_date(l.last_seen),
            countries(l, g),
            id = esc(&l.id)
        );
    }
    h.push_str("</table>");
    if leads.len() > 200 {
        let _ = write!(h, "<p class=\"muted\">{} more leads in leads.csv.</p>", leads.len() - 200);
    }
    // The codes the leads use, in words.
    let used: std::collections::BTreeSet<crate::pattern::Pattern> =
        leads.iter().flat_map(|l| l.patterns.iter().copied()).collect();
    if !used.is_empty() {
        h.push_str("<h3>Pattern codes</h3><table><tr><th>code</th><th>what it is</th></tr>");
        for p in used {
            let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", p.code(), esc(p.description()));
        }
        h.push_str("</table>");
    }
    h.push_str("<p class=\"legend\"><span><i class=\"dot\" style=\"background:#2f6db5\"></i>onshore</span><span><i class=\"dot\" style=\"background:#c8372d\"></i>offshore</span><span><i class=\"dot\" style=\"background:#e08a00\"></i>high-risk</span><span><i class=\"dot\" style=\"background:#7d8796\"></i>country unknown</span></p>");
    for l in leads.iter().take(config.report.top_leads) {
        lead_section(&mut h, l, g, dump, config, &cur);
    }
    // Every lead of the table has a section to link to: the rest, folded, with every
    // reason (their drawings and evidence are in explain and the CSV files).
    let rest = leads.iter().take(200).skip(config.report.top_leads);
    for l in rest {
        let _ = write!(
            h,
            "<details id=\"{id}\"><summary>{id} · {} · score {:.1} · {} accounts · {} {cur}</summary><ul>",
            crate::pattern::join(&l.patterns, " + "),
            l.score,
            l.accounts.len(),
            fmt_amount(l.total_amount),
            id = esc(&l.id)
        );
        for hit in &l.hits {
            let _ = write!(h, "<li>{}: {}</li>", hit.pattern, esc(&hit.reason));
        }
        h.push_str("</ul></details>");
    }
    h.push_str("</body></html>\n");
    write_atomic(path, h.as_bytes())
}

fn countries(l: &Lead, g: &FlowGraph) -> String {
    let mut set: Vec<String> = l
        .accounts
        .iter()
        .filter_map(|a| g.accounts.country[a.account as usize])
        .map(|c| {
            let i = l
                .accounts
                .iter()
                .find(|x| g.accounts.country[x.account as usize] == Some(c))
                .map(|x| x.account as usize)
                .unwrap_or(0);
            let class = if g.accounts.offshore[i] {
                " off"
            } else if g.accounts.high_risk[i] {
                " risk"
            } else {
                ""
            };
            format!("<span class=\"tag{class}\">{c}</span>")
        })
        .collect();
    set.sort();
    set.dedup();
    set.join("")
}

fn lead_section(h: &mut String, l: &Lead, g: &FlowGraph, dump: &Dump, config: &Config, cur: &str) {
    let _ = write!(
        h,
        "<h2 id=\"{id}\">{id} · {} · score {:.1}</h2><p class=\"muted\">{} accounts · {} {cur} · {} to {}</p><div class=\"reason\">{}</div>",
        crate::pattern::join(&l.patterns, " + "),
        l.score,
        l.accounts.len(),
        fmt_amount(l.total_amount),
        format_time(l.first_seen),
        format_time(l.last_seen),
        esc(&l.summary).replace(" | ", "<br>"),
        id = esc(&l.id)
    );
    h.push_str(&drawing(l, g, dump, config.report.max_accounts_drawn));
    h.push_str("<h3>Accounts</h3><table><tr><th>account</th><th>holder</th><th>country</th><th>role</th><th>received</th><th>sent</th></tr>");
    let mut accounts: Vec<&LeadAccount> = l.accounts.iter().collect();
    accounts.sort_by(|a, b| {
        (b.amount_in + b.amount_out).total_cmp(&(a.amount_in + a.amount_out)).then(a.account.cmp(&b.account))
    });
    for a in accounts.iter().take(60) {
        let i = a.account as usize;
        let holder = g.accounts.holder[i];
        let holder = if holder == NO_HOLDER {
            String::new()
        } else {
            dump.holders.name[holder as usize]
                .clone()
                .unwrap_or_else(|| dump.holders.ids[holder as usize].clone())
        };
        let roles: Vec<String> = a.roles.iter().map(|(p, r)| format!("{p}:{}", r.as_str())).collect();
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&dump.accounts.ids[i]),
            esc(&holder),
            g.accounts.country[i].map(|c| c.to_string()).unwrap_or_default(),
            esc(&roles.join(", ")),
            fmt_amount(a.amount_in),
            fmt_amount(a.amount_out)
        );
    }
    h.push_str("</table>");
    if accounts.len() > 60 {
        let _ =
            write!(h, "<p class=\"muted\">{} more accounts in lead_accounts.csv.</p>", accounts.len() - 60);
    }
    h.push_str("<h3>Transfers that prove it</h3><table><tr><th>time</th><th>transfer</th><th>from</th><th>to</th><th>amount</th><th>base</th><th>channel</th><th>pattern</th></tr>");
    let mut seen = std::collections::BTreeSet::new();
    let mut shown = 0;
    for &(e, pattern) in &l.transfers {
        if !seen.insert(e) || shown >= 40 {
            continue;
        }
        shown += 1;
        let ev = Evidence::of(e, g, dump);
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{:.2} {}</td><td class=\"num\">{}</td><td>{}</td><td>{pattern}</td></tr>",
            format_time(ev.time),
            esc(ev.transfer_id),
            esc(ev.src),
            esc(ev.dst),
            ev.amount,
            esc(ev.currency),
            fmt_amount(ev.amount_base),
            ev.channel
        );
    }
    h.push_str("</table>");
    if seen.len() < l.transfers.len() || shown >= 40 {
        let _ = write!(
            h,
            "<p class=\"muted\">All {} proving transfers are in lead_evidence.csv.</p>",
            l.transfers.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_defuses_markup() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
