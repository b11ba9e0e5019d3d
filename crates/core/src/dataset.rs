//! Dense per-query columns of a model pool's evaluation records.
//!
//! A [`Dataset`] is what every reader produces and every solver consumes: for each
//! model, one column of quality, confidence and cost, all indexed by the same query
//! position. Subsets of queries (calibration, test) are slices of query positions.

use std::collections::HashMap;

/// One model's evaluation records, one entry per query position.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelColumns {
    /// The model's name as the data names it; policies refer to models by this name.
    pub name: String,
    /// Quality (correctness) in [0, 1].
    pub quality: Vec<f64>,
    /// The model's own confidence; higher means more confident; `-inf` is legal,
    /// NaN never is. `None` when the data has no confidence (e.g. RouterBench).
    pub confidence: Option<Vec<f64>>,
    /// Cost in dollars, finite and non-negative.
    pub cost: Vec<f64>,
}

/// Per-query feature vectors (e.g. sentence embeddings), row-major by query position.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// Where the features come from, for reports (e.g. "mmlu.embeddings.parquet").
    pub source: String,
    /// Dimension of every row.
    pub dim: usize,
    /// `dim` values per query, in query order.
    pub values: Vec<f32>,
}

impl Features {
    /// The feature row of query position `q`.
    pub fn row(&self, q: usize) -> &[f32] {
        &self.values[q * self.dim..(q + 1) * self.dim]
    }
}

/// Validated evaluation data of a model pool: every model answered every query.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Query identifiers, unique, in query-position order.
    pub query_ids: Vec<String>,
    /// The source's own split label per query (`train`/`test`), when the data has one.
    pub source_split: Option<Vec<String>>,
    /// One entry per model, in the order the data (or the experiment) lists them.
    pub models: Vec<ModelColumns>,
    /// Optional query features for routers.
    pub features: Option<Features>,
    model_index: HashMap<String, usize>,
}

/// A dataset whose columns do not line up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DatasetError {
    /// A column has the wrong length.
    #[error("model `{model}`: column `{column}` has {got} entries, expected {expected}")]
    Length {
        /// The model.
        model: String,
        /// The column.
        column: &'static str,
        /// Entries found.
        got: usize,
        /// Entries expected (the number of queries).
        expected: usize,
    },
    /// Two models share a name.
    #[error("model `{0}` appears twice")]
    DuplicateModel(String),
    /// The feature matrix does not have one row per query.
    #[error("features have {got} values, expected {queries} queries x {dim} dimensions")]
    FeatureShape {
        /// Values found.
        got: usize,
        /// Number of queries.
        queries: usize,
        /// Feature dimension.
        dim: usize,
    },
    /// No models or no queries.
    #[error("a dataset needs at least one model and one query")]
    Empty,
}

impl Dataset {
    /// Assembles a dataset, checking that every column has one entry per query.
    /// Value ranges (quality in [0, 1], finite costs, no NaN confidence) are the
    /// reader's job, where file and line can still be named.
    pub fn new(
        query_ids: Vec<String>,
        source_split: Option<Vec<String>>,
        models: Vec<ModelColumns>,
        features: Option<Features>,
    ) -> Result<Self, DatasetError> {
        let n = query_ids.len();
        if n == 0 || models.is_empty() {
            return Err(DatasetError::Empty);
        }
        let mut model_index = HashMap::with_capacity(models.len());
        for (i, m) in models.iter().enumerate() {
            let check = |column: &'static str, got: usize| {
                if got == n {
                    Ok(())
                } else {
                    Err(DatasetError::Length { model: m.name.clone(), column, got, expected: n })
                }
            };
            check("quality", m.quality.len())?;
            check("cost", m.cost.len())?;
            if let Some(c) = &m.confidence {
                check("confidence", c.len())?;
            }
            if model_index.insert(m.name.clone(), i).is_some() {
                return Err(DatasetError::DuplicateModel(m.name.clone()));
            }
        }
        if let Some(s) = &source_split
            && s.len() != n
        {
            return Err(DatasetError::Length { model: "(all)".into(), column: "split", got: s.len(), expected: n });
        }
        if let Some(f) = &features
            && f.values.len() != n * f.dim
        {
            return Err(DatasetError::FeatureShape { got: f.values.len(), queries: n, dim: f.dim });
        }
        Ok(Self { query_ids, source_split, models, features, model_index })
    }

    /// Number of queries.
    pub fn n_queries(&self) -> usize {
        self.query_ids.len()
    }

    /// Number of models.
    pub fn n_models(&self) -> usize {
        self.models.len()
    }

    /// Position of the model called `name`.
    pub fn model_index(&self, name: &str) -> Option<usize> {
        self.model_index.get(name).copied()
    }

    /// Names of all models, in dataset order.
    pub fn model_names(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.name.as_str()).collect()
    }

    /// Whether every model has a confidence column (cascades need one).
    pub fn has_confidence(&self) -> bool {
        self.models.iter().all(|m| m.confidence.is_some())
    }

    /// All query positions, `0..n`.
    pub fn all_queries(&self) -> Vec<usize> {
        (0..self.n_queries()).collect()
    }

    /// A dataset restricted to the models at `keep` (in that order); queries unchanged.
    pub fn select_models(&self, keep: &[usize]) -> Result<Self, DatasetError> {
        let models = keep.iter().map(|&i| self.models[i].clone()).collect();
        Self::new(self.query_ids.clone(), self.source_split.clone(), models, self.features.clone())
    }

    /// A dataset restricted to the queries at `keep` (in that order).
    pub fn select_queries(&self, keep: &[usize]) -> Result<Self, DatasetError> {
        let pick = |v: &[f64]| keep.iter().map(|&q| v[q]).collect::<Vec<_>>();
        let models = self
            .models
            .iter()
            .map(|m| ModelColumns {
                name: m.name.clone(),
                quality: pick(&m.quality),
                confidence: m.confidence.as_deref().map(pick),
                cost: pick(&m.cost),
            })
            .collect();
        let features = self.features.as_ref().map(|f| Features {
            source: f.source.clone(),
            dim: f.dim,
            values: keep.iter().flat_map(|&q| f.row(q).iter().copied()).collect(),
        });
        Self::new(
            keep.iter().map(|&q| self.query_ids[q].clone()).collect(),
            self.source_split.as_ref().map(|s| keep.iter().map(|&q| s[q].clone()).collect()),
            models,
            features,
        )
    }
}
