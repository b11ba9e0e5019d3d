//! The randomized frontier against closed-form ground truth (synthetic data), brute
//! force (proptest) and the solver contract.

use cascadelab_core::{
    Context, Dataset, Evaluator, ModelColumns, NullObserver, Point, Policy, Pool, Predictors, Problem, Signal,
    SolverEntry, concave_hull,
};
use cascadelab_pairwise::{ThresholdRule, pair_frontier};
use cascadelab_randomized::{ENTRY, RandomizedError, RandomizedFrontier};
use cascadelab_synthetic::{Accuracy, QualityKind, SyntheticModel, SyntheticSpec, generate};
use proptest::prelude::*;

fn model(name: &str, accuracy: Accuracy, cost: f64, cost_noise: f64) -> SyntheticModel {
    SyntheticModel { name: Some(name.into()), accuracy, cost, cost_noise, ..SyntheticModel::default() }
}

fn grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    cascadelab_core::linspace(lo, hi, n)
}

/// Logistic p_L, p_H with p_H' < p_L' on [0, 1]: Δ decreases, the frontier is concave.
fn concave_pair(queries: usize, seed: u64) -> SyntheticSpec {
    SyntheticSpec {
        queries,
        seed,
        models: vec![
            model("l", Accuracy::Logistic { a: -1.0, b: 3.0 }, 1.0, 0.5),
            model("h", Accuracy::Logistic { a: 1.5, b: 2.0 }, 5.0, 0.5),
        ],
        ..SyntheticSpec::default()
    }
}

/// Sup over a threshold grid of the error at matching cost: the empirical exact pair
/// frontier (every distinct threshold, and both models alone) against the closed-form
/// frontier, both read at the budgets C(t).
fn sup_error(spec: &SyntheticSpec) -> f64 {
    let d = generate(spec).unwrap();
    let f = pair_frontier(&d, &d.all_queries(), 0, 1, ThresholdRule::Exact).unwrap();
    // Budgets stay below H alone's cost, where the frontier jumps (H alone beats the
    // dearest cascades) and a matching-cost comparison is ill-conditioned.
    grid(0.02, 0.76, 38)
        .into_iter()
        .map(|t| {
            let c = spec.pair_cost(0, 1, t);
            let q = spec.pair_frontier_at_budget(0, 1, c).unwrap();
            (f.quality_at(c).expect("C(t) is above L alone") - q).abs()
        })
        .fold(0.0, f64::max)
}

#[test]
fn empirical_exact_pair_frontier_converges_to_the_closed_form() {
    let spec = concave_pair(10, 0);
    for s in grid(0.0, 1.0, 201) {
        assert!(spec.benefit_derivative(0, 1, s) < 0.0 && spec.benefit(0, 1, s) > 0.0, "Δ must fall and stay > 0");
    }
    let sizes = [1_000, 10_000, 100_000];
    let seeds = 0..4u64;
    let mean_error: Vec<f64> = sizes
        .iter()
        .map(|&n| {
            seeds.clone().map(|seed| sup_error(&concave_pair(n, seed))).sum::<f64>() / seeds.clone().count() as f64
        })
        .collect();
    eprintln!("mean sup error at n = 1e3, 1e4, 1e5: {mean_error:?}");
    assert!(mean_error[1] < mean_error[0] && mean_error[2] < mean_error[1], "errors must shrink: {mean_error:?}");
    // Tolerance at n = 1e5: 6/√n. The error is a random walk of n steps of variance
    // ≤ 1 (U_L, U_H − U_L ∈ [−1, 1]): sup ≤ 3.2/√n with probability > 99.7 %
    // (reflection principle); the escalated set's quantile error adds
    // max|Δ|·1.63/√n (DKW, 99 %), and the cost noise (±50 %, matched by the staircase)
    // at most slope·c_H·0.3·3/√n < 1/√n.
    let n = 100_000.0_f64;
    for seed in seeds {
        let e = sup_error(&concave_pair(100_000, seed));
        assert!(e < 6.0 / n.sqrt(), "seed {seed}: sup error {e} at n = 1e5");
    }
}

/// L linear; H's accuracy jumps between u = 0.2 and 0.4, then stays flat: Δ rises on
/// [0.2, 0.4] (the frontier is convex there), then falls (concave).
fn increasing_benefit_pair(queries: usize) -> SyntheticSpec {
    SyntheticSpec {
        queries,
        seed: 11,
        quality: QualityKind::Bernoulli,
        models: vec![
            model("l", Accuracy::Linear { a: 0.2, b: 0.75 }, 0.1, 0.0),
            model(
                "h",
                Accuracy::Piecewise { knots: vec![[0.0, 0.2], [0.2, 0.22], [0.4, 0.97], [1.0, 0.97]] },
                4.0,
                0.0,
            ),
        ],
        ..SyntheticSpec::default()
    }
}

#[test]
fn hull_beats_the_deterministic_frontier_where_benefit_increases_and_equals_it_where_concave() {
    let n = 400_000;
    let spec = increasing_benefit_pair(n);
    // Closed form: the cascade at every threshold of a fine grid and H alone (the
    // last point); the deterministic frontier and the hull of those points.
    let ts = grid(0.0, 1.0, 20_001);
    let mut closed: Vec<Point> = ts
        .iter()
        .map(|&t| {
            let (cost, quality) = spec.closed_form_pair_frontier(0, 1, t);
            Point { cost, quality }
        })
        .collect();
    closed.push(Point { cost: spec.expected_cost(1), quality: spec.expected_quality(1) });
    let hull_idx = concave_hull(&closed);
    let hull_curve = cascadelab_core::Curve::from_points(&hull_idx.iter().map(|&i| closed[i]).collect::<Vec<_>>());
    let det_closed = |budget: f64| spec.pair_frontier_at_budget(0, 1, budget).unwrap();
    // The hull leaves L alone along a chord that touches the cascade curve at t > 0.
    assert!(hull_idx.len() > 2 && hull_idx[1] > 0, "hull vertices {hull_idx:?}");

    let d = generate(&spec).unwrap();
    let all = d.all_queries();
    let det = pair_frontier(&d, &all, 0, 1, ThresholdRule::Exact).unwrap();
    let policies: Vec<Policy> = det.points.iter().map(|p| det.policy(&d, p)).collect();
    let points: Vec<Point> = det.points.iter().map(|p| Point { cost: p.cost, quality: p.quality }).collect();
    let rf = RandomizedFrontier::new(policies, points).unwrap();

    // Tolerance 2ε with ε = 4.1/√n (≈ 0.0065): each empirical curve is within ε of its
    // closed form (random walk 3.2/√n plus quantile error 1.63·max|Δ|/√n, max|Δ| < 0.55;
    // costs are noise-free), and hull and staircase are 1-Lipschitz in that error.
    let eps = 4.1 / (n as f64).sqrt();
    let (mut strict, mut equal) = (0, 0);
    let preds = Predictors::new();
    let mut ev = Evaluator::new(&d, &all, &preds).unwrap();
    for k in (0..ts.len()).step_by(100) {
        let budget = closed[k].cost.min(spec.expected_cost(1));
        let margin = hull_curve.value_at(budget).unwrap() - det_closed(budget);
        let (h, q) = (rf.quality_at(budget).unwrap(), det.quality_at(budget).unwrap());
        assert!((h - hull_curve.value_at(budget).unwrap()).abs() < eps, "hull at t = {}: {h}", ts[k]);
        if margin >= 0.04 {
            strict += 1;
            assert!(
                h - q >= margin - 2.0 * eps && h > q,
                "t = {}: hull {h} vs frontier {q}, closed margin {margin}",
                ts[k]
            );
            // The mixture at this budget costs the budget and earns the hull's quality
            // (to 1e-9: the vertices' points were summed by the pair sweep, in score order,
            // and are re-summed here in query order).
            let p = ev.evaluate(&rf.policy_at_budget(budget).unwrap()).unwrap();
            assert!((p.cost - budget).abs() < 1e-9 && (p.quality - h).abs() < 1e-9, "{p:?} vs ({budget}, {h})");
        }
        if margin < 1e-9 && ts[k] > 0.0 {
            // The closed-form hull touches the frontier: the frontier is concave here.
            equal += 1;
            assert!(h - q < 2.0 * eps, "t = {}: hull {h} vs frontier {q} in the concave region", ts[k]);
        }
    }
    eprintln!(
        "{strict} budgets with closed-form margin >= 0.04, {equal} where hull = frontier; tolerance {}",
        2.0 * eps
    );
    assert!(strict >= 20 && equal >= 5, "{strict} budgets in the convex region, {equal} in the concave one");
}

#[test]
fn hull_rejects_bad_input_and_answers_budgets_at_and_between_vertices() {
    let single = |m: &str| Policy::Single { model: m.into() };
    let pts = |v: &[(f64, f64)]| v.iter().map(|&(cost, quality)| Point { cost, quality }).collect::<Vec<_>>();
    assert_eq!(
        RandomizedFrontier::new(vec![single("a")], vec![]).unwrap_err(),
        RandomizedError::Length { policies: 1, points: 0 }
    );
    assert_eq!(RandomizedFrontier::new(vec![], vec![]).unwrap_err(), RandomizedError::Empty);
    let err = RandomizedFrontier::new(vec![single("a")], pts(&[(f64::NAN, 1.0)])).unwrap_err();
    assert!(err.to_string().starts_with("candidate 0 (a) has a non-finite point"), "{err}");

    // c is below the chord a–d; b is on the hull; e is dominated.
    let names = ["a", "b", "c", "d", "e"];
    let rf = RandomizedFrontier::new(
        names.iter().map(|n| single(n)).collect(),
        pts(&[(1.0, 0.5), (2.0, 0.8), (3.0, 0.85), (4.0, 0.95), (5.0, 0.9)]),
    )
    .unwrap();
    assert_eq!(rf.vertices().iter().map(|v| v.index).collect::<Vec<_>>(), vec![0, 1, 3]);
    let seg = rf.segments();
    assert_eq!(seg.len(), 2);
    assert!((seg[0].slope - 0.3).abs() < 1e-12 && (seg[1].slope - 0.075).abs() < 1e-12);
    assert_eq!(rf.policy_at_budget(0.5), None);
    assert_eq!(rf.policy_at_budget(f64::NAN), None);
    assert_eq!(rf.policy_at_budget(2.0), Some(single("b")));
    assert_eq!(rf.policy_at_budget(9.0), Some(single("d")));
    assert_eq!(rf.quality_at(9.0), Some(0.95));
    assert_eq!(
        rf.policy_at_budget(3.0),
        Some(Policy::Mixture { low: Box::new(single("b")), high: Box::new(single("d")), p_high: 0.5 })
    );
    assert!((rf.quality_at(3.0).unwrap() - 0.875).abs() < 1e-15);
    let mixes = rf.mixtures(3);
    assert_eq!(mixes.len(), 6);
    assert!(matches!(&mixes[4], Policy::Mixture { p_high, .. } if *p_high == 0.5));
    assert!(rf.mixtures(0).is_empty());
}

fn small_spec(queries: usize) -> SyntheticSpec {
    SyntheticSpec {
        queries,
        seed: 5,
        train_fraction: Some(0.5),
        models: vec![
            model("tiny", Accuracy::Linear { a: 0.2, b: 0.6 }, 1.0, 0.3),
            model(
                "mid",
                Accuracy::Piecewise { knots: vec![[0.0, 0.2], [0.2, 0.25], [0.4, 0.9], [1.0, 0.95]] },
                3.0,
                0.3,
            ),
            model("big", Accuracy::Logistic { a: 1.0, b: 3.0 }, 8.0, 0.3),
        ],
        ..SyntheticSpec::default()
    }
}

fn split_of(d: &Dataset, label: &str) -> Vec<usize> {
    let s = d.source_split.as_ref().unwrap();
    (0..d.n_queries()).filter(|&q| s[q] == label).collect()
}

/// Runs the `randomized` solver with `params` on a synthetic split and checks its
/// proposal against the hull of `base`'s own candidates; returns the vertex count.
fn check_proposal(params: serde_json::Value, base: &dyn SolverEntry, base_params: serde_json::Value) -> usize {
    let d = generate(&small_spec(3000)).unwrap();
    let (cal, test) = (split_of(&d, "train"), split_of(&d, "test"));
    let pool = Pool::new(&d, &cal);
    let problem = Problem { data: &d, calibration: &cal, pool: &pool };
    let mut obs = NullObserver;
    let per_segment = params["mixtures-per-segment"].as_u64().unwrap_or(1) as usize;
    let solver = ENTRY.build(params).unwrap();
    let proposal = solver.propose(&problem, &mut Context::new(1, &mut obs)).unwrap();
    assert_eq!(proposal.families.len(), 1);
    assert_eq!(proposal.families[0].name, "");
    let policies = &proposal.families[0].policies;
    let vertices: Vec<&Policy> = policies.iter().filter(|p| !matches!(p, Policy::Mixture { .. })).collect();
    let mixtures: Vec<&Policy> = policies.iter().filter(|p| matches!(p, Policy::Mixture { .. })).collect();
    assert!(vertices.len() >= 3, "{} vertices", vertices.len());
    assert_eq!(mixtures.len(), per_segment * (vertices.len() - 1));

    // The vertices are the hull of the base solver's candidates on calibration.
    let base = base.build(base_params).unwrap();
    let base_proposal = base.propose(&problem, &mut Context::new(1, &mut obs)).unwrap();
    let cands: Vec<Policy> = base_proposal.families.into_iter().flat_map(|f| f.policies).collect();
    let preds = proposal.predictors.clone();
    let mut ev_cal = Evaluator::new(&d, &cal, &preds).unwrap();
    let cand_points = ev_cal.evaluate_all(&cands).unwrap();
    let expected: Vec<&Policy> = concave_hull(&cand_points).into_iter().map(|i| &cands[i]).collect();
    assert_eq!(vertices, expected);

    let mut ev_test = Evaluator::new(&d, &test, &preds).unwrap();
    let cal_points = ev_cal.evaluate_all(policies).unwrap();
    let hull = cascadelab_core::Curve::from_points(&cal_points[..vertices.len()]);
    for (i, m) in mixtures.iter().enumerate() {
        let Policy::Mixture { low, high, p_high } = m else { unreachable!() };
        assert_eq!(*p_high, (i % per_segment + 1) as f64 / (per_segment + 1) as f64);
        // On calibration the mixture lies on the hull.
        let p = cal_points[vertices.len() + i];
        assert!((hull.value_at(p.cost).unwrap() - p.quality).abs() < 1e-12);
        // Held out, it is the same mixture of its vertices' held-out points.
        let (a, b, t) = (ev_test.evaluate(low).unwrap(), ev_test.evaluate(high).unwrap(), ev_test.evaluate(m).unwrap());
        assert!((t.cost - ((1.0 - p_high) * a.cost + p_high * b.cost)).abs() < 1e-12);
        assert!((t.quality - ((1.0 - p_high) * a.quality + p_high * b.quality)).abs() < 1e-12);
    }
    // No base candidate lies above the hull.
    for p in &cand_points {
        if let Some(h) = hull.value_at(p.cost) {
            assert!(p.quality <= h + 1e-12);
        }
    }
    vertices.len()
}

#[test]
fn solver_hulls_the_pairwise_candidates_and_its_mixtures_evaluate_in_expectation() {
    let v = check_proposal(
        serde_json::json!({ "mixtures-per-segment": 2 }),
        &cascadelab_pairwise::ENTRY,
        serde_json::json!({}),
    );
    // Vertices only.
    let v0 = check_proposal(
        serde_json::json!({ "mixtures-per-segment": 0 }),
        &cascadelab_pairwise::ENTRY,
        serde_json::json!({}),
    );
    assert_eq!(v, v0);
    // Base parameters reach the base solver: a 5-threshold grid gives other candidates.
    check_proposal(
        serde_json::json!({ "base-params": { "thresholds": "grid", "grid-size": 5 } }),
        &cascadelab_pairwise::ENTRY,
        serde_json::json!({ "thresholds": "grid", "grid-size": 5 }),
    );
}

#[test]
fn solver_hulls_the_k_stage_candidates() {
    let base_params = serde_json::json!({ "max-stages": 3, "lambdas": 20 });
    check_proposal(
        serde_json::json!({ "base": "k-stage", "base-params": base_params.clone() }),
        &cascadelab_kstage::ENTRY,
        base_params,
    );
}

#[test]
fn parameters_are_checked_and_passed_to_the_base_solver() {
    let build = |v: serde_json::Value| ENTRY.build(v).map(|_| ());
    assert!(build(serde_json::json!({})).is_ok());
    assert!(
        build(serde_json::json!({ "base": "pairwise", "base-params": { "thresholds": "grid", "grid-size": 50 } }))
            .is_ok()
    );
    let e = build(serde_json::json!({ "base-params": { "grid-size": 1 } })).unwrap_err();
    assert!(e.starts_with("base-params (for the `pairwise` solver): "), "{e}");
    let e = build(serde_json::json!({ "base-params": { "nonsense": 1 } })).unwrap_err();
    assert!(e.contains("nonsense"), "{e}");
    let e = build(serde_json::json!({ "base": "k-stage", "base-params": { "max-stages": "three" } })).unwrap_err();
    assert!(e.starts_with("base-params (for the `k-stage` solver): "), "{e}");
    assert!(build(serde_json::json!({ "base": "greedy" })).unwrap_err().contains("base"));
    assert!(build(serde_json::json!({ "mixtures": 2 })).is_err());
    assert!(
        build(serde_json::json!({ "mixtures-per-segment": 1_000_000 }))
            .unwrap_err()
            .starts_with("mixtures-per-segment")
    );
    let doc = ENTRY.params_doc();
    let names: Vec<&str> = doc.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["base", "base-params", "mixtures-per-segment"]);
    assert!(doc.iter().all(|p| !p.description.is_empty()));
    assert_eq!(ENTRY.kind(), "randomized");
}

/// A small dataset with ties and `-inf` scores, and every single model and every
/// ordered pair's cascade at every distinct score (and +inf) as candidates.
fn brute_force_case() -> impl Strategy<Value = (Dataset, Vec<Policy>, Vec<bool>, Vec<f64>)> {
    (2usize..24).prop_flat_map(|n| {
        let col = (
            proptest::collection::vec(prop_oneof![Just(0.0), Just(0.5), Just(1.0)], n),
            proptest::collection::vec(prop_oneof![Just(f64::NEG_INFINITY), (0u8..6).prop_map(f64::from)], n),
            proptest::collection::vec(1u8..20, n),
        );
        (
            proptest::collection::vec(col, 3),
            proptest::collection::vec(any::<bool>(), n),
            proptest::collection::vec(0.0..1.2f64, 1..6),
        )
            .prop_map(move |(cols, mask, budgets)| {
                let models: Vec<ModelColumns> = cols
                    .into_iter()
                    .enumerate()
                    .map(|(j, (quality, confidence, cost))| ModelColumns {
                        name: format!("m{j}"),
                        quality,
                        confidence: Some(confidence),
                        cost: cost.into_iter().map(|c| f64::from(c) * (j + 1) as f64).collect(),
                    })
                    .collect();
                let d = Dataset::new((0..n).map(|i| format!("q{i}")).collect(), None, models, None).unwrap();
                let mut policies: Vec<Policy> = (0..3).map(|j| Policy::Single { model: format!("m{j}") }).collect();
                for l in 0..3 {
                    for h in 0..3 {
                        if l == h {
                            continue;
                        }
                        let mut taus = d.models[l].confidence.clone().unwrap();
                        taus.push(f64::INFINITY);
                        taus.sort_by(f64::total_cmp);
                        taus.dedup();
                        for t in taus {
                            policies.push(Policy::Cascade {
                                stages: vec![format!("m{l}"), format!("m{h}")],
                                thresholds: vec![t],
                                signal: Signal::Confidence,
                            });
                        }
                    }
                }
                (d, policies, mask, budgets)
            })
    })
}

proptest! {
    #[test]
    fn hull_is_concave_covers_every_point_and_its_mixtures_evaluate_exactly(
        (d, policies, mask, budgets) in brute_force_case()
    ) {
        let cal: Vec<usize> = (0..d.n_queries()).filter(|&q| mask[q]).collect();
        let other: Vec<usize> = (0..d.n_queries()).filter(|&q| !mask[q]).collect();
        prop_assume!(!cal.is_empty());
        let preds = Predictors::new();
        let mut ev = Evaluator::new(&d, &cal, &preds).unwrap();
        let points = ev.evaluate_all(&policies).unwrap();
        let rf = RandomizedFrontier::new(policies.clone(), points.clone()).unwrap();
        // Concave: slopes fall strictly.
        let seg = rf.segments();
        for w in seg.windows(2) {
            prop_assert!(w[1].slope < w[0].slope);
        }
        // On or above every input point (and flat beyond the last vertex).
        let v = rf.vertices();
        for p in &points {
            prop_assert!(p.cost >= v[0].point.cost);
            prop_assert!(p.quality <= rf.quality_at(p.cost).unwrap() + 1e-12);
        }
        let (lo, hi) = (v[0].point.cost, v[v.len() - 1].point.cost);
        let subsets = if other.is_empty() { vec![] } else { vec![other] };
        for b in budgets.iter().map(|f| lo + f * (hi - lo)).chain(v.iter().map(|x| x.point.cost)) {
            let policy = rf.policy_at_budget(b).unwrap();
            let target = rf.point_at_budget(b).unwrap();
            let got = ev.evaluate(&policy).unwrap();
            prop_assert!((got.cost - target.cost).abs() < 1e-12 && (got.quality - target.quality).abs() < 1e-12);
            if b <= hi {
                prop_assert!((got.cost - b).abs() < 1e-12, "expected cost {} for budget {b}", got.cost);
            }
            for s in &subsets {
                let mut ev_s = Evaluator::new(&d, s, &preds).unwrap();
                let got = ev_s.evaluate(&policy).unwrap();
                let want = match &policy {
                    Policy::Mixture { low, high, p_high } => {
                        let (a, c) = (ev_s.evaluate(low).unwrap(), ev_s.evaluate(high).unwrap());
                        Point { cost: (1.0 - p_high) * a.cost + p_high * c.cost, quality: (1.0 - p_high) * a.quality + p_high * c.quality }
                    }
                    p => ev_s.evaluate(p).unwrap(),
                };
                prop_assert!((got.cost - want.cost).abs() < 1e-12 && (got.quality - want.quality).abs() < 1e-12);
            }
        }
    }
}
