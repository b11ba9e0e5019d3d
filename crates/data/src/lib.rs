//! Readers and validation of per-query evaluation data, producing a
//! [`cascadelab_core::Dataset`].
//!
//! # Data format
//!
//! cascadelab reads per-query evaluation records of a pool of models: for every
//! query and every model, the quality of the model's answer, the model's own
//! confidence and the cost of the call. The `[data]` section of an experiment file
//! says where they are; usually only `path` is needed.
//!
//! ```toml
//! [data]
//! path = "${data_dir}/zellinger/mmlu.csv.gz"
//! ```
//!
//! ## Files
//!
//! - Formats: CSV or TSV with a header line, JSONL (one JSON object per line), each
//!   plain or gzip-compressed (detected from the content; a `.gz` file must be gzip),
//!   and Parquet. `format = "auto"` (the default) goes by the extension (`.csv`,
//!   `.tsv`, `.jsonl`/`.ndjson`/`.json`, `.parquet`, optionally followed by `.gz`),
//!   else by the first bytes.
//! - `path` is one path or a list whose records are concatenated in order; an entry
//!   may carry the source split of its queries:
//!   `path = [{ file = "x_train.csv.gz", split = "train" }, { file = "x_test.csv.gz", split = "test" }]`.
//! - Relative paths are relative to the experiment file. `${data_dir}` expands to
//!   the `--data-dir` option or the `CASCADELAB_DATA_DIR` environment variable
//!   (used as given, not joined to the experiment's directory).
//!
//! ## Long layout: one record per (query, model)
//!
//! | column | meaning |
//! |---|---|
//! | `query_id` | query identifier (string, or integer written in decimal) |
//! | `model` | model name |
//! | `correct` | quality in [0, 1]; fractional values allowed; `true`/`false` read as 1/0 |
//! | `confidence` | the model's confidence, higher = more confident; `-inf` and `inf` allowed |
//! | `cost` | dollars, finite and non-negative |
//! | `split` | optional: the source's own split label (`train`/`test`) |
//! | `tokens_in`, `tokens_out` | optional: token counts, needed for `cost = "prices"` |
//!
//! Other columns (`latency_ms`, prompts, ...) are ignored. Every name can be changed
//! under `[data.columns]` (keys `query-id`, `model`, `correct`, `confidence`,
//! `cost`, `split`, `tokens-in`, `tokens-out`), e.g. `correct = "score"`.
//!
//! Confidence: CSV text `-inf`, `-Infinity` (any case) and JSON strings `"-inf"`,
//! `"-Infinity"` are minus infinity (`inf` likewise); an empty cell, JSON `null` and
//! NaN are *missing*, which is an error unless `missing-confidence = "drop-query"`,
//! which drops every query where a kept model's confidence is missing and reports
//! how many were dropped. A file without a `confidence` column has no confidence
//! (routers only) under `confidence = "auto"`; `confidence = "column"` requires the
//! column and `confidence = "none"` ignores it.
//!
//! Quality: an empty cell, JSON `null` or absent field is an error unless
//! `missing-quality = "zero"` (read as 0, counted in the notes) or `"drop-query"`
//! (drop the query, as RouterDC's `dropna()` does).
//!
//! Cost: `cost = "column"` (default) reads it; `cost = "prices"` computes
//! `tokens_in * input / 1e6 + tokens_out * output / 1e6` with each model's prices in
//! dollars per million tokens, from its `[[models]]` entry
//! (`prices = { input = 2.5, output = 10.0 }`) or `[data.prices]`
//! (`"gpt-4o" = { input = 2.5, output = 10.0 }`).
//!
//! ## Wide layout: one record per query (RouterBench)
//!
//! An id column (`[data.columns] query-id`, default `sample_id`; RouterBench needs
//! `row_id` because its `sample_id` is not unique), for every model a score column
//! named after the model (quality in [0, 1]) and a cost column `<model>|total_cost`
//! (suffix set by `cost-suffix`). Models are detected from the cost columns, in
//! header order. There is no confidence. Other columns (`prompt`, `eval_name`,
//! `oracle_model_to_route_to`, ...) are ignored.
//!
//! ```toml
//! [data]
//! path = [
//!   { file = "${data_dir}/routerbench/arc_challenge_train.csv.gz", split = "train" },
//!   { file = "${data_dir}/routerbench/arc_challenge_test.csv.gz", split = "test" },
//! ]
//! columns = { query-id = "row_id" }
//! # 28 arc_challenge rows (RouterBench's 14 split sample ids) have empty scores:
//! missing-quality = "drop-query"   # 1456 queries, as RouterDC; "zero" keeps all 1484
//! ```
//!
//! `layout = "auto"` (default) picks the long layout when the query-id and model
//! columns exist, else the wide layout when some column ends with the cost suffix.
//!
//! ## Validation
//!
//! Every message names the file, the line (CSV: the header is line 1; JSONL: the
//! line number; Parquet: the 0-based row) and the column or field: missing column
//! (with the columns found), unparsable number (with the text), quality outside
//! [0, 1], negative or non-finite cost, duplicate (query, model) (both lines), a
//! query lacking a model (the query, the models and the file), a `[[models]]` name
//! the data lacks (with the models it has), a file without records, missing
//! quality or confidence, a query whose records disagree on the split. Queries keep their first-appearance order; `[[models]]` selects
//! models and their order (default: all, in first-appearance order).
//!
//! ## Features (routers)
//!
//! `[data.features]` joins per-query features by query id (as a string); extra
//! rows are ignored, a query without a row is an error (with the count and the
//! first ids), and so are rows of different lengths.
//!
//! - Precomputed embeddings (`kind = "embeddings"`, default): Parquet or JSONL with
//!   an id column (`id-column`, default `query_id`) and a list column (`column`,
//!   default `embedding`; Parquet fixed-size or variable lists of float or double),
//!   or CSV with the id column and one column per dimension (all other columns, or
//!   those starting with `dim-prefix`).
//! - Query text (`kind = "text"`, e.g. `zellinger/<bench>.queries.csv.gz` with
//!   `query_id, split, text`): hashed word 1–2-grams and character 3–5-grams
//!   (within word boundaries) with TF-IDF weighting (smooth idf as scikit-learn's;
//!   `sublinear-tf` optional), L2-normalized, into `dim` dimensions (default 4096).
//!   The hash is 64-bit FNV-1a, so features do not depend on any random seed. The
//!   IDF is computed on the text of all the data's queries (no labels are used), so
//!   the features are deterministic and the same for every split. See [`text`].
//!
//! ```toml
//! [data.features]
//! path = "${data_dir}/zellinger/mmlu.embeddings.parquet"
//! # or: path = "${data_dir}/zellinger/mmlu.queries.csv.gz", kind = "text"
//! ```
//!
//! ## Synthetic data
//!
//! `[data] synthetic = { ... }` (instead of `path`) draws a seeded synthetic pool
//! (see `cascadelab-synthetic`).
#![deny(missing_docs)]

mod error;
mod features;
mod paths;
mod records;
mod source;
mod spec;
pub mod text;

use std::path::{Path, PathBuf};

use cascadelab_core::Dataset;

pub use error::DataError;
pub use spec::{
    Columns, ConfidenceRule, CostRule, DEFAULT_COST_SUFFIX, DataPaths, DataSpec, FeatureKind, FeaturesSpec, Format,
    LabelledPath, Layout, MissingConfidence, MissingQuality, ModelSpec, PathEntry, Prices,
};

/// Where relative paths and `${data_dir}` resolve, and which models to keep.
#[derive(Debug, Clone, Copy)]
pub struct LoadContext<'a> {
    /// Directory of the experiment file; relative paths resolve against it.
    pub base_dir: &'a Path,
    /// Value of `${data_dir}`, if set.
    pub data_dir: Option<&'a Path>,
    /// Models to keep, in this order (all models of the data when empty).
    pub models: &'a [ModelSpec],
}

impl Default for LoadContext<'_> {
    fn default() -> Self {
        Self { base_dir: Path::new(""), data_dir: None, models: &[] }
    }
}

/// A loaded dataset and what loading it involved.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated dataset.
    pub dataset: Dataset,
    /// Every file read (records, then features), for the manifest's hashes.
    pub files: Vec<PathBuf>,
    /// Notes for the user (e.g. "dropped 3 of 100 queries whose confidence is missing").
    pub notes: Vec<String>,
}

/// Loads the data an experiment describes.
pub fn load(spec: &DataSpec, ctx: &LoadContext<'_>) -> Result<Loaded, DataError> {
    check(spec, ctx)?;
    let (dataset, mut files, mut notes) = match (&spec.path, &spec.synthetic) {
        (Some(_), Some(_)) => {
            return Err(DataError::Spec(
                "[data]: `path` and `synthetic` exclude each other: read files or generate data, not both".into(),
            ));
        }
        (None, None) => {
            return Err(DataError::Spec(
                "[data] needs `path` (files of evaluation records) or `synthetic` (a generated pool)".into(),
            ));
        }
        (Some(paths), None) => read_files(spec, paths, ctx)?,
        (None, Some(synthetic)) => {
            let data = cascadelab_synthetic::generate(synthetic).map_err(|e| DataError::Synthetic(e.to_string()))?;
            (select_models(data, ctx.models)?, Vec::new(), Vec::new())
        }
    };
    let dataset = match &spec.features {
        None => dataset,
        Some(f) => {
            let joined = features::join(f, ctx, &dataset.query_ids)?;
            files.push(joined.file);
            notes.extend(joined.notes);
            Dataset::new(
                dataset.query_ids.clone(),
                dataset.source_split.clone(),
                dataset.models.clone(),
                Some(joined.features),
            )
            .map_err(|e| DataError::Dataset(format!("[data.features]: {e}")))?
        }
    };
    Ok(Loaded { dataset, files, notes })
}

/// Loads one file with the layout and format detected from its name and header
/// (the `inspect` and `frontier` commands).
pub fn load_path(path: &Path) -> Result<Loaded, DataError> {
    load(&DataSpec::for_path(path), &LoadContext::default())
}

/// Checks what can be checked before reading anything.
fn check(spec: &DataSpec, ctx: &LoadContext<'_>) -> Result<(), DataError> {
    let bad_price = |p: &Prices| !(p.input.is_finite() && p.input >= 0.0 && p.output.is_finite() && p.output >= 0.0);
    for (name, p) in &spec.prices {
        if bad_price(p) {
            return Err(DataError::Spec(format!(
                "[data.prices] \"{name}\": prices must be finite and non-negative, got input = {}, output = {}",
                p.input, p.output
            )));
        }
    }
    for (i, m) in ctx.models.iter().enumerate() {
        if let Some(p) = &m.prices
            && bad_price(p)
        {
            return Err(DataError::Spec(format!(
                "[[models]] `{}`: prices must be finite and non-negative, got input = {}, output = {}",
                m.name, p.input, p.output
            )));
        }
        if ctx.models[..i].iter().any(|o| o.name == m.name) {
            return Err(DataError::Spec(format!("[[models]] `{}` is listed twice", m.name)));
        }
    }
    if let Some(DataPaths::Many(v)) = &spec.path
        && v.is_empty()
    {
        return Err(DataError::Spec("[data] path is an empty list".into()));
    }
    if spec.cost_suffix.is_empty() && spec.layout == Layout::Wide {
        return Err(DataError::Spec("[data] cost-suffix must not be empty for the wide layout".into()));
    }
    Ok(())
}

fn read_files(
    spec: &DataSpec,
    paths: &DataPaths,
    ctx: &LoadContext<'_>,
) -> Result<(Dataset, Vec<PathBuf>, Vec<String>), DataError> {
    let mut reader = records::Reader::new(spec, ctx.models);
    let mut files = Vec::new();
    for entry in paths.entries() {
        let key = if matches!(paths, DataPaths::One(_)) { "[data] path" } else { "[data] path entry" };
        let resolved = paths::resolve(&entry.file, key, ctx)?;
        let src = source::Source::open(&resolved.path, spec.format)?;
        reader.read_file(src, &entry)?;
        files.push(resolved.path);
    }
    let assembled = reader.finish()?;
    Ok((assembled.dataset, files, assembled.notes))
}

/// Keeps the `[[models]]` of a generated dataset, in their order.
fn select_models(data: Dataset, keep: &[ModelSpec]) -> Result<Dataset, DataError> {
    if keep.is_empty() {
        return Ok(data);
    }
    let unknown: Vec<&str> = keep.iter().map(|k| k.name.as_str()).filter(|n| data.model_index(n).is_none()).collect();
    if !unknown.is_empty() {
        return Err(DataError::Dataset(format!(
            "[[models]] {} not in the synthetic data; it has models: {}",
            error::name_list(&unknown, 20),
            error::name_list(&data.model_names(), 50)
        )));
    }
    let idx: Vec<usize> = keep.iter().filter_map(|k| data.model_index(&k.name)).collect();
    data.select_models(&idx).map_err(|e| DataError::Dataset(e.to_string()))
}
