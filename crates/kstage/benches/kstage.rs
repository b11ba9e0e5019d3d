//! Speed of the k-stage solver: one 50-split run of every cost-ordered chain of 2 to
//! 4 models of a 6-model pool on 1,000 calibration queries (a synthetic 2,000-query
//! set; each split is a different seeded half), single thread.
//!
//! After the criterion benchmarks, when `KSTAGE_NSGA2_PYTHON` names a Python with
//! optuna and numpy, the calibration data of split 0 is written to a temporary CSV,
//! `nsga2_baseline.py` runs the paper's search (Optuna NSGA-II, population 100,
//! 2,000 trials per subsequence; `KSTAGE_NSGA2_TRIALS` and `KSTAGE_NSGA2_SEED`
//! override) on it, and both calibration frontiers are compared at every budget
//! where either has a point: the line reports at how many budgets each is better
//! (measured: NSGA-II better at none, for seeds 0, 1 and 2) and both times.
//!
//! Environment: `KSTAGE_TIME_ONLY=<splits>` times that many splits once and exits;
//! `KSTAGE_COMPARE_ONLY=1` skips the criterion benchmarks;
//! `KSTAGE_COMPARE_COORDINATE_ONLY=1` compares only the coordinate method;
//! `KSTAGE_NSGA2_CACHE=<file>` reuses the NSGA-II Pareto set saved there (and saves
//! it there after a run); `KSTAGE_SHOW_WORSE=1` lists the budgets where NSGA-II wins.

use std::time::{Duration, Instant};

use cascadelab_core::{
    Context, Dataset, Evaluator, Frontier, ModelColumns, NullObserver, Point, Policy, Pool, Predictors, Problem,
};
use cascadelab_kstage::{ENTRY, KStageParams, Method};
use criterion::{Criterion, criterion_group};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Normal};

const QUERIES: usize = 2_000;
const CALIBRATION: usize = 1_000;
const SPLITS: usize = 50;

/// Six models of rising skill and price; confidence correlated with correctness.
fn synthetic() -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(2605_06350);
    let skill = [-1.0, -0.4, 0.1, 0.6, 1.1, 1.6];
    let price_in = [0.1, 0.2, 0.6, 1.5, 4.0, 10.0];
    let normal = Normal::new(0.0, 1.0).unwrap();
    let tokens = LogNormal::new(5.5, 0.6).unwrap();
    let difficulty: Vec<f64> = (0..QUERIES).map(|_| normal.sample(&mut rng)).collect();
    let models = (0..6)
        .map(|m| {
            let mut quality = Vec::with_capacity(QUERIES);
            let mut confidence = Vec::with_capacity(QUERIES);
            let mut cost = Vec::with_capacity(QUERIES);
            for &d in &difficulty {
                let margin = 1.5 * (skill[m] - d);
                let p = 1.0 / (1.0 + (-margin).exp());
                let correct = rng.random_bool(p);
                quality.push(if correct { 1.0 } else { 0.0 });
                // The model's own confidence: its margin plus noise, nudged by whether it is right.
                let s = 0.6 * margin + if correct { 0.8 } else { -0.8 } + normal.sample(&mut rng);
                confidence.push(1.0 / (1.0 + (-s).exp()));
                let (tin, tout) = (tokens.sample(&mut rng), tokens.sample(&mut rng));
                cost.push((tin * price_in[m] + tout * 4.0 * price_in[m]) / 1e6);
            }
            ModelColumns { name: format!("model-{m}"), quality, confidence: Some(confidence), cost }
        })
        .collect();
    Dataset::new((0..QUERIES).map(|i| format!("q{i}")).collect(), None, models, None).unwrap()
}

/// The calibration halves of the splits.
fn splits() -> Vec<Vec<usize>> {
    (0..SPLITS)
        .map(|s| {
            let mut rng = ChaCha8Rng::seed_from_u64(42 + s as u64);
            let mut q: Vec<usize> = (0..QUERIES).collect();
            q.shuffle(&mut rng);
            let mut cal = q[..CALIBRATION].to_vec();
            cal.sort_unstable();
            cal
        })
        .collect()
}

fn solver(method: Method) -> Box<dyn cascadelab_core::Solver> {
    use cascadelab_core::SolverEntry;
    let params = KStageParams { method, ..KStageParams::default() };
    ENTRY.build(serde_json::to_value(params).unwrap()).unwrap()
}

fn run_split(data: &Dataset, cal: &[usize], s: &dyn cascadelab_core::Solver, split: usize) -> Vec<Policy> {
    let pool = Pool::new(data, cal);
    let problem = Problem { data, calibration: cal, pool: &pool };
    let mut obs = NullObserver;
    let mut ctx = Context { seed: 7, split, observer: &mut obs };
    let p = s.propose(&problem, &mut ctx).unwrap();
    p.families.into_iter().flat_map(|f| f.policies).collect()
}

fn bench(c: &mut Criterion) {
    let data = synthetic();
    let splits = splits();
    let coordinate = solver(Method::Coordinate);
    let mut g = c.benchmark_group("k-stage");
    g.sample_size(10);
    g.bench_function("coordinate, 1 split", |b| b.iter(|| run_split(&data, &splits[0], coordinate.as_ref(), 0)));
    g.bench_function("coordinate, 50 splits", |b| {
        b.iter(|| {
            for (i, cal) in splits.iter().enumerate() {
                run_split(&data, cal, coordinate.as_ref(), i);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);

fn calibration_frontier(data: &Dataset, cal: &[usize], policies: &[Policy]) -> Frontier {
    let preds = Predictors::new();
    let mut ev = Evaluator::new(data, cal, &preds).unwrap();
    Frontier::from_points(&ev.evaluate_all(policies).unwrap())
}

/// Writes split 0's calibration data and runs the NSGA-II script on it (or reads the
/// Pareto set a previous run saved to `KSTAGE_NSGA2_CACHE`).
fn run_nsga2(python: &str, data: &Dataset, cal: &[usize], dir: &std::path::Path) -> std::path::PathBuf {
    let pool = Pool::new(data, cal);
    let csv = dir.join("calibration.csv");
    let mut w = csv::Writer::from_path(&csv).unwrap();
    let members = &pool.members;
    let mut header = vec!["query".to_string()];
    for &m in members {
        let n = &data.models[m].name;
        header.extend([format!("{n}|quality"), format!("{n}|confidence"), format!("{n}|cost")]);
    }
    w.write_record(&header).unwrap();
    for &q in cal {
        let mut row = vec![data.query_ids[q].clone()];
        for &m in members {
            let mc = &data.models[m];
            row.extend([
                format!("{}", mc.quality[q]),
                format!("{:e}", mc.confidence.as_ref().unwrap()[q]),
                format!("{:e}", mc.cost[q]),
            ]);
        }
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    let out = dir.join("nsga2_pareto.csv");
    let trials = std::env::var("KSTAGE_NSGA2_TRIALS").unwrap_or_else(|_| "2000".into());
    let seed = std::env::var("KSTAGE_NSGA2_SEED").unwrap_or_else(|_| "0".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/nsga2_baseline.py");
    let status = std::process::Command::new(python)
        .args([
            script,
            csv.to_str().unwrap(),
            out.to_str().unwrap(),
            "--max-stages",
            "4",
            "--trials",
            &trials,
            "--seed",
            &seed,
        ])
        .status()
        .expect("run the NSGA-II script");
    assert!(status.success(), "nsga2_baseline.py failed");
    out
}

fn compare_with_nsga2() {
    let cache = std::env::var_os("KSTAGE_NSGA2_CACHE").map(std::path::PathBuf::from);
    let python = std::env::var("KSTAGE_NSGA2_PYTHON").ok();
    if python.is_none() && !cache.as_ref().is_some_and(|c| c.exists()) {
        eprintln!("neither KSTAGE_NSGA2_PYTHON nor an existing KSTAGE_NSGA2_CACHE: skipping the NSGA-II comparison");
        return;
    }
    let data = synthetic();
    let cal = &splits()[0];
    let dir = tempfile::tempdir().unwrap();
    let (out, nsga_time) = match (&cache, python) {
        (Some(c), _) if c.exists() => (c.clone(), None),
        (_, Some(python)) => {
            let t = Instant::now();
            let out = run_nsga2(&python, &data, cal, dir.path());
            let elapsed = t.elapsed();
            if let Some(c) = &cache {
                std::fs::copy(&out, c).unwrap();
            }
            (out, Some(elapsed))
        }
        (_, None) => unreachable!("checked above"),
    };
    let mut r = csv::Reader::from_path(&out).unwrap();
    let theirs: Vec<Point> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            Point { cost: rec[0].parse().unwrap(), quality: rec[1].parse().unwrap() }
        })
        .collect();
    let theirs = Frontier::from_points(&theirs);

    let report = |name: &str, method: Method| {
        let s = solver(method);
        let t = Instant::now();
        let policies = run_split(&data, cal, s.as_ref(), 0);
        let ours_time = t.elapsed();
        let ours = calibration_frontier(&data, cal, &policies);
        compare(name, &ours, &theirs, ours_time, nsga_time, policies.len());
    };
    report("coordinate", Method::Coordinate);
    if std::env::var_os("KSTAGE_COMPARE_COORDINATE_ONLY").is_none() {
        report("nelder-mead", Method::NelderMead);
        report("particle-swarm", Method::ParticleSwarm);
    }
}

/// Quality difference (ours − NSGA-II) at every budget where either frontier has a
/// point. Budgets get a relative slack of 1e-9 on both sides: the two programs sum
/// the same costs in different orders, and a last-bit difference must not count.
fn compare(
    name: &str,
    ours: &Frontier,
    theirs: &Frontier,
    t_ours: Duration,
    t_theirs: Option<Duration>,
    candidates: usize,
) {
    let mut budgets: Vec<f64> = ours.points().iter().chain(theirs.points()).map(|p| p.cost).collect();
    budgets.sort_by(f64::total_cmp);
    budgets.dedup();
    let (mut worse, mut better, mut min_d, mut max_d, mut sum_d, mut count) =
        (0, 0, f64::INFINITY, f64::NEG_INFINITY, 0.0, 0);
    for &b in &budgets {
        let slack = b * (1.0 + 1e-9);
        let (Some(a), Some(t)) = (ours.quality_at(slack), theirs.quality_at(slack)) else { continue };
        let d = a - t;
        count += 1;
        sum_d += d;
        min_d = min_d.min(d);
        max_d = max_d.max(d);
        if d < -1e-12 {
            worse += 1;
            if std::env::var_os("KSTAGE_SHOW_WORSE").is_some() {
                eprintln!(
                    "  worse at {b:.4e}: ours {a:.4} ({:?}) vs {t:.4} ({:?})",
                    ours.point_at(slack),
                    theirs.point_at(slack)
                );
            }
        } else if d > 1e-12 {
            better += 1;
        }
    }
    let lo = ours.points()[0].cost.max(theirs.points()[0].cost);
    let hi = ours.points().last().unwrap().cost.max(theirs.points().last().unwrap().cost);
    eprintln!(
        "{name}: {candidates} candidates, {} frontier points vs NSGA-II {}; at {count} budgets ours is better at {better}, \
         NSGA-II better at {worse}; ours − NSGA-II quality: min {min_d:+.4}, mean {:+.4}, max {max_d:+.4}; area over [{lo:.3e}, {hi:.3e}]: \
         ours {:.6e} NSGA-II {:.6e}; time ours {:.3} s, NSGA-II {}",
        ours.points().len(),
        theirs.points().len(),
        sum_d / count.max(1) as f64,
        ours.area(lo, hi),
        theirs.area(lo, hi),
        t_ours.as_secs_f64(),
        t_theirs.map_or("(cached)".to_string(), |t| format!("{:.1} s", t.as_secs_f64())),
    );
}

fn main() {
    if std::env::var_os("KSTAGE_TIME_ONLY").is_some() {
        // A quick single timing of the 50-split run, without criterion.
        let (data, splits, s) = (synthetic(), splits(), solver(Method::Coordinate));
        let count: usize = std::env::var("KSTAGE_TIME_ONLY").ok().and_then(|v| v.parse().ok()).unwrap_or(SPLITS);
        let t = Instant::now();
        let mut n = 0;
        for (i, cal) in splits.iter().enumerate().take(count) {
            n += run_split(&data, cal, s.as_ref(), i).len();
        }
        eprintln!("{count} splits: {:.3} s, {n} candidates", t.elapsed().as_secs_f64());
        return;
    }
    if std::env::var_os("KSTAGE_COMPARE_ONLY").is_none() {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    compare_with_nsga2();
}
