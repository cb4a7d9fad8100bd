//! Parsers for single cells. Each returns a reason on failure, never panics.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// `cell` without surrounding whitespace, as `str::trim` gives it. Most cells have none:
/// a first and last byte that are ASCII and not whitespace settle it without walking the
/// characters.
pub(super) fn trimmed(cell: &str) -> &str {
    match cell.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => cell,
        [only] if only.is_ascii_graphic() => cell,
        _ => cell.trim(),
    }
}

/// Earliest accepted timestamp, 1900-01-01T00:00:00Z.
const EARLIEST: i64 = -2_208_988_800;
/// First rejected timestamp, 2200-01-01T00:00:00Z.
const END: i64 = 7_258_118_400;

/// How a date written with slashes and the day or month first (`01/03/2024`) is read
/// (`[ingest] slash_dates`): it reads two ways, the 1st of March in Europe and the 3rd
/// of January in the United States, so it is refused unless the configuration says
/// which. A year first (`2024/03/01`) reads one way and is always accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlashDates {
    /// Refused, with a reason that names the setting.
    #[default]
    Refused,
    /// `DD/MM/YYYY`, as British, French, Indian and most other exports write it.
    DayFirst,
    /// `MM/DD/YYYY`, as American exports write it.
    MonthFirst,
}

impl SlashDates {
    /// True for the default (such dates refused).
    pub fn is_refused(&self) -> bool {
        *self == SlashDates::Refused
    }

    /// The date formats this reading adds, with a time and without one.
    fn formats(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            SlashDates::Refused => (&[], &[]),
            // With a 12-hour clock too (`3/1/2024 9:30:00 AM`), as spreadsheets in
            // English-speaking countries write a date and time.
            SlashDates::DayFirst => (
                &[
                    "%d/%m/%Y %H:%M:%S",
                    "%d/%m/%Y %H:%M:%S%.f",
                    "%d/%m/%Y %H:%M",
                    "%d/%m/%Y %I:%M:%S %p",
                    "%d/%m/%Y %I:%M %p",
                ],
                &["%d/%m/%Y"],
            ),
            SlashDates::MonthFirst => (
                &[
                    "%m/%d/%Y %H:%M:%S",
                    "%m/%d/%Y %H:%M:%S%.f",
                    "%m/%d/%Y %H:%M",
                    "%m/%d/%Y %I:%M:%S %p",
                    "%m/%d/%Y %I:%M %p",
                ],
                &["%m/%d/%Y"],
            ),
        }
    }
}

/// True when `t` opens with a date written with slashes, day or month first
/// (`1/3/2024`, `01/03/2024 09:30`).
fn slash_date_first(t: &str) -> bool {
    let date = t.split([' ', 'T']).next().unwrap_or("");
    let numeric =
        |x: &str, most: usize| (1..=most).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit());
    let mut parts = date.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(y), None) => numeric(a, 2) && numeric(b, 2) && y.len() == 4 && numeric(y, 4),
        _ => false,
    }
}

/// Why a date written with slashes, day or month first, was refused.
const SLASH_DATE_REFUSED: &str = "a date written DD/MM/YYYY or MM/DD/YYYY reads two ways (01/03/2024: 1 March or 3 January): set [ingest] slash_dates = \"day_first\" or \"month_first\"";

/// Parses a timestamp and checks that it lies in 1900..2200 (anything else is a unit or
/// data error: milliseconds given as seconds, a sentinel value, a corrupted cell).
pub fn timestamp(text: &str) -> Result<i64, &'static str> {
    timestamp_in(text, SlashDates::Refused)
}

/// [`timestamp`], reading dates written with slashes as `slash` says.
pub fn timestamp_in(text: &str, slash: SlashDates) -> Result<i64, &'static str> {
    in_range(any_timestamp(text, slash)?)
}

/// `t` when it lies in 1900..2200.
fn in_range(t: i64) -> Result<i64, &'static str> {
    if (EARLIEST..END).contains(&t) {
        Ok(t)
    } else {
        Err("timestamp outside 1900-2199 (milliseconds given as seconds?)")
    }
}

/// `t` without a trailing ` UTC`, ` GMT` or ` Z` (any case) that names its zone, when
/// something is left before it that names none.
fn utc_named(t: &str) -> Option<&str> {
    let (rest, zone) = t.rsplit_once(' ')?;
    let rest = rest.trim_end();
    let utc = ["UTC", "GMT", "Z"].iter().any(|z| zone.eq_ignore_ascii_case(z));
    (utc && !rest.is_empty() && !rest.ends_with(['Z', 'z']) && utc_named(rest).is_none()).then_some(rest)
}

/// ISO 8601's basic format, as core banking systems write dates: `YYYYMMDD`,
/// `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS` (years 1900 to 2199), taken as UTC. Read as unix
/// seconds, `20240301` would be a moment of August 1970 and the longer ones years past
/// 5000: no time a transfer was made, so the digits read one way only.
fn compact_date_time(t: &str) -> Option<i64> {
    let format = match t.len() {
        8 => "%Y%m%d",
        12 => "%Y%m%d%H%M",
        14 => "%Y%m%d%H%M%S",
        _ => return None,
    };
    if !matches!(&t[..2], "19" | "20" | "21") {
        return None;
    }
    let read = if t.len() == 8 {
        NaiveDate::parse_from_str(t, format).ok().and_then(|d| d.and_hms_opt(0, 0, 0))
    } else {
        NaiveDateTime::parse_from_str(t, format).ok()
    };
    read.map(|dt| dt.and_utc().timestamp())
}

/// Unix seconds below this are the first day of 1970 and a few hours more: no time a
/// transfer was made. A number that small is a spreadsheet's day number (days since
/// 1899-12-30: 45352 is 2024-03-01), or a sentinel such as 0.
const DAY_NUMBERS_BELOW: i64 = 100_000;

/// Why a timestamp written as a spreadsheet's day number was refused. Not read as one:
/// spreadsheets count days from two origins (1900 and, on older Macs, 1904), four
/// years apart.
const SPREADSHEET_DAY_NUMBER: &str = "timestamp written as a spreadsheet's day number (45352 or 45352.396 for 2024-03-01), or a sentinel: as unix seconds it would be 1 January 1970; export the column formatted as a date and time";

/// True when `t` is a spreadsheet's day number with a fraction of a day (`45352.396`).
fn spreadsheet_day_number(t: &str) -> bool {
    let Some((whole, fraction)) = t.split_once('.') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction) && whole.parse::<i64>().is_ok_and(|d| d < DAY_NUMBERS_BELOW)
}

/// Parses a timestamp: RFC 3339 (`2024-03-01T09:30:00+08:00`), a naive
/// `YYYY-MM-DD[ T]HH:MM[:SS]` or `YYYY/MM/DD HH:MM` taken as UTC, a bare date, or unix seconds.
fn any_timestamp(text: &str, slash: SlashDates) -> Result<i64, &'static str> {
    let t = trimmed(text);
    if t.is_empty() {
        return Err("empty timestamp");
    }
    if t.bytes().all(|b| b.is_ascii_digit())
        || (t.starts_with('-') && t.len() > 1 && t[1..].bytes().all(|b| b.is_ascii_digit()))
    {
        if let Some(t) = compact_date_time(t) {
            return Ok(t);
        }
        let seconds = t.parse::<i64>().map_err(|_| "timestamp out of range")?;
        if (0..DAY_NUMBERS_BELOW).contains(&seconds) {
            return Err(SPREADSHEET_DAY_NUMBER);
        }
        return Ok(seconds);
    }
    if let Some(seconds) = utc_seconds(t.as_bytes()) {
        return Ok(seconds);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.timestamp());
    }
    // With an offset but not RFC 3339's shape: a space before the time, or an offset
    // without its colon (`+0800`), as databases and Java write them.
    const ZONED: [&str; 2] = ["%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%z"];
    for f in ZONED {
        if let Ok(dt) = DateTime::parse_from_str(t, f) {
            return Ok(dt.timestamp());
        }
    }
    // A space before the offset too, as Go writes a time (`2024-03-01 09:30:00 +0000
    // UTC`, its zone's name read by `utc_named`): tried only on such a text, not on every
    // naive timestamp of a dump.
    if t.rsplit_once(' ').is_some_and(|(_, offset)| offset.starts_with(['+', '-'])) {
        if let Ok(dt) = DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f %z") {
            return Ok(dt.timestamp());
        }
    }
    // Day first with points (`01.03.2024`) is how German, Swiss and Russian exports
    // write dates, and reads one way only; `01/03/2024` reads two, and is refused unless
    // `[ingest] slash_dates` says which ([`SlashDates`]).
    // A month written as its name (`01-MAR-2024`, Oracle's and many ledgers' way; `01 Mar
    // 2024`; `Mar 1, 2024`) reads one way only too.
    const NAIVE: [&str; 17] = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
        "%d-%B-%Y %H:%M:%S",
        "%d-%B-%Y %H:%M:%S%.f",
        "%d-%B-%Y %H:%M",
        "%d %B %Y %H:%M:%S",
        "%d %B %Y %H:%M",
        "%B %d, %Y %H:%M:%S",
        "%B %d, %Y %H:%M",
    ];
    let full = full_year(t);
    let t = full.as_deref().unwrap_or(t);
    for f in NAIVE.iter().chain(slash.formats().0) {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(dt.and_utc().timestamp());
        }
    }
    // A time that names its zone after it, as databases export timestamps
    // (`2024-03-01 09:30:00 UTC`, BigQuery's way): the rest, read as UTC.
    if let Some(rest) = utc_named(t) {
        return any_timestamp(rest, slash);
    }
    date_in(t, slash).map_err(|e| {
        if e == SLASH_DATE_REFUSED {
            e
        } else if spreadsheet_day_number(t) {
            SPREADSHEET_DAY_NUMBER
        } else {
            "unparseable timestamp: expected RFC 3339, YYYY-MM-DD HH:MM:SS, DD.MM.YYYY HH:MM:SS, DD-MON-YYYY HH:MM:SS or unix seconds"
        }
    })
}

/// `DD-MON-YY[ time]`, Oracle's default date, with its year written out by POSIX's
/// pivot (as chrono's `%y` reads it: 69-99 in the 1900s, 00-68 in the 2000s); `None`
/// for any other text. chrono's `%Y` would read `24` as the year 24.
fn full_year(t: &str) -> Option<String> {
    let (day, rest) = t.split_once('-')?;
    let (month, rest) = rest.split_once('-')?;
    let (year, time) = rest.split_once(' ').map_or((rest, None), |(y, time)| (y, Some(time)));
    let numeric = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    let named = month.len() >= 3 && month.bytes().all(|b| b.is_ascii_alphabetic());
    if !(1..=2).contains(&day.len()) || !numeric(day) || !named || year.len() != 2 || !numeric(year) {
        return None;
    }
    let yy: u32 = year.parse().ok()?;
    let full = if yy >= 69 { 1900 + yy } else { 2000 + yy };
    Some(match time {
        Some(time) => format!("{day}-{month}-{full} {time}"),
        None => format!("{day}-{month}-{full}"),
    })
}

/// The shape nearly every dump writes, `YYYY-MM-DDTHH:MM:SSZ`, read without chrono's
/// general parser (a tenth of the per-cell checks); `None` for any other text, or a
/// date or time that does not exist, which chrono's parser then reads or refuses.
fn utc_seconds(t: &[u8]) -> Option<i64> {
    let (date, time) = utc_parts(t)?;
    Some(midnight(date)? + time_of_day(time)?)
}

/// The date (`YYYY-MM-DD`) and time (`HH:MM:SS`) of a text of the shape
/// `....-..-..T..:..:..Z`, unread.
fn utc_parts(t: &[u8]) -> Option<(&[u8; 10], &[u8; 8])> {
    match t {
        [date @ .., b'T', _, _, b':', _, _, b':', _, _, b'Z'] if date.len() == 10 => {
            Some((date.try_into().ok()?, t[11..19].try_into().ok()?))
        }
        _ => None,
    }
}

/// Seconds from midnight to `HH:MM:SS`; `None` for a time that does not exist. Leap
/// seconds (:60) are left to chrono.
fn time_of_day(time: &[u8; 8]) -> Option<i64> {
    let [h0, h1, b':', n0, n1, b':', s0, s1] = *time else {
        return None;
    };
    let (hour, minute, second) = (digits(&[h0, h1])?, digits(&[n0, n1])?, digits(&[s0, s1])?);
    (hour <= 23 && minute <= 59 && second <= 59).then(|| i64::from(hour * 3600 + minute * 60 + second))
}

/// Timestamps read row after row, as [`timestamp`] reads them, remembering the last
/// date of the shape nearly every dump writes (`YYYY-MM-DDTHH:MM:SSZ`): a dump's rows
/// come in time order, most of them on the day of the row before, whose date is then
/// not read again.
#[derive(Debug, Default)]
pub struct Timestamps {
    last_date: Option<([u8; 10], i64)>,
    slash: SlashDates,
}

impl Timestamps {
    /// Timestamps whose dates written with slashes are read as `slash` says.
    pub fn new(slash: SlashDates) -> Timestamps {
        Timestamps { last_date: None, slash }
    }

    /// [`timestamp`] of `text`.
    pub fn read(&mut self, text: &str) -> Result<i64, &'static str> {
        if let Some((date, time)) = utc_parts(text.as_bytes()) {
            let day_start = match self.last_date {
                Some((last, day_start)) if last == *date => Some(day_start),
                _ => {
                    let day_start = midnight(date);
                    if let Some(day_start) = day_start {
                        self.last_date = Some((*date, day_start));
                    }
                    day_start
                }
            };
            if let Some(t) = day_start.zip(time_of_day(time)).map(|(m, s)| m + s) {
                return in_range(t);
            }
        }
        timestamp_in(text, self.slash)
    }
}

/// Days from 1970-01-01 to a date of the years 0 to 9999 that exists (Howard Hinnant's
/// `days_from_civil`): what chrono gives, read with a few multiplications, once a
/// transfer.
fn civil_days(year: u32, month: u32, day: u32) -> Option<i64> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month || year > 9999 {
        return None;
    }
    // Years counted from March, so that the leap day ends a year.
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let shifted_month = i64::from((month + 9) % 12);
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// Unix seconds at midnight of `YYYY-MM-DD`, a date that exists, read without chrono's
/// general parser; `None` for any other text.
fn midnight(date: &[u8]) -> Option<i64> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *date else {
        return None;
    };
    civil_days(digits(&[y0, y1, y2, y3])?, digits(&[m0, m1])?, digits(&[d0, d1])?).map(|days| days * 86_400)
}

/// ASCII digits as a number; `None` if any byte is not one.
fn digits(text: &[u8]) -> Option<u32> {
    text.iter().try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

/// Parses a calendar date `YYYY-MM-DD` (or `YYYY/MM/DD`) to unix seconds at midnight UTC.
pub fn date(text: &str) -> Result<i64, &'static str> {
    date_in(text, SlashDates::Refused)
}

/// [`date`], reading dates written with slashes as `slash` says.
pub fn date_in(text: &str, slash: SlashDates) -> Result<i64, &'static str> {
    let t = text.trim();
    if let Some(day_start) = midnight(t.as_bytes()) {
        return Ok(day_start);
    }
    const DAYS: [&str; 6] = ["%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%d-%B-%Y", "%d %B %Y", "%B %d, %Y"];
    let full = full_year(t);
    let t = full.as_deref().unwrap_or(t);
    DAYS.iter()
        .chain(slash.formats().1)
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        .map(|d| d.and_hms_opt(0, 0, 0).map(|x| x.and_utc().timestamp()).unwrap_or(0))
        .ok_or_else(|| {
            if slash.is_refused() && slash_date_first(t) {
                SLASH_DATE_REFUSED
            } else {
                "unparseable date: expected YYYY-MM-DD, DD.MM.YYYY or DD-MON-YYYY"
            }
        })
}

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

/// Why an id was refused that a spreadsheet wrote as a number in scientific notation.
pub const ID_IN_SCIENTIFIC_NOTATION: &str = "id written in scientific notation, as a spreadsheet shows a long number (123456789012 as 1.23457E+11): its last digits are lost, and other ids may have become the same one; export the column as text";

/// True when `id` is a number a spreadsheet wrote in scientific notation (`1.23457E+11`,
/// `4E+15`): an account number or transfer id opened in a spreadsheet and saved again
/// keeps six significant digits, so different ids become one and their money would
/// seem to move through one account. Read only past a `+`, which ids rarely hold.
pub fn id_in_scientific_notation(id: &str) -> bool {
    let t = trimmed(id);
    if !t.as_bytes().contains(&b'+') {
        return false;
    }
    let Some((mantissa, exponent)) = t.split_once(['E', 'e']) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, "0"));
    whole.len() == 1 && digits(whole) && digits(fraction) && exponent.strip_prefix('+').is_some_and(digits)
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

    #[test]
    fn trimmed_is_str_trim() {
        for cell in ["", "a", " a", "a ", " ", "A00012", "\u{a0}x\u{a0}", "x\u{3000}", "\tT1\r", "é", " é "]
        {
            assert_eq!(trimmed(cell), cell.trim(), "{cell:?}");
        }
    }

    #[test]
    fn timestamps_in_every_accepted_shape() {
        let want = 1_709_285_400; // 2024-03-01T09:30:00Z
        assert_eq!(timestamp("2024-03-01T09:30:00Z"), Ok(want));
        assert_eq!(timestamp("2024-03-01T17:30:00+08:00"), Ok(want));
        assert_eq!(timestamp("2024-03-01 09:30:00"), Ok(want));
        assert_eq!(timestamp("2024/03/01 09:30"), Ok(want));
        assert_eq!(timestamp("1709285400"), Ok(want));
        assert_eq!(timestamp(" 2024-03-01 "), Ok(want - 9 * 3600 - 1800));
        assert_eq!(timestamp("2024-03-01 17:30:00+0800"), Ok(want));
        assert_eq!(timestamp("2024-03-01 17:30:00+08:00"), Ok(want));
        assert_eq!(timestamp("2024-03-01T17:30:00.250+0800"), Ok(want));
        assert_eq!(timestamp("2024-03-01T09:30"), Ok(want));
        assert_eq!(timestamp("2024/03/01 09:30:00"), Ok(want));
        assert_eq!(timestamp("01.03.2024 09:30:00"), Ok(want));
        assert_eq!(timestamp("01.03.2024 09:30"), Ok(want));
        assert_eq!(timestamp("01.03.2024"), Ok(want - 9 * 3600 - 1800));
        assert_eq!(date("01.03.2024"), Ok(want - 9 * 3600 - 1800));
        // Month names, in any case: Oracle's DD-MON-YYYY (and -YY), ledgers' and US ways.
        for t in [
            "01-MAR-2024 09:30:00",
            "01-Mar-2024 09:30",
            "01-mar-24 09:30:00",
            "1-Mar-2024 09:30:00.000",
            "01 Mar 2024 09:30",
            "Mar 01, 2024 09:30:00",
            "March 1, 2024 09:30",
        ] {
            assert_eq!(timestamp(t), Ok(want), "{t}");
        }
        for t in ["01-MAR-2024", "01-Mar-24", "1 March 2024", "Mar 1, 2024"] {
            assert_eq!(date(t), Ok(want - 9 * 3600 - 1800), "{t}");
            assert_eq!(timestamp(t), Ok(want - 9 * 3600 - 1800), "{t}");
        }
        assert!(timestamp("01-Mrz-2024").is_err(), "a month name in another language is no guess");
        assert!(timestamp("31-FEB-2024").is_err());
        assert_eq!(date("01-JAN-99"), date("1999-01-01"), "POSIX's pivot");
        assert_eq!(date("01-JAN-68"), date("2068-01-01"));
        // Day or month first? Both exist; neither is guessed, and the reason names the
        // setting that says which.
        assert_eq!(timestamp("01/03/2024 09:30"), Err(SLASH_DATE_REFUSED));
        assert_eq!(date("1/3/2024"), Err(SLASH_DATE_REFUSED));
        for (t, order) in
            [("01/03/2024 09:30", SlashDates::DayFirst), ("03/01/2024 09:30", SlashDates::MonthFirst)]
        {
            assert_eq!(timestamp_in(t, order), Ok(want), "{t}");
            assert_eq!(timestamp_in(&t.replace(" 09:30", " 09:30:00"), order), Ok(want), "{t}");
            assert_eq!(date_in(&t[..10], order), Ok(want - 9 * 3600 - 1800), "{t}");
            let mut rows = Timestamps::new(order);
            assert_eq!(rows.read(t), Ok(want), "{t}");
        }
        assert!(timestamp_in("13/01/2024", SlashDates::MonthFirst).is_err(), "no 13th month");
        assert_eq!(
            timestamp_in("2024/03/01 09:30", SlashDates::MonthFirst),
            Ok(want),
            "year first reads one way"
        );
        assert!(timestamp("31.02.2024").is_err());
        assert!(timestamp("yesterday").is_err());
        assert!(timestamp("2024-13-01").is_err());
        assert!(timestamp("").is_err());
        assert!(timestamp("1709285400000").is_err(), "milliseconds are not seconds");
        assert!(timestamp("-99999999999999").is_err());
    }

    /// chrono's general parsers, which the fast paths stand in for.
    fn by_chrono(t: &str) -> (Option<i64>, Option<i64>) {
        let stamp = DateTime::parse_from_rfc3339(t).ok().map(|d| d.timestamp());
        let day = NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|x| x.and_utc().timestamp());
        (stamp, day)
    }

    proptest::proptest! {
        #[test]
        fn fast_paths_read_what_chrono_reads(
            y in 0u32..10000, m in 0u32..14, d in 0u32..33, h in 0u32..26, n in 0u32..61, s in 0u32..62,
            flip in proptest::option::of((0usize..20, proptest::num::u8::ANY)),
        ) {
            let mut stamp = format!("{y:04}-{m:02}-{d:02}T{h:02}:{n:02}:{s:02}Z").into_bytes();
            if let Some((at, byte)) = flip {
                stamp[at] = byte;
            }
            let Ok(stamp) = String::from_utf8(stamp) else { return Ok(()) };
            if let Some(fast) = utc_seconds(stamp.as_bytes()) {
                proptest::prop_assert_eq!(Some(fast), by_chrono(&stamp).0, "{}", stamp);
            }
            let day = &stamp[..10];
            let fast = midnight(day.as_bytes());
            if fast.is_some() {
                proptest::prop_assert_eq!(fast, by_chrono(day).1, "{}", day);
            }
            // Whatever chrono reads, the whole parser reads alike, by either path.
            if let Some(read) = by_chrono(&stamp).0 {
                proptest::prop_assert_eq!(any_timestamp(&stamp, SlashDates::Refused), Ok(read), "{}", stamp);
            }
        }
    }

    proptest::proptest! {
        /// Read row after row, remembering the last date, timestamps read as each alone.
        #[test]
        fn timestamps_in_a_row_read_as_each_alone(
            rows in proptest::collection::vec(
                (0u32..3, 1u32..13, 27u32..32, 0u32..25, 0u32..61, 0u32..61, 0u8..6), 1..40),
        ) {
            let mut reader = Timestamps::default();
            for (y, m, d, h, n, s, shape) in rows {
                let year = [1899, 2024, 2199][y as usize];
                let text = match shape {
                    0 => format!("{year:04}-{m:02}-{d:02}T{h:02}:{n:02}:{s:02}Z"),
                    1 => format!(" {year:04}-{m:02}-{d:02}T{h:02}:{n:02}:{s:02}Z"),
                    2 => format!("{year:04}-{m:02}-{d:02} {h:02}:{n:02}:{s:02}"),
                    3 => format!("{year:04}-{m:02}-{d:02}T{h:02}:{n:02}:{s:02}+08:00"),
                    4 => format!("{year:04}-{m:02}-{d:02}x{h:02}:{n:02}:{s:02}Z"),
                    _ => format!("{year:04}/{m:02}/{d:02}T{h:02}:{n:02}:{s:02}Z"),
                };
                proptest::prop_assert_eq!(reader.read(&text), timestamp(&text), "{}", text);
            }
        }

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
    fn a_zone_named_after_the_time_reads_as_utc() {
        let want = 1_709_285_400; // 2024-03-01T09:30:00Z
        for t in [
            "2024-03-01 09:30:00 UTC",
            "2024-03-01 09:30:00 GMT",
            "2024-03-01 09:30:00 utc",
            "2024-03-01 09:30 Z",
        ] {
            assert_eq!(timestamp(t), Ok(want), "{t}");
        }
        assert_eq!(timestamp("2024-03-01 09:30:00.250 UTC"), Ok(want));
        assert_eq!(timestamp("2024-03-01 09:30:00 +0000 UTC"), Ok(want));
        assert_eq!(timestamp("2024-03-01 17:30:00 +0800"), Ok(want));
        for t in ["UTC", " UTC", "2024-03-01 09:30:00 UTC UTC", "2024-03-01 09:30:00 CET"] {
            assert!(timestamp(t).is_err(), "{t}");
        }
    }

    #[test]
    fn a_twelve_hour_clock_reads_with_slash_dates() {
        let want = 1_709_285_400; // 2024-03-01T09:30:00Z
        let us = SlashDates::MonthFirst;
        assert_eq!(timestamp_in("3/1/2024 9:30:00 AM", us), Ok(want));
        assert_eq!(timestamp_in("3/1/2024 9:30 PM", us), Ok(want + 12 * 3600));
        assert_eq!(timestamp_in("1/3/2024 12:30 am", SlashDates::DayFirst), Ok(want - 9 * 3600));
    }

    #[test]
    fn compact_dates_and_times_read_as_iso_basic_format() {
        let want = 1_709_285_400; // 2024-03-01T09:30:00Z
        assert_eq!(timestamp("20240301"), Ok(want - 9 * 3600 - 1800));
        assert_eq!(timestamp("202403010930"), Ok(want));
        assert_eq!(timestamp("20240301093000"), Ok(want));
        // Not a date of that shape: read as before.
        assert_eq!(timestamp("20241301"), Ok(20_241_301));
        assert!(timestamp("20240301093099").is_err());
    }

    #[test]
    fn a_spreadsheets_day_numbers_are_refused_with_the_reason() {
        for t in ["45352", "45352.396", "0", "99999", " 45352.5 "] {
            assert_eq!(timestamp(t), Err(SPREADSHEET_DAY_NUMBER), "{t}");
        }
        // Unix seconds of any year a transfer is made in are read as before.
        assert_eq!(timestamp("1709285400"), Ok(1_709_285_400));
        assert_eq!(timestamp("100000"), Ok(100_000));
        assert!(timestamp("45352.39.6").is_err_and(|why| why != SPREADSHEET_DAY_NUMBER));
    }

    #[test]
    fn ids_a_spreadsheet_wrote_in_scientific_notation_are_known() {
        for mangled in ["1.23457E+11", "4E+15", "9,87654e+13", " 1.2E+05 "] {
            assert!(id_in_scientific_notation(mangled), "{mangled}");
        }
        for id in [
            "123456789012",
            "A+B",
            "DE89E+1",
            "12.5E+3",
            "1.2E-5",
            "E+11",
            "1.2E+",
            "ACC-1E+2X",
            "T000000001",
        ] {
            assert!(!id_in_scientific_notation(id), "{id}");
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
