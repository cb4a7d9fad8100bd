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
    pub transfers: BTreeMap<String, String>,
    /// `accounts`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, String>,
    /// `entities`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entities: BTreeMap<String, String>,
    /// `entity_links`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entity_links: BTreeMap<String, String>,
    /// `fx_rates`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fx_rates: BTreeMap<String, String>,
}

/// How one table's header is read: each mapped native column's name in the file, by
/// native column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    pairs: Vec<Mapped>,
}

/// One native column read from a header of another name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mapped {
    /// The schema's column.
    native: String,
    /// The file's header, cleaned as headers are (what it is matched by).
    file: String,
    /// The header as the configuration spells it, trimmed (what messages show).
    shown: String,
}

impl ColumnNames {
    /// True when no table is mapped: the config is then the same (and hashes the same)
    /// as one without `[columns]`.
    pub fn is_empty(&self) -> bool {
        Table::READ_ORDER.iter().all(|&t| self.of(t).is_empty())
    }

    fn of(&self, table: Table) -> &BTreeMap<String, String> {
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
            .map(|(native, file)| Mapped {
                native: native.clone(),
                file: clean_name(file),
                shown: file.trim().to_owned(),
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
            for (native, file) in self.of(table) {
                let key = || vec![table.name().to_owned(), native.clone()];
                if !known.contains(&native.as_str()) {
                    return Err((
                        key(),
                        format!("`{table}` has no column `{native}` (it has: {})", known.join(", ")),
                    ));
                }
                let cleaned = clean_name(file);
                if cleaned.is_empty() {
                    return Err((key(), "the header name is empty".to_owned()));
                }
                if let Some(other) = given.insert(cleaned, native) {
                    return Err((key(), format!("header `{}` is already given to `{other}`", file.trim())));
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

    /// `names` (a file's cleaned header) with each mapped header replaced by its native
    /// column. A file that also holds a mapped column under its native name would hold it
    /// twice: that is an error naming both, not a choice between them.
    pub fn rename(&self, names: &[String]) -> Result<Vec<String>, String> {
        if self.is_empty() {
            return Ok(names.to_vec());
        }
        for Mapped { native, file, .. } in &self.pairs {
            if native != file && names.contains(native) && names.contains(file) {
                return Err(format!(
                    "line 1: column `{native}` is both in the header and read from `{file}` by [columns]"
                ));
            }
        }
        Ok(names
            .iter()
            .map(|n| self.pairs.iter().find(|m| m.file == *n).map_or_else(|| n.clone(), |m| m.native.clone()))
            .collect())
    }

    /// How a reject names `field`: with the file's own header beside the native name
    /// when the two differ.
    pub fn field(&self, field: &str) -> Option<String> {
        let m = self.pairs.iter().find(|m| m.native == field && m.native != m.file)?;
        Some(format!("{field} ({})", m.shown))
    }

    /// The first mapping (native column, header as the configuration spells it) whose
    /// header `names` does not hold.
    pub fn missing_from(&self, names: &[String]) -> Option<(&str, &str)> {
        let m = self.pairs.iter().find(|m| !names.contains(&m.file))?;
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
            transfers: pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
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
