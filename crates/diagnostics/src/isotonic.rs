//! Weighted isotonic regression by pool-adjacent-violators (PAV).
//!
//! The fit minimizes Σ w_i (y_i − f_i)² over monotone f, exactly, in O(n): one pass
//! with a stack of pooled blocks, merging the top two while they violate the order.
//! Inputs are taken in the given order; callers pool tied x first (tied x must share
//! one fitted value), which is what [`crate::escalation_benefit`] does.

use serde::{Deserialize, Serialize};

use crate::DiagnosticsError;

/// Consecutive inputs `start..end` that the fit pools into one value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IsotonicBlock {
    /// First input position of the block.
    pub start: usize,
    /// One past the last input position.
    pub end: usize,
    /// Total weight of the block.
    pub weight: f64,
    /// Fitted value: the block's weighted mean.
    pub value: f64,
}

/// A monotone least-squares fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsotonicFit {
    /// Fitted value per input position.
    pub values: Vec<f64>,
    /// The pooled blocks, in input order (adjacent blocks may share a value).
    pub blocks: Vec<IsotonicBlock>,
}

fn check_inputs(y: &[f64], w: &[f64]) -> Result<(), DiagnosticsError> {
    if y.len() != w.len() {
        return Err(DiagnosticsError::Invalid(format!("isotonic: {} values but {} weights", y.len(), w.len())));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(DiagnosticsError::Invalid(format!("isotonic: value {i} is not finite")));
    }
    if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(DiagnosticsError::Invalid(format!("isotonic: weight {i} is not a positive number")));
    }
    Ok(())
}

/// The non-increasing weighted least-squares fit of `y` (weights `w`, all positive).
pub fn isotonic_non_increasing(y: &[f64], w: &[f64]) -> Result<IsotonicFit, DiagnosticsError> {
    check_inputs(y, w)?;
    // Stack of (weighted sum, weight, start); a block ends where the next begins.
    let mut stack: Vec<(f64, f64, usize)> = Vec::with_capacity(y.len());
    for (i, (&yi, &wi)) in y.iter().zip(w).enumerate() {
        stack.push((yi * wi, wi, i));
        while stack.len() >= 2 {
            let (s2, w2, _) = stack[stack.len() - 1];
            let (s1, w1, start1) = stack[stack.len() - 2];
            // Non-increasing needs mean1 >= mean2; pool while the earlier block is lower.
            if s1 / w1 < s2 / w2 {
                stack.pop();
                stack.pop();
                stack.push((s1 + s2, w1 + w2, start1));
            } else {
                break;
            }
        }
    }
    let mut values = Vec::with_capacity(y.len());
    let mut blocks = Vec::with_capacity(stack.len());
    for (b, &(s, weight, start)) in stack.iter().enumerate() {
        let end = stack.get(b + 1).map_or(y.len(), |next| next.2);
        let value = s / weight;
        values.extend(std::iter::repeat_n(value, end - start));
        blocks.push(IsotonicBlock { start, end, weight, value });
    }
    Ok(IsotonicFit { values, blocks })
}

/// The non-decreasing weighted least-squares fit of `y` (weights `w`, all positive).
pub fn isotonic_non_decreasing(y: &[f64], w: &[f64]) -> Result<IsotonicFit, DiagnosticsError> {
    let negated: Vec<f64> = y.iter().map(|v| -v).collect();
    let mut fit = isotonic_non_increasing(&negated, w)?;
    for v in &mut fit.values {
        *v = -*v;
    }
    for b in &mut fit.blocks {
        b.value = -b.value;
    }
    Ok(fit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reference by the min-max formula of isotonic regression, O(n³):
    /// f_i = min over a ≤ i of max over b ≥ i of the weighted mean of y\[a..=b\].
    fn reference_non_increasing(y: &[f64], w: &[f64]) -> Vec<f64> {
        let n = y.len();
        let avg = |a: usize, b: usize| {
            let (s, t) = (a..=b).fold((0.0, 0.0), |(s, t), k| (s + w[k] * y[k], t + w[k]));
            s / t
        };
        (0..n)
            .map(|i| (0..=i).map(|a| (i..n).map(|b| avg(a, b)).fold(f64::MIN, f64::max)).fold(f64::MAX, f64::min))
            .collect()
    }

    fn objective(y: &[f64], w: &[f64], f: &[f64]) -> f64 {
        y.iter().zip(w).zip(f).map(|((y, w), f)| w * (y - f) * (y - f)).sum()
    }

    #[test]
    fn hand_example_pools_the_violators() {
        // y = [1, 3, 2, 0] with weights [1, 1, 2, 1]: 1 < 3 pools to 2 (weight 2), then
        // 2 and 2 are in order, 0 is lower: fit [2, 2, 2, 0]; then the first block
        // (mean 2, weight 2) and the second (2, weight 2) tie, so no further pooling.
        let fit = isotonic_non_increasing(&[1.0, 3.0, 2.0, 0.0], &[1.0, 1.0, 2.0, 1.0]).unwrap();
        assert_eq!(fit.values, vec![2.0, 2.0, 2.0, 0.0]);
        assert_eq!(fit.blocks.len(), 3);
        let up = isotonic_non_decreasing(&[3.0, 1.0, 2.0], &[1.0, 1.0, 1.0]).unwrap();
        assert_eq!(up.values, vec![2.0, 2.0, 2.0]);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(isotonic_non_increasing(&[1.0], &[0.0]).is_err());
        assert!(isotonic_non_increasing(&[f64::NAN], &[1.0]).is_err());
        assert!(isotonic_non_increasing(&[1.0, 2.0], &[1.0]).is_err());
        assert!(isotonic_non_increasing(&[], &[]).unwrap().values.is_empty());
    }

    proptest! {
        #[test]
        fn pav_matches_min_max_reference_and_kkt(
            raw in proptest::collection::vec((-4i32..5, 1u8..6), 1..24),
            scale in prop_oneof![Just(1.0), Just(0.37)],
        ) {
            // Small integer values make ties in y common; weights vary.
            let y: Vec<f64> = raw.iter().map(|&(v, _)| v as f64 * scale).collect();
            let w: Vec<f64> = raw.iter().map(|&(_, w)| w as f64).collect();
            let fit = isotonic_non_increasing(&y, &w).unwrap();
            let reference = reference_non_increasing(&y, &w);
            for (a, b) in fit.values.iter().zip(&reference) {
                prop_assert!((a - b).abs() < 1e-9, "fit {:?} vs reference {:?}", fit.values, reference);
            }
            // Optimality conditions: feasible, block means, and every prefix of a block
            // has mean <= the block's value (else splitting it would lower the loss).
            for pair in fit.values.windows(2) {
                prop_assert!(pair[0] >= pair[1] - 1e-12);
            }
            let mut covered = 0;
            for b in &fit.blocks {
                prop_assert_eq!(b.start, covered);
                covered = b.end;
                let (mut s, mut t) = (0.0, 0.0);
                for k in b.start..b.end {
                    s += w[k] * y[k];
                    t += w[k];
                    prop_assert!(s / t <= b.value + 1e-9, "prefix mean above block value");
                }
                prop_assert!((s / t - b.value).abs() < 1e-9);
                prop_assert!((t - b.weight).abs() < 1e-9);
            }
            prop_assert_eq!(covered, y.len());
            // No non-increasing perturbation does better: try moving each block's value.
            let best = objective(&y, &w, &fit.values);
            for b in 0..fit.blocks.len() {
                for delta in [-0.05, 0.05] {
                    let mut g = fit.values.clone();
                    for v in &mut g[fit.blocks[b].start..fit.blocks[b].end] {
                        *v += delta;
                    }
                    if g.windows(2).all(|p| p[0] >= p[1]) {
                        prop_assert!(objective(&y, &w, &g) >= best - 1e-12);
                    }
                }
            }
            // The non-decreasing fit mirrors it.
            let up = isotonic_non_decreasing(&y.iter().map(|v| -v).collect::<Vec<_>>(), &w).unwrap();
            for (a, b) in up.values.iter().zip(&fit.values) {
                prop_assert!((a + b).abs() < 1e-12);
            }
        }
    }
}
