//! Metrics of cost-quality curves, as the routing and cascade literature reports
//! them, and paired bootstrap intervals for them.
//!
//! Each module implements one source's metrics exactly as that source defines them
//! (`../shared/docs/paper.md` for the paper, `../shared/docs/metrics.md` for the
//! others); where a source's reference code differs from its paper, the module says
//! which definition it computes, and offers both where both are in use.
//!
//! | module | source | metrics |
//! |---|---|---|
//! | [`paper`] (re-exported) | the paper | Gain, CR@x |
//! | [`routerbench`] | RouterBench | NDCH, AIQ (paper and reference code), zero router, oracle |
//! | [`routellm`] | RouteLLM | PGR, APGR, CPT(x %) as the true first crossing |
//! | [`automix`] | AutoMix | IBC, ΔIBC |
//! | [`cascade_routing`] | ETH SRI cascade routing | AUC, max_diff |
//! | [`routerarena`] | RouterArena | S_β |
//! | [`frugalgpt`] | FrugalGPT | cost reduction to match the best model, MPI |
//! | [`aggregate`] | numpy | nan-ignoring median and percentiles over splits |
//! | [`mod@bootstrap`] | — | paired bootstrap percentile intervals |
//! | [`paper_curves`] | the paper's release | reader of the released held-out curves |
//!
//! Curves on a grid (the paper's metrics) are `grid[i]` costs and `values[i]`
//! qualities, `None` where undefined. Sets of operating points are
//! [`cascadelab_core::Point`]s (mean cost in dollars per query, mean quality).
//!
//! Architecture invariant: nothing here prints; only [`paper_curves`] reads files.
#![deny(missing_docs)]

pub mod aggregate;
pub mod automix;
pub mod bootstrap;
pub mod cascade_routing;
mod error;
pub mod frugalgpt;
pub mod paper;
pub mod paper_curves;
pub mod routellm;
pub mod routerarena;
pub mod routerbench;

pub use aggregate::{median_curve, nanmedian, nanpercentile, percentile_curve};
pub use bootstrap::{BootstrapConfig, BootstrapError, Interval, bootstrap, bootstrap_difference};
pub use error::MetricError;
pub use paper::{Anchors, cost_reduction, gain};
