//! Other tools' metrics of every median curve, so that any experiment can be set
//! beside published numbers (definitions in `cascadelab_metrics` and
//! `../shared/docs/metrics.md`). A median curve enters as its operating points:
//! (grid cost, median quality) at every grid point where it is defined.
//!
//! - AIQ (RouterBench paper definition): the mean of the curve's non-decreasing
//!   convex hull over the whole cost grid [grid min, grid max], counting 0 below
//!   the curve's cheapest point.
//! - AUC and max_diff (ETH SRI cascade routing) against the single models'
//!   full-sample points.
//! - RouterArena S_β (β = 0.1): its best value along the curve, and the cost there.
//! - ΔIBC (AutoMix) of the curve's point at the grid midpoint, against the cheapest
//!   and the most accurate model (full sample), in percent.

use cascadelab_core::Point;
use cascadelab_metrics::automix::delta_ibc;
use cascadelab_metrics::cascade_routing::{auc, max_diff};
use cascadelab_metrics::routerarena;
use cascadelab_metrics::routerbench::Ndch;

use crate::aggregate::medians;
use crate::results::{CurveKind, CurveSet};
use crate::study::Study;

/// Other tools' metrics of one median curve.
#[derive(Debug, Clone, PartialEq)]
pub struct LiteratureMetrics {
    /// The curve's label.
    pub curve: String,
    /// Which curve.
    pub kind: CurveKind,
    /// RouterBench AIQ over the grid range.
    pub aiq: Option<f64>,
    /// ETH AUC against the single models.
    pub auc: Option<f64>,
    /// ETH max_diff against the single models.
    pub max_diff: Option<f64>,
    /// The best RouterArena S_β along the curve.
    pub arena: Option<f64>,
    /// The grid cost where it is reached (the cheapest on ties).
    pub arena_cost: Option<f64>,
    /// ΔIBC at the grid midpoint, in percent.
    pub delta_ibc_mid: Option<f64>,
}

/// The metrics of `curve`'s median of `kind`.
pub fn metrics(study: &Study, curve: &CurveSet, kind: CurveKind) -> LiteratureMetrics {
    let grid = &study.grid;
    let median = medians(curve.bands(kind));
    let points: Vec<Point> =
        grid.iter().zip(&median).filter_map(|(&cost, q)| q.map(|quality| Point { cost, quality })).collect();
    let models: Vec<Point> =
        study.full_stats.iter().map(|s| Point { cost: s.mean_cost, quality: s.accuracy }).collect();
    let (lo, hi) = (grid[0], grid[grid.len() - 1]);
    let mut arena: Option<(f64, f64)> = None;
    for p in &points {
        if let Some(s) = routerarena::score(p.quality, p.cost)
            && arena.is_none_or(|(best, _)| s > best)
        {
            arena = Some((s, p.cost));
        }
    }
    let mid = crate::compare::midpoint(study);
    let at_mid = median.get(mid).copied().flatten().map(|quality| Point { cost: grid[mid], quality });
    let (cheap, best) = (models[study.cheapest], models[study.most_accurate]);
    LiteratureMetrics {
        curve: curve.label.clone(),
        kind,
        aiq: Ndch::new(&points).aiq(lo, hi),
        auc: auc(&points, &models),
        max_diff: if points.is_empty() { None } else { max_diff(&points, &models) },
        arena: arena.map(|a| a.0),
        arena_cost: arena.map(|a| a.1),
        delta_ibc_mid: at_mid.and_then(|p| delta_ibc(p, cheap, best)).map(|d| 100.0 * d),
    }
}

/// The metrics of every curve, both kinds (curve order, selected first).
pub fn all(study: &Study, curves: &[CurveSet]) -> Vec<LiteratureMetrics> {
    curves.iter().flat_map(|c| CurveKind::ALL.map(|k| metrics(study, c, k))).collect()
}

/// The single models' RouterArena scores (dataset order), for reference rows.
pub fn model_arena_scores(study: &Study) -> Vec<Option<f64>> {
    study.full_stats.iter().map(|s| routerarena::score(s.accuracy, s.mean_cost)).collect()
}
