//! The paper's metrics: Gain over the random-routing diagonal and CR@x
//! (definitions in `../shared/docs/paper.md`, section "Metrics").

use cascadelab_core::Point;
use serde::{Deserialize, Serialize};

/// The two single models that anchor the paper's metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Anchors {
    /// Mean cost of the cheapest model.
    pub c_low: f64,
    /// Accuracy of the cheapest model.
    pub q_low: f64,
    /// Mean cost of the most accurate model.
    pub c_exp: f64,
    /// Accuracy of the most accurate model.
    pub q_max: f64,
}

impl Anchors {
    /// The anchors of a set of single-model points: the cheapest model (the more
    /// accurate on cost ties) and the most accurate model (the cheaper on ties); NaN
    /// points are ignored; `None` without a valid point.
    pub fn from_models(models: &[Point]) -> Option<Self> {
        let valid = || models.iter().filter(|p| !p.cost.is_nan() && !p.quality.is_nan());
        let cheapest = valid()
            .reduce(|b, m| if m.cost < b.cost || (m.cost == b.cost && m.quality > b.quality) { m } else { b })?;
        let best = valid()
            .reduce(|b, m| if m.quality > b.quality || (m.quality == b.quality && m.cost < b.cost) { m } else { b })?;
        Some(Self { c_low: cheapest.cost, q_low: cheapest.quality, c_exp: best.cost, q_max: best.quality })
    }

    /// The random-routing diagonal between the two anchors at cost `c`.
    pub fn diagonal(&self, c: f64) -> f64 {
        self.q_low + (self.q_max - self.q_low) * (c - self.c_low) / (self.c_exp - self.c_low)
    }
}

/// Gain = ∫ (Q(c) − diag(c)) dc / ((c_exp − c_low)(q_max − q_low)) over
/// [c_low, c_exp], by the trapezoid rule over the grid points in that range where
/// the curve is defined. Undefined points are skipped and their defined neighbours
/// joined across the gap (numpy's `trapz` over the defined points, which is what the
/// paper's code computes). `None` with fewer than two defined points in the range.
pub fn gain(grid: &[f64], values: &[Option<f64>], anchors: &Anchors) -> Option<f64> {
    let pts: Vec<(f64, f64)> = grid
        .iter()
        .zip(values)
        .filter_map(|(&c, v)| v.map(|q| (c, q - anchors.diagonal(c))))
        .filter(|&(c, _)| c >= anchors.c_low && c <= anchors.c_exp)
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let area: f64 = pts.windows(2).map(|w| 0.5 * (w[0].1 + w[1].1) * (w[1].0 - w[0].0)).sum();
    Some(area / ((anchors.c_exp - anchors.c_low) * (anchors.q_max - anchors.q_low)))
}

/// CR@x = (c_exp − min{c on grid : Q(c) ≥ x·q_max}) / c_exp × 100, in percent;
/// `None` if the curve never reaches x·q_max on the grid.
pub fn cost_reduction(grid: &[f64], values: &[Option<f64>], anchors: &Anchors, x: f64) -> Option<f64> {
    let target = x * anchors.q_max;
    let c = grid.iter().zip(values).find(|(_, v)| v.is_some_and(|q| q >= target)).map(|(&c, _)| c)?;
    Some((anchors.c_exp - c) / anchors.c_exp * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANCHORS: Anchors = Anchors { c_low: 1.0, q_low: 0.5, c_exp: 3.0, q_max: 0.9 };

    #[test]
    fn gain_integrates_the_lift_over_the_diagonal() {
        // diag(c) = 0.5 + 0.2·(c − 1). In [1, 3]: lifts 0.5 − 0.5 = 0 at 1, 0.8 − 0.7 = 0.1 at 2,
        // 0.9 − 0.9 = 0 at 3; trapezoids 0.05 + 0.05 = 0.1; normalised by (3 − 1)(0.9 − 0.5) = 0.8 → 0.125.
        // Grid points 0 (undefined) and 4 (outside [c_low, c_exp]) do not count.
        let grid = [0.0, 1.0, 2.0, 3.0, 4.0];
        let values = [None, Some(0.5), Some(0.8), Some(0.9), Some(0.95)];
        assert!((gain(&grid, &values, &ANCHORS).unwrap() - 0.125).abs() < 1e-12);
        // An undefined point is skipped and its neighbours joined: lifts 0 at 1 and 0 at 3 → 0.
        let gap = [None, Some(0.5), None, Some(0.9), Some(0.95)];
        assert!(gain(&grid, &gap, &ANCHORS).unwrap().abs() < 1e-12);
        assert_eq!(gain(&grid, &[None, None, None, Some(0.9), None], &ANCHORS), None);
    }

    #[test]
    fn cost_reduction_takes_the_first_grid_point_reaching_the_target() {
        let grid = [0.0, 1.0, 2.0, 3.0, 4.0];
        let values = [None, Some(0.5), Some(0.8), Some(0.9), Some(0.95)];
        // x = 0.85: target 0.765, first reached at cost 2: (3 − 2)/3 = 33.3 %.
        assert!((cost_reduction(&grid, &values, &ANCHORS, 0.85).unwrap() - 100.0 / 3.0).abs() < 1e-12);
        // x = 0.9: target 0.81, first reached at cost 3: 0 %.
        assert_eq!(cost_reduction(&grid, &values, &ANCHORS, 0.9), Some(0.0));
        // x = 1.1: target 0.99 is never reached.
        assert_eq!(cost_reduction(&grid, &values, &ANCHORS, 1.1), None);
    }

    #[test]
    fn anchors_from_models() {
        let m = |cost, quality| Point { cost, quality };
        let models = [m(2.0, 0.6), m(1.0, 0.4), m(1.0, 0.5), m(4.0, 0.9), m(3.0, 0.9), m(f64::NAN, 1.0)];
        assert_eq!(Anchors::from_models(&models), Some(Anchors { c_low: 1.0, q_low: 0.5, c_exp: 3.0, q_max: 0.9 }));
        assert!((ANCHORS.diagonal(2.0) - 0.7).abs() < 1e-12);
        assert_eq!(Anchors::from_models(&[]), None);
    }
}
