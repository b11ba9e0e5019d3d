//! The hybrid router (beyond the paper): per query, either straight to the expensive
//! model H or into the confidence cascade L → H, decided before generation by the
//! router's predicted correctness of the cheap model.
//!
//! A hybrid policy for a valid pair (L, H), cascade threshold τ and gate γ sends a query
//! with p̂_L(x) < γ directly to H (paying only c_H), and every other query into the
//! cascade L → H at τ (L answers when s_L ≥ τ, else H; both paid). γ = 0 never skips:
//! the plain cascade. The gain over the cascade is c_L on the queries the gate skips
//! that the cascade would have escalated anyway; the risk is the quality U_L − U_H of
//! the skipped queries it would not have escalated.
//!
//! This is the quality-minus-λ·cost rule of a router choosing between the two options
//! "cascade" and "H alone", with option estimates that depend on the query only
//! through p̂_L: the rule then picks the cascade exactly when p̂_L(x) ≥ γ for some γ.
//! Instead of estimating γ from fitted coefficients we sweep it, so the hybrid family
//! contains the cascade and every gate is scored exactly. We tried estimating instead
//! (options: every single model and every pair's cascade at a few thresholds; per query
//! argmax q̂_o(x) − λ·ĉ_o(x) with q̂ and ĉ least-squares fits on (1, p̂_L, p̂_H) of the
//! realized escalation gain and cost, cross-fitted): on the zellinger data it did no
//! better than the router on held-out queries and clearly worse than the confidence
//! cascades, the argmax over many noisy estimates favouring the over-estimated ones.
//!
//! Candidates per pair: the thresholds τ at the vertices of the pair's calibration
//! concave hull (each optimal for some cost weight), at most `thresholds` of them evenly
//! spread; for each τ, with π(τ) its calibration escalation rate, the gates at the
//! calibration quantiles π·k/G (k = 1..G) of p̂_L, so that at most about
//! as many queries skip L as the cascade escalates. The family also holds every single
//! pool model and each pair's plain cascade at every distinct calibration threshold
//! (the candidates of the pairwise confidence envelope), so its envelope is never below
//! that one on the points it is chosen from; what it adds is the gated cascades.

use std::collections::BTreeMap;

use cascadelab_core::{Dataset, Estimate, HybridOption, Point, Policy, Signal};

/// What the hybrid's candidates are built from (calibration data only).
pub(crate) struct HybridSetup<'a> {
    pub data: &'a Dataset,
    pub calibration: &'a [usize],
    /// Dataset positions of the pool models, in predictor order.
    pub members: &'a [usize],
    /// Valid pairs (cheap, expensive), dataset positions.
    pub pairs: &'a [(usize, usize)],
    /// p̂ `[member][calibration position]`, whose quantiles are the gates.
    pub predictions: &'a [Vec<f64>],
    /// Hull thresholds per pair, at most.
    pub thresholds: usize,
    /// Gates per threshold.
    pub gates: usize,
    /// The predictor id the gates read.
    pub predictor: &'a str,
    /// Dollars per query of the router (paid by gated policies).
    pub router_cost: f64,
}

/// The hybrid family: the single pool models, then per valid pair the plain cascade at
/// every distinct calibration threshold (and ±∞) and the gated variants of its hull
/// thresholds.
pub(crate) fn hybrid_policies(s: &HybridSetup<'_>) -> Vec<Policy> {
    let name = |m: usize| s.data.models[m].name.clone();
    let member = |m: usize| s.members.iter().position(|&x| x == m).expect("pairs are pool members");
    let mut out: Vec<Policy> = s.members.iter().map(|&m| Policy::Single { model: name(m) }).collect();
    let n = s.calibration.len();
    for &(l, h) in s.pairs {
        let (ml, mh) = (&s.data.models[l], &s.data.models[h]);
        let Some(conf) = ml.confidence.as_ref() else { continue };
        let signal: Vec<f64> = s.calibration.iter().map(|&q| conf[q]).collect();
        let gain: Vec<f64> = s.calibration.iter().map(|&q| mh.quality[q] - ml.quality[q]).collect();
        let cost_h: Vec<f64> = s.calibration.iter().map(|&q| mh.cost[q]).collect();
        let mut p_l = s.predictions[member(l)].clone();
        p_l.sort_by(f64::total_cmp);
        let (nl, nh) = (name(l), name(h));
        let cascade = |tau: f64| Policy::Cascade {
            stages: vec![nl.clone(), nh.clone()],
            thresholds: vec![tau],
            signal: Signal::Confidence,
        };
        // The plain cascade at every distinct calibration threshold (the envelope's candidates).
        let mut taus = signal.clone();
        taus.sort_by(f64::total_cmp);
        taus.dedup();
        out.extend(std::iter::once(f64::NEG_INFINITY).chain(taus).chain(std::iter::once(f64::INFINITY)).map(cascade));
        if n < 2 {
            continue;
        }
        for (tau, escalated) in spread(&hull_thresholds(&signal, &gain, &cost_h), s.thresholds) {
            let cascade = cascade(tau);
            let mut gates: Vec<f64> =
                (1..=s.gates).map(|k| p_l[(escalated * k / s.gates).clamp(1, n - 1)]).filter(|&g| g > p_l[0]).collect();
            gates.dedup();
            for gamma in gates {
                out.push(gate(s.predictor, &cascade, &nl, &nh, gamma, s.router_cost));
            }
        }
    }
    out
}

/// The hybrid that sends p̂_L(x) < γ straight to H and the rest into `cascade`: as a
/// [`Policy::Hybrid`] at cost weight 0 with estimates q̂_cascade = p̂_L(x) and
/// q̂_H = γ (ties to the cascade, listed first, as a cascade's s = τ does not escalate).
pub(crate) fn gate(
    predictor: &str,
    cascade: &Policy,
    cheap: &str,
    expensive: &str,
    gamma: f64,
    router_cost: f64,
) -> Policy {
    Policy::Hybrid {
        predictor: predictor.to_string(),
        options: vec![
            HybridOption {
                policy: cascade.clone(),
                quality: Estimate { constant: 0.0, weights: BTreeMap::from([(cheap.to_string(), 1.0)]) },
                cost: Estimate::constant(0.0),
            },
            HybridOption {
                policy: Policy::Single { model: expensive.to_string() },
                quality: Estimate::constant(gamma),
                cost: Estimate::constant(0.0),
            },
        ],
        cost_weight: 0.0,
        router_cost,
    }
}

/// The thresholds of the cascade L → H at the interior vertices of its calibration
/// concave hull, each with the number of calibration queries it escalates, by
/// increasing cost. `signal` is s_L, `gain` U_H − U_L, `cost_h` c_H per query.
pub(crate) fn hull_thresholds(signal: &[f64], gain: &[f64], cost_h: &[f64]) -> Vec<(f64, usize)> {
    let n = signal.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| signal[a].total_cmp(&signal[b]).then(a.cmp(&b)));
    // Candidate 0 escalates nothing (L alone); a distinct signal value v escalates the
    // queries below it; the last, +inf, escalates all (dominated by H alone).
    let mut candidates: Vec<(f64, usize)> = vec![(f64::NEG_INFINITY, 0)];
    let mut points: Vec<Point> = vec![Point { cost: 0.0, quality: 0.0 }];
    let (mut q, mut c) = (0.0, 0.0);
    for (rank, &i) in order.iter().enumerate() {
        if rank > 0 && signal[i] > signal[order[rank - 1]] {
            candidates.push((signal[i], rank));
            points.push(Point { cost: c, quality: q });
        }
        q += gain[i];
        c += cost_h[i];
    }
    candidates.push((f64::INFINITY, n));
    points.push(Point { cost: c, quality: q });
    let last = points.len() - 1;
    cascadelab_core::concave_hull(&points).into_iter().filter(|&i| i != 0 && i != last).map(|i| candidates[i]).collect()
}

/// At most `count` of `items`, evenly spread by position (all when there are fewer).
fn spread<T: Copy>(items: &[T], count: usize) -> Vec<T> {
    if items.len() <= count {
        return items.to_vec();
    }
    let mut picked: Vec<usize> =
        (0..count).map(|k| (k * (items.len() - 1) + (count - 1) / 2) / (count - 1).max(1)).collect();
    picked.dedup();
    picked.into_iter().map(|i| items[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_thresholds_are_the_interior_vertices() {
        // Escalating 1..7 of 8 queries (signal order) gains 1, 2, 3, 3, 4, 4, 3 at cost
        // 1..7; with no escalation (0, 0) and all (8, 3): the hull is (0,0), (3,3), (5,4),
        // (8,3) → interior vertices escalate 3 (τ = 0.4) and 5 (τ = 0.6).
        let signal = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
        let gain = [1.0, 1.0, 1.0, 0.0, 1.0, 0.0, -1.0, 0.0];
        assert_eq!(hull_thresholds(&signal, &gain, &[1.0; 8]), vec![(0.4, 3), (0.6, 5)]);
        // Escalations that only lose are never candidates.
        assert!(hull_thresholds(&signal, &[-1.0; 8], &[1.0; 8]).is_empty());
        // Tied signals share a threshold: 0.2 escalates only the one query below it.
        let t = hull_thresholds(&[0.1, 0.2, 0.2, 0.9], &[1.0, 0.5, 0.5, 0.0], &[1.0; 4]);
        assert_eq!(t, vec![(0.2, 1), (0.9, 3)]);
    }

    #[test]
    fn spread_keeps_the_ends_and_evenly_spaced_items() {
        assert_eq!(spread(&[1, 2, 3], 5), vec![1, 2, 3]);
        assert_eq!(spread(&[0, 1, 2, 3, 4, 5, 6, 7, 8], 3), vec![0, 4, 8]);
        assert_eq!(spread(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4), vec![0, 3, 6, 9]);
    }
}
