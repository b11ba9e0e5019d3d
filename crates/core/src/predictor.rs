//! Fitted per-model correctness predictors p̂_j(x) over query features, as data.
//!
//! Routers and embedding cascades refer to a predictor by id; the predictor table
//! ([`Predictors`]) travels beside the policies. Fitting lives in the router crate;
//! applying a fitted predictor lives here so that the core can evaluate any policy.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Dataset, PolicyError};

/// Fitted predictors by id.
pub type Predictors = BTreeMap<String, Predictor>;

/// A fitted correctness predictor: one probability per (model, query).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Predictor {
    /// One L2-penalized logistic regression per model on the query features:
    /// p̂_j(x) = σ(intercepts\[j\] + coefficients\[j\] · z(x)), where z standardizes x
    /// with `feature_mean` and `feature_scale` when those are given.
    Logistic {
        /// Models scored, in output order.
        models: Vec<String>,
        /// Per model, one coefficient per feature dimension.
        coefficients: Vec<Vec<f64>>,
        /// Per model, the intercept; `"inf"`/`"-inf"` for a model whose training
        /// labels were all 1 or all 0 (a constant predictor, with zero coefficients).
        #[serde(with = "crate::float::vec")]
        #[schemars(with = "Vec<crate::float::ExtendedFloat>")]
        intercepts: Vec<f64>,
        /// Optional per-dimension mean subtracted before the dot product.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        feature_mean: Option<Vec<f64>>,
        /// Optional per-dimension scale divided by before the dot product.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        feature_scale: Option<Vec<f64>>,
    },
    /// k nearest neighbours by cosine similarity among the reference queries:
    /// p̂_j(x) is model j's mean quality over the k most similar references
    /// (ties in similarity by reference order).
    Knn {
        /// Models scored, in output order.
        models: Vec<String>,
        /// Number of neighbours.
        k: usize,
        /// Query ids of the reference (calibration) queries.
        reference: Vec<String>,
    },
}

impl Predictor {
    /// The models this predictor scores, in output order.
    pub fn models(&self) -> &[String] {
        match self {
            Predictor::Logistic { models, .. } | Predictor::Knn { models, .. } => models,
        }
    }

    /// Predicted correctness `[model][i]` for the queries at `subset[i]`.
    pub fn predict(&self, data: &Dataset, subset: &[usize]) -> Result<Vec<Vec<f64>>, PolicyError> {
        let features = data
            .features
            .as_ref()
            .ok_or_else(|| PolicyError::Invalid("predictors need query features; the data has none".into()))?;
        let dim = features.dim;
        match self {
            Predictor::Logistic { models, coefficients, intercepts, feature_mean, feature_scale } => {
                if coefficients.len() != models.len() || intercepts.len() != models.len() {
                    return Err(PolicyError::Invalid(
                        "logistic predictor: one coefficient row and intercept per model".into(),
                    ));
                }
                if coefficients.iter().any(|c| c.len() != dim)
                    || feature_mean.as_ref().is_some_and(|m| m.len() != dim)
                    || feature_scale.as_ref().is_some_and(|s| s.len() != dim)
                {
                    return Err(PolicyError::Invalid(format!(
                        "logistic predictor does not match the {dim}-d features"
                    )));
                }
                let finite = |v: &Option<Vec<f64>>| v.as_ref().is_none_or(|v| v.iter().all(|x| x.is_finite()));
                if intercepts.iter().any(|b| b.is_nan())
                    || coefficients.iter().flatten().any(|c| !c.is_finite())
                    || !finite(feature_mean)
                    || !finite(feature_scale)
                {
                    return Err(PolicyError::Invalid("logistic predictor has a NaN or infinite weight".into()));
                }
                let mut z = vec![0.0; dim];
                let mut out = vec![Vec::with_capacity(subset.len()); models.len()];
                for &q in subset {
                    for (d, (&x, zd)) in features.row(q).iter().zip(z.iter_mut()).enumerate() {
                        let mut v = x as f64;
                        if let Some(m) = feature_mean {
                            v -= m[d];
                        }
                        if let Some(s) = feature_scale {
                            v /= s[d];
                        }
                        *zd = v;
                    }
                    for (j, o) in out.iter_mut().enumerate() {
                        let t = intercepts[j] + coefficients[j].iter().zip(&z).map(|(a, b)| a * b).sum::<f64>();
                        o.push(sigmoid(t));
                    }
                }
                Ok(out)
            }
            Predictor::Knn { models, k, reference } => {
                let refs: Vec<usize> = reference
                    .iter()
                    .map(|id| {
                        data.query_ids.iter().position(|q| q == id).ok_or_else(|| {
                            PolicyError::Invalid(format!("k-NN reference query `{id}` is not in the data"))
                        })
                    })
                    .collect::<Result<_, _>>()?;
                if *k == 0 || refs.is_empty() {
                    return Err(PolicyError::Invalid("k-NN needs k >= 1 and at least one reference".into()));
                }
                let cols: Vec<&[f64]> = models
                    .iter()
                    .map(|m| {
                        data.model_index(m)
                            .map(|i| data.models[i].quality.as_slice())
                            .ok_or_else(|| PolicyError::UnknownModel(m.clone()))
                    })
                    .collect::<Result<_, _>>()?;
                let norm = |r: &[f32]| r.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>().sqrt().max(1e-300);
                let ref_norms: Vec<f64> = refs.iter().map(|&r| norm(features.row(r))).collect();
                let kk = (*k).min(refs.len());
                let mut out = vec![Vec::with_capacity(subset.len()); models.len()];
                let mut sims: Vec<(f64, usize)> = Vec::with_capacity(refs.len());
                for &q in subset {
                    let x = features.row(q);
                    let nx = norm(x);
                    sims.clear();
                    for (i, &r) in refs.iter().enumerate() {
                        let dot: f64 = x.iter().zip(features.row(r)).map(|(&a, &b)| a as f64 * b as f64).sum();
                        sims.push((dot / (nx * ref_norms[i]), i));
                    }
                    // Most similar first; ties by reference order, so results never depend on sort internals.
                    sims.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                    for (j, o) in out.iter_mut().enumerate() {
                        let s: f64 = sims[..kk].iter().map(|&(_, i)| cols[j][refs[i]]).sum();
                        o.push(s / kk as f64);
                    }
                }
                Ok(out)
            }
        }
    }
}

/// The logistic function, computed without overflow.
pub fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Features, ModelColumns};

    #[test]
    fn constant_predictors_have_infinite_intercepts_that_survive_json() {
        let p = Predictor::Logistic {
            models: vec!["a".into(), "b".into()],
            coefficients: vec![vec![0.0], vec![0.0]],
            intercepts: vec![f64::INFINITY, f64::NEG_INFINITY],
            feature_mean: None,
            feature_scale: None,
        };
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""intercepts":["inf","-inf"]"#), "{json}");
        assert_eq!(serde_json::from_str::<Predictor>(&json).unwrap(), p);
        let col = |name: &str| ModelColumns {
            name: name.into(),
            quality: vec![1.0; 2],
            confidence: None,
            cost: vec![1.0; 2],
        };
        let features = Features { source: "t".into(), dim: 1, values: vec![-3.0, 3.0] };
        let d = Dataset::new(vec!["q0".into(), "q1".into()], None, vec![col("a"), col("b")], Some(features)).unwrap();
        assert_eq!(p.predict(&d, &[0, 1]).unwrap(), vec![vec![1.0, 1.0], vec![0.0, 0.0]]);
    }
}
