//! Exact two-model cascade frontiers and the pairwise envelope with its switching
//! points.
//!
//! # The pair frontier
//! A pair (L, H) of models runs L on every query and escalates to H iff
//! s_L(x) < τ (strict), paying c_L(x) + 1[s_L(x) < τ]·c_H(x) and getting U_H(x) if
//! escalated, else U_L(x). On a subset of n queries, the set of escalated queries
//! only changes when τ crosses one of L's scores, so every real τ behaves like one
//! of the **candidates**: the distinct values of s_L on the subset, and `+inf`
//! (n_distinct + 1 candidates; `+inf` is not added twice when it is itself a score).
//! The smallest score escalates nothing, each next distinct score escalates one more
//! group of tied queries, `+inf` escalates everything (but a `+inf` score). The pair's
//! frontier is the non-dominated set of those candidates together with the two
//! single-model endpoints (L alone, H alone): **exact** means that no threshold, of
//! any value, reaches a point above it. A threshold point that costs more than H
//! alone and is no better is dominated by H alone and dropped.
//!
//! # Ties and special scores
//! - Escalation is strict: a query scoring exactly τ stays with L; tied scores
//!   always escalate together.
//! - `-inf` is the lowest score: every τ > `-inf` escalates it; τ = `-inf` escalates
//!   nothing. −0.0 and +0.0 are the same score. NaN scores are rejected
//!   ([`PairwiseError::NanConfidence`]), as are NaN qualities and negative or
//!   non-finite costs.
//! - A point is dominated when another costs no more and is no worse, one of them
//!   strictly (as in [`cascadelab_core::Frontier::from_points`]). Between points of
//!   equal cost and quality the simpler policy stays: a model alone before a
//!   cascade, a smaller threshold before a larger one, an earlier pair (in the
//!   pool's order) before a later one.
//!
//! # The grid option
//! [`ThresholdRule::Grid`] reproduces the paper's protocol: `size` thresholds
//! `linspace(min, max)` of the cheap model's scores on the subset. Only finite
//! scores define min and max: `-inf` scores lie below every grid threshold and so
//! always escalate, `+inf` scores never do. When min == max the grid collapses to the
//! single threshold τ = min (duplicate thresholds are dropped), which escalates only
//! the `-inf` scores; when no score is finite the grid is empty and the pair offers
//! its two endpoints only. Note that τ = max never escalates the top score.
//!
//! # Algorithm and complexity
//! For n queries and k pool models with P valid pairs: the columns are copied once
//! into a row-major table (O(nk)); for each distinct cheap model the subset is
//! sorted by its score once (O(n log n), ties by position so the order is total and
//! deterministic); one sweep over that order accumulates, for all of that model's
//! partners at once, the prefix sums of U_H − U_L and c_H and emits each candidate
//! at its cut (O(n) per pair, plus a binary search per grid threshold); the
//! non-dominated filter runs as the points stream out, in cost order (the cost is
//! non-decreasing in τ). The envelope is a k-way merge of the P + 1 cost-sorted
//! streams (the pairs' frontiers and the models alone) with a binary heap:
//! O(F log P) for F frontier points, never a global re-sort.
//!
//! Sums run in a fixed order, so results are deterministic. Single-model points are
//! summed in subset order, exactly as [`cascadelab_core::Evaluator`] does; cascade
//! points agree with the evaluator up to the order of floating-point summation
//! (exactly, for 0/1 quality and costs whose partial sums are exact), and escalating
//! every query gives H's quality exactly.
//!
//! # The envelope
//! [`Envelope`] is Q_env(B) = max over valid pairs of Q*_LH(B), together with every
//! pool model alone (a pool model may be in no valid pair): the non-dominated set of
//! all those points, each naming its route and threshold. Its switching points are
//! the budgets where the route (a model alone, or a pair) changes along it.
//!
//! The [`ENTRY`] solver proposes the same candidates as policies; the engine's
//! frontier of their calibration points is the envelope.
#![deny(missing_docs)]

mod auroc;
mod envelope;
mod solver;
mod sweep;

pub use auroc::confidence_auroc;
pub use envelope::{Envelope, EnvelopePoint, Route, Source, SwitchingPoint};
pub use solver::{ENTRY, PairwiseParams, PairwiseSolver, ThresholdMode};
pub use sweep::{
    PairChoice, PairFrontier, PairPoint, ThresholdRule, candidate_thresholds, pair_frontier, pair_frontiers,
};

/// Why a pair frontier or envelope cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PairwiseError {
    /// The cheap model has no confidence column.
    #[error("model `{0}` has no confidence column; cascades need one")]
    NoConfidence(String),
    /// A confidence score is NaN.
    #[error("model `{model}`: confidence is NaN for query `{query}`")]
    NanConfidence {
        /// The model.
        model: String,
        /// The query id.
        query: String,
    },
    /// A quality that is not a number, or a cost that is not finite and non-negative.
    #[error("model `{model}`: {column} {value} for query `{query}` is not valid")]
    BadValue {
        /// The model.
        model: String,
        /// The query id.
        query: String,
        /// `quality` or `cost`.
        column: &'static str,
        /// The value found.
        value: f64,
    },
    /// No queries to compute on.
    #[error("cannot compute a frontier on an empty set of queries")]
    EmptySubset,
    /// More queries than positions fit in 32 bits.
    #[error("{0} queries are more than this solver handles (at most 2^32 - 1)")]
    TooManyQueries(usize),
    /// A grid of fewer than two thresholds.
    #[error("grid-size must be at least 2, got {0}")]
    GridSize(usize),
    /// A model position outside the dataset.
    #[error("model position {position} is outside the data's {models} models")]
    ModelPosition {
        /// The position.
        position: usize,
        /// Number of models in the dataset.
        models: usize,
    },
    /// A query position outside the dataset.
    #[error("query position {position} is outside the data's {queries} queries")]
    QueryPosition {
        /// The position.
        position: usize,
        /// Number of queries in the dataset.
        queries: usize,
    },
}
