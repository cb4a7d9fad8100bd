//! `trace_report.html`: for every traced case, where the seed money went (or came from)
//! as a flow picture, seeds on one side and holdings by jurisdiction on the other (with
//! cash sunk and value dropped, so that the bands add up to the seed value), then the
//! largest holdings. One self-contained page: inline CSS and SVG, no scripts.

use std::fmt::Write as _;
use std::path::Path;

use askama::Template;

use super::report::esc;
use super::trace_csv::by_jurisdiction;
use crate::csv_out::write_atomic;
use crate::error::Result;
use crate::graph::FlowGraph;
use crate::model::Dump;
use crate::trace::engine::amount;
use crate::trace::{Direction, GroupTrace};
use crate::units::fmt_amount;

const WIDTH: f64 = 1000.0;
const BAND_TOP: f64 = 36.0;
const BAND_HEIGHT: f64 = 300.0;
const GAP: f64 = 8.0;
const BOX_W: f64 = 16.0;
const LEFT_X: f64 = 200.0;
const RIGHT_X: f64 = 580.0;

/// One place the money ended (or came from), with its value in cents.
#[derive(Debug, Clone, PartialEq)]
pub struct Sink {
    /// What it is: a country, "cash out", "dropped".
    pub name: String,
    /// Colour of its band.
    pub colour: &'static str,
    /// Value, cents.
    pub cents: i64,
}

/// Where a trace's seed value went, largest first: holdings by jurisdiction, then cash
/// sunk and value dropped. Their sum is the seed value when the trace conserved it.
pub fn sinks(t: &GroupTrace, g: &FlowGraph) -> Vec<Sink> {
    let mut out: Vec<Sink> = by_jurisdiction(t, g)
        .into_iter()
        .map(|(country, offshore, risk, cents)| Sink {
            name: country,
            colour: if offshore {
                "#c8372d"
            } else if risk {
                "#e08a00"
            } else {
                "#2f6db5"
            },
            cents,
        })
        .collect();
    let o = &t.outcome;
    let (sunk, dropped) = match t.direction {
        Direction::Backward => ("cash paid in", "not followed further"),
        _ => ("cash taken out / sinks", "dropped (small, or past the hop limit)"),
    };
    out.push(Sink { name: sunk.into(), colour: "#7d8796", cents: o.sunk });
    out.push(Sink { name: dropped.into(), colour: "#c3c9d3", cents: o.dropped_small + o.dropped_hops });
    out.retain(|s| s.cents > 0);
    out
}

/// The flow picture of one trace: the seed value on the left, split into bands that end
/// at each place on the right, band height proportional to value.
pub fn sankey(t: &GroupTrace, g: &FlowGraph, currency: &str) -> String {
    let places = sinks(t, g);
    let total: i64 = places.iter().map(|p| p.cents).sum::<i64>().max(1);
    let gaps = GAP * places.len().saturating_sub(1) as f64;
    let scale = BAND_HEIGHT / total as f64;
    let height = BAND_TOP + BAND_HEIGHT + gaps + 30.0;
    let (left, right) = match t.direction {
        Direction::Backward => ("origins", "seeds"),
        _ => ("seeds", "where it is now"),
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-label="flow of {case}"><text x="{lx}" y="20" font-size="12" fill="#5a6475" text-anchor="middle">{left}</text><text x="{rx}" y="20" font-size="12" fill="#5a6475" text-anchor="middle">{right}</text>"##,
        case = esc(&t.case),
        lx = LEFT_X + BOX_W / 2.0,
        rx = RIGHT_X + BOX_W / 2.0,
    );
    // The seed column, one box centred on the right-hand column's height.
    let seed_top = BAND_TOP + gaps / 2.0;
    let seed_value = t.outcome.seed_value;
    let _ = write!(
        svg,
        r##"<rect x="{LEFT_X}" y="{seed_top:.1}" width="{BOX_W}" height="{BAND_HEIGHT}" fill="#39414f"/><text x="{tx}" y="{ty:.1}" font-size="12" text-anchor="end" fill="#1d2330">{n} seed account(s)</text><text x="{tx}" y="{ty2:.1}" font-size="12" text-anchor="end" fill="#1d2330">{v} {cur}</text>"##,
        tx = LEFT_X - 8.0,
        ty = seed_top + BAND_HEIGHT / 2.0 - 4.0,
        ty2 = seed_top + BAND_HEIGHT / 2.0 + 12.0,
        n = t.seeds.len(),
        v = fmt_amount(amount(seed_value)),
        cur = esc(currency),
    );
    let (mut from_y, mut to_y) = (seed_top, BAND_TOP);
    for p in &places {
        let h = p.cents as f64 * scale;
        let (x0, x1) = (LEFT_X + BOX_W, RIGHT_X);
        let mid = (x0 + x1) / 2.0;
        let _ = write!(
            svg,
            r##"<path d="M{x0},{a:.1} C{mid},{a:.1} {mid},{b:.1} {x1},{b:.1} L{x1},{b2:.1} C{mid},{b2:.1} {mid},{a2:.1} {x0},{a2:.1} Z" fill="{c}" fill-opacity="0.35"><title>{name}: {v} {cur}</title></path><rect x="{RIGHT_X}" y="{b:.1}" width="{BOX_W}" height="{h:.1}" fill="{c}"/><text x="{tx}" y="{ty:.1}" font-size="12" fill="#1d2330">{name} · {v} {cur} · {share:.1}%</text>"##,
            a = from_y,
            a2 = from_y + h,
            b = to_y,
            b2 = to_y + h,
            c = p.colour,
            name = esc(&p.name),
            v = fmt_amount(amount(p.cents)),
            cur = esc(currency),
            tx = RIGHT_X + BOX_W + 8.0,
            ty = to_y + h / 2.0 + 4.0,
            share = 100.0 * p.cents as f64 / seed_value.max(1) as f64,
        );
        from_y += h;
        to_y += h + GAP;
    }
    svg.push_str("</svg>");
    svg
}

/// One holding row of the report.
struct Holding {
    account: String,
    holder: String,
    country: String,
    held: String,
    share: String,
    hops: u32,
}

/// One traced case (and direction) of the report.
struct Case {
    title: String,
    seeds: String,
    balance: String,
    conserved: bool,
    picture: String,
    holdings: Vec<Holding>,
    more: usize,
}

/// The page; the template escapes every value but the pictures (SVG built by
/// [`sankey`], which escapes its own text).
#[derive(Template)]
#[template(
    ext = "html",
    source = r##"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>flowhound trace report</title><style>{{ style|safe }}</style></head><body>
<h1>flowhound trace report</h1><p class="muted">{{ cases.len() }} traced case(s) · amounts in {{ currency }}</p>
{%- for c in cases %}
<h2>{{ c.title }}</h2><p class="muted">seeds {{ c.seeds }} · {{ c.balance }}{% if c.conserved %} (conserved to the cent){% else %} (NOT conserved){% endif %}</p>
{{ c.picture|safe }}
<table><tr><th>account</th><th>holder</th><th>country</th><th>held</th><th>share of seed</th><th>hops</th></tr>
{%- for h in c.holdings %}<tr><td>{{ h.account }}</td><td>{{ h.holder }}</td><td>{{ h.country }}</td><td class="num">{{ h.held }}</td><td class="num">{{ h.share }}</td><td class="num">{{ h.hops }}</td></tr>{% endfor %}
</table>
{%- if c.more > 0 %}<p class="muted">{{ c.more }} more holdings in trace_holdings.csv.</p>{% endif %}
{%- endfor %}
</body></html>
"##
)]
struct Page<'a> {
    style: &'static str,
    currency: &'a str,
    cases: Vec<Case>,
}

/// Writes the trace report of `traces`.
pub fn write(path: &Path, traces: &[GroupTrace], g: &FlowGraph, dump: &Dump, currency: &str) -> Result<()> {
    let cases = traces
        .iter()
        .map(|t| {
            let o = &t.outcome;
            let dir = if t.direction == Direction::Backward { "backward" } else { "forward" };
            let seeds: Vec<&str> = t.seeds.iter().map(|&s| dump.accounts.ids[s as usize].as_str()).collect();
            let mut held = o.held.clone();
            held.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let share = |cents: i64| format!("{:.1}%", 100.0 * cents as f64 / o.seed_value.max(1) as f64);
            Case {
                title: format!("{} · {dir}", t.case),
                seeds: seeds.join(", "),
                balance: format!(
                    "seed value {} = held {} + sunk {} + dropped {}",
                    fmt_amount(amount(o.seed_value)),
                    fmt_amount(amount(o.total_held())),
                    fmt_amount(amount(o.sunk)),
                    fmt_amount(amount(o.dropped_small + o.dropped_hops)),
                ),
                conserved: o.imbalance() == 0,
                picture: sankey(t, g, currency),
                holdings: held
                    .iter()
                    .take(25)
                    .map(|&(a, cents, hops)| Holding {
                        account: dump.accounts.ids[a as usize].clone(),
                        holder: super::holder_name(g, dump, a).to_owned(),
                        country: super::country_code(g, a),
                        held: fmt_amount(amount(cents)),
                        share: share(cents),
                        hops,
                    })
                    .collect(),
                more: held.len().saturating_sub(25),
            }
        })
        .collect();
    // One look for both reports: the case report's stylesheet.
    let page = Page { style: super::report::STYLE, currency, cases };
    let html =
        page.render().map_err(|e| crate::error::Error::RunFailed(format!("trace_report.html: {e}")))?;
    write_atomic(path, html.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D};
    use crate::trace::engine::{to_cents, Outcome};

    #[test]
    fn the_bands_add_up_to_the_seed_value() {
        let mut t = Tiny::new();
        t.person("KY1", "KY");
        t.person("US1", "US");
        t.wire("S", "KY1", D, 10.0);
        t.wire("S", "US1", D, 10.0);
        let g = t.graph();
        let ky = t.dump.accounts.index["KY1"];
        let us = t.dump.accounts.index["US1"];
        let outcome = Outcome {
            seed_value: to_cents(1_000.0),
            held: vec![(ky, to_cents(600.0), 1), (us, to_cents(300.0), 1)],
            sunk: to_cents(60.0),
            dropped_small: to_cents(40.0),
            ..Outcome::default()
        };
        let trace = GroupTrace {
            case: "C1".into(),
            direction: Direction::Forward,
            seeds: vec![t.dump.accounts.index["S"]],
            outcome,
            chains: Vec::new(),
        };
        let places = sinks(&trace, &g);
        let names: Vec<&str> = places.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names[..2], ["KY", "US"], "largest holding first");
        assert_eq!(places.iter().map(|p| p.cents).sum::<i64>(), trace.outcome.seed_value);
        let svg = sankey(&trace, &g, "USD");
        assert_eq!(svg.matches("<path").count(), 4, "one band per place");
        assert!(svg.contains("KY · 600 USD · 60.0%"), "{svg}");
    }
}
