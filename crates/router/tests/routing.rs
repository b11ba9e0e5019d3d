//! The router solver end to end on seeded synthetic data with clustered query
//! features, where the best policies are known in closed form.

mod common;

use cascadelab_core::{Evaluator, Frontier, Observer, Policy, Pool, Problem, Signal, Solver, SolverEntry};
use cascadelab_router::{ENTRY, Family, PredictorKind, RouterParams, RouterSolver, WeightGrid};
use common::{SynthModel, clustered, family_frontier, family_points, propose, split};

/// Two clusters: `cheap` ($1) is right on cluster 0 and wrong on cluster 1; `strong`
/// ($10) is always right. The oracle (and a router that tells the clusters apart)
/// reaches quality 1 at cost 0.5·1 + 0.5·10 = 5.5; an embedding cascade must pay
/// `cheap` on the escalated half too: quality 1 at 6.
fn two_clusters() -> Vec<SynthModel> {
    vec![
        SynthModel { name: "cheap", cost: 1.0, p_correct: vec![1.0, 0.0] },
        SynthModel { name: "strong", cost: 10.0, p_correct: vec![1.0, 1.0] },
    ]
}

fn solver(params: RouterParams) -> RouterSolver {
    RouterSolver::new(params).unwrap()
}

#[test]
fn router_reaches_the_oracle_when_features_reveal_the_best_model() {
    let (data, cluster) = clustered(2000, 6, &two_clusters(), 1);
    let (cal, test) = split(2000, 11);
    for predictor in [PredictorKind::Logistic, PredictorKind::Knn] {
        let proposal = propose(&solver(RouterParams { predictor, ..RouterParams::default() }), &data, &cal, 3);
        let oracle = family_points(&data, &test, &proposal, "oracle")[0];
        assert!(oracle.quality == 1.0 && (oracle.cost - 5.5).abs() < 0.2, "{oracle:?}");
        let router = family_frontier(&data, &test, &proposal, "");
        // Tolerance: within 1 % of the oracle's cost, at most 0.005 below its quality.
        let q = router.quality_at(oracle.cost * 1.01).unwrap_or(0.0);
        assert!(q >= oracle.quality - 0.005, "{predictor:?}: router {q} at the oracle's cost {}", oracle.cost);
        // The embedding cascade, on the same signal, pays `cheap` on the escalated half:
        // its least cost of quality 0.995 exceeds the router's by about 0.5.
        let emb = family_frontier(&data, &test, &proposal, "embedding-cascade");
        let gap = emb.cost_for(0.995).unwrap() - router.cost_for(0.995).unwrap();
        let paid: f64 = test.iter().filter(|&&q| cluster[q] == 1).map(|&q| data.models[0].cost[q]).sum::<f64>();
        let expected = paid / test.len() as f64;
        assert!((gap - expected).abs() < 0.1 * expected, "{predictor:?}: structural cost {gap}, expected {expected}");
    }
}

#[test]
fn router_and_embedding_cascade_share_one_predictor_and_signal() {
    let (data, _) = clustered(600, 4, &two_clusters(), 2);
    let (cal, test) = split(600, 12);
    let s = solver(RouterParams::default());
    let proposal = propose(&s, &data, &cal, 3);
    let id = s.predictor_id();
    assert_eq!(proposal.predictors.keys().collect::<Vec<_>>(), vec![&id], "exactly one fitted predictor");
    let family = |name: &str| &proposal.families.iter().find(|f| f.name == name).unwrap().policies;
    for p in family("") {
        let Policy::Router { predictor, .. } = p else { panic!("router family holds {p:?}") };
        assert_eq!(predictor, &id);
    }
    let gated: Vec<&Policy> = family("hybrid").iter().filter(|p| matches!(p, Policy::Hybrid { .. })).collect();
    assert!(!gated.is_empty());
    for p in &gated {
        let Policy::Hybrid { predictor, .. } = p else { unreachable!() };
        assert_eq!(predictor, &id);
    }
    let cascades: Vec<&Policy> =
        family("embedding-cascade").iter().filter(|p| matches!(p, Policy::Cascade { .. })).collect();
    assert!(cascades.len() > 100, "every distinct calibration value of p̂_L is a threshold");
    for p in &cascades {
        let Policy::Cascade { signal: Signal::Predicted { predictor, .. }, .. } = p else { panic!("{p:?}") };
        assert_eq!(predictor, &id);
    }
    // On test queries the embedding cascade escalates exactly where the router's p̂_L < τ,
    // and the router at w = 0 picks the argmax of the same p̂ (ties to the cheaper model).
    let p = proposal.predictors[&id].predict(&data, &test).unwrap();
    let (ci, si) = (data.model_index("cheap").unwrap(), data.model_index("strong").unwrap());
    let mut ev = Evaluator::new(&data, &test, &proposal.predictors).unwrap();
    for c in cascades.iter().step_by(37) {
        let Policy::Cascade { thresholds, .. } = c else { unreachable!() };
        let out = ev.outcomes(c).unwrap();
        for (i, &q) in test.iter().enumerate() {
            let escalated = out.cost[i] > data.models[ci].cost[q];
            assert_eq!(escalated, p[0][i] < thresholds[0], "query {q} at τ = {}", thresholds[0]);
        }
    }
    // The gated hybrid sends a query straight to `strong` exactly where the same p̂_L < γ.
    for g in &gated {
        let Policy::Hybrid { options, .. } = g else { unreachable!() };
        let gamma = options[1].quality.constant;
        let choices = ev.hybrid_choices(&id, options, 0.0).unwrap();
        for (i, &c) in choices.iter().enumerate() {
            assert_eq!(c == 1, p[0][i] < gamma, "query {} at γ = {gamma}", test[i]);
        }
    }
    let router = &family("")[0];
    let out = ev.outcomes(router).unwrap();
    for (i, &q) in test.iter().enumerate() {
        let chosen = if p[1][i] > p[0][i] { si } else { ci };
        assert_eq!(out.cost[i], data.models[chosen].cost[q]);
    }
}

#[test]
fn the_router_cost_is_paid_by_the_router_and_by_the_embedding_cascade_alike() {
    // Both compute p̂ on every query before anything is generated, so both pay for it:
    // otherwise the structural-cost comparison would favour the embedding cascade.
    let (data, _) = clustered(300, 4, &two_clusters(), 5);
    let (cal, test) = split(300, 13);
    let cost = 0.125;
    let free = propose(&solver(RouterParams::default()), &data, &cal, 3);
    let paid = propose(&solver(RouterParams { router_cost: cost, ..RouterParams::default() }), &data, &cal, 3);
    let mut ev_free = Evaluator::new(&data, &test, &free.predictors).unwrap();
    let mut ev_paid = Evaluator::new(&data, &test, &paid.predictors).unwrap();
    for name in ["", "embedding-cascade"] {
        let family =
            |p: &cascadelab_core::Proposal| p.families.iter().find(|f| f.name == name).unwrap().policies.clone();
        let (a, b) = (family(&free), family(&paid));
        assert_eq!(a.len(), b.len());
        let mut checked = 0;
        for (pa, pb) in a.iter().zip(&b) {
            if matches!(pa, Policy::Single { .. }) {
                continue;
            }
            let (x, y) = (ev_free.evaluate(pa).unwrap(), ev_paid.evaluate(pb).unwrap());
            assert!((y.cost - x.cost - cost).abs() < 1e-12, "`{name}` {pb:?}: {} then {}", x.cost, y.cost);
            assert_eq!(x.quality, y.quality);
            checked += 1;
        }
        assert!(checked > 0, "`{name}` has predictor-based policies");
    }
}

/// Three clusters, `cheap` ($1) and `strong` ($10, always right), cheap's confidence
/// a perfect signal of its correctness:
/// - A: cheap always right; B: cheap right half the time; C: cheap always wrong.
///
/// At quality 1 (per query, cost in thirds of the queries): the router sends B and C to
/// strong (1/3 + 20/3 = 7.0); the confidence cascade escalates every wrong cheap answer
/// (1 + 10·(1/6 + 1/3) = 6.0); the hybrid gates C straight to strong and sends A and B
/// into the cascade (1/3 + 6/3 + 10/3 = 5.67); the oracle pays 5.5.
fn three_clusters() -> Vec<SynthModel> {
    vec![
        SynthModel { name: "cheap", cost: 1.0, p_correct: vec![1.0, 0.5, 0.0] },
        SynthModel { name: "strong", cost: 10.0, p_correct: vec![1.0, 1.0, 1.0] },
    ]
}

#[test]
fn hybrid_beats_router_and_cascade_where_each_wins_somewhere() {
    let (data, cluster) = clustered(3000, 6, &three_clusters(), 5);
    let (cal, test) = split(3000, 15);
    // The least cost of quality 1 of each ideal policy on these very test queries.
    let (cheap, strong) = (&data.models[0], &data.models[1]);
    let ideal = |per_query: &dyn Fn(usize) -> f64| test.iter().map(|&q| per_query(q)).sum::<f64>() / test.len() as f64;
    let cascade = |q: usize| cheap.cost[q] + (1.0 - cheap.quality[q]) * strong.cost[q];
    let ideal_hybrid = ideal(&|q| [cheap.cost[q], cascade(q), strong.cost[q]][cluster[q]]);
    let ideal_envelope = ideal(&cascade);
    let ideal_router = ideal(&|q| if cluster[q] == 0 { cheap.cost[q] } else { strong.cost[q] });
    let ideal_emb = ideal(&|q| if cluster[q] == 0 { cheap.cost[q] } else { cheap.cost[q] + strong.cost[q] });
    {
        // Gates at every sixteenth of the calibration queries up to the escalation rate.
        let proposal = propose(&solver(RouterParams { hybrid_gates: 8, ..RouterParams::default() }), &data, &cal, 9);
        let cost =
            |family: &str| family_frontier(&data, &test, &proposal, family).cost_for(0.995).unwrap_or(f64::INFINITY);
        // The confidence cascade cheap → strong at every calibration threshold (its envelope).
        let conf: Vec<f64> = cal.iter().map(|&q| cheap.confidence.as_ref().unwrap()[q]).collect();
        let envelope: Vec<Policy> = conf
            .iter()
            .map(|&t| Policy::Cascade {
                stages: vec!["cheap".into(), "strong".into()],
                thresholds: vec![t],
                signal: Signal::Confidence,
            })
            .collect();
        let mut ev = Evaluator::new(&data, &test, &proposal.predictors).unwrap();
        let envelope = Frontier::from_points(&ev.evaluate_all(&envelope).unwrap()).cost_for(0.995).unwrap();
        let (hybrid, router, emb) = (cost("hybrid"), cost(""), cost("embedding-cascade"));
        // Each within 3 % of its ideal (about 5.67, 6.0, 7.0 and 7.67 with exact thirds).
        for (name, got, want) in [
            ("hybrid", hybrid, ideal_hybrid),
            ("envelope", envelope, ideal_envelope),
            ("router", router, ideal_router),
            ("embedding cascade", emb, ideal_emb),
        ] {
            assert!((got - want).abs() < 0.03 * want, "{name} costs {got} for quality 0.995, ideal {want}");
        }
        assert!(hybrid < envelope && envelope < router && router < emb, "{hybrid} {envelope} {router} {emb}");
    }
}

#[test]
fn proposals_are_identical_for_identical_inputs_whatever_the_thread_count() {
    let (data, _) = clustered(500, 5, &three_clusters(), 8);
    let (cal, _) = split(500, 18);
    for params in [
        RouterParams::default(),
        RouterParams { weights: WeightGrid::Exact, predictor: PredictorKind::Knn, k: 7, ..RouterParams::default() },
    ] {
        let s = solver(params);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| serde_json::to_string(&propose(&s, &data, &cal, 4)).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(2));
    }
}

#[test]
fn exact_weights_find_every_calibration_routing_of_the_paper_grid() {
    let (data, _) = clustered(800, 5, &three_clusters(), 21);
    let (cal, _) = split(800, 22);
    let routings = |weights: WeightGrid| {
        let proposal = propose(
            &solver(RouterParams { weights, families: vec![Family::Router], ..RouterParams::default() }),
            &data,
            &cal,
            1,
        );
        let mut ev = Evaluator::new(&data, &cal, &proposal.predictors).unwrap();
        let mut out: Vec<Vec<u64>> = proposal.families[0]
            .policies
            .iter()
            .map(|p| ev.outcomes(p).unwrap().cost.iter().map(|c| c.to_bits()).collect())
            .collect();
        out.sort();
        out.dedup();
        out
    };
    let (exact, paper) = (routings(WeightGrid::Exact), routings(WeightGrid::Paper));
    assert!(exact.len() > 10, "{} distinct routings", exact.len());
    for r in &paper {
        assert!(exact.contains(r), "the paper grid found a calibration routing the exact sweep missed");
    }
}

#[derive(Default)]
struct Record(Vec<(String, f64)>);

impl Observer for Record {
    fn observe(&mut self, key: &str, value: f64) {
        self.0.push((key.to_string(), value));
    }
}

#[test]
fn without_features_routers_are_unsupported_and_without_confidence_the_hybrid_is_skipped() {
    let (mut data, _) = clustered(200, 3, &two_clusters(), 30);
    let (cal, _) = split(200, 31);
    let s = solver(RouterParams::default());
    // No confidence: every family but the hybrid, and a note.
    for m in &mut data.models {
        m.confidence = None;
    }
    let pool = Pool::new(&data, &cal);
    let problem = Problem { data: &data, calibration: &cal, pool: &pool };
    let mut record = Record::default();
    let proposal = s.propose(&problem, &mut cascadelab_core::Context::new(0, &mut record)).unwrap();
    let names: Vec<&str> = proposal.families.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["", "embedding-cascade", "oracle", "random"]);
    assert!(record.0.contains(&("hybrid.skipped-no-confidence".to_string(), 1.0)));
    for f in &proposal.families {
        for p in &f.policies {
            p.check(&data, &proposal.predictors).unwrap();
        }
    }
    // No features.
    data.features = None;
    let problem = Problem { data: &data, calibration: &cal, pool: &pool };
    let err =
        s.propose(&problem, &mut cascadelab_core::Context::new(0, &mut cascadelab_core::NullObserver)).unwrap_err();
    assert!(
        matches!(&err, cascadelab_core::SolverError::Unsupported(m) if m.contains("routers need query features")),
        "{err}"
    );
    // Oracle and random alone need no features.
    let s = solver(RouterParams { families: vec![Family::Random, Family::Oracle], ..RouterParams::default() });
    let proposal =
        s.propose(&problem, &mut cascadelab_core::Context::new(0, &mut cascadelab_core::NullObserver)).unwrap();
    assert_eq!(proposal.families.len(), 2);
    assert!(proposal.predictors.is_empty());
}

#[test]
fn random_routing_mixes_neighbours_on_the_calibration_hull() {
    let models = vec![
        SynthModel { name: "a", cost: 1.0, p_correct: vec![0.3, 0.3] },
        SynthModel { name: "b", cost: 2.0, p_correct: vec![0.4, 0.4] },
        SynthModel { name: "c", cost: 4.0, p_correct: vec![0.8, 0.8] },
        SynthModel { name: "d", cost: 8.0, p_correct: vec![0.9, 0.9] },
    ];
    let (data, _) = clustered(4000, 2, &models, 40);
    let (cal, _) = split(4000, 41);
    let s = solver(RouterParams { families: vec![Family::Random], random_steps: 3, ..RouterParams::default() });
    let proposal = propose(&s, &data, &cal, 0);
    let policies = &proposal.families[0].policies;
    // b lies below the chord a–c, so the hull is a, c, d: 4 singles + 2 segments × 3 mixtures.
    assert_eq!(policies.len(), 4 + 6);
    let pairs: Vec<(String, String, f64)> = policies
        .iter()
        .filter_map(|p| match p {
            Policy::Mixture { low, high, p_high } => Some((low.describe(), high.describe(), *p_high)),
            _ => None,
        })
        .collect();
    assert_eq!(pairs[0], ("a".to_string(), "c".to_string(), 0.25));
    assert_eq!(pairs[5], ("c".to_string(), "d".to_string(), 0.75));
}

#[test]
fn parameters_are_checked_with_messages_naming_the_key() {
    let build = |json: serde_json::Value| ENTRY.build(json).err().unwrap_or_default();
    assert!(build(serde_json::json!({"c": 0.0})).contains("`c`"));
    assert!(build(serde_json::json!({"k": 0})).contains("`k`"));
    assert!(build(serde_json::json!({"router-cost": -1.0})).contains("`router-cost`"));
    assert!(build(serde_json::json!({"families": []})).contains("`families`"));
    assert!(build(serde_json::json!({"families": ["oracle", "oracle"]})).contains("`oracle` twice"));
    assert!(build(serde_json::json!({"hybrid-folds": 1})).contains("`hybrid-folds`"));
    assert!(build(serde_json::json!({"tolerance": -1e-9})).contains("`tolerance`"));
    assert!(build(serde_json::json!({"weights": "grid"})).contains("weights"));
    assert!(build(serde_json::json!({"cost": 1})).contains("unknown field"));
    assert!(ENTRY.build(serde_json::json!({})).is_ok());
    assert_eq!(ENTRY.kind(), "router");
    let docs = ENTRY.params_doc();
    assert!(docs.iter().all(|d| !d.description.is_empty()), "every parameter is documented");
    assert!(docs.iter().all(|d| d.default.is_some()), "every parameter has a default: {docs:?}");
}

#[test]
fn every_proposed_policy_checks_and_round_trips_through_json() {
    let (data, _) = clustered(400, 4, &three_clusters(), 50);
    let (cal, _) = split(400, 51);
    for predictor in [PredictorKind::Logistic, PredictorKind::Knn] {
        let proposal = propose(&solver(RouterParams { predictor, ..RouterParams::default() }), &data, &cal, 2);
        let names: Vec<&str> = proposal.families.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["", "embedding-cascade", "hybrid", "oracle", "random"]);
        for f in &proposal.families {
            assert!(!f.policies.is_empty(), "family `{}` is empty", f.name);
            for p in &f.policies {
                p.check(&data, &proposal.predictors).unwrap_or_else(|e| panic!("{}: {e}", p.describe()));
            }
        }
        let json = serde_json::to_string(&proposal).unwrap();
        assert_eq!(serde_json::from_str::<cascadelab_core::Proposal>(&json).unwrap(), proposal);
    }
}

#[test]
fn a_model_right_on_every_calibration_query_gets_a_constant_predictor() {
    let (data, _) = clustered(300, 3, &two_clusters(), 60);
    let (cal, test) = split(300, 61);
    let members: Vec<usize> = vec![0, 1];
    let spec = cascadelab_router::PredictorSpec::Logistic(cascadelab_router::LogisticOptions::default());
    let (predictor, summary) = cascadelab_router::fit_predictor(&data, &cal, &members, &spec).unwrap();
    assert_eq!(summary.constant_models, vec!["strong".to_string()]);
    let cascadelab_core::Predictor::Logistic { intercepts, coefficients, .. } = &predictor else { panic!() };
    assert_eq!(intercepts[1], f64::INFINITY);
    assert!(coefficients[1].iter().all(|&c| c == 0.0));
    assert!(intercepts[0].is_finite());
    // p̂ = 1 exactly on every query, calibration or not.
    let p = predictor.predict(&data, &test).unwrap();
    assert!(p[1].iter().all(|&v| v == 1.0));
}
