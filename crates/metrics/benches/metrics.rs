//! Benchmarks: the NDCH and AIQ of many points, and the paired bootstrap.

use cascadelab_core::{Outcomes, Point};
use cascadelab_metrics::routerbench::{AiqDefinition, Ndch, aiq};
use cascadelab_metrics::{BootstrapConfig, bootstrap, bootstrap_difference};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

fn points(n: usize, seed: u64) -> Vec<Point> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let cost: f64 = rng.random();
            Point { cost, quality: cost.sqrt() * 0.8 + 0.2 * rng.random::<f64>() }
        })
        .collect()
}

fn method(policies: usize, queries: usize, seed: u64) -> Vec<Outcomes> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..policies)
        .map(|k| {
            let p = 0.5 + 0.4 * k as f64 / policies as f64;
            Outcomes {
                cost: (0..queries).map(|_| (1 + k) as f64 * rng.random::<f64>()).collect(),
                quality: (0..queries).map(|_| f64::from(u8::from(rng.random_bool(p)))).collect(),
            }
        })
        .collect()
}

fn hull(c: &mut Criterion) {
    let small = points(200, 1);
    let large = points(100_000, 2);
    c.bench_function("ndch 200 points", |b| b.iter(|| Ndch::new(black_box(&small))));
    c.bench_function("ndch 100k points", |b| b.iter(|| Ndch::new(black_box(&large))));
    let routers = [points(200, 3), points(200, 4)];
    c.bench_function("aiq 2 routers x 200 points", |b| b.iter(|| aiq(black_box(&routers), AiqDefinition::Paper)));
}

fn resampling(c: &mut Criterion) {
    let a = method(20, 1000, 5);
    let b = method(20, 1000, 6);
    let area = |p: &[Point]| Ndch::new(p).aiq(0.0, 20.0);
    let cfg = BootstrapConfig::default();
    c.bench_function("bootstrap 20 policies x 1000 queries x 1000 resamples", |bch| {
        bch.iter(|| bootstrap(black_box(&a), area, &cfg).unwrap())
    });
    c.bench_function("paired difference 2 x 20 policies x 1000 queries x 1000 resamples", |bch| {
        bch.iter(|| bootstrap_difference(black_box(&a), black_box(&b), area, &cfg).unwrap())
    });
}

criterion_group!(benches, hull, resampling);
criterion_main!(benches);
