//! The eight public AML motifs (AMLSim, AMLworld, AMLGentex): shape alone, weaker
//! evidence than a typology, so each defers to the typologies that explain it.

pub mod bipartite;
pub mod cycle;
pub mod fan_in;
pub mod fan_out;
pub mod gather_scatter;
pub mod random_walk;
pub mod scatter_gather;
pub mod stack;
