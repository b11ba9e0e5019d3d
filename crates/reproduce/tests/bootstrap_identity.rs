//! The bootstrap's machinery, with every query counted once, gives back the
//! engine's own curves on every split and the engine's Gain and CR@x of every
//! median: the replicates resample exactly what the report estimates.

mod common;

use cascadelab_engine::plan::SplitPlan;
use cascadelab_engine::{Plan, Study, protocol, results};
use cascadelab_reproduce::bootstrap::{Prepared, Settings};
use cascadelab_reproduce::methods::{self, Protocol};
use cascadelab_reproduce::{bootstrap_curves, repo_root};

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9,
        (None, None) => true,
        _ => false,
    }
}

#[test]
fn identity_weights_give_back_the_engines_curves_and_metrics() {
    let Some(data) = common::zellinger_data() else { return };
    for bench in ["gsm8k", "truthfulqa"] {
        let path = repo_root().join(format!("experiments/paper/{bench}.toml"));
        let mut plan = Plan::from_file(&path, Some(&data)).unwrap();
        if let SplitPlan::Random { repeats, .. } = &mut plan.split {
            *repeats = 3;
        }
        let study = Study::load(plan).unwrap();
        let splits = (0..3).map(|i| protocol::run_split(&study, i).unwrap()).collect();
        let run = results::assemble(&study, splits);
        let curves = bootstrap_curves();
        let prepared = Prepared::new(&study, &run, &curves).unwrap();
        let identity = prepared.identity();
        for (c, &(method, p)) in curves.iter().enumerate() {
            let set = methods::curve_set(&study, &run, method, p).unwrap();
            let m = set.metrics(p.kind());
            let what = format!("{bench} {} ({})", method.label(), p.label());
            assert!(close(identity[c].gain, m.gain), "{what}: Gain {:?} against {:?}", identity[c].gain, m.gain);
            for (k, cr) in m.cost_reduction.iter().enumerate() {
                assert!(close(identity[c].cost_reduction[k], *cr), "{what}: CR {k}");
            }
            for (s, curve) in prepared.identity_curves(c).into_iter().enumerate() {
                let f = methods::family(&study, &run, s, method, p).unwrap();
                let engine = match p {
                    Protocol::Paper => &f.envelope,
                    Protocol::Exact => &f.selected,
                };
                let curve = curve.unwrap();
                for (g, (a, b)) in curve.iter().zip(engine).enumerate() {
                    assert!(close(*a, *b), "{what}, split {s}, grid point {g}: {a:?} against {b:?}");
                }
            }
        }
        // Replicates: a fixed seed gives fixed values; differences of a curve with
        // itself are exactly 0.
        let settings = Settings { resamples: 20, seed: 42, level: 0.95 };
        let a = prepared.run(settings);
        let b = prepared.run(settings);
        assert_eq!(a.values, b.values);
        assert_eq!(a.values.len(), 20);
        assert!(a.values.iter().any(|r| r[0] != identity[0]), "{bench}: replicates differ from the estimate");
    }
}
