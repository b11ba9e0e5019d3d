//! The exact pair frontier, the grid and the envelope against brute force on random
//! small data: ties in scores, `-inf` scores, fractional quality, per-query costs.
//!
//! Qualities are multiples of 1/4 and costs multiples of 1/8, so every sum in both
//! the sweep and the core evaluator is exact: a disagreement is a real one, never
//! rounding that tips a near-tie of the dominance filter one way or the other.

use cascadelab_core::{Dataset, Evaluator, Frontier, ModelColumns, Point, Policy, Pool, Predictors, Signal, linspace};
use cascadelab_pairwise::{
    Envelope, PairChoice, PairFrontier, Route, Source, ThresholdRule, candidate_thresholds, pair_frontier,
};
use proptest::prelude::*;

/// One model's per-query (quality in quarters, score code, cost in eighths).
type RawModel = Vec<(u8, i8, u8)>;

fn score(code: i8) -> f64 {
    match code {
        -2 => f64::NEG_INFINITY,
        -1 => -0.0,
        c => c as f64 * 0.5,
    }
}

fn dataset(models: &[RawModel]) -> Dataset {
    let n = models[0].len();
    Dataset::new(
        (0..n).map(|i| format!("q{i}")).collect(),
        None,
        models
            .iter()
            .enumerate()
            .map(|(j, m)| ModelColumns {
                name: format!("m{j}"),
                quality: m.iter().map(|r| r.0 as f64 / 4.0).collect(),
                confidence: Some(m.iter().map(|r| score(r.1)).collect()),
                // Model j costs j/2 more per query, so cost orders vary but often agree.
                cost: m.iter().map(|r| r.2 as f64 / 8.0 + j as f64 * 0.5).collect(),
            })
            .collect(),
        None,
    )
    .unwrap()
}

/// Random data: 2..5 models, 1..14 queries, and a random subset (shuffled, possibly all).
fn data_and_subset() -> impl Strategy<Value = (Dataset, Vec<usize>)> {
    (2usize..5, 1usize..14)
        .prop_flat_map(|(k, n)| {
            let row = (0u8..5, -2i8..5, 0u8..17);
            (
                proptest::collection::vec(proptest::collection::vec(row, n), k),
                proptest::collection::vec(any::<bool>(), n),
                any::<u64>(),
            )
        })
        .prop_map(|(models, keep, shuffle)| {
            let data = dataset(&models);
            let mut subset: Vec<usize> = (0..keep.len()).filter(|&i| keep[i]).collect();
            if subset.is_empty() {
                subset.push(0);
            }
            // A deterministic shuffle, so the sweep cannot rely on subset order.
            let mut s = shuffle;
            for i in (1..subset.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                subset.swap(i, (s >> 33) as usize % (i + 1));
            }
            (data, subset)
        })
}

fn cascade(data: &Dataset, l: usize, h: usize, t: f64) -> Policy {
    Policy::Cascade {
        stages: vec![data.models[l].name.clone(), data.models[h].name.clone()],
        thresholds: vec![t],
        signal: Signal::Confidence,
    }
}

fn single(data: &Dataset, m: usize) -> Policy {
    Policy::Single { model: data.models[m].name.clone() }
}

/// Every threshold that could matter and many that cannot: each score, ±inf, and
/// the midpoints and outsides of consecutive distinct finite scores.
fn brute_thresholds(data: &Dataset, subset: &[usize], l: usize) -> Vec<f64> {
    let conf = data.models[l].confidence.as_ref().unwrap();
    let mut v: Vec<f64> = subset.iter().map(|&q| conf[q]).collect();
    v.extend([f64::NEG_INFINITY, f64::INFINITY]);
    let mut finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    finite.sort_by(f64::total_cmp);
    for w in finite.windows(2) {
        v.push(0.5 * (w[0] + w[1]));
    }
    if let (Some(lo), Some(hi)) = (finite.first(), finite.last()) {
        v.extend([lo - 1.0, hi + 1.0]);
    }
    v
}

fn brute_frontier(data: &Dataset, subset: &[usize], policies: &[Policy]) -> Vec<Point> {
    let preds = Predictors::new();
    let mut ev = Evaluator::new(data, subset, &preds).unwrap();
    let points: Vec<Point> = policies.iter().map(|p| ev.evaluate(p).unwrap()).collect();
    Frontier::from_points(&points).points().iter().map(|p| Point { cost: p.cost, quality: p.quality }).collect()
}

fn assert_same(ours: &[Point], brute: &[Point]) -> Result<(), TestCaseError> {
    prop_assert_eq!(ours.len(), brute.len(), "ours {:?}\nbrute {:?}", ours, brute);
    for (a, b) in ours.iter().zip(brute) {
        prop_assert!((a.cost - b.cost).abs() <= 1e-12 && (a.quality - b.quality).abs() <= 1e-12, "{:?} vs {:?}", a, b);
    }
    Ok(())
}

fn pair_points(f: &PairFrontier) -> Vec<Point> {
    f.points.iter().map(|p| Point { cost: p.cost, quality: p.quality }).collect()
}

/// Each point's named policy, evaluated by the core, lands on the point.
fn check_policies(data: &Dataset, subset: &[usize], f: &PairFrontier) -> Result<(), TestCaseError> {
    let preds = Predictors::new();
    let mut ev = Evaluator::new(data, subset, &preds).unwrap();
    for p in &f.points {
        let e = ev.evaluate(&f.policy(data, p)).unwrap();
        prop_assert!((e.cost - p.cost).abs() <= 1e-12 && (e.quality - p.quality).abs() <= 1e-12, "{:?} vs {:?}", p, e);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn exact_pair_frontier_equals_brute_force_over_every_threshold((data, subset) in data_and_subset()) {
        for l in 0..data.n_models() {
            for h in 0..data.n_models() {
                if l == h {
                    continue;
                }
                let ours = pair_frontier(&data, &subset, l, h, ThresholdRule::Exact).unwrap();
                let mut policies = vec![single(&data, l), single(&data, h)];
                policies.extend(brute_thresholds(&data, &subset, l).into_iter().map(|t| cascade(&data, l, h, t)));
                assert_same(&pair_points(&ours), &brute_frontier(&data, &subset, &policies))?;
                check_policies(&data, &subset, &ours)?;
                // n_distinct + 1 candidates (no score is +inf here).
                let conf = data.models[l].confidence.as_ref().unwrap();
                let mut distinct: Vec<f64> = subset.iter().map(|&q| conf[q] + 0.0).collect();
                distinct.sort_by(f64::total_cmp);
                distinct.dedup();
                prop_assert_eq!(ours.candidates, distinct.len() + 1);
            }
        }
    }

    #[test]
    fn grid_points_equal_direct_evaluation_of_the_grid((data, subset) in data_and_subset(), size in 2usize..7) {
        for l in 0..data.n_models() {
            let conf = data.models[l].confidence.as_ref().unwrap();
            let finite: Vec<f64> = subset.iter().map(|&q| conf[q]).filter(|s| s.is_finite()).collect();
            let taus = candidate_thresholds(&data, &subset, l, ThresholdRule::Grid(size)).unwrap();
            // The grid is linspace(min, max) of the finite scores, duplicates dropped.
            if finite.is_empty() {
                prop_assert!(taus.is_empty());
            } else {
                let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mut want = linspace(lo, hi, size);
                want.dedup();
                prop_assert_eq!(&taus, &want);
            }
            for h in 0..data.n_models() {
                if l == h {
                    continue;
                }
                let ours = pair_frontier(&data, &subset, l, h, ThresholdRule::Grid(size)).unwrap();
                prop_assert_eq!(ours.candidates, taus.len());
                for p in &ours.points {
                    if let PairChoice::Threshold(t) = p.choice {
                        prop_assert!(taus.contains(&t));
                    }
                }
                let mut policies = vec![single(&data, l), single(&data, h)];
                policies.extend(taus.iter().map(|&t| cascade(&data, l, h, t)));
                assert_same(&pair_points(&ours), &brute_frontier(&data, &subset, &policies))?;
                check_policies(&data, &subset, &ours)?;
            }
        }
    }

    #[test]
    fn envelope_is_the_best_pair_at_every_budget((data, subset) in data_and_subset()) {
        let pool = Pool::new(&data, &subset);
        let env = Envelope::new(&data, &subset, &pool, ThresholdRule::Exact).unwrap();
        let pairs = env.pair_frontiers();
        prop_assert_eq!(pairs.len(), pool.pairs.len());
        for (f, &(l, h)) in pairs.iter().zip(&pool.pairs) {
            prop_assert_eq!((f.low, f.high), (l, h));
        }
        // The pool's models alone, as a frontier of their own.
        let singles: Vec<Point> = pool
            .members
            .iter()
            .map(|&m| Point { cost: pool.stats[m].mean_cost, quality: pool.stats[m].accuracy })
            .collect();
        let singles = Frontier::from_points(&singles);
        let mut budgets: Vec<f64> = vec![-1.0, 1e9];
        for f in pairs {
            budgets.extend(f.points.iter().map(|p| p.cost));
        }
        budgets.extend(singles.points().iter().map(|p| p.cost));
        budgets.extend(env.points().iter().map(|p| p.cost));
        let mid: Vec<f64> = budgets.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
        budgets.extend(mid);
        for &b in &budgets {
            let e = env.quality_at(b);
            let mut any = singles.quality_at(b) == e;
            for f in pairs {
                let q = f.quality_at(b);
                prop_assert!(q.is_none() || e >= q, "budget {}: envelope {:?} below pair {:?}", b, e, q);
                any |= q == e;
            }
            prop_assert!(singles.quality_at(b).is_none() || e >= singles.quality_at(b));
            prop_assert!(any, "budget {}: envelope {:?} is no pair's and no model's quality", b, e);
            // The policy serving a budget reaches the envelope's quality within it.
            if let Some(p) = env.policy_at(b) {
                let preds = Predictors::new();
                let got = Evaluator::new(&data, &subset, &preds).unwrap().evaluate(&p).unwrap();
                prop_assert!(got.cost <= b + 1e-12 && (Some(got.quality) == e), "{:?} at {}", got, b);
            } else {
                prop_assert!(e.is_none());
            }
        }
        // Brute force: the frontier of every pair's every threshold and every pool model alone.
        let mut policies: Vec<Policy> = pool.members.iter().map(|&m| single(&data, m)).collect();
        for &(l, h) in &pool.pairs {
            policies.extend(brute_thresholds(&data, &subset, l).into_iter().map(|t| cascade(&data, l, h, t)));
        }
        let ours: Vec<Point> = env.points().iter().map(|p| Point { cost: p.cost, quality: p.quality }).collect();
        assert_same(&ours, &brute_frontier(&data, &subset, &policies))?;
        // Switching points are exactly the route changes along the envelope.
        let routes: Vec<Route> = env.points().iter().map(|p| p.source.route()).collect();
        let changes: Vec<(f64, Route, Route)> = (1..routes.len())
            .filter(|&i| routes[i] != routes[i - 1])
            .map(|i| (env.points()[i].cost, routes[i - 1], routes[i]))
            .collect();
        let got: Vec<(f64, Route, Route)> =
            env.switching_points().iter().map(|s| (s.budget, s.before, s.after)).collect();
        prop_assert_eq!(got, changes);
        for p in env.points() {
            if let Source::Cascade { low, high, .. } = p.source {
                prop_assert!(pool.pairs.contains(&(low, high)));
            }
        }
    }
}
