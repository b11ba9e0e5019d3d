//! Aggregation of per-split curves on the common cost grid: at each grid point the
//! median and the 10th and 90th percentiles over the splits where the curve is
//! defined (numpy's `nanmedian` / `nanpercentile` with linear interpolation);
//! undefined where no split defines it.

use serde::Serialize;

/// Median and band of one curve at one grid point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// Median over the defining splits.
    pub median: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Number of splits defining the curve here.
    pub splits: usize,
}

/// The `p`-th percentile (0..=100) of sorted values by linear interpolation between
/// closest ranks (numpy's default method).
pub fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    if lo == hi {
        return sorted[lo];
    }
    let t = rank - lo as f64;
    sorted[lo] + t * (sorted[hi] - sorted[lo])
}

/// Median, p10 and p90 of the defined values; `None` if none is defined.
pub fn band(values: impl IntoIterator<Item = Option<f64>>) -> Option<Band> {
    let mut v: Vec<f64> = values.into_iter().flatten().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(Band {
        median: percentile_sorted(&v, 50.0),
        p10: percentile_sorted(&v, 10.0),
        p90: percentile_sorted(&v, 90.0),
        splits: v.len(),
    })
}

/// Per grid point, the band over `curves` (one per split, each on the grid).
pub fn aggregate(curves: &[&[Option<f64>]], grid_len: usize) -> Vec<Option<Band>> {
    (0..grid_len).map(|g| band(curves.iter().map(|c| c.get(g).copied().flatten()))).collect()
}

/// The medians of a band sequence.
pub fn medians(bands: &[Option<Band>]) -> Vec<Option<f64>> {
    bands.iter().map(|b| b.map(|b| b.median)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_match_numpy_linear() {
        // numpy: np.nanpercentile([3, 1, nan, 4, 2, 10], [10, 50, 90]) = [1.4, 3.0, 7.6]
        let b = band([Some(3.0), Some(1.0), None, Some(4.0), Some(2.0), Some(10.0)]).unwrap();
        assert!((b.p10 - 1.4).abs() < 1e-12, "{}", b.p10);
        assert!((b.median - 3.0).abs() < 1e-12);
        assert!((b.p90 - 7.6).abs() < 1e-12, "{}", b.p90);
        assert_eq!(b.splits, 5);
        // Even count: the median is the mean of the middle two.
        let b = band([Some(1.0), Some(2.0), Some(4.0), Some(8.0)]).unwrap();
        assert!((b.median - 3.0).abs() < 1e-12);
        // np.percentile([1, 2, 4, 8], 10) = 1.3; 90 → 6.8
        assert!((b.p10 - 1.3).abs() < 1e-12 && (b.p90 - 6.8).abs() < 1e-12);
        assert_eq!(band([None, None]), None);
        let one = band([Some(0.5)]).unwrap();
        assert_eq!((one.median, one.p10, one.p90), (0.5, 0.5, 0.5));
    }

    #[test]
    fn aggregation_is_per_grid_point_over_defined_splits() {
        let a = [Some(0.2), None, Some(0.6)];
        let b = [Some(0.4), None, None];
        let c = [None, None, Some(0.8)];
        let bands = aggregate(&[&a, &b, &c], 3);
        assert!((bands[0].unwrap().median - 0.3).abs() < 1e-12);
        assert_eq!(bands[1], None);
        assert!((bands[2].unwrap().median - 0.7).abs() < 1e-12);
        assert_eq!(bands[2].unwrap().splits, 2);
    }
}
