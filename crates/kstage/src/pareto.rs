//! Exact non-dominated points over two thresholds at once.
//!
//! With every other threshold held, the thresholds of stages j < l pick a prefix a
//! of the queries reaching j sorted by s_j (they escalate from j) and a prefix b of
//! stage l's score ranks (those of the escalated queries that the held stages pass
//! on to l escalate further). Each (a, b) is a calibration point; there are about n²
//! of them. The sweep over a inserts each escalated query into a segment tree over
//! stage l's ranks whose nodes hold, for the prefixes ending inside them, the sums
//! and the best quality and least cost; a depth-first walk of the tree for each a
//! skips every node whose best case (least cost, best quality) a point already found
//! (or given) dominates, and reports the points that nothing found so far
//! dominates. Every (a, b) is either reported or dominated by a reported or given
//! point: the walk is exact, and it visits few nodes when the known points are good.

use crate::chain::Chain;
use crate::sweep::pair_gains;

/// A non-dominated staircase of (cost, quality) sums: costs and qualities strictly
/// increasing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Staircase {
    cost: Vec<f64>,
    quality: Vec<f64>,
}

/// Quality differences (in sums over queries) below this do not count: sums of the
/// same values in another order differ by rounding only.
const QUALITY_TIE: f64 = 1e-9;
/// Relative cost difference below which two cost sums count as equal.
const COST_TIE: f64 = 1e-12;

impl Staircase {
    /// An empty staircase.
    pub fn new() -> Self {
        Self::default()
    }

    /// The best quality at cost at most `cost` (−∞ if none).
    #[inline]
    pub fn best_at(&self, cost: f64) -> f64 {
        let k = self.cost.partition_point(|&c| c <= cost);
        if k == 0 { f64::NEG_INFINITY } else { self.quality[k - 1] }
    }

    /// Whether a known point costs at most `cost` (up to rounding) and reaches
    /// `quality` (up to rounding).
    #[inline]
    pub fn dominates(&self, cost: f64, quality: f64) -> bool {
        self.best_at(cost + COST_TIE * cost.abs()) >= quality - QUALITY_TIE
    }

    /// [`Staircase::dominates`] for queries of mostly non-decreasing cost: `hint`
    /// is the number of steps at or below the previous query's cost (`usize::MAX`:
    /// unknown), and it moves forward from there.
    #[inline]
    pub fn dominates_scan(&self, hint: &mut usize, cost: f64, quality: f64) -> bool {
        let c = cost + COST_TIE * cost.abs();
        let mut k = *hint;
        if k > self.cost.len() || (k > 0 && self.cost[k - 1] > c) {
            k = self.cost.partition_point(|&x| x <= c);
        }
        while k < self.cost.len() && self.cost[k] <= c {
            k += 1;
        }
        *hint = k;
        k > 0 && self.quality[k - 1] >= quality - QUALITY_TIE
    }

    /// Whether `(cost, quality)` is on the staircase: nothing else costs less and
    /// reaches it, or costs as much and does better (up to rounding).
    pub fn on_frontier(&self, cost: f64, quality: f64) -> bool {
        let tie = COST_TIE * cost.abs();
        self.best_at(cost - tie) < quality - QUALITY_TIE && self.best_at(cost + tie) <= quality + QUALITY_TIE
    }

    /// Adds a point unless it is dominated; returns whether it was added.
    pub fn insert(&mut self, cost: f64, quality: f64) -> bool {
        if self.dominates(cost, quality) {
            return false;
        }
        // Remove what the new point dominates: costlier (or equal) and no better.
        let k = self.cost.partition_point(|&c| c < cost);
        let mut end = k;
        while end < self.cost.len() && self.quality[end] <= quality {
            end += 1;
        }
        self.cost.splice(k..end, [cost]);
        self.quality.splice(k..end, [quality]);
        true
    }
}

/// One node of the tree: for the prefixes of the ranks it covers that end inside
/// it, the sums and the best quality and least cost.
#[derive(Debug, Clone, Copy, Default)]
struct Node {
    q: f64,
    c: f64,
    best_q: f64,
    least_c: f64,
}

impl Node {
    #[inline]
    fn join(l: Node, r: Node) -> Node {
        let bq = l.q + r.best_q;
        let lc = l.c + r.least_c;
        Node {
            q: l.q + r.q,
            c: l.c + r.c,
            best_q: if bq > l.best_q { bq } else { l.best_q },
            least_c: if lc < l.least_c { lc } else { l.least_c },
        }
    }
}

/// Reusable buffers of [`pair_points`].
#[derive(Debug, Default)]
pub(crate) struct PairScratch {
    tree: Vec<Node>,
    stack: Vec<(usize, f64, f64)>,
}

/// A point [`pair_points`] reports: the two thresholds and the sums.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PairPoint {
    /// Threshold of stage j.
    pub tau_j: f64,
    /// Threshold of stage l (meaningless when nobody escalates from j).
    pub tau_l: f64,
    /// Σ cost.
    pub cost: f64,
    /// Σ quality.
    pub quality: f64,
}

/// Every point over the thresholds of stages `j` < `l` (both non-final; the others
/// held at `tau`) that `known` does not dominate, in sweep order: each is added to
/// `known` and passed to `each`. On return every such point is dominated by a point
/// of `known`.
pub(crate) fn pair_points(
    chain: &Chain,
    j: usize,
    l: usize,
    tau: &[f64],
    known: &mut Staircase,
    ws: &mut PairScratch,
    mut each: impl FnMut(PairPoint),
) {
    debug_assert!(j < l && l + 1 < chain.stages());
    let rows = chain.rows(j);
    // Base: the queries reaching j stop there, the others where they stop now.
    let (mut base_q, mut base_c) = (0.0, 0.0);
    for row in rows.iter() {
        let s = if row.reaches(j, tau) { j } else { row.stop_from(0, tau) };
        base_q += row.quality(s);
        base_c += row.cost(s);
    }
    let distinct = &chain.order(l).distinct;
    let size = distinct.len().max(1).next_power_of_two();
    ws.tree.clear();
    ws.tree.resize(2 * size, Node::default());
    let tau_l_of = |r: usize| {
        if r == 0 {
            f64::NEG_INFINITY
        } else if r < distinct.len() {
            distinct[r]
        } else {
            f64::INFINITY
        }
    };
    // τ_j = −∞: nobody escalates from j.
    if known.insert(base_c, base_q) {
        each(PairPoint { tau_j: f64::NEG_INFINITY, tau_l: f64::NEG_INFINITY, cost: base_c, quality: base_q });
    }
    let walk = |tau_j: f64,
                p_q: f64,
                p_c: f64,
                ws: &mut PairScratch,
                known: &mut Staircase,
                each: &mut dyn FnMut(PairPoint)| {
        // Prefix 0 of l (nobody escalates from l) is the a-point itself.
        if known.insert(p_c, p_q) {
            each(PairPoint { tau_j, tau_l: f64::NEG_INFINITY, cost: p_c, quality: p_q });
        }
        ws.stack.clear();
        ws.stack.push((1, p_q, p_c));
        while let Some((x, q0, c0)) = ws.stack.pop() {
            let t = ws.tree[x];
            if known.dominates(c0 + t.least_c, q0 + t.best_q) {
                continue;
            }
            if x >= size {
                let (c, q) = (c0 + t.c, q0 + t.q);
                if known.insert(c, q) {
                    each(PairPoint { tau_j, tau_l: tau_l_of(x - size + 1), cost: c, quality: q });
                }
                continue;
            }
            // Right child first on the stack, so the left one (cheaper prefixes) goes first.
            let l = ws.tree[2 * x];
            ws.stack.push((2 * x + 1, q0 + l.q, c0 + l.c));
            ws.stack.push((2 * x, q0, c0));
        }
    };
    // The sweep over τ_j in stage j's score order, a tie group at a time.
    let (mut p_q, mut p_c) = (base_q, base_c);
    let (mut any, mut last) = (false, f64::NEG_INFINITY);
    for row in rows.iter() {
        if !row.reaches(j, tau) {
            continue;
        }
        let v = row.score(j);
        if any && v != last {
            walk(v, p_q, p_c, ws, known, &mut each);
        }
        any = true;
        last = v;
        let (w1, w2) = pair_gains(&row, j, l, tau);
        p_q += w1.0;
        p_c += w1.1;
        // A +∞ score at l never escalates: it adds nothing to any prefix.
        if let Some((q2, c2)) = w2.filter(|_| row.score(l) < f64::INFINITY) {
            let mut x = size + row.rank(l) as usize;
            let t = &mut ws.tree[x];
            t.q += q2;
            t.c += c2;
            (t.best_q, t.least_c) = (t.q, t.c);
            while x > 1 {
                x /= 2;
                ws.tree[x] = Node::join(ws.tree[2 * x], ws.tree[2 * x + 1]);
            }
        }
    }
    if any && last < f64::INFINITY {
        walk(f64::INFINITY, p_q, p_c, ws, known, &mut each);
    }
}
