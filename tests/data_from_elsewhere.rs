//! Data flowhound did not generate: the IBM AMLSim run in `../shared/data/amlsim-dev`
//! (see its README), read as a real user's dump would be, with its label columns
//! removed, then scored against its alert files; and the AI Sweden AMLGentex run in
//! `../shared/data/amlgentex-dev`, whose label column is all false (its truth is kept
//! apart). They are examples of data from elsewhere, never targets: no parameter is
//! fitted to them. The bounds below are what
//! the default configuration reaches on it, kept as a floor against regressions; the
//! goal stated in the detection issue is recall >= 0.8 for every typology.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use common::*;
use flowhound::export::rows::{CaseCoverageRow, QualityRow, ScoreRow};
use flowhound::Pattern;

/// The share of each typology's truth accounts in some lead, whatever pattern the lead
/// names (eval_cases.csv), at least `floor`; and at least `found` of all its cases held
/// half by one lead.
fn typologies_reach(out: &Path, floors: &[(&str, f64)], found: usize, shown: &str) {
    let coverage: Vec<CaseCoverageRow> = typed(&out.join("eval_cases.csv"));
    let row = |t: &str| coverage.iter().find(|r| r.typology.as_str() == t).unwrap();
    for &(typology, floor) in floors {
        assert!(row(typology).account_recall.0 >= floor, "{typology}: {shown}");
    }
    assert!(row("ANY").cases_found >= found, "{shown}");
}

fn amlsim_dev() -> Option<PathBuf> {
    shared_data("amlsim-dev")
}

/// `../shared/data/NAME`, when the clone has shared/ beside it.
fn shared_data(name: &str) -> Option<PathBuf> {
    let dir = root().join("..").join("shared").join("data").join(name);
    if dir.join("transactions.csv.gz").is_file() {
        return Some(dir);
    }
    // CI lays shared/ beside the clone; a clone on its own has no such data.
    assert!(
        std::env::var_os("CI").is_none(),
        "CI runs with shared/ beside the clone: {} missing",
        dir.display()
    );
    eprintln!("skipped: {} not found", dir.display());
    None
}

/// transactions.csv without `is_sar` / `alert_id`, and accounts.csv, as a bank would
/// hand them over.
fn unlabelled_copy(src: &Path, dst: &Path) {
    unlabelled_copy_with_kinds(src, dst, |_, _| None);
}

/// [`unlabelled_copy`], with each transfer's `tx_type` replaced by what `kind` gives its
/// sender and receiver (kept when it gives nothing).
fn unlabelled_copy_with_kinds(src: &Path, dst: &Path, kind: impl Fn(&str, &str) -> Option<&'static str>) {
    unlabelled_copy_editing(src, dst, |c, fields| {
        if let Some(k) = kind(&fields[c.orig], &fields[c.bene]) {
            fields[c.tx_type] = k.to_owned();
        }
    });
}

/// [`unlabelled_copy`], with every amount multiplied by `factor` (written to a ten
/// thousandth: the smallest amount, 1.29, stays above it at a hundredth).
fn unlabelled_copy_scaled(src: &Path, dst: &Path, factor: f64) {
    unlabelled_copy_editing(src, dst, |c, fields| {
        let amount: f64 = fields[c.amount].parse().unwrap();
        fields[c.amount] = format!("{:.4}", amount * factor);
    });
}

/// Where the columns a copy may edit are.
struct Columns {
    orig: usize,
    bene: usize,
    tx_type: usize,
    amount: usize,
}

/// [`unlabelled_copy`] (of whichever label columns there are), each transfer's fields
/// edited by `edit` first.
fn unlabelled_copy_editing(src: &Path, dst: &Path, edit: impl Fn(&Columns, &mut [String])) {
    let gz = std::fs::File::open(src.join("transactions.csv.gz")).unwrap();
    let mut lines = BufReader::new(flate2::read::GzDecoder::new(gz)).lines();
    let header: Vec<String> =
        lines.next().unwrap().unwrap().split(',').map(|h| h.trim().to_owned()).collect();
    let keep: Vec<usize> =
        (0..header.len()).filter(|&i| header[i] != "is_sar" && header[i] != "alert_id").collect();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let columns = Columns {
        orig: column("orig_acct"),
        bene: column("bene_acct"),
        tx_type: column("tx_type"),
        amount: column("base_amt"),
    };
    assert!(keep.len() < header.len(), "a label column present in {header:?}");
    let mut out = std::io::BufWriter::new(std::fs::File::create(dst.join("transactions.csv")).unwrap());
    let pick = |fields: &[String]| keep.iter().map(|&i| fields[i].as_str()).collect::<Vec<_>>().join(",");
    writeln!(out, "{}", pick(&header)).unwrap();
    for line in lines {
        let line = line.unwrap();
        let mut fields: Vec<String> = line.trim_end_matches('\r').split(',').map(str::to_owned).collect();
        edit(&columns, &mut fields);
        writeln!(out, "{}", pick(&fields)).unwrap();
    }
    out.flush().unwrap();
    std::fs::copy(src.join("accounts.csv"), dst.join("accounts.csv")).unwrap();
}

/// truth.csv from the alert transfers, truth_accounts.csv from their two ends.
fn truth(src: &Path, dst: &Path) {
    let mut ends = std::collections::HashMap::new();
    let gz = std::fs::File::open(src.join("transactions.csv.gz")).unwrap();
    let mut r = csv::Reader::from_reader(flate2::read::GzDecoder::new(gz));
    for rec in r.records() {
        let rec = rec.unwrap();
        ends.insert(rec[0].to_owned(), (rec[1].to_owned(), rec[2].to_owned()));
    }
    let mut transfers = csv::Writer::from_path(dst.join("truth.csv")).unwrap();
    transfers.write_record(["transfer_id", "case_id", "pattern"]).unwrap();
    let mut accounts = BTreeSet::new();
    let mut r = csv::Reader::from_path(src.join("alert_transactions.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (alert, kind, tran) = (col("alert_id"), col("alert_type"), col("tran_id"));
    for rec in r.records() {
        let rec = rec.unwrap();
        let case = format!("alert-{}", &rec[alert]);
        transfers.write_record([&rec[tran], &case, &rec[kind]]).unwrap();
        let (s, d) = &ends[&rec[tran]];
        accounts.insert((s.clone(), case.clone(), rec[kind].to_owned(), "sender"));
        accounts.insert((d.clone(), case, rec[kind].to_owned(), "receiver"));
    }
    transfers.flush().unwrap();
    let mut w = csv::Writer::from_path(dst.join("truth_accounts.csv")).unwrap();
    w.write_record(["account_id", "case_id", "pattern", "role"]).unwrap();
    for (a, c, p, role) in accounts {
        w.write_record([a.as_str(), &c, &p, role]).unwrap();
    }
    w.flush().unwrap();
}

#[test]
fn amlsim_without_labels_gives_leads_that_hold_up_at_the_top() {
    let Some(src) = amlsim_dev() else { return };
    let work = tempfile::tempdir().unwrap();
    let (dump, truth_dir, out) =
        (work.path().join("dump"), work.path().join("truth"), work.path().join("out"));
    for d in [&dump, &truth_dir] {
        std::fs::create_dir_all(d).unwrap();
    }
    unlabelled_copy(&src, &dump);
    truth(&src, &truth_dir);
    let run = ok(&["analyze", "--preset", "amlsim", s(&dump), "--out", s(&out)]);
    let t = text(&run);
    assert!(t.contains("transfers: read 115553 = accepted 115553 + rejected 0"), "{t}");
    assert!(!out.join("truth.csv").exists(), "no labels, no truth written");
    assert!(t.contains("floors: "), "the summary shows the derived floors: {t}");
    let eval = ok(&["eval", "--truth", s(&truth_dir.join("truth.csv")), "--leads", s(&out)]);
    let quality: Vec<QualityRow> = typed(&out.join("eval_leads.csv"));
    let measure =
        |name: &str| -> f64 { quality.iter().find(|r| r.measure.as_str() == name).unwrap().number() };
    let shown = text(&eval);
    assert!(measure("leads") >= 20.0, "{shown}");
    assert!(measure("precision_at_10") >= 0.8, "{shown}");
    assert!(measure("precision_at_20") >= 0.8, "{shown}");
    assert!(measure("largest_lead_accounts") <= 50.0, "{shown}");
    // Per typology: recall a little under where the motif detectors reach today (fan_in
    // 0.62 since new senders on a schedule count, fan_out 0.79 since new payees paid off
    // the hub's own rhythm count (0.38 before), scatter_gather 0.75,
    // gather_scatter 0.58, cycle 0.94, bipartite 0.90), at account level, so a change
    // that loses ground here fails.
    // bipartite was 0 by name (0.90 as fan_out) while a layer needed two sources: this
    // simulator's bipartite is one account paying the same payees every day.
    let scores: Vec<ScoreRow> = typed(&out.join("eval.csv"));
    let account_row = |pattern: &str| {
        scores.iter().find(|r| r.pattern.as_str() == pattern && r.level.as_str() == "account").unwrap()
    };
    for (p, floor) in [
        (Pattern::FanIn, 0.55),
        (Pattern::FanOut, 0.7),
        (Pattern::ScatterGather, 0.7),
        (Pattern::GatherScatter, 0.5),
        (Pattern::Cycle, 0.85),
        (Pattern::Bipartite, 0.8),
    ] {
        assert!(account_row(p.code()).recall.0 >= floor, "{p}: {shown}");
    }
    // ...and fan_out no longer names those layers' accounts (its precision was 0.21),
    // nor the mules of scatter-gathers that passed on sums of their own (0.64); 0.859
    // with the fans off the hubs' rhythm (the rest other alerts' accounts).
    assert!(account_row(Pattern::FanOut.code()).precision.0 >= 0.8, "{shown}");
    // Walks off the payers' rhythms name no other alert's accounts (1.000): those read
    // through quiet accounts along a cycle alert give way to the cycle (0.629 before).
    assert!(account_row(Pattern::RandomWalk.code()).precision.0 >= 0.9, "{shown}");
    let any_precision = account_row("ANY").precision.0;
    assert!(any_precision >= 0.8, "{shown}");
    // Per typology, whatever the leads call it (a simulator's stack of one sender is
    // our bipartite), a little under today's: bipartite 0.898, cycle 0.939,
    // scatter_gather 0.908, stack 0.844, gather_scatter 0.801 (0.719 before hubs that
    // break their own rhythm to pay on what strangers paid in), fan_in 0.623, fan_out
    // 0.815 (0.384 before fans off the hubs' rhythm), random 0.676 (0.102 before walks
    // off their payers' rhythm, 0.407 while such a walk's first sum had to pass the
    // floor, 0.500 before quiet accounts without a rhythm could hand the money on,
    // 0.593 while a hand-over had three days rather than a week); 129 of 155 cases
    // held half by one lead.
    let floors = [
        ("bipartite", 0.85),
        ("cycle", 0.9),
        ("scatter_gather", 0.85),
        ("stack", 0.8),
        ("gather_scatter", 0.75),
        ("fan_in", 0.55),
        ("fan_out", 0.7),
        ("random", 0.6),
    ];
    typologies_reach(&out, &floors, 124, &shown);
}

/// AMLSim draws each account pair's transaction type from its `transactionType.csv`,
/// and its own `paramFiles/1M` set draws WIRE, CREDIT, DEPOSIT and CHECK (5:10:15:20).
/// All of them move money from one account to another: a credit transfer is no card
/// purchase, which the motifs leave out, and reading it as one hid a fifth of the
/// transfers (cycle recall 0.74 -> 0.24, scatter_gather 0.75 -> 0.42). With the kinds
/// drawn per pair as AMLSim draws them, the leads are the ones of the run where every
/// transfer is a TRANSFER.
#[test]
fn amlsim_transaction_types_of_its_own_parameter_sets_find_the_same_leads() {
    let Some(src) = amlsim_dev() else { return };
    let work = tempfile::tempdir().unwrap();
    let run = |name: &str, kind: &dyn Fn(&str, &str) -> Option<&'static str>| {
        let (dump, out) = (work.path().join(name), work.path().join(format!("{name}-out")));
        std::fs::create_dir_all(&dump).unwrap();
        unlabelled_copy_with_kinds(&src, &dump, kind);
        ok(&["analyze", "--preset", "amlsim", s(&dump), "--out", s(&out), "-q"]);
        out
    };
    let plain = run("transfer", &|_, _| None);
    let drawn = run("kinds", &|orig, bene| {
        // A pair's draw, fixed by its two ids, in AMLSim's 1M proportions.
        let h = orig
            .bytes()
            .chain([b'>'])
            .chain(bene.bytes())
            .fold(17u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        Some(match h % 50 {
            0..5 => "WIRE",
            5..15 => "CREDIT",
            15..30 => "DEPOSIT",
            _ => "CHECK",
        })
    });
    let kinds = std::fs::read_to_string(work.path().join("kinds").join("transactions.csv")).unwrap();
    for k in ["WIRE", "CREDIT", "DEPOSIT", "CHECK"] {
        assert!(kinds.contains(&format!(",{k},")), "{k} drawn");
    }
    for f in ["leads.csv", "lead_accounts.csv", "lead_hits.csv", "lead_transfers.csv"] {
        let (a, b) = (std::fs::read(plain.join(f)).unwrap(), std::fs::read(drawn.join(f)).unwrap());
        assert!(a == b, "{f} differs once transfers carry AMLSim's other types");
    }
}

/// Scale-free thresholds on data from elsewhere: the same run with every amount a
/// hundred times larger, or a hundred times smaller, gives the same leads, ranked and
/// scored alike, over the same accounts in the same roles, proven by the same
/// transfers; only amounts differ. UB2 is left out: its reporting thresholds are the
/// law's, absolute by design, and a hundred times AMLGentex's amounts reach them (one
/// customer there pays another the same 970.62 on twelve days of a month, 97,062 at
/// that scale, just under a 100,000 USD line).
fn same_leads_at_a_hundred_times_or_a_hundredth(src: &Path) {
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("no-ub2.toml");
    std::fs::write(&config, "disabled = [\"UB2\"]\n").unwrap();
    let run = |name: &str, factor: f64| {
        let (dump, out) = (work.path().join(name), work.path().join(format!("{name}-out")));
        std::fs::create_dir_all(&dump).unwrap();
        unlabelled_copy_scaled(src, &dump, factor);
        ok(&["analyze", "--preset", "amlsim", s(&dump), "--out", s(&out), "--config", s(&config), "-q"]);
        out
    };
    // The columns of each lead file that hold no amount (nor text quoting one).
    let without_amounts = |out: &Path, file: &str, columns: &[&str]| -> Vec<Vec<String>> {
        let mut r = csv::Reader::from_path(out.join(file)).unwrap();
        let h = r.headers().unwrap().clone();
        let at: Vec<usize> = columns.iter().map(|c| h.iter().position(|x| x == *c).unwrap()).collect();
        r.records().map(|rec| at.iter().map(|&i| rec.as_ref().unwrap()[i].to_owned()).collect()).collect()
    };
    let files: [(&str, &[&str]); 4] = [
        ("leads.csv", &["lead_id", "rank", "score", "patterns", "account_count", "first_seen", "last_seen"]),
        ("lead_accounts.csv", &["lead_id", "account_id", "role"]),
        ("lead_hits.csv", &["lead_id", "pattern", "strength", "first_seen", "last_seen"]),
        ("lead_transfers.csv", &["lead_id", "transfer_id", "pattern"]),
    ];
    let plain = run("as-is", 1.0);
    let leads = without_amounts(&plain, "leads.csv", &["lead_id"]);
    assert!(leads.len() >= 50, "the run as it is finds its leads: {}", leads.len());
    for (name, factor) in [("larger", 100.0), ("smaller", 0.01)] {
        let scaled = run(name, factor);
        for (file, columns) in files {
            assert_eq!(
                without_amounts(&plain, file, columns),
                without_amounts(&scaled, file, columns),
                "{file} differs with amounts {name} by {factor}"
            );
        }
    }
}

#[test]
fn amlsim_amounts_a_hundred_times_larger_or_smaller_find_the_same_leads() {
    let Some(src) = amlsim_dev() else { return };
    same_leads_at_a_hundred_times_or_a_hundredth(&src);
}

#[test]
fn amlgentex_amounts_a_hundred_times_larger_or_smaller_find_the_same_leads() {
    let Some(src) = shared_data("amlgentex-dev") else { return };
    same_leads_at_a_hundred_times_or_a_hundredth(&src);
}

#[test]
fn amlgentex_gives_leads_that_hold_up_at_the_top() {
    let Some(src) = shared_data("amlgentex-dev") else { return };
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let run = ok(&["analyze", "--preset", "amlsim", s(&src), "--out", s(&out)]);
    let t = text(&run);
    assert!(t.contains("transfers: read 67732 = accepted 67732 + rejected 0"), "{t}");
    let eval = ok(&["eval", "--truth", s(&src.join("truth.csv")), "--leads", s(&out)]);
    let quality: Vec<QualityRow> = typed(&out.join("eval_leads.csv"));
    let measure =
        |name: &str| -> f64 { quality.iter().find(|r| r.measure.as_str() == name).unwrap().number() };
    let shown = text(&eval);
    assert!(measure("precision_at_10") >= 0.8, "{shown}");
    assert!(measure("precision_at_20") >= 0.8, "{shown}");
    assert!(measure("precision_at_50") >= 0.8, "{shown}");
    // Per pattern, a little under where the motif detectors reach today (cycle
    // 0.746 / 0.538, scatter_gather 0.857 / 0.552, fan_out recall 0.545, fan_in recall
    // 0.537, 0.571 before a busy hub's month of new senders was read against its other
    // payments as a sample (one hub of four cases, its history full of the others'
    // sums, no longer passes); fan_in was 0.449 while a collection account paid by strangers for two
    // months was read a month at a time, the other month counted as its habit): loops of strangers and intermediaries keeping the same share are what find
    // the first two, fans spread over a month and read by their amounts the last two.
    // scatter_gather was 0.215 while a busy intermediary's relay counted one payment in
    // its delay, not the dozen it makes: four busy mules that paid one target within
    // four weeks passed as one in 658,112, and no longer do (0.178); reading relays up
    // to two months on, not four weeks, finds quieter mules that take longer (0.282);
    // busy mules that each pass on most of what they got weeks later are found on those
    // amounts too (0.331).
    // Cycle recall was 0.387 while a quiet account's few one-off payments alone said how
    // rare its payment was (never rarer than one in its count plus two).
    // fan_out was 0.614 while a payee paid again after a month's silence still counted
    // as new: one hub's week then held eleven "new" payees where five were its case's,
    // and the count passed the chance test on the strength of its regular payees.
    let scores: Vec<ScoreRow> = typed(&out.join("eval.csv"));
    let account_row = |pattern: &str| {
        scores.iter().find(|r| r.pattern.as_str() == pattern && r.level.as_str() == "account").unwrap()
    };
    // gather_scatter was 0.010 before hubs passing on exactly the dump's cut (its relays
    // keep a tenth) were read: 0.490; 0.385 since hubs that took from one source and
    // paid one target are read as the intermediaries of one scatter-gather (u -> {w} -> v
    // with two or more w, typologies.md), which took scatter_gather from 0.331 to 0.552.
    for (p, recall) in [
        (Pattern::Cycle, 0.5),
        (Pattern::ScatterGather, 0.5),
        (Pattern::FanOut, 0.5),
        (Pattern::FanIn, 0.5),
        (Pattern::GatherScatter, 0.35),
    ] {
        assert!(account_row(p.code()).recall.0 >= recall, "{p}: {shown}");
    }
    assert!(account_row(Pattern::Cycle.code()).precision.0 >= 0.7, "{shown}");
    // 0.815 today (0.826 before a busy hub's month of new senders was read as a sample
    // against its others; 0.803 before fans over two months were read; 0.730 before hubs passing on exactly the dump's cut were read; 0.710
    // while a hub's repayments counted as legs of its fans; 0.704
    // before a fan running a little past its window was continued):
    // 0.609 while a hit's amounts were read against a short history alone
    // (one added above and below rather than two drawn from the dump's amounts), 0.577
    // before bipartite layers were read window by window and loops of one-off payments
    // against the dump's amounts.
    assert!(account_row("ANY").recall.0 >= 0.8, "{shown}");
    // Payees and senders that come back after a month are not fans: 0.598 (0.480 when
    // they counted as new); 0.578 since short histories are read with the dump's
    // amounts beside them (more fans found, some of them everyday); 0.569 since a fan
    // running a little past its window takes its first or last counterparty too; 0.631
    // since paying people back their own money is no fan-out; 0.669 with fan-ins too;
    // 0.718 since a week's window of eight dates is read over the eight days it may
    // have taken; 0.724 since fans spread over two months are read whole (0.719 with
    // the fans' chance budgets widened with the hits they find, 1.65x and 1.35x here).
    assert!(account_row("ANY").precision.0 >= 0.64, "{shown}");
    // Per typology, whatever the leads call it, every one at the 0.8 the detection
    // aims for: bipartite 0.964, scatter_gather 0.951, fan_out 0.921, fan_in 0.837
    // (0.857 before a busy hub's month was read as a sample, 0.789 before fans over two
    // months), cycle 0.828, stack 0.802, gather_scatter 0.817; 51 of 84 cases held half
    // by one lead (its accounts serve several cases at
    // once, so a case's accounts spread over several leads).
    let floors = [
        ("bipartite", 0.9),
        ("scatter_gather", 0.9),
        ("fan_out", 0.9),
        ("fan_in", 0.8),
        ("cycle", 0.8),
        ("gather_scatter", 0.8),
        ("stack", 0.8),
    ];
    typologies_reach(&out, &floors, 48, &shown);
    // Leads that mix cases: 29 of 90, but AMLGentex draws its cases' accounts from one
    // pool (188 of the 466 truth accounts serve two cases or more), so a lead about one
    // such account holds accounts of each of its cases. 13 hold cases that share no
    // account inside the lead, nine of them single fans with payments of two or more
    // cases, or of a case and of everyday business.
    let (mixed, unlinked) = (measure("mixed_case_leads"), measure("mixed_unlinked_case_leads"));
    assert!(unlinked <= mixed && unlinked <= 15.0, "{shown}");
}
