//! Controller groups: accounts whose holders are the same person or company, or are tied
//! by `entity_links`, are treated as one controller (union-find).

use petgraph::unionfind::UnionFind;

use super::NO_HOLDER;
use crate::model::EntityLink;

/// Group id per account. Accounts of one holder, and of linked holders, share the id (the
/// smallest account index in the group); an account without a holder is its own group.
pub fn groups(holder_of_account: &[u32], holder_count: usize, links: &[EntityLink]) -> Vec<u32> {
    let mut holders = UnionFind::<u32>::new(holder_count);
    for link in links {
        holders.union(link.a, link.b);
    }
    // Smallest account per holder root, so group ids do not depend on link order.
    let mut first_account = vec![u32::MAX; holder_count];
    for (a, &h) in holder_of_account.iter().enumerate() {
        if h != NO_HOLDER {
            let root = holders.find(h) as usize;
            first_account[root] = first_account[root].min(a as u32);
        }
    }
    holder_of_account
        .iter()
        .enumerate()
        .map(|(a, &h)| if h == NO_HOLDER { a as u32 } else { first_account[holders.find(h) as usize] })
        .collect()
}

/// The accounts of each controller group, listed: group `k`'s accounts are
/// [`GroupMembers::of`]`(k)`, ascending.
#[derive(Debug, Clone)]
pub struct GroupMembers {
    offsets: Vec<u32>,
    accounts: Vec<u32>,
}

impl GroupMembers {
    /// Lists the accounts of each group of `controller` (per account, its group's id,
    /// an account index as [`groups`] gives).
    pub fn new(controller: &[u32]) -> GroupMembers {
        let (offsets, accounts) = super::csr(controller.len(), controller);
        GroupMembers { offsets, accounts }
    }

    /// The accounts of group `group`, ascending.
    pub fn of(&self, group: u32) -> &[u32] {
        let g = group as usize;
        &self.accounts[self.offsets[g] as usize..self.offsets[g + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Relation;

    #[test]
    fn members_are_listed_per_group() {
        let m = GroupMembers::new(&[0, 0, 0, 3, 4, 3]);
        assert_eq!((m.of(0), m.of(3), m.of(4), m.of(1)), (&[0, 1, 2][..], &[3, 5][..], &[4][..], &[][..]));
    }

    #[test]
    fn same_and_linked_holders_share_a_group() {
        // accounts 0,1 -> holder 0; account 2 -> holder 1 (linked to 0); 3 -> holder 2; 4 none
        let holders = [0, 0, 1, 2, NO_HOLDER];
        let links = [EntityLink { a: 1, b: 0, relation: Relation::Director }];
        assert_eq!(groups(&holders, 3, &links), vec![0, 0, 0, 3, 4]);
    }
}
