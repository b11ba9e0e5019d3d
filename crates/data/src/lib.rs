//! Readers and validation of per-query evaluation data.
//!
//! (Skeleton: the interface the engine and the CLI build on. The data helper fills
//! in the readers; the signatures below are the contract.)

use std::path::{Path, PathBuf};

use cascadelab_core::Dataset;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `[data]` section of an experiment file: where the evaluation records are and
/// how to read them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DataSpec {
    /// Path of the evaluation records, relative to the experiment file; `${data_dir}`
    /// expands to `--data-dir` or `CASCADELAB_DATA_DIR`.
    #[serde(default)]
    pub path: Option<String>,
}

/// One `[[models]]` entry: a model of the data to keep, and optionally its prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelSpec {
    /// The model's name as the data writes it.
    pub name: String,
    /// A name for reports and plots.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Prices used to compute cost from token counts, in dollars per million tokens.
    #[serde(default)]
    pub prices: Option<Prices>,
}

/// Prices in dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Prices {
    /// Dollars per million input tokens.
    pub input: f64,
    /// Dollars per million output tokens.
    pub output: f64,
}

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

/// A loaded dataset and what loading it involved.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated dataset.
    pub dataset: Dataset,
    /// Every file read, for the manifest's hashes.
    pub files: Vec<PathBuf>,
    /// Notes for the user (e.g. "dropped 3 queries with missing confidence").
    pub notes: Vec<String>,
}

/// Bad data: the message names the file, line and column or field.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DataError(pub String);

/// Loads the data an experiment describes.
pub fn load(_spec: &DataSpec, _ctx: &LoadContext<'_>) -> Result<Loaded, DataError> {
    Err(DataError("data loading is not implemented yet".into()))
}

/// Loads one file with the layout and format detected from its name and header
/// (the `inspect` and `frontier` commands).
pub fn load_path(path: &Path) -> Result<Loaded, DataError> {
    load(&DataSpec { path: Some(path.display().to_string()) }, &LoadContext { base_dir: Path::new("."), data_dir: None, models: &[] })
}
