//! Seeded synthetic model pools with closed-form escalation benefit.
//!
//! An experiment file writes `[data] synthetic = { ... }` (a [`SyntheticSpec`]);
//! [`generate`] draws the [`cascadelab_core::Dataset`], and the methods of
//! [`SyntheticSpec`] give the ground truth that empirical results converge to.
//!
//! # The distributions
//!
//! For each query i (independently across queries):
//!
//! - **Latent ease** u ~ Uniform(0, 1): 0 is the hardest query, 1 the easiest.
//! - **Correctness** of model j: U_j ~ Bernoulli(p_j(u)), independent across models
//!   given u (`quality = "bernoulli"`), or U_j = p_j(u) exactly
//!   (`quality = "fractional"`). The curve p_j is the model's `accuracy`:
//!   - `{ shape = "linear", a, b }`: p(u) = a + b·u, with a and a + b in [0, 1];
//!   - `{ shape = "logistic", a, b }`: p(u) = σ(a + b·u), σ(x) = 1/(1 + e^(−x));
//!   - `{ shape = "piecewise", knots = [[0, p0], ..., [1, pk]] }`: linear between
//!     knots (u strictly increasing from 0 to 1, p in [0, 1]); lets a pair have an
//!     increasing-benefit region.
//! - **Raw score** r_j in [0, 1]: r_j = u, except that with probability ρ_j
//!   (`score-noise`) it is an independent Uniform(0, 1) draw. Either way r_j is
//!   Uniform(0, 1), so F(τ) = τ on the raw scale.
//! - **Confidence** (the column a cascade thresholds): k_j·g_j(r_j) with g_j from
//!   `confidence` (`"identity"`: r; `"log"`: ln r, in (−∞, 0] like a log-probability;
//!   `"logit"`: ln(r/(1 − r))) and k_j = `confidence-scale` > 0; raw scores below
//!   `neg-inf-below` are reported as exactly `-inf`. The map is increasing, so a
//!   threshold on the confidence is a threshold on the raw score.
//! - **Cost** in dollars: c_j = `cost`·(1 + a_j·ε + b_j·(2u − 1)), ε ~ Uniform(−1, 1)
//!   independent of everything else, a_j = `cost-noise`, b_j = `cost-slope`,
//!   a_j + |b_j| ≤ 1 so costs stay non-negative. E\[c_j\] = `cost`. With b_j = 0 (the
//!   default) cost is independent of the score, the theory's assumption; b_j ≠ 0
//!   makes cost correlate with the score (to exercise rank-correlation checks).
//! - **Split labels** (with `train-fraction` f): exactly round(f·n) queries, chosen
//!   by a seeded shuffle, are `train`, the rest `test`.
//! - **Features** (with `features = { dim, noise }`): every one of the `dim` columns
//!   is 2u − 1 + σ·z, z ~ N(0, 1) independent, σ = `noise`. With σ = 0 the features
//!   reveal u, so the Bayes-optimal correctness predictor is p̂_j(x) = p_j((x₁ + 1)/2)
//!   (a well-specified logistic regression when p_j is logistic) and the best router
//!   at cost weight w sends a query of ease u to argmax_j p_j(u) − w·E\[c_j\]; its
//!   expected quality and cost are ∫ of p_{j*(u)}(u) and E\[c_{j*(u)} | u\] over u.
//!   With σ > 0 the mean of the columns is a sufficient statistic, 2u − 1 + N(0, σ²/dim).
//!
//! # Closed forms (two models L → H, raw threshold t; ρ = ρ_L)
//!
//! - m_j(s) = E\[U_j | r_L = s\] = (1 − ρ)·p_j(s) + ρ·E\[U_j\]
//!   ([`SyntheticSpec::conditional_quality`]); with ρ = 0 simply p_j(s).
//! - Δ(s) = m_H(s) − m_L(s) ([`SyntheticSpec::benefit`]), Δ'(s)
//!   ([`SyntheticSpec::benefit_derivative`]).
//! - Q(t) = E\[U_L\] + ∫₀ᵗ Δ(s) ds, C(t) = c_L + ∫₀ᵗ E\[c_H | r_L = s\] ds = c_L + c_H·t when
//!   `cost-slope` = 0 ([`SyntheticSpec::closed_form_pair_frontier`]); ∫ p is exact for
//!   every shape ([`Accuracy::integral`]).
//! - dQ/dC = Δ(t)/E\[c_H | r_L = t\] = λ ([`SyntheticSpec::frontier_slope`]), μ = 1/λ;
//!   d²Q/dC² ([`SyntheticSpec::frontier_curvature`]); the pair frontier is concave
//!   wherever Δ is non-increasing.
//! - A cascade with confidence threshold τ = [`SyntheticSpec::reported_score`]`(L, t)`
//!   escalates exactly the queries with r_L < t; [`SyntheticSpec::raw_score`] inverts.
//!
//! # Determinism
//!
//! The same specification gives the same dataset, bit for bit: every draw comes from
//! a `rand_chacha::ChaCha8Rng` seeded with `seed`, one stream per purpose (see
//! [`generate`]'s module). Query ids are `q000001`, `q000002`, ...
#![deny(missing_docs)]

mod generate;
mod spec;
mod truth;

pub use generate::{generate, latent_ease, query_id};
pub use spec::{
    Accuracy, ConfidenceTransform, FeatureSpec, MAX_FEATURE_DIM, MAX_QUERIES, QualityKind, SyntheticModel,
    SyntheticSpec,
};

/// A synthetic specification that cannot be generated; the message names the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SyntheticError(pub String);
