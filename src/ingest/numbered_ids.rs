//! Account ids that are a number: found by position, not by hashing the text.
//!
//! Looking up a transfer's two account ids in the table of every account was a quarter
//! of the CPU of reading a generated 10M dump: the table is larger than the processor's
//! cache, so each lookup waited on memory twice. Account numbers are mostly a number
//! behind a fixed prefix (`A00248466`, `ACC-000123`, AMLSim's `4412`). When most
//! accounts already known have one such shape, the ids of that shape are kept in a
//! dense array by their number, a few bytes per account that mostly stay in cache; a
//! text of another shape (a bank's `SUSPENSE` or `CASH-EUR` beside its numbered
//! accounts), or of a number beyond the array, is asked of the table as before.
//!
//! The answer is the table's, exactly: a shape reads one number from one text only
//! (a fixed count of digits, or digits without a leading zero), so two different ids
//! never share a slot, and every id of the shape the table holds is in the array, which
//! [`NumberedIds::insert`] keeps true as accounts are added.

/// How the number is written after the prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Digits {
    /// Exactly this many digits, zeros in front kept (`000123`).
    Fixed(usize),
    /// Any count, without a zero in front (`4412`, `0`).
    Plain,
}

/// Most digits a number may have: up to 18 always fit a `u64`.
const MOST_DIGITS: usize = 18;

/// Slots per known account the array may grow to (with [`SPARE_SLOTS`] besides): 4
/// bytes a slot, so at most about what the table spends on an account.
const SLOTS_PER_ACCOUNT: usize = 8;

/// Slots allowed beyond [`SLOTS_PER_ACCOUNT`], for a small table of large numbers.
const SPARE_SLOTS: usize = 4096;

/// An empty slot.
const NONE: u32 = u32::MAX;

/// What [`NumberedIds::get`] knows of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The account with this index.
    Known(u32),
    /// No account has this id.
    Absent,
    /// Not of the shape: ask the table.
    AskTable,
}

/// Account indices by the number in their id, for ids of one shape.
#[derive(Debug, Clone)]
pub struct NumberedIds {
    prefix: String,
    digits: Digits,
    slots: Vec<u32>,
    /// Accounts in the array.
    accounts: usize,
}

impl NumberedIds {
    /// The numbered ids of `ids` (index `k` holds `ids[k]`), when more than half of
    /// them have the first one's shape and their numbers are dense enough; `None`
    /// otherwise. Ids of other shapes stay the table's alone.
    pub fn of(ids: &[String]) -> Option<NumberedIds> {
        let first = ids.first()?;
        let (prefix, number) = split(first);
        // Zeros in front say the count of digits is fixed; without any, ids of one
        // length are plain numbers that happen to be as long (1000 to 9999), and the
        // next account may be 10000.
        let zero_in_front = ids.iter().any(|id| {
            let (its_prefix, digits) = split(id);
            its_prefix == prefix && digits.len() > 1 && digits.starts_with('0')
        });
        let digits = if zero_in_front { Digits::Fixed(number.len()) } else { Digits::Plain };
        let mut numbered =
            NumberedIds { prefix: prefix.to_owned(), digits, slots: Vec::new(), accounts: ids.len() };
        let numbers: Vec<(usize, usize)> =
            ids.iter().enumerate().filter_map(|(k, id)| Some((k, numbered.number(id)?))).collect();
        let largest = numbers.iter().map(|&(_, n)| n).max()?;
        if numbers.len() * 2 <= ids.len() || largest >= numbered.limit() {
            return None;
        }
        numbered.slots = vec![NONE; largest + 1];
        for &(k, n) in &numbers {
            numbered.slots[n] = u32::try_from(k).ok()?;
        }
        Some(numbered)
    }

    /// The account whose id is `text`, or where to ask.
    pub fn get(&self, text: &str) -> Lookup {
        match self.number(text) {
            Some(n) => match self.slots.get(n) {
                Some(&k) if k != NONE => Lookup::Known(k),
                _ => Lookup::Absent,
            },
            None => Lookup::AskTable,
        }
    }

    /// Asks for the slot of `text`, if it is of the shape, to be brought into the
    /// processor's caches, for a [`NumberedIds::get`] of it a few rows on: with millions
    /// of accounts the slots outgrow the caches, and a lookup that waits on memory for
    /// each row left the reading of a 100M-transfer dump waiting a tenth of its time.
    pub fn prefetch(&self, text: &str) {
        if let Some(n) = self.number(text) {
            crate::memory::prefetch(&self.slots, n);
        }
    }

    /// Records that account `index` has id `text`. False when the array can no longer
    /// answer for every id of its shape (a number beyond its limit): it must then not
    /// be asked again.
    #[must_use]
    pub fn insert(&mut self, text: &str, index: u32) -> bool {
        let Some(n) = self.number(text) else { return true };
        if self.slots.get(n).is_some_and(|&k| k == index) {
            return true;
        }
        self.accounts += 1;
        if n >= self.limit() {
            return false;
        }
        if n >= self.slots.len() {
            self.slots.resize(n + 1, NONE);
        }
        self.slots[n] = index;
        true
    }

    /// Largest number the array may reach: a few slots per account.
    fn limit(&self) -> usize {
        self.accounts.saturating_mul(SLOTS_PER_ACCOUNT).saturating_add(SPARE_SLOTS)
    }

    /// The number `text` writes in this shape, if it is of the shape.
    fn number(&self, text: &str) -> Option<usize> {
        let digits = text.strip_prefix(self.prefix.as_str())?;
        let fits = match self.digits {
            Digits::Fixed(width) => digits.len() == width,
            Digits::Plain => digits == "0" || !digits.starts_with('0'),
        };
        if !fits || digits.is_empty() || digits.len() > MOST_DIGITS {
            return None;
        }
        // Checked and read in one pass, twice a transfer: at most 18 digits never
        // overflow, so no step needs the checks of `str::parse`.
        let n =
            digits.bytes().try_fold(0u64, |n, b| b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0')))?;
        usize::try_from(n).ok()
    }
}

/// An id's prefix and the run of digits that ends it (empty when it ends otherwise).
fn split(id: &str) -> (&str, &str) {
    let digits = id.bytes().rev().take_while(u8::is_ascii_digit).count();
    id.split_at(id.len() - digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fixed_width_ids_are_found_by_their_number_and_no_other_text_is() {
        let n = NumberedIds::of(&ids(&["A00000007", "A00000003", "A00000120"])).unwrap();
        assert_eq!(n.get("A00000003"), Lookup::Known(1));
        assert_eq!(n.get("A00000120"), Lookup::Known(2));
        assert_eq!(n.get("A00000004"), Lookup::Absent);
        // The same number written otherwise is another id, which the table is asked for.
        for other in ["A0000003", "A000000003", "a00000003", "B00000003", "A0000000x", "00000003", ""] {
            assert_eq!(n.get(other), Lookup::AskTable, "{other}");
        }
    }

    #[test]
    fn plain_numbers_of_any_width_have_no_zero_in_front() {
        let n = NumberedIds::of(&ids(&["412", "7", "0", "31"])).unwrap();
        assert_eq!(n.get("7"), Lookup::Known(1));
        assert_eq!(n.get("0"), Lookup::Known(2));
        assert_eq!(n.get("8"), Lookup::Absent);
        assert_eq!(n.get("07"), Lookup::AskTable);
        assert_eq!(n.get("00"), Lookup::AskTable);
        assert_eq!(n.get(" 7"), Lookup::AskTable);
    }

    #[test]
    fn a_few_ids_of_another_shape_are_left_to_the_table() {
        let n = NumberedIds::of(&ids(&["A1", "SUSPENSE", "A2", "A3", "CASH-7"])).unwrap();
        assert_eq!(n.get("A2"), Lookup::Known(2));
        assert_eq!(n.get("A9"), Lookup::Absent);
        assert_eq!(n.get("SUSPENSE"), Lookup::AskTable);
        assert_eq!(n.get("CASH-7"), Lookup::AskTable);
    }

    #[test]
    fn ids_of_mixed_shapes_or_sparse_numbers_are_left_to_the_table() {
        assert!(NumberedIds::of(&ids(&["A1", "B2"])).is_none());
        assert!(NumberedIds::of(&ids(&["0012", "7"])).is_none());
        assert!(NumberedIds::of(&ids(&["A01", "A0012"])).is_none());
        assert!(NumberedIds::of(&ids(&["ACC", "ACC1"])).is_none());
        assert!(NumberedIds::of(&ids(&["7", "123456789012"])).is_none());
        assert!(NumberedIds::of(&ids(&["1234567890123456789"])).is_none());
        assert!(NumberedIds::of(&[]).is_none());
    }

    #[test]
    fn an_account_added_beyond_the_limit_ends_the_array() {
        let mut n = NumberedIds::of(&ids(&["A1"])).unwrap();
        assert!(n.insert("A4000", 1));
        assert_eq!(n.get("A4000"), Lookup::Known(1));
        assert!(n.insert("B9", 2), "another shape is the table's alone");
        assert!(!n.insert("A999999", 3));
    }

    proptest! {
        /// Whatever the ids and the texts asked, an answer of the array is the table's.
        #[test]
        fn the_array_answers_as_the_table_does(
            listed in proptest::collection::vec("(ID-)?0{0,2}[0-9]{1,4}", 1..40),
            added in proptest::collection::vec("(ID-)?0{0,2}[0-9]{1,5}", 0..40),
            asked in proptest::collection::vec("(ID-)?0{0,3}[0-9]{0,5}", 0..80),
        ) {
            let mut table: HashMap<String, u32> = HashMap::new();
            let mut ids = Vec::new();
            for id in &listed {
                if !table.contains_key(id) {
                    table.insert(id.clone(), ids.len() as u32);
                    ids.push(id.clone());
                }
            }
            let Some(mut numbered) = NumberedIds::of(&ids) else { return Ok(()) };
            let mut usable = true;
            for id in &added {
                if !table.contains_key(id) {
                    table.insert(id.clone(), ids.len() as u32);
                    usable &= numbered.insert(id, ids.len() as u32);
                    ids.push(id.clone());
                }
            }
            prop_assume!(usable);
            for text in asked.iter().chain(&ids) {
                match numbered.get(text) {
                    Lookup::Known(k) => prop_assert_eq!(table.get(text), Some(&k), "{}", text),
                    Lookup::Absent => prop_assert_eq!(table.get(text), None, "{}", text),
                    Lookup::AskTable => {}
                }
            }
        }
    }
}
