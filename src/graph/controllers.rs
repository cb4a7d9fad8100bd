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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Relation;

    #[test]
    fn same_and_linked_holders_share_a_group() {
        // accounts 0,1 -> holder 0; account 2 -> holder 1 (linked to 0); 3 -> holder 2; 4 none
        let holders = [0, 0, 1, 2, NO_HOLDER];
        let links = [EntityLink { a: 1, b: 0, relation: Relation::Director }];
        assert_eq!(groups(&holders, 3, &links), vec![0, 0, 0, 3, 4]);
    }
}
