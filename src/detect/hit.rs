//! A hit: one instance of a pattern, with the accounts and transfers that prove it.

use crate::graph::FlowGraph;
use crate::pattern::Pattern;

use super::role::Role;

/// One account's part in a hit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HitAccount {
    /// Graph node.
    pub account: u32,
    /// Its role.
    pub role: Role,
    /// Money it received within the hit (base currency).
    pub amount_in: f64,
    /// Money it sent within the hit (base currency).
    pub amount_out: f64,
}

/// One instance of a pattern, with the transfers that prove it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    /// The pattern found.
    pub pattern: Pattern,
    /// Accounts involved, sorted by node.
    pub accounts: Vec<HitAccount>,
    /// Edge ids of the proving transfers, sorted.
    pub transfers: Vec<u32>,
    /// Amount moved (base currency).
    pub amount: f64,
    /// Earliest proving transfer.
    pub first_seen: i64,
    /// Latest proving transfer.
    pub last_seen: i64,
    /// How clearly the pattern is present, in (0, 1].
    pub strength: f64,
    /// Human-readable reason with the numbers.
    pub reason: String,
    /// The two accounts the hit is about (smaller first) when they need not deal with
    /// each other, as a mirror network's do: how a part of account pairs tells its own
    /// hits ([`crate::lookback::PartRule::Pairs`]).
    pub pair: Option<(u32, u32)>,
    /// True for a loop read from its members' timing and habits alone (a loop of
    /// strangers, a ring, prompt relays), whose amounts need not carry on from one
    /// transfer to the next: a hit whose money does carry on does not give way to it.
    pub by_timing: bool,
    /// True for a pass read from the exact share its hub kept alone (a relay's cut, see
    /// [`crate::detect::search::cut_passes`]): its few senders and payees need be no
    /// burst of new counterparties, so it is no fan to join layers from.
    #[serde(default)]
    pub by_share: bool,
}

impl Hit {
    /// Whether every one of `transfers` (edge ids) is one of this hit's.
    pub fn holds_all(&self, transfers: &[u32]) -> bool {
        transfers.iter().all(|e| self.transfers.binary_search(e).is_ok())
    }
}

/// Collects a hit's accounts and transfers, then seals them in a deterministic order.
#[derive(Debug, Default)]
pub struct HitBuilder {
    accounts: std::collections::BTreeMap<u32, HitAccount>,
    transfers: Vec<u32>,
    pair: Option<(u32, u32)>,
    by_timing: bool,
    by_share: bool,
}

impl HitBuilder {
    /// Adds `account` with `role`; amounts add up, and the most central role is kept.
    pub fn account(&mut self, account: u32, role: Role, amount_in: f64, amount_out: f64) {
        let a = self.accounts.entry(account).or_insert(HitAccount {
            account,
            role,
            amount_in: 0.0,
            amount_out: 0.0,
        });
        a.amount_in += amount_in;
        a.amount_out += amount_out;
        if role.rank() < a.role.rank() {
            a.role = role;
        }
    }

    /// Names the two accounts the hit is about (see [`Hit::pair`]).
    pub fn about_pair(&mut self, a: u32, b: u32) {
        self.pair = Some((a.min(b), a.max(b)));
    }

    /// Marks the hit as read from timing alone (see [`Hit::by_timing`]).
    pub fn read_from_timing(&mut self) {
        self.by_timing = true;
    }

    /// Marks the hit as read from the share its hub kept (see [`Hit::by_share`]).
    pub fn read_from_share(&mut self) {
        self.by_share = true;
    }

    /// Adds a proving transfer (edge id).
    pub fn transfer(&mut self, edge: u32) {
        self.transfers.push(edge);
    }

    /// Seals the hit; times come from the proving transfers.
    pub fn finish(
        mut self,
        graph: &FlowGraph,
        pattern: Pattern,
        amount: f64,
        strength: f64,
        reason: String,
    ) -> Hit {
        self.transfers.sort_unstable();
        self.transfers.dedup();
        let first_seen = self.transfers.first().map(|&e| graph.time[e as usize]).unwrap_or(0);
        let last_seen = self.transfers.last().map(|&e| graph.time[e as usize]).unwrap_or(0);
        Hit {
            pattern,
            accounts: self.accounts.into_values().collect(),
            transfers: self.transfers,
            amount,
            first_seen,
            last_seen,
            strength: strength.clamp(0.01, 1.0),
            reason,
            pair: self.pair,
            by_timing: self.by_timing,
            by_share: self.by_share,
        }
    }
}
