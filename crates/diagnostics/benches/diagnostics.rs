//! Benchmarks of the diagnostics on synthetic columns: escalation benefit of one pair,
//! PAV on a long sequence, first-order diagnostics of a 3-stage cascade.

use cascadelab_core::{Dataset, ModelColumns, Policy, Predictors, Signal};
use cascadelab_diagnostics::{
    BenefitOptions, FirstOrderOptions, escalation_benefit, first_order, isotonic_non_increasing,
};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn data(n: usize) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut column = |name: &str, p: fn(f64) -> f64, cost: f64| {
        let s: Vec<f64> = (0..n).map(|_| rng.random()).collect();
        let quality = s.iter().map(|&u| if rng.random::<f64>() < p(u) { 1.0 } else { 0.0 }).collect();
        ModelColumns { name: name.into(), quality, confidence: Some(s), cost: vec![cost; n] }
    };
    let models = vec![
        column("a", |u| 0.2 + 0.7 * u, 1.0),
        column("b", |u| 0.5 + 0.4 * u, 3.0),
        column("c", |u| 0.8 + 0.1 * u, 10.0),
    ];
    Dataset::new((0..n).map(|i| format!("q{i}")).collect(), None, models, None).unwrap()
}

fn benches(c: &mut Criterion) {
    let n = 100_000;
    let d = data(n);
    let all = d.all_queries();
    c.bench_function("escalation_benefit n=100k", |b| {
        b.iter(|| escalation_benefit(&d, &all, 0, 2, &BenefitOptions::default()).unwrap())
    });
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let y: Vec<f64> = (0..1_000_000).map(|i| -(i as f64) / 1e6 + rng.random::<f64>()).collect();
    let w = vec![1.0; y.len()];
    c.bench_function("isotonic_non_increasing n=1M", |b| b.iter(|| isotonic_non_increasing(&y, &w).unwrap()));
    let policy = Policy::Cascade {
        stages: vec!["a".into(), "b".into(), "c".into()],
        thresholds: vec![0.6, 0.5],
        signal: Signal::Confidence,
    };
    let none = Predictors::new();
    c.bench_function("first_order 3 stages n=100k", |b| {
        b.iter(|| first_order(&d, &all, &policy, &none, &FirstOrderOptions::default()).unwrap())
    });
}

criterion_group!(group, benches);
criterion_main!(group);
