//! Accounts that transfers name and the `accounts` table does not list, and whether
//! they are the table's own accounts written another way.
//!
//! Such an account is accepted (its country and holder unknown), so a dump whose two
//! tables spell the same account differently loses every country, holder and company
//! without a reject to say so: the offshore and company signals go quiet. The usual
//! cause is a spreadsheet or a dataframe between the bank's system and the file: a
//! numeric id column loses its leading zeros (`00012345` becomes `12345`), a column with
//! a gap in it is written as floats (`12345.0`), or one export writes ids in capitals.
//! The run cannot know which spelling is right, so it merges nothing and says what it
//! saw, with an example, in the summary and in run.json.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::model::AccountTable;

/// What the transfers named that the `accounts` table does not list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnlistedAccounts {
    /// Accounts the `accounts` table lists.
    pub listed: usize,
    /// Accounts named in transfers and absent from it.
    pub unlisted: usize,
    /// Of those, accounts that match exactly one listed account once written alike
    /// (leading zeros of a numeric id, a trailing `.0`, letter case).
    pub alike: usize,
    /// The first such pair, in account order: `(in transfers, in accounts)`.
    pub example: Option<(String, String)>,
}

impl UnlistedAccounts {
    /// What `accounts` (after ingest) says of its unlisted accounts; `None` when the
    /// table listed no account (no `accounts` table: nothing was expected to match) or
    /// every account the transfers name is listed.
    pub fn measure(accounts: &AccountTable) -> Option<UnlistedAccounts> {
        let listed = accounts.listed.iter().filter(|&&l| l).count();
        let unlisted = accounts.listed.len() - listed;
        if listed == 0 || unlisted == 0 {
            return None;
        }
        // Each listed account by how it is written alike; a key two listed accounts
        // share names neither.
        let mut by_key: FxHashMap<String, Option<u32>> = FxHashMap::default();
        for (k, id) in accounts.ids.iter().enumerate().filter(|&(k, _)| accounts.listed[k]) {
            by_key.entry(written_alike(id)).and_modify(|one| *one = None).or_insert(Some(k as u32));
        }
        let mut alike = 0;
        let mut example = None;
        for id in accounts.ids.iter().zip(&accounts.listed).filter(|(_, &l)| !l).map(|(id, _)| id) {
            if let Some(&Some(listed)) = by_key.get(&written_alike(id)) {
                alike += 1;
                example.get_or_insert_with(|| (id.clone(), accounts.ids[listed as usize].clone()));
            }
        }
        Some(UnlistedAccounts { listed, unlisted, alike, example })
    }

    /// One line for the run's summary.
    pub fn words(&self) -> String {
        let mut line = format!(
            "{} account(s) named in transfers are not in the accounts table, which lists {}: their country and holder are unknown",
            self.unlisted, self.listed
        );
        if let Some((named, listed)) = &self.example {
            line.push_str(&format!(
                "; {} of them match a listed account written another way (`{named}` in transfers, `{listed}` in accounts): \
                 a spreadsheet or a dataframe may have rewritten the ids (leading zeros dropped, `.0` added); export the id columns as text",
                self.alike
            ));
        }
        line
    }
}

/// `id` written the way a spreadsheet or a dataframe leaves it alike with other ways of
/// writing it: in capitals, and when it is a number, without a trailing `.0` and without
/// leading zeros (`0` stays `0`).
fn written_alike(id: &str) -> String {
    let upper = id.trim().to_ascii_uppercase();
    let digits = upper.strip_suffix(".0").filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    let number = digits.unwrap_or(&upper);
    if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
        let kept = number.trim_start_matches('0');
        return if kept.is_empty() { "0".to_owned() } else { kept.to_owned() };
    }
    upper
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table listing `listed` and then meeting `named` in transfers only.
    fn table(listed: &[&str], named: &[&str]) -> AccountTable {
        let mut t = AccountTable::default();
        for id in listed {
            let k = t.intern(id);
            t.listed[k as usize] = true;
        }
        for id in named {
            t.intern(id);
        }
        t
    }

    #[test]
    fn ids_are_written_alike_as_spreadsheets_and_dataframes_rewrite_them() {
        for (a, b) in
            [("00012345", "12345"), ("12345.0", "12345"), ("acc-7", "ACC-7"), ("000", "0"), ("0.0", "0")]
        {
            assert_eq!(written_alike(a), written_alike(b), "{a} {b}");
        }
        // Letters keep their zeros: A0012 and A12 are different accounts of a bank.
        assert_ne!(written_alike("A0012"), written_alike("A12"));
        assert_ne!(written_alike("12.5"), written_alike("125"));
        assert_ne!(written_alike("1.0.0"), written_alike("1.0"));
    }

    #[test]
    fn a_spreadsheet_that_dropped_the_zeros_is_named_with_an_example() {
        let t = table(&["00012345", "00012346", "00099999"], &["12345", "12346", "CASH"]);
        let u = UnlistedAccounts::measure(&t).unwrap();
        assert_eq!((u.listed, u.unlisted, u.alike), (3, 3, 2));
        assert_eq!(u.example, Some(("12345".to_owned(), "00012345".to_owned())));
        assert!(u.words().contains("`12345` in transfers, `00012345` in accounts"), "{}", u.words());
    }

    #[test]
    fn accounts_the_table_does_not_list_are_counted_without_a_guess() {
        let u = UnlistedAccounts::measure(&table(&["A1", "A2"], &["B7"])).unwrap();
        assert!(!u.words().contains("match"), "{}", u.words());
        assert_eq!((u.unlisted, u.alike, u.example), (1, 0, None));
    }

    #[test]
    fn two_listed_accounts_written_alike_name_neither() {
        // `012` and `12` are both listed: `0012` in a transfer could be either.
        let u = UnlistedAccounts::measure(&table(&["012", "12"], &["0012"])).unwrap();
        assert_eq!((u.unlisted, u.alike), (1, 0));
    }

    #[test]
    fn nothing_is_said_without_an_accounts_table_or_when_every_account_is_listed() {
        assert_eq!(UnlistedAccounts::measure(&table(&[], &["1", "2"])), None);
        assert_eq!(UnlistedAccounts::measure(&table(&["1", "2"], &[])), None);
    }
}
