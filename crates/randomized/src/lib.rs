//! Randomized threshold policies: the upper concave hull of deterministic policies,
//! every hull point a runnable policy.
//!
//! Running policy A with probability 1 − p and policy B with probability p costs and
//! earns, in expectation, the same mixture of A's and B's points. So the frontier of
//! all randomized policies over a set of deterministic ones is the non-decreasing
//! upper concave hull of their points (RouterBench's NDCH). Where a pair's
//! escalation benefit Δ(s) increases (the deterministic frontier is convex there),
//! the hull lies strictly above every threshold policy; where Δ is non-increasing
//! the frontier is already concave and the hull adds nothing.
//!
//! [`RandomizedFrontier`] takes deterministic policies with their calibration
//! points, builds the hull (O(n log n), [`cascadelab_core::concave_hull`]) and
//! returns, for any budget B between two vertices, the [`Policy::Mixture`] of the
//! two vertex policies with p_high = (B − c_low)/(c_high − c_low), whose expected
//! calibration cost is exactly B. Because a mixture is evaluated in expectation, its
//! held-out point is the same mixture of its vertices' held-out points.
//!
//! The [`ENTRY`] solver (`kind = "randomized"`) hulls the candidates of a base
//! solver (`pairwise` or `k-stage`, built through their registry entries) and
//! proposes the vertices plus `mixtures-per-segment` mixtures on each segment.
//!
//! [`Policy::Mixture`]: cascadelab_core::Policy::Mixture
#![deny(missing_docs)]

mod hull;
mod solver;

pub use hull::{HullSegment, HullVertex, RandomizedFrontier};
pub use solver::{BaseSolver, ENTRY, MAX_MIXTURES_PER_SEGMENT, RandomizedParams, RandomizedSolver};

/// Why a randomized frontier cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RandomizedError {
    /// Policies and points do not pair up.
    #[error("{policies} policies but {points} points; each policy needs its point")]
    Length {
        /// Number of policies.
        policies: usize,
        /// Number of points.
        points: usize,
    },
    /// Nothing to hull.
    #[error("no policy to build a hull from")]
    Empty,
    /// A point with a NaN or infinite coordinate.
    #[error("candidate {index} ({policy}) has a non-finite point: cost {cost}, quality {quality}")]
    NonFinite {
        /// Position of the policy.
        index: usize,
        /// The policy, described.
        policy: String,
        /// Its cost.
        cost: f64,
        /// Its quality.
        quality: f64,
    },
}
