//! The proposal's shape: one family, the pool's single models first, canonical and
//! deduplicated cascades over valid chains, every λ-optimum present, and reports
//! through the observer with the executor's iteration limit.

use std::collections::BTreeMap;

use cascadelab_core::{Context, Observer, Policy, Pool, Predictors, Problem, SolverEntry};
use cascadelab_kstage::chain::{Chain, ScoreOrders};
use cascadelab_kstage::observe::Bridge;
use cascadelab_kstage::path::{coordinate_path, lambda_grid};
use cascadelab_kstage::{ENTRY, FIXED_CHAIN_ENTRY, KStageParams, plan_k_stage};

#[derive(Default)]
struct Record(BTreeMap<String, f64>);

impl Observer for Record {
    fn observe(&mut self, key: &str, value: f64) {
        *self.0.entry(key.to_string()).or_default() += value;
    }
}

#[test]
fn proposal_is_one_family_of_valid_distinct_canonical_policies() {
    let data = super::realistic(5, 120, 4);
    let cal: Vec<usize> = (0..120).filter(|i| i % 3 != 0).collect();
    let pool = Pool::new(&data, &cal);
    let solver = ENTRY.build(serde_json::json!({})).unwrap();
    let p = super::propose(solver.as_ref(), &data, &cal, 0);
    assert_eq!(p.families.len(), 1);
    assert_eq!(p.families[0].name, "");
    let policies = &p.families[0].policies;
    let singles: Vec<Policy> =
        pool.members.iter().map(|&m| Policy::Single { model: data.models[m].name.clone() }).collect();
    assert_eq!(&policies[..singles.len()], &singles[..]);
    let preds = Predictors::new();
    let mut seen = Vec::new();
    for policy in policies {
        policy.check(&data, &preds).unwrap();
        let json = serde_json::to_string(policy).unwrap();
        assert!(!seen.contains(&json), "duplicate {json}");
        seen.push(json);
        if let Policy::Cascade { stages, thresholds, .. } = policy {
            assert!((2..=4).contains(&stages.len()));
            let idx: Vec<usize> = stages.iter().map(|s| data.model_index(s).unwrap()).collect();
            for w in idx.windows(2) {
                assert!(pool.pairs.contains(&(w[0], w[1])), "{} is not a chain of valid pairs", policy.describe());
            }
            for (j, &t) in thresholds.iter().enumerate() {
                // Canonical: −∞ never (that stage would be cut off), +∞ or a score of a calibration query.
                assert!(t > f64::NEG_INFINITY, "{}", policy.describe());
                let conf = data.models[idx[j]].confidence.as_ref().unwrap();
                assert!(t == f64::INFINITY || cal.iter().any(|&q| conf[q] == t), "{}", policy.describe());
            }
        }
    }
    let cascades = policies.len() - singles.len();
    assert!(cascades > 20, "only {cascades} cascades");
}

#[test]
fn every_lambda_optimum_of_every_chain_is_proposed() {
    let data = super::realistic(4, 90, 5);
    let cal = data.all_queries();
    let pool = Pool::new(&data, &cal);
    let plan = plan_k_stage(KStageParams::default()).unwrap();
    let solver = cascadelab_kstage::KStage { plan: plan.clone() };
    let problem = Problem { data: &data, calibration: &cal, pool: &pool };
    let policies = super::policies(&super::propose(&solver, &data, &cal, 0));
    let mut orders = ScoreOrders::new();
    let chains = solver.chains(&problem).unwrap();
    assert_eq!(chains.len(), 6 + 4 + 1, "a 4-model pool of rising accuracy has 11 chains");
    for models in chains {
        let chain = Chain::new(&data, &cal, &models, &mut orders).unwrap();
        let lambdas = lambda_grid(&chain, plan.lambdas);
        for o in coordinate_path(&chain, &lambdas, &plan.coordinate, &Bridge::new()).unwrap() {
            let want = chain.policy(&o.thresholds).unwrap_or(Policy::Single { model: chain.names()[0].clone() });
            assert!(policies.contains(&want), "missing optimum at λ = {}: {}", o.lambda, want.describe());
        }
    }
}

#[test]
fn fixed_chain_runs_the_whole_pool_in_cost_order() {
    let data = super::realistic(5, 100, 6);
    let cal = data.all_queries();
    let pool = Pool::new(&data, &cal);
    let names: Vec<String> = pool.members.iter().map(|&m| data.models[m].name.clone()).collect();
    assert!(names.len() >= 4, "{names:?}");
    let solver = FIXED_CHAIN_ENTRY.build(serde_json::json!({})).unwrap();
    let policies = super::policies(&super::propose(solver.as_ref(), &data, &cal, 0));
    let mut longest = 0;
    for p in &policies {
        match p {
            Policy::Single { model } => assert_eq!(model, &names[0]),
            Policy::Cascade { stages, .. } => {
                assert_eq!(stages[..], names[..stages.len()], "a prefix of the pool in cost order");
                longest = longest.max(stages.len());
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(longest, names.len(), "some policy uses the whole chain");
}

#[test]
fn reports_go_to_the_observer_and_the_executor_caps_iterations() {
    let data = super::realistic(4, 60, 7);
    let cal = data.all_queries();
    let pool = Pool::new(&data, &cal);
    let problem = Problem { data: &data, calibration: &cal, pool: &pool };
    let mut tallies = Vec::new();
    for max_iters in [1, 100] {
        let solver = ENTRY.build(serde_json::json!({ "max-iters": max_iters, "lambdas": 30 })).unwrap();
        let mut rec = Record::default();
        solver.propose(&problem, &mut Context::new(0, &mut rec)).unwrap();
        for key in ["chains", "runs", "iterations", "not-converged", "candidates"] {
            assert!(rec.0.contains_key(key), "no `{key}` in {:?}", rec.0);
        }
        assert!(rec.0["iterations"] <= max_iters as f64 * rec.0["runs"]);
        tallies.push(rec.0);
    }
    assert!(tallies[0]["not-converged"] > 0.0, "one round per λ cannot always converge: {:?}", tallies[0]);
    assert_eq!(tallies[1]["not-converged"], 0.0, "{:?}", tallies[1]);
}
