//! Validation of the reference tables: entities, accounts, entity links and fx rates.

use super::fx::FxTable;
use super::parse;
use super::rejects::Reject;
use super::source::{RawTable, StrColumn};
use crate::model::{AccountTable, Country, Currency, EntityLink, HolderKind, HolderTable, Relation};
use rustc_hash::FxHashMap;

/// The cell of an optional column; `""` when the column is absent.
fn cell<'a>(col: &Option<StrColumn<'a>>, row: usize) -> &'a str {
    col.as_ref().map(|c| c.get(row)).unwrap_or("")
}

/// A non-empty cell as owned text.
fn text(col: &Option<StrColumn<'_>>, row: usize) -> Option<String> {
    Some(cell(col, row)).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// An optional country: empty is `None`, anything but two letters is an error.
fn country(text: &str) -> Result<Option<Country>, &'static str> {
    match (text.is_empty(), Country::parse(text)) {
        (true, _) => Ok(None),
        (false, Some(c)) => Ok(Some(c)),
        (false, None) => Err("not a 2-letter ISO 3166-1 code"),
    }
}

/// An optional date: empty is `None`.
fn date(text: &str) -> Result<Option<i64>, &'static str> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse::date(text).map(Some)
    }
}

/// Reads `entities` into `holders`; returns the rejects.
pub fn entities(raw: &RawTable, holders: &mut HolderTable) -> Vec<Reject> {
    let mut rejects = Vec::new();
    let (Some(id), Some(kind)) = (raw.column("entity_id"), raw.column("kind")) else {
        return rejects;
    };
    let name = raw.column("name");
    let juris = raw.column("jurisdiction");
    let inc = raw.column("incorporated_on");
    let addr = raw.column("registered_address");
    let licence = raw.column("licence");
    let mut first_line = FxHashMap::with_capacity_and_hasher(raw.height(), Default::default());
    for row in 0..raw.height() {
        let line = raw.line(row);
        let reject =
            |field: &str, reason: String, value: &str| Reject::new(&raw.file, line, field, reason, value);
        let eid = id.get(row);
        if eid.is_empty() {
            rejects.push(reject("entity_id", "empty entity_id".into(), ""));
            continue;
        }
        if let Some(first) = first_line.get(eid) {
            rejects.push(reject("entity_id", format!("duplicate entity_id (first on line {first})"), eid));
            continue;
        }
        let Some(k) = HolderKind::parse(kind.get(row)) else {
            rejects.push(reject("kind", "kind must be person or company".into(), kind.get(row)));
            continue;
        };
        let j = cell(&juris, row);
        let jurisdiction = match country(j) {
            Ok(c) => c,
            Err(e) => {
                rejects.push(reject("jurisdiction", e.into(), j));
                continue;
            }
        };
        let d = cell(&inc, row);
        let incorporated = match date(d) {
            Ok(v) => v,
            Err(e) => {
                rejects.push(reject("incorporated_on", e.into(), d));
                continue;
            }
        };
        first_line.insert(eid, line);
        let h = holders.intern(eid) as usize;
        holders.kind[h] = k;
        holders.jurisdiction[h] = jurisdiction;
        holders.incorporated_on[h] = incorporated;
        holders.name[h] = text(&name, row);
        holders.address[h] = text(&addr, row);
        holders.licence[h] = text(&licence, row);
    }
    rejects
}

/// Reads `accounts` into `accounts` (and new holders into `holders`); returns the rejects.
pub fn accounts(raw: &RawTable, accounts: &mut AccountTable, holders: &mut HolderTable) -> Vec<Reject> {
    let mut rejects = Vec::new();
    let Some(id) = raw.column("account_id") else {
        return rejects;
    };
    let holder = raw.column("holder_id");
    let bank = raw.column("bank_id");
    let country_col = raw.column("country");
    let opened = raw.column("opened_on");
    let mut first_line = FxHashMap::with_capacity_and_hasher(raw.height(), Default::default());
    for row in 0..raw.height() {
        let line = raw.line(row);
        let reject =
            |field: &str, reason: String, value: &str| Reject::new(&raw.file, line, field, reason, value);
        let aid = id.get(row);
        if aid.is_empty() {
            rejects.push(reject("account_id", "empty account_id".into(), ""));
            continue;
        }
        if let Some(first) = first_line.get(aid) {
            rejects.push(reject("account_id", format!("duplicate account_id (first on line {first})"), aid));
            continue;
        }
        let c = cell(&country_col, row);
        let parsed_country = match country(c) {
            Ok(v) => v,
            Err(e) => {
                rejects.push(reject("country", e.into(), c));
                continue;
            }
        };
        let o = cell(&opened, row);
        let opened_on = match date(o) {
            Ok(v) => v,
            Err(e) => {
                rejects.push(reject("opened_on", e.into(), o));
                continue;
            }
        };
        first_line.insert(aid, line);
        let a = accounts.intern(aid) as usize;
        accounts.listed[a] = true;
        accounts.country[a] = parsed_country;
        accounts.opened_on[a] = opened_on;
        accounts.bank[a] = text(&bank, row);
        let h = cell(&holder, row);
        if !h.is_empty() {
            accounts.holder[a] = Some(holders.intern(h));
        }
    }
    rejects
}

/// Reads `entity_links`; links naming unknown entities are rejected.
pub fn entity_links(raw: &RawTable, holders: &HolderTable, links: &mut Vec<EntityLink>) -> Vec<Reject> {
    let mut rejects = Vec::new();
    let (Some(a), Some(b), Some(rel)) =
        (raw.column("entity_a"), raw.column("entity_b"), raw.column("relation"))
    else {
        return rejects;
    };
    for row in 0..raw.height() {
        let line = raw.line(row);
        let mut ends = [0u32; 2];
        let mut ok = true;
        for (k, (field, col)) in [("entity_a", &a), ("entity_b", &b)].into_iter().enumerate() {
            let v = col.get(row);
            match holders.index.get(v) {
                Some(&h) => ends[k] = h,
                None => {
                    let why = if v.is_empty() {
                        "empty entity id"
                    } else {
                        "entity not found in entities or accounts"
                    };
                    rejects.push(Reject::new(&raw.file, line, field, why, v));
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            continue;
        }
        let Some(relation) = Relation::parse(rel.get(row)) else {
            rejects.push(Reject::new(
                &raw.file,
                line,
                "relation",
                "relation must be director, shareholder, same_address, same_phone or family",
                rel.get(row),
            ));
            continue;
        };
        links.push(EntityLink { a: ends[0], b: ends[1], relation });
    }
    rejects
}

/// Reads `fx_rates` into `fx`.
pub fn fx_rates(raw: &RawTable, fx: &mut FxTable) -> Vec<Reject> {
    let mut rejects = Vec::new();
    let (Some(date), Some(cur), Some(rate)) =
        (raw.column("date"), raw.column("currency"), raw.column("rate_to_base"))
    else {
        return rejects;
    };
    for row in 0..raw.height() {
        let line = raw.line(row);
        let d = match parse::date(date.get(row)) {
            Ok(d) => d,
            Err(e) => {
                rejects.push(Reject::new(&raw.file, line, "date", e, date.get(row)));
                continue;
            }
        };
        let Some(c) = Currency::parse(cur.get(row)) else {
            rejects.push(Reject::new(
                &raw.file,
                line,
                "currency",
                "not a 3-letter ISO 4217 code",
                cur.get(row),
            ));
            continue;
        };
        let r = match parse::amount(rate.get(row)) {
            Ok(r) => r,
            Err(e) => {
                rejects.push(Reject::new(
                    &raw.file,
                    line,
                    "rate_to_base",
                    e.replace("amount", "rate"),
                    rate.get(row),
                ));
                continue;
            }
        };
        if !fx.insert(d, c, r) {
            rejects.push(Reject::new(
                &raw.file,
                line,
                "date",
                format!("duplicate rate for {c} on this date"),
                date.get(row),
            ));
        }
    }
    fx.seal();
    rejects
}
