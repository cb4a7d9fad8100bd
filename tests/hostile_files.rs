//! Property: a real transfers file broken the ways files break in transit (a flipped
//! byte, a NUL, a stray quote, a cut, a duplicated line, two columns swapped) never
//! panics the reader, and either is refused with a message that names a line or is
//! read record-exactly: every non-blank data line is accepted or rejected once.

use std::path::Path;

use flowhound::ingest::{self, DumpFiles};
use flowhound::progress::Silent;
use flowhound::Config;
use proptest::prelude::*;

/// The sample's first `n` data lines, header included, with the fx table beside them.
fn sample(dir: &Path, n: usize) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample");
    std::fs::copy(root.join("fx_rates.csv"), dir.join("fx_rates.csv")).unwrap();
    let text = std::fs::read_to_string(root.join("transfers.csv")).unwrap();
    let mut out: Vec<u8> = text.lines().take(n + 1).collect::<Vec<_>>().join("\n").into_bytes();
    out.push(b'\n');
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Byte at this share of the file set to this value.
    Flip(f64, u8),
    /// A `"` inserted at this share of the file.
    Quote(f64),
    /// The file cut at this share of its length.
    Truncate(f64),
    /// The line at this share of the lines written twice.
    Duplicate(f64),
    /// Two columns swapped in every line, header included.
    Swap(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0.0..1.0f64, prop_oneof![Just(0u8), Just(b'"'), Just(b','), Just(b'\n'), Just(0xFFu8), any::<u8>()])
            .prop_map(|(at, b)| Mutation::Flip(at, b)),
        (0.0..1.0f64).prop_map(Mutation::Quote),
        (0.0..1.0f64).prop_map(Mutation::Truncate),
        (0.0..1.0f64).prop_map(Mutation::Duplicate),
        (0usize..8, 0usize..8).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

fn apply(text: &[u8], m: &Mutation) -> Vec<u8> {
    let at = |share: f64, len: usize| ((share * len as f64) as usize).min(len.saturating_sub(1));
    match *m {
        Mutation::Flip(share, b) => {
            let mut t = text.to_vec();
            let i = at(share, t.len());
            t[i] = b;
            t
        }
        Mutation::Quote(share) => {
            let mut t = text.to_vec();
            t.insert(at(share, text.len()), b'"');
            t
        }
        Mutation::Truncate(share) => text[..at(share, text.len()) + 1].to_vec(),
        Mutation::Duplicate(share) => {
            let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
            let k = at(share, lines.len());
            let mut out = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                out.extend_from_slice(l);
                out.push(b'\n');
                if i == k {
                    out.extend_from_slice(l);
                    out.push(b'\n');
                }
            }
            out.pop();
            out
        }
        Mutation::Swap(a, b) => {
            let s = String::from_utf8_lossy(text);
            let lines: Vec<String> = s
                .split('\n')
                .map(|l| {
                    let mut cells: Vec<&str> = l.split(',').collect();
                    if a < cells.len() && b < cells.len() {
                        cells.swap(a, b);
                    }
                    cells.join(",")
                })
                .collect();
            lines.join("\n").into_bytes()
        }
    }
}

/// Non-blank lines after the header: the rows a user counts.
fn data_lines(text: &[u8]) -> u64 {
    let body = text.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(text);
    let n = body.split(|&b| b == b'\n').filter(|l| l.iter().any(|b| !b.is_ascii_whitespace())).count();
    n.saturating_sub(1) as u64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn a_damaged_file_is_read_record_exactly_or_refused_with_a_line(m in mutation()) {
        let dir = tempfile::tempdir().unwrap();
        let clean = sample(dir.path(), 120);
        let text = apply(&clean, &m);
        std::fs::write(dir.path().join("transfers.csv"), &text).unwrap();
        let loaded = std::panic::catch_unwind(|| {
            let files = DumpFiles::discover(dir.path())?;
            ingest::load(&files, &Config::default_config()?, &Silent)
        });
        let Ok(loaded) = loaded else {
            return Err(TestCaseError::fail(format!("{m:?} panicked")));
        };
        match loaded {
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.contains("line "), "{m:?}: refusal names no line: {msg}");
            }
            Ok((dump, report)) => {
                let t = report.tables.iter().find(|t| t.table == ingest::Table::Transfers).unwrap();
                prop_assert_eq!(t.accepted + t.rejected, t.read, "{:?}", m);
                prop_assert_eq!(dump.transfers.len() as u64, t.accepted);
                // At most one quote was added, so no quoted field can span lines: every
                // non-blank line is a row.
                prop_assert_eq!(t.read, data_lines(&text), "{:?}", m);
                let mut lines: Vec<u64> = report
                    .rejects
                    .iter()
                    .filter(|r| r.file == "transfers.csv")
                    .map(|r| r.line)
                    .collect();
                let n = lines.len();
                lines.sort_unstable();
                lines.dedup();
                prop_assert_eq!(lines.len(), n, "each rejected line once: {:?}", m);
            }
        }
    }
}

/// Gzip-compressed `text`.
fn gzip(text: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text).unwrap();
    enc.finish().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// A damaged `.csv.gz` (flipped byte, cut stream) or `.parquet` never panics, and a
    /// refusal names a line.
    #[test]
    fn damaged_compressed_and_columnar_files_never_panic(at in 0.0..1.0f64, byte in any::<u8>(), cut in any::<bool>(), parquet in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let clean = sample(dir.path(), 60);
        let (name, mut bytes) = if parquet {
            let src = tempfile::tempdir().unwrap();
            std::fs::write(src.path().join("transfers.csv"), &clean).unwrap();
            let raw = flowhound::ingest::source::read_table(&src.path().join("transfers.csv")).unwrap();
            let mut df = raw.into_frame().unwrap();
            let path = src.path().join("t.parquet");
            let file = std::fs::File::create(&path).unwrap();
            polars::prelude::ParquetWriter::new(file).finish(&mut df).unwrap();
            ("transfers.parquet", std::fs::read(&path).unwrap())
        } else {
            ("transfers.csv.gz", gzip(&clean))
        };
        let i = ((at * bytes.len() as f64) as usize).min(bytes.len() - 1);
        if cut { bytes.truncate(i.max(1)) } else { bytes[i] = byte }
        std::fs::write(dir.path().join(name), &bytes).unwrap();
        let loaded = std::panic::catch_unwind(|| {
            let files = DumpFiles::discover(dir.path())?;
            ingest::load(&files, &Config::default_config()?, &Silent)
        });
        prop_assert!(loaded.is_ok(), "{name} at {i}: panicked");
        if let Ok(Ok((_, report))) = loaded {
            let t = report.tables.iter().find(|t| t.table == ingest::Table::Transfers).unwrap();
            prop_assert_eq!(t.accepted + t.rejected, t.read);
        }
    }

    /// Whatever text a configuration file holds, loading it returns a config or an error,
    /// never a panic.
    #[test]
    fn any_configuration_text_loads_or_is_refused(text in "(\\[[a-z_0-9]{1,12}\\]\n)?([a-z_]{1,20} = (-?[0-9]{1,4}(\\.[0-9])?|\"[a-z0-9 x]{0,8}\"|\\[\\]|true)\n){0,4}") {
        let result = std::panic::catch_unwind(|| Config::with_overrides(&text, "fuzz.toml").map(|_| ()));
        prop_assert!(result.is_ok(), "{text:?} panicked");
    }
}
