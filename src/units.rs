//! Units and their spelling: seconds per hour and day, and how amounts, times and dates
//! read in reasons, files and reports. Times are unix seconds (UTC) everywhere inside.

use chrono::DateTime;

/// Seconds in an hour.
pub const HOUR: i64 = 3_600;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Parses a duration as written on a command line, `90` (seconds), `30m`, `12h` or
/// `7d`, to seconds; `None` when it is not one or is not positive.
pub fn parse_duration(text: &str) -> Option<i64> {
    let t = text.trim();
    let (num, unit) = match t.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 's'),
    };
    let n: f64 = num.parse().ok()?;
    let factor = match unit {
        's' => 1.0,
        'm' => 60.0,
        'h' => HOUR as f64,
        'd' => DAY as f64,
        _ => return None,
    };
    (n > 0.0).then_some((n * factor) as i64)
}

/// The length of a part of time in a partitioned run (the CLI's `--partition-window`,
/// the Python package's `partition_window`, Spark's `window`): an hour or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartWindow(i64);

impl PartWindow {
    /// Reads `text`: seconds, or `30m` / `12h` / `7d`. A part shorter than an hour is a
    /// unit slip (`9` for nine days): a year cut into parts of seconds is tens of
    /// thousands of parts, each reading its detectors' lookback, and the run takes a
    /// thousand times as long. The error says what is wrong, for the caller to name its
    /// option.
    pub fn parse(text: &str) -> Result<PartWindow, String> {
        let t = text.trim();
        let seconds = parse_duration(t).ok_or_else(|| "expected seconds or 30m / 12h / 7d".to_owned())?;
        if seconds < HOUR {
            let example = if t.parse::<f64>().is_ok() { format!("{t}d") } else { "7d".to_owned() };
            return Err(format!(
                "{seconds} s is shorter than an hour; give the unit (e.g. {example} for days)"
            ));
        }
        Ok(PartWindow(seconds))
    }

    /// Its length in seconds.
    pub fn seconds(self) -> i64 {
        self.0
    }
}

/// A span given in (fractional) days, as whole seconds (configuration windows).
pub fn days_to_seconds(days: f64) -> i64 {
    (days * DAY as f64) as i64
}

/// A span given in (fractional) hours, in seconds.
pub fn hours_to_seconds(hours: f64) -> f64 {
    hours * HOUR as f64
}

/// A span in seconds, as fractional days (reasons, rates).
pub fn seconds_to_days(seconds: i64) -> f64 {
    seconds as f64 / DAY as f64
}

/// `1234567.8` -> `1,234,568`: amounts in reasons read like a bank statement.
pub fn fmt_amount(x: f64) -> String {
    let whole = x.round().max(0.0) as u64;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// "1 payee", "3 payees": a count and its noun, plural when not one.
pub fn counted_words(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// The `N` of "1 in N" for a chance: `1,234,568` up to a trillion, then `3.2e21`, since
/// digits past that say nothing a reader can use (and would overflow).
pub fn fmt_odds(chance: f64) -> String {
    let odds = 1.0 / chance.max(f64::MIN_POSITIVE);
    if odds < 1e12 {
        fmt_amount(odds)
    } else {
        format!("{odds:.1e}")
    }
}

/// Formats unix seconds as RFC 3339 UTC.
pub fn format_time(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| secs.to_string())
}

/// Formats unix seconds as a date.
pub fn format_date(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| secs.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_of_time_is_an_hour_or_more() {
        assert_eq!(PartWindow::parse("7d").map(PartWindow::seconds), Ok(7 * DAY));
        assert_eq!(PartWindow::parse(" 3600 ").map(PartWindow::seconds), Ok(HOUR));
        let slip = PartWindow::parse("9").unwrap_err();
        assert!(slip.contains("9 s is shorter than an hour") && slip.contains("9d"), "{slip}");
        assert!(PartWindow::parse("30m").unwrap_err().contains("e.g. 7d"));
        assert!(PartWindow::parse("0").unwrap_err().contains("expected seconds"));
        assert!(PartWindow::parse("week").is_err());
    }

    #[test]
    fn odds_read_as_digits_then_as_powers_of_ten() {
        assert_eq!(fmt_odds(0.25), "4");
        assert_eq!(fmt_odds(1.0 / 6_160_308.0), "6,160,308");
        assert_eq!(fmt_odds(1e-21 / 3.2), "3.2e21");
        assert_eq!(fmt_odds(0.0), format!("{:.1e}", 1.0 / f64::MIN_POSITIVE));
    }

    #[test]
    fn amounts_get_thousands_separators() {
        assert_eq!(fmt_amount(0.4), "0");
        assert_eq!(fmt_amount(999.0), "999");
        assert_eq!(fmt_amount(1234567.8), "1,234,568");
    }

    #[test]
    fn spans_convert_both_ways() {
        assert_eq!(days_to_seconds(1.5), 129_600);
        assert_eq!(seconds_to_days(2 * DAY + 12 * HOUR), 2.5);
        assert_eq!(format_time(1_709_285_400), "2024-03-01T09:30:00Z");
        assert_eq!(format_date(1_709_285_400), "2024-03-01");
    }
}
