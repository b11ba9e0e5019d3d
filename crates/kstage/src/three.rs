//! The exact optimum of a three-stage chain for one λ, from arrays prepared once.
//!
//! With three stages the pair step over both thresholds is the whole problem, and
//! what each query gains by escalating from stage 0 to 1 and from 1 to 2 does not
//! depend on the thresholds. So the gains, stage 1's score ranks and the group
//! boundaries are laid out once in stage 0's score order, and each solve is one
//! pass over them: escalating the next group of stage 0 adds its gains to a running
//! sum and its second-step objectives to a segment tree over stage 1's ranks, whose
//! best prefix is the best τ_1 for that τ_0. Several λ share a pass, one tree lane
//! each.

use crate::chain::Chain;
use crate::sweep::{Lanes, lanes_add};

/// A leaf that no query adds to (a +∞ score at stage 1 never escalates).
const NO_LEAF: u32 = u32::MAX;

/// Prepared arrays of one three-stage chain and the solver's buffers.
#[derive(Debug)]
pub(crate) struct ThreeStage {
    /// Stage 0's scores, ascending.
    score: Vec<f64>,
    /// Per query in that order: (Δquality, Δcost) of escalating from 0 to 1.
    first: Vec<[f64; 2]>,
    /// The same from 1 to 2.
    second: Vec<[f64; 2]>,
    /// Per query in that order: its rank among stage 1's distinct scores.
    rank: Vec<u32>,
    /// The leaf of each query in that order, or [`NO_LEAF`].
    leaf: Vec<u32>,
    /// Σ quality and Σ cost when every query stops at stage 0.
    base: (f64, f64),
    size: usize,
    by_rank: Vec<f64>,
}

impl ThreeStage {
    /// Lays out `chain` (three stages).
    pub(crate) fn new(chain: &Chain) -> Self {
        debug_assert_eq!(chain.stages(), 3);
        let o = chain.order(0);
        let r1 = chain.order(1);
        let (q, c) = ([0, 1, 2].map(|j| chain.quality_col(j)), [0, 1, 2].map(|j| chain.cost_col(j)));
        let mut first = Vec::with_capacity(o.order.len());
        let mut second = Vec::with_capacity(o.order.len());
        let mut rank = Vec::with_capacity(o.order.len());
        let mut leaf = Vec::with_capacity(o.order.len());
        for &i in &o.order {
            let i = i as usize;
            first.push([q[1][i] - q[0][i], c[1][i] - c[0][i]]);
            second.push([q[2][i] - q[1][i], c[2][i] - c[1][i]]);
            rank.push(r1.rank[i]);
            leaf.push(if chain.score(1, i) < f64::INFINITY { r1.rank[i] } else { NO_LEAF });
        }
        let size = r1.distinct.len().max(1).next_power_of_two();
        Self {
            score: o.sorted.clone(),
            first,
            second,
            rank,
            leaf,
            base: (q[0].iter().sum(), c[0].iter().sum()),
            size,
            by_rank: vec![0.0; r1.distinct.len()],
        }
    }

    /// Σ quality and Σ cost when every query stops at stage 0.
    pub(crate) fn base(&self) -> (f64, f64) {
        self.base
    }

    /// For each λ of `lambdas`: the maximum of Σ quality − λ·Σ cost minus the
    /// base's, and the [`Solution`] that reaches it ([`ThreeStage::thresholds`]).
    /// Among candidates within `tol` of each other the first in the sweep wins. Up
    /// to eight λ share one pass: the tree then holds one lane per λ, and the lanes'
    /// additions and comparisons run side by side.
    pub(crate) fn solve(&mut self, lambdas: &[f64], tol: f64) -> Vec<(Solution, f64)> {
        let mut out = Vec::with_capacity(lambdas.len());
        for chunk in lambdas.chunks(8) {
            let ends = match chunk.len() {
                1 => self.sweep::<1>(chunk, tol),
                2 => self.sweep::<2>(chunk, tol),
                3 | 4 => self.sweep::<4>(chunk, tol),
                _ => self.sweep::<8>(chunk, tol),
            };
            out.extend(chunk.iter().zip(ends).map(|(&lambda, (end, best))| (Solution { lambda, end }, best)));
        }
        out
    }

    /// One pass at up to `L` values of λ (`lambdas`; the lanes beyond repeat the
    /// last): per λ, how many queries (in stage 0's order) the best τ_0 escalates, and
    /// the best value.
    fn sweep<const L: usize>(&mut self, lambdas: &[f64], tol: f64) -> Vec<(usize, f64)> {
        let mut lam = [lambdas[lambdas.len() - 1]; L];
        lam[..lambdas.len()].copy_from_slice(lambdas);
        let size = self.size;
        let mut tree = vec![Lanes::<L>::ZERO; 2 * size];
        let n = self.score.len();
        let (mut run, mut best, mut end) = ([0.0; L], [0.0; L], [0usize; L]);
        let check = |run: &[f64; L], root: &Lanes<L>, best: &mut [f64; L], end: &mut [usize; L], at: usize| {
            for k in 0..L {
                let total = run[k] + root.best[k];
                if total > best[k] + tol {
                    (best[k], end[k]) = (total, at);
                }
            }
        };
        let mut idx = 0;
        while idx < n {
            let v = self.score[idx];
            if idx > 0 {
                check(&run, &tree[1], &mut best, &mut end, idx);
            }
            while idx < n && self.score[idx] == v {
                let [dq, dc] = self.first[idx];
                for k in 0..L {
                    run[k] += dq - lam[k] * dc;
                }
                let leaf = self.leaf[idx];
                if leaf != NO_LEAF {
                    let [q2, c2] = self.second[idx];
                    let mut add = [0.0; L];
                    for k in 0..L {
                        add[k] = q2 - lam[k] * c2;
                    }
                    lanes_add(&mut tree, size, leaf as usize, &add);
                }
                idx += 1;
            }
        }
        if n > 0 && self.score[n - 1] < f64::INFINITY {
            check(&run, &tree[1], &mut best, &mut end, n);
        }
        (0..lambdas.len()).map(|k| (end[k], best[k])).collect()
    }

    /// The canonical thresholds of a solution (τ_1 is −∞ when nobody reaches stage
    /// 1): the first `end` queries (in stage 0's order) escalate from stage 0, and
    /// stage 1 takes its best prefix at λ.
    pub(crate) fn thresholds(&mut self, chain: &Chain, solution: Solution) -> Vec<f64> {
        let Solution { lambda, end } = solution;
        if end == 0 {
            return vec![f64::NEG_INFINITY; 2];
        }
        let tau0 = self.score.get(end).copied().unwrap_or(f64::INFINITY);
        self.by_rank.fill(0.0);
        for idx in 0..end {
            if self.leaf[idx] != NO_LEAF {
                let [q2, c2] = self.second[idx];
                self.by_rank[self.leaf[idx] as usize] += q2 - lambda * c2;
            }
        }
        let (mut run, mut top, mut len) = (0.0, 0.0, 0);
        for (r, w) in self.by_rank.iter().enumerate() {
            run += w;
            if run > top {
                (top, len) = (run, r + 1);
            }
        }
        // τ_1: the lowest score among the reaching queries that stay.
        let stay = self.rank[..end].iter().filter(|&&r| r as usize >= len).min();
        let distinct = &chain.order(1).distinct;
        let tau1 = if len == 0 { f64::NEG_INFINITY } else { stay.map_or(f64::INFINITY, |&r| distinct[r as usize]) };
        vec![tau0, tau1]
    }
}

/// What a solve found at one λ, enough to recover its thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Solution {
    lambda: f64,
    end: usize,
}
