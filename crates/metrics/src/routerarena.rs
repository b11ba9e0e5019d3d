//! RouterArena (Lu et al. 2025): the accuracy-cost score S_β.
//!
//! S_β = (1 + β)·A·C/(β·A + C) with β = 0.1, accuracy A ∈ [0, 1] and the cost score
//! C = (log₂ 200 − log₂ c)/(log₂ 200 − log₂ 0.0044), where c is dollars per 1,000
//! queries clamped to [0.0044, 200] (so C runs from 1 at the cheap end to 0).

/// RouterArena's β.
pub const BETA: f64 = 0.1;
/// The cheap end of the cost scale, dollars per 1,000 queries.
pub const COST_FLOOR: f64 = 0.0044;
/// The expensive end of the cost scale, dollars per 1,000 queries.
pub const COST_CEILING: f64 = 200.0;

/// The cost score C of a mean cost in dollars per query; `None` for NaN or a
/// negative cost.
pub fn cost_score(cost_per_query: f64) -> Option<f64> {
    if cost_per_query.is_nan() || cost_per_query < 0.0 {
        return None;
    }
    let c = (cost_per_query * 1000.0).clamp(COST_FLOOR, COST_CEILING);
    Some((COST_CEILING.log2() - c.log2()) / (COST_CEILING.log2() - COST_FLOOR.log2()))
}

/// S_β with RouterArena's β = 0.1, from accuracy in [0, 1] and the mean cost in
/// dollars per query; see [`score_with_beta`].
pub fn score(accuracy: f64, cost_per_query: f64) -> Option<f64> {
    score_with_beta(accuracy, cost_per_query, BETA)
}

/// S_β = (1 + β)·A·C/(β·A + C); 0 when A = C = 0; `None` for an accuracy outside
/// [0, 1], a negative β or an invalid cost.
pub fn score_with_beta(accuracy: f64, cost_per_query: f64, beta: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&accuracy) || beta < 0.0 || beta.is_nan() {
        return None;
    }
    let c = cost_score(cost_per_query)?;
    let den = beta * accuracy + c;
    Some(if den == 0.0 { 0.0 } else { (1.0 + beta) * accuracy * c / den })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_matches_hand_computation() {
        // $0.001 per query = $1 per 1,000 queries: C = log₂ 200/(log₂ 200 − log₂ 0.0044)
        // = 7.643856/(7.643856 + 7.828281) = 7.643856/15.472137 = 0.4940401.
        let c = cost_score(0.001).unwrap();
        assert!((c - 0.494_040_1).abs() < 1e-7, "{c}");
        // A = 0.8: S = 1.1·0.8·0.4940401/(0.08 + 0.4940401) = 0.4347553/0.5740401 = 0.7573605.
        let s = score(0.8, 0.001).unwrap();
        assert!((s - 0.757_360_5).abs() < 1e-7, "{s}");
        // Clamped ends: at or below $0.0044 per 1,000, C = 1 and S = 1.1·0.8/(0.08 + 1) = 0.8148148;
        // at or above $200 per 1,000, C = 0 and S = 0.
        assert_eq!(cost_score(0.0), Some(1.0));
        assert!((score(0.8, 1e-9).unwrap() - 0.88 / 1.08).abs() < 1e-12);
        assert_eq!(cost_score(0.2), Some(0.0));
        assert_eq!(score(0.8, 5.0), Some(0.0));
        assert_eq!(score(0.0, 5.0), Some(0.0));
        assert_eq!(score(1.2, 0.001), None);
        assert_eq!(cost_score(-1.0), None);
    }
}
