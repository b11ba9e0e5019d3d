//! Escalation benefit of a pair (L, H) against the cheap model's score s_L.
//!
//! Theory (paper.md): with m_L(s) = E[U_L | s_L = s], m_H(s) = E[U_H | s_L = s] and
//! Δ(s) = m_H(s) − m_L(s), the exact pair curve has slope dQ/dC = Δ(τ)/c_H and is
//! concave wherever Δ is non-increasing (a decreasing-benefit region).
//!
//! Estimators, as the paper's code and this crate's brief define them:
//! - **Equal-frequency bins** (default 20) of the finite scores, never splitting a
//!   run of tied scores ([`crate::equal_frequency_bins`]); `-inf` scores form one
//!   extra, lowest bin. Per bin: mean score, m_L, m_H, Δ and standard errors; the
//!   error of Δ uses the paired per-query differences U_H − U_L.
//! - **Isotonic regression**: the non-increasing weighted (by bin size) PAV fit of
//!   the bins' Δ, and the per-query fit (tied scores pooled first).
//! - **Pass test**: the pair passes if no bin's Δ exceeds its fit by more than 0.02.
//! - **Regions**: decreasing-benefit regions are maximal runs of at least two bins
//!   in which every bin's Δ is at most the previous bin's Δ plus a tolerance
//!   (default 0.02); expected-dominance regions are maximal runs of bins with Δ > 0.
//! - **Slopes**: the analytic slope Δ(τ)/c_H, with Δ from 30 equal-width bins of the
//!   finite scores interpolated at τ like `numpy.interp`, and c_H the mean cost of H
//!   on the subset; against the numerical slope of the exact empirical pair frontier
//!   (see [`SlopeCheck`] for its window).
//! - **Spearman ρ** between s_L and c_H (the score-independent-cost assumption).

use cascadelab_core::{Dataset, Frontier, Point, Pool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::binning::{EqualWidthBins, equal_frequency_bins, interp};
use crate::isotonic::isotonic_non_increasing;
use crate::markdown::{fixed, opt_sci, opt4, sci, table};
use crate::stats::{mean_and_se, spearman};
use crate::{DiagnosticsError, LocalWindow};

/// Per-query columns of one pair on one subset, in subset order.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSample {
    /// Name of the cheap model L.
    pub low: String,
    /// Name of the expensive model H.
    pub high: String,
    /// What the score is, for reports (`confidence`, or a predictor's id).
    pub signal: String,
    /// The deferral score s_L of each query (`-inf` legal, NaN not).
    pub score: Vec<f64>,
    /// U_L per query.
    pub quality_low: Vec<f64>,
    /// U_H per query.
    pub quality_high: Vec<f64>,
    /// c_L per query.
    pub cost_low: Vec<f64>,
    /// c_H per query.
    pub cost_high: Vec<f64>,
}

impl PairSample {
    /// The pair (`low`, `high`) (dataset model positions) on `subset`, scored by L's
    /// own confidence.
    pub fn from_confidence(
        data: &Dataset,
        subset: &[usize],
        low: usize,
        high: usize,
    ) -> Result<Self, DiagnosticsError> {
        let m = model(data, low)?;
        let conf = m.confidence.as_ref().ok_or_else(|| {
            DiagnosticsError::Invalid(format!("model `{}` has no confidence column; the benefit needs s_L", m.name))
        })?;
        let score = subset.iter().map(|&q| conf[q]).collect();
        Self::from_scores(data, subset, low, high, "confidence", score)
    }

    /// The pair on `subset` with a deferral score given per subset position (e.g. a
    /// predictor's p̂_L for the embedding cascade), labelled `signal`.
    pub fn from_scores(
        data: &Dataset,
        subset: &[usize],
        low: usize,
        high: usize,
        signal: &str,
        score: Vec<f64>,
    ) -> Result<Self, DiagnosticsError> {
        let (l, h) = (model(data, low)?, model(data, high)?);
        if let Some(&q) = subset.iter().find(|&&q| q >= data.n_queries()) {
            return Err(DiagnosticsError::Invalid(format!("query position {q} is outside the data")));
        }
        let pick = |v: &[f64]| subset.iter().map(|&q| v[q]).collect::<Vec<_>>();
        let sample = Self {
            low: l.name.clone(),
            high: h.name.clone(),
            signal: signal.to_string(),
            score,
            quality_low: pick(&l.quality),
            quality_high: pick(&h.quality),
            cost_low: pick(&l.cost),
            cost_high: pick(&h.cost),
        };
        sample.check()?;
        Ok(sample)
    }

    /// Number of queries.
    pub fn len(&self) -> usize {
        self.score.len()
    }

    /// Whether there is no query.
    pub fn is_empty(&self) -> bool {
        self.score.is_empty()
    }

    /// Checks lengths and values: no NaN score, finite qualities and costs.
    pub fn check(&self) -> Result<(), DiagnosticsError> {
        let n = self.score.len();
        let pair = format!("{} → {}", self.low, self.high);
        if n == 0 {
            return Err(DiagnosticsError::Invalid(format!("pair {pair}: no queries")));
        }
        for (name, col) in [
            ("quality of L", &self.quality_low),
            ("quality of H", &self.quality_high),
            ("cost of L", &self.cost_low),
            ("cost of H", &self.cost_high),
        ] {
            if col.len() != n {
                return Err(DiagnosticsError::Invalid(format!(
                    "pair {pair}: {name} has {} entries, expected {n}",
                    col.len()
                )));
            }
            if let Some(i) = col.iter().position(|v| !v.is_finite()) {
                return Err(DiagnosticsError::Invalid(format!("pair {pair}: {name} of query {i} is not finite")));
            }
        }
        if let Some(i) = self.score.iter().position(|v| v.is_nan()) {
            return Err(DiagnosticsError::Invalid(format!("pair {pair}: score of query {i} is NaN")));
        }
        Ok(())
    }
}

fn model(data: &Dataset, m: usize) -> Result<&cascadelab_core::ModelColumns, DiagnosticsError> {
    data.models.get(m).ok_or_else(|| {
        DiagnosticsError::Invalid(format!("model position {m} is outside the data's {} models", data.n_models()))
    })
}

/// Settings of [`escalation_benefit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BenefitOptions {
    /// Equal-frequency bins of the finite scores; `-inf` scores get one more bin.
    #[serde(default = "BenefitOptions::default_bins")]
    pub bins: usize,
    /// Pass test: a pair passes when no bin's Δ exceeds the non-increasing isotonic
    /// fit by more than this.
    #[serde(default = "BenefitOptions::default_tolerance")]
    pub pass_tolerance: f64,
    /// Decreasing-benefit regions allow each bin's Δ to exceed the previous bin's by
    /// at most this.
    #[serde(default = "BenefitOptions::default_tolerance")]
    pub region_tolerance: f64,
    /// Equal-width bins whose Δ is interpolated at τ for the analytic slope.
    #[serde(default = "BenefitOptions::default_slope_bins")]
    pub slope_bins: usize,
    /// Quantiles of the finite scores at which thresholds τ are checked.
    #[serde(default = "BenefitOptions::default_quantiles")]
    pub tau_quantiles: Vec<f64>,
    /// Further thresholds τ to check (finite).
    #[serde(default)]
    pub taus: Vec<f64>,
    /// Queries on each side of τ between the frontier anchors of the numerical slope.
    #[serde(default)]
    pub window: LocalWindow,
}

impl BenefitOptions {
    fn default_bins() -> usize {
        20
    }
    fn default_tolerance() -> f64 {
        0.02
    }
    fn default_slope_bins() -> usize {
        30
    }
    fn default_quantiles() -> Vec<f64> {
        (1..10).map(|k| k as f64 / 10.0).collect()
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<(), DiagnosticsError> {
        let bad = |msg: String| Err(DiagnosticsError::Invalid(msg));
        if self.bins == 0 || self.slope_bins == 0 {
            return bad(format!("bins and slope-bins must be positive, got {} and {}", self.bins, self.slope_bins));
        }
        if !(self.pass_tolerance >= 0.0 && self.region_tolerance >= 0.0) {
            return bad("pass-tolerance and region-tolerance must be non-negative numbers".into());
        }
        if let Some(q) = self.tau_quantiles.iter().find(|q| !(0.0..=1.0).contains(*q)) {
            return bad(format!("tau-quantiles: {q} is outside [0, 1]"));
        }
        if let Some(t) = self.taus.iter().find(|t| !t.is_finite()) {
            return bad(format!("taus: {t} is not finite"));
        }
        self.window.check()
    }
}

impl Default for BenefitOptions {
    fn default() -> Self {
        Self {
            bins: Self::default_bins(),
            pass_tolerance: Self::default_tolerance(),
            region_tolerance: Self::default_tolerance(),
            slope_bins: Self::default_slope_bins(),
            tau_quantiles: Self::default_quantiles(),
            taus: Vec::new(),
            window: LocalWindow::default(),
        }
    }
}

/// One equal-frequency bin of s_L.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenefitBin {
    /// Position of the bin, lowest scores first (the `-inf` bin, if any, is 0).
    pub bin: usize,
    /// Queries in the bin.
    pub queries: usize,
    /// Lowest score in the bin.
    #[serde(with = "cascadelab_core::float")]
    pub score_lo: f64,
    /// Highest score in the bin.
    #[serde(with = "cascadelab_core::float")]
    pub score_hi: f64,
    /// Mean score in the bin (`-inf` for the `-inf` bin).
    #[serde(with = "cascadelab_core::float")]
    pub score_mean: f64,
    /// m_L: mean U_L in the bin.
    pub m_low: f64,
    /// m_H: mean U_H in the bin.
    pub m_high: f64,
    /// Δ = m_H − m_L, the mean paired difference U_H − U_L.
    pub delta: f64,
    /// Standard error of m_L (sample s.d./√n); `None` for a one-query bin.
    pub se_low: Option<f64>,
    /// Standard error of m_H.
    pub se_high: Option<f64>,
    /// Standard error of Δ from the paired differences U_H − U_L.
    pub se_delta: Option<f64>,
    /// The non-increasing isotonic fit of Δ over bins (weighted by bin size).
    pub fit: f64,
    /// Δ − fit: how far the bin rises above the fit.
    pub violation: f64,
}

/// One step of the per-query non-increasing isotonic fit of U_H − U_L against s_L.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsotonicStep {
    /// Lowest score of the step.
    #[serde(with = "cascadelab_core::float")]
    pub score_lo: f64,
    /// Highest score of the step.
    #[serde(with = "cascadelab_core::float")]
    pub score_hi: f64,
    /// Queries in the step.
    pub queries: usize,
    /// Fitted Δ on the step.
    pub value: f64,
}

/// A score interval made of consecutive bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRegion {
    /// First bin of the region.
    pub first_bin: usize,
    /// Last bin of the region (inclusive).
    pub last_bin: usize,
    /// Lowest score in the region.
    #[serde(with = "cascadelab_core::float")]
    pub score_lo: f64,
    /// Highest score in the region.
    #[serde(with = "cascadelab_core::float")]
    pub score_hi: f64,
    /// Queries in the region.
    pub queries: usize,
    /// Share of the subset's queries in the region.
    pub share: f64,
}

/// One equal-width bin of the finite scores, for the analytic slope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidthBin {
    /// Position of the bin.
    pub bin: usize,
    /// Lower edge.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Centre, where the bin's Δ is placed for interpolation.
    pub center: f64,
    /// Queries in the bin.
    pub queries: usize,
    /// Mean U_H − U_L; `None` for an empty bin (skipped by the interpolation).
    pub delta: Option<f64>,
    /// Mean c_H in the bin; `None` for an empty bin.
    pub cost_high: Option<f64>,
}

/// The slope of the pair curve at one threshold τ, analytic against numerical.
///
/// The numerical slope is a finite difference on the exact empirical pair frontier:
/// the curve has one point per distinct threshold (escalating the k lowest-score
/// queries, k at the ends of tie runs), the frontier is its non-dominated subset.
/// With r = #{s_L < τ} and h = the window size for n queries
/// (max(20, ⌈5 % · n⌉) by default), the left anchor is the frontier point with the
/// largest k ≤ max(r − h, 0) and the right anchor the one with the smallest
/// k ≥ min(r + h, n); the slope is ΔQ/ΔC between them. It is `None` when an anchor
/// is missing (e.g. τ beyond the frontier's last point, where Δ turns negative).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlopeCheck {
    /// The threshold.
    pub tau: f64,
    /// The score quantile τ was taken at; `None` for a threshold given explicitly.
    pub quantile: Option<f64>,
    /// r: queries escalated at τ (s_L < τ).
    pub escalated: usize,
    /// r / n.
    pub escalated_share: f64,
    /// C(τ), mean cost of the cascade at τ.
    pub budget: f64,
    /// Q(τ), mean quality of the cascade at τ.
    pub quality: f64,
    /// Δ(τ) from the equal-width bins, interpolated.
    pub delta: Option<f64>,
    /// Δ(τ)/c_H.
    pub analytic: Option<f64>,
    /// ΔQ/ΔC between the frontier anchors around τ.
    pub numerical: Option<f64>,
    /// Whether the point at τ itself is on the frontier.
    pub on_frontier: bool,
    /// k of the left anchor.
    pub anchor_lo: Option<usize>,
    /// k of the right anchor.
    pub anchor_hi: Option<usize>,
    /// Cost of the left anchor.
    pub anchor_cost_lo: Option<f64>,
    /// Cost of the right anchor.
    pub anchor_cost_hi: Option<f64>,
    /// numerical − analytic.
    pub difference: Option<f64>,
}

/// Escalation-benefit diagnostics of one pair on one subset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationBenefit {
    /// The cheap model L.
    pub low: String,
    /// The expensive model H.
    pub high: String,
    /// The score s_L (`confidence` or a predictor id).
    pub signal: String,
    /// Queries in the subset.
    pub queries: usize,
    /// Queries whose score is `-inf` (they form bin 0 when present).
    pub neg_inf_scores: usize,
    /// Mean U_L.
    pub accuracy_low: f64,
    /// Mean U_H.
    pub accuracy_high: f64,
    /// Mean c_L.
    pub mean_cost_low: f64,
    /// c_H: mean cost of H.
    pub mean_cost_high: f64,
    /// Equal-frequency bins, lowest scores first.
    pub bins: Vec<BenefitBin>,
    /// The per-query non-increasing isotonic fit of U_H − U_L, tied scores pooled.
    pub isotonic_steps: Vec<IsotonicStep>,
    /// Tolerance of the pass test.
    pub pass_tolerance: f64,
    /// Largest Δ − fit over bins.
    pub max_violation: f64,
    /// The bin where it occurs (first on ties).
    pub max_violation_bin: usize,
    /// Whether max_violation ≤ pass_tolerance.
    pub passes: bool,
    /// Tolerance of the decreasing-benefit regions.
    pub region_tolerance: f64,
    /// Maximal runs of ≥ 2 bins in which Δ never rises by more than the tolerance.
    pub decreasing_regions: Vec<ScoreRegion>,
    /// Maximal runs of bins with Δ > 0 (H expected to beat L).
    pub dominance_regions: Vec<ScoreRegion>,
    /// The per-query isotonic fit is positive exactly for scores up to this one;
    /// `None` when it is nowhere positive.
    #[serde(with = "crate::ext_opt")]
    pub fitted_dominance_up_to: Option<f64>,
    /// Equal-width bins behind the analytic slope.
    pub slope_bins: Vec<WidthBin>,
    /// Queries on each side of τ in the numerical slope's window.
    pub slope_window: usize,
    /// Analytic against numerical slope at each checked τ, by increasing τ.
    pub slopes: Vec<SlopeCheck>,
    /// Spearman ρ between s_L and c_H over the subset (`None` if either is constant).
    pub spearman_score_cost_high: Option<f64>,
}

/// The exact empirical curve of a pair: one point per distinct threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairCurve {
    /// A threshold realizing each point: the lowest score not escalated (`inf`: all).
    #[serde(with = "cascadelab_core::float::vec")]
    pub thresholds: Vec<f64>,
    /// Queries escalated at each point (k), increasing.
    pub escalated: Vec<usize>,
    /// (mean cost, mean quality) of each point.
    pub points: Vec<Point>,
}

/// The exact curve of the two-stage cascade L → H over every distinct threshold.
pub fn pair_curve(sample: &PairSample) -> Result<PairCurve, DiagnosticsError> {
    sample.check()?;
    let order = score_order(&sample.score);
    Ok(curve_from_order(sample, &order))
}

fn score_order(score: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[a].total_cmp(&score[b]).then(a.cmp(&b)));
    order
}

fn curve_from_order(sample: &PairSample, order: &[usize]) -> PairCurve {
    let n = order.len();
    let nf = n as f64;
    let base_q: f64 = sample.quality_low.iter().sum::<f64>() / nf;
    let base_c: f64 = sample.cost_low.iter().sum::<f64>() / nf;
    let (mut gain, mut cost) = (0.0, 0.0);
    let mut curve = PairCurve { thresholds: Vec::new(), escalated: Vec::new(), points: Vec::new() };
    let push = |curve: &mut PairCurve, k: usize, gain: f64, cost: f64| {
        curve.thresholds.push(if k < n { sample.score[order[k]] } else { f64::INFINITY });
        curve.escalated.push(k);
        curve.points.push(Point { cost: base_c + cost / nf, quality: base_q + gain / nf });
    };
    push(&mut curve, 0, 0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        gain += sample.quality_high[i] - sample.quality_low[i];
        cost += sample.cost_high[i];
        let run_ends = k + 1 == n || sample.score[order[k + 1]].total_cmp(&sample.score[i]).is_ne();
        if run_ends {
            push(&mut curve, k + 1, gain, cost);
        }
    }
    curve
}

/// Escalation benefit of the pair (`low`, `high`) (dataset positions) on `subset`,
/// scored by L's confidence.
pub fn escalation_benefit(
    data: &Dataset,
    subset: &[usize],
    low: usize,
    high: usize,
    options: &BenefitOptions,
) -> Result<EscalationBenefit, DiagnosticsError> {
    escalation_benefit_of(&PairSample::from_confidence(data, subset, low, high)?, options)
}

/// Escalation benefit of every pair in `pairs` (e.g. `Pool::new(data, subset).pairs`,
/// or the calibration pool's pairs when `subset` is held out), in that order.
pub fn escalation_benefits(
    data: &Dataset,
    subset: &[usize],
    pairs: &[(usize, usize)],
    options: &BenefitOptions,
) -> Result<Vec<EscalationBenefit>, DiagnosticsError> {
    pairs.iter().map(|&(l, h)| escalation_benefit(data, subset, l, h, options)).collect()
}

/// Escalation benefit of every valid pair of the pool computed on `subset` itself
/// ([`Pool::new`]), in the pool's pair order. Data without confidence columns (e.g.
/// RouterBench) is an error; check [`Dataset::has_confidence`] first.
pub fn pool_benefits(
    data: &Dataset,
    subset: &[usize],
    options: &BenefitOptions,
) -> Result<Vec<EscalationBenefit>, DiagnosticsError> {
    escalation_benefits(data, subset, &Pool::new(data, subset).pairs, options)
}

/// Escalation benefit of a pair sample.
pub fn escalation_benefit_of(
    sample: &PairSample,
    options: &BenefitOptions,
) -> Result<EscalationBenefit, DiagnosticsError> {
    options.check()?;
    sample.check()?;
    let n = sample.len();
    let nf = n as f64;
    let order = score_order(&sample.score);
    let s: Vec<f64> = order.iter().map(|&i| sample.score[i]).collect();
    let d: Vec<f64> = order.iter().map(|&i| sample.quality_high[i] - sample.quality_low[i]).collect();
    let neg_inf = s.partition_point(|&v| v == f64::NEG_INFINITY);

    // Equal-frequency bins; the -inf run is a bin of its own.
    let mut ranges = Vec::new();
    if neg_inf > 0 {
        ranges.push(0..neg_inf);
    }
    ranges.extend(
        equal_frequency_bins(&s[neg_inf..], options.bins).into_iter().map(|r| r.start + neg_inf..r.end + neg_inf),
    );
    let mut bins: Vec<BenefitBin> = ranges
        .iter()
        .enumerate()
        .map(|(b, r)| {
            let idx = &order[r.clone()];
            let (m_low, se_low) = mean_and_se(idx.iter().map(|&i| sample.quality_low[i]));
            let (m_high, se_high) = mean_and_se(idx.iter().map(|&i| sample.quality_high[i]));
            let (delta, se_delta) = mean_and_se(d[r.clone()].iter().copied());
            BenefitBin {
                bin: b,
                queries: r.len(),
                score_lo: s[r.start],
                score_hi: s[r.end - 1],
                score_mean: s[r.clone()].iter().sum::<f64>() / r.len() as f64,
                m_low: m_low.unwrap_or(f64::NAN),
                m_high: m_high.unwrap_or(f64::NAN),
                delta: delta.unwrap_or(f64::NAN),
                se_low,
                se_high,
                se_delta,
                fit: f64::NAN,
                violation: f64::NAN,
            }
        })
        .collect();

    // Bin-level isotonic fit and the pass test.
    let y: Vec<f64> = bins.iter().map(|b| b.delta).collect();
    let w: Vec<f64> = bins.iter().map(|b| b.queries as f64).collect();
    let fit = isotonic_non_increasing(&y, &w)?;
    let (mut max_violation, mut max_violation_bin) = (f64::NEG_INFINITY, 0);
    for (b, f) in bins.iter_mut().zip(&fit.values) {
        b.fit = *f;
        b.violation = b.delta - f;
        if b.violation > max_violation {
            max_violation = b.violation;
            max_violation_bin = b.bin;
        }
    }

    // Per-query isotonic fit on tie runs.
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = 0;
    for k in 1..=n {
        if k == n || s[k].total_cmp(&s[k - 1]).is_ne() {
            runs.push(start..k);
            start = k;
        }
    }
    let run_mean: Vec<f64> = runs.iter().map(|r| d[r.clone()].iter().sum::<f64>() / r.len() as f64).collect();
    let run_weight: Vec<f64> = runs.iter().map(|r| r.len() as f64).collect();
    let query_fit = isotonic_non_increasing(&run_mean, &run_weight)?;
    let isotonic_steps: Vec<IsotonicStep> = query_fit
        .blocks
        .iter()
        .map(|b| {
            let (first, last) = (&runs[b.start], &runs[b.end - 1]);
            IsotonicStep {
                score_lo: s[first.start],
                score_hi: s[last.end - 1],
                queries: last.end - first.start,
                value: b.value,
            }
        })
        .collect();
    let fitted_dominance_up_to = isotonic_steps.iter().rev().find(|st| st.value > 0.0).map(|st| st.score_hi);

    // Regions over bins.
    let region = |first: usize, last: usize| {
        let queries = ranges[last].end - ranges[first].start;
        ScoreRegion {
            first_bin: first,
            last_bin: last,
            score_lo: bins[first].score_lo,
            score_hi: bins[last].score_hi,
            queries,
            share: queries as f64 / nf,
        }
    };
    let mut decreasing_regions = Vec::new();
    let mut run_start: Option<usize> = None;
    for k in 1..=bins.len() {
        let ok = k < bins.len() && bins[k].delta <= bins[k - 1].delta + options.region_tolerance;
        match (ok, run_start) {
            (true, None) => run_start = Some(k - 1),
            (false, Some(first)) => {
                decreasing_regions.push(region(first, k - 1));
                run_start = None;
            }
            _ => {}
        }
    }
    let mut dominance_regions = Vec::new();
    let mut run_start: Option<usize> = None;
    for k in 0..=bins.len() {
        let positive = k < bins.len() && bins[k].delta > 0.0;
        match (positive, run_start) {
            (true, None) => run_start = Some(k),
            (false, Some(first)) => {
                dominance_regions.push(region(first, k - 1));
                run_start = None;
            }
            _ => {}
        }
    }

    // Equal-width bins for Δ(τ).
    let mean_cost_high = sample.cost_high.iter().sum::<f64>() / nf;
    let slope_bins = match EqualWidthBins::spanning(&s, options.slope_bins) {
        Some(eq) => {
            let mut acc = vec![(0usize, 0.0, 0.0); eq.bins];
            for (k, &i) in order.iter().enumerate() {
                if let Some(b) = eq.index(s[k]) {
                    acc[b].0 += 1;
                    acc[b].1 += d[k];
                    acc[b].2 += sample.cost_high[i];
                }
            }
            acc.iter()
                .enumerate()
                .map(|(b, &(c, sd, sc))| {
                    let (lo, hi) = eq.edges(b);
                    WidthBin {
                        bin: b,
                        lo,
                        hi,
                        center: eq.center(b),
                        queries: c,
                        delta: (c > 0).then(|| sd / c as f64),
                        cost_high: (c > 0).then(|| sc / c as f64),
                    }
                })
                .collect()
        }
        None => Vec::new(),
    };
    let (centers, deltas): (Vec<f64>, Vec<f64>) =
        slope_bins.iter().filter_map(|b| b.delta.map(|d| (b.center, d))).unzip();

    // The exact pair curve and its frontier.
    let curve = curve_from_order(sample, &order);
    let frontier = Frontier::from_points(&curve.points);
    let mut frontier_k: Vec<usize> = frontier.points().iter().map(|p| curve.escalated[p.index]).collect();
    frontier_k.sort_unstable();
    let point_of = |k: usize| curve.escalated.binary_search(&k).ok().map(|i| curve.points[i]);
    let window = options.window.size(n);

    // Thresholds to check: quantiles of the finite scores, then explicit ones.
    let finite: Vec<f64> = s.iter().copied().filter(|v| v.is_finite()).collect();
    let mut taus: Vec<(f64, Option<f64>)> = Vec::new();
    if !finite.is_empty() {
        for &q in &options.tau_quantiles {
            let pos = (q * (finite.len() - 1) as f64).round() as usize;
            taus.push((finite[pos], Some(q)));
        }
    }
    taus.extend(options.taus.iter().map(|&t| (t, None)));
    taus.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.is_none().cmp(&b.1.is_none())));
    taus.dedup_by(|later, earlier| later.0 == earlier.0);

    let slopes = taus
        .iter()
        .map(|&(tau, quantile)| {
            let r = s.partition_point(|&v| v < tau);
            let here = point_of(r).unwrap_or(Point { cost: f64::NAN, quality: f64::NAN });
            let delta = interp(tau, &centers, &deltas);
            let analytic = delta.filter(|_| mean_cost_high > 0.0).map(|d| d / mean_cost_high);
            let lo_target = r.saturating_sub(window);
            let hi_target = (r + window).min(n);
            let anchor_lo = frontier_k[..frontier_k.partition_point(|&k| k <= lo_target)].last().copied();
            let anchor_hi = frontier_k.get(frontier_k.partition_point(|&k| k < hi_target)).copied();
            let (plo, phi) = (anchor_lo.and_then(point_of), anchor_hi.and_then(point_of));
            let numerical = match (plo, phi) {
                (Some(a), Some(b)) if b.cost > a.cost => Some((b.quality - a.quality) / (b.cost - a.cost)),
                _ => None,
            };
            SlopeCheck {
                tau,
                quantile,
                escalated: r,
                escalated_share: r as f64 / nf,
                budget: here.cost,
                quality: here.quality,
                delta,
                analytic,
                numerical,
                on_frontier: frontier_k.binary_search(&r).is_ok(),
                anchor_lo,
                anchor_hi,
                anchor_cost_lo: plo.map(|p| p.cost),
                anchor_cost_hi: phi.map(|p| p.cost),
                difference: numerical.zip(analytic).map(|(a, b)| a - b),
            }
        })
        .collect();

    Ok(EscalationBenefit {
        low: sample.low.clone(),
        high: sample.high.clone(),
        signal: sample.signal.clone(),
        queries: n,
        neg_inf_scores: neg_inf,
        accuracy_low: sample.quality_low.iter().sum::<f64>() / nf,
        accuracy_high: sample.quality_high.iter().sum::<f64>() / nf,
        mean_cost_low: sample.cost_low.iter().sum::<f64>() / nf,
        mean_cost_high,
        bins,
        isotonic_steps,
        pass_tolerance: options.pass_tolerance,
        max_violation,
        max_violation_bin,
        passes: max_violation <= options.pass_tolerance,
        region_tolerance: options.region_tolerance,
        decreasing_regions,
        dominance_regions,
        fitted_dominance_up_to,
        slope_bins,
        slope_window: window,
        slopes,
        spearman_score_cost_high: spearman(&sample.score, &sample.cost_high),
    })
}

fn range_label(lo: f64, hi: f64) -> String {
    format!("[{}, {}]", fixed(lo, 4), fixed(hi, 4))
}

fn regions_label(regions: &[ScoreRegion]) -> String {
    if regions.is_empty() {
        return "none".into();
    }
    regions
        .iter()
        .map(|r| {
            format!(
                "{} (bins {}–{}, {} % of queries)",
                range_label(r.score_lo, r.score_hi),
                r.first_bin,
                r.last_bin,
                fixed(100.0 * r.share, 1)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl EscalationBenefit {
    /// Share of the queries inside decreasing-benefit regions.
    pub fn decreasing_share(&self) -> f64 {
        self.decreasing_regions.iter().map(|r| r.share).sum()
    }

    /// Median |numerical − analytic| over the checked thresholds where both exist.
    pub fn median_slope_gap(&self) -> Option<f64> {
        let mut gaps: Vec<f64> = self.slopes.iter().filter_map(|s| s.difference.map(f64::abs)).collect();
        if gaps.is_empty() {
            return None;
        }
        gaps.sort_by(f64::total_cmp);
        let m = gaps.len();
        Some(if m % 2 == 1 { gaps[m / 2] } else { 0.5 * (gaps[m / 2 - 1] + gaps[m / 2]) })
    }

    /// A compact Markdown report: headline numbers, the bins, the regions and the slopes.
    pub fn summary_markdown(&self) -> String {
        let mut out = format!("### {} → {} (score: {})\n\n", self.low, self.high, self.signal);
        out.push_str(&format!(
            "- queries: {} ({} with score -inf); accuracy L {} / H {}; mean cost L {} / H {}\n",
            self.queries,
            self.neg_inf_scores,
            fixed(self.accuracy_low, 4),
            fixed(self.accuracy_high, 4),
            sci(self.mean_cost_low),
            sci(self.mean_cost_high)
        ));
        out.push_str(&format!(
            "- pass test: {} (largest rise above the isotonic fit {} in bin {}; tolerance {})\n",
            if self.passes { "passes" } else { "fails" },
            fixed(self.max_violation, 4),
            self.max_violation_bin,
            fixed(self.pass_tolerance, 4)
        ));
        out.push_str(&format!("- Spearman ρ(s_L, c_H): {}\n", opt4(self.spearman_score_cost_high)));
        out.push_str(&format!(
            "- fitted Δ > 0 for scores up to: {}\n",
            self.fitted_dominance_up_to.map_or_else(|| "nowhere".into(), |v| fixed(v, 4))
        ));
        out.push_str(&format!(
            "- decreasing-benefit regions (tolerance {}): {}\n",
            fixed(self.region_tolerance, 4),
            regions_label(&self.decreasing_regions)
        ));
        out.push_str(&format!("- expected-dominance regions (Δ > 0): {}\n\n", regions_label(&self.dominance_regions)));
        let rows: Vec<Vec<String>> = self
            .bins
            .iter()
            .map(|b| {
                vec![
                    b.bin.to_string(),
                    b.queries.to_string(),
                    range_label(b.score_lo, b.score_hi),
                    fixed(b.score_mean, 4),
                    fixed(b.m_low, 4),
                    fixed(b.m_high, 4),
                    fixed(b.delta, 4),
                    opt4(b.se_delta),
                    fixed(b.fit, 4),
                    fixed(b.violation, 4),
                ]
            })
            .collect();
        out.push_str(&table(
            &["bin", "n", "scores", "mean s", "m_L", "m_H", "Δ", "SE(Δ)", "isotonic", "Δ − fit"],
            &rows,
        ));
        out.push('\n');
        let rows: Vec<Vec<String>> = self
            .slopes
            .iter()
            .map(|s| {
                vec![
                    fixed(s.tau, 4),
                    s.quantile.map_or_else(|| "–".into(), |q| fixed(q, 2)),
                    fixed(s.escalated_share, 4),
                    sci(s.budget),
                    opt4(s.delta),
                    opt_sci(s.analytic),
                    opt_sci(s.numerical),
                    opt_sci(s.difference),
                ]
            })
            .collect();
        out.push_str(&format!("Slopes dQ/dC (numerical window: {} queries each side)\n\n", self.slope_window));
        out.push_str(&table(
            &["τ", "quantile", "escalated share", "budget", "Δ(τ)", "Δ(τ)/c_H", "frontier slope", "difference"],
            &rows,
        ));
        out
    }
}

/// One row per pair: the pass test, the largest violation, ρ(s_L, c_H), where the
/// fitted benefit is positive, the share in decreasing-benefit regions, and the
/// median gap between analytic and numerical slopes.
pub fn benefit_overview_markdown(benefits: &[EscalationBenefit]) -> String {
    let rows: Vec<Vec<String>> = benefits
        .iter()
        .map(|b| {
            vec![
                format!("{} → {}", b.low, b.high),
                b.queries.to_string(),
                if b.passes { "yes".into() } else { "no".into() },
                fixed(b.max_violation, 4),
                opt4(b.spearman_score_cost_high),
                b.fitted_dominance_up_to.map_or_else(|| "–".into(), |v| fixed(v, 4)),
                fixed(b.decreasing_share(), 4),
                opt_sci(b.median_slope_gap()),
            ]
        })
        .collect();
    table(
        &["pair", "n", "passes", "max rise", "ρ(s_L, c_H)", "Δ̂ > 0 up to", "decreasing share", "median |slope gap|"],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sample with the given scores and per-query differences built from (U_L, U_H).
    fn sample(score: Vec<f64>, ul: Vec<f64>, uh: Vec<f64>) -> PairSample {
        let n = score.len();
        PairSample {
            low: "l".into(),
            high: "h".into(),
            signal: "confidence".into(),
            score,
            quality_low: ul,
            quality_high: uh,
            cost_low: vec![1.0; n],
            cost_high: vec![10.0; n],
        }
    }

    /// 20 bins of 100 queries with scores b + i/1000; in bin b exactly `k[b]` queries
    /// have U_H − U_L = 1 (U_L = 0, U_H = 1), the rest have U_L = U_H = 0, so Δ_b = k_b/100.
    fn binned(k: &[usize]) -> PairSample {
        let (mut s, mut ul, mut uh) = (Vec::new(), Vec::new(), Vec::new());
        for (b, &kb) in k.iter().enumerate() {
            for i in 0..100 {
                s.push(b as f64 + i as f64 / 1000.0);
                ul.push(0.0);
                uh.push(if i < kb { 1.0 } else { 0.0 });
            }
        }
        sample(s, ul, uh)
    }

    #[test]
    fn pass_test_flags_increasing_benefit_and_passes_decreasing_benefit() {
        let opts = BenefitOptions { bins: 20, ..Default::default() };
        let down: Vec<usize> = (0..20).map(|b| 80 - 3 * b).collect();
        let r = escalation_benefit_of(&binned(&down), &opts).unwrap();
        assert_eq!(r.bins.len(), 20);
        assert!(r.passes);
        assert!(r.max_violation.abs() < 1e-12, "{}", r.max_violation);
        assert_eq!(r.decreasing_regions.len(), 1);
        assert_eq!((r.decreasing_regions[0].first_bin, r.decreasing_regions[0].last_bin), (0, 19));
        // Rising benefit: the isotonic fit pools everything to the mean (Δ from 0.10 to 0.67,
        // mean 0.385), so the top bin rises 0.67 − 0.385 = 0.285 above it.
        let up: Vec<usize> = (0..20).map(|b| 10 + 3 * b).collect();
        let r = escalation_benefit_of(&binned(&up), &opts).unwrap();
        assert!(!r.passes);
        assert_eq!(r.max_violation_bin, 19);
        assert!((r.max_violation - 0.285).abs() < 1e-12, "{}", r.max_violation);
        assert!(r.decreasing_regions.is_empty());
    }

    /// Reference per-query fit: pool tied scores, then the min-max formula
    /// f_i = min over a ≤ i of max over b ≥ i of the weighted mean of runs a..=b.
    fn reference_steps(score: &[f64], d: &[f64]) -> Vec<(f64, f64)> {
        let mut pairs: Vec<(f64, f64)> = score.iter().copied().zip(d.iter().copied()).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut runs: Vec<(f64, f64, f64)> = Vec::new(); // (score, sum, count)
        for (s, v) in pairs {
            match runs.last_mut() {
                Some(r) if r.0 == s => {
                    r.1 += v;
                    r.2 += 1.0;
                }
                _ => runs.push((s, v, 1.0)),
            }
        }
        let m = runs.len();
        let avg = |a: usize, b: usize| {
            let (s, c) = runs[a..=b].iter().fold((0.0, 0.0), |(s, c), r| (s + r.1, c + r.2));
            s / c
        };
        (0..m)
            .map(|i| {
                let f = (0..=i).map(|a| (i..m).map(|b| avg(a, b)).fold(f64::MIN, f64::max)).fold(f64::MAX, f64::min);
                (runs[i].0, f)
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn per_query_fit_pools_ties_and_matches_the_reference(
            raw in proptest::collection::vec((0u8..8, 0u8..2, 0u8..2), 1..40),
        ) {
            let score: Vec<f64> = raw.iter().map(|r| if r.0 == 0 { f64::NEG_INFINITY } else { r.0 as f64 }).collect();
            let ul: Vec<f64> = raw.iter().map(|r| r.1 as f64).collect();
            let uh: Vec<f64> = raw.iter().map(|r| r.2 as f64).collect();
            let d: Vec<f64> = ul.iter().zip(&uh).map(|(l, h)| h - l).collect();
            let r = escalation_benefit_of(&sample(score.clone(), ul, uh), &BenefitOptions::default()).unwrap();
            let reference = reference_steps(&score, &d);
            let mut covered = 0;
            for (k, st) in r.isotonic_steps.iter().enumerate() {
                covered += st.queries;
                if k > 0 {
                    let prev = &r.isotonic_steps[k - 1];
                    proptest::prop_assert!(prev.score_hi < st.score_lo, "a tie run is split");
                    proptest::prop_assert!(prev.value >= st.value - 1e-12, "fit rises");
                }
                for &(s, f) in reference.iter().filter(|(s, _)| *s >= st.score_lo && *s <= st.score_hi) {
                    proptest::prop_assert!((f - st.value).abs() < 1e-9, "score {}: {} vs reference {}", s, st.value, f);
                }
            }
            proptest::prop_assert_eq!(covered, score.len());
        }
    }

    #[test]
    fn regions_follow_the_bins() {
        // Δ: 0.5 0.4 0.3 | 0.6 0.5 | 0.7 then 0.0 −0.1: a rise of 0.3 after bin 2 and of 0.2
        // after bin 4 break the decreasing runs; Δ > 0 on bins 0..=5.
        let k = [50, 40, 30, 60, 50, 70, 0, 0];
        let mut p = binned(&k);
        // Make the last bin's Δ negative: 10 queries with U_L = 1, U_H = 0.
        let n = p.len();
        for i in n - 10..n {
            p.quality_low[i] = 1.0;
        }
        let opts = BenefitOptions { bins: 8, ..Default::default() };
        let r = escalation_benefit_of(&p, &opts).unwrap();
        let spans: Vec<(usize, usize)> = r.decreasing_regions.iter().map(|g| (g.first_bin, g.last_bin)).collect();
        assert_eq!(spans, vec![(0, 2), (3, 4), (5, 7)]);
        let dom: Vec<(usize, usize)> = r.dominance_regions.iter().map(|g| (g.first_bin, g.last_bin)).collect();
        assert_eq!(dom, vec![(0, 5)]);
        assert_eq!(r.dominance_regions[0].queries, 600);
        assert!((r.dominance_regions[0].score_hi - 5.099).abs() < 1e-12);
    }

    #[test]
    fn neg_inf_scores_form_the_lowest_bin_and_ties_stay_together() {
        // 3 queries at -inf, then scores 0,0,0,0,1,1,2,3 (ties at 0 and 1).
        let s = vec![f64::NEG_INFINITY, 0.0, 1.0, 0.0, f64::NEG_INFINITY, 2.0, 0.0, 1.0, 3.0, f64::NEG_INFINITY, 0.0];
        let n = s.len();
        let ul = vec![0.0; n];
        let uh: Vec<f64> = (0..n).map(|i| (i % 2) as f64).collect();
        let r = escalation_benefit_of(&sample(s, ul, uh), &BenefitOptions { bins: 4, ..Default::default() }).unwrap();
        assert_eq!(r.neg_inf_scores, 3);
        assert_eq!(r.bins[0].queries, 3);
        assert_eq!(r.bins[0].score_hi, f64::NEG_INFINITY);
        assert_eq!(r.bins[0].score_mean, f64::NEG_INFINITY);
        for w in r.bins.windows(2) {
            assert!(w[0].score_hi < w[1].score_lo, "a tie run is split: {:?}", r.bins);
        }
        assert_eq!(r.bins.iter().map(|b| b.queries).sum::<usize>(), n);
        // JSON carries the infinite scores as strings.
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""score_lo":"-inf""#));
        let back: EscalationBenefit = serde_json::from_str(&json).unwrap();
        assert_eq!(back.bins[0].score_lo, f64::NEG_INFINITY);
    }

    #[test]
    fn bin_standard_errors_match_a_hand_computation() {
        // One bin (bins = 1) with U_H − U_L = [1, 0, 0, −1, 1]: SE √(0.7/5) (see stats).
        // U_L = [0, 0, 1, 1, 0]: mean 0.4, sample variance 0.3, SE √(0.3/5).
        let ul = vec![0.0, 0.0, 1.0, 1.0, 0.0];
        let uh = vec![1.0, 0.0, 1.0, 0.0, 1.0];
        let r = escalation_benefit_of(
            &sample(vec![0.1, 0.2, 0.3, 0.4, 0.5], ul, uh),
            &BenefitOptions { bins: 1, ..Default::default() },
        )
        .unwrap();
        let b = &r.bins[0];
        assert!((b.delta - 0.2).abs() < 1e-14);
        assert!((b.se_delta.unwrap() - 0.14f64.sqrt()).abs() < 1e-14);
        assert!((b.se_low.unwrap() - 0.06f64.sqrt()).abs() < 1e-14);
        // U_H = [1, 0, 1, 0, 1]: mean 0.6, variance 0.3.
        assert!((b.se_high.unwrap() - 0.06f64.sqrt()).abs() < 1e-14);
    }

    #[test]
    fn pair_curve_has_one_point_per_distinct_threshold() {
        let p = sample(vec![0.5, 0.1, 0.5, 0.9], vec![1.0, 0.0, 0.0, 1.0], vec![1.0, 1.0, 1.0, 0.0]);
        let c = pair_curve(&p).unwrap();
        assert_eq!(c.escalated, vec![0, 1, 3, 4]);
        assert_eq!(c.thresholds, vec![0.1, 0.5, 0.9, f64::INFINITY]);
        // Escalating s < 0.5: query 1 gains 1; cost 1 + 10/4.
        assert_eq!(c.points[1], Point { cost: 3.5, quality: 0.75 });
        assert_eq!(c.points[3], Point { cost: 11.0, quality: 0.75 });
    }

    #[test]
    fn bad_options_and_inputs_are_errors() {
        let p = sample(vec![0.1, f64::NAN], vec![0.0; 2], vec![1.0; 2]);
        assert!(escalation_benefit_of(&p, &BenefitOptions::default()).is_err());
        let p = sample(vec![0.1, 0.2], vec![0.0; 2], vec![1.0; 2]);
        assert!(escalation_benefit_of(&p, &BenefitOptions { bins: 0, ..Default::default() }).is_err());
        assert!(
            escalation_benefit_of(&p, &BenefitOptions { taus: vec![f64::INFINITY], ..Default::default() }).is_err()
        );
        assert!(escalation_benefit_of(&p, &BenefitOptions::default()).is_ok());
    }
}
