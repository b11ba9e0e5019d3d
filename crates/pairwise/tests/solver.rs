//! The `pairwise` registry entry: parameters, errors, and a proposal whose frontier
//! (as the engine computes it, with the core evaluator) is the envelope.

use cascadelab_core::{
    Context, Dataset, Evaluator, Frontier, ModelColumns, NullObserver, Policy, Pool, Predictors, Problem, SolverEntry,
    SolverError,
};
use cascadelab_pairwise::{ENTRY, Envelope, ThresholdRule};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

/// Six models of rising cost and skill; confidence is noisy correctness with ties
/// (rounded to 0.05) and a few `-inf`; quality is 0/1 or, every fifth query, 1/2.
fn synthetic(n: usize, seed: u64, with_confidence: bool) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let models = (0..6)
        .map(|j| {
            let skill = 0.3 + 0.1 * j as f64;
            let mut quality = Vec::with_capacity(n);
            let mut confidence = Vec::with_capacity(n);
            let mut cost = Vec::with_capacity(n);
            for i in 0..n {
                let u: f64 = if i % 5 == 0 {
                    0.5
                } else if rng.random::<f64>() < skill {
                    1.0
                } else {
                    0.0
                };
                quality.push(u);
                let s: f64 = (0.6 * u + 0.7 * rng.random::<f64>()) * 20.0;
                confidence.push(if rng.random::<f64>() < 0.03 { f64::NEG_INFINITY } else { s.round() / 20.0 });
                cost.push((1.0 + j as f64).powi(2) * 1e-4 * (0.5 + rng.random::<f64>()));
            }
            ModelColumns {
                name: format!("model-{j}"),
                quality,
                confidence: with_confidence.then_some(confidence),
                cost,
            }
        })
        .collect();
    Dataset::new((0..n).map(|i| format!("q{i}")).collect(), None, models, None).unwrap()
}

fn propose(
    params: serde_json::Value,
    data: &Dataset,
    calibration: &[usize],
    pool: &Pool,
) -> Result<Vec<Policy>, SolverError> {
    let solver = ENTRY.build(params).unwrap();
    let mut obs = NullObserver;
    let mut ctx = Context::new(7, &mut obs);
    let problem = Problem { data, calibration, pool };
    let mut proposal = solver.propose(&problem, &mut ctx)?;
    assert_eq!(proposal.families.len(), 1);
    assert_eq!(proposal.families[0].name, "");
    Ok(proposal.families.remove(0).policies)
}

#[test]
fn parameters_have_defaults_and_reject_unknown_keys_and_small_grids() {
    assert_eq!(ENTRY.kind(), "pairwise");
    assert!(ENTRY.build(json!({})).is_ok());
    assert!(ENTRY.build(json!({"thresholds": "grid", "grid-size": 2})).is_ok());
    let e = ENTRY.build(json!({"grid_size": 10})).err().unwrap();
    assert!(e.contains("grid_size"), "{e}");
    let e = ENTRY.build(json!({"grid-size": 1})).err().unwrap();
    assert!(e.contains("grid-size"), "{e}");
    let e = ENTRY.build(json!({"thresholds": "fine"})).err().unwrap();
    assert!(e.contains("thresholds") && e.contains("exact"), "{e}");
    let mut docs = ENTRY.params_doc();
    docs.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["grid-size", "thresholds"]);
    for d in &docs {
        assert!(d.default.is_some() && !d.description.is_empty(), "{d:?}");
    }
    assert_eq!(docs[0].default.as_deref(), Some("200"));
    assert_eq!(docs[1].default.as_deref(), Some("\"exact\""));
}

#[test]
fn proposal_frontier_is_the_envelope_on_calibration() {
    let data = synthetic(400, 11, true);
    // Calibration: every other query.
    let calibration: Vec<usize> = (0..data.n_queries()).step_by(2).collect();
    let pool = Pool::new(&data, &calibration);
    assert!(pool.pairs.len() >= 3, "the synthetic pool should have several pairs: {pool:?}");
    for (params, rule) in
        [(json!({}), ThresholdRule::Exact), (json!({"thresholds": "grid", "grid-size": 25}), ThresholdRule::Grid(25))]
    {
        let policies = propose(params, &data, &calibration, &pool).unwrap();
        let env = Envelope::new(&data, &calibration, &pool, rule).unwrap();
        let candidates: usize = env.pair_frontiers().iter().map(|f| f.candidates).sum();
        assert_eq!(policies.len(), pool.members.len() + candidates);
        let preds = Predictors::new();
        let mut ev = Evaluator::new(&data, &calibration, &preds).unwrap();
        let points = ev.evaluate_all(&policies).unwrap();
        let frontier = Frontier::from_points(&points);
        assert_eq!(frontier.points().len(), env.points().len(), "{rule:?}");
        for (f, e) in frontier.points().iter().zip(env.points()) {
            assert!((f.cost - e.cost).abs() < 1e-12 && (f.quality - e.quality).abs() < 1e-12, "{f:?} vs {e:?}");
            // Same point, same policy (the envelope keeps the same tie-breaks).
            assert_eq!(policies[f.index], env.policy(e), "{rule:?}");
        }
    }
}

#[test]
fn data_without_confidence_is_unsupported() {
    let data = synthetic(50, 3, false);
    let all = data.all_queries();
    let pool = Pool::new(&data, &all);
    assert!(!pool.pairs.is_empty());
    match propose(json!({}), &data, &all, &pool) {
        Err(SolverError::Unsupported(m)) => assert!(m.contains("confidence column"), "{m}"),
        other => panic!("expected unsupported, got {other:?}"),
    }
}
