//! Entries filed under their keys with one parallel sort: what a serial loop would file
//! one by one into a map. A map of millions of keys (the receivers of a 100M dump's
//! large payments) misses the cache at every insert, and the loop filling it runs on
//! one thread.

use std::collections::BTreeMap;

use rayon::prelude::*;

/// `entries` filed under their keys, each key's values in the order given: the map
/// `for (k, v) in entries { map.entry(k).or_default().push(v) }` builds.
pub(crate) fn filed<K: Ord + Copy + Send, V: Send>(mut entries: Vec<(K, V)>) -> BTreeMap<K, Vec<V>> {
    // Stable: a key's values keep their order.
    entries.par_sort_by_key(|&(k, _)| k);
    let mut out: Vec<(K, Vec<V>)> = Vec::new();
    for (k, v) in entries {
        match out.last_mut() {
            Some((last, list)) if *last == k => list.push(v),
            _ => out.push((k, vec![v])),
        }
    }
    // In key order already: the map is built in one pass.
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn filing_keeps_each_keys_order(entries in proptest::collection::vec((0u32..6, 0u32..1000), 0..200)) {
            // What one map filled entry by entry gives.
            let mut want: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
            for &(k, v) in &entries {
                want.entry(k).or_default().push(v);
            }
            prop_assert_eq!(filed(entries), want);
        }
    }
}
