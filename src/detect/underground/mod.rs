//! Underground banking (地下钱庄), UB1-UB6 of `typologies.md`: the collection, mirror
//! and settlement machinery of informal cross-border money transfer.

pub mod ub1_collector;
pub mod ub2_structuring;
pub mod ub3_mirror;
pub mod ub4_rapid_in_out;
pub mod ub5_net_settlement;
pub mod ub6_settlement_shell;
