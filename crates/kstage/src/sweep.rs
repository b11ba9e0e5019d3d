//! Exact one- and two-threshold steps for a fixed λ.
//!
//! With every other threshold held, stage j's threshold only decides which of the
//! queries reaching stage j escalate; escalating query i changes Q − λ·C by
//! d_i = value(stop further on) − value(stop at j), and the escalated set is a
//! prefix of the reaching queries sorted by score. One pass over the pre-sorted
//! scores with a running sum of d therefore scores every distinct escalation set
//! (ties in score move together: τ equal to a score means that score stays), and
//! the best is exact for that coordinate. The pair step does the same for two
//! thresholds j < l jointly: sweeping τ_j inserts queries into a segment tree over
//! stage l's score ranks whose best prefix is the best τ_l, so the pair is
//! optimized exactly in O(n log n); the pairs that share j are scanned in one pass
//! ([`pair_scan`]) and moved one at a time ([`pair_apply`]).
//!
//! Each step reads the chain's rows for stage j ([`crate::chain::Chain`] lays every
//! query's scores, qualities and costs out once in that stage's score order), so a
//! sweep reads memory in sequence. All sums are over queries (not means);
//! comparisons use a tolerance on that scale so that rounding noise never counts as
//! a gain.

use crate::chain::{Chain, Row};

/// An escalation set's change of the objective and of the cost sum, relative to
/// escalating nobody, and the threshold that produces it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cand {
    /// Change of Σ(quality − λ·cost).
    pub obj: f64,
    /// Change of Σ quality.
    pub quality: f64,
    /// Change of Σ cost.
    pub cost: f64,
    /// The threshold (canonical: −∞ for nobody, +∞ for everyone, else the lowest
    /// staying score).
    pub tau: f64,
}

impl Cand {
    const NONE: Cand = Cand { obj: 0.0, quality: 0.0, cost: 0.0, tau: f64::NEG_INFINITY };
}

/// Whether `a` beats `b`: a higher objective beyond the tolerance, or as good and
/// cheaper beyond rounding (so that λ = 0 picks the cheapest best-quality policy).
/// Both tolerances keep sums of the same set taken in different orders equal.
#[inline]
pub(crate) fn better(a_obj: f64, a_cost: f64, b_obj: f64, b_cost: f64, tol: f64) -> bool {
    a_obj > b_obj + tol || (a_obj >= b_obj - tol && a_cost < b_cost - COST_TIE * a_cost.abs().max(b_cost.abs()))
}

/// Relative difference below which two cost sums count as equal.
const COST_TIE: f64 = 1e-9;

/// What a one-stage sweep found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StageResult {
    /// The best candidate.
    pub best: Cand,
    /// The candidate of the current threshold.
    pub current: Cand,
    /// The λ interval on which the threshold the step keeps (the best if it moves,
    /// else the current one) stays the best of this stage: no candidate beats it
    /// for λ in [lo, hi].
    pub stable: (f64, f64),
}

/// Reusable buffers of the steps.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Candidates of the last single step, for its stability interval.
    cands: Vec<Cand>,
    /// Segment trees over ranks, one per pair of a scan: per node, the sum and the
    /// best prefix sum, each at λ and at the probe.
    trees: Vec<Vec<Lanes<2>>>,
    /// The same at one λ: (sum, best prefix sum).
    trees1: Vec<Vec<[f64; 2]>>,
    /// Per-rank sums.
    by_rank: Vec<f64>,
}

impl Scratch {
    /// Empties tree `t` for `leaves` leaves (two lanes or one); returns its leaf
    /// capacity.
    fn reset_tree(&mut self, t: usize, leaves: usize, two: bool) -> usize {
        let size = leaves.max(1).next_power_of_two();
        if two {
            if self.trees.len() <= t {
                self.trees.resize_with(t + 1, Vec::new);
            }
            self.trees[t].clear();
            self.trees[t].resize(2 * size, Lanes::ZERO);
        } else {
            if self.trees1.len() <= t {
                self.trees1.resize_with(t + 1, Vec::new);
            }
            self.trees1[t].clear();
            self.trees1[t].resize(2 * size, [0.0; 2]);
        }
        size
    }

    /// The best prefix sums of tree `t` at λ and at the probe (0 without one).
    #[inline]
    fn top(&self, t: usize, two: bool) -> [f64; 2] {
        if two { self.trees[t][1].best } else { [self.trees1[t][1][1], 0.0] }
    }
}

/// A segment-tree node at `L` values of λ: sums and best prefix sums (the empty
/// prefix included, so every best is at least 0), one lane per λ, laid out so that
/// each operation covers every lane at once. The pair scans here use two lanes (λ
/// and the probe); the three-stage solver uses up to eight.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
pub(crate) struct Lanes<const L: usize> {
    pub(crate) sum: [f64; L],
    pub(crate) best: [f64; L],
}

impl<const L: usize> Lanes<L> {
    /// An empty node.
    pub(crate) const ZERO: Self = Self { sum: [0.0; L], best: [0.0; L] };
}

/// Adds `v` at leaf `leaf` of `tree` (capacity `size`) and updates the ancestors.
#[inline]
pub(crate) fn lanes_add<const L: usize>(tree: &mut [Lanes<L>], size: usize, leaf: usize, v: &[f64; L]) {
    let mut x = size + leaf;
    let t = &mut tree[x];
    for (k, &v) in v.iter().enumerate() {
        t.sum[k] += v;
        t.best[k] = if t.sum[k] > 0.0 { t.sum[k] } else { 0.0 };
    }
    while x > 1 {
        x /= 2;
        let (l, r) = (tree[2 * x], tree[2 * x + 1]);
        let mut node = l;
        // Written as selects (not `max`), which compile to vector operations.
        for k in 0..L {
            node.sum[k] = l.sum[k] + r.sum[k];
            let t = l.sum[k] + r.best[k];
            node.best[k] = if t > l.best[k] { t } else { l.best[k] };
        }
        tree[x] = node;
    }
}

/// [`lanes_add`] for one λ with compact nodes: (sum, best prefix sum).
#[inline]
fn tree_add1(tree: &mut [[f64; 2]], size: usize, leaf: usize, v: f64) {
    let mut x = size + leaf;
    let t = &mut tree[x];
    t[0] += v;
    t[1] = if t[0] > 0.0 { t[0] } else { 0.0 };
    while x > 1 {
        x /= 2;
        let (l, r) = (tree[2 * x], tree[2 * x + 1]);
        let t = l[0] + r[1];
        tree[x] = [l[0] + r[0], if t > l[1] { t } else { l[1] }];
    }
}

/// Scores every threshold of stage `j` with the others held. Calls `each(cand)` for every candidate (distinct escalation
/// set) in sweep order when given; computes the stability interval when `interval`
/// (otherwise it is left as [0, ∞]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn sweep_stage(
    chain: &Chain,
    j: usize,
    lambda: f64,
    tau: &[f64],
    tol: f64,
    ws: &mut Scratch,
    interval: bool,
    mut each: Option<&mut Vec<Cand>>,
) -> StageResult {
    let rows = chain.rows(j);
    // The current threshold's candidate, taken from the same running sums as the
    // others so that it compares equal to itself.
    let cur_tau = tau[j];
    let mut current: Option<Cand> = None;
    let mut best = Cand::NONE;
    let (mut dq, mut dc) = (0.0, 0.0);
    let (mut any, mut last) = (false, f64::NEG_INFINITY);
    ws.cands.clear();
    if let Some(f) = each.as_mut() {
        f.push(Cand::NONE);
    }
    // One pass in stage j's score order over the queries that reach j; a tie group
    // of scores moves together, so a candidate is scored where a new score starts.
    for row in rows.iter() {
        if !row.reaches(j, tau) {
            continue;
        }
        let v = row.score(j);
        if !any || v != last {
            if current.is_none() && v >= cur_tau {
                current = Some(Cand { obj: dq - lambda * dc, quality: dq, cost: dc, tau: cur_tau });
            }
            if any {
                // Candidate τ = v: escalate the reaching queries scored below v.
                let c = Cand { obj: dq - lambda * dc, quality: dq, cost: dc, tau: v };
                if better(c.obj, c.cost, best.obj, best.cost, tol) {
                    best = c;
                }
                if interval {
                    ws.cands.push(c);
                }
                if let Some(f) = each.as_mut() {
                    f.push(c);
                }
            }
            any = true;
            last = v;
        }
        // Escalating the query from j takes it to where the later stages stop it.
        let next = row.stop_from(j + 1, tau);
        dq += row.quality(next) - row.quality(j);
        dc += row.cost(next) - row.cost(j);
    }
    // τ = +∞ escalates everyone, unless some score is +∞ itself (those always stay,
    // and the candidate τ = +∞ was the group boundary before them).
    if any && last < f64::INFINITY {
        let c = Cand { obj: dq - lambda * dc, quality: dq, cost: dc, tau: f64::INFINITY };
        if better(c.obj, c.cost, best.obj, best.cost, tol) {
            best = c;
        }
        if interval {
            ws.cands.push(c);
        }
        if let Some(f) = each.as_mut() {
            f.push(c);
        }
    }
    let current = current.unwrap_or(Cand { obj: dq - lambda * dc, quality: dq, cost: dc, tau: cur_tau });
    let mut stable = (0.0, f64::INFINITY);
    // The interval of λ on which the threshold the step keeps (the best when it
    // moves) stays unbeaten; ratios are compared by cross-multiplication.
    if interval {
        let current = if better(best.obj, best.cost, current.obj, current.cost, tol) { best } else { current };
        ws.cands.push(Cand::NONE);
        // Bounds as (numerator, denominator ≥ 0); λ ∈ [lo, hi]. A candidate makes the
        // single step move when it gains more than `tol`, or when it is cheaper and
        // within `tol` (the tie-break), so the bounds include the tolerance.
        let (mut lo, mut hi, mut never) = ((0.0, 1.0), (1.0, 0.0), false);
        for c in &ws.cands {
            let (gq, gc) = (c.quality - current.quality, c.cost - current.cost);
            if gc > 0.0 {
                // Costlier: it gains more than tol for λ < (gq − tol) / gc.
                if (gq - tol) * lo.1 > lo.0 * gc {
                    lo = (gq - tol, gc);
                }
            } else if gc < 0.0 {
                // Cheaper: it wins (gain or tie-break) for λ ≥ (−gq − tol) / (−gc).
                if (-gq - tol) * hi.1 < hi.0 * -gc {
                    hi = (-gq - tol, -gc);
                }
            } else if gq > tol {
                never = true;
            }
        }
        let ratio = |(a, b): (f64, f64)| if b == 0.0 { f64::INFINITY } else { a / b };
        stable = if never { (f64::INFINITY, 0.0) } else { (ratio(lo), ratio(hi)) };
    }
    StageResult { best, current, stable }
}

/// Moves stage `j`'s threshold to `new_tau` and updates where the reaching queries stop.
pub(crate) fn set_threshold(chain: &Chain, j: usize, new_tau: f64, tau: &mut [f64], stop: &mut [u8]) {
    tau[j] = new_tau;
    for (i, s) in stop.iter_mut().enumerate() {
        if (*s as usize) >= j {
            *s = chain.stop_from(j, i, tau) as u8;
        }
    }
}

/// What a pair step found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PairResult {
    /// The change of (Σ quality, Σ cost) when it moved.
    pub moved: Option<(f64, f64)>,
    /// When it did not move: whether the current pair is also unbeaten at the probe λ.
    pub stable_at_probe: bool,
}

/// What scanning one pair (j, l) found at the current thresholds, before any move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PairScan {
    /// Best gain at λ over escalating nobody from j (at least 0), and its τ_j.
    best: f64,
    best_tau1: f64,
    /// Whether some τ_j beat escalating nobody by more than the tolerance.
    found: bool,
    /// Best gain at the probe λ.
    best_probe: f64,
    /// The current pair's change of (Σ quality, Σ cost) over escalating nobody.
    cur: (f64, f64),
    /// Whether any query reaches j.
    any: bool,
}

/// Where a query reaching j goes when it escalates from j (the held stages may stop
/// it before l) and, if it gets to l, from l: (Δquality, Δcost) pairs.
#[inline(always)]
pub(crate) fn pair_gains(row: &Row<'_>, j: usize, l: usize, tau: &[f64]) -> ((f64, f64), Option<(f64, f64)>) {
    let mut m = j + 1;
    while m < l && row.score(m) < tau[m] {
        m += 1;
    }
    let w1 = (row.quality(m) - row.quality(j), row.cost(m) - row.cost(j));
    let w2 = (m == l).then(|| {
        let e = row.stop_from(l + 1, tau);
        (row.quality(e) - row.quality(l), row.cost(e) - row.cost(l))
    });
    (w1, w2)
}

/// Scans the pairs (j, l) for every l of `ls` (each > j, non-final) at once: one
/// pass in stage j's score order over the queries reaching j, one tree per l. Each
/// tie group escalates from j in turn, adding its first gains to running sums and
/// its second gains at stage l's ranks to the tree, whose best prefix is the best
/// τ_l for that τ_j. The trees are independent, so their updates overlap. The
/// current pair escalates from j the queries scored below τ_j, and from l those of
/// them scored below τ_l there. Also checks a second λ, `probe`. Results go to
/// `out`, in the order of `ls`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pair_scan(
    chain: &Chain,
    j: usize,
    ls: &[usize],
    lambda: f64,
    probe: f64,
    tau: &[f64],
    tol: f64,
    ws: &mut Scratch,
    out: &mut Vec<PairScan>,
) {
    let rows = chain.rows(j);
    let two = probe != lambda;
    let sizes: Vec<usize> =
        ls.iter().enumerate().map(|(t, &l)| ws.reset_tree(t, chain.order(l).distinct.len(), two)).collect();
    out.clear();
    out.extend(ls.iter().map(|_| PairScan {
        best: 0.0,
        best_tau1: f64::NEG_INFINITY,
        found: false,
        best_probe: 0.0,
        cur: (0.0, 0.0),
        any: false,
    }));
    let mut p1 = vec![(0.0, 0.0); ls.len()];
    let (mut any, mut last) = (false, f64::NEG_INFINITY);
    for row in rows.iter() {
        if !row.reaches(j, tau) {
            continue;
        }
        let v = row.score(j);
        if any && v != last {
            for (t, scan) in out.iter_mut().enumerate() {
                let [ta, tb] = ws.top(t, two);
                let total = p1[t].0 + ta;
                if total > scan.best + tol {
                    (scan.best, scan.best_tau1, scan.found) = (total, v, true);
                }
                scan.best_probe = scan.best_probe.max(p1[t].1 + tb);
            }
        }
        any = true;
        last = v;
        let escalates = v < tau[j];
        for (t, &l) in ls.iter().enumerate() {
            let (w1, w2) = pair_gains(&row, j, l, tau);
            p1[t].0 += w1.0 - lambda * w1.1;
            p1[t].1 += w1.0 - probe * w1.1;
            let scan = &mut out[t];
            if escalates {
                scan.cur.0 += w1.0;
                scan.cur.1 += w1.1;
            }
            if let Some(w2) = w2 {
                let s_l = row.score(l);
                if escalates && s_l < tau[l] {
                    scan.cur.0 += w2.0;
                    scan.cur.1 += w2.1;
                }
                // A +∞ score at l never escalates: it adds nothing to any prefix.
                if s_l < f64::INFINITY {
                    let leaf = row.rank(l) as usize;
                    if two {
                        lanes_add(&mut ws.trees[t], sizes[t], leaf, &[w2.0 - lambda * w2.1, w2.0 - probe * w2.1]);
                    } else {
                        tree_add1(&mut ws.trees1[t], sizes[t], leaf, w2.0 - lambda * w2.1);
                    }
                }
            }
        }
    }
    for (t, scan) in out.iter_mut().enumerate() {
        scan.any = any;
        if any && last < f64::INFINITY {
            let [ta, tb] = ws.top(t, two);
            let total = p1[t].0 + ta;
            if total > scan.best + tol {
                (scan.best, scan.best_tau1, scan.found) = (total, f64::INFINITY, true);
            }
            scan.best_probe = scan.best_probe.max(p1[t].1 + tb);
        }
        if !two {
            // The probe is λ itself: the best there is the best found (up to the tolerance).
            scan.best_probe = scan.best;
        }
    }
}

/// Exact joint step on the thresholds of stages `j` < `l` (both non-final), the
/// stages between them held, from its [`pair_scan`] at the current thresholds:
/// moves τ_j and τ_l to the best pair when it gains more than `tol` in Q − λ·C
/// (cost ties are left to the single steps); otherwise reports whether the current
/// pair is also unbeaten at the probe λ.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pair_apply(
    chain: &Chain,
    j: usize,
    l: usize,
    scan: &PairScan,
    lambda: f64,
    probe: f64,
    tau: &mut [f64],
    stop: &mut [u8],
    tol: f64,
    ws: &mut Scratch,
) -> PairResult {
    let (cur_q, cur_c) = scan.cur;
    if !scan.any {
        return PairResult { moved: None, stable_at_probe: true };
    }
    if scan.best <= cur_q - lambda * cur_c + tol {
        return PairResult { moved: None, stable_at_probe: scan.best_probe <= cur_q - probe * cur_c + tol };
    }
    let o2 = chain.order(l);
    let rows = chain.rows(j);
    let best_tau1 = scan.best_tau1;
    // The move: τ_j, then the best τ_l for it (the shortest best prefix of rank sums).
    if scan.found {
        ws.by_rank.clear();
        ws.by_rank.resize(o2.distinct.len(), 0.0);
        let mut reaching = false;
        for row in rows.iter() {
            if row.score(j) >= best_tau1 {
                break;
            }
            if !row.reaches(j, tau) {
                continue;
            }
            if let (_, Some(w2)) = pair_gains(&row, j, l, tau) {
                reaching = true;
                if row.score(l) < f64::INFINITY {
                    ws.by_rank[row.rank(l) as usize] += w2.0 - lambda * w2.1;
                }
            }
        }
        if reaching {
            let (mut run, mut top, mut len) = (0.0, 0.0, 0);
            for (r, w) in ws.by_rank.iter().enumerate() {
                run += w;
                if run > top {
                    (top, len) = (run, r + 1);
                }
            }
            // Canonical τ_l: the lowest score among the queries reaching l that stay.
            let mut lowest = f64::INFINITY;
            for row in rows.iter() {
                if row.score(j) >= best_tau1 {
                    break;
                }
                if row.reaches(j, tau) && pair_gains(&row, j, l, tau).1.is_some() && row.rank(l) as usize >= len {
                    lowest = lowest.min(row.score(l));
                }
            }
            tau[l] = if len == 0 { f64::NEG_INFINITY } else { lowest };
        }
    }
    tau[j] = best_tau1;
    let (mut dq, mut dc) = (0.0, 0.0);
    for (i, s) in stop.iter_mut().enumerate() {
        if (*s as usize) >= j {
            let new = chain.stop_from(j, i, tau);
            let old = *s as usize;
            dq += chain.quality(new, i) - chain.quality(old, i);
            dc += chain.cum_cost(new, i) - chain.cum_cost(old, i);
            *s = new as u8;
        }
    }
    PairResult { moved: Some((dq, dc)), stable_at_probe: false }
}
