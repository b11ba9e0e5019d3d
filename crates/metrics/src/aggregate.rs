//! Aggregation over splits: numpy's nan-ignoring median and percentiles, per value
//! set and per grid point of curves.
//!
//! The paper reports, per method, the median over 50 splits of the held-out curve
//! on a common cost grid, with a 10th–90th percentile band; at each grid point only
//! the splits where the curve is defined count (numpy's `nanmedian` and
//! `nanpercentile`). These functions reproduce numpy bit for bit: the median of an
//! even count is (a + b) / 2, and percentiles use numpy's default "linear" method
//! with its two-sided interpolation formula.

/// numpy's `nanmedian`: the median of the non-NaN values; `None` if there is none.
pub fn nanmedian(values: &[f64]) -> Option<f64> {
    let mut v = sorted_non_nan(values.iter().copied());
    median_sorted(&mut v)
}

/// numpy's `nanpercentile` with the default "linear" method: `q` in percent
/// (0 to 100); `None` if no value is non-NaN or `q` is out of range.
pub fn nanpercentile(values: &[f64], q: f64) -> Option<f64> {
    let v = sorted_non_nan(values.iter().copied());
    quantile_sorted(&v, q)
}

/// Per grid point, the median over splits of the defined values (`None` and NaN
/// are undefined); `None` where no split is defined. Splits shorter than the
/// longest one count as undefined past their end.
pub fn median_curve<V: AsRef<[Option<f64>]>>(splits: &[V]) -> Vec<Option<f64>> {
    per_grid_point(splits, median_sorted)
}

/// Per grid point, the `q`-th percentile (numpy's "linear" method) over splits of
/// the defined values; `None` where no split is defined or `q` is out of range.
pub fn percentile_curve<V: AsRef<[Option<f64>]>>(splits: &[V], q: f64) -> Vec<Option<f64>> {
    per_grid_point(splits, |v| quantile_sorted(v, q))
}

/// The `q`-th percentile (numpy's "linear" method, `q` in percent) of values
/// already sorted ascending and free of NaN; `None` if empty or `q` out of range.
pub(crate) fn quantile_sorted(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() || !(0.0..=100.0).contains(&q) {
        return None;
    }
    // numpy: virtual index (n − 1)·q/100, then lerp between its neighbours.
    let index = (v.len() - 1) as f64 * (q / 100.0);
    let below = index.floor();
    let gamma = index - below;
    let lo = (below as usize).min(v.len() - 1);
    let hi = (lo + 1).min(v.len() - 1);
    Some(lerp(v[lo], v[hi], gamma))
}

/// numpy's `_lerp`: interpolates from the nearer end so that t = 1 gives b exactly.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 { b - diff * (1.0 - t) } else { a + diff * t }
}

fn median_sorted(v: &mut [f64]) -> Option<f64> {
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        // numpy sums the two middle values, then divides by 2.
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

fn sorted_non_nan(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    v
}

fn per_grid_point<V, F>(splits: &[V], stat: F) -> Vec<Option<f64>>
where
    V: AsRef<[Option<f64>]>,
    F: Fn(&mut [f64]) -> Option<f64>,
{
    let len = splits.iter().map(|s| s.as_ref().len()).max().unwrap_or(0);
    let mut column = Vec::with_capacity(splits.len());
    (0..len)
        .map(|i| {
            column.clear();
            column.extend(splits.iter().filter_map(|s| s.as_ref().get(i).copied().flatten()).filter(|x| !x.is_nan()));
            column.sort_by(f64::total_cmp);
            stat(&mut column)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_ignores_nan_and_averages_the_middle_pair() {
        // Sorted non-NaN values 1, 2, 3: the middle one.
        assert_eq!(nanmedian(&[3.0, f64::NAN, 1.0, 2.0]), Some(2.0));
        // 1, 2, 3, 4: (2 + 3) / 2.
        assert_eq!(nanmedian(&[4.0, 1.0, f64::NAN, 3.0, 2.0]), Some(2.5));
        assert_eq!(nanmedian(&[f64::NAN]), None);
        assert_eq!(nanmedian(&[]), None);
    }

    #[test]
    fn percentiles_follow_numpy_linear_method() {
        let v = [4.0, 2.0, f64::NAN, 1.0, 3.0];
        // Sorted 1, 2, 3, 4; index = 3·0.10 = 0.3 → 1 + 0.3·(2 − 1) = 1.3.
        assert!((nanpercentile(&v, 10.0).unwrap() - 1.3).abs() < 1e-15);
        // index = 3·0.90 = 2.7 → from the upper end: 4 − 0.3·(4 − 3) = 3.7.
        assert!((nanpercentile(&v, 90.0).unwrap() - 3.7).abs() < 1e-15);
        assert_eq!(nanpercentile(&v, 0.0), Some(1.0));
        assert_eq!(nanpercentile(&v, 100.0), Some(4.0));
        assert_eq!(nanpercentile(&v, 50.0), Some(2.5));
        assert_eq!(nanpercentile(&v, 100.5), None);
        assert_eq!(nanpercentile(&[f64::NAN], 50.0), None);
        // numpy's two-sided lerp: at t ≥ 0.5 it lands on b exactly.
        assert_eq!(lerp(0.1, 0.7, 1.0), 0.7);
        assert_eq!(lerp(0.1, 0.7, 0.0), 0.1);
    }

    #[test]
    fn curves_aggregate_per_grid_point_over_defined_splits() {
        let splits = vec![
            vec![None, Some(0.5), Some(0.7)],
            vec![Some(0.1), Some(0.6), None],
            vec![None, Some(f64::NAN), Some(0.9)],
            vec![None, Some(0.8)],
        ];
        // Point 0: only 0.1. Point 1: 0.5, 0.6, 0.8 → 0.6. Point 2: 0.7, 0.9 → 0.8.
        let m = median_curve(&splits);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0], Some(0.1));
        assert_eq!(m[1], Some(0.6));
        assert!((m[2].unwrap() - 0.8).abs() < 1e-15);
        // 10th percentile at point 1: index 2·0.1 = 0.2 → 0.5 + 0.2·0.1 = 0.52.
        let p = percentile_curve(&splits, 10.0);
        assert!((p[1].unwrap() - 0.52).abs() < 1e-15);
        assert_eq!(median_curve::<Vec<Option<f64>>>(&[]), Vec::<Option<f64>>::new());
        assert_eq!(median_curve(&[vec![None, None]]), vec![None, None]);
    }
}
