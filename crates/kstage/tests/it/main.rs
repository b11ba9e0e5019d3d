//! Tests of cascadelab-kstage, one binary: exhaustive checks of the coordinate
//! method and of the calibration frontier of up to three stages, the two-stage
//! equivalence with the pairwise solver, closed forms, determinism, parameters and
//! the proposal's shape.

mod closed_form;
mod determinism;
mod exhaustive;
mod frontier;
mod pairwise;
mod params;
mod proposal;

use cascadelab_core::{Context, Dataset, ModelColumns, NullObserver, Policy, Pool, Problem, Proposal, Solver};

/// One model's columns: name, quality, confidence, cost.
pub type Columns<'a> = (&'a str, Vec<f64>, Vec<f64>, Vec<f64>);

/// A dataset from per-model columns.
pub fn dataset(models: Vec<Columns<'_>>) -> Dataset {
    let n = models[0].1.len();
    let models = models
        .into_iter()
        .map(|(name, quality, confidence, cost)| ModelColumns {
            name: name.to_string(),
            quality,
            confidence: Some(confidence),
            cost,
        })
        .collect();
    Dataset::new((0..n).map(|i| format!("q{i}")).collect(), None, models, None).unwrap()
}

/// Runs `solver` on the calibration queries `cal` of `data` with `seed`.
pub fn propose(solver: &dyn Solver, data: &Dataset, cal: &[usize], seed: u64) -> Proposal {
    let pool = Pool::new(data, cal);
    let problem = Problem { data, calibration: cal, pool: &pool };
    let mut obs = NullObserver;
    let mut ctx = Context::new(seed, &mut obs);
    solver.propose(&problem, &mut ctx).unwrap()
}

/// All policies of a proposal.
pub fn policies(p: &Proposal) -> Vec<Policy> {
    p.families.iter().flat_map(|f| f.policies.iter().cloned()).collect()
}

/// A seeded synthetic pool: `k` models of rising skill and price over `n` queries,
/// each model's confidence correlated with its correctness.
pub fn realistic(k: usize, n: usize, seed: u64) -> Dataset {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let difficulty: Vec<f64> = (0..n).map(|_| rng.random_range(-2.0..2.0)).collect();
    let models = (0..k)
        .map(|m| {
            let skill = -1.0 + 2.5 * m as f64 / (k.max(2) - 1) as f64;
            let (mut q, mut s, mut c) = (vec![], vec![], vec![]);
            for &d in &difficulty {
                let margin: f64 = 1.5 * (skill - d);
                let correct = rng.random_bool(1.0 / (1.0 + (-margin).exp()));
                q.push(if correct { 1.0 } else { 0.0 });
                let noise: f64 = rng.random_range(-1.5..1.5);
                s.push(0.5 * margin + if correct { 0.7 } else { -0.7 } + noise);
                c.push((m as f64 + 1.0).powi(2) * rng.random_range(0.5..1.5) * 1e-4);
            }
            (format!("m{m}"), q, s, c)
        })
        .collect::<Vec<_>>();
    dataset(models.iter().map(|(n, q, s, c)| (n.as_str(), q.clone(), s.clone(), c.clone())).collect())
}
