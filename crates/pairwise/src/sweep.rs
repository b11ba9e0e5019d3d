//! Frontiers of two-model cascades: one sort of the subset per cheap model, one
//! prefix-sum sweep per pair.
//!
//! The models' columns are copied once into a row-major table (one row per query,
//! quality and cost of every model involved), so that a sweep in score order reads
//! one or two cache lines per query whatever the number of expensive partners.

use cascadelab_core::{Dataset, Policy, Signal, linspace};

use crate::PairwiseError;

/// Which thresholds a pair's frontier tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdRule {
    /// Every distinct value of the cheap model's score on the subset, and `+inf`:
    /// the exact frontier.
    Exact,
    /// The paper's grid: this many thresholds `linspace(min, max)` of the cheap
    /// model's finite scores on the subset (at least 2; see the crate docs for
    /// `-inf` scores and `min == max`).
    Grid(usize),
}

impl ThresholdRule {
    /// Checks the rule: a grid needs at least two thresholds.
    pub fn check(self) -> Result<Self, PairwiseError> {
        match self {
            ThresholdRule::Grid(size) if size < 2 => Err(PairwiseError::GridSize(size)),
            rule => Ok(rule),
        }
    }

    /// `"exact"` or `"grid"`, as the `thresholds` parameter spells it.
    pub fn name(self) -> &'static str {
        match self {
            ThresholdRule::Exact => "exact",
            ThresholdRule::Grid(_) => "grid",
        }
    }
}

/// What produces a point of a pair's frontier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PairChoice {
    /// The cheap model alone.
    Low,
    /// The expensive model alone.
    High,
    /// The cascade low → high, escalating iff s_low < threshold.
    Threshold(f64),
}

/// One point of a pair's frontier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairPoint {
    /// Mean cost per query.
    pub cost: f64,
    /// Mean quality.
    pub quality: f64,
    /// The policy that reaches it.
    pub choice: PairChoice,
}

/// The frontier of one pair (low → high) on a subset: its non-dominated points by
/// increasing cost, with strictly increasing quality.
#[derive(Debug, Clone, PartialEq)]
pub struct PairFrontier {
    /// Dataset position of the cheap model.
    pub low: usize,
    /// Dataset position of the expensive model.
    pub high: usize,
    /// Number of thresholds evaluated (the two single-model endpoints not counted).
    pub candidates: usize,
    /// Non-dominated points, by increasing cost and strictly increasing quality.
    pub points: Vec<PairPoint>,
}

impl PairFrontier {
    /// The best quality with cost at most `budget`; `None` below the cheapest point.
    pub fn quality_at(&self, budget: f64) -> Option<f64> {
        self.point_at(budget).map(|p| p.quality)
    }

    /// The best point with cost at most `budget`.
    pub fn point_at(&self, budget: f64) -> Option<&PairPoint> {
        let k = self.points.partition_point(|p| p.cost <= budget);
        k.checked_sub(1).map(|i| &self.points[i])
    }

    /// The deployable policy of one of this pair's points.
    pub fn policy(&self, data: &Dataset, point: &PairPoint) -> Policy {
        let name = |m: usize| data.models[m].name.clone();
        match point.choice {
            PairChoice::Low => Policy::Single { model: name(self.low) },
            PairChoice::High => Policy::Single { model: name(self.high) },
            PairChoice::Threshold(t) => Policy::Cascade {
                stages: vec![name(self.low), name(self.high)],
                thresholds: vec![t],
                signal: Signal::Confidence,
            },
        }
    }
}

/// One cache line of a table row.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Line([f64; 8]);

/// Quality and cost of the models involved, row-major over the subset (each row
/// starts on a cache line, so a random row costs as few memory reads as it can),
/// with each model's totals summed in subset order (so single-model points equal
/// the core evaluator's to the last bit).
pub(crate) struct Table<'a> {
    pub(crate) data: &'a Dataset,
    pub(crate) subset: &'a [usize],
    /// Dataset positions of the table's models; a model's local index is its place here.
    pub(crate) models: Vec<usize>,
    /// Cache lines per row; model j's quality is value 2j of the row, its cost 2j + 1.
    lines: usize,
    rows: Vec<Line>,
    pub(crate) total_quality: Vec<f64>,
    pub(crate) total_cost: Vec<f64>,
}

impl<'a> Table<'a> {
    /// Copies and checks the columns of `models` (dataset positions, distinct) on `subset`.
    pub(crate) fn new(data: &'a Dataset, subset: &'a [usize], models: Vec<usize>) -> Result<Self, PairwiseError> {
        if subset.is_empty() {
            return Err(PairwiseError::EmptySubset);
        }
        if subset.len() > u32::MAX as usize {
            return Err(PairwiseError::TooManyQueries(subset.len()));
        }
        for &m in &models {
            if m >= data.n_models() {
                return Err(PairwiseError::ModelPosition { position: m, models: data.n_models() });
            }
        }
        if let Some(&q) = subset.iter().find(|&&q| q >= data.n_queries()) {
            return Err(PairwiseError::QueryPosition { position: q, queries: data.n_queries() });
        }
        let lines = (2 * models.len()).div_ceil(8);
        let n = subset.len();
        let mut rows = vec![Line::default(); n * lines];
        let mut total_quality = Vec::with_capacity(models.len());
        let mut total_cost = Vec::with_capacity(models.len());
        for (j, &m) in models.iter().enumerate() {
            let col = &data.models[m];
            let (mut tq, mut tc) = (0.0, 0.0);
            for (i, &q) in subset.iter().enumerate() {
                let (u, c) = (col.quality[q], col.cost[q]);
                if !u.is_finite() {
                    return Err(PairwiseError::BadValue {
                        model: col.name.clone(),
                        query: data.query_ids[q].clone(),
                        column: "quality",
                        value: u,
                    });
                }
                if !c.is_finite() || c < 0.0 {
                    return Err(PairwiseError::BadValue {
                        model: col.name.clone(),
                        query: data.query_ids[q].clone(),
                        column: "cost",
                        value: c,
                    });
                }
                let row = &mut rows[i * lines..(i + 1) * lines];
                row[(2 * j) / 8].0[(2 * j) % 8] = u;
                row[(2 * j + 1) / 8].0[(2 * j + 1) % 8] = c;
                tq += u;
                tc += c;
            }
            total_quality.push(tq);
            total_cost.push(tc);
        }
        Ok(Self { data, subset, models, lines, rows, total_quality, total_cost })
    }

    fn n(&self) -> f64 {
        self.subset.len() as f64
    }

    /// Mean cost and quality of local model `j` alone.
    pub(crate) fn single(&self, j: usize) -> (f64, f64) {
        (self.total_cost[j] / self.n(), self.total_quality[j] / self.n())
    }

    fn local(&self, m: usize) -> usize {
        self.models.iter().position(|&x| x == m).expect("model is in the table")
    }
}

/// A monotone key of a float: `a < b` iff `key(a) < key(b)`, `a == b` iff the keys
/// are equal (−0.0 and +0.0 share a key). Not defined for NaN.
fn key(x: f64) -> u64 {
    let b = (x + 0.0).to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// The subset in ascending order of one model's score (ties by subset position).
pub(crate) struct ScoreOrder {
    /// Subset indices (0..n) in score order.
    order: Vec<u32>,
    /// Keys of the scores in that order.
    keys: Vec<u64>,
}

impl ScoreOrder {
    /// Sorts the subset by the confidence of dataset model `m`.
    pub(crate) fn new(data: &Dataset, subset: &[usize], m: usize) -> Result<Self, PairwiseError> {
        let col = &data.models[m];
        let conf = col.confidence.as_ref().ok_or_else(|| PairwiseError::NoConfidence(col.name.clone()))?;
        let mut items: Vec<u128> = Vec::with_capacity(subset.len());
        for (i, &q) in subset.iter().enumerate() {
            let s = conf[q];
            if s.is_nan() {
                return Err(PairwiseError::NanConfidence { model: col.name.clone(), query: data.query_ids[q].clone() });
            }
            items.push(((key(s) as u128) << 32) | i as u128);
        }
        // Keys are distinct (the position breaks ties), so the order is total and deterministic.
        items.sort_unstable();
        Ok(Self {
            order: items.iter().map(|&x| x as u32).collect(),
            keys: items.iter().map(|&x| (x >> 32) as u64).collect(),
        })
    }

    /// Candidate thresholds with their cut: the number of queries escalated (those
    /// scoring strictly below the threshold), by increasing threshold.
    pub(crate) fn candidates(&self, rule: ThresholdRule) -> Vec<(f64, usize)> {
        let n = self.keys.len();
        let mut out = Vec::new();
        match rule {
            ThresholdRule::Exact => {
                for i in 0..n {
                    if i == 0 || self.keys[i] != self.keys[i - 1] {
                        out.push((unkey(self.keys[i]), i));
                    }
                }
                if self.keys.last().is_none_or(|&k| k != key(f64::INFINITY)) {
                    out.push((f64::INFINITY, n));
                }
            }
            ThresholdRule::Grid(size) => {
                let first = self.keys.partition_point(|&k| k <= key(f64::NEG_INFINITY));
                let end = self.keys.partition_point(|&k| k < key(f64::INFINITY));
                if first < end {
                    let (lo, hi) = (unkey(self.keys[first]), unkey(self.keys[end - 1]));
                    let mut taus = linspace(lo, hi, size);
                    taus.dedup_by_key(|t| key(*t));
                    for t in taus {
                        let kt = key(t);
                        out.push((t + 0.0, self.keys.partition_point(|&k| k < kt)));
                    }
                }
            }
        }
        out
    }
}

/// Adds `p` to a staircase of points arriving by non-decreasing cost (and, at equal
/// cost, in preference order): it replaces equal-cost points it beats and is kept
/// only if it beats the last point's quality. Among equal points the first stays.
pub(crate) fn push_staircase<P: Copy>(points: &mut Vec<P>, p: P, cq: impl Fn(&P) -> (f64, f64)) {
    let (c, q) = cq(&p);
    while let Some(last) = points.last() {
        let (lc, lq) = cq(last);
        if lc == c && lq < q {
            points.pop();
        } else {
            break;
        }
    }
    if points.last().is_none_or(|last| q > cq(last).1) {
        points.push(p);
    }
}

/// Sweeps the subset in `order` once for the cheap local model `low` and all its
/// expensive partners `highs`, returning one frontier per partner.
fn sweep(table: &Table, low: usize, highs: &[usize], order: &ScoreOrder, rule: ThresholdRule) -> Vec<PairFrontier> {
    let cands = order.candidates(rule);
    let n = table.subset.len();
    let nf = table.n();
    let (base_cost, base_quality) = (table.total_cost[low], table.total_quality[low]);
    let m = highs.len();
    let mut gain = vec![0.0; m];
    let mut extra_cost = vec![0.0; m];
    let mut stairs: Vec<Vec<PairPoint>> = vec![Vec::new(); m];
    let low_alone = PairPoint { cost: base_cost / nf, quality: base_quality / nf, choice: PairChoice::Low };
    for s in &mut stairs {
        s.push(low_alone);
    }
    let emit = |stairs: &mut [Vec<PairPoint>], gain: &[f64], extra_cost: &[f64], tau: f64, cut: usize| {
        for (h, s) in stairs.iter_mut().enumerate() {
            // Escalating everyone gets exactly the expensive model's quality.
            let quality = if cut == n { table.total_quality[highs[h]] } else { base_quality + gain[h] } / nf;
            // No better than the last point kept: dominated whatever it costs.
            if s.last().is_some_and(|last| quality <= last.quality) {
                continue;
            }
            let p = PairPoint { cost: (base_cost + extra_cost[h]) / nf, quality, choice: PairChoice::Threshold(tau) };
            push_staircase(s, p, |p| (p.cost, p.quality));
        }
    };
    // Gather rows in score order a chunk at a time: the tight copy loop keeps many
    // memory reads in flight, and the sweep then reads the chunk sequentially.
    const CHUNK: usize = 2048;
    let lines = table.lines;
    let mut chunk: Vec<Line> = Vec::with_capacity(CHUNK * lines);
    let mut next = 0;
    for start in (0..n).step_by(CHUNK) {
        let end = (start + CHUNK).min(n);
        chunk.clear();
        for &pos in &order.order[start..end] {
            let r = pos as usize * lines;
            chunk.extend_from_slice(&table.rows[r..r + lines]);
        }
        for (i, row) in (start..end).zip(chunk.chunks_exact(lines)) {
            while next < cands.len() && cands[next].1 == i {
                emit(&mut stairs, &gain, &extra_cost, cands[next].0, i);
                next += 1;
            }
            let value = |k: usize| row[k / 8].0[k % 8];
            let ql = value(2 * low);
            for (h, &hj) in highs.iter().enumerate() {
                gain[h] += value(2 * hj) - ql;
                extra_cost[h] += value(2 * hj + 1);
            }
        }
    }
    while next < cands.len() {
        emit(&mut stairs, &gain, &extra_cost, cands[next].0, n);
        next += 1;
    }
    stairs
        .into_iter()
        .zip(highs)
        .map(|(stair, &hj)| {
            let (cost, quality) = table.single(hj);
            let high_alone = PairPoint { cost, quality, choice: PairChoice::High };
            // Merge the expensive model alone into the staircase; on a full tie it wins.
            let at = stair.partition_point(|p| p.cost < cost || (p.cost == cost && p.quality > quality));
            let mut points = Vec::with_capacity(stair.len() + 1);
            for p in stair[..at].iter().chain([&high_alone]).chain(&stair[at..]) {
                push_staircase(&mut points, *p, |p| (p.cost, p.quality));
            }
            PairFrontier { low: table.models[low], high: table.models[hj], candidates: cands.len(), points }
        })
        .collect()
}

/// The frontier of one pair (dataset positions `low` → `high`) on `subset`.
pub fn pair_frontier(
    data: &Dataset,
    subset: &[usize],
    low: usize,
    high: usize,
    rule: ThresholdRule,
) -> Result<PairFrontier, PairwiseError> {
    Ok(pair_frontiers(data, subset, &[(low, high)], rule)?.remove(0))
}

/// The frontiers of many pairs on `subset`, in the order of `pairs`. The subset is
/// sorted once per distinct cheap model and swept once for all its partners.
pub fn pair_frontiers(
    data: &Dataset,
    subset: &[usize],
    pairs: &[(usize, usize)],
    rule: ThresholdRule,
) -> Result<Vec<PairFrontier>, PairwiseError> {
    let mut models: Vec<usize> = Vec::new();
    for &(l, h) in pairs {
        for m in [l, h] {
            if !models.contains(&m) {
                models.push(m);
            }
        }
    }
    let table = Table::new(data, subset, models)?;
    pair_frontiers_in(&table, pairs, rule)
}

pub(crate) fn pair_frontiers_in(
    table: &Table,
    pairs: &[(usize, usize)],
    rule: ThresholdRule,
) -> Result<Vec<PairFrontier>, PairwiseError> {
    let rule = rule.check()?;
    let mut out: Vec<Option<PairFrontier>> = vec![None; pairs.len()];
    let mut lows: Vec<usize> = pairs.iter().map(|p| p.0).collect();
    lows.sort_unstable();
    lows.dedup();
    for low in lows {
        let idx: Vec<usize> = (0..pairs.len()).filter(|&i| pairs[i].0 == low).collect();
        let highs: Vec<usize> = idx.iter().map(|&i| table.local(pairs[i].1)).collect();
        let order = ScoreOrder::new(table.data, table.subset, low)?;
        for (i, f) in idx.into_iter().zip(sweep(table, table.local(low), &highs, &order, rule)) {
            out[i] = Some(f);
        }
    }
    Ok(out.into_iter().map(|f| f.expect("every pair is swept")).collect())
}

/// The thresholds `rule` tries for cheap model `low` (dataset position) on `subset`,
/// increasing: the exact rule's distinct scores and `+inf`, or the grid.
pub fn candidate_thresholds(
    data: &Dataset,
    subset: &[usize],
    low: usize,
    rule: ThresholdRule,
) -> Result<Vec<f64>, PairwiseError> {
    let rule = rule.check()?;
    if low >= data.n_models() {
        return Err(PairwiseError::ModelPosition { position: low, models: data.n_models() });
    }
    if let Some(&q) = subset.iter().find(|&&q| q >= data.n_queries()) {
        return Err(PairwiseError::QueryPosition { position: q, queries: data.n_queries() });
    }
    if subset.len() > u32::MAX as usize {
        return Err(PairwiseError::TooManyQueries(subset.len()));
    }
    Ok(ScoreOrder::new(data, subset, low)?.candidates(rule).into_iter().map(|c| c.0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_floats_and_merge_signed_zeros() {
        let v = [f64::NEG_INFINITY, -1e300, -1.0, -0.0, 0.0, 1e-300, 2.0, f64::INFINITY];
        for w in v.windows(2) {
            assert!(key(w[0]) <= key(w[1]), "{} {}", w[0], w[1]);
            assert_eq!(key(w[0]) == key(w[1]), w[0] == w[1]);
        }
        for x in v {
            assert_eq!(unkey(key(x)), x + 0.0);
        }
    }

    #[test]
    fn staircase_replaces_equal_cost_points_and_keeps_first_of_equals() {
        let mut s: Vec<(f64, f64, u8)> = Vec::new();
        for p in [(1.0, 0.5, 0), (1.0, 0.7, 1), (1.0, 0.7, 2), (2.0, 0.7, 3), (3.0, 0.8, 4)] {
            push_staircase(&mut s, p, |p| (p.0, p.1));
        }
        assert_eq!(s, vec![(1.0, 0.7, 1), (3.0, 0.8, 4)]);
    }
}
