//! Black-box baselines from argmin: Nelder-Mead and particle swarm on Q − λ·C.
//!
//! They search continuous parameters x ∈ [0, 1]^(k−1), one per non-final stage,
//! read as quantiles of that stage model's calibration scores: x_j = r/n escalates
//! the queries scored below the r-th lowest score (r = 0: −∞, nobody; r = n: +∞,
//! everyone). The objective is piecewise constant in x but every stage has the
//! same scale, which is what derivative-free methods need. Like the paper's NSGA-II
//! search, every evaluated threshold vector is kept in an archive, and the archive's
//! non-dominated points are the proposal; the λ sweep only steers the search.

use std::cell::RefCell;

use argmin::core::observers::ObserverMode;
use argmin::core::{CostFunction, Error, Executor, State};
use argmin::solver::neldermead::NelderMead;
use argmin::solver::particleswarm::ParticleSwarm;
use cascadelab_core::{Frontier, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::chain::Chain;
use crate::observe::Bridge;

/// Q − λ·C over quantile parameters, recording every evaluation.
pub struct QuantileObjective<'a> {
    chain: &'a Chain,
    lambda: f64,
    archive: &'a RefCell<Archive>,
}

/// Every evaluated threshold vector and its calibration point.
#[derive(Debug, Default, Clone)]
pub struct Archive {
    /// Calibration points, in evaluation order.
    pub points: Vec<Point>,
    /// Thresholds, in evaluation order.
    pub thresholds: Vec<Vec<f64>>,
}

impl Archive {
    /// The archived threshold vectors that are not dominated on calibration, by
    /// increasing cost.
    pub fn frontier(&self) -> Vec<Vec<f64>> {
        Frontier::from_points(&self.points).points().iter().map(|p| self.thresholds[p.index].clone()).collect()
    }
}

/// The thresholds of quantile parameters `x` on `chain`.
pub fn thresholds_of(chain: &Chain, x: &[f64]) -> Vec<f64> {
    let n = chain.queries();
    x.iter()
        .enumerate()
        .map(|(j, &xj)| {
            let xj = if xj.is_nan() { 0.0 } else { xj.clamp(0.0, 1.0) };
            let r = (xj * n as f64).round() as usize;
            if r == 0 {
                f64::NEG_INFINITY
            } else if r >= n {
                f64::INFINITY
            } else {
                chain.score(j, chain.order(j).order[r] as usize)
            }
        })
        .collect()
}

impl CostFunction for QuantileObjective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> Result<f64, Error> {
        let tau = thresholds_of(self.chain, x);
        let p = self.chain.evaluate(&tau);
        let mut a = self.archive.borrow_mut();
        a.points.push(p);
        a.thresholds.push(tau);
        Ok(-(p.quality - self.lambda * p.cost))
    }
}

/// Budgets of the black-box methods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlackBoxSettings {
    /// Iterations per λ.
    pub iterations: u64,
    /// Particles (particle swarm only).
    pub particles: usize,
    /// Nelder-Mead stops when the simplex's objective values have a standard
    /// deviation below this.
    pub tolerance: f64,
}

/// Nelder-Mead for each λ (in order), each simplex built around the previous λ's
/// best point with seeded random edges. Returns the archive.
pub fn nelder_mead(
    chain: &Chain,
    lambdas: &[f64],
    settings: &BlackBoxSettings,
    rng: &mut ChaCha8Rng,
    bridge: &Bridge,
) -> Result<Archive, Error> {
    let dim = chain.stages() - 1;
    let archive = RefCell::new(Archive::default());
    let mut x0: Vec<f64> = (0..dim).map(|_| rng.random_range(0.0..1.0)).collect();
    for &lambda in lambdas {
        let mut simplex = vec![x0.clone()];
        for j in 0..dim {
            let mut v = x0.clone();
            let step = rng.random_range(0.05..0.25);
            v[j] = if v[j] + step <= 1.0 { v[j] + step } else { v[j] - step };
            simplex.push(v);
        }
        let solver = NelderMead::new(simplex).with_sd_tolerance(settings.tolerance)?;
        let problem = QuantileObjective { chain, lambda, archive: &archive };
        let res = Executor::new(problem, solver)
            .configure(|s| s.max_iters(settings.iterations).counting(false))
            .add_observer(bridge.clone(), ObserverMode::Never)
            .ctrlc(false)
            .run()?;
        if let Some(best) = res.state.get_best_param() {
            x0 = best.iter().map(|v| v.clamp(0.0, 1.0)).collect();
        }
    }
    Ok(archive.into_inner())
}

/// Particle swarm for each λ, on the unit box, its generator seeded from `rng`.
/// Returns the archive.
pub fn particle_swarm(
    chain: &Chain,
    lambdas: &[f64],
    settings: &BlackBoxSettings,
    rng: &mut ChaCha8Rng,
    bridge: &Bridge,
) -> Result<Archive, Error> {
    let dim = chain.stages() - 1;
    let archive = RefCell::new(Archive::default());
    for &lambda in lambdas {
        let solver = ParticleSwarm::new((vec![0.0; dim], vec![1.0; dim]), settings.particles)
            .with_rng_generator(ChaCha8Rng::from_rng(rng));
        let problem = QuantileObjective { chain, lambda, archive: &archive };
        Executor::new(problem, solver)
            .configure(|s| s.max_iters(settings.iterations))
            .add_observer(bridge.clone(), ObserverMode::Never)
            .ctrlc(false)
            .run()?;
    }
    Ok(archive.into_inner())
}
