//! Building the randomized frontier (the O(n log n) hull) and answering budgets.

use std::hint::black_box;

use cascadelab_core::{Point, Policy};
use cascadelab_randomized::RandomizedFrontier;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// `n` points on a noisy concave curve, in a fixed pseudo-random order.
fn points(n: usize) -> Vec<Point> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let cost = next();
            Point { cost, quality: cost.sqrt() - 0.05 * next() }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("randomized_frontier");
    for n in [1_000usize, 100_000, 1_000_000] {
        let pts = points(n);
        let policies: Vec<Policy> = (0..n).map(|i| Policy::Single { model: format!("m{}", i % 7) }).collect();
        g.bench_function(format!("build/{n}"), |b| {
            b.iter_batched(
                || (policies.clone(), pts.clone()),
                |(p, q)| black_box(RandomizedFrontier::new(p, q).unwrap()),
                BatchSize::LargeInput,
            )
        });
        let rf = RandomizedFrontier::new(policies.clone(), pts.clone()).unwrap();
        let budgets: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0).collect();
        g.bench_function(format!("1000_budgets/{n}"), |b| {
            b.iter(|| budgets.iter().filter_map(|&x| rf.quality_at(black_box(x))).sum::<f64>())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
