//! Where a configuration error is: the TOML key (`[os4].window_days`) and the line of the
//! user's own file that set it. The loader deserializes the defaults merged with the
//! user's overrides, so an error's position points into the merged text; it is mapped
//! back to a key path, and the key is looked up in the user's file.

use toml::de::{DeTable, DeValue};

/// A key path: table names, then the key (`["os3", "weights", "young"]`).
pub type KeyPath = Vec<String>;

/// `[os3.weights].young`, or `base_currency` at the top level.
pub fn display(path: &[String]) -> String {
    match path.split_last() {
        Some((key, [])) => key.clone(),
        Some((key, tables)) => format!("[{}].{key}", tables.join(".")),
        None => String::new(),
    }
}

/// The key path of the line holding byte `offset` of `text`, a document written by
/// `toml::to_string` (one `[table]` header per table, one `key = value` per line).
pub fn key_at(text: &str, offset: usize) -> Option<KeyPath> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let mut path = text[..line_start].lines().rev().find_map(header).unwrap_or_default();
    if let Some(own) = header(line) {
        return Some(own);
    }
    let key = line.split_once('=').map(|(k, _)| unquote(k.trim()))?;
    path.push(key);
    Some(path)
}

/// The segments of a `[a.b]` header line.
fn header(line: &str) -> Option<KeyPath> {
    let inner = line.trim().strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.split('.').map(|s| unquote(s.trim())).collect())
}

fn unquote(s: &str) -> String {
    s.trim_matches('"').to_owned()
}

/// The 1-based line of `text` (the user's file) that sets `path`, whether written as a
/// `[table]` key, a dotted key or inside an inline table.
pub fn line_of(text: &str, path: &[String]) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let (last, tables) = path.split_last()?;
    for name in tables {
        let value = table.iter().find(|(k, _)| k.get_ref().as_ref() == name.as_str())?.1;
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => return line_at(text, value.span().start),
        }
    }
    let (key, _) = table.iter().find(|(k, _)| k.get_ref().as_ref() == last.as_str())?;
    line_at(text, key.span().start)
}

fn line_at(text: &str, offset: usize) -> Option<usize> {
    Some(text.get(..offset)?.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &[&str]) -> KeyPath {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn keys_of_a_written_document() {
        let doc =
            "base_currency = \"USD\"\n\n[os4]\nwindow_days = -5.0\n\n[scoring.pattern_weights]\nUB7 = 0.5\n";
        assert_eq!(key_at(doc, 3), Some(path(&["base_currency"])));
        assert_eq!(key_at(doc, doc.find("-5").unwrap()), Some(path(&["os4", "window_days"])));
        assert_eq!(key_at(doc, doc.find("UB7").unwrap()), Some(path(&["scoring", "pattern_weights", "UB7"])));
        assert_eq!(display(&path(&["os4", "window_days"])), "[os4].window_days");
    }

    #[test]
    fn lines_of_the_users_file_in_every_shape() {
        let user = "# mine\n[os4]\n\nwindow_days = -5\n[scoring]\npattern_weights = { UB7 = 0.5 }\n";
        assert_eq!(line_of(user, &path(&["os4", "window_days"])), Some(4));
        assert_eq!(line_of(user, &path(&["scoring", "pattern_weights", "UB7"])), Some(6));
        assert_eq!(line_of("ub2.min_hits = 0\n", &path(&["ub2", "min_hits"])), Some(1));
        assert_eq!(line_of(user, &path(&["ub1", "window_days"])), None);
    }
}
