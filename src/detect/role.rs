//! The part an account plays in a hit.

use serde::{Deserialize, Serialize};

/// What an account did in a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Pools money from many senders (UB1 hub).
    Collector,
    /// Passes money through within hours (UB4).
    Mule,
    /// The centre of a generic motif (fan-in, fan-out, gather-scatter).
    Hub,
    /// A company account used only to pass money on (UB6, OS2-OS4).
    Shell,
    /// Makes or receives the bulk settlement between two broker networks (UB5).
    Settlement,
    /// Sits between the source and the target of a scatter-gather.
    Intermediary,
    /// One of the accounts of a cycle, biclique or stack.
    Member,
    /// Pays into a collector.
    Depositor,
    /// Receives what a collector forwards.
    Payout,
    /// Where round-tripped money starts.
    Originator,
    /// An offshore account the money passes through.
    OffshoreLayer,
    /// A non-offshore account the money passes through.
    Layer,
    /// Where round-tripped money comes back (a related account of the originator).
    Beneficiary,
    /// Pays money into a pass-through account.
    Source,
    /// Receives what a pass-through account passes on.
    Destination,
    /// Receives structured (just-under-threshold) payments.
    Target,
    /// Makes structured payments.
    Smurf,
    /// A customer whose payment one side of a mirror pair received (UB3).
    Customer,
    /// A personal account paid by a settlement shell (UB6).
    Payee,
    /// An account of the holder who controls a group (OS5).
    Controller,
}

impl Role {
    /// Spelling used in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Collector => "collector",
            Role::Mule => "mule",
            Role::Depositor => "depositor",
            Role::Payout => "payout",
            Role::Originator => "originator",
            Role::OffshoreLayer => "offshore_layer",
            Role::Layer => "layer",
            Role::Beneficiary => "beneficiary",
            Role::Source => "source",
            Role::Destination => "destination",
            Role::Target => "target",
            Role::Smurf => "smurf",
            Role::Hub => "hub",
            Role::Shell => "shell",
            Role::Settlement => "settlement",
            Role::Intermediary => "intermediary",
            Role::Member => "member",
            Role::Customer => "customer",
            Role::Payee => "payee",
            Role::Controller => "controller",
        }
    }

    /// Which role a hit keeps when one account plays several (the lower rank wins), and
    /// the order in which roles are listed. Stated here rather than left to the
    /// declaration order, which a reordering would silently change.
    pub fn rank(self) -> u8 {
        match self {
            Role::Collector => 0,
            Role::Mule => 1,
            Role::Hub => 2,
            Role::Shell => 3,
            Role::Settlement => 4,
            Role::Intermediary => 5,
            Role::Member => 6,
            Role::Depositor => 7,
            Role::Payout => 8,
            Role::Originator => 9,
            Role::OffshoreLayer => 10,
            Role::Layer => 11,
            Role::Beneficiary => 12,
            Role::Source => 13,
            Role::Destination => 14,
            Role::Target => 15,
            Role::Smurf => 16,
            Role::Customer => 17,
            Role::Payee => 18,
            Role::Controller => 19,
        }
    }

    /// The accounts a pattern is about (hubs, shells, targets), as opposed to the
    /// counterparties around them; used to let a generic motif defer to a typology.
    pub fn is_central(self) -> bool {
        matches!(
            self,
            Role::Collector
                | Role::Payout
                | Role::Mule
                | Role::Hub
                | Role::Shell
                | Role::Settlement
                | Role::Originator
                | Role::Target
                | Role::Intermediary
                | Role::Member
                | Role::Layer
                | Role::OffshoreLayer
                | Role::Controller
        )
    }
}

impl Ord for Role {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for Role {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_distinct() {
        let all = [
            Role::Collector,
            Role::Mule,
            Role::Hub,
            Role::Shell,
            Role::Settlement,
            Role::Intermediary,
            Role::Member,
            Role::Depositor,
            Role::Payout,
            Role::Originator,
            Role::OffshoreLayer,
            Role::Layer,
            Role::Beneficiary,
            Role::Source,
            Role::Destination,
            Role::Target,
            Role::Smurf,
            Role::Customer,
            Role::Payee,
            Role::Controller,
        ];
        let ranks: std::collections::BTreeSet<u8> = all.iter().map(|r| r.rank()).collect();
        assert_eq!(ranks.len(), all.len());
    }
}
