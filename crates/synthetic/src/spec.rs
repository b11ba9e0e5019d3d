//! The specification types (`[data] synthetic = { ... }`) and their validation.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::SyntheticError;

/// Largest number of queries a specification may ask for (memory guard).
pub const MAX_QUERIES: usize = 20_000_000;
/// Largest feature dimension a specification may ask for.
pub const MAX_FEATURE_DIM: usize = 4096;

/// `[data] synthetic = { ... }`: a seeded pool whose scores, correctness and costs
/// follow the distributions documented in the crate docs, with closed-form
/// m_L(s), m_H(s) and pair frontiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SyntheticSpec {
    /// Number of queries to draw.
    #[serde(default = "default_queries")]
    pub queries: usize,
    /// Seed of the generator (ChaCha8); the same seed gives the same data.
    #[serde(default)]
    pub seed: u64,
    /// `"bernoulli"`: quality is a 0/1 draw with probability p_j(u); `"fractional"`:
    /// quality is p_j(u) itself (noise-free, for exact tests).
    #[serde(default)]
    pub quality: QualityKind,
    /// Share of queries labelled `train` in the source split (the rest are `test`),
    /// drawn as an exact-size random subset; no split labels when absent.
    #[serde(default)]
    pub train_fraction: Option<f64>,
    /// The models, in the order the dataset lists them (need not be cost order).
    #[serde(default = "default_models")]
    pub models: Vec<SyntheticModel>,
    /// Optional query features that reveal the latent ease u (for router tests).
    #[serde(default)]
    pub features: Option<FeatureSpec>,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        Self {
            queries: default_queries(),
            seed: 0,
            quality: QualityKind::default(),
            train_fraction: None,
            models: default_models(),
            features: None,
        }
    }
}

fn default_queries() -> usize {
    1000
}

/// Two models with a concave pair frontier: a cheap one and a ten times dearer one.
fn default_models() -> Vec<SyntheticModel> {
    vec![
        SyntheticModel {
            name: Some("cheap".into()),
            accuracy: Accuracy::Logistic { a: -1.0, b: 3.0 },
            cost: 1.0,
            ..SyntheticModel::default()
        },
        SyntheticModel {
            name: Some("expensive".into()),
            accuracy: Accuracy::Logistic { a: 0.5, b: 3.0 },
            cost: 10.0,
            ..SyntheticModel::default()
        },
    ]
}

/// How quality is drawn from the correctness probability p_j(u).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum QualityKind {
    /// U_j ~ Bernoulli(p_j(u)), independently across models given u.
    #[default]
    Bernoulli,
    /// U_j = p_j(u): fractional quality without sampling noise.
    Fractional,
}

/// One synthetic model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SyntheticModel {
    /// The model's name; `m1`, `m2`, ... by position when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Correctness probability p(u) as a function of the query's latent ease u.
    #[serde(default)]
    pub accuracy: Accuracy,
    /// Mean cost per query in dollars (finite, non-negative).
    #[serde(default = "default_cost")]
    pub cost: f64,
    /// Relative cost noise a in [0, 1]: cost × (1 + a·ε + b·(2u − 1)) with ε ~ Uniform(−1, 1).
    #[serde(default)]
    pub cost_noise: f64,
    /// Cost slope b in [−1, 1] tying cost to the latent ease (0: cost independent of
    /// the score, the theory's assumption); |b| + cost-noise must not exceed 1.
    #[serde(default)]
    pub cost_slope: f64,
    /// Probability ρ in [0, 1] that the model's raw score is an independent
    /// Uniform(0, 1) draw instead of u (an uninformative confidence on that query).
    #[serde(default)]
    pub score_noise: f64,
    /// How the raw score r in [0, 1] is reported as the confidence column.
    #[serde(default)]
    pub confidence: ConfidenceTransform,
    /// Positive factor k applied to the transformed score: confidence = k·g(r).
    #[serde(default = "default_scale")]
    pub confidence_scale: f64,
    /// Raw scores below this value in [0, 1) are reported as exactly `-inf` (a
    /// floor, like a log-probability that underflowed); 0 disables it.
    #[serde(default)]
    pub neg_inf_below: f64,
}

impl Default for SyntheticModel {
    fn default() -> Self {
        Self {
            name: None,
            accuracy: Accuracy::default(),
            cost: default_cost(),
            cost_noise: 0.0,
            cost_slope: 0.0,
            score_noise: 0.0,
            confidence: ConfidenceTransform::default(),
            confidence_scale: default_scale(),
            neg_inf_below: 0.0,
        }
    }
}

fn default_cost() -> f64 {
    1.0
}

fn default_scale() -> f64 {
    1.0
}

/// The correctness probability p(u) of a model at latent ease u in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "shape", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Accuracy {
    /// p(u) = a + b·u; a and a + b must lie in [0, 1].
    Linear {
        /// Intercept a = p(0).
        #[serde(default)]
        a: f64,
        /// Slope b = p(1) − p(0).
        #[serde(default = "one")]
        b: f64,
    },
    /// p(u) = σ(a + b·u) with σ the logistic function.
    Logistic {
        /// Intercept a (logit of p(0)).
        #[serde(default)]
        a: f64,
        /// Slope b on the logit scale.
        #[serde(default = "one")]
        b: f64,
    },
    /// p(u) linearly interpolated between knots `[u, p]`; the first knot is at u = 0,
    /// the last at u = 1, u strictly increasing, every p in [0, 1]. Lets a pair have
    /// an increasing-benefit region.
    Piecewise {
        /// The knots `[[u0, p0], [u1, p1], ...]`.
        #[serde(default = "default_knots")]
        knots: Vec<[f64; 2]>,
    },
}

impl Default for Accuracy {
    fn default() -> Self {
        Accuracy::Linear { a: 0.0, b: 1.0 }
    }
}

fn one() -> f64 {
    1.0
}

fn default_knots() -> Vec<[f64; 2]> {
    vec![[0.0, 0.0], [1.0, 1.0]]
}

/// The monotone map g from the raw score r in [0, 1] to the confidence column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConfidenceTransform {
    /// g(r) = r, in [0, 1].
    #[default]
    Identity,
    /// g(r) = ln r, in [−∞, 0]: a log-probability-like score.
    Log,
    /// g(r) = ln(r / (1 − r)), in [−∞, ∞).
    Logit,
}

/// Query features for routers: `dim` columns, each 2u − 1 plus Gaussian noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FeatureSpec {
    /// Number of feature columns (1 to 4096).
    #[serde(default = "default_dim")]
    pub dim: usize,
    /// Standard deviation σ ≥ 0 of the independent N(0, σ²) noise added to each
    /// column; with 0 the features reveal u exactly.
    #[serde(default)]
    pub noise: f64,
}

impl Default for FeatureSpec {
    fn default() -> Self {
        Self { dim: default_dim(), noise: 0.0 }
    }
}

fn default_dim() -> usize {
    8
}

fn err(msg: String) -> SyntheticError {
    SyntheticError(msg)
}

fn check_unit(key: &str, v: f64) -> Result<(), SyntheticError> {
    if (0.0..=1.0).contains(&v) { Ok(()) } else { Err(err(format!("{key}: must lie in [0, 1], got {v}"))) }
}

impl SyntheticSpec {
    /// Checks every field; the message names the offending key (e.g.
    /// `models[1].accuracy.b`).
    pub fn validate(&self) -> Result<(), SyntheticError> {
        if self.queries == 0 {
            return Err(err("queries: must be at least 1".into()));
        }
        if self.queries > MAX_QUERIES {
            return Err(err(format!("queries: at most {MAX_QUERIES} are supported, got {}", self.queries)));
        }
        if let Some(f) = self.train_fraction {
            check_unit("train-fraction", f)?;
        }
        if self.models.is_empty() {
            return Err(err("models: at least one model is needed".into()));
        }
        let names = self.model_names();
        for (j, m) in self.models.iter().enumerate() {
            let key = |k: &str| format!("models[{j}].{k}");
            let name = &names[j];
            if name.is_empty() || name.trim() != name {
                return Err(err(format!(
                    "{}: must be non-empty without surrounding spaces, got `{name}`",
                    key("name")
                )));
            }
            if let Some(i) = names[..j].iter().position(|n| n == name) {
                return Err(err(format!("{}: `{name}` is already the name of models[{i}]", key("name"))));
            }
            m.accuracy.validate(&key("accuracy"))?;
            if !(m.cost.is_finite() && m.cost >= 0.0) {
                return Err(err(format!(
                    "{}: must be a finite non-negative number of dollars, got {}",
                    key("cost"),
                    m.cost
                )));
            }
            check_unit(&key("cost-noise"), m.cost_noise)?;
            if !(-1.0..=1.0).contains(&m.cost_slope) {
                return Err(err(format!("{}: must lie in [-1, 1], got {}", key("cost-slope"), m.cost_slope)));
            }
            if m.cost_noise + m.cost_slope.abs() > 1.0 {
                return Err(err(format!(
                    "{}: cost-noise + |cost-slope| must not exceed 1 (costs would go negative), got {} + {}",
                    key("cost-slope"),
                    m.cost_noise,
                    m.cost_slope.abs()
                )));
            }
            check_unit(&key("score-noise"), m.score_noise)?;
            if !(m.confidence_scale.is_finite() && m.confidence_scale > 0.0) {
                return Err(err(format!(
                    "{}: must be a finite positive number, got {}",
                    key("confidence-scale"),
                    m.confidence_scale
                )));
            }
            if !(0.0..1.0).contains(&m.neg_inf_below) {
                return Err(err(format!("{}: must lie in [0, 1), got {}", key("neg-inf-below"), m.neg_inf_below)));
            }
        }
        if let Some(f) = &self.features {
            if f.dim == 0 || f.dim > MAX_FEATURE_DIM {
                return Err(err(format!("features.dim: must be between 1 and {MAX_FEATURE_DIM}, got {}", f.dim)));
            }
            if !(f.noise.is_finite() && f.noise >= 0.0) {
                return Err(err(format!("features.noise: must be a finite non-negative number, got {}", f.noise)));
            }
        }
        Ok(())
    }

    /// Model names in spec order, with `m1`, `m2`, ... for unnamed models.
    pub fn model_names(&self) -> Vec<String> {
        self.models.iter().enumerate().map(|(j, m)| m.name.clone().unwrap_or_else(|| format!("m{}", j + 1))).collect()
    }

    /// Position of the model called `name`.
    pub fn model_index(&self, name: &str) -> Option<usize> {
        self.model_names().iter().position(|n| n == name)
    }
}

impl Accuracy {
    fn validate(&self, key: &str) -> Result<(), SyntheticError> {
        match *self {
            Accuracy::Linear { a, b } => {
                if !a.is_finite() || !b.is_finite() {
                    return Err(err(format!("{key}: a and b must be finite numbers, got a = {a}, b = {b}")));
                }
                check_unit(&format!("{key}.a"), a)?;
                if !(0.0..=1.0).contains(&(a + b)) {
                    return Err(err(format!("{key}.b: p(1) = a + b must lie in [0, 1], got {a} + {b} = {}", a + b)));
                }
            }
            Accuracy::Logistic { a, b } => {
                if !a.is_finite() || !b.is_finite() {
                    return Err(err(format!("{key}: a and b must be finite numbers, got a = {a}, b = {b}")));
                }
            }
            Accuracy::Piecewise { ref knots } => {
                if knots.len() < 2 {
                    return Err(err(format!("{key}.knots: at least two knots are needed, got {}", knots.len())));
                }
                for (i, [u, p]) in knots.iter().copied().enumerate() {
                    if !(0.0..=1.0).contains(&u) || !(0.0..=1.0).contains(&p) {
                        return Err(err(format!("{key}.knots[{i}]: u and p must lie in [0, 1], got [{u}, {p}]")));
                    }
                    if i > 0 && u <= knots[i - 1][0] {
                        return Err(err(format!(
                            "{key}.knots[{i}]: u must increase strictly, got {u} after {}",
                            knots[i - 1][0]
                        )));
                    }
                }
                if knots[0][0] != 0.0 {
                    return Err(err(format!("{key}.knots[0]: the first knot must be at u = 0, got {}", knots[0][0])));
                }
                let last = knots.len() - 1;
                if knots[last][0] != 1.0 {
                    return Err(err(format!(
                        "{key}.knots[{last}]: the last knot must be at u = 1, got {}",
                        knots[last][0]
                    )));
                }
            }
        }
        Ok(())
    }
}
