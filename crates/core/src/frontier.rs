//! Frontiers (non-dominated sets of deterministic policies) and curves (polylines of
//! cost against quality, such as held-out medians on a cost grid).
//!
//! A [`Frontier`] is a staircase: a deterministic policy set reaches quality q at
//! budget B iff some point costs at most B and has quality at least q. A [`Curve`]
//! is piecewise linear and may dip (held-out curves do); its first crossing of a
//! quality level is the true first crossing, not an interpolation that assumes the
//! curve increases.

use serde::{Deserialize, Serialize};

use crate::Point;

/// One non-dominated point and the position of the candidate that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    /// Mean cost.
    pub cost: f64,
    /// Mean quality.
    pub quality: f64,
    /// Position of the point in the input the frontier was built from.
    pub index: usize,
}

/// The non-dominated subset of a set of points: by increasing cost, with strictly
/// increasing quality.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Frontier {
    points: Vec<FrontierPoint>,
}

impl Frontier {
    /// The non-dominated subset of `points` (NaN points are ignored). A point is
    /// dominated when another costs no more and is no worse, one of them strictly;
    /// among exact duplicates the first in input order is kept.
    pub fn from_points(points: &[Point]) -> Self {
        let mut order: Vec<usize> =
            (0..points.len()).filter(|&i| !points[i].cost.is_nan() && !points[i].quality.is_nan()).collect();
        order.sort_by(|&a, &b| {
            let (pa, pb) = (points[a], points[b]);
            pa.cost.total_cmp(&pb.cost).then(pb.quality.total_cmp(&pa.quality)).then(a.cmp(&b))
        });
        let mut out: Vec<FrontierPoint> = Vec::new();
        for i in order {
            let p = points[i];
            if out.last().is_none_or(|last| p.quality > last.quality) {
                out.push(FrontierPoint { cost: p.cost, quality: p.quality, index: i });
            }
        }
        Self { points: out }
    }

    /// The frontier's points, by increasing cost.
    pub fn points(&self) -> &[FrontierPoint] {
        &self.points
    }

    /// Whether the frontier has no point.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The best quality with cost at most `budget`; `None` below the cheapest point.
    pub fn quality_at(&self, budget: f64) -> Option<f64> {
        let k = self.points.partition_point(|p| p.cost <= budget);
        k.checked_sub(1).map(|i| self.points[i].quality)
    }

    /// The point that serves `budget`: the best one with cost at most `budget`.
    pub fn point_at(&self, budget: f64) -> Option<FrontierPoint> {
        let k = self.points.partition_point(|p| p.cost <= budget);
        k.checked_sub(1).map(|i| self.points[i])
    }

    /// The least cost reaching quality at least `quality`; `None` if none does.
    pub fn cost_for(&self, quality: f64) -> Option<f64> {
        self.points.iter().find(|p| p.quality >= quality).map(|p| p.cost)
    }

    /// Area under the staircase between `lo` and `hi` (budget axis); where no point
    /// is affordable the staircase counts as zero.
    pub fn area(&self, lo: f64, hi: f64) -> f64 {
        if hi <= lo {
            return 0.0;
        }
        let mut area = 0.0;
        for (i, p) in self.points.iter().enumerate() {
            let start = p.cost.max(lo);
            let end = self.points.get(i + 1).map_or(hi, |n| n.cost.min(hi));
            if end > start {
                area += p.quality * (end - start);
            }
        }
        area
    }

    /// The staircase as a curve: each point, then a step at the next point's cost.
    pub fn to_step_curve(&self, hi: f64) -> Curve {
        let mut c = Curve::default();
        for (i, p) in self.points.iter().enumerate() {
            c.cost.push(p.cost);
            c.quality.push(p.quality);
            let end = self.points.get(i + 1).map_or(hi.max(p.cost), |n| n.cost);
            if end > p.cost {
                c.cost.push(end);
                c.quality.push(p.quality);
            }
        }
        c
    }
}

/// A polyline of (cost, quality) by non-decreasing cost; it may dip.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Curve {
    /// Cost of each vertex, non-decreasing.
    pub cost: Vec<f64>,
    /// Quality of each vertex.
    pub quality: Vec<f64>,
}

impl Curve {
    /// A curve through `points`, sorted by cost (stable, so equal costs keep their
    /// input order).
    pub fn from_points(points: &[Point]) -> Self {
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by(|&a, &b| points[a].cost.total_cmp(&points[b].cost));
        Self {
            cost: order.iter().map(|&i| points[i].cost).collect(),
            quality: order.iter().map(|&i| points[i].quality).collect(),
        }
    }

    /// Linear interpolation at `cost`; `None` outside the curve's cost range. At a
    /// vertical step (two vertices of equal cost) the higher quality is returned.
    pub fn value_at(&self, cost: f64) -> Option<f64> {
        let n = self.cost.len();
        if n == 0 || cost < self.cost[0] || cost > self.cost[n - 1] || cost.is_nan() {
            return None;
        }
        let hi = self.cost.partition_point(|&c| c <= cost);
        let lo = self.cost.partition_point(|&c| c < cost);
        if lo < hi {
            // Vertices exactly at `cost`.
            return self.quality[lo..hi].iter().copied().reduce(f64::max);
        }
        let (a, b) = (lo - 1, lo);
        let t = (cost - self.cost[a]) / (self.cost[b] - self.cost[a]);
        Some(self.quality[a] + t * (self.quality[b] - self.quality[a]))
    }

    /// Values on a grid of costs (`None` where the curve is undefined).
    pub fn on_grid(&self, grid: &[f64]) -> Vec<Option<f64>> {
        grid.iter().map(|&c| self.value_at(c)).collect()
    }

    /// The least cost at which the curve reaches `level`: the true first crossing,
    /// interpolated within the first segment that crosses, whatever the curve does
    /// afterwards.
    pub fn first_crossing(&self, level: f64) -> Option<f64> {
        for i in 0..self.cost.len() {
            if self.quality[i] >= level {
                if i == 0 || self.quality[i - 1] >= level {
                    return Some(self.cost[i]);
                }
                let (c0, c1, q0, q1) = (self.cost[i - 1], self.cost[i], self.quality[i - 1], self.quality[i]);
                return Some(c0 + (level - q0) / (q1 - q0) * (c1 - c0));
            }
        }
        None
    }

    /// Trapezoid area between `lo` and `hi`, over the part of that range where the
    /// curve is defined.
    pub fn area(&self, lo: f64, hi: f64) -> f64 {
        let mut xs: Vec<f64> = vec![lo, hi];
        xs.extend(self.cost.iter().copied().filter(|&c| c > lo && c < hi));
        xs.sort_by(f64::total_cmp);
        let mut area = 0.0;
        for w in xs.windows(2) {
            let (a, b) = (w[0], w[1]);
            if b <= a {
                continue;
            }
            // Evaluate just inside the segment so vertical steps do not leak.
            if let (Some(ya), Some(yb)) = (self.value_right(a), self.value_left(b)) {
                area += 0.5 * (ya + yb) * (b - a);
            }
        }
        area
    }

    fn value_left(&self, cost: f64) -> Option<f64> {
        let k = self.cost.partition_point(|&c| c < cost);
        if k < self.cost.len() && self.cost[k] == cost {
            return Some(self.quality[k]);
        }
        self.value_at(cost)
    }

    fn value_right(&self, cost: f64) -> Option<f64> {
        let k = self.cost.partition_point(|&c| c <= cost);
        if k > 0 && self.cost[k - 1] == cost {
            return Some(self.quality[k - 1]);
        }
        self.value_at(cost)
    }
}

/// Vertices of the non-decreasing upper concave hull of `points` (RouterBench's
/// NDCH, the frontier of all randomized mixtures): positions into `points`, by
/// increasing cost, from the cheapest point (the best among equally cheap ones) to
/// the cheapest point of highest quality. Andrew's monotone chain, O(n log n).
/// Collinear middle points are dropped; NaN points are ignored.
pub fn concave_hull(points: &[Point]) -> Vec<usize> {
    // The non-dominated staircase already has the hull's vertices among its points.
    let frontier = Frontier::from_points(points);
    let mut hull: Vec<FrontierPoint> = Vec::with_capacity(frontier.points.len());
    for &p in &frontier.points {
        while hull.len() >= 2 {
            let (a, b) = (hull[hull.len() - 2], hull[hull.len() - 1]);
            // Drop b unless it lies strictly above the chord from a to p.
            let cross = (b.cost - a.cost) * (p.quality - a.quality) - (b.quality - a.quality) * (p.cost - a.cost);
            if cross >= 0.0 {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push(p);
    }
    hull.into_iter().map(|p| p.index).collect()
}

/// `n` evenly spaced costs from `lo` to `hi` inclusive (numpy's `linspace`).
pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    match n {
        0 => vec![],
        1 => vec![lo],
        _ => {
            let step = (hi - lo) / (n - 1) as f64;
            (0..n).map(|i| if i == n - 1 { hi } else { lo + step * i as f64 }).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[(f64, f64)]) -> Vec<Point> {
        v.iter().map(|&(cost, quality)| Point { cost, quality }).collect()
    }

    #[test]
    fn frontier_keeps_only_non_dominated_points() {
        let f = Frontier::from_points(&pts(&[(2.0, 0.5), (1.0, 0.5), (3.0, 0.9), (1.0, 0.4), (4.0, 0.9), (2.5, 0.7)]));
        let kept: Vec<usize> = f.points().iter().map(|p| p.index).collect();
        assert_eq!(kept, vec![1, 5, 2]);
        assert_eq!(f.quality_at(0.5), None);
        assert_eq!(f.quality_at(2.9), Some(0.7));
        assert_eq!(f.cost_for(0.6), Some(2.5));
        assert_eq!(f.cost_for(0.95), None);
        // 0.5 on [1, 2.5) + 0.7 on [2.5, 3) + 0.9 on [3, 4].
        assert!((f.area(1.0, 4.0) - (0.75 + 0.35 + 0.9)).abs() < 1e-12);
    }

    #[test]
    fn first_crossing_is_true_on_a_curve_that_dips() {
        // Crosses 0.5 between cost 1 and 2, dips, comes back later.
        let c = Curve { cost: vec![0.0, 1.0, 2.0, 3.0, 4.0], quality: vec![0.0, 0.4, 0.6, 0.2, 0.9] };
        assert!((c.first_crossing(0.5).unwrap() - 1.5).abs() < 1e-12);
        assert!((c.first_crossing(0.7).unwrap() - (3.0 + 0.5 / 0.7)).abs() < 1e-12);
        assert_eq!(c.first_crossing(0.95), None);
        assert_eq!(c.first_crossing(0.0), Some(0.0));
    }

    #[test]
    fn curve_interpolates_and_integrates() {
        let c = Curve { cost: vec![1.0, 2.0, 2.0, 4.0], quality: vec![0.0, 1.0, 0.5, 0.5] };
        assert_eq!(c.value_at(0.5), None);
        assert_eq!(c.value_at(1.5), Some(0.5));
        assert_eq!(c.value_at(2.0), Some(1.0));
        assert_eq!(c.value_at(3.0), Some(0.5));
        // Triangle 0.5 on [1, 2] then 0.5 × 2 on [2, 4].
        assert!((c.area(0.0, 10.0) - 1.5).abs() < 1e-12);
        assert_eq!(linspace(0.0, 1.0, 5), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    }

    #[test]
    fn concave_hull_skips_points_below_chords() {
        // (2, 0.55) lies below the chord (1, 0.5)-(3, 0.9); (4, 0.95) is on the hull; (5, 0.95) is dominated.
        let p = pts(&[(1.0, 0.5), (2.0, 0.55), (3.0, 0.9), (4.0, 0.95), (5.0, 0.95), (0.5, 0.1)]);
        assert_eq!(concave_hull(&p), vec![5, 0, 2, 3]);
    }

    proptest::proptest! {
        #[test]
        fn concave_hull_is_concave_and_covers_every_point(
            raw in proptest::collection::vec((0u8..20, 0u8..20), 1..40)
        ) {
            let p: Vec<Point> = raw.iter().map(|&(c, q)| Point { cost: c as f64, quality: q as f64 }).collect();
            let h = concave_hull(&p);
            let v: Vec<Point> = h.iter().map(|&i| p[i]).collect();
            for w in v.windows(3) {
                let s1 = (w[1].quality - w[0].quality) / (w[1].cost - w[0].cost);
                let s2 = (w[2].quality - w[1].quality) / (w[2].cost - w[1].cost);
                proptest::prop_assert!(s2 < s1, "slopes must fall strictly: {s1} then {s2}");
            }
            let curve = Curve::from_points(&v);
            let top = v.last().unwrap().quality;
            for q in &p {
                // Every point is on or below the hull (or beyond its last vertex, where the hull stays flat).
                let hv = if q.cost >= v.last().unwrap().cost { Some(top) } else { curve.value_at(q.cost) };
                if let Some(hv) = hv {
                    proptest::prop_assert!(q.quality <= hv + 1e-12);
                } else {
                    proptest::prop_assert!(q.cost < v[0].cost || (q.cost == v[0].cost && q.quality <= v[0].quality));
                }
            }
        }
    }
}
