//! The patterns flowhound looks for: one [`Pattern`] per detector, with the code the
//! output files use, the short title the run summary prints and the family it belongs to.
//! A pattern code is spelled only here; everything else (detectors, deferral lists,
//! scoring weights, explain, eval) holds a `Pattern`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The three families of `typologies.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Underground banking (地下钱庄): UB1-UB6.
    UndergroundBanking,
    /// Offshore companies: OS1-OS5.
    Offshore,
    /// The public AML motifs (AMLSim, AMLworld, AMLGentex): shape only.
    Motif,
}

impl Family {
    /// How the family is named in explanations.
    pub fn label(self) -> &'static str {
        match self {
            Family::UndergroundBanking => "underground banking",
            Family::Offshore => "offshore",
            Family::Motif => "motif",
        }
    }
}

/// One pattern, i.e. one detector's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// Collector / pool account.
    Ub1,
    /// Structuring / smurfing.
    Ub2,
    /// Mirror transfers.
    Ub3,
    /// Rapid in-out.
    Ub4,
    /// Net settlement.
    Ub5,
    /// Settlement shell.
    Ub6,
    /// Round-tripping through offshore.
    Os1,
    /// Layering chain.
    Os2,
    /// Shell profile.
    Os3,
    /// Scatter-gather through offshore.
    Os4,
    /// Shared control.
    Os5,
    /// Money cycle.
    Cycle,
    /// Random walk-through.
    RandomWalk,
    /// Stacked bipartite layers.
    Stack,
    /// Bipartite layer.
    Bipartite,
    /// Scatter-gather.
    ScatterGather,
    /// Gather-scatter hub.
    GatherScatter,
    /// Fan-in burst.
    FanIn,
    /// Fan-out burst.
    FanOut,
}

impl Pattern {
    /// Every pattern, in registry (run) order.
    pub const ALL: [Pattern; 19] = [
        Pattern::Ub1,
        Pattern::Ub2,
        Pattern::Ub3,
        Pattern::Ub4,
        Pattern::Ub5,
        Pattern::Ub6,
        Pattern::Os1,
        Pattern::Os2,
        Pattern::Os3,
        Pattern::Os4,
        Pattern::Os5,
        Pattern::Cycle,
        Pattern::RandomWalk,
        Pattern::Stack,
        Pattern::Bipartite,
        Pattern::ScatterGather,
        Pattern::GatherScatter,
        Pattern::FanIn,
        Pattern::FanOut,
    ];

    /// The code written in the output files (`UB1`, `fan_in`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Pattern::Ub1 => "UB1",
            Pattern::Ub2 => "UB2",
            Pattern::Ub3 => "UB3",
            Pattern::Ub4 => "UB4",
            Pattern::Ub5 => "UB5",
            Pattern::Ub6 => "UB6",
            Pattern::Os1 => "OS1",
            Pattern::Os2 => "OS2",
            Pattern::Os3 => "OS3",
            Pattern::Os4 => "OS4",
            Pattern::Os5 => "OS5",
            Pattern::Cycle => "cycle",
            Pattern::RandomWalk => "random",
            Pattern::Stack => "stack",
            Pattern::Bipartite => "bipartite",
            Pattern::ScatterGather => "scatter_gather",
            Pattern::GatherScatter => "gather_scatter",
            Pattern::FanIn => "fan_in",
            Pattern::FanOut => "fan_out",
        }
    }

    /// Short title (run summary, run.json, progress).
    pub fn title(self) -> &'static str {
        match self {
            Pattern::Ub1 => "collector / pool account",
            Pattern::Ub2 => "structuring / smurfing",
            Pattern::Ub3 => "mirror transfers",
            Pattern::Ub4 => "rapid in-out",
            Pattern::Ub5 => "net settlement",
            Pattern::Ub6 => "settlement shell",
            Pattern::Os1 => "round-tripping through offshore",
            Pattern::Os2 => "layering chain",
            Pattern::Os3 => "shell profile",
            Pattern::Os4 => "scatter-gather through offshore",
            Pattern::Os5 => "shared control",
            Pattern::Cycle => "cycle",
            Pattern::RandomWalk => "random walk-through",
            Pattern::Stack => "stacked bipartite layers",
            Pattern::Bipartite => "bipartite layer",
            Pattern::ScatterGather => "scatter-gather",
            Pattern::GatherScatter => "gather-scatter hub",
            Pattern::FanIn => "fan-in burst",
            Pattern::FanOut => "fan-out burst",
        }
    }

    /// One line an investigator reads in `explain`: what the pattern means.
    pub fn description(self) -> &'static str {
        match self {
            Pattern::Ub1 => "collector / pool account (underground banking)",
            Pattern::Ub2 => "structuring: payments kept just under a reporting threshold (underground banking)",
            Pattern::Ub4 => "rapid in-out: money passes through within hours (underground banking)",
            Pattern::Ub3 => {
                "mirror transfers: equal values paid in and out in two countries, nothing crossing (underground banking)"
            }
            Pattern::Ub5 => "net settlement of mirror imbalances across the border (underground banking)",
            Pattern::Ub6 => "settlement shell: company money split to many persons (公转私)",
            Pattern::Os1 => "round-tripping through offshore",
            Pattern::Os2 => "layering chain through shell companies",
            Pattern::Os3 => "shell company profile",
            Pattern::Os4 => "scatter-gather through offshore accounts",
            Pattern::Os5 => "shared control: flows among one controller's accounts across borders",
            Pattern::FanIn => "fan-in burst (motif)",
            Pattern::FanOut => "fan-out burst (motif)",
            Pattern::GatherScatter => "gather-scatter hub (motif)",
            Pattern::ScatterGather => "scatter-gather (motif)",
            Pattern::Bipartite => "bipartite layer (motif)",
            Pattern::Stack => "stacked bipartite layers (motif)",
            Pattern::Cycle => "money cycle (motif)",
            Pattern::RandomWalk => "random walk-through (motif)",
        }
    }

    /// The family of `typologies.md` the pattern belongs to.
    pub fn family(self) -> Family {
        match self {
            Pattern::Ub1 | Pattern::Ub2 | Pattern::Ub3 | Pattern::Ub4 | Pattern::Ub5 | Pattern::Ub6 => {
                Family::UndergroundBanking
            }
            Pattern::Os1 | Pattern::Os2 | Pattern::Os3 | Pattern::Os4 | Pattern::Os5 => Family::Offshore,
            Pattern::Cycle
            | Pattern::RandomWalk
            | Pattern::Stack
            | Pattern::Bipartite
            | Pattern::ScatterGather
            | Pattern::GatherScatter
            | Pattern::FanIn
            | Pattern::FanOut => Family::Motif,
        }
    }
}

/// Patterns sort by their code, as the output files list them (`OS1` before `UB1` before
/// `bipartite`), so a sorted list reads the same in every file whatever the declaration
/// order above.
impl Ord for Pattern {
    fn cmp(&self, other: &Self) -> Ordering {
        self.code().cmp(other.code())
    }
}

impl PartialOrd for Pattern {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Codes of `patterns` joined by `separator`, in the order given (`UB1;OS1`).
pub fn join(patterns: &[Pattern], separator: &str) -> String {
    patterns.iter().map(|p| p.code()).collect::<Vec<_>>().join(separator)
}

/// A pattern code that names no pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown pattern `{given}` (known: {})", known_codes())]
pub struct UnknownPattern {
    /// What was given.
    pub given: String,
}

fn known_codes() -> String {
    Pattern::ALL.iter().map(|p| p.code()).collect::<Vec<_>>().join(", ")
}

impl FromStr for Pattern {
    type Err = UnknownPattern;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pattern::ALL.into_iter().find(|p| p.code() == s).ok_or_else(|| UnknownPattern { given: s.to_owned() })
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for p in Pattern::ALL {
            assert_eq!(p.code().parse::<Pattern>(), Ok(p));
            assert!(seen.insert(p.code()), "{p} twice");
        }
        let err = "UB7".parse::<Pattern>().unwrap_err();
        assert!(err.to_string().contains("unknown pattern `UB7`"), "{err}");
    }

    #[test]
    fn patterns_sort_as_their_codes() {
        let mut by_enum = Pattern::ALL.to_vec();
        by_enum.sort();
        let mut by_code: Vec<&str> = Pattern::ALL.iter().map(|p| p.code()).collect();
        by_code.sort();
        assert_eq!(by_enum.iter().map(|p| p.code()).collect::<Vec<_>>(), by_code);
    }

    #[test]
    fn families_follow_the_code_prefix() {
        for p in Pattern::ALL {
            let expected = match &p.code()[..2] {
                "UB" => Family::UndergroundBanking,
                "OS" => Family::Offshore,
                _ => Family::Motif,
            };
            assert_eq!(p.family(), expected, "{p}");
        }
    }
}
