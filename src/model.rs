//! Core vocabulary: channels, holder kinds, country codes, and the validated tables
//! that ingest produces and the graph consumes.

use compact_str::CompactString;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a transfer moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[repr(u8)]
pub enum Channel {
    /// Bank wire (domestic or cross-border).
    Wire,
    /// Cash paid into an account; `src_account` names the depositor.
    CashDeposit,
    /// Cash taken out of an account; `dst_account` names who took it.
    CashWithdrawal,
    /// Card payment.
    Card,
    /// Book transfer inside one bank.
    Internal,
    /// Currency exchange.
    Fx,
    /// Anything else.
    #[default]
    Other,
}

impl Channel {
    /// All channels, in code order.
    pub const ALL: [Channel; 7] = [
        Channel::Wire,
        Channel::CashDeposit,
        Channel::CashWithdrawal,
        Channel::Card,
        Channel::Internal,
        Channel::Fx,
        Channel::Other,
    ];

    /// The schema's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Wire => "wire",
            Channel::CashDeposit => "cash_deposit",
            Channel::CashWithdrawal => "cash_withdrawal",
            Channel::Card => "card",
            Channel::Internal => "internal",
            Channel::Fx => "fx",
            Channel::Other => "other",
        }
    }

    /// Parses the schema's spelling, or a payment rail's or a bank export's usual name
    /// for it ([`CHANNEL_NAMES`]), case-insensitively, with spaces and hyphens read as
    /// underscores; an empty cell is `other`. Anything else is `None`: a misspelt `card`
    /// read as `other` would put card purchases among the transfers the motifs read.
    pub fn parse(text: &str) -> Option<Channel> {
        let t = text.trim();
        if t.is_empty() {
            return Some(Channel::Other);
        }
        if let Some(c) = Channel::ALL.into_iter().find(|c| c.as_str().eq_ignore_ascii_case(t)) {
            return Some(c);
        }
        named(&CHANNEL_NAMES, t)
    }
}

/// What `text` names in `names` (each lower case, with underscores for spaces), read in
/// any case and with spaces or hyphens for underscores. Compared byte by byte, not
/// through a normalised copy: a dump that names its rails names one on every row.
fn named<T: Copy>(names: &[(&str, T)], text: &str) -> Option<T> {
    let same = |name: &str| {
        name.len() == text.len()
            && text.bytes().zip(name.bytes()).all(|(a, b)| match a {
                b' ' | b'-' => b == b'_',
                _ => a.to_ascii_lowercase() == b,
            })
    };
    names.iter().find(|(n, _)| same(n)).map(|&(_, v)| v)
}

/// Names banks, payment rails and exports give the channels, by the channel they move
/// money on: account-to-account rails (SEPA, SWIFT, ACH, Fedwire, CHAPS, BACS, Faster
/// Payments, NEFT, RTGS, IMPS, UPI, giro) are wires; point-of-sale and online card
/// payments are card purchases; ATM and cash withdrawals, cash and deposits in branch,
/// book transfers between a bank's own accounts, and currency exchange each their own.
/// A cheque is `other`. Names that stand for more than one thing are left out: `cash`
/// (paid in or taken out?), `dd` and `so`.
pub const CHANNEL_NAMES: [(&str, Channel); 41] = [
    ("transfer", Channel::Wire),
    ("bank_transfer", Channel::Wire),
    ("credit_transfer", Channel::Wire),
    ("wire_transfer", Channel::Wire),
    ("sepa", Channel::Wire),
    ("sepa_credit_transfer", Channel::Wire),
    ("sepa_instant", Channel::Wire),
    ("sct", Channel::Wire),
    ("swift", Channel::Wire),
    ("ach", Channel::Wire),
    ("rtgs", Channel::Wire),
    ("fedwire", Channel::Wire),
    ("chaps", Channel::Wire),
    ("bacs", Channel::Wire),
    ("faster_payment", Channel::Wire),
    ("faster_payments", Channel::Wire),
    ("fps", Channel::Wire),
    ("neft", Channel::Wire),
    ("imps", Channel::Wire),
    ("upi", Channel::Wire),
    ("giro", Channel::Wire),
    ("eft", Channel::Wire),
    ("pos", Channel::Card),
    ("card_payment", Channel::Card),
    ("debit_card", Channel::Card),
    ("credit_card", Channel::Card),
    ("ecommerce", Channel::Card),
    ("e_commerce", Channel::Card),
    ("deposit", Channel::CashDeposit),
    ("cash_in", Channel::CashDeposit),
    ("withdrawal", Channel::CashWithdrawal),
    ("atm", Channel::CashWithdrawal),
    ("cash_out", Channel::CashWithdrawal),
    ("book", Channel::Internal),
    ("book_transfer", Channel::Internal),
    ("internal_transfer", Channel::Internal),
    ("own_account", Channel::Internal),
    ("forex", Channel::Fx),
    ("currency_exchange", Channel::Fx),
    ("cheque", Channel::Other),
    ("check", Channel::Other),
];

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an account holder is a natural person or a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[repr(u8)]
pub enum HolderKind {
    /// A natural person.
    Person,
    /// A company or other legal person.
    Company,
    /// Not known (no entities table, or the holder is absent from it).
    #[default]
    Unknown,
}

impl HolderKind {
    /// The schema's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HolderKind::Person => "person",
            HolderKind::Company => "company",
            HolderKind::Unknown => "unknown",
        }
    }

    /// Parses `person` / `company`, and the names registers, sanctions lists and core
    /// banking systems give the two ([`HOLDER_KIND_NAMES`]: `individual`, `natural
    /// person`; `entity`, `legal person`, `organisation`, a trust or a partnership: every
    /// holder that is not a human being), in any case and with spaces or hyphens for
    /// underscores.
    pub fn parse(text: &str) -> Option<HolderKind> {
        named(&HOLDER_KIND_NAMES, text.trim())
    }
}

/// Every name [`HolderKind::parse`] reads (lower case, underscores for spaces), with the
/// kind it names.
pub const HOLDER_KIND_NAMES: [(&str, HolderKind); 19] = [
    ("person", HolderKind::Person),
    ("individual", HolderKind::Person),
    ("natural_person", HolderKind::Person),
    ("private_person", HolderKind::Person),
    ("private_individual", HolderKind::Person),
    ("company", HolderKind::Company),
    ("corporate", HolderKind::Company),
    ("corporation", HolderKind::Company),
    ("business", HolderKind::Company),
    ("legal_person", HolderKind::Company),
    ("legal_entity", HolderKind::Company),
    ("entity", HolderKind::Company),
    ("organisation", HolderKind::Company),
    ("organization", HolderKind::Company),
    ("firm", HolderKind::Company),
    ("enterprise", HolderKind::Company),
    ("partnership", HolderKind::Company),
    ("trust", HolderKind::Company),
    ("foundation", HolderKind::Company),
];

/// A fixed-length upper-case ASCII code: ISO 3166-1 alpha-2 countries ([`Country`]) and
/// ISO 4217 currencies ([`Currency`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code<const N: usize>([u8; N]);

/// ISO 3166-1 alpha-2 country code.
pub type Country = Code<2>;
/// ISO 4217 currency code.
pub type Currency = Code<3>;

impl<const N: usize> Code<N> {
    /// Parses `N` ASCII letters, case-insensitively.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.trim().as_bytes();
        if b.len() != N || !b.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let mut code = [0u8; N];
        for (c, x) in code.iter_mut().zip(b) {
            *c = x.to_ascii_uppercase();
        }
        Some(Code(code))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("?")
    }
}

impl Code<3> {
    /// A currency as exports write it: an ISO 4217 code (any three letters, `EUR`, in
    /// any case), `RMB` and `NTD` (the names Chinese and Taiwanese systems write) as `CNY`
    /// and `TWD`, or a sign that names one currency only (`€`, `₹`, `₽`, `₺`, `₪`, `₫`,
    /// `₱`, and the dollars written with their country: `US$`, `HK$`, `NT$`, `S$`, `A$`,
    /// `C$`, `NZ$`, `R$`, `MX$`). `$`, `£`, `¥` and `kr` each name several currencies and
    /// stay unread.
    pub fn from_export(text: &str) -> Option<Currency> {
        if let Some(code) = Currency::parse(text) {
            return Some(match &code.0 {
                b"RMB" => Code(*b"CNY"),
                b"NTD" => Code(*b"TWD"),
                _ => code,
            });
        }
        let sign = text.trim().to_uppercase();
        let iso = match sign.as_str() {
            "€" => b"EUR",
            "₹" => b"INR",
            "₽" => b"RUB",
            "₺" => b"TRY",
            "₪" => b"ILS",
            "₫" => b"VND",
            "₱" => b"PHP",
            "US$" => b"USD",
            "HK$" => b"HKD",
            "NT$" => b"TWD",
            "S$" | "SG$" => b"SGD",
            "A$" | "AU$" => b"AUD",
            "C$" | "CA$" => b"CAD",
            "NZ$" => b"NZD",
            "R$" => b"BRL",
            "MX$" => b"MXN",
            _ => return None,
        };
        Some(Code(*iso))
    }

    /// True when `sign` (beside an amount, as spreadsheets format money) may name this
    /// currency: its code or a sign of it alone ([`Code::from_export`]), or a sign several
    /// currencies share and this is one of them (`$` for USD, CAD, AUD, HKD...; `£`; `¥`
    /// for JPY and CNY; `kr`). The row's currency column then says which.
    pub fn written_as(self, sign: &str) -> bool {
        if Currency::from_export(sign) == Some(self) {
            return true;
        }
        let shared: &[&[u8; 3]] = match sign.trim().to_uppercase().as_str() {
            "$" => &[b"USD", b"CAD", b"AUD", b"NZD", b"HKD", b"SGD", b"TWD", b"MXN", b"ARS", b"CLP", b"COP"],
            "£" => &[b"GBP", b"EGP", b"GIP", b"FKP", b"SHP", b"LBP", b"SYP"],
            "¥" | "￥" => &[b"JPY", b"CNY"],
            "KR" | "KR." => &[b"SEK", b"NOK", b"DKK", b"ISK"],
            _ => return false,
        };
        shared.iter().any(|code| **code == self.0)
    }
}

impl Code<2> {
    /// A country as exports write it: ISO 3166-1 alpha-2 (any two letters, `DE`), alpha-3
    /// (`DEU`) or numeric (`276`, `040`), the last two through the ISO list
    /// ([`isocountry`]); `UK`, which ISO reserves for the United Kingdom at its request
    /// and many systems write, is `GB`, so that one country is not read as two.
    pub fn from_export(text: &str) -> Option<Country> {
        let t = text.trim();
        let iso = match t.len() {
            3 if t.bytes().all(|b| b.is_ascii_alphabetic()) => {
                isocountry::CountryCode::for_alpha3_caseless(t).ok()?
            }
            3 if t.bytes().all(|b| b.is_ascii_digit()) => {
                isocountry::CountryCode::for_id(t.parse().ok()?).ok()?
            }
            _ if t.eq_ignore_ascii_case("uk") => return Country::parse("GB"),
            _ => return Country::parse(t),
        };
        Country::parse(iso.alpha2())
    }
}

/// As text, so that a code reads back only through [`Code::parse`].
impl<const N: usize> Serialize for Code<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de, const N: usize> Deserialize<'de> for Code<N> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Code::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a code of {N} letters: {text:?}")))
    }
}

impl<const N: usize> fmt::Display for Code<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How two entities are related in `entity_links`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// A is a director of B (or the reverse).
    Director,
    /// A holds shares in B.
    Shareholder,
    /// Same registered address.
    SameAddress,
    /// Same phone number.
    SamePhone,
    /// Family members.
    Family,
}

impl Relation {
    /// The schema's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Director => "director",
            Relation::Shareholder => "shareholder",
            Relation::SameAddress => "same_address",
            Relation::SamePhone => "same_phone",
            Relation::Family => "family",
        }
    }

    /// Parses the schema's spelling, and the names registers and KYC systems give the
    /// same relations ([`RELATION_NAMES`]), in any case and with spaces or hyphens for
    /// underscores: `UBO` and `beneficial owner` are shareholders, an `authorised
    /// signatory` directs, a `spouse` is family. Words that name two relations (`parent`:
    /// of a person or of a company; `partner`: in life or in business) are not read.
    pub fn parse(text: &str) -> Option<Relation> {
        named(&RELATION_NAMES, text.trim())
    }
}

/// Every name [`Relation::parse`] reads (lower case, underscores for spaces), with the
/// relation it names.
pub const RELATION_NAMES: [(&str, Relation); 33] = [
    ("director", Relation::Director),
    ("directors", Relation::Director),
    ("nominee_director", Relation::Director),
    ("managing_director", Relation::Director),
    ("board_member", Relation::Director),
    ("officer", Relation::Director),
    ("signatory", Relation::Director),
    ("authorised_signatory", Relation::Director),
    ("authorized_signatory", Relation::Director),
    ("shareholder", Relation::Shareholder),
    ("owner", Relation::Shareholder),
    ("ubo", Relation::Shareholder),
    ("beneficial_owner", Relation::Shareholder),
    ("ultimate_beneficial_owner", Relation::Shareholder),
    ("nominee_shareholder", Relation::Shareholder),
    ("parent_company", Relation::Shareholder),
    ("subsidiary", Relation::Shareholder),
    ("same_address", Relation::SameAddress),
    ("shared_address", Relation::SameAddress),
    ("same_phone", Relation::SamePhone),
    ("shared_phone", Relation::SamePhone),
    ("family", Relation::Family),
    ("relative", Relation::Family),
    ("spouse", Relation::Family),
    ("husband", Relation::Family),
    ("wife", Relation::Family),
    ("sibling", Relation::Family),
    ("brother", Relation::Family),
    ("sister", Relation::Family),
    ("mother", Relation::Family),
    ("father", Relation::Family),
    ("son", Relation::Family),
    ("daughter", Relation::Family),
];

impl Relation {
    /// Every relation, in the schema's order.
    pub const ALL: [Relation; 5] = [
        Relation::Director,
        Relation::Shareholder,
        Relation::SameAddress,
        Relation::SamePhone,
        Relation::Family,
    ];
}

/// Many short strings in one buffer: 4 bytes of overhead each instead of 24 + heap.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct StringArena {
    bytes: String,
    ends: Vec<u32>,
}

impl StringArena {
    /// The memory reserved and not yet filled: the ends, then the text (see
    /// [`crate::memory::FaultAhead`]).
    pub fn spare(&self) -> [std::ops::Range<usize>; 2] {
        [
            crate::memory::spare_of(&self.ends, self.ends.capacity()),
            crate::memory::spare_of(self.bytes.as_bytes(), self.bytes.capacity()),
        ]
    }

    /// An empty arena with room for `n` strings.
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        StringArena { bytes: String::with_capacity(bytes), ends: Vec::with_capacity(n) }
    }

    /// Appends a string and returns its index.
    pub fn push(&mut self, s: &str) -> u32 {
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len() as u32);
        (self.ends.len() - 1) as u32
    }

    /// The string at `index`.
    pub fn get(&self, index: u32) -> &str {
        let i = index as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Room for `n` more strings of `bytes` bytes in all.
    pub fn reserve(&mut self, n: usize, bytes: usize) {
        self.ends.reserve_exact(n);
        self.bytes.reserve_exact(bytes);
    }

    /// The strings where `keep` is true, in order.
    pub fn retained(&self, keep: &[bool]) -> StringArena {
        let mut out = StringArena::default();
        for (i, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
            out.push(self.get(i as u32));
        }
        out
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 4
    }
}

/// A total order of transfer ids that reads numbers as numbers: ids of digits alone
/// (`"9"`, `"10"`, `"0042"`) by their value, then by how they are written; they come
/// before every other id, which sort by their bytes. Simulators number their transfers
/// `1, 2, ... 115553`, in time order.
pub fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (digits(a), digits(b)) {
        (true, true) => {
            let (x, y) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
            x.len().cmp(&y.len()).then_with(|| x.cmp(y)).then_with(|| a.cmp(b))
        }
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

/// Validated transfers, one column per field, in input order. Once a run's graph is built
/// ([`crate::graph::FlowGraph::build_releasing`]), `time`, `src`, `dst`, `amount_base`
/// and `channel` are empty: the graph holds them, by edge.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct TransferTable {
    /// `transfer_id` of each row.
    pub ids: StringArena,
    /// Unix seconds, UTC.
    pub time: Vec<i64>,
    /// Dense account index of the sender.
    pub src: Vec<u32>,
    /// Dense account index of the receiver.
    pub dst: Vec<u32>,
    /// Amount in the transfer's own currency.
    pub amount: Vec<f64>,
    /// Index into [`Dump::currencies`].
    pub currency: Vec<u16>,
    /// Amount converted to the base currency.
    pub amount_base: Vec<f64>,
    /// How it moved.
    pub channel: Vec<Channel>,
    /// Memos, kept only where there is one.
    pub memos: Memos,
}

/// Free-text memos of transfers, stored only for the transfers that have one: most rows
/// of a bank dump have none, and a memo a row would cost 4 bytes each at 10M rows.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Memos {
    rows: Vec<u32>,
    text: StringArena,
}

impl Memos {
    /// Room for `n` more memos of `bytes` bytes in all.
    pub fn reserve(&mut self, n: usize, bytes: usize) {
        self.rows.reserve_exact(n);
        self.text.reserve(n, bytes);
    }

    /// Records `memo` for transfer `row`; rows come in increasing order; empty memos
    /// are not kept.
    pub fn push(&mut self, row: u32, memo: &str) {
        if !memo.is_empty() {
            self.rows.push(row);
            self.text.push(memo);
        }
    }

    /// The memo of transfer `row`, or `""`.
    pub fn get(&self, row: u32) -> &str {
        match self.rows.binary_search(&row) {
            Ok(k) => self.text.get(k as u32),
            Err(_) => "",
        }
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.rows.capacity() * 4 + self.text.heap_bytes()
    }
}

impl TransferTable {
    /// Number of transfers.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// The rows in time order, transfers at the same time in the order of their ids
    /// ([`id_order`]), or of their rows in a table without ids (a part's, selected in
    /// this order): the order of a dump's edges. A bank's export may list the transfers
    /// of one day, or one second, in any order; what is found must not depend on it.
    pub fn time_order(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        let by_id = self.ids.len() == self.len();
        let before = |a: usize, b: usize| -> std::cmp::Ordering {
            self.time[a].cmp(&self.time[b]).then_with(|| {
                if by_id {
                    id_order(self.ids.get(a as u32), self.ids.get(b as u32))
                } else {
                    a.cmp(&b)
                }
            })
        };
        // Most dumps are written in this order: sorting them anyway took a quarter of the
        // graph's build at 10M transfers, each comparison reading a time at random.
        if !(1..self.len()).into_par_iter().all(|r| before(r - 1, r).is_le()) {
            order.par_sort_unstable_by(|&a, &b| before(a as usize, b as usize));
        }
        order
    }

    /// The transfers at `rows` (in that order), for a computation over part of the dump:
    /// times, ends, amounts, currencies and channels; ids and memos are left out (look
    /// them up through `rows` in the whole table).
    pub fn select(&self, rows: &[u32]) -> TransferTable {
        let take = |r: &u32| *r as usize;
        TransferTable {
            ids: StringArena::default(),
            time: rows.iter().map(|r| self.time[take(r)]).collect(),
            src: rows.iter().map(|r| self.src[take(r)]).collect(),
            dst: rows.iter().map(|r| self.dst[take(r)]).collect(),
            amount: rows.iter().map(|r| self.amount[take(r)]).collect(),
            currency: rows.iter().map(|r| self.currency[take(r)]).collect(),
            amount_base: rows.iter().map(|r| self.amount_base[take(r)]).collect(),
            channel: rows.iter().map(|r| self.channel[take(r)]).collect(),
            memos: Memos::default(),
        }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// The amounts in their own currencies of the transfers at `rows` (in that order),
    /// each with its currency: what a part of the dump handed elsewhere reads of its rows
    /// (the graph holds the rest).
    pub fn own_amounts(&self, rows: &[u32]) -> TransferTable {
        TransferTable {
            amount: rows.iter().map(|&r| self.amount.get(r as usize).copied().unwrap_or(f64::NAN)).collect(),
            currency: rows.iter().map(|&r| self.currency.get(r as usize).copied().unwrap_or(0)).collect(),
            ..TransferTable::default()
        }
    }

    /// Lets go of the columns a graph holds by edge (see the type's doc).
    pub fn release_graph_columns(&mut self) {
        self.time = Vec::new();
        self.src = Vec::new();
        self.dst = Vec::new();
        self.amount_base = Vec::new();
        self.channel = Vec::new();
    }

    /// Keeps the rows where `keep` (one flag a row) is true, in order, with their ids and
    /// memos.
    pub fn retain(&mut self, keep: &[bool]) {
        fn kept<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
            let mut k = keep.iter();
            v.retain(|_| k.next().copied().unwrap_or(true));
        }
        kept(&mut self.time, keep);
        kept(&mut self.src, keep);
        kept(&mut self.dst, keep);
        kept(&mut self.amount, keep);
        kept(&mut self.currency, keep);
        kept(&mut self.amount_base, keep);
        kept(&mut self.channel, keep);
        self.ids = self.ids.retained(keep);
        // A memo moves to its row's new position: the rows kept before it.
        let mut before = Vec::with_capacity(keep.len());
        let mut count = 0u32;
        for &k in keep {
            before.push(count);
            count += u32::from(k);
        }
        let mut memos = Memos::default();
        for (k, &row) in self.memos.rows.iter().enumerate() {
            if keep.get(row as usize).copied().unwrap_or(false) {
                memos.push(before[row as usize], self.memos.text.get(k as u32));
            }
        }
        self.memos = memos;
    }
}

/// Each id's position in `ids`: the reverse lookup of an id table.
fn reverse_lookup(ids: &[String]) -> FxHashMap<CompactString, u32> {
    ids.iter().enumerate().map(|(i, id)| (CompactString::from(id.as_str()), i as u32)).collect()
}

/// Accounts: every account named by `accounts` or by any transfer.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct AccountTable {
    /// `account_id` of each dense index.
    pub ids: Vec<String>,
    /// Reverse lookup (not serialised: [`AccountTable::reindex`] rebuilds it).
    #[serde(skip)]
    pub index: FxHashMap<CompactString, u32>,
    /// Holder (index into [`HolderTable`]) when known.
    pub holder: Vec<Option<u32>>,
    /// Bank when known.
    pub bank: Vec<Option<String>>,
    /// Country when known.
    pub country: Vec<Option<Country>>,
    /// Opening date (unix seconds) when known.
    pub opened_on: Vec<Option<i64>>,
    /// True when the account appears in the `accounts` table.
    pub listed: Vec<bool>,
}

impl AccountTable {
    /// Rebuilds the reverse lookup from the ids (after reading the table back).
    pub fn reindex(&mut self) {
        self.index = reverse_lookup(&self.ids);
    }

    /// Number of accounts.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Room for `more` accounts, so that a table read row by row grows once.
    pub fn reserve(&mut self, more: usize) {
        self.ids.reserve(more);
        self.index.reserve(more);
        self.holder.reserve(more);
        self.bank.reserve(more);
        self.country.reserve(more);
        self.opened_on.reserve(more);
        self.listed.reserve(more);
    }

    /// Every column reordered so that account k is the one `order[k]` was
    /// ([`Dump::number_by_ids`]; `renumbered` is where each old account now sits); the
    /// reverse lookup follows.
    fn permute(&mut self, order: &[u32], renumbered: &[u32]) {
        permute(&mut self.ids, order);
        permute(&mut self.holder, order);
        permute(&mut self.bank, order);
        permute(&mut self.country, order);
        permute(&mut self.opened_on, order);
        permute(&mut self.listed, order);
        renumber_lookup(&mut self.index, renumbered, &self.ids);
    }

    /// Dense index for `id`, adding an unlisted account if it is new.
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(id.to_owned());
        self.index.insert(CompactString::from(id), i);
        self.holder.push(None);
        self.bank.push(None);
        self.country.push(None);
        self.opened_on.push(None);
        self.listed.push(false);
        i
    }
}

/// Holders (entities): from `entities`, plus any holder named only in `accounts`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct HolderTable {
    /// `entity_id` / `holder_id` of each index.
    pub ids: Vec<String>,
    /// Reverse lookup (not serialised: [`HolderTable::reindex`] rebuilds it).
    #[serde(skip)]
    pub index: FxHashMap<CompactString, u32>,
    /// Person or company.
    pub kind: Vec<HolderKind>,
    /// Name when known.
    pub name: Vec<Option<String>>,
    /// Jurisdiction of incorporation or residence.
    pub jurisdiction: Vec<Option<Country>>,
    /// Incorporation date (unix seconds), companies only.
    pub incorporated_on: Vec<Option<i64>>,
    /// Registered address when known.
    pub address: Vec<Option<String>>,
    /// Licence (number or type) of a regulated money-service business or bank, when the
    /// entities table has a `licence` column and a value for the holder.
    pub licence: Vec<Option<String>>,
}

impl HolderTable {
    /// Rebuilds the reverse lookup from the ids (after reading the table back).
    pub fn reindex(&mut self) {
        self.index = reverse_lookup(&self.ids);
    }

    /// Number of holders.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Room for `more` holders, so that a table read row by row grows once.
    pub fn reserve(&mut self, more: usize) {
        self.ids.reserve(more);
        self.index.reserve(more);
        self.kind.reserve(more);
        self.name.reserve(more);
        self.jurisdiction.reserve(more);
        self.incorporated_on.reserve(more);
        self.address.reserve(more);
        self.licence.reserve(more);
    }

    /// Every column reordered so that holder k is the one `order[k]` was
    /// ([`Dump::number_by_ids`]; `renumbered` is where each old holder now sits); the
    /// reverse lookup follows.
    fn permute(&mut self, order: &[u32], renumbered: &[u32]) {
        permute(&mut self.ids, order);
        permute(&mut self.kind, order);
        permute(&mut self.name, order);
        permute(&mut self.jurisdiction, order);
        permute(&mut self.incorporated_on, order);
        permute(&mut self.address, order);
        permute(&mut self.licence, order);
        renumber_lookup(&mut self.index, renumbered, &self.ids);
    }

    /// Index for `id`, adding an unknown holder if it is new.
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(id.to_owned());
        self.index.insert(CompactString::from(id), i);
        self.kind.push(HolderKind::Unknown);
        self.name.push(None);
        self.jurisdiction.push(None);
        self.incorporated_on.push(None);
        self.address.push(None);
        self.licence.push(None);
        i
    }
}

/// One row of `entity_links`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityLink {
    /// First holder.
    pub a: u32,
    /// Second holder.
    pub b: u32,
    /// How they are related.
    pub relation: Relation,
}

/// Which optional tables a dump had; each one switches signals on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// `accounts` present: countries, holders, offshore flags.
    pub accounts: bool,
    /// `entities` present: person/company, incorporation dates.
    pub entities: bool,
    /// `entity_links` present: related holders.
    pub entity_links: bool,
    /// `fx_rates` present: multi-currency amounts can be compared.
    pub fx_rates: bool,
}

/// A validated dump, ready to become a graph.
#[derive(Debug, Default)]
pub struct Dump {
    /// Accepted transfers.
    pub transfers: TransferTable,
    /// Accounts (listed and referenced).
    pub accounts: AccountTable,
    /// Holders.
    pub holders: HolderTable,
    /// Entity links.
    pub links: Vec<EntityLink>,
    /// Currencies seen, indexed by [`TransferTable::currency`].
    pub currencies: Vec<Currency>,
    /// Which tables were present.
    pub availability: Availability,
}

impl Dump {
    /// Numbers the accounts and holders in the order of their ids ([`id_order`]) and
    /// sorts the links, whatever order the files listed them in: an export's rows come
    /// in no order that means anything, and the leads must not change with it. A dump
    /// already in that order (most are) is left as it is.
    pub fn number_by_ids(&mut self) {
        if let Some(order) = order_of(&self.accounts.ids) {
            let renumbered = positions(&order);
            self.accounts.permute(&order, &renumbered);
            let t = &mut self.transfers;
            t.src.par_iter_mut().chain(t.dst.par_iter_mut()).for_each(|v| *v = renumbered[*v as usize]);
        }
        if let Some(order) = order_of(&self.holders.ids) {
            let renumbered = positions(&order);
            self.holders.permute(&order, &renumbered);
            for holder in self.accounts.holder.iter_mut().flatten() {
                *holder = renumbered[*holder as usize];
            }
            for link in &mut self.links {
                (link.a, link.b) = (renumbered[link.a as usize], renumbered[link.b as usize]);
            }
        }
        self.links.sort_unstable();
    }
}

/// The indices of `ids` in [`id_order`], or `None` when they are in it already.
fn order_of(ids: &[String]) -> Option<Vec<u32>> {
    if ids.par_windows(2).all(|w| id_order(&w[0], &w[1]).is_le()) {
        return None;
    }
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| id_order(&ids[a as usize], &ids[b as usize]));
    Some(order)
}

/// Where each index of `order` (new position -> old index) now sits.
fn positions(order: &[u32]) -> Vec<u32> {
    let mut at = vec![0u32; order.len()];
    for (new, &old) in order.iter().enumerate() {
        at[old as usize] = new as u32;
    }
    at
}

/// `values` reordered so that position k holds what `order[k]` held, each moved, not
/// copied (a copy of every id was an allocation each); a column shorter than the table
/// (none is) keeps what it has.
fn permute<T: Default>(values: &mut Vec<T>, order: &[u32]) {
    if values.len() == order.len() {
        let mut old = std::mem::take(values);
        *values = order.iter().map(|&k| std::mem::take(&mut old[k as usize])).collect();
    }
}

/// `index` (an id table's reverse lookup) after the table was reordered so that what
/// index `k` was is now `renumbered[k]`: each entry's value moved in place, where
/// building the lookup again hashed and copied every id (26 ms for 100k accounts, with
/// every other thread waiting). A lookup of another size than the table, or naming a
/// position outside it, is built again from `ids`, the reordered ids.
fn renumber_lookup(index: &mut FxHashMap<CompactString, u32>, renumbered: &[u32], ids: &[String]) {
    if index.len() != ids.len() || index.values().any(|&k| k as usize >= renumbered.len()) {
        *index = reverse_lookup(ids);
        return;
    }
    for k in index.values_mut() {
        *k = renumbered[*k as usize];
    }
    debug_assert_eq!(*index, reverse_lookup(ids), "a lookup that did not match its ids");
}

#[cfg(test)]
mod order_tests {
    use super::*;

    #[test]
    fn ids_of_digits_sort_by_value_before_every_other_id() {
        let mut ids = vec!["T10", "10", "9", "T9", "0010", "100", "", "a", "010"];
        ids.sort_by(|a, b| id_order(a, b));
        assert_eq!(ids, ["9", "0010", "010", "10", "100", "", "T10", "T9", "a"]);
        // A total order: equal only to itself.
        for a in &ids {
            for b in &ids {
                assert_eq!(id_order(a, b).is_eq(), a == b, "{a} {b}");
                assert_eq!(id_order(a, b), id_order(b, a).reverse(), "{a} {b}");
            }
        }
    }

    #[test]
    fn transfers_at_one_time_follow_their_ids_or_without_ids_their_rows() {
        let mut t = TransferTable::default();
        for (id, time) in [("b", 5), ("a", 5), ("c", 1), ("10", 5), ("9", 5)] {
            t.ids.push(id);
            t.time.push(time);
        }
        assert_eq!(t.time_order(), [2, 4, 3, 1, 0]);
        t.ids = StringArena::default();
        assert_eq!(t.time_order(), [2, 0, 1, 3, 4]);
    }

    #[test]
    fn accounts_and_holders_are_numbered_by_their_ids_whatever_the_files_order() {
        let mut dump = Dump::default();
        for id in ["h2", "h1"] {
            dump.holders.intern(id);
        }
        for id in ["B", "A", "C"] {
            dump.accounts.intern(id);
        }
        dump.accounts.holder = vec![Some(0), Some(1), None];
        dump.accounts.country = vec![None, Some(Country::parse("FR").unwrap()), None];
        dump.links.push(EntityLink { a: 0, b: 1, relation: Relation::Family });
        // B pays A, A pays C.
        dump.transfers.src = vec![0, 1];
        dump.transfers.dst = vec![1, 2];
        dump.number_by_ids();
        assert_eq!(dump.accounts.ids, ["A", "B", "C"]);
        assert_eq!(dump.accounts.index.get("B"), Some(&1));
        assert_eq!(dump.holders.ids, ["h1", "h2"]);
        // A was listed with holder h1 and country FR; B with h2.
        assert_eq!(dump.accounts.holder, [Some(0), Some(1), None]);
        assert_eq!(dump.accounts.country[0].as_ref().map(|c| c.as_str()), Some("FR"));
        assert_eq!((dump.transfers.src.clone(), dump.transfers.dst.clone()), (vec![1, 0], vec![0, 2]));
        assert_eq!((dump.links[0].a, dump.links[0].b), (1, 0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_kinds_read_as_registers_and_lists_name_them() {
        for t in ["person", "Individual", "natural person", "NATURAL-PERSON", " private_individual "] {
            assert_eq!(HolderKind::parse(t), Some(HolderKind::Person), "{t}");
        }
        for t in ["company", "Entity", "legal person", "Legal-Entity", "organisation", "Trust", "partnership"]
        {
            assert_eq!(HolderKind::parse(t), Some(HolderKind::Company), "{t}");
        }
        // A customer segment says neither: refused, not guessed.
        for t in ["retail", "private", "robot", ""] {
            assert_eq!(HolderKind::parse(t), None, "{t}");
        }
    }

    #[test]
    fn currencies_read_as_exports_write_them() {
        let read = |t: &str| Currency::from_export(t).map(|c| c.as_str().to_owned());
        for (text, iso) in [("EUR", "EUR"), (" eur ", "EUR"), ("RMB", "CNY"), ("rmb", "CNY"), ("NTD", "TWD")]
        {
            assert_eq!(read(text).as_deref(), Some(iso), "{text}");
        }
        for (text, iso) in [("€", "EUR"), ("US$", "USD"), ("hk$", "HKD"), ("S$", "SGD"), ("₹", "INR")] {
            assert_eq!(read(text).as_deref(), Some(iso), "{text}");
        }
        for text in ["$", "£", "¥", "kr", "EURO", "E", ""] {
            assert_eq!(read(text), None, "{text}");
        }
    }

    #[test]
    fn a_sign_beside_an_amount_may_name_the_rows_currency() {
        let c = |t: &str| Currency::parse(t).unwrap();
        assert!(c("EUR").written_as("€") && c("EUR").written_as("eur") && c("CNY").written_as("RMB"));
        assert!(c("USD").written_as("$") && c("HKD").written_as("$") && c("JPY").written_as("¥"));
        assert!(c("GBP").written_as("£") && c("SEK").written_as("kr"));
        assert!(!c("EUR").written_as("$") && !c("USD").written_as("€") && !c("CNY").written_as("£"));
        assert!(!c("USD").written_as("HK$") && !c("USD").written_as("dollars"));
    }

    #[test]
    fn relations_read_as_registers_name_them() {
        let read = |t: &str| Relation::parse(t);
        assert_eq!(read("UBO"), Some(Relation::Shareholder));
        assert_eq!(read("Beneficial Owner"), Some(Relation::Shareholder));
        assert_eq!(read("authorised-signatory"), Some(Relation::Director));
        assert_eq!(read(" Same Address "), Some(Relation::SameAddress));
        assert_eq!(read("spouse"), Some(Relation::Family));
        for name in ["parent", "partner", "friend", "", "same"] {
            assert_eq!(read(name), None, "{name}");
        }
        // Each relation's own spelling reads as it.
        for r in Relation::ALL {
            assert_eq!(read(r.as_str()), Some(r));
        }
    }

    #[test]
    fn countries_read_as_exports_write_them() {
        let read = |t: &str| Country::from_export(t).map(|c| c.as_str().to_owned());
        for (text, iso) in
            [("DE", "DE"), ("de", "DE"), ("DEU", "DE"), (" deu ", "DE"), ("276", "DE"), ("040", "AT")]
        {
            assert_eq!(read(text).as_deref(), Some(iso), "{text}");
        }
        assert_eq!(read("UK").as_deref(), Some("GB"));
        assert_eq!(read("GBR").as_deref(), Some("GB"));
        // Two letters read as before, ISO's user-assigned codes (Kosovo) included.
        assert_eq!(read("XK").as_deref(), Some("XK"));
        for text in ["XYZ", "999", "GERMANY", "D", "D1", ""] {
            assert_eq!(read(text), None, "{text}");
        }
    }

    #[test]
    fn channels_read_by_the_schema_s_names_and_the_rails_names() {
        for (text, want) in [
            ("wire", Channel::Wire),
            ("CARD", Channel::Card),
            ("", Channel::Other),
            ("SEPA", Channel::Wire),
            ("Faster Payments", Channel::Wire),
            ("bank-transfer", Channel::Wire),
            ("POS", Channel::Card),
            ("ATM", Channel::CashWithdrawal),
            ("Deposit", Channel::CashDeposit),
            ("book transfer", Channel::Internal),
            ("FOREX", Channel::Fx),
            ("cheque", Channel::Other),
        ] {
            assert_eq!(Channel::parse(text), Some(want), "{text}");
        }
    }

    #[test]
    fn a_name_that_reads_two_ways_or_none_is_no_channel() {
        for text in ["cash", "crad", "dd", "so", "wire transfer x"] {
            assert_eq!(Channel::parse(text), None, "{text}");
        }
    }

    #[test]
    fn no_rail_name_shadows_a_schema_name() {
        for (name, _) in CHANNEL_NAMES {
            assert!(Channel::ALL.iter().all(|c| c.as_str() != name), "{name}");
            assert_eq!(name, name.to_ascii_lowercase().replace([' ', '-'], "_"), "{name} is not normalised");
        }
    }
}
