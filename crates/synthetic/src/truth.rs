//! Ground truth: the closed forms of a specification's distributions.
//!
//! Every function works on the *raw score* scale r in [0, 1], where each model's
//! score is Uniform(0, 1) (so F(τ) = τ and f = 1); [`SyntheticSpec::reported_score`]
//! maps a raw threshold to the confidence threshold a [`cascadelab_core::Policy`]
//! uses, and [`SyntheticSpec::raw_score`] maps back. These functions assume the
//! specification passed [`SyntheticSpec::validate`]; model positions out of range
//! are a programming error and panic.

use crate::{Accuracy, ConfidenceTransform, SyntheticSpec};

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 { 1.0 / (1.0 + (-x).exp()) } else { x.exp() / (1.0 + x.exp()) }
}

/// ln(1 + e^x) without overflow.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

impl Accuracy {
    /// p(u), the correctness probability at latent ease u in [0, 1].
    pub fn at(&self, u: f64) -> f64 {
        match *self {
            Accuracy::Linear { a, b } => (a + b * u).clamp(0.0, 1.0),
            Accuracy::Logistic { a, b } => sigmoid(a + b * u),
            Accuracy::Piecewise { ref knots } => {
                let k = knots.partition_point(|kn| kn[0] <= u).clamp(1, knots.len() - 1);
                let ([u0, p0], [u1, p1]) = (knots[k - 1], knots[k]);
                p0 + (p1 - p0) * ((u - u0) / (u1 - u0)).clamp(0.0, 1.0)
            }
        }
    }

    /// p'(u); for a piecewise shape the slope of the segment right of u (left of u = 1).
    pub fn derivative(&self, u: f64) -> f64 {
        match *self {
            Accuracy::Linear { b, .. } => b,
            Accuracy::Logistic { a, b } => {
                let p = sigmoid(a + b * u);
                b * p * (1.0 - p)
            }
            Accuracy::Piecewise { ref knots } => {
                let k = knots.partition_point(|kn| kn[0] <= u).clamp(1, knots.len() - 1);
                let ([u0, p0], [u1, p1]) = (knots[k - 1], knots[k]);
                (p1 - p0) / (u1 - u0)
            }
        }
    }

    /// ∫₀ᵗ p(u) du for t in [0, 1].
    pub fn integral(&self, t: f64) -> f64 {
        let t = t.clamp(0.0, 1.0);
        match *self {
            Accuracy::Linear { a, b } => a * t + 0.5 * b * t * t,
            Accuracy::Logistic { a, b } => {
                if b.abs() < 1e-9 {
                    // Midpoint rule; the error is O(b² t³), below rounding here.
                    sigmoid(a + 0.5 * b * t) * t
                } else {
                    (softplus(a + b * t) - softplus(a)) / b
                }
            }
            Accuracy::Piecewise { ref knots } => {
                let mut area = 0.0;
                for w in knots.windows(2) {
                    let ([u0, p0], [u1, _]) = (w[0], w[1]);
                    if u0 >= t {
                        break;
                    }
                    let end = u1.min(t);
                    area += 0.5 * (p0 + self.at(end)) * (end - u0);
                }
                area
            }
        }
    }

    /// E\[p(u)\] for u ~ Uniform(0, 1): the model's expected accuracy.
    pub fn mean(&self) -> f64 {
        self.integral(1.0)
    }
}

impl SyntheticSpec {
    /// p_j(u): model `j`'s correctness probability at latent ease u.
    pub fn accuracy(&self, j: usize, u: f64) -> f64 {
        self.models[j].accuracy.at(u)
    }

    /// E\[U_j\] = ∫₀¹ p_j(u) du.
    pub fn expected_quality(&self, j: usize) -> f64 {
        self.models[j].accuracy.mean()
    }

    /// E\[c_j\]: the model's mean cost (noise and slope terms have mean zero).
    pub fn expected_cost(&self, j: usize) -> f64 {
        self.models[j].cost
    }

    /// E\[U_j | r_l = s\]: model `j`'s expected quality given model `l`'s raw score s.
    /// With ρ_l = `score-noise` of `l`: (1 − ρ_l)·p_j(s) + ρ_l·E\[U_j\].
    /// m_L(s) is `conditional_quality(l, l, s)`, m_H(s) is `conditional_quality(l, h, s)`.
    pub fn conditional_quality(&self, l: usize, j: usize, s: f64) -> f64 {
        let rho = self.models[l].score_noise;
        (1.0 - rho) * self.accuracy(j, s) + rho * self.expected_quality(j)
    }

    /// E\[c_j | r_l = s\] = c_j·(1 + b_j·(1 − ρ_l)·(2s − 1)) with b_j = `cost-slope`.
    pub fn conditional_cost(&self, l: usize, j: usize, s: f64) -> f64 {
        let (m, rho) = (&self.models[j], self.models[l].score_noise);
        m.cost * (1.0 + m.cost_slope * (1.0 - rho) * (2.0 * s - 1.0))
    }

    /// The escalation benefit Δ(s) = m_H(s) − m_L(s) of the pair (l → h) at raw score s.
    pub fn benefit(&self, l: usize, h: usize, s: f64) -> f64 {
        self.conditional_quality(l, h, s) - self.conditional_quality(l, l, s)
    }

    /// Δ'(s) = (1 − ρ_l)·(p_h'(s) − p_l'(s)).
    pub fn benefit_derivative(&self, l: usize, h: usize, s: f64) -> f64 {
        let m = &self.models;
        (1.0 - m[l].score_noise) * (m[h].accuracy.derivative(s) - m[l].accuracy.derivative(s))
    }

    /// Expected quality Q(t) = E\[U_L\] + ∫₀ᵗ Δ(s) ds of the cascade l → h that
    /// escalates iff l's raw score is below t (t in [0, 1]).
    pub fn pair_quality(&self, l: usize, h: usize, t: f64) -> f64 {
        let t = t.clamp(0.0, 1.0);
        let rho = self.models[l].score_noise;
        let (al, ah) = (&self.models[l].accuracy, &self.models[h].accuracy);
        self.expected_quality(l)
            + (1.0 - rho) * (ah.integral(t) - al.integral(t))
            + rho * t * (self.expected_quality(h) - self.expected_quality(l))
    }

    /// Expected cost C(t) = c_L + ∫₀ᵗ E\[c_H | r_L = s\] ds; with `cost-slope` 0 this
    /// is c_L + c_H·t.
    pub fn pair_cost(&self, l: usize, h: usize, t: f64) -> f64 {
        let t = t.clamp(0.0, 1.0);
        let (mh, rho) = (&self.models[h], self.models[l].score_noise);
        self.models[l].cost + mh.cost * (t + mh.cost_slope * (1.0 - rho) * (t * t - t))
    }

    /// The closed-form point (C(t), Q(t)) of the cascade l → h at raw threshold t.
    pub fn closed_form_pair_frontier(&self, l: usize, h: usize, t: f64) -> (f64, f64) {
        (self.pair_cost(l, h, t), self.pair_quality(l, h, t))
    }

    /// dQ/dC at raw threshold t: Δ(t) / E\[c_H | r_L = t\], which is the shadow price
    /// λ = Δ(τ)/c_H when costs do not depend on the score (its reciprocal is μ).
    pub fn frontier_slope(&self, l: usize, h: usize, t: f64) -> f64 {
        self.benefit(l, h, t) / self.conditional_cost(l, h, t)
    }

    /// dQ/dC of the cascade l → h at expected cost `cost` (the threshold t with
    /// C(t) = `cost`): λ at that budget when the optimal policy there is this cascade;
    /// `None` outside [C(0), C(1)].
    pub fn frontier_slope_at_cost(&self, l: usize, h: usize, cost: f64) -> Option<f64> {
        self.pair_threshold_at_cost(l, h, cost).map(|t| self.frontier_slope(l, h, t))
    }

    /// d²Q/dC² at raw threshold t: (Δ'κ − Δκ') / κ³ with κ(t) = E\[c_H | r_L = t\]
    /// (and f = 1); Δ'(t)/c_H² when costs do not depend on the score.
    pub fn frontier_curvature(&self, l: usize, h: usize, t: f64) -> f64 {
        let (mh, rho) = (&self.models[h], self.models[l].score_noise);
        let kappa = self.conditional_cost(l, h, t);
        let dkappa = mh.cost * mh.cost_slope * (1.0 - rho) * 2.0;
        (self.benefit_derivative(l, h, t) * kappa - self.benefit(l, h, t) * dkappa) / kappa.powi(3)
    }

    /// The raw threshold t with C(t) = `cost` (bisection to machine precision);
    /// `None` when `cost` is outside [C(0), C(1)] or the pair's cost does not grow.
    pub fn pair_threshold_at_cost(&self, l: usize, h: usize, cost: f64) -> Option<f64> {
        let (c0, c1) = (self.pair_cost(l, h, 0.0), self.pair_cost(l, h, 1.0));
        if cost.is_nan() || c1 <= c0 || cost < c0 || cost > c1 {
            return None;
        }
        let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if self.pair_cost(l, h, mid) < cost {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(0.5 * (lo + hi))
    }

    /// The pair's deterministic frontier at `budget`: the best expected quality with
    /// expected cost at most `budget` among L alone, H alone and the cascades l → h
    /// at every threshold; `None` below the cheaper of L alone and H alone. A cascade
    /// costing more than H alone may be beaten by H alone, which this accounts for.
    ///
    /// Q is maximized over [0, t(budget)] at t(budget) or at a zero where Δ turns from
    /// positive to non-positive; zeros are bracketed on a 4096-cell grid and bisected,
    /// so sign changes closer together than 1/4096 may be missed.
    pub fn pair_frontier_at_budget(&self, l: usize, h: usize, budget: f64) -> Option<f64> {
        if budget.is_nan() {
            return None;
        }
        let mut best = (self.expected_cost(h) <= budget).then(|| self.expected_quality(h));
        if budget >= self.pair_cost(l, h, 0.0) {
            let t_max = if budget >= self.pair_cost(l, h, 1.0) {
                1.0
            } else {
                self.pair_threshold_at_cost(l, h, budget).unwrap_or(1.0)
            };
            let mut q = self.pair_quality(l, h, 0.0).max(self.pair_quality(l, h, t_max));
            const CELLS: usize = 4096;
            for i in 0..CELLS {
                let (mut a, mut b) = (t_max * i as f64 / CELLS as f64, t_max * (i + 1) as f64 / CELLS as f64);
                if !(self.benefit(l, h, a) > 0.0 && self.benefit(l, h, b) <= 0.0) {
                    continue;
                }
                for _ in 0..100 {
                    let m = 0.5 * (a + b);
                    if self.benefit(l, h, m) > 0.0 { a = m } else { b = m }
                }
                q = q.max(self.pair_quality(l, h, a));
            }
            best = Some(best.map_or(q, |b: f64| b.max(q)));
        }
        best
    }

    /// The confidence model `j` reports for raw score r: k·g(r), or `-inf` when
    /// r < `neg-inf-below`. A cascade whose first stage is `j` with this value as
    /// threshold escalates exactly the queries with raw score below r (for r at or
    /// above the floor).
    pub fn reported_score(&self, j: usize, r: f64) -> f64 {
        let m = &self.models[j];
        if r < m.neg_inf_below {
            return f64::NEG_INFINITY;
        }
        let g = match m.confidence {
            ConfidenceTransform::Identity => r,
            ConfidenceTransform::Log => r.ln(),
            ConfidenceTransform::Logit => (r / (1.0 - r)).ln(),
        };
        m.confidence_scale * g
    }

    /// The raw score behind a reported confidence (the inverse of
    /// [`SyntheticSpec::reported_score`]); `-inf` maps to 0.
    pub fn raw_score(&self, j: usize, confidence: f64) -> f64 {
        let m = &self.models[j];
        let g = confidence / m.confidence_scale;
        let r = match m.confidence {
            ConfidenceTransform::Identity => g,
            ConfidenceTransform::Log => g.exp(),
            ConfidenceTransform::Logit => sigmoid(g),
        };
        r.clamp(0.0, 1.0)
    }
}
