//! One buffer cut into consecutive pieces that threads then fill side by side: each
//! piece is written in place, with no vector per piece to join afterwards.

/// `xs` cut into consecutive pieces of `sizes`, which must not sum to more than its
/// length (what is left after them is not returned).
pub(crate) fn pieces_mut<T>(mut xs: &mut [T], sizes: impl IntoIterator<Item = usize>) -> Vec<&mut [T]> {
    let sizes = sizes.into_iter();
    let mut pieces = Vec::with_capacity(sizes.size_hint().0);
    for size in sizes {
        let (piece, rest) = std::mem::take(&mut xs).split_at_mut(size);
        pieces.push(piece);
        xs = rest;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_follow_the_sizes_in_order() {
        let mut xs = [1, 2, 3, 4, 5, 6];
        let pieces = pieces_mut(&mut xs, [2, 0, 3]);
        assert_eq!(pieces.len(), 3);
        assert_eq!((&*pieces[0], &*pieces[1], &*pieces[2]), (&[1, 2][..], &[][..], &[3, 4, 5][..]));
    }
}
