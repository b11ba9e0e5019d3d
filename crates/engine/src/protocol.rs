//! The held-out protocol for one split: pool and solvers fit on calibration, every
//! candidate evaluated on calibration and on test, and two held-out curves per
//! policy family on the common cost grid.
//!
//! - `selected`: the calibration frontier's policies placed at their test points,
//!   joined in order of calibration cost, and interpolated onto the grid with no
//!   choice made on test (what a deployer who picks on calibration gets). A
//!   polyline needs increasing x, so the points are sorted by test cost with a
//!   stable sort (ties keep calibration order; at a vertical step the higher
//!   quality counts). Undefined below its cheapest test point; above its most
//!   expensive one it stays at that point's quality (a deployer with a larger
//!   budget still deploys the top calibration policy; without this, Gain would
//!   count the unreached part of the grid as lost). No running max: dips stay.
//! - `test-envelope`: as the paper reports, the upper envelope on test of all
//!   calibration candidates. Candidates are grouped by route (a cascade's stage
//!   list; each cascade route also gets its end models' single-model test points);
//!   per route the test points, sorted by cost, form a polyline on the grid; the
//!   envelope is the max over routes and over the staircase of every test point
//!   (a point serves every budget at or above its cost, so a route of one policy,
//!   such as the oracle, counts too), then a running max along the grid
//!   (undefined only below its cheapest point). It chooses on test: optimistic.
//!
//! Per split the engine also computes, from core types only: the first-order
//! conditions of every calibration-frontier cascade on the calibration subset
//! ([`PolicyFirstOrder`]), and, on test, the AUROC for correctness of every model's
//! confidence and of every predictor a solver fitted ([`PredictorAuroc`]).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cascadelab_core::{
    Context, Curve, Dataset, Evaluator, Frontier, ModelStats, Observer, Point, Policy, Pool, Predictors, Problem,
    Signal, SolverError, model_stats,
};
use cascadelab_diagnostics::{FirstOrderOptions, FirstOrderReport, first_order};
use cascadelab_pairwise::confidence_auroc;
use serde::Serialize;

use crate::error::EngineError;
use crate::study::Study;

/// A point of the calibration frontier: the policy and where it lands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierEntry {
    /// The deployable policy.
    pub policy: Policy,
    /// Its point on calibration.
    pub calibration: Point,
    /// Its point on test.
    pub test: Point,
}

/// The held-out result of one policy family on one split.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyResult {
    /// Family name within the solver ("" for the main family).
    pub family: String,
    /// Number of candidate policies.
    pub candidates: usize,
    /// The calibration frontier, by increasing calibration cost.
    pub frontier: Vec<FrontierEntry>,
    /// The `selected` curve on the grid.
    pub selected: Vec<Option<f64>>,
    /// The `test-envelope` curve on the grid.
    pub envelope: Vec<Option<f64>>,
    /// Which test points give the `test-envelope` its value at each grid point.
    pub envelope_support: EnvelopeSupport,
    /// First-order diagnostics of the frontier's cascades on calibration (empty
    /// when no output needs them).
    pub first_order: Vec<PolicyFirstOrder>,
}

/// First-order diagnostics of one calibration-frontier cascade.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFirstOrder {
    /// Position of the policy on the calibration frontier.
    pub rank: usize,
    /// Its calibration cost.
    pub calibration_cost: f64,
    /// G_j, K_j and λ_j at every interior boundary, on the calibration subset.
    pub report: FirstOrderReport,
    /// Two-stage cascades only: the analytic slope Δ(τ)/c̄_H, with Δ(τ) from 30
    /// equal-width bins of s_L interpolated at τ (the report's binned gain) and c̄_H
    /// the mean cost of H on calibration.
    pub analytic_slope: Option<f64>,
}

/// Test AUROC for correctness of each model a predictor scores.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictorAuroc {
    /// Id of the predictor in its solver's table.
    pub predictor: String,
    /// Per scored model, in the predictor's order: the model and the AUROC of p̂ for
    /// its quality on the test queries (`None` with a single class).
    pub models: Vec<(String, Option<f64>)>,
}

/// What one solver produced on one split.
#[derive(Debug, Clone, PartialEq)]
pub struct SolverResult {
    /// The predictors its policies refer to.
    pub predictors: Predictors,
    /// Its families, in the order it returned them.
    pub families: Vec<FamilyResult>,
    /// The last value of every key the solver reported, by key.
    pub reports: BTreeMap<String, f64>,
    /// Test AUROC of each of its predictors, by predictor id.
    pub auroc: Vec<PredictorAuroc>,
    /// Wall-clock time of its steps on this split (never written to result files).
    pub timing: SolverTiming,
}

/// Wall-clock time one solver took on one split, for speed reports. Result files
/// never hold it (they must not depend on the machine), and `==` ignores it: two
/// results are equal whatever the time they took.
#[derive(Debug, Clone, Copy, Default)]
pub struct SolverTiming {
    /// `propose` on calibration.
    pub propose: Duration,
    /// Evaluating every candidate on calibration and test, the frontier and both curves.
    pub evaluate: Duration,
    /// First-order diagnostics of the calibration frontiers and the predictors' test AUROC.
    pub diagnostics: Duration,
}

impl PartialEq for SolverTiming {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Everything one split produced.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitResult {
    /// Split index.
    pub index: usize,
    /// Pool and pairs on calibration.
    pub pool: Pool,
    /// Every model's statistics on test.
    pub test_stats: Vec<ModelStats>,
    /// Per model (dataset order), the test AUROC of its confidence for its quality;
    /// `None` without confidence or with a single class.
    pub confidence_auroc: Vec<Option<f64>>,
    /// Per solver, in plan order.
    pub solvers: Vec<SolverResult>,
}

/// A 64-bit mix (splitmix64's finalizer after its increment).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed solver `solver` gets on split `split`:
/// splitmix64(splitmix64(splitmix64(seed) ^ split) ^ solver).
pub fn solver_seed(seed: u64, split: usize, solver: usize) -> u64 {
    splitmix64(splitmix64(splitmix64(seed) ^ split as u64) ^ solver as u64)
}

#[derive(Default)]
struct Recorder(BTreeMap<String, f64>);

impl Observer for Recorder {
    fn observe(&mut self, key: &str, value: f64) {
        self.0.insert(key.to_string(), value);
    }
}

/// Runs split `index` of `study`.
pub fn run_split(study: &Study, index: usize) -> Result<SplitResult, EngineError> {
    let data = study.data();
    let split = &study.splits[index];
    let (cal, test) = (split.calibration.as_slice(), split.test.as_slice());
    let pool = Pool::new(data, cal);
    let test_stats = model_stats(data, test);
    let single_test: Vec<Point> = test_stats.iter().map(|s| Point { cost: s.mean_cost, quality: s.accuracy }).collect();
    let mut solvers = Vec::with_capacity(study.plan.solvers.len());
    for (si, sp) in study.plan.solvers.iter().enumerate() {
        let mut recorder = Recorder::default();
        let mut ctx = Context { seed: solver_seed(study.plan.seed, index, si), split: index, observer: &mut recorder };
        let problem = Problem { data, calibration: cal, pool: &pool };
        let mut timing = SolverTiming::default();
        let started = Instant::now();
        let proposal = sp.solver.propose(&problem, &mut ctx).map_err(|e| match e {
            SolverError::Unsupported(message) => {
                EngineError::Unsupported { solver: sp.name.clone(), kind: sp.kind.to_string(), message }
            }
            SolverError::Failed(message) => EngineError::Solver { solver: sp.name.clone(), split: index, message },
        })?;
        timing.propose = started.elapsed();
        let predictors = proposal.predictors;
        let mut proxies = Proxies::default();
        let mut families = Vec::with_capacity(proposal.families.len());
        for family in proposal.families {
            let policy_error = |p: &Policy, message: String| EngineError::Policy {
                solver: sp.name.clone(),
                split: index,
                policy: p.describe(),
                message,
            };
            if family.policies.is_empty() {
                return Err(EngineError::Solver {
                    solver: sp.name.clone(),
                    split: index,
                    message: format!("family `{}` has no policy", family.name),
                });
            }
            for p in &family.policies {
                p.check(data, &predictors).map_err(|e| policy_error(p, e.to_string()))?;
            }
            let evaluate = |subset: &[usize]| -> Result<Vec<Point>, EngineError> {
                let mut ev =
                    Evaluator::new(data, subset, &predictors).map_err(|e| EngineError::Other(e.to_string()))?;
                ev.evaluate_all(&family.policies).map_err(|e| EngineError::Solver {
                    solver: sp.name.clone(),
                    split: index,
                    message: format!("cannot evaluate a policy: {e}"),
                })
            };
            let started = Instant::now();
            let cal_points = evaluate(cal)?;
            let test_points = evaluate(test)?;
            let frontier = Frontier::from_points(&cal_points);
            let entries: Vec<FrontierEntry> = frontier
                .points()
                .iter()
                .map(|fp| FrontierEntry {
                    policy: family.policies[fp.index].clone(),
                    calibration: cal_points[fp.index],
                    test: test_points[fp.index],
                })
                .collect();
            let selected = selected_curve(&entries.iter().map(|e| e.test).collect::<Vec<_>>(), &study.grid);
            let (envelope, envelope_support) =
                envelope_with_support(data, &family.policies, &test_points, &single_test, &study.grid);
            timing.evaluate += started.elapsed();
            let started = Instant::now();
            let first_order = if study.plan.report.needs_first_order() {
                first_order_of(data, cal, &pool, &entries, &predictors, &mut proxies)
            } else {
                Vec::new()
            };
            timing.diagnostics += started.elapsed();
            families.push(FamilyResult {
                family: family.name,
                candidates: family.policies.len(),
                frontier: entries,
                selected,
                envelope,
                envelope_support,
                first_order,
            });
        }
        let started = Instant::now();
        let auroc = predictor_auroc(data, test, &predictors);
        timing.diagnostics += started.elapsed();
        solvers.push(SolverResult { predictors, families, reports: recorder.0, auroc, timing });
    }
    let confidence_auroc = data
        .models
        .iter()
        .map(|m| {
            let conf = m.confidence.as_ref()?;
            let q: Vec<f64> = test.iter().map(|&i| m.quality[i]).collect();
            let s: Vec<f64> = test.iter().map(|&i| conf[i]).collect();
            confidence_auroc(&q, &s)
        })
        .collect();
    Ok(SplitResult { index, pool, test_stats, confidence_auroc, solvers })
}

/// Per predictor id, a copy of the data whose confidence columns hold the
/// predictor's p̂ on the calibration queries, so that a cascade deferring on p̂ can
/// be diagnosed as a confidence cascade without predicting once per policy.
#[derive(Default)]
struct Proxies(BTreeMap<String, Option<Dataset>>);

impl Proxies {
    fn get(&mut self, data: &Dataset, cal: &[usize], predictors: &Predictors, id: &str) -> Option<&Dataset> {
        self.0
            .entry(id.to_string())
            .or_insert_with(|| {
                let p = predictors.get(id)?;
                let predicted = p.predict(data, cal).ok()?;
                let mut models = data.models.clone();
                for m in &mut models {
                    m.confidence = p.models().iter().position(|pm| *pm == m.name).map(|c| {
                        let mut col = vec![f64::NAN; data.n_queries()];
                        for (i, &q) in cal.iter().enumerate() {
                            col[q] = predicted[c][i];
                        }
                        col
                    });
                }
                Dataset::new(data.query_ids.clone(), data.source_split.clone(), models, None).ok()
            })
            .as_ref()
    }
}

/// First-order diagnostics ([`first_order`], default options) of every cascade on a
/// calibration frontier, on the calibration subset. Cascades deferring on a
/// predictor are diagnosed on its p̂, computed once per predictor. A cascade the
/// diagnostic cannot handle (a NaN score) is left out.
fn first_order_of(
    data: &Dataset,
    cal: &[usize],
    pool: &Pool,
    entries: &[FrontierEntry],
    predictors: &Predictors,
    proxies: &mut Proxies,
) -> Vec<PolicyFirstOrder> {
    let options = FirstOrderOptions::default();
    let mut out = Vec::new();
    for (rank, e) in entries.iter().enumerate() {
        let Policy::Cascade { stages, thresholds, signal } = &e.policy else { continue };
        if stages.len() < 2 {
            continue;
        }
        let report = match signal {
            Signal::Confidence => first_order(data, cal, &e.policy, predictors, &options),
            Signal::Predicted { predictor, .. } => {
                let Some(proxy) = proxies.get(data, cal, predictors, predictor) else { continue };
                let as_confidence = Policy::Cascade {
                    stages: stages.clone(),
                    thresholds: thresholds.clone(),
                    signal: Signal::Confidence,
                };
                first_order(proxy, cal, &as_confidence, &Predictors::new(), &options)
            }
        };
        let Ok(report) = report else { continue };
        let analytic_slope = match (stages.len(), report.boundaries.first()) {
            (2, Some(b)) => data.model_index(&stages[1]).and_then(|h| {
                let c_h = pool.stats[h].mean_cost;
                b.gain_binned.filter(|_| c_h > 0.0).map(|g| g / c_h)
            }),
            _ => None,
        };
        out.push(PolicyFirstOrder { rank, calibration_cost: e.calibration.cost, report, analytic_slope });
    }
    out
}

/// Test AUROC of every model each predictor scores (models the data lacks, or a
/// predictor that cannot run, are left out).
fn predictor_auroc(data: &Dataset, test: &[usize], predictors: &Predictors) -> Vec<PredictorAuroc> {
    predictors
        .iter()
        .filter_map(|(id, p)| {
            let predicted = p.predict(data, test).ok()?;
            let models = p
                .models()
                .iter()
                .zip(&predicted)
                .filter_map(|(name, scores)| {
                    let m = data.model_index(name)?;
                    let q: Vec<f64> = test.iter().map(|&i| data.models[m].quality[i]).collect();
                    Some((name.clone(), confidence_auroc(&q, scores)))
                })
                .collect();
            Some(PredictorAuroc { predictor: id.clone(), models })
        })
        .collect()
}

/// The `selected` curve: test points given in calibration-cost order, stably
/// sorted by test cost, linearly interpolated on the grid, flat to the right of the
/// most expensive point, undefined to the left of the cheapest.
pub fn selected_curve(test_points_in_calibration_order: &[Point], grid: &[f64]) -> Vec<Option<f64>> {
    let curve = Curve::from_points(test_points_in_calibration_order);
    let Some(&last) = curve.cost.last() else { return vec![None; grid.len()] };
    let top = curve.value_at(last);
    grid.iter().map(|&c| if c > last { top } else { curve.value_at(c) }).collect()
}

/// The `test-envelope` curve of candidates `policies` with test points `test`;
/// `single_test` holds every model's test point (dataset order).
pub fn envelope_curve(
    data: &cascadelab_core::Dataset,
    policies: &[Policy],
    test: &[Point],
    single_test: &[Point],
    grid: &[f64],
) -> Vec<Option<f64>> {
    envelope_with_support(data, policies, test, single_test, grid).0
}

/// The choices behind a `test-envelope` curve, so that it can be recomputed with the
/// same choices on other data (bootstrap resamples of the test queries): which test
/// points give its value at each grid point. Never written to result files.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnvelopeSupport {
    /// The policies whose test points the envelope uses: candidates, and the end
    /// models of cascade routes as single-model policies, in order of first use
    /// along the grid.
    pub policies: Vec<Policy>,
    /// Per grid point, where its value comes from; `None` where it is undefined.
    pub segments: Vec<Option<EnvelopeSegment>>,
}

/// The source of the `test-envelope` at one grid point: the best route's value at
/// grid point `at` (at or before it: the running max carries values to the right),
/// interpolated between two test points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeSegment {
    /// Position in [`EnvelopeSupport::policies`] of the cheaper (on test) end.
    pub low: usize,
    /// Position of the dearer end; equal to `low` when the value is one point's
    /// quality (a vertex at that cost, or a point serving every budget above its cost).
    pub high: usize,
    /// The grid point where the value is read.
    pub at: usize,
}

/// A test point of the envelope: a candidate, or a model alone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Candidate(usize),
    Model(usize),
}

/// [`envelope_curve`] and its [`EnvelopeSupport`].
pub fn envelope_with_support(
    data: &cascadelab_core::Dataset,
    policies: &[Policy],
    test: &[Point],
    single_test: &[Point],
    grid: &[f64],
) -> (Vec<Option<f64>>, EnvelopeSupport) {
    let mut routes: BTreeMap<String, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, p) in policies.iter().enumerate().take(test.len()) {
        let entry = routes.entry(p.route()).or_default();
        entry.0.push(i);
        if entry.1.is_empty()
            && let Policy::Cascade { stages, .. } = p
            && let (Some(first), Some(last)) = (stages.first(), stages.last())
            && let (Some(a), Some(b)) = (data.model_index(first), data.model_index(last))
        {
            entry.1 = vec![a, b];
        }
    }
    // Every test point also serves every budget at or above its cost, so a route
    // with a single point (the oracle, a lone model) still counts between grid points.
    let staircase = Frontier::from_points(test);
    let mut best: Vec<Option<f64>> = Vec::with_capacity(grid.len());
    // Per grid point, the winner: the staircase's point, or a route's segment.
    let mut winner: Vec<Option<(Source, Source)>> = Vec::with_capacity(grid.len());
    for &c in grid {
        let p = staircase.point_at(c);
        best.push(p.map(|p| p.quality));
        winner.push(p.map(|p| (Source::Candidate(p.index), Source::Candidate(p.index))));
    }
    for (members, ends) in routes.into_values() {
        let mut sources: Vec<Source> = members.iter().map(|&i| Source::Candidate(i)).collect();
        sources.extend(ends.iter().map(|&m| Source::Model(m)));
        let points: Vec<Point> = sources
            .iter()
            .map(|s| match *s {
                Source::Candidate(i) => test[i],
                Source::Model(m) => single_test[m],
            })
            .collect();
        // `Curve::from_points`' stable sort by cost, kept to name the segment ends.
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by(|&a, &b| points[a].cost.total_cmp(&points[b].cost));
        let curve = Curve::from_points(&points);
        for (g, v) in curve.on_grid(grid).into_iter().enumerate() {
            let Some(v) = v else { continue };
            if best[g].is_none_or(|x| v > x) {
                let (a, b) = segment_at(&curve, grid[g]);
                winner[g] = Some((sources[order[a]], sources[order[b]]));
            }
            best[g] = Some(best[g].map_or(v, |x: f64| x.max(v)));
        }
    }
    // The running max's source of every grid point: where its value last rose.
    let mut source: Vec<Option<usize>> = Vec::with_capacity(grid.len());
    let mut top: Option<(f64, usize)> = None;
    for (g, v) in best.iter().enumerate() {
        if let Some(v) = *v
            && top.is_none_or(|(t, _)| v > t)
        {
            top = Some((v, g));
        }
        source.push(top.map(|(_, g)| g));
    }
    running_max(&mut best);
    let mut support = EnvelopeSupport { policies: Vec::new(), segments: Vec::with_capacity(grid.len()) };
    let mut position: BTreeMap<(bool, usize), usize> = BTreeMap::new();
    let mut place = |s: Source, support: &mut EnvelopeSupport| -> usize {
        let key = match s {
            Source::Candidate(i) => (false, i),
            Source::Model(m) => (true, m),
        };
        *position.entry(key).or_insert_with(|| {
            support.policies.push(match s {
                Source::Candidate(i) => policies[i].clone(),
                Source::Model(m) => Policy::Single { model: data.models[m].name.clone() },
            });
            support.policies.len() - 1
        })
    };
    for at in source {
        let segment = at.and_then(|at| {
            let (a, b) = winner[at]?;
            Some(EnvelopeSegment { low: place(a, &mut support), high: place(b, &mut support), at })
        });
        support.segments.push(segment);
    }
    (best, support)
}

/// The vertices of `curve` that give its value at `cost` (inside its range), as
/// [`Curve::value_at`] reads them: the best vertex exactly at `cost` (twice), else
/// the two vertices around it.
fn segment_at(curve: &Curve, cost: f64) -> (usize, usize) {
    let hi = curve.cost.partition_point(|&c| c <= cost);
    let lo = curve.cost.partition_point(|&c| c < cost);
    if lo < hi {
        let best = (lo..hi).fold(lo, |b, k| if curve.quality[k] > curve.quality[b] { k } else { b });
        return (best, best);
    }
    (lo - 1, lo)
}

/// Replaces each defined value by the max so far; undefined values after a defined
/// one take the running max (the curve stays flat to the right).
pub fn running_max(values: &mut [Option<f64>]) {
    let mut top: Option<f64> = None;
    for v in values.iter_mut() {
        top = match (top, *v) {
            (Some(t), Some(x)) => Some(t.max(x)),
            (t, x) => t.or(x),
        };
        *v = top;
    }
}

/// Gain-style optimism: mean over the grid of (envelope − selected) where both are
/// defined.
pub fn optimism(envelope: &[Option<f64>], selected: &[Option<f64>]) -> Option<f64> {
    let d: Vec<f64> = envelope.iter().zip(selected).filter_map(|(e, s)| Some((*e)? - (*s)?)).collect();
    (!d.is_empty()).then(|| d.iter().sum::<f64>() / d.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascadelab_core::{Dataset, ModelColumns, Signal, linspace};

    fn pt(cost: f64, quality: f64) -> Point {
        Point { cost, quality }
    }

    #[test]
    fn selected_curve_follows_calibration_choices_and_may_dip() {
        // Calibration picked three policies; on test the middle one is worse than
        // the first: the selected curve dips, and is undefined beyond its range.
        let grid = linspace(0.0, 4.0, 5);
        let c = selected_curve(&[pt(1.0, 0.5), pt(2.0, 0.4), pt(3.0, 0.8)], &grid);
        assert_eq!(c[0], None);
        assert_eq!(c[1], Some(0.5));
        assert_eq!(c[2], Some(0.4));
        assert_eq!(c[3], Some(0.8));
        assert_eq!(c[4], Some(0.8), "flat beyond the top policy's test cost");
        // Test costs out of calibration order are sorted (stable on ties).
        let c = selected_curve(&[pt(2.0, 0.6), pt(1.0, 0.5), pt(3.0, 0.7)], &linspace(1.0, 3.0, 5));
        let expected = [0.5, 0.55, 0.6, 0.65, 0.7];
        for (v, e) in c.iter().zip(expected) {
            assert!((v.unwrap() - e).abs() < 1e-12, "{c:?}");
        }
    }

    fn two_model_data() -> Dataset {
        // Model a: cheap, right on q0, q1; model b: expensive, right on q1, q2, q3.
        let m = |name: &str, quality: Vec<f64>, conf: Vec<f64>, cost: f64| ModelColumns {
            name: name.into(),
            quality,
            confidence: Some(conf),
            cost: vec![cost; 4],
        };
        Dataset::new(
            (0..4).map(|i| format!("q{i}")).collect(),
            None,
            vec![
                m("a", vec![1.0, 1.0, 0.0, 0.0], vec![0.9, 0.8, 0.2, 0.1], 1.0),
                m("b", vec![0.0, 1.0, 1.0, 1.0], vec![0.5; 4], 3.0),
            ],
            None,
        )
        .unwrap()
    }

    #[test]
    fn envelope_takes_the_best_route_with_end_models_and_a_running_max() {
        let d = two_model_data();
        let cascade = |t: f64| Policy::Cascade {
            stages: vec!["a".into(), "b".into()],
            thresholds: vec![t],
            signal: Signal::Confidence,
        };
        let policies = vec![cascade(0.5), cascade(0.15)];
        // Hand-made test points: τ=0.5 escalates q2, q3: cost 1 + 3/2 = 2.5, quality 1.
        // τ=0.15 escalates q3: cost 1.75, quality 0.75.
        let test = vec![pt(2.5, 1.0), pt(1.75, 0.75)];
        let singles = vec![pt(1.0, 0.5), pt(3.0, 0.75)];
        let grid = vec![0.5, 1.0, 1.375, 1.75, 2.5, 2.75, 3.0, 3.5];
        let env = envelope_curve(&d, &policies, &test, &singles, &grid);
        // Route a → b: polyline (1, .5) (1.75, .75) (2.5, 1) (3, .75); running max flattens at 1.
        assert_eq!(env[0], None);
        assert_eq!(env[1], Some(0.5));
        assert_eq!(env[2], Some(0.625));
        assert_eq!(env[3], Some(0.75));
        assert_eq!(env[4], Some(1.0));
        assert_eq!(env[5], Some(1.0), "running max, not the dip towards b");
        assert_eq!(env[6], Some(1.0));
        assert_eq!(env[7], Some(1.0), "flat to the right of the last point");

        // The selected curve with calibration picking only τ=0.15 then b alone dips.
        let sel = selected_curve(&[pt(1.75, 0.75), pt(3.0, 0.75)], &grid);
        assert_eq!(sel[3], Some(0.75));
        assert_eq!(sel[2], None, "undefined below the cheapest selected point");
        assert_eq!(sel[4], Some(0.75));
        assert_eq!(sel[7], Some(0.75));
        let gap = optimism(&env, &sel).unwrap();
        // Defined together at 1.75, 2.5, 2.75, 3.0, 3.5: gaps 0, .25, .25, .25, .25.
        assert!((gap - 0.2).abs() < 1e-12, "{gap}");
    }

    #[test]
    fn a_lone_point_serves_every_budget_above_its_cost() {
        // One policy (as the oracle family has): no grid point equals its cost, yet the
        // envelope is defined from there on, at its quality.
        let d = two_model_data();
        let policies = vec![Policy::Oracle { models: vec!["a".into(), "b".into()] }];
        let singles = vec![pt(1.0, 0.5), pt(3.0, 0.75)];
        let env = envelope_curve(&d, &policies, &[pt(1.3, 0.9)], &singles, &[1.0, 1.25, 1.5, 3.0]);
        assert_eq!(env, vec![None, None, Some(0.9), Some(0.9)]);
    }

    #[test]
    fn the_envelope_support_gives_back_the_envelope() {
        let d = two_model_data();
        let cascade = |t: f64| Policy::Cascade {
            stages: vec!["a".into(), "b".into()],
            thresholds: vec![t],
            signal: Signal::Confidence,
        };
        let oracle = Policy::Oracle { models: vec!["a".into(), "b".into()] };
        let policies = vec![cascade(0.5), cascade(0.15), oracle.clone()];
        let test = vec![pt(2.5, 1.0), pt(1.75, 0.75), pt(2.6, 0.8)];
        let singles = vec![pt(1.0, 0.5), pt(3.0, 0.75)];
        let grid = vec![0.5, 1.0, 1.375, 1.75, 2.5, 2.55, 2.75, 3.0, 3.5];
        let (env, support) = envelope_with_support(&d, &policies, &test, &singles, &grid);
        assert_eq!(env, envelope_curve(&d, &policies, &test, &singles, &grid));
        let point_of = |p: &Policy| -> Point {
            match p {
                Policy::Single { model } => singles[d.model_index(model).unwrap()],
                p => test[policies.iter().position(|q| q == p).unwrap()],
            }
        };
        // Each grid point's value from its segment: the envelope, running max included.
        let again: Vec<Option<f64>> = support
            .segments
            .iter()
            .map(|s| {
                let EnvelopeSegment { low, high, at } = (*s)?;
                let (pa, pb) = (point_of(&support.policies[low]), point_of(&support.policies[high]));
                let c = grid[at];
                Some(if low == high {
                    pa.quality
                } else {
                    pa.quality + (c - pa.cost) / (pb.cost - pa.cost) * (pb.quality - pa.quality)
                })
            })
            .collect();
        assert_eq!(again, env);
        assert_eq!(support.segments[0], None);
        // At 1.375 the route a → b interpolates between a alone and τ = 0.15.
        let s = support.segments[2].unwrap();
        assert_eq!(support.policies[s.low], Policy::Single { model: "a".into() });
        assert_eq!(support.policies[s.high], cascade(0.15));
        assert_eq!(s.at, 2);
        // Beyond 2.5 the running max carries τ = 0.5's quality from grid point 4.
        let s = support.segments[6].unwrap();
        assert_eq!((s.low, s.high, s.at), (support.segments[4].unwrap().low, support.segments[4].unwrap().high, 4));
        assert_eq!(support.policies[s.low], cascade(0.5));
        // The oracle's lone point is never above τ = 0.5's quality: it is not used.
        assert!(!support.policies.contains(&oracle));
    }

    #[test]
    fn running_max_is_flat_after_the_first_defined_point() {
        let mut v = vec![None, Some(0.2), Some(0.1), None, Some(0.3)];
        running_max(&mut v);
        assert_eq!(v, vec![None, Some(0.2), Some(0.2), Some(0.2), Some(0.3)]);
    }

    /// 120 queries, three models with confidence, and one feature per query that a
    /// logistic predictor turns into p̂ (a different signal from the confidence).
    fn data_with_predictor() -> (Dataset, Predictors) {
        let n = 120;
        let x: Vec<f64> = (0..n).map(|i| ((i * 37) % 101) as f64 / 50.0 - 1.0).collect();
        let col = |name: &str, shift: f64, cost: f64| {
            let quality: Vec<f64> = x.iter().map(|&v| if v + shift > 0.0 { 1.0 } else { 0.0 }).collect();
            let confidence: Vec<f64> = (0..n).map(|i| ((i * 53 + 7) % 97) as f64 / 97.0 + quality[i] * 0.2).collect();
            ModelColumns { name: name.into(), quality, confidence: Some(confidence), cost: vec![cost; n] }
        };
        let features =
            cascadelab_core::Features { source: "test".into(), dim: 1, values: x.iter().map(|&v| v as f32).collect() };
        let data = Dataset::new(
            (0..n).map(|i| format!("q{i}")).collect(),
            None,
            vec![col("a", 0.0, 1.0), col("b", 0.4, 3.0), col("c", 0.8, 10.0)],
            Some(features),
        )
        .unwrap();
        let p = cascadelab_core::Predictor::Logistic {
            models: vec!["a".into(), "b".into(), "c".into()],
            coefficients: vec![vec![3.0], vec![2.0], vec![1.0]],
            intercepts: vec![0.0, 0.5, 1.0],
            feature_mean: None,
            feature_scale: None,
        };
        (data, Predictors::from([("p".to_string(), p)]))
    }

    #[test]
    fn first_order_of_predicted_cascades_equals_the_diagnostic_on_the_predictor() {
        let (data, predictors) = data_with_predictor();
        let cal: Vec<usize> = (0..data.n_queries()).filter(|i| i % 3 != 0).collect();
        let pool = Pool::new(&data, &cal);
        let predicted = Policy::Cascade {
            stages: vec!["a".into(), "b".into(), "c".into()],
            thresholds: vec![0.6, 0.55],
            signal: Signal::Predicted { predictor: "p".into(), cost: 0.0 },
        };
        let confident =
            Policy::Cascade { stages: vec!["a".into(), "c".into()], thresholds: vec![0.5], signal: Signal::Confidence };
        let entry = |policy: &Policy, cost: f64| FrontierEntry {
            policy: policy.clone(),
            calibration: pt(cost, 0.5),
            test: pt(cost, 0.5),
        };
        let single = FrontierEntry { policy: Policy::Single { model: "a".into() }, ..entry(&confident, 0.5) };
        let entries = vec![single, entry(&confident, 2.0), entry(&predicted, 3.0)];
        let got = first_order_of(&data, &cal, &pool, &entries, &predictors, &mut Proxies::default());
        // The single model is no cascade; the two cascades keep their frontier ranks.
        assert_eq!(got.iter().map(|p| p.rank).collect::<Vec<_>>(), vec![1, 2]);
        let options = FirstOrderOptions::default();
        let direct = first_order(&data, &cal, &predicted, &predictors, &options).unwrap();
        assert_eq!(got[1].report.boundaries, direct.boundaries, "the proxy data gives the predictor's own estimates");
        assert_eq!(got[1].report.spread_window, direct.spread_window);
        assert_eq!(got[1].report.boundaries.len(), 2);
        assert_eq!(got[1].analytic_slope, None, "three stages have no single Δ/c_H");
        let direct = first_order(&data, &cal, &confident, &predictors, &options).unwrap();
        assert_eq!(got[0].report, direct);
        // Two stages: Δ(τ)/c̄_H with c̄_H = 10 on calibration.
        let expected = direct.boundaries[0].gain_binned.unwrap() / 10.0;
        assert!((got[0].analytic_slope.unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn predictor_auroc_scores_every_model_on_test() {
        let (data, predictors) = data_with_predictor();
        let test: Vec<usize> = (0..data.n_queries()).filter(|i| i % 3 == 0).collect();
        let got = predictor_auroc(&data, &test, &predictors);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].predictor, "p");
        let names: Vec<&str> = got[0].models.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(names, vec!["a", "b", "c"]);
        // Quality is 1[x + shift > 0] and p̂ increases with x: every model is ranked perfectly.
        for (m, v) in &got[0].models {
            assert_eq!(*v, Some(1.0), "{m}");
        }
        // Without features nothing can be predicted: no entry, no panic.
        let mut bare = data.clone();
        bare.features = None;
        assert!(predictor_auroc(&bare, &test, &predictors).is_empty());
    }

    #[test]
    fn solver_seeds_differ_by_split_and_solver() {
        let s = [solver_seed(42, 0, 0), solver_seed(42, 1, 0), solver_seed(42, 0, 1), solver_seed(43, 0, 0)];
        for i in 0..s.len() {
            for j in i + 1..s.len() {
                assert_ne!(s[i], s[j]);
            }
        }
        assert_eq!(solver_seed(42, 3, 1), solver_seed(42, 3, 1));
    }
}
