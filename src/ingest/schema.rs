//! The native schema: which tables a dump may hold and which of their columns are required.

/// Required columns of `transfers`, in the order validation reads them.
pub const TRANSFER_COLUMNS: [&str; 6] =
    ["transfer_id", "timestamp", "src_account", "dst_account", "amount", "currency"];

/// One table of the native schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// `transfers`: the only required table.
    Transfers,
    /// `accounts`: holders, banks, countries.
    Accounts,
    /// `entities`: persons and companies.
    Entities,
    /// `entity_links`: relations between entities.
    EntityLinks,
    /// `fx_rates`: daily conversion to the base currency.
    FxRates,
}

impl Table {
    /// All tables, in the order they are read (transfers need the others first).
    pub const READ_ORDER: [Table; 5] =
        [Table::Entities, Table::Accounts, Table::EntityLinks, Table::FxRates, Table::Transfers];

    /// File stem in a dump folder.
    pub fn name(self) -> &'static str {
        match self {
            Table::Transfers => "transfers",
            Table::Accounts => "accounts",
            Table::Entities => "entities",
            Table::EntityLinks => "entity_links",
            Table::FxRates => "fx_rates",
        }
    }

    /// Columns that must be in the header.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Table::Transfers => &TRANSFER_COLUMNS,
            Table::Accounts => &["account_id"],
            Table::Entities => &["entity_id", "kind"],
            Table::EntityLinks => &["entity_a", "entity_b", "relation"],
            Table::FxRates => &["date", "currency", "rate_to_base"],
        }
    }

    /// Columns read when present.
    pub fn optional(self) -> &'static [&'static str] {
        match self {
            Table::Transfers => &["channel", "memo"],
            Table::Accounts => &["holder_id", "bank_id", "country", "opened_on"],
            Table::Entities => &["name", "jurisdiction", "incorporated_on", "registered_address"],
            Table::EntityLinks => &[],
            Table::FxRates => &[],
        }
    }

    /// What the run loses when this table is absent.
    pub fn signals_lost(self) -> &'static str {
        match self {
            Table::Transfers => "everything",
            Table::Accounts => {
                "countries, holders and banks: no cross-border, offshore or shared-holder signals"
            }
            Table::Entities => "person/company kinds and incorporation dates: no shell or payroll signals",
            Table::EntityLinks => "related holders: round trips must return to the same holder",
            Table::FxRates => "currency conversion: only base-currency transfers are accepted",
        }
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
