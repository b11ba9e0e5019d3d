//! Fitting the per-model correctness predictors p̂_j(x) on calibration queries, and
//! scoring them (AUROC) on any subset.

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use cascadelab_core::{Dataset, PolicyError, Predictor, SolverError};
use rayon::prelude::*;

use crate::logistic::{Design, LogisticOptions, fit_logistic};

/// Which predictor to fit, with its settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PredictorSpec {
    /// One L2-penalized logistic regression per model on the raw features.
    Logistic(LogisticOptions),
    /// k nearest neighbours by cosine similarity among the fitting queries.
    Knn {
        /// Number of neighbours, >= 1.
        k: usize,
    },
}

/// What fitting the predictors involved, for the observer and reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FitSummary {
    /// Models whose labels were all equal on the fitting queries (constant predictor).
    pub constant_models: Vec<String>,
    /// Models whose logistic fit stopped before the gradient tolerance.
    pub unconverged_models: Vec<String>,
    /// The most Newton iterations any model took.
    pub max_iterations: usize,
    /// The largest final gradient norm.
    pub max_gradient_norm: f64,
}

/// Everything a fit reads: the fitting queries, the models, the settings, and a hash of
/// the features and labels of those rows (the positions alone do not identify data).
#[derive(Debug, Clone, PartialEq)]
struct FitKey {
    subset: Vec<usize>,
    models: Vec<String>,
    spec: String,
    content: u64,
}

impl FitKey {
    fn new(data: &Dataset, subset: &[usize], models: &[usize], spec: &PredictorSpec) -> Option<Self> {
        let features = data.features.as_ref()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        features.dim.hash(&mut h);
        for &q in subset {
            features.row(q).iter().for_each(|v| v.to_bits().hash(&mut h));
            models.iter().for_each(|&m| data.models[m].quality[q].to_bits().hash(&mut h));
        }
        Some(Self {
            subset: subset.to_vec(),
            models: models.iter().map(|&m| data.models[m].name.clone()).collect(),
            spec: format!("{spec:?}"),
            content: h.finish(),
        })
    }
}

type CachedFit = Arc<(Predictor, FitSummary)>;

/// Recent fits, newest last; a handful covers the solvers of the splits in flight.
static FITS: Mutex<VecDeque<(FitKey, CachedFit)>> = Mutex::new(VecDeque::new());
const CACHED_FITS: usize = 16;

/// [`fit_predictor`], remembering recent fits: a fit is a pure function of its inputs,
/// and an experiment may run two router instances that differ only in how they sweep
/// w (the paper's weights and the exact ones), which would otherwise fit the same
/// regressions twice. The result is the same with or without the cache.
pub fn fit_predictor_cached(
    data: &Dataset,
    subset: &[usize],
    models: &[usize],
    spec: &PredictorSpec,
) -> Result<CachedFit, SolverError> {
    let Some(key) = FitKey::new(data, subset, models, spec) else {
        return fit_predictor(data, subset, models, spec).map(Arc::new);
    };
    let hit = FITS.lock().ok().and_then(|fits| fits.iter().find(|(k, _)| *k == key).map(|(_, f)| f.clone()));
    if let Some(fit) = hit {
        return Ok(fit);
    }
    let fit = Arc::new(fit_predictor(data, subset, models, spec)?);
    if let Ok(mut fits) = FITS.lock() {
        if fits.len() == CACHED_FITS {
            fits.pop_front();
        }
        fits.push_back((key, fit.clone()));
    }
    Ok(fit)
}

/// Fits one correctness predictor per model of `models` (dataset positions, in output
/// order) on the queries at `subset`, labels = the models' quality there. Models fit
/// in parallel; the result does not depend on the thread count.
pub fn fit_predictor(
    data: &Dataset,
    subset: &[usize],
    models: &[usize],
    spec: &PredictorSpec,
) -> Result<(Predictor, FitSummary), SolverError> {
    let features = data.features.as_ref().ok_or_else(|| {
        SolverError::Unsupported(
            "routers need query features: set [data.features] in the experiment file (e.g. an embeddings parquet)"
                .into(),
        )
    })?;
    if subset.is_empty() {
        return Err(SolverError::Failed("cannot fit predictors on an empty set of queries".into()));
    }
    if models.is_empty() {
        return Err(SolverError::Failed("cannot fit predictors for an empty pool".into()));
    }
    let names: Vec<String> = models.iter().map(|&m| data.models[m].name.clone()).collect();
    let labels = |m: usize| subset.iter().map(|&q| data.models[m].quality[q]).collect::<Vec<f64>>();
    let mut summary = FitSummary::default();
    let predictor = match *spec {
        PredictorSpec::Logistic(options) => {
            let design = Design::from_f32_rows(features.dim, subset.iter().map(|&q| features.row(q)));
            let fits: Vec<_> = models.par_iter().map(|&m| fit_logistic(&design, &labels(m), &options)).collect();
            for (fit, name) in fits.iter().zip(&names) {
                if fit.constant {
                    summary.constant_models.push(name.clone());
                }
                if !fit.converged {
                    summary.unconverged_models.push(name.clone());
                }
                summary.max_iterations = summary.max_iterations.max(fit.iterations);
                summary.max_gradient_norm = summary.max_gradient_norm.max(fit.gradient_norm);
            }
            if let Some((_, name)) =
                fits.iter().zip(&names).find(|(f, _)| f.coefficients.iter().any(|c| !c.is_finite()))
            {
                return Err(SolverError::Failed(format!("the logistic fit of model `{name}` diverged")));
            }
            Predictor::Logistic {
                models: names,
                intercepts: fits.iter().map(|f| f.intercept).collect(),
                coefficients: fits.into_iter().map(|f| f.coefficients).collect(),
                feature_mean: None,
                feature_scale: None,
            }
        }
        PredictorSpec::Knn { k } => {
            if k == 0 {
                return Err(SolverError::Failed("k-NN needs k >= 1".into()));
            }
            for (&m, name) in models.iter().zip(&names) {
                let y = labels(m);
                if y.iter().all(|&v| v == y[0]) {
                    summary.constant_models.push(name.clone());
                }
            }
            Predictor::Knn { models: names, k, reference: subset.iter().map(|&q| data.query_ids[q].clone()).collect() }
        }
    };
    Ok((predictor, summary))
}

/// Area under the ROC curve of `scores` for the labels `quality` ∈ [0, 1]: the
/// probability that a correct query scores above an incorrect one, ties counting
/// half. Fractional quality q counts as weight q correct and 1 − q incorrect (for
/// 0/1 quality this is the usual AUROC). `None` without both classes or with a NaN
/// score.
pub fn auroc(scores: &[f64], quality: &[f64]) -> Option<f64> {
    if scores.len() != quality.len() || scores.iter().any(|s| s.is_nan()) {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(a.cmp(&b)));
    let (mut neg_below, mut area) = (0.0, 0.0);
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let pos: f64 = order[start..end].iter().map(|&i| quality[i]).sum();
        let neg: f64 = order[start..end].iter().map(|&i| 1.0 - quality[i]).sum();
        area += pos * (neg_below + 0.5 * neg);
        neg_below += neg;
        start = end;
    }
    let pos_total: f64 = quality.iter().sum();
    let neg_total = neg_below;
    (pos_total > 0.0 && neg_total > 0.0).then(|| area / (pos_total * neg_total))
}

/// One model's predictor AUROC on a subset.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelAuroc {
    /// The model.
    pub model: String,
    /// AUROC of p̂_model against the model's quality; `None` with only one class.
    pub auroc: Option<f64>,
}

/// AUROC of each of the predictor's models on the queries at `subset` (e.g. the test
/// queries of a split), in the predictor's model order.
pub fn predictor_auroc(
    data: &Dataset,
    subset: &[usize],
    predictor: &Predictor,
) -> Result<Vec<ModelAuroc>, PolicyError> {
    let predictions = predictor.predict(data, subset)?;
    predictor
        .models()
        .iter()
        .zip(&predictions)
        .map(|(name, p)| {
            let m = data.model_index(name).ok_or_else(|| PolicyError::UnknownModel(name.clone()))?;
            let quality: Vec<f64> = subset.iter().map(|&q| data.models[m].quality[q]).collect();
            Ok(ModelAuroc { model: name.clone(), auroc: auroc(p, &quality) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auroc_counts_ordered_pairs_and_half_ties() {
        // Positives score 0.9 and 0.4, negatives 0.5 and 0.1: 3 of 4 pairs ordered.
        assert_eq!(auroc(&[0.9, 0.4, 0.5, 0.1], &[1.0, 1.0, 0.0, 0.0]), Some(0.75));
        // One tie between a positive and a negative counts half.
        assert_eq!(auroc(&[0.5, 0.5], &[1.0, 0.0]), Some(0.5));
        assert_eq!(auroc(&[0.2, 0.9], &[1.0, 0.0]), Some(0.0));
        assert_eq!(auroc(&[0.2, 0.9], &[1.0, 1.0]), None);
        assert_eq!(auroc(&[f64::NAN, 0.9], &[1.0, 0.0]), None);
    }

    #[test]
    fn cached_fits_equal_fresh_fits_and_only_match_identical_inputs() {
        use cascadelab_core::{Features, ModelColumns};
        let n = 40;
        let col = |f: &dyn Fn(usize) -> f64| (0..n).map(f).collect::<Vec<f64>>();
        let model = |name: &str, quality: Vec<f64>| ModelColumns {
            name: name.into(),
            quality,
            confidence: None,
            cost: vec![1.0; n],
        };
        let values: Vec<f32> = (0..n).flat_map(|i| [i as f32 / n as f32, ((i * 7) % 5) as f32 / 5.0]).collect();
        let data = Dataset::new(
            (0..n).map(|i| format!("q{i}")).collect(),
            None,
            vec![
                model("a", col(&|i| if i % 3 == 0 { 1.0 } else { 0.0 })),
                model("b", col(&|i| if i > n / 2 { 1.0 } else { 0.0 })),
            ],
            Some(Features { source: "test".into(), dim: 2, values }),
        )
        .unwrap();
        let spec = PredictorSpec::Logistic(LogisticOptions::default());
        let subset: Vec<usize> = (0..30).collect();
        let first = fit_predictor_cached(&data, &subset, &[0, 1], &spec).unwrap();
        let again = fit_predictor_cached(&data, &subset, &[0, 1], &spec).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the same inputs hit the cache");
        assert_eq!(first.0, fit_predictor(&data, &subset, &[0, 1], &spec).unwrap().0);
        let other = fit_predictor_cached(&data, &subset[..29], &[0, 1], &spec).unwrap();
        assert!(!Arc::ptr_eq(&first, &other), "other queries fit anew");
        let stronger = PredictorSpec::Logistic(LogisticOptions { c: 0.5, ..LogisticOptions::default() });
        let other = fit_predictor_cached(&data, &subset, &[0, 1], &stronger).unwrap();
        assert!(!Arc::ptr_eq(&first, &other) && other.0 != first.0, "other settings fit anew");
        // Same positions, different labels: the content hash tells them apart.
        let mut changed = data.clone();
        changed.models[0].quality[3] = 0.0;
        let other = fit_predictor_cached(&changed, &subset, &[0, 1], &spec).unwrap();
        assert!(!Arc::ptr_eq(&first, &other) && other.0 != first.0, "other data fits anew");
    }
}
