//! Public dataset layouts: detected, read through the same validation, labels turned
//! into truth that `eval` scores.

mod common;

use common::*;
use flowhound::export::rows::{ScoreRow, TruthAccountRow, TruthTransferRow};
use flowhound::Pattern;

fn analyze(dump: &str, extra: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["analyze", dump, "--out", s(out.path())];
    args.extend_from_slice(extra);
    (flowhound(&args), out)
}

#[test]
fn amlworld_is_detected_read_and_scored() {
    let dump = fixture("amlworld");
    let (run, out) = analyze(s(&dump), &[]);
    assert_eq!(code(&run), 0, "{}", text(&run));
    let t = text(&run);
    assert!(t.contains("input layout: amlworld (detected)"), "{t}");
    assert!(
        t.contains("transfers: read 4000 = accepted 4000 + rejected 0"),
        "every currency converts at the implied rates: {t}"
    );
    assert!(t.contains("skipped: no account countries"), "AMLworld has no countries: {t}");
    let truth: Vec<TruthTransferRow> = typed(&out.path().join("truth.csv"));
    assert!(truth.iter().all(|r| r.transfer_id.as_str().starts_with('L')));
    let patterns: std::collections::BTreeSet<&str> = truth.iter().map(|r| r.pattern.as_str()).collect();
    let motifs = [
        Pattern::FanOut,
        Pattern::FanIn,
        Pattern::Cycle,
        Pattern::ScatterGather,
        Pattern::GatherScatter,
        Pattern::Bipartite,
        Pattern::Stack,
        Pattern::RandomWalk,
    ];
    // AMLworld's unnamed laundering transfers keep their own label.
    for p in motifs.iter().map(|p| p.code()).chain(["laundering"]) {
        assert!(patterns.contains(p), "{p} missing from {patterns:?}");
    }
    // Truth lines point at the right rows: each names a row labelled 1 in the file.
    let text_file = std::fs::read_to_string(dump.join("synthetic_Trans.csv")).unwrap();
    let lines: Vec<&str> = text_file.lines().collect();
    for r in truth.iter().take(50) {
        let line: usize = r.transfer_id.as_str()[1..].parse().unwrap();
        assert!(lines[line - 1].ends_with(",1"), "{} -> {}", r.transfer_id, lines[line - 1]);
    }
    ok(&["eval", "--truth", s(&out.path().join("truth.csv")), "--leads", s(out.path())]);
    let table: Vec<ScoreRow> = typed(&out.path().join("eval.csv"));
    let any = table.iter().find(|r| r.pattern.as_str() == "ANY" && r.level.as_str() == "transfer").unwrap();
    assert!(any.true_positive > 0, "leads hit laundering transfers: {any:?}");
    assert!(any.precision.0 > 0.9, "what is flagged is laundering: {any:?}");
}

#[test]
fn amlsim_is_detected_read_and_scored() {
    let (run, out) = analyze(s(&fixture("amlsim")), &[]);
    assert_eq!(code(&run), 0, "{}", text(&run));
    let t = text(&run);
    assert!(t.contains("input layout: amlsim (detected)"), "{t}");
    assert!(
        t.contains("accounts: read") && t.contains("transfers: read 4000 = accepted 4000 + rejected 0"),
        "{t}"
    );
    let truth_accounts: Vec<TruthAccountRow> = typed(&out.path().join("truth_accounts.csv"));
    let labelled = |p: Pattern| truth_accounts.iter().any(|r| r.pattern.as_str() == p.code());
    assert!(labelled(Pattern::Ub1) && labelled(Pattern::FanIn));
    ok(&["eval", "--truth", s(&out.path().join("truth.csv")), "--leads", s(out.path())]);
    let table: Vec<ScoreRow> = typed(&out.path().join("eval.csv"));
    let ub1 =
        table.iter().find(|r| r.pattern.as_str() == Pattern::Ub1.code() && r.level.as_str() == "account");
    let ub1 = ub1.unwrap();
    assert!(ub1.recall.0 >= 0.9, "UB1 recall on AMLSim layout: {ub1:?}");
}

/// `[ingest] encoding` reaches the layouts' own tables too: AMLSim's accounts, its
/// names written in GBK, read as the native accounts are.
#[test]
fn amlsim_accounts_in_gbk_read_as_the_encoding_says() {
    let dump = tempfile::tempdir().unwrap();
    for f in ["transactions.csv", "alert_accounts.csv", "alert_transactions.csv"] {
        std::fs::copy(fixture(&format!("amlsim/{f}")), dump.path().join(f)).unwrap();
    }
    let accounts = std::fs::read_to_string(fixture("amlsim/accounts.csv")).unwrap().replace(",C_", ",张伟_");
    let (bytes, _, _) = encoding_rs::GBK.encode(&accounts);
    std::fs::write(dump.path().join("accounts.csv"), &bytes).unwrap();
    let config = dump.path().join("gbk.toml");
    std::fs::write(&config, "[ingest]\nencoding = \"gbk\"\n").unwrap();
    let (run, out) = analyze(s(dump.path()), &["--config", s(&config)]);
    assert_eq!(code(&run), 0, "{}", text(&run));
    let read = text(&run).lines().find(|l| l.starts_with("accounts: read")).unwrap().to_owned();
    assert!(read.ends_with("+ rejected 0"), "{read}");
    let (plain, plain_out) = analyze(s(&fixture("amlsim")), &[]);
    assert_eq!(code(&plain), 0);
    assert!(text(&plain).contains(&read), "the same accounts read: {read}");
    for f in ["leads.csv", "lead_accounts.csv", "lead_transfers.csv"] {
        let same =
            std::fs::read(out.path().join(f)).unwrap() == std::fs::read(plain_out.path().join(f)).unwrap();
        assert!(same, "{f} differs");
    }
}

#[test]
fn a_single_amlworld_file_and_an_explicit_preset_work() {
    let file = fixture("amlworld/synthetic_Trans.csv");
    let (run, out) = analyze(s(&file), &["--preset", "amlworld"]);
    assert_eq!(code(&run), 0, "{}", text(&run));
    assert!(text(&run).contains("input layout: amlworld (as given)"));
    assert!(out.path().join("truth.csv").exists(), "the patterns file beside it is found");
}

#[test]
fn a_wrong_preset_is_a_clear_error() {
    let (run, _) = analyze(s(&fixture("amlworld")), &["--preset", "amlsim"]);
    assert_eq!(code(&run), 2, "{}", text(&run));
    assert!(text(&run).contains("transactions.csv"), "{}", text(&run));
    let (run, _) = analyze(s(&fixture("sample")), &["--preset", "amlworld"]);
    assert_eq!(code(&run), 2, "{}", text(&run));
    assert!(text(&run).contains("_Trans.csv"), "{}", text(&run));
}
