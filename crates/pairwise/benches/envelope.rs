//! The exact pairwise envelope of 8 models (28 valid pairs) on 10^4, 10^5 and 10^6
//! synthetic queries, single-threaded; and the paper's 200-point grid at 10^6.
//!
//! Run: `cargo bench -p cascadelab-pairwise -- --warm-up-time 1 --measurement-time 5 --sample-size 10`.

use cascadelab_core::{Dataset, ModelColumns, Pool};
use cascadelab_pairwise::{Envelope, ThresholdRule};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Model j: accuracy 0.35 + 0.08 j, mean cost 1e-5 · 2^j with ±50 % per-query
/// variation, confidence = 0.8 · correct + uniform noise (continuous, so nearly
/// every score is distinct: the exact rule's worst case).
fn synthetic(n: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let models = (0..8)
        .map(|j| {
            let accuracy = 0.35 + 0.08 * j as f64;
            let mean_cost = 1e-5 * f64::powi(2.0, j);
            let mut quality = Vec::with_capacity(n);
            let mut confidence = Vec::with_capacity(n);
            let mut cost = Vec::with_capacity(n);
            for _ in 0..n {
                let u = if rng.random::<f64>() < accuracy { 1.0 } else { 0.0 };
                quality.push(u);
                confidence.push(0.8 * u + rng.random::<f64>() - 0.5 * j as f64 / 8.0);
                cost.push(mean_cost * (0.5 + rng.random::<f64>()));
            }
            ModelColumns { name: format!("model-{j}"), quality, confidence: Some(confidence), cost }
        })
        .collect();
    Dataset::new((0..n).map(|i| format!("q{i}")).collect(), None, models, None).expect("valid synthetic data")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("envelope");
    for n in [10_000usize, 100_000, 1_000_000] {
        let data = synthetic(n, 42);
        let all = data.all_queries();
        let pool = Pool::new(&data, &all);
        assert_eq!(pool.pairs.len(), 28, "the synthetic pool should have every pair valid");
        group.bench_with_input(BenchmarkId::new("exact/8-models", n), &n, |b, _| {
            b.iter(|| Envelope::new(&data, &all, &pool, ThresholdRule::Exact).expect("envelope"))
        });
        if n == 1_000_000 {
            group.bench_with_input(BenchmarkId::new("grid-200/8-models", n), &n, |b, _| {
                b.iter(|| Envelope::new(&data, &all, &pool, ThresholdRule::Grid(200)).expect("envelope"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
