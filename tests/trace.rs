//! `flowhound trace` end to end: conservation to the cent, recall of the true
//! destinations, determinism, seeds by holder, and errors in SEEDS.csv.

mod common;

use common::*;
use flowhound::export::rows::{
    Money, TraceHoldingRow, TraceJurisdictionRow, TracePathRow, TraceScoreRow, TraceSummaryRow,
};

/// `flowhound trace` on the sample with its seeds into `out`, plus `extra` options.
fn trace_sample(out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let (dump, seeds) = (fixture("sample"), fixture("sample/seeds.csv"));
    let mut args = vec!["trace", s(&dump), "--seeds", s(&seeds), "--out", s(out)];
    args.extend_from_slice(extra);
    ok(&args)
}

/// Parses a money cell to cents.
fn cents(m: Money) -> i64 {
    (m.0 * 100.0).round() as i64
}

#[test]
fn sample_trace_conserves_and_finds_the_destinations() {
    let out = tempfile::tempdir().unwrap();
    for rule in ["proportional", "fifo", "lifo"] {
        let run = trace_sample(out.path(), &["--rule", rule, "--direction", "both"]);
        assert!(
            text(&run).contains("[conserved]") && !text(&run).contains("NOT CONSERVED"),
            "{}",
            text(&run)
        );
        let summary: Vec<TraceSummaryRow> = typed(&out.path().join("trace_summary.csv"));
        assert_eq!(summary.len(), 4, "2 cases x 2 directions");
        for r in &summary {
            assert!(r.conserved.0);
            // seed_value = held + sunk + dropped, to the cent, from the written file.
            let parts = [r.held, r.sunk, r.dropped_below_threshold, r.dropped_hop_limit];
            assert_eq!(cents(r.seed_value), parts.into_iter().map(cents).sum::<i64>(), "{r:?}");
        }
        let eval = ok(&["eval", "--truth", s(&fixture("sample/truth.csv")), "--trace", s(out.path())]);
        for r in typed::<TraceScoreRow>(&out.path().join("eval_trace.csv")) {
            let share = r.share.0;
            assert!(share >= 0.9, "{rule}: {} reached only {share}: {}", r.case_id, text(&eval));
        }
    }
    let paths: Vec<TracePathRow> = typed(&out.path().join("trace_paths.csv"));
    assert!(paths.iter().any(|p| p.direction.as_str() == "forward"
        && p.reaches_seed.0
        && p.accounts.as_str().contains(" > ")));
    let jurisdictions: Vec<TraceJurisdictionRow> = typed(&out.path().join("trace_jurisdictions.csv"));
    assert!(jurisdictions.iter().any(|j| j.offshore.0), "TR2: some money ends offshore");
}

#[test]
fn the_order_of_an_exports_rows_changes_no_trace() {
    // Money traced oldest-first through a dates-only export: which of a day's transfers
    // comes first is the ids' order, not the order the bank listed them in.
    let dump = dates_only_dump(20_000, 11);
    let seeds = tempfile::tempdir().unwrap();
    let seeds = seeds.path().join("seeds.csv");
    std::fs::copy(dump.path().join("seeds.csv"), &seeds).unwrap();
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let trace = |out: &std::path::Path| {
        ok(&["trace", s(dump.path()), "--seeds", s(&seeds), "--out", s(out), "--rule", "fifo", "-q"]);
    };
    trace(first.path());
    reshuffle_every_table(dump.path());
    trace(second.path());
    for f in ["trace_summary.csv", "trace_holdings.csv", "trace_paths.csv", "trace_flows.csv"] {
        let (a, b) =
            (std::fs::read(first.path().join(f)).unwrap(), std::fs::read(second.path().join(f)).unwrap());
        assert!(a == b, "{f} differs once the rows come in another order");
    }
    assert!(rows(&first.path().join("trace_flows.csv")).len() > 10);
}

#[test]
fn trace_output_is_identical_for_any_thread_count() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (threads, out) in [("1", &one), ("2", &two)] {
        ok(&[
            "--threads",
            threads,
            "trace",
            s(&fixture("sample")),
            "--seeds",
            s(&fixture("sample/seeds.csv")),
            "--out",
            s(out.path()),
            "--direction",
            "both",
        ]);
    }
    for f in [
        "trace_summary.csv",
        "trace_holdings.csv",
        "trace_paths.csv",
        "trace_flows.csv",
        "trace_jurisdictions.csv",
    ] {
        assert!(
            std::fs::read(one.path().join(f)).unwrap() == std::fs::read(two.path().join(f)).unwrap(),
            "{f} differs"
        );
    }
}

/// A hand-made dump: S pays A 100, X pays A 50, A pays B 120, B withdraws 20 cash.
fn small_dump(dir: &std::path::Path, shuffled: bool) {
    let mut rows = [
        "t1,2024-01-01T10:00:00Z,S,A,100,USD,wire",
        "t2,2024-01-02T10:00:00Z,X,A,50,USD,wire",
        "t3,2024-01-03T10:00:00Z,A,B,120,USD,wire",
        "t4,2024-01-04T10:00:00Z,B,B,20,USD,cash_withdrawal",
    ];
    if shuffled {
        rows.reverse();
    }
    let text = format!(
        "transfer_id,timestamp,src_account,dst_account,amount,currency,channel\n{}\n",
        rows.join("\n")
    );
    std::fs::write(dir.join("transfers.csv"), text).unwrap();
    std::fs::write(
        dir.join("accounts.csv"),
        "account_id,holder_id,country\nS,h-s,CN\nA,h-a,HK\nB,h-b,VG\nX,h-x,CN\n",
    )
    .unwrap();
}

fn holdings(out: &std::path::Path) -> Vec<(String, String, String)> {
    typed::<TraceHoldingRow>(&out.join("trace_holdings.csv"))
        .into_iter()
        .map(|r| (r.direction.0, r.account_id.0, format!("{:.2}", r.amount.0)))
        .collect()
}

#[test]
fn hand_computed_trace_and_shuffled_rows() {
    let dump = tempfile::tempdir().unwrap();
    small_dump(dump.path(), false);
    let seeds = dump.path().join("seeds.csv");
    std::fs::write(&seeds, "holder_id,case_id\nh-s,case1\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    ok(&["trace", s(dump.path()), "--seeds", s(&seeds), "--out", s(out.path())]);
    // A holds 100 of 150 traced; paying 120 carries 80; keeps 20. B gets 80, withdraws
    // 20 cash of its 120: 80/120 of it is traced, so 13.33 sinks and 66.67 stays.
    let want = vec![
        ("forward".to_owned(), "B".to_owned(), "66.67".to_owned()),
        ("forward".to_owned(), "A".to_owned(), "20.00".to_owned()),
    ];
    assert_eq!(holdings(out.path()), want);
    let summary = &typed::<TraceSummaryRow>(&out.path().join("trace_summary.csv"))[0];
    assert_eq!(
        (cents(summary.seed_value), cents(summary.sunk), cents(summary.held_offshore)),
        (10_000, 1_333, 6_667),
        "sunk, and held offshore (VG)"
    );

    let shuffled = tempfile::tempdir().unwrap();
    small_dump(shuffled.path(), true);
    let out2 = tempfile::tempdir().unwrap();
    ok(&["trace", s(shuffled.path()), "--seeds", s(&seeds), "--out", s(out2.path())]);
    assert_eq!(holdings(out2.path()), want, "row order does not matter");

    // Backward from B: its 120 came 80 from S and 40 from X (A's mix at the time).
    std::fs::write(&seeds, "account_id,case_id\nB,case1\n").unwrap();
    ok(&["trace", s(dump.path()), "--seeds", s(&seeds), "--out", s(out.path()), "--direction", "backward"]);
    let mut got = holdings(out.path());
    got.sort();
    assert_eq!(
        got,
        vec![
            ("backward".to_owned(), "S".to_owned(), "80.00".to_owned()),
            ("backward".to_owned(), "X".to_owned(), "40.00".to_owned()),
        ]
    );
}

#[test]
fn bad_seeds_are_clear_errors() {
    let dump = tempfile::tempdir().unwrap();
    small_dump(dump.path(), false);
    let seeds = dump.path().join("seeds.csv");
    let out = tempfile::tempdir().unwrap();
    for (seeds_text, expect) in [
        ("account_id\nNOPE\n", "line 2: account `NOPE` is not in the dump"),
        ("name\nS\n", "account_id (or holder_id)"),
        ("account_id,amount\nS,-4\n", "amount is negative"),
        ("account_id\n", "no seeds"),
    ] {
        std::fs::write(&seeds, seeds_text).unwrap();
        let run = flowhound(&["trace", s(dump.path()), "--seeds", s(&seeds), "--out", s(out.path())]);
        assert_eq!(code(&run), 2, "{seeds_text}: {}", text(&run));
        assert!(text(&run).contains(expect), "{seeds_text}: {}", text(&run));
    }
}

#[test]
fn the_trace_report_draws_every_case_from_seeds_to_holdings() {
    let out = tempfile::tempdir().unwrap();
    let run = trace_sample(out.path(), &["--direction", "both", "--report"]);
    assert!(text(&run).contains("trace_report.html"), "{}", text(&run));
    let html = std::fs::read_to_string(out.path().join("trace_report.html")).unwrap();
    let summary: Vec<TraceSummaryRow> = typed(&out.path().join("trace_summary.csv"));
    assert_eq!(html.matches("<svg").count(), summary.len(), "one flow picture per traced case");
    for r in &summary {
        assert!(html.contains(&format!("<h2>{} · {}</h2>", r.case_id.0, r.direction.0)), "{}", r.case_id.0);
    }
    let holdings: Vec<TraceHoldingRow> = typed(&out.path().join("trace_holdings.csv"));
    let largest = holdings.iter().max_by(|a, b| a.amount.0.total_cmp(&b.amount.0)).unwrap();
    assert!(html.contains(&format!("<td>{}</td>", largest.account_id.0)), "the largest holding is listed");
    // Without --report, no report, and a stale one from an earlier run is removed.
    trace_sample(out.path(), &[]);
    assert!(!out.path().join("trace_report.html").exists());
}
