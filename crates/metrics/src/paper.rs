//! The paper's metrics: Gain over the random-routing diagonal and CR@x.

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
    /// The random-routing diagonal between the two anchors at cost `c`.
    pub fn diagonal(&self, c: f64) -> f64 {
        self.q_low + (self.q_max - self.q_low) * (c - self.c_low) / (self.c_exp - self.c_low)
    }
}

/// Gain = ∫ (Q(c) − diag(c)) dc / ((c_exp − c_low)(q_max − q_low)) over
/// [c_low, c_exp], by the trapezoid rule over the grid points in that range where
/// the curve is defined (consecutive defined points form a trapezoid; an undefined
/// point breaks the chain, as numpy's trapz over the defined points does not: the
/// defined points are joined across gaps, which is what the paper's code computes).
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
