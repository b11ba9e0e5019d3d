//! The `pairwise` solver of the engine's registry: every pool model alone and every
//! valid pair's cascade at every candidate threshold; the engine evaluates them on
//! calibration and held-out data and takes the frontier, which on calibration is
//! the pairwise envelope.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry as MapEntry;

use cascadelab_core::{Context, Entry, Policy, Problem, Proposal, Signal, Solver, SolverError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{PairwiseError, ThresholdRule, candidate_thresholds};

/// Which thresholds the pairwise solver tries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdMode {
    /// Every distinct calibration score of the cheap model, and +inf (the exact frontier).
    #[default]
    Exact,
    /// `grid-size` thresholds evenly spaced between the cheap model's smallest and
    /// largest finite calibration score (the paper's grid).
    Grid,
}

/// Parameters of the `pairwise` solver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PairwiseParams {
    /// Thresholds tried per pair: "exact" (every distinct calibration score of the
    /// cheap model, and +inf) or "grid" (`grid-size` evenly spaced thresholds between
    /// its smallest and largest finite calibration score, as in the paper).
    #[serde(default)]
    pub thresholds: ThresholdMode,
    /// Number of grid thresholds when `thresholds = "grid"`; at least 2.
    #[serde(default = "default_grid_size")]
    pub grid_size: usize,
}

fn default_grid_size() -> usize {
    200
}

impl Default for PairwiseParams {
    fn default() -> Self {
        Self { thresholds: ThresholdMode::Exact, grid_size: default_grid_size() }
    }
}

impl PairwiseParams {
    /// The checked threshold rule these parameters describe.
    pub fn rule(&self) -> Result<ThresholdRule, String> {
        if self.grid_size < 2 {
            return Err(format!("grid-size must be at least 2, got {}", self.grid_size));
        }
        Ok(match self.thresholds {
            ThresholdMode::Exact => ThresholdRule::Exact,
            ThresholdMode::Grid => ThresholdRule::Grid(self.grid_size),
        })
    }
}

/// The registry entry of the `pairwise` solver.
pub static ENTRY: Entry<PairwiseParams> = Entry::new(
    "pairwise",
    "every valid two-model cascade of the pool at every distinct threshold (or on a grid): the pairwise envelope",
    build,
);

fn build(params: PairwiseParams) -> Result<Box<dyn Solver>, String> {
    Ok(Box::new(PairwiseSolver::new(params.rule()?)))
}

/// Proposes every pool model alone and, for every valid pair, one cascade per
/// candidate threshold of the cheap model on calibration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairwiseSolver {
    rule: ThresholdRule,
}

impl PairwiseSolver {
    /// A solver trying the thresholds of `rule`.
    pub fn new(rule: ThresholdRule) -> Self {
        Self { rule }
    }
}

impl Solver for PairwiseSolver {
    fn propose(&self, problem: &Problem<'_>, ctx: &mut Context<'_>) -> Result<Proposal, SolverError> {
        let (data, pool) = (problem.data, problem.pool);
        if data.models.iter().all(|m| m.confidence.is_none()) {
            return Err(SolverError::Unsupported(
                "the data has no confidence column; cascades need a confidence column (RouterBench data has none)"
                    .into(),
            ));
        }
        let name = |m: usize| data.models[m].name.clone();
        let mut policies: Vec<Policy> = pool.members.iter().map(|&m| Policy::Single { model: name(m) }).collect();
        // One sort per cheap model, reused for all its partners.
        let mut thresholds: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        for &(low, high) in &pool.pairs {
            if let MapEntry::Vacant(slot) = thresholds.entry(low) {
                let t = candidate_thresholds(data, problem.calibration, low, self.rule).map_err(|e| match e {
                    PairwiseError::NoConfidence(m) => SolverError::Unsupported(format!(
                        "model `{m}` has no confidence column; cascades need a confidence column"
                    )),
                    e => SolverError::Failed(e.to_string()),
                })?;
                slot.insert(t);
            }
            let stages = vec![name(low), name(high)];
            for &t in &thresholds[&low] {
                policies.push(Policy::Cascade {
                    stages: stages.clone(),
                    thresholds: vec![t],
                    signal: Signal::Confidence,
                });
            }
        }
        ctx.observer.observe("pairs", pool.pairs.len() as f64);
        ctx.observer.observe("candidates", policies.len() as f64);
        Ok(Proposal::single(policies))
    }
}
