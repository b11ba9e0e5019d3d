//! With two stages the k-stage solver reproduces the pairwise solver's calibration
//! frontier exactly (cascadelab-pairwise, every valid pair at every distinct
//! threshold); with more stages its frontier is at least as good at every budget.

use cascadelab_core::{Dataset, Evaluator, Frontier, Predictors, Solver, SolverEntry};
use proptest::prelude::*;

const SCORES: [f64; 8] = [f64::NEG_INFINITY, -2.0, -1.0, -0.5, 0.0, 0.25, 1.0, f64::INFINITY];

/// `k` models over `cells.len() / k` queries: later models are right more often,
/// fractional quality sometimes, scores (with ties and ±∞) higher when right, and
/// costs doubling from one model to the next with per-query noise.
fn data(k: usize, cells: &[(usize, usize, u8)]) -> Dataset {
    let n = cells.len() / k;
    let models = (0..k)
        .map(|j| {
            let name = ["m0", "m1", "m2", "m3", "m4"][j];
            let c = |i: usize| cells[i * k + j];
            let quality = |i: usize| match c(i).0 {
                a if a < 2 + j => 1.0,
                7 => 0.5,
                _ => 0.0,
            };
            (
                name,
                (0..n).map(quality).collect(),
                (0..n).map(|i| SCORES[(c(i).1 + if quality(i) > 0.0 { 2 } else { 0 }).min(7)]).collect(),
                (0..n).map(|i| (1 << j) as f64 * (0.5 + c(i).2 as f64 / 8.0)).collect(),
            )
        })
        .collect();
    super::dataset(models)
}

fn frontier(solver: &dyn Solver, data: &Dataset, cal: &[usize]) -> Vec<(f64, f64)> {
    let policies = super::policies(&super::propose(solver, data, cal, 3));
    let preds = Predictors::new();
    let points = Evaluator::new(data, cal, &preds).unwrap().evaluate_all(&policies).unwrap();
    Frontier::from_points(&points).points().iter().map(|p| (p.cost, p.quality)).collect()
}

fn cells() -> impl Strategy<Value = (usize, Vec<(usize, usize, u8)>, u64)> {
    (3usize..=5, 4usize..=60)
        .prop_flat_map(|(k, n)| (Just(k), prop::collection::vec((0..8usize, 0..7usize, 0u8..8), n * k), any::<u64>()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn two_stage_frontier_equals_the_pairwise_frontier((k, cells, pick) in cells()) {
        let d = data(k, &cells);
        // A calibration half chosen by the bits of `pick` (at least one query).
        let mut cal: Vec<usize> = (0..d.n_queries()).filter(|&i| (pick >> (i % 64)) & 1 == 1).collect();
        if cal.is_empty() {
            cal.push(0);
        }
        let pairwise = cascadelab_pairwise::ENTRY.build(serde_json::json!({})).unwrap();
        let two = cascadelab_kstage::ENTRY.build(serde_json::json!({ "max-stages": 2 })).unwrap();
        let want = frontier(pairwise.as_ref(), &d, &cal);
        let got = frontier(two.as_ref(), &d, &cal);
        prop_assert_eq!(&got, &want);

        // More stages only add candidates: at every budget at least the pair envelope.
        let four = cascadelab_kstage::ENTRY.build(serde_json::json!({})).unwrap();
        let more = Frontier::from_points(
            &frontier(four.as_ref(), &d, &cal).iter().map(|&(cost, quality)| cascadelab_core::Point { cost, quality }).collect::<Vec<_>>(),
        );
        for &(cost, quality) in &want {
            prop_assert!(more.quality_at(cost).is_some_and(|q| q >= quality - 1e-12), "at {cost}: {:?} < {quality}", more.quality_at(cost));
        }
    }
}
