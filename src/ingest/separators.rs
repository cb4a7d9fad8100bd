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
pub fn to_commas(text: &[u8], separator: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 16);
    let mut amounts: Vec<bool> = Vec::new();
    let mut fields: Vec<Vec<u8>> = Vec::new();
    for (k, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        let (body, end) = split_end(line);
        match split_line(body, separator, &mut fields) {
            Some(()) => {
                if k == 0 {
                    amounts = fields.iter().map(|f| is_amount_column(f)).collect();
                }
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    let decimal_comma =
                        k > 0 && separator == b';' && amounts.get(i).copied().unwrap_or(false);
                    match decimal_comma.then(|| decimal_point(field)).flatten() {
                        Some(number) => out.extend_from_slice(&number),
                        None => write_field(&mut out, field),
                    }
                }
            }
            None => out.extend(body.iter().map(|&b| if b == separator { b',' } else { b })),
        }
        out.extend_from_slice(end);
    }
    out
}

/// A line without its line break (`\n` or `\r\n`), and the break.
fn split_end(line: &[u8]) -> (&[u8], &[u8]) {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    line.split_at(body.len())
}

/// The fields of one line into `fields` (a quoted field unquoted, `""` read as `"`);
/// `None` when a quote opened on the line does not close on it.
fn split_line(line: &[u8], separator: u8, fields: &mut Vec<Vec<u8>>) -> Option<()> {
    fields.clear();
    let mut field = Vec::new();
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
            fields.push(std::mem::take(&mut field));
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
        return None;
    }
    fields.push(field);
    Some(())
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

/// A number written with a decimal comma and, optionally, points between groups of
/// three digits (`-1.250,50`, `980,00`), written with a decimal point (`-1250.50`);
/// `None` for anything else, which is left as it is.
fn decimal_point(field: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(field).ok()?.trim();
    let (sign, digits) = match text.strip_prefix(['-', '+']) {
        Some(rest) => (&text[..1], rest),
        None => ("", text),
    };
    let (whole, fraction) = digits.split_once(',')?;
    let groups: Vec<&str> = whole.split('.').collect();
    let grouped = groups.len() == 1
        || (!groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !grouped || !groups.iter().all(|g| all_digits(g)) || !all_digits(fraction) {
        return None;
    }
    Some(format!("{sign}{}.{fraction}", groups.concat()).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

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
