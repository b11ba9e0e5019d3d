//! ETH SRI cascade routing (Dekoninck et al. 2024): AUC and max_diff of a
//! method's operating points against the single models.
//!
//! AUC = 1/(c_max − c_min) · ∫_{c_min}^{c_max} q(c) dc between the cheapest and the
//! most expensive single model's cost, where q is the method's points (sorted by
//! cost, exact duplicates dropped, equal costs by increasing quality) joined
//! linearly, flat at the last point's quality to the right, and on the left joined
//! linearly from (c_min, q_min) to the first point, q_min being the lowest single
//! model quality (as the reference code's `area_under_curve` appends that point).
//! Points outside [c_min, c_max] shape the curve only through their segments.
//!
//! max_diff = the largest q − b(c) over the method's points, where b is the linear
//! interpolation through the single models' upper concave hull (the reference's
//! `remove_redundant_models` keeps exactly the models on it), its end segments
//! extended linearly beyond the hull (scipy's `interp1d` with extrapolation, as the
//! reference code does), and constant for a one-model hull. Like the reference, the
//! result is never below 0.

use cascadelab_core::{Curve, Point, concave_hull};

/// The AUC of `points` against the single models `models`; `None` without a valid
/// point, or if all models cost the same.
pub fn auc(points: &[Point], models: &[Point]) -> Option<f64> {
    let valid = |p: &&Point| !p.cost.is_nan() && !p.quality.is_nan();
    let (mut c_min, mut c_max, mut q_min) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY);
    for m in models.iter().filter(valid) {
        c_min = c_min.min(m.cost);
        c_max = c_max.max(m.cost);
        q_min = q_min.min(m.quality);
    }
    if c_max <= c_min {
        return None;
    }
    let mut p: Vec<Point> = points.iter().filter(valid).copied().collect();
    p.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.quality.total_cmp(&b.quality)));
    p.dedup();
    let (first, last) = (*p.first()?, *p.last()?);
    let mut curve = Curve::default();
    if first.cost > c_min {
        curve.cost.push(c_min);
        curve.quality.push(q_min);
    }
    for v in &p {
        curve.cost.push(v.cost);
        curve.quality.push(v.quality);
    }
    if last.cost < c_max {
        curve.cost.push(c_max);
        curve.quality.push(last.quality);
    }
    Some(curve.area(c_min, c_max) / (c_max - c_min))
}

/// The largest gain of `points` over the interpolated hull of the single models
/// `models`, at least 0; `None` without a valid model or point.
pub fn max_diff(points: &[Point], models: &[Point]) -> Option<f64> {
    let hull: Vec<Point> = concave_hull(models).into_iter().map(|i| models[i]).collect();
    let baseline = |c: f64| -> f64 {
        if hull.len() == 1 {
            return hull[0].quality;
        }
        // The segment containing c, or the end segment nearest to it (extrapolation).
        let k = hull.partition_point(|v| v.cost <= c).clamp(1, hull.len() - 1);
        let (a, b) = (hull[k - 1], hull[k]);
        a.quality + (b.quality - a.quality) * (c - a.cost) / (b.cost - a.cost)
    };
    if hull.is_empty() {
        return None;
    }
    points
        .iter()
        .filter(|p| !p.cost.is_nan() && !p.quality.is_nan())
        .map(|p| p.quality - baseline(p.cost))
        .fold(None, |best: Option<f64>, d| Some(best.map_or(d, |b| b.max(d))))
        .map(|d| d.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[(f64, f64)]) -> Vec<Point> {
        v.iter().map(|&(cost, quality)| Point { cost, quality }).collect()
    }

    #[test]
    fn auc_interpolates_with_the_lowest_quality_on_the_left_and_flat_on_the_right() {
        // Models span costs [1, 5]; lowest quality 0.4.
        let models = pts(&[(1.0, 0.4), (2.0, 0.7), (4.0, 0.6), (5.0, 0.8)]);
        let method = pts(&[(3.0, 0.8), (1.5, 0.6), (4.0, 0.75), (3.0, 0.8)]);
        // (1, 0.4)→(1.5, 0.6): 0.5·0.5 = 0.25; →(3, 0.8): 1.5·0.7 = 1.05; →(4, 0.75): 0.775;
        // flat 0.75 on [4, 5]: 0.75. Total 2.825 over a range of 4 → 0.70625.
        assert!((auc(&method, &models).unwrap() - 0.70625).abs() < 1e-12);
        // A point at (6, 0.9) beyond c_max: the segment (4, 0.75)→(6, 0.9) is cut at 5 (0.825),
        // replacing 0.75 by (0.75 + 0.825)/2 = 0.7875 on [4, 5]: 2.8625/4 = 0.715625.
        let beyond = [&method[..], &pts(&[(6.0, 0.9)])].concat();
        assert!((auc(&beyond, &models).unwrap() - 0.715625).abs() < 1e-12);
        assert_eq!(auc(&[], &models), None);
        assert_eq!(auc(&method, &pts(&[(1.0, 0.5)])), None);
    }

    #[test]
    fn max_diff_measures_the_gain_over_the_single_model_hull() {
        // Hull of the models: (1, 0.4), (2, 0.7), (5, 0.8); (4, 0.6) is dominated.
        let models = pts(&[(1.0, 0.4), (2.0, 0.7), (4.0, 0.6), (5.0, 0.8)]);
        // Baseline at 1.5: 0.55 (gain 0.05); at 3: 0.7 + 0.1/3 = 0.7333 (gain 0.0667);
        // at 4: 0.7 + 0.2/3 = 0.7667 (gain −0.0167). Largest: 0.8 − 0.7333 = 1/15.
        let method = pts(&[(1.5, 0.6), (3.0, 0.8), (4.0, 0.75)]);
        assert!((max_diff(&method, &models).unwrap() - (0.8 - (0.7 + 0.1 / 3.0))).abs() < 1e-12);
        // Beyond the most expensive model the last segment is extended: at 8, 0.8 + 3·0.1/3 = 0.9.
        assert!((max_diff(&pts(&[(8.0, 0.95)]), &models).unwrap() - 0.05).abs() < 1e-12);
        // Entirely below the hull: 0, as the reference code reports.
        assert_eq!(max_diff(&pts(&[(3.0, 0.5)]), &models), Some(0.0));
        assert_eq!(max_diff(&method, &[]), None);
        assert_eq!(max_diff(&pts(&[(3.0, 0.9)]), &pts(&[(2.0, 0.7)])), Some(0.9 - 0.7));
    }
}
