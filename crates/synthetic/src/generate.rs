//! Drawing a dataset from a specification.
//!
//! Each kind of draw has its own ChaCha8 stream of the one seed: stream 0 the
//! latent ease, stream 1 + j model j (four draws per query, always, so that one
//! model's settings never shift another's draws), and two streams near `u64::MAX`
//! the split labels and the features. Adding a model therefore leaves every other
//! column unchanged.

use cascadelab_core::{Dataset, Features, ModelColumns};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::{QualityKind, SyntheticError, SyntheticSpec};

const SPLIT_STREAM: u64 = u64::MAX;
const FEATURE_STREAM: u64 = u64::MAX - 1;

fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// The query id of position `i` among `n` queries: `q000001`, ..., zero-padded to
/// six digits or to the width of `n`, whichever is larger.
pub fn query_id(i: usize, n: usize) -> String {
    let width = n.to_string().len().max(6);
    format!("q{:0width$}", i + 1)
}

/// The latent ease u of every query (stream 0 of the seed): what generation draws first.
pub fn latent_ease(spec: &SyntheticSpec) -> Vec<f64> {
    let mut r = rng(spec.seed, 0);
    (0..spec.queries).map(|_| r.random::<f64>()).collect()
}

/// Draws the dataset a specification describes (after validating it).
pub fn generate(spec: &SyntheticSpec) -> Result<Dataset, SyntheticError> {
    spec.validate()?;
    let n = spec.queries;
    let ease = latent_ease(spec);
    let names = spec.model_names();
    let mut models = Vec::with_capacity(spec.models.len());
    for (j, m) in spec.models.iter().enumerate() {
        let mut r = rng(spec.seed, 1 + j as u64);
        let mut quality = Vec::with_capacity(n);
        let mut confidence = Vec::with_capacity(n);
        let mut cost = Vec::with_capacity(n);
        for &u in &ease {
            let (noise_draw, other_score, correct_draw, cost_draw): (f64, f64, f64, f64) =
                (r.random(), r.random(), r.random(), r.random());
            let raw = if noise_draw < m.score_noise { other_score } else { u };
            confidence.push(spec.reported_score(j, raw));
            let p = m.accuracy.at(u);
            quality.push(match spec.quality {
                QualityKind::Bernoulli => f64::from(u8::from(correct_draw < p)),
                QualityKind::Fractional => p,
            });
            let eps = 2.0 * cost_draw - 1.0;
            // Clamp only guards rounding; validation keeps the factor in [0, 2].
            cost.push((m.cost * (1.0 + m.cost_noise * eps + m.cost_slope * (2.0 * u - 1.0))).max(0.0));
        }
        models.push(ModelColumns { name: names[j].clone(), quality, confidence: Some(confidence), cost });
    }
    let source_split = spec.train_fraction.map(|f| split_labels(spec.seed, n, f));
    let features = spec.features.as_ref().map(|fs| {
        let mut r = rng(spec.seed, FEATURE_STREAM);
        let mut values = Vec::with_capacity(n * fs.dim);
        for &u in &ease {
            for _ in 0..fs.dim {
                let z: f64 = StandardNormal.sample(&mut r);
                values.push((2.0 * u - 1.0 + fs.noise * z) as f32);
            }
        }
        Features { source: "synthetic".into(), dim: fs.dim, values }
    });
    let ids = (0..n).map(|i| query_id(i, n)).collect();
    Dataset::new(ids, source_split, models, features).map_err(|e| SyntheticError(e.to_string()))
}

/// Exactly round(f·n) queries labelled `train`, the rest `test`, chosen by a seeded
/// Fisher-Yates shuffle.
fn split_labels(seed: u64, n: usize, fraction: f64) -> Vec<String> {
    let mut r = rng(seed, SPLIT_STREAM);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let k = r.random_range(0..=i);
        order.swap(i, k);
    }
    let n_train = ((n as f64) * fraction).round() as usize;
    let mut labels = vec!["test".to_string(); n];
    for &q in &order[..n_train.min(n)] {
        labels[q] = "train".to_string();
    }
    labels
}
