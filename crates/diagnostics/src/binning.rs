//! Binning of scores: equal-frequency bins that never split a run of tied scores,
//! and equal-width bins with numpy-style interpolation of bin means.

use std::ops::Range;

/// Equal-frequency bins of `sorted` (ascending by `f64::total_cmp`): positions
/// `0..n` cut into at most `bins` consecutive non-empty ranges.
///
/// Rule: the ideal cut before position t_k = round(k·n/bins), k = 1..bins−1, is kept
/// when it falls between two different scores; when it falls inside a run of tied
/// scores it moves to the nearer end of that run (the later end on equal distance,
/// the later end too when the earlier one would not advance past the previous cut).
/// Cuts that do not advance, or that reach n, are dropped, so heavy ties give fewer,
/// larger bins. A run of `-inf` scores is not treated specially here; see
/// [`crate::escalation_benefit`] for its own bin.
pub fn equal_frequency_bins(sorted: &[f64], bins: usize) -> Vec<Range<usize>> {
    let n = sorted.len();
    if n == 0 {
        return Vec::new();
    }
    let bins = bins.max(1);
    let mut cuts = Vec::with_capacity(bins);
    let mut prev = 0;
    for k in 1..bins {
        // round(k·n/bins), half up, in integers.
        let t = (2 * k * n + bins) / (2 * bins);
        if t == 0 || t >= n {
            continue;
        }
        let cut = if sorted[t - 1] == sorted[t] {
            let start = sorted[..t].partition_point(|v| v.total_cmp(&sorted[t]).is_lt());
            let end = t + sorted[t..].partition_point(|v| v.total_cmp(&sorted[t]).is_eq());
            if start > prev && t - start < end - t { start } else { end }
        } else {
            t
        };
        if cut > prev && cut < n {
            cuts.push(cut);
            prev = cut;
        }
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for c in cuts {
        out.push(start..c);
        start = c;
    }
    out.push(start..n);
    out
}

/// Equal-width bins over `[lo, hi]` with per-bin means of some quantities, as the
/// paper's code uses them for the first-order check: `bins` bins of width
/// (hi − lo)/bins, the last one closed (numpy's histogram convention).
#[derive(Debug, Clone, PartialEq)]
pub struct EqualWidthBins {
    /// Lower edge of the first bin.
    pub lo: f64,
    /// Upper edge of the last bin.
    pub hi: f64,
    /// Number of bins.
    pub bins: usize,
}

impl EqualWidthBins {
    /// Bins spanning the finite values of `values`; `None` when none is finite.
    pub fn spanning(values: &[f64], bins: usize) -> Option<Self> {
        let mut it = values.iter().copied().filter(|v| v.is_finite());
        let first = it.next()?;
        let (lo, hi) = it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v)));
        Some(Self { lo, hi, bins: bins.max(1) })
    }

    /// Bin of a finite value inside `[lo, hi]`; `None` outside or for non-finite values.
    pub fn index(&self, v: f64) -> Option<usize> {
        if !v.is_finite() || v < self.lo || v > self.hi {
            return None;
        }
        if self.hi == self.lo {
            return Some(0);
        }
        let k = ((v - self.lo) / (self.hi - self.lo) * self.bins as f64).floor() as usize;
        Some(k.min(self.bins - 1))
    }

    /// Lower and upper edge of bin `k`.
    pub fn edges(&self, k: usize) -> (f64, f64) {
        let w = (self.hi - self.lo) / self.bins as f64;
        let lo = self.lo + w * k as f64;
        let hi = if k + 1 == self.bins { self.hi } else { self.lo + w * (k + 1) as f64 };
        (lo, hi)
    }

    /// Centre of bin `k`.
    pub fn center(&self, k: usize) -> f64 {
        let (lo, hi) = self.edges(k);
        0.5 * (lo + hi)
    }
}

/// Linear interpolation of the points (xs\[i\], ys\[i\]) (xs ascending) at `x`, held
/// constant beyond the ends, like `numpy.interp`; `None` without points.
pub fn interp(x: f64, xs: &[f64], ys: &[f64]) -> Option<f64> {
    let n = xs.len().min(ys.len());
    if n == 0 || x.is_nan() {
        return None;
    }
    if x <= xs[0] {
        return Some(ys[0]);
    }
    if x >= xs[n - 1] {
        return Some(ys[n - 1]);
    }
    let k = xs[..n].partition_point(|&v| v <= x);
    let (x0, x1, y0, y1) = (xs[k - 1], xs[k], ys[k - 1], ys[k]);
    if x1 == x0 {
        return Some(y1);
    }
    Some(y0 + (x - x0) / (x1 - x0) * (y1 - y0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cuts_move_to_the_nearer_end_of_a_tie_run() {
        // n = 10, 2 bins: ideal cut at 5 falls inside the run of 3s at 3..7; 5 − 3 = 2 = 7 − 5,
        // so the later end wins.
        let s = [0.0, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(equal_frequency_bins(&s, 2), vec![0..7, 7..10]);
        // Run 4..9 of 3s: cut at 5 moves back to 4 (nearer).
        let s = [0.0, 1.0, 2.0, 2.5, 3.0, 3.0, 3.0, 3.0, 3.0, 6.0];
        assert_eq!(equal_frequency_bins(&s, 2), vec![0..4, 4..10]);
        // All tied: one bin whatever is asked.
        assert_eq!(equal_frequency_bins(&[1.0; 7], 5), vec![0..7]);
        // Without ties, sizes differ by at most one.
        let s: Vec<f64> = (0..23).map(f64::from).collect();
        let sizes: Vec<usize> = equal_frequency_bins(&s, 5).iter().map(|r| r.len()).collect();
        assert_eq!(sizes, vec![5, 4, 5, 4, 5]);
    }

    #[test]
    fn equal_width_bins_and_interpolation_follow_numpy() {
        let b = EqualWidthBins::spanning(&[f64::NEG_INFINITY, 0.0, 3.0, 1.0], 3).unwrap();
        assert_eq!((b.lo, b.hi), (0.0, 3.0));
        assert_eq!(b.index(0.0), Some(0));
        assert_eq!(b.index(1.0), Some(1));
        assert_eq!(b.index(3.0), Some(2));
        assert_eq!(b.index(f64::NEG_INFINITY), None);
        assert_eq!(b.center(2), 2.5);
        let (xs, ys) = ([0.5, 1.5, 2.5], [1.0, 0.0, 4.0]);
        assert_eq!(interp(0.0, &xs, &ys), Some(1.0));
        assert_eq!(interp(1.0, &xs, &ys), Some(0.5));
        assert_eq!(interp(2.0, &xs, &ys), Some(2.0));
        assert_eq!(interp(9.0, &xs, &ys), Some(4.0));
        assert_eq!(interp(1.0, &[], &[]), None);
    }

    proptest! {
        #[test]
        fn bins_cover_in_order_and_never_split_ties(
            raw in proptest::collection::vec(0u8..12, 1..200),
            bins in 1usize..25,
        ) {
            let mut s: Vec<f64> = raw.iter().map(|&v| v as f64 / 4.0).collect();
            s.sort_by(f64::total_cmp);
            let out = equal_frequency_bins(&s, bins);
            prop_assert!(!out.is_empty() && out.len() <= bins);
            let mut next = 0;
            for r in &out {
                prop_assert_eq!(r.start, next);
                prop_assert!(r.end > r.start);
                next = r.end;
                if r.start > 0 {
                    prop_assert!(s[r.start - 1] != s[r.start], "a cut splits a tie at {}", r.start);
                }
            }
            prop_assert_eq!(next, s.len());
        }

        #[test]
        fn distinct_scores_give_near_equal_bins(n in 1usize..300, bins in 1usize..30) {
            let s: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let out = equal_frequency_bins(&s, bins);
            prop_assert_eq!(out.len(), bins.min(n));
            let (lo, hi) = out.iter().fold((usize::MAX, 0), |(lo, hi), r| (lo.min(r.len()), hi.max(r.len())));
            prop_assert!(hi - lo <= 1, "sizes {:?}", out);
        }
    }
}
