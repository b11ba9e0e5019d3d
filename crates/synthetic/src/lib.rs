//! Seeded synthetic model pools with closed-form escalation benefit.
//!
//! (Skeleton: the synthetic helper fills this in; `SyntheticSpec` and `generate`
//! are the contract the data crate builds on.)

use cascadelab_core::Dataset;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `[data] synthetic = { ... }`: a documented, seeded generator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SyntheticSpec {
    /// Number of queries.
    #[serde(default)]
    pub queries: usize,
    /// Seed of the generator.
    #[serde(default)]
    pub seed: u64,
}

/// A synthetic specification that cannot be generated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SyntheticError(pub String);

/// Draws the dataset a specification describes.
pub fn generate(_spec: &SyntheticSpec) -> Result<Dataset, SyntheticError> {
    Err(SyntheticError("synthetic data is not implemented yet".into()))
}
