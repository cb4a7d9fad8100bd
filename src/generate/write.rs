//! Writing a generated dump: the native schema plus truth, CSV or Parquet.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use super::world::{World, COUNTRIES, CURRENCIES, DAY};
use super::{CaseBook, Options, OutFormat, Tx, NO_CASE};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::units::{format_date, format_time};

/// Rows formatted per parallel chunk.
const CHUNK: usize = 200_000;

/// Account id of an account index.
pub fn account_id(a: u32) -> String {
    format!("A{a:08}")
}

fn entity_id(e: u32) -> String {
    format!("E{e:07}")
}

/// Transfer id of an output row.
pub fn transfer_id(i: usize) -> String {
    format!("T{i:09}")
}

/// Amount and currency code as written for a transfer.
fn local_amount(w: &World, t: &Tx) -> (f64, &'static str) {
    let payer = if t.channel == crate::model::Channel::CashDeposit { t.dst } else { t.src };
    let cur = w.currency(payer);
    let amount = (t.usd / w.rate(cur, t.time) * 100.0).round() / 100.0;
    (amount.max(0.01), CURRENCIES[cur].0)
}

/// Writes every file; returns their paths.
pub fn write_all(
    opts: &Options,
    w: &World,
    book: &CaseBook,
    txs: &[Tx],
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, e))?;
    let ext = match opts.format {
        OutFormat::Csv => "csv",
        OutFormat::Parquet => "parquet",
    };
    let mut files = Vec::new();
    let stage = progress.stage("write transfers", Some(txs.len() as u64));
    let path = opts.out.join(format!("transfers.{ext}"));
    match opts.format {
        OutFormat::Csv => transfers_csv(&path, w, txs, &|n| stage.advance(n))?,
        OutFormat::Parquet => transfers_parquet(&path, w, txs, &|n| stage.advance(n))?,
    }
    stage.finish();
    files.push(path);
    files.extend(reference_tables(&opts.out, ext, w)?);
    files.extend(truth_tables(&opts.out, book, txs)?);
    Ok(files)
}

/// accounts, entities, entity_links and fx_rates, in the dump's format.
fn reference_tables(out: &Path, ext: &str, w: &World) -> Result<Vec<PathBuf>> {
    let accounts: Vec<Vec<String>> = w
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let c = COUNTRIES[a.country as usize].code;
            vec![
                account_id(i as u32),
                entity_id(a.holder),
                format!("B-{c}-{}", a.bank),
                c.to_owned(),
                format_date(a.opened),
            ]
        })
        .collect();
    let accounts_header = ["account_id", "holder_id", "bank_id", "country", "opened_on"];
    let mut files = vec![table(out, "accounts", ext, &accounts_header, accounts)?];

    let entities: Vec<Vec<String>> = w
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                entity_id(i as u32),
                e.kind.as_str().to_owned(),
                e.name.clone(),
                COUNTRIES[e.country as usize].code.to_owned(),
                e.incorporated.map(format_date).unwrap_or_default(),
                e.address.clone(),
                e.licence.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let entities_header =
        ["entity_id", "kind", "name", "jurisdiction", "incorporated_on", "registered_address", "licence"];
    files.push(table(out, "entities", ext, &entities_header, entities)?);

    let links: Vec<Vec<String>> =
        w.links.iter().map(|(a, b, r)| vec![entity_id(*a), entity_id(*b), r.as_str().to_owned()]).collect();
    files.push(table(out, "entity_links", ext, &["entity_a", "entity_b", "relation"], links)?);

    let mut fx = Vec::new();
    for day in 0..=w.days {
        for (k, (code, _)) in CURRENCIES.iter().enumerate().skip(1) {
            fx.push(vec![
                format_date(w.start + day * DAY),
                (*code).to_owned(),
                format!("{:.6}", w.rates[k][day as usize]),
            ]);
        }
    }
    files.push(table(out, "fx_rates", ext, &["date", "currency", "rate_to_base"], fx)?);
    Ok(files)
}

/// truth.csv, truth_accounts.csv and seeds.csv: what was injected, always CSV.
fn truth_tables(out: &Path, book: &CaseBook, txs: &[Tx]) -> Result<Vec<PathBuf>> {
    let mut truth = Vec::new();
    for (i, t) in txs.iter().enumerate() {
        if t.case != NO_CASE {
            let (id, pattern) = &book.cases[t.case as usize];
            truth.push(vec![transfer_id(i), id.clone(), pattern.to_string()]);
        }
    }
    let mut files = vec![table(out, "truth", "csv", &["transfer_id", "case_id", "pattern"], truth)?];
    let truth_accounts = book
        .accounts
        .iter()
        .map(|(a, c, role)| {
            let (id, pattern) = &book.cases[*c as usize];
            vec![account_id(*a), id.clone(), pattern.to_string(), (*role).to_owned()]
        })
        .collect();
    let header = ["account_id", "case_id", "pattern", "role"];
    files.push(table(out, "truth_accounts", "csv", &header, truth_accounts)?);
    let seeds =
        book.seeds.iter().map(|(a, c)| vec![account_id(*a), book.cases[*c as usize].0.clone()]).collect();
    files.push(table(out, "seeds", "csv", &["account_id", "case_id"], seeds)?);
    Ok(files)
}

fn transfers_csv(path: &Path, w: &World, txs: &[Tx], advance: &(dyn Fn(u64) + Sync)) -> Result<()> {
    let tmp = path.with_extension("csv.tmp");
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut out = BufWriter::with_capacity(1 << 22, file);
    out.write_all(b"transfer_id,timestamp,src_account,dst_account,amount,currency,channel,memo\n")
        .map_err(|e| Error::io(&tmp, e))?;
    // Format a window of chunks in parallel, write it in order, move on: bounded memory.
    let window = CHUNK * rayon::current_num_threads().max(1) * 2;
    for base in (0..txs.len()).step_by(window) {
        let end = (base + window).min(txs.len());
        let blocks: Vec<Vec<u8>> = (base..end)
            .step_by(CHUNK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|from| {
                let to = (from + CHUNK).min(end);
                let mut buf = Vec::with_capacity((to - from) * 96);
                for (i, t) in txs[from..to].iter().enumerate() {
                    let (amount, cur) = local_amount(w, t);
                    let _ = writeln!(
                        buf,
                        "T{:09},{},A{:08},A{:08},{:.2},{},{},{}",
                        from + i,
                        format_time(t.time),
                        t.src,
                        t.dst,
                        amount,
                        cur,
                        t.channel.as_str(),
                        t.memo.text()
                    );
                }
                buf
            })
            .collect();
        for b in blocks {
            out.write_all(&b).map_err(|e| Error::io(&tmp, e))?;
        }
        advance((end - base) as u64);
    }
    out.flush().map_err(|e| Error::io(&tmp, e))?;
    drop(out);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

fn transfers_parquet(path: &Path, w: &World, txs: &[Tx], advance: &(dyn Fn(u64) + Sync)) -> Result<()> {
    let tmp = path.with_extension("parquet.tmp");
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let pq = |e: PolarsError| Error::io(&tmp, std::io::Error::other(e.to_string()));
    let mut writer = None;
    for from in (0..txs.len().max(1)).step_by(CHUNK * 5) {
        let to = (from + CHUNK * 5).min(txs.len());
        let rows = &txs[from..to];
        let col = |name: &str, f: &(dyn Fn(usize, &Tx) -> String + Sync)| -> Column {
            let v: Vec<String> = rows.par_iter().enumerate().map(|(i, t)| f(from + i, t)).collect();
            Column::new(name.into(), v)
        };
        let amounts: Vec<f64> = rows.par_iter().map(|t| local_amount(w, t).0).collect();
        let df = DataFrame::new(
            rows.len(),
            vec![
                col("transfer_id", &|i, _| transfer_id(i)),
                col("timestamp", &|_, t| format_time(t.time)),
                col("src_account", &|_, t| account_id(t.src)),
                col("dst_account", &|_, t| account_id(t.dst)),
                Column::new("amount".into(), amounts),
                col("currency", &|_, t| local_amount(w, t).1.to_owned()),
                col("channel", &|_, t| t.channel.as_str().to_owned()),
                col("memo", &|_, t| t.memo.text().to_owned()),
            ],
        )
        .map_err(pq)?;
        if writer.is_none() {
            let file = file.try_clone().map_err(|e| Error::io(&tmp, e))?;
            // Buffered: the writer writes each page header field by field. It flushes
            // the buffer with the footer, and reports a failure there.
            writer = Some(
                ParquetWriter::new(BufWriter::with_capacity(1 << 20, file))
                    .batched(df.schema())
                    .map_err(pq)?,
            );
        }
        if let Some(wr) = writer.as_mut() {
            wr.write_batch(&df).map_err(pq)?;
        }
        advance(rows.len() as u64);
    }
    if let Some(wr) = writer {
        wr.finish().map_err(pq)?;
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Writes a small table in the dump's format.
fn table(dir: &Path, name: &str, ext: &str, header: &[&str], rows: Vec<Vec<String>>) -> Result<PathBuf> {
    let path = dir.join(format!("{name}.{ext}"));
    if ext == "parquet" {
        let tmp = path.with_extension("parquet.tmp");
        let pq = |e: PolarsError| Error::io(&tmp, std::io::Error::other(e.to_string()));
        let height = rows.len();
        let mut cols: Vec<Vec<String>> = vec![Vec::with_capacity(height); header.len()];
        for r in rows {
            for (c, v) in cols.iter_mut().zip(r) {
                c.push(v);
            }
        }
        let columns = header.iter().zip(cols).map(|(h, v)| Column::new((*h).into(), v)).collect();
        let mut df = DataFrame::new(height, columns).map_err(pq)?;
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        ParquetWriter::new(BufWriter::with_capacity(1 << 20, file)).finish(&mut df).map_err(pq)?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    } else {
        let mut out = csv::Writer::from_path(&path)
            .map_err(|e| Error::io(&path, std::io::Error::other(e.to_string())))?;
        let err = |e: csv::Error| Error::io(&path, std::io::Error::other(e.to_string()));
        out.write_record(header).map_err(err)?;
        for r in rows {
            out.write_record(&r).map_err(err)?;
        }
        out.flush().map_err(|e| Error::io(&path, e))?;
    }
    Ok(path)
}
