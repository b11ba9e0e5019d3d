//! Small statistics: means with standard errors, average ranks, Spearman's ρ.

/// Mean of `values` and its standard error s/√n with the sample standard deviation
/// (n − 1 in the denominator); the error is `None` below two values, the mean
/// `None` without values.
pub fn mean_and_se(values: impl IntoIterator<Item = f64>) -> (Option<f64>, Option<f64>) {
    // Two passes: the mean as sum/n (exact on small hand examples), then the deviations.
    let v: Vec<f64> = values.into_iter().collect();
    let n = v.len();
    if n == 0 {
        return (None, None);
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (Some(mean), None);
    }
    let ss: f64 = v.iter().map(|x| (x - mean) * (x - mean)).sum();
    (Some(mean), Some((ss / (n - 1) as f64 / n as f64).sqrt()))
}

/// Ranks 1..n of `x` by `f64::total_cmp` (so `-inf` ranks lowest), tied values
/// sharing the average of their ranks.
pub fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && x[order[j]].total_cmp(&x[order[i]]).is_eq() {
            j += 1;
        }
        // Positions i..j hold ranks i+1..=j; their average is (i + 1 + j) / 2.
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = r;
        }
        i = j;
    }
    ranks
}

/// Spearman's rank correlation: Pearson's correlation of the average ranks.
/// `None` when the lengths differ, there are fewer than two values, or either
/// variable is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (rx, ry) = (average_ranks(x), average_ranks(y));
    let n = x.len() as f64;
    let mean = (n + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        let (da, db) = (a - mean, b - mean);
        sxy += da * db;
        sxx += da * da;
        syy += db * db;
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some(sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_error_matches_a_hand_computation() {
        // d = [1, 0, 0, −1, 1]: mean 0.2; squared deviations 0.64, 0.04, 0.04, 1.44, 0.64
        // sum to 2.8; sample variance 2.8 / 4 = 0.7; SE = √(0.7 / 5) = √0.14.
        let (m, se) = mean_and_se([1.0, 0.0, 0.0, -1.0, 1.0]);
        assert!((m.unwrap() - 0.2).abs() < 1e-15);
        assert!((se.unwrap() - 0.14f64.sqrt()).abs() < 1e-15);
        assert_eq!(mean_and_se([3.0]), (Some(3.0), None));
        assert_eq!(mean_and_se([]), (None, None));
    }

    #[test]
    fn spearman_with_ties_matches_a_hand_computation() {
        // x = [−inf, 1, 1, 3]: ranks [1, 2.5, 2.5, 4]; y = [2, 2, 5, 4]: ranks [1.5, 1.5, 4, 3].
        // Deviations from the mean rank 2.5: x [−1.5, 0, 0, 1.5], y [−1, −1, 1.5, 0.5].
        // Σxy = 1.5 + 0.75 = 2.25; Σx² = 4.5; Σy² = 1 + 1 + 2.25 + 0.25 = 4.5; ρ = 2.25 / 4.5 = 0.5.
        let x = [f64::NEG_INFINITY, 1.0, 1.0, 3.0];
        let y = [2.0, 2.0, 5.0, 4.0];
        assert_eq!(average_ranks(&x), vec![1.0, 2.5, 2.5, 4.0]);
        assert_eq!(average_ranks(&y), vec![1.5, 1.5, 4.0, 3.0]);
        assert!((spearman(&x, &y).unwrap() - 0.5).abs() < 1e-15);
        assert!((spearman(&x, &x).unwrap() - 1.0).abs() < 1e-15);
        assert_eq!(spearman(&x, &[1.0; 4]), None);
        assert_eq!(spearman(&x, &y[..3]), None);
    }
}
