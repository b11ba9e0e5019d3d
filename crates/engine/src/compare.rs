//! Curves against curves: every curve against the pairwise envelope (the paper's
//! diagnostics, "so that the paper's claims can be read off any experiment"), and
//! the router's decomposition into structural cost and signal quality.
//!
//! A [`Comparison`] of curve A with reference B, for one curve kind (selected with
//! selected, test-envelope with test-envelope), has:
//! - `gap_mid`: A's median minus B's median at the grid midpoint (grid index
//!   `grid_size / 2`);
//! - `split_gap_mid`: the median over splits of the per-split gap at the midpoint
//!   (splits where both curves are defined there);
//! - `dominance`: the share of grid points, among those where both medians are
//!   defined, where A's median is strictly above B's;
//! - `band_ratio`: mean width of A's 10th–90th percentile band over the common
//!   defined points, divided by B's.
//!
//! [`Reading`] turns gap and share into words with two thresholds,
//! [`MEANINGFUL_GAP`] = 0.005 (half a point of accuracy) and [`DOMINANCE`] = 50 %.

use std::collections::BTreeMap;

use crate::aggregate::{Band, band};
use crate::results::{CurveKind, CurveSet, RunResults};
use crate::study::Study;

/// A midpoint gap smaller than this (in quality) is no meaningful difference.
pub const MEANINGFUL_GAP: f64 = 0.005;
/// A curve above its reference on at least this share of the grid dominates it.
pub const DOMINANCE: f64 = 0.5;

/// Registry kinds whose main family is a confidence cascade (candidates for the
/// best cascade of the router decomposition).
pub const CASCADE_KINDS: &[&str] = &["pairwise", "k-stage", "fixed-chain", "randomized"];

/// Curve A against reference B for one curve kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// A's label.
    pub curve: String,
    /// B's label.
    pub reference: String,
    /// Which curves are compared.
    pub kind: CurveKind,
    /// A's median − B's median at the grid midpoint.
    pub gap_mid: Option<f64>,
    /// Median over splits of the per-split gap at the midpoint.
    pub split_gap_mid: Option<f64>,
    /// Splits where both curves are defined at the midpoint.
    pub splits_mid: usize,
    /// Share of the common defined grid points where A's median is above B's.
    pub dominance: Option<f64>,
    /// Grid points where both medians are defined.
    pub common_points: usize,
    /// Mean p10–p90 width of A over the common points / that of B.
    pub band_ratio: Option<f64>,
}

/// What a comparison says, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Gap ≤ −0.005 and above on less than half of the grid.
    Below,
    /// |gap| < 0.005 and above on less than half of the grid.
    NoGain,
    /// |gap| < 0.005 but above on at least half of the grid.
    SlightlyAbove,
    /// Gap ≥ 0.005 and above on at least half of the grid.
    Above,
    /// Gap and share disagree (a clear gap one way at the midpoint, most of the grid the other way).
    Mixed,
    /// Not both defined at the midpoint, or no common grid point.
    Undefined,
}

impl Reading {
    /// The reading of `c`.
    pub fn of(c: &Comparison) -> Self {
        let (Some(gap), Some(share)) = (c.gap_mid, c.dominance) else { return Reading::Undefined };
        let dominates = share >= DOMINANCE;
        if gap.abs() < MEANINGFUL_GAP {
            if dominates { Reading::SlightlyAbove } else { Reading::NoGain }
        } else if gap > 0.0 {
            if dominates { Reading::Above } else { Reading::Mixed }
        } else if dominates {
            Reading::Mixed
        } else {
            Reading::Below
        }
    }

    /// The words for `reference` (e.g. "the envelope").
    pub fn words(self, reference: &str) -> String {
        match self {
            Reading::Below => format!("below {reference}"),
            Reading::NoGain => "no meaningful gain".into(),
            Reading::SlightlyAbove => format!("slightly above {reference}"),
            Reading::Above => format!("above {reference}"),
            Reading::Mixed => "mixed".into(),
            Reading::Undefined => "not comparable".into(),
        }
    }
}

/// Index of the grid midpoint.
pub fn midpoint(study: &Study) -> usize {
    study.grid.len() / 2
}

/// Compares curve `a` with reference `b` on `kind`.
pub fn compare(study: &Study, results: &RunResults, a: &CurveSet, b: &CurveSet, kind: CurveKind) -> Comparison {
    let mid = midpoint(study);
    let value = |c: &CurveSet, split: usize| -> Option<f64> {
        let f = results.family(split, c.solver, &c.family)?;
        match kind {
            CurveKind::Selected => f.selected.get(mid).copied().flatten(),
            CurveKind::TestEnvelope => f.envelope.get(mid).copied().flatten(),
        }
    };
    let split_gaps: Vec<Option<f64>> =
        results.splits.iter().map(|s| Some(value(a, s.index)? - value(b, s.index)?)).collect();
    let mut c = compare_bands(a.bands(kind), b.bands(kind), &split_gaps, mid);
    c.curve = a.label.clone();
    c.reference = b.label.clone();
    c.kind = kind;
    c
}

/// The numbers of a [`Comparison`] (labels left empty, kind `selected`) from the
/// two band sequences, the per-split gaps at the midpoint and the midpoint index.
pub fn compare_bands(a: &[Option<Band>], b: &[Option<Band>], split_gaps: &[Option<f64>], mid: usize) -> Comparison {
    let gap_mid = match (a.get(mid).copied().flatten(), b.get(mid).copied().flatten()) {
        (Some(x), Some(y)) => Some(x.median - y.median),
        _ => None,
    };
    let split_band = band(split_gaps.iter().copied());
    let (mut common, mut above, mut width_a, mut width_b) = (0usize, 0usize, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        if let (Some(x), Some(y)) = (x, y) {
            common += 1;
            if x.median > y.median {
                above += 1;
            }
            width_a += x.p90 - x.p10;
            width_b += y.p90 - y.p10;
        }
    }
    Comparison {
        curve: String::new(),
        reference: String::new(),
        kind: CurveKind::Selected,
        gap_mid,
        split_gap_mid: split_band.map(|b| b.median),
        splits_mid: split_band.map_or(0, |b| b.splits),
        dominance: (common > 0).then(|| above as f64 / common as f64),
        common_points: common,
        band_ratio: (common > 0 && width_b > 0.0).then(|| width_a / width_b),
    }
}

/// The reference of the comparisons: the main curve of the plan's first `pairwise`
/// solver, if any.
pub fn reference<'r>(study: &Study, results: &'r RunResults) -> Option<&'r CurveSet> {
    let si = study.plan.solvers.iter().position(|s| s.kind == "pairwise")?;
    results.curves.iter().find(|c| c.solver == si && c.family.is_empty())
}

/// Every other curve against the reference, both kinds (curve order, selected first).
pub fn against_envelope(study: &Study, results: &RunResults) -> Vec<Comparison> {
    let Some(env) = reference(study, results) else { return Vec::new() };
    let mut out = Vec::new();
    for c in results.curves.iter().filter(|c| c.label != env.label) {
        for kind in CurveKind::ALL {
            out.push(compare(study, results, c, env, kind));
        }
    }
    out
}

/// One named comparison of the router decomposition.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedComparison {
    /// What the comparison isolates, e.g. `structural cost`.
    pub name: &'static str,
    /// The comparison.
    pub comparison: Comparison,
}

/// The median test AUROC of one model's predictor score and of its own confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct AurocRow {
    /// Predictor id.
    pub predictor: String,
    /// The model.
    pub model: String,
    /// Median over splits of the AUROC of p̂_model for the model's quality on test.
    pub predictor_auroc: Option<f64>,
    /// Splits where it is defined.
    pub splits: usize,
    /// Median over splits of the AUROC of the model's own confidence on test.
    pub confidence_auroc: Option<f64>,
}

/// Whether the hybrid beats both the router and the envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct HybridVerdict {
    /// The hybrid's label.
    pub hybrid: String,
    /// Selected-median Gain of the hybrid, the router and the envelope.
    pub gains: [Option<f64>; 3],
    /// Whether the hybrid's Gain is above both others'.
    pub beats_both: bool,
}

/// The router decomposition of the paper's issue 6.
#[derive(Debug, Clone, PartialEq)]
pub struct Decomposition {
    /// The router's label.
    pub router: String,
    /// The best cascade curve by selected Gain, if any.
    pub best_cascade: Option<String>,
    /// The named comparisons (both kinds each), in report order.
    pub rows: Vec<NamedComparison>,
    /// Per-model test AUROC of the router's predictors.
    pub auroc: Vec<AurocRow>,
    /// The hybrid line, when the router proposed a hybrid and there is an envelope.
    pub hybrid: Option<HybridVerdict>,
}

/// The decomposition of the plan's first `router` solver; `None` without one.
pub fn decomposition(study: &Study, results: &RunResults) -> Option<Decomposition> {
    let si = study.plan.solvers.iter().position(|s| s.kind == "router")?;
    let name = &study.plan.solvers[si].name;
    let curve = |family: &str| results.curves.iter().find(|c| c.solver == si && c.family == family);
    let router = curve("")?;
    let embedding = curve("embedding-cascade");
    let hybrid = curve("hybrid");
    let env = reference(study, results);
    let gain = |c: &CurveSet| c.selected_metrics.gain;
    let best = results
        .curves
        .iter()
        .filter(|c| c.family.is_empty() && CASCADE_KINDS.contains(&study.plan.solvers[c.solver].kind))
        .filter(|c| gain(c).is_some())
        .fold(None::<&CurveSet>, |best, c| match best {
            Some(b) if gain(b) >= gain(c) => Some(b),
            _ => Some(c),
        });
    let mut rows = Vec::new();
    let mut push = |name: &'static str, a: Option<&CurveSet>, b: Option<&CurveSet>| {
        if let (Some(a), Some(b)) = (a, b) {
            for kind in CurveKind::ALL {
                rows.push(NamedComparison { name, comparison: compare(study, results, a, b, kind) });
            }
        }
    };
    push("structural cost (router vs embedding cascade)", Some(router), embedding);
    push("signal quality (embedding cascade vs confidence cascade)", embedding, env);
    push("router vs best cascade", Some(router), best);
    push("hybrid vs router", hybrid, Some(router));
    push("hybrid vs envelope", hybrid, env);

    // Median AUROC per (predictor, model), in order of first appearance.
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut values: BTreeMap<(String, String), Vec<Option<f64>>> = BTreeMap::new();
    for s in &results.splits {
        for p in &s.solvers[si].auroc {
            for (m, v) in &p.models {
                let key = (p.predictor.clone(), m.clone());
                if !keys.contains(&key) {
                    keys.push(key.clone());
                }
                values.entry(key).or_default().push(*v);
            }
        }
    }
    let auroc = keys
        .into_iter()
        .map(|key| {
            let b = band(values[&key].iter().copied());
            let conf = study
                .data()
                .model_index(&key.1)
                .and_then(|m| band(results.splits.iter().map(|s| s.confidence_auroc[m])))
                .map(|b| b.median);
            AurocRow {
                predictor: key.0,
                model: key.1,
                predictor_auroc: b.map(|b| b.median),
                splits: b.map_or(0, |b| b.splits),
                confidence_auroc: conf,
            }
        })
        .collect();
    let hybrid = match (hybrid, env) {
        (Some(h), Some(e)) => {
            let gains = [gain(h), gain(router), gain(e)];
            let beats_both = match gains {
                [Some(h), Some(r), Some(e)] => h > r && h > e,
                _ => false,
            };
            Some(HybridVerdict { hybrid: h.label.clone(), gains, beats_both })
        }
        _ => None,
    };
    Some(Decomposition { router: name.clone(), best_cascade: best.map(|c| c.label.clone()), rows, auroc, hybrid })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(median: f64, p10: f64, p90: f64) -> Option<Band> {
        Some(Band { median, p10, p90, splits: 3 })
    }

    #[test]
    fn gap_share_and_band_ratio_on_hand_made_bands() {
        // Common defined points: 1, 2, 3 (point 0 is undefined for A, point 4 for B).
        let a = [None, b(0.50, 0.40, 0.60), b(0.70, 0.60, 0.80), b(0.71, 0.70, 0.72), b(0.9, 0.9, 0.9)];
        let r = [b(0.1, 0.1, 0.1), b(0.55, 0.50, 0.60), b(0.60, 0.55, 0.65), b(0.70, 0.65, 0.75), None];
        let c = compare_bands(&a, &r, &[Some(0.2), None, Some(0.0), Some(0.1)], 2);
        assert!((c.gap_mid.unwrap() - 0.10).abs() < 1e-12);
        // Per-split gaps 0.2, 0.0, 0.1 (one split undefined): median 0.1 over 3 splits.
        assert!((c.split_gap_mid.unwrap() - 0.1).abs() < 1e-12);
        assert_eq!(c.splits_mid, 3);
        // Above at points 2 and 3, not at 1: 2 of 3.
        assert_eq!(c.common_points, 3);
        assert!((c.dominance.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        // Widths: A 0.2 + 0.2 + 0.02 = 0.42; B 0.1 + 0.1 + 0.1 = 0.3.
        assert!((c.band_ratio.unwrap() - 1.4).abs() < 1e-12);
        assert_eq!(Reading::of(&c), Reading::Above);
        // Undefined at the midpoint: no gap, not comparable.
        let c = compare_bands(&a, &r, &[], 0);
        assert_eq!((c.gap_mid, c.split_gap_mid, c.splits_mid), (None, None, 0));
        assert_eq!(Reading::of(&c), Reading::Undefined);
        // Nothing in common: no share, no ratio.
        let c = compare_bands(&[None, b(0.5, 0.5, 0.5)], &[b(0.5, 0.5, 0.5), None], &[], 0);
        assert_eq!((c.dominance, c.band_ratio, c.common_points), (None, None, 0));
    }

    #[test]
    fn readings_follow_the_documented_thresholds() {
        let reading = |gap: f64, share: f64| {
            let mut c = compare_bands(&[], &[], &[], 0);
            c.gap_mid = Some(gap);
            c.dominance = Some(share);
            Reading::of(&c)
        };
        assert_eq!(reading(-0.005, 0.49), Reading::Below);
        assert_eq!(reading(-0.0049, 0.49), Reading::NoGain);
        assert_eq!(reading(0.0049, 0.0), Reading::NoGain);
        assert_eq!(reading(0.0049, 0.5), Reading::SlightlyAbove);
        assert_eq!(reading(0.005, 0.5), Reading::Above);
        assert_eq!(reading(0.005, 0.49), Reading::Mixed);
        assert_eq!(reading(-0.02, 0.8), Reading::Mixed);
        assert_eq!(Reading::Below.words("the envelope"), "below the envelope");
        assert_eq!(Reading::NoGain.words("the envelope"), "no meaningful gain");
    }
}
