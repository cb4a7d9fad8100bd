//! A block of a clean CSV file read where it lies: the bounds of every cell are found
//! in one pass over the text, and a cell is a slice of it. Polars' reader copied each
//! cell into string columns of its own, which was a quarter of ingest's time; a
//! transfers file that streams block by block (see [`super::stream`]) has no quote, so
//! a comma or a line break always ends a cell and a split is all it takes.
//!
//! Anything the split cannot read as polars would (a quote, a blank line, a row with
//! another number of cells than the header, a NUL byte, invalid UTF-8, a carriage return
//! inside a line, an empty or repeated column name) makes it give up: the caller then
//! reads the file whole, as before.

use std::ops::Range;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::source::{clean_name, line_ranges, twice, Stored};

/// Text that blocks are read from: a mapped file, or text decompressed into memory.
pub(super) type Source = Arc<Stored>;

/// Bytes of text split on one thread at a time: a block's parts go to every thread.
const PART_BYTES: usize = 1 << 20;

/// The rows of one block of CSV text, split into cells in place. Dropped, it hands its
/// pages of a mapped file back to the kernel (see `Stored::release`).
pub struct TextBlock {
    source: Source,
    /// Where the block's rows (no header) lie in `source`.
    rows: Range<usize>,
    /// Column names, trimmed and lower-cased.
    names: Vec<String>,
    /// Per row, the start of each cell and one past the end of the last (its
    /// terminator's position plus one), relative to `rows.start`: `names.len() + 1`
    /// bounds a row.
    bounds: Vec<u32>,
    /// Where the bounds go when the block is dropped, for a later block of the read.
    spare: Option<Arc<SpareBounds>>,
}

/// The bounds of blocks already let go of, for the next blocks of the same read: a
/// block's bounds take about half its text (8 MB of a 16 MiB block), and a fresh vector
/// was faulted in and zeroed by the kernel for every block (a tenth of the check
/// threads' time on a 100M-transfer ingest).
#[derive(Default)]
pub(super) struct SpareBounds {
    spare: Mutex<Vec<Vec<u32>>>,
}

/// Vectors kept spare: the blocks read while others are checked come back a few at a
/// time, and each held vector is memory the run keeps until the read ends.
const MOST_SPARE_BOUNDS: usize = 4;

impl SpareBounds {
    fn take(&self) -> Vec<u32> {
        self.spare.lock().map(|mut s| s.pop()).ok().flatten().unwrap_or_default()
    }

    fn give(&self, bounds: Vec<u32>) {
        if let Ok(mut spare) = self.spare.lock() {
            if spare.len() < MOST_SPARE_BOUNDS {
                spare.push(bounds);
            }
        }
    }
}

impl TextBlock {
    /// Splits `source[text]`, a header line and the rows after it. `None` when the text
    /// holds something only a full CSV reader reads right (see the module doc).
    pub(super) fn headed(source: Source, text: Range<usize>) -> Option<TextBlock> {
        let header = source.get(text.clone())?;
        let end = memchr::memchr(b'\n', header).unwrap_or(header.len());
        let names = header_names(&header[..end])?;
        let rows = text.start + (end + 1).min(header.len())..text.end;
        TextBlock::split(source, rows, names)
    }

    /// Splits `source[rows]` into rows of `names.len()` cells each, `names` being
    /// another block's of the same file. `None` as for [`TextBlock::headed`].
    pub(super) fn split(source: Source, rows: Range<usize>, names: Vec<String>) -> Option<TextBlock> {
        TextBlock::split_reusing(source, rows, names, None)
    }

    /// [`TextBlock::split`], its bounds written into a vector of `spare`'s when it has
    /// one, and given back to it when the block is dropped.
    pub(super) fn split_reusing(
        source: Source,
        rows: Range<usize>,
        names: Vec<String>,
        spare: Option<Arc<SpareBounds>>,
    ) -> Option<TextBlock> {
        let text = source.get(rows.clone())?;
        if names.is_empty() || u32::try_from(text.len() + 1).is_err() {
            return None;
        }
        std::str::from_utf8(text).ok()?;
        let width = names.len();
        let into = spare.as_ref().map(|s| s.take()).unwrap_or_default();
        let bounds = split_bounds_into(text, width, PART_BYTES, into)?;
        Some(TextBlock { source, rows, names, bounds, spare })
    }

    /// Column names, trimmed and lower-cased.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Names the columns `names` (as many as it has): the cells stay where they are.
    pub(super) fn rename(&mut self, names: Vec<String>) {
        debug_assert_eq!(names.len(), self.names.len());
        self.names = names;
    }

    /// Rows held.
    pub fn height(&self) -> usize {
        self.bounds.len() / (self.names.len() + 1)
    }

    /// The cell of `row` in column `column`, untrimmed; `""` out of range.
    pub fn cell(&self, row: usize, column: usize) -> &str {
        self.column(column).cell(row)
    }

    /// Column `column`, to read cell after cell: the block's text and bounds found once,
    /// not at every cell.
    pub fn column(&self, column: usize) -> TextColumn<'_> {
        TextColumn {
            text: self.source.get(self.rows.clone()).unwrap_or_default(),
            bounds: &self.bounds,
            stride: self.names.len() + 1,
            column,
        }
    }
}

/// One column of a [`TextBlock`].
#[derive(Clone, Copy)]
pub struct TextColumn<'a> {
    /// The block's rows.
    text: &'a [u8],
    /// Where each cell starts in `text`, a row's cells then the row's end.
    bounds: &'a [u32],
    stride: usize,
    column: usize,
}

impl<'a> TextColumn<'a> {
    /// The cell of `row`, untrimmed; `""` out of range.
    pub fn cell(&self, row: usize) -> &'a str {
        let at = row * self.stride + self.column;
        let (Some(&start), Some(&next)) = (self.bounds.get(at), self.bounds.get(at + 1)) else {
            return "";
        };
        let bytes = self.text.get(start as usize..next as usize - 1).unwrap_or_default();
        // SAFETY: the whole block was checked to be UTF-8 in `split`, and a cell is
        // bounded by commas and line breaks, which are ASCII and so never inside a
        // character: every cell is UTF-8 too.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }
}

impl Drop for TextBlock {
    fn drop(&mut self) {
        if let Some(text) = self.source.get(self.rows.clone()) {
            self.source.release(text);
        }
        if let Some(spare) = &self.spare {
            spare.give(std::mem::take(&mut self.bounds));
        }
    }
}

/// The names of header `line` (without its break), trimmed and lower-cased; `None` when
/// one is empty or repeated, or the line holds a quote, a NUL byte or a carriage return
/// before its end.
fn header_names(line: &[u8]) -> Option<Vec<String>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = std::str::from_utf8(line).ok()?;
    if line.bytes().any(|b| b == b'"' || b == 0 || b == b'\r') {
        return None;
    }
    let names: Vec<String> = line.split(',').map(clean_name).collect();
    if names.iter().any(String::is_empty) || twice(&names).is_some() {
        return None;
    }
    Some(names)
}

/// [`split_bounds_into`] a fresh vector.
#[cfg(test)]
fn split_bounds(text: &[u8], width: usize, part_bytes: usize) -> Option<Vec<u32>> {
    split_bounds_into(text, width, part_bytes, Vec::new())
}

/// The bounds of all of `text`'s rows (see [`TextBlock::bounds`]), split in parts of
/// about `part_bytes` on every thread, written into `bounds` (emptied first, its memory
/// kept); `None` as for [`split_rows`].
fn split_bounds_into(text: &[u8], width: usize, part_bytes: usize, mut bounds: Vec<u32>) -> Option<Vec<u32>> {
    let parts = line_ranges(text, part_bytes);
    // Each part's lines counted first, so that its bounds are written straight into
    // their place in one vector of the block's exact size: bounds grown per part and
    // then joined cost a copy, and fresh pages twice over.
    let lines: Vec<usize> = parts.par_iter().map(|part| lines_in(&text[part.clone()])).collect();
    bounds.clear();
    bounds.resize(lines.iter().sum::<usize>().checked_mul(width + 1)?, 0);
    let places = crate::slices::pieces_mut(&mut bounds, lines.iter().map(|n| n * (width + 1)));
    let split = parts
        .par_iter()
        .zip(places)
        .all(|(part, place)| split_rows(text, part.clone(), width, place).is_some());
    split.then_some(bounds)
}

/// Writes the bounds of `text[part]`'s rows into `place`, which has room for exactly
/// its lines; `None` when a line is blank or has another number of cells than `width`,
/// or the text holds a quote, a NUL byte or a carriage return that does not end a line
/// (readers differ on where it ends one).
fn split_rows(text: &[u8], part: Range<usize>, width: usize, place: &mut [u32]) -> Option<()> {
    let bytes = &text[part.clone()];
    if memchr::memchr2(0, b'"', bytes).is_some()
        || memchr::memchr_iter(b'\r', bytes).any(|at| bytes.get(at + 1) != Some(&b'\n'))
    {
        return None;
    }
    let mut bounds = Bounds { place, written: 0 };
    let mut line = Line { start: part.start, cells: 1 };
    bounds.push(part.start as u32)?;
    each_separator(bytes, |at, line_break| {
        let at = part.start + at;
        if !line_break {
            line.cells += 1;
            return bounds.push(at as u32 + 1);
        }
        line.end(text, at, width, &mut bounds)?;
        if at + 1 < part.end {
            bounds.push(at as u32 + 1)?;
        }
        Some(())
    })?;
    // The file's last line may have no break.
    if line.start < part.end {
        line.end(text, part.end, width, &mut bounds)?;
    }
    (bounds.written == bounds.place.len()).then_some(())
}

/// Calls `found(at, line_break)` for every comma and line break of `bytes`, in order,
/// and stops at the first `None`. A text of transfers has a separator every nine bytes
/// or so: found one at a time (`memchr2_iter`), each cost a search of its own, and the
/// split was a sixth of ingest's time. Here 64 bytes are compared at once and their
/// separators read off two bit masks.
fn each_separator(bytes: &[u8], mut found: impl FnMut(usize, bool) -> Option<()>) -> Option<()> {
    let chunks = bytes.chunks_exact(64);
    let rest = chunks.remainder();
    let base = bytes.len() - rest.len();
    for (k, chunk) in chunks.enumerate() {
        let (commas, breaks) = separators_of(chunk);
        let mut both = commas | breaks;
        while both != 0 {
            let i = both.trailing_zeros() as usize;
            found(64 * k + i, (breaks >> i) & 1 == 1)?;
            both &= both - 1;
        }
    }
    for (i, &b) in rest.iter().enumerate() {
        if b == b',' || b == b'\n' {
            found(base + i, b == b'\n')?;
        }
    }
    Some(())
}

/// Bit masks of the commas and of the line breaks among the 64 bytes of `chunk` (bit
/// `i` for byte `i`).
#[cfg(target_arch = "x86_64")]
fn separators_of(chunk: &[u8]) -> (u64, u64) {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    // SAFETY: these are SSE2 instructions, which every x86_64 processor has, and each
    // unaligned load reads exactly the 16 bytes of its lane of `chunk`.
    unsafe {
        let (comma, line_break) = (_mm_set1_epi8(b',' as i8), _mm_set1_epi8(b'\n' as i8));
        let (mut commas, mut breaks) = (0u64, 0u64);
        for (k, lane) in chunk.chunks_exact(16).take(4).enumerate() {
            let bytes = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
            let mask = |of: __m128i| u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, of)) as u16);
            commas |= mask(comma) << (16 * k);
            breaks |= mask(line_break) << (16 * k);
        }
        (commas, breaks)
    }
}

/// Bit masks of the commas and of the line breaks among the 64 bytes of `chunk` (bit
/// `i` for byte `i`).
#[cfg(not(target_arch = "x86_64"))]
fn separators_of(chunk: &[u8]) -> (u64, u64) {
    separators_one_by_one(chunk)
}

/// [`separators_of`] a byte at a time: the other processors', and what the SSE2
/// version is tested against.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn separators_one_by_one(chunk: &[u8]) -> (u64, u64) {
    let (mut commas, mut breaks) = (0u64, 0u64);
    for (i, &b) in chunk.iter().take(64).enumerate() {
        commas |= u64::from(b == b',') << i;
        breaks |= u64::from(b == b'\n') << i;
    }
    (commas, breaks)
}

/// Lines in `bytes`: its line breaks, and a last line without one.
fn lines_in(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count() + usize::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

/// A part's place in the block's bounds, written front to back.
struct Bounds<'a> {
    place: &'a mut [u32],
    written: usize,
}

impl Bounds<'_> {
    /// Writes the next bound; `None` when the place is full (a line with more cells
    /// than the header, which the caller refuses anyway).
    fn push(&mut self, bound: u32) -> Option<()> {
        *self.place.get_mut(self.written)? = bound;
        self.written += 1;
        Some(())
    }
}

/// The line being split.
struct Line {
    start: usize,
    cells: usize,
}

impl Line {
    /// Ends the line at `end` (its break, or the end of the text) and starts the next;
    /// `None` when it is blank or does not have `width` cells.
    fn end(&mut self, text: &[u8], end: usize, width: usize, bounds: &mut Bounds<'_>) -> Option<()> {
        let blank = self.cells == 1 && text[self.start..end].iter().all(u8::is_ascii_whitespace);
        if blank || self.cells != width {
            return None;
        }
        bounds.push(end as u32 + 1)?;
        *self = Line { start: end + 1, cells: 1 };
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str, names: &[&str]) -> Option<TextBlock> {
        let source: Source = Arc::new(Stored::Read(text.as_bytes().to_vec()));
        let names = names.iter().map(|n| n.to_string()).collect();
        TextBlock::split(source, 0..text.len(), names)
    }

    fn rows(b: &TextBlock) -> Vec<Vec<&str>> {
        (0..b.height()).map(|r| (0..b.names().len()).map(|c| b.cell(r, c)).collect()).collect()
    }

    #[test]
    fn cells_are_the_text_between_commas_and_breaks() {
        let b = block("T1,A,10\nT2,,20\r\nT3, B ,\n", &["id", "acct", "amount"]).unwrap();
        assert_eq!(rows(&b), [vec!["T1", "A", "10"], vec!["T2", "", "20\r"], vec!["T3", " B ", ""]]);
        let last_without_break = block("T1,A,10\nT2,B,20", &["id", "acct", "amount"]).unwrap();
        assert_eq!(rows(&last_without_break)[1], ["T2", "B", "20"]);
        assert_eq!((b.cell(3, 0), b.cell(0, 7)), ("", ""));
        assert_eq!(block("", &["id"]).unwrap().height(), 0);
    }

    #[test]
    fn what_a_split_cannot_read_right_is_refused() {
        for text in [
            "T1,A\n\nT2,B\n",
            "T1,A\n  \nT2,B\n",
            "T1,A,x\n",
            "T1\n",
            "T1,\0\n",
            "T1,A\n \r\n",
            "T1,A\rT2,B\n",
            "T1,A\r",
            "T1,\"A\"\n",
        ] {
            assert!(block(text, &["id", "acct"]).is_none(), "{text:?}");
        }
        let source: Source = Arc::new(Stored::Read(b"T1,\xff\n".to_vec()));
        assert!(TextBlock::split(source, 0..5, vec!["id".into(), "a".into()]).is_none());
        let headed =
            |text: &str| TextBlock::headed(Arc::new(Stored::Read(text.as_bytes().to_vec())), 0..text.len());
        assert!(headed("id, \nT1,A\n").is_none());
        assert!(headed("id,ID\nT1,A\n").is_none());
        assert_eq!(rows(&headed("\u{20}Id ,Acct\r\nT1,A\n").unwrap()), [vec!["T1", "A"]]);
        assert!(block("T1\n\n", &["id"]).is_none());
        assert!(block("T1\nT2\n", &["id"]).is_some());
        assert_eq!(header_names(b"id,amount\r"), Some(vec!["id".to_owned(), "amount".to_owned()]));
        assert_eq!(header_names(b"id,\ramount"), None);
    }

    proptest::proptest! {
        #[test]
        fn every_separator_is_found_in_order(
            bytes in proptest::collection::vec(proptest::sample::select(b",\nab\r\"0".to_vec()), 0..400),
            stop in 0usize..60,
        ) {
            let expected: Vec<(usize, bool)> =
                memchr::memchr2_iter(b',', b'\n', &bytes).map(|at| (at, bytes[at] == b'\n')).collect();
            let mut found = Vec::new();
            each_separator(&bytes, |at, line_break| {
                found.push((at, line_break));
                Some(())
            });
            proptest::prop_assert_eq!(&found, &expected);
            // A `None` stops the scan at once.
            let mut until = Vec::new();
            let stopped = each_separator(&bytes, |at, line_break| {
                until.push((at, line_break));
                (until.len() <= stop).then_some(())
            });
            proptest::prop_assert_eq!(stopped.is_none(), expected.len() > stop);
            proptest::prop_assert_eq!(&until[..], &expected[..until.len()]);
            proptest::prop_assert_eq!(until.len(), expected.len().min(stop + 1));
            for chunk in bytes.chunks_exact(64) {
                proptest::prop_assert_eq!(separators_of(chunk), separators_one_by_one(chunk));
            }
        }
    }

    #[test]
    fn parts_split_alone_give_the_bounds_of_the_whole() {
        let mut text = String::new();
        for k in 0..500 {
            text.push_str(&format!("T{k},A{},{}.5\n", k % 17, k * 3));
        }
        // The last line without a break, as a file may end.
        text.push_str("T500,A1,2.5");
        let whole = split_bounds(text.as_bytes(), 3, usize::MAX).unwrap();
        assert_eq!(whole.len(), 501 * 4);
        for size in [1, 7, 64, 1000, 1 << 20] {
            assert_eq!(split_bounds(text.as_bytes(), 3, size).unwrap(), whole, "parts of {size}");
        }
        // A row with a cell too many or too few, in any part, refuses the whole split.
        let line_start = text.match_indices('\n').nth(250).map_or(0, |(at, _)| at + 1);
        for bad in ["T1,A,1,extra\n", "T1,A\n"] {
            let ragged = format!("{}{bad}{}", &text[..line_start], &text[line_start..]);
            for size in [1, 64, 1 << 20] {
                assert!(split_bounds(ragged.as_bytes(), 3, size).is_none(), "{bad:?} parts of {size}");
            }
        }
    }
}
