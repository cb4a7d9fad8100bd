//! A small layered (Sugiyama-style) layout for drawing a lead: accounts in columns by
//! the step at which money reached them, left to right in time; rows ordered to keep
//! arrows from crossing; every label placed where it covers no other label, no account
//! and no arrowhead, or left out (its text stays in the arrow's tooltip).
//!
//! 1. Layers. Transfers are taken in time order, and each joins the layering unless it
//!    would close a loop with those before it (money coming back: a cycle, a round
//!    trip), which is drawn as a back arrow. An account's layer is then the longest run
//!    of transfers that leads to it: sources on the left, each hop one column right.
//! 2. Order. Within a layer, accounts start in the order money reached them, then two
//!    sweeps place each at the mean row of the accounts that paid it (barycentres).
//! 3. Labels. Each arrow's label is tried at a few points along its first half (never
//!    at its head) and kept at the first that overlaps nothing drawn so far.

/// Horizontal distance between layers: room for an account label.
pub const LAYER_GAP: f64 = 200.0;
/// Vertical distance between rows.
pub const ROW_GAP: f64 = 50.0;
/// Room around the drawing.
pub const MARGIN: f64 = 100.0;
/// Room above the first row (the layer titles).
pub const TOP: f64 = 44.0;
/// Radius of an account's circle.
pub const NODE_RADIUS: f64 = 10.0;
/// Longest account label, in characters.
pub const MAX_LABEL_CHARS: usize = 31;
/// Smallest drawing width.
pub const MIN_WIDTH: f64 = 1040.0;

const CHAR_W: f64 = 6.0;
const TEXT_H: f64 = 13.0;
const HEAD: f64 = 8.0;
/// How far below its lower end a back arrow bends: clear of the account labels.
const BACK_BEND: f64 = 1.6 * ROW_GAP;

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl Rect {
    /// The box of `chars` characters of text centred on `(x, y)` (its baseline a little
    /// below the centre, as SVG text sits).
    pub fn text(x: f64, y: f64, chars: usize) -> Rect {
        let w = chars as f64 * CHAR_W;
        Rect { x0: x - w / 2.0, y0: y - TEXT_H / 2.0, x1: x + w / 2.0, y1: y + TEXT_H / 2.0 }
    }

    /// The square of half-side `r` around `(x, y)`.
    pub fn around(x: f64, y: f64, r: f64) -> Rect {
        Rect { x0: x - r, y0: y - r, x1: x + r, y1: y + r }
    }

    /// True when the two boxes share any area.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }
}

/// A node to lay out: an id and its label.
#[derive(Debug, Clone)]
pub struct NodeIn {
    /// Caller's id.
    pub id: u32,
    /// Text under the node.
    pub label: String,
}

/// An arrow to lay out.
#[derive(Debug, Clone)]
pub struct EdgeIn {
    /// Paying node.
    pub from: u32,
    /// Paid node.
    pub to: u32,
    /// When money first moved this way (orders the layering).
    pub first: i64,
    /// Text on the arrow.
    pub label: String,
}

/// A placed node.
#[derive(Debug, Clone)]
pub struct Node {
    /// Caller's id.
    pub id: u32,
    /// Column, 0 on the left.
    pub layer: usize,
    /// Centre.
    pub x: f64,
    /// Centre.
    pub y: f64,
    /// Label text (shortened to fit) and its box.
    pub label: String,
    /// Box of the label.
    pub label_box: Rect,
}

/// A placed arrow: a quadratic curve from `start` through `control` to `end` (the tip).
#[derive(Debug, Clone)]
pub struct Edge {
    /// Paying node.
    pub from: u32,
    /// Paid node.
    pub to: u32,
    /// Start point (at the paying node's rim).
    pub start: (f64, f64),
    /// Control point.
    pub control: (f64, f64),
    /// Tip (at the paid node's rim).
    pub end: (f64, f64),
    /// The label's text, position and box, unless no free place was found.
    pub label: Option<(String, (f64, f64), Rect)>,
}

/// A laid-out drawing.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// Columns.
    pub layers: usize,
    /// Nodes.
    pub nodes: Vec<Node>,
    /// Arrows, in the order given.
    pub edges: Vec<Edge>,
    /// Arrows whose label found no free place.
    pub labels_left_out: usize,
}

/// Lays out `nodes` and `edges` (edges naming unknown nodes are ignored).
pub fn lay_out(nodes: &[NodeIn], edges: &[EdgeIn]) -> Layout {
    let index: std::collections::HashMap<u32, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let edges: Vec<&EdgeIn> =
        edges.iter().filter(|e| index.contains_key(&e.from) && index.contains_key(&e.to)).collect();
    let layer = layers(nodes.len(), &index, &edges);
    let layers = layer.iter().max().map_or(1, |m| m + 1);
    let rows = order(nodes.len(), &index, &edges, &layer, layers);
    let tallest = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let width = (2.0 * MARGIN + (layers - 1) as f64 * LAYER_GAP).max(MIN_WIDTH);
    let backwards = edges.iter().any(|e| layer[index[&e.to]] <= layer[index[&e.from]]);
    let height = TOP + tallest as f64 * ROW_GAP + 24.0 + if backwards { BACK_BEND / 2.0 } else { 0.0 };
    // Columns spread over the width when there are few of them.
    let gap = if layers > 1 { (width - 2.0 * MARGIN) / (layers - 1) as f64 } else { 0.0 };
    let mut placed: Vec<Option<Node>> = vec![None; nodes.len()];
    for (l, row) in rows.iter().enumerate() {
        let x = if layers > 1 { MARGIN + l as f64 * gap } else { width / 2.0 };
        let offset = (tallest - row.len()) as f64 * ROW_GAP / 2.0;
        for (r, &i) in row.iter().enumerate() {
            let y = TOP + offset + r as f64 * ROW_GAP + ROW_GAP / 2.0 - 6.0;
            let label: String = nodes[i].label.chars().take(MAX_LABEL_CHARS).collect();
            let label_box = Rect::text(x, y + NODE_RADIUS + 9.0, label.chars().count());
            placed[i] = Some(Node { id: nodes[i].id, layer: l, x, y, label, label_box });
        }
    }
    let placed: Vec<Node> = placed.into_iter().flatten().collect();
    let at: std::collections::HashMap<u32, &Node> = placed.iter().map(|n| (n.id, n)).collect();
    // Everything a label must not cover: accounts, their labels, arrowheads.
    let mut taken: Vec<Rect> =
        placed.iter().flat_map(|n| [Rect::around(n.x, n.y, NODE_RADIUS + 1.0), n.label_box]).collect();
    let mut out = Vec::with_capacity(edges.len());
    for e in &edges {
        let (a, b) = (at[&e.from], at[&e.to]);
        out.push(curve(a, b, e));
    }
    taken.extend(out.iter().map(|e| Rect::around(e.end.0, e.end.1, HEAD)));
    let mut left_out = 0;
    for (edge, e) in out.iter_mut().zip(&edges) {
        let chars = e.label.chars().count();
        let spot = [0.35, 0.25, 0.45, 0.15, 0.55].iter().find_map(|&t| {
            let (x, y) = point(edge, t);
            let (x, y) = (x, y - 7.0);
            let r = Rect::text(x, y, chars);
            (!taken.iter().any(|o| o.overlaps(&r))).then_some(((x, y), r))
        });
        match spot {
            Some((p, r)) => {
                taken.push(r);
                edge.label = Some((e.label.clone(), p, r));
            }
            None => left_out += 1,
        }
    }
    Layout { width, height, layers, nodes: placed, edges: out, labels_left_out: left_out }
}

/// Each node's column: the longest run of earlier transfers that leads to it. Transfers
/// are taken in time order, and one that would close a loop with those before it (money
/// coming back) is left out of the layering: it is drawn as a back arrow.
fn layers(n: usize, index: &std::collections::HashMap<u32, usize>, edges: &[&EdgeIn]) -> Vec<usize> {
    let mut order: Vec<&&EdgeIn> = edges.iter().collect();
    order.sort_by_key(|e| (e.first, e.from, e.to));
    let mut forward: Vec<Vec<usize>> = vec![Vec::new(); n];
    let reaches = |forward: &Vec<Vec<usize>>, from: usize, to: usize| {
        let mut seen = vec![false; n];
        let mut stack = vec![from];
        while let Some(v) = stack.pop() {
            if v == to {
                return true;
            }
            if !std::mem::replace(&mut seen[v], true) {
                stack.extend(&forward[v]);
            }
        }
        false
    };
    for e in order {
        let (s, d) = (index[&e.from], index[&e.to]);
        if s != d && !forward[s].contains(&d) && !reaches(&forward, d, s) {
            forward[s].push(d);
        }
    }
    // Longest path from any start, in topological order (Kahn).
    let mut indegree = vec![0usize; n];
    for targets in &forward {
        for &d in targets {
            indegree[d] += 1;
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut layer = vec![0usize; n];
    while let Some(v) = ready.pop() {
        for &d in &forward[v] {
            layer[d] = layer[d].max(layer[v] + 1);
            indegree[d] -= 1;
            if indegree[d] == 0 {
                ready.push(d);
            }
        }
    }
    layer
}

/// The nodes of each layer, top to bottom.
fn order(
    n: usize,
    index: &std::collections::HashMap<u32, usize>,
    edges: &[&EdgeIn],
    layer: &[usize],
    layers: usize,
) -> Vec<Vec<usize>> {
    // First reached (or first paying) comes first; then the caller's order.
    let mut first = vec![i64::MAX; n];
    for e in edges {
        for i in [index[&e.from], index[&e.to]] {
            first[i] = first[i].min(e.first);
        }
    }
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for i in 0..n {
        rows[layer[i]].push(i);
    }
    for row in &mut rows {
        row.sort_by_key(|&i| (first[i], i));
    }
    for _ in 0..2 {
        let mut pos = vec![0.0f64; n];
        for row in &rows {
            for (r, &i) in row.iter().enumerate() {
                pos[i] = r as f64 - row.len() as f64 / 2.0;
            }
        }
        for (l, row) in rows.iter_mut().enumerate().skip(1) {
            let mut keyed: Vec<(f64, usize, usize)> = row
                .iter()
                .enumerate()
                .map(|(r, &i)| {
                    let payers: Vec<f64> = edges
                        .iter()
                        .filter(|e| index[&e.to] == i && layer[index[&e.from]] < l)
                        .map(|e| pos[index[&e.from]])
                        .collect();
                    let key = if payers.is_empty() {
                        pos[i]
                    } else {
                        payers.iter().sum::<f64>() / payers.len() as f64
                    };
                    (key, r, i)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            *row = keyed.into_iter().map(|k| k.2).collect();
            for (r, &i) in row.iter().enumerate() {
                pos[i] = r as f64 - row.len() as f64 / 2.0;
            }
        }
    }
    rows
}

/// The arrow from `a` to `b`: straight ahead to a later column, bent when it goes back
/// or stays in its column, so that it clears the accounts in between.
fn curve(a: &Node, b: &Node, e: &EdgeIn) -> Edge {
    let ((x1, y1), (x2, y2)) = ((a.x, a.y), (b.x, b.y));
    let control = if b.layer > a.layer {
        ((x1 + x2) / 2.0, (y1 + y2) / 2.0)
    } else if b.layer == a.layer {
        (x1 + 70.0, (y1 + y2) / 2.0)
    } else {
        ((x1 + x2) / 2.0, y1.max(y2) + BACK_BEND)
    };
    let rim = |x: f64, y: f64, (tx, ty): (f64, f64)| {
        let (dx, dy) = (tx - x, ty - y);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        (x + dx / len * (NODE_RADIUS + 2.0), y + dy / len * (NODE_RADIUS + 2.0))
    };
    Edge {
        from: e.from,
        to: e.to,
        start: rim(x1, y1, control),
        control,
        end: rim(x2, y2, control),
        label: None,
    }
}

/// The point at `t` (0..1) along an arrow's curve.
pub fn point(e: &Edge, t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    (
        u * u * e.start.0 + 2.0 * u * t * e.control.0 + t * t * e.end.0,
        u * u * e.start.1 + 2.0 * u * t * e.control.1 + t * t * e.end.1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn nodes(n: u32) -> Vec<NodeIn> {
        (0..n).map(|id| NodeIn { id, label: format!("A{id:08} · US · layer") }).collect()
    }

    fn edge(from: u32, to: u32, first: i64) -> EdgeIn {
        EdgeIn { from, to, first, label: format!("{} · 2024-01-{:02}", 1000 * (from + 1), first % 28 + 1) }
    }

    fn layer_of(l: &Layout, id: u32) -> usize {
        l.nodes.iter().find(|n| n.id == id).unwrap().layer
    }

    #[test]
    fn a_chain_reads_left_to_right_one_column_per_hop() {
        let l = lay_out(&nodes(5), &[edge(0, 1, 1), edge(1, 2, 2), edge(2, 3, 3), edge(3, 4, 4)]);
        assert_eq!(l.layers, 5);
        for id in 0..5 {
            assert_eq!(layer_of(&l, id), id as usize);
        }
        let xs: Vec<f64> = (0..5).map(|id| l.nodes.iter().find(|n| n.id == id).unwrap().x).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_round_trip_comes_back_as_a_back_arrow() {
        let l = lay_out(&nodes(4), &[edge(0, 1, 1), edge(1, 2, 2), edge(2, 3, 3), edge(3, 0, 4)]);
        assert_eq!((layer_of(&l, 0), layer_of(&l, 3)), (0, 3));
        let back = l.edges.iter().find(|e| e.from == 3).unwrap();
        assert!(back.control.1 > back.start.1.max(back.end.1), "bends below the row");
    }

    #[test]
    fn a_gather_and_scatter_take_three_columns() {
        let mut e: Vec<EdgeIn> = (1..=4).map(|s| edge(s, 0, s as i64)).collect();
        e.extend((5..=8).map(|d| edge(0, d, 10 + d as i64)));
        let l = lay_out(&nodes(9), &e);
        assert_eq!(l.layers, 3);
        assert_eq!(layer_of(&l, 0), 1);
        assert!((5..=8).all(|d| layer_of(&l, d) == 2));
    }

    #[test]
    fn labels_never_sit_under_an_arrowhead() {
        let mut e: Vec<EdgeIn> = (1..=6).map(|s| edge(s, 0, s as i64)).collect();
        e.extend((7..=12).map(|d| edge(0, d, 10 + d as i64)));
        let l = lay_out(&nodes(13), &e);
        for a in &l.edges {
            for b in &l.edges {
                if let Some((_, _, r)) = &a.label {
                    assert!(!r.overlaps(&Rect::around(b.end.0, b.end.1, HEAD)));
                }
            }
        }
        assert_eq!(l.labels_left_out, 0, "twelve arrows of a hub have room for their labels");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn no_two_boxes_overlap_on_random_leads(
            raw in prop::collection::vec((0u32..14, 0u32..14, 0i64..30), 1..40),
        ) {
            let e: Vec<EdgeIn> = raw.iter().filter(|(a, b, _)| a != b).map(|&(a, b, t)| edge(a, b, t)).collect();
            let l = lay_out(&nodes(14), &e);
            let mut boxes: Vec<Rect> = l.nodes.iter().flat_map(|n| [Rect::around(n.x, n.y, NODE_RADIUS), n.label_box]).collect();
            // Accounts and their labels never overlap each other.
            for (i, a) in boxes.iter().enumerate() {
                for b in &boxes[i + 1..] {
                    prop_assert!(!a.overlaps(b), "{a:?} {b:?}");
                }
            }
            for edge in &l.edges {
                if let Some((_, _, r)) = &edge.label {
                    prop_assert!(!boxes.iter().any(|b| b.overlaps(r)));
                    boxes.push(*r);
                }
                for other in &l.edges {
                    if let Some((_, _, r)) = &edge.label {
                        prop_assert!(!r.overlaps(&Rect::around(other.end.0, other.end.1, HEAD)));
                    }
                }
            }
            prop_assert!(l.nodes.iter().all(|n| n.x > 0.0 && n.x < l.width && n.y > 0.0 && n.y < l.height));
        }
    }
}
