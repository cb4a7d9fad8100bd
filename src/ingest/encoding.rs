//! Text that says it is not UTF-8: UTF-16 with its byte-order mark, as Excel saves
//! "Unicode Text" (tab-separated) and SQL Server's `bcp -w` exports.
//!
//! Such a file is half NUL bytes, and was refused as binary. Its mark says how it is
//! written, so it is read as what it is, not guessed: the text is rewritten as UTF-8 in
//! memory before it is read, line for line (its rejects keep their line numbers). Its
//! SHA-256 stays that of the file as stored. A text without a mark is UTF-8, as the
//! README says.

/// UTF-16's byte-order marks, little-endian first (Windows writes that one).
const LITTLE_ENDIAN: [u8; 2] = [0xFF, 0xFE];
const BIG_ENDIAN: [u8; 2] = [0xFE, 0xFF];

/// True when `bytes` begin with a UTF-16 byte-order mark.
pub fn is_utf16(bytes: &[u8]) -> bool {
    bytes.starts_with(&LITTLE_ENDIAN) || bytes.starts_with(&BIG_ENDIAN)
}

/// `bytes` (UTF-16 after its byte-order mark) as UTF-8, without the mark; why not when a
/// code unit is cut short or a surrogate is unpaired, with the line it is on. `None`
/// when `bytes` have no UTF-16 mark.
pub fn utf16_as_utf8(bytes: &[u8]) -> Option<Result<Vec<u8>, String>> {
    let little = bytes.starts_with(&LITTLE_ENDIAN);
    if !little && !bytes.starts_with(&BIG_ENDIAN) {
        return None;
    }
    let body = &bytes[2..];
    let units = body.chunks(2).map(|pair| match (pair, little) {
        (&[a, b], true) => Ok(u16::from_le_bytes([a, b])),
        (&[a, b], false) => Ok(u16::from_be_bytes([a, b])),
        _ => Err(()),
    });
    let mut text = String::with_capacity(body.len() / 2 + body.len() / 8);
    let mut line = 1;
    for unit in char::decode_utf16(units.map_while(Result::ok)) {
        match unit {
            Ok(c) => {
                line += usize::from(c == '\n');
                text.push(c);
            }
            Err(_) => return Some(Err(format!("line {line}: UTF-16 text with an unpaired surrogate"))),
        }
    }
    if body.len() % 2 == 1 {
        return Some(Err(format!("line {line}: UTF-16 text cut short in the middle of a character")));
    }
    Some(Ok(text.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        let mut out = if little { LITTLE_ENDIAN.to_vec() } else { BIG_ENDIAN.to_vec() };
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
