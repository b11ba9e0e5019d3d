//! Coordinate ascent on the thresholds of one chain for one λ, as an argmin
//! [`Solver`].
//!
//! One argmin iteration is one round: every threshold whose best value may have
//! changed is set to its exact best with the others held (a sorted sweep); when no
//! single threshold moves, every pair of thresholds is optimized jointly and
//! exactly (a sweep with a segment tree), and the solver reports convergence once
//! neither kind of step improves Q − λ·C by more than the tolerance. Each step is
//! exact for what it changes, so the objective never decreases and, the candidate
//! set being finite, the ascent terminates; the result is a point that no change of
//! one threshold, nor of two, can improve. For k = 2 that is the global optimum,
//! and for k = 3 too (one pair step covers both thresholds). Between rounds the
//! thresholds are rewritten in canonical form (same escalation sets, so the same
//! point), so that a stage that escalates everyone says +∞ and keeps doing so for
//! queries that reach it later. The [`argmin::core::Executor`] owns the loop, the
//! iteration limit and the observers; the solver reports the moves of each round.
//!
//! The pair steps that share their first threshold are scanned together, ahead of
//! their turn; a scan is used only while nothing has moved since it was taken, so
//! the steps are exactly those of one pair at a time. A run that starts where the
//! previous one converged keeps where each query stops and each threshold's
//! stability interval, and sweeps only the thresholds whose interval leaves out
//! the new λ.

use argmin::core::{CostFunction, Error, IterState, KV, Problem, Solver, State, TerminationReason, TerminationStatus};

use crate::chain::Chain;
use crate::sweep::{PairScan, Scratch, better, pair_apply, pair_scan, set_threshold, sweep_stage};

/// The problem argmin sees: minimize −(Q − λ·C) of a chain's thresholds.
#[derive(Debug, Clone, Copy)]
pub struct ChainObjective<'a> {
    /// The chain.
    pub chain: &'a Chain,
    /// The cost weight λ ≥ 0 (finite).
    pub lambda: f64,
}

impl CostFunction for ChainObjective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, thresholds: &Self::Param) -> Result<f64, Error> {
        Ok(-self.chain.objective(thresholds, self.lambda))
    }
}

/// argmin's state for the coordinate method: thresholds and −(Q − λ·C).
pub type CoordinateState = IterState<Vec<f64>, (), (), (), (), f64>;

/// Exact coordinate ascent (with exact pair steps) on the thresholds. Reusable: a
/// run starts from the executor's initial thresholds and keeps its buffers.
#[derive(Debug)]
pub struct CoordinateAscent {
    tolerance: f64,
    /// Where each calibration query stops under the current thresholds.
    stop: Vec<u8>,
    scratch: Scratch,
    sums: (f64, f64),
    converged: bool,
    stable: (f64, f64),
    moves: u64,
    blocks: bool,
    max_gap: usize,
    lowest: Vec<f64>,
    count: Vec<u32>,
    grid: Vec<f64>,
    probe: Option<(f64, bool)>,
    /// Per stage: whether another threshold moved since its last sweep, and the
    /// stability interval that sweep found.
    dirty: Vec<bool>,
    intervals: Vec<(f64, f64)>,
    /// Buffer of pair scans.
    scans: Vec<PairScan>,
    /// The thresholds the last run converged to (its `stop`, `sums` and `intervals`
    /// still describe them), until the next move.
    last: Option<Vec<f64>>,
}

impl CoordinateAscent {
    /// A solver whose moves must raise Q − λ·C (a mean per query) by more than
    /// `tolerance`, or keep it and lower the cost.
    pub fn new(tolerance: f64) -> Self {
        Self {
            tolerance,
            stop: Vec::new(),
            scratch: Scratch::default(),
            sums: (0.0, 0.0),
            converged: false,
            stable: (0.0, f64::INFINITY),
            moves: 0,
            blocks: true,
            max_gap: usize::MAX,
            lowest: Vec::new(),
            count: Vec::new(),
            grid: Vec::new(),
            probe: None,
            dirty: Vec::new(),
            intervals: Vec::new(),
            scans: Vec::new(),
            last: None,
        }
    }

    /// The ascending λ grid the caller sweeps. When a round finds no move at λ, the
    /// pair steps also check the largest grid λ inside the interval where no single
    /// threshold change beats the result ([`CoordinateAscent::probe`]).
    pub fn with_grid(mut self, grid: Vec<f64>) -> Self {
        self.grid = grid;
        self
    }

    /// After a converged run: the probed λ and whether no single or pair change beats
    /// the result there either (`None` when nothing beyond λ was probed).
    pub fn probe(&self) -> Option<(f64, bool)> {
        if self.converged { self.probe } else { None }
    }

    /// Whether to try the exact pair steps once single steps stall (default true).
    pub fn with_blocks(mut self, blocks: bool) -> Self {
        self.blocks = blocks;
        self
    }

    /// Largest distance l − j of the threshold pairs the pair steps optimize
    /// jointly (default: every pair).
    pub fn with_max_gap(mut self, gap: usize) -> Self {
        self.max_gap = gap;
        self
    }

    /// The λ interval on which no single threshold of the last result would move
    /// (from the sweeps of its final state); empty if the run did not converge.
    pub fn stable_interval(&self) -> (f64, f64) {
        if self.converged { self.stable } else { (f64::INFINITY, 0.0) }
    }

    /// Whether the last run converged (a round without moves).
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Number of threshold moves made in the last run.
    pub fn moves(&self) -> u64 {
        self.moves
    }

    fn reset(&mut self, chain: &Chain, tau: &[f64], lambda: f64) {
        // Starting where the last run converged: where each query stops and the sums
        // are known, and so is each threshold's stability interval, which says which
        // single steps cannot move at this λ.
        if self.last.as_deref() == Some(tau) {
            self.converged = false;
            self.moves = 0;
            self.probe = None;
            for (d, &(lo, hi)) in self.dirty.iter_mut().zip(&self.intervals) {
                *d = !(lo <= lambda && lambda <= hi);
            }
            return;
        }
        self.last = None;
        let n = chain.queries();
        self.stop.clear();
        let (mut q, mut c) = (0.0, 0.0);
        for i in 0..n {
            let s = chain.stop_from(0, i, tau);
            q += chain.quality(s, i);
            c += chain.cum_cost(s, i);
            self.stop.push(s as u8);
        }
        self.sums = (q, c);
        self.converged = false;
        self.stable = (0.0, f64::INFINITY);
        self.moves = 0;
        self.probe = None;
        self.dirty.clear();
        self.dirty.resize(tau.len(), true);
        self.intervals.clear();
        self.intervals.resize(tau.len(), (0.0, f64::INFINITY));
    }

    /// One pass over the thresholds in `stages` order, sweeping only those whose
    /// result may have changed (another threshold moved since their last sweep);
    /// returns whether anything moved. Afterwards `stable` is the λ interval on which
    /// no single threshold would move.
    fn pass(&mut self, chain: &Chain, lambda: f64, tau: &mut [f64], stages: impl Iterator<Item = usize>) -> bool {
        let tol = self.tolerance * chain.queries() as f64;
        let mut moved = false;
        for j in stages {
            if !self.dirty[j] {
                continue;
            }
            let r = sweep_stage(chain, j, lambda, tau, tol, &mut self.scratch, true, None);
            if better(r.best.obj, r.best.cost, r.current.obj, r.current.cost, tol) {
                set_threshold(chain, j, r.best.tau, tau, &mut self.stop);
                self.sums.0 += r.best.quality - r.current.quality;
                self.sums.1 += r.best.cost - r.current.cost;
                self.moves += 1;
                moved = true;
                self.dirty.fill(true);
            }
            self.dirty[j] = false;
            self.intervals[j] = r.stable;
        }
        self.stable = self.intervals.iter().fold((0.0, f64::INFINITY), |a, b| (a.0.max(b.0), a.1.min(b.1)));
        moved
    }

    /// Sets the thresholds from scratch for `lambda`: all +∞, then each threshold from
    /// the last to the first at its exact best (every query reaches every stage
    /// while the earlier thresholds are +∞). The usual start without a warm start.
    pub fn backward_start(&mut self, chain: &Chain, lambda: f64) -> Vec<f64> {
        let k = chain.stages();
        let mut tau = vec![f64::INFINITY; k - 1];
        self.last = None;
        self.reset(chain, &tau, lambda);
        self.pass(chain, lambda, &mut tau, (0..k - 1).rev());
        tau
    }

    fn objective(&self, chain: &Chain, lambda: f64) -> f64 {
        let n = chain.queries() as f64;
        self.sums.0 / n - lambda * self.sums.1 / n
    }
}

impl<'a> Solver<ChainObjective<'a>, CoordinateState> for CoordinateAscent {
    fn name(&self) -> &str {
        "exact coordinate ascent"
    }

    fn init(
        &mut self,
        problem: &mut Problem<ChainObjective<'a>>,
        state: CoordinateState,
    ) -> Result<(CoordinateState, Option<KV>), Error> {
        let p = *problem.problem.as_ref().ok_or_else(|| Error::msg("coordinate ascent: no problem"))?;
        let mut state = state;
        let tau = match state.take_param() {
            Some(t) if t.len() + 1 == p.chain.stages() && t.iter().all(|x| !x.is_nan()) => {
                self.reset(p.chain, &t, p.lambda);
                t
            }
            Some(t) => return Err(Error::msg(format!("coordinate ascent: bad start {t:?}"))),
            None => self.backward_start(p.chain, p.lambda),
        };
        let cost = -self.objective(p.chain, p.lambda);
        Ok((state.param(tau).cost(cost), None))
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<ChainObjective<'a>>,
        mut state: CoordinateState,
    ) -> Result<(CoordinateState, Option<KV>), Error> {
        let p = *problem.problem.as_ref().ok_or_else(|| Error::msg("coordinate ascent: no problem"))?;
        let (chain, lambda) = (p.chain, p.lambda);
        let mut tau = state.take_param().ok_or_else(|| Error::msg("coordinate ascent: no thresholds in state"))?;
        let k = chain.stages();
        let moves_before = self.moves;
        // Stale thresholds (set before an earlier stage moved) are rewritten to the
        // canonical form of their current escalation set, so that a set that holds
        // everyone (or no one) says +∞ (−∞) and keeps doing so for queries that reach
        // the stage later; the calibration point does not change.
        if chain.canonicalize(&mut tau, &self.stop, &mut self.lowest, &mut self.count) {
            self.dirty.fill(true);
        }
        let mut moved = self.pass(chain, lambda, &mut tau, 0..k - 1);
        self.probe = None;
        if !moved {
            // The largest grid λ beyond this one where no single change beats the result.
            let hi = self.stable.1;
            let probe = self.grid.iter().copied().rfind(|&g| g > lambda && g <= hi);
            let mut stable = true;
            if self.blocks {
                let tol = self.tolerance * chain.queries() as f64;
                let at = probe.unwrap_or(lambda);
                let pairs: Vec<(usize, usize)> = (1..k.saturating_sub(1).min(self.max_gap.saturating_add(1)))
                    .flat_map(|gap| (0..k - 1 - gap).map(move |j| (j, j + gap)))
                    .collect();
                // Pairs sharing j are scanned together, ahead of their turn; a scan
                // is used only while nothing has moved since it was taken.
                let mut scans: Vec<Option<PairScan>> = vec![None; pairs.len()];
                for (p, &(j, l)) in pairs.iter().enumerate() {
                    if scans[p].is_none() {
                        let later: Vec<usize> = (p..pairs.len()).filter(|&q| pairs[q].0 == j).collect();
                        let ls: Vec<usize> = later.iter().map(|&q| pairs[q].1).collect();
                        pair_scan(chain, j, &ls, lambda, at, &tau, tol, &mut self.scratch, &mut self.scans);
                        for (&q, s) in later.iter().zip(&self.scans) {
                            scans[q] = Some(*s);
                        }
                    }
                    let scan = scans[p].take().expect("scanned above");
                    let r =
                        pair_apply(chain, j, l, &scan, lambda, at, &mut tau, &mut self.stop, tol, &mut self.scratch);
                    if let Some((dq, dc)) = r.moved {
                        self.sums.0 += dq;
                        self.sums.1 += dc;
                        self.moves += 1;
                        moved = true;
                        self.dirty.fill(true);
                        scans.fill(None);
                    }
                    stable &= r.stable_at_probe;
                }
            }
            self.probe = probe.map(|p| (p, stable));
        }
        self.converged = !moved;
        self.last = (!moved).then(|| tau.clone());
        if moved && chain.canonicalize(&mut tau, &self.stop, &mut self.lowest, &mut self.count) {
            self.dirty.fill(true);
        }
        let cost = -self.objective(chain, lambda);
        let kv = argmin::kv!("moves" => self.moves - moves_before;);
        Ok((state.param(tau).cost(cost), Some(kv)))
    }

    fn terminate(&mut self, _state: &CoordinateState) -> TerminationStatus {
        if self.converged {
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        } else {
            TerminationStatus::NotTerminated
        }
    }
}

/// Runs `solver` under an argmin executor from `start` (or the backward start) and
/// returns the thresholds (canonical), the solver (for its buffers and what it
/// learned: convergence, moves, stability interval) and the iterations used.
pub fn run(
    chain: &Chain,
    lambda: f64,
    start: Option<Vec<f64>>,
    max_iters: u64,
    solver: CoordinateAscent,
    observer: Option<crate::observe::Bridge>,
) -> Result<(Vec<f64>, CoordinateAscent, u64), Error> {
    let problem = ChainObjective { chain, lambda };
    let mut exec = argmin::core::Executor::new(problem, solver).configure(|s| {
        let s = s.max_iters(max_iters).counting(false);
        match start {
            Some(t) => s.param(t),
            None => s,
        }
    });
    if let Some(obs) = observer {
        exec = exec.add_observer(obs, argmin::core::observers::ObserverMode::Never);
    }
    let res = exec.ctrlc(false).run()?;
    let iters = res.state.get_iter();
    let mut state = res.state;
    // The last thresholds, not argmin's "best": a move that keeps the objective and
    // lowers the cost does not count as a new best there.
    let mut tau = state.take_param().ok_or_else(|| Error::msg("coordinate ascent: no result"))?;
    let mut solver = res.solver;
    chain.canonicalize(&mut tau, &solver.stop, &mut solver.lowest, &mut solver.count);
    Ok((tau, solver, iters))
}
