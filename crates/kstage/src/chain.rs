//! One chain of models over the calibration queries: the columns a threshold search
//! reads, kept dense and pre-sorted so that every exact step is a linear sweep.
//!
//! Quality and cost are stored per stage with the cost already accumulated over the
//! visited stages, so that "stop at stage j" is one lookup. Each non-final stage
//! carries its queries sorted by score (ties by position), shared between all chains
//! that use the same model through [`ScoreOrders`], and, built on first use, the
//! same queries as rows in that order with everything a sweep reads about them.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use cascadelab_core::{Dataset, Point, Policy, Signal, SolverError};

/// The calibration queries of one model sorted by its confidence, with dense ranks.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOrder {
    /// Calibration positions (indices into the calibration slice) by ascending
    /// score, ties by position.
    pub order: Vec<u32>,
    /// Dense rank of each position's score among the distinct calibration scores.
    pub rank: Vec<u32>,
    /// The distinct scores, ascending (`rank` indexes it).
    pub distinct: Vec<f64>,
    /// The scores in `order`.
    pub sorted: Vec<f64>,
}

impl ScoreOrder {
    /// Sorts `scores` (one per calibration position; NaN is not allowed).
    pub fn new(scores: &[f64]) -> Self {
        let mut order: Vec<u32> = (0..scores.len() as u32).collect();
        order.sort_by(|&a, &b| scores[a as usize].total_cmp(&scores[b as usize]).then(a.cmp(&b)));
        let mut rank = vec![0u32; scores.len()];
        let mut distinct: Vec<f64> = Vec::new();
        for &i in &order {
            let s = scores[i as usize];
            if distinct.last() != Some(&s) {
                distinct.push(s);
            }
            rank[i as usize] = (distinct.len() - 1) as u32;
        }
        let sorted = order.iter().map(|&i| scores[i as usize]).collect();
        Self { order, rank, distinct, sorted }
    }
}

/// Score orders of the models of one split, computed once and shared by chains.
#[derive(Debug, Default)]
pub struct ScoreOrders {
    by_model: BTreeMap<usize, Arc<ScoreOrder>>,
}

impl ScoreOrders {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The order of dataset model `model` on `calibration` (computed on first use).
    pub fn get(&mut self, data: &Dataset, calibration: &[usize], model: usize) -> Result<Arc<ScoreOrder>, SolverError> {
        if let Some(o) = self.by_model.get(&model) {
            return Ok(o.clone());
        }
        let m = &data.models[model];
        let col = m.confidence.as_ref().ok_or_else(|| no_confidence(&m.name))?;
        let scores: Vec<f64> = calibration.iter().map(|&q| col[q]).collect();
        if scores.iter().any(|s| s.is_nan()) {
            return Err(SolverError::Failed(format!("model `{}` has a NaN confidence on calibration", m.name)));
        }
        let o = Arc::new(ScoreOrder::new(&scores));
        self.by_model.insert(model, o.clone());
        Ok(o)
    }
}

/// The error for data without confidence.
pub(crate) fn no_confidence(model: &str) -> SolverError {
    SolverError::Unsupported(format!(
        "model `{model}` has no confidence column; threshold cascades need a confidence column for every model"
    ))
}

/// A chain of k ≥ 2 models over n calibration queries.
#[derive(Debug, Clone)]
pub struct Chain {
    names: Vec<String>,
    models: Vec<usize>,
    quality: Vec<Vec<f64>>,
    cum_cost: Vec<Vec<f64>>,
    score: Vec<Vec<f64>>,
    orders: Vec<Arc<ScoreOrder>>,
    n: usize,
    /// Per non-final stage, its rows (built on first use).
    rows: Vec<OnceCell<Rows>>,
}

/// The queries in one non-final stage's score order (ties by position), each row
/// holding everything a step reads about its query: the scores, qualities and
/// accumulated costs of every stage and the score ranks. A sweep in that order then
/// reads memory in sequence instead of gathering from per-stage columns.
#[derive(Debug, Clone)]
pub(crate) struct Rows {
    k: usize,
    /// Per row: k − 1 scores, k qualities, k accumulated costs.
    data: Vec<f64>,
    /// Per row: k − 1 score ranks.
    rank: Vec<u32>,
}

/// One row of [`Rows`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    k: usize,
    v: &'a [f64],
    rank: &'a [u32],
}

impl Rows {
    fn new(chain: &Chain, j: usize) -> Self {
        let k = chain.stages();
        let order = &chain.orders[j].order;
        let mut data = Vec::with_capacity(order.len() * (3 * k - 1));
        let mut rank = Vec::with_capacity(order.len() * (k - 1));
        for &i in order {
            let i = i as usize;
            data.extend(chain.score.iter().map(|c| c[i]));
            data.extend(chain.quality.iter().map(|c| c[i]));
            data.extend(chain.cum_cost.iter().map(|c| c[i]));
            rank.extend(chain.orders.iter().map(|o| o.rank[i]));
        }
        Self { k, data, rank }
    }

    /// The rows in order.
    #[inline]
    pub(crate) fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        let k = self.k;
        self.data.chunks_exact(3 * k - 1).zip(self.rank.chunks_exact(k - 1)).map(move |(v, rank)| Row { k, v, rank })
    }
}

impl Row<'_> {
    /// Score at non-final stage `m`.
    #[inline]
    pub(crate) fn score(&self, m: usize) -> f64 {
        self.v[m]
    }

    /// Quality if the query stops at stage `m`.
    #[inline]
    pub(crate) fn quality(&self, m: usize) -> f64 {
        self.v[self.k - 1 + m]
    }

    /// Accumulated cost if the query stops at stage `m`.
    #[inline]
    pub(crate) fn cost(&self, m: usize) -> f64 {
        self.v[2 * self.k - 1 + m]
    }

    /// Score rank at non-final stage `m`.
    #[inline]
    pub(crate) fn rank(&self, m: usize) -> u32 {
        self.rank[m]
    }

    /// Whether the query reaches stage `j` under `tau`.
    #[inline]
    pub(crate) fn reaches(&self, j: usize, tau: &[f64]) -> bool {
        (0..j).all(|m| self.v[m] < tau[m])
    }

    /// Where the query stops under `tau`, searching from stage `from`.
    #[inline]
    pub(crate) fn stop_from(&self, from: usize, tau: &[f64]) -> usize {
        let mut m = from;
        while m + 1 < self.k && self.v[m] < tau[m] {
            m += 1;
        }
        m
    }
}

impl Chain {
    /// The chain of dataset models `models` (in the order they run) on the
    /// `calibration` queries of `data`.
    pub fn new(
        data: &Dataset,
        calibration: &[usize],
        models: &[usize],
        orders: &mut ScoreOrders,
    ) -> Result<Self, SolverError> {
        if models.len() < 2 {
            return Err(SolverError::Failed(format!("a chain needs at least two models, got {}", models.len())));
        }
        if models.len() > u8::MAX as usize {
            return Err(SolverError::Failed(format!("a chain of {} models is too long (at most 255)", models.len())));
        }
        if calibration.is_empty() {
            return Err(SolverError::Failed("no calibration queries".into()));
        }
        let k = models.len();
        let n = calibration.len();
        let mut quality = Vec::with_capacity(k);
        let mut cum_cost = Vec::with_capacity(k);
        let mut score = Vec::with_capacity(k - 1);
        let mut sorted = Vec::with_capacity(k - 1);
        let mut acc = vec![0.0; n];
        for (j, &m) in models.iter().enumerate() {
            let col = &data.models[m];
            quality.push(calibration.iter().map(|&q| col.quality[q]).collect::<Vec<_>>());
            for (a, &q) in acc.iter_mut().zip(calibration) {
                *a += col.cost[q];
            }
            cum_cost.push(acc.clone());
            if j + 1 < k {
                let conf = col.confidence.as_ref().ok_or_else(|| no_confidence(&col.name))?;
                score.push(calibration.iter().map(|&q| conf[q]).collect::<Vec<_>>());
                sorted.push(orders.get(data, calibration, m)?);
            }
        }
        Ok(Self {
            names: models.iter().map(|&m| data.models[m].name.clone()).collect(),
            models: models.to_vec(),
            quality,
            cum_cost,
            score,
            orders: sorted,
            n,
            rows: (0..k - 1).map(|_| OnceCell::new()).collect(),
        })
    }

    /// The rows of non-final stage `j`.
    #[inline]
    pub(crate) fn rows(&self, j: usize) -> &Rows {
        self.rows[j].get_or_init(|| Rows::new(self, j))
    }

    /// Number of stages k.
    pub fn stages(&self) -> usize {
        self.models.len()
    }

    /// Number of calibration queries n.
    pub fn queries(&self) -> usize {
        self.n
    }

    /// Model names, in the order they run.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Dataset positions of the models, in the order they run.
    pub fn models(&self) -> &[usize] {
        &self.models
    }

    /// Score of calibration position `i` at non-final stage `j`.
    #[inline]
    pub(crate) fn score(&self, j: usize, i: usize) -> f64 {
        self.score[j][i]
    }

    /// Quality if position `i` stops at stage `j`.
    #[inline]
    pub(crate) fn quality(&self, j: usize, i: usize) -> f64 {
        self.quality[j][i]
    }

    /// Quality column of stage `j`.
    #[inline]
    pub(crate) fn quality_col(&self, j: usize) -> &[f64] {
        &self.quality[j]
    }

    /// Accumulated cost column of stage `j`.
    #[inline]
    pub(crate) fn cost_col(&self, j: usize) -> &[f64] {
        &self.cum_cost[j]
    }

    /// Cost paid if position `i` stops at stage `j` (stages 0..=j).
    #[inline]
    pub(crate) fn cum_cost(&self, j: usize, i: usize) -> f64 {
        self.cum_cost[j][i]
    }

    /// The sorted scores of non-final stage `j`.
    pub(crate) fn order(&self, j: usize) -> &ScoreOrder {
        &self.orders[j]
    }

    /// The stage at which position `i` stops, searching from stage `from`.
    #[inline]
    pub(crate) fn stop_from(&self, from: usize, i: usize, thresholds: &[f64]) -> usize {
        let last = self.models.len() - 1;
        let mut j = from;
        while j < last && self.score[j][i] < thresholds[j] {
            j += 1;
        }
        j
    }

    /// Sums of quality and cost over the calibration queries for `thresholds`.
    pub(crate) fn sums(&self, thresholds: &[f64]) -> (f64, f64) {
        let (mut q, mut c) = (0.0, 0.0);
        for i in 0..self.n {
            let j = self.stop_from(0, i, thresholds);
            q += self.quality[j][i];
            c += self.cum_cost[j][i];
        }
        (q, c)
    }

    /// Mean cost and quality of the cascade with `thresholds` (k − 1 of them) on the
    /// calibration queries, as [`cascadelab_core::Evaluator`] computes it.
    pub fn evaluate(&self, thresholds: &[f64]) -> Point {
        assert_eq!(thresholds.len() + 1, self.stages(), "one threshold per non-final stage");
        let (q, c) = self.sums(thresholds);
        Point { cost: c / self.n as f64, quality: q / self.n as f64 }
    }

    /// Q − λ·C (means) of `thresholds`.
    pub fn objective(&self, thresholds: &[f64], lambda: f64) -> f64 {
        let p = self.evaluate(thresholds);
        p.quality - lambda * p.cost
    }

    /// Every threshold that gives stage `j` a distinct escalation set when all
    /// calibration queries reach it: −∞, each distinct score but the lowest, and +∞
    /// (once). Every reaching set's escalation sets are among these; exhaustive
    /// searches use it.
    pub fn threshold_candidates(&self, j: usize) -> Vec<f64> {
        let d = &self.orders[j].distinct;
        let mut out = vec![f64::NEG_INFINITY];
        out.extend(d.iter().copied().skip(1));
        if out.last() != Some(&f64::INFINITY) {
            out.push(f64::INFINITY);
        }
        out
    }

    /// The thresholds rewritten in the canonical form the sweeps produce, and the
    /// number of stages that calibration queries reach: stage j's threshold becomes
    /// −∞ when no query reaching it escalates, +∞ when all do, and otherwise the
    /// lowest score among the reaching queries that stay (the same escalation set,
    /// so the same calibration point). Thresholds of stages no query reaches are
    /// left as they are. The count is 1 + the number of stages some query escalates
    /// from (1 = only the first model ever answers).
    pub fn canonical_full(&self, thresholds: &[f64]) -> (Vec<f64>, usize) {
        let k = self.stages();
        // Where each query stops: how many stop at each stage, and the lowest score
        // among those that stop at a non-final stage (they stay there).
        let (mut count, mut lowest) = (vec![0usize; k], vec![f64::INFINITY; k]);
        for row in self.rows(0).iter() {
            let s = row.stop_from(0, thresholds);
            count[s] += 1;
            if s + 1 < k && row.score(s) < lowest[s] {
                lowest[s] = row.score(s);
            }
        }
        let mut out = thresholds.to_vec();
        let (mut reach, mut reached) = (self.n, 1);
        for (j, tau) in out.iter_mut().enumerate() {
            let escalate = reach - count[j];
            if reach == 0 {
                break;
            }
            if escalate == 0 {
                *tau = f64::NEG_INFINITY;
                break;
            }
            *tau = lowest[j];
            reached = j + 2;
            reach = escalate;
        }
        (out, reached)
    }

    /// [`Chain::canonical_full`] in place, given where each query stops under `tau`
    /// (one pass over the queries instead of one per stage); returns whether any
    /// threshold changed.
    pub(crate) fn canonicalize(
        &self,
        tau: &mut [f64],
        stop: &[u8],
        lowest: &mut Vec<f64>,
        count: &mut Vec<u32>,
    ) -> bool {
        let k = self.stages();
        lowest.clear();
        lowest.resize(k, f64::INFINITY);
        count.clear();
        count.resize(k, 0);
        for (i, &s) in stop.iter().enumerate() {
            let s = s as usize;
            count[s] += 1;
            if s + 1 < k {
                let v = self.score[s][i];
                if v < lowest[s] {
                    lowest[s] = v;
                }
            }
        }
        // reach = queries stopping at j or later; esc = later than j.
        let mut reach: u32 = count.iter().sum();
        let mut changed = false;
        for j in 0..k - 1 {
            let esc = reach - count[j];
            if reach == 0 {
                break;
            }
            let t = if esc == 0 { f64::NEG_INFINITY } else { lowest[j] };
            changed |= tau[j].to_bits() != t.to_bits();
            tau[j] = t;
            if esc == 0 {
                break;
            }
            reach = esc;
        }
        changed
    }

    /// [`Chain::policy`] of thresholds already in canonical form (as the sweeps
    /// write them): the stages up to the first −∞ threshold, without a pass over
    /// the queries.
    pub fn canonical_policy(&self, thresholds: &[f64]) -> Option<Policy> {
        let reached = 1 + thresholds.iter().position(|&t| t == f64::NEG_INFINITY).unwrap_or(thresholds.len());
        (reached >= 2).then(|| Policy::Cascade {
            stages: self.names[..reached].to_vec(),
            thresholds: thresholds[..reached - 1].to_vec(),
            signal: Signal::Confidence,
        })
    }

    /// The cascade policy of `thresholds` over this chain, in canonical form and
    /// truncated after the last stage that calibration queries reach; `None` when
    /// only the first model answers (that is the single-model policy).
    pub fn policy(&self, thresholds: &[f64]) -> Option<Policy> {
        let (taus, reached) = self.canonical_full(thresholds);
        if reached < 2 {
            return None;
        }
        Some(Policy::Cascade {
            stages: self.names[..reached].to_vec(),
            thresholds: taus[..reached - 1].to_vec(),
            signal: Signal::Confidence,
        })
    }
}
