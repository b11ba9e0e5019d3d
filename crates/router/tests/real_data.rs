//! Sanity on the real zellinger data when it is present (`../shared/data/zellinger`,
//! read here with csv, flate2 and parquet; skipped with a message when absent), and an
//! ignored comparison of router, embedding cascade, hybrid and confidence cascades
//! (`cargo test -p cascadelab-router --test real_data -- --ignored --nocapture`).

mod common;

use cascadelab_core::{Dataset, Evaluator, Frontier, Point, Policy, Pool, Signal, linspace};
use cascadelab_router::{LogisticOptions, PredictorSpec, RouterParams, RouterSolver, fit_predictor, predictor_auroc};
use common::{propose, split, zellinger};

#[test]
fn predictors_rank_correct_answers_above_wrong_ones_on_mmlu() {
    let Some(data) = zellinger("mmlu") else {
        eprintln!("skipped: no zellinger/mmlu data at {}", common::zellinger_dir().display());
        return;
    };
    let (cal, test) = split(data.n_queries(), 42);
    let pool = Pool::new(&data, &cal);
    for spec in [PredictorSpec::Logistic(LogisticOptions::default()), PredictorSpec::Knn { k: 25 }] {
        let (predictor, summary) = fit_predictor(&data, &cal, &pool.members, &spec).unwrap();
        assert!(summary.unconverged_models.is_empty(), "{summary:?}");
        let aurocs = predictor_auroc(&data, &test, &predictor).unwrap();
        let above = aurocs.iter().filter(|a| a.auroc.is_some_and(|v| v > 0.5)).count();
        for a in &aurocs {
            eprintln!("{spec:?} {:<28} test AUROC {:?}", a.model, a.auroc);
        }
        assert!(3 * above >= 2 * aurocs.len(), "only {above} of {} models above 0.5", aurocs.len());
    }
}

/// Points of `policies` on the calibration queries with out-of-fold predictions: the
/// calibration queries in `folds` seeded folds, each scored with the predictor fit on
/// the others (what a calibration point would be if the predictor had not seen it).
fn cross_fitted_points(
    data: &Dataset,
    cal: &[usize],
    pool: &Pool,
    id: &str,
    policies: &[Policy],
    folds: usize,
) -> Vec<Point> {
    let mut cost = vec![0.0; policies.len()];
    let mut quality = vec![0.0; policies.len()];
    for f in 0..folds {
        let (held, train): (Vec<usize>, Vec<usize>) =
            cal.iter().enumerate().fold((vec![], vec![]), |(mut h, mut t), (i, &q)| {
                if i % folds == f {
                    h.push(q)
                } else {
                    t.push(q)
                }
                (h, t)
            });
        let (predictor, _) =
            fit_predictor(data, &train, &pool.members, &PredictorSpec::Logistic(LogisticOptions::default())).unwrap();
        let table = cascadelab_core::Predictors::from([(id.to_string(), predictor)]);
        let mut ev = Evaluator::new(data, &held, &table).unwrap();
        for (k, p) in policies.iter().enumerate() {
            let o = ev.outcomes(p).unwrap();
            cost[k] += o.cost.iter().sum::<f64>();
            quality[k] += o.quality.iter().sum::<f64>();
        }
    }
    let n = cal.len() as f64;
    cost.iter().zip(&quality).map(|(&c, &q)| Point { cost: c / n, quality: q / n }).collect()
}

/// Mean over the budget grid of the held-out quality at each budget: of the policy best
/// on `select` (calibration points) within the budget, scored on test; or, with
/// `select` = the test points, the test frontier (the paper's optimistic envelope).
fn mean_quality(select: &[Point], test: &[Point], grid: &[f64]) -> f64 {
    let f = Frontier::from_points(select);
    grid.iter().map(|&b| f.point_at(b).map_or(0.0, |p| test[p.index].quality)).sum::<f64>() / grid.len() as f64
}

fn confidence_envelope(data: &Dataset, cal: &[usize], pool: &Pool) -> Vec<Policy> {
    let mut out: Vec<Policy> =
        pool.members.iter().map(|&m| Policy::Single { model: data.models[m].name.clone() }).collect();
    for &(l, h) in &pool.pairs {
        let conf = data.models[l].confidence.as_ref().unwrap();
        let mut taus: Vec<f64> = cal.iter().map(|&q| conf[q]).collect();
        taus.sort_by(f64::total_cmp);
        taus.dedup();
        taus.push(f64::INFINITY);
        for t in taus {
            out.push(Policy::Cascade {
                stages: vec![data.models[l].name.clone(), data.models[h].name.clone()],
                thresholds: vec![t],
                signal: Signal::Confidence,
            });
        }
    }
    out
}

#[test]
#[ignore = "minutes: compares the families on four zellinger benchmarks; run with --ignored --nocapture"]
fn compare_router_cascades_and_hybrid_on_zellinger() {
    let env = |key: &str, default: usize| std::env::var(key).ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    let (gates, thresholds, splits) = (env("HYBRID_GATES", 4), env("HYBRID_THRESHOLDS", 10), env("SPLITS", 10) as u64);
    let names = ["router", "embedding-cascade", "hybrid", "envelope"];
    for bench in ["mmlu", "medmcqa", "triviaqa", "truthfulqa"] {
        let Some(data) = zellinger(bench) else { continue };
        let params = RouterParams { hybrid_gates: gates, hybrid_thresholds: thresholds, ..RouterParams::default() };
        let solver = RouterSolver::new(params).unwrap();
        let id = solver.predictor_id();
        // Per family: [optimistic, selected in-sample, selected cross-fitted], summed over splits.
        let mut sums = vec![[0.0; 3]; names.len()];
        let mut wins = [[0usize; 3]; 2];
        for seed in 42..42 + splits {
            let (cal, test) = split(data.n_queries(), seed);
            let pool = Pool::new(&data, &cal);
            let proposal = propose(&solver, &data, &cal, seed);
            let (lo, top) = (pool.stats[pool.cheapest().unwrap()].mean_cost, pool.most_accurate().unwrap());
            let grid = linspace(lo, pool.stats[top].mean_cost, 50);
            let mut ev_cal = Evaluator::new(&data, &cal, &proposal.predictors).unwrap();
            let mut ev_test = Evaluator::new(&data, &test, &proposal.predictors).unwrap();
            let q_top = ev_test.evaluate(&Policy::Single { model: data.models[top].name.clone() }).unwrap().quality;
            let mut scores = Vec::new();
            for (k, name) in names.iter().enumerate() {
                let policies = match *name {
                    "envelope" => confidence_envelope(&data, &cal, &pool),
                    "router" => proposal.families.iter().find(|f| f.name.is_empty()).unwrap().policies.clone(),
                    _ => proposal.families.iter().find(|f| f.name == *name).unwrap().policies.clone(),
                };
                let (pc, pt) = (ev_cal.evaluate_all(&policies).unwrap(), ev_test.evaluate_all(&policies).unwrap());
                let pcx = cross_fitted_points(&data, &cal, &pool, &id, &policies, 5);
                let s = [mean_quality(&pt, &pt, &grid), mean_quality(&pc, &pt, &grid), mean_quality(&pcx, &pt, &grid)]
                    .map(|v| v / q_top);
                for (sum, v) in sums[k].iter_mut().zip(s) {
                    *sum += v;
                }
                scores.push(s);
            }
            for m in 0..3 {
                wins[0][m] += usize::from(scores[2][m] > scores[0][m]);
                wins[1][m] += usize::from(scores[2][m] > scores[3][m]);
            }
        }
        eprintln!(
            "{bench}: {splits} splits; mean held-out quality / q_max over 50 budgets (test frontier | cal-selected in-sample | cal-selected cross-fitted)"
        );
        for (k, name) in names.iter().enumerate() {
            let m = sums[k].map(|v| v / splits as f64);
            eprintln!("  {name:<18} {:.4} | {:.4} | {:.4}", m[0], m[1], m[2]);
        }
        eprintln!("  hybrid > router on {:?} and > envelope on {:?} of {splits} splits", wins[0], wins[1]);
    }
}
