//! Ids one table names and the table that should list them does not: accounts the
//! transfers name and `accounts` does not list, holders `accounts` names and `entities`
//! does not; and whether they are that table's own ids written another way.
//!
//! Such a row is accepted (an account's country and holder unknown, a holder's kind and
//! jurisdiction), so a dump whose two tables spell the same id differently loses every
//! country, holder and company without a reject to say so: the offshore and company
//! signals go quiet. The usual cause is a spreadsheet or a dataframe between the bank's
//! system and the file: a numeric id column loses its leading zeros (`00012345` becomes
//! `12345`), a column with a gap in it is written as floats (`12345.0`), or one export
//! writes ids in capitals. The run cannot know which spelling is right, so it merges
//! nothing and says what it saw, with an example, in the summary and in run.json.

use std::borrow::Cow;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::model::{AccountTable, HolderKind, HolderTable};

/// Which ids were named and not listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// Accounts the transfers name, against the `accounts` table.
    Accounts,
    /// Holders the `accounts` table names, against the `entities` table.
    Holders,
}

impl Named {
    /// What the ids are, where they are named, the table that lists them, and what is
    /// unknown of one it does not.
    fn words(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Named::Accounts => ("account", "transfers", "accounts", "their country and holder are unknown"),
            Named::Holders => (
                "holder",
                "accounts",
                "entities",
                "whether each is a person or a company, and its jurisdiction, are unknown",
            ),
        }
    }
}

/// What one table named that the table listing such ids does not list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unlisted {
    /// Which ids.
    #[serde(skip)]
    pub named: Named,
    /// Ids the listing table lists.
    pub listed: usize,
    /// Ids named elsewhere and absent from it.
    pub unlisted: usize,
    /// Of those, ids that match exactly one listed id once written alike (leading zeros
    /// of a numeric id, a trailing `.0`, letter case).
    pub alike: usize,
    /// The first such pair, in id order: `(as named, as listed)`.
    pub example: Option<(String, String)>,
}

impl Unlisted {
    /// What `accounts` (after ingest) says of the accounts the transfers name; `None`
    /// when the table listed no account (no `accounts` table: nothing was expected to
    /// match) or every one is listed.
    pub fn accounts(accounts: &AccountTable) -> Option<Unlisted> {
        Unlisted::measure(Named::Accounts, &accounts.ids, |k| accounts.listed[k])
    }

    /// What `holders` (after ingest) says of the holders `accounts` names: those the
    /// `entities` table lists have a kind. `None` as for [`Unlisted::accounts`].
    pub fn holders(holders: &HolderTable) -> Option<Unlisted> {
        Unlisted::measure(Named::Holders, &holders.ids, |k| holders.kind[k] != HolderKind::Unknown)
    }

    fn measure(named: Named, ids: &[String], is_listed: impl Fn(usize) -> bool + Sync) -> Option<Unlisted> {
        let listed = (0..ids.len()).into_par_iter().filter(|&k| is_listed(k)).count();
        let unlisted = ids.len() - listed;
        if listed == 0 || unlisted == 0 {
            return None;
        }
        // The unlisted ids by how they are written alike (few, as a rule); then the
        // listed ids of those keys, each listed id's key made on the way and not kept.
        let mut slots: FxHashMap<Cow<'_, str>, usize> = FxHashMap::default();
        let named_ids: Vec<(usize, usize)> = (0..ids.len())
            .filter(|&k| !is_listed(k))
            .map(|k| {
                let next = slots.len();
                (k, *slots.entry(written_alike(&ids[k])).or_insert(next))
            })
            .collect();
        let found: Vec<(usize, usize)> = (0..ids.len())
            .into_par_iter()
            .with_min_len(4096)
            .filter(|&k| is_listed(k))
            .filter_map(|k| slots.get(&written_alike(&ids[k])).map(|&slot| (slot, k)))
            .collect();
        // Per key, its one listed id; a key two listed ids share names neither.
        let mut listed_as: Vec<Option<Option<usize>>> = vec![None; slots.len()];
        for (slot, k) in found {
            listed_as[slot] = Some(match listed_as[slot] {
                None => Some(k),
                Some(_) => None,
            });
        }
        let mut alike = 0;
        let mut example = None;
        for (k, slot) in named_ids {
            if let Some(Some(listed)) = listed_as[slot] {
                alike += 1;
                example.get_or_insert_with(|| (ids[k].clone(), ids[listed].clone()));
            }
        }
        Some(Unlisted { named, listed, unlisted, alike, example })
    }

    /// One line for the run's summary.
    pub fn words(&self) -> String {
        let (what, named_in, table, unknown) = self.named.words();
        let mut line = format!(
            "{} {what}(s) named in {named_in} are not in the {table} table, which lists {}: {unknown}",
            self.unlisted, self.listed
        );
        if let Some((named, listed)) = &self.example {
            line.push_str(&format!(
                "; {} of them match a listed {what} written another way (`{named}` in {named_in}, `{listed}` in {table}): \
                 a spreadsheet or a dataframe may have rewritten the ids (leading zeros dropped, `.0` added); export the id columns as text",
                self.alike
            ));
        }
        line
    }
}

/// `id` written the way a spreadsheet or a dataframe leaves it alike with other ways of
/// writing it: in capitals, and when it is a number, without a trailing `.0` and without
/// leading zeros (`0` stays `0`). Borrowed when that is how it is written already, as
/// most ids are.
fn written_alike(id: &str) -> Cow<'_, str> {
    let trimmed = id.trim();
    let upper = match trimmed.bytes().any(|b| b.is_ascii_lowercase()) {
        true => Cow::Owned(trimmed.to_ascii_uppercase()),
        false => Cow::Borrowed(trimmed),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let number = upper.strip_suffix(".0").filter(|d| digits(d)).unwrap_or(&upper);
    if !digits(number) {
        return upper;
    }
    let kept = match number.trim_start_matches('0') {
        "" => "0",
        kept => kept,
    };
    match upper {
        Cow::Borrowed(text) if kept.len() == text.len() => Cow::Borrowed(text),
        _ => Cow::Owned(kept.to_owned()),
    }
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
        let u = Unlisted::accounts(&t).unwrap();
        assert_eq!((u.listed, u.unlisted, u.alike), (3, 3, 2));
        assert_eq!(u.example, Some(("12345".to_owned(), "00012345".to_owned())));
        assert!(u.words().contains("`12345` in transfers, `00012345` in accounts"), "{}", u.words());
    }

    #[test]
    fn accounts_the_table_does_not_list_are_counted_without_a_guess() {
        let u = Unlisted::accounts(&table(&["A1", "A2"], &["B7"])).unwrap();
        assert!(!u.words().contains("match"), "{}", u.words());
        assert_eq!((u.unlisted, u.alike, u.example), (1, 0, None));
    }

    #[test]
    fn two_listed_accounts_written_alike_name_neither() {
        // `012` and `12` are both listed: `0012` in a transfer could be either.
        let u = Unlisted::accounts(&table(&["012", "12"], &["0012"])).unwrap();
        assert_eq!((u.unlisted, u.alike), (1, 0));
    }

    #[test]
    fn holders_the_entities_table_lists_written_another_way_are_named() {
        let mut holders = HolderTable::default();
        for (id, kind) in [("E0007", HolderKind::Company), ("E0008", HolderKind::Person)] {
            let h = holders.intern(id);
            holders.kind[h as usize] = kind;
        }
        holders.intern("e0007");
        let u = Unlisted::holders(&holders).unwrap();
        assert_eq!((u.listed, u.unlisted, u.alike), (2, 1, 1));
        assert!(
            u.words().starts_with("1 holder(s) named in accounts are not in the entities table"),
            "{}",
            u.words()
        );
        assert!(u.words().contains("`e0007` in accounts, `E0007` in entities"), "{}", u.words());
    }

    #[test]
    fn nothing_is_said_without_an_accounts_table_or_when_every_account_is_listed() {
        assert_eq!(Unlisted::accounts(&table(&[], &["1", "2"])), None);
        assert_eq!(Unlisted::accounts(&table(&["1", "2"], &[])), None);
    }
}
