//! goAML (UNODC) suspicious-transaction reports: one XML file per top lead in `goaml/`,
//! ready for the FIU's goAML web upload. Element order follows the goAML XML schema
//! (4.x): report → rentity_id, rentity_branch, submission_code, report_code,
//! entity_reference, submission_date, currency_code_local, reporting_person, location,
//! reason, action, transaction+, report_indicators; transaction → transactionnumber,
//! internal_ref_number, transaction_description, date_transaction, transmode_code,
//! amount_local, t_from, t_to; t_from → from_funds_code, from_foreign_currency,
//! from_account, from_country (t_to likewise). The reporting entity comes from `[goaml]`.
//! The report is a tree of typed structs serialised by quick-xml: the order is the
//! fields' order, and escaping is the serialiser's, not hand-written markup.

use std::path::{Path, PathBuf};

use super::leads_csv::Evidence;
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
        write_atomic(&path, report(lead, g, dump, config, submitted, filing)?.as_bytes())?;
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

/// A goAML `<report>` (the elements this export fills, in the schema's order: serde
/// writes fields in declaration order, and quick-xml escapes the text).
#[derive(Serialize)]
#[serde(rename = "report")]
struct Report<'a> {
    rentity_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rentity_branch: Option<&'a str>,
    submission_code: &'a str,
    report_code: &'a str,
    entity_reference: &'a str,
    submission_date: String,
    currency_code_local: &'a str,
    reporting_person: Person<'a>,
    location: Location<'a>,
    reason: String,
    action: &'a str,
    transaction: Vec<Transaction<'a>>,
    report_indicators: Indicators,
}

#[derive(Serialize)]
struct Person<'a> {
    first_name: &'a str,
    last_name: &'a str,
    email: &'a str,
    occupation: &'a str,
}

#[derive(Serialize)]
struct Location<'a> {
    address_type: &'a str,
    address: &'a str,
    city: &'a str,
    country_code: &'a str,
}

#[derive(Serialize)]
struct Transaction<'a> {
    transactionnumber: &'a str,
    internal_ref_number: &'a str,
    transaction_description: String,
    date_transaction: String,
    transmode_code: &'a str,
    amount_local: String,
    t_from: From<'a>,
    t_to: To<'a>,
}

/// The paying side (`t_from`): goAML names each child after its side.
#[derive(Serialize)]
struct From<'a> {
    from_funds_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_foreign_currency: Option<Foreign<'a>>,
    from_account: Account<'a>,
    from_country: String,
}

/// The paid side (`t_to`).
#[derive(Serialize)]
struct To<'a> {
    to_funds_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_foreign_currency: Option<Foreign<'a>>,
    to_account: Account<'a>,
    to_country: String,
}

#[derive(Serialize)]
struct Foreign<'a> {
    foreign_currency_code: &'a str,
    foreign_amount: String,
    foreign_exchange_rate: String,
}

#[derive(Serialize)]
struct Account<'a> {
    institution_name: String,
    institution_code: String,
    account: &'a str,
    currency_code: &'a str,
}

#[derive(Serialize)]
struct Indicators {
    indicator: Vec<String>,
}

/// One side of a transfer: its account, its foreign-currency block when the transfer is
/// not in the local currency, and its country (ZZ, the ISO 3166 user-assigned code,
/// where the dump gives none).
fn side<'a>(
    g: &FlowGraph,
    dump: &Dump,
    ev: &Evidence<'a>,
    account: usize,
    id: &'a str,
    local: &str,
) -> (Option<Foreign<'a>>, Account<'a>, String) {
    let foreign = (ev.currency != local).then(|| Foreign {
        foreign_currency_code: ev.currency,
        foreign_amount: format!("{:.2}", ev.amount),
        foreign_exchange_rate: format!("{:.6}", ev.amount_base / ev.amount),
    });
    let bank = dump.accounts.bank.get(account).and_then(Clone::clone).unwrap_or_else(|| "unknown".to_owned());
    let acc = Account {
        institution_name: bank.clone(),
        institution_code: bank,
        account: id,
        currency_code: ev.currency,
    };
    let country = g.accounts.country[account].map(|c| c.to_string()).unwrap_or_else(|| "ZZ".into());
    (foreign, acc, country)
}

/// One lead as a goAML `<report>`.
pub fn report(
    lead: &Lead,
    g: &FlowGraph,
    dump: &Dump,
    config: &Config,
    submitted: i64,
    filing: Filing,
) -> Result<String> {
    let c: &GoamlConfig = &config.goaml;
    let local = if c.currency_code_local.is_empty() {
        config.base_currency.as_str()
    } else {
        c.currency_code_local.as_str()
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut transaction = Vec::new();
    for &(e, pattern) in &lead.transfers {
        if seen.len() >= MAX_TRANSACTIONS || !seen.insert(e) {
            continue;
        }
        let ev = Evidence::of(e, g, dump);
        let (s, d) = (g.src[e as usize] as usize, g.dst[e as usize] as usize);
        let (from_foreign, from_account, from_country) = side(g, dump, &ev, s, ev.src, local);
        let (to_foreign, to_account, to_country) = side(g, dump, &ev, d, ev.dst, local);
        transaction.push(Transaction {
            transactionnumber: ev.transfer_id,
            internal_ref_number: &lead.id,
            transaction_description: format!("{pattern} evidence, channel {}", ev.channel),
            date_transaction: date_time(ev.time),
            transmode_code: &c.transmode_code,
            amount_local: format!("{:.2}", ev.amount_base),
            t_from: From {
                from_funds_code: &c.funds_code,
                from_foreign_currency: from_foreign,
                from_account,
                from_country,
            },
            t_to: To {
                to_funds_code: &c.funds_code,
                to_foreign_currency: to_foreign,
                to_account,
                to_country,
            },
        });
    }
    let report = Report {
        rentity_id: &c.rentity_id,
        rentity_branch: (!c.rentity_branch.is_empty()).then_some(c.rentity_branch.as_str()),
        submission_code: &c.submission_code,
        report_code: &c.report_code,
        entity_reference: &lead.id,
        submission_date: date_time(submitted),
        currency_code_local: local,
        reporting_person: Person {
            first_name: &c.reporting_person_first_name,
            last_name: &c.reporting_person_last_name,
            email: &c.reporting_person_email,
            occupation: &c.reporting_person_occupation,
        },
        location: Location {
            address_type: &c.location_address_type,
            address: &c.location_address,
            city: &c.location_city,
            country_code: &c.location_country_code,
        },
        reason: format!(
            "flowhound lead {} (score {:.1}, patterns {}): {}",
            lead.id,
            lead.score,
            crate::pattern::join(&lead.patterns, ", "),
            lead.summary
        ),
        action: &c.action,
        transaction,
        report_indicators: Indicators {
            indicator: lead.patterns.iter().map(|p| format!("FLOWHOUND-{p}")).collect(),
        },
    };
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if filing == Filing::Draft {
        x.push_str("<!-- DRAFT: written as a draft (goaml-draft option); review [goaml] before filing -->\n");
    }
    let mut body = String::new();
    let mut ser = quick_xml::se::Serializer::new(&mut body);
    ser.indent(' ', 2);
    report.serialize(ser).map_err(|e| Error::RunFailed(format!("goAML report of {}: {e}", lead.id)))?;
    x.push_str(&body);
    x.push('\n');
    Ok(x)
}
