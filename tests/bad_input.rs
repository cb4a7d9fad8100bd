//! Every fixture under fixtures/bad gives its documented error or rejects, never a panic
//! (see fixtures/bad/README.md).

mod common;

use common::*;
use flowhound::export::rows::RejectRow;

/// Runs analyze on a bad fixture; returns (exit code, output text, rejects rows).
fn analyze(name: &str, extra: &[&str]) -> (i32, String, Vec<RejectRow>) {
    let out = tempfile::tempdir().unwrap();
    let dump = fixture(&format!("bad/{name}"));
    let mut args: Vec<String> =
        vec!["analyze".into(), s(&dump).to_owned(), "--out".into(), s(out.path()).to_owned()];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = flowhound(&args);
    let t = text(&run);
    assert!(!t.contains("panicked"), "{name} panicked: {t}");
    let rejects_path = out.path().join("rejects.csv");
    let rejects = if rejects_path.exists() { typed(&rejects_path) } else { Vec::new() };
    (code(&run), t, rejects)
}

/// (line, field) of each reject.
fn where_(rejects: &[RejectRow]) -> Vec<(String, String)> {
    rejects.iter().map(|r| (r.line.to_string(), r.field.0.clone())).collect()
}

fn lf(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(l, f)| ((*l).to_owned(), (*f).to_owned())).collect()
}

/// A dump folder holding `tables`: (file name, text).
fn dump_of(tables: &[(&str, &str)]) -> tempfile::TempDir {
    let dump = tempfile::tempdir().unwrap();
    for (name, text) in tables {
        std::fs::write(dump.path().join(name), text).unwrap();
    }
    dump
}

/// Runs analyze on `dump` with `extra` arguments, any share of rows rejected: (exit
/// code, output text, rejects rows).
fn analyze_dump(dump: &std::path::Path, extra: &[&str]) -> (i32, String, Vec<RejectRow>) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["analyze", s(dump), "--out", s(out.path()), "--max-reject-ratio", "1"];
    args.extend(extra);
    let run = flowhound(&args);
    let rejects = typed(&out.path().join("rejects.csv"));
    (code(&run), text(&run), rejects)
}

#[test]
fn missing_column_names_file_and_column() {
    let (code, t, _) = analyze("missing_column", &[]);
    assert_eq!(code, 2);
    assert!(t.contains("transfers.csv") && t.contains("`amount`"), "{t}");
}

#[test]
fn unparseable_timestamps_are_rejected() {
    let (code, t, rejects) = analyze("bad_timestamp", &["--max-reject-ratio", "1"]);
    assert_eq!(code, 0, "{t}");
    // `01/03/2024` is the 1st of March or the 3rd of January; `01.03.2024` only the first.
    assert_eq!(where_(&rejects), lf(&[("4", "timestamp"), ("5", "timestamp"), ("6", "timestamp")]));
    assert!(t.contains("transfers: read 6 = accepted 3 + rejected 3"), "{t}");
    // The reason says how to read it.
    assert!(
        rejects[2].reason.as_str().contains("slash_dates = \"day_first\" or \"month_first\""),
        "{:?}",
        rejects[2]
    );
    // Told which comes first, it is read.
    let cfg = tempfile::tempdir().unwrap();
    let path = cfg.path().join("slash.toml");
    std::fs::write(&path, "[ingest]\nslash_dates = \"day_first\"\n").unwrap();
    let (code, t, rejects) = analyze("bad_timestamp", &["--max-reject-ratio", "1", "--config", s(&path)]);
    assert_eq!(code, 0, "{t}");
    assert_eq!(where_(&rejects), lf(&[("4", "timestamp"), ("5", "timestamp")]));
}

#[test]
fn dates_written_month_first_are_read_in_every_table_when_configured() {
    // An American export: transfers, accounts' opening dates and the rates' dates all
    // written MM/DD/YYYY.
    let dump = dump_of(&[
        (
            "transfers.csv",
            "transfer_id,timestamp,src_account,dst_account,amount,currency,channel,memo\n\
             T1,03/14/2024 09:00,A,B,100.00,EUR,wire,\n\
             T2,03/15/2024 09:00:30,B,C,90.00,EUR,wire,\n\
             T3,3/16/2024 9:30:00 PM,C,A,80.00,EUR,wire,\n",
        ),
        (
            "accounts.csv",
            "account_id,holder_id,bank_id,country,opened_on\nA,HA,B1,US,12/31/2019\nB,HB,B1,US,\n",
        ),
        ("fx_rates.csv", "date,currency,rate_to_base\n03/01/2024,EUR,1.08\n"),
    ]);
    let cfg = dump.path().join("us.toml");
    std::fs::write(&cfg, "[ingest]\nslash_dates = \"month_first\"\n").unwrap();
    let run = |config: bool| {
        let extra: &[&str] = if config { &["--config", s(&cfg)] } else { &[] };
        let (_, t, rejects) = analyze_dump(dump.path(), extra);
        (t, rejects)
    };
    let (t, rejects) = run(true);
    assert!(rejects.is_empty(), "{rejects:?}");
    assert!(t.contains("transfers: read 3 = accepted 3 + rejected 0"), "{t}");
    // Without the setting, every date is refused with the reason, in every table.
    let (_, rejects) = run(false);
    let tables: Vec<(&str, &str)> = rejects.iter().map(|r| (r.file.as_str(), r.field.0.as_str())).collect();
    assert!(tables.contains(&("accounts.csv", "opened_on")), "{tables:?}");
    assert!(tables.contains(&("fx_rates.csv", "date")), "{tables:?}");
    assert!(rejects.iter().all(|r| r.reason.as_str().contains("slash_dates")), "{rejects:?}");
}

#[test]
fn bad_amounts_are_rejected_each_with_its_reason() {
    let (_, _, rejects) = analyze("bad_amount", &["--max-reject-ratio", "1"]);
    assert_eq!(
        where_(&rejects),
        lf(&[("4", "amount"), ("5", "amount"), ("6", "amount"), ("7", "amount"), ("8", "amount")])
    );
    let reasons: Vec<&str> = rejects.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "amount is not a number",
            "amount is zero",
            "amount is negative",
            "amount is NaN",
            "ambiguous amount: a comma before three digits may group thousands or mark decimals: set [ingest] decimal_mark = \"point\" or \"comma\""
        ]
    );
    // `1,250.50` (line 9) reads one way only, and is accepted.
}

/// A German bank export: `;` between fields, a comma before decimals and points between
/// thousands, so its `1.250` is 1250 (a transfer above `[ingest] max_amount = 1000`,
/// rejected as implausible, shows which it was read as).
#[test]
fn a_european_exports_whole_amounts_are_read_as_it_writes_them() {
    let dump = tempfile::tempdir().unwrap();
    let transfers = |second: &str| {
        let text = format!(
            "transfer_id;timestamp;src_account;dst_account;amount;currency;channel;memo\n\
             T1;2024-03-14 09:00;A;B;1.250;EUR;wire;\n\
             T2;2024-03-15 09:00;B;C;{second};EUR;wire;\n"
        );
        std::fs::write(dump.path().join("transfers.csv"), text).unwrap();
    };
    std::fs::write(dump.path().join("fx_rates.csv"), "date,currency,rate_to_base\n2024-03-01,EUR,1.08\n")
        .unwrap();
    let run = |ingest: &str| {
        let cfg = dump.path().join("ingest.toml");
        std::fs::write(&cfg, format!("[ingest]\nmax_amount = 1000\n{ingest}\n")).unwrap();
        let (code, t, rejects) = analyze_dump(dump.path(), &["--config", s(&cfg)]);
        assert_eq!(code, 0, "{t}");
        rejects
            .into_iter()
            .map(|r| (r.line.to_string(), r.field.0, r.reason.as_str().to_owned()))
            .collect::<Vec<_>>()
    };
    let implausible = |reasons: &[(String, String, String)]| {
        reasons.len() == 1 && reasons[0].0 == "2" && reasons[0].2.contains("implausible")
    };
    // Its other amount's decimal comma says how the column is written: 1250.
    transfers("980,00");
    assert!(implausible(&run("")), "{:?}", run(""));
    // Nothing says: the row is rejected on its line, with how to settle it.
    transfers("500");
    let rejects = run("");
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!((rejects[0].0.as_str(), rejects[0].1.as_str()), ("2", "amount"));
    assert!(rejects[0].2.contains("decimal_mark = \"point\" or \"comma\""), "{rejects:?}");
    // Told, it is read: 1250 with a decimal comma, 1.25 with a decimal point.
    assert!(implausible(&run("decimal_mark = \"comma\"")));
    assert!(run("decimal_mark = \"point\"").is_empty());
}

/// A core banking system's export writes dates in ISO 8601's basic format, a database
/// names the zone after the time (BigQuery, Go); a sheet saved from a spreadsheet
/// writes day numbers, which are refused with the reason rather than read as moments
/// of 1 January 1970.
#[test]
fn timestamps_as_other_systems_write_them_are_read_and_day_numbers_refused() {
    let dump = dump_of(&[
        (
            "transfers.csv",
            "transfer_id,timestamp,src_account,dst_account,amount,currency,channel,memo\n\
             T1,20240314,A,B,100.00,EUR,wire,\n\
             T2,20240315093000,B,C,90.00,EUR,wire,\n\
             T3,45367,C,A,80.00,EUR,wire,\n\
             T4,45367.625,C,B,70.00,EUR,wire,\n\
             T5,2024-03-16 09:30:00 UTC,A,C,60.00,EUR,wire,\n\
             T6,2024-03-17 09:30:00.5 +0000 UTC,B,A,50.00,EUR,wire,\n",
        ),
        ("fx_rates.csv", "date,currency,rate_to_base\n2024-03-01,EUR,1.08\n"),
    ]);
    let (code, t, rejects) = analyze_dump(dump.path(), &[]);
    assert_eq!(code, 0, "{t}");
    assert_eq!(where_(&rejects), lf(&[("4", "timestamp"), ("5", "timestamp")]));
    assert!(rejects.iter().all(|r| r.reason.as_str().contains("day number")), "{rejects:?}");
    assert!(t.contains("transfers: read 6 = accepted 4 + rejected 2"), "{t}");
}

/// Account numbers a spreadsheet opened and saved again: `123456789012` and
/// `123456789099` both became `1.23457E+11`, one account that never existed.
#[test]
fn ids_a_spreadsheet_wrote_in_scientific_notation_are_rejected_not_merged() {
    let dump = dump_of(&[
        (
            "transfers.csv",
            "transfer_id,timestamp,src_account,dst_account,amount,currency,channel,memo\n\
             T1,2024-03-14 09:00,1.23457E+11,B,100.00,EUR,wire,\n\
             T2,2024-03-15 09:00,B,1.23457E+11,90.00,EUR,wire,\n\
             4.5E+09,2024-03-16 09:00,B,C,80.00,EUR,wire,\n\
             T4,2024-03-17 09:00,C,B,70.00,EUR,wire,\n",
        ),
        (
            "accounts.csv",
            "account_id,holder_id,bank_id,country,opened_on\n1.23457E+11,H1,B1,DE,\nB,H2,B1,DE,\n",
        ),
        ("fx_rates.csv", "date,currency,rate_to_base\n2024-03-01,EUR,1.08\n"),
    ]);
    let (code, t, rejects) = analyze_dump(dump.path(), &[]);
    assert_eq!(code, 0, "{t}");
    let placed: Vec<(&str, String, &str)> =
        rejects.iter().map(|r| (r.file.as_str(), r.line.to_string(), r.field.0.as_str())).collect();
    assert_eq!(
        placed,
        [
            ("accounts.csv", "2".to_owned(), "account_id"),
            ("transfers.csv", "2".to_owned(), "src_account"),
            ("transfers.csv", "3".to_owned(), "dst_account"),
            ("transfers.csv", "4".to_owned(), "transfer_id"),
        ]
    );
    assert!(rejects.iter().all(|r| r.reason.as_str().contains("scientific notation")), "{rejects:?}");
    assert!(t.contains("transfers: read 4 = accepted 1 + rejected 3"), "{t}");
}

#[test]
fn currency_without_rate_is_rejected() {
    let (_, _, rejects) = analyze("no_fx_rate", &["--max-reject-ratio", "1"]);
    assert_eq!(where_(&rejects), lf(&[("4", "currency"), ("5", "currency")]));
    assert!(rejects[0].reason.as_str().contains("CNY") && rejects[1].reason.as_str().contains("EUR"));
}

#[test]
fn empty_account_ids_are_rejected() {
    let (_, _, rejects) = analyze("empty_account", &["--max-reject-ratio", "1"]);
    assert_eq!(where_(&rejects), lf(&[("4", "src_account"), ("5", "dst_account")]));
}

#[test]
fn later_duplicate_transfer_is_rejected() {
    let (_, _, rejects) = analyze("duplicate_id", &["--max-reject-ratio", "1"]);
    assert_eq!(where_(&rejects), lf(&[("4", "transfer_id"), ("6", "transfer_id"), ("7", "transfer_id")]));
    let firsts: Vec<bool> = ["line 2", "line 2", "line 3"]
        .iter()
        .zip(&rejects)
        .map(|(first, r)| r.reason.as_str().ends_with(&format!("(first on {first})")))
        .collect();
    assert_eq!(firsts, [true, true, true], "{rejects:?}");
}

#[test]
fn unknown_accounts_are_accepted() {
    let (code, t, rejects) = analyze("unknown_account", &["--strict"]);
    assert_eq!(code, 0, "{t}");
    assert!(rejects.is_empty());
    assert!(t.contains("transfers: read 3 = accepted 3 + rejected 0"));
}

#[test]
fn empty_file_is_a_clear_error() {
    let (code, t, _) = analyze("empty_file", &[]);
    assert_eq!(code, 2);
    assert!(t.contains("file is empty"), "{t}");
}

#[test]
fn binary_file_is_a_clear_error() {
    let (code, t, _) = analyze("not_csv", &[]);
    assert_eq!(code, 2);
    assert!(t.contains("not a CSV text file"), "{t}");
}

#[test]
fn truncated_gzip_is_a_clear_error() {
    let (code, t, _) = analyze("truncated_gz", &[]);
    assert_eq!(code, 2);
    assert!(t.contains("transfers.csv.gz") && t.contains("cannot decompress gzip"), "{t}");
}

#[test]
fn bom_and_crlf_are_accepted() {
    let (code, t, rejects) = analyze("bom_crlf", &["--strict"]);
    assert_eq!(code, 0, "{t}");
    assert!(rejects.is_empty());
    assert!(t.contains("transfers: read 2 = accepted 2 + rejected 0"), "{t}");
}

#[test]
fn ragged_rows_are_rejected_with_their_lines() {
    let (_, _, rejects) = analyze("ragged_rows", &["--max-reject-ratio", "1"]);
    assert_eq!(where_(&rejects), lf(&[("4", "*"), ("5", "*")]));
    assert!(rejects[0].reason.as_str().contains("expected 8 fields, found 9"));
}

#[test]
fn strict_and_reject_ratio_fail_the_run_but_keep_rejects() {
    let (code, t, rejects) = analyze("bad_amount", &["--strict"]);
    assert_eq!(code, 1, "{t}");
    assert!(t.contains("--strict"), "{t}");
    assert_eq!(rejects.len(), 5, "rejects.csv is written before the run fails");
    let (code, t, _) = analyze("bad_amount", &[]);
    assert_eq!(code, 1, "default --max-reject-ratio 0.01: {t}");
    assert!(t.contains("max-reject-ratio"), "{t}");
    let (code, _, _) = analyze("bad_amount", &["--max-reject-ratio", "0.7"]);
    assert_eq!(code, 0);
}

#[test]
fn nonsense_configuration_exits_2_naming_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[os4]\nwindow_days = -5\n", "[os4].window_days: must be > 0, got -5"),
        ("[bipartite]\nwindow_days = 0\n", "[bipartite].window_days: must be > 0, got 0"),
        ("[ub2]\nmin_hits = 0\n", "[ub2].min_hits: must be at least 1, got 0"),
        (
            "[scoring]\npattern_weights = { UB7 = 0.5 }\n",
            "[scoring.pattern_weights].UB7: unknown pattern `UB7`",
        ),
    ];
    for (k, (toml, expected)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("my{k}.toml"));
        std::fs::write(&path, toml).unwrap();
        let (code, t, _) = analyze("bom_crlf", &["--config", s(&path)]);
        assert_eq!(code, 2, "{toml:?}: {t}");
        assert!(t.contains(expected) && t.contains(&format!("my{k}.toml line 2")), "{toml:?}: {t}");
    }
}

#[test]
fn a_stray_quote_costs_its_own_line_only() {
    let (code, t, rejects) = analyze("stray_quote", &["--max-reject-ratio", "1"]);
    assert_eq!(code, 0, "{t}");
    assert!(t.contains("transfers: read 200 = accepted 199 + rejected 1"), "{t}");
    assert_eq!(where_(&rejects), lf(&[("11", "*")]));
    assert!(rejects[0].reason.as_str().contains("unbalanced quote"), "{:?}", rejects[0]);
}

#[test]
fn a_nul_byte_rejects_its_row_naming_the_field() {
    let (code, t, rejects) = analyze("nul_byte", &["--max-reject-ratio", "1"]);
    assert_eq!(code, 0, "{t}");
    assert!(t.contains("transfers: read 200 = accepted 199 + rejected 1"), "{t}");
    assert_eq!(where_(&rejects), lf(&[("51", "memo")]));
    assert!(rejects[0].reason.as_str().contains("NUL"), "{:?}", rejects[0]);
}

#[test]
fn the_reject_limit_applies_per_table() {
    // 5 bad transfers of 200 (2.5%) beside ~2,000 good fx rates: the run fails on the
    // transfers table, whose share is above 1%, though all rows together are not.
    let dump = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(fixture("sample/transfers.csv")).unwrap();
    let mut lines: Vec<String> = sample.lines().take(201).map(str::to_owned).collect();
    for line in lines.iter_mut().skip(1).take(5) {
        *line = line.replacen(",20", ",not a time ", 1);
    }
    std::fs::write(dump.path().join("transfers.csv"), lines.join("\n") + "\n").unwrap();
    std::fs::copy(fixture("sample/fx_rates.csv"), dump.path().join("fx_rates.csv")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = flowhound(&["analyze", s(dump.path()), "--out", s(out.path())]);
    let t = text(&run);
    assert_eq!(code(&run), 1, "{t}");
    assert!(t.contains("transfers: 5 of 200 rows rejected"), "the message names the table: {t}");
}

#[test]
fn out_of_range_options_are_usage_errors() {
    let (code, t, _) = analyze("bom_crlf", &["--max-reject-ratio", "2"]);
    assert_eq!(code, 2, "{t}");
    assert!(t.contains("must be within 0..1"), "{t}");
}

#[test]
fn implausible_amounts_are_rejected_with_the_reason() {
    let dump = tempfile::tempdir().unwrap();
    std::fs::write(
        dump.path().join("transfers.csv"),
        "transfer_id,timestamp,src_account,dst_account,amount,currency,channel,memo\n\
         T1,2024-03-01T09:00:00Z,A,B,100.00,USD,wire,\n\
         T2,2024-03-01T10:00:00Z,A,B,1e308,USD,wire,\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = flowhound(&["analyze", s(dump.path()), "--out", s(out.path()), "--max-reject-ratio", "1"]);
    assert_eq!(code(&run), 0, "{}", text(&run));
    let rejects: Vec<RejectRow> = typed(&out.path().join("rejects.csv"));
    assert_eq!(where_(&rejects), lf(&[("3", "amount")]));
    assert!(rejects[0].reason.as_str().contains("implausible"), "{:?}", rejects[0]);
}

#[test]
fn dates_outside_the_configured_period_are_rejected() {
    let dump = tempfile::tempdir().unwrap();
    std::fs::write(
        dump.path().join("transfers.csv"),
        "transfer_id,timestamp,src_account,dst_account,amount,currency,channel,memo\n\
         T1,2024-03-01T09:00:00Z,A,B,100.00,USD,wire,\n\
         T2,1900-01-01T00:00:00Z,A,B,100.00,USD,wire,\n\
         T3,2023-12-31T23:59:59Z,A,B,100.00,USD,wire,\n",
    )
    .unwrap();
    let cfg = dump.path().join("period.toml");
    std::fs::write(&cfg, "[ingest]\nearliest = \"2024-01-01\"\nlatest = \"2024-12-31\"\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let args =
        ["analyze", s(dump.path()), "--out", s(out.path()), "--max-reject-ratio", "1", "--config", s(&cfg)];
    let run = flowhound(&args);
    assert_eq!(code(&run), 0, "{}", text(&run));
    let rejects: Vec<RejectRow> = typed(&out.path().join("rejects.csv"));
    assert_eq!(where_(&rejects), lf(&[("3", "timestamp"), ("4", "timestamp")]));
    assert!(rejects[0].reason.as_str().contains("[ingest] earliest..latest"), "{:?}", rejects[0]);
}

#[test]
fn a_damaged_parquet_file_is_refused_without_a_panic_message() {
    // Found by cargo-fuzz (parquet_dump): polars panics in its own worker thread.
    let (code, t, _) = analyze("damaged_parquet", &[]);
    assert_eq!(code, 2, "{t}");
    assert!(t.contains("not a readable Parquet file") && !t.contains("panicked"), "{t}");
}

#[test]
fn the_stray_quote_line_limit_is_configurable() {
    let dump = tempfile::tempdir().unwrap();
    std::fs::write(
        dump.path().join("transfers.csv"),
        "transfer_id,timestamp,src_account,dst_account,amount,currency,channel,memo\n\
         T1,2024-03-01T09:00:00Z,A,B,100.00,USD,wire,\"three\nline\nmemo\"\n\
         T2,2024-03-01T10:00:00Z,A,B,100.00,USD,wire,\n",
    )
    .unwrap();
    let reads = |config: Option<&str>| {
        let out = tempfile::tempdir().unwrap();
        let mut args = vec!["analyze", s(dump.path()), "--out", s(out.path()), "--max-reject-ratio", "1"];
        let cfg = dump.path().join("lines.toml");
        if let Some(text) = config {
            std::fs::write(&cfg, text).unwrap();
            args.extend(["--config", s(&cfg)]);
        }
        text(&flowhound(&args))
    };
    // By default the three-line memo is one field of one row.
    assert!(reads(None).contains("transfers: read 2 = accepted 2 + rejected 0"));
    // With at most two lines per record, its quote is stray: its own line is rejected and
    // the memo's other lines read (and are rejected) as lines of their own.
    let strict = reads(Some("[ingest]\nmax_record_lines = 2\n"));
    assert!(strict.contains("transfers: read 4 = accepted 1 + rejected 3"), "{strict}");
}
