//! CSV written with another separator than the comma. Spreadsheets in many locales
//! export `;` between fields and a comma before decimals (`1.250,50`); other exports
//! use tabs or `|`. Such a text is rewritten as comma-separated CSV, line for line, before it
//! is read: every reader after this (the split, the quote scanner, polars) then reads one
//! format, and every row keeps its line number.

/// Separators read besides the comma.
const OTHERS: [u8; 3] = [b';', b'\t', b'|'];

/// Columns whose numbers a `;`-separated export writes with a decimal comma, by their
/// lower-cased names in the layouts flowhound reads.
const AMOUNT_COLUMNS: [&str; 5] = ["amount", "rate_to_base", "base_amt", "amount received", "amount paid"];

/// The separator of a text whose first line is its header: a comma, unless the header
/// holds none and holds `;`, a tab or `|` (the first of them it holds).
pub fn separator_of(text: &[u8]) -> u8 {
    let header = &text[..memchr::memchr(b'\n', text).unwrap_or(text.len())];
    if header.contains(&b',') {
        return b',';
    }
    OTHERS.into_iter().find(|s| header.contains(s)).unwrap_or(b',')
}

/// `text`, separated by `separator`, as comma-separated CSV with the same lines: a field
/// that holds a comma or a quote is quoted, and in a `;`-separated text the amount
/// columns' decimal commas ([`AMOUNT_COLUMNS`], e.g. `1.250,50`) become points
/// (`1250.50`). A line whose quotes do not close on it is written with its separators
/// turned to commas and nothing else changed, so the readers after reject it on its own
/// line as they would a comma-separated one.
fn to_commas(text: &[u8], separator: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 16);
    let mut amounts: Vec<bool> = Vec::new();
    // One field at a time, written as soon as it ends: a field of each row's own
    // allocation was millions of them for a large export.
    let mut field = Vec::new();
    for (k, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        let (body, end) = split_end(line);
        let start = out.len();
        let mut column = 0;
        let closed = each_field(body, separator, &mut field, |field| {
            if column > 0 {
                out.push(b',');
            }
            if k == 0 {
                amounts.push(is_amount_column(field));
            }
            let decimal_comma = k > 0 && separator == b';' && amounts.get(column).copied().unwrap_or(false);
            if !(decimal_comma && write_decimal_point(&mut out, field)) {
                write_field(&mut out, field);
            }
            column += 1;
        });
        if !closed {
            out.truncate(start);
            if k == 0 {
                amounts.clear();
            }
            out.extend(body.iter().map(|&b| if b == separator { b',' } else { b }));
        }
        out.extend_from_slice(end);
    }
    out
}

/// `text` as comma-separated CSV ([`to_commas`]) when its header says it is separated
/// otherwise ([`separator_of`]); `None` when it is comma-separated already.
pub fn with_commas(text: &[u8]) -> Option<Vec<u8>> {
    match separator_of(text) {
        b',' => None,
        other => Some(to_commas(text, other)),
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

/// Whether a header field names an amount column.
fn is_amount_column(name: &[u8]) -> bool {
    let name = String::from_utf8_lossy(name);
    let name = name.trim_start_matches('\u{feff}').trim().to_ascii_lowercase();
    AMOUNT_COLUMNS.contains(&name.as_str())
}

/// Writes a number written with a decimal comma and, optionally, points between groups
/// of three digits (`-1.250,50`, `980,00`) with a decimal point (`-1250.50`); false,
/// writing nothing, for anything else, which is then written as it is.
fn write_decimal_point(out: &mut Vec<u8>, field: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(field) else {
        return false;
    };
    let text = text.trim();
    let (sign, digits) = match text.strip_prefix(['-', '+']) {
        Some(rest) => (&text[..1], rest),
        None => ("", text),
    };
    let Some((whole, fraction)) = digits.split_once(',') else {
        return false;
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut groups = whole.split('.');
    let first = groups.next().unwrap_or("");
    let grouped = !whole.contains('.') || (first.len() <= 3 && groups.clone().all(|g| g.len() == 3));
    if !grouped || !all_digits(first) || !groups.clone().all(all_digits) || !all_digits(fraction) {
        return false;
    }
    out.extend_from_slice(sign.as_bytes());
    out.extend(whole.bytes().filter(|&b| b != b'.'));
    out.push(b'.');
    out.extend_from_slice(fraction.as_bytes());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`write_decimal_point`]'s number, if it writes one.
    fn decimal_point(field: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        write_decimal_point(&mut out, field).then_some(out)
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
        let out = String::from_utf8(to_commas(text, b';')).unwrap();
        assert_eq!(
            out,
            "transfer_id,amount,memo\r\nT1,1250.50,\"rent, March\"\r\nT2,-980.00,\"say \"\"hi\"\"; twice\"\nT3,12,x\n"
        );
    }

    #[test]
    fn only_amount_columns_lose_their_decimal_comma_and_only_in_semicolon_exports() {
        let text = b"id;amount\n1,5;1,5\n";
        assert_eq!(to_commas(text, b';'), b"id,amount\n\"1,5\",1.5\n");
        let text = b"id\tamount\n1,5\t1,5\n";
        assert_eq!(to_commas(text, b'\t'), b"id,amount\n\"1,5\",\"1,5\"\n");
    }

    #[test]
    fn what_is_not_a_decimal_comma_number_is_left_as_it_is() {
        for odd in ["1.25,0.5", "12.34,5", "1,2,3", ",5", "5,", "1.2345,6", "abc", "1..000,5", "1.000"] {
            assert_eq!(decimal_point(odd.as_bytes()), None, "{odd}");
        }
        assert_eq!(decimal_point(b"1.234.567,89").as_deref(), Some(&b"1234567.89"[..]));
        assert_eq!(decimal_point(b"+0,5").as_deref(), Some(&b"+0.5"[..]));
    }

    #[test]
    fn a_quote_that_does_not_close_on_its_line_keeps_the_line_for_the_readers_to_reject() {
        let text = b"a;b\n\"open;1\nc;2\n";
        assert_eq!(to_commas(text, b';'), b"a,b\n\"open,1\nc,2\n");
    }

    #[test]
    fn every_line_stays_a_line() {
        let text = b"a;b\n1;2\n\n3;\"x\ny\"\n4;5";
        let out = to_commas(text, b';');
        assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), out.iter().filter(|&&b| b == b'\n').count());
    }
}
