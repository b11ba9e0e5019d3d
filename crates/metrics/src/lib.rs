//! Metrics of cost-quality curves.
//!
//! Curves here are held-out medians on a common cost grid: `grid[i]` is a cost and
//! `values[i]` the curve's quality there, `None` where the curve is undefined.
//! Definitions follow `../shared/docs/paper.md` (Gain, CR@x) and
//! `../shared/docs/metrics.md` for the metrics of other tools.
#![deny(missing_docs)]

mod paper;

pub use paper::{Anchors, cost_reduction, gain};
