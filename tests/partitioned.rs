//! `analyze --partition-window`: the real binary, run on a generated dump in time parts
//! (as CSV, and as Parquet), writes the leads one run over the whole dump writes, and
//! says which detectors ran in parts (of time or of accounts) and which on the whole
//! dump.

mod common;

use common::{ok, s, text};

#[test]
fn a_partitioned_run_writes_the_leads_of_a_whole_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("dump");
    ok(&["generate", "--out", s(&dump), "--transfers", "40000", "--days", "120", "--seed", "17", "-q"]);
    let whole = dir.path().join("whole");
    ok(&["analyze", s(&dump), "--out", s(&whole), "-q"]);
    // The same world written as Parquet, read a row group at a time.
    let parquet = dir.path().join("parquet");
    ok(&[
        "generate",
        "--out",
        s(&parquet),
        "--transfers",
        "40000",
        "--days",
        "120",
        "--seed",
        "17",
        "--format",
        "parquet",
        "-q",
    ]);
    // One thread for one of them: the same files for any thread count; one with its
    // large blocks in spill files, which the kernel may page out.
    let spill = dir.path().join("spill");
    std::fs::create_dir(&spill).expect("spill folder");
    for (window, threads, spilled, from) in [
        ("5d", "2", false, &dump),
        ("13d", "1", false, &dump),
        ("9d", "2", true, &dump),
        ("7d", "2", false, &parquet),
    ] {
        let parts = dir.path().join(format!("parts-{window}"));
        let mut args = vec!["--threads", threads];
        if spilled {
            args.extend(["--spill", s(&spill)]);
        }
        args.extend(["analyze", s(from), "--out", s(&parts), "--partition-window", window]);
        let out = ok(&args);
        if spilled {
            let said = text(&out);
            let line = said.lines().find(|l| l.starts_with("spilled: at most ")).expect("the spill's line");
            let megabytes: u64 = line["spilled: at most ".len()..]
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a number of MB");
            assert!(megabytes > 0, "{line}");
            assert_eq!(std::fs::read_dir(&spill).expect("spill").count(), 0, "nothing left in the folder");
        }
        for file in
            ["leads.csv", "lead_accounts.csv", "lead_transfers.csv", "lead_hits.csv", "lead_evidence.csv"]
        {
            let (a, b) = (
                std::fs::read(whole.join(file)).expect("whole"),
                std::fs::read(parts.join(file)).expect("parts"),
            );
            assert!(a == b, "{file} differs with --partition-window {window} ({})", from.display());
        }
        let run: serde_json::Value =
            serde_json::from_slice(&std::fs::read(parts.join("run.json")).expect("run.json")).expect("json");
        let detectors = run["detectors"].as_array().expect("detectors");
        let in_parts: Vec<&str> = detectors
            .iter()
            .filter(|d| d["parts"]["ran"] == "in_parts")
            .map(|d| d["code"].as_str().unwrap_or(""))
            .collect();
        // Every detector that declares a rule ran in parts: all of them today.
        let config = flowhound::Config::default_config().expect("default config");
        let with_rule: Vec<String> = flowhound::detect::registry()
            .iter()
            .filter(|d| d.part_rule(&config).is_some())
            .map(|d| d.pattern().to_string())
            .collect();
        assert_eq!(in_parts, with_rule, "{window}");
        assert_eq!(in_parts.len(), detectors.len(), "{in_parts:?}");
        let transfers = run["transfers"].as_u64().expect("transfers");
        for d in detectors.iter().filter(|d| d["parts"]["ran"] == "in_parts") {
            assert!(d["parts"]["parts"].as_u64().unwrap_or(0) >= 9, "{d}");
            assert!(d["hits"].as_u64().unwrap_or(0) > 0, "the world has a case of {d}");
            // What one task would hold: less than the whole dump for a part of accounts.
            let largest = d["parts"]["largest_part_transfers"].as_u64().unwrap_or(0);
            assert!(largest > 0 && largest <= transfers, "{d}");
            if d["parts"]["rule"]["by"] == "account" {
                assert!(largest < transfers, "{d}");
            }
        }
        let on_whole = detectors.iter().filter(|d| d["parts"]["ran"] == "whole_dump").count();
        assert_eq!(in_parts.len() + on_whole, detectors.len(), "every detector says how it ran");
        assert!(
            text(&out).contains("partitioned: every detector in parts of the dump: UB1 ("),
            "{}",
            text(&out)
        );
    }
}

#[test]
fn a_spill_folder_that_cannot_be_used_is_a_usage_error_naming_it() {
    let out = common::flowhound(&["--spill", "/nonexistent/spill", "analyze", s(&common::fixture("sample"))]);
    assert_eq!(common::code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains("--spill /nonexistent/spill"), "{}", text(&out));
}

#[test]
fn a_partition_window_that_is_no_duration_is_a_usage_error() {
    let out = common::flowhound(&["analyze", s(&common::fixture("sample")), "--partition-window", "soon"]);
    assert_eq!(common::code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains("--partition-window soon"), "{}", text(&out));
}

#[test]
fn a_partition_window_under_an_hour_is_a_unit_slip() {
    // `9` is nine seconds: a year in parts of seconds would take a thousand times as
    // long as one run. The error says which unit to give.
    let out = common::flowhound(&["analyze", s(&common::fixture("sample")), "--partition-window", "9"]);
    assert_eq!(common::code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains("--partition-window 9: 9 s") && text(&out).contains("9d"), "{}", text(&out));
}

#[test]
fn detectors_run_again_under_wider_chance_budgets_find_in_parts_what_they_find_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("dump");
    ok(&["generate", "--out", s(&dump), "--transfers", "40000", "--days", "120", "--seed", "17", "-q"]);
    // Coincidences allowed up to every hit found: each detector that finds more than
    // its budget (one) is run again, under a wider one.
    let config = dir.path().join("wide.toml");
    std::fs::write(&config, "false_discovery_share = 1.0\n").expect("config");
    let whole = dir.path().join("whole");
    let said = ok(&["analyze", s(&dump), "--config", s(&config), "--out", s(&whole)]);
    assert!(text(&said).contains("chance budget widened"), "{}", text(&said));
    let parts = dir.path().join("parts");
    ok(&["analyze", s(&dump), "--config", s(&config), "--out", s(&parts), "--partition-window", "9d", "-q"]);
    for file in ["leads.csv", "lead_accounts.csv", "lead_transfers.csv", "lead_hits.csv", "lead_evidence.csv"]
    {
        let (a, b) = (
            std::fs::read(whole.join(file)).expect("whole"),
            std::fs::read(parts.join(file)).expect("parts"),
        );
        assert!(a == b, "{file} differs in parts");
    }
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(parts.join("run.json")).expect("run.json")).expect("json");
    let widened: Vec<&serde_json::Value> = run["detectors"]
        .as_array()
        .expect("detectors")
        .iter()
        .filter(|d| d["chance_budget"]["widened"].as_f64().unwrap_or(1.0) > 1.0)
        .collect();
    assert!(widened.len() >= 5, "{widened:?}");
    for d in widened {
        assert_eq!(d["parts"]["ran"], "in_parts", "{d}");
        let budget = &d["chance_budget"];
        let (configured, found) = (budget["configured"].as_f64(), budget["found_as_configured"].as_f64());
        assert_eq!(budget["widened"].as_f64(), found.zip(configured).map(|(f, c)| f / c), "{d}");
    }
}
