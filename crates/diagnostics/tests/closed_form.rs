//! Diagnostics against closed-form answers on seeded synthetic data.
//!
//! The generator is local (a few lines over `ChaCha8Rng`) so that these tests do not
//! depend on the synthetic crate's API: scores s ~ Uniform(0, 1), correctness
//! Bernoulli with probabilities linear in s, costs constant or uniform. Every
//! tolerance is derived in the test from n, as a multiple of a standard error.

use cascadelab_core::{Dataset, ModelColumns, Policy, Predictors, Signal};
use cascadelab_diagnostics::{
    BenefitOptions, FirstOrderOptions, PairSample, RoutedPoint, escalation_benefit, escalation_benefit_of, first_order,
    pair_curve, shadow_prices,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn bernoulli(rng: &mut ChaCha8Rng, p: f64) -> f64 {
    if rng.random::<f64>() < p { 1.0 } else { 0.0 }
}

/// A model column: name, per-query quality, confidence, cost.
fn model(name: &str, quality: Vec<f64>, confidence: Vec<f64>, cost: Vec<f64>) -> ModelColumns {
    ModelColumns { name: name.into(), quality, confidence: Some(confidence), cost }
}

fn dataset(models: Vec<ModelColumns>) -> Dataset {
    let n = models[0].quality.len();
    Dataset::new((0..n).map(|i| format!("q{i}")).collect(), None, models, None).unwrap()
}

/// Two models L, H: s_L ~ U(0, 1), U_L ~ Bern(p_l(s)), U_H ~ Bern(p_h(s)) independent
/// given s; c_L = 1; c_H drawn by `cost_high(s, rng)`.
fn pair_data(
    n: usize,
    seed: u64,
    p_l: impl Fn(f64) -> f64,
    p_h: impl Fn(f64) -> f64,
    cost_high: impl Fn(f64, &mut ChaCha8Rng) -> f64,
) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut s, mut ul, mut uh, mut ch) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let u: f64 = rng.random();
        s.push(u);
        ul.push(bernoulli(&mut rng, p_l(u)));
        uh.push(bernoulli(&mut rng, p_h(u)));
        ch.push(cost_high(u, &mut rng));
    }
    dataset(vec![model("L", ul, s, vec![1.0; n]), model("H", uh, vec![0.0; n], ch)])
}

// The concave pair: p_L(s) = 0.2 + 0.7 s, p_H(s) = 0.7 + 0.25 s, so Δ(s) = 0.5 − 0.45 s,
// positive and decreasing: the pair curve Q(C) is increasing and concave, with
// dQ/dC = Δ(τ)/c_H and d²Q/dC² = Δ'(τ)/(c_H² f(τ)) = −0.45/c_H² (f = 1).
fn p_l(s: f64) -> f64 {
    0.2 + 0.7 * s
}
fn p_h(s: f64) -> f64 {
    0.7 + 0.25 * s
}
fn delta(s: f64) -> f64 {
    p_h(s) - p_l(s)
}
/// Var(U_H − U_L | s) for independent Bernoullis; at most 0.5.
fn var_d(s: f64) -> f64 {
    p_h(s) * (1.0 - p_h(s)) + p_l(s) * (1.0 - p_l(s))
}
/// c_H ~ U(8, 12) independent of s: mean 10, s.d. 4/√12.
fn uniform_cost(_s: f64, rng: &mut ChaCha8Rng) -> f64 {
    8.0 + 4.0 * rng.random::<f64>()
}
const C_H: f64 = 10.0;
const SD_C_H: f64 = 1.1547005383792515;

#[test]
fn slopes_match_the_closed_form_on_a_concave_pair() {
    let n = 200_000;
    let data = pair_data(n, 7, p_l, p_h, uniform_cost);
    let all = data.all_queries();
    let opts = BenefitOptions::default();
    let b = escalation_benefit(&data, &all, 0, 1, &opts).unwrap();

    // Decreasing benefit everywhere: the pass test passes, one decreasing region spans
    // (almost) all queries, Δ > 0 in every bin, the fitted Δ is positive up to the top.
    assert!(b.passes, "max violation {}", b.max_violation);
    assert!(b.decreasing_share() > 0.9, "{:?}", b.decreasing_regions);
    assert_eq!(b.dominance_regions.len(), 1);
    assert_eq!(b.dominance_regions[0].queries, n);
    assert!(b.fitted_dominance_up_to.unwrap() > 0.99);
    // Bins recover Δ at their mean score within 4 standard errors.
    for bin in &b.bins {
        let se = bin.se_delta.unwrap();
        assert!(
            (bin.delta - delta(bin.score_mean)).abs() < 4.0 * se,
            "bin {}: {} vs {}",
            bin.bin,
            bin.delta,
            delta(bin.score_mean)
        );
    }

    // Tolerances, with h = 5 % · n = 10,000 queries each side (window m = 2h) and c_H = 10:
    // - numerical slope ΣD/Σc_H over the window between the frontier anchors: s.e. at most
    //   (√(v/m) + |Δ| · sd(c_H)/√m)/c_H with v = Var(D | s) ≤ 0.5; window-asymmetry bias
    //   at most |Δ'| · 2√h/n (the anchors' score drift) over c_H; allow 4 s.e. + that;
    // - analytic slope: Δ(τ) interpolated between two 30-bin means, each over n/30
    //   queries, s.e. at most √(30 v / n), over c̄_H (whose own error is |Δ|·sd/√n);
    //   allow 4 s.e.
    assert_eq!(b.slope_window, n / 20);
    let m = 2.0 * b.slope_window as f64;
    assert_eq!(b.slopes.len(), 9);
    for s in &b.slopes {
        let truth = delta(s.tau) / C_H;
        let v = var_d(s.tau).max(var_d(s.tau - 0.06)).max(var_d(s.tau + 0.06));
        let se_num = ((v / m).sqrt() + delta(s.tau) * SD_C_H / m.sqrt()) / C_H;
        let bias = 0.45 * 2.0 * (b.slope_window as f64).sqrt() / n as f64 / C_H;
        let tol_num = 4.0 * se_num + bias;
        let num = s.numerical.unwrap();
        assert!((num - truth).abs() < tol_num, "τ = {}: numerical {num} vs Δ/c_H {truth} (tol {tol_num})", s.tau);
        let se_an = (30.0 * v / n as f64).sqrt() / C_H + delta(s.tau) * SD_C_H / (n as f64).sqrt() / C_H;
        let tol_an = 4.0 * se_an;
        let an = s.analytic.unwrap();
        assert!((an - truth).abs() < tol_an, "τ = {}: analytic {an} vs {truth} (tol {tol_an})", s.tau);
        assert!(s.on_frontier || s.anchor_lo.is_some());
    }

    // Shadow prices of the exact empirical pair frontier (endpoints always-L and always-H
    // carry their own routes). λ·μ = 1 on every segment; on the hull the slopes fall.
    let sample = PairSample::from_confidence(&data, &all, 0, 1).unwrap();
    let curve = pair_curve(&sample).unwrap();
    let last = curve.points.len() - 1;
    let points: Vec<RoutedPoint> = curve
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| RoutedPoint {
            cost: p.cost,
            quality: p.quality,
            route: match i {
                0 => "L".into(),
                i if i == last => "H".into(),
                _ => "L → H".into(),
            },
        })
        .collect();
    let sp = shadow_prices(&points).unwrap();
    for v in [&sp.raw, &sp.hull] {
        assert!(v.segments.len() > 10);
        for seg in &v.segments {
            assert!((seg.lambda * seg.mu - 1.0).abs() <= 1e-12, "λμ = {}", seg.lambda * seg.mu);
        }
        assert!(v.max_lambda_mu_error <= 1e-12);
    }
    assert!(sp.hull.slopes_non_increasing);
    assert!(!sp.raw.slopes_non_increasing, "a noisy empirical frontier is not concave");
    assert_eq!(sp.raw.switches.first().map(|s| s.route_before.as_str()), Some("L"));

    // λ from the hull at the budget C(τ): the hull's segments have a length L in cost where
    // the curvature |Q''| L²/8 matches the noise √(v L/(c_H n)) of Q over that span, i.e.
    // L = (8 √(v/(c_H n)) / |Q''|)^(2/3); the slope error is then about |Q''| L/2 (chord vs
    // tangent) + √(v L/(c_H n))/L (noise over the chord), with v ≤ 0.5. Here L ≈ 0.93 and
    // the tolerance ≈ 2.6e-3 (λ runs from 0.046 to 0.010); a hull price read one segment off
    // would be about |Q''| L ≈ 4e-3 away.
    let q2 = 0.45 / (C_H * C_H);
    let nf = n as f64;
    let len = (8.0 * (0.5 / (C_H * nf)).sqrt() / q2).powf(2.0 / 3.0);
    let tol_hull = q2 * len / 2.0 + (0.5 * len / (C_H * nf)).sqrt() / len;
    for s in &b.slopes {
        let seg = sp.hull.segment_at(s.budget).expect("budget inside the hull");
        let truth = delta(s.tau) / C_H;
        assert!(
            (seg.lambda - truth).abs() < tol_hull,
            "τ = {}: hull λ {} vs {truth} (tol {tol_hull})",
            s.tau,
            seg.lambda
        );
    }
}

#[test]
fn pass_test_fails_on_rising_benefit() {
    // Δ(s) = (0.85 − 0.2 s) − (0.8 − 0.6 s) = 0.05 + 0.4 s rises by 0.4 over the scores: the
    // non-increasing fit pools it flat (at the mean 0.25) and the top bin (centre 0.975,
    // Δ = 0.44) sits 0.19 above it. The top bin holds n/20 = 2,500 queries: s.e. of its Δ at
    // most √(0.5/2500) ≈ 0.014 (the pooled mean's error is √20 times smaller); allow 4 s.e.
    let n = 50_000;
    let data = pair_data(n, 11, |s| 0.8 - 0.6 * s, |s| 0.85 - 0.2 * s, uniform_cost);
    let b = escalation_benefit(&data, &data.all_queries(), 0, 1, &BenefitOptions::default()).unwrap();
    assert!(!b.passes);
    let tol = 4.0 * (0.5 / (n as f64 / 20.0)).sqrt();
    assert!((b.max_violation - 0.19).abs() < tol, "{} (tol {tol})", b.max_violation);
    assert_eq!(b.max_violation_bin, b.bins.len() - 1);
}

#[test]
fn spearman_detects_score_dependent_cost() {
    let n = 50_000;
    // Independent cost: ρ has s.d. 1/√(n − 1); allow 4 of them.
    let data = pair_data(n, 3, p_l, p_h, uniform_cost);
    let b = escalation_benefit(&data, &data.all_queries(), 0, 1, &BenefitOptions::default()).unwrap();
    let rho = b.spearman_score_cost_high.unwrap();
    assert!(rho.abs() < 4.0 / ((n - 1) as f64).sqrt(), "{rho}");
    // c_H = 8 + 4 s + U(−0.5, 0.5): strongly increasing in s.
    let data = pair_data(n, 3, p_l, p_h, |s, rng| 8.0 + 4.0 * s + rng.random::<f64>() - 0.5);
    let b = escalation_benefit(&data, &data.all_queries(), 0, 1, &BenefitOptions::default()).unwrap();
    assert!(b.spearman_score_cost_high.unwrap() > 0.9, "{:?}", b.spearman_score_cost_high);
}

/// Three stages a → b → c with closed-form G and K.
///
/// u, v ~ U(0, 1) independent; s_a = u, s_b = v; U_a ~ Bern(0.3 + 0.5 u),
/// U_b ~ Bern(0.5 + 0.4 v), U_c ~ Bern(0.75 + 0.2 u); costs 1, 3, 10; τ_1 = 0.6 on u,
/// τ_2 = 0.5 on v.
///
/// Boundary 1 (u ≈ τ_1, every query reaches a): continuing runs b, which answers iff
/// v ≥ τ_2, else c. E[U_cont | u] = ∫_{τ_2}^1 (0.5 + 0.4 v) dv + τ_2 (0.75 + 0.2 u)
/// = 0.25 + 0.15 + 0.375 + 0.1 u = 0.775 + 0.1 u, so G_1 = 0.775 + 0.06 − (0.3 + 0.3)
/// = 0.235; K_1 = c_b + τ_2 c_c = 3 + 5 = 8; λ_1 = 0.029375.
///
/// Boundary 2 (v ≈ τ_2 among queries reaching b, i.e. u < τ_1): continuing runs c.
/// G_2 = E[0.75 + 0.2 u | u < 0.6] − (0.5 + 0.4 · 0.5) = 0.81 − 0.7 = 0.11; K_2 = 10;
/// λ_2 = 0.011.
#[test]
fn first_order_recovers_closed_form_gains_and_costs_on_three_stages() {
    let n = 400_000;
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (mut su, mut sv) = (Vec::new(), Vec::new());
    let (mut ua, mut ub, mut uc) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let (u, v): (f64, f64) = (rng.random(), rng.random());
        su.push(u);
        sv.push(v);
        ua.push(bernoulli(&mut rng, 0.3 + 0.5 * u));
        ub.push(bernoulli(&mut rng, 0.5 + 0.4 * v));
        uc.push(bernoulli(&mut rng, 0.75 + 0.2 * u));
    }
    let data = dataset(vec![
        model("a", ua, su, vec![1.0; n]),
        model("b", ub, sv, vec![3.0; n]),
        model("c", uc, vec![0.0; n], vec![10.0; n]),
    ]);
    let policy = Policy::Cascade {
        stages: vec!["a".into(), "b".into(), "c".into()],
        thresholds: vec![0.6, 0.5],
        signal: Signal::Confidence,
    };
    let all = data.all_queries();
    let r = first_order(&data, &all, &policy, &Predictors::new(), &FirstOrderOptions::default()).unwrap();
    assert_eq!(r.boundaries.len(), 2);

    // (G, K, sd(K), reaching share): K_1 = 3 + 10·1[v < 0.5] has s.d. 5; K_2 is constant.
    let truth: [(f64, f64, f64, f64); 2] = [(0.235, 8.0, 5.0, 1.0), (0.11, 10.0, 0.0, 0.6)];
    let mut lambda_bounds = Vec::new();
    for (b, &(g, k, sd_k, share)) in r.boundaries.iter().zip(&truth) {
        let lambda = g / k;
        let reaching = b.reaching as f64;
        assert!((reaching / n as f64 - share).abs() < 0.01);
        // Window: w = 5 % of the reaching queries each side, m = 2w queries; D = U_cont − U_j
        // takes values in {−1, 0, 1} with variance ≤ 0.5 (two independent Bernoullis). The
        // ratio ΣD/ΣK has s.e. at most (√0.5 + |λ| sd(K))/(K √m); G is linear in the score
        // and the window symmetric, so no bias to first order. Allow 4 s.e.
        let m = (b.window_below + b.window_above) as f64;
        assert_eq!(b.window, (0.05 * reaching).ceil() as usize);
        let tol = 4.0 * (0.5f64.sqrt() + lambda.abs() * sd_k) / (k * m.sqrt());
        let got = b.lambda_window.unwrap();
        assert!((got - lambda).abs() < tol, "boundary {}: λ {got} vs {lambda} (tol {tol})", b.boundary);
        let tol_g = 4.0 * 0.5f64.sqrt() / m.sqrt();
        assert!((b.gain_window.unwrap() - g).abs() < tol_g, "G {:?} vs {g}", b.gain_window);
        assert!((b.cost_window.unwrap() - k).abs() < 4.0 * sd_k / m.sqrt() + 1e-12);
        // Bins: τ sits on the edge between two of the 30 equal-width bins, so G and K are the
        // mean of two bin means over 2 · reaching/30 queries; λ = G/K has s.e. at most
        // (σ_G + |G| σ_K / K)/K. Allow 4 s.e.
        let mb = 2.0 * reaching / 30.0;
        let (sg, sk) = (0.5f64.sqrt() / mb.sqrt(), sd_k / mb.sqrt());
        let tol_b = 4.0 * (sg + g.abs() * sk / k) / k;
        let got_b = b.lambda_binned.unwrap();
        assert!((got_b - lambda).abs() < tol_b, "boundary {}: binned λ {got_b} vs {lambda} (tol {tol_b})", b.boundary);
        lambda_bounds.push((lambda - tol, lambda + tol));
    }
    // The spread reports how far the λ_j are from equal: max/min ≈ 0.029375/0.011 ≈ 2.67,
    // within the interval the per-boundary tolerances allow.
    let ratio = r.spread_window.ratio.unwrap();
    let (lo, hi) = (lambda_bounds[0].0 / lambda_bounds[1].1, lambda_bounds[0].1 / lambda_bounds[1].0);
    assert!(ratio > lo && ratio < hi, "ratio {ratio} outside [{lo}, {hi}]");
    assert_eq!(r.spread_window.boundaries, 2);
}

#[test]
fn for_two_stages_the_first_order_lambda_is_the_escalation_slope() {
    let n = 100_000;
    let all: Vec<usize> = (0..n).collect();
    let taus = [0.2, 0.45, 0.7];
    // Constant c_H = 10: the binned first-order λ uses exactly the benefit's 30 equal-width
    // bins and c_H equals every bin's mean cost, so G/K = Δ(τ)/c_H up to rounding.
    let data = pair_data(n, 19, p_l, p_h, |_, _| 10.0);
    let opts = BenefitOptions { taus: taus.to_vec(), tau_quantiles: vec![], ..Default::default() };
    let b = escalation_benefit(&data, &all, 0, 1, &opts).unwrap();
    for (s, &tau) in b.slopes.iter().zip(&taus) {
        let policy =
            Policy::Cascade { stages: vec!["L".into(), "H".into()], thresholds: vec![tau], signal: Signal::Confidence };
        let r = first_order(&data, &all, &policy, &Predictors::new(), &FirstOrderOptions::default()).unwrap();
        let f = &r.boundaries[0];
        assert_eq!(s.tau, tau);
        assert!((f.gain_binned.unwrap() - s.delta.unwrap()).abs() < 1e-12);
        assert!((f.lambda_binned.unwrap() - s.analytic.unwrap()).abs() < 1e-12);
        // The window estimate and the frontier's numerical slope use nearly the same queries
        // (the anchors may slip a few queries past r ± h); they agree far inside either's
        // own s.e. (√(0.5/m)/c_H ≈ 5e-4 here).
        let gap = (f.lambda_window.unwrap() - s.numerical.unwrap()).abs();
        assert!(gap < 1e-4, "τ = {tau}: window λ {:?} vs frontier slope {:?}", f.lambda_window, s.numerical);
    }
    // With score-independent random c_H the two estimates agree up to noise in K: the binned
    // λ divides by the local mean c_H, the analytic one by the global mean (s.e. of a
    // two-bin mean of c_H: sd/√(2n/30)); allow 4 s.e. relative to λ.
    let data = pair_data(n, 23, p_l, p_h, uniform_cost);
    let b = escalation_benefit(&data, &all, 0, 1, &opts).unwrap();
    for (s, &tau) in b.slopes.iter().zip(&taus) {
        let policy =
            Policy::Cascade { stages: vec!["L".into(), "H".into()], thresholds: vec![tau], signal: Signal::Confidence };
        let r = first_order(&data, &all, &policy, &Predictors::new(), &FirstOrderOptions::default()).unwrap();
        let f = &r.boundaries[0];
        assert!((f.gain_binned.unwrap() - s.delta.unwrap()).abs() < 1e-12);
        let rel = 4.0 * SD_C_H / (2.0 * n as f64 / 30.0).sqrt() / C_H;
        let (a, bl) = (s.analytic.unwrap(), f.lambda_binned.unwrap());
        assert!((a - bl).abs() < rel * a.abs(), "τ = {tau}: {a} vs {bl}");
    }
}

#[test]
fn results_serialize_and_summaries_are_deterministic() {
    let data = pair_data(5_000, 29, p_l, p_h, uniform_cost);
    let all = data.all_queries();
    let b = escalation_benefit(&data, &all, 0, 1, &BenefitOptions::default()).unwrap();
    let json = serde_json::to_string(&b).unwrap();
    let back: cascadelab_diagnostics::EscalationBenefit = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    let md = b.summary_markdown();
    assert_eq!(md, escalation_benefit(&data, &all, 0, 1, &BenefitOptions::default()).unwrap().summary_markdown());
    assert!(md.contains("| bin | n | scores |"));
    assert_eq!(md.matches("\n| ").count(), b.bins.len() + 1 + b.slopes.len() + 1);
    let overview = cascadelab_diagnostics::benefit_overview_markdown(&[b.clone(), b]);
    assert_eq!(overview.lines().count(), 4);
    // The pool of the subset has the one valid pair L → H.
    let pool = cascadelab_diagnostics::pool_benefits(&data, &all, &BenefitOptions::default()).unwrap();
    assert_eq!(pool.len(), 1);
    assert_eq!((pool[0].low.as_str(), pool[0].high.as_str()), ("L", "H"));
    // A sample built by hand goes through the same path.
    let sample = PairSample::from_confidence(&data, &all, 0, 1).unwrap();
    assert_eq!(escalation_benefit_of(&sample, &BenefitOptions::default()).unwrap().queries, 5_000);
}
