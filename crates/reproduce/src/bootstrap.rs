//! The paired bootstrap of the Table 1 metrics: test queries resampled, policies
//! held fixed.
//!
//! # What one replicate is
//!
//! Replicate r draws n queries with replacement from the benchmark's n queries
//! (`ChaCha8Rng` seeded with the experiment's seed, on stream r; bounded draws by
//! rejection sampling, so the draws do not depend on the `rand` crate's sampling
//! code), giving every query a multiplicity w_q. Then, with nothing refitted:
//! - the anchors of Gain and CR@x (the cheapest and the most accurate model, the
//!   same two models as on the full sample) and the cost grid (cheapest to most
//!   expensive model, the same number of points) are recomputed as w-weighted means
//!   over all queries;
//! - on every split, every policy a method holds fixed gets the w-weighted mean cost
//!   and quality over that split's test queries (a query drawn twice counts twice);
//! - each split's curve is rebuilt from those points by the protocol's rule:
//!   `selected` (exact protocol): the calibration frontier's policies, sorted by test
//!   cost and interpolated exactly as the engine does, so its shape may change;
//!   `test-envelope` (paper protocol): the envelope's choice at every grid point is
//!   held fixed too, running max included (the two test points the full test set's
//!   envelope interpolated between, and the grid point where it read them, see
//!   [`cascadelab_engine::protocol::EnvelopeSupport`]): the value is re-read on that
//!   segment between their resampled points (clamped to the segment), with no
//!   maximum taken on the resample (a max of noisy values would be biased upwards);
//! - the median over splits at each grid point, then Gain and CR@x of the median.
//!
//! One draw serves every split and every method, so differences between methods are
//! paired, and the splits stay as correlated as they are (they share the queries).
//! The interval is the percentile interval of the replicates where the metric is
//! defined (numpy's linear percentiles at (1 − level)/2 and (1 + level)/2).
//!
//! # Cost
//!
//! A method's policies on one split differ from one another on few queries
//! (neighbouring thresholds, weights or λ), so their per-query test outcomes are
//! stored as the first policy's dense column and, for each next policy, the
//! queries where it differs from the previous one. A replicate then costs one dot
//! product per method and split plus one term per stored difference, a stable sort
//! of nearly sorted points, one merge of the points with the grid, and one median
//! selection per grid point. Replicates run in parallel; each draws from its own
//! stream and results are collected in replicate order, so they do not depend on
//! the thread count.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use cascadelab_core::{Evaluator, Outcomes, Policy, PolicyError, Predictors, linspace};
use cascadelab_engine::split::below;
use cascadelab_engine::{RunResults, Study};
use cascadelab_metrics::{Anchors, cost_reduction, gain};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::methods::{self, Method, Protocol};

/// How to bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Number of replicates.
    pub resamples: usize,
    /// Seed (replicate r uses stream r).
    pub seed: u64,
    /// Coverage of the percentile interval.
    pub level: f64,
}

/// One method's policies on one split, their per-query test outcomes stored as a
/// dense first row and sparse differences between consecutive rows.
#[derive(Debug, Clone, Default)]
struct Rows {
    base_cost: Vec<f64>,
    base_quality: Vec<f64>,
    /// Row i ≥ 1's differences are entries `starts[i - 1]..starts[i]`.
    starts: Vec<usize>,
    position: Vec<u32>,
    d_cost: Vec<f64>,
    d_quality: Vec<f64>,
}

impl Rows {
    fn encode(outcomes: &[Outcomes]) -> Self {
        let mut rows = Rows::default();
        let Some(first) = outcomes.first() else { return rows };
        rows.base_cost = first.cost.clone();
        rows.base_quality = first.quality.clone();
        for w in outcomes.windows(2) {
            let (old, new) = (&w[0], &w[1]);
            for i in 0..new.cost.len() {
                let (dc, dq) = (new.cost[i] - old.cost[i], new.quality[i] - old.quality[i]);
                if new.cost[i] != old.cost[i] || new.quality[i] != old.quality[i] {
                    rows.position.push(i as u32);
                    rows.d_cost.push(dc);
                    rows.d_quality.push(dq);
                }
            }
            rows.starts.push(rows.position.len());
        }
        rows
    }

    fn len(&self) -> usize {
        if self.base_cost.is_empty() { 0 } else { self.starts.len() + 1 }
    }

    /// Weighted mean cost and quality of every row for each of the first `len`
    /// replicates of a batch: `w[i * BATCH + k]` is replicate k's weight of test
    /// query i, `totals[k]` their sum. Each replicate's sums run in the same order
    /// whatever the batch, so its points do not depend on the batching.
    fn points_batch(&self, w: &[f64], totals: &[f64; BATCH], len: usize, out: &mut [Vec<(f64, f64)>]) {
        for o in out.iter_mut().take(len) {
            o.clear();
        }
        if self.base_cost.is_empty() {
            return;
        }
        let (mut c, mut q) = ([0.0f64; BATCH], [0.0f64; BATCH]);
        for ((wi, &x), &y) in w.chunks_exact(BATCH).zip(&self.base_cost).zip(&self.base_quality) {
            for k in 0..BATCH {
                c[k] += wi[k] * x;
                q[k] += wi[k] * y;
            }
        }
        let push = |c: &[f64; BATCH], q: &[f64; BATCH], out: &mut [Vec<(f64, f64)>]| {
            for k in 0..len {
                out[k].push((c[k] / totals[k], q[k] / totals[k]));
            }
        };
        push(&c, &q, out);
        let mut from = 0;
        for &to in &self.starts {
            for e in from..to {
                let at = self.position[e] as usize * BATCH;
                let wi = &w[at..at + BATCH];
                let (dc, dq) = (self.d_cost[e], self.d_quality[e]);
                for k in 0..BATCH {
                    c[k] += wi[k] * dc;
                    q[k] += wi[k] * dq;
                }
            }
            push(&c, &q, out);
            from = to;
        }
    }
}

/// How a split's curve is rebuilt from its policies' points.
#[derive(Debug, Clone)]
enum Rule {
    /// The engine's `selected` curve of the rows in calibration order.
    Selected,
    /// The `test-envelope` with each grid point's source held fixed: the two rows
    /// and the grid point where their segment is read.
    Envelope(Vec<Option<(u32, u32, u32)>>),
}

#[derive(Debug, Clone)]
struct SplitPolicies {
    rows: Rows,
    rule: Rule,
}

/// One curve (a method under a protocol) across the splits.
#[derive(Debug, Clone)]
struct Target {
    method: Method,
    protocol: Protocol,
    /// Per split, `None` where the solver did not return the family.
    splits: Vec<Option<SplitPolicies>>,
}

/// Everything a replicate needs, prepared once per benchmark.
#[derive(Debug, Clone)]
pub struct Prepared {
    n: usize,
    grid_size: usize,
    levels: Vec<f64>,
    /// Per model: cost and quality over all queries (for anchors and grid).
    model_cost: Vec<Vec<f64>>,
    model_quality: Vec<Vec<f64>>,
    cheapest: usize,
    most_accurate: usize,
    tests: Vec<Vec<u32>>,
    targets: Vec<Target>,
}

/// Gain and CR@x of one curve on one replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// Gain of the median curve.
    pub gain: Option<f64>,
    /// CR@x per level, in percent.
    pub cost_reduction: Vec<Option<f64>>,
}

/// The replicates of every curve.
#[derive(Debug, Clone)]
pub struct Replicates {
    /// The settings used.
    pub settings: Settings,
    /// The curves, in preparation order.
    pub curves: Vec<(Method, Protocol)>,
    /// `values[r][c]`: curve c's metrics on replicate r.
    pub values: Vec<Vec<Metrics>>,
    /// Stored per-query differences over all curves and splits (a size figure).
    pub stored_differences: usize,
    /// Policies held fixed over all curves and splits.
    pub policies: usize,
}

/// Per-query outcomes of a policy; a mixture's are its components' expected
/// outcomes per query.
pub fn expected_outcomes(ev: &mut Evaluator<'_>, policy: &Policy) -> Result<Outcomes, PolicyError> {
    match policy {
        Policy::Mixture { low, high, p_high } => {
            let (a, b) = (expected_outcomes(ev, low)?, expected_outcomes(ev, high)?);
            let mix = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(x, y)| (1.0 - p_high) * x + p_high * y).collect();
            Ok(Outcomes { cost: mix(&a.cost, &b.cost), quality: mix(&a.quality, &b.quality) })
        }
        p => ev.outcomes(p),
    }
}

impl Prepared {
    /// Evaluates, on every split's test queries, the policies each of `curves`
    /// holds fixed, and stores their outcomes.
    pub fn new(study: &Study, results: &RunResults, curves: &[(Method, Protocol)]) -> Result<Self, PolicyError> {
        let data = study.data();
        let tests: Vec<Vec<u32>> = study.splits.iter().map(|s| s.test.iter().map(|&q| q as u32).collect()).collect();
        let per_split: Vec<Vec<Option<SplitPolicies>>> = (0..study.splits.len())
            .into_par_iter()
            .map(|split| {
                let test = &study.splits[split].test;
                // One evaluator per solver, so that its predictors run once per split.
                let mut evaluators: BTreeMap<usize, Evaluator<'_>> = BTreeMap::new();
                curves
                    .iter()
                    .map(|&(method, protocol)| {
                        let Some(f) = methods::family(study, results, split, method, protocol) else {
                            return Ok(None);
                        };
                        let (solver, _) = method.source(protocol);
                        let si = methods::solver_index(study, solver).expect("the family exists");
                        let ev = match evaluators.entry(si) {
                            Entry::Occupied(e) => e.into_mut(),
                            Entry::Vacant(e) => {
                                let predictors: &Predictors = &results.splits[split].solvers[si].predictors;
                                e.insert(Evaluator::new(data, test, predictors)?)
                            }
                        };
                        let (policies, rule): (Vec<&Policy>, Rule) = match protocol {
                            Protocol::Exact => (f.frontier.iter().map(|e| &e.policy).collect(), Rule::Selected),
                            Protocol::Paper => {
                                let s = &f.envelope_support;
                                let segments = s
                                    .segments
                                    .iter()
                                    .map(|x| x.map(|x| (x.low as u32, x.high as u32, x.at as u32)))
                                    .collect();
                                (s.policies.iter().collect(), Rule::Envelope(segments))
                            }
                        };
                        let outcomes =
                            policies.iter().map(|p| expected_outcomes(ev, p)).collect::<Result<Vec<_>, _>>()?;
                        Ok(Some(SplitPolicies { rows: Rows::encode(&outcomes), rule }))
                    })
                    .collect::<Result<Vec<_>, PolicyError>>()
            })
            .collect::<Result<_, _>>()?;
        let mut targets: Vec<Target> = curves
            .iter()
            .map(|&(method, protocol)| Target { method, protocol, splits: Vec::with_capacity(per_split.len()) })
            .collect();
        for split in per_split {
            for (t, sp) in targets.iter_mut().zip(split) {
                t.splits.push(sp);
            }
        }
        Ok(Self {
            n: data.n_queries(),
            grid_size: study.grid.len(),
            levels: study.plan.report.quality_levels.clone(),
            model_cost: data.models.iter().map(|m| m.cost.clone()).collect(),
            model_quality: data.models.iter().map(|m| m.quality.clone()).collect(),
            cheapest: study.cheapest,
            most_accurate: study.most_accurate,
            tests,
            targets,
        })
    }

    /// The curves, in order.
    pub fn curves(&self) -> Vec<(Method, Protocol)> {
        self.targets.iter().map(|t| (t.method, t.protocol)).collect()
    }

    /// The metrics of every curve with every query counted once: the point estimate
    /// (up to the order of floating-point sums).
    pub fn identity(&self) -> Vec<Metrics> {
        let mut w = vec![0.0; self.n * BATCH];
        for q in 0..self.n {
            w[q * BATCH] = 1.0;
        }
        self.batch(&w, 1, &mut Scratch::default()).swap_remove(0)
    }

    /// Per-split curves on the grid of curve `curve` with every query counted once
    /// (for checks against the engine's curves).
    pub fn identity_curves(&self, curve: usize) -> Vec<Option<Vec<Option<f64>>>> {
        let mut w = vec![0.0; self.n * BATCH];
        for q in 0..self.n {
            w[q * BATCH] = 1.0;
        }
        let grid = self.grid(&w, 0);
        let mut scratch = Scratch::default();
        scratch.points.resize_with(BATCH, Vec::new);
        self.gather(&w, &mut scratch);
        self.targets[curve]
            .splits
            .iter()
            .enumerate()
            .map(|(s, sp)| {
                let sp = sp.as_ref()?;
                sp.rows.points_batch(&scratch.split_weights[s], &scratch.totals[s], 1, &mut scratch.points);
                let mut out = vec![0.0; grid.len()];
                curve_into(&sp.rule, &scratch.points[0], &grid, &mut scratch.curve, &mut out);
                Some(out.into_iter().map(|v| (v < f64::INFINITY).then_some(v)).collect())
            })
            .collect()
    }

    /// The w-weighted mean of `col` for replicate `k` of a batch.
    fn mean(col: &[f64], w: &[f64], k: usize) -> f64 {
        let (s, t) =
            col.iter().zip(w.chunks_exact(BATCH)).fold((0.0, 0.0), |(s, t), (x, wi)| (s + wi[k] * x, t + wi[k]));
        s / t
    }

    fn anchors(&self, w: &[f64], k: usize) -> Anchors {
        Anchors {
            c_low: Self::mean(&self.model_cost[self.cheapest], w, k),
            q_low: Self::mean(&self.model_quality[self.cheapest], w, k),
            c_exp: Self::mean(&self.model_cost[self.most_accurate], w, k),
            q_max: Self::mean(&self.model_quality[self.most_accurate], w, k),
        }
    }

    fn grid(&self, w: &[f64], k: usize) -> Vec<f64> {
        let c_max = self.model_cost.iter().map(|c| Self::mean(c, w, k)).fold(f64::NEG_INFINITY, f64::max);
        linspace(Self::mean(&self.model_cost[self.cheapest], w, k), c_max, self.grid_size)
    }

    /// Every split's test weights (interleaved by replicate) and their sums.
    fn gather(&self, w: &[f64], scratch: &mut Scratch) {
        scratch.split_weights.resize_with(self.tests.len(), Vec::new);
        scratch.totals.resize(self.tests.len(), [0.0; BATCH]);
        for (s, test) in self.tests.iter().enumerate() {
            let sw = &mut scratch.split_weights[s];
            sw.clear();
            let mut totals = [0.0; BATCH];
            for &q in test {
                let wi = &w[q as usize * BATCH..(q as usize + 1) * BATCH];
                sw.extend_from_slice(wi);
                for k in 0..BATCH {
                    totals[k] += wi[k];
                }
            }
            scratch.totals[s] = totals;
        }
    }

    /// The metrics of every curve for the first `len` replicates of a batch with
    /// interleaved query weights `w` (`w[q * BATCH + k]`): `out[k][curve]`.
    fn batch(&self, w: &[f64], len: usize, scratch: &mut Scratch) -> Vec<Vec<Metrics>> {
        let anchors: Vec<Anchors> = (0..len).map(|k| self.anchors(w, k)).collect();
        let grids: Vec<Vec<f64>> = (0..len).map(|k| self.grid(w, k)).collect();
        self.gather(w, scratch);
        let (g_len, s_len) = (self.grid_size, self.tests.len());
        scratch.points.resize_with(BATCH, Vec::new);
        let mut out: Vec<Vec<Metrics>> = (0..len).map(|_| Vec::with_capacity(self.targets.len())).collect();
        for target in &self.targets {
            scratch.columns.clear();
            scratch.columns.resize(len * g_len * s_len, f64::INFINITY);
            for (s, sp) in target.splits.iter().enumerate() {
                let Some(sp) = sp else { continue };
                let totals = scratch.totals[s];
                sp.rows.points_batch(&scratch.split_weights[s], &totals, len, &mut scratch.points);
                for k in (0..len).filter(|&k| totals[k] > 0.0) {
                    let at = (k * s_len + s) * g_len;
                    let column = &mut scratch.columns[at..at + g_len];
                    curve_into(&sp.rule, &scratch.points[k], &grids[k], &mut scratch.curve, column);
                }
            }
            for (k, out) in out.iter_mut().enumerate() {
                let columns = &scratch.columns[k * g_len * s_len..(k + 1) * g_len * s_len];
                medians_along_grid(columns, g_len, &mut scratch.order, &mut scratch.sorted, &mut scratch.median);
                let (a, grid, median) = (&anchors[k], &grids[k], &scratch.median);
                let degenerate = !(a.c_exp > a.c_low && a.q_max > a.q_low);
                out.push(Metrics {
                    gain: if degenerate { None } else { gain(grid, median, a) }.filter(|g| g.is_finite()),
                    cost_reduction: self
                        .levels
                        .iter()
                        .map(|&x| cost_reduction(grid, median, a, x).filter(|c| c.is_finite()))
                        .collect(),
                });
            }
        }
        out
    }

    /// Draws `settings.resamples` replicates, [`BATCH`] at a time, batches in
    /// parallel (the result does not depend on the thread count).
    pub fn run(&self, settings: Settings) -> Replicates {
        let n = self.n;
        let batches = settings.resamples.div_ceil(BATCH);
        let values: Vec<Vec<Metrics>> = (0..batches)
            .into_par_iter()
            .map_init(
                || (vec![0.0f64; n * BATCH], Scratch::default()),
                |(w, scratch), b| {
                    let first = b * BATCH;
                    let len = BATCH.min(settings.resamples - first);
                    w.fill(0.0);
                    for k in 0..len {
                        let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
                        rng.set_stream((first + k) as u64);
                        for _ in 0..n {
                            w[below(&mut rng, n as u64) as usize * BATCH + k] += 1.0;
                        }
                    }
                    self.batch(w, len, scratch)
                },
            )
            .flatten()
            .collect();
        let (mut stored, mut policies) = (0, 0);
        for t in &self.targets {
            for sp in t.splits.iter().flatten() {
                stored += sp.rows.position.len();
                policies += sp.rows.len();
            }
        }
        Replicates { settings, curves: self.curves(), values, stored_differences: stored, policies }
    }
}

/// Replicates computed together: their query weights are interleaved, so that each
/// stored per-query difference is read once for all of them.
pub const BATCH: usize = 8;

/// Reusable buffers of one worker.
#[derive(Default)]
struct Scratch {
    split_weights: Vec<Vec<f64>>,
    totals: Vec<[f64; BATCH]>,
    points: Vec<Vec<(f64, f64)>>,
    order: Vec<usize>,
    curve: CurveScratch,
    columns: Vec<f64>,
    sorted: Vec<f64>,
    median: Vec<Option<f64>>,
}

/// The curve of one split's policies, given their points, on `grid` into `out`
/// (+inf where undefined).
fn curve_into(rule: &Rule, points: &[(f64, f64)], grid: &[f64], scratch: &mut CurveScratch, out: &mut [f64]) {
    match rule {
        Rule::Selected => selected_into(points, &mut scratch.order, &mut scratch.sorted, grid, out),
        Rule::Envelope(segments) => {
            for (o, seg) in out.iter_mut().zip(segments) {
                *o = seg.map_or(f64::INFINITY, |(a, b, at)| {
                    let ((ca, qa), (cb, qb)) = (points[a as usize], points[b as usize]);
                    let c = grid[at as usize];
                    if a == b {
                        qa
                    } else if cb > ca {
                        let t = ((c - ca) / (cb - ca)).clamp(0.0, 1.0);
                        qa + t * (qb - qa)
                    } else {
                        qa.max(qb)
                    }
                });
            }
        }
    }
}

/// Buffers of [`curve_into`].
#[derive(Default)]
struct CurveScratch {
    order: Vec<usize>,
    sorted: Vec<(f64, f64)>,
}

/// Per grid point g, the median over splits s of the defined values (at
/// `columns[s * g_len + g]`, +inf where undefined), as numpy's linear percentile at
/// 50 (the engine's bands). The splits' order by value is carried from one grid
/// point to the next and repaired by insertion sort: curves seldom cross between
/// neighbouring grid points, so this costs about one comparison per split.
fn medians_along_grid(
    columns: &[f64],
    g_len: usize,
    order: &mut Vec<usize>,
    sorted: &mut Vec<f64>,
    out: &mut Vec<Option<f64>>,
) {
    out.clear();
    if g_len == 0 {
        return;
    }
    let s_len = columns.len() / g_len;
    order.clear();
    order.extend(0..s_len);
    if s_len == 0 {
        out.resize(g_len, None);
        return;
    }
    sorted.clear();
    sorted.resize(s_len, 0.0);
    let (sorted, order) = (&mut sorted[..s_len], &mut order[..s_len]);
    for g in 0..g_len {
        for (x, &i) in sorted.iter_mut().zip(order.iter()) {
            *x = columns[i * g_len + g];
        }
        for i in 1..s_len {
            let x = sorted[i];
            if sorted[i - 1] <= x {
                continue;
            }
            let xi = order[i];
            let mut j = i;
            while j > 0 && sorted[j - 1] > x {
                sorted[j] = sorted[j - 1];
                order[j] = order[j - 1];
                j -= 1;
            }
            sorted[j] = x;
            order[j] = xi;
        }
        let k = sorted.partition_point(|&v| v < f64::INFINITY);
        out.push(match k {
            0 => None,
            _ => {
                let lo = (k - 1) / 2;
                let a = sorted[lo];
                if k % 2 == 1 { Some(a) } else { Some(a + 0.5 * (sorted[lo + 1] - a)) }
            }
        });
    }
}

/// The engine's `selected` curve ([`cascadelab_engine::protocol::selected_curve`])
/// by one stable sort and one merge with the grid (ascending): undefined below
/// the cheapest point, flat at the top point's quality above the dearest, at a
/// vertex the best quality there, else linear interpolation. `None` where undefined.
pub fn selected_on_grid(points: &[(f64, f64)], grid: &[f64]) -> Vec<Option<f64>> {
    let mut out = vec![0.0; grid.len()];
    selected_into(points, &mut Vec::new(), &mut Vec::new(), grid, &mut out);
    out.into_iter().map(|v| (v < f64::INFINITY).then_some(v)).collect()
}

/// [`selected_on_grid`] into `out`, +inf where undefined, with reusable buffers.
fn selected_into(
    points: &[(f64, f64)],
    order: &mut Vec<usize>,
    sorted: &mut Vec<(f64, f64)>,
    grid: &[f64],
    out: &mut [f64],
) {
    if points.is_empty() {
        out.fill(f64::INFINITY);
        return;
    }
    order.clear();
    order.extend(0..points.len());
    order.sort_by(|&a, &b| points[a].0.total_cmp(&points[b].0));
    sorted.clear();
    sorted.extend(order.iter().map(|&i| points[i]));
    let n = sorted.len();
    let (first, last) = (sorted[0].0, sorted[n - 1].0);
    let top = sorted.iter().filter(|p| p.0 == last).map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (mut lo, mut hi) = (0, 0);
    for (o, &c) in out.iter_mut().zip(grid) {
        if c > last {
            *o = top;
            continue;
        }
        if c < first || c.is_nan() {
            *o = f64::INFINITY;
            continue;
        }
        while lo < n && sorted[lo].0 < c {
            lo += 1;
        }
        hi = hi.max(lo);
        while hi < n && sorted[hi].0 <= c {
            hi += 1;
        }
        *o = if lo < hi {
            sorted[lo..hi].iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max)
        } else {
            let ((ca, qa), (cb, qb)) = (sorted[lo - 1], sorted[lo]);
            let t = (c - ca) / (cb - ca);
            qa + t * (qb - qa)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascadelab_core::Point;
    use cascadelab_engine::aggregate::band;
    use cascadelab_engine::protocol::selected_curve;

    /// A small deterministic generator for test inputs.
    fn lcg(state: &mut u64) -> f64 {
        *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn the_fast_selected_curve_is_the_engines() {
        let mut s = 7u64;
        for case in 0..300 {
            let n = 1 + case % 12;
            // Costs on a coarse lattice so that ties and vertical steps happen.
            let points: Vec<(f64, f64)> =
                (0..n).map(|_| ((lcg(&mut s) * 8.0).floor() / 4.0, (lcg(&mut s) * 10.0).floor() / 10.0)).collect();
            let grid = linspace(-0.25, 2.25, 21);
            let got = selected_on_grid(&points, &grid);
            let pts: Vec<Point> = points.iter().map(|&(cost, quality)| Point { cost, quality }).collect();
            assert_eq!(got, selected_curve(&pts, &grid), "case {case}: {points:?}");
        }
        assert_eq!(selected_on_grid(&[], &[0.0, 1.0, 2.0]), vec![None; 3]);
    }

    #[test]
    fn medians_along_the_grid_are_the_engines_band_medians() {
        let mut s = 3u64;
        for case in 0..100 {
            let s_len = 1 + case % 9;
            let g_len = 30;
            // Curves that wander and cross, with undefined stretches.
            // One curve per split, each along the grid.
            let columns: Vec<f64> = (0..g_len * s_len)
                .map(|_| if lcg(&mut s) < 0.2 { f64::INFINITY } else { (lcg(&mut s) * 6.0).floor() / 2.0 })
                .collect();
            let mut got = Vec::new();
            medians_along_grid(&columns, g_len, &mut Vec::new(), &mut Vec::new(), &mut got);
            let defined = |v: f64| (v < f64::INFINITY).then_some(v);
            let want: Vec<Option<f64>> = (0..g_len)
                .map(|g| band((0..s_len).map(|i| defined(columns[i * g_len + g]))).map(|b| b.median))
                .collect();
            assert_eq!(got, want, "case {case}");
        }
    }

    #[test]
    fn sparse_rows_give_the_dense_weighted_means_for_every_replicate_of_a_batch() {
        let mut s = 11u64;
        let n = 40;
        let mut outcomes = Vec::new();
        let mut cur = Outcomes { cost: (0..n).map(|_| lcg(&mut s)).collect(), quality: vec![0.0; n] };
        for _ in 0..6 {
            outcomes.push(cur.clone());
            // Change a few queries.
            for _ in 0..3 {
                let i = (lcg(&mut s) * n as f64) as usize;
                cur.cost[i] += 1.0;
                cur.quality[i] = 1.0 - cur.quality[i];
            }
        }
        let rows = Rows::encode(&outcomes);
        assert_eq!(rows.len(), 6);
        assert!(rows.position.len() <= 5 * 3);
        let len = 5;
        let mut w = vec![0.0; n * BATCH];
        let mut totals = [0.0; BATCH];
        for i in 0..n {
            for k in 0..len {
                let x = (lcg(&mut s) * 3.0).floor();
                w[i * BATCH + k] = x;
                totals[k] += x;
            }
        }
        let mut got = vec![Vec::new(); BATCH];
        rows.points_batch(&w, &totals, len, &mut got);
        for k in 0..len {
            assert_eq!(got[k].len(), 6);
            for (o, &(c, q)) in outcomes.iter().zip(&got[k]) {
                let dense =
                    |x: &[f64]| x.iter().enumerate().map(|(i, x)| x * w[i * BATCH + k]).sum::<f64>() / totals[k];
                assert!((c - dense(&o.cost)).abs() < 1e-12 && (q - dense(&o.quality)).abs() < 1e-12);
            }
        }
        assert!(got[len].is_empty(), "slots past the batch's length stay untouched");
    }

    #[test]
    fn draws_are_uniform_and_fixed_by_seed_and_stream() {
        let draw = |stream: u64| {
            let mut rng = ChaCha8Rng::seed_from_u64(42);
            rng.set_stream(stream);
            (0..2000).map(|_| below(&mut rng, 10)).collect::<Vec<u64>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
        let d = draw(0);
        for k in 0..10 {
            let count = d.iter().filter(|&&x| x == k).count();
            assert!((140..=260).contains(&count), "value {k} drawn {count} times of 2000");
        }
    }
}
