//! goAML (UNODC) suspicious-transaction reports: one XML file per top lead in `goaml/`,
//! ready for the FIU's goAML web upload. Element order follows the goAML XML schema
//! (4.x): report → rentity_id, rentity_branch, submission_code, report_code,
//! entity_reference, submission_date, currency_code_local, reporting_person, location,
//! reason, action, transaction+, report_indicators; transaction → transactionnumber,
//! internal_ref_number, transaction_description, date_transaction, transmode_code,
//! amount_local, t_from, t_to; t_from → from_funds_code, from_foreign_currency,
//! from_account, from_country (t_to likewise). The reporting entity comes from `[goaml]`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::leads_csv::Evidence;
use super::report::esc;
use crate::config::Config;
use crate::csv_out::write_atomic;
use crate::error::{Error, Result};
use crate::graph::FlowGraph;
use crate::leads::Lead;
use crate::model::Dump;
use serde::{Deserialize, Serialize};

/// The reporting entity and options of the goAML export.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoamlConfig {
    /// Leads exported.
    pub top_leads: usize,
    /// Reporting entity id, as registered with the FIU.
    pub rentity_id: String,
    /// Reporting entity branch (optional).
    pub rentity_branch: String,
    /// `E` (electronic) or `M` (manual).
    pub submission_code: String,
    /// Report type, e.g. `STR`, `SAR`.
    pub report_code: String,
    /// Local currency (empty: the base currency).
    pub currency_code_local: String,
    /// Reporting person.
    pub reporting_person_first_name: String,
    /// Reporting person.
    pub reporting_person_last_name: String,
    /// Reporting person.
    pub reporting_person_email: String,
    /// Reporting person.
    pub reporting_person_occupation: String,
    /// goAML address type code of the location.
    pub location_address_type: String,
    /// Address of the reporting location.
    pub location_address: String,
    /// City of the reporting location.
    pub location_city: String,
    /// Country code of the reporting location.
    pub location_country_code: String,
    /// goAML transmode code.
    pub transmode_code: String,
    /// goAML funds code.
    pub funds_code: String,
    /// Action taken.
    pub action: String,
}

impl GoamlConfig {
    /// The keys that still hold the values flowhound ships as placeholders: a report
    /// with them would go to the FIU half-filled.
    pub fn placeholders(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.rentity_id == "0000" {
            keys.push("rentity_id");
        }
        if self.reporting_person_email.ends_with("@example.org") {
            keys.push("reporting_person_email");
        }
        if self.location_city == "Unknown" {
            keys.push("location_city");
        }
        keys
    }
}

/// How the goAML export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    /// For submission: refused while `[goaml]` holds placeholders.
    Final,
    /// A draft to review: placeholders allowed, and the report says it is a draft.
    Draft,
}

/// The day of the run (UTC midnight, unix seconds): the submission date. The
/// `SOURCE_DATE_EPOCH` convention fixes it for reproducible files.
pub fn run_day() -> i64 {
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    now - now.rem_euclid(crate::units::DAY)
}

/// Most transactions in one report.
const MAX_TRANSACTIONS: usize = 1000;

fn el(x: &mut String, indent: usize, name: &str, value: &str) {
    let _ = writeln!(x, "{:indent$}<{name}>{}</{name}>", "", esc(value));
}

fn date_time(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Writes one report per top lead into `dir`; returns the files. A final filing is
/// refused, naming the keys, while `[goaml]` holds the shipped placeholders.
pub fn write(
    dir: &Path,
    leads: &[Lead],
    g: &FlowGraph,
    dump: &Dump,
    config: &Config,
    filing: Filing,
) -> Result<Vec<PathBuf>> {
    check(config, filing)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let submitted = run_day();
    let mut files = Vec::new();
    for lead in leads.iter().take(config.goaml.top_leads) {
        let path = dir.join(format!("{}.xml", lead.id));
        write_atomic(&path, report(lead, g, dump, config, submitted, filing).as_bytes())?;
        files.push(path);
    }
    Ok(files)
}

/// Refuses a final filing with placeholders, before any work is done.
pub fn check(config: &Config, filing: Filing) -> Result<()> {
    let missing = config.goaml.placeholders();
    if filing == Filing::Final && !missing.is_empty() {
        return Err(Error::Usage(format!(
            "--goaml: [goaml] {} still hold the shipped placeholders; set your reporting entity in a config file (see `flowhound config`) or pass --goaml-draft",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// One lead as a goAML `<report>`.
pub fn report(
    lead: &Lead,
    g: &FlowGraph,
    dump: &Dump,
    config: &Config,
    submitted: i64,
    filing: Filing,
) -> String {
    let c: &GoamlConfig = &config.goaml;
    let local = if c.currency_code_local.is_empty() {
        config.base_currency.as_str()
    } else {
        c.currency_code_local.as_str()
    };
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if filing == Filing::Draft {
        x.push_str("<!-- DRAFT: written as a draft (goaml-draft option); review [goaml] before filing -->\n");
    }
    x.push_str("<report>\n");
    el(&mut x, 2, "rentity_id", &c.rentity_id);
    if !c.rentity_branch.is_empty() {
        el(&mut x, 2, "rentity_branch", &c.rentity_branch);
    }
    el(&mut x, 2, "submission_code", &c.submission_code);
    el(&mut x, 2, "report_code", &c.report_code);
    el(&mut x, 2, "entity_reference", &lead.id);
    el(&mut x, 2, "submission_date", &date_time(submitted));
    el(&mut x, 2, "currency_code_local", local);
    x.push_str("  <reporting_person>\n");
    el(&mut x, 4, "first_name", &c.reporting_person_first_name);
    el(&mut x, 4, "last_name", &c.reporting_person_last_name);
    el(&mut x, 4, "email", &c.reporting_person_email);
    el(&mut x, 4, "occupation", &c.reporting_person_occupation);
    x.push_str("  </reporting_person>\n  <location>\n");
    el(&mut x, 4, "address_type", &c.location_address_type);
    el(&mut x, 4, "address", &c.location_address);
    el(&mut x, 4, "city", &c.location_city);
    el(&mut x, 4, "country_code", &c.location_country_code);
    x.push_str("  </location>\n");
    el(
        &mut x,
        2,
        "reason",
        &format!(
            "flowhound lead {} (score {:.1}, patterns {}): {}",
            lead.id,
            lead.score,
            crate::pattern::join(&lead.patterns, ", "),
            lead.summary
        ),
    );
    el(&mut x, 2, "action", &c.action);
    let mut seen = std::collections::BTreeSet::new();
    for &(e, pattern) in &lead.transfers {
        if seen.len() >= MAX_TRANSACTIONS || !seen.insert(e) {
            continue;
        }
        let ev = Evidence::of(e, g, dump);
        let (s, d) = (g.src[e as usize] as usize, g.dst[e as usize] as usize);
        x.push_str("  <transaction>\n");
        el(&mut x, 4, "transactionnumber", ev.transfer_id);
        el(&mut x, 4, "internal_ref_number", &lead.id);
        el(&mut x, 4, "transaction_description", &format!("{pattern} evidence, channel {}", ev.channel));
        el(&mut x, 4, "date_transaction", &date_time(ev.time));
        el(&mut x, 4, "transmode_code", &c.transmode_code);
        el(&mut x, 4, "amount_local", &format!("{:.2}", ev.amount_base));
        for (side, account, id) in [("from", s, ev.src), ("to", d, ev.dst)] {
            let _ = writeln!(x, "    <t_{side}>");
            el(&mut x, 6, &format!("{side}_funds_code"), &c.funds_code);
            if ev.currency != local {
                let _ = writeln!(x, "      <{side}_foreign_currency>");
                el(&mut x, 8, "foreign_currency_code", ev.currency);
                el(&mut x, 8, "foreign_amount", &format!("{:.2}", ev.amount));
                el(&mut x, 8, "foreign_exchange_rate", &format!("{:.6}", ev.amount_base / ev.amount));
                let _ = writeln!(x, "      </{side}_foreign_currency>");
            }
            let _ = writeln!(x, "      <{side}_account>");
            let bank = dump
                .accounts
                .bank
                .get(account)
                .and_then(Clone::clone)
                .unwrap_or_else(|| "unknown".to_owned());
            el(&mut x, 8, "institution_name", &bank);
            el(&mut x, 8, "institution_code", &bank);
            el(&mut x, 8, "account", id);
            el(&mut x, 8, "currency_code", ev.currency);
            let _ = writeln!(x, "      </{side}_account>");
            // ZZ: ISO 3166 user-assigned code, used where the dump gives no country.
            let country = g.accounts.country[account].map(|c| c.to_string()).unwrap_or_else(|| "ZZ".into());
            el(&mut x, 6, &format!("{side}_country"), &country);
            let _ = writeln!(x, "    </t_{side}>");
        }
        x.push_str("  </transaction>\n");
    }
    x.push_str("  <report_indicators>\n");
    for p in &lead.patterns {
        el(&mut x, 4, "indicator", &format!("FLOWHOUND-{p}"));
    }
    x.push_str("  </report_indicators>\n</report>\n");
    x
}
