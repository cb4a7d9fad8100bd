//! The layout rules the tree keeps (issue 11), checked on the source itself so that a
//! change that breaks one fails CI rather than a later reader:
//!
//! - a detector never imports another detector: what two detectors share lives in
//!   `detect/search/` or `graph/algo/`, and those never import a detector either;
//! - a pattern code is spelled only in `src/pattern.rs`: everything else holds a
//!   `Pattern`, so a typo is a compile error rather than a silent miss.

use std::path::{Path, PathBuf};

const FAMILIES: [&str; 3] = ["underground", "offshore", "motifs"];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Code lines (comments left out) with their 1-based numbers.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim_start().starts_with("//"))
}

/// Where `file` names a detector module: a family path, or a sibling through `super::`
/// (every sibling of a detector is a detector; `use super::*` in a test module is the
/// file's own items).
fn detector_imports(file: &Path, text: &str, in_family: bool) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in code_lines(text) {
        let names_family = FAMILIES.iter().any(|f| line.contains(&format!("{f}::")));
        let names_sibling = in_family && line.contains("super::") && !line.contains("use super::*;");
        if names_family || names_sibling {
            found.push(format!("{}:{n}: {}", file.display(), line.trim()));
        }
    }
    found
}

#[test]
fn no_detector_imports_another_detector() {
    let detect = src().join("detect");
    let mut found = Vec::new();
    for family in FAMILIES {
        for file in rust_files(&detect.join(family)) {
            if file.file_name().is_some_and(|n| n == "mod.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("readable source");
            found.extend(detector_imports(&file, &text, true));
        }
    }
    for shared in [detect.join("search"), src().join("graph")] {
        for file in rust_files(&shared) {
            let text = std::fs::read_to_string(&file).expect("readable source");
            found.extend(detector_imports(&file, &text, false));
        }
    }
    assert!(found.is_empty(), "detector imports outside the registry:\n{}", found.join("\n"));
}

#[test]
fn pattern_codes_are_spelled_only_in_pattern_rs() {
    let codes: Vec<String> = flowhound::Pattern::ALL.iter().map(|p| format!("\"{}\"", p.code())).collect();
    let mut found = Vec::new();
    for file in rust_files(&src()) {
        if file.ends_with("pattern.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (n, line) in code_lines(&text) {
            // GFP's feature column of that name counts scatter-gathers per transfer; it
            // names a column of features.csv, not the detector's output.
            if file.ends_with("features/mod.rs") && line.trim() == "\"scatter_gather\"," {
                continue;
            }
            if let Some(code) = codes.iter().find(|c| line.contains(c.as_str())) {
                found.push(format!("{}:{n}: {code} in {}", file.display(), line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "pattern codes spelled outside src/pattern.rs:\n{}", found.join("\n"));
}
