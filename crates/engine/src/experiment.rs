//! The experiment file as written: a serde type that only validates shapes (unknown
//! keys and wrong types are errors with line and column). [`crate::plan`] resolves
//! it into a checked [`crate::Plan`].
//!
//! Parsing is two-stage: `version` is read first with a lenient parse, so that a
//! file from another version gets a message about versions rather than about keys.

use cascadelab_data::{DataSpec, ModelSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{ConfigError, KeyPath, Source, Target};

/// Experiment-file versions this build reads.
pub const SUPPORTED_VERSIONS: &[i64] = &[1];

/// An experiment: data, models, splits, solvers and what to report.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "cascadelab experiment")]
pub struct ExperimentFile {
    /// Version of the experiment-file format; this build reads `1`.
    #[schemars(extend("const" = 1))]
    pub version: i64,
    /// Name of the study for reports; default: the file name without extension.
    #[serde(default)]
    pub name: Option<String>,
    /// A sentence or two on what the study is, copied into summary.md.
    #[serde(default)]
    pub description: Option<String>,
    /// Where the data set comes from (authors, paper, URL, license); shown when the
    /// data file is missing.
    #[serde(default)]
    pub provenance: Option<String>,
    /// The per-query evaluation records.
    pub data: DataSpec,
    /// The models to study, a subset of the data's, in any order; default: every
    /// model of the data.
    #[serde(default)]
    pub models: Vec<ModelSpec>,
    /// How queries are split into calibration and test sets.
    #[serde(default)]
    pub split: SplitSection,
    /// The solvers to run: each table has `kind` (a registered solver, see
    /// `cascadelab solvers`), an optional unique `name`, and that solver's parameters.
    #[serde(default)]
    #[schemars(schema_with = "crate::registry::solvers_schema")]
    pub solvers: Vec<toml::Table>,
    /// What to compute and which files to write.
    #[serde(default)]
    pub report: ReportSection,
}

/// The `[split]` section. Random splits by default; `source = "data"` or `file`
/// replace them.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SplitSection {
    /// Share of the queries put in calibration, strictly between 0 and 1 (random
    /// splits only). Each stratum contributes round(fraction × stratum size).
    #[schemars(extend("default" = 0.5), range(min = 0.0, max = 1.0))]
    pub calibration_fraction: Option<f64>,
    /// Number of random calibration/test splits (random splits only).
    #[schemars(extend("default" = 50), range(min = 1))]
    pub repeats: Option<u32>,
    /// Base seed: random split i is drawn with seed + i (the paper's 42..91), and
    /// every solver's seed derives from it.
    #[schemars(extend("default" = 42))]
    pub seed: Option<u64>,
    /// Stratification of random splits: on the correctness of the cheapest model
    /// (quality >= 0.5 for fractional quality), or none.
    #[schemars(extend("default" = "cheapest-model"))]
    pub stratify: Option<Stratify>,
    /// Where the splits come from: `random` draws `repeats` splits; `data` uses the
    /// data's own `split` column once (train → calibration, test → test).
    #[schemars(extend("default" = "random"))]
    pub source: Option<SplitSource>,
    /// A splits file (CSV with columns `split, query_id, role`, role `calibration`
    /// or `test`), relative to the experiment file; replaces random splits. Every
    /// results directory holds one (`splits.csv`) to freeze a study's splits.
    pub file: Option<String>,
}

/// Stratification of random splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Stratify {
    /// On the correctness of the cheapest model (on the full sample).
    CheapestModel,
    /// No stratification.
    None,
}

/// Where splits come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SplitSource {
    /// Random stratified splits.
    Random,
    /// The data's own `split` column: one split.
    Data,
}

/// The `[report]` section.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReportSection {
    /// Number of points of the common cost grid, from the cheapest to the most
    /// expensive model's mean cost on the full sample.
    #[schemars(extend("default" = 500), range(min = 2))]
    pub grid_size: Option<usize>,
    /// Quality levels x of CR@x, as fractions of the most accurate model's accuracy.
    #[schemars(extend("default" = [0.9, 0.95]))]
    pub quality_levels: Option<Vec<f64>>,
    /// Which result files to write (`manifest.json` and `splits.csv` are always
    /// written).
    #[schemars(extend("default" = [
        "frontier", "curves", "policies", "envelope", "comparisons", "metrics", "first-order", "diagnostics",
        "decomposition", "summary", "plots"
    ]))]
    pub outputs: Option<Vec<OutputKind>>,
}

/// An optional result file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OutputKind {
    /// `frontier.csv`: median and 10th/90th percentiles per curve on the grid.
    Frontier,
    /// `curves.csv`: every split's curves on the grid.
    Curves,
    /// `policies.json`: the calibration-frontier policies with their points.
    Policies,
    /// `envelope.csv`: calibration-frontier points with switching points.
    Envelope,
    /// `comparisons.csv`: every curve against the pairwise envelope (midpoint gap,
    /// dominance share, band-width ratio).
    Comparisons,
    /// `metrics.csv`: other tools' metrics of every median curve (AIQ, AUC,
    /// max_diff, RouterArena score, ΔIBC).
    Metrics,
    /// `first_order.csv`: G_j, K_j and λ_j of every calibration-frontier cascade.
    FirstOrder,
    /// `diagnostics/`: escalation benefit of every full-sample pair and shadow prices
    /// of the full-sample pairwise envelope (JSON and CSV).
    Diagnostics,
    /// `decomposition.csv` and `predictor_auroc.csv`: the router against the
    /// embedding cascade and the cascades, and the test AUROC of its predictors.
    Decomposition,
    /// `summary.md`: every section of the report.
    Summary,
    /// `plots/*.svg`: the frontiers with their bands, and the diagnostics' plots.
    Plots,
}

impl OutputKind {
    /// Every optional output, in writing order.
    pub const ALL: [OutputKind; 11] = [
        OutputKind::Frontier,
        OutputKind::Curves,
        OutputKind::Policies,
        OutputKind::Envelope,
        OutputKind::Comparisons,
        OutputKind::Metrics,
        OutputKind::FirstOrder,
        OutputKind::Diagnostics,
        OutputKind::Decomposition,
        OutputKind::Summary,
        OutputKind::Plots,
    ];
}

#[derive(Deserialize)]
struct VersionOnly {
    version: Option<toml::Spanned<toml::Value>>,
}

/// Parses an experiment file: syntax, then `version`, then every key and type.
pub fn parse(source: &Source) -> Result<ExperimentFile, ConfigError> {
    let located = |e: toml::de::Error| source.error_span(e.span(), e.message().trim().to_string());
    let head: VersionOnly = toml::from_str(&source.text).map_err(located)?;
    let supported = SUPPORTED_VERSIONS.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ");
    match head.version {
        None => {
            return Err(ConfigError::file(&source.path, "missing `version`")
                .with_hint("add `version = 1` as the first line of the file"));
        }
        Some(v) => match v.get_ref() {
            toml::Value::Integer(n) if SUPPORTED_VERSIONS.contains(n) => {}
            toml::Value::Integer(n) => {
                return Err(source
                    .error_span(Some(v.span()), format!("unsupported experiment version {n}"))
                    .with_hint(format!("this cascadelab reads version {supported}")));
            }
            other => {
                return Err(source
                    .error_span(Some(v.span()), format!("`version` must be an integer, found {}", other.type_str()))
                    .with_hint(format!("this cascadelab reads version {supported}")));
            }
        },
    }
    toml::from_str::<ExperimentFile>(&source.text).map_err(located)
}

/// Where a `[[solvers]]` table lives.
pub fn solver_path(i: usize) -> KeyPath {
    KeyPath::key("solvers").at(i)
}

/// An error at `[[solvers]]` table `i`, key `key` (its value).
pub fn solver_error(source: &Source, i: usize, key: &str, target: Target, message: impl Into<String>) -> ConfigError {
    source.error_at(&solver_path(i).then(key), target, message)
}
