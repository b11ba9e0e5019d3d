//! RouterBench (Hu et al. 2024): the non-decreasing convex hull (NDCH) of a
//! router's operating points, AIQ, the zero router and the oracle.
//!
//! NDCH: mixing two policies with probability t reaches every point of the segment
//! between them, and spending more never lowers quality ((c, q) reaches (c' ≥ c, q)).
//! So the NDCH of a set of (cost, quality) points is its upper concave hull from the
//! cheapest point up to the cheapest point of highest quality, then flat; below the
//! cheapest point nothing is affordable. It is built by Andrew's monotone chain
//! ([`cascadelab_core::concave_hull`]), O(n log n); RouterBench's reference code uses
//! a nested loop over all pairs and points (O(n³)) for the same curve.
//!
//! AIQ comes in two definitions, chosen by [`AiqDefinition`]:
//! - [`AiqDefinition::Paper`] (the RouterBench paper, the default): AIQ = 1/(c_max −
//!   c_min) · ∫_{c_min}^{c_max} NDCH(c) dc, over the cost range [c_min, c_max] of all
//!   compared routers' points (for one router, its own range). A router's NDCH is
//!   flat right of its last vertex and counts as zero left of its cheapest point.
//! - [`AiqDefinition::ReferenceCode`] (RouterBench's `calc_AIQ`): each NDCH is
//!   extended flat to C_max, the largest cost among all compared routers' hull
//!   vertices, integrated from the router's own cheapest point, and divided by C_max
//!   (not by a range). When C_max equals the paper's c_max, ReferenceCode = Paper ·
//!   (c_max − c_min)/c_max for every router; points costlier than every hull vertex
//!   (dominated ones) widen the paper's range but not C_max.

use std::borrow::Borrow;

use cascadelab_core::{Outcomes, Point, concave_hull};
use serde::{Deserialize, Serialize};

use crate::MetricError;

/// The non-decreasing convex hull of a set of operating points.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Ndch {
    vertices: Vec<Point>,
    indices: Vec<usize>,
}

impl Ndch {
    /// The NDCH of `points` (NaN points are ignored). O(n log n).
    pub fn new(points: &[Point]) -> Self {
        let indices = concave_hull(points);
        let vertices = indices.iter().map(|&i| points[i]).collect();
        Self { vertices, indices }
    }

    /// The hull's vertices by strictly increasing cost and quality.
    pub fn vertices(&self) -> &[Point] {
        &self.vertices
    }

    /// Positions in the input of the hull's vertices.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// Whether the hull has no vertex (no valid input point).
    pub fn is_empty(&self) -> bool {
        self.vertices.is_empty()
    }

    /// NDCH(cost): linear between vertices, flat right of the last; `None` below
    /// the cheapest vertex (nothing is affordable there) or for NaN.
    pub fn value_at(&self, cost: f64) -> Option<f64> {
        let v = &self.vertices;
        let k = v.partition_point(|p| p.cost <= cost);
        if k == 0 || cost.is_nan() {
            return None;
        }
        if k == v.len() {
            return Some(v[k - 1].quality);
        }
        Some(interpolate(v[k - 1], v[k], cost))
    }

    /// ∫_{lo}^{hi} NDCH(c) dc, counting zero where the hull is undefined (below its
    /// cheapest vertex). Exact for the piecewise-linear hull.
    pub fn area(&self, lo: f64, hi: f64) -> f64 {
        let v = &self.vertices;
        let Some(last) = v.last() else { return 0.0 };
        if hi <= lo {
            return 0.0;
        }
        let mut area = 0.0;
        for w in v.windows(2) {
            let (x0, x1) = (w[0].cost.max(lo), w[1].cost.min(hi));
            if x1 > x0 {
                area += 0.5 * (interpolate(w[0], w[1], x0) + interpolate(w[0], w[1], x1)) * (x1 - x0);
            }
        }
        let start = last.cost.max(lo);
        if hi > start {
            area += last.quality * (hi - start);
        }
        area
    }

    /// The paper's AIQ on an explicit range: ∫_{c_min}^{c_max} NDCH / (c_max − c_min);
    /// `None` if the hull is empty or the range is empty.
    pub fn aiq(&self, c_min: f64, c_max: f64) -> Option<f64> {
        (!self.is_empty() && c_max > c_min).then(|| self.area(c_min, c_max) / (c_max - c_min))
    }
}

fn interpolate(a: Point, b: Point, cost: f64) -> f64 {
    a.quality + (b.quality - a.quality) * (cost - a.cost) / (b.cost - a.cost)
}

/// Which AIQ to compute (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AiqDefinition {
    /// The RouterBench paper: average of the NDCH over the compared routers' common
    /// cost range [c_min, c_max], dividing by c_max − c_min.
    #[default]
    Paper,
    /// RouterBench's reference code: each NDCH from its own cheapest point, extended
    /// flat to the largest hull-vertex cost C_max of the compared routers, divided by
    /// C_max.
    ReferenceCode,
}

/// AIQ of each router (a set of operating points) compared with the others; `None`
/// for a router without a valid point, or where the range is empty.
pub fn aiq<P: AsRef<[Point]>>(routers: &[P], definition: AiqDefinition) -> Vec<Option<f64>> {
    let hulls: Vec<Ndch> = routers.iter().map(|r| Ndch::new(r.as_ref())).collect();
    match definition {
        AiqDefinition::Paper => {
            let costs = routers
                .iter()
                .flat_map(|r| r.as_ref().iter())
                .filter(|p| !p.cost.is_nan() && !p.quality.is_nan())
                .map(|p| p.cost);
            let (c_min, c_max) = costs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), c| (lo.min(c), hi.max(c)));
            hulls.iter().map(|h| h.aiq(c_min, c_max)).collect()
        }
        AiqDefinition::ReferenceCode => {
            let c_max =
                hulls.iter().filter_map(|h| h.vertices.last()).map(|v| v.cost).fold(f64::NEG_INFINITY, f64::max);
            hulls
                .iter()
                .map(|h| {
                    let first = h.vertices.first()?;
                    (c_max > 0.0).then(|| h.area(first.cost, c_max) / c_max)
                })
                .collect()
        }
    }
}

/// RouterBench's zero router: the NDCH of the single models' points (what mixing
/// single models reaches without looking at the query).
pub fn zero_router(models: &[Point]) -> Ndch {
    Ndch::new(models)
}

/// RouterBench's oracle: per query, the cheapest among the models of best quality
/// (with 0/1 quality: the cheapest correct model, or the cheapest model if none is
/// correct); its mean cost and quality. Exact ties go to the earlier model.
pub fn oracle_point<O: Borrow<Outcomes>>(models: &[O]) -> Result<Point, MetricError> {
    let first = models.first().ok_or(MetricError::NoModel)?.borrow();
    let n = first.quality.len();
    for (i, m) in models.iter().enumerate() {
        let m = m.borrow();
        if m.cost.len() != m.quality.len() {
            return Err(MetricError::Ragged { policy: i, costs: m.cost.len(), qualities: m.quality.len() });
        }
        if m.quality.len() != n {
            return Err(MetricError::LengthMismatch { left: n, right: m.quality.len() });
        }
    }
    if n == 0 {
        return Err(MetricError::NoQuery);
    }
    let (mut cost, mut quality) = (0.0, 0.0);
    for q in 0..n {
        let mut best = first;
        for m in &models[1..] {
            let m = m.borrow();
            if m.quality[q] > best.quality[q] || (m.quality[q] == best.quality[q] && m.cost[q] < best.cost[q]) {
                best = m;
            }
        }
        cost += best.cost[q];
        quality += best.quality[q];
    }
    Ok(Point { cost: cost / n as f64, quality: quality / n as f64 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pts(v: &[(f64, f64)]) -> Vec<Point> {
        v.iter().map(|&(cost, quality)| Point { cost, quality }).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn hull_interpolates_then_stays_flat() {
        // (2, 0.55) is below the chord (1, 0.5)–(3, 0.9) (0.7 at cost 2); (4, 0.8) is dominated.
        let h = Ndch::new(&pts(&[(1.0, 0.5), (2.0, 0.55), (3.0, 0.9), (4.0, 0.8)]));
        assert_eq!(h.indices(), &[0, 2]);
        assert_eq!(h.value_at(0.5), None);
        assert!(close(h.value_at(2.0).unwrap(), 0.7));
        assert_eq!(h.value_at(10.0), Some(0.9));
        // Trapezoid 2·(0.5 + 0.9)/2 = 1.4 on [1, 3], then 0.9·2 = 1.8 on [3, 5].
        assert!(close(h.area(0.0, 5.0), 3.2));
        // From 2: 1·(0.7 + 0.9)/2 = 0.8, plus 1.8.
        assert!(close(h.area(2.0, 5.0), 2.6));
        assert!(close(h.aiq(1.0, 5.0).unwrap(), 3.2 / 4.0));
        assert_eq!(Ndch::new(&[]).aiq(0.0, 1.0), None);
    }

    #[test]
    fn the_two_aiq_definitions_differ_as_documented() {
        // A: hull (1, 0.5) → (3, 0.9), then flat; B: hull (2, 0.6) → (6, 0.7).
        let a = pts(&[(1.0, 0.5), (2.0, 0.55), (3.0, 0.9), (4.0, 0.8)]);
        let b = pts(&[(2.0, 0.6), (6.0, 0.7)]);
        // Paper: range [1, 6] of all points. A: 1.4 on [1, 3] + 0.9·3 = 2.7 on [3, 6] = 4.1 → 4.1/5 = 0.82.
        // B: zero on [1, 2), 4·(0.6 + 0.7)/2 = 2.6 on [2, 6] → 2.6/5 = 0.52.
        let paper = aiq(&[&a[..], &b[..]], AiqDefinition::Paper);
        assert!(close(paper[0].unwrap(), 0.82) && close(paper[1].unwrap(), 0.52));
        // Reference code: C_max = max(3, 6) = 6; A: 4.1/6; B: 2.6/6.
        let code = aiq(&[&a[..], &b[..]], AiqDefinition::ReferenceCode);
        assert!(close(code[0].unwrap(), 4.1 / 6.0) && close(code[1].unwrap(), 2.6 / 6.0));
        // Here C_max = c_max, so ReferenceCode = Paper · (c_max − c_min)/c_max = Paper · 5/6.
        for (p, c) in paper.iter().zip(&code) {
            assert!(close(c.unwrap(), p.unwrap() * 5.0 / 6.0));
        }
        // A dominated point at cost 7 widens the paper's range to [1, 7]: A: (4.1 + 0.9)/6, B: (2.6 + 0.7)/6;
        // the reference code's C_max (hull vertices only) stays 6.
        let a7 = [&a[..], &pts(&[(7.0, 0.85)])].concat();
        let paper7 = aiq(&[&a7[..], &b[..]], AiqDefinition::Paper);
        assert!(close(paper7[0].unwrap(), 5.0 / 6.0) && close(paper7[1].unwrap(), 3.3 / 6.0));
        assert_eq!(aiq(&[&a7[..], &b[..]], AiqDefinition::ReferenceCode), code);
    }

    #[test]
    fn zero_router_and_oracle() {
        // Models at (1, 0.5), (2, 0.6), (4, 0.9): the chord (1, 0.5)–(4, 0.9) at cost 2 is
        // 0.5 + 0.4/3 = 0.6333 > 0.6, so the zero router mixes the outer two and skips the middle model.
        let z = zero_router(&pts(&[(1.0, 0.5), (2.0, 0.6), (4.0, 0.9)]));
        assert_eq!(z.indices(), &[0, 2]);
        let m = |cost: Vec<f64>, quality: Vec<f64>| Outcomes { cost, quality };
        let small = m(vec![1.0, 1.0, 1.0], vec![1.0, 0.0, 0.0]);
        let large = m(vec![5.0, 5.0, 5.0], vec![1.0, 1.0, 0.0]);
        // q0: both correct → small ($1); q1: only large ($5); q2: none correct → cheapest, small ($1).
        let o = oracle_point(&[&small, &large]).unwrap();
        assert_eq!(o, Point { cost: 7.0 / 3.0, quality: 2.0 / 3.0 });
        assert_eq!(
            oracle_point(&[&small, &m(vec![1.0], vec![1.0])]),
            Err(MetricError::LengthMismatch { left: 3, right: 1 })
        );
        assert_eq!(oracle_point::<Outcomes>(&[]), Err(MetricError::NoModel));
    }

    /// NDCH(c) by brute force over all points and pairs: the best single point
    /// affordable at c, or the best mixture of two points whose costs straddle c.
    fn brute_ndch(p: &[Point], c: f64) -> Option<f64> {
        let mut best: Option<f64> = None;
        for a in p {
            if a.cost <= c {
                best = Some(best.map_or(a.quality, |b| b.max(a.quality)));
            }
            for b in p {
                if a.cost <= c && c < b.cost {
                    let v = interpolate(*a, *b, c);
                    best = Some(best.map_or(v, |x| x.max(v)));
                }
            }
        }
        best
    }

    proptest! {
        #[test]
        fn monotone_chain_hull_equals_brute_force(raw in proptest::collection::vec((0u8..25, 0u8..25), 1..30)) {
            let p: Vec<Point> = raw.iter().map(|&(c, q)| Point { cost: c as f64, quality: q as f64 / 25.0 }).collect();
            let h = Ndch::new(&p);
            let mut costs: Vec<f64> = p.iter().map(|x| x.cost).collect();
            costs.sort_by(f64::total_cmp);
            costs.dedup();
            let hi = costs[costs.len() - 1] + 2.0;
            let mut probes = costs.clone();
            probes.extend(costs.windows(2).map(|w| 0.5 * (w[0] + w[1])));
            probes.extend([costs[0] - 1.0, hi]);
            for &c in &probes {
                let (fast, slow) = (h.value_at(c), brute_ndch(&p, c));
                prop_assert_eq!(fast.is_some(), slow.is_some(), "at cost {}", c);
                if let (Some(f), Some(s)) = (fast, slow) {
                    prop_assert!((f - s).abs() < 1e-12, "at cost {}: {} vs {}", c, f, s);
                }
            }
            // Brute force is linear between consecutive point costs and flat beyond them.
            let mut knots = costs.clone();
            knots.push(hi);
            let slow_area: f64 = knots
                .windows(2)
                .map(|w| 0.5 * (brute_ndch(&p, w[0]).unwrap() + brute_ndch(&p, w[1]).unwrap()) * (w[1] - w[0]))
                .sum();
            prop_assert!((h.area(costs[0] - 1.0, hi) - slow_area).abs() < 1e-9);
            if hi > costs[0] {
                let slow_aiq = slow_area / (hi - costs[0]);
                prop_assert!((h.aiq(costs[0], hi).unwrap() - slow_aiq).abs() < 1e-12);
            }
        }
    }
}
