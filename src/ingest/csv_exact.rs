//! The exact CSV reader: every physical line of a file ends up in a row or in a reject,
//! with its own line number. It is the path for files polars' fast reader cannot take
//! whole (ragged rows, invalid UTF-8, NUL bytes, quoted line breaks, stray quotes).
//!
//! Quoting follows RFC 4180 as the `csv` crate reads it: a field that starts with `"`
//! runs to the next lone `"`, and `""` inside it is one quote. A quoted field may hold
//! line breaks, but a record over several lines is a stray quote when its quote is still
//! open after `max_record_lines` lines or at the end of the file, when a closing quote is
//! followed by anything but a delimiter or the end of the line (it was really the opening
//! quote of a later field), or when it does not have the header's number of fields. Its
//! first line is then rejected on its own and reading resumes on the next line, so one
//! unbalanced quote costs one row, not the rows it would swallow.

/// What the scanner found at one place of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A record: its first line and its fields, unquoted.
    Record {
        /// 1-based line where it starts.
        line: u64,
        /// Fields as bytes (UTF-8 is checked by the caller, per field).
        fields: Vec<Vec<u8>>,
    },
    /// A line that opens a quoted field which does not close as a field should.
    StrayQuote {
        /// 1-based line.
        line: u64,
        /// The line as read (lossy UTF-8, at most 200 characters).
        text: String,
        /// How the quote went wrong.
        why: Stray,
    },
}

/// How a quote opened on one line went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stray {
    /// Still open at the end of the file.
    OpenAtEnd,
    /// Still open after this many lines.
    TooLong(usize),
    /// Closed by what was a later field's quote: text follows it, or the record does
    /// not have the header's number of fields.
    ClosedByLaterQuote,
}

impl std::fmt::Display for Stray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stray::OpenAtEnd => f.write_str(
                "unbalanced quote: the quoted field opened here is still open at the end of the file",
            ),
            Stray::TooLong(n) => {
                write!(f, "unbalanced quote: the quoted field opened here does not close within {n} lines")
            }
            Stray::ClosedByLaterQuote => f.write_str(
                "unbalanced quote: the quoted field opened here only closes at a later field's quote",
            ),
        }
    }
}

/// Splits `body` (header included) into records, blank lines left out.
pub struct Scanner<'a> {
    body: &'a [u8],
    pos: usize,
    line: u64,
    max_record_lines: usize,
    /// Fields per record, once the header is read.
    width: Option<usize>,
}

/// A record as parsed: fields, where the next one starts, lines it spans, and whether a
/// closing quote was followed by more text in its field.
type Parsed = (Vec<Vec<u8>>, usize, u64, bool);

impl<'a> Scanner<'a> {
    /// A scanner over `body`; a quoted field may span at most `max_record_lines` lines.
    pub fn new(body: &'a [u8], max_record_lines: usize) -> Self {
        Scanner { body, pos: 0, line: 1, max_record_lines: max_record_lines.max(1), width: None }
    }

    /// Parses the record starting at `self.pos`: `Ok((fields, end))` or `Err(at_end)` when
    /// a quoted field does not close in time.
    fn record(&self) -> Result<Parsed, Stray> {
        let b = self.body;
        let mut i = self.pos;
        let mut fields = Vec::new();
        let mut field = Vec::new();
        let mut at_field_start = true;
        let mut in_quotes = false;
        let mut just_closed = false;
        let mut junk_after_quote = false;
        let mut breaks = 0u64;
        while i < b.len() {
            let c = b[i];
            if in_quotes {
                match c {
                    b'"' if b.get(i + 1) == Some(&b'"') => {
                        field.push(b'"');
                        i += 2;
                        continue;
                    }
                    b'"' => {
                        in_quotes = false;
                        just_closed = true;
                        i += 1;
                        continue;
                    }
                    b'\n' => {
                        breaks += 1;
                        if breaks as usize >= self.max_record_lines {
                            return Err(Stray::TooLong(self.max_record_lines));
                        }
                        field.push(c);
                    }
                    _ => field.push(c),
                }
                i += 1;
                continue;
            }
            if just_closed && !matches!(c, b',' | b'\n' | b'\r') {
                junk_after_quote = true;
            }
            just_closed = false;
            match c {
                b',' => {
                    fields.push(std::mem::take(&mut field));
                    at_field_start = true;
                    i += 1;
                    continue;
                }
                b'\n' => {
                    if field.last() == Some(&b'\r') {
                        field.pop();
                    }
                    fields.push(field);
                    return Ok((fields, i + 1, breaks + 1, junk_after_quote));
                }
                b'"' if at_field_start => in_quotes = true,
                _ => field.push(c),
            }
            at_field_start = false;
            i += 1;
        }
        if in_quotes {
            return Err(Stray::OpenAtEnd);
        }
        if field.last() == Some(&b'\r') {
            field.pop();
        }
        fields.push(field);
        Ok((fields, b.len(), breaks + 1, junk_after_quote))
    }

    /// End of the physical line starting at `from` (just past its `\n`).
    fn line_end(&self, from: usize) -> usize {
        self.body[from..].iter().position(|&c| c == b'\n').map_or(self.body.len(), |k| from + k + 1)
    }
}

impl Iterator for Scanner<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if self.pos >= self.body.len() {
                return None;
            }
            let line = self.line;
            // A blank line: only whitespace before its end. A record line stops this
            // at its first character, so lines are not scanned twice.
            let rest = &self.body[self.pos..];
            match rest.iter().position(|&c| c == b'\n' || !c.is_ascii_whitespace()) {
                Some(k) if rest[k] == b'\n' => {
                    self.pos += k + 1;
                    self.line += 1;
                    continue;
                }
                None => return None,
                Some(_) => {}
            }
            let parsed = self.record().and_then(|(fields, next, lines, junk)| {
                let misfit = self.width.is_some_and(|w| w != fields.len());
                if lines > 1 && (junk || misfit) {
                    Err(Stray::ClosedByLaterQuote)
                } else {
                    Ok((fields, next, lines))
                }
            });
            match parsed {
                Ok((fields, next, lines)) => {
                    self.pos = next;
                    self.line += lines;
                    self.width.get_or_insert(fields.len());
                    return Some(Item::Record { line, fields });
                }
                Err(why) => {
                    let end = self.line_end(self.pos);
                    let raw = &self.body[self.pos..end];
                    let text: String = String::from_utf8_lossy(raw).trim_end().chars().take(200).collect();
                    self.pos = end;
                    self.line += 1;
                    return Some(Item::StrayQuote { line, text, why });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str, max: usize) -> Vec<Item> {
        Scanner::new(text.as_bytes(), max).collect()
    }

    fn rec(line: u64, fields: &[&str]) -> Item {
        Item::Record { line, fields: fields.iter().map(|f| f.as_bytes().to_vec()).collect() }
    }

    #[test]
    fn quoting_as_rfc_4180_reads_it() {
        let got = items("a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\n\n3,\"two\nlines\"\n5,6", 20);
        assert_eq!(
            got,
            vec![
                rec(1, &["a", "b"]),
                rec(2, &["x,1", "say \"hi\""]),
                rec(4, &["3", "two\nlines"]),
                rec(6, &["5", "6"]),
            ]
        );
    }

    #[test]
    fn a_stray_quote_costs_one_line() {
        let mut text = String::from("a,b\n1,2\n3,\"oops\n");
        for k in 0..30 {
            text.push_str(&format!("{k},x\n"));
        }
        let got = items(&text, 20);
        assert_eq!(got[2], Item::StrayQuote { line: 3, text: "3,\"oops".into(), why: Stray::TooLong(20) });
        assert_eq!(got[3], rec(4, &["0", "x"]));
        assert_eq!(got.len(), 3 + 30, "every other line is still a record");
    }

    #[test]
    fn a_stray_quote_closed_by_a_later_field_still_costs_one_line() {
        let text = "a,b\n1,\"oops\n2,x\n3,\"fine, quoted\"\n";
        let got = items(text, 20);
        assert!(
            matches!(got[1], Item::StrayQuote { line: 2, why: Stray::ClosedByLaterQuote, .. }),
            "{got:?}"
        );
        assert_eq!(got[2], rec(3, &["2", "x"]));
        assert_eq!(got[3], rec(4, &["3", "fine, quoted"]));
    }

    #[test]
    fn a_quote_open_at_the_end_of_the_file_is_stray() {
        let got = items("a,b\n1,\"2\n3,4\n", 20);
        assert_eq!(got[1], Item::StrayQuote { line: 2, text: "1,\"2".into(), why: Stray::OpenAtEnd });
        assert_eq!(got[2], rec(3, &["3", "4"]));
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_literal() {
        assert_eq!(items("a,b\n5\" pipe,2\n", 20)[1], rec(2, &["5\" pipe", "2"]));
    }
}
