//! `report.html`: one self-contained page (inline CSS and SVG, no scripts, no network)
//! with the run summary, the ranked leads, and for each top lead a drawing of its
//! accounts and transfers, its reason, and its evidence.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use super::layout::{lay_out, EdgeIn, Layout, NodeIn};
use super::leads_csv::Evidence;
use super::report_page::{
    AccountLine, DetectorLine, Folded, LeadLine, ReportPage, Section, Tag, TransferLine,
};
use crate::config::Config;
use crate::csv_out::write_atomic;
use crate::detect::DetectorRun;
use crate::error::Result;
use crate::graph::{FlowGraph, NO_HOLDER};
use crate::leads::{Lead, LeadAccount};
use crate::model::Dump;
use crate::units::fmt_amount;
use crate::units::{format_date, format_time};
use askama::Template;
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
    /// Reconciliation lines, then what the tables say of each other
    /// ([`crate::ingest::IngestReport::notes`]).
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

/// The reports' stylesheet (report.html, trace_report.html).
pub(crate) const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1d2330;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 6px;border-top:2px solid #d8dde6;padding-top:14px}h3{font-size:15px;margin:18px 0 6px}
.muted{color:#5a6475}table{border-collapse:collapse;width:100%;margin:8px 0 12px;font-size:13px}th,td{border-bottom:1px solid #e3e7ee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f9;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.tag{display:inline-block;border-radius:3px;padding:0 5px;margin-right:3px;font-size:12px;background:#e8edf6}
.tag.off{background:#fde2e1;color:#8a1c15}.tag.risk{background:#fff0d9;color:#8a5300}.reason{background:#f7f9fc;border-left:3px solid #4a6fa5;padding:8px 12px;margin:8px 0}
table.leads td{font-size:12.5px}td.why{max-width:420px}svg{max-width:100%;height:auto;background:#fcfdff;border:1px solid #e3e7ee;border-radius:4px;display:block;margin:8px 0}.legend span{margin-right:14px;font-size:12px}.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px;vertical-align:middle}";

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

/// The lead as an SVG, laid out by time (see [`super::layout`]): accounts in columns by
/// the step at which money reached them, coloured by jurisdiction; arrows carry the
/// amount and first date. A lead with more than `max_nodes` accounts is drawn as its
/// core (central accounts, then the largest), and the rest is summarised under it.
pub fn drawing(lead: &Lead, g: &FlowGraph, dump: &Dump, max_nodes: usize) -> String {
    let Plan { drawn, hidden, pairs, layout } = plan(lead, g, dump, max_nodes);
    let max_amount = pairs.values().map(|p| p.0).fold(1.0, f64::max);
    let h = layout.height + if hidden.is_empty() { 0.0 } else { 20.0 };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="accounts and transfers of {id}"><defs><marker id="arrow-{id}" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b778c"/></marker></defs>"##,
        w = layout.width,
        id = esc(&lead.id)
    );
    if layout.layers > 1 {
        let xs: BTreeMap<usize, f64> = layout.nodes.iter().map(|n| (n.layer, n.x)).collect();
        for (layer, x) in xs {
            let title = if layer == 0 { "start".to_owned() } else { format!("step {layer}") };
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="20" text-anchor="middle" font-size="12" fill="#5a6475">{title}</text>"##
            );
        }
    }
    for (edge, (&(s, d), &(amount, first, n))) in layout.edges.iter().zip(&pairs) {
        let width = 0.8 + 3.2 * (amount / max_amount).sqrt();
        let _ = write!(
            svg,
            r##"<path d="M{:.1},{:.1} Q{:.1},{:.1} {:.1},{:.1}" fill="none" stroke="#6b778c" stroke-opacity="0.75" stroke-width="{width:.2}" marker-end="url(#arrow-{id})"><title>{from} → {to}: {amt} in {n} transfer(s), first {date}</title></path>"##,
            edge.start.0,
            edge.start.1,
            edge.control.0,
            edge.control.1,
            edge.end.0,
            edge.end.1,
            id = esc(&lead.id),
            from = esc(&dump.accounts.ids[s as usize]),
            to = esc(&dump.accounts.ids[d as usize]),
            amt = fmt_amount(amount),
            date = format_date(first),
        );
    }
    for edge in &layout.edges {
        if let Some((text, (x, y), r)) = &edge.label {
            // A backing box (not a text stroke, which some renderers ignore) keeps the
            // label legible over the arrows it sits beside.
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="2" fill="#fcfdff" fill-opacity="0.9"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#39414f">{}</text>"##,
                r.x0,
                r.y0,
                r.x1 - r.x0,
                r.y1 - r.y0,
                y + 3.5,
                esc(text)
            );
        }
    }
    let by_account: BTreeMap<u32, &LeadAccount> = drawn.iter().map(|a| (a.account, *a)).collect();
    for (node, a) in layout.nodes.iter().filter_map(|n| by_account.get(&n.id).map(|a| (n, *a))) {
        let roles: Vec<&str> = a.roles.iter().map(|(_, r)| r.as_str()).collect();
        let name = super::holder_name(g, dump, a.account);
        let holder = if name.is_empty() { String::new() } else { format!(" ({})", esc(name)) };
        let _ = write!(
            svg,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{fill}" stroke="#fff" stroke-width="2"><title>{id}{holder}: {roles}; received {inn}, sent {out}</title></circle><text x="{x:.1}" y="{ty:.1}" text-anchor="middle" font-size="11" fill="#1d2330">{label}</text>"##,
            x = node.x,
            y = node.y,
            r = super::layout::NODE_RADIUS,
            fill = colour(g, a.account),
            id = esc(&dump.accounts.ids[a.account as usize]),
            roles = esc(&roles.join(", ")),
            inn = fmt_amount(a.amount_in),
            out = fmt_amount(a.amount_out),
            ty = node.label_box.y1 - 2.5,
            label = esc(&node.label),
        );
    }
    if !hidden.is_empty() {
        let moved: f64 = hidden.iter().map(|a| a.amount_in.max(a.amount_out)).sum();
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#5a6475">core of the lead drawn; {} more accounts (moving {}) in the table below</text>"##,
            layout.width - 10.0,
            h - 8.0,
            hidden.len(),
            fmt_amount(moved)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// What a drawing shows: the accounts drawn, one arrow per pair (total amount, first
/// time, transfers), and where everything sits.
struct Plan<'l> {
    drawn: Vec<&'l LeadAccount>,
    /// The lead's accounts left out of a drawing of its core.
    hidden: Vec<&'l LeadAccount>,
    pairs: BTreeMap<(u32, u32), (f64, i64, usize)>,
    layout: Layout,
}

fn plan<'l>(lead: &'l Lead, g: &FlowGraph, dump: &Dump, max_nodes: usize) -> Plan<'l> {
    let drawn = core(lead, max_nodes);
    let keep: BTreeSet<u32> = drawn.iter().map(|a| a.account).collect();
    let hidden = lead.accounts.iter().filter(|a| !keep.contains(&a.account)).collect();
    let pairs = arrows(lead, g, &keep);
    let nodes: Vec<NodeIn> =
        drawn.iter().map(|a| NodeIn { id: a.account, label: account_label(a, g, dump) }).collect();
    let edges: Vec<EdgeIn> = pairs
        .iter()
        .map(|(&(s, d), &(amount, first, n))| {
            let times = if n > 1 { format!(" ×{n}") } else { String::new() };
            EdgeIn {
                from: s,
                to: d,
                first,
                label: format!("{} · {}{times}", fmt_amount(amount), format_date(first)),
            }
        })
        .collect();
    let layout = lay_out(&nodes, &edges);
    Plan { drawn, hidden, pairs, layout }
}

/// An account's label: id, country, first role.
fn account_label(a: &LeadAccount, g: &FlowGraph, dump: &Dump) -> String {
    let i = a.account as usize;
    let country = g.accounts.country[i].map(|c| c.to_string()).unwrap_or_else(|| "?".into());
    let role = a.roles.first().map(|(_, r)| r.as_str()).unwrap_or("");
    format!("{} · {country} · {role}", dump.accounts.ids[i])
}

/// The accounts drawn: all when they fit, else the central ones (hubs, shells, members,
/// ...) and then the largest, `max_nodes` in all.
fn core(lead: &Lead, max_nodes: usize) -> Vec<&LeadAccount> {
    let mut accounts: Vec<&LeadAccount> = lead.accounts.iter().collect();
    if accounts.len() > max_nodes {
        let central = |a: &LeadAccount| a.roles.iter().any(|(_, r)| r.is_central());
        accounts.sort_by(|a, b| {
            central(b)
                .cmp(&central(a))
                .then((b.amount_in + b.amount_out).total_cmp(&(a.amount_in + a.amount_out)))
                .then(a.account.cmp(&b.account))
        });
        accounts.truncate(max_nodes.max(2));
        accounts.sort_by_key(|a| a.account);
    }
    accounts
}

/// One arrow per pair of drawn accounts: total amount, first time, transfer count.
fn arrows(lead: &Lead, g: &FlowGraph, drawn: &BTreeSet<u32>) -> BTreeMap<(u32, u32), (f64, i64, usize)> {
    let mut pairs: BTreeMap<(u32, u32), (f64, i64, usize)> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for &(e, _) in &lead.transfers {
        let (s, d) = (g.src[e as usize], g.dst[e as usize]);
        if seen.insert(e) && drawn.contains(&s) && drawn.contains(&d) {
            let p = pairs.entry((s, d)).or_insert((0.0, i64::MAX, 0));
            p.0 += g.amount[e as usize];
            p.1 = p.1.min(g.time[e as usize]);
            p.2 += 1;
        }
    }
    pairs
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
    let shown = &leads[..leads.len().min(200)];
    let lines = shown
        .iter()
        .enumerate()
        .map(|(rank, l)| LeadLine {
            rank: rank + 1,
            id: l.id.clone(),
            score: format!("{:.1}", l.score),
            what: l.patterns.iter().map(|p| p.title()).collect::<Vec<_>>().join(" + "),
            why: shorten(l.summary.split(" | ").next().unwrap_or(""), 160),
            accounts: l.accounts.len(),
            amount: fmt_amount(l.total_amount),
            from: format_date(l.first_seen),
            to: format_date(l.last_seen),
            countries: countries(l, g),
        })
        .collect();
    // The codes the leads use, in words.
    let used: BTreeSet<crate::pattern::Pattern> =
        leads.iter().flat_map(|l| l.patterns.iter().copied()).collect();
    let top = config.report.top_leads.min(shown.len());
    let page = ReportPage {
        dump: &run.dump,
        version: env!("CARGO_PKG_VERSION"),
        lead_count: leads.len(),
        currency: &run.base_currency,
        style: STYLE,
        lines,
        more_leads: leads.len() - shown.len(),
        codes: used.into_iter().map(|p| (p.code().to_owned(), p.description())).collect(),
        sections: shown[..top].iter().map(|l| section(l, g, dump, config)).collect(),
        // Every lead of the table has a section to link to: the rest, folded, with every
        // reason (their drawings and evidence are in explain and the CSV files).
        folded: shown[top..]
            .iter()
            .map(|l| Folded {
                id: l.id.clone(),
                patterns: crate::pattern::join(&l.patterns, " + "),
                score: format!("{:.1}", l.score),
                accounts: l.accounts.len(),
                amount: fmt_amount(l.total_amount),
                hits: l.hits.iter().map(|h| (h.pattern.to_string(), h.reason.clone())).collect(),
            })
            .collect(),
        inputs: run.reconciliation.iter().chain(&run.missing).cloned().collect(),
        detectors: run
            .detectors
            .iter()
            .map(|d| DetectorLine {
                code: d.code.to_string(),
                title: d.title.to_owned(),
                hits: d.hits,
                notes: d
                    .skipped
                    .clone()
                    .map(|s| format!("skipped: {s}"))
                    .unwrap_or_else(|| d.notes.join("; ")),
            })
            .collect(),
    };
    let html = page.render().map_err(|e| crate::error::Error::RunFailed(format!("report.html: {e}")))?;
    write_atomic(path, html.as_bytes())
}

/// An account id with its holder's name, when known.
fn with_name(id: &str, name: &str) -> String {
    if name.is_empty() {
        id.to_owned()
    } else {
        format!("{id} ({name})")
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

fn countries(l: &Lead, g: &FlowGraph) -> Vec<Tag> {
    let mut tags: BTreeMap<String, &'static str> = BTreeMap::new();
    for a in &l.accounts {
        let i = a.account as usize;
        if let Some(c) = g.accounts.country[i] {
            let class = if g.accounts.offshore[i] {
                " off"
            } else if g.accounts.high_risk[i] {
                " risk"
            } else {
                ""
            };
            tags.entry(c.to_string()).or_insert(class);
        }
    }
    tags.into_iter().map(|(code, class)| Tag { code, class }).collect()
}

/// A drawn lead's section: reasons, drawing, the largest accounts, the first proving
/// transfers.
fn section(l: &Lead, g: &FlowGraph, dump: &Dump, config: &Config) -> Section {
    let mut accounts: Vec<&LeadAccount> = l.accounts.iter().collect();
    accounts.sort_by(|a, b| {
        (b.amount_in + b.amount_out).total_cmp(&(a.amount_in + a.amount_out)).then(a.account.cmp(&b.account))
    });
    let account_lines = accounts
        .iter()
        .take(60)
        .map(|a| {
            let i = a.account as usize;
            let holder = g.accounts.holder[i];
            let holder = if holder == NO_HOLDER {
                String::new()
            } else {
                dump.holders.name[holder as usize]
                    .clone()
                    .unwrap_or_else(|| dump.holders.ids[holder as usize].clone())
            };
            AccountLine {
                id: dump.accounts.ids[i].clone(),
                holder,
                country: g.accounts.country[i].map(|c| c.to_string()).unwrap_or_default(),
                roles: a
                    .roles
                    .iter()
                    .map(|(p, r)| format!("{p}:{}", r.as_str()))
                    .collect::<Vec<_>>()
                    .join(", "),
                received: fmt_amount(a.amount_in),
                sent: fmt_amount(a.amount_out),
            }
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut transfer_lines = Vec::new();
    for &(e, pattern) in &l.transfers {
        if transfer_lines.len() >= 40 || !seen.insert(e) {
            continue;
        }
        let ev = Evidence::of(e, g, dump);
        transfer_lines.push(TransferLine {
            time: format_time(ev.time),
            id: ev.transfer_id.to_owned(),
            from: with_name(ev.src, super::holder_name(g, dump, g.src[e as usize])),
            to: with_name(ev.dst, super::holder_name(g, dump, g.dst[e as usize])),
            amount: format!("{:.2} {}", ev.amount, ev.currency),
            base: fmt_amount(ev.amount_base),
            channel: ev.channel.to_string(),
            pattern: pattern.to_string(),
            memo: ev.memo.to_owned(),
        });
    }
    let distinct: BTreeSet<u32> = l.transfers.iter().map(|t| t.0).collect();
    Section {
        id: l.id.clone(),
        patterns: crate::pattern::join(&l.patterns, " + "),
        score: format!("{:.1}", l.score),
        accounts: l.accounts.len(),
        amount: fmt_amount(l.total_amount),
        from: format_time(l.first_seen),
        to: format_time(l.last_seen),
        reasons: l.summary.split(" | ").map(str::to_owned).collect(),
        drawing: drawing(l, g, dump, config.report.max_accounts_drawn),
        account_lines,
        more_accounts: accounts.len().saturating_sub(60),
        all_transfers: (distinct.len() > transfer_lines.len()).then_some(l.transfers.len()),
        transfer_lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawings_of_generated_leads_have_no_overlapping_labels() {
        use crate::export::layout::Rect;
        let (_dir, loaded) = crate::detect::testkit::generated_world(40_000, 90, 21, None);
        let config = Config::default_config().unwrap();
        let ctx = crate::detect::Context::new(&loaded.graph, &loaded.dump, &config);
        let (hits, _) = crate::detect::run_all(&ctx, &crate::detect::registry(), &crate::progress::Silent);
        let leads = crate::leads::build(&hits, &ctx);
        assert!(leads.len() > 20, "{} leads", leads.len());
        let (mut labels, mut left_out) = (0, 0);
        for lead in &leads {
            let Plan { layout, .. } =
                plan(lead, &loaded.graph, &loaded.dump, config.report.max_accounts_drawn);
            let mut boxes: Vec<Rect> =
                layout.nodes.iter().flat_map(|n| [Rect::around(n.x, n.y, 10.0), n.label_box]).collect();
            for (i, a) in boxes.iter().enumerate() {
                for b in &boxes[i + 1..] {
                    assert!(!a.overlaps(b), "{}: accounts overlap", lead.id);
                }
            }
            let heads: Vec<Rect> = layout.edges.iter().map(|e| Rect::around(e.end.0, e.end.1, 8.0)).collect();
            for e in &layout.edges {
                if let Some((_, _, r)) = &e.label {
                    assert!(
                        !boxes.iter().chain(&heads).any(|b| b.overlaps(r)),
                        "{}: a label overlaps",
                        lead.id
                    );
                    boxes.push(*r);
                    labels += 1;
                }
            }
            left_out += layout.labels_left_out;
        }
        // Most arrows keep their amount and date on the drawing.
        assert!(labels >= 4 * left_out, "{labels} labels drawn, {left_out} left out");
    }

    #[test]
    fn escaping_defuses_markup() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
