//! FrugalGPT (Chen, Zaharia, Zou 2024): the cost reduction at which a method
//! matches the best single model, and MPI(A|B).
//!
//! Cost reduction: the best single model is the most accurate one (the cheaper on
//! ties), at cost c_best; the method's least cost reaching its quality is the
//! cheapest of its operating points with quality ≥ q_best (each point is a
//! deployable policy; no interpolation between them). Reduction = (c_best − c)/c_best
//! × 100, in percent like [`crate::cost_reduction`].
//!
//! MPI(A|B) = P(A correct and B wrong), the share of queries that A gets right and B
//! gets wrong. With quality in [0, 1] read as the probability of being correct
//! (independently given the query), the per-query term is q_A·(1 − q_B), which is the
//! definition itself on 0/1 correctness.

use cascadelab_core::{Frontier, Point};

use crate::MetricError;

/// The most accurate of `models` (the cheaper on ties, then the earlier); `None`
/// without a valid model.
pub fn best_single_model(models: &[Point]) -> Option<Point> {
    models.iter().filter(|p| !p.cost.is_nan() && !p.quality.is_nan()).copied().reduce(|best, m| {
        if m.quality > best.quality || (m.quality == best.quality && m.cost < best.cost) { m } else { best }
    })
}

/// The cost reduction, in percent of the best single model's cost, at which the
/// method's `points` first match its quality; `None` if no point matches, or no
/// valid model with a positive cost.
pub fn cost_reduction_to_match_best(points: &[Point], models: &[Point]) -> Option<f64> {
    let best = best_single_model(models)?;
    if best.cost <= 0.0 {
        return None;
    }
    let c = Frontier::from_points(points).cost_for(best.quality)?;
    Some((best.cost - c) / best.cost * 100.0)
}

/// MPI(A|B): the mean over queries of q_A·(1 − q_B), P(A correct and B wrong) on
/// 0/1 quality.
pub fn mpi(a: &[f64], b: &[f64]) -> Result<f64, MetricError> {
    if a.len() != b.len() {
        return Err(MetricError::LengthMismatch { left: a.len(), right: b.len() });
    }
    if a.is_empty() {
        return Err(MetricError::NoQuery);
    }
    Ok(a.iter().zip(b).map(|(qa, qb)| qa * (1.0 - qb)).sum::<f64>() / a.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[(f64, f64)]) -> Vec<Point> {
        v.iter().map(|&(cost, quality)| Point { cost, quality }).collect()
    }

    #[test]
    fn cost_reduction_to_match_the_most_accurate_model() {
        // Best model: (10, 0.8) (the cheaper of the two at 0.8).
        let models = pts(&[(1.0, 0.5), (12.0, 0.8), (10.0, 0.8)]);
        assert_eq!(best_single_model(&models), Some(Point { cost: 10.0, quality: 0.8 }));
        // Cheapest point with quality ≥ 0.8 costs 4: (10 − 4)/10 = 60 %.
        let method = pts(&[(2.0, 0.7), (6.0, 0.85), (4.0, 0.82)]);
        assert!((cost_reduction_to_match_best(&method, &models).unwrap() - 60.0).abs() < 1e-12);
        // Matching costs more than the best model: a negative reduction.
        assert!((cost_reduction_to_match_best(&pts(&[(12.5, 0.8)]), &models).unwrap() + 25.0).abs() < 1e-12);
        assert_eq!(cost_reduction_to_match_best(&pts(&[(2.0, 0.79)]), &models), None);
        assert_eq!(cost_reduction_to_match_best(&method, &[]), None);
    }

    #[test]
    fn mpi_counts_queries_a_gets_right_and_b_wrong() {
        let a = [1.0, 1.0, 0.0, 1.0, 0.0];
        let b = [0.0, 1.0, 1.0, 0.0, 0.0];
        // A right, B wrong on q0 and q3: 2/5. B right, A wrong on q2 only: 1/5.
        assert_eq!(mpi(&a, &b), Ok(0.4));
        assert_eq!(mpi(&b, &a), Ok(0.2));
        assert_eq!(mpi(&a, &a), Ok(0.0));
        // Fractional quality: 0.5·(1 − 0.25) = 0.375.
        assert_eq!(mpi(&[0.5], &[0.25]), Ok(0.375));
        assert_eq!(mpi(&a, &b[..2]), Err(MetricError::LengthMismatch { left: 5, right: 2 }));
        assert_eq!(mpi(&[], &[]), Err(MetricError::NoQuery));
    }
}
