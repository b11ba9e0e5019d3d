//! Escalation-benefit estimates against the closed forms of `cascadelab-synthetic`,
//! on a pair whose confidence is log-scaled with a `-inf` floor (so bins, the `-inf`
//! bin and the equal-width interpolation run on a non-uniform score scale).

use cascadelab_diagnostics::{BenefitOptions, escalation_benefit};
use cascadelab_synthetic::{Accuracy, ConfidenceTransform, SyntheticModel, SyntheticSpec, generate, latent_ease};

const FLOOR: f64 = 0.02;

fn spec(n: usize, cost_slope: f64) -> SyntheticSpec {
    SyntheticSpec {
        queries: n,
        seed: 17,
        models: vec![
            SyntheticModel {
                name: Some("cheap".into()),
                accuracy: Accuracy::Logistic { a: -1.0, b: 3.0 },
                cost: 1.0,
                confidence: ConfidenceTransform::Log,
                neg_inf_below: FLOOR,
                ..SyntheticModel::default()
            },
            SyntheticModel {
                name: Some("dear".into()),
                accuracy: Accuracy::Logistic { a: 0.5, b: 3.0 },
                cost: 10.0,
                cost_noise: if cost_slope == 0.0 { 0.5 } else { 0.2 },
                cost_slope,
                ..SyntheticModel::default()
            },
        ],
        ..SyntheticSpec::default()
    }
}

/// Mean of Δ over raw scores [lo, hi]: (∫ p_H − ∫ p_L) / (hi − lo).
fn mean_benefit(s: &SyntheticSpec, lo: f64, hi: f64) -> f64 {
    let integral = |j: usize, t: f64| s.models[j].accuracy.integral(t);
    (integral(1, hi) - integral(1, lo) - integral(0, hi) + integral(0, lo)) / (hi - lo)
}

#[test]
fn bins_and_slopes_match_the_synthetic_closed_forms() {
    let n = 200_000;
    let s = spec(n, 0.0);
    let data = generate(&s).unwrap();
    let b = escalation_benefit(&data, &data.all_queries(), 0, 1, &BenefitOptions::default()).unwrap();
    let raw = |conf: f64| s.raw_score(0, conf);
    let (cheap, dear) = (&data.models[0], &data.models[1]);
    let conf = cheap.confidence.as_ref().unwrap();
    // Without score noise the raw score is the latent ease u, known also below the floor.
    let ease = latent_ease(&s);
    let raw_of = |q: usize| ease[q];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| conf[a].total_cmp(&conf[b]).then(a.cmp(&b)));

    // The -inf bin holds the raw scores below the floor: ≈ 2 % of the queries.
    assert_eq!(b.bins[0].score_hi, f64::NEG_INFINITY);
    let share = b.neg_inf_scores as f64 / n as f64;
    assert!((share - FLOOR).abs() < 4.0 * (FLOOR * (1.0 - FLOOR) / n as f64).sqrt(), "{share}");
    // Every bin's Δ is within 4 of its standard errors of the mean of Δ over its raw range.
    for bin in &b.bins {
        let (lo, hi) = if bin.bin == 0 { (0.0, FLOOR) } else { (raw(bin.score_lo), raw(bin.score_hi)) };
        let truth = mean_benefit(&s, lo, hi);
        let se = bin.se_delta.unwrap();
        assert!((bin.delta - truth).abs() < 4.0 * se, "bin {}: {} vs {truth} (se {se})", bin.bin, bin.delta);
    }

    // c_H = 10 (1 + 0.5 ε), ε ~ U(−1, 1): s.d. 10 · 0.5/√3, independent of the score.
    let (c_h, sd_c) = (10.0, 10.0 * 0.5 / 3f64.sqrt());
    let nf = n as f64;
    assert!(b.slopes.len() == 9 && b.slopes.iter().all(|sl| sl.numerical.is_some()));
    for sl in &b.slopes {
        let t = raw(sl.tau);
        let truth = s.frontier_slope(0, 1, t);
        // Analytic: Δ interpolated between the two non-empty equal-width bins around τ. Its
        // expectation is the same interpolation of each bin's mean Δ over its raw range (a
        // deterministic bias, computed exactly here); its s.e. is √(Σ w_i² v / n_i), v ≤ 0.5.
        let filled: Vec<_> = b.slope_bins.iter().filter(|w| w.queries > 0).collect();
        let k = filled.partition_point(|w| w.center <= sl.tau).clamp(1, filled.len() - 1);
        let (w0, w1) = (filled[k - 1], filled[k]);
        let a = ((sl.tau - w0.center) / (w1.center - w0.center)).clamp(0.0, 1.0);
        let expected =
            (1.0 - a) * mean_benefit(&s, raw(w0.lo), raw(w0.hi)) + a * mean_benefit(&s, raw(w1.lo), raw(w1.hi));
        let se = ((1.0 - a).powi(2) * 0.5 / w0.queries as f64 + a * a * 0.5 / w1.queries as f64).sqrt();
        let tol =
            (expected - s.benefit(0, 1, t)).abs() / c_h + 4.0 * se / c_h + truth.abs() * 4.0 * sd_c / c_h / nf.sqrt();
        let an = sl.analytic.unwrap();
        assert!((an - truth).abs() < tol, "τ = {}: analytic {an} vs {truth} (tol {tol})", sl.tau);

        // Numerical: ΣD/Σc_H over the queries between the frontier anchors (positions
        // k_lo..k_hi in score order). Given their raw scores r_i and costs, its expectation is
        // Σ Δ(r_i)/Σ c_H,i, computed here from the data; the Bernoulli noise of ΣD has s.d. at
        // most √(0.5 m). Allow that expectation's distance to the truth plus 4 s.d.
        let window = &order[sl.anchor_lo.unwrap()..sl.anchor_hi.unwrap()];
        let sum_c: f64 = window.iter().map(|&q| dear.cost[q]).sum();
        let expected = window.iter().map(|&q| s.benefit(0, 1, raw_of(q))).sum::<f64>() / sum_c;
        let tol = (expected - truth).abs() + 4.0 * (0.5 * window.len() as f64).sqrt() / sum_c;
        let num = sl.numerical.unwrap();
        assert!((num - truth).abs() < tol, "τ = {}: numerical {num} vs {truth} (tol {tol})", sl.tau);
    }
}

#[test]
fn spearman_follows_the_cost_slope() {
    let n = 50_000;
    let rho = |slope: f64| {
        let data = generate(&spec(n, slope)).unwrap();
        escalation_benefit(&data, &data.all_queries(), 0, 1, &BenefitOptions::default())
            .unwrap()
            .spearman_score_cost_high
            .unwrap()
    };
    // Independent cost: |ρ| below 4/√(n − 1). Cost slope 0.5 with noise 0.2: c_H rises with the
    // score (the -inf scores rank lowest, and their cost is lowest too): ρ well above 0.
    assert!(rho(0.0).abs() < 4.0 / ((n - 1) as f64).sqrt());
    assert!(rho(0.5) > 0.8, "{}", rho(0.5));
}
