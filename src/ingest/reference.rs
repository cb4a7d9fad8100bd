//! Validation of the reference tables: entities, accounts, entity links and fx rates.

use super::fx::FxTable;
use super::parse;
use super::rejects::Reject;
use super::source::RawTable;
use crate::model::{
    AccountTable, Country, Currency, EntityLink, HolderKind, HolderTable, Relation,
};

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
    let mut first_line = std::collections::HashMap::new();
    for row in 0..raw.height() {
        let line = raw.line(row);
        let reject = |field: &str, reason: String, value: &str| {
            Reject::new(&raw.file, line, field, reason, value)
        };
        let eid = id.get(row);
        if eid.is_empty() {
            rejects.push(reject("entity_id", "empty entity_id".into(), ""));
            continue;
        }
        if let Some(first) = first_line.get(eid) {
            rejects.push(reject(
                "entity_id",
                format!("duplicate entity_id (first on line {first})"),
                eid,
            ));
            continue;
        }
        let Some(k) = HolderKind::parse(kind.get(row)) else {
            rejects.push(reject(
                "kind",
                "kind must be person or company".into(),
                kind.get(row),
            ));
            continue;
        };
        let j = juris.as_ref().map(|c| c.get(row)).unwrap_or("");
        let jurisdiction = match (j.is_empty(), Country::parse(j)) {
            (true, _) => None,
            (false, Some(c)) => Some(c),
            (false, None) => {
                rejects.push(reject(
                    "jurisdiction",
                    "not a 2-letter ISO 3166-1 code".into(),
                    j,
                ));
                continue;
            }
        };
        let d = inc.as_ref().map(|c| c.get(row)).unwrap_or("");
        let incorporated = if d.is_empty() {
            None
        } else {
            match parse::date(d) {
                Ok(v) => Some(v),
                Err(e) => {
                    rejects.push(reject("incorporated_on", e.into(), d));
                    continue;
                }
            }
        };
        first_line.insert(eid, line);
        let h = holders.intern(eid) as usize;
        holders.kind[h] = k;
        holders.jurisdiction[h] = jurisdiction;
        holders.incorporated_on[h] = incorporated;
        holders.name[h] = name
            .as_ref()
            .map(|c| c.get(row))
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        holders.address[h] = addr
            .as_ref()
            .map(|c| c.get(row))
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
    }
    rejects
}

/// Reads `accounts` into `accounts` (and new holders into `holders`); returns the rejects.
pub fn accounts(
    raw: &RawTable,
    accounts: &mut AccountTable,
    holders: &mut HolderTable,
) -> Vec<Reject> {
    let mut rejects = Vec::new();
    let Some(id) = raw.column("account_id") else {
        return rejects;
    };
    let holder = raw.column("holder_id");
    let bank = raw.column("bank_id");
    let country = raw.column("country");
    let opened = raw.column("opened_on");
    let mut first_line = std::collections::HashMap::new();
    for row in 0..raw.height() {
        let line = raw.line(row);
        let reject = |field: &str, reason: String, value: &str| {
            Reject::new(&raw.file, line, field, reason, value)
        };
        let aid = id.get(row);
        if aid.is_empty() {
            rejects.push(reject("account_id", "empty account_id".into(), ""));
            continue;
        }
        if let Some(first) = first_line.get(aid) {
            rejects.push(reject(
                "account_id",
                format!("duplicate account_id (first on line {first})"),
                aid,
            ));
            continue;
        }
        let c = country.as_ref().map(|c| c.get(row)).unwrap_or("");
        let parsed_country = match (c.is_empty(), Country::parse(c)) {
            (true, _) => None,
            (false, Some(v)) => Some(v),
            (false, None) => {
                rejects.push(reject(
                    "country",
                    "not a 2-letter ISO 3166-1 code".into(),
                    c,
                ));
                continue;
            }
        };
        let o = opened.as_ref().map(|c| c.get(row)).unwrap_or("");
        let opened_on = if o.is_empty() {
            None
        } else {
            match parse::date(o) {
                Ok(v) => Some(v),
                Err(e) => {
                    rejects.push(reject("opened_on", e.into(), o));
                    continue;
                }
            }
        };
        first_line.insert(aid, line);
        let a = accounts.intern(aid) as usize;
        accounts.listed[a] = true;
        accounts.country[a] = parsed_country;
        accounts.opened_on[a] = opened_on;
        accounts.bank[a] = bank
            .as_ref()
            .map(|c| c.get(row))
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let h = holder.as_ref().map(|c| c.get(row)).unwrap_or("");
        if !h.is_empty() {
            accounts.holder[a] = Some(holders.intern(h));
        }
    }
    rejects
}

/// Reads `entity_links`; links naming unknown entities are rejected.
pub fn entity_links(
    raw: &RawTable,
    holders: &HolderTable,
    links: &mut Vec<EntityLink>,
) -> Vec<Reject> {
    let mut rejects = Vec::new();
    let (Some(a), Some(b), Some(rel)) = (
        raw.column("entity_a"),
        raw.column("entity_b"),
        raw.column("relation"),
    ) else {
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
        links.push(EntityLink {
            a: ends[0],
            b: ends[1],
            relation,
        });
    }
    rejects
}

/// Reads `fx_rates` into `fx`.
pub fn fx_rates(raw: &RawTable, fx: &mut FxTable) -> Vec<Reject> {
    let mut rejects = Vec::new();
    let (Some(date), Some(cur), Some(rate)) = (
        raw.column("date"),
        raw.column("currency"),
        raw.column("rate_to_base"),
    ) else {
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
