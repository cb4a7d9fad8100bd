//! Timestamps and dates as exports write them: one way only, or refused with a reason
//! (a date that reads two ways, a spreadsheet's day number).

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use super::trimmed;

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
        Err("timestamp outside 1900-2199 (a sentinel, or a number in no unit of time?)")
    }
}

/// Unix time counted in seconds, or in milliseconds, microseconds or nanoseconds as
/// Java, JavaScript, Kafka and dataframes write it: the unit is the one that puts the
/// count before 2200, each unit taking over where the one before runs past it, so a
/// count reads one way only (in milliseconds, from late March 1970 on: no time a
/// transfer was made is earlier). Negative counts are seconds.
fn unix_time(count: i64) -> i64 {
    let mut t = count;
    for _ in 0..3 {
        if t < END {
            break;
        }
        t = t.div_euclid(1000);
    }
    t
}

/// Why a number of the shape of a compact date (`20241301`) was refused: as unix
/// seconds it would be a moment of 1970, as a date it does not exist.
const COMPACT_DATE_INVALID: &str =
    "timestamp written YYYYMMDD[HHMM[SS]] with a month, day or time that does not exist";

/// True when `t` (digits) has the shape [`compact_date_time`] reads: 8, 12 or 14
/// digits from a year 1900 to 2199.
fn compact_shaped(t: &str) -> bool {
    matches!(t.len(), 8 | 12 | 14) && matches!(&t[..2], "19" | "20" | "21")
}

/// Unix time with a fraction (`1709285400.5`, as Python's `time.time()` and dataframes
/// of floats write it), to the second below; `None` for another text, or a whole part
/// small enough to be a spreadsheet's day number or of the shape of a compact date.
fn fractional_unix_time(t: &str) -> Option<i64> {
    let (whole, fraction) = t.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return None;
    }
    if compact_shaped(whole) {
        return None;
    }
    let count = whole.parse::<i64>().ok().filter(|&c| c >= DAY_NUMBERS_BELOW)?;
    Some(unix_time(count))
}

/// Zone abbreviations that name one offset wherever they are written, with it (seconds
/// east of UTC): as Java's and Oracle's formats (`z`) and Go write a time's zone.
const NAMED_ZONES: [(&str, i64); 17] = [
    ("UTC", 0),
    ("GMT", 0),
    ("Z", 0),
    ("WET", 0),
    ("WEST", 3_600),
    ("CET", 3_600),
    ("CEST", 7_200),
    ("EET", 7_200),
    ("EEST", 10_800),
    ("HKT", 28_800),
    ("SGT", 28_800),
    ("JST", 32_400),
    ("KST", 32_400),
    ("AEST", 36_000),
    ("AEDT", 39_600),
    ("NZST", 43_200),
    ("NZDT", 46_800),
];

/// Zone abbreviations that name several offsets (`CST`: China, the central United States
/// or Cuba; `IST`: India, Israel or Ireland; `PST`: the Pacific or the Philippines; `MSK`:
/// three hours east of UTC, four from 2011 to 2014), which are refused rather than
/// guessed.
const AMBIGUOUS_ZONES: [&str; 12] =
    ["CST", "CDT", "IST", "BST", "AST", "EST", "EDT", "MST", "MDT", "PST", "PDT", "MSK"];

/// Why a time followed by an ambiguous zone abbreviation was refused.
const AMBIGUOUS_ZONE: &str = "a zone abbreviation that names several offsets (CST: China, the central United States or Cuba; IST: India, Israel or Ireland): export times with their offset (+08:00) or in UTC";

/// `t` without a trailing zone abbreviation (any case) that names its zone, when
/// something is left before it that names none, with the zone's offset (seconds east of
/// UTC; an error for an abbreviation that names several).
fn named_zone(t: &str) -> Option<(&str, Result<i64, &'static str>)> {
    let (rest, zone) = t.rsplit_once(' ')?;
    let rest = rest.trim_end();
    if rest.is_empty() || rest.ends_with(['Z', 'z']) || named_zone(rest).is_some() {
        return None;
    }
    let zone = zone.to_ascii_uppercase();
    if let Some(&(_, offset)) = NAMED_ZONES.iter().find(|(name, _)| *name == zone) {
        return Some((rest, Ok(offset)));
    }
    AMBIGUOUS_ZONES.contains(&zone.as_str()).then_some((rest, Err(AMBIGUOUS_ZONE)))
}

/// ISO 8601's basic format, as core banking systems write dates: `YYYYMMDD`,
/// `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS` (years 1900 to 2199), taken as UTC. Read as unix
/// time, `20240301` would be a moment of August 1970 and the longer ones of 1976 (in
/// milliseconds) or 1970 (in microseconds): no time a transfer was made, so the digits
/// read one way only.
fn compact_date_time(t: &str) -> Option<i64> {
    let format = match t.len() {
        8 => "%Y%m%d",
        12 => "%Y%m%d%H%M",
        14 => "%Y%m%d%H%M%S",
        _ => return None,
    };
    if !compact_shaped(t) {
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
/// `YYYY-MM-DD[ T]HH:MM[:SS]` or `YYYY/MM/DD HH:MM` taken as UTC, a bare date, or unix
/// time ([`unix_time`]).
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
        if compact_shaped(t) {
            return Err(COMPACT_DATE_INVALID);
        }
        let count = t.parse::<i64>().map_err(|_| "timestamp out of range")?;
        if (0..DAY_NUMBERS_BELOW).contains(&count) {
            return Err(SPREADSHEET_DAY_NUMBER);
        }
        return Ok(unix_time(count));
    }
    if let Some(seconds) = fractional_unix_time(t) {
        return Ok(seconds);
    }
    if let Some(seconds) = utc_seconds(t.as_bytes()) {
        return Ok(seconds);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.timestamp());
    }
    // With an offset but not RFC 3339's shape: a space before the time, an offset
    // without its colon (`+0800`), as databases and Java write them, or of hours alone
    // (`+08`), as PostgreSQL writes a timestamp with its zone; or without seconds
    // (`2024-03-01T09:30Z`), as Java's `toString()` writes a time on the minute, also
    // with the zone's name after it in brackets (`2024-03-01T10:30+01:00[Europe/Berlin]`:
    // the offset says the moment).
    const ZONED: [&str; 4] =
        ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z", "%Y-%m-%d %H:%M%#z"];
    // Tried only on a text that may end in an offset (a sign after its date, or a `Z`
    // or a zone's name in brackets at its end), not on every naive timestamp of a dump.
    let offset_time = t.strip_suffix(']').and_then(|z| z.rsplit_once('[')).map_or(t, |(time, _)| time);
    let may_have_offset = offset_time.ends_with(['Z', 'z'])
        || offset_time.get(10..).is_some_and(|time| time.contains(['+', '-']));
    if may_have_offset {
        for f in ZONED {
            if let Ok(dt) = DateTime::parse_from_str(offset_time, f) {
                return Ok(dt.timestamp());
            }
        }
    }
    // RFC 2822, as mail, HTTP and Python's `email.utils` write a time (`Fri, 01 Mar 2024
    // 09:30:00 GMT`), and JavaScript's `Date.toString()` (`Fri Mar 01 2024 09:30:00
    // GMT+0100 (Central European Standard Time)`): each names its offset, after a month
    // written as its name (read only where a letter is).
    if t.bytes().any(|b| b.is_ascii_alphabetic()) {
        if let Ok(dt) = DateTime::parse_from_rfc2822(t) {
            return Ok(dt.timestamp());
        }
        let javascript = t.strip_suffix(')').and_then(|z| z.rsplit_once(" (")).map_or(t, |(time, _)| time);
        if let Ok(dt) = DateTime::parse_from_str(javascript, "%a %b %d %Y %H:%M:%S GMT%z") {
            return Ok(dt.timestamp());
        }
    }
    // A space before the offset too, as Go writes a time (`2024-03-01 09:30:00 +0000
    // UTC`, its zone's name read by `named_zone`): tried only on such a text, not on every
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
    // (`2024-03-01 09:30:00 UTC`, BigQuery's way; `... CET` as Java's and Oracle's
    // formats write it): the rest, read at that zone's offset. A time with its own
    // offset before the name (Go's `+0100 CET`) says the moment, the name its label.
    if let Some((rest, offset)) = named_zone(t) {
        let offset = offset?;
        let own_offset = rest.get(10..).is_some_and(|time| time.contains(['+', '-']));
        return any_timestamp(rest, slash).map(|at| if own_offset { at } else { at - offset });
    }
    date_in(t, slash).map_err(|e| {
        if e == SLASH_DATE_REFUSED {
            e
        } else if spreadsheet_day_number(t) {
            SPREADSHEET_DAY_NUMBER
        } else {
            "unparseable timestamp: expected RFC 3339, YYYY-MM-DD HH:MM:SS, DD.MM.YYYY HH:MM:SS, DD-MON-YYYY HH:MM:SS or unix time"
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(timestamp("1709285400000"), Ok(1_709_285_400), "milliseconds");
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
    }

    /// Asserts that each of `texts` reads as 2024-03-01T09:30:00Z.
    fn each_reads_as_the_same_moment(texts: &[&str]) {
        for t in texts {
            assert_eq!(timestamp(t), Ok(1_709_285_400), "{t}");
        }
    }

    #[test]
    fn a_zone_named_after_the_time_reads_as_utc() {
        let want = 1_709_285_400; // 2024-03-01T09:30:00Z
        each_reads_as_the_same_moment(&[
            "2024-03-01 09:30:00 UTC",
            "2024-03-01 09:30:00 GMT",
            "2024-03-01 09:30:00 utc",
            "2024-03-01 09:30 Z",
        ]);
        assert_eq!(timestamp("2024-03-01 09:30:00.250 UTC"), Ok(want));
        assert_eq!(timestamp("2024-03-01 09:30:00 +0000 UTC"), Ok(want));
        assert_eq!(timestamp("2024-03-01 17:30:00 +0800"), Ok(want));
        for t in ["UTC", " UTC", "2024-03-01 09:30:00 UTC UTC", "2024-03-01 09:30:00 CST"] {
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
        // Of that shape but no date: refused, not read as a moment of 1970 (or, twelve
        // digits long, of 1976 in milliseconds).
        for t in ["20241301", "20240230", "202403012460", "20240301093099"] {
            assert_eq!(timestamp(t), Err(COMPACT_DATE_INVALID), "{t}");
        }
        // Of no year of that shape: unix seconds, as before.
        assert_eq!(timestamp("30241301"), Ok(30_241_301));
    }

    #[test]
    fn unix_time_reads_in_the_unit_its_size_says() {
        let want = 1_709_285_400; // 2024-03-01T09:30:00Z
        for t in ["1709285400", "1709285400000", "1709285400123", "1709285400000000", "1709285400000000000"] {
            assert_eq!(timestamp(t), Ok(want), "{t}");
        }
        // With a fraction, as Python's time.time() writes it: to the second below.
        for t in ["1709285400.5", "1709285400.999", "1709285400000.0"] {
            assert_eq!(timestamp(t), Ok(want), "{t}");
        }
        assert!(timestamp("20240301.5").is_err(), "a compact date's digits are no count");
        // Each unit takes over where the one before runs past 2200, from late March 1970.
        for count in [END, END * 1000 - 1, END * 1000, END * 1_000_000 - 1, END * 1_000_000, i64::MAX / 2] {
            assert!((END / 1000..END).contains(&unix_time(count)), "{count}");
        }
        assert_eq!(unix_time(END - 1), END - 1);
        // Past nanoseconds before 2200: no unit.
        assert!(timestamp(&(END * 1_000_000_000).to_string()).is_err());
        assert!(timestamp("-1709285400000").is_err(), "negative counts are seconds");
    }

    #[test]
    fn a_zone_named_by_an_abbreviation_of_one_offset_reads_at_it() {
        each_reads_as_the_same_moment(&[
            "2024-03-01 10:30:00 CET",
            "2024-03-01 10:30 cet",
            "01-MAR-2024 10:30:00 CET",
            "2024-03-01 11:30:00 EET",
            "2024-03-01 18:30:00 JST",
            "2024-03-01 17:30:00 HKT",
            "2024-03-01 10:30:00 +0100 CET",
            "2024-03-01 09:30:00 +0000 UTC",
        ]);
        for t in [
            "2024-03-01 17:30:00 CST",
            "2024-03-01 15:00:00 IST",
            "2024-03-01 04:30:00 EST",
            "2024-03-01 12:30 MSK",
        ] {
            assert_eq!(timestamp(t), Err(AMBIGUOUS_ZONE), "{t}");
        }
        assert!(timestamp("2024-03-01 10:30:00 XYZ").is_err());
        assert!(timestamp("CET").is_err());
    }

    #[test]
    fn times_as_java_javascript_and_mail_write_them() {
        each_reads_as_the_same_moment(&[
            "2024-03-01T09:30Z",
            "2024-03-01T10:30+01:00",
            "2024-03-01T09:30Z[UTC]",
            "2024-03-01T10:30+01:00[Europe/Berlin]",
            "2024-03-01T10:30:00.123+01:00[Europe/Berlin]",
            "Fri, 01 Mar 2024 09:30:00 GMT",
            "Fri, 01 Mar 2024 10:30:00 +0100",
            "Fri Mar 01 2024 09:30:00 GMT+0000 (Coordinated Universal Time)",
            "Fri Mar 01 2024 10:30:00 GMT+0100 (Central European Standard Time)",
            "Fri Mar 01 2024 10:30:00 GMT+0100",
        ]);
        // A zone's name alone says no offset without the zone database: refused.
        assert!(timestamp("2024-03-01T10:30[Europe/Berlin]").is_err());
        // A day of the week that is not the date's: refused, not read.
        assert!(timestamp("Sat, 01 Mar 2024 09:30:00 GMT").is_err());
    }

    #[test]
    fn offsets_of_hours_alone_read_as_postgresql_writes_them() {
        each_reads_as_the_same_moment(&[
            "2024-03-01 10:30:00+01",
            "2024-03-01 10:30:00.123456+01",
            "2024-03-01 06:30:00-03",
            "2024-03-01 15:00:00+05:30",
            "2024-03-01T15:00:00+0530",
        ]);
        assert!(timestamp("2024-03-01 10:30:00+1").is_err());
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
}
