//! The `randomized` solver of the engine's registry: runs a deterministic base
//! solver, evaluates its candidates on calibration, and proposes the hull's vertices
//! and mixtures along its segments.

use cascadelab_core::{
    Context, Entry, Evaluator, Policy, PolicyFamily, Problem, Proposal, Solver, SolverEntry, SolverError,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::RandomizedFrontier;

/// Most mixtures a segment may be asked for.
pub const MAX_MIXTURES_PER_SEGMENT: usize = 10_000;

/// The deterministic solver whose candidates are hulled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BaseSolver {
    /// The `pairwise` solver: every pool model alone and every valid pair at every
    /// distinct threshold (or its grid).
    #[default]
    Pairwise,
    /// The `k-stage` solver: cascades of up to k pool models.
    KStage,
}

impl BaseSolver {
    /// The base solver's registry entry.
    pub fn entry(self) -> &'static dyn SolverEntry {
        match self {
            BaseSolver::Pairwise => &cascadelab_pairwise::ENTRY,
            BaseSolver::KStage => &cascadelab_kstage::ENTRY,
        }
    }
}

/// Parameters of the `randomized` solver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RandomizedParams {
    /// Which deterministic candidates to hull: "pairwise" or "k-stage".
    #[serde(default)]
    pub base: BaseSolver,
    /// Parameters of the base solver, as its own `[[solvers]]` table would write them
    /// (without `kind`); its defaults when absent.
    #[serde(default)]
    pub base_params: serde_json::Map<String, serde_json::Value>,
    /// Mixtures proposed on each hull segment, at p = i/(m + 1) for i = 1..m (1: the
    /// midpoint); 0 proposes the hull's vertices only.
    #[serde(default = "default_mixtures")]
    pub mixtures_per_segment: usize,
}

fn default_mixtures() -> usize {
    1
}

impl Default for RandomizedParams {
    fn default() -> Self {
        Self {
            base: BaseSolver::default(),
            base_params: serde_json::Map::new(),
            mixtures_per_segment: default_mixtures(),
        }
    }
}

/// The registry entry of the `randomized` solver.
pub static ENTRY: Entry<RandomizedParams> = Entry::new(
    "randomized",
    "the upper concave hull of a deterministic solver's policies: its vertices and mixing policies on every segment",
    build,
);

fn build(params: RandomizedParams) -> Result<Box<dyn Solver>, String> {
    if params.mixtures_per_segment > MAX_MIXTURES_PER_SEGMENT {
        return Err(format!(
            "mixtures-per-segment: at most {MAX_MIXTURES_PER_SEGMENT} are supported, got {}",
            params.mixtures_per_segment
        ));
    }
    let entry = params.base.entry();
    let base = entry
        .build(serde_json::Value::Object(params.base_params))
        .map_err(|e| format!("base-params (for the `{}` solver): {e}", entry.kind()))?;
    Ok(Box::new(RandomizedSolver::new(base, params.mixtures_per_segment)))
}

/// Hulls the candidates of any deterministic solver.
pub struct RandomizedSolver {
    base: Box<dyn Solver>,
    mixtures_per_segment: usize,
}

impl RandomizedSolver {
    /// A solver hulling `base`'s candidates, with `mixtures_per_segment` mixtures per
    /// hull segment.
    pub fn new(base: Box<dyn Solver>, mixtures_per_segment: usize) -> Self {
        Self { base, mixtures_per_segment }
    }

    /// The hull of the base solver's candidates on `problem.calibration`, and the
    /// base's predictors (which the policies may refer to).
    pub fn frontier(
        &self,
        problem: &Problem<'_>,
        ctx: &mut Context<'_>,
    ) -> Result<(RandomizedFrontier, cascadelab_core::Predictors), SolverError> {
        let base = self.base.propose(problem, ctx)?;
        let policies: Vec<Policy> = base.families.into_iter().flat_map(|f| f.policies).collect();
        if policies.is_empty() {
            return Err(SolverError::Failed("the base solver proposed no policy to hull".into()));
        }
        let failed = |e: cascadelab_core::PolicyError| SolverError::Failed(format!("evaluating base candidates: {e}"));
        let mut ev = Evaluator::new(problem.data, problem.calibration, &base.predictors).map_err(failed)?;
        let points = ev.evaluate_all(&policies).map_err(failed)?;
        let frontier = RandomizedFrontier::new(policies, points).map_err(|e| SolverError::Failed(e.to_string()))?;
        Ok((frontier, base.predictors))
    }
}

impl Solver for RandomizedSolver {
    fn propose(&self, problem: &Problem<'_>, ctx: &mut Context<'_>) -> Result<Proposal, SolverError> {
        let (frontier, predictors) = self.frontier(problem, ctx)?;
        ctx.observer.observe("base_candidates", frontier.policies().len() as f64);
        ctx.observer.observe("hull_vertices", frontier.vertices().len() as f64);
        let mut policies = frontier.vertex_policies();
        policies.extend(frontier.mixtures(self.mixtures_per_segment));
        Ok(Proposal { families: vec![PolicyFamily { name: String::new(), policies }], predictors })
    }
}
