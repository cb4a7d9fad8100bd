//! `flowhound features` end to end.

mod common;

use common::*;

#[test]
fn one_row_per_transfer_and_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("one.csv"), dir.path().join("two.csv"));
    for (threads, out) in [("1", &a), ("2", &b)] {
        ok(&["--threads", threads, "features", s(&fixture("sample")), "--out", s(out), "--window", "12h"]);
    }
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(), "features differ by thread count");
    // Each row as a map from the library's own column names to cells.
    let rows: Vec<std::collections::BTreeMap<String, String>> = typed(&a);
    assert_eq!(rows.len(), 6000);
    let mut expected: Vec<&str> = flowhound::features::COLUMNS.to_vec();
    expected.push("transfer_id");
    expected.sort_unstable();
    assert_eq!(rows[0].keys().map(String::as_str).collect::<Vec<_>>(), expected);
    assert!(dir.path().join("features_rejects.csv").exists(), "rejects are kept beside the features");
    // The injected cycles show up.
    let cycles: Vec<&str> =
        flowhound::features::COLUMNS.iter().copied().filter(|c| c.starts_with("cycles_")).collect();
    assert!(rows.iter().any(|r| cycles.iter().any(|c| r[*c] != "0")), "some transfer is on a temporal cycle");
}

#[test]
fn parquet_is_the_default_and_bad_windows_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.parquet");
    ok(&["features", s(&fixture("sample")), "--out", s(&out), "--patterns", "fan,temp-cycle"]);
    assert!(std::fs::read(&out).unwrap().starts_with(b"PAR1"));
    let wrong = flowhound(&["features", s(&fixture("sample")), "--out", s(&dir.path().join("f.xyz"))]);
    assert_eq!(code(&wrong), 2, "an extension that names no format is a usage error");
    for w in ["0", "soon", "-3h"] {
        let run = flowhound(&["features", s(&fixture("sample")), "--out", s(&out), "--window", w]);
        assert_eq!(code(&run), 2, "--window {w}: {}", text(&run));
    }
}

#[test]
fn computed_part_by_part_the_features_are_the_same_file() {
    // Parts shorter and longer than the window, on the fixture and on a generated world
    // with every pattern; a capped search could differ, and none is capped here.
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    ok(&["generate", "--out", s(&world), "--transfers", "30000", "--days", "60", "--seed", "17"]);
    for dump in [fixture("sample"), world] {
        let whole = dir.path().join("whole.csv");
        ok(&["features", s(&dump), "--out", s(&whole), "--window", "2d"]);
        for part in ["1d", "5d", "30d"] {
            let parts = dir.path().join(format!("parts-{part}.csv"));
            let run =
                ok(&["features", s(&dump), "--out", s(&parts), "--window", "2d", "--partition-window", part]);
            assert!(!text(&run).contains("reached --budget"), "{}", text(&run));
            assert!(
                std::fs::read(&whole).unwrap() == std::fs::read(&parts).unwrap(),
                "{}: parts of {part} differ from the whole run",
                dump.display()
            );
        }
    }
    let bad = flowhound(&[
        "features",
        s(&fixture("sample")),
        "--out",
        s(&dir.path().join("x.csv")),
        "--partition-window",
        "soon",
    ]);
    assert_eq!(code(&bad), 2, "{}", text(&bad));
}

#[test]
fn parquet_holds_what_csv_holds_whole_or_in_parts() {
    // The Parquet writer compresses columns on every thread itself: whatever it writes
    // must read back as the very values the CSV file holds.
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let (sample, csv) = (fixture("sample"), dir.path().join("f.csv"));
    let run = ok(&["features", s(&sample), "--out", s(&csv), "--window", "12h"]);
    assert!(text(&run).contains("features of 6000 transfers"), "{}", text(&run));
    let parquet_as_csv = |extra: &[&str]| {
        let parquet = dir.path().join("f.parquet");
        let mut args = vec!["features", s(&sample), "--out", s(&parquet), "--window", "12h"];
        args.extend_from_slice(extra);
        ok(&args);
        let mut df = ParquetReader::new(std::fs::File::open(&parquet).unwrap()).finish().unwrap();
        let mut again = Vec::new();
        CsvWriter::new(&mut again).finish(&mut df).unwrap();
        again
    };
    for extra in [&[][..], &["--partition-window", "5d"][..]] {
        assert!(
            parquet_as_csv(extra) == std::fs::read(&csv).unwrap(),
            "Parquet ({extra:?}) differs from CSV"
        );
    }
    // GFP's layout is written a block of rows at a time from its compact form.
    let gfp_csv = dir.path().join("gfp.csv");
    ok(&["features", s(&sample), "--out", s(&gfp_csv), "--window", "12h", "--layout", "gfp"]);
    assert!(
        parquet_as_csv(&["--layout", "gfp"]) == std::fs::read(&gfp_csv).unwrap(),
        "GFP's Parquet differs from its CSV"
    );
}

#[test]
fn the_gfp_layout_has_gfps_columns_and_values_that_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("one.csv"), dir.path().join("two.csv"));
    for (threads, out) in [("1", &a), ("2", &b)] {
        let run = ok(&[
            "--threads",
            threads,
            "features",
            s(&fixture("sample")),
            "--out",
            s(out),
            // A week: GFP reads a scatter-gather at its pair's last leg, and the
            // sample's pairs keep paying for days after their pattern.
            "--window",
            "7d",
            "--layout",
            "gfp",
        ]);
        assert!(text(&run).contains("227 columns"), "{}", text(&run));
    }
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(), "GFP features differ by thread count");
    let text = std::fs::read_to_string(&a).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[..3], ["transfer_id", "fan_in_bins_2-3", "fan_in_bins_3-4"]);
    assert!(header.contains(&"lc-cycle_bins_10-inf") && header.contains(&"dest_kurtosis_col4_in"));
    let rows: Vec<Vec<f64>> =
        lines.map(|l| l.split(',').skip(1).map(|v| v.parse::<f64>().unwrap()).collect()).collect();
    assert_eq!(rows.len(), 6000);
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap() - 1;
    // A sender's outgoing degree over the dump counts every transfer it sent: the rows
    // it sent number exactly that.
    let (deg, avg, sum) = (at("source_deg_out"), at("source_avg_col4_out"), at("source_sum_col4_out"));
    for r in &rows {
        assert!(r[deg] >= 1.0 && (r[avg] * r[deg] - r[sum]).abs() < 1e-6 * (1.0 + r[sum].abs()));
    }
    // The injected cycles and fans show up in GFP's histograms.
    let family_total = |prefix: &str| -> f64 {
        let columns = header.iter().skip(1).zip(0..).filter(|(h, _)| h.starts_with(prefix));
        columns.map(|(_, k)| rows.iter().map(|r| r[k]).sum::<f64>()).sum()
    };
    for family in
        ["fan_out_bins", "degree_in_bins", "scatter-gather_bins", "temp-cycle_bins", "lc-cycle_bins"]
    {
        assert!(family_total(family) > 0.0, "{family}: no pattern in the sample");
    }
    // A temporal cycle is also a length-constrained one (the sample's are short).
    assert!(family_total("lc-cycle_bins") >= family_total("temp-cycle_bins_2-3"));
}

#[test]
fn the_gfp_layout_reads_whole_accounts_so_it_is_never_split_into_parts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.csv");
    let run = flowhound(&[
        "features",
        s(&fixture("sample")),
        "--out",
        s(&out),
        "--layout",
        "gfp",
        "--partition-window",
        "7d",
    ]);
    assert_eq!(code(&run), 2, "{}", text(&run));
    assert!(text(&run).contains("cannot be computed in parts"), "{}", text(&run));
    let lc = flowhound(&["features", s(&fixture("sample")), "--out", s(&out), "--patterns", "lc-cycle"]);
    assert_eq!(code(&lc), 2, "length-constrained cycles are GFP's only: {}", text(&lc));
}
