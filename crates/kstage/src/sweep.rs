//! Exact one- and two-threshold steps for a fixed λ.
//!
//! With every other threshold held, stage j's threshold only decides which of the
//! queries reaching stage j escalate; escalating query i changes Q − λ·C by
//! d_i = value(stop further on) − value(stop at j), and the escalated set is a
//! prefix of the reaching queries sorted by score. One pass over the pre-sorted
//! scores with a running sum of d therefore scores every distinct escalation set
//! (ties in score move together: τ equal to a score means that score stays), and
//! the best is exact for that coordinate. The block step does the same for two
//! thresholds j < l jointly: sweeping τ_j inserts queries into a segment tree over
//! stage l's score ranks whose best prefix is the best τ_l, so the pair is
//! optimized exactly in O(n log n).
//!
//! Each step first computes every query's gains in query order (sequential reads of
//! the columns), then sweeps the score order reading only those small arrays, so
//! the random accesses of the sweep stay in cache. All sums are over queries (not
//! means); comparisons use a tolerance on that scale so that rounding noise never
//! counts as a gain.

use crate::chain::Chain;

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
    /// Per query: change of quality and of cost when it escalates (single step), or
    /// the objective gains w1 (escalate from j) and w2 (then from l) (pair step).
    a: Vec<f64>,
    b: Vec<f64>,
    /// Per query (pair step): whether escalating from j brings it to l.
    to_l: Vec<bool>,
    /// Candidates of the last single step, for its stability interval.
    cands: Vec<Cand>,
    /// Segment tree over ranks: (sum, best prefix sum) per node, at two λ.
    tree: Vec<[f64; 4]>,
    /// Per query (pair step): quality and cost changes of w1 and w2.
    w: Vec<[f64; 4]>,
    /// Per-rank sums.
    by_rank: Vec<f64>,
}

impl Scratch {
    fn sized(&mut self, n: usize) {
        if self.a.len() != n {
            self.a.resize(n, 0.0);
            self.b.resize(n, 0.0);
            self.to_l.resize(n, false);
            self.w.resize(n, [0.0; 4]);
        }
    }

    /// Empties the tree for `leaves` leaves; returns its leaf capacity.
    fn reset_tree(&mut self, leaves: usize) -> usize {
        let size = leaves.max(1).next_power_of_two();
        self.tree.clear();
        self.tree.resize(2 * size, [0.0; 4]);
        size
    }
}

/// Adds `oa` and `ob` (the objective at two values of λ) at leaf `leaf` of `tree`
/// (capacity `size`) and updates the ancestors; each node holds, per λ, the sum and
/// the best prefix sum, the empty prefix included (so every best is at least 0).
/// The two λ are independent chains of work, so the second is nearly free.
#[inline]
fn tree_add(tree: &mut [[f64; 4]], size: usize, leaf: usize, oa: f64, ob: f64) {
    let pos = |v: f64| if v > 0.0 { v } else { 0.0 };
    let mut x = size + leaf;
    let t = &mut tree[x];
    t[0] += oa;
    t[2] += ob;
    t[1] = pos(t[0]);
    t[3] = pos(t[2]);
    while x > 1 {
        x /= 2;
        let (l, r) = (tree[2 * x], tree[2 * x + 1]);
        let (ta, tb) = (l[0] + r[1], l[2] + r[3]);
        tree[x] = [l[0] + r[0], if ta > l[1] { ta } else { l[1] }, l[2] + r[2], if tb > l[3] { tb } else { l[3] }];
    }
}

/// Scores every threshold of stage `j` with the others held. `stop[i]` is where query
/// i stops under `tau`. Calls `each(cand)` for every candidate (distinct escalation
/// set) in sweep order when given; computes the stability interval when `interval`
/// (otherwise it is left as [0, ∞]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn sweep_stage(
    chain: &Chain,
    j: usize,
    lambda: f64,
    tau: &[f64],
    stop: &[u8],
    tol: f64,
    ws: &mut Scratch,
    interval: bool,
    mut each: Option<&mut dyn FnMut(Cand)>,
) -> StageResult {
    let n = chain.queries();
    ws.sized(n);
    // Gains of escalating each reaching query, in query order.
    {
        let (q_j, c_j) = (chain.quality_col(j), chain.cost_col(j));
        for i in 0..n {
            let s = stop[i] as usize;
            if s < j {
                continue;
            }
            let next = if s > j { s } else { chain.stop_from(j + 1, i, tau) };
            let dq = chain.quality(next, i) - q_j[i];
            let dc = chain.cum_cost(next, i) - c_j[i];
            ws.a[i] = dq;
            ws.b[i] = dc;
        }
    }
    // The current threshold's candidate, taken from the same running sums as the
    // others so that it compares equal to itself.
    let cur_tau = tau[j];
    let mut current: Option<Cand> = None;
    let o = chain.order(j);
    let (order, sorted) = (&o.order, &o.sorted);
    let mut best = Cand::NONE;
    let (mut dq, mut dc) = (0.0, 0.0);
    let (mut any, mut last) = (false, f64::NEG_INFINITY);
    ws.cands.clear();
    if let Some(f) = each.as_mut() {
        f(Cand::NONE);
    }
    let mut idx = 0;
    while idx < n {
        let i = order[idx] as usize;
        if (stop[i] as usize) < j {
            idx += 1;
            continue;
        }
        let v = sorted[idx];
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
                f(c);
            }
        }
        // Add the whole tie group of reaching queries scored v.
        while idx < n && sorted[idx] == v {
            let i = order[idx] as usize;
            idx += 1;
            if (stop[i] as usize) >= j {
                dq += ws.a[i];
                dc += ws.b[i];
            }
        }
        any = true;
        last = v;
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
            f(c);
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

/// Exact joint step on the thresholds of stages `j` < `l` (both non-final), the
/// stages between them held: sweeping τ_j inserts each query it escalates (and
/// that the held stages pass on to l) into a segment tree over stage l's score
/// ranks, whose best prefix is the best τ_l for that τ_j. Moves only for a gain in
/// Q − λ·C beyond `tol` (cost ties are left to the single steps). The same sweep
/// also checks whether any pair beats the current one at a second λ, `probe`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn block_step(
    chain: &Chain,
    j: usize,
    l: usize,
    lambda: f64,
    probe: f64,
    tau: &mut [f64],
    stop: &mut [u8],
    tol: f64,
    ws: &mut Scratch,
) -> PairResult {
    debug_assert!(j < l && l + 1 < chain.stages());
    let n = chain.queries();
    ws.sized(n);
    let o2 = chain.order(l);
    let at = |s: usize, i: usize| (chain.quality(s, i), chain.cum_cost(s, i));
    // Gains in query order as (Δquality, Δcost): w1 of escalating from j (to where
    // the held stages stop it, or l), w2 of then escalating from l. The current pair
    // escalates from j the queries stopping after j, and from l those after l.
    let (mut cur_q, mut cur_c) = (0.0, 0.0);
    let mut any_to_l = false;
    for (i, &s) in stop.iter().enumerate() {
        let s = s as usize;
        if s < j {
            continue;
        }
        let mut m = j + 1;
        while m < l && chain.score(m, i) < tau[m] {
            m += 1;
        }
        let ((qa, ca), (qb, cb)) = (at(j, i), at(m, i));
        let w = &mut ws.w[i];
        (w[0], w[1]) = (qb - qa, cb - ca);
        ws.to_l[i] = m == l;
        any_to_l |= m == l;
        if m == l {
            let (qe, ce) = at(chain.stop_from(l + 1, i, tau), i);
            (w[2], w[3]) = (qe - qb, ce - cb);
        }
        if s > j {
            cur_q += w[0];
            cur_c += w[1];
            if s > l {
                cur_q += w[2];
                cur_c += w[3];
            }
        }
    }
    if !any_to_l {
        // Nobody escalated from j can reach l: the pair is stage j alone, which the
        // single steps have settled (at λ and, by their interval, at the probe).
        return PairResult { moved: None, stable_at_probe: true };
    }
    let size = ws.reset_tree(o2.distinct.len());
    let o1 = chain.order(j);
    let (order, sorted) = (&o1.order, &o1.sorted);
    let (mut p1a, mut p1b) = (0.0, 0.0);
    // Best so far at λ: escalate nobody from j (τ_l then does not matter); at the
    // probe only the best value matters.
    let (mut best, mut best_tau1, mut found) = (0.0, f64::NEG_INFINITY, false);
    let mut best_probe: f64 = 0.0;
    let (mut any, mut last) = (false, f64::NEG_INFINITY);
    let mut idx = 0;
    while idx < n {
        let i = order[idx] as usize;
        if (stop[i] as usize) < j {
            idx += 1;
            continue;
        }
        let v = sorted[idx];
        if any {
            let t = ws.tree[1];
            let total = p1a + t[1];
            if total > best + tol {
                (best, best_tau1, found) = (total, v, true);
            }
            best_probe = best_probe.max(p1b + t[3]);
        }
        while idx < n && sorted[idx] == v {
            let i = order[idx] as usize;
            idx += 1;
            if (stop[i] as usize) < j {
                continue;
            }
            let w = ws.w[i];
            p1a += w[0] - lambda * w[1];
            p1b += w[0] - probe * w[1];
            // A +∞ score at l never escalates: it adds nothing to any prefix.
            if ws.to_l[i] && chain.score(l, i) < f64::INFINITY {
                tree_add(&mut ws.tree, size, o2.rank[i] as usize, w[2] - lambda * w[3], w[2] - probe * w[3]);
            }
        }
        any = true;
        last = v;
    }
    if !any {
        return PairResult { moved: None, stable_at_probe: true };
    }
    if last < f64::INFINITY {
        let t = ws.tree[1];
        let total = p1a + t[1];
        if total > best + tol {
            (best, best_tau1, found) = (total, f64::INFINITY, true);
        }
        best_probe = best_probe.max(p1b + t[3]);
    }
    if best <= cur_q - lambda * cur_c + tol {
        return PairResult { moved: None, stable_at_probe: best_probe <= cur_q - probe * cur_c + tol };
    }
    // The move: τ_j, then the best τ_l for it (the shortest best prefix of rank sums).
    if found {
        ws.by_rank.clear();
        ws.by_rank.resize(o2.distinct.len(), 0.0);
        let mut reaching = false;
        for (i, &s) in stop.iter().enumerate() {
            if s as usize >= j && ws.to_l[i] && chain.score(j, i) < best_tau1 {
                reaching = true;
                if chain.score(l, i) < f64::INFINITY {
                    let w = ws.w[i];
                    ws.by_rank[o2.rank[i] as usize] += w[2] - lambda * w[3];
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
            for (i, &s) in stop.iter().enumerate() {
                if s as usize >= j && ws.to_l[i] && chain.score(j, i) < best_tau1 && o2.rank[i] as usize >= len {
                    lowest = lowest.min(chain.score(l, i));
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
