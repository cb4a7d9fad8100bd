//! Searches that more than one detector (or lead scoring) reads. They return what they
//! found (a fan, a mirror network, a biclique, a shell profile, a scatter-gather), and
//! the detectors turn it into hits of their own pattern.

pub mod bicliques;
pub mod cut_passes;
pub mod fan_layers;
pub mod fan_rhythm_breaks;
pub mod fan_schedules;
pub mod fans;
pub mod first_payments;
pub mod gather_scatter;
pub mod mirrors;
pub mod relay_groups;
pub mod rhythm_broken_pass;
pub mod rounds;
pub mod scatter_gather;
pub mod shell_profile;
