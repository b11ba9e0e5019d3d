//! Shadow prices of a frontier.
//!
//! Between consecutive frontier points the slope λ = ΔQ/ΔC is the shadow price of
//! the budget problem (max Q s.t. C ≤ B: λ = dQ*/dB) and μ = ΔC/ΔQ that of the
//! quality problem (min C s.t. Q ≥ q: μ = dC*/dq); μ = 1/λ, which is checked. At a
//! vertex the price is an interval between the left and right slopes. Where the
//! route of consecutive points changes (the envelope's switching points) the price
//! generically jumps.
//!
//! Two versions are computed: the raw frontier, read as the polyline through its
//! non-dominated points, and its concave hull (the frontier of randomized mixtures),
//! where slopes are non-increasing and λ is exactly the Lagrange multiplier.

use cascadelab_core::{Frontier, Point, Policy, concave_hull};
use serde::{Deserialize, Serialize};

use crate::DiagnosticsError;
use crate::markdown::{fixed, opt_sci, sci, table};

/// A point and the route of the policy behind it ([`Policy::route`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutedPoint {
    /// Mean cost.
    pub cost: f64,
    /// Mean quality.
    pub quality: f64,
    /// The route label.
    pub route: String,
}

/// A frontier point with its route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricedPoint {
    /// Position of the point in the input.
    pub index: usize,
    /// Mean cost.
    pub cost: f64,
    /// Mean quality.
    pub quality: f64,
    /// The route label.
    pub route: String,
}

/// The segment between points `segment` and `segment + 1` of one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Position of the segment (its left point's position in the version's points).
    pub segment: usize,
    /// Budget at the left end.
    pub budget_lo: f64,
    /// Budget at the right end.
    pub budget_hi: f64,
    /// Quality at the left end.
    pub quality_lo: f64,
    /// Quality at the right end.
    pub quality_hi: f64,
    /// λ = ΔQ/ΔC: quality bought per extra dollar (budget problem).
    pub lambda: f64,
    /// μ = ΔC/ΔQ: dollars per extra unit of quality (quality problem).
    pub mu: f64,
    /// |λ·μ − 1|.
    pub lambda_mu_error: f64,
}

/// The price interval at one point of a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vertex {
    /// Position of the point in the version's points.
    pub point: usize,
    /// Its budget.
    pub cost: f64,
    /// Its quality.
    pub quality: f64,
    /// Its route.
    pub route: String,
    /// Slope of the segment ending here; `None` at the cheapest point (no cheaper
    /// policy: the budget problem's price is unbounded there).
    pub left: Option<f64>,
    /// Slope of the segment starting here; `None` at the last point (more budget buys
    /// nothing: the price is 0 beyond it).
    pub right: Option<f64>,
    /// Lower end of the interval spanned by the available slopes.
    pub lo: Option<f64>,
    /// Upper end of that interval.
    pub hi: Option<f64>,
}

/// Where the route changes between consecutive points of a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Switch {
    /// The segment that bridges the two routes.
    pub segment: usize,
    /// Budget of the last point on the old route.
    pub budget_before: f64,
    /// Budget of the first point on the new route: from here the new route serves.
    pub budget: f64,
    /// The old route.
    pub route_before: String,
    /// The new route.
    pub route_after: String,
    /// Slope of the segment ending at the last old-route point (`None` if it is the first point).
    pub slope_before: Option<f64>,
    /// Slope of the bridging segment.
    pub slope_bridge: f64,
    /// Slope of the segment starting at the first new-route point (`None` if it is the last point).
    pub slope_after: Option<f64>,
    /// slope_after − slope_before.
    pub jump: Option<f64>,
}

/// Shadow prices along one version of a frontier (raw or hull).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierPrices {
    /// The points, by increasing cost (and quality).
    pub points: Vec<PricedPoint>,
    /// One segment between each two consecutive points.
    pub segments: Vec<Segment>,
    /// The price interval at every point.
    pub vertices: Vec<Vertex>,
    /// Route changes along the points.
    pub switches: Vec<Switch>,
    /// Largest |λ·μ − 1| over segments (0 without segments).
    pub max_lambda_mu_error: f64,
    /// Whether the slopes never rise (up to a relative 1e-9); always true on the hull.
    pub slopes_non_increasing: bool,
}

/// Shadow prices of a frontier and of its concave hull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowPrices {
    /// The non-dominated points, read as a polyline.
    pub raw: FrontierPrices,
    /// The vertices of the concave hull (the frontier of randomized mixtures).
    pub hull: FrontierPrices,
}

impl FrontierPrices {
    fn new(points: Vec<PricedPoint>) -> Self {
        let segments: Vec<Segment> = points
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                let (dc, dq) = (w[1].cost - w[0].cost, w[1].quality - w[0].quality);
                let (lambda, mu) = (dq / dc, dc / dq);
                Segment {
                    segment: i,
                    budget_lo: w[0].cost,
                    budget_hi: w[1].cost,
                    quality_lo: w[0].quality,
                    quality_hi: w[1].quality,
                    lambda,
                    mu,
                    lambda_mu_error: (lambda * mu - 1.0).abs(),
                }
            })
            .collect();
        let slope = |i: Option<usize>| i.and_then(|i| segments.get(i)).map(|s| s.lambda);
        let vertices = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (left, right) = (slope(i.checked_sub(1)), slope(Some(i)));
                let both = [left, right];
                let available = both.iter().flatten();
                Vertex {
                    point: i,
                    cost: p.cost,
                    quality: p.quality,
                    route: p.route.clone(),
                    left,
                    right,
                    lo: available.clone().copied().reduce(f64::min),
                    hi: available.copied().reduce(f64::max),
                }
            })
            .collect();
        let switches = points
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0].route != w[1].route)
            .map(|(i, w)| {
                let (before, after) = (slope(i.checked_sub(1)), slope(Some(i + 1)));
                Switch {
                    segment: i,
                    budget_before: w[0].cost,
                    budget: w[1].cost,
                    route_before: w[0].route.clone(),
                    route_after: w[1].route.clone(),
                    slope_before: before,
                    slope_bridge: segments[i].lambda,
                    slope_after: after,
                    jump: before.zip(after).map(|(b, a)| a - b),
                }
            })
            .collect();
        let max_lambda_mu_error = segments.iter().map(|s| s.lambda_mu_error).fold(0.0, f64::max);
        let slopes_non_increasing =
            segments.windows(2).all(|w| w[1].lambda <= w[0].lambda + 1e-9 * w[0].lambda.abs().max(f64::MIN_POSITIVE));
        Self { points, segments, vertices, switches, max_lambda_mu_error, slopes_non_increasing }
    }

    /// The segment that serves `budget`: the one with budget_lo ≤ budget < budget_hi
    /// (the last segment also takes its right end); `None` outside the points' range.
    pub fn segment_at(&self, budget: f64) -> Option<&Segment> {
        let last = self.segments.last()?;
        if budget == last.budget_hi {
            return Some(last);
        }
        let k = self.segments.partition_point(|s| s.budget_lo <= budget);
        k.checked_sub(1).map(|i| &self.segments[i]).filter(|s| budget < s.budget_hi)
    }

    fn summary_rows(&self) -> Vec<Vec<String>> {
        self.switches
            .iter()
            .map(|s| {
                vec![
                    sci(s.budget),
                    s.route_before.clone(),
                    s.route_after.clone(),
                    opt_sci(s.slope_before),
                    sci(s.slope_bridge),
                    opt_sci(s.slope_after),
                    opt_sci(s.jump),
                ]
            })
            .collect()
    }
}

/// Shadow prices of the frontier of `points`: the non-dominated ones
/// ([`Frontier::from_points`]) and their concave hull ([`concave_hull`]).
pub fn shadow_prices(points: &[RoutedPoint]) -> Result<ShadowPrices, DiagnosticsError> {
    let plain: Vec<Point> = points.iter().map(|p| Point { cost: p.cost, quality: p.quality }).collect();
    let routes: Vec<String> = points.iter().map(|p| p.route.clone()).collect();
    shadow_prices_of_frontier(&Frontier::from_points(&plain), &routes)
}

/// Shadow prices of `frontier`, whose point indices refer to `routes` (one route per
/// input point the frontier was built from).
pub fn shadow_prices_of_frontier(frontier: &Frontier, routes: &[String]) -> Result<ShadowPrices, DiagnosticsError> {
    let raw: Vec<PricedPoint> = frontier
        .points()
        .iter()
        .map(|p| {
            let route = routes.get(p.index).ok_or_else(|| {
                DiagnosticsError::Invalid(format!(
                    "frontier point {} has no route ({} routes given)",
                    p.index,
                    routes.len()
                ))
            })?;
            Ok(PricedPoint { index: p.index, cost: p.cost, quality: p.quality, route: route.clone() })
        })
        .collect::<Result<_, DiagnosticsError>>()?;
    if let Some(p) = raw.iter().find(|p| !p.cost.is_finite() || !p.quality.is_finite()) {
        return Err(DiagnosticsError::Invalid(format!("frontier point {} is not finite", p.index)));
    }
    // A frontier read back from JSON could be anything; slopes need both coordinates to rise.
    if let Some(w) = raw.windows(2).find(|w| !(w[1].cost > w[0].cost && w[1].quality > w[0].quality)) {
        return Err(DiagnosticsError::Invalid(format!(
            "frontier points {} and {} do not rise in both cost and quality",
            w[0].index, w[1].index
        )));
    }
    let plain: Vec<Point> = raw.iter().map(|p| Point { cost: p.cost, quality: p.quality }).collect();
    let hull: Vec<PricedPoint> = concave_hull(&plain).into_iter().map(|i| raw[i].clone()).collect();
    Ok(ShadowPrices { raw: FrontierPrices::new(raw), hull: FrontierPrices::new(hull) })
}

/// Shadow prices of the frontier of evaluated `policies` (one point each), routes
/// from [`Policy::route`].
pub fn shadow_prices_of_policies(points: &[Point], policies: &[Policy]) -> Result<ShadowPrices, DiagnosticsError> {
    if points.len() != policies.len() {
        return Err(DiagnosticsError::Invalid(format!(
            "{} points but {} policies; shadow prices need one policy per point",
            points.len(),
            policies.len()
        )));
    }
    let routes: Vec<String> = policies.iter().map(Policy::route).collect();
    shadow_prices_of_frontier(&Frontier::from_points(points), &routes)
}

impl ShadowPrices {
    /// A compact Markdown report: headline numbers, the switching points of both
    /// versions and the hull's segments (at most 40 rows; the JSON has them all).
    pub fn summary_markdown(&self) -> String {
        let mut out = String::new();
        for (name, v) in [("raw frontier", &self.raw), ("concave hull", &self.hull)] {
            out.push_str(&format!(
                "- {name}: {} points, {} segments, {} route switches, max |λμ − 1| = {}, slopes non-increasing: {}\n",
                v.points.len(),
                v.segments.len(),
                v.switches.len(),
                sci(v.max_lambda_mu_error),
                if v.slopes_non_increasing { "yes" } else { "no" }
            ));
        }
        let header = ["budget", "route before", "route after", "λ before", "λ bridge", "λ after", "jump"];
        for (name, v) in [("raw frontier", &self.raw), ("concave hull", &self.hull)] {
            out.push_str(&format!("\nSwitching points on the {name}\n\n"));
            out.push_str(&table(&header, &v.summary_rows()));
        }
        out.push_str("\nHull segments\n\n");
        let rows: Vec<Vec<String>> = self
            .hull
            .segments
            .iter()
            .take(40)
            .map(|s| {
                vec![
                    sci(s.budget_lo),
                    sci(s.budget_hi),
                    fixed(s.quality_lo, 4),
                    fixed(s.quality_hi, 4),
                    sci(s.lambda),
                    sci(s.mu),
                    self.hull.points[s.segment + 1].route.clone(),
                ]
            })
            .collect();
        out.push_str(&table(
            &["budget from", "budget to", "quality from", "quality to", "λ", "μ", "route at end"],
            &rows,
        ));
        if self.hull.segments.len() > 40 {
            out.push_str(&format!("\n… {} more segments in the JSON output\n", self.hull.segments.len() - 40));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rp(cost: f64, quality: f64, route: &str) -> RoutedPoint {
        RoutedPoint { cost, quality, route: route.into() }
    }

    /// Frontier (dyadic numbers, so collinearity is exact): a(1, 0.25), a(2, 0.375),
    /// b(3, 0.4375), b(5, 0.5), c(6, 0.53125); plus a dominated point b(4, 0.4) that must
    /// not count. Slopes 0.125, 0.0625, 0.03125, 0.03125.
    fn hand_made() -> Vec<RoutedPoint> {
        vec![
            rp(2.0, 0.375, "a"),
            rp(1.0, 0.25, "a"),
            rp(4.0, 0.4, "b"),
            rp(3.0, 0.4375, "b"),
            rp(5.0, 0.5, "b"),
            rp(6.0, 0.53125, "c"),
        ]
    }

    #[test]
    fn segment_slopes_vertex_intervals_and_switches_on_a_hand_made_frontier() {
        let sp = shadow_prices(&hand_made()).unwrap();
        let raw = &sp.raw;
        let idx: Vec<usize> = raw.points.iter().map(|p| p.index).collect();
        assert_eq!(idx, vec![1, 0, 3, 4, 5]);
        let lambdas: Vec<f64> = raw.segments.iter().map(|s| s.lambda).collect();
        assert_eq!(lambdas, vec![0.125, 0.0625, 0.03125, 0.03125]);
        let mus: Vec<f64> = raw.segments.iter().map(|s| s.mu).collect();
        assert_eq!(mus, vec![8.0, 16.0, 32.0, 32.0]);
        assert_eq!(raw.max_lambda_mu_error, 0.0);
        // Vertex at (2, 0.375): left 0.125, right 0.0625, interval [0.0625, 0.125]; ends are one-sided.
        let v = &raw.vertices[1];
        assert_eq!((v.left, v.right, v.lo, v.hi), (Some(0.125), Some(0.0625), Some(0.0625), Some(0.125)));
        assert_eq!((raw.vertices[0].left, raw.vertices[0].right), (None, Some(0.125)));
        assert_eq!(
            (raw.vertices[4].right, raw.vertices[4].lo, raw.vertices[4].hi),
            (None, Some(0.03125), Some(0.03125))
        );
        // Switches a → b between budgets 2 and 3, b → c between 5 and 6.
        assert_eq!(raw.switches.len(), 2);
        let s = &raw.switches[0];
        assert_eq!((s.route_before.as_str(), s.route_after.as_str(), s.budget_before, s.budget), ("a", "b", 2.0, 3.0));
        assert_eq!((s.slope_before, s.slope_bridge, s.slope_after), (Some(0.125), 0.0625, Some(0.03125)));
        assert_eq!(s.jump, Some(-0.09375));
        let s = &raw.switches[1];
        assert_eq!((s.route_before.as_str(), s.route_after.as_str(), s.segment), ("b", "c", 3));
        assert_eq!((s.slope_before, s.slope_after, s.jump), (Some(0.03125), None, None));
        // Hull: (3, 0.4375), (5, 0.5), (6, 0.53125) are collinear, so the hull drops the
        // middle one; the b → c switch is then bridged by the slope 0.09375 / 3.
        let hull_idx: Vec<usize> = sp.hull.points.iter().map(|p| p.index).collect();
        assert_eq!(hull_idx, vec![1, 0, 3, 5]);
        assert!(sp.hull.slopes_non_increasing);
        assert_eq!(sp.hull.switches.len(), 2);
        assert_eq!(sp.hull.switches[1].slope_bridge, 0.03125);
        assert_eq!(sp.hull.switches[1].slope_before, Some(0.0625));
        // Budget lookups.
        assert_eq!(raw.segment_at(2.5).unwrap().segment, 1);
        assert_eq!(raw.segment_at(2.0).unwrap().segment, 1);
        assert_eq!(raw.segment_at(6.0).unwrap().segment, 3);
        assert!(raw.segment_at(0.5).is_none() && raw.segment_at(7.0).is_none());
    }

    #[test]
    fn raw_slopes_may_rise_but_hull_slopes_never_do() {
        // (2, 0.55) is below the chord: raw slopes 0.05 then 0.35 rise.
        let pts = vec![rp(1.0, 0.5, "a"), rp(2.0, 0.55, "a"), rp(3.0, 0.9, "b")];
        let sp = shadow_prices(&pts).unwrap();
        assert!(!sp.raw.slopes_non_increasing);
        assert!(sp.hull.slopes_non_increasing);
        assert_eq!(sp.hull.points.len(), 2);
        let s = &sp.raw.switches[0];
        assert!((s.slope_before.unwrap() - 0.05).abs() < 1e-12 && (s.slope_bridge - 0.35).abs() < 1e-12);
        assert_eq!((s.slope_after, s.jump), (None, None));
    }

    #[test]
    fn policies_give_routes_and_lengths_are_checked() {
        let single = |m: &str| Policy::Single { model: m.into() };
        let pts = [Point { cost: 1.0, quality: 0.5 }, Point { cost: 2.0, quality: 0.8 }];
        let sp = shadow_prices_of_policies(&pts, &[single("a"), single("b")]).unwrap();
        assert_eq!(sp.raw.switches[0].route_after, "b");
        assert!(shadow_prices_of_policies(&pts, &[single("a")]).is_err());
        let bad: Frontier = serde_json::from_str(
            r#"{"points":[{"cost":1,"quality":0.5,"index":0},{"cost":1,"quality":0.6,"index":1}]}"#,
        )
        .unwrap();
        assert!(shadow_prices_of_frontier(&bad, &["a".into(), "b".into()]).is_err());
        let one = shadow_prices(&[rp(1.0, 0.5, "a")]).unwrap();
        assert!(one.raw.segments.is_empty() && one.raw.max_lambda_mu_error == 0.0);
        assert!(one.summary_markdown().contains("1 points, 0 segments"));
    }
}
