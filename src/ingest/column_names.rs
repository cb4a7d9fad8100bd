//! `[columns]`: the header names a site's export gives the native schema's columns.
//!
//! A bank's or an FIU's export names its columns its own way (`Debtor Account`,
//! `Betrag`, `Value Date`). Rather than rewrite a dump of gigabytes, the configuration
//! says which header holds which column, once per export format:
//!
//! ```toml
//! [columns.transfers]
//! src_account = "Debtor Account"
//! dst_account = "Creditor Account"
//! amount = "Betrag"
//! ```
//!
//! Names are matched as headers are (trimmed, in any case). A column not named here is
//! looked for under its own name. The rows a mapped column rejects name the column both
//! ways (`amount (Betrag)`), so the reject points at the file's own header.
//!
//! A column an export splits over several is given as the list of their headers, whose
//! cells are joined with a space: `timestamp = ["Booking Date", "Booking Time"]`, or an
//! account written as a sort code and a number, `src_account = ["Sort Code", "Account"]`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::schema::Table;
use super::source::clean_name;

/// Per table, the file's header name of each native column that the export names
/// otherwise. Empty (the default) reads every column under its native name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnNames {
    /// `transfers`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub transfers: BTreeMap<String, Headers>,
    /// `accounts`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, Headers>,
    /// `entities`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entities: BTreeMap<String, Headers>,
    /// `entity_links`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entity_links: BTreeMap<String, Headers>,
    /// `fx_rates`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fx_rates: BTreeMap<String, Headers>,
}

/// Where a native column is in a file: one header, or several whose cells, joined with
/// a space, make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Headers {
    /// The column under another name.
    One(String),
    /// The column split over these, in order.
    Joined(Vec<String>),
}

impl Headers {
    /// The headers, in order.
    fn parts(&self) -> Vec<&str> {
        match self {
            Headers::One(h) => vec![h.as_str()],
            Headers::Joined(hs) => hs.iter().map(String::as_str).collect(),
        }
    }
}

impl From<&str> for Headers {
    fn from(header: &str) -> Headers {
        Headers::One(header.to_owned())
    }
}

/// How one table's header is read: each mapped native column's name in the file, by
/// native column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    pairs: Vec<Mapped>,
}

/// One native column read from a header of another name, or from several joined.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mapped {
    /// The schema's column.
    native: String,
    /// The file's headers, cleaned as headers are (what they are matched by): one for a
    /// column renamed, two or more for one joined.
    files: Vec<String>,
    /// The headers as the configuration spells them, trimmed, joined by ` + ` (what
    /// messages show).
    shown: String,
}

impl Mapped {
    /// The one header the column is renamed from; `None` for a joined column.
    fn renamed_from(&self) -> Option<&str> {
        match self.files.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// A native column made by joining several of a file's columns, for
/// [`super::source::RawTable::rename_columns`].
pub struct Joined<'m> {
    /// The schema's column.
    pub native: &'m str,
    /// The file's headers (cleaned), in order.
    pub files: &'m [String],
}

impl ColumnNames {
    /// True when no table is mapped: the config is then the same (and hashes the same)
    /// as one without `[columns]`.
    pub fn is_empty(&self) -> bool {
        Table::READ_ORDER.iter().all(|&t| self.of(t).is_empty())
    }

    fn of(&self, table: Table) -> &BTreeMap<String, Headers> {
        match table {
            Table::Transfers => &self.transfers,
            Table::Accounts => &self.accounts,
            Table::Entities => &self.entities,
            Table::EntityLinks => &self.entity_links,
            Table::FxRates => &self.fx_rates,
        }
    }

    /// How `table`'s header is read.
    pub fn header_map(&self, table: Table) -> HeaderMap {
        let pairs = self
            .of(table)
            .iter()
            .map(|(native, headers)| Mapped {
                native: native.clone(),
                files: headers.parts().into_iter().map(clean_name).collect(),
                shown: headers.parts().into_iter().map(str::trim).collect::<Vec<_>>().join(" + "),
            })
            .collect();
        HeaderMap { pairs }
    }

    /// The first mapping that cannot be read: its key (`[table, column]`) and why. A
    /// column the schema does not have, an empty name, or one header given to two
    /// columns would each read the dump otherwise than the user meant.
    pub fn check(&self) -> Result<(), (Vec<String>, String)> {
        for table in Table::READ_ORDER {
            let known: Vec<&str> = table.required().iter().chain(table.optional()).copied().collect();
            let mut given: BTreeMap<String, &str> = BTreeMap::new();
            for (native, headers) in self.of(table) {
                let key = || vec![table.name().to_owned(), native.clone()];
                if !known.contains(&native.as_str()) {
                    return Err((
                        key(),
                        format!("`{table}` has no column `{native}` (it has: {})", known.join(", ")),
                    ));
                }
                if matches!(headers, Headers::Joined(hs) if hs.len() < 2) {
                    return Err((
                        key(),
                        "a list joins two or more headers; give one header as a string".to_owned(),
                    ));
                }
                for file in headers.parts() {
                    let cleaned = clean_name(file);
                    if cleaned.is_empty() {
                        return Err((key(), "the header name is empty".to_owned()));
                    }
                    if let Some(other) = given.insert(cleaned, native) {
                        return Err((
                            key(),
                            format!("header `{}` is already given to `{other}`", file.trim()),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

impl HeaderMap {
    /// True when every column is read under its own name.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `names` (a file's cleaned header) with each header renamed by the configuration
    /// replaced by its native column (the headers of a joined column stay: see
    /// [`HeaderMap::joined`]). A file that also holds a mapped column under its native
    /// name would hold it twice: that is an error naming both, not a choice between them.
    pub fn rename(&self, names: &[String]) -> Result<Vec<String>, String> {
        if self.is_empty() {
            return Ok(names.to_vec());
        }
        for Mapped { native, files, shown } in &self.pairs {
            if !files.contains(native) && names.contains(native) && files.iter().all(|f| names.contains(f)) {
                return Err(format!(
                    "line 1: column `{native}` is both in the header and read from `{shown}` by [columns]"
                ));
            }
        }
        Ok(names
            .iter()
            .map(|n| {
                self.pairs
                    .iter()
                    .find(|m| m.renamed_from() == Some(n.as_str()))
                    .map_or_else(|| n.clone(), |m| m.native.clone())
            })
            .collect())
    }

    /// The native columns made by joining several of a file's columns.
    pub fn joined(&self) -> impl Iterator<Item = Joined<'_>> {
        self.pairs
            .iter()
            .filter(|m| m.renamed_from().is_none())
            .map(|m| Joined { native: &m.native, files: &m.files })
    }

    /// How a reject names `field`: with the file's own header beside the native name
    /// when the two differ.
    pub fn field(&self, field: &str) -> Option<String> {
        let m = self.pairs.iter().find(|m| m.native == field && m.renamed_from() != Some(field))?;
        Some(format!("{field} ({})", m.shown))
    }

    /// The first mapping (native column, headers as the configuration spells them) with
    /// a header `names` does not hold.
    pub fn missing_from(&self, names: &[String]) -> Option<(&str, &str)> {
        let m = self.pairs.iter().find(|m| m.files.iter().any(|f| !names.contains(f)))?;
        Some((m.native.as_str(), m.shown.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn transfers(pairs: &[(&str, &str)]) -> ColumnNames {
        ColumnNames {
            transfers: pairs.iter().map(|(a, b)| (a.to_string(), Headers::from(*b))).collect(),
            ..ColumnNames::default()
        }
    }

    #[test]
    fn mapped_headers_read_as_the_native_columns_in_any_case() {
        let map = transfers(&[("src_account", " Debtor Account "), ("amount", "BETRAG")])
            .header_map(Table::Transfers);
        let read = map.rename(&names(&["transfer_id", "debtor account", "betrag", "memo"])).expect("renamed");
        assert_eq!(read, names(&["transfer_id", "src_account", "amount", "memo"]));
        assert_eq!(map.field("amount").as_deref(), Some("amount (BETRAG)"));
        assert_eq!(map.missing_from(&names(&["debtor account"])), Some(("amount", "BETRAG")));
        assert_eq!(map.field("currency"), None);
    }

    #[test]
    fn a_column_split_over_several_headers_is_joined_from_them() {
        let columns = ColumnNames {
            transfers: [(
                "timestamp".to_owned(),
                Headers::Joined(vec!["Booking Date".into(), " Time ".into()]),
            )]
            .into_iter()
            .collect(),
            ..ColumnNames::default()
        };
        assert!(columns.check().is_ok());
        let map = columns.header_map(Table::Transfers);
        let header = names(&["transfer_id", "booking date", "time", "amount"]);
        // The parts keep their names; the joined column is made from them.
        assert_eq!(map.rename(&header).expect("renamed"), header);
        let joined: Vec<(&str, &[String])> = map.joined().map(|j| (j.native, j.files)).collect();
        assert_eq!(joined, vec![("timestamp", &names(&["booking date", "time"])[..])]);
        assert_eq!(map.field("timestamp").as_deref(), Some("timestamp (Booking Date + Time)"));
        assert_eq!(map.missing_from(&names(&["booking date"])), Some(("timestamp", "Booking Date + Time")));
        let one = ColumnNames {
            transfers: [("timestamp".to_owned(), Headers::Joined(vec!["Date".into()]))].into_iter().collect(),
            ..ColumnNames::default()
        };
        let (_, why) = one.check().expect_err("a list of one");
        assert!(why.contains("two or more"), "{why}");
    }

    #[test]
    fn a_column_both_named_and_mapped_is_an_error() {
        let map = transfers(&[("amount", "betrag")]).header_map(Table::Transfers);
        let err = map.rename(&names(&["amount", "betrag"])).expect_err("twice");
        assert!(err.contains("`amount`") && err.contains("`betrag`"), "{err}");
    }

    #[test]
    fn unknown_columns_empty_names_and_shared_headers_are_refused() {
        let (key, why) = transfers(&[("sender", "from")]).check().expect_err("no such column");
        assert_eq!(key, vec!["transfers".to_owned(), "sender".to_owned()]);
        assert!(why.contains("no column `sender`") && why.contains("src_account"), "{why}");
        let (_, why) = transfers(&[("amount", "  ")]).check().expect_err("empty");
        assert!(why.contains("empty"), "{why}");
        let (_, why) =
            transfers(&[("src_account", "Account"), ("dst_account", "account")]).check().expect_err("shared");
        assert!(why.contains("already given"), "{why}");
        assert!(transfers(&[("src_account", "from"), ("dst_account", "to")]).check().is_ok());
        assert!(ColumnNames::default().is_empty());
    }
}
