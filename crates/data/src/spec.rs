//! The experiment file's `[data]` section and `[[models]]` entries, as written.
//!
//! These types are the first of two configuration stages: they only describe what
//! the user wrote (serde + JSON schema, unknown keys rejected). [`crate::load`]
//! checks combinations and resolves paths when it reads the data.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use cascadelab_synthetic::SyntheticSpec;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// The `[data]` section of an experiment file: where the evaluation records are and
/// how to read them. Usually only `path` is needed: format, layout and columns are
/// detected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DataSpec {
    /// File(s) of evaluation records, relative to the experiment file: one path, or a
    /// list whose records are concatenated, each entry a path or
    /// `{ file = "...", split = "train" }` (the label becomes the source split of its
    /// queries). `${data_dir}` expands to `--data-dir` or `CASCADELAB_DATA_DIR`.
    /// Exclusive with `synthetic`.
    pub path: Option<DataPaths>,
    /// Generate a seeded synthetic pool instead of reading files. Exclusive with `path`.
    pub synthetic: Option<SyntheticSpec>,
    /// File format; `auto` detects it from the extension (`.csv`, `.tsv`, `.jsonl`,
    /// `.ndjson`, `.parquet`, each optionally `.gz` except Parquet), else from the content.
    pub format: Format,
    /// Record layout; `auto` picks `long` when the file has the query-id and model
    /// columns, else `wide` when some column ends with `cost-suffix`.
    pub layout: Layout,
    /// Column (or JSON field) names, for files that do not use the canonical ones.
    pub columns: Columns,
    /// Wide layout: the suffix that marks a model's cost column (`<model><suffix>`);
    /// models are detected from these columns, and `<model>` is the score column.
    pub cost_suffix: String,
    /// Where confidence comes from: `auto` reads the confidence column when the file has
    /// one (long layout) and otherwise records that the data has no confidence;
    /// `column` requires the column; `none` ignores it (routers only).
    pub confidence: ConfidenceRule,
    /// What to do with a missing confidence (empty cell, JSON null, NaN): `error`, or
    /// `drop-query` to drop every query where some kept model lacks one (the count is
    /// reported).
    pub missing_confidence: MissingConfidence,
    /// What to do with a missing quality (empty cell, JSON null): `error`, `zero` to
    /// read it as 0 (counted in the notes), or `drop-query` to drop every query where
    /// some kept model lacks one (as RouterDC's `dropna()` does for RouterBench).
    pub missing_quality: MissingQuality,
    /// How cost is obtained: `column` reads it; `prices` computes
    /// `tokens_in * input / 1e6 + tokens_out * output / 1e6` from the token columns and
    /// each model's prices (`[[models]] prices`, else `[data.prices]`).
    pub cost: CostRule,
    /// Prices per model name in dollars per million tokens, for `cost = "prices"`,
    /// e.g. `[data.prices] "gpt-4o" = { input = 2.5, output = 10.0 }`. A `[[models]]`
    /// entry's own `prices` take precedence.
    pub prices: BTreeMap<String, Prices>,
    /// Query features for routers: precomputed embeddings, or hashed TF-IDF of query text.
    pub features: Option<FeaturesSpec>,
}

impl Default for DataSpec {
    fn default() -> Self {
        Self {
            path: None,
            synthetic: None,
            format: Format::Auto,
            layout: Layout::Auto,
            columns: Columns::default(),
            cost_suffix: DEFAULT_COST_SUFFIX.into(),
            confidence: ConfidenceRule::Auto,
            missing_confidence: MissingConfidence::Error,
            missing_quality: MissingQuality::Error,
            cost: CostRule::Column,
            prices: BTreeMap::new(),
            features: None,
        }
    }
}

impl DataSpec {
    /// A specification that reads one file with every setting detected (format,
    /// layout, columns), as `cascadelab inspect FILE` does. Callers may then override
    /// fields (e.g. `layout`, `columns.query_id`, `missing_confidence`).
    pub fn for_path(path: impl AsRef<Path>) -> Self {
        Self { path: Some(DataPaths::One(path.as_ref().to_string_lossy().into_owned())), ..Self::default() }
    }
}

/// One path or a list of paths (`path = "a.csv"` or `path = ["a.csv", { file = "b.csv", split = "test" }]`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum DataPaths {
    /// A single file.
    One(String),
    /// Several files whose records are concatenated in this order.
    Many(Vec<PathEntry>),
}

impl DataPaths {
    /// The entries as (file, split label) pairs.
    pub fn entries(&self) -> Vec<LabelledPath> {
        match self {
            DataPaths::One(p) => vec![LabelledPath { file: p.clone(), split: None }],
            DataPaths::Many(v) => v
                .iter()
                .map(|e| match e {
                    PathEntry::Plain(p) => LabelledPath { file: p.clone(), split: None },
                    PathEntry::Labelled(l) => l.clone(),
                })
                .collect(),
        }
    }
}

/// One entry of a path list: a path, or a path with a source-split label.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PathEntry {
    /// A path.
    Plain(String),
    /// A path and the split label of its queries.
    Labelled(LabelledPath),
}

/// A file and the source split of the queries it holds (`{ file = "x_train.csv.gz", split = "train" }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LabelledPath {
    /// Path of the file (same rules as `path`).
    pub file: String,
    /// Source split label of every query in this file (overrides a `split` column).
    #[serde(default)]
    pub split: Option<String>,
}

// Hand-written so that a wrong entry gets serde's precise message (unknown field,
// wrong type) instead of "data did not match any variant".
impl<'de> Deserialize<'de> for DataPaths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DataPaths;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a path or a list of paths and `{ file, split }` tables")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DataPaths, E> {
                Ok(DataPaths::One(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DataPaths, A::Error> {
                let mut v = Vec::new();
                while let Some(e) = seq.next_element::<PathEntry>()? {
                    v.push(e);
                }
                Ok(DataPaths::Many(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for PathEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PathEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a path or a `{ file = \"...\", split = \"...\" }` table")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PathEntry, E> {
                Ok(PathEntry::Plain(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PathEntry, A::Error> {
                LabelledPath::deserialize(de::value::MapAccessDeserializer::new(map)).map(PathEntry::Labelled)
            }
        }
        d.deserialize_any(V)
    }
}

/// File format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// From the extension, else from the first bytes.
    #[default]
    Auto,
    /// Comma-separated values with a header line (plain or gzip).
    Csv,
    /// Tab-separated values with a header line (plain or gzip).
    Tsv,
    /// One JSON object per line (plain or gzip).
    Jsonl,
    /// Apache Parquet.
    Parquet,
}

/// Record layout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// `long` if the query-id and model columns exist, else `wide` if cost-suffix columns exist.
    #[default]
    Auto,
    /// One record per (query, model).
    Long,
    /// One record per query: a score column and a `<model>|total_cost` column per model (RouterBench).
    Wide,
}

/// Where confidence comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConfidenceRule {
    /// The confidence column if the file has one, else no confidence (with a note).
    #[default]
    Auto,
    /// The confidence column, which must exist.
    Column,
    /// No confidence, even if a column exists.
    None,
}

/// What to do with a missing or NaN confidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MissingConfidence {
    /// Stop with an error naming the file, line and column.
    #[default]
    Error,
    /// Drop the query (for every model) and report how many were dropped.
    DropQuery,
}

/// What to do with a missing quality.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MissingQuality {
    /// Stop with an error naming the file, line and column.
    #[default]
    Error,
    /// Read it as 0 (wrong) and report how many were.
    Zero,
    /// Drop the query (for every model) and report how many were dropped.
    DropQuery,
}

/// How cost is obtained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CostRule {
    /// Read the cost column (dollars).
    #[default]
    Column,
    /// Compute from token columns and per-model prices.
    Prices,
}

/// Column (or JSON field) names. Every name can be changed, e.g.
/// `[data.columns] correct = "score"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Columns {
    /// Query identifier column; default `query_id` (long layout) or `sample_id` (wide
    /// layout; RouterBench needs `row_id`, as its `sample_id` is not unique).
    pub query_id: Option<String>,
    /// Long layout: model name column.
    pub model: String,
    /// Long layout: quality column, a number in [0, 1] (`true`/`false` read as 1/0).
    pub correct: String,
    /// Long layout: the model's confidence (higher = more confident; `-inf` allowed).
    pub confidence: String,
    /// Long layout: cost in dollars (finite, non-negative), for `cost = "column"`.
    pub cost: String,
    /// Optional source split column (`train`/`test`); used when present.
    pub split: String,
    /// Input token count, for `cost = "prices"`.
    pub tokens_in: String,
    /// Output token count, for `cost = "prices"`.
    pub tokens_out: String,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            query_id: None,
            model: "model".into(),
            correct: "correct".into(),
            confidence: "confidence".into(),
            cost: "cost".into(),
            split: "split".into(),
            tokens_in: "tokens_in".into(),
            tokens_out: "tokens_out".into(),
        }
    }
}

/// The default wide-layout cost suffix, `|total_cost` (RouterBench).
pub const DEFAULT_COST_SUFFIX: &str = "|total_cost";

/// `[data.features]`: per-query features for routers, joined to the evaluation data
/// by query id. Extra feature rows are ignored; a query without features is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FeaturesSpec {
    /// File of features (same path rules as `[data] path`).
    pub path: String,
    /// `embeddings`: precomputed vectors (Parquet list column, JSONL array field, or CSV
    /// with one column per dimension); `text`: hashed TF-IDF of a text column.
    #[serde(default)]
    pub kind: FeatureKind,
    /// File format; `auto` detects it as for `[data] path`.
    #[serde(default)]
    pub format: Format,
    /// Query identifier column of the features file (matched as a string).
    #[serde(default = "default_query_id")]
    pub id_column: String,
    /// The vector column (`embeddings` in Parquet/JSONL; default: `embedding`, or the
    /// only list column) or the text column (`text`; default `text`). Not used for CSV
    /// embeddings, where every column but the id column (or those starting with
    /// `dim-prefix`) is one dimension.
    #[serde(default)]
    pub column: Option<String>,
    /// CSV embeddings: only columns whose name starts with this prefix are dimensions.
    #[serde(default)]
    pub dim_prefix: Option<String>,
    /// `text`: number of hashed dimensions.
    #[serde(default = "default_text_dim")]
    pub dim: usize,
    /// `text`: use `1 + ln(tf)` instead of the raw term count.
    #[serde(default)]
    pub sublinear_tf: bool,
    /// `text`: range of word n-gram lengths, inclusive (`[0, 0]` disables word n-grams).
    #[serde(default = "default_word_ngrams")]
    pub word_ngrams: [usize; 2],
    /// `text`: range of character n-gram lengths within word boundaries, inclusive
    /// (`[0, 0]` disables character n-grams).
    #[serde(default = "default_char_ngrams")]
    pub char_ngrams: [usize; 2],
}

impl FeaturesSpec {
    /// Features read from `path` with every other setting at its default.
    pub fn new(path: impl Into<String>, kind: FeatureKind) -> Self {
        Self {
            path: path.into(),
            kind,
            format: Format::Auto,
            id_column: default_query_id(),
            column: None,
            dim_prefix: None,
            dim: default_text_dim(),
            sublinear_tf: false,
            word_ngrams: default_word_ngrams(),
            char_ngrams: default_char_ngrams(),
        }
    }
}

fn default_query_id() -> String {
    "query_id".into()
}
fn default_text_dim() -> usize {
    crate::text::DEFAULT_DIM
}
fn default_word_ngrams() -> [usize; 2] {
    [1, 2]
}
fn default_char_ngrams() -> [usize; 2] {
    [3, 5]
}

/// What a features file holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FeatureKind {
    /// Precomputed vectors.
    #[default]
    Embeddings,
    /// Query text, featurized with hashed word and character n-grams and TF-IDF.
    Text,
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

impl ModelSpec {
    /// A model kept by name, without display name or prices.
    pub fn named(name: impl Into<String>) -> Self {
        Self { name: name.into(), display_name: None, prices: None }
    }
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
