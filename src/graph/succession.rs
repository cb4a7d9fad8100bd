//! Which transfer may have carried on the money of which: the order in time that every
//! search following money reads, in one place.

/// How a dump orders its transfers in time: whether a transfer written at the same time
/// as a receipt may have come after it and carried its money on
/// ([`super::FlowGraph::succession`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Succession {
    same_time: bool,
}

impl Succession {
    /// Transfers at the same time may follow each other (`same_time`) or not.
    pub fn new(same_time: bool) -> Succession {
        Succession { same_time }
    }

    /// Whether a transfer at `sent` may have carried on money received at `received`:
    /// later, or at the same time where the dump does not order what one tick holds.
    #[inline]
    pub fn may_follow(self, received: i64, sent: i64) -> bool {
        sent > received || (self.same_time && sent == received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_transfer_always_follows_and_one_at_the_same_time_only_where_a_tick_is_unordered() {
        for same_time in [false, true] {
            let s = Succession::new(same_time);
            assert!(s.may_follow(10, 11));
            assert!(!s.may_follow(10, 9));
            assert_eq!(s.may_follow(10, 10), same_time);
        }
    }
}
