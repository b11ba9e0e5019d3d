//! Theory diagnostics of the paper ("Is Escalation Worth It?", arXiv 2605.06350) on a
//! user's own data: the numbers behind its claims, computed per subset of queries.
//!
//! - [`escalation_benefit`]: m_L(s), m_H(s) and Δ(s) = m_H(s) − m_L(s) of a pair (L, H)
//!   against the cheap model's score, by equal-frequency bins and by isotonic
//!   (pool-adjacent-violators) regression; decreasing-benefit and expected-dominance
//!   regions; the paper's pass test; the analytic slope Δ(τ)/c_H against the slope of
//!   the exact empirical pair frontier; Spearman ρ between s_L and c_H.
//! - [`shadow_prices`]: segment slopes λ = dQ/dB and μ = dC/dq of a frontier and of its
//!   concave hull, vertex intervals and the jumps where the route changes.
//! - [`first_order`]: the k-stage first-order condition G_j/K_j = λ at every interior
//!   boundary of a cascade.
//! - [`plot`]: SVG renderings of the three, as strings.
//!
//! Architecture invariant: this crate reads no files, prints nothing and knows no
//! solver or engine type; inputs are a [`cascadelab_core::Dataset`], query subsets,
//! policies and points. Every result is a serde type with a `summary_markdown()`.
#![deny(missing_docs)]

mod benefit;
mod binning;
mod first_order;
mod isotonic;
mod markdown;
pub mod plot;
mod shadow;
mod stats;

pub use benefit::{
    BenefitBin, BenefitOptions, EscalationBenefit, IsotonicStep, PairCurve, PairSample, ScoreRegion, SlopeCheck,
    WidthBin, benefit_overview_markdown, escalation_benefit, escalation_benefit_of, escalation_benefits, pair_curve,
    pool_benefits,
};
pub use binning::{EqualWidthBins, equal_frequency_bins, interp};
pub use first_order::{Boundary, FirstOrderOptions, FirstOrderReport, LambdaSpread, first_order};
pub use isotonic::{IsotonicBlock, IsotonicFit, isotonic_non_decreasing, isotonic_non_increasing};
pub use shadow::{
    FrontierPrices, PricedPoint, RoutedPoint, Segment, ShadowPrices, Switch, Vertex, shadow_prices,
    shadow_prices_of_frontier, shadow_prices_of_policies,
};
pub use stats::{average_ranks, mean_and_se, spearman};

/// Serde for `Option<f64>` that may be infinite (the core's extended floats).
pub(crate) mod ext_opt {
    use cascadelab_core::float::Ext;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(x) => s.serialize_some(&Ext(*x)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(Option::<Ext>::deserialize(d)?.map(|e| e.0))
    }
}

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a diagnostic could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiagnosticsError {
    /// Input that the diagnostic cannot use, described.
    #[error("{0}")]
    Invalid(String),
    /// A policy that cannot run on the data.
    #[error(transparent)]
    Policy(#[from] cascadelab_core::PolicyError),
    /// The plotting backend failed.
    #[error("plot failed: {0}")]
    Plot(String),
}

/// How many neighbouring queries a local estimate uses on each side of a threshold:
/// `max(min, ceil(fraction · n))`, capped by what is there, where `n` is the number
/// of queries the estimate is taken over.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LocalWindow {
    /// Least number of queries on each side.
    #[serde(default = "LocalWindow::default_min")]
    pub min: usize,
    /// Share of the queries on each side, in [0, 1].
    #[serde(default = "LocalWindow::default_fraction")]
    pub fraction: f64,
}

impl LocalWindow {
    fn default_min() -> usize {
        20
    }
    fn default_fraction() -> f64 {
        0.05
    }

    /// Queries on each side for a population of `n`: `max(min, ceil(fraction · n))`.
    pub fn size(&self, n: usize) -> usize {
        self.min.max((self.fraction * n as f64).ceil() as usize)
    }

    fn check(&self) -> Result<(), DiagnosticsError> {
        if !(0.0..=1.0).contains(&self.fraction) || (self.min == 0 && self.fraction == 0.0) {
            return Err(DiagnosticsError::Invalid(format!(
                "window: fraction must be in [0, 1] and the window non-empty, got min {} and fraction {}",
                self.min, self.fraction
            )));
        }
        Ok(())
    }
}

impl Default for LocalWindow {
    fn default() -> Self {
        Self { min: Self::default_min(), fraction: Self::default_fraction() }
    }
}
