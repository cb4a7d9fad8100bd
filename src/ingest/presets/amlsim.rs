//! IBM AMLSim output: `transactions.csv` (tran_id, orig_acct, bene_acct, tx_type,
//! base_amt, tran_timestamp, is_sar or is_fraud, alert_id), `accounts.csv` (acct_id and
//! what else exists of its documented columns: dsply_nm, bank_id, country, open_dt, ...),
//! and the alert files `alert_accounts.csv` (alert_id, alert_type, acct_id, ...) and
//! `alert_transactions.csv` (alert_id, alert_type, tran_id, ...).
//!
//! Mapping: amounts are in one currency (the config's base currency); `tran_timestamp`
//! is ISO 8601, `YYYYMMDD`, or a simulation step counted in days from 2017-01-01
//! (AMLSim's default base date); `tx_type` TRANSFER / WIRE / CREDIT (a credit transfer)
//! become wire, CASH-IN / DEPOSIT cash deposits, CASH-OUT / WITHDRAWAL cash withdrawals.
//! Alerts become the truth, with their `alert_type` as the pattern; without alert files,
//! SAR-flagged transactions do.

use std::collections::HashMap;
use std::path::Path;

use super::{column, derived, need, optional_table, pattern_name, PresetRead, Truth};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::schema::Table;
use crate::ingest::source::{self, RawTable};
use crate::progress::Progress;

/// True when a header is AMLSim's transactions.csv.
pub fn matches(header: &[String]) -> bool {
    let has = |n: &str| header.iter().any(|h| h.eq_ignore_ascii_case(n));
    has("tran_id") && has("orig_acct") && has("bene_acct") && has("base_amt")
}

/// Seconds since 1970 of 2017-01-01, AMLSim's default base date.
const BASE_DATE: i64 = 1_483_228_800;

fn timestamp(text: &str) -> String {
    let t = text.trim();
    if !t.is_empty() && t.len() <= 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        // A simulation step: days from the base date.
        let days: i64 = t.parse().unwrap_or(0);
        return crate::units::format_time(BASE_DATE + days * crate::units::DAY);
    }
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return format!("{}-{}-{}", &t[..4], &t[4..6], &t[6..]);
    }
    t.to_owned()
}

/// The channel of an AMLSim transaction type. AMLSim draws a type per account pair from
/// its `transactionType.csv` (TRANSFER in most parameter sets; WIRE, CREDIT, DEPOSIT and
/// CHECK in others), and every one of them moves money between two of its accounts. A
/// CREDIT is a credit transfer, not a card purchase: read as one, the motifs, which leave
/// card purchases out, lost a fifth of the transfers.
fn channel(tx_type: &str) -> &'static str {
    match tx_type.trim().to_ascii_uppercase().as_str() {
        "TRANSFER" | "WIRE" | "CREDIT" => "wire",
        "CASH-IN" | "CASH_IN" | "DEPOSIT" => "cash_deposit",
        "CASH-OUT" | "CASH_OUT" | "WITHDRAWAL" => "cash_withdrawal",
        "CHECK" | "CHEQUE" => "other",
        "CARD" => "card",
        _ => "other",
    }
}

fn truthy(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "t")
}

/// Reads an AMLSim output folder (or its transactions.csv).
pub fn read(path: &Path, config: &Config, progress: &dyn Progress) -> Result<PresetRead> {
    let dir = if path.is_dir() {
        path.to_owned()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let tx_path = if path.is_dir() { transactions_file(&dir)? } else { path.to_owned() };
    let stage = progress.stage("read AMLSim transactions", None);
    let raw = source::read_table_with(&tx_path, source::TextReading::of(&config.ingest))?;
    stage.finish();
    let (id, orig, bene, amt, ts) = (
        need(&raw, "tran_id")?,
        need(&raw, "orig_acct")?,
        need(&raw, "bene_acct")?,
        need(&raw, "base_amt")?,
        need(&raw, "tran_timestamp")?,
    );
    let tx_type = raw.column("tx_type");
    let n = raw.height();
    let base = config.base_currency.clone();
    let mut tables = vec![(
        Table::Transfers,
        derived(
            &raw,
            vec![
                column("transfer_id", (0..n).map(|r| id.get(r))),
                column("timestamp", (0..n).map(|r| timestamp(ts.get(r)))),
                column("src_account", (0..n).map(|r| orig.get(r))),
                column("dst_account", (0..n).map(|r| bene.get(r))),
                column("amount", (0..n).map(|r| amt.get(r))),
                column("currency", (0..n).map(|_| base.as_str())),
                column("channel", (0..n).map(|r| channel(tx_type.as_ref().map(|c| c.get(r)).unwrap_or("")))),
            ],
        )?,
    )];
    if let Some((_, acc)) =
        optional_table(&dir.join("accounts.csv"), Table::Accounts, source::TextReading::of(&config.ingest))?
    {
        let aid = need(&acc, "acct_id")?;
        let m = acc.height();
        let opt = |name: &str| acc.column(name);
        let (bank, country, open, cust) =
            (opt("bank_id"), opt("country"), opt("open_dt"), opt("cust_id").or_else(|| opt("customer_id")));
        let cell = |c: &Option<source::StrColumn<'_>>, r: usize| {
            c.as_ref().map(|c| c.get(r).to_owned()).unwrap_or_default()
        };
        let accounts = derived(
            &acc,
            vec![
                column("account_id", (0..m).map(|r| aid.get(r))),
                column(
                    "holder_id",
                    (0..m).map(|r| match cell(&cust, r) {
                        h if h.is_empty() => aid.get(r).to_owned(),
                        h => h,
                    }),
                ),
                column("bank_id", (0..m).map(|r| cell(&bank, r))),
                column("country", (0..m).map(|r| cell(&country, r))),
                column(
                    "opened_on",
                    (0..m).map(|r| {
                        let t = timestamp(&cell(&open, r));
                        t.get(..10).unwrap_or("").to_owned()
                    }),
                ),
            ],
        )?;
        tables.push((Table::Accounts, accounts));
    }
    let truth = alerts(&dir, &raw)?;
    Ok(PresetRead { tables, fx: None, truth })
}

/// `transactions.csv` of an AMLSim folder, or its gzipped copy.
pub fn transactions_file(dir: &Path) -> Result<std::path::PathBuf> {
    ["transactions.csv", "transactions.csv.gz"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
        .ok_or_else(|| Error::bad_input(dir, "no transactions.csv or transactions.csv.gz"))
}

/// Truth from the alert files, or from the SAR flags of transactions.csv; `None` when
/// the dataset carries no labels (real data never does).
fn alerts(dir: &Path, tx: &RawTable) -> Result<Option<Truth>> {
    let mut truth = Truth::default();
    let alert_tx = dir.join("alert_transactions.csv");
    let alert_acc = dir.join("alert_accounts.csv");
    if alert_tx.is_file() {
        let raw = source::read_table(&alert_tx)?;
        let (alert, kind, tran) =
            (need(&raw, "alert_id")?, need(&raw, "alert_type")?, need(&raw, "tran_id")?);
        for r in 0..raw.height() {
            truth.transfers.push([
                tran.get(r).to_owned(),
                format!("alert-{}", alert.get(r)),
                pattern_name(kind.get(r)),
            ]);
        }
    } else {
        let id = need(tx, "tran_id")?;
        let Some(sar) = tx.column("is_sar").or_else(|| tx.column("is_fraud")) else {
            return Ok(None);
        };
        let alert = tx.column("alert_id");
        for r in 0..tx.height() {
            if truthy(sar.get(r)) {
                let a = alert.as_ref().map(|c| c.get(r)).unwrap_or("");
                truth.transfers.push([id.get(r).to_owned(), format!("alert-{a}"), "laundering".into()]);
            }
        }
    }
    if alert_acc.is_file() {
        let raw = source::read_table(&alert_acc)?;
        let (alert, kind, acct) =
            (need(&raw, "alert_id")?, need(&raw, "alert_type")?, need(&raw, "acct_id")?);
        for r in 0..raw.height() {
            truth.accounts.push([
                acct.get(r).to_owned(),
                format!("alert-{}", alert.get(r)),
                pattern_name(kind.get(r)),
                "member".into(),
            ]);
        }
    } else {
        // Accounts of the labelled transfers.
        let (id, orig, bene) = (need(tx, "tran_id")?, need(tx, "orig_acct")?, need(tx, "bene_acct")?);
        let row_of: HashMap<&str, usize> = (0..tx.height()).map(|r| (id.get(r), r)).collect();
        let labelled = truth.transfers.clone();
        for [tid, case, pattern] in labelled {
            if let Some(&r) = row_of.get(tid.as_str()) {
                truth.accounts.push([orig.get(r).to_owned(), case.clone(), pattern.clone(), "sender".into()]);
                truth.accounts.push([bene.get(r).to_owned(), case, pattern, "receiver".into()]);
            }
        }
    }
    Ok(Some(truth))
}

#[cfg(test)]
mod tests {
    use super::channel;

    #[test]
    fn every_transaction_type_of_amlsims_parameter_sets_moves_money_between_accounts() {
        // paramFiles/1K: TRANSFER; paramFiles/1M: WIRE, CREDIT, DEPOSIT, CHECK.
        for (tx_type, expected) in [
            ("TRANSFER", "wire"),
            ("WIRE", "wire"),
            ("credit", "wire"),
            (" CREDIT ", "wire"),
            ("DEPOSIT", "cash_deposit"),
            ("CHECK", "other"),
            ("CASH-OUT", "cash_withdrawal"),
            ("", "other"),
        ] {
            assert_eq!(channel(tx_type), expected, "{tx_type:?}");
        }
        // Only a type that says so is a card purchase, which the motifs leave out.
        assert_eq!(channel("CARD"), "card");
    }
}
