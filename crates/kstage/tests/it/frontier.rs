//! The calibration frontier of a proposal with chains of at most three stages is the
//! exact frontier of every point those chains reach: every pair of thresholds of
//! every three-stage chain, every threshold of every two-stage chain, every model
//! alone (exhaustive search over the distinct thresholds, on data with ties, ±∞
//! scores and fractional quality).

use cascadelab_core::{Dataset, Evaluator, Frontier, Point, Pool, Predictors, Problem, SolverEntry};
use cascadelab_kstage::chain::{Chain, ScoreOrders};
use cascadelab_kstage::{ENTRY, KStage, plan_k_stage};
use proptest::prelude::*;

const SCORES: [f64; 8] = [f64::NEG_INFINITY, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, f64::INFINITY];

/// `k` models over `cells.len() / k` queries: later models are right more often
/// (fractional quality sometimes), scores higher when right, and each model's cost
/// in [0.75, 1.25] times twice the previous one's, so that every chain is cost-ordered.
fn data(k: usize, cells: &[(usize, usize, u8)]) -> Dataset {
    let n = cells.len() / k;
    let models = (0..k)
        .map(|j| {
            let name = ["m0", "m1", "m2", "m3"][j];
            let c = |i: usize| cells[i * k + j];
            let quality = |i: usize| match c(i).0 {
                a if a < 2 + 2 * j => 1.0,
                9 => 0.5,
                _ => 0.0,
            };
            (
                name,
                (0..n).map(quality).collect(),
                (0..n).map(|i| SCORES[(c(i).1 + if quality(i) > 0.0 { 2 } else { 0 }).min(7)]).collect(),
                (0..n).map(|i| (1 << j) as f64 * (0.75 + c(i).2 as f64 / 16.0)).collect(),
            )
        })
        .collect();
    super::dataset(models)
}

/// Every point of every chain the solver enumerates (and every pool model alone).
fn exhaustive(solver: &KStage, data: &Dataset, cal: &[usize]) -> Vec<Point> {
    let pool = Pool::new(data, cal);
    let problem = Problem { data, calibration: cal, pool: &pool };
    let mut points: Vec<Point> = pool
        .members
        .iter()
        .map(|&m| Point { cost: pool.stats[m].mean_cost, quality: pool.stats[m].accuracy })
        .collect();
    let mut orders = ScoreOrders::new();
    for models in solver.chains(&problem).unwrap() {
        let chain = Chain::new(data, cal, &models, &mut orders).unwrap();
        let first = chain.threshold_candidates(0);
        match chain.stages() {
            2 => points.extend(first.iter().map(|&t| chain.evaluate(&[t]))),
            3 => {
                for &t0 in &first {
                    points.extend(chain.threshold_candidates(1).iter().map(|&t1| chain.evaluate(&[t0, t1])));
                }
            }
            k => panic!("{k} stages"),
        }
    }
    points
}

fn cells() -> impl Strategy<Value = (usize, Vec<(usize, usize, u8)>)> {
    (3usize..=4, 4usize..=30)
        .prop_flat_map(|(k, n)| (Just(k), prop::collection::vec((0..10usize, 0..7usize, 0u8..9), n * k)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn three_stage_proposals_reach_the_exhaustive_frontier((k, cells) in cells()) {
        let d = data(k, &cells);
        let cal = d.all_queries();
        let params = serde_json::json!({ "max-stages": 3 });
        let solver = KStage { plan: plan_k_stage(serde_json::from_value(params.clone()).unwrap()).unwrap() };
        let want = Frontier::from_points(&exhaustive(&solver, &d, &cal));
        let policies = super::policies(&super::propose(ENTRY.build(params).unwrap().as_ref(), &d, &cal, 0));
        let preds = Predictors::new();
        let got = Frontier::from_points(&Evaluator::new(&d, &cal, &preds).unwrap().evaluate_all(&policies).unwrap());
        // The same staircase: each reaches the other's quality at each of its budgets
        // (up to rounding: the evaluator and the chain sum in different orders).
        for (a, b, name) in [(&got, &want, "exhaustive"), (&want, &got, "proposal")] {
            for p in b.points() {
                let q = a.quality_at(p.cost * (1.0 + 1e-12) + 1e-15);
                prop_assert!(q.is_some_and(|q| q >= p.quality - 1e-12), "{name} point {p:?}: other side has {q:?}");
            }
        }
    }
}
