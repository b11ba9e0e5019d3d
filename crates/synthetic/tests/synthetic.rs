//! The generator against its documented distributions and closed forms.

// Query positions index several parallel columns at once.
#![allow(clippy::needless_range_loop)]

use cascadelab_core::{Evaluator, Policy, Predictors, Signal};
use cascadelab_synthetic::{
    Accuracy, ConfidenceTransform, FeatureSpec, QualityKind, SyntheticModel, SyntheticSpec, generate, latent_ease,
};
use proptest::prelude::*;

fn model(name: &str, accuracy: Accuracy, cost: f64) -> SyntheticModel {
    SyntheticModel { name: Some(name.into()), accuracy, cost, ..SyntheticModel::default() }
}

/// A pair with every optional effect switched on: score noise, a `-inf` floor, a log
/// transform on the cheap model and a cost that depends on the latent ease.
fn noisy_pair(queries: usize) -> SyntheticSpec {
    SyntheticSpec {
        queries,
        seed: 7,
        models: vec![
            SyntheticModel {
                score_noise: 0.2,
                neg_inf_below: 0.05,
                confidence: ConfidenceTransform::Log,
                confidence_scale: 2.0,
                cost_noise: 0.5,
                ..model("l", Accuracy::Linear { a: 0.2, b: 0.6 }, 1.0)
            },
            SyntheticModel {
                cost_noise: 0.3,
                cost_slope: 0.5,
                ..model("h", Accuracy::Piecewise { knots: vec![[0.0, 0.1], [0.4, 0.3], [0.6, 0.9], [1.0, 0.95]] }, 4.0)
            },
        ],
        ..SyntheticSpec::default()
    }
}

fn cascade(l: &str, h: &str, tau: f64) -> Policy {
    Policy::Cascade { stages: vec![l.into(), h.into()], thresholds: vec![tau], signal: Signal::Confidence }
}

#[test]
fn the_default_spec_generates_named_models_and_padded_ids() {
    let spec = SyntheticSpec::default();
    let d = generate(&spec).unwrap();
    assert_eq!(d.n_queries(), 1000);
    assert_eq!(d.model_names(), vec!["cheap", "expensive"]);
    assert_eq!(d.query_ids[0], "q000001");
    assert_eq!(d.query_ids[999], "q001000");
    assert!(d.source_split.is_none() && d.features.is_none());
    let big = generate(&SyntheticSpec { queries: 1_234_567, models: vec![SyntheticModel::default()], ..spec }).unwrap();
    assert_eq!(big.query_ids[0], "q0000001");
    assert_eq!(big.model_names(), vec!["m1"]);
}

#[test]
fn the_same_seed_gives_the_same_data_and_models_do_not_disturb_each_other() {
    let spec = noisy_pair(500);
    let (a, b) = (generate(&spec).unwrap(), generate(&spec).unwrap());
    assert_eq!(a, b);
    let other = generate(&SyntheticSpec { seed: 8, ..spec.clone() }).unwrap();
    assert_ne!(a.models[0].quality, other.models[0].quality);
    // Appending a model leaves the first two columns bit for bit unchanged.
    let mut three = spec.clone();
    three.models.push(model("x", Accuracy::default(), 9.0));
    let c = generate(&three).unwrap();
    assert_eq!(c.models[..2], a.models[..]);
}

#[test]
fn fractional_quality_is_the_accuracy_curve_at_the_latent_ease() {
    let spec = SyntheticSpec { quality: QualityKind::Fractional, ..noisy_pair(300) };
    let d = generate(&spec).unwrap();
    let u = latent_ease(&spec);
    for j in 0..2 {
        for q in 0..300 {
            assert_eq!(d.models[j].quality[q], spec.accuracy(j, u[q]));
        }
    }
    // Bernoulli quality is 0/1 with the same seed.
    let b = generate(&noisy_pair(300)).unwrap();
    assert!(b.models.iter().all(|m| m.quality.iter().all(|&x| x == 0.0 || x == 1.0)));
}

#[test]
fn confidence_follows_the_transform_the_floor_and_the_noise() {
    let spec = noisy_pair(20_000);
    let d = generate(&spec).unwrap();
    let u = latent_ease(&spec);
    let conf = d.models[0].confidence.as_ref().unwrap();
    let (mut exact, mut floored) = (0, 0);
    for q in 0..u.len() {
        if conf[q] == f64::NEG_INFINITY {
            floored += 1;
        } else {
            assert!(conf[q] <= 0.0);
            let r = spec.raw_score(0, conf[q]);
            assert!(r >= 0.05 - 1e-12);
            if (r - u[q]).abs() < 1e-12 {
                exact += 1;
            }
        }
    }
    let n = u.len() as f64;
    // Raw score = u with probability 0.8; every raw score below 0.05 is floored.
    assert!((exact as f64 / n - 0.8 * 0.95).abs() < 0.02, "share with r = u: {}", exact as f64 / n);
    assert!((floored as f64 / n - 0.05).abs() < 0.006, "share floored: {}", floored as f64 / n);
    for r in [0.05, 0.3, 0.999] {
        assert!((spec.raw_score(0, spec.reported_score(0, r)) - r).abs() < 1e-12);
    }
    assert_eq!(spec.reported_score(0, 0.01), f64::NEG_INFINITY);
}

#[test]
fn split_labels_have_the_exact_size_and_features_reveal_the_ease() {
    let spec = SyntheticSpec {
        train_fraction: Some(0.3),
        features: Some(FeatureSpec { dim: 3, noise: 0.0 }),
        ..noisy_pair(1001)
    };
    let d = generate(&spec).unwrap();
    let split = d.source_split.as_ref().unwrap();
    assert_eq!(split.iter().filter(|s| *s == "train").count(), 300);
    assert_eq!(split.iter().filter(|s| *s == "test").count(), 701);
    let f = d.features.as_ref().unwrap();
    let u = latent_ease(&spec);
    for q in 0..1001 {
        assert!(f.row(q).iter().all(|&x| x == (2.0 * u[q] - 1.0) as f32));
    }
    // Features and split do not change the model columns.
    assert_eq!(d.models, generate(&noisy_pair(1001)).unwrap().models);
}

#[test]
fn empirical_conditional_means_match_m_l_and_m_h() {
    let spec = noisy_pair(400_000);
    let d = generate(&spec).unwrap();
    let conf = d.models[0].confidence.as_ref().unwrap();
    let bins = 10;
    let mut sum = vec![[0.0; 2]; bins];
    let mut count = vec![0usize; bins];
    for q in 0..d.n_queries() {
        let b = ((spec.raw_score(0, conf[q]) * bins as f64) as usize).min(bins - 1);
        count[b] += 1;
        for j in 0..2 {
            sum[b][j] += d.models[j].quality[q];
        }
    }
    for b in 0..bins {
        for j in 0..2 {
            // Bin average of m_j over [b/10, (b+1)/10], by a fine midpoint rule.
            let truth: f64 = (0..1000)
                .map(|k| spec.conditional_quality(0, j, (b as f64 + (k as f64 + 0.5) / 1000.0) / bins as f64))
                .sum::<f64>()
                / 1000.0;
            let emp = sum[b][j] / count[b] as f64;
            // 5 binomial standard errors (variance at most 1/4).
            let tol = 5.0 * 0.5 / (count[b] as f64).sqrt();
            assert!((emp - truth).abs() < tol, "bin {b} model {j}: {emp} vs {truth} (tol {tol})");
        }
    }
}

#[test]
fn empirical_pair_points_match_the_closed_form_frontier() {
    let n = 400_000;
    let spec = noisy_pair(n);
    let d = generate(&spec).unwrap();
    let all = d.all_queries();
    let preds = Predictors::new();
    let mut ev = Evaluator::new(&d, &all, &preds).unwrap();
    for t in [0.0, 0.05, 0.2, 0.45, 0.55, 0.8, 1.0] {
        let p = ev.evaluate(&cascade("l", "h", spec.reported_score(0, t))).unwrap();
        let (c, q) = spec.closed_form_pair_frontier(0, 1, t);
        // 5 standard errors: quality in [0, 1], cost in [0, 2 (c_L + c_H)].
        let (tol_q, tol_c) = (5.0 * 0.5 / (n as f64).sqrt(), 5.0 * 5.0 / (n as f64).sqrt());
        assert!((p.quality - q).abs() < tol_q, "t = {t}: quality {} vs {q}", p.quality);
        assert!((p.cost - c).abs() < tol_c, "t = {t}: cost {} vs {c}", p.cost);
    }
    assert!((spec.expected_quality(1) - spec.pair_quality(0, 1, 1.0)).abs() < 1e-12);
}

#[test]
fn frontier_slope_and_curvature_are_the_derivatives_of_the_closed_form() {
    let spec = noisy_pair(10);
    for t in [0.1, 0.3, 0.5, 0.7, 0.9] {
        let h = 1e-6;
        let (c0, q0) = spec.closed_form_pair_frontier(0, 1, t - h);
        let (c1, q1) = spec.closed_form_pair_frontier(0, 1, t + h);
        let slope = (q1 - q0) / (c1 - c0);
        assert!((slope - spec.frontier_slope(0, 1, t)).abs() < 1e-6, "slope at {t}");
        let s0 = spec.frontier_slope(0, 1, t - h);
        let s1 = spec.frontier_slope(0, 1, t + h);
        let curv = (s1 - s0) / (c1 - c0);
        assert!((curv - spec.frontier_curvature(0, 1, t)).abs() < 1e-4, "curvature at {t}");
        let tc = spec.pair_threshold_at_cost(0, 1, spec.pair_cost(0, 1, t)).unwrap();
        assert!((tc - t).abs() < 1e-12);
        let at_cost = spec.frontier_slope_at_cost(0, 1, spec.pair_cost(0, 1, t)).unwrap();
        assert!((at_cost - spec.frontier_slope(0, 1, t)).abs() < 1e-9);
    }
    assert_eq!(spec.pair_threshold_at_cost(0, 1, 0.5), None);
}

#[test]
fn pair_frontier_at_budget_is_the_best_of_the_endpoints_and_every_threshold() {
    // Δ < 0 on the hardest queries, > 0 later, and the cascade can cost more than H alone.
    let spec = noisy_pair(10);
    assert!(spec.benefit(0, 1, 0.0) < 0.0 && spec.benefit(0, 1, 0.7) > 0.0);
    let ts: Vec<f64> = (0..=100_000).map(|i| i as f64 / 100_000.0).collect();
    let brute = |budget: f64| {
        let mut best = if spec.expected_cost(1) <= budget { spec.expected_quality(1) } else { f64::NEG_INFINITY };
        for &t in &ts {
            let (c, q) = spec.closed_form_pair_frontier(0, 1, t);
            if c <= budget {
                best = best.max(q);
            }
        }
        best
    };
    assert_eq!(spec.pair_frontier_at_budget(0, 1, 0.99), None);
    for budget in [1.0, 1.3, 2.0, 2.5, 3.0, 3.9, 4.0, 4.5, 6.0] {
        let got = spec.pair_frontier_at_budget(0, 1, budget).unwrap();
        assert!((got - brute(budget)).abs() < 1e-6, "budget {budget}: {got} vs {}", brute(budget));
    }
    // Past H alone's cost, H alone (quality E[U_H]) beats the dearer cascades near t = 1.
    assert_eq!(spec.pair_frontier_at_budget(0, 1, 4.5), Some(spec.expected_quality(1)));
}

#[test]
fn bad_specs_are_rejected_naming_the_key() {
    let base = noisy_pair(10);
    type Mutation = Box<dyn Fn(&mut SyntheticSpec)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("queries", Box::new(|s| s.queries = 0)),
        ("train-fraction", Box::new(|s| s.train_fraction = Some(1.5))),
        ("models:", Box::new(|s| s.models.clear())),
        ("models[1].name", Box::new(|s| s.models[1].name = Some("l".into()))),
        ("models[0].name", Box::new(|s| s.models[0].name = Some(" l".into()))),
        ("models[0].accuracy.b", Box::new(|s| s.models[0].accuracy = Accuracy::Linear { a: 0.5, b: 0.7 })),
        ("models[0].accuracy.a", Box::new(|s| s.models[0].accuracy = Accuracy::Linear { a: -0.1, b: 0.7 })),
        ("models[0].accuracy", Box::new(|s| s.models[0].accuracy = Accuracy::Logistic { a: f64::NAN, b: 1.0 })),
        (
            "models[1].accuracy.knots[1]",
            Box::new(|s| {
                s.models[1].accuracy = Accuracy::Piecewise { knots: vec![[0.0, 0.1], [0.0, 0.2], [1.0, 0.3]] }
            }),
        ),
        (
            "models[1].accuracy.knots[0]",
            Box::new(|s| s.models[1].accuracy = Accuracy::Piecewise { knots: vec![[0.1, 0.1], [1.0, 0.3]] }),
        ),
        (
            "models[1].accuracy.knots[1]",
            Box::new(|s| s.models[1].accuracy = Accuracy::Piecewise { knots: vec![[0.0, 0.1], [0.9, 0.3]] }),
        ),
        ("models[1].accuracy.knots", Box::new(|s| s.models[1].accuracy = Accuracy::Piecewise { knots: vec![] })),
        ("models[1].cost", Box::new(|s| s.models[1].cost = -1.0)),
        ("models[1].cost", Box::new(|s| s.models[1].cost = f64::INFINITY)),
        ("models[1].cost-noise", Box::new(|s| s.models[1].cost_noise = 2.0)),
        ("models[1].cost-slope", Box::new(|s| s.models[1].cost_slope = 0.8)),
        ("models[1].score-noise", Box::new(|s| s.models[1].score_noise = -0.1)),
        ("models[1].confidence-scale", Box::new(|s| s.models[1].confidence_scale = 0.0)),
        ("models[1].neg-inf-below", Box::new(|s| s.models[1].neg_inf_below = 1.0)),
        ("features.dim", Box::new(|s| s.features = Some(FeatureSpec { dim: 0, noise: 0.0 }))),
        ("features.noise", Box::new(|s| s.features = Some(FeatureSpec { dim: 2, noise: -1.0 }))),
    ];
    assert!(generate(&base).is_ok());
    for (key, mutate) in cases {
        let mut s = base.clone();
        mutate(&mut s);
        let msg = generate(&s).unwrap_err().0;
        assert!(msg.starts_with(key), "expected an error about `{key}`, got `{msg}`");
        assert!(!msg.ends_with('.'), "{msg}");
    }
}

#[test]
fn the_experiment_file_spelling_parses_and_unknown_keys_are_rejected() {
    let text = r#"
        synthetic = { queries = 50, seed = 3, quality = "fractional", train-fraction = 0.5, models = [
            { name = "a", accuracy = { shape = "linear", a = 0.1, b = 0.5 }, cost = 0.001, cost-noise = 0.2 },
            { name = "b", accuracy = { shape = "logistic", a = 0.0, b = 2.0 }, cost = 0.01, score-noise = 0.1,
              confidence = "logit", confidence-scale = 0.5, neg-inf-below = 0.01, cost-slope = -0.3 },
            { accuracy = { shape = "piecewise", knots = [[0, 0.2], [0.5, 0.3], [1, 0.9]] } },
        ], features = { dim = 4, noise = 0.1 } }
    "#;
    #[derive(serde::Deserialize)]
    struct Wrapper {
        synthetic: SyntheticSpec,
    }
    let spec = toml::from_str::<Wrapper>(text).unwrap().synthetic;
    let d = generate(&spec).unwrap();
    assert_eq!(d.model_names(), vec!["a", "b", "m3"]);
    assert_eq!(spec.models[2].cost, 1.0);
    assert_eq!(d.features.as_ref().unwrap().dim, 4);
    // An empty table is the default spec.
    assert_eq!(toml::from_str::<Wrapper>("synthetic = {}").unwrap().synthetic, SyntheticSpec::default());
    for bad in [
        "synthetic = { querys = 5 }",
        "synthetic = { models = [{ costs = 1 }] }",
        "synthetic = { models = [{ accuracy = { shape = \"linear\", c = 1 } }] }",
        "synthetic = { models = [{ accuracy = { shape = \"cubic\" } }] }",
        "synthetic = { quality = \"gaussian\" }",
    ] {
        assert!(toml::from_str::<Wrapper>(bad).is_err(), "{bad}");
    }
    // JSON round trip.
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(serde_json::from_str::<SyntheticSpec>(&json).unwrap(), spec);
}

fn accuracy_strategy() -> impl Strategy<Value = Accuracy> {
    prop_oneof![
        (0.0..=1.0f64, 0.0..=1.0f64).prop_map(|(p0, p1)| Accuracy::Linear { a: p0, b: p1 - p0 }),
        (-5.0..5.0f64, -8.0..8.0f64).prop_map(|(a, b)| Accuracy::Logistic { a, b }),
        (-1.0..1.0f64).prop_map(|a| Accuracy::Logistic { a, b: 0.0 }),
        proptest::collection::vec((0.01..1.0f64, 0.0..=1.0f64), 0..6).prop_map(|mut inner| {
            inner.sort_by(|a, b| a.0.total_cmp(&b.0));
            inner.dedup_by(|a, b| a.0 - b.0 < 1e-3);
            inner.retain(|k| k.0 < 0.999);
            let mut knots = vec![[0.0, 0.5]];
            knots.extend(inner.iter().map(|&(u, p)| [u, p]));
            knots.push([1.0, 0.2]);
            Accuracy::Piecewise { knots }
        }),
    ]
}

proptest! {
    #[test]
    fn integral_and_derivative_match_numerical_calculus(acc in accuracy_strategy(), t in 0.0..=1.0f64) {
        let n = 20_000;
        let numeric: f64 = (0..n).map(|k| acc.at((k as f64 + 0.5) / n as f64 * t)).sum::<f64>() * t / n as f64;
        prop_assert!((acc.integral(t) - numeric).abs() < 1e-6, "{} vs {numeric}", acc.integral(t));
        prop_assert!((0.0..=1.0).contains(&acc.at(t)));
        // One-sided difference to the right, where the piecewise derivative is defined.
        let u = t.min(1.0 - 1e-4);
        let h = 1e-7;
        let fd = (acc.at(u + h) - acc.at(u)) / h;
        prop_assert!((fd - acc.derivative(u)).abs() < 1e-4 * (1.0 + acc.derivative(u).abs()), "{fd} vs {}", acc.derivative(u));
    }
}
