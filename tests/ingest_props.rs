//! Property: whatever mix of good and broken rows a transfers file holds, every row is
//! either accepted or rejected with its own line, and read = accepted + rejected.

use flowhound::ingest::{self, DumpFiles};
use flowhound::progress::Silent;
use flowhound::Config;
use proptest::prelude::*;

/// A row, good or broken in one of the ways real exports break.
fn row() -> impl Strategy<Value = (u8, u32)> {
    (0u8..10, 0u32..50)
}

fn render(kind: u8, n: u32, id: usize) -> String {
    let good = |ts: &str, amount: &str, cur: &str, src: &str| {
        format!("T{id},{ts},{src},ACC-{n},{amount},{cur},wire,memo {n}")
    };
    match kind {
        0..=3 => good("2024-03-01T09:00:00Z", &format!("{}.5", n + 1), "USD", "ACC-0"),
        4 => good("not a time", "10", "USD", "ACC-0"),
        5 => good("2024-03-01T09:00:00Z", ["0", "-3", "NaN", "x"][n as usize % 4], "USD", "ACC-0"),
        6 => good("2024-03-01T09:00:00Z", "10", "XYZ", "ACC-0"),
        7 => good("2024-03-01T09:00:00Z", "10", "USD", ""),
        8 => format!("T{},2024-03-01T09:00:00Z,ACC-0,ACC-1,5,USD,wire,", n % 3),
        _ => format!("T{id},2024-03-01T09:00:00Z,ACC-0"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn every_row_is_accepted_or_rejected_once(rows in prop::collection::vec(row(), 1..80)) {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("transfer_id,timestamp,src_account,dst_account,amount,currency,channel,memo\n");
        for (i, (kind, n)) in rows.iter().enumerate() {
            text.push_str(&render(*kind, *n, i + 100));
            text.push('\n');
        }
        std::fs::write(dir.path().join("transfers.csv"), &text).unwrap();
        let files = DumpFiles::discover(dir.path()).unwrap();
        let (dump, report) = ingest::load(&files, &Config::default_config().unwrap(), &Silent).unwrap();
        let t = &report.tables[0];
        prop_assert_eq!(t.read as usize, rows.len());
        prop_assert_eq!(t.accepted + t.rejected, t.read);
        prop_assert_eq!(dump.transfers.len() as u64, t.accepted);
        prop_assert_eq!(report.rejects.len() as u64, t.rejected);
        // Each rejected line is a distinct data line of the file.
        let mut lines: Vec<u64> = report.rejects.iter().map(|r| r.line).collect();
        lines.sort_unstable();
        lines.dedup();
        prop_assert_eq!(lines.len(), report.rejects.len());
        prop_assert!(lines.iter().all(|&l| l >= 2 && l <= rows.len() as u64 + 1));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Accounts, listed or met only in transfers, are numbered in the order of their ids,
    /// whatever order the files name them in; an account named only by a rejected row is
    /// not added at all.
    #[test]
    fn accounts_are_numbered_by_their_ids_and_rejected_rows_add_none(
        rows in prop::collection::vec((0u8..8, 0u8..8, any::<bool>()), 1..40),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let listed = ["L0", "L1", "L2"];
        let mut accounts = String::from("account_id,holder_id,bank_id,country,opened_on\n");
        for a in listed {
            accounts.push_str(&format!("{a},H{a},B1,US,2020-01-01\n"));
        }
        std::fs::write(dir.path().join("accounts.csv"), &accounts).unwrap();
        // Unlisted ids sort between and before listed ones: the files' order is not theirs.
        let name = |n: u8| if n < 3 { listed[n as usize].to_owned() } else { ["A7", "L15", "Z", "10", "9"][n as usize - 3].to_owned() };
        let mut text = String::from("transfer_id,timestamp,src_account,dst_account,amount,currency,channel,memo\n");
        let mut want: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
        for (i, (src, dst, good)) in rows.iter().enumerate() {
            let amount = if *good { "10" } else { "-1" };
            text.push_str(&format!("T{i},2024-03-01T09:00:00Z,{},{},{amount},USD,wire,\n", name(*src), name(*dst)));
            if *good {
                for a in [name(*src), name(*dst)] {
                    if !want.contains(&a) {
                        want.push(a);
                    }
                }
            }
        }
        std::fs::write(dir.path().join("transfers.csv"), &text).unwrap();
        let files = DumpFiles::discover(dir.path()).unwrap();
        let (dump, _) = ingest::load(&files, &Config::default_config().unwrap(), &Silent).unwrap();
        want.sort_by(|a, b| flowhound::model::id_order(a, b));
        prop_assert_eq!(&dump.accounts.ids, &want);
    }
}
