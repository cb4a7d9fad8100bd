//! Offshore companies, OS1-OS5 of `typologies.md`: round-tripping, layering through
//! shells, shell profiles, offshore scatter-gather and flows under shared control.

pub mod os1_round_trip;
pub mod os2_layering;
pub mod os3_shell_profile;
pub mod os4_offshore_scatter;
pub mod os5_shared_control;
