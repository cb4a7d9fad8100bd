//! IBM AMLworld: `*_Trans.csv` with header `Timestamp, From Bank, Account, To Bank,
//! Account, Amount Received, Receiving Currency, Amount Paid, Payment Currency, Payment
//! Format, Is Laundering`, and optionally `*_Patterns.txt`, blocks of the same rows
//! between `BEGIN LAUNDERING ATTEMPT - <TYPE>` and `END LAUNDERING ATTEMPT`.
//!
//! Mapping: an account is (bank, account), written `bank:account`; a transfer's id is
//! `L<line>`; the amount is what was paid, in the payment currency; currency names
//! become ISO codes (Bitcoin: XBT); rates come from the dataset's own cross-currency rows
//! (median received / paid per pair); the payment format becomes the channel. `Is
//! Laundering` and the pattern blocks become the truth.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::{column, derived, implied_rates, need, pattern_name, PresetRead, Truth};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::schema::Table;
use crate::ingest::source;
use crate::progress::Progress;

/// Names given to the eleven columns (the header repeats `Account`).
const NAMES: [&str; 11] = [
    "timestamp",
    "from_bank",
    "from_account",
    "to_bank",
    "to_account",
    "amount_received",
    "receiving_currency",
    "amount_paid",
    "payment_currency",
    "payment_format",
    "is_laundering",
];

/// Currency names used by AMLworld and their ISO 4217 codes.
pub const CURRENCIES: [(&str, &str); 15] = [
    ("US Dollar", "USD"),
    ("Euro", "EUR"),
    ("Yuan", "CNY"),
    ("Yen", "JPY"),
    ("UK Pound", "GBP"),
    ("Rupee", "INR"),
    ("Ruble", "RUB"),
    ("Canadian Dollar", "CAD"),
    ("Australian Dollar", "AUD"),
    ("Swiss Franc", "CHF"),
    ("Mexican Peso", "MXN"),
    ("Brazil Real", "BRL"),
    ("Saudi Riyal", "SAR"),
    ("Shekel", "ILS"),
    ("Bitcoin", "XBT"),
];

/// True when a header is AMLworld's.
pub fn matches(header: &[String]) -> bool {
    let h: Vec<String> = header.iter().map(|s| s.to_ascii_lowercase()).collect();
    h.len() >= 10 && h[0] == "timestamp" && h[1] == "from bank" && h[2] == "account" && h[3] == "to bank"
}

/// The `*_Trans.csv` file of a folder.
pub fn find_trans(dir: &Path) -> Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with("_Trans.csv") || n.ends_with("_Trans.csv.gz")
        })
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::bad_input(dir, "no *_Trans.csv file")),
        _ => Err(Error::bad_input(dir, format!("{} *_Trans.csv files; pass one file", found.len()))),
    }
}

fn code(name: &str) -> &str {
    CURRENCIES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name.trim())).map(|(_, c)| *c).unwrap_or(name)
}

fn channel(format: &str) -> &'static str {
    match format.trim().to_ascii_lowercase().as_str() {
        "wire" | "ach" => "wire",
        "credit card" => "card",
        "cash" => "cash_deposit",
        "reinvestment" => "internal",
        _ => "other",
    }
}

/// Reads AMLworld into native transfers, implied rates and truth.
pub fn read(path: &Path, config: &Config, progress: &dyn Progress) -> Result<PresetRead> {
    let trans = if path.is_dir() { find_trans(path)? } else { path.to_owned() };
    let stage = progress.stage("read AMLworld transactions", None);
    let raw = source::read_renamed(
        &trans,
        &|header| {
            // Real data has no label column: ten columns are the same layout without it.
            if (header.len() == 10 || header.len() == 11) && matches(header) {
                Ok(NAMES[..header.len()].iter().map(|s| (*s).to_owned()).collect())
            } else {
                Err(format!("line 1: not an AMLworld *_Trans.csv header: {}", header.join(", ")))
            }
        },
        source::TextReading::of(&config.ingest),
    )?;
    stage.finish();
    let c = |name: &str| need(&raw, name);
    let (ts, fb, fa, tb, ta) =
        (c("timestamp")?, c("from_bank")?, c("from_account")?, c("to_bank")?, c("to_account")?);
    let (ar, rc, ap, pc, pf) = (
        c("amount_received")?,
        c("receiving_currency")?,
        c("amount_paid")?,
        c("payment_currency")?,
        c("payment_format")?,
    );
    // Labels are optional: when present they become the truth.
    let labels = raw.column("is_laundering");
    let n = raw.height();
    let id = |r: usize| format!("L{}", raw.line(r));
    let transfers = derived(
        &raw,
        vec![
            column("transfer_id", (0..n).map(id)),
            column("timestamp", (0..n).map(|r| ts.get(r))),
            column("src_account", (0..n).map(|r| format!("{}:{}", fb.get(r), fa.get(r)))),
            column("dst_account", (0..n).map(|r| format!("{}:{}", tb.get(r), ta.get(r)))),
            column("amount", (0..n).map(|r| ap.get(r))),
            column("currency", (0..n).map(|r| code(pc.get(r)))),
            column("channel", (0..n).map(|r| channel(pf.get(r)))),
        ],
    )?;

    let mut pairs: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for r in 0..n {
        let (p, q) = (code(pc.get(r)), code(rc.get(r)));
        if p == q {
            continue;
        }
        if let (Ok(paid), Ok(received)) = (ap.get(r).parse::<f64>(), ar.get(r).parse::<f64>()) {
            if paid > 0.0 && received > 0.0 {
                let ratios = pairs.entry((p.to_owned(), q.to_owned())).or_default();
                // A few thousand samples per pair fix the median; keep memory flat.
                if ratios.len() < 10_000 {
                    ratios.push(received / paid);
                }
            }
        }
    }
    let fx = implied_rates(config.base(), &pairs);

    let Some(il) = labels else {
        return Ok(PresetRead { tables: vec![(Table::Transfers, transfers)], fx: Some(fx), truth: None });
    };
    let patterns = patterns_file(&trans);
    let blocks = match &patterns {
        Some(p) => read_patterns(p)?,
        None => HashMap::new(),
    };
    let mut truth = Truth::default();
    let key = |r: usize| {
        [
            ts.get(r),
            fb.get(r),
            fa.get(r),
            tb.get(r),
            ta.get(r),
            ar.get(r),
            rc.get(r),
            ap.get(r),
            pc.get(r),
            pf.get(r),
        ]
        .join(",")
    };
    for r in 0..n {
        if il.get(r) != "1" {
            continue;
        }
        let (case, pattern) = blocks
            .get(&key(r))
            .cloned()
            .unwrap_or_else(|| ("AW-unattributed".to_owned(), "laundering".to_owned()));
        let (src, dst) = (format!("{}:{}", fb.get(r), fa.get(r)), format!("{}:{}", tb.get(r), ta.get(r)));
        truth.transfers.push([id(r), case.clone(), pattern.clone()]);
        truth.accounts.push([src, case.clone(), pattern.clone(), "sender".into()]);
        truth.accounts.push([dst, case, pattern, "receiver".into()]);
    }
    Ok(PresetRead { tables: vec![(Table::Transfers, transfers)], fx: Some(fx), truth: Some(truth) })
}

/// `X_Patterns.txt` beside `X_Trans.csv`, when present.
fn patterns_file(trans: &Path) -> Option<PathBuf> {
    let name = trans.file_name()?.to_str()?;
    let stem = name.strip_suffix("_Trans.csv").or_else(|| name.strip_suffix("_Trans.csv.gz"))?;
    let p = trans.with_file_name(format!("{stem}_Patterns.txt"));
    p.is_file().then_some(p)
}

/// Row key (first ten fields) -> (case id, pattern) from a patterns file.
pub fn read_patterns(path: &Path) -> Result<HashMap<String, (String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut map = HashMap::new();
    let mut current: Option<(String, String)> = None;
    let mut attempt = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("BEGIN LAUNDERING ATTEMPT") {
            attempt += 1;
            let kind = rest.trim_start_matches([' ', '-']).split(':').next().unwrap_or("").trim();
            current = Some((format!("AW-{attempt:05}"), pattern_name(kind)));
        } else if line.starts_with("END LAUNDERING ATTEMPT") {
            current = None;
        } else if !line.is_empty() {
            let Some(case) = &current else {
                return Err(Error::bad_input(
                    path,
                    format!("line {}: row outside a LAUNDERING ATTEMPT block", i + 1),
                ));
            };
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() < 10 {
                return Err(Error::bad_input(
                    path,
                    format!("line {}: expected 11 fields, found {}", i + 1, fields.len()),
                ));
            }
            map.insert(fields[..10].join(","), case.clone());
        }
    }
    Ok(map)
}
