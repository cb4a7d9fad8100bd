//! Validation of `transfers`: parsed in parallel, then de-duplicated and interned in
//! input order so that "the later duplicate is rejected" holds for any thread count.

use std::collections::hash_map::Entry;

use std::hash::BuildHasher;
use std::sync::Mutex;

use rustc_hash::{FxHashMap, FxHashSet};

use rayon::prelude::*;

use super::fx::{FxTable, RatesOf};
use super::numbered_ids::{Lookup, NumberedIds};
use super::parse;
use super::rejects::Reject;
use super::source::{RawTable, StrColumn};
use crate::memory::spare_of;
use crate::model::{AccountTable, Channel, Currency, TransferTable};

/// Rows per parallel validation chunk: a 16 MiB block holds about 200,000 rows, so
/// about a dozen chunks share two threads evenly, where three of 65,536 and a short one
/// left a thread idle at the end of every block.
const CHUNK: usize = 1 << 14;

/// Bytes reserved for a file's rows from which they are faulted in ahead of the
/// ordered pass ([`crate::memory::FaultAhead`]): a small file's are not worth a thread.
const FAULT_IN_FROM: usize = 64 << 20;

/// Rows whose columns are faulted in ahead of the ordered pass: a few blocks' worth,
/// about 35 MB, whatever the file's size (what is faulted in past the last row stays).
const FAULT_IN_LEAD_ROWS: usize = 1 << 19;

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

/// Checked rows' vectors that the ordered pass is done with, for the next blocks'
/// checks. Each holds a few MiB: freed, the allocator hands it back to the kernel, and
/// the next one's pages are faulted in and zeroed afresh (a sixth of a 10M ingest's
/// page faults).
#[derive(Default)]
pub struct SpareRows {
    rows: Mutex<Vec<Vec<Parsed>>>,
}

/// Most vectors kept spare: more than the blocks in flight ever hold.
const MOST_SPARE: usize = 64;

impl SpareRows {
    /// An empty vector with room for `len` rows, spare if there is one.
    fn take(&self, len: usize) -> Vec<Parsed> {
        let spare = self.rows.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
        let mut rows = spare.unwrap_or_default();
        rows.reserve(len);
        rows
    }

    /// Keeps `rows`, emptied, for a later block.
    fn give(&self, mut rows: Vec<Parsed>) {
        rows.clear();
        let mut spare = self.rows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if spare.len() < MOST_SPARE {
            spare.push(rows);
        }
    }
}

/// The per-cell checks of transfers, which need nothing of the rows before: what a
/// block-by-block read runs on the next block while the ordered pass of the last one
/// ([`Validator::take`]) still goes on.
#[derive(Clone, Copy)]
pub struct Checker<'a> {
    fx: &'a FxTable,
    currencies: &'a [Currency],
    plausible: &'a super::IngestConfig,
    spare: &'a SpareRows,
}

/// A block whose cells were checked, for [`Validator::take`].
pub struct Checked {
    raw: RawTable,
    /// `None` without the required columns.
    chunks: Option<Chunks>,
    /// The share of the file's text read up to the end of this block.
    through: f64,
}

impl<'a> Checker<'a> {
    /// Checks against the exchange rates `fx`, the currencies they convert (sorted) and
    /// the plausible ranges of `[ingest]`.
    /// `spare` holds the vectors the ordered pass is done with.
    pub fn new(
        fx: &'a FxTable,
        currencies: &'a [Currency],
        plausible: &'a super::IngestConfig,
        spare: &'a SpareRows,
    ) -> Self {
        Checker { fx, currencies, plausible, spare }
    }

    /// Checks the cells of `raw` on every thread. `through` is the share of the file's
    /// text read up to the end of this block.
    pub fn check(&self, raw: RawTable, through: f64, on_rows: &(dyn Fn(u64) + Sync)) -> Checked {
        let chunks = checked(&raw, self, on_rows);
        Checked { raw, chunks, through }
    }
}

/// Validates the transfers table a block at a time (a whole table is one block): each
/// block's rows are checked on every thread ([`Checker`]), then interned and pushed in
/// input order, so that only a few blocks are ever held as text. Duplicate ids are found
/// across blocks when the last block is in (see [`Validator::finish`]).
pub struct Validator<'a> {
    checker: Checker<'a>,
    accounts: &'a mut AccountTable,
    out: &'a mut TransferTable,
    /// Accounts there were before the transfers: the ones after were met in transfers,
    /// numbered in the order they were first met.
    listed: usize,
    /// The accounts' ids by their number, while every id of their shape is there.
    numbered: Option<NumberedIds>,
    /// Whether the ids' shape was read: from the accounts listed, or, without any,
    /// from those of the first block.
    shape_read: bool,
    /// Per accepted row: the hash of its id, its row in `out`, and its row in the file.
    seen: Vec<(u64, u32, u32)>,
    /// Per row of the last block, its two accounts when they were known before it.
    known_ends: Vec<(Option<u32>, Option<u32>)>,
    /// The columns' pages asked for ahead of this pass.
    fault_ahead: Option<crate::memory::FaultAhead>,
    /// Lines of a block whose rows are not numbered by position (a file read whole by
    /// the exact reader, or a table handed over in memory): always the only block.
    lines: Option<Vec<u64>>,
    file: String,
    rejects: Vec<Reject>,
}

impl<'a> Validator<'a> {
    /// A validator checking with `checker`, filling `out` and interning account ids
    /// into `accounts`.
    pub fn new(checker: Checker<'a>, accounts: &'a mut AccountTable, out: &'a mut TransferTable) -> Self {
        let listed = accounts.len();
        let numbered = NumberedIds::of(&accounts.ids);
        Validator {
            checker,
            accounts,
            out,
            listed,
            numbered,
            shape_read: listed > 0,
            seen: Vec::new(),
            known_ends: Vec::new(),
            fault_ahead: None,
            lines: None,
            file: String::new(),
            rejects: Vec::new(),
        }
    }

    /// Validates one block: [`Checker::check`], then [`Validator::take`].
    pub fn block(&mut self, raw: RawTable, through: f64, on_rows: &(dyn Fn(u64) + Sync)) -> RawTable {
        let checked = self.checker.check(raw, through, on_rows);
        self.take(checked)
    }

    /// The ordered pass of a checked block; hands the block back. The first block
    /// sizes the columns for the whole file from its share of the text, since doubling
    /// buffers would hold up to twice the dump at the peak of ingest.
    pub fn take(&mut self, checked: Checked) -> RawTable {
        let Checked { mut raw, chunks, through } = checked;
        if self.file.is_empty() {
            self.file = raw.file.clone();
            let expected = (raw.height() as f64 / through.clamp(1e-9, 1.0) * 1.01).ceil() as usize;
            self.reserve(expected.saturating_sub(self.out.len()));
        }
        let Some(chunks) = chunks else {
            return raw;
        };
        // Only the ordered pass's columns are read from here on.
        raw.drop_columns(&["timestamp", "amount", "currency", "channel"]);
        self.ordered(&raw, chunks);
        if let Some(ahead) = &self.fault_ahead {
            ahead.filled(self.spare().iter().map(|r| r.start).collect());
        }
        if raw.lines.is_some() {
            self.lines = raw.lines.take();
        }
        raw
    }

    /// The columns' memory reserved and not yet filled, in a fixed order.
    fn spare(&self) -> Vec<std::ops::Range<usize>> {
        let out = &*self.out;
        let mut ranges = vec![
            spare_of(&out.time, out.time.capacity()),
            spare_of(&out.src, out.src.capacity()),
            spare_of(&out.dst, out.dst.capacity()),
            spare_of(&out.amount, out.amount.capacity()),
            spare_of(&out.currency, out.currency.capacity()),
            spare_of(&out.amount_base, out.amount_base.capacity()),
            spare_of(&out.channel, out.channel.capacity()),
            spare_of(&self.seen, self.seen.capacity()),
        ];
        ranges.extend(out.ids.spare());
        ranges
    }

    fn reserve(&mut self, rows: usize) {
        let out = &mut *self.out;
        out.time.reserve_exact(rows);
        out.src.reserve_exact(rows);
        out.dst.reserve_exact(rows);
        out.amount.reserve_exact(rows);
        out.currency.reserve_exact(rows);
        out.amount_base.reserve_exact(rows);
        out.channel.reserve_exact(rows);
        out.ids.reserve(rows, rows * 12);
        self.seen.reserve_exact(rows);
        // What is reserved for the whole file is faulted in on another thread, ahead of
        // this one, which the rest of ingest waits for.
        let ranges = self.spare();
        if ranges.iter().map(|r| r.len()).sum::<usize>() >= FAULT_IN_FROM {
            let lead = FAULT_IN_LEAD_ROWS as f64 / rows.max(1) as f64;
            self.fault_ahead = Some(crate::memory::FaultAhead::start(ranges, lead));
        }
    }

    /// The ordered pass of one block: ids interned and the rows pushed, in input order.
    fn ordered(&mut self, raw: &RawTable, chunks: Chunks) {
        let [Some(id), Some(src), Some(dst)] =
            ["transfer_id", "src_account", "dst_account"].map(|c| raw.column(c))
        else {
            return;
        };
        let memo = raw.column("memo");
        let accounts = &mut *self.accounts;
        let out = &mut *self.out;
        if let Some(m) = &memo {
            let (count, bytes) = (0..raw.height())
                .into_par_iter()
                .map(|r| m.get(r).len())
                .filter(|&len| len > 0)
                .fold(|| (0usize, 0usize), |(c, b), len| (c + 1, b + len))
                .reduce(|| (0, 0), |x, y| (x.0 + y.0, x.1 + y.1));
            out.memos.reserve(count, bytes);
        }
        // Accounts already known are looked up on every thread; only the ones first met
        // here are added, in input order, below.
        let numbered = self.numbered.as_ref();
        let known = |text: &str| match numbered.map_or(Lookup::AskTable, |n| n.get(text)) {
            Lookup::Known(k) => Some(k),
            Lookup::Absent => None,
            Lookup::AskTable => accounts.index.get(text).copied(),
        };
        // Into one vector kept from block to block: a fresh one a block was faulted in
        // afresh each time (a block's rows, 16 bytes each).
        let mut ends = std::mem::take(&mut self.known_ends);
        ends.clear();
        ends.resize(chunks.iter().map(|(ok, _)| ok.len()).sum(), (None, None));
        let pieces = crate::slices::pieces_mut(&mut ends, chunks.iter().map(|(ok, _)| ok.len()));
        chunks.par_iter().zip(pieces).for_each(|((ok, _), piece)| {
            let (mut src_at, mut dst_at) = (src.cursor(), dst.cursor());
            // The numbered slots of the rows a few on are asked for ahead, so that their
            // waits on memory overlap rather than follow one another.
            let (mut src_ahead, mut dst_ahead) = (src.cursor(), dst.cursor());
            for (k, (p, end)) in ok.iter().zip(piece).enumerate() {
                if let (Some(n), Some(next)) = (numbered, ok.get(k + LOOKUPS_AHEAD)) {
                    n.prefetch(src_ahead.get(next.row as usize));
                    n.prefetch(dst_ahead.get(next.row as usize));
                }
                *end = (known(src_at.get(p.row as usize)), known(dst_at.get(p.row as usize)));
            }
        });
        let (mut id_at, mut src_at, mut dst_at) = (id.cursor(), src.cursor(), dst.cursor());
        let mut memo_at = memo.as_ref().map(|m| m.cursor());
        let file_row = |row: usize| u32::try_from(raw.first_row + row as u64).unwrap_or(u32::MAX);
        let mut ends_at = ends.iter();
        for (parsed, bad) in chunks {
            self.rejects.extend(bad);
            for (p, &(src_known, dst_known)) in parsed.iter().zip(ends_at.by_ref()) {
                let row = p.row as usize;
                let at = out.time.len() as u32;
                self.seen.push((p.id_hash, at, file_row(row)));
                out.ids.push(id_at.get(row));
                if let Some(m) = &mut memo_at {
                    out.memos.push(at, m.get(row));
                }
                out.time.push(p.time);
                let src = src_known.unwrap_or_else(|| intern(accounts, &mut self.numbered, src_at.get(row)));
                out.src.push(src);
                let dst = dst_known.unwrap_or_else(|| intern(accounts, &mut self.numbered, dst_at.get(row)));
                out.dst.push(dst);
                out.amount.push(p.amount);
                out.currency.push(p.currency);
                out.amount_base.push(p.amount_base);
                out.channel.push(p.channel);
            }
            self.checker.spare.give(parsed);
        }
        self.known_ends = ends;
        if !self.shape_read {
            self.numbered = NumberedIds::of(&accounts.ids);
            self.shape_read = true;
        }
    }

    /// Rejects every later row whose id an earlier row has, and returns all the rejects.
    /// Duplicate ids are rare: the id hashes are sorted on every thread and only rows
    /// whose hash another row shares are compared, rather than a map of every id of the
    /// dump kept while reading. The rows rejected here are taken out again, and the
    /// accounts met only in them with them.
    pub fn finish(mut self) -> Vec<Reject> {
        let seen = std::mem::take(&mut self.seen);
        // Only rows whose id hash another row shares can be duplicates: those few are
        // found without sorting every row, then sorted as every row once was.
        let repeated = repeated_hashes(&seen);
        let mut seen: Vec<(u64, u32, u32)> = if repeated.is_empty() {
            Vec::new()
        } else {
            seen.par_iter().filter(|s| repeated.contains(&s.0)).copied().collect()
        };
        seen.par_sort_unstable();
        let (ids, lines) = (&self.out.ids, &self.lines);
        let line = |row: u32| match lines {
            Some(lines) => lines.get(row as usize).copied().unwrap_or(u64::from(row) + 2),
            None => u64::from(row) + 2,
        };
        let file = self.file.as_str();
        let duplicates: Vec<(u32, Reject)> = seen
            .par_chunk_by(|a, b| a.0 == b.0)
            .filter(|same_hash| same_hash.len() > 1)
            .flat_map_iter(|same_hash| {
                // In output (input) order within the group, by the sort.
                let mut first: FxHashMap<&str, u32> = FxHashMap::default();
                let mut found = Vec::new();
                for &(_, at, row) in same_hash {
                    let id = ids.get(at);
                    match first.entry(id) {
                        Entry::Occupied(original) => {
                            let why =
                                format!("duplicate transfer_id (first on line {})", line(*original.get()));
                            found.push((at, Reject::new(file, line(row), "transfer_id", why, id)));
                        }
                        Entry::Vacant(slot) => {
                            slot.insert(row);
                        }
                    }
                }
                found
            })
            .collect();
        drop(seen);
        if !duplicates.is_empty() {
            let mut keep = vec![true; self.out.len()];
            for (at, _) in &duplicates {
                keep[*at as usize] = false;
            }
            self.out.retain(&keep);
            renumber_met_accounts(self.accounts, self.listed, self.out);
        }
        self.rejects.extend(duplicates.into_iter().map(|(_, r)| r));
        self.rejects
    }
}

/// Bits of a hash that pick its bucket in [`repeated_hashes`]: 4,096 buckets, each
/// sorted within the processor's cache at 10M transfers and more.
const BUCKET_BITS: u32 = 12;

/// The hashes that occur more than once in `seen`. Each hash goes to a bucket by its top
/// bits, and each bucket is sorted on its own: sorting the rows themselves, 16 bytes
/// each and most of them unique, took a tenth of a 10M-transfer ingest. Each thread
/// scatters a share of the rows into buckets of its own, and a bucket is the pieces of
/// all shares: scattered on one thread, with the other cores done, the hashes were a
/// tenth of a 10M ingest's wall time (the count, the scatter and 80 MB of fresh pages).
fn repeated_hashes(seen: &[(u64, u32, u32)]) -> FxHashSet<u64> {
    let shift = u64::BITS - BUCKET_BITS;
    let bucket = |h: u64| (h >> shift) as u32;
    let share = seen.len().div_ceil(rayon::current_num_threads().max(1)).max(1 << 16);
    let scattered: Vec<(Vec<u64>, Vec<u32>)> = seen
        .par_chunks(share)
        .map(|part| {
            let starts = crate::graph::csr_offsets(1 << BUCKET_BITS, part.iter().map(|s| bucket(s.0)));
            let mut hashes = vec![0u64; part.len()];
            let mut next = starts.clone();
            for s in part {
                let at = &mut next[bucket(s.0) as usize];
                hashes[*at as usize] = s.0;
                *at += 1;
            }
            (hashes, starts)
        })
        .collect();
    (0..1usize << BUCKET_BITS)
        .into_par_iter()
        .flat_map_iter(|b| {
            fn piece(s: &(Vec<u64>, Vec<u32>), b: usize) -> &[u64] {
                &s.0[s.1[b] as usize..s.1[b + 1] as usize]
            }
            let mut all: Vec<u64> = Vec::with_capacity(scattered.iter().map(|s| piece(s, b).len()).sum());
            for s in &scattered {
                all.extend_from_slice(piece(s, b));
            }
            all.sort_unstable();
            let mut found: Vec<u64> = all.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
            found.dedup();
            found
        })
        .collect()
}

/// Rows ahead whose account slots are asked for while a row's are looked up: enough
/// waits on memory in flight to cover one, few enough that what is asked for is still
/// cached when its row comes.
const LOOKUPS_AHEAD: usize = 8;

/// Interns account `id` first met in a transfer, keeping `numbered` true to the table
/// (or dropping it when it no longer can be).
fn intern(accounts: &mut AccountTable, numbered: &mut Option<NumberedIds>, id: &str) -> u32 {
    let index = accounts.intern(id);
    if numbered.as_mut().is_some_and(|n| !n.insert(id, index)) {
        *numbered = None;
    }
    index
}

/// Numbers the accounts first met in transfers by where they are first met in `out`
/// (sender before receiver), and drops the ones no row of `out` names: as if the rows
/// taken out had never been read.
fn renumber_met_accounts(accounts: &mut AccountTable, listed: usize, out: &mut TransferTable) {
    let met = accounts.len() - listed;
    let mut new_index = vec![u32::MAX; met];
    let mut order: Vec<u32> = Vec::with_capacity(met);
    for k in 0..out.len() {
        for v in [&mut out.src[k], &mut out.dst[k]] {
            let Some(slot) = (*v as usize).checked_sub(listed).map(|i| &mut new_index[i]) else {
                continue;
            };
            if *slot == u32::MAX {
                *slot = (listed + order.len()) as u32;
                order.push(*v);
            }
            *v = *slot;
        }
    }
    let old_ids = accounts.ids.split_off(listed);
    for id in &old_ids {
        accounts.index.remove(id.as_str());
    }
    for (k, &old) in order.iter().enumerate() {
        let id = &old_ids[old as usize - listed];
        accounts.index.insert(id.as_str().into(), (listed + k) as u32);
        accounts.ids.push(id.clone());
    }
    let n = accounts.ids.len();
    accounts.holder.truncate(n);
    accounts.bank.truncate(n);
    accounts.country.truncate(n);
    accounts.opened_on.truncate(n);
    accounts.listed.truncate(n);
}

/// An amount written as money with its currency (`$1,250.00`, `1.250,50 €`), read
/// when the sign may name the row's currency (`currency`, as written); `None` when no
/// sign stands beside the number. A row whose currency is unreadable is refused there.
fn formatted_amount(amount: &str, currency: &str, mark: parse::DecimalMark) -> Option<Result<f64, String>> {
    let (number, sign) = parse::amount_and_currency(amount)?;
    Some(match Currency::from_export(currency) {
        Some(c) if !c.written_as(sign) => {
            Err(format!("amount written in `{sign}`, which is not its currency {c}"))
        }
        _ => parse::amount_in(number, mark).map_err(str::to_owned),
    })
}

/// Names (currencies, channels) as written, each read once by a chunk of rows and
/// remembered: a dump names a handful, which are then neither parsed nor looked up again
/// row after row. Past [`KnownNames::MOST`] names, a dump of many is read as before.
struct KnownNames<T> {
    known: Vec<(u128, T)>,
}

impl<T: Copy> KnownNames<T> {
    const MOST: usize = 16;

    fn new() -> KnownNames<T> {
        KnownNames { known: Vec::new() }
    }

    /// What `read` gives for `text`, read the first time the text is met.
    fn read(&mut self, text: &str, read: impl FnOnce(&str) -> T) -> T {
        let key = short_text_key(text);
        if let Some(&(_, value)) = key.and_then(|key| self.known.iter().find(|k| k.0 == key)) {
            return value;
        }
        let value = read(text);
        if let Some(key) = key.filter(|_| self.known.len() < Self::MOST) {
            self.known.push((key, value));
        }
        value
    }
}

/// A text of at most 15 bytes as one number, its length in the top byte (so that no two
/// texts share one); `None` for a longer text. Compared as a number, a currency or a
/// channel cell costs no call to compare strings.
fn short_text_key(text: &str) -> Option<u128> {
    let bytes = text.as_bytes();
    let mut key = [0u8; 16];
    key.get_mut(..bytes.len())?.copy_from_slice(bytes);
    key[15] = u8::try_from(bytes.len()).ok().filter(|&n| n < 16)?;
    Some(u128::from_le_bytes(key))
}

/// The per-cell checks, on every thread; `None` without the required columns.
fn checked(raw: &RawTable, checker: &Checker<'_>, on_rows: &(dyn Fn(u64) + Sync)) -> Option<Chunks> {
    let Checker { fx, currencies, plausible, spare } = *checker;
    // A table without its own currencies reads every transfer in the configured one.
    let [id, ts, src, dst, amt, cur] = super::schema::TRANSFER_COLUMNS.map(|c| {
        raw.column(c).or_else(|| {
            plausible
                .currency
                .as_ref()
                .filter(|_| c == "currency")
                .map(|code| StrColumn::constant(code.as_str()))
        })
    });
    let (Some(id), Some(ts), Some(src), Some(dst), Some(amt), Some(cur)) = (id, ts, src, dst, amt, cur)
    else {
        return None;
    };
    let channel = raw.column("channel");
    let n = raw.height();
    let chunks: Chunks = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|k| {
            let rows = k * CHUNK..((k + 1) * CHUNK).min(n);
            let len = rows.len() as u64;
            let (mut id_at, mut ts_at, mut amt_at, mut cur_at) = (id.cursor(), ts.cursor(), amt.cursor(), cur.cursor());
            let (mut src_at, mut dst_at) = (src.cursor(), dst.cursor());
            let mut channel_at = channel.as_ref().map(|c| c.cursor());
            let mut known_currencies: KnownNames<Option<(Currency, Option<u16>, RatesOf<'_>)>> = KnownNames::new();
            let mut known_channels: KnownNames<Option<Channel>> = KnownNames::new();
            let mut timestamps = parse::Timestamps::new(plausible.slash_dates);
            let parsed = rows
                .map(|row| {
                    let reject = |field: &str, reason: String, value: &str| {
                        Reject::new(&raw.file, raw.line(row), field, reason, value)
                    };
                    let tid = id_at.get(row);
                    parse::checked_id(tid, "empty transfer_id").map_err(|why| reject("transfer_id", why.into(), tid))?;
                    let ts_text = ts_at.get(row);
                    let time = timestamps.read(ts_text).map_err(|e| reject("timestamp", e.into(), ts_text))?;
                    if time < plausible.earliest.get() || time >= plausible.latest.get() + crate::units::DAY {
                        let why = format!(
                            "timestamp outside [ingest] earliest..latest ({}..{})",
                            crate::units::format_date(plausible.earliest.get()),
                            crate::units::format_date(plausible.latest.get())
                        );
                        return Err(reject("timestamp", why, ts_text));
                    }
                    let s = src_at.get(row);
                    parse::checked_id(s, "empty account id").map_err(|why| reject("src_account", why.into(), s))?;
                    let d = dst_at.get(row);
                    parse::checked_id(d, "empty account id").map_err(|why| reject("dst_account", why.into(), d))?;
                    let amt_text = amt_at.get(row);
                    let mark = plausible.decimal_mark;
                    let amount = parse::amount_in(amt_text, mark)
                        .or_else(|e| formatted_amount(amt_text, cur_at.get(row), mark).unwrap_or(Err(e.into())))
                        .map_err(|why| reject("amount", why, amt_text))?;
                    let max_amount = plausible.max_amount.get();
                    if amount > max_amount {
                        let why = format!("amount is implausible: above [ingest] max_amount {max_amount:e}");
                        return Err(reject("amount", why, amt_text));
                    }
                    let cur_text = cur_at.get(row);
                    let (c, currency, rates) = known_currencies
                        .read(cur_text, |text| {
                            let c = Currency::from_export(text)?;
                            Some((c, currencies.binary_search(&c).ok().map(|k| k as u16), fx.rates_of(c)))
                        })
                        .ok_or_else(|| reject("currency", "not an ISO 4217 code, nor a sign of one currency only ($, £, ¥ and kr name several)".into(), cur_text))?;
                    let rate = match rates.at(time) {
                        Some(rate) => rate,
                        None => fx.rate(c, time).map_err(|e| reject("currency", e, cur_text))?,
                    };
                    let currency =
                        currency.ok_or_else(|| reject("currency", format!("no fx rate for {c}"), cur_text))?;
                    let ch_text = channel_at.as_mut().map(|c| c.get(row)).unwrap_or("");
                    let ch = known_channels.read(ch_text, Channel::parse).ok_or_else(|| {
                        reject(
                            "channel",
                            "unknown channel (expected wire, cash_deposit, cash_withdrawal, card, internal, fx, other, or a payment rail's name such as SEPA, ACH, POS or ATM; see the README)".into(),
                            ch_text,
                        )
                    })?;
                    let id_hash = rustc_hash::FxBuildHasher.hash_one(tid);
                    Ok(Parsed { row: row as u32, id_hash, time, amount, amount_base: amount * rate, currency, channel: ch })
                })
                .fold((spare.take(len as usize), Vec::new()), |(mut ok, mut bad), r| {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Two texts share a key only when they are the same text.
        #[test]
        fn short_texts_have_keys_of_their_own(a in "\\PC{0,15}", b in "\\PC{0,15}") {
            match (short_text_key(&a), short_text_key(&b)) {
                (Some(x), Some(y)) => prop_assert_eq!(x == y, a == b),
                (x, y) => prop_assert!(x.is_none() && a.len() >= 16 || y.is_none() && b.len() >= 16),
            }
        }

        /// The repeated hashes are the ones a count of every hash finds more than once,
        /// whichever buckets they fall in.
        #[test]
        fn repeated_hashes_are_the_ones_counted_twice(
            picks in proptest::collection::vec((0usize..12, any::<u64>()), 0..200),
        ) {
            // A few hashes spread over the buckets (top bits differ), drawn again and again.
            let pool: Vec<u64> = (0..12u64).map(|k| (k << 60) ^ (k * 0x9E37_79B9)).collect();
            let seen: Vec<(u64, u32, u32)> = picks
                .iter()
                .enumerate()
                .map(|(k, &(i, fresh))| (if i < 6 { pool[i] } else { fresh }, k as u32, k as u32))
                .collect();
            let mut counts: FxHashMap<u64, usize> = FxHashMap::default();
            for s in &seen {
                *counts.entry(s.0).or_default() += 1;
            }
            let want: FxHashSet<u64> = counts.into_iter().filter(|&(_, n)| n > 1).map(|(h, _)| h).collect();
            prop_assert_eq!(repeated_hashes(&seen), want);
        }
    }
}
