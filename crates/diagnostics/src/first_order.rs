//! First-order diagnostics of k-stage threshold cascades.
//!
//! Theory (paper.md): at every interior optimal boundary j of a k-stage cascade,
//! G_j(τ_j)/K_j(τ_j) = λ, the same λ for all j, where
//! - G_j = E[U_final(continue) − U_j | s_j ≈ τ_j, the query reaches stage j], the
//!   expected quality gain of continuing past stage j, "continue" meaning running
//!   stages j+1..k of the cascade as it is (their thresholds included);
//! - K_j = E[cost of the stages visited after j | the same queries].
//!
//! For k = 2 this is Δ(τ)/c_H. Two estimators, both over the queries that reach
//! stage j:
//! - **local window**: the w reaching queries with the largest scores below τ_j and
//!   the w with the smallest scores at or above it (fewer where a side runs out),
//!   w = max(20, ⌈5 % · reaching⌉) by default; G, K are window means, λ = ΣD/ΣK;
//! - **binned**: equal-width bins (default 30) of the finite s_j, per-bin means of
//!   the gain and of the downstream cost, each interpolated at τ_j like
//!   `numpy.interp` (the paper's 30-bin check); λ = G/K.
//!
//! Infinite thresholds have no boundary queries: their estimates are `None`.

use cascadelab_core::{Dataset, Policy, Predictors, Signal};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::binning::{EqualWidthBins, interp};
use crate::markdown::{fixed, opt_sci, opt4, table};
use crate::stats::mean_and_se;
use crate::{DiagnosticsError, LocalWindow};

/// Settings of [`first_order`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FirstOrderOptions {
    /// Reaching queries on each side of τ_j in the local estimate.
    #[serde(default)]
    pub window: LocalWindow,
    /// Equal-width bins of s_j in the binned estimate.
    #[serde(default = "FirstOrderOptions::default_bins")]
    pub bins: usize,
}

impl FirstOrderOptions {
    fn default_bins() -> usize {
        30
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<(), DiagnosticsError> {
        if self.bins == 0 {
            return Err(DiagnosticsError::Invalid("bins must be positive".into()));
        }
        self.window.check()
    }
}

impl Default for FirstOrderOptions {
    fn default() -> Self {
        Self { window: LocalWindow::default(), bins: Self::default_bins() }
    }
}

/// Estimates at one interior boundary j (between stages j and j+1, 1-based).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Boundary {
    /// j: the stage whose threshold this is, 1-based.
    pub boundary: usize,
    /// Model of stage j.
    pub model: String,
    /// The rest of the cascade that "continue" runs, e.g. `b → c`.
    pub downstream: String,
    /// τ_j.
    #[serde(with = "cascadelab_core::float")]
    pub tau: f64,
    /// Queries of the subset that reach stage j.
    pub reaching: usize,
    /// w: reaching queries taken on each side of τ_j.
    pub window: usize,
    /// Window queries below τ_j (they escalate).
    pub window_below: usize,
    /// Window queries at or above τ_j (they stop).
    pub window_above: usize,
    /// Lowest score in the window.
    #[serde(with = "crate::ext_opt")]
    pub window_score_lo: Option<f64>,
    /// Highest score in the window.
    #[serde(with = "crate::ext_opt")]
    pub window_score_hi: Option<f64>,
    /// G_j from the window: mean of U_final(continue) − U_j.
    pub gain_window: Option<f64>,
    /// Standard error of that mean.
    pub gain_se_window: Option<f64>,
    /// K_j from the window: mean downstream cost.
    pub cost_window: Option<f64>,
    /// λ_j = G_j/K_j from the window.
    pub lambda_window: Option<f64>,
    /// G_j from the equal-width bins, interpolated at τ_j.
    pub gain_binned: Option<f64>,
    /// K_j from the equal-width bins, interpolated at τ_j.
    pub cost_binned: Option<f64>,
    /// λ_j from the bins.
    pub lambda_binned: Option<f64>,
}

/// How far a policy's λ_j are from equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LambdaSpread {
    /// Boundaries whose λ_j is defined.
    pub boundaries: usize,
    /// Smallest λ_j.
    pub min: Option<f64>,
    /// Largest λ_j.
    pub max: Option<f64>,
    /// max/min (`None` unless min > 0); 1 when all are equal.
    pub ratio: Option<f64>,
    /// max − min.
    pub range: Option<f64>,
}

impl LambdaSpread {
    fn of(values: impl Iterator<Item = Option<f64>>) -> Self {
        let v: Vec<f64> = values.flatten().collect();
        let min = v.iter().copied().reduce(f64::min);
        let max = v.iter().copied().reduce(f64::max);
        Self {
            boundaries: v.len(),
            min,
            max,
            ratio: min.zip(max).filter(|(lo, _)| *lo > 0.0).map(|(lo, hi)| hi / lo),
            range: min.zip(max).map(|(lo, hi)| hi - lo),
        }
    }
}

/// First-order diagnostics of one cascade on one subset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstOrderReport {
    /// The policy, described.
    pub policy: String,
    /// Its stages.
    pub stages: Vec<String>,
    /// Its thresholds.
    #[serde(with = "cascadelab_core::float::vec")]
    pub thresholds: Vec<f64>,
    /// Queries in the subset.
    pub queries: usize,
    /// One entry per interior boundary, j = 1..k−1.
    pub boundaries: Vec<Boundary>,
    /// Spread of the window estimates λ_j.
    pub spread_window: LambdaSpread,
    /// Spread of the binned estimates λ_j.
    pub spread_binned: LambdaSpread,
}

/// First-order diagnostics of `policy` (a [`Policy::Cascade`]) on `subset`.
pub fn first_order(
    data: &Dataset,
    subset: &[usize],
    policy: &Policy,
    predictors: &Predictors,
    options: &FirstOrderOptions,
) -> Result<FirstOrderReport, DiagnosticsError> {
    options.check()?;
    policy.check(data, predictors)?;
    let Policy::Cascade { stages, thresholds, signal } = policy else {
        return Err(DiagnosticsError::Invalid(format!(
            "first-order diagnostics need a cascade, got {}",
            policy.describe()
        )));
    };
    if subset.is_empty() {
        return Err(DiagnosticsError::Invalid("first-order diagnostics need at least one query".into()));
    }
    if let Some(&q) = subset.iter().find(|&&q| q >= data.n_queries()) {
        return Err(DiagnosticsError::Invalid(format!("query position {q} is outside the data")));
    }
    let k = stages.len();
    let idx: Vec<usize> = stages
        .iter()
        .map(|s| data.model_index(s).ok_or_else(|| cascadelab_core::PolicyError::UnknownModel(s.clone())))
        .collect::<Result<_, _>>()?;
    let signals = stage_signals(data, subset, &idx[..k - 1], signal, predictors)?;
    if let Some(j) = signals.iter().position(|col| col.iter().any(|v| v.is_nan())) {
        return Err(DiagnosticsError::Invalid(format!("stage `{}` has a NaN score", stages[j])));
    }

    // cont[j][i]: (quality, cost) of query i when it enters stage j and the cascade runs on.
    let n = subset.len();
    let mut cont: Vec<Vec<(f64, f64)>> = vec![Vec::new(); k];
    let last = &data.models[idx[k - 1]];
    cont[k - 1] = subset.iter().map(|&q| (last.quality[q], last.cost[q])).collect();
    for j in (0..k - 1).rev() {
        let m = &data.models[idx[j]];
        cont[j] = (0..n)
            .map(|i| {
                let q = subset[i];
                if signals[j][i] >= thresholds[j] {
                    (m.quality[q], m.cost[q])
                } else {
                    (cont[j + 1][i].0, m.cost[q] + cont[j + 1][i].1)
                }
            })
            .collect();
    }

    let mut reaching: Vec<usize> = (0..n).collect();
    let mut boundaries = Vec::with_capacity(k - 1);
    for j in 0..k - 1 {
        let tau = thresholds[j];
        let m = &data.models[idx[j]];
        let score = &signals[j];
        // Reaching queries by score; gain and downstream cost of continuing.
        let mut order = reaching.clone();
        order.sort_by(|&a, &b| score[a].total_cmp(&score[b]).then(a.cmp(&b)));
        let s: Vec<f64> = order.iter().map(|&i| score[i]).collect();
        let gain: Vec<f64> = order.iter().map(|&i| cont[j + 1][i].0 - m.quality[subset[i]]).collect();
        let cost: Vec<f64> = order.iter().map(|&i| cont[j + 1][i].1).collect();
        let w = options.window.size(order.len());
        let mut b = Boundary {
            boundary: j + 1,
            model: stages[j].clone(),
            downstream: stages[j + 1..].join(" → "),
            tau,
            reaching: order.len(),
            window: w,
            window_below: 0,
            window_above: 0,
            window_score_lo: None,
            window_score_hi: None,
            gain_window: None,
            gain_se_window: None,
            cost_window: None,
            lambda_window: None,
            gain_binned: None,
            cost_binned: None,
            lambda_binned: None,
        };
        if tau.is_finite() && !order.is_empty() {
            let p = s.partition_point(|&v| v < tau);
            let (lo, hi) = (p.saturating_sub(w), (p + w).min(s.len()));
            b.window_below = p - lo;
            b.window_above = hi - p;
            if hi > lo {
                b.window_score_lo = Some(s[lo]);
                b.window_score_hi = Some(s[hi - 1]);
                let (g, se) = mean_and_se(gain[lo..hi].iter().copied());
                let c = cost[lo..hi].iter().sum::<f64>() / (hi - lo) as f64;
                b.gain_window = g;
                b.gain_se_window = se;
                b.cost_window = Some(c);
                b.lambda_window = g.filter(|_| c > 0.0).map(|g| g / c);
            }
            if let Some(eq) = EqualWidthBins::spanning(&s, options.bins) {
                let mut acc = vec![(0usize, 0.0, 0.0); eq.bins];
                for (t, &v) in s.iter().enumerate() {
                    if let Some(bin) = eq.index(v) {
                        acc[bin].0 += 1;
                        acc[bin].1 += gain[t];
                        acc[bin].2 += cost[t];
                    }
                }
                let (mut xs, mut gs, mut cs) = (Vec::new(), Vec::new(), Vec::new());
                for (bin, &(count, sg, sc)) in acc.iter().enumerate() {
                    if count > 0 {
                        xs.push(eq.center(bin));
                        gs.push(sg / count as f64);
                        cs.push(sc / count as f64);
                    }
                }
                b.gain_binned = interp(tau, &xs, &gs);
                b.cost_binned = interp(tau, &xs, &cs);
                b.lambda_binned = b.gain_binned.zip(b.cost_binned).filter(|(_, c)| *c > 0.0).map(|(g, c)| g / c);
            }
        }
        boundaries.push(b);
        reaching.retain(|&i| score[i] < tau);
    }

    Ok(FirstOrderReport {
        policy: policy.describe(),
        stages: stages.clone(),
        thresholds: thresholds.clone(),
        queries: n,
        spread_window: LambdaSpread::of(boundaries.iter().map(|b| b.lambda_window)),
        spread_binned: LambdaSpread::of(boundaries.iter().map(|b| b.lambda_binned)),
        boundaries,
    })
}

/// The score each listed stage compares with its threshold, per subset position.
fn stage_signals(
    data: &Dataset,
    subset: &[usize],
    stages: &[usize],
    signal: &Signal,
    predictors: &Predictors,
) -> Result<Vec<Vec<f64>>, DiagnosticsError> {
    match signal {
        Signal::Confidence => stages
            .iter()
            .map(|&m| {
                let col = data.models[m]
                    .confidence
                    .as_ref()
                    .ok_or_else(|| cascadelab_core::PolicyError::NoConfidence(data.models[m].name.clone()))?;
                Ok(subset.iter().map(|&q| col[q]).collect())
            })
            .collect(),
        Signal::Predicted { predictor, .. } => {
            let p = predictors
                .get(predictor)
                .ok_or_else(|| cascadelab_core::PolicyError::UnknownPredictor(predictor.clone()))?;
            let preds = p.predict(data, subset)?;
            stages
                .iter()
                .map(|&m| {
                    let name = &data.models[m].name;
                    let c = p.models().iter().position(|pm| pm == name).ok_or_else(|| {
                        cascadelab_core::PolicyError::PredictorModel {
                            predictor: predictor.clone(),
                            model: name.clone(),
                        }
                    })?;
                    Ok(preds[c].clone())
                })
                .collect()
        }
    }
}

impl FirstOrderReport {
    /// A compact Markdown report: one row per boundary and the spread of λ_j.
    pub fn summary_markdown(&self) -> String {
        let mut out = format!("### {}\n\n", self.policy);
        let rows: Vec<Vec<String>> = self
            .boundaries
            .iter()
            .map(|b| {
                vec![
                    b.boundary.to_string(),
                    b.model.clone(),
                    b.downstream.clone(),
                    fixed(b.tau, 4),
                    b.reaching.to_string(),
                    format!("{}+{}", b.window_below, b.window_above),
                    opt4(b.gain_window),
                    opt4(b.gain_se_window),
                    opt_sci(b.cost_window),
                    opt_sci(b.lambda_window),
                    opt4(b.gain_binned),
                    opt_sci(b.cost_binned),
                    opt_sci(b.lambda_binned),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "j",
                "stage",
                "continues with",
                "τ_j",
                "reaching",
                "window",
                "G (window)",
                "SE(G)",
                "K (window)",
                "λ (window)",
                "G (bins)",
                "K (bins)",
                "λ (bins)",
            ],
            &rows,
        ));
        for (name, s) in [("window", &self.spread_window), ("bins", &self.spread_binned)] {
            out.push_str(&format!(
                "\n- spread of λ_j ({name}): {} boundaries, min {}, max {}, max/min {}, max − min {}",
                s.boundaries,
                opt_sci(s.min),
                opt_sci(s.max),
                opt4(s.ratio),
                opt_sci(s.range)
            ));
        }
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascadelab_core::ModelColumns;

    fn data() -> Dataset {
        // Scores 0..10 of stage a; b always confident. a right on even queries, b on all, c on none.
        let m = |name: &str, quality: Vec<f64>, conf: Vec<f64>, cost: f64| ModelColumns {
            name: name.into(),
            quality,
            confidence: Some(conf),
            cost: vec![cost; 10],
        };
        Dataset::new(
            (0..10).map(|i| format!("q{i}")).collect(),
            None,
            vec![
                m("a", (0..10).map(|i| ((i + 1) % 2) as f64).collect(), (0..10).map(f64::from).collect(), 1.0),
                m("b", vec![1.0; 10], (0..10).map(|i| if i < 3 { 0.0 } else { 1.0 }).collect(), 2.0),
                m("c", vec![0.0; 10], vec![0.0; 10], 4.0),
            ],
            None,
        )
        .unwrap()
    }

    #[test]
    fn window_estimates_match_a_hand_computation() {
        let d = data();
        let all = d.all_queries();
        let p = Policy::Cascade {
            stages: vec!["a".into(), "b".into(), "c".into()],
            thresholds: vec![5.0, 0.5],
            signal: Signal::Confidence,
        };
        let opts = FirstOrderOptions { window: LocalWindow { min: 2, fraction: 0.0 }, bins: 30 };
        let r = first_order(&d, &all, &p, &Predictors::new(), &opts).unwrap();
        // Boundary 1 (τ = 5): window = queries 3, 4 (below) and 5, 6 (above). Continuing runs
        // b (τ = 0.5): b confident on queries ≥ 3, so the continuation is b: quality 1, cost 2.
        // Gains 1 − U_a = [1, 0, 1, 0]: G = 0.5, K = 2, λ = 0.25.
        let b1 = &r.boundaries[0];
        assert_eq!((b1.window_below, b1.window_above, b1.reaching), (2, 2, 10));
        assert_eq!((b1.window_score_lo, b1.window_score_hi), (Some(3.0), Some(6.0)));
        assert_eq!((b1.gain_window, b1.cost_window, b1.lambda_window), (Some(0.5), Some(2.0), Some(0.25)));
        // Boundary 2 (τ = 0.5): reaching = queries 0..5 (a escalates s < 5); b's scores there
        // are [0, 0, 0, 1, 1]; the window holds the two 0s nearest below (queries 1, 2) and
        // the two 1s (3, 4). Continuing runs c: gains 0 − 1 = −1, cost 4; λ = −0.25.
        let b2 = &r.boundaries[1];
        assert_eq!((b2.reaching, b2.window_below, b2.window_above), (5, 2, 2));
        assert_eq!((b2.gain_window, b2.cost_window, b2.lambda_window), (Some(-1.0), Some(4.0), Some(-0.25)));
        assert_eq!(r.spread_window.range, Some(0.5));
        assert_eq!(r.spread_window.ratio, None);
        assert!(r.summary_markdown().contains("| 1 | a | b → c | 5.0000 |"));
    }

    #[test]
    fn non_cascades_and_infinite_thresholds() {
        let d = data();
        let all = d.all_queries();
        let none = Predictors::new();
        let opts = FirstOrderOptions::default();
        assert!(first_order(&d, &all, &Policy::Single { model: "a".into() }, &none, &opts).is_err());
        let p = Policy::Cascade {
            stages: vec!["a".into(), "b".into()],
            thresholds: vec![f64::INFINITY],
            signal: Signal::Confidence,
        };
        let r = first_order(&d, &all, &p, &none, &opts).unwrap();
        assert_eq!(r.boundaries[0].lambda_window, None);
        assert_eq!(r.spread_window.boundaries, 0);
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""thresholds":["inf"]"#));
    }
}
