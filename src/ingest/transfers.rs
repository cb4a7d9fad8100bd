//! Validation of `transfers`: parsed in parallel, then de-duplicated and interned in
//! input order so that "the later duplicate is rejected" holds for any thread count.

use std::collections::hash_map::Entry;

use std::hash::BuildHasher;

use rustc_hash::FxHashMap;

use rayon::prelude::*;

use super::fx::FxTable;
use super::parse;
use super::rejects::Reject;
use super::source::RawTable;
use crate::model::{AccountTable, Channel, Currency, StringArena, TransferTable};

/// Rows per parallel validation chunk.
const CHUNK: usize = 1 << 16;

/// A row that passed the per-cell checks. Ids stay in the (zero-copy) columns and are
/// read again, by row, in the ordered pass: 40 bytes a row instead of a full record.
struct Parsed {
    row: u32,
    /// Hash of the transfer id: rows whose hash no other row shares need no duplicate
    /// lookup.
    id_hash: u64,
    time: i64,
    amount: f64,
    amount_base: f64,
    currency: u16,
    channel: Channel,
}

/// Rows that passed the per-cell checks, and the rejects, per chunk in input order.
type Chunks = Vec<(Vec<Parsed>, Vec<Reject>)>;

/// Validates `raw` into `out`, interning account ids into `accounts`. The columns only
/// the per-cell checks read are dropped from `raw` before the ordered pass fills the
/// dump's tables: at 10M that is most of ingest's peak memory.
pub fn transfers(
    raw: &mut RawTable,
    fx: &FxTable,
    currencies: &[Currency],
    accounts: &mut AccountTable,
    out: &mut TransferTable,
    plausible: &super::IngestConfig,
    on_rows: &(dyn Fn(u64) + Sync),
) -> Vec<Reject> {
    let Some(chunks) = checked(raw, fx, currencies, out, plausible, on_rows) else {
        return Vec::new();
    };
    raw.frame = raw.frame.drop_many(["timestamp", "amount", "currency", "channel"]);
    ordered(raw, chunks, accounts, out)
}

/// The per-cell checks, on every thread; `None` without the required columns.
fn checked(
    raw: &RawTable,
    fx: &FxTable,
    currencies: &[Currency],
    out: &mut TransferTable,
    plausible: &super::IngestConfig,
    on_rows: &(dyn Fn(u64) + Sync),
) -> Option<Chunks> {
    let [Some(id), Some(ts), Some(src), Some(dst), Some(amt), Some(cur)] =
        super::schema::TRANSFER_COLUMNS.map(|c| raw.column(c))
    else {
        return None;
    };
    let channel = raw.column("channel");
    let memo = raw.column("memo");
    if let Some(m) = &memo {
        let (count, bytes) = (0..raw.height())
            .into_par_iter()
            .map(|r| m.get(r).len())
            .filter(|&len| len > 0)
            .fold(|| (0usize, 0usize), |(c, b), len| (c + 1, b + len))
            .reduce(|| (0, 0), |x, y| (x.0 + y.0, x.1 + y.1));
        out.memos = crate::model::Memos::with_capacity(count, bytes);
    }
    let n = raw.height();
    let chunks: Chunks = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|k| {
            let rows = k * CHUNK..((k + 1) * CHUNK).min(n);
            let len = rows.len() as u64;
            let (mut id_at, mut ts_at, mut amt_at, mut cur_at) = (id.cursor(), ts.cursor(), amt.cursor(), cur.cursor());
            let (mut src_at, mut dst_at) = (src.cursor(), dst.cursor());
            let mut channel_at = channel.as_ref().map(|c| c.cursor());
            let parsed = rows
                .map(|row| {
                    let reject = |field: &str, reason: String, value: &str| {
                        Reject::new(&raw.file, raw.line(row), field, reason, value)
                    };
                    let tid = id_at.get(row);
                    if tid.is_empty() {
                        return Err(reject("transfer_id", "empty transfer_id".into(), ""));
                    }
                    let ts_text = ts_at.get(row);
                    let time = parse::timestamp(ts_text).map_err(|e| reject("timestamp", e.into(), ts_text))?;
                    if time < plausible.earliest.get() || time >= plausible.latest.get() + crate::units::DAY {
                        let why = format!(
                            "timestamp outside [ingest] earliest..latest ({}..{})",
                            crate::units::format_date(plausible.earliest.get()),
                            crate::units::format_date(plausible.latest.get())
                        );
                        return Err(reject("timestamp", why, ts_text));
                    }
                    let s = src_at.get(row);
                    if s.is_empty() {
                        return Err(reject("src_account", "empty account id".into(), ""));
                    }
                    let d = dst_at.get(row);
                    if d.is_empty() {
                        return Err(reject("dst_account", "empty account id".into(), ""));
                    }
                    let amt_text = amt_at.get(row);
                    let amount = parse::amount(amt_text).map_err(|e| reject("amount", e.into(), amt_text))?;
                    let max_amount = plausible.max_amount.get();
                    if amount > max_amount {
                        let why = format!("amount is implausible: above [ingest] max_amount {max_amount:e}");
                        return Err(reject("amount", why, amt_text));
                    }
                    let cur_text = cur_at.get(row);
                    let c = Currency::parse(cur_text)
                        .ok_or_else(|| reject("currency", "not a 3-letter ISO 4217 code".into(), cur_text))?;
                    let rate = fx.rate(c, time).map_err(|e| reject("currency", e, cur_text))?;
                    let currency = currencies
                        .binary_search(&c)
                        .map_err(|_| reject("currency", format!("no fx rate for {c}"), cur_text))?
                        as u16;
                    let ch_text = channel_at.as_mut().map(|c| c.get(row)).unwrap_or("");
                    let ch = Channel::parse(ch_text).ok_or_else(|| {
                        reject(
                            "channel",
                            "unknown channel (expected wire, cash_deposit, cash_withdrawal, card, internal, fx or other)".into(),
                            ch_text,
                        )
                    })?;
                    let id_hash = rustc_hash::FxBuildHasher.hash_one(tid);
                    Ok(Parsed { row: row as u32, id_hash, time, amount, amount_base: amount * rate, currency, channel: ch })
                })
                .fold((Vec::with_capacity(len as usize), Vec::new()), |(mut ok, mut bad), r| {
                    match r {
                        Ok(p) => ok.push(p),
                        Err(rej) => bad.push(rej),
                    }
                    (ok, bad)
                });
            on_rows(len);
            parsed
        })
        .collect();
    Some(chunks)
}

/// The ordered pass: later duplicates rejected, ids interned and the rows pushed, in
/// input order.
fn ordered(
    raw: &RawTable,
    chunks: Chunks,
    accounts: &mut AccountTable,
    out: &mut TransferTable,
) -> Vec<Reject> {
    let [Some(id), Some(src), Some(dst)] =
        ["transfer_id", "src_account", "dst_account"].map(|c| raw.column(c))
    else {
        return Vec::new();
    };
    let memo = raw.column("memo");
    let n = raw.height();
    // Duplicate ids are rare: sort the id hashes (on every thread) and look up, in input
    // order, only the rows whose hash another row shares, rather than keep a map of every
    // id of the dump.
    let mut hashes: Vec<(u64, u32)> =
        chunks.par_iter().flat_map_iter(|(ok, _)| ok.iter().map(|p| (p.id_hash, p.row))).collect();
    hashes.par_sort_unstable();
    let suspects: rustc_hash::FxHashSet<u32> =
        hashes.par_windows(2).filter(|w| w[0].0 == w[1].0).flat_map_iter(|w| [w[0].1, w[1].1]).collect();
    drop(hashes);
    // Accounts already listed are looked up on every thread; only the ones first met
    // here are added, in input order, below.
    let listed = |text: &str| accounts.index.get(text).copied();
    let ends: Vec<Vec<(Option<u32>, Option<u32>)>> = chunks
        .par_iter()
        .map(|(ok, _)| {
            let (mut src_at, mut dst_at) = (src.cursor(), dst.cursor());
            ok.iter()
                .map(|p| (listed(src_at.get(p.row as usize)), listed(dst_at.get(p.row as usize))))
                .collect()
        })
        .collect();
    let mut rejects = Vec::new();
    let mut seen: FxHashMap<&str, u64> = FxHashMap::default();
    let mut ids = StringArena::with_capacity(n, n * 10);
    let (mut id_at, mut src_at, mut dst_at) = (id.cursor(), src.cursor(), dst.cursor());
    let mut memo_at = memo.as_ref().map(|m| m.cursor());
    for ((parsed, bad), ends) in chunks.into_iter().zip(ends) {
        rejects.extend(bad);
        for (p, (src_listed, dst_listed)) in parsed.into_iter().zip(ends) {
            let row = p.row as usize;
            let tid = id_at.get(row);
            if suspects.contains(&p.row) {
                let line = raw.line(row);
                match seen.entry(tid) {
                    Entry::Occupied(first) => {
                        let reason = format!("duplicate transfer_id (first on line {})", first.get());
                        rejects.push(Reject::new(&raw.file, line, "transfer_id", reason, tid));
                        continue;
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(line);
                    }
                }
            }
            ids.push(tid);
            if let Some(m) = &mut memo_at {
                out.memos.push(out.time.len() as u32, m.get(row));
            }
            out.time.push(p.time);
            let src = src_listed.unwrap_or_else(|| accounts.intern(src_at.get(row)));
            out.src.push(src);
            let dst = dst_listed.unwrap_or_else(|| accounts.intern(dst_at.get(row)));
            out.dst.push(dst);
            out.amount.push(p.amount);
            out.currency.push(p.currency);
            out.amount_base.push(p.amount_base);
            out.channel.push(p.channel);
        }
    }
    out.ids = ids;
    rejects
}
