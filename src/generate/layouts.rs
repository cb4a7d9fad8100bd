//! Writing a generated dump in the public datasets' layouts, so that the presets can be
//! tested end to end on data whose truth is known (no public data is copied: the rows are
//! flowhound's own world, only the layout is theirs).
//!
//! - AMLworld: `synthetic_Trans.csv` (with its repeated `Account` header) and
//!   `synthetic_Patterns.txt` (the eight motifs, in LAUNDERING ATTEMPT blocks); every
//!   injected case is `Is Laundering = 1`, as AMLworld also labels laundering outside
//!   the motifs.
//! - AMLSim: `transactions.csv`, `accounts.csv`, `alert_accounts.csv`,
//!   `alert_transactions.csv` with AMLSim's column names; amounts in USD.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::world::{World, COUNTRIES, CURRENCIES};
use super::{CaseBook, CaseKind, Tx, NO_CASE};
use crate::error::{Error, Result};
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::{format_date, format_time};

/// The motif names as AMLworld spells them.
const MOTIFS: [(Pattern, &str); 8] = [
    (Pattern::FanOut, "FAN-OUT"),
    (Pattern::FanIn, "FAN-IN"),
    (Pattern::GatherScatter, "GATHER-SCATTER"),
    (Pattern::ScatterGather, "SCATTER-GATHER"),
    (Pattern::Cycle, "CYCLE"),
    (Pattern::Bipartite, "BIPARTITE"),
    (Pattern::Stack, "STACK"),
    (Pattern::RandomWalk, "RANDOM"),
];

fn write_file(path: &Path, text: &str) -> Result<()> {
    let mut f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    f.write_all(text.as_bytes()).map_err(|e| Error::io(path, e))
}

/// AMLworld's name for one of the world's currencies (others are paid in US Dollar).
fn aw_currency(code: &str) -> Option<&'static str> {
    crate::ingest::presets::amlworld::CURRENCIES.iter().find(|(_, c)| *c == code).map(|(n, _)| *n)
}

fn aw_bank(w: &World, a: u32) -> String {
    let acc = w.accounts[a as usize];
    format!("{:05}", acc.country as u32 * 10 + acc.bank as u32)
}

fn aw_side(w: &World, a: u32, usd: f64, time: i64) -> (String, &'static str) {
    let cur = w.currency(a);
    match aw_currency(CURRENCIES[cur].0) {
        Some(name) => (format!("{:.2}", usd / w.rate(cur, time)), name),
        None => (format!("{usd:.2}"), "US Dollar"),
    }
}

fn aw_row(w: &World, t: &Tx, k: usize) -> String {
    let time = chrono::DateTime::from_timestamp(t.time, 0)
        .map(|d| d.format("%Y/%m/%d %H:%M").to_string())
        .unwrap_or_default();
    let (paid, paid_cur) = aw_side(w, t.src, t.usd, t.time);
    let (received, recv_cur) = aw_side(w, t.dst, t.usd, t.time);
    let format = match t.channel {
        Channel::Wire if k % 3 == 0 => "ACH",
        Channel::Wire | Channel::Fx => "Wire",
        Channel::Card => "Credit Card",
        Channel::CashDeposit | Channel::CashWithdrawal => "Cash",
        Channel::Internal => "Reinvestment",
        Channel::Other => "Cheque",
    };
    format!(
        "{time},{},{:X},{},{:X},{received},{recv_cur},{paid},{paid_cur},{format},{}",
        aw_bank(w, t.src),
        0x8000_0000u64 + t.src as u64,
        aw_bank(w, t.dst),
        0x8000_0000u64 + t.dst as u64,
        u8::from(t.case != NO_CASE)
    )
}

/// Writes the AMLworld layout; returns the files.
pub fn amlworld(dir: &Path, w: &World, book: &CaseBook, txs: &[Tx]) -> Result<Vec<PathBuf>> {
    let mut trans = String::with_capacity(txs.len() * 90 + 200);
    trans.push_str("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering\n");
    let mut by_case: Vec<Vec<usize>> = vec![Vec::new(); book.cases.len()];
    for (k, t) in txs.iter().enumerate() {
        trans.push_str(&aw_row(w, t, k));
        trans.push('\n');
        if t.case != NO_CASE {
            by_case[t.case as usize].push(k);
        }
    }
    let trans_path = dir.join("synthetic_Trans.csv");
    write_file(&trans_path, &trans)?;
    let mut patterns = String::new();
    for (c, (_, pattern)) in book.cases.iter().enumerate() {
        let Some((_, name)) = MOTIFS.iter().find(|(p, _)| CaseKind::Detected(*p) == *pattern) else {
            continue;
        };
        let _ = writeln!(patterns, "BEGIN LAUNDERING ATTEMPT - {name}");
        for &k in &by_case[c] {
            let _ = writeln!(patterns, "{}", aw_row(w, &txs[k], k));
        }
        let _ = writeln!(patterns, "END LAUNDERING ATTEMPT - {name}\n");
    }
    let patterns_path = dir.join("synthetic_Patterns.txt");
    write_file(&patterns_path, &patterns)?;
    Ok(vec![trans_path, patterns_path])
}

fn sim_type(c: Channel) -> &'static str {
    match c {
        Channel::CashDeposit => "CASH-IN",
        Channel::CashWithdrawal => "CASH-OUT",
        Channel::Card => "CREDIT",
        _ => "TRANSFER",
    }
}

/// Writes the AMLSim layout; returns the files.
pub fn amlsim(dir: &Path, w: &World, book: &CaseBook, txs: &[Tx]) -> Result<Vec<PathBuf>> {
    let mut tx =
        String::from("tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp,is_sar,alert_id\n");
    let mut alert_tx = String::from(
        "alert_id,alert_type,is_sar,tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp\n",
    );
    for (k, t) in txs.iter().enumerate() {
        let sar = t.case != NO_CASE;
        let alert = if sar { t.case as i64 } else { -1 };
        let (kind, ts) = (sim_type(t.channel), format_time(t.time));
        let _ = writeln!(tx, "{k},{},{},{kind},{:.2},{ts},{sar},{alert}", t.src, t.dst, t.usd);
        if sar {
            let _ = writeln!(
                alert_tx,
                "{alert},{},true,{k},{},{},{kind},{:.2},{ts}",
                book.cases[t.case as usize].1, t.src, t.dst, t.usd
            );
        }
    }
    let mut accounts = String::from("acct_id,dsply_nm,type,acct_stat,acct_rptng_crncy,branch_id,open_dt,close_dt,initial_deposit,tx_behavior_id,bank_id,country\n");
    for (a, acc) in w.accounts.iter().enumerate() {
        let c = COUNTRIES[acc.country as usize].code;
        let _ = writeln!(
            accounts,
            "{a},C_{a},SAV,A,USD,{},{},,0,1,bank{},{c}",
            acc.bank,
            format_date(acc.opened),
            acc.country
        );
    }
    let mut alert_acc =
        String::from("alert_id,alert_type,acct_id,acct_name,is_sar,model_id,start,end,schedule_id,bank_id\n");
    for &(a, c, _) in &book.accounts {
        let acc = w.accounts[a as usize];
        let _ =
            writeln!(alert_acc, "{c},{},{a},C_{a},true,0,,,0,bank{}", book.cases[c as usize].1, acc.country);
    }
    let mut files = Vec::new();
    for (name, text) in [
        ("transactions.csv", tx),
        ("accounts.csv", accounts),
        ("alert_accounts.csv", alert_acc),
        ("alert_transactions.csv", alert_tx),
    ] {
        let p = dir.join(name);
        write_file(&p, &text)?;
        files.push(p);
    }
    Ok(files)
}
