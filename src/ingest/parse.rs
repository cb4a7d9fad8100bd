//! Parsers for single cells. Each returns a reason on failure, never panics.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Earliest accepted timestamp, 1900-01-01T00:00:00Z.
const EARLIEST: i64 = -2_208_988_800;
/// First rejected timestamp, 2200-01-01T00:00:00Z.
const END: i64 = 7_258_118_400;

/// Parses a timestamp and checks that it lies in 1900..2200 (anything else is a unit or
/// data error: milliseconds given as seconds, a sentinel value, a corrupted cell).
pub fn timestamp(text: &str) -> Result<i64, &'static str> {
    let t = any_timestamp(text)?;
    if (EARLIEST..END).contains(&t) {
        Ok(t)
    } else {
        Err("timestamp outside 1900-2199 (milliseconds given as seconds?)")
    }
}

/// Parses a timestamp: RFC 3339 (`2024-03-01T09:30:00+08:00`), a naive
/// `YYYY-MM-DD[ T]HH:MM[:SS]` or `YYYY/MM/DD HH:MM` taken as UTC, a bare date, or unix seconds.
fn any_timestamp(text: &str) -> Result<i64, &'static str> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty timestamp");
    }
    if t.bytes().all(|b| b.is_ascii_digit())
        || (t.starts_with('-') && t.len() > 1 && t[1..].bytes().all(|b| b.is_ascii_digit()))
    {
        return t.parse::<i64>().map_err(|_| "timestamp out of range");
    }
    if let Some(seconds) = utc_seconds(t.as_bytes()) {
        return Ok(seconds);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.timestamp());
    }
    const NAIVE: [&str; 6] = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M",
    ];
    for f in NAIVE {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(dt.and_utc().timestamp());
        }
    }
    date(t).map_err(|_| "unparseable timestamp: expected RFC 3339, YYYY-MM-DD HH:MM:SS or unix seconds")
}

/// The shape nearly every dump writes, `YYYY-MM-DDTHH:MM:SSZ`, read without chrono's
/// general parser (a tenth of the per-cell checks); `None` for any other text, or a
/// date or time that does not exist, which chrono's parser then reads or refuses.
fn utc_seconds(t: &[u8]) -> Option<i64> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', n0, n1, b':', s0, s1, b'Z'] = *t
    else {
        return None;
    };
    let (hour, minute, second) = (digits(&[h0, h1])?, digits(&[n0, n1])?, digits(&[s0, s1])?);
    let day = ymd(&[y0, y1, y2, y3], &[m0, m1], &[d0, d1])?;
    // Leap seconds (:60) are left to chrono.
    day.and_hms_opt(hour, minute, second).map(|x| x.and_utc().timestamp())
}

/// A `YYYY-MM-DD` date that exists, read without chrono's general parser.
fn ymd(year: &[u8], month: &[u8], day: &[u8]) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(digits(year)?).ok()?, digits(month)?, digits(day)?)
}

/// ASCII digits as a number; `None` if any byte is not one.
fn digits(text: &[u8]) -> Option<u32> {
    text.iter().try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

/// Parses a calendar date `YYYY-MM-DD` (or `YYYY/MM/DD`) to unix seconds at midnight UTC.
pub fn date(text: &str) -> Result<i64, &'static str> {
    let t = text.trim();
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *t.as_bytes() {
        if let Some(day) = ymd(&[y0, y1, y2, y3], &[m0, m1], &[d0, d1]) {
            return Ok(day.and_hms_opt(0, 0, 0).map(|x| x.and_utc().timestamp()).unwrap_or(0));
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y/%m/%d"))
        .map(|d| d.and_hms_opt(0, 0, 0).map(|x| x.and_utc().timestamp()).unwrap_or(0))
        .map_err(|_| "unparseable date: expected YYYY-MM-DD")
}

/// Parses a strictly positive, finite decimal amount.
pub fn amount(text: &str) -> Result<f64, &'static str> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty amount");
    }
    let v: f64 = t.parse().map_err(|_| "amount is not a number")?;
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
            if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *day.as_bytes() {
                let fast = ymd(&[y0, y1, y2, y3], &[m0, m1], &[d0, d1])
                    .and_then(|x| x.and_hms_opt(0, 0, 0))
                    .map(|x| x.and_utc().timestamp());
                if fast.is_some() {
                    proptest::prop_assert_eq!(fast, by_chrono(day).1, "{}", day);
                }
            }
            // Whatever chrono reads, the whole parser reads alike, by either path.
            if let Some(read) = by_chrono(&stamp).0 {
                proptest::prop_assert_eq!(any_timestamp(&stamp), Ok(read), "{}", stamp);
            }
        }
    }

    #[test]
    fn amounts_must_be_positive_finite_numbers() {
        assert_eq!(amount("12.50"), Ok(12.5));
        assert_eq!(amount("1e3"), Ok(1000.0));
        for bad in ["", "abc", "0", "-5", "NaN", "inf", "1,000"] {
            assert!(amount(bad).is_err(), "{bad}");
        }
    }
}
