//! Errors of metrics computed from per-query outcomes.

use thiserror::Error;

/// Invalid input to a metric computed from per-query outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MetricError {
    /// Two outcome vectors that should cover the same queries differ in length.
    #[error("outcome vectors differ in length: {left} and {right} queries")]
    LengthMismatch {
        /// Length of the first vector.
        left: usize,
        /// Length of the mismatching vector.
        right: usize,
    },
    /// A cost vector and its quality vector differ in length.
    #[error("policy {policy} has {costs} costs but {qualities} qualities")]
    Ragged {
        /// Position of the policy in the input.
        policy: usize,
        /// Number of costs.
        costs: usize,
        /// Number of qualities.
        qualities: usize,
    },
    /// No query to average over.
    #[error("no query to evaluate")]
    NoQuery,
    /// No model (or policy) given.
    #[error("no model given")]
    NoModel,
}
