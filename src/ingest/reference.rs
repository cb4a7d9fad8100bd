//! Validation of the reference tables: entities, accounts, entity links and fx rates.

use super::fx::FxTable;
use super::parse;
use super::rejects::Reject;
use super::source::{RawTable, RowCursor, StrColumn};
use crate::model::{AccountTable, Country, Currency, EntityLink, HolderKind, HolderTable, Relation};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// The cell of an optional column read row after row (a table of a million rows was
/// mostly the search for each cell's chunk); `""` when the column is absent.
fn next_cell<'a>(col: &mut Option<RowCursor<'_, 'a>>, row: usize) -> &'a str {
    col.as_mut().map(|c| c.get(row)).unwrap_or("")
}

/// The cell of an optional column at `row`, for a reject's value; `""` without it.
fn cell_of<'a>(col: &Option<StrColumn<'a>>, row: usize) -> &'a str {
    col.as_ref().map(|c| c.get(row)).unwrap_or("")
}

/// A non-empty cell as owned text.
fn text(col: &mut Option<RowCursor<'_, '_>>, row: usize) -> Option<String> {
    Some(next_cell(col, row)).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// An optional country ([`Country::from_export`]): empty is `None`, anything else that is
/// no ISO 3166-1 code is an error.
fn country(text: &str) -> Result<Option<Country>, &'static str> {
    match (text.is_empty(), Country::from_export(text)) {
        (true, _) => Ok(None),
        (false, Some(c)) => Ok(Some(c)),
        (false, None) => {
            Err("not an ISO 3166-1 country code (alpha-2 as DE, alpha-3 as DEU, or numeric as 276)")
        }
    }
}

/// An optional date, slashes read as `slash` says: empty is `None`.
fn date(text: &str, slash: parse::SlashDates) -> Result<Option<i64>, &'static str> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse::date_in(text, slash).map(Some)
    }
}

/// Rows per chunk of a table's cells read on every thread.
const CHUNK: usize = 1 << 14;

/// `read` of every row of a table of `height` rows, in row order, worked out on every
/// thread a chunk of rows at a time: the cells whose checks need no other row, read
/// before the pass in row order that interns ids. That pass waits for the reference
/// tables, and the transfers' wait for it: read in it too, the accounts and entities of
/// a 10M-transfer dump were a third of ingest's wall time with one core working.
fn read_rows<T: Send>(height: usize, read: impl Fn(std::ops::Range<usize>, &mut Vec<T>) + Sync) -> Vec<T> {
    let chunks: Vec<Vec<T>> = (0..height.div_ceil(CHUNK))
        .into_par_iter()
        .map(|k| {
            let rows = k * CHUNK..((k + 1) * CHUNK).min(height);
            let mut out = Vec::with_capacity(rows.len());
            read(rows, &mut out);
            out
        })
        .collect();
    chunks.into_iter().flatten().collect()
}

/// The line each id of a table was first accepted on in this file, by the index the
/// table gave it: what a later row with the same id is rejected against.
struct FirstLines {
    /// Ids the table held before this file.
    known: usize,
    /// By index from `known` on: indexes come in order, each once.
    lines: Vec<u64>,
    /// Ids the table held before, met again in this file.
    earlier: FxHashMap<u32, u64>,
}

impl FirstLines {
    fn new(known: usize) -> FirstLines {
        FirstLines { known, lines: Vec::new(), earlier: FxHashMap::default() }
    }

    /// The line index `i` was first accepted on in this file, if it was.
    fn of(&self, i: u32) -> Option<u64> {
        match (i as usize).checked_sub(self.known) {
            Some(k) => self.lines.get(k).copied(),
            None => self.earlier.get(&i).copied(),
        }
    }

    /// Index `i` was accepted on `line`.
    fn set(&mut self, i: u32, line: u64) {
        match (i as usize).checked_sub(self.known) {
            Some(k) if k == self.lines.len() => self.lines.push(line),
            Some(_) => {}
            None => {
                self.earlier.entry(i).or_insert(line);
            }
        }
    }
}

/// Reads `entities` into `holders`; returns the rejects.
pub fn entities(raw: &RawTable, holders: &mut HolderTable, slash: parse::SlashDates) -> Vec<Reject> {
    let mut rejects = Vec::new();
    let (Some(id), Some(kind)) = (raw.column("entity_id"), raw.column("kind")) else {
        return rejects;
    };
    let name = raw.column("name");
    let juris = raw.column("jurisdiction");
    let inc = raw.column("incorporated_on");
    let addr = raw.column("registered_address");
    let licence = raw.column("licence");
    /// An entity row's cells that are checked on their own.
    struct Cells {
        kind: Option<HolderKind>,
        jurisdiction: Result<Option<Country>, &'static str>,
        incorporated: Result<Option<i64>, &'static str>,
        name: Option<String>,
        address: Option<String>,
        licence: Option<String>,
    }
    let cells = read_rows(raw.height(), |rows, out| {
        let mut kind_at = kind.cursor();
        let [mut name_at, mut juris_at, mut inc_at, mut addr_at, mut licence_at] =
            [&name, &juris, &inc, &addr, &licence].map(|c| c.as_ref().map(StrColumn::cursor));
        out.extend(rows.map(|row| Cells {
            kind: HolderKind::parse(kind_at.get(row)),
            jurisdiction: country(next_cell(&mut juris_at, row)),
            incorporated: date(next_cell(&mut inc_at, row), slash),
            name: text(&mut name_at, row),
            address: text(&mut addr_at, row),
            licence: text(&mut licence_at, row),
        }))
    });
    let mut id_at = id.cursor();
    holders.reserve(raw.height());
    let mut first_line = FirstLines::new(holders.len());
    for (row, cells) in cells.into_iter().enumerate() {
        let line = raw.line(row);
        let reject =
            |field: &str, reason: String, value: &str| Reject::new(&raw.file, line, field, reason, value);
        let eid = id_at.get(row);
        if eid.is_empty() {
            rejects.push(reject("entity_id", "empty entity_id".into(), ""));
            continue;
        }
        if let Some(first) = holders.index.get(eid).and_then(|&h| first_line.of(h)) {
            rejects.push(reject("entity_id", format!("duplicate entity_id (first on line {first})"), eid));
            continue;
        }
        let Some(k) = cells.kind else {
            rejects.push(reject("kind", "kind must be person or company".into(), kind.get(row)));
            continue;
        };
        let jurisdiction = match cells.jurisdiction {
            Ok(c) => c,
            Err(e) => {
                rejects.push(reject("jurisdiction", e.into(), cell_of(&juris, row)));
                continue;
            }
        };
        let incorporated = match cells.incorporated {
            Ok(v) => v,
            Err(e) => {
                rejects.push(reject("incorporated_on", e.into(), cell_of(&inc, row)));
                continue;
            }
        };
        let h = holders.intern(eid);
        first_line.set(h, line);
        let h = h as usize;
        holders.kind[h] = k;
        holders.jurisdiction[h] = jurisdiction;
        holders.incorporated_on[h] = incorporated;
        holders.name[h] = cells.name;
        holders.address[h] = cells.address;
        holders.licence[h] = cells.licence;
    }
    rejects
}

/// Reads `accounts` into `accounts` (and new holders into `holders`); returns the rejects.
pub fn accounts(
    raw: &RawTable,
    accounts: &mut AccountTable,
    holders: &mut HolderTable,
    slash: parse::SlashDates,
) -> Vec<Reject> {
    let mut rejects = Vec::new();
    let Some(id) = raw.column("account_id") else {
        return rejects;
    };
    let holder = raw.column("holder_id");
    let bank = raw.column("bank_id");
    let country_col = raw.column("country");
    let opened = raw.column("opened_on");
    /// An account row's cells that are checked on their own.
    struct Cells {
        country: Result<Option<Country>, &'static str>,
        opened_on: Result<Option<i64>, &'static str>,
        bank: Option<String>,
    }
    let cells = read_rows(raw.height(), |rows, out| {
        let [mut bank_at, mut country_at, mut opened_at] =
            [&bank, &country_col, &opened].map(|c| c.as_ref().map(StrColumn::cursor));
        out.extend(rows.map(|row| Cells {
            country: country(next_cell(&mut country_at, row)),
            opened_on: date(next_cell(&mut opened_at, row), slash),
            bank: text(&mut bank_at, row),
        }))
    });
    let mut id_at = id.cursor();
    let mut holder_at = holder.as_ref().map(StrColumn::cursor);
    accounts.reserve(raw.height());
    let mut first_line = FirstLines::new(accounts.len());
    for (row, cells) in cells.into_iter().enumerate() {
        let line = raw.line(row);
        let reject =
            |field: &str, reason: String, value: &str| Reject::new(&raw.file, line, field, reason, value);
        let aid = id_at.get(row);
        if let Err(why) = parse::checked_id(aid, "empty account_id") {
            rejects.push(reject("account_id", why.into(), aid));
            continue;
        }
        if let Some(first) = accounts.index.get(aid).and_then(|&a| first_line.of(a)) {
            rejects.push(reject("account_id", format!("duplicate account_id (first on line {first})"), aid));
            continue;
        }
        let parsed_country = match cells.country {
            Ok(v) => v,
            Err(e) => {
                rejects.push(reject("country", e.into(), cell_of(&country_col, row)));
                continue;
            }
        };
        let opened_on = match cells.opened_on {
            Ok(v) => v,
            Err(e) => {
                rejects.push(reject("opened_on", e.into(), cell_of(&opened, row)));
                continue;
            }
        };
        let a = accounts.intern(aid);
        first_line.set(a, line);
        let a = a as usize;
        accounts.listed[a] = true;
        accounts.country[a] = parsed_country;
        accounts.opened_on[a] = opened_on;
        accounts.bank[a] = cells.bank;
        let h = next_cell(&mut holder_at, row);
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
                "relation must be director, shareholder, same_address, same_phone or family (or a name of one, such as UBO, signatory or spouse; see the README)",
                rel.get(row),
            ));
            continue;
        };
        links.push(EntityLink { a: ends[0], b: ends[1], relation });
    }
    rejects
}

/// Reads `fx_rates` into `fx`.
pub fn fx_rates(
    raw: &RawTable,
    fx: &mut FxTable,
    slash: parse::SlashDates,
    mark: parse::DecimalMark,
) -> Vec<Reject> {
    let mut rejects = Vec::new();
    let (Some(date), Some(cur), Some(rate)) =
        (raw.column("date"), raw.column("currency"), raw.column("rate_to_base"))
    else {
        return rejects;
    };
    for row in 0..raw.height() {
        let line = raw.line(row);
        let d = match parse::date_in(date.get(row), slash) {
            Ok(d) => d,
            Err(e) => {
                rejects.push(Reject::new(&raw.file, line, "date", e, date.get(row)));
                continue;
            }
        };
        let Some(c) = Currency::from_export(cur.get(row)) else {
            rejects.push(Reject::new(
                &raw.file,
                line,
                "currency",
                "not an ISO 4217 code, nor a sign of one currency only ($, £, ¥ and kr name several)",
                cur.get(row),
            ));
            continue;
        };
        let r = match parse::amount_in(rate.get(row), mark) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::source::read_table;

    fn table(name: &str, text: &str) -> (tempfile::TempDir, RawTable) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("the file is written");
        let raw = read_table(&path).expect("the file reads");
        (dir, raw)
    }

    fn said(rejects: &[Reject]) -> Vec<(u64, String, String)> {
        rejects.iter().map(|r| (r.line, r.field.clone(), r.reason.clone())).collect()
    }

    #[test]
    fn a_repeated_id_is_rejected_against_the_line_it_was_first_accepted_on() {
        // E1 first comes with a bad kind (rejected, so not accepted), then on line 3.
        let (_d, raw) =
            table("entities.csv", "entity_id,kind\nE1,robot\nE1,person\nE2,company\nE1,company\nE2,person\n");
        let mut holders = HolderTable::default();
        let rejects = entities(&raw, &mut holders, parse::SlashDates::Refused);
        assert_eq!(
            said(&rejects),
            vec![
                (2, "kind".into(), "kind must be person or company".into()),
                (5, "entity_id".into(), "duplicate entity_id (first on line 3)".into()),
                (6, "entity_id".into(), "duplicate entity_id (first on line 4)".into()),
            ]
        );
        assert_eq!(holders.ids, vec!["E1", "E2"]);
        assert_eq!(holders.kind, vec![HolderKind::Person, HolderKind::Company]);

        let (_d, raw) = table(
            "accounts.csv",
            "account_id,holder_id,country\nA1,E2,GERMANY\nA1,E2,DE\nA2,E9,FR\nA1,E1,FR\n",
        );
        let mut accounts = AccountTable::default();
        let rejects = super::accounts(&raw, &mut accounts, &mut holders, parse::SlashDates::Refused);
        assert_eq!(
            said(&rejects),
            vec![
                (
                    2,
                    "country".into(),
                    "not an ISO 3166-1 country code (alpha-2 as DE, alpha-3 as DEU, or numeric as 276)"
                        .into()
                ),
                (5, "account_id".into(), "duplicate account_id (first on line 3)".into()),
            ]
        );
        assert_eq!(accounts.ids, vec!["A1", "A2"]);
        // A holder named only by an account is added, unknown.
        assert_eq!(accounts.holder, vec![Some(1), Some(2)]);
        assert_eq!(holders.kind[2], HolderKind::Unknown);
    }

    #[test]
    fn ids_the_table_held_before_the_file_are_not_duplicates_until_repeated_in_it() {
        let mut holders = HolderTable::default();
        holders.intern("E1");
        let (_d, raw) = table("entities.csv", "entity_id,kind\nE1,person\nE1,company\n");
        let rejects = entities(&raw, &mut holders, parse::SlashDates::Refused);
        assert_eq!(
            said(&rejects),
            vec![(3, "entity_id".into(), "duplicate entity_id (first on line 2)".into())]
        );
        assert_eq!(holders.kind, vec![HolderKind::Person]);
    }

    #[test]
    fn countries_written_as_exports_write_them_are_accepted_as_iso_alpha_2() {
        // An export's alpha-3 and numeric codes and the United Kingdom's `UK`.
        let (_d, raw) = table("accounts.csv", "account_id,country\nA1,che\nA2,UK\nA3,276\nA4,DE\n");
        let mut accounts = AccountTable::default();
        let rejects =
            super::accounts(&raw, &mut accounts, &mut HolderTable::default(), parse::SlashDates::Refused);
        assert!(rejects.is_empty(), "{rejects:?}");
        let countries: Vec<&str> =
            accounts.country.iter().map(|c| c.as_ref().map_or("", |c| c.as_str())).collect();
        assert_eq!(countries, ["CH", "GB", "DE", "DE"]);
    }
}
