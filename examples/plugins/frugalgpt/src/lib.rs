//! FrugalGPT's LLM-cascade search (Chen, Zaharia, Zou, "FrugalGPT: How to Use
//! Large Language Models While Reducing Cost and Improving Performance", TMLR
//! 2024) as a cascadelab solver plugin: an example to copy, and a real solver that
//! is not built in, so that its held-out results sit in the same report as ours.
//!
//! FrugalGPT searches over ordered model lists and per-stage thresholds for the
//! cascade of best expected quality within a budget. Here:
//! - model lists are the cost-ordered subsequences of the pool, of length 1 to
//!   `max-len` (a list of one model is that model alone);
//! - each non-final stage's thresholds are a grid of `grid` quantiles of that
//!   model's calibration confidence: with the n scores sorted ascending, the
//!   scores at positions ⌊j·n/(grid+1)⌋ for j = 1..grid, repeated values once;
//! - every combination of thresholds is evaluated on calibration (mean cost and
//!   mean quality, summed query by query in calibration order), and the
//!   candidates that are best for some budget are proposed: sorted by cost (then
//!   quality, highest first, then enumeration order), each one of strictly higher
//!   quality than every cheaper one.
//!
//! `examples/plugins/frugalgpt.py` is the same algorithm as a Python command
//! plugin and proposes the same policies, float for float.
#![deny(missing_docs)]

use cascadelab_plugin::core::{Context, Policy, Problem, Proposal, Signal, Solver, SolverError};
use serde::Deserialize;

/// Parameters of the FrugalGPT search (the plugin's `params` table).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FrugalGptParams {
    /// Longest model list tried; 1 proposes single models only. Default 3, as in
    /// the FrugalGPT paper.
    #[serde(default = "default_max_len")]
    pub max_len: usize,
    /// Number of quantile thresholds per non-final stage. Default 10.
    #[serde(default = "default_grid")]
    pub grid: usize,
    /// Most (model list, thresholds) candidates evaluated; a larger search is an
    /// error rather than a run that never ends. Default 1,000,000.
    #[serde(default = "default_max_candidates")]
    pub max_candidates: usize,
}

fn default_max_len() -> usize {
    3
}

fn default_grid() -> usize {
    10
}

fn default_max_candidates() -> usize {
    1_000_000
}

impl Default for FrugalGptParams {
    fn default() -> Self {
        Self { max_len: default_max_len(), grid: default_grid(), max_candidates: default_max_candidates() }
    }
}

/// The FrugalGPT search as a [`Solver`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrugalGpt {
    params: FrugalGptParams,
}

impl FrugalGpt {
    /// A search with checked parameters.
    pub fn new(params: FrugalGptParams) -> Result<Self, String> {
        for (key, value) in
            [("max-len", params.max_len), ("grid", params.grid), ("max-candidates", params.max_candidates)]
        {
            if value == 0 {
                return Err(format!("{key} must be at least 1"));
            }
        }
        Ok(Self { params })
    }

    /// A search from the plugin's `params` table.
    pub fn from_params(params: serde_json::Value) -> Result<Self, String> {
        Self::new(serde_json::from_value(params).map_err(|e| e.to_string())?)
    }
}

// The one line that makes this crate a plugin library.
cascadelab_plugin::export_solver!(name = "frugalgpt", build = FrugalGpt::from_params);

/// The grid thresholds of one model: its calibration scores at quantile levels
/// j/(grid+1), j = 1..grid, as order statistics (no interpolation, so thresholds
/// are scores and every implementation picks the same floats), ascending, each
/// value once.
pub fn grid_thresholds(scores: &[f64], grid: usize) -> Vec<f64> {
    if scores.is_empty() {
        return Vec::new();
    }
    let mut sorted = scores.to_vec();
    // A stable sort on `<`, as Python's `sorted`: -0.0 and 0.0 keep their order.
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = sorted.len();
    let mut out: Vec<f64> = Vec::with_capacity(grid);
    for j in 1..=grid {
        let t = sorted[(j * n / (grid + 1)).min(n - 1)];
        if out.last() != Some(&t) {
            out.push(t);
        }
    }
    out
}

/// Calibration columns, indexed `[model][calibration position]`.
struct Columns {
    quality: Vec<Vec<f64>>,
    confidence: Vec<Option<Vec<f64>>>,
    cost: Vec<Vec<f64>>,
}

impl Columns {
    /// Mean cost and mean quality of the cascade `stages` at `thresholds` (one per
    /// non-final stage): stage i answers when its score is at least `thresholds[i]`.
    fn evaluate(&self, stages: &[usize], thresholds: &[f64]) -> (f64, f64) {
        let last = stages.len() - 1;
        let n = self.cost[stages[0]].len();
        let (mut total_cost, mut total_quality) = (0.0, 0.0);
        for q in 0..n {
            let mut cost = 0.0;
            let mut answer = stages[last];
            for (i, &m) in stages.iter().enumerate() {
                cost += self.cost[m][q];
                if i == last || self.confidence[m].as_ref().expect("checked")[q] >= thresholds[i] {
                    answer = m;
                    break;
                }
            }
            total_cost += cost;
            total_quality += self.quality[answer][q];
        }
        (total_cost / n as f64, total_quality / n as f64)
    }
}

/// One evaluated candidate.
struct Candidate {
    stages: Vec<usize>,
    thresholds: Vec<f64>,
    cost: f64,
    quality: f64,
}

/// All k-subsets of `0..n` in lexicographic order.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    if k > n {
        return out;
    }
    let mut c: Vec<usize> = (0..k).collect();
    loop {
        out.push(c.clone());
        let Some(i) = (0..k).rev().find(|&i| c[i] != i + n - k) else { return out };
        c[i] += 1;
        for j in i + 1..k {
            c[j] = c[j - 1] + 1;
        }
    }
}

/// Every choice of one value per list, the last list varying fastest.
fn product(lists: &[&[f64]]) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::new()];
    for list in lists {
        out =
            out.into_iter().flat_map(|prefix| list.iter().map(move |&t| [prefix.as_slice(), &[t]].concat())).collect();
    }
    out
}

impl Solver for FrugalGpt {
    fn propose(&self, problem: &Problem<'_>, ctx: &mut Context<'_>) -> Result<Proposal, SolverError> {
        let (data, cal, pool) = (problem.data, problem.calibration, problem.pool);
        if data.models.iter().all(|m| m.confidence.is_none()) {
            return Err(SolverError::Unsupported(
                "frugalgpt needs confidence scores to decide when to escalate; the data has none".into(),
            ));
        }
        if cal.is_empty() {
            return Err(SolverError::Failed("frugalgpt needs at least one calibration query".into()));
        }
        let pick = |v: &[f64]| cal.iter().map(|&q| v[q]).collect::<Vec<_>>();
        let columns = Columns {
            quality: data.models.iter().map(|m| pick(&m.quality)).collect(),
            confidence: data.models.iter().map(|m| m.confidence.as_deref().map(pick)).collect(),
            cost: data.models.iter().map(|m| pick(&m.cost)).collect(),
        };
        let thresholds: Vec<Option<Vec<f64>>> =
            columns.confidence.iter().map(|c| c.as_deref().map(|c| grid_thresholds(c, self.params.grid))).collect();

        // Model lists whose non-final stages all have a score, and their size.
        let members = &pool.members;
        let mut lists: Vec<Vec<usize>> = Vec::new();
        let mut count = 0usize;
        for k in 1..=self.params.max_len.min(members.len()) {
            for positions in combinations(members.len(), k) {
                let stages: Vec<usize> = positions.iter().map(|&i| members[i]).collect();
                let Some(size) = stages[..k - 1]
                    .iter()
                    .try_fold(1usize, |acc, &m| thresholds[m].as_ref().map(|t| acc.saturating_mul(t.len())))
                else {
                    continue;
                };
                count = count.saturating_add(size);
                lists.push(stages);
            }
        }
        if count > self.params.max_candidates {
            return Err(SolverError::Failed(format!(
                "frugalgpt would evaluate {count} candidates, more than max-candidates = {}; lower max-len or grid",
                self.params.max_candidates
            )));
        }
        ctx.observer.observe("candidates", count as f64);

        let mut candidates: Vec<Candidate> = Vec::with_capacity(count);
        for stages in lists {
            let grids: Vec<&[f64]> =
                stages[..stages.len() - 1].iter().map(|&m| thresholds[m].as_deref().expect("checked")).collect();
            for taus in product(&grids) {
                let (cost, quality) = columns.evaluate(&stages, &taus);
                candidates.push(Candidate { stages: stages.clone(), thresholds: taus, cost, quality });
            }
        }

        // The best candidate of every budget: by cost, then quality (highest
        // first), then enumeration order; each strictly better than all cheaper.
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&candidates[a], &candidates[b]);
            x.cost
                .partial_cmp(&y.cost)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(y.quality.partial_cmp(&x.quality).unwrap_or(std::cmp::Ordering::Equal))
                .then(a.cmp(&b))
        });
        let mut best = f64::NEG_INFINITY;
        let mut policies = Vec::new();
        for i in order {
            let c = &candidates[i];
            if c.quality > best {
                best = c.quality;
                let name = |m: usize| data.models[m].name.clone();
                policies.push(if c.stages.len() == 1 {
                    Policy::Single { model: name(c.stages[0]) }
                } else {
                    Policy::Cascade {
                        stages: c.stages.iter().map(|&m| name(m)).collect(),
                        thresholds: c.thresholds.clone(),
                        signal: Signal::Confidence,
                    }
                });
            }
        }
        Ok(Proposal::single(policies))
    }
}

#[cfg(test)]
mod tests {
    use cascadelab_plugin::core::{Dataset, Evaluator, ModelColumns, NullObserver, Pool, Predictors};

    use super::*;

    /// A deterministic pseudo-random pool of `k` models on `n` queries.
    fn data(k: usize, n: usize, seed: u64) -> Dataset {
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let models = (0..k)
            .map(|m| {
                let skill = 0.4 + 0.5 * m as f64 / k as f64;
                let mut quality = Vec::new();
                let mut confidence = Vec::new();
                let mut cost = Vec::new();
                for _ in 0..n {
                    let s = next();
                    quality.push(if s * 0.6 + next() * 0.4 < skill { 1.0 } else { 0.0 });
                    // Coarse scores, so that thresholds tie.
                    confidence.push(if next() < 0.05 { f64::NEG_INFINITY } else { (s * 8.0).round() / 8.0 });
                    cost.push(10f64.powi(m as i32) * (1.0 + next()));
                }
                ModelColumns { name: format!("m{m}"), quality, confidence: Some(confidence), cost }
            })
            .collect();
        Dataset::new((0..n).map(|q| format!("q{q}")).collect(), None, models, None).unwrap()
    }

    fn propose(solver: &FrugalGpt, data: &Dataset, cal: &[usize]) -> Vec<Policy> {
        let pool = Pool::new(data, cal);
        let mut observer = NullObserver;
        let mut ctx = Context::new(0, &mut observer);
        let proposal = solver.propose(&Problem { data, calibration: cal, pool: &pool }, &mut ctx).unwrap();
        assert_eq!(proposal.families.len(), 1);
        proposal.families.into_iter().next().unwrap().policies
    }

    #[test]
    fn thresholds_are_order_statistics_at_the_grid_quantiles() {
        // n = 10, grid = 4: positions ⌊10j/5⌋ = 2, 4, 6, 8 of the sorted scores.
        let scores = [9.0, 0.0, 8.0, 1.0, 7.0, 2.0, 6.0, 3.0, 5.0, 4.0];
        assert_eq!(grid_thresholds(&scores, 4), vec![2.0, 4.0, 6.0, 8.0]);
        // Repeated values count once; -inf is a score like any other.
        let ties = [1.0, f64::NEG_INFINITY, 2.0, f64::NEG_INFINITY, f64::NEG_INFINITY];
        assert_eq!(grid_thresholds(&ties, 4), vec![f64::NEG_INFINITY, 1.0, 2.0]);
        // More levels than scores: clamped to the largest.
        assert_eq!(grid_thresholds(&[3.0], 3), vec![3.0]);
    }

    #[test]
    fn proposals_are_exactly_the_non_dominated_candidates_evaluated_exactly() {
        let data = data(4, 300, 11);
        let cal: Vec<usize> = (0..300).filter(|q| q % 3 != 0).collect();
        let solver = FrugalGpt::new(FrugalGptParams { max_len: 3, grid: 4, ..Default::default() }).unwrap();
        let proposed = propose(&solver, &data, &cal);

        // Brute force: every list and threshold combination, scored by the core's
        // evaluator, dominance checked pairwise.
        let pool = Pool::new(&data, &cal);
        let predictors = Predictors::new();
        let mut eval = Evaluator::new(&data, &cal, &predictors).unwrap();
        let names: Vec<String> = pool.members.iter().map(|&m| data.models[m].name.clone()).collect();
        let mut all = Vec::new();
        for k in 1..=3 {
            for positions in combinations(names.len(), k) {
                let stages: Vec<String> = positions.iter().map(|&i| names[i].clone()).collect();
                if k == 1 {
                    all.push(Policy::Single { model: stages[0].clone() });
                    continue;
                }
                let grids: Vec<Vec<f64>> = stages[..k - 1]
                    .iter()
                    .map(|s| {
                        let m = data.model_index(s).unwrap();
                        let c = data.models[m].confidence.as_ref().unwrap();
                        grid_thresholds(&cal.iter().map(|&q| c[q]).collect::<Vec<_>>(), 4)
                    })
                    .collect();
                let refs: Vec<&[f64]> = grids.iter().map(Vec::as_slice).collect();
                for taus in product(&refs) {
                    all.push(Policy::Cascade { stages: stages.clone(), thresholds: taus, signal: Signal::Confidence });
                }
            }
        }
        let points: Vec<_> = all.iter().map(|p| eval.evaluate(p).unwrap()).collect();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + a.abs());
        let non_dominated: Vec<usize> = (0..all.len())
            .filter(|&i| {
                !(0..all.len()).any(|j| {
                    let (a, b) = (points[i], points[j]);
                    let no_worse = b.cost <= a.cost + 1e-12 && b.quality >= a.quality - 1e-12;
                    let better = b.cost < a.cost - 1e-12 || b.quality > a.quality + 1e-12;
                    no_worse && (better || j < i)
                })
            })
            .collect();
        assert!(non_dominated.len() >= 3, "a trivial frontier tests little");
        assert_eq!(proposed.len(), non_dominated.len());
        for p in &proposed {
            let i = all.iter().position(|a| a == p).expect("every proposal is a candidate");
            assert!(non_dominated.contains(&i), "{} is dominated", p.describe());
        }
        // The solver's own sums agree with the evaluator's.
        for p in &proposed {
            let Policy::Cascade { stages, thresholds, .. } = p else { continue };
            let idx: Vec<usize> = stages.iter().map(|s| data.model_index(s).unwrap()).collect();
            let pick = |v: &[f64]| cal.iter().map(|&q| v[q]).collect::<Vec<_>>();
            let columns = Columns {
                quality: data.models.iter().map(|m| pick(&m.quality)).collect(),
                confidence: data.models.iter().map(|m| m.confidence.as_deref().map(pick)).collect(),
                cost: data.models.iter().map(|m| pick(&m.cost)).collect(),
            };
            let (cost, quality) = columns.evaluate(&idx, thresholds);
            let point = eval.evaluate(p).unwrap();
            assert!(close(cost, point.cost) && close(quality, point.quality), "{}", p.describe());
        }
    }

    #[test]
    fn list_length_one_gives_the_non_dominated_single_models() {
        let data = data(3, 200, 5);
        let cal: Vec<usize> = (0..200).collect();
        let solver = FrugalGpt::new(FrugalGptParams { max_len: 1, ..Default::default() }).unwrap();
        let proposed = propose(&solver, &data, &cal);
        assert!(proposed.iter().all(|p| matches!(p, Policy::Single { .. })));
        assert_eq!(proposed.first(), Some(&Policy::Single { model: "m0".into() }));
    }

    #[test]
    fn parameters_are_checked() {
        assert_eq!(FrugalGpt::from_params(serde_json::json!({"grid": 0})).unwrap_err(), "grid must be at least 1");
        assert!(FrugalGpt::from_params(serde_json::json!({"gird": 3})).unwrap_err().contains("unknown field `gird`"));
        assert_eq!(
            FrugalGpt::from_params(serde_json::json!({})).unwrap(),
            FrugalGpt::new(FrugalGptParams::default()).unwrap()
        );
        let data = data(4, 50, 1);
        let cal: Vec<usize> = (0..50).collect();
        let pool = Pool::new(&data, &cal);
        let mut observer = NullObserver;
        let mut ctx = Context::new(0, &mut observer);
        let solver = FrugalGpt::new(FrugalGptParams { max_candidates: 5, ..Default::default() }).unwrap();
        let err = solver.propose(&Problem { data: &data, calibration: &cal, pool: &pool }, &mut ctx).unwrap_err();
        assert!(err.to_string().contains("more than max-candidates = 5"), "{err}");
    }
}
