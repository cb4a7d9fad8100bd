//! Graph algorithms that more than one pass uses, kept apart from the detectors that
//! read them: strongly connected components (every cycle search), time-respecting
//! cycles (OS1, the cycle motif, features), forward chains (OS2, the random walk-through
//! motif), first-in first-out dwell (UB1, UB4, shell profiles), how unusual a hit's
//! amounts are for its accounts (the motifs' strength), one-off payments (rings,
//! scatter-gathers, one-pass hubs), prompt relays, stranger loops and rings (the cycle
//! motif when amounts do not carry on), who pays whom back (settling up, pooled funds)
//! the chance of a path (cycles, random walks), cash pools (UB1, OS5: a group's
//! accounts that settle with each other daily) and standing payments (UB4's bills, OS5's
//! sweeps: payments on a calendar), schedules (the fan motifs' first payments that keep one
//! interval), rhythm breaks (fan_out's new payees paid off an account's own rhythm) and
//! walks along payments made off their payers' rhythms (the random walk-through motif),
//! exact cuts (gather-scatter hubs that pass on a fixed share to the cent); and the
//! memory the path searches keep per thread for their next search.

pub mod cash_pool;
pub mod chains;
pub mod chance;
pub mod components;
pub mod exact_cuts;
pub mod fifo_dwell;
pub mod novelty;
pub mod one_off;
pub mod path_memory;
pub mod prompt_relays;
pub mod reciprocity;
pub mod rhythm_breaks;
pub mod rhythm_walks;
pub mod rings;
pub mod schedules;
pub mod standing;
pub mod stranger_loops;
pub mod temporal_cycles;
