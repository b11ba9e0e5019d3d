//! The coordinate method against exhaustive search over every combination of
//! thresholds, on data small enough to enumerate: ties, ±∞ scores, fractional
//! quality and zero costs included.

use cascadelab_core::Dataset;
use cascadelab_kstage::chain::{Chain, ScoreOrders};
use cascadelab_kstage::observe::Bridge;
use cascadelab_kstage::path::{CoordinateSettings, coordinate_path, lambda_grid};
use cascadelab_kstage::{KStageParams, plan_k_stage};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

const QUALITY: [f64; 5] = [0.0, 1.0, 0.5, 1.0, 0.25];
const SCORES: [f64; 7] = [f64::NEG_INFINITY, 0.1, 0.2, 0.3, 0.5, 0.9, f64::INFINITY];
const COSTS: [f64; 4] = [0.0, 1.0, 2.0, 3.0];

/// `k` models over `cells.len() / k` queries; each cell picks a quality, a score and
/// a cost (scaled by the stage, so later stages cost more on average).
fn small_data(k: usize, cells: &[(usize, usize, usize)]) -> Dataset {
    let n = cells.len() / k;
    let models = (0..k)
        .map(|j| {
            let col =
                |f: &dyn Fn(&(usize, usize, usize)) -> f64| (0..n).map(|i| f(&cells[i * k + j])).collect::<Vec<_>>();
            let name = ["a", "b", "c", "d", "e"][j];
            (name, col(&|c| QUALITY[c.0]), col(&|c| SCORES[c.1]), col(&|c| (j as f64 + 1.0) * COSTS[c.2]))
        })
        .collect();
    super::dataset(models)
}

fn chain_of(data: &Dataset) -> Chain {
    let cal = data.all_queries();
    Chain::new(data, &cal, &(0..data.n_models()).collect::<Vec<_>>(), &mut ScoreOrders::new()).unwrap()
}

/// The best and worst Q − λ·C over every combination of candidate thresholds.
fn exhaustive(chain: &Chain, lambda: f64) -> (f64, f64) {
    let k = chain.stages();
    let cands: Vec<Vec<f64>> = (0..k - 1).map(|j| chain.threshold_candidates(j)).collect();
    let mut idx = vec![0usize; k - 1];
    let (mut best, mut worst) = (f64::NEG_INFINITY, f64::INFINITY);
    loop {
        let t: Vec<f64> = idx.iter().enumerate().map(|(j, &i)| cands[j][i]).collect();
        let o = chain.objective(&t, lambda);
        best = best.max(o);
        worst = worst.min(o);
        let Some(j) = (0..k - 1).find(|&j| idx[j] + 1 < cands[j].len()) else {
            return (best, worst);
        };
        idx[j] += 1;
        idx[..j].fill(0);
    }
}

/// The settings the solver uses by default.
fn settings() -> CoordinateSettings {
    plan_k_stage(KStageParams::default()).unwrap().coordinate
}

/// Worst miss of the coordinate path of `data` against exhaustive search, over a
/// 25-value λ grid: (λ values missed, λ values, worst absolute miss, worst miss
/// relative to the objective's range).
fn misses(data: &Dataset, settings: &CoordinateSettings) -> (usize, usize, f64, f64) {
    let chain = chain_of(data);
    let lambdas = lambda_grid(&chain, 25);
    let path = coordinate_path(&chain, &lambdas, settings, &Bridge::new()).unwrap();
    assert_eq!(path.len(), lambdas.len());
    let (mut missed, mut worst_abs, mut worst_rel) = (0, 0.0f64, 0.0f64);
    for o in &path {
        let (best, worst) = exhaustive(&chain, o.lambda);
        // The reported point is the thresholds' true point.
        assert_eq!(o.point, chain.evaluate(&o.thresholds));
        let got = o.objective();
        assert!(got <= best + 1e-9, "beat the exhaustive optimum: {got} > {best}");
        if got < best - 1e-9 {
            missed += 1;
            worst_abs = worst_abs.max(best - got);
            worst_rel = worst_rel.max((best - got) / (best - worst));
        }
    }
    (missed, path.len(), worst_abs, worst_rel)
}

fn cells(k: usize) -> impl Strategy<Value = Vec<(usize, usize, usize)>> {
    (1usize..=8).prop_flat_map(move |n| prop::collection::vec((0..5usize, 0..7usize, 0..4usize), n * k))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// With 2 or 3 stages a point no pair step improves is the global optimum:
    /// no miss at any λ.
    #[test]
    fn two_and_three_stages_reach_the_exhaustive_optimum(c2 in cells(2), c3 in cells(3)) {
        for data in [small_data(2, &c2), small_data(3, &c3)] {
            let (missed, total, worst, _) = misses(&data, &settings());
            prop_assert_eq!(missed, 0, "missed {} of {} λ by up to {}", missed, total, worst);
        }
    }

    /// With 4 stages the method is a heuristic; no single miss exceeds half of the
    /// objective's range over all thresholds (the worst seen in 10,000 seeded cases).
    #[test]
    fn four_stage_misses_stay_within_half_the_range(c4 in cells(4)) {
        let (_, _, _, rel) = misses(&small_data(4, &c4), &settings());
        prop_assert!(rel <= 0.5 + 1e-12, "relative miss {rel}");
    }
}

/// Miss statistics of 4 stages over 3,000 seeded random cases. Measured: 0.40 % of
/// the (case, λ) pairs miss, in 31 of the 3,000 cases (1.0 %), by at most 0.43 of
/// the objective's range (over 10,000 cases: 0.47 % of pairs, 1.1 % of cases, at
/// most 0.5); without the pair steps 4.0 % of the pairs miss, in 11 % of the cases.
/// The test enforces at most 0.5 % of pairs and a worst relative miss of 0.5.
#[test]
fn four_stage_miss_rate_is_bounded() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20260529);
    let (mut missed, mut total, mut cases_missed, mut worst_rel) = (0, 0, 0, 0.0f64);
    let cases = 3000;
    for _ in 0..cases {
        let n = rng.random_range(1..=8);
        let c: Vec<(usize, usize, usize)> =
            (0..4 * n).map(|_| (rng.random_range(0..5), rng.random_range(0..7), rng.random_range(0..4))).collect();
        let (m, t, _, rel) = misses(&small_data(4, &c), &settings());
        missed += m;
        total += t;
        cases_missed += usize::from(m > 0);
        worst_rel = worst_rel.max(rel);
    }
    let rate = missed as f64 / total as f64;
    eprintln!(
        "4 stages: {missed} of {total} (case, λ) pairs missed ({:.2} %), in {cases_missed} of {cases} cases; worst relative miss {worst_rel:.3}",
        100.0 * rate
    );
    assert!(rate <= 0.005, "miss rate {rate}");
    assert!(worst_rel <= 0.5 + 1e-12, "worst relative miss {worst_rel}");
}

/// On realistic data (confidence correlated with correctness, 20 queries) the
/// 4-stage result matches exhaustive search at every λ of the grid.
#[test]
fn four_stages_on_realistic_data_reach_the_exhaustive_optimum() {
    for seed in 0..4 {
        let data = super::realistic(4, 20, seed);
        let (missed, total, worst, _) = misses(&data, &settings());
        assert_eq!(missed, 0, "seed {seed}: missed {missed} of {total} λ by up to {worst}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The chain's own evaluation (used by every method) is the core evaluator's, and
    /// the canonical policy of any thresholds has the same calibration point.
    #[test]
    fn chain_evaluation_matches_the_core_evaluator(c in cells(4), picks in prop::collection::vec(0usize..16, 3)) {
        use cascadelab_core::{Evaluator, Policy, Predictors, Signal};
        let data = small_data(4, &c);
        let chain = chain_of(&data);
        let taus: Vec<f64> = picks.iter().enumerate().map(|(j, &p)| {
            let cands = chain.threshold_candidates(j);
            // Candidates, and values between and beyond them.
            if p < cands.len() { cands[p] } else { [0.15, -7.0, 0.5, 3.0][p % 4] }
        }).collect();
        let cal = data.all_queries();
        let preds = Predictors::new();
        let mut ev = Evaluator::new(&data, &cal, &preds).unwrap();
        let cascade = Policy::Cascade { stages: chain.names().to_vec(), thresholds: taus.clone(), signal: Signal::Confidence };
        let want = ev.evaluate(&cascade).unwrap();
        let got = chain.evaluate(&taus);
        prop_assert!((got.cost - want.cost).abs() < 1e-12 && (got.quality - want.quality).abs() < 1e-12);
        let canonical = chain.policy(&taus).unwrap_or(Policy::Single { model: "a".into() });
        let p = ev.evaluate(&canonical).unwrap();
        prop_assert!((p.cost - want.cost).abs() < 1e-12 && (p.quality - want.quality).abs() < 1e-12, "{}", canonical.describe());
    }
}
