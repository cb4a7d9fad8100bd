//! The HTML of report.html: a view of the leads in plain strings, and an askama
//! template that lays it out. The template escapes every value; only the drawings,
//! which `report::drawing` builds as SVG with its own escaping, go in as markup.

use askama::Template;

/// A country tag of a lead, classed offshore (`off`), high-risk (`risk`) or neither.
pub struct Tag {
    /// ISO code.
    pub code: String,
    /// CSS class suffix.
    pub class: &'static str,
}

/// One row of the leads table.
pub struct LeadLine {
    /// Rank, from 1.
    pub rank: usize,
    /// Lead id (also the anchor of its section).
    pub id: String,
    /// Score, one decimal.
    pub score: String,
    /// The patterns in words.
    pub what: String,
    /// The first reason, shortened.
    pub why: String,
    /// Accounts.
    pub accounts: usize,
    /// Amount, formatted.
    pub amount: String,
    /// First and last dates.
    pub from: String,
    /// Last date.
    pub to: String,
    /// Countries.
    pub countries: Vec<Tag>,
}

/// An account row of a drawn lead.
pub struct AccountLine {
    /// Account id.
    pub id: String,
    /// Holder name (or id).
    pub holder: String,
    /// Country code.
    pub country: String,
    /// `PATTERN:role` list.
    pub roles: String,
    /// Received, formatted.
    pub received: String,
    /// Sent, formatted.
    pub sent: String,
}

/// A proving transfer of a drawn lead.
pub struct TransferLine {
    /// Time.
    pub time: String,
    /// Transfer id.
    pub id: String,
    /// Paying account.
    pub from: String,
    /// Paid account.
    pub to: String,
    /// Amount in its currency.
    pub amount: String,
    /// In the base currency.
    pub base: String,
    /// Channel.
    pub channel: String,
    /// Pattern it proves.
    pub pattern: String,
    /// Memo, if any.
    pub memo: String,
}

/// A top lead's full section.
pub struct Section {
    /// Lead id.
    pub id: String,
    /// Pattern codes joined.
    pub patterns: String,
    /// Score.
    pub score: String,
    /// Accounts.
    pub accounts: usize,
    /// Amount.
    pub amount: String,
    /// First time.
    pub from: String,
    /// Last time.
    pub to: String,
    /// The summary, one line per reason.
    pub reasons: Vec<String>,
    /// The drawing (SVG markup, escaped where it was built).
    pub drawing: String,
    /// The largest accounts.
    pub account_lines: Vec<AccountLine>,
    /// Accounts not listed.
    pub more_accounts: usize,
    /// The first proving transfers.
    pub transfer_lines: Vec<TransferLine>,
    /// All proving transfers, when more than the listed ones.
    pub all_transfers: Option<usize>,
}

/// A lead past the drawn ones: folded, with every reason.
pub struct Folded {
    /// Lead id.
    pub id: String,
    /// Patterns joined.
    pub patterns: String,
    /// Score.
    pub score: String,
    /// Accounts.
    pub accounts: usize,
    /// Amount.
    pub amount: String,
    /// `(pattern, reason)` of every hit.
    pub hits: Vec<(String, String)>,
}

/// A detector's line in the run section.
pub struct DetectorLine {
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Hits.
    pub hits: usize,
    /// Notes, or why it was skipped.
    pub notes: String,
}

/// The whole page.
#[derive(Template)]
#[template(
    ext = "html",
    source = r##"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>flowhound report: {{ dump }}</title><style>{{ style|safe }}</style></head><body>
<h1>flowhound case report</h1><p class="muted">Dump <b>{{ dump }}</b> · flowhound {{ version }} · {{ lead_count }} leads · amounts in {{ currency }}</p>
<h2>Leads</h2><table class="leads"><tr><th>#</th><th>lead</th><th>score</th><th>what</th><th>why (first reason)</th><th>accounts</th><th>amount ({{ currency }})</th><th>when</th><th>countries</th></tr>
{%- for l in lines %}
<tr><td class="num">{{ l.rank }}</td><td><a href="#{{ l.id }}">{{ l.id }}</a></td><td class="num">{{ l.score }}</td><td>{{ l.what }}</td><td class="why">{{ l.why }}</td><td class="num">{{ l.accounts }}</td><td class="num">{{ l.amount }}</td><td class="num">{{ l.from }} – {{ l.to }}</td><td>{% for t in l.countries %}<span class="tag{{ t.class }}">{{ t.code }}</span>{% endfor %}</td></tr>
{%- endfor %}
</table>
{%- if more_leads > 0 %}<p class="muted">{{ more_leads }} more leads in leads.csv.</p>{% endif %}
{%- if !codes.is_empty() %}
<h3>Pattern codes</h3><table><tr><th>code</th><th>what it is</th></tr>
{%- for (code, what) in codes %}<tr><td>{{ code }}</td><td>{{ what }}</td></tr>{% endfor %}
</table>
{%- endif %}
<p class="legend"><span><i class="dot" style="background:#2f6db5"></i>onshore</span><span><i class="dot" style="background:#c8372d"></i>offshore</span><span><i class="dot" style="background:#e08a00"></i>high-risk</span><span><i class="dot" style="background:#7d8796"></i>country unknown</span></p>
{%- for s in sections %}
<h2 id="{{ s.id }}">{{ s.id }} · {{ s.patterns }} · score {{ s.score }}</h2><p class="muted">{{ s.accounts }} accounts · {{ s.amount }} {{ currency }} · {{ s.from }} to {{ s.to }}</p>
<div class="reason">{% for r in s.reasons %}{% if !loop.first %}<br>{% endif %}{{ r }}{% endfor %}</div>
{{ s.drawing|safe }}
<h3>Accounts</h3><table><tr><th>account</th><th>holder</th><th>country</th><th>role</th><th>received</th><th>sent</th></tr>
{%- for a in s.account_lines %}<tr><td>{{ a.id }}</td><td>{{ a.holder }}</td><td>{{ a.country }}</td><td>{{ a.roles }}</td><td class="num">{{ a.received }}</td><td class="num">{{ a.sent }}</td></tr>{% endfor %}
</table>
{%- if s.more_accounts > 0 %}<p class="muted">{{ s.more_accounts }} more accounts in lead_accounts.csv.</p>{% endif %}
<h3>Transfers that prove it</h3><table><tr><th>time</th><th>transfer</th><th>from</th><th>to</th><th>amount</th><th>base</th><th>channel</th><th>pattern</th><th>memo</th></tr>
{%- for t in s.transfer_lines %}<tr><td>{{ t.time }}</td><td>{{ t.id }}</td><td>{{ t.from }}</td><td>{{ t.to }}</td><td class="num">{{ t.amount }}</td><td class="num">{{ t.base }}</td><td>{{ t.channel }}</td><td>{{ t.pattern }}</td><td>{{ t.memo }}</td></tr>{% endfor %}
</table>
{%- if let Some(n) = s.all_transfers %}<p class="muted">All {{ n }} proving transfers are in lead_evidence.csv.</p>{% endif %}
{%- endfor %}
{%- for f in folded %}
<details id="{{ f.id }}"><summary>{{ f.id }} · {{ f.patterns }} · score {{ f.score }} · {{ f.accounts }} accounts · {{ f.amount }} {{ currency }}</summary><ul>
{%- for (pattern, reason) in f.hits %}<li>{{ pattern }}: {{ reason }}</li>{% endfor %}
</ul></details>
{%- endfor %}
<h2>Run</h2><table><tr><th>input</th></tr>
{%- for line in inputs %}<tr><td>{{ line }}</td></tr>{% endfor %}
</table><table><tr><th>detector</th><th>pattern</th><th>hits</th><th>notes</th></tr>
{%- for d in detectors %}<tr><td>{{ d.code }}</td><td>{{ d.title }}</td><td class="num">{{ d.hits }}</td><td>{{ d.notes }}</td></tr>{% endfor %}
</table></body></html>
"##
)]
pub struct ReportPage<'a> {
    /// Dump analysed.
    pub dump: &'a str,
    /// flowhound version.
    pub version: &'static str,
    /// Leads in all.
    pub lead_count: usize,
    /// Base currency.
    pub currency: &'a str,
    /// Inline CSS.
    pub style: &'static str,
    /// The leads table.
    pub lines: Vec<LeadLine>,
    /// Leads past the table.
    pub more_leads: usize,
    /// `(code, description)` of the patterns used.
    pub codes: Vec<(String, &'static str)>,
    /// Drawn leads.
    pub sections: Vec<Section>,
    /// Folded leads.
    pub folded: Vec<Folded>,
    /// Reconciliation and missing-table lines.
    pub inputs: Vec<String>,
    /// Detector lines.
    pub detectors: Vec<DetectorLine>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_escaped_but_the_drawing() {
        let hostile = "<script>alert('x')</script> & \"co\"";
        let page = ReportPage {
            dump: hostile,
            version: "0",
            lead_count: 1,
            currency: "USD",
            style: "",
            lines: vec![LeadLine {
                rank: 1,
                id: "L1".into(),
                score: "1.0".into(),
                what: hostile.into(),
                why: hostile.into(),
                accounts: 2,
                amount: "1".into(),
                from: "a".into(),
                to: "b".into(),
                countries: vec![Tag { code: "KY".into(), class: " off" }],
            }],
            more_leads: 0,
            codes: vec![(crate::pattern::Pattern::Os1.code().to_owned(), "round trip")],
            sections: vec![Section {
                id: "L1".into(),
                patterns: crate::pattern::Pattern::Os1.code().to_owned(),
                score: "1.0".into(),
                accounts: 2,
                amount: "1".into(),
                from: "a".into(),
                to: "b".into(),
                reasons: vec![hostile.into(), "second".into()],
                drawing: "<svg><text>drawn</text></svg>".into(),
                account_lines: vec![],
                more_accounts: 0,
                transfer_lines: vec![],
                all_transfers: Some(7),
            }],
            folded: vec![],
            inputs: vec![hostile.into()],
            detectors: vec![],
        };
        let html = page.render().unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("<svg><text>drawn</text></svg>"), "the drawing is markup");
        assert!(html.contains("<br>second"), "one line per reason");
        assert!(html.contains(r#"<span class="tag off">KY</span>"#));
        assert!(html.contains("All 7 proving transfers"));
    }
}
