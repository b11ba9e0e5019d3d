//! k-stage threshold cascades: the calibration frontier of every cost-ordered chain
//! of pool models, traced by maximizing Q − λ·C over the thresholds for a sweep of
//! λ, with coordinate ascent written as an [argmin] solver and argmin's Nelder-Mead
//! and particle swarm as black-box baselines.
//!
//! # The problem
//!
//! A cascade over models m_1 < … < m_k (by mean cost) with thresholds τ_1..τ_{k−1}
//! stops at the first stage i < k whose confidence s_i ≥ τ_i (strictly, s < τ
//! escalates), the last stage always answers, and every visited stage is paid. For
//! a cost weight λ ≥ 0 the λ-optimal thresholds maximize Q − λ·C (mean quality
//! minus λ times mean cost on calibration); sweeping λ traces the chain's supported
//! frontier points, and at an interior optimum every stage meets the paper's
//! condition G_j / K_j = λ (D. Bouchard, "Is Escalation Worth It? A Decision-Theoretic
//! Characterization of LLM Cascades", arXiv 2605.06350, the k-stage section).
//!
//! # The `coordinate` method: what is exact and what is not
//!
//! - **One threshold, exactly.** With the others held, stage j's threshold only
//!   chooses which of the queries reaching stage j escalate, and the escalated set
//!   is a prefix of those queries sorted by score. One pass over the scores (sorted
//!   once per split and model; each chain lays its columns out once per stage in
//!   that order, so the pass reads memory in sequence) with running sums of each
//!   query's gain from escalating scores every distinct escalation set: every
//!   distinct threshold, not a grid. The candidates are −∞ (nobody escalates), each
//!   distinct score v of a reaching query (τ = v keeps the queries scored v) and +∞.
//!   Ties move together; a −∞ score escalates under every τ > −∞.
//! - **Two thresholds, exactly.** For any pair j < l (the stages between held), one
//!   sweep over τ_j inserts the queries it escalates into a segment tree over stage
//!   l's score ranks whose best prefix is the best τ_l: the pair's joint optimum in
//!   O(n log n). Pairs that share j are scanned in one pass, one tree each.
//! - **Two stages: one sweep.** Every threshold of the pair is scored once; each λ
//!   picks its best, and the non-dominated thresholds are the chain's exact
//!   frontier (checked against cascadelab-pairwise).
//! - **Three stages: the hull, exactly.** The pair step over both thresholds is
//!   the global optimum for one λ. The chord method (Eisner and Severance) finds
//!   the vertices of the chain's upper concave hull between the optima at the
//!   largest λ and at λ = 0: between known vertices A and B it solves at the λ where
//!   both score the same, and a point beating them there is a new vertex; chords
//!   with no grid λ strictly between where A and B were found optimal are left.
//!   The chords of one round share a pass, one tree lane per λ. Each grid λ then
//!   picks the best vertex ([`path::sweep_chain`]).
//! - **Four or more stages: ascent.** One argmin iteration sets every threshold
//!   whose best may have changed to its exact best, then (if nothing moved) tries
//!   every pair. A move must raise Q − λ·C by more than `tolerance` (or keep it and
//!   lower the cost), the candidate set is finite, so the ascent terminates;
//!   argmin's [`argmin::core::Executor`] owns the loop, the `max-iters` limit and
//!   the observers ([`observe::Bridge`] forwards what argmin reports to the
//!   engine; the exact sweeps of two and three stages count as one iteration per
//!   solve). The result is one that no change of one or two thresholds improves: a
//!   heuristic. Against exhaustive search on small random 4-stage data (scores
//!   unrelated to correctness, ties, ±∞ scores), 0.47 % of the (case, λ) pairs miss
//!   the optimum (in 1.1 % of 10,000 cases), by at most half of the objective's
//!   range; without pair steps 4 % miss. On data whose confidence tracks
//!   correctness no miss was seen. The tests enforce these bounds, and check two
//!   and three stages against exhaustive search at every λ (random data with ties,
//!   ±∞ scores and fractional quality).
//! - **λ sweep.** λ = 0 and `lambdas` log-spaced values between bounds read from
//!   each chain's calibration data ([`path::lambda_bounds`]): above the upper one no
//!   escalation with a positive cost pays (it exceeds every achievable ΔQ/ΔC), below
//!   the lower one only quality counts. For the ascent λ rises from the best-quality
//!   end (where every stage is reached); every result is kept and each solve starts
//!   from the kept point that scores best at its λ. Neighbouring λ mostly share
//!   their optimum, so the sweep skips ahead: a solve also returns the λ interval on
//!   which no single threshold would move, and its pair steps check the far end of
//!   that interval in the same pass (a second lane in the segment tree). A point
//!   unbeaten by single and pair changes at both ends is unbeaten in between (the
//!   best change is a maximum of functions linear in λ), so the skipped λ get what
//!   solving them would give ([`path::coordinate_path`]). A solve that starts where
//!   the last one ended reuses where each query stops and each threshold's
//!   interval, and sweeps only the thresholds whose interval leaves out its λ.
//! - **Budgets between optima.** λ-optima are supported points only; most of a
//!   frontier lies between them. After the sweeps, every point found so far goes
//!   into one staircase of calibration points (the `fill` module): each three-stage
//!   chain adds, by an exact walk over both thresholds, every point that nothing
//!   else dominates, and chains of four or more stages run a Pareto local search
//!   over single-threshold moves from their optima. Fillers are proposed where
//!   nothing else proposed dominates them on calibration. So the proposal's
//!   calibration frontier is the exact frontier of every point of every chain of
//!   up to three stages (checked against exhaustive search); beyond, it is at least
//!   that, plus what the local search finds.

//! # The black-box methods
//!
//! `nelder-mead` and `particle-swarm` run argmin's solvers on the same objective for
//! each λ, over thresholds parametrized as quantiles of each stage's calibration
//! scores (piecewise constant, but every stage on one scale; [`blackbox`]), seeded
//! from the engine's seed through `rand_chacha::ChaCha8Rng` (one stream per chain;
//! particle swarm through `with_rng_generator`). Like the paper's NSGA-II search
//! they keep every evaluated point and propose the archive's non-dominated ones;
//! their default budgets (20 λ; Nelder-Mead 100 iterations, particle swarm 10
//! particles × 10 iterations per λ) spend about 2,000 evaluations per chain, the
//! paper's trial count.
//!
//! # Output
//!
//! One family (name ""): every single pool model (k-stage only), then per chain in
//! order its λ-optima and fillers as canonical cascade policies (each threshold
//! rewritten to the lowest staying score of its escalation set, stages no
//! calibration query reaches cut off, a cascade nobody leaves stage 1 of written as
//! that model alone), deduplicated. The engine evaluates every candidate itself.
//!
//! # Speed
//!
//! `benches/kstage.rs`: 50 splits of 1,000 calibration queries, every chain of 2 to
//! 4 models of a 6-model pool (50 chains), single thread: about 3.7 s (8.0 s
//! before the exact three-stage hull, the kept points, the reused intervals and the
//! fused pair scans). `benches/nsga2_baseline.py` runs the paper's Optuna NSGA-II
//! search (2,000 trials per chain) on one split: its calibration frontier is below
//! ours at every budget.
//!
//! References: argmin (S. Kroboth et al., <https://argmin-rs.org>) and its
//! `Solver`/`Executor`/`Observe` split; S. J. Wright, "Coordinate descent
//! algorithms", Mathematical Programming 151 (2015); W. Dinkelbach, "On nonlinear
//! fractional programming", Management Science 13 (1967), for the skip-ahead
//! checks; J. M. Eisner and D. G. Severance, "Mathematical techniques for efficient
//! record segmentation in large shared databases", JACM 23 (1976), for the chord
//! method; L. Paquete, M. Chiarandini and T. Stützle, "Pareto local optimum sets in
//! the biobjective traveling salesman problem", 2004, for the Pareto local search; J. A. Nelder and R. Mead, The Computer Journal 7 (1965);
//! M. Zambrano-Bigiarini et al., "Standard Particle Swarm Optimisation 2011 at
//! CEC-2013" (2013).
#![deny(missing_docs)]

pub mod blackbox;
pub mod chain;
pub mod coordinate;
mod fill;
pub mod observe;
mod pareto;
pub mod path;
mod sweep;
mod three;

use std::collections::HashSet;

use cascadelab_core::{Context, Entry, Frontier, Point, Policy, Problem, Proposal, Solver, SolverError};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::blackbox::BlackBoxSettings;
use crate::chain::{Chain, ScoreOrders, no_confidence};
use crate::fill::ChainResult;
use crate::observe::Bridge;
use crate::path::CoordinateSettings;

/// How the thresholds of a chain are optimized for each λ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Exact coordinate ascent with exact pair steps, as an argmin solver.
    #[default]
    Coordinate,
    /// argmin's Nelder-Mead on quantile-parametrized thresholds (a baseline).
    NelderMead,
    /// argmin's particle swarm on quantile-parametrized thresholds (a baseline).
    ParticleSwarm,
}

impl Method {
    fn is_black_box(self) -> bool {
        !matches!(self, Method::Coordinate)
    }
}

fn default_max_stages() -> usize {
    4
}
fn default_max_iters() -> u64 {
    100
}
fn default_tolerance() -> f64 {
    1e-12
}
fn default_particles() -> usize {
    10
}

/// Default λ count for the coordinate method.
pub const DEFAULT_LAMBDAS: usize = 200;
/// Default λ count for the black-box methods (with their default budgets, about
/// 2,000 evaluations per chain, the paper's NSGA-II trial count).
pub const DEFAULT_BLACK_BOX_LAMBDAS: usize = 20;
/// Default Nelder-Mead iterations per λ.
pub const DEFAULT_NELDER_MEAD_ITERATIONS: u64 = 100;
/// Default particle-swarm iterations per λ.
pub const DEFAULT_SWARM_ITERATIONS: u64 = 10;

/// `[[solvers]] kind = "k-stage"`: threshold cascades over cost-ordered chains of
/// pool models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KStageParams {
    /// How thresholds are optimized: "coordinate" (exact coordinate ascent with exact
    /// pair steps), or the black-box baselines "nelder-mead" and "particle-swarm".
    #[serde(default)]
    pub method: Method,
    /// Longest chain enumerated (at least 2); chains are the subsequences of the
    /// calibration pool whose consecutive models are valid pairs (strictly cheaper and
    /// strictly less accurate), of 2 to this many models. Ignored when `chains` is set.
    #[serde(default = "default_max_stages")]
    pub max_stages: usize,
    /// Chains to optimize instead of the enumerated ones, as lists of model names in
    /// the order they run; each must be strictly cost-ordered on calibration.
    #[serde(default)]
    pub chains: Vec<Vec<String>>,
    /// Number of λ values of the sweep (besides λ = 0), log-spaced between bounds read
    /// from each chain's calibration data: from below every relevant quality step per
    /// dollar to above every achievable ΔQ/ΔC. Default 200 for "coordinate", 20 for
    /// the black-box methods.
    #[serde(default)]
    pub lambdas: Option<usize>,
    /// Iteration limit of the coordinate method per λ (one iteration = one round over
    /// all thresholds); the argmin executor enforces it.
    #[serde(default = "default_max_iters")]
    pub max_iters: u64,
    /// A move must raise Q − λ·C (per query) by more than this (or keep it and lower
    /// the cost); Nelder-Mead stops when its simplex's values spread less than this.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Iterations per λ of the black-box methods. Default 100 for "nelder-mead", 10
    /// for "particle-swarm".
    #[serde(default)]
    pub iterations: Option<u64>,
    /// Particles of "particle-swarm" (with 10 iterations and 20 λ, about 2,200
    /// evaluations per chain, like the paper's 2,000 NSGA-II trials).
    #[serde(default = "default_particles")]
    pub particles: usize,
}

impl Default for KStageParams {
    fn default() -> Self {
        Self {
            method: Method::default(),
            max_stages: default_max_stages(),
            chains: Vec::new(),
            lambdas: None,
            max_iters: default_max_iters(),
            tolerance: default_tolerance(),
            iterations: None,
            particles: default_particles(),
        }
    }
}

/// `[[solvers]] kind = "fixed-chain"`: the whole calibration pool as one chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FixedChainParams {
    /// How thresholds are optimized: "coordinate", "nelder-mead" or "particle-swarm".
    #[serde(default)]
    pub method: Method,
    /// Number of λ values of the sweep (besides λ = 0); default 200 for "coordinate",
    /// 20 for the black-box methods.
    #[serde(default)]
    pub lambdas: Option<usize>,
    /// Iteration limit of the coordinate method per λ.
    #[serde(default = "default_max_iters")]
    pub max_iters: u64,
    /// Minimum gain of a move in Q − λ·C per query; Nelder-Mead's spread tolerance.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Iterations per λ of the black-box methods (default 100 for "nelder-mead", 10
    /// for "particle-swarm").
    #[serde(default)]
    pub iterations: Option<u64>,
    /// Particles of "particle-swarm".
    #[serde(default = "default_particles")]
    pub particles: usize,
}

impl Default for FixedChainParams {
    fn default() -> Self {
        Self {
            method: Method::default(),
            lambdas: None,
            max_iters: default_max_iters(),
            tolerance: default_tolerance(),
            iterations: None,
            particles: default_particles(),
        }
    }
}

/// Registry entry of the k-stage solver.
pub static ENTRY: Entry<KStageParams> = Entry::new(
    "k-stage",
    "threshold cascades over every cost-ordered chain of 2 to max-stages pool models, thresholds optimized per λ",
    build_k_stage,
);

/// Registry entry of the full fixed chain.
pub static FIXED_CHAIN_ENTRY: Entry<FixedChainParams> = Entry::new(
    "fixed-chain",
    "one threshold cascade over the whole calibration pool in cost order, thresholds optimized per λ",
    build_fixed_chain,
);

/// Which chains a solver optimizes.
#[derive(Debug, Clone, PartialEq)]
pub enum Chains {
    /// Subsequences of the pool with valid consecutive pairs, 2..=max stages.
    Subsequences {
        /// Longest chain.
        max_stages: usize,
    },
    /// The listed chains (model names).
    Listed(Vec<Vec<String>>),
    /// The whole pool in cost order.
    WholePool,
}

/// A checked plan: what `build` resolves the parameters into.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The chains.
    pub chains: Chains,
    /// The method.
    pub method: Method,
    /// λ values besides 0.
    pub lambdas: usize,
    /// Coordinate settings.
    pub coordinate: CoordinateSettings,
    /// Black-box budgets.
    pub black_box: BlackBoxSettings,
}

struct Common {
    method: Method,
    lambdas: Option<usize>,
    max_iters: u64,
    tolerance: f64,
    iterations: Option<u64>,
    particles: usize,
}

fn check_common(c: Common, chains: Chains) -> Result<Plan, String> {
    if c.lambdas == Some(0) {
        return Err("lambdas must be at least 1".into());
    }
    if c.max_iters == 0 {
        return Err("max-iters must be at least 1".into());
    }
    if !(c.tolerance.is_finite() && c.tolerance >= 0.0) {
        return Err(format!("tolerance must be a finite number >= 0, got {}", c.tolerance));
    }
    if c.iterations == Some(0) {
        return Err("iterations must be at least 1".into());
    }
    if c.particles < 2 {
        return Err(format!("particles must be at least 2, got {}", c.particles));
    }
    let lambdas =
        c.lambdas.unwrap_or(if c.method.is_black_box() { DEFAULT_BLACK_BOX_LAMBDAS } else { DEFAULT_LAMBDAS });
    let iterations = c.iterations.unwrap_or(match c.method {
        Method::ParticleSwarm => DEFAULT_SWARM_ITERATIONS,
        _ => DEFAULT_NELDER_MEAD_ITERATIONS,
    });
    Ok(Plan {
        chains,
        method: c.method,
        lambdas,
        coordinate: CoordinateSettings { max_iters: c.max_iters, tolerance: c.tolerance, blocks: usize::MAX },
        black_box: BlackBoxSettings { iterations, particles: c.particles, tolerance: c.tolerance },
    })
}

/// Checks k-stage parameters and resolves them into a plan.
pub fn plan_k_stage(p: KStageParams) -> Result<Plan, String> {
    if !(2..=u8::MAX as usize).contains(&p.max_stages) {
        return Err(format!("max-stages must be between 2 and 255, got {}", p.max_stages));
    }
    for (i, c) in p.chains.iter().enumerate() {
        if c.len() < 2 || c.len() > u8::MAX as usize {
            return Err(format!("chains[{i}]: a chain needs 2 to 255 models, got {}", c.len()));
        }
        if let Some((a, _)) = c.iter().enumerate().find(|(a, m)| c[..*a].contains(m)) {
            return Err(format!("chains[{i}]: model `{}` appears twice", c[a]));
        }
        if let Some(j) = p.chains[..i].iter().position(|o| o == c) {
            return Err(format!("chains[{i}]: repeats chains[{j}]"));
        }
    }
    let chains =
        if p.chains.is_empty() { Chains::Subsequences { max_stages: p.max_stages } } else { Chains::Listed(p.chains) };
    check_common(
        Common {
            method: p.method,
            lambdas: p.lambdas,
            max_iters: p.max_iters,
            tolerance: p.tolerance,
            iterations: p.iterations,
            particles: p.particles,
        },
        chains,
    )
}

/// Checks fixed-chain parameters and resolves them into a plan.
pub fn plan_fixed_chain(p: FixedChainParams) -> Result<Plan, String> {
    check_common(
        Common {
            method: p.method,
            lambdas: p.lambdas,
            max_iters: p.max_iters,
            tolerance: p.tolerance,
            iterations: p.iterations,
            particles: p.particles,
        },
        Chains::WholePool,
    )
}

fn build_k_stage(p: KStageParams) -> Result<Box<dyn Solver>, String> {
    Ok(Box::new(KStage { plan: plan_k_stage(p)? }))
}

fn build_fixed_chain(p: FixedChainParams) -> Result<Box<dyn Solver>, String> {
    Ok(Box::new(KStage { plan: plan_fixed_chain(p)? }))
}

/// The k-stage (and fixed-chain) solver.
#[derive(Debug, Clone, PartialEq)]
pub struct KStage {
    /// What to do.
    pub plan: Plan,
}

impl KStage {
    /// The chains of this split, as dataset model positions in the order they run.
    pub fn chains(&self, problem: &Problem<'_>) -> Result<Vec<Vec<usize>>, SolverError> {
        let pool = problem.pool;
        let stats = &pool.stats;
        Ok(match &self.plan.chains {
            Chains::WholePool => {
                if pool.members.len() >= 2 {
                    vec![pool.members.clone()]
                } else {
                    vec![]
                }
            }
            Chains::Subsequences { max_stages } => {
                let m = &pool.members;
                let valid = |a: usize, b: usize| {
                    stats[a].mean_cost < stats[b].mean_cost && stats[a].accuracy < stats[b].accuracy
                };
                let mut out = Vec::new();
                for len in 2..=(*max_stages).min(m.len()) {
                    // Index combinations in lexicographic order.
                    let mut idx: Vec<usize> = (0..len).collect();
                    loop {
                        if idx.windows(2).all(|w| valid(m[w[0]], m[w[1]])) {
                            out.push(idx.iter().map(|&i| m[i]).collect());
                        }
                        let Some(p) = (0..len).rev().find(|&p| idx[p] < m.len() - len + p) else {
                            break;
                        };
                        idx[p] += 1;
                        for q in p + 1..len {
                            idx[q] = idx[q - 1] + 1;
                        }
                    }
                }
                out
            }
            Chains::Listed(chains) => {
                let mut out = Vec::with_capacity(chains.len());
                for (i, c) in chains.iter().enumerate() {
                    let models: Vec<usize> = c
                        .iter()
                        .map(|name| {
                            problem
                                .data
                                .model_index(name)
                                .ok_or_else(|| SolverError::Failed(format!("chains[{i}]: unknown model `{name}`")))
                        })
                        .collect::<Result<_, _>>()?;
                    for w in models.windows(2) {
                        let (a, b) = (&stats[w[0]], &stats[w[1]]);
                        if a.mean_cost >= b.mean_cost {
                            return Err(SolverError::Failed(format!(
                                "chains[{i}]: `{}` (mean cost {}) must cost less than `{}` (mean cost {}) on calibration",
                                problem.data.models[w[0]].name,
                                a.mean_cost,
                                problem.data.models[w[1]].name,
                                b.mean_cost
                            )));
                        }
                    }
                    out.push(models);
                }
                out
            }
        })
    }

    /// The threshold vectors found for one chain, with their calibration points: the
    /// method's optima (and for the coordinate method what its λ sweep found on the
    /// way), before the fill between optima that [`Solver::propose`] adds.
    pub fn optimize_chain(
        &self,
        chain: &Chain,
        rng: &mut ChaCha8Rng,
        bridge: &Bridge,
    ) -> Result<Vec<Found>, SolverError> {
        let failed = |e: argmin::core::Error| SolverError::Failed(format!("k-stage optimization failed: {e}"));
        let lambdas = path::lambda_grid(chain, self.plan.lambdas);
        let kept = |thresholds: Vec<f64>| Found {
            point: chain.evaluate(&thresholds),
            thresholds,
            optimum: true,
            canonical: false,
        };
        Ok(match self.plan.method {
            Method::Coordinate => {
                let sweep = path::sweep_chain(chain, &lambdas, &self.plan.coordinate, bridge).map_err(failed)?;
                let mut out: Vec<Found> = Vec::with_capacity(sweep.path.len() + sweep.extra.len());
                for o in sweep.path {
                    if out.last().is_none_or(|f| f.thresholds != o.thresholds) {
                        out.push(Found { point: o.point, thresholds: o.thresholds, optimum: true, canonical: true });
                    }
                }
                out.extend(sweep.extra.into_iter().map(|(point, thresholds)| Found {
                    point,
                    thresholds,
                    optimum: false,
                    canonical: true,
                }));
                out
            }
            Method::NelderMead => blackbox::nelder_mead(chain, &lambdas, &self.plan.black_box, rng, bridge)
                .map_err(failed)?
                .frontier()
                .into_iter()
                .map(kept)
                .collect(),
            Method::ParticleSwarm => blackbox::particle_swarm(chain, &lambdas, &self.plan.black_box, rng, bridge)
                .map_err(failed)?
                .frontier()
                .into_iter()
                .map(kept)
                .collect(),
        })
    }
}

/// One threshold vector found for a chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Mean cost and quality on calibration.
    pub point: Point,
    /// The thresholds.
    pub thresholds: Vec<f64>,
    /// Whether the method found it as an optimum (always proposed); otherwise it
    /// fills the budgets between optima and is proposed only when no other candidate
    /// of the proposal dominates it on calibration.
    pub optimum: bool,
    /// Whether the thresholds are already canonical ([`Chain::canonical_full`]
    /// would return them unchanged), so that the proposal need not rewrite them.
    pub canonical: bool,
}

/// A hashable identity of a policy (stages and threshold bits), for deduplication.
fn policy_key(p: &Policy) -> (Vec<String>, Vec<u64>) {
    match p {
        Policy::Single { model } => (vec![model.clone()], vec![]),
        Policy::Cascade { stages, thresholds, .. } => {
            (stages.clone(), thresholds.iter().map(|t| t.to_bits()).collect())
        }
        other => (vec![other.describe()], vec![]),
    }
}

impl Solver for KStage {
    fn propose(&self, problem: &Problem<'_>, ctx: &mut Context<'_>) -> Result<Proposal, SolverError> {
        let chains = self.chains(problem)?;
        let data = problem.data;
        let pool_models =
            if matches!(self.plan.chains, Chains::Listed(_)) { &[][..] } else { &problem.pool.members[..] };
        for &m in chains.iter().flatten().chain(pool_models) {
            if data.models[m].confidence.is_none() {
                return Err(no_confidence(&data.models[m].name));
            }
        }
        let mut policies: Vec<Policy> = Vec::new();
        let mut seen: HashSet<(Vec<String>, Vec<u64>)> = HashSet::new();
        let mut push = |p: Policy, policies: &mut Vec<Policy>| {
            if seen.insert(policy_key(&p)) {
                policies.push(p);
            }
        };
        if !matches!(self.plan.chains, Chains::WholePool) {
            for &m in &problem.pool.members {
                push(Policy::Single { model: data.models[m].name.clone() }, &mut policies);
            }
        }
        ctx.observer.observe("chains", chains.len() as f64);
        let mut orders = ScoreOrders::new();
        let bridge = Bridge::new();
        let mut found: Vec<ChainResult> = Vec::with_capacity(chains.len());
        for (ci, models) in chains.iter().enumerate() {
            let chain = Chain::new(data, problem.calibration, models, &mut orders)?;
            let mut rng = ChaCha8Rng::seed_from_u64(ctx.seed);
            rng.set_stream(ci as u64);
            let f = self.optimize_chain(&chain, &mut rng, &bridge)?;
            bridge.flush("", ctx.observer);
            found.push(ChainResult { chain, found: f });
        }
        let mut points: Vec<Point> = Vec::new();
        if !matches!(self.plan.chains, Chains::WholePool) {
            points.extend(problem.pool.members.iter().map(|&m| {
                let s = problem.pool.stats[m];
                Point { cost: s.mean_cost, quality: s.accuracy }
            }));
        }
        if self.plan.method == Method::Coordinate {
            fill::fill(&mut found, &points);
        }
        // Fillers are kept only where nothing proposed dominates them on calibration.
        let first = points.len();
        points.extend(found.iter().flat_map(|r| r.found.iter().map(|x| x.point)));
        let mut on_frontier = vec![false; points.len()];
        for p in Frontier::from_points(&points).points() {
            on_frontier[p.index] = true;
        }
        let mut idx = first;
        for ChainResult { chain, found: f, .. } in &found {
            for x in f {
                if x.optimum || on_frontier[idx] {
                    debug_assert!(
                        !x.canonical || chain.canonical_policy(&x.thresholds) == chain.policy(&x.thresholds),
                        "{:?} is not canonical",
                        x.thresholds
                    );
                    let p =
                        if x.canonical { chain.canonical_policy(&x.thresholds) } else { chain.policy(&x.thresholds) }
                            .unwrap_or_else(|| Policy::Single { model: chain.names()[0].clone() });
                    push(p, &mut policies);
                }
                idx += 1;
            }
        }
        ctx.observer.observe("candidates", policies.len() as f64);
        Ok(Proposal::single(policies))
    }
}
