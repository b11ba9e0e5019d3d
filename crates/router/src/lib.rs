//! Pre-generation routers, the embedding cascade, the hybrid router and the routing
//! baselines (oracle, random), as one solver (kind `router`).
//!
//! On the calibration queries of a split the solver fits one correctness predictor
//! p̂_j(x) per pool model from the query features (an L2-penalized logistic regression,
//! scikit-learn's `LogisticRegression(C)` on the raw embeddings, or k nearest
//! neighbours by cosine similarity), and proposes these families, all referring to that
//! one fitted predictor by id ([`RouterSolver::predictor_id`]):
//! - `""` (the router, as in the paper): per query the model maximizing
//!   p̂_j(x) − w·c̄_j, c̄_j its calibration mean cost, for every w at which the
//!   calibration routing changes (or the paper's 200 weights);
//! - `embedding-cascade`: for every valid pair (L, H) the cascade L → H that escalates
//!   when p̂_L(x) < τ (the router's signal in place of the model's confidence), at every
//!   distinct calibration value of p̂_L and ±∞, plus the single models;
//! - `hybrid` (beyond the paper, below);
//! - `oracle`: the cheapest correct pool model per query (a bound, not deployable);
//! - `random`: random routing, i.e. mixtures of adjacent single models along their
//!   calibration concave hull, plus the singles.
//!
//! A model whose calibration labels are all equal gets a constant predictor (logistic:
//! zero coefficients and intercept ±∞, so p̂ is exactly 1 or 0; k-NN is constant by
//! construction). The solver reads no files and prints nothing; the engine evaluates
//! every candidate. It reports to the observer: `router.newton-iterations` (most of any
//! model), `router.gradient-norm` (largest final), `router.constant-models`,
//! `router.unconverged-models`, `router.weights`, `hybrid.policies`, and
//! `hybrid.skipped-no-confidence` = 1 when the data has no confidence (the other
//! families are still proposed).
//!
//! # The hybrid
//!
//! Per query and before generation, either straight to the expensive model H or into
//! the confidence cascade L → H: a gate γ sends queries with p̂_L(x) < γ to H (paying
//! c_H only) and the rest into the cascade at threshold τ (paying c_L, plus c_H when
//! s_L < τ). It is a [`cascadelab_core::Policy::Hybrid`] with two options, the cascade
//! (estimated quality p̂_L(x)) and H (estimated quality γ), at cost weight 0. For every
//! valid pair: the thresholds at the vertices of the pair's calibration concave hull
//! (each optimal for some cost weight; at most `hybrid-thresholds`, evenly thinned),
//! each with `hybrid-gates` gates at the calibration quantiles π·k/G of p̂_L (π the
//! threshold's escalation rate, so that about as many queries skip L as the cascade
//! escalates at most). The family also holds the singles and each pair's plain cascade
//! at every distinct calibration threshold (the pairwise envelope's candidates), so what
//! it adds is the gates.
//!
//! Why a gate and not the argmax of estimated quality − λ·estimated cost over all
//! singles and cascades (tried first: per-option least-squares estimates of the
//! escalation gain and cost on (1, p̂_L, p̂_H), cross-fitted): on the zellinger data that
//! was no better than the router on held-out queries and clearly below the confidence
//! cascades; the argmax over many noisy estimates picks the over-estimated options. With
//! two options whose estimates depend on x only through p̂_L, the λ-rule is a threshold
//! on p̂_L; sweeping the threshold (γ) replaces estimating it, and every candidate is
//! scored exactly by the evaluator.
#![deny(missing_docs)]

mod hybrid;
mod logistic;
mod predictors;
mod weights;

use cascadelab_core::{
    Context, Entry, Point, Policy, PolicyFamily, Predictors, Problem, Proposal, Signal, Solver, SolverError,
    concave_hull,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use logistic::{Design, LogisticFit, LogisticOptions, fit_logistic};
pub use predictors::{
    FitSummary, ModelAuroc, PredictorSpec, auroc, fit_predictor, fit_predictor_cached, predictor_auroc,
};
pub use weights::{envelope_breakpoints, exact_weights, paper_weights, weights_between};

/// The registry entry of the router solver.
pub static ENTRY: Entry<RouterParams> = Entry::new(
    "router",
    "pre-generation routers (logistic regression or k-NN on query features), the embedding cascade, a hybrid router, oracle and random routing",
    build,
);

/// Parameters of the `router` solver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RouterParams {
    /// The correctness predictor fit per pool model on calibration: "logistic"
    /// (L2-penalized logistic regression on the raw features, as the paper) or "knn"
    /// (k nearest neighbours by cosine similarity).
    #[serde(default)]
    pub predictor: PredictorKind,
    /// Inverse regularization strength C of the logistic regression, scikit-learn's
    /// `C`: it minimizes C·Σ log-loss + ½‖w‖², intercept unpenalized. Must be > 0.
    #[serde(default = "default_c")]
    pub c: f64,
    /// Number of neighbours of the k-NN predictor; at least 1.
    #[serde(default = "default_k")]
    pub k: usize,
    /// Cost weights w swept by the router: "exact" gives every distinct calibration
    /// routing (w = 0, one weight inside each interval between the breakpoints of the
    /// queries' upper envelopes, one beyond the last); "paper" is the paper's grid
    /// {0} ∪ logspace(−4, 4, 198) ∪ {1e6}.
    #[serde(default)]
    pub weights: WeightGrid,
    /// Dollars per query the router itself costs (embedding and classifier), added to
    /// every query of the router, of the embedding cascade (which computes the same
    /// p̂ to defer) and of the gated hybrids; at least 0.
    #[serde(default)]
    pub router_cost: f64,
    /// Families to propose, in any order: "router", "embedding-cascade", "hybrid",
    /// "oracle", "random".
    #[serde(default = "all_families")]
    pub families: Vec<Family>,
    /// Most cascade thresholds per valid pair in the hybrid: the vertices of the pair's
    /// calibration concave hull, evenly thinned to this many; at least 1.
    #[serde(default = "default_hybrid_thresholds")]
    pub hybrid_thresholds: usize,
    /// Gates per cascade threshold in the hybrid: γ at the calibration quantiles
    /// π·k/G (k = 1..G) of p̂_L, π the threshold's escalation rate; at least 1.
    #[serde(default = "default_hybrid_gates")]
    pub hybrid_gates: usize,
    /// Mixing probabilities per hull segment of random routing: p = 1/(n+1), …, n/(n+1).
    #[serde(default = "default_random_steps")]
    pub random_steps: usize,
    /// The logistic fit stops when the L2 norm of the objective's gradient is at most
    /// this; must be > 0.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Newton iterations allowed per logistic fit; at least 1.
    #[serde(default = "default_max_iterations")]
    pub max_iterations: usize,
}

impl Default for RouterParams {
    fn default() -> Self {
        Self {
            predictor: PredictorKind::default(),
            c: default_c(),
            k: default_k(),
            weights: WeightGrid::default(),
            router_cost: 0.0,
            families: all_families(),
            hybrid_thresholds: default_hybrid_thresholds(),
            hybrid_gates: default_hybrid_gates(),
            random_steps: default_random_steps(),
            tolerance: default_tolerance(),
            max_iterations: default_max_iterations(),
        }
    }
}

fn default_c() -> f64 {
    1.0
}
fn default_k() -> usize {
    25
}
fn default_hybrid_thresholds() -> usize {
    10
}
fn default_hybrid_gates() -> usize {
    4
}
fn default_random_steps() -> usize {
    9
}
fn default_tolerance() -> f64 {
    1e-9
}
fn default_max_iterations() -> usize {
    100
}
fn all_families() -> Vec<Family> {
    Family::ALL.to_vec()
}

/// The correctness predictor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PredictorKind {
    /// L2-penalized logistic regression.
    #[default]
    Logistic,
    /// k nearest neighbours by cosine similarity.
    Knn,
}

/// How the cost weights are chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WeightGrid {
    /// The paper's 200 weights.
    Paper,
    /// Every weight at which the calibration routing changes.
    #[default]
    Exact,
}

/// A family of candidate policies the solver can propose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// The router (the solver's main family).
    Router,
    /// Cascades deferring on the router's p̂ of the cheap model.
    EmbeddingCascade,
    /// Per-query choice between single models and confidence cascades.
    Hybrid,
    /// The oracle router.
    Oracle,
    /// Mixtures of single models.
    Random,
}

impl Family {
    /// Every family, in proposal order.
    pub const ALL: [Family; 5] =
        [Family::Router, Family::EmbeddingCascade, Family::Hybrid, Family::Oracle, Family::Random];

    /// The family's name in a proposal (`""` for the router, the main family).
    pub fn proposal_name(self) -> &'static str {
        match self {
            Family::Router => "",
            Family::EmbeddingCascade => "embedding-cascade",
            Family::Hybrid => "hybrid",
            Family::Oracle => "oracle",
            Family::Random => "random",
        }
    }
}

/// The router solver, built from checked parameters.
#[derive(Debug, Clone)]
pub struct RouterSolver {
    params: RouterParams,
}

fn build(params: RouterParams) -> Result<Box<dyn Solver>, String> {
    Ok(Box::new(RouterSolver::new(params)?))
}

impl RouterSolver {
    /// Checks the parameters; the message names the offending key.
    pub fn new(params: RouterParams) -> Result<Self, String> {
        let p = &params;
        if !(p.c.is_finite() && p.c > 0.0) {
            return Err(format!("`c` must be a positive number, got {}", p.c));
        }
        if p.k == 0 {
            return Err("`k` must be at least 1".into());
        }
        if !(p.router_cost.is_finite() && p.router_cost >= 0.0) {
            return Err(format!("`router-cost` must be a non-negative number, got {}", p.router_cost));
        }
        if p.families.is_empty() {
            return Err("`families` must name at least one family".into());
        }
        let mut seen = p.families.clone();
        seen.sort();
        if let Some(w) = seen.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("`families` lists `{}` twice", family_key(w[0])));
        }
        if p.hybrid_thresholds == 0 {
            return Err("`hybrid-thresholds` must be at least 1".into());
        }
        if p.hybrid_gates == 0 {
            return Err("`hybrid-gates` must be at least 1".into());
        }
        if !(p.tolerance.is_finite() && p.tolerance > 0.0) {
            return Err(format!("`tolerance` must be a positive number, got {}", p.tolerance));
        }
        if p.max_iterations == 0 {
            return Err("`max-iterations` must be at least 1".into());
        }
        Ok(Self { params })
    }

    /// The checked parameters.
    pub fn params(&self) -> &RouterParams {
        &self.params
    }

    /// The predictor settings the parameters describe.
    pub fn predictor_spec(&self) -> PredictorSpec {
        match self.params.predictor {
            PredictorKind::Logistic => PredictorSpec::Logistic(LogisticOptions {
                c: self.params.c,
                tolerance: self.params.tolerance,
                max_iterations: self.params.max_iterations,
            }),
            PredictorKind::Knn => PredictorSpec::Knn { k: self.params.k },
        }
    }

    /// Id of the fitted predictor in the proposal's table, e.g. `logistic-c1` or
    /// `knn-k25`: shared by the router, the embedding cascade and the hybrid.
    pub fn predictor_id(&self) -> String {
        match self.params.predictor {
            PredictorKind::Logistic => format!("logistic-c{}", self.params.c),
            PredictorKind::Knn => format!("knn-k{}", self.params.k),
        }
    }

    fn wants(&self, f: Family) -> bool {
        self.params.families.contains(&f)
    }

    fn sweep(&self, a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<f64> {
        match self.params.weights {
            WeightGrid::Paper => paper_weights(),
            WeightGrid::Exact => exact_weights(a, b),
        }
    }
}

fn family_key(f: Family) -> &'static str {
    match f {
        Family::Router => "router",
        other => other.proposal_name(),
    }
}

impl Solver for RouterSolver {
    fn propose(&self, problem: &Problem<'_>, ctx: &mut Context<'_>) -> Result<Proposal, SolverError> {
        let data = problem.data;
        let cal = problem.calibration;
        let members = &problem.pool.members;
        let names: Vec<String> = members.iter().map(|&m| data.models[m].name.clone()).collect();
        let mean_costs: Vec<f64> = members.iter().map(|&m| problem.pool.stats[m].mean_cost).collect();
        let singles = || names.iter().map(|n| Policy::Single { model: n.clone() }).collect::<Vec<_>>();
        let mut families = Vec::new();

        let needs_predictor = [Family::Router, Family::EmbeddingCascade, Family::Hybrid].iter().any(|&f| self.wants(f));
        let mut predictors = Predictors::new();
        let id = self.predictor_id();
        if needs_predictor {
            let fit = fit_predictor_cached(data, cal, members, &self.predictor_spec())?;
            let (predictor, summary) = (fit.0.clone(), &fit.1);
            ctx.observer.observe("router.newton-iterations", summary.max_iterations as f64);
            ctx.observer.observe("router.gradient-norm", summary.max_gradient_norm);
            ctx.observer.observe("router.constant-models", summary.constant_models.len() as f64);
            ctx.observer.observe("router.unconverged-models", summary.unconverged_models.len() as f64);
            let p_cal = predictor.predict(data, cal).map_err(|e| SolverError::Failed(e.to_string()))?;
            let column = |m: usize| members.iter().position(|&x| x == m).expect("pairs are pool members");

            if self.wants(Family::Router) {
                let costs: Vec<Vec<f64>> = mean_costs.iter().map(|&c| vec![c; cal.len()]).collect();
                let ws = self.sweep(&p_cal, &costs);
                ctx.observer.observe("router.weights", ws.len() as f64);
                let policies = ws
                    .into_iter()
                    .map(|w| Policy::Router {
                        predictor: id.clone(),
                        models: names.clone(),
                        mean_costs: mean_costs.clone(),
                        cost_weight: w,
                        router_cost: self.params.router_cost,
                    })
                    .collect();
                families.push(PolicyFamily { name: Family::Router.proposal_name().into(), policies });
            }

            if self.wants(Family::EmbeddingCascade) {
                let mut policies = singles();
                for &(l, h) in &problem.pool.pairs {
                    let mut taus = p_cal[column(l)].clone();
                    taus.sort_by(f64::total_cmp);
                    taus.dedup();
                    let stages = vec![data.models[l].name.clone(), data.models[h].name.clone()];
                    for tau in std::iter::once(f64::NEG_INFINITY).chain(taus).chain(std::iter::once(f64::INFINITY)) {
                        policies.push(Policy::Cascade {
                            stages: stages.clone(),
                            thresholds: vec![tau],
                            signal: Signal::Predicted { predictor: id.clone(), cost: self.params.router_cost },
                        });
                    }
                }
                families.push(PolicyFamily { name: Family::EmbeddingCascade.proposal_name().into(), policies });
            }

            if self.wants(Family::Hybrid) {
                if members.iter().all(|&m| data.models[m].confidence.is_some()) {
                    let policies = hybrid::hybrid_policies(&hybrid::HybridSetup {
                        data,
                        calibration: cal,
                        members,
                        pairs: &problem.pool.pairs,
                        predictions: &p_cal,
                        thresholds: self.params.hybrid_thresholds,
                        gates: self.params.hybrid_gates,
                        predictor: &id,
                        router_cost: self.params.router_cost,
                    });
                    ctx.observer.observe("hybrid.policies", policies.len() as f64);
                    families.push(PolicyFamily { name: Family::Hybrid.proposal_name().into(), policies });
                } else {
                    // Its cascades run on the models' own confidence: without it there is no hybrid.
                    ctx.observer.observe("hybrid.skipped-no-confidence", 1.0);
                }
            }
            predictors.insert(id, predictor);
        }

        if self.wants(Family::Oracle) {
            families.push(PolicyFamily {
                name: Family::Oracle.proposal_name().into(),
                policies: vec![Policy::Oracle { models: names.clone() }],
            });
        }

        if self.wants(Family::Random) {
            let mut policies = singles();
            let points: Vec<Point> = members
                .iter()
                .map(|&m| Point { cost: problem.pool.stats[m].mean_cost, quality: problem.pool.stats[m].accuracy })
                .collect();
            let hull = concave_hull(&points);
            let steps = self.params.random_steps;
            for pair in hull.windows(2) {
                for s in 1..=steps {
                    policies.push(Policy::Mixture {
                        low: Box::new(Policy::Single { model: names[pair[0]].clone() }),
                        high: Box::new(Policy::Single { model: names[pair[1]].clone() }),
                        p_high: s as f64 / (steps + 1) as f64,
                    });
                }
            }
            families.push(PolicyFamily { name: Family::Random.proposal_name().into(), policies });
        }

        // Proposal order follows `Family::ALL`, whatever order the parameters list.
        let order = |name: &str| Family::ALL.iter().position(|f| f.proposal_name() == name).unwrap_or(usize::MAX);
        families.sort_by_key(|f| order(&f.name));
        Ok(Proposal { families, predictors })
    }
}
