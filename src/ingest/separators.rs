//! CSV written with another separator than the comma. Spreadsheets in many locales
//! export `;` between fields and a comma before decimals (`1.250,50`); other exports
//! use tabs or `|`. Such a text is rewritten as comma-separated CSV, line for line, before it
//! is read: every reader after this (the split, the quote scanner, polars) then reads one
//! format, and every row keeps its line number.

use super::parse::{self, DecimalMark, MarkReading};

/// Separators read besides the comma.
const OTHERS: [u8; 3] = [b';', b'\t', b'|'];

/// Amount columns, by their lower-cased names in the layouts flowhound reads: where an
/// export written with another separator than the comma writes its locale's decimal
/// mark.
const AMOUNT_COLUMNS: [&str; 5] = ["amount", "rate_to_base", "base_amt", "amount received", "amount paid"];

/// Why an amount was rejected that reads two ways and that nothing in its column settles.
pub const TWO_WAYS: &str = "ambiguous amount: a point or comma before three digits may group thousands (1.250 = 1250) or mark decimals (1.250 = 1.25), and no other amount of this column says which: set [ingest] decimal_mark = \"point\" or \"comma\"";

/// The separator of a text whose first line is its header: a comma, unless the header
/// holds none and holds `;`, a tab or `|` (the first of them it holds).
pub fn separator_of(text: &[u8]) -> u8 {
    let header = &text[..memchr::memchr(b'\n', text).unwrap_or(text.len())];
    if header.contains(&b',') {
        return b',';
    }
    OTHERS.into_iter().find(|s| header.contains(s)).unwrap_or(b',')
}

/// An amount that reads two ways (`1.250`: 1250 or 1.25) with nothing in its column to
/// say which, left out of the rewritten text for the reader to reject ([`TWO_WAYS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoWays {
    /// 1-based line of the file (the header is line 1).
    pub line: u64,
    /// The column, as the header names it.
    pub column: String,
    /// The amount as written.
    pub value: String,
}

/// A text rewritten as comma-separated CSV ([`with_commas`]).
#[derive(Debug)]
pub struct Rewritten {
    /// The text, with the same lines: those of [`Rewritten::two_ways`] left blank.
    pub text: Vec<u8>,
    /// Rows left out, one amount each that reads two ways.
    pub two_ways: Vec<TwoWays>,
}

/// `text`, separated by `separator`, as comma-separated CSV with the same lines: a field
/// that holds a comma or a quote is quoted. A line whose quotes do not close on it is
/// written with its separators turned to commas and nothing else changed, so the readers
/// after reject it on its own line as they would a comma-separated one.
///
/// Such exports write their locale's numbers, and a comma-separated text has no room for
/// a decimal comma, so with `mark` unset ([`DecimalMark::Either`]) the amount columns'
/// numbers are rewritten with a decimal point and no digit groups (`1.250,50` →
/// `1250.50`). A number whose marks read two ways (`1.250`, `1,250`) is read as the
/// column's other amounts write their decimals ([`column_marks`]); when they do not say
/// (none does, or they disagree), its row is left out ([`TwoWays`]) rather than read
/// a thousand times too large or too small. With `mark` set, the numbers are left as
/// written, for the parser to read with it.
fn to_commas(text: &[u8], separator: u8, mark: DecimalMark) -> Rewritten {
    let mut out = Vec::with_capacity(text.len() + text.len() / 16);
    let mut two_ways = Vec::new();
    let (names, amounts) = amount_columns(text, separator);
    let marks = if mark.is_either() { column_marks(text, separator, &amounts) } else { Vec::new() };
    // One field at a time, written as soon as it ends: a field of each row's own
    // allocation was millions of them for a large export.
    let mut field = Vec::new();
    for (k, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        let (body, end) = split_end(line);
        let start = out.len();
        let mut column = 0;
        let mut unsettled: Option<(usize, String)> = None;
        let closed = each_field(body, separator, &mut field, |field| {
            if column > 0 {
                out.push(b',');
            }
            let amount = k > 0 && amounts.get(column).copied().unwrap_or(false);
            let plain = match std::str::from_utf8(field) {
                Ok(number) if amount && mark.is_either() => {
                    match (parse::decimal_mark_of(number), marks.get(column).copied().flatten()) {
                        (MarkReading::TwoWays, Some(settled)) => parse::plain_amount(number, settled),
                        (MarkReading::TwoWays, None) => {
                            unsettled.get_or_insert_with(|| (column, number.trim().to_owned()));
                            None
                        }
                        (MarkReading::Decimal(own), _) => parse::plain_amount(number, own),
                        (MarkReading::Unmarked, _) => None,
                    }
                }
                _ => None,
            };
            match plain {
                Some(plain) => out.extend_from_slice(plain.as_bytes()),
                None => write_field(&mut out, field),
            }
            column += 1;
        });
        if !closed {
            out.truncate(start);
            out.extend(body.iter().map(|&b| if b == separator { b',' } else { b }));
        } else if let Some((column, value)) = unsettled {
            out.truncate(start);
            let column = names.get(column).cloned().unwrap_or_default();
            two_ways.push(TwoWays { line: k as u64 + 1, column, value });
        }
        out.extend_from_slice(end);
    }
    Rewritten { text: out, two_ways }
}

/// The header's names, and which of them name amount columns ([`AMOUNT_COLUMNS`]);
/// none when the header's quotes do not close.
fn amount_columns(text: &[u8], separator: u8) -> (Vec<String>, Vec<bool>) {
    let header = text.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let mut names = Vec::new();
    let mut field = Vec::new();
    let closed = each_field(split_end(header).0, separator, &mut field, |name| {
        let name = String::from_utf8_lossy(name);
        names.push(name.trim_start_matches('\u{feff}').trim().to_owned());
    });
    if !closed {
        return (Vec::new(), Vec::new());
    }
    let amounts = names.iter().map(|n| AMOUNT_COLUMNS.contains(&n.to_ascii_lowercase().as_str())).collect();
    (names, amounts)
}

/// Per column, the decimal mark its amounts say they are written with: a mark when some
/// of them can only be read with it (`980,00`, `1.250,50`, `12.5`, `1,250,000`) and none
/// only with the other; `None` for a column that is not an amount, whose amounts say
/// nothing, or disagree. An exporter writes one locale's numbers throughout a column.
fn column_marks(text: &[u8], separator: u8, amounts: &[bool]) -> Vec<Option<DecimalMark>> {
    // Per column: whether some amount says a point, a comma.
    let mut said = vec![(false, false); amounts.len()];
    let mut field = Vec::new();
    for line in text.split(|&b| b == b'\n').skip(1) {
        let mut column = 0;
        each_field(split_end(line).0, separator, &mut field, |field| {
            if let (Some(true), Ok(number)) = (amounts.get(column), std::str::from_utf8(field)) {
                if let MarkReading::Decimal(mark) = parse::decimal_mark_of(number) {
                    // Only a number that reads with that mark: not a stray point in a name.
                    if parse::plain_amount(number, mark).is_some() {
                        match mark {
                            DecimalMark::Point => said[column].0 = true,
                            _ => said[column].1 = true,
                        }
                    }
                }
            }
            column += 1;
        });
    }
    said.into_iter()
        .map(|said| match said {
            (true, false) => Some(DecimalMark::Point),
            (false, true) => Some(DecimalMark::Comma),
            _ => None,
        })
        .collect()
}

/// `text` as comma-separated CSV ([`to_commas`]) when its header says it is separated
/// otherwise ([`separator_of`]); `None` when it is comma-separated already. `mark` is
/// `[ingest] decimal_mark`.
pub fn with_commas(text: &[u8], mark: DecimalMark) -> Option<Rewritten> {
    match separator_of(text) {
        b',' => None,
        other => Some(to_commas(text, other, mark)),
    }
}

/// A line without its line break (`\n` or `\r\n`), and the break.
fn split_end(line: &[u8]) -> (&[u8], &[u8]) {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    line.split_at(body.len())
}

/// Hands each field of one line to `emit`, in order (a quoted field unquoted, `""` read
/// as `"`), gathered in `field`; false when a quote opened on the line does not close
/// on it, and the line's last field is then not handed over.
fn each_field(line: &[u8], separator: u8, field: &mut Vec<u8>, mut emit: impl FnMut(&[u8])) -> bool {
    field.clear();
    let (mut quoted, mut at_start) = (false, true);
    let mut k = 0;
    while k < line.len() {
        let b = line[k];
        if quoted {
            if b == b'"' {
                if line.get(k + 1) == Some(&b'"') {
                    field.push(b'"');
                    k += 1;
                } else {
                    quoted = false;
                }
            } else {
                field.push(b);
            }
        } else if b == b'"' && at_start {
            quoted = true;
        } else if b == separator {
            emit(field);
            field.clear();
            at_start = true;
            k += 1;
            continue;
        } else {
            field.push(b);
        }
        at_start = false;
        k += 1;
    }
    if quoted {
        return false;
    }
    emit(field);
    true
}

/// Writes `field` as one comma-separated field: quoted when it holds a comma, a quote
/// or a line break's carriage return.
fn write_field(out: &mut Vec<u8>, field: &[u8]) {
    if field.iter().any(|&b| matches!(b, b',' | b'"' | b'\r')) {
        out.push(b'"');
        for &b in field {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rewritten text with the mark unset.
    fn rewritten(text: &[u8], separator: u8) -> String {
        let out = to_commas(text, separator, DecimalMark::Either);
        assert!(out.two_ways.is_empty(), "{:?}", out.two_ways);
        String::from_utf8(out.text).expect("UTF-8")
    }

    #[test]
    fn the_header_says_which_separator() {
        assert_eq!(separator_of(b"a,b;c\n1,2;3\n"), b',');
        assert_eq!(separator_of(b"a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(separator_of(b"a\tb\tc\n"), b'\t');
        assert_eq!(separator_of(b"a|b|c\n"), b'|');
        assert_eq!(separator_of(b"amount\n1\n"), b',');
        assert_eq!(separator_of(b""), b',');
    }

    #[test]
    fn a_semicolon_export_reads_as_comma_separated_with_decimal_points() {
        let text = b"transfer_id;amount;memo\r\nT1;1.250,50;rent, March\r\nT2;-980,00;\"say \"\"hi\"\"; twice\"\nT3;12;x\n";
        assert_eq!(
            rewritten(text, b';'),
            "transfer_id,amount,memo\r\nT1,1250.50,\"rent, March\"\r\nT2,-980.00,\"say \"\"hi\"\"; twice\"\nT3,12,x\n"
        );
    }

    #[test]
    fn only_amount_columns_lose_their_decimal_comma() {
        assert_eq!(rewritten(b"id;amount\n1,5;1,5\n", b';'), "id,amount\n\"1,5\",1.5\n");
        assert_eq!(rewritten(b"id\tamount\n1,5\t1,5\n", b'\t'), "id,amount\n\"1,5\",1.5\n");
    }

    #[test]
    fn what_is_not_a_number_of_either_locale_is_left_as_it_is() {
        for odd in ["1.25,0.5", "12.34,5", "1,2,3", ",5", "5,", "1.2345,6", "abc", "1..000,5"] {
            let want = if odd.contains(',') {
                format!("id,amount\nT,\"{odd}\"\n")
            } else {
                format!("id,amount\nT,{odd}\n")
            };
            assert_eq!(rewritten(format!("id;amount\nT;{odd}\n").as_bytes(), b';'), want, "{odd}");
        }
        assert_eq!(
            rewritten(b"id;amount\nT;1.234.567,89\nU;+0,5\n", b';'),
            "id,amount\nT,1234567.89\nU,+0.5\n"
        );
    }

    /// A European export writes whole amounts with points between thousands: `1.250` is
    /// 1250 there, not 1.25, as its other amounts' decimal commas say.
    #[test]
    fn amounts_that_read_two_ways_are_read_as_their_column_writes_decimals() {
        let decimal_commas = b"id;amount\nT1;1.250\nT2;980,00\nT3;1,250\nT4;2.000.000\n";
        assert_eq!(rewritten(decimal_commas, b';'), "id,amount\nT1,1250\nT2,980.00\nT3,1.250\nT4,2000000\n");
        let decimal_points = b"id|amount\nT1|1.250\nT2|12.5\nT3|1,250\nT4|0.250\n";
        assert_eq!(rewritten(decimal_points, b'|'), "id,amount\nT1,1.250\nT2,12.5\nT3,1250\nT4,0.250\n");
    }

    /// Nothing says which (or the column says both): the row is left out, to be
    /// rejected on its line, rather than read a thousand times too large or too small.
    #[test]
    fn amounts_that_read_two_ways_with_nothing_to_settle_them_are_left_out_on_their_line() {
        let nothing_says = (&b"id;amount;memo\nT1;1.250;x\nT2;500;y\n"[..], "id,amount,memo\n\nT2,500,y\n");
        let both_say = (
            &b"id;amount;memo\nT1;1.250;x\nT2;12.5;y\nT3;9,50;z\n"[..],
            "id,amount,memo\n\nT2,12.5,y\nT3,9.50,z\n",
        );
        for (text, want) in [nothing_says, both_say] {
            let out = to_commas(text, b';', DecimalMark::Either);
            let left_out = TwoWays { line: 2, column: "amount".into(), value: "1.250".into() };
            assert_eq!(out.two_ways, vec![left_out]);
            assert_eq!(String::from_utf8(out.text).expect("UTF-8"), want, "the row's line stays, blank");
        }
    }

    #[test]
    fn with_the_decimal_mark_set_amounts_are_left_for_the_parser_to_read_with_it() {
        for mark in [DecimalMark::Point, DecimalMark::Comma] {
            let out = to_commas(b"id;amount\nT1;1.250\nT2;1.250,50\n", b';', mark);
            assert!(out.two_ways.is_empty());
            assert_eq!(out.text, b"id,amount\nT1,1.250\nT2,\"1.250,50\"\n");
        }
    }

    #[test]
    fn a_quote_that_does_not_close_on_its_line_keeps_the_line_for_the_readers_to_reject() {
        let text = b"a;b\n\"open;1\nc;2\n";
        assert_eq!(rewritten(text, b';'), "a,b\n\"open,1\nc,2\n");
    }

    #[test]
    fn every_line_stays_a_line() {
        let text = b"a;amount\n1;2\n\n3;\"x\ny\"\n4;1.250\n5";
        let out = to_commas(text, b';', DecimalMark::Either);
        assert_eq!(out.two_ways.len(), 1);
        assert_eq!(
            text.iter().filter(|&&b| b == b'\n').count(),
            out.text.iter().filter(|&&b| b == b'\n').count()
        );
    }
}
