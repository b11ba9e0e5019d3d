//! The upper concave hull of deterministic policies, every point of it a runnable
//! policy.

use cascadelab_core::{Point, Policy, concave_hull};

use crate::RandomizedError;

/// A hull vertex: one of the input policies and its calibration point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HullVertex {
    /// Position of the policy in the input.
    pub index: usize,
    /// Its calibration point.
    pub point: Point,
}

/// A hull segment between two consecutive vertices; the mixtures of its two
/// policies reach every point on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HullSegment {
    /// The cheaper vertex.
    pub low: HullVertex,
    /// The dearer vertex.
    pub high: HullVertex,
    /// Quality gained per dollar along the segment (the hull's shadow price λ there);
    /// strictly decreasing from one segment to the next.
    pub slope: f64,
}

/// The randomized frontier of a set of deterministic policies: the non-decreasing
/// upper concave hull of their calibration points. A budget between two vertices
/// is met exactly, in expectation, by running the dearer vertex's policy with
/// probability p = (B − c_low)/(c_high − c_low) and the cheaper one otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomizedFrontier {
    policies: Vec<Policy>,
    points: Vec<Point>,
    /// Input positions of the hull vertices, by strictly increasing cost and quality.
    hull: Vec<usize>,
}

impl RandomizedFrontier {
    /// The hull of `policies` whose calibration points are `points` (same order).
    /// O(n log n) for n policies (Andrew's monotone chain on the cost-sorted points).
    pub fn new(policies: Vec<Policy>, points: Vec<Point>) -> Result<Self, RandomizedError> {
        if policies.len() != points.len() {
            return Err(RandomizedError::Length { policies: policies.len(), points: points.len() });
        }
        if policies.is_empty() {
            return Err(RandomizedError::Empty);
        }
        if let Some(i) = points.iter().position(|p| !p.cost.is_finite() || !p.quality.is_finite()) {
            return Err(RandomizedError::NonFinite {
                index: i,
                policy: policies[i].describe(),
                cost: points[i].cost,
                quality: points[i].quality,
            });
        }
        let hull = concave_hull(&points);
        Ok(Self { policies, points, hull })
    }

    /// The input policies.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The input calibration points.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The hull's vertices, by strictly increasing cost and quality: from the
    /// cheapest policy (the best of equally cheap ones) to the cheapest one of
    /// highest quality.
    pub fn vertices(&self) -> Vec<HullVertex> {
        self.hull.iter().map(|&index| HullVertex { index, point: self.points[index] }).collect()
    }

    /// The policies at the vertices, in vertex order.
    pub fn vertex_policies(&self) -> Vec<Policy> {
        self.hull.iter().map(|&i| self.policies[i].clone()).collect()
    }

    /// The hull's segments, in cost order.
    pub fn segments(&self) -> Vec<HullSegment> {
        self.vertices()
            .windows(2)
            .map(|w| HullSegment {
                low: w[0],
                high: w[1],
                slope: (w[1].point.quality - w[0].point.quality) / (w[1].point.cost - w[0].point.cost),
            })
            .collect()
    }

    /// Where `budget` falls: `None` below the cheapest vertex (or NaN); the last
    /// vertex at or beyond its cost; else the vertex at exactly that cost, or the
    /// segment (k, k + 1) and the probability of its dearer vertex.
    fn locate(&self, budget: f64) -> Option<(usize, f64)> {
        let first = self.points[self.hull[0]].cost;
        if budget.is_nan() || budget < first {
            return None;
        }
        // Vertex k is the last one costing at most the budget.
        let k = self.hull.partition_point(|&i| self.points[i].cost <= budget) - 1;
        let lo = self.points[self.hull[k]];
        if k + 1 == self.hull.len() || budget == lo.cost {
            return Some((k, 0.0));
        }
        let hi = self.points[self.hull[k + 1]];
        Some((k, (budget - lo.cost) / (hi.cost - lo.cost)))
    }

    /// The best expected calibration point with expected cost at most `budget`: on
    /// the hull (its cost is `budget`) between the vertices, the last vertex beyond
    /// them; `None` below the cheapest vertex.
    pub fn point_at_budget(&self, budget: f64) -> Option<Point> {
        let (k, p) = self.locate(budget)?;
        let lo = self.points[self.hull[k]];
        if p == 0.0 {
            return Some(lo);
        }
        let hi = self.points[self.hull[k + 1]];
        // The same arithmetic as the evaluator's expectation of a mixture.
        Some(Point { cost: (1.0 - p) * lo.cost + p * hi.cost, quality: (1.0 - p) * lo.quality + p * hi.quality })
    }

    /// The hull's quality at `budget` (see [`RandomizedFrontier::point_at_budget`]).
    pub fn quality_at(&self, budget: f64) -> Option<f64> {
        self.point_at_budget(budget).map(|p| p.quality)
    }

    /// The runnable policy reaching [`RandomizedFrontier::point_at_budget`]: a vertex's
    /// policy at a vertex cost or beyond the last vertex, else a
    /// [`Policy::Mixture`] of the segment's two vertex policies whose expected
    /// calibration cost is `budget`.
    pub fn policy_at_budget(&self, budget: f64) -> Option<Policy> {
        let (k, p) = self.locate(budget)?;
        Some(self.mix(k, p))
    }

    fn mix(&self, k: usize, p_high: f64) -> Policy {
        let low = &self.policies[self.hull[k]];
        if p_high == 0.0 {
            return low.clone();
        }
        Policy::Mixture { low: Box::new(low.clone()), high: Box::new(self.policies[self.hull[k + 1]].clone()), p_high }
    }

    /// `per_segment` mixtures on every segment, at p_high = i/(per_segment + 1) for
    /// i = 1..=per_segment (one: the midpoint), in cost order.
    pub fn mixtures(&self, per_segment: usize) -> Vec<Policy> {
        let mut out = Vec::with_capacity(per_segment * self.hull.len().saturating_sub(1));
        for k in 0..self.hull.len().saturating_sub(1) {
            for i in 1..=per_segment {
                out.push(self.mix(k, i as f64 / (per_segment + 1) as f64));
            }
        }
        out
    }
}
