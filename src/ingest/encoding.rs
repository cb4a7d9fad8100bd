//! Text that is not UTF-8: UTF-16 with its byte-order mark, as Excel saves "Unicode
//! Text" (tab-separated) and SQL Server's `bcp -w` exports; and the encoding a dump is
//! said to be written in (`[ingest] encoding`), as Chinese banks export GBK or GB18030,
//! Japanese ones Shift_JIS and European ones Windows-1252.
//!
//! A UTF-16 file is half NUL bytes, and was refused as binary; its mark says how it is
//! written. A legacy encoding has no mark, and its bytes read as some text in any of
//! them, so it is never guessed: the configuration names it. Either way the text is
//! rewritten as UTF-8 in memory before it is read, line for line (its rejects keep their
//! line numbers), and its SHA-256 stays that of the file as stored. Without a mark or a
//! setting, text is UTF-8, and a cell that is not is a reject that says so.

use encoding_rs::Encoding;

/// The encoding a dump's text files are written in (`[ingest] encoding`, any label the
/// WHATWG Encoding Standard knows: `windows-1252`, `latin1`, `gbk`, `gb18030`, `big5`,
/// `shift_jis`, `euc-kr`, `utf-16le`...). UTF-8 by default. A file that begins with a
/// UTF-16 byte-order mark is read as UTF-16 whatever it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextEncoding(&'static Encoding);

impl Default for TextEncoding {
    fn default() -> TextEncoding {
        TextEncoding(encoding_rs::UTF_8)
    }
}

impl TextEncoding {
    /// The encoding a label names; why not, with examples of labels.
    pub fn of_label(label: &str) -> Result<TextEncoding, String> {
        Encoding::for_label(label.trim().as_bytes()).map(TextEncoding).ok_or_else(|| {
            format!(
                "unknown encoding `{label}`: expected a label of the WHATWG Encoding Standard, such as utf-8, windows-1252, gb18030, big5 or shift_jis"
            )
        })
    }

    /// True for UTF-8, the default.
    pub fn is_utf8(&self) -> bool {
        self.0 == encoding_rs::UTF_8
    }

    /// The encoding's name (`windows-1252`, `GBK`).
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl serde::Serialize for TextEncoding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for TextEncoding {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TextEncoding, D::Error> {
        let label = String::deserialize(d)?;
        TextEncoding::of_label(&label).map_err(serde::de::Error::custom)
    }
}

/// `bytes` as UTF-8: decoded from UTF-16 when they begin with its mark, else from
/// `encoding` when it is not UTF-8; why not, naming the line of the first byte that is
/// no character of it. `None` for UTF-8 text, read as it is.
pub fn as_utf8(bytes: &[u8], encoding: TextEncoding) -> Option<Result<Vec<u8>, String>> {
    let (from, body) = match utf16_mark(bytes) {
        Some((utf16, mark)) => (utf16, &bytes[mark..]),
        None if encoding.is_utf8() => return None,
        None => (encoding.0, bytes),
    };
    Some(decoded(from, body))
}

/// `bytes` (UTF-16 after its byte-order mark) as UTF-8, without the mark ([`as_utf8`]
/// of a dump said to be UTF-8); `None` when `bytes` have no UTF-16 mark.
pub fn utf16_as_utf8(bytes: &[u8]) -> Option<Result<Vec<u8>, String>> {
    as_utf8(bytes, TextEncoding::default())
}

/// True when `bytes` begin with a UTF-16 byte-order mark.
pub fn is_utf16(bytes: &[u8]) -> bool {
    utf16_mark(bytes).is_some()
}

/// The UTF-16 encoding `bytes` say they are in by their byte-order mark, and the mark's
/// length (a UTF-8 mark is left to the readers, which skip it).
fn utf16_mark(bytes: &[u8]) -> Option<(&'static Encoding, usize)> {
    Encoding::for_bom(bytes).filter(|&(found, _)| found != encoding_rs::UTF_8)
}

/// `body` decoded from `from`, or why not, with the line of its first byte that is no
/// character of it.
fn decoded(from: &'static Encoding, body: &[u8]) -> Result<Vec<u8>, String> {
    if let Some(text) = from.decode_without_bom_handling_and_without_replacement(body) {
        return Ok(text.into_owned().into_bytes());
    }
    let (text, _) = from.decode_without_bom_handling(body);
    let at = text.find('\u{FFFD}').unwrap_or(text.len());
    let line = text[..at].matches('\n').count() + 1;
    Err(if from != encoding_rs::UTF_16LE && from != encoding_rs::UTF_16BE {
        format!("line {line}: bytes that are no character in {}, the dump's [ingest] encoding", from.name())
    } else if body.len() % 2 == 1 && at + '\u{FFFD}'.len_utf8() == text.len() {
        format!("line {line}: UTF-16 text cut short in the middle of a character")
    } else {
        format!("line {line}: UTF-16 text with an unpaired surrogate")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        let mut out = if little { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for unit in text.encode_utf16() {
            out.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
        }
        out
    }

    #[test]
    fn utf16_of_either_order_reads_as_its_utf8() {
        let text = "transfer_id\tmemo\r\nT1\tMüller 北京 💶\r\n";
        for little in [true, false] {
            let read = utf16_as_utf8(&utf16(text, little)).expect("marked").expect("whole");
            assert_eq!(String::from_utf8(read).unwrap(), text);
        }
        assert!(is_utf16(&utf16(text, true)) && is_utf16(&utf16(text, false)));
    }

    #[test]
    fn a_dumps_encoding_reads_as_its_text() {
        let gbk = TextEncoding::of_label("GBK").unwrap();
        let (bytes, _, _) = encoding_rs::GBK.encode("T1,2024-03-01,A,B,10,CNY,地下钱庄\n");
        let read = as_utf8(&bytes, gbk).expect("decoded").expect("whole");
        assert_eq!(String::from_utf8(read).unwrap(), "T1,2024-03-01,A,B,10,CNY,地下钱庄\n");
        let latin = TextEncoding::of_label(" latin1 ").unwrap();
        assert_eq!(latin.name(), "windows-1252");
        assert_eq!(as_utf8(b"M\xfcller\n", latin), Some(Ok("Müller\n".as_bytes().to_vec())));
        // A UTF-16 mark says more than the setting.
        assert_eq!(as_utf8(&utf16("a", true), latin), Some(Ok(b"a".to_vec())));
        // UTF-8, the default, is read as it is.
        assert_eq!(as_utf8("Müller".as_bytes(), TextEncoding::default()), None);
    }

    #[test]
    fn bytes_no_character_of_the_dumps_encoding_name_their_line() {
        let shift_jis = TextEncoding::of_label("shift_jis").unwrap();
        assert_eq!(
            as_utf8(b"a\nb\n\x81", shift_jis),
            Some(
                Err("line 3: bytes that are no character in Shift_JIS, the dump's [ingest] encoding".into())
            )
        );
        assert!(TextEncoding::of_label("klingon").is_err_and(|why| why.contains("windows-1252")));
    }

    #[test]
    fn text_without_a_mark_is_left_alone() {
        assert!(utf16_as_utf8(b"transfer_id,amount\n").is_none());
        assert!(!is_utf16(b"\xEF\xBB\xBFtransfer_id"));
    }

    #[test]
    fn a_broken_text_says_where() {
        let mut cut = utf16("a\nb\nc", true);
        cut.pop();
        assert_eq!(
            utf16_as_utf8(&cut),
            Some(Err("line 3: UTF-16 text cut short in the middle of a character".into()))
        );
        let mut lone = utf16("a\nb", true);
        lone.extend(0xD800u16.to_le_bytes());
        lone.extend(u16::from(b'x').to_le_bytes());
        assert_eq!(utf16_as_utf8(&lone), Some(Err("line 2: UTF-16 text with an unpaired surrogate".into())));
    }
}
