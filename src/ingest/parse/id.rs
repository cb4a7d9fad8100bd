//! Ids as exports write them: one a spreadsheet mangled is refused, not merged.

use super::trimmed;

/// Why an id was refused that a spreadsheet wrote as a number in scientific notation.
pub const ID_IN_SCIENTIFIC_NOTATION: &str = "id written in scientific notation, as a spreadsheet shows a long number (123456789012 as 1.23457E+11): its last digits are lost, and other ids may have become the same one; export the column as text";

/// Whether `id` can name an account or a transfer; why not when it cannot: `empty` when
/// it is empty, [`ID_IN_SCIENTIFIC_NOTATION`] when a spreadsheet wrote it as a number
/// ([`id_in_scientific_notation`]). Every table's ids are read by this one test.
pub fn checked_id(id: &str, empty: &'static str) -> Result<(), &'static str> {
    if id.is_empty() {
        Err(empty)
    } else if id_in_scientific_notation(id) {
        Err(ID_IN_SCIENTIFIC_NOTATION)
    } else {
        Ok(())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
