//! The full router study at paper scale: 2,000 queries with 384-d unit embeddings
//! (synthetic, drawn here), 9 models, 50 random 50/50 splits; per split the predictors
//! are fit on calibration (9 logistic regressions on ~1,000 × 384), the router proposes
//! the paper's 200 cost weights, and every router is evaluated on calibration and
//! test. Splits run in parallel, as the engine runs them. Goal: under 10 s in total.
//! Also one logistic fit alone, for profiling.

use cascadelab_core::{Dataset, Evaluator, Features, ModelColumns, NullObserver, Pool, Problem, Solver};
use cascadelab_router::{Design, Family, LogisticOptions, RouterParams, RouterSolver, WeightGrid, fit_logistic};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

const QUERIES: usize = 2000;
const DIM: usize = 384;
const MODELS: usize = 9;
const SPLITS: u64 = 50;

/// Queries around 20 topic directions; model j's correctness depends on a per-model
/// skill direction plus its overall strength; costs grow with strength.
fn dataset() -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let normal = |rng: &mut ChaCha8Rng| -> f64 { StandardNormal.sample(rng) };
    let topics: Vec<Vec<f64>> = (0..20).map(|_| (0..DIM).map(|_| normal(&mut rng)).collect()).collect();
    let mut values = Vec::with_capacity(QUERIES * DIM);
    let mut rows = Vec::with_capacity(QUERIES);
    for _ in 0..QUERIES {
        let t = &topics[rng.random_range(0..topics.len())];
        let mut v: Vec<f64> = t.iter().map(|&c| c + 1.5 * normal(&mut rng)).collect();
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        values.extend(v.iter().map(|&x| x as f32));
        rows.push(v);
    }
    let models = (0..MODELS)
        .map(|j| {
            let skill: Vec<f64> = (0..DIM).map(|_| normal(&mut rng)).collect();
            let strength = -1.0 + 0.4 * j as f64;
            let quality = rows
                .iter()
                .map(|x| {
                    let t = strength + 3.0 * x.iter().zip(&skill).map(|(a, b)| a * b).sum::<f64>();
                    f64::from(u8::from(rng.random::<f64>() < cascadelab_core::sigmoid(t)))
                })
                .collect();
            let base = 1e-5 * 2f64.powi(j as i32);
            let cost = (0..QUERIES).map(|_| base * rng.random_range(0.5..1.5)).collect();
            ModelColumns { name: format!("m{j}"), quality, confidence: None, cost }
        })
        .collect();
    let features = Features { source: "synthetic".into(), dim: DIM, values };
    Dataset::new((0..QUERIES).map(|i| format!("q{i}")).collect(), None, models, Some(features)).unwrap()
}

fn split(seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..QUERIES).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let (mut cal, mut test) = (order[..QUERIES / 2].to_vec(), order[QUERIES / 2..].to_vec());
    cal.sort_unstable();
    test.sort_unstable();
    (cal, test)
}

fn study(data: &Dataset, solver: &RouterSolver) -> f64 {
    let areas: Vec<f64> = (42..42 + SPLITS)
        .into_par_iter()
        .map(|seed| {
            let (cal, test) = split(seed);
            let pool = Pool::new(data, &cal);
            let problem = Problem { data, calibration: &cal, pool: &pool };
            let mut observer = NullObserver;
            let mut ctx = cascadelab_core::Context::new(seed, &mut observer);
            let proposal = solver.propose(&problem, &mut ctx).unwrap();
            let policies = &proposal.families[0].policies;
            let mut area = 0.0;
            for subset in [&cal, &test] {
                let mut ev = Evaluator::new(data, subset, &proposal.predictors).unwrap();
                let points = ev.evaluate_all(policies).unwrap();
                area += points.iter().map(|p| p.quality).sum::<f64>();
            }
            area
        })
        .collect();
    areas.iter().sum()
}

fn bench(c: &mut Criterion) {
    let data = dataset();
    let solver = RouterSolver::new(RouterParams {
        families: vec![Family::Router],
        weights: WeightGrid::Paper,
        ..RouterParams::default()
    })
    .unwrap();
    let mut group = c.benchmark_group("router");
    group.sample_size(10);
    group.bench_function("study 2000x384, 9 models, 50 splits, 200 weights", |b| b.iter(|| study(&data, &solver)));
    let (cal, _) = split(42);
    let f = data.features.as_ref().unwrap();
    let design = Design::from_f32_rows(DIM, cal.iter().map(|&q| f.row(q)));
    let y: Vec<f64> = cal.iter().map(|&q| data.models[4].quality[q]).collect();
    group.bench_function("one logistic fit 1000x384", |b| {
        b.iter(|| fit_logistic(&design, &y, &LogisticOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
