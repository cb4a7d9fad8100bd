//! End-to-end runs of `flowhound analyze` on the committed sample and generated dumps.

mod common;

use common::*;
use flowhound::export::rows::{LeadAccountRow, LeadRow, LeadTransferRow, ScoreRow};
use flowhound::Pattern;
use std::path::Path;

#[test]
fn sample_yields_ranked_leads_with_evidence() {
    let out = tempfile::tempdir().unwrap();
    let run = ok(&["analyze", s(&fixture("sample")), "--out", s(out.path())]);
    let stdout = text(&run);
    assert!(stdout.contains("transfers: read 6000 = accepted 6000 + rejected 0"), "{stdout}");
    assert!(stdout.contains(Pattern::Ub1.code()) && stdout.contains(Pattern::Os1.code()));

    let leads: Vec<LeadRow> = typed(&out.path().join("leads.csv"));
    assert!(!leads.is_empty());
    for (k, lead) in leads.iter().enumerate() {
        assert!(lead.lead_id.as_str().starts_with('L') && lead.lead_id.as_str().len() >= 11);
        assert_eq!(lead.rank, k + 1);
        assert!(!lead.summary.as_str().is_empty(), "every lead explains itself");
    }
    assert!(leads.windows(2).all(|w| w[0].score >= w[1].score), "ranked by score");
    let accounts: Vec<LeadAccountRow> = typed(&out.path().join("lead_accounts.csv"));
    assert!(accounts.iter().all(|a| !a.role.items().is_empty()), "roles carry their pattern");
    // Typed reading already insists that every proving transfer names a detector.
    let transfers: Vec<LeadTransferRow> = typed(&out.path().join("lead_transfers.csv"));
    assert!(!transfers.is_empty());
    let run_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("run.json")).unwrap()).unwrap();
    assert_eq!(run_json["transfers"], 6000);
    assert_eq!(run_json["inputs"].as_array().unwrap().len(), 5);
    assert_eq!(run_json["inputs"][4]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn sample_recall_for_ub1_and_os1_at_account_level() {
    let out = tempfile::tempdir().unwrap();
    ok(&["analyze", s(&fixture("sample")), "--out", s(out.path())]);
    ok(&["eval", "--truth", s(&fixture("sample/truth.csv")), "--leads", s(out.path())]);
    let table: Vec<ScoreRow> = typed(&out.path().join("eval.csv"));
    for pattern in [Pattern::Ub1, Pattern::Os1] {
        let row =
            table.iter().find(|r| r.pattern.as_str() == pattern.code() && r.level.as_str() == "account");
        let recall = row.unwrap().recall.0;
        assert!(recall >= 0.9, "{pattern} account recall {recall}");
    }
}

#[test]
fn output_is_byte_identical_for_any_thread_count() {
    let dump = tempfile::tempdir().unwrap();
    ok(&["generate", "--out", s(dump.path()), "--transfers", "30000", "--seed", "5"]);
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (threads, out) in [("1", &one), ("2", &two)] {
        let args = [
            "--threads",
            threads,
            "analyze",
            s(dump.path()),
            "--out",
            s(out.path()),
            "--report",
            "--goaml-draft",
        ];
        ok(&args);
    }
    let top: Vec<LeadRow> = typed(&one.path().join("leads.csv"));
    let top_goaml = format!("goaml/{}.xml", top[0].lead_id);
    let also = ["lead_evidence.csv", "report.html", top_goaml.as_str()];
    for f in DETERMINISTIC_OUTPUTS.iter().chain(&also) {
        let a = std::fs::read(one.path().join(f)).unwrap();
        let b = std::fs::read(two.path().join(f)).unwrap();
        assert!(a == b, "{f} differs between --threads 1 and --threads 2");
    }
    assert!(rows(&one.path().join("leads.csv")).len() >= 2);
}

#[test]
fn csv_gz_and_parquet_dumps_give_the_same_leads_as_csv() {
    let csv_dump = tempfile::tempdir().unwrap();
    let pq_dump = tempfile::tempdir().unwrap();
    for (dir, format) in [(&csv_dump, "csv"), (&pq_dump, "parquet")] {
        ok(&["generate", "--out", s(dir.path()), "--transfers", "8000", "--seed", "9", "--format", format]);
    }
    // Same dump again, transfers gzip-compressed.
    let gz_dump = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(csv_dump.path()).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_owned();
        if name == "transfers.csv" {
            use std::io::Write;
            let mut gz = flate2::write::GzEncoder::new(
                std::fs::File::create(gz_dump.path().join("transfers.csv.gz")).unwrap(),
                flate2::Compression::fast(),
            );
            gz.write_all(&std::fs::read(&p).unwrap()).unwrap();
            gz.finish().unwrap();
        } else {
            std::fs::copy(&p, gz_dump.path().join(name)).unwrap();
        }
    }
    let mut outputs = Vec::new();
    for dump in [&csv_dump, &pq_dump, &gz_dump] {
        let out = tempfile::tempdir().unwrap();
        ok(&["analyze", s(dump.path()), "--out", s(out.path())]);
        outputs.push(out);
    }
    for f in ["leads.csv", "lead_accounts.csv", "lead_transfers.csv"] {
        let base = std::fs::read(outputs[0].path().join(f)).unwrap();
        assert!(std::fs::read(outputs[1].path().join(f)).unwrap() == base, "parquet {f} differs");
        assert!(std::fs::read(outputs[2].path().join(f)).unwrap() == base, "csv.gz {f} differs");
    }
}

#[test]
fn a_single_transfers_file_reads_the_tables_beside_it() {
    let out = tempfile::tempdir().unwrap();
    let run = ok(&["analyze", s(&fixture("sample/transfers.csv")), "--out", s(out.path())]);
    let t = text(&run);
    for table in ["entities", "accounts", "entity_links", "fx_rates"] {
        assert!(t.contains(&format!("{table}: read ")), "{table} beside the file is read: {t}");
    }
    assert!(t.contains("transfers: read 6000 = accepted 6000 + rejected 0"), "{t}");
}

#[test]
fn transfers_alone_still_run_and_say_what_is_missing() {
    let dump = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("sample/transfers.csv"), dump.path().join("transfers.csv")).unwrap();
    std::fs::copy(fixture("sample/fx_rates.csv"), dump.path().join("fx_rates.csv")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = ok(&["analyze", s(dump.path()), "--out", s(out.path())]);
    let t = text(&run);
    assert!(t.contains("no accounts table"), "{t}");
    assert!(t.contains("skipped: no account countries"), "OS1 says why it skipped: {t}");
    // UB1 needs no countries: it still finds the collectors.
    let transfers: Vec<LeadTransferRow> = typed(&out.path().join("lead_transfers.csv"));
    assert!(transfers.iter().any(|r| r.pattern == Pattern::Ub1));
}

/// The sample with each transfer row's cells rewritten by `edit` (the row's line number,
/// the header being line 1, and its cells); its other tables as they are.
fn sample_with_transfers(edit: impl Fn(usize, &mut [String])) -> tempfile::TempDir {
    let dump = tempfile::tempdir().unwrap();
    for f in ["accounts.csv", "entities.csv", "entity_links.csv", "fx_rates.csv"] {
        std::fs::copy(fixture(&format!("sample/{f}")), dump.path().join(f)).unwrap();
    }
    let transfers = std::fs::read_to_string(fixture("sample/transfers.csv")).unwrap();
    let rows: Vec<String> = transfers
        .lines()
        .enumerate()
        .map(|(k, line)| {
            let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
            if k > 0 {
                edit(k + 1, &mut cells);
            }
            cells.join(",")
        })
        .collect();
    std::fs::write(dump.path().join("transfers.csv"), rows.join("\n") + "\n").unwrap();
    dump
}

/// Unix time as Java, JavaScript and dataframes write it (milliseconds, nanoseconds,
/// seconds with a fraction) reads as the times it counts: the same leads as the sample.
#[test]
fn unix_time_in_any_unit_gives_the_same_leads() {
    let dump = sample_with_transfers(|line, cells| {
        let t = flowhound::ingest::parse::timestamp(&cells[1]).unwrap();
        cells[1] = match line % 3 {
            0 => format!("{t}000"),
            1 => format!("{t}000000000"),
            _ => format!("{t}.25"),
        };
    });
    let (counted_out, sample_out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let t = text(&ok(&["analyze", s(dump.path()), "--out", s(counted_out.path())]));
    assert!(t.contains("transfers: read 6000 = accepted 6000 + rejected 0"), "{t}");
    ok(&["analyze", s(&fixture("sample")), "--out", s(sample_out.path())]);
    for f in ["leads.csv", "lead_accounts.csv", "lead_transfers.csv", "lead_hits.csv", "lead_evidence.csv"] {
        let same = std::fs::read(counted_out.path().join(f)).unwrap()
            == std::fs::read(sample_out.path().join(f)).unwrap();
        assert!(same, "{f} differs");
    }
}

/// An export of one currency without a `currency` column reads every transfer in the
/// currency `[ingest] currency` names: the leads of the same transfers with the column,
/// read block by block and read whole. Unset, the error names the setting.
/// `analyze` on `dump` read a block at a time, then read whole (a legacy encoding has
/// the file rewritten and read whole; the sample is ASCII): each run's output folder and
/// summary, once every row was accepted.
fn analyze_streamed_and_whole(dump: &Path) -> Vec<(tempfile::TempDir, String)> {
    let whole = dump.join("whole.toml");
    std::fs::write(&whole, "[ingest]\nencoding = \"windows-1252\"\n").unwrap();
    [None, Some(&whole)]
        .into_iter()
        .map(|config| {
            let out = tempfile::tempdir().unwrap();
            let mut args = vec!["analyze", s(dump), "--out", s(out.path())];
            if let Some(c) = config {
                args.extend(["--config", s(c)]);
            }
            let t = text(&ok(&args));
            assert!(t.contains("transfers: read 6000 = accepted 6000 + rejected 0"), "{t}");
            (out, t)
        })
        .collect()
}

/// A transfers file without a channel column: every transfer is read (as `other`), and
/// the summary says that card purchases can no longer be told apart, read whole or a
/// block at a time; a file with channels gets no such line.
#[test]
fn transfers_without_channels_are_read_and_the_summary_says_what_that_costs() {
    let without = sample_with_transfers(|_, _| {});
    let transfers = std::fs::read_to_string(without.path().join("transfers.csv")).unwrap();
    let header: Vec<&str> = transfers.lines().next().unwrap().split(',').collect();
    let channel = header.iter().position(|&h| h == "channel").unwrap();
    let rows: Vec<String> = transfers
        .lines()
        .map(|line| {
            let mut cells: Vec<&str> = line.split(',').collect();
            cells.remove(channel);
            cells.join(",")
        })
        .collect();
    std::fs::write(without.path().join("transfers.csv"), rows.join("\n") + "\n").unwrap();
    for (_, t) in analyze_streamed_and_whole(without.path()) {
        assert!(t.contains("the transfers have no channel column; each is read as `other`"), "{t}");
    }
    let out = tempfile::tempdir().unwrap();
    let t = text(&ok(&["analyze", s(&fixture("sample")), "--out", s(out.path())]));
    assert!(!t.contains("no channel column"), "{t}");
}

#[test]
fn transfers_without_a_currency_column_read_in_the_configured_one() {
    let in_euros = sample_with_transfers(|_, cells| cells[5] = "EUR".to_owned());
    let without = sample_with_transfers(|_, _| {});
    let transfers = std::fs::read_to_string(without.path().join("transfers.csv")).unwrap();
    let rows: Vec<String> = transfers
        .lines()
        .map(|line| {
            let mut cells: Vec<&str> = line.split(',').collect();
            cells.remove(5);
            cells.join(",")
        })
        .collect();
    assert!(
        rows[0].starts_with("transfer_id,timestamp,src_account,dst_account,amount,channel"),
        "{}",
        rows[0]
    );
    std::fs::write(without.path().join("transfers.csv"), rows.join("\n") + "\n").unwrap();
    let config = without.path().join("euros.toml");
    std::fs::write(&config, "[ingest]\ncurrency = \"EUR\"\n").unwrap();
    // A legacy encoding has the file rewritten and read whole (the sample is ASCII).
    let whole = without.path().join("whole.toml");
    std::fs::write(&whole, "[ingest]\ncurrency = \"eur\"\nencoding = \"windows-1252\"\n").unwrap();
    let expected = tempfile::tempdir().unwrap();
    ok(&["analyze", s(in_euros.path()), "--out", s(expected.path())]);
    for cfg in [&config, &whole] {
        let out = tempfile::tempdir().unwrap();
        let t = text(&ok(&["analyze", s(without.path()), "--out", s(out.path()), "--config", s(cfg)]));
        assert!(t.contains("transfers: read 6000 = accepted 6000 + rejected 0"), "{t}");
        assert!(
            t.contains("the transfers have no currency column; each is read in EUR ([ingest] currency)"),
            "{t}"
        );
        for f in
            ["leads.csv", "lead_accounts.csv", "lead_transfers.csv", "lead_hits.csv", "lead_evidence.csv"]
        {
            let same =
                std::fs::read(out.path().join(f)).unwrap() == std::fs::read(expected.path().join(f)).unwrap();
            assert!(same, "{f} differs with {}", cfg.display());
        }
    }
    let out = tempfile::tempdir().unwrap();
    let run = flowhound(&["analyze", s(without.path()), "--out", s(out.path())]);
    assert_eq!(code(&run), 2, "{}", text(&run));
    assert!(text(&run).contains("[ingest] currency = \"EUR\""), "{}", text(&run));
    // The setting does not override a table's own currencies.
    let t = text(&ok(&["analyze", s(&fixture("sample")), "--out", s(out.path()), "--config", s(&config)]));
    assert!(!t.contains("no currency column"), "{t}");
    let sample_out = tempfile::tempdir().unwrap();
    ok(&["analyze", s(&fixture("sample")), "--out", s(sample_out.path())]);
    let same = std::fs::read(out.path().join("leads.csv")).unwrap()
        == std::fs::read(sample_out.path().join("leads.csv")).unwrap();
    assert!(same, "the sample's own currencies are read");
}

/// An export that writes the date and the time of a transfer in two columns reads them
/// joined (`[columns.transfers] timestamp = [date header, time header]`): the sample's
/// leads, streamed and read whole; a missing part is an error naming both headers.
#[test]
fn a_timestamp_split_over_two_columns_is_read_joined() {
    let dump = sample_with_transfers(|_, _| {});
    let transfers = std::fs::read_to_string(dump.path().join("transfers.csv")).unwrap();
    let rows: Vec<String> = transfers
        .lines()
        .enumerate()
        .map(|(k, line)| {
            let (id, rest) = line.split_once(',').unwrap();
            let (time, rest) = rest.split_once(',').unwrap();
            let (date, clock) =
                if k == 0 { ("Booking Date", "Booking Time") } else { time.split_once('T').unwrap() };
            format!("{id},{clock},{rest},{date}")
        })
        .collect();
    std::fs::write(dump.path().join("transfers.csv"), rows.join("\n") + "\n").unwrap();
    let config = dump.path().join("split.toml");
    std::fs::write(&config, "[columns.transfers]\ntimestamp = [\"Booking Date\", \"Booking Time\"]\n")
        .unwrap();
    let whole = dump.path().join("whole.toml");
    std::fs::write(
        &whole,
        "[ingest]\nencoding = \"windows-1252\"\n[columns.transfers]\ntimestamp = [\"booking date\", \"booking time\"]\n",
    )
    .unwrap();
    let sample_out = tempfile::tempdir().unwrap();
    ok(&["analyze", s(&fixture("sample")), "--out", s(sample_out.path())]);
    for cfg in [&config, &whole] {
        let out = tempfile::tempdir().unwrap();
        let t = text(&ok(&["analyze", s(dump.path()), "--out", s(out.path()), "--config", s(cfg)]));
        assert!(t.contains("transfers: read 6000 = accepted 6000 + rejected 0"), "{t}");
        for f in
            ["leads.csv", "lead_accounts.csv", "lead_transfers.csv", "lead_hits.csv", "lead_evidence.csv"]
        {
            let same = std::fs::read(out.path().join(f)).unwrap()
                == std::fs::read(sample_out.path().join(f)).unwrap();
            assert!(same, "{f} differs with {}", cfg.display());
        }
    }
    let missing = dump.path().join("missing.toml");
    std::fs::write(&missing, "[columns.transfers]\ntimestamp = [\"Booking Date\", \"Value Time\"]\n")
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = flowhound(&["analyze", s(dump.path()), "--out", s(out.path()), "--config", s(&missing)]);
    assert_eq!(code(&run), 2, "{}", text(&run));
    assert!(text(&run).contains("Booking Date + Value Time"), "{}", text(&run));
}

/// `text` with each of the sample's transfer ids (`T` and nine digits, its line less two)
/// written as an export without ids has its rows named: `L` and the line in ten digits.
fn sample_ids_as_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('T') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..].bytes().take_while(u8::is_ascii_digit).count();
        if digits == 9 {
            let row: u64 = rest[at + 1..at + 10].parse().unwrap();
            out.push_str(&format!("L{:010}", row + 2));
            rest = &rest[at + 10..];
        } else {
            out.push('T');
            rest = &rest[at + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// An export without a `transfer_id` column has its rows named by their lines: the
/// leads of the sample, its transfers named `L` and their line, read block by block and
/// read whole, and the summary says so.
#[test]
fn transfers_without_ids_are_named_by_their_lines() {
    let without = sample_with_transfers(|_, _| {});
    let transfers = std::fs::read_to_string(without.path().join("transfers.csv")).unwrap();
    let rows: Vec<&str> = transfers.lines().map(|line| line.split_once(',').unwrap().1).collect();
    assert!(rows[0].starts_with("timestamp,"), "{}", rows[0]);
    std::fs::write(without.path().join("transfers.csv"), rows.join("\n") + "\n").unwrap();
    let sample_out = tempfile::tempdir().unwrap();
    ok(&["analyze", s(&fixture("sample")), "--out", s(sample_out.path())]);
    for ((out, t), read) in analyze_streamed_and_whole(without.path()).into_iter().zip(["streamed", "whole"])
    {
        assert!(t.contains("the transfers have no transfer_id column; each is named by its line"), "{t}");
        for f in
            ["leads.csv", "lead_accounts.csv", "lead_transfers.csv", "lead_hits.csv", "lead_evidence.csv"]
        {
            let expected = sample_ids_as_lines(&std::fs::read_to_string(sample_out.path().join(f)).unwrap());
            let got = std::fs::read_to_string(out.path().join(f)).unwrap();
            assert!(got == expected, "{f} differs, read {read}");
        }
    }
    // A file with ids keeps them, and nothing is said.
    assert!(!text(&ok(&["analyze", s(&fixture("sample")), "--out", s(sample_out.path())]))
        .contains("transfer_id:"));
}

/// Excel's "Unicode Text" (UTF-16 with its byte-order mark, tab-separated) reads as the
/// text it holds, and SQL Server's big-endian UTF-16 too: the same leads as the sample.
#[test]
fn utf16_text_gives_the_same_leads() {
    let sample_out = tempfile::tempdir().unwrap();
    ok(&["analyze", s(&fixture("sample")), "--out", s(sample_out.path())]);
    let tabbed = std::fs::read_to_string(fixture("sample/transfers.csv")).unwrap().replace(',', "\t");
    for little in [true, false] {
        let dump = sample_with_transfers(|_, _| {});
        let mut bytes: Vec<u8> = if little { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for unit in tabbed.encode_utf16() {
            bytes.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
        }
        std::fs::write(dump.path().join("transfers.csv"), bytes).unwrap();
        let out = tempfile::tempdir().unwrap();
        let t = text(&ok(&["analyze", s(dump.path()), "--out", s(out.path())]));
        assert!(t.contains("transfers: read 6000 = accepted 6000 + rejected 0"), "{t}");
        for f in
            ["leads.csv", "lead_accounts.csv", "lead_transfers.csv", "lead_hits.csv", "lead_evidence.csv"]
        {
            let same = std::fs::read(out.path().join(f)).unwrap()
                == std::fs::read(sample_out.path().join(f)).unwrap();
            assert!(same, "{f} differs (little-endian: {little})");
        }
    }
}

/// A Chinese bank's export in GBK, read as `[ingest] encoding` says: the leads of the
/// same text in UTF-8. Without the setting its memos are no UTF-8, and their rows are
/// rejects that say so, not text read wrong.
#[test]
fn a_dump_in_gbk_reads_as_its_encoding_says() {
    let utf8 = sample_with_transfers(|_, cells| cells[7] = "货款 地下钱庄".to_owned());
    let gbk = sample_with_transfers(|_, _| {});
    let written = std::fs::read_to_string(utf8.path().join("transfers.csv")).unwrap();
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&written);
    assert!(!unmappable);
    std::fs::write(gbk.path().join("transfers.csv"), &bytes).unwrap();
    let config = gbk.path().join("gbk.toml");
    std::fs::write(&config, "[ingest]\nencoding = \"gbk\"\n").unwrap();
    let (utf8_out, gbk_out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    ok(&["analyze", s(utf8.path()), "--out", s(utf8_out.path())]);
    let t = text(&ok(&["analyze", s(gbk.path()), "--out", s(gbk_out.path()), "--config", s(&config)]));
    assert!(t.contains("transfers: read 6000 = accepted 6000 + rejected 0"), "{t}");
    for f in ["leads.csv", "lead_accounts.csv", "lead_transfers.csv", "lead_hits.csv", "lead_evidence.csv"] {
        let same =
            std::fs::read(gbk_out.path().join(f)).unwrap() == std::fs::read(utf8_out.path().join(f)).unwrap();
        assert!(same, "{f} differs");
    }
    let run = std::fs::read_to_string(gbk_out.path().join("run.json")).unwrap();
    let plain = std::fs::read_to_string(utf8_out.path().join("run.json")).unwrap();
    let hash = |r: &str| r.lines().find(|l| l.contains("config_sha256")).unwrap().to_owned();
    assert_ne!(hash(&run), hash(&plain), "the setting is part of the effective configuration");
    // Without the setting: every row with a memo is a reject naming the field.
    let out = tempfile::tempdir().unwrap();
    let run = flowhound(&["analyze", s(gbk.path()), "--out", s(out.path())]);
    assert_ne!(code(&run), 0);
    let rejects = rows(&out.path().join("rejects.csv"));
    assert_eq!(rejects.len(), 6000, "every row");
    assert!(rejects[0][2] == "memo" && rejects[0][3].contains("UTF-8"), "{:?}", rejects[0]);
}

/// A numeric id column opened in a spreadsheet and saved again loses its leading zeros:
/// the transfers' accounts no longer match the accounts table, and the run says so
/// (the summary and run.json) rather than losing every country in silence.
#[test]
fn accounts_written_another_way_in_transfers_are_named() {
    // A00000028 is 00000028 in the bank's accounts table and 28 in the spreadsheet.
    let dump = sample_with_transfers(|_, cells| {
        for c in &mut cells[2..4] {
            *c = c.trim_start_matches('A').trim_start_matches('0').to_owned();
        }
    });
    // Its holders are E0000028 in entities and e0000028 in accounts.
    let accounts = std::fs::read_to_string(fixture("sample/accounts.csv")).unwrap();
    std::fs::write(dump.path().join("accounts.csv"), accounts.replace("\nA", "\n").replace(",E", ",e"))
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let t = text(&ok(&["analyze", s(dump.path()), "--out", s(out.path())]));
    let line = t.lines().find(|l| l.contains("not in the accounts table")).expect(&t).to_owned();
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("run.json")).unwrap()).unwrap();
    let unlisted = &run["unlisted_accounts"];
    let named = unlisted["unlisted"].as_u64().unwrap();
    assert!(named > 100, "{unlisted}");
    assert_eq!(unlisted["alike"].as_u64(), Some(named), "every one of them is a listed account: {unlisted}");
    let (in_transfers, in_accounts) =
        (unlisted["example"][0].as_str().unwrap(), unlisted["example"][1].as_str().unwrap());
    assert_eq!(in_accounts.trim_start_matches('0'), in_transfers, "{unlisted}");
    assert!(line.contains(&format!("{named} of them match a listed account written another way")), "{line}");
    assert!(line.contains(&format!("`{in_transfers}` in transfers, `{in_accounts}` in accounts")), "{line}");
    let holders = &run["unlisted_holders"];
    let named = holders["unlisted"].as_u64().unwrap();
    assert_eq!(holders["alike"].as_u64(), Some(named), "{holders}");
    let line = t
        .lines()
        .find(|l| l.contains("holder(s) named in accounts are not in the entities table"))
        .expect(&t);
    assert!(line.contains(&format!("{named} of them match a listed holder written another way")), "{line}");

    // The sample as it is: every account its transfers name is listed, and nothing is said.
    let out = tempfile::tempdir().unwrap();
    let t = text(&ok(&["analyze", s(&fixture("sample")), "--out", s(out.path())]));
    assert!(!t.contains("not in the accounts table"), "{t}");
    let run = std::fs::read_to_string(out.path().join("run.json")).unwrap();
    assert!(!run.contains("unlisted_accounts") && !run.contains("unlisted_holders"), "{run}");
}

#[test]
fn config_prints_parses_and_rejects_unknown_keys() {
    let printed = flowhound(&["config"]);
    assert_eq!(code(&printed), 0);
    let text_out = String::from_utf8(printed.stdout).unwrap();
    assert!(text_out.contains("[ub1]") && text_out.contains("min_distinct_senders = 10"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[ub1]\nmin_sendrs = 3\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = flowhound(&["analyze", s(&fixture("sample")), "--out", s(out.path()), "--config", s(&bad)]);
    assert_eq!(code(&run), 2);
    assert!(text(&run).contains("min_sendrs"), "{}", text(&run));

    // A valid override changes the result: demanding 1000 senders finds no collector.
    let strict = dir.path().join("strict.toml");
    std::fs::write(&strict, "[ub1]\nmin_distinct_senders = 1000\n").unwrap();
    ok(&["analyze", s(&fixture("sample")), "--out", s(out.path()), "--config", s(&strict)]);
    let transfers: Vec<LeadTransferRow> = typed(&out.path().join("lead_transfers.csv"));
    assert!(transfers.iter().all(|r| r.pattern != Pattern::Ub1));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&flowhound(&["analyze"])), 2);
    assert_eq!(code(&flowhound(&["no-such-command"])), 2);
    let out = tempfile::tempdir().unwrap();
    let run = flowhound(&["analyze", "/no/such/dump", "--out", s(out.path())]);
    assert_eq!(code(&run), 2, "{}", text(&run));
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let out = tempfile::tempdir().unwrap();
    let run = ok(&["-q", "--threads", "64", "analyze", s(&fixture("sample")), "--out", s(out.path())]);
    assert!(run.stdout.is_empty() && run.stderr.is_empty(), "{}", text(&run));
    assert!(out.path().join("leads.csv").is_file());
    let bad = flowhound(&["-q", "analyze", s(&fixture("bad/missing_column")), "--out", s(out.path())]);
    assert_eq!(code(&bad), 2);
    assert!(bad.stdout.is_empty() && String::from_utf8_lossy(&bad.stderr).contains("error:"));
}

#[test]
fn a_case_keeps_its_lead_id_when_its_rank_moves() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    ok(&["analyze", s(&fixture("sample")), "--out", s(a.path())]);
    // Weigh the offshore patterns down: ranks move, the cases stay the same cases.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("weights.toml");
    std::fs::write(&cfg, "[scoring.pattern_weights]\nOS1 = 0.1\nOS2 = 0.1\nOS4 = 0.1\n").unwrap();
    ok(&["analyze", s(&fixture("sample")), "--out", s(b.path()), "--config", s(&cfg)]);
    let key = |l: &LeadRow| (l.patterns.items().to_vec(), l.account_count, l.summary.as_str().to_owned());
    let before: Vec<LeadRow> = typed(&a.path().join("leads.csv"));
    let after: Vec<LeadRow> = typed(&b.path().join("leads.csv"));
    let mut moved = 0;
    for l in &before {
        let same = after.iter().find(|m| key(m) == key(l)).expect("every case is found again");
        assert_eq!(same.lead_id, l.lead_id, "the id follows the case");
        moved += usize::from(same.rank != l.rank);
    }
    assert!(moved > 0, "the weights did move some ranks");
}

#[test]
fn json_summary_is_one_object_a_script_can_read() {
    let out = tempfile::tempdir().unwrap();
    let run = ok(&["analyze", s(&fixture("sample")), "--out", s(out.path()), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).expect("stdout is one JSON object");
    assert_eq!(v["status"], "ok");
    let leads: Vec<LeadRow> = typed(&out.path().join("leads.csv"));
    assert_eq!(v["leads"].as_u64().unwrap() as usize, leads.len());
    assert_eq!(v["top_leads"][0]["lead_id"].as_str().unwrap(), leads[0].lead_id.as_str());
    let transfers = v["tables"].as_array().unwrap().iter().find(|t| t["table"] == "transfers").unwrap();
    assert_eq!(transfers["read"], 6000);
}

#[test]
fn lead_ids_hold_across_thread_counts_and_with_a_detector_disabled() {
    let (one, two, less) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    ok(&["--threads", "1", "analyze", s(&fixture("sample")), "--out", s(one.path())]);
    ok(&["--threads", "2", "analyze", s(&fixture("sample")), "--out", s(two.path())]);
    let ids = |dir: &std::path::Path| -> Vec<(String, String)> {
        let leads: Vec<LeadRow> = typed(&dir.join("leads.csv"));
        leads.iter().map(|l| (l.lead_id.as_str().to_owned(), l.summary.as_str().to_owned())).collect()
    };
    assert_eq!(ids(one.path()), ids(two.path()), "the same ids, in the same order, for any --threads");
    // Without the fan_out detector: a lead that never involved fan_out (and was not one
    // part of a group split by size, whose parts depend on every hit of the group) is
    // the same case, and keeps its id.
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = cfg_dir.path().join("less.toml");
    std::fs::write(&cfg, "disabled = [\"fan_out\"]\n").unwrap();
    let run = ok(&["analyze", s(&fixture("sample")), "--out", s(less.path()), "--config", s(&cfg)]);
    assert!(text(&run).contains("disabled in the config"), "{}", text(&run));
    let before: Vec<LeadRow> = typed(&one.path().join("leads.csv"));
    let after: Vec<LeadRow> = typed(&less.path().join("leads.csv"));
    assert!(after.iter().all(|l| !l.patterns.items().contains(&flowhound::Pattern::FanOut)));
    let untouched: Vec<&LeadRow> = before
        .iter()
        .filter(|l| {
            !l.patterns.items().contains(&flowhound::Pattern::FanOut)
                && !l.summary.as_str().contains("(part ")
        })
        .collect();
    assert!(untouched.len() > 10);
    for l in untouched {
        assert!(
            after.iter().any(|m| m.lead_id == l.lead_id && m.summary == l.summary),
            "{} ({}) lost its id",
            l.lead_id.as_str(),
            l.summary.as_str()
        );
    }
}

#[test]
fn the_order_of_an_exports_rows_changes_no_lead() {
    // A dates-only export, where a day's transfers tie in time: the order the bank listed
    // them in, and its accounts, holders and links, is no evidence of anything.
    let dump = dates_only_dump(20_000, 11);
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    ok(&["analyze", s(dump.path()), "--out", s(first.path()), "-q"]);
    reshuffle_every_table(dump.path());
    ok(&["analyze", s(dump.path()), "--out", s(second.path()), "-q"]);
    for f in ["leads.csv", "lead_accounts.csv", "lead_hits.csv", "lead_transfers.csv", "lead_evidence.csv"] {
        let (a, b) =
            (std::fs::read(first.path().join(f)).unwrap(), std::fs::read(second.path().join(f)).unwrap());
        assert!(a == b, "{f} differs once the rows come in another order");
    }
    assert!(rows(&first.path().join("leads.csv")).len() >= 5);
}

/// Per pattern, the account precision and recall of the leads in `out` against the
/// sample's truth.
fn account_scores(out: &std::path::Path) -> std::collections::BTreeMap<String, (usize, f64, f64)> {
    ok(&["eval", "--truth", s(&fixture("sample/truth.csv")), "--leads", s(out), "-q"]);
    let table: Vec<ScoreRow> = typed(&out.join("eval.csv"));
    table
        .into_iter()
        .filter(|r| r.level.as_str() == "account")
        .map(|r| (r.pattern.as_str().to_owned(), (r.truth, r.precision.0, r.recall.0)))
        .collect()
}

#[test]
fn a_dump_exported_with_semicolons_or_tabs_reads_as_the_original() {
    // Spreadsheets in many locales export `;` between fields and decimal commas in the
    // amounts (`1.250,50`); other exports use tabs or `|`, with either decimal mark, and
    // English-locale exports group thousands with commas (`"1,250.50"`). A spreadsheet's
    // general format writes a whole amount without decimals: `5.000` for five thousand
    // in a `;` export, which reads as 5 wherever a point marks decimals. Every table of
    // the sample written each way gives the same lead files, and the same rejects (none).
    let original = sample_leads();
    // A number cell written with its integer digits in groups of three, joined by
    // `group`, and `decimal` before its fraction (none for a whole number, when `whole`).
    let grouped = |cell: &str, group: &str, decimal: &str, whole_bare: bool| {
        let (whole, fraction) = cell.split_once('.').unwrap_or((cell, "0"));
        let (sign, digits) = whole.strip_prefix('-').map_or(("", whole), |d| ("-", d));
        let groups: Vec<String> =
            digits.as_bytes().rchunks(3).rev().map(|g| String::from_utf8(g.to_vec()).unwrap()).collect();
        if whole_bare && fraction.bytes().all(|b| b == b'0') {
            return format!("{sign}{}", groups.join(group));
        }
        format!("{sign}{}{decimal}{fraction}", groups.join(group))
    };
    // (separator, group mark and decimal mark of the numbers (none: as written), whole
    // numbers without decimals)
    type Marks = Option<(&'static str, &'static str)>;
    let exports: [(u8, Marks, bool); 7] = [
        (b';', Some((".", ",")), false),
        (b';', Some((".", ",")), true),
        (b'\t', None, false),
        (b'\t', Some((".", ",")), false),
        (b'\t', Some((",", ".")), true),
        (b'|', Some((" ", ",")), true),
        (b',', Some((",", ".")), false),
    ];
    for (separator, marks, whole_bare) in exports {
        let dump = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(fixture("sample")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_owned();
            let mut reader = csv::Reader::from_path(&path).unwrap();
            let header = reader.headers().unwrap().clone();
            let numbers: Vec<bool> = header.iter().map(|h| h == "amount" || h == "rate_to_base").collect();
            let mut writer =
                csv::WriterBuilder::new().delimiter(separator).from_path(dump.path().join(&name)).unwrap();
            writer.write_record(&header).unwrap();
            for record in reader.records() {
                let cells: Vec<String> = record
                    .unwrap()
                    .iter()
                    .zip(&numbers)
                    .map(|(cell, &number)| match marks {
                        Some((group, decimal)) if number => grouped(cell, group, decimal, whole_bare),
                        _ => cell.to_owned(),
                    })
                    .collect();
                writer.write_record(&cells).unwrap();
            }
            writer.flush().unwrap();
        }
        let shown =
            format!("separator {:?}, marks {marks:?}, whole numbers bare {whole_bare}", separator as char);
        assert_reads_as(original.path(), dump.path(), &shown);
    }
}

#[test]
fn channels_named_as_a_bank_exports_them_read_as_the_schema_s() {
    // A bank's export names the rails (SEPA, POS, ATM), not flowhound's channels: the
    // sample with its channels so named gives the same lead files and no rejects.
    let original = sample_leads();
    let dump = sample_copy();
    let mut reader = csv::Reader::from_path(fixture("sample/transfers.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let channel = header.iter().position(|h| h == "channel").unwrap();
    let mut writer = csv::Writer::from_path(dump.path().join("transfers.csv")).unwrap();
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let mut cells: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
        let named = match cells[channel].as_str() {
            "wire" => "SEPA",
            "card" => "POS",
            "cash_deposit" => "Deposit",
            "cash_withdrawal" => "ATM",
            "internal" => "Book Transfer",
            "fx" => "FOREX",
            other => other,
        };
        cells[channel] = named.to_owned();
        writer.write_record(&cells).unwrap();
    }
    writer.flush().unwrap();
    assert_reads_as(original.path(), dump.path(), "the rails' names");
}

/// Rewrites `column` of the CSV file at `path`: each row's cell becomes what `write`
/// gives it (with the row's index and, by name, the row's other cells), or stays when
/// it gives nothing.
fn rewrite_column(
    path: &Path,
    column: &str,
    write: impl Fn(usize, &str, &dyn Fn(&str) -> String) -> Option<String>,
) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = header.iter().position(|h| h == column).unwrap();
    let column_of = |name: &str| header.iter().position(|h| h == name).unwrap();
    let records: Vec<Vec<String>> =
        reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(&header).unwrap();
    for (k, mut cells) in records.into_iter().enumerate() {
        let row = cells.clone();
        if let Some(cell) = write(k, &cells[at], &|name: &str| row[column_of(name)].clone()) {
            cells[at] = cell;
        }
        writer.write_record(&cells).unwrap();
    }
    writer.flush().unwrap();
}

#[test]
fn countries_written_as_three_letter_or_numeric_codes_read_as_the_two_letter_ones() {
    // Many core banking exports write ISO 3166-1 alpha-3 (`CHN`) or numeric (`156`)
    // codes: the sample's accounts and entities written so give its lead files.
    let original = sample_leads();
    let dump = sample_copy();
    for (file, column) in [("accounts.csv", "country"), ("entities.csv", "jurisdiction")] {
        rewrite_column(&dump.path().join(file), column, |k, cell, _| {
            let iso = isocountry::CountryCode::for_alpha2(cell).ok()?;
            // Alternately alpha-3 and numeric, as two systems would.
            Some(if k % 2 == 0 { iso.alpha3().to_owned() } else { format!("{:03}", iso.numeric_id()) })
        });
    }
    assert_reads_as(original.path(), dump.path(), "alpha-3 and numeric country codes");
}

#[test]
fn currencies_written_by_their_local_names_or_signs_read_as_their_codes() {
    // A Chinese system writes RMB, a European ledger the euro's sign: the sample so
    // written (its transfers, and RMB in its rates too) gives its lead files.
    let original = sample_leads();
    let dump = sample_copy();
    let local = |names: [(&'static str, &'static str); 2]| {
        move |_: usize, cell: &str, _: &dyn Fn(&str) -> String| {
            names.iter().find(|(iso, _)| *iso == cell).map(|(_, local)| (*local).to_owned())
        }
    };
    rewrite_column(&dump.path().join("transfers.csv"), "currency", local([("CNY", "RMB"), ("EUR", "€")]));
    rewrite_column(&dump.path().join("fx_rates.csv"), "currency", local([("CNY", "rmb"), ("EUR", "EUR")]));
    assert_reads_as(original.path(), dump.path(), "RMB and the euro's sign");
}

#[test]
fn amounts_formatted_with_their_currency_read_as_numbers() {
    // A spreadsheet saved as CSV writes money as it shows it: `$1,234.56`, `1.234,56 €`,
    // `CNY 1234.56`. The sample so written gives its lead files; a sign that is not the
    // row's currency is a reject that says so.
    let original = sample_leads();
    let dump = sample_copy();
    let transfers = dump.path().join("transfers.csv");
    rewrite_column(&transfers, "amount", |_, cell, row| match row("currency").as_str() {
        "USD" => Some(format!("${cell}")),
        "EUR" => Some(format!("{} €", cell.replace('.', ","))),
        "CNY" => Some(format!("CNY {cell}")),
        _ => None,
    });
    assert_reads_as(original.path(), dump.path(), "amounts formatted with their currency");
    // The first transfer is in MYR.
    rewrite_column(&transfers, "amount", |k, cell, _| (k == 0).then(|| format!("€{cell}")));
    let out = tempfile::tempdir().unwrap();
    ok(&["analyze", s(dump.path()), "--out", s(out.path()), "-q"]);
    let rejects = rows(&out.path().join("rejects.csv"));
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0][2], "amount");
    assert!(rejects[0][3].contains("which is not its currency"), "{rejects:?}");
}

#[test]
fn relations_named_as_registers_name_them_read_as_the_schemas() {
    // A company register writes `Beneficial Owner` and `Authorised Signatory`, a KYC
    // file `Spouse`: the sample's links so written give its lead files.
    let original = sample_leads();
    let dump = sample_copy();
    rewrite_column(&dump.path().join("entity_links.csv"), "relation", |_, cell, _| {
        let named = match cell {
            "shareholder" => "Beneficial Owner",
            "director" => "Authorised Signatory",
            "family" => "Spouse",
            "same_address" => "shared address",
            "same_phone" => "Same-Phone",
            _ => return None,
        };
        Some(named.to_owned())
    });
    assert_reads_as(original.path(), dump.path(), "relations as registers name them");
}

/// The sample's leads, analysed in a folder of its own: what a rewritten copy of the
/// sample must give again.
fn sample_leads() -> tempfile::TempDir {
    let original = tempfile::tempdir().unwrap();
    ok(&["analyze", s(&fixture("sample")), "--out", s(original.path()), "-q"]);
    original
}

/// A copy of the sample's tables in a folder of its own, to rewrite one of them.
fn sample_copy() -> tempfile::TempDir {
    let dump = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("sample")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dump.path().join(path.file_name().unwrap())).unwrap();
    }
    dump
}

/// Analyzes `dump` and asserts that its five lead files and rejects.csv are those of the
/// run in `original` (run.json names its input), byte for byte; `shown` says how the
/// dump was written.
fn assert_reads_as(original: &Path, dump: &Path, shown: &str) {
    let out = tempfile::tempdir().unwrap();
    ok(&["analyze", s(dump), "--out", s(out.path()), "-q"]);
    for f in &flowhound::export::out_dir::ANALYZE_FILES[..6] {
        let (a, b) = (std::fs::read(original.join(f)).unwrap(), std::fs::read(out.path().join(f)).unwrap());
        assert!(a == b, "{f} differs with {shown}");
    }
}

/// `dump`'s `file` with its header line replaced by `header`.
fn with_header(dump: &Path, file: &str, header: &str) {
    let path = dump.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let body = text.split_once('\n').unwrap().1;
    std::fs::write(&path, format!("{header}\n{body}")).unwrap();
}

#[test]
fn an_export_that_names_its_columns_its_own_way_reads_through_the_configuration() {
    // A bank's export names the columns its own way. Said once in the configuration
    // ([columns]), its dump reads as the native one, to the byte; without it, the error
    // says how; a header the configuration names and the file lacks is named too.
    let original = sample_leads();
    let dump = sample_copy();
    with_header(
        dump.path(),
        "transfers.csv",
        "Reference,Booked At,Debtor Account,Creditor Account,Betrag,Currency,Rail,Memo",
    );
    with_header(dump.path(), "accounts.csv", "Konto,Holder_ID,bank_id,Land,opened_on");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("export.toml");
    std::fs::write(
        &config,
        "[columns.transfers]\ntransfer_id = \"Reference\"\ntimestamp = \"booked at\"\n\
         src_account = \"Debtor Account\"\ndst_account = \"Creditor Account\"\namount = \"Betrag\"\n\
         channel = \"Rail\"\n[columns.accounts]\naccount_id = \"Konto\"\ncountry = \"Land\"\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    ok(&["analyze", s(dump.path()), "--out", s(out.path()), "--config", s(&config), "-q"]);
    for f in &flowhound::export::out_dir::ANALYZE_FILES[..6] {
        let (a, b) =
            (std::fs::read(original.path().join(f)).unwrap(), std::fs::read(out.path().join(f)).unwrap());
        assert!(a == b, "{f} differs with the export's own column names");
    }

    let unmapped = flowhound(&["analyze", s(dump.path()), "--out", s(out.path()), "-q"]);
    assert_eq!(code(&unmapped), 2);
    let said = text(&unmapped);
    assert!(
        said.contains("missing required column `account_id`") && said.contains("[columns.accounts]"),
        "{said}"
    );

    let wrong = dir.path().join("wrong.toml");
    let good = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&wrong, good.replace("\"Debtor Account\"", "\"Debitor\"")).unwrap();
    let run = flowhound(&["analyze", s(dump.path()), "--out", s(out.path()), "--config", s(&wrong), "-q"]);
    assert_eq!(code(&run), 2);
    assert!(text(&run).contains("header `Debitor`, which this file does not have"), "{}", text(&run));

    // A bad value names the column both ways: the user finds `Betrag` in their file.
    let transfers = dump.path().join("transfers.csv");
    let mut lines: Vec<String> =
        std::fs::read_to_string(&transfers).unwrap().lines().map(str::to_owned).collect();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_owned).collect();
    cells[4] = "abc".to_owned();
    lines[1] = cells.join(",");
    std::fs::write(&transfers, lines.join("\n") + "\n").unwrap();
    ok(&["analyze", s(dump.path()), "--out", s(out.path()), "--config", s(&config), "-q"]);
    let rejects = rows(&out.path().join("rejects.csv"));
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(&rejects[0][..3], ["transfers.csv", "2", "amount (Betrag)"]);
}

/// Per pattern, the accounts a run in `out` flagged with it and how many of them are in
/// no case of the sample's truth at all: look-alikes, not accounts of another case
/// reported under another pattern's name.
fn strangers_flagged(out: &std::path::Path) -> std::collections::BTreeMap<String, (usize, usize)> {
    let laundering: std::collections::BTreeSet<String> =
        rows(&fixture("sample/truth_accounts.csv")).into_iter().map(|r| r[0].clone()).collect();
    let mut flagged: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for row in rows(&out.join("lead_accounts.csv")) {
        for role in row[5].split(';') {
            let pattern = role.split(':').next().unwrap_or_default();
            flagged.entry(pattern.to_owned()).or_default().insert(row[1].clone());
        }
    }
    flagged
        .into_iter()
        .map(|(pattern, accounts)| {
            let strangers = accounts.iter().filter(|a| !laundering.contains(*a)).count();
            (pattern, (accounts.len(), strangers))
        })
        .collect()
}

#[test]
fn the_way_a_dump_is_written_moves_no_pattern() {
    // The same transfers exported as a bank or a simulator might write them: dates
    // alone (both public simulators do), times to the hour, amounts in whole units or
    // tens. Each form reads as the original: no pattern's account recall moves by more
    // than 0.05, nor the share of the accounts it flags that are in no case at all
    // (look-alikes). (Before same-date hops were read as following, the dates-only form
    // took the random walk's precision from 0.92 to 0.52.) An account of one case read
    // under another pattern's name in one form only is no look-alike: with times cut to
    // dates, a stack's busy middle whose layers no window holds is a gather-scatter hub
    // of three senders on one date, its pass read whole (in the original its fourth
    // sender, hours earlier, is in the gather and the pass-through falls short).
    let original = sample_leads();
    let base = account_scores(original.path());
    let base_strangers = strangers_flagged(original.path());
    let stranger_share = |(flagged, strangers): (usize, usize)| strangers as f64 / flagged.max(1) as f64;
    type Rewrite = fn(&mut [String], usize, usize);
    let forms: [(&str, Rewrite); 6] = [
        ("dates alone", |cells, time, _| cells[time].truncate(10)),
        ("the month by its name, as Oracle writes dates", |cells, time, _| {
            const MONTHS: [&str; 12] =
                ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
            let t = cells[time].clone();
            let month = MONTHS[t[5..7].parse::<usize>().unwrap() - 1];
            cells[time] = format!("{}-{month}-{} {}", &t[8..10], &t[..4], &t[11..19]);
        }),
        ("day first, as German exports write it", |cells, time, _| {
            let t = cells[time].clone();
            cells[time] = format!("{}.{}.{} {}", &t[8..10], &t[5..7], &t[..4], &t[11..19]);
        }),
        ("times to the hour", |cells, time, _| cells[time] = format!("{}:00:00Z", &cells[time][..13])),
        ("whole units", |cells, _, amount| {
            let a: f64 = cells[amount].parse().unwrap();
            if a >= 1.0 {
                cells[amount] = format!("{}", a.round());
            }
        }),
        ("tens", |cells, _, amount| {
            let a: f64 = cells[amount].parse().unwrap();
            if a >= 10.0 {
                cells[amount] = format!("{}", (a / 10.0).round() * 10.0);
            }
        }),
    ];
    for (form, rewrite) in forms {
        let dump = sample_copy();
        let mut reader = csv::Reader::from_path(fixture("sample/transfers.csv")).unwrap();
        let header = reader.headers().unwrap().clone();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (time, amount) = (column("timestamp"), column("amount"));
        let mut writer = csv::Writer::from_path(dump.path().join("transfers.csv")).unwrap();
        writer.write_record(&header).unwrap();
        for record in reader.records() {
            let mut cells: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
            rewrite(&mut cells, time, amount);
            writer.write_record(&cells).unwrap();
        }
        writer.flush().unwrap();
        let out = tempfile::tempdir().unwrap();
        ok(&["analyze", s(dump.path()), "--out", s(out.path()), "-q"]);
        let scores = account_scores(out.path());
        let strangers = strangers_flagged(out.path());
        for (pattern, &(truth, _, recall)) in &base {
            if truth < 5 {
                continue;
            }
            let (_, _, r) = scores.get(pattern).copied().unwrap_or((truth, 0.0, 0.0));
            let share = stranger_share(strangers.get(pattern).copied().unwrap_or_default());
            let base_share = stranger_share(base_strangers.get(pattern).copied().unwrap_or_default());
            assert!(
                (share - base_share).abs() <= 0.05 && (r - recall).abs() <= 0.05,
                "{form}: {pattern} account recall {r:.2} and share of flagged accounts in no case {share:.2}, written as exported {recall:.2} and {base_share:.2}"
            );
        }
    }
}

/// A generated world exported as five columns (id, time, sender, receiver, amount in the
/// base currency), as many exports are. No channel says which payments are card
/// purchases, so the world's card acquirers, each paid by hundreds of cardholders and
/// settling daily to a few merchants, have a collector's shape; their shoppers pay them
/// the least of what they pay, which a collector's customers do not. Before that was
/// read, this world's five-column export had P@10 0.4, ANY account precision 0.34 and a
/// lead of 353 accounts; now 1.0, 0.89 and 68.
#[test]
fn a_five_column_export_keeps_the_shops_tills_out_of_the_leads() {
    use flowhound::export::rows::QualityRow;
    let work = tempfile::tempdir().unwrap();
    let (dump, five, out) = (work.path().join("dump"), work.path().join("five"), work.path().join("out"));
    ok(&["generate", "--out", s(&dump), "--transfers", "30000", "--seed", "7001", "-q"]);
    std::fs::create_dir_all(&five).unwrap();
    let mut rates = std::collections::HashMap::new();
    let mut fx = csv::Reader::from_path(dump.join("fx_rates.csv")).unwrap();
    for row in fx.records() {
        let row = row.unwrap();
        rates.insert((row[0].to_string(), row[1].to_string()), row[2].parse::<f64>().unwrap());
    }
    let mut transfers = csv::Reader::from_path(dump.join("transfers.csv")).unwrap();
    let mut written = csv::Writer::from_path(five.join("transfers.csv")).unwrap();
    written.write_record(["transfer_id", "timestamp", "src_account", "dst_account", "amount"]).unwrap();
    for row in transfers.records() {
        let row = row.unwrap();
        let rate =
            if &row[5] == "USD" { 1.0 } else { rates[&(row[1][..10].to_string(), row[5].to_string())] };
        let amount = format!("{:.2}", row[4].parse::<f64>().unwrap() * rate);
        written.write_record([&row[0], &row[1], &row[2], &row[3], amount.as_str()]).unwrap();
    }
    written.flush().unwrap();
    for name in ["truth.csv", "truth_accounts.csv"] {
        std::fs::copy(dump.join(name), five.join(name)).unwrap();
    }
    let config = work.path().join("five.toml");
    std::fs::write(&config, "[ingest]\ncurrency = \"USD\"\n").unwrap();
    ok(&["analyze", s(&five), "--out", s(&out), "--config", s(&config), "-q"]);
    ok(&["eval", "--truth", s(&five.join("truth.csv")), "--leads", s(&out), "-q"]);
    let quality: Vec<QualityRow> = typed(&out.join("eval_leads.csv"));
    let measure = |name: &str| quality.iter().find(|r| r.measure.as_str() == name).unwrap().number();
    assert!(measure("precision_at_10") >= 0.8, "{quality:?}");
    assert!(measure("largest_lead_accounts") <= 100.0, "{quality:?}");
    let scores: Vec<ScoreRow> = typed(&out.join("eval.csv"));
    let any = scores.iter().find(|r| r.pattern.as_str() == "ANY" && r.level.as_str() == "account").unwrap();
    assert!(any.precision.0 >= 0.7, "{scores:?}");
}
