//! Parameters: defaults, the schema, and errors that name the key.

use cascadelab_core::{SolverEntry, SolverError};
use cascadelab_kstage::{
    Chains, ENTRY, FIXED_CHAIN_ENTRY, FixedChainParams, KStageParams, Method, plan_fixed_chain, plan_k_stage,
};

fn build_err(entry: &dyn SolverEntry, params: serde_json::Value) -> String {
    match entry.build(params) {
        Ok(_) => panic!("accepted"),
        Err(e) => e,
    }
}

#[test]
fn defaults_resolve_to_the_documented_plan() {
    let p: KStageParams = cascadelab_core::deserialize_params(serde_json::json!({})).unwrap();
    assert_eq!(p, KStageParams::default());
    let plan = plan_k_stage(p).unwrap();
    assert_eq!(plan.chains, Chains::Subsequences { max_stages: 4 });
    assert_eq!((plan.method, plan.lambdas), (Method::Coordinate, 200));
    assert_eq!((plan.coordinate.max_iters, plan.coordinate.tolerance), (100, 1e-12));
    let nm = plan_k_stage(KStageParams { method: Method::NelderMead, ..Default::default() }).unwrap();
    assert_eq!((nm.lambdas, nm.black_box.iterations), (20, 100));
    let ps = plan_k_stage(KStageParams { method: Method::ParticleSwarm, ..Default::default() }).unwrap();
    assert_eq!((ps.lambdas, ps.black_box.iterations, ps.black_box.particles), (20, 10, 10));
    let fixed = plan_fixed_chain(FixedChainParams::default()).unwrap();
    assert_eq!((fixed.chains, fixed.lambdas), (Chains::WholePool, 200));
}

#[test]
fn every_parameter_is_documented_with_a_default() {
    for entry in [&ENTRY as &dyn SolverEntry, &FIXED_CHAIN_ENTRY] {
        let docs = entry.params_doc();
        assert!(docs.len() >= 6, "{}: {docs:?}", entry.kind());
        for d in &docs {
            assert!(!d.description.is_empty(), "{}: `{}` has no doc comment", entry.kind(), d.name);
            assert!(d.default.is_some(), "{}: `{}` has no default", entry.kind(), d.name);
            assert_eq!(d.name, d.name.to_lowercase().replace('_', "-"), "keys are kebab-case");
        }
    }
    let names: Vec<String> = ENTRY.params_doc().into_iter().map(|d| d.name).collect();
    for key in ["method", "max-stages", "chains", "lambdas", "max-iters", "tolerance", "iterations", "particles"] {
        assert!(names.iter().any(|n| n == key), "missing `{key}` in {names:?}");
    }
}

#[test]
fn bad_parameters_are_rejected_naming_the_key() {
    let cases = [
        (serde_json::json!({ "max-stages": 1 }), "max-stages"),
        (serde_json::json!({ "lambdas": 0 }), "lambdas"),
        (serde_json::json!({ "max-iters": 0 }), "max-iters"),
        (serde_json::json!({ "tolerance": -1.0 }), "tolerance"),
        (serde_json::json!({ "iterations": 0 }), "iterations"),
        (serde_json::json!({ "particles": 1 }), "particles"),
        (serde_json::json!({ "chains": [["a"]] }), "chains[0]"),
        (serde_json::json!({ "chains": [["a", "b", "a"]] }), "chains[0]"),
        (serde_json::json!({ "chains": [["a", "b"], ["a", "b"]] }), "chains[1]"),
        (serde_json::json!({ "method": "gradient" }), "gradient"),
        (serde_json::json!({ "max_stages": 3 }), "max_stages"),
    ];
    for (params, key) in cases {
        let e = build_err(&ENTRY, params.clone());
        assert!(e.contains(key), "{params}: `{e}` should name `{key}`");
    }
    // The fixed chain has no chains to choose.
    for key in ["chains", "max-stages"] {
        let e = build_err(&FIXED_CHAIN_ENTRY, serde_json::json!({ key: 3 }));
        assert!(e.contains(key), "{e}");
    }
    for method in ["coordinate", "nelder-mead", "particle-swarm"] {
        assert!(ENTRY.build(serde_json::json!({ "method": method })).is_ok());
    }
}

#[test]
fn listed_chains_are_checked_against_the_data() {
    let data = super::realistic(3, 30, 1);
    let cal = data.all_queries();
    let pool = cascadelab_core::Pool::new(&data, &cal);
    let problem = cascadelab_core::Problem { data: &data, calibration: &cal, pool: &pool };
    let mut obs = cascadelab_core::NullObserver;
    let mut propose = |params: serde_json::Value| {
        let s = ENTRY.build(params).unwrap();
        s.propose(&problem, &mut cascadelab_core::Context::new(0, &mut obs))
    };
    match propose(serde_json::json!({ "chains": [["m0", "m1"], ["m0", "nope"]] })) {
        Err(SolverError::Failed(e)) => assert!(e.contains("chains[1]") && e.contains("`nope`"), "{e}"),
        other => panic!("{other:?}"),
    }
    match propose(serde_json::json!({ "chains": [["m2", "m0"]] })) {
        Err(SolverError::Failed(e)) => assert!(e.contains("chains[0]") && e.contains("must cost less"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(propose(serde_json::json!({ "chains": [["m0", "m2"]] })).is_ok());
}

#[test]
fn data_without_confidence_is_unsupported() {
    let mut data = super::realistic(3, 20, 2);
    for m in &mut data.models {
        m.confidence = None;
    }
    let cal = data.all_queries();
    let pool = cascadelab_core::Pool::new(&data, &cal);
    let problem = cascadelab_core::Problem { data: &data, calibration: &cal, pool: &pool };
    for entry in [&ENTRY as &dyn SolverEntry, &FIXED_CHAIN_ENTRY] {
        let mut obs = cascadelab_core::NullObserver;
        let s = entry.build(serde_json::json!({})).unwrap();
        match s.propose(&problem, &mut cascadelab_core::Context::new(0, &mut obs)) {
            Err(SolverError::Unsupported(e)) => assert!(e.contains("confidence column"), "{e}"),
            other => panic!("{}: {other:?}", entry.kind()),
        }
    }
}
