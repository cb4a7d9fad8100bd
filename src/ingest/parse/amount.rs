//! Amounts as exports write them: plain, with digit groups, with their currency's sign,
//! in either locale's decimal mark.

use super::trimmed;

/// An amount written with its currency beside it, as spreadsheets format money
/// (`$1,250.00`, `1.250,50 €`, `USD 1,250.00`, `EUR1250`): the number and the
/// currency's sign or code, when one stands on one side of the number; `None` for
/// anything else. Whether the sign names the row's currency is the caller's to check.
pub fn amount_and_currency(text: &str) -> Option<(&str, &str)> {
    let t = text.trim();
    let first = t.find(|c: char| c.is_ascii_digit())?;
    let last = t.rfind(|c: char| c.is_ascii_digit())?;
    let (head, tail) = (t[..first].trim(), t[last + 1..].trim());
    let sign = match (head.is_empty(), tail.is_empty()) {
        (false, true) => head,
        (true, false) => tail,
        _ => return None,
    };
    // A sign is letters or symbols, never part of a number: `-5`, `.5` and `5%` stay
    // numbers the amount parser refuses.
    if sign.chars().any(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | ',' | '%' | '(' | ')')) {
        return None;
    }
    Some((&t[first..=last], sign))
}

/// Which mark stands before an amount's decimals (`[ingest] decimal_mark`). Exports
/// differ: `1,250.50` in English-speaking countries and Asia, `1.250,50` in most of
/// Europe and Latin America, so `1,250` and `1.250` each read two ways. The setting
/// settles those only ([`amount_in`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecimalMark {
    /// Read from each number's own marks ([`amount`]): a plain `1.250` is 1.25, as CSV
    /// writes numbers, and a lone comma before three digits (`1,250`) is refused with a
    /// reason that names the setting. In a text separated by `;`, a tab or `|`, an
    /// amount column's other amounts settle its `1.250` and `1,250` (see
    /// `ingest::separators`).
    #[default]
    Either,
    /// A point, as `1,250.50`: `1,250` is 1250 and `1.250` is 1.25.
    Point,
    /// A comma, as `1.250,50`: `1.250` is 1250 and `1,250` is 1.25.
    Comma,
}

impl DecimalMark {
    /// True for the default (each number's own marks say).
    pub fn is_either(&self) -> bool {
        *self == DecimalMark::Either
    }
}

/// Why a lone comma before three digits was refused.
const COMMA_TWO_WAYS: &str = "ambiguous amount: a comma before three digits may group thousands or mark decimals: set [ingest] decimal_mark = \"point\" or \"comma\"";

/// Parses a strictly positive, finite decimal amount: a plain number (`1250.5`,
/// `1e3`), or one written with digit groups as bank and spreadsheet exports write them
/// ([`grouped`]: `1,250.50`, `1.250,50`, `1'250.50`, `1 250,50`).
pub fn amount(text: &str) -> Result<f64, &'static str> {
    amount_in(text, DecimalMark::Either)
}

/// [`amount`], a number whose marks read two ways (`1.250`, `1,250`: see
/// [`decimal_mark_of`]) read with `mark` as its decimal mark. A number its own marks
/// settle (`1.250,50`, `12.5`) reads as they say whatever `mark` is: the setting says
/// what a dump's exporter wrote where its numbers do not, and a table from elsewhere
/// (an exchange rate `1.08`) keeps its own way.
pub fn amount_in(text: &str, mark: DecimalMark) -> Result<f64, &'static str> {
    if mark.is_either() || decimal_mark_of(text) != MarkReading::TwoWays {
        return checked(number(text)?);
    }
    let plain = plain_amount(text, mark).ok_or("amount is not a number")?;
    checked(plain.parse().map_err(|_| "amount is not a number")?)
}

/// The number `text` is, read by its own marks (see [`amount`]).
fn number(text: &str) -> Result<f64, &'static str> {
    let t = trimmed(text);
    if t.is_empty() {
        return Err("empty amount");
    }
    match plain_decimal(t).map_or_else(|| t.parse(), Ok) {
        Ok(v) => Ok(v),
        Err(_) => grouped(t).ok_or("amount is not a number")?,
    }
}

/// `v` when it is an amount: finite and above zero.
fn checked(v: f64) -> Result<f64, &'static str> {
    if v.is_nan() {
        return Err("amount is NaN");
    }
    if v.is_infinite() {
        return Err("amount is infinite");
    }
    if v == 0.0 {
        return Err("amount is zero");
    }
    if v < 0.0 {
        return Err("amount is negative");
    }
    Ok(v)
}

/// `text` with its points and commas swapped: a number written with a decimal comma
/// (`1.250,50`) as one written with a decimal point (`1,250.50`).
fn swap_marks(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '.' => ',',
            ',' => '.',
            c => c,
        })
        .collect()
}

/// `text` as plain digits with a point before its decimals (`1.250,50` → `1250.50`),
/// read with `mark` as its decimal mark: its digits as written, nothing rounded. `None`
/// when it is not a number written so, or is a plain one already.
pub fn plain_amount(text: &str, mark: DecimalMark) -> Option<String> {
    normalised(trimmed(text), mark)?.ok()
}

/// What a number's own marks say of the decimal mark it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkReading {
    /// No point and no comma (`1250`), or not a number.
    Unmarked,
    /// Only this mark can stand before its decimals (`1.250,50`, `12.5`, `1,250,000`).
    Decimal(DecimalMark),
    /// A lone point or comma after one to three digits and before three (`1.250`,
    /// `1,250`): digit groups or decimals.
    TwoWays,
}

/// What `text`'s marks say of its decimal mark ([`MarkReading`]).
pub fn decimal_mark_of(text: &str) -> MarkReading {
    let t = trimmed(text);
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let number = |c: char| c.is_ascii_digit() || c == ',' || c == '.' || GROUP_MARKS.contains(&c);
    if !digits.starts_with(|c: char| c.is_ascii_digit()) || !digits.chars().all(number) {
        return MarkReading::Unmarked;
    }
    let (commas, points) = (digits.matches(',').count(), digits.matches('.').count());
    let (comma, point) = (MarkReading::Decimal(DecimalMark::Comma), MarkReading::Decimal(DecimalMark::Point));
    match (commas, points) {
        (0, 0) => MarkReading::Unmarked,
        // Both: the last stands before the decimals.
        (c, p) if c > 0 && p > 0 => {
            if digits.rfind(',') > digits.rfind('.') {
                comma
            } else {
                point
            }
        }
        // One mark more than once groups: the decimals take the other.
        (c, 0) if c > 1 => point,
        (0, _) if points > 1 => comma,
        _ => {
            let mark = if commas == 1 { ',' } else { '.' };
            let (before, after) = digits.split_once(mark).unwrap_or((digits, ""));
            let group_of = |s: &str, n: std::ops::RangeInclusive<usize>| {
                n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
            };
            if group_of(before, 1..=3) && !before.starts_with('0') && group_of(after, 3..=3) {
                MarkReading::TwoWays
            } else if mark == ',' {
                comma
            } else {
                point
            }
        }
    }
}

/// Powers of ten that `f64` holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

/// Digits with at most one point between them (`1250.00`), read as `str::parse` reads
/// them, without its general machinery (a fifth of the per-cell checks): up to 15
/// digits make an integer `f64` holds exactly, and one division by an exact power of ten
/// is rounded once, correctly, as the parse rounds (Clinger's fast path, which the
/// parse itself takes for such numbers). `None` for any other text.
fn plain_decimal(t: &str) -> Option<f64> {
    let bytes = t.as_bytes();
    if bytes.is_empty() || bytes.len() > 16 {
        return None;
    }
    let (mut mantissa, mut digits, mut point) = (0u64, 0usize, None);
    for (k, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
            }
            b'.' if point.is_none() => point = Some(k),
            _ => return None,
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    let decimals = point.map_or(0, |k| bytes.len() - 1 - k);
    Some(mantissa as f64 / EXACT_POWERS_OF_TEN[decimals])
}

/// Characters that group digits by thousands besides a point or a comma: an apostrophe
/// (Swiss), a typographic one, and spaces (French, a no-break and a narrow no-break one).
const GROUP_MARKS: [char; 5] = ['\'', '\u{2019}', ' ', '\u{a0}', '\u{202f}'];

/// Digit groups by thousands: the first of one to three digits, the others of three.
fn thousands(groups: &[&str]) -> bool {
    groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3))
}

/// Digit groups by lakhs and crores, as India writes them (`12,50,000`): the last of
/// three digits, those before it of two, the first of one or two.
fn lakhs(groups: &[&str]) -> bool {
    match groups {
        [first, middle @ .., last] if !middle.is_empty() => {
            first.len() <= 2 && middle.iter().all(|g| g.len() == 2) && last.len() == 3
        }
        _ => false,
    }
}

/// `text` (trimmed, not a plain number) read as a number written with digit groups
/// ([`normalised`], either mark): `None` when it is not one, an error when it is one
/// that reads two ways.
fn grouped(text: &str) -> Option<Result<f64, &'static str>> {
    normalised(text, DecimalMark::Either)?.map(|plain| plain.parse::<f64>().ok()).transpose()
}

/// `text` (trimmed) as plain digits with a point before its decimals, read as a number
/// written with digit groups whose decimal mark is `mark`: `None` when it is not one,
/// an error when it is one that reads two ways.
///
/// Either mark: the decimal mark is the last of a point and a comma when both are there
/// (`1,250.50`, `1.250,50`); a point or a comma that comes more than once groups
/// (`1.250.000`); a single comma beside apostrophes or spaces is the decimal mark
/// (`1 250,50`), and so is a single comma before anything but three digits (`980,00`).
/// A single comma before three digits after one to three (`1,250`) is 1250 in one
/// locale and 1.25 in another, and is refused rather than guessed. A point: only a
/// point stands before decimals, and commas group (`1,250` is 1250). A comma: the
/// same with the two swapped. The groups are thousands ([`thousands`]) or lakhs
/// ([`lakhs`]), marked by one character throughout.
fn normalised(text: &str, mark: DecimalMark) -> Option<Result<String, &'static str>> {
    if mark == DecimalMark::Comma {
        return normalised(&swap_marks(text), DecimalMark::Point);
    }
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let sign = &text[..text.len() - digits.len()];
    if digits.chars().any(|c| !c.is_ascii_digit() && c != ',' && c != '.' && !GROUP_MARKS.contains(&c)) {
        return None;
    }
    let (commas, points) = (digits.matches(',').count(), digits.matches('.').count());
    let marked = digits.contains(GROUP_MARKS);
    let decimal = match (mark, commas, points) {
        // A comma was swapped for a point above.
        (DecimalMark::Point | DecimalMark::Comma, _, 0) => None,
        (DecimalMark::Point | DecimalMark::Comma, _, 1) => Some('.'),
        (DecimalMark::Point | DecimalMark::Comma, _, _) => return None,
        (DecimalMark::Either, 0, 0) => None,
        (DecimalMark::Either, 1, 0) if marked => Some(','),
        (DecimalMark::Either, 1, 0) => {
            // `1,250` reads two ways; `1250,000` and `0,250` cannot be digit groups.
            if decimal_mark_of(digits) == MarkReading::TwoWays {
                return Some(Err(COMMA_TWO_WAYS));
            }
            Some(',')
        }
        (DecimalMark::Either, 0, 1) => Some('.'),
        (DecimalMark::Either, c, 0) if c > 1 => None,
        (DecimalMark::Either, 0, p) if p > 1 => None,
        (DecimalMark::Either, 1, _) if digits.rfind(',') > digits.rfind('.') => Some(','),
        (DecimalMark::Either, _, 1) if digits.rfind('.') > digits.rfind(',') => Some('.'),
        (DecimalMark::Either, _, _) => return None,
    };
    let (whole, fraction) = match decimal {
        Some(mark) => {
            let at = digits.rfind(mark)?;
            (&digits[..at], Some(&digits[at + 1..]))
        }
        None => (digits, None),
    };
    // The whole part's groups, split at whichever mark groups them (one kind only).
    let mut marks = whole.chars().filter(|c| !c.is_ascii_digit());
    let mark = marks.next();
    if marks.any(|c| Some(c) != mark) {
        return None;
    }
    let groups: Vec<&str> = match mark {
        Some(mark) => whole.split(mark).collect(),
        None => vec![whole],
    };
    if groups.iter().any(|g| g.is_empty()) || !(thousands(&groups) || lakhs(&groups)) {
        return None;
    }
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let mut plain = String::with_capacity(text.len());
    plain.push_str(sign);
    groups.iter().for_each(|g| plain.push_str(g));
    if let Some(f) = fraction {
        plain.push('.');
        plain.push_str(f);
    }
    Some(Ok(plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Digits with a point anywhere, or none, read as `str::parse` reads them.
        #[test]
        fn plain_decimals_read_as_the_parse_reads_them(
            digits in "[0-9]{1,17}",
            point in proptest::option::of(0usize..18),
        ) {
            let mut text = digits.clone();
            if let Some(at) = point {
                text.insert(at.min(text.len()), '.');
            }
            if let Some(fast) = plain_decimal(&text) {
                let parsed: f64 = text.parse().expect("digits and a point parse");
                proptest::prop_assert_eq!(fast.to_bits(), parsed.to_bits(), "{}", text);
            }
        }
    }

    #[test]
    fn plain_decimals_leave_every_other_shape_to_the_parse() {
        for text in
            ["", ".", "1e5", "-1.5", "+1", "1.2.3", "1,5", " 1", "1234567890123456", "0.1234567890123456"]
        {
            assert_eq!(plain_decimal(text), None, "{text}");
        }
        assert_eq!(plain_decimal("554.10"), Some(554.1));
        assert_eq!(plain_decimal(".5"), Some(0.5));
        assert_eq!(plain_decimal("7."), Some(7.0));
    }

    #[test]
    fn amounts_written_with_their_currency_are_split_from_it() {
        assert_eq!(amount_and_currency("$1,250.00"), Some(("1,250.00", "$")));
        assert_eq!(amount_and_currency(" 1.250,50 € "), Some(("1.250,50", "€")));
        assert_eq!(amount_and_currency("USD 1,250.00"), Some(("1,250.00", "USD")));
        assert_eq!(amount_and_currency("EUR1250"), Some(("1250", "EUR")));
        for t in ["1250", "-5 EUR", "$-5", ".5 EUR", "5%", "EUR 5 USD", "abc", "", "(5) EUR"] {
            assert_eq!(amount_and_currency(t), None, "{t}");
        }
    }

    #[test]
    fn the_decimal_mark_setting_reads_what_reads_two_ways() {
        use DecimalMark::{Comma, Point};
        let read = [
            ("1,250", Point, 1250.0),
            ("1.250", Point, 1.25),
            ("1.250", Comma, 1250.0),
            ("1,250", Comma, 1.25),
        ];
        for (text, mark, want) in read {
            assert_eq!(amount_in(text, mark), Ok(want), "{text} with {mark:?}");
        }
        // What its own marks settle reads as they say, whichever the setting.
        let settled = [
            ("1,250.50", 1250.5),
            ("1.250,50", 1250.5),
            ("1 250,50", 1250.5),
            ("2.000.000", 2e6),
            ("1,250,000", 1.25e6),
            ("12.5", 12.5),
            ("1.08", 1.08),
            ("1250", 1250.0),
            ("1e3", 1000.0),
        ];
        for mark in [Point, Comma] {
            for (text, want) in settled {
                assert_eq!(amount_in(text, mark), Ok(want), "{text} with {mark:?}");
            }
            assert_eq!(amount_in("0,000", mark), Err("amount is zero"));
            assert_eq!(amount_in("1250,000", mark), Ok(1250.0));
            assert_eq!(amount_in("abc", mark), Err("amount is not a number"));
        }
        assert!(amount("1,250").is_err_and(|why| why.contains("[ingest] decimal_mark")));
    }

    #[test]
    fn a_numbers_marks_say_which_decimal_mark_it_was_written_with() {
        use DecimalMark::{Comma, Point};
        use MarkReading::{Decimal, TwoWays, Unmarked};
        let cases = [
            ("1250", Unmarked),
            ("abc", Unmarked),
            (",5", Unmarked),
            ("1.250", TwoWays),
            ("-1,250", TwoWays),
            ("980,00", Decimal(Comma)),
            ("1.250,50", Decimal(Comma)),
            ("2.000.000", Decimal(Comma)),
            ("1250,000", Decimal(Comma)),
            ("12.5", Decimal(Point)),
            ("0.250", Decimal(Point)),
            ("1,250.50", Decimal(Point)),
            ("1,250,000", Decimal(Point)),
            ("1 250.000", Decimal(Point)),
        ];
        for (text, want) in cases {
            assert_eq!(decimal_mark_of(text), want, "{text}");
        }
        assert_eq!(plain_amount("1.250,50", Comma).as_deref(), Some("1250.50"));
        assert_eq!(plain_amount("1.250", Comma).as_deref(), Some("1250"));
        assert_eq!(plain_amount("1.250", Point).as_deref(), Some("1.250"));
        assert_eq!(plain_amount("12.5", Comma), None);
    }

    #[test]
    fn amounts_must_be_positive_finite_numbers() {
        assert_eq!(amount("12.50"), Ok(12.5));
        assert_eq!(amount("1e3"), Ok(1000.0));
        for bad in ["", "abc", "0", "-5", "NaN", "inf", "1,000", "-1,250.50", "0,00"] {
            assert!(amount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_written_with_digit_groups_read_as_their_number() {
        for (text, want) in [
            ("1,250.50", 1250.5),
            ("1,250,000", 1_250_000.0),
            ("12,345,678.9", 12_345_678.9),
            ("1.250,50", 1250.5),
            ("1.250.000", 1_250_000.0),
            ("1.250.000,75", 1_250_000.75),
            ("980,00", 980.0),
            ("0,5", 0.5),
            ("1'250.50", 1250.5),
            ("1\u{2019}250.50", 1250.5),
            ("1 250,50", 1250.5),
            ("1\u{a0}250\u{a0}000,5", 1_250_000.5),
            ("1 250", 1250.0),
            ("1\u{202f}250,5", 1250.5),
            ("+1,250.50", 1250.5),
            ("12,50,000.00", 1_250_000.0),
            ("1,23,45,678", 12_345_678.0),
        ] {
            assert_eq!(amount(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn a_comma_before_three_digits_is_refused_as_ambiguous() {
        for text in ["1,000", "12,500", "+980,000"] {
            assert_eq!(amount(text), Err(COMMA_TWO_WAYS), "{text}");
        }
    }

    #[test]
    fn malformed_groups_are_not_numbers() {
        for text in [
            "1,25.50",
            "1,2500.5",
            "123,45,678",
            "1,23,456,789",
            ",250.50",
            "1,250.",
            "1.250,50.5",
            "1'250,000.5x",
            "1 250.000,5 1",
            "1'250 000",
            "1,250.50.25",
            "1.2.3,4,5",
        ] {
            assert_eq!(amount(text), Err("amount is not a number"), "{text}");
        }
    }

    proptest::proptest! {
        /// Any text is an amount that is positive and finite, or a reason why not.
        #[test]
        fn any_text_is_an_amount_or_a_reason(text in "[0-9,.' \u{a0}\u{202f}+-]{0,16}|\\PC{0,16}") {
            match amount(&text) {
                Ok(v) => proptest::prop_assert!(v.is_finite() && v > 0.0, "{:?} -> {}", text, v),
                Err(why) => proptest::prop_assert!(!why.is_empty()),
            }
        }

        /// Any text beside a currency's sign splits into the number and the sign it was
        /// written with, or into nothing; never a panic (the split slices text).
        #[test]
        fn any_text_with_a_sign_splits_into_what_it_was_made_of(
            number in "[0-9,.' ]{0,12}", sign in "[$€£¥A-Za-z ]{0,4}|\\PC{0,4}", before in proptest::bool::ANY,
        ) {
            let text = if before { format!("{sign}{number}") } else { format!("{number}{sign}") };
            if let Some((n, s)) = amount_and_currency(&text) {
                proptest::prop_assert!(text.contains(n) && text.contains(s) && !s.is_empty(), "{:?}", text);
                proptest::prop_assert!(n.starts_with(|c: char| c.is_ascii_digit()) && n.ends_with(|c: char| c.is_ascii_digit()));
            }
        }

        /// Any amount, written with the groups of any locale, reads as its number.
        #[test]
        fn grouped_amounts_round_trip(cents in 1u64..10_000_000_000_000, style in 0usize..5) {
            let (whole, fraction) = (cents / 100, cents % 100);
            let digits = whole.to_string();
            let groups: Vec<&str> = {
                let first = match digits.len() % 3 { 0 => 3, n => n };
                let mut g = vec![&digits[..first]];
                g.extend((first..digits.len()).step_by(3).map(|k| &digits[k..k + 3]));
                g
            };
            let (group, decimal) = [(",", "."), (".", ","), ("'", "."), (" ", ","), ("\u{a0}", ",")][style];
            let text = format!("{}{decimal}{fraction:02}", groups.join(group));
            // Read by its own marks, and with the decimal mark it was written with.
            let mark = [DecimalMark::Point, DecimalMark::Comma, DecimalMark::Point, DecimalMark::Comma, DecimalMark::Comma][style];
            let want = whole as f64 + fraction as f64 / 100.0;
            for read in [amount(&text), amount_in(&text, mark)] {
                if want == 0.0 {
                    proptest::prop_assert!(read.is_err());
                } else {
                    let got = read.map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{text}: {e}")))?;
                    proptest::prop_assert!((got - want).abs() <= want * 1e-15, "{} -> {} not {}", text, got, want);
                }
            }
        }
    }
}
