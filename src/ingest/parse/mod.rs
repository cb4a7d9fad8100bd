//! Parsers for single cells. Each returns a reason on failure, never panics: timestamps
//! and dates (`time`), amounts (`amount`), ids (`id`).

mod amount;
mod id;
mod time;

pub use amount::*;
pub use id::*;
pub use time::*;

/// `cell` without surrounding whitespace, as `str::trim` gives it. Most cells have none:
/// a first and last byte that are ASCII and not whitespace settle it without walking the
/// characters.
pub(super) fn trimmed(cell: &str) -> &str {
    match cell.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => cell,
        [only] if only.is_ascii_graphic() => cell,
        _ => cell.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_is_str_trim() {
        for cell in ["", "a", " a", "a ", " ", "A00012", "\u{a0}x\u{a0}", "x\u{3000}", "\tT1\r", "é", " é "]
        {
            assert_eq!(trimmed(cell), cell.trim(), "{cell:?}");
        }
    }
}
