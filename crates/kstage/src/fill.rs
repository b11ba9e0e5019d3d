//! Filling the budgets between λ-optima, against everything proposed so far.
//!
//! λ-optima are the supported points of a chain (the vertices of its upper concave
//! hull); most of a frontier lies between them. After the λ sweeps of all chains,
//! every point found so far (single models, optima, two-stage frontiers) goes into
//! one staircase of calibration points (sums over queries), and each chain adds the
//! points that nothing in it dominates:
//!
//! - **Three stages: exact.** One walk over both thresholds ([`pareto`]): afterwards
//!   every point of the chain (every pair of distinct escalation sets) is dominated
//!   by a proposed point. With the two-stage chains' exact frontiers from their λ
//!   sweeps, the proposal's calibration frontier is the exact frontier of every
//!   point of every chain of at most three stages.
//! - **Four or more stages: a Pareto local search.** From each optimum still on the
//!   staircase, every value of one threshold (the others held; one sweep per stage)
//!   whose point nothing dominates joins the staircase and is searched from in turn
//!   (depth first), until no point on the staircase has an undominated single-move
//!   neighbour it has not tried. Heuristic: a point reached only through dominated
//!   points is not found. On the benchmark its frontier is at least as good as that
//!   of walking every pair of thresholds around every optimum on the staircase,
//!   in about half the time.
//!
//! [`pareto`]: crate::pareto

use cascadelab_core::Point;

use crate::Found;
use crate::chain::Chain;
use crate::pareto::{PairScratch, Staircase, pair_points};
use crate::sweep::{Cand, Scratch, sweep_stage};

/// One chain's results so far.
pub(crate) struct ChainResult {
    /// The chain.
    pub chain: Chain,
    /// What was found (optima first).
    pub found: Vec<Found>,
}

/// Adds to each chain's found list the points of its pair walk (three stages) or
/// local search (four or more) that nothing found before dominates (see the module
/// doc). `singles` are the single-model points.
pub(crate) fn fill(results: &mut [ChainResult], singles: &[Point]) {
    let Some(n) = results.first().map(|r| r.chain.queries() as f64) else { return };
    let mut stair = Staircase::new();
    for p in singles.iter().chain(results.iter().flat_map(|r| r.found.iter().map(|f| &f.point))) {
        stair.insert(p.cost * n, p.quality * n);
    }
    let to_found = |thresholds: Vec<f64>, cost: f64, quality: f64| Found {
        point: Point { cost: cost / n, quality: quality / n },
        thresholds,
        optimum: false,
        canonical: false,
    };
    let mut ws = PairScratch::default();
    for r in results.iter_mut().filter(|r| r.chain.stages() == 3) {
        let found = &mut r.found;
        pair_points(&r.chain, 0, 1, &[f64::NEG_INFINITY; 2], &mut stair, &mut ws, |p| {
            found.push(to_found(vec![p.tau_j, p.tau_l], p.cost, p.quality));
        });
    }
    let mut scratch = Scratch::default();
    let mut cands: Vec<Cand> = Vec::new();
    for r in results.iter_mut().filter(|r| r.chain.stages() >= 4) {
        let chain = &r.chain;
        let k = chain.stages();
        // Depth first from the optima, in order; each entry with its sums and the
        // stage whose move produced it (sweeping that stage again would only find
        // the same points).
        let mut queue: Vec<(Vec<f64>, f64, f64, usize)> = r
            .found
            .iter()
            .rev()
            .filter(|f| f.optimum)
            .map(|f| (f.thresholds.clone(), f.point.quality * n, f.point.cost * n, usize::MAX))
            .collect();
        while let Some((tau, sq, sc, from)) = queue.pop() {
            if !stair.on_frontier(sc, sq) {
                continue;
            }
            for j in (0..k - 1).filter(|&j| j != from) {
                cands.clear();
                let current = sweep_stage(chain, j, 0.0, &tau, 0.0, &mut scratch, false, Some(&mut cands)).current;
                // With non-negative costs the candidates come by increasing cost, and
                // the staircase is read by a cursor.
                let mut hint = usize::MAX;
                for c in &cands {
                    let (quality, cost) = (sq - current.quality + c.quality, sc - current.cost + c.cost);
                    if stair.dominates_scan(&mut hint, cost, quality) || !stair.insert(cost, quality) {
                        continue;
                    }
                    hint = usize::MAX;
                    let mut t = tau.clone();
                    t[j] = c.tau;
                    queue.push((t.clone(), quality, cost, j));
                    r.found.push(to_found(t, cost, quality));
                }
            }
        }
    }
}
