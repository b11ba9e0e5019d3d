//! A study: a checked plan with its data loaded, its splits drawn, the full-sample
//! statistics, the metric anchors and the common cost grid. Everything a run
//! needs, computed once before any split is solved.

use std::path::{Path, PathBuf};

use cascadelab_core::{Dataset, ModelStats, Pool, linspace, model_stats};
use cascadelab_data::{DataError, LoadContext, Loaded};
use cascadelab_metrics::Anchors;

use crate::error::{ConfigError, KeyPath, Source, Target};
use crate::experiment::Stratify;
use crate::plan::{Plan, SplitPlan};
use crate::split::{self, Split};

/// Where a study's splits come from, for reports.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitOrigin {
    /// Random splits.
    Random {
        /// Share of calibration.
        calibration_fraction: f64,
        /// Stratified on this model's correctness, if stratified.
        stratified_on: Option<String>,
    },
    /// The data's split column.
    Data,
    /// A splits file (as written in the experiment file).
    File(String),
}

/// A plan with its data and splits.
#[derive(Debug)]
pub struct Study {
    /// The checked plan.
    pub plan: Plan,
    /// The loaded data (only the experiment's models, in their order).
    pub loaded: Loaded,
    /// The calibration/test splits.
    pub splits: Vec<Split>,
    /// Where the splits came from.
    pub split_origin: SplitOrigin,
    /// Statistics of every model on the full sample.
    pub full_stats: Vec<ModelStats>,
    /// The non-dominated pool and valid pairs on the full sample.
    pub full_pool: Pool,
    /// Position of the cheapest model (full sample).
    pub cheapest: usize,
    /// Position of the most accurate model (full sample).
    pub most_accurate: usize,
    /// The anchors of Gain and CR@x.
    pub anchors: Anchors,
    /// The common cost grid.
    pub grid: Vec<f64>,
}

impl Study {
    /// Loads the plan's data and draws its splits.
    pub fn load(plan: Plan) -> Result<Self, ConfigError> {
        let loaded = load_data(&plan)?;
        Self::from_loaded(plan, loaded)
    }

    /// A study of already loaded data (its models must be the plan's).
    pub fn from_loaded(plan: Plan, loaded: Loaded) -> Result<Self, ConfigError> {
        let data = &loaded.dataset;
        let src = &plan.source;
        if data.n_models() < 2 {
            let at = if plan.models.is_empty() { KeyPath::key("data") } else { KeyPath::key("models") };
            return Err(src.error_at(
                &at,
                Target::Key,
                format!("a study needs at least two models; the experiment has {}", data.n_models()),
            ));
        }
        let all = data.all_queries();
        let full_stats = model_stats(data, &all);
        let full_pool = Pool::from_stats(full_stats.clone());
        let by = |a: usize, b: usize, better: &dyn Fn(&ModelStats, &ModelStats) -> std::cmp::Ordering| {
            better(&full_stats[a], &full_stats[b]).then(a.cmp(&b))
        };
        // Cheapest: least mean cost, ties by higher accuracy; most accurate: highest
        // accuracy, ties by lower cost; then dataset order.
        let cheapest = (0..data.n_models())
            .min_by(|&a, &b| {
                by(a, b, &|x, y| x.mean_cost.total_cmp(&y.mean_cost).then(y.accuracy.total_cmp(&x.accuracy)))
            })
            .unwrap_or(0);
        let most_accurate = (0..data.n_models())
            .min_by(|&a, &b| {
                by(a, b, &|x, y| y.accuracy.total_cmp(&x.accuracy).then(x.mean_cost.total_cmp(&y.mean_cost)))
            })
            .unwrap_or(0);
        let anchors = Anchors {
            c_low: full_stats[cheapest].mean_cost,
            q_low: full_stats[cheapest].accuracy,
            c_exp: full_stats[most_accurate].mean_cost,
            q_max: full_stats[most_accurate].accuracy,
        };
        let c_max = full_stats.iter().map(|s| s.mean_cost).fold(f64::NEG_INFINITY, f64::max);
        let grid = linspace(full_stats[cheapest].mean_cost, c_max, plan.report.grid_size);
        let (splits, split_origin) = draw_splits(&plan, data, cheapest)?;
        Ok(Self { plan, loaded, splits, split_origin, full_stats, full_pool, cheapest, most_accurate, anchors, grid })
    }

    /// The dataset.
    pub fn data(&self) -> &Dataset {
        &self.loaded.dataset
    }

    /// The display name of model position `m`.
    pub fn model_label(&self, m: usize) -> &str {
        self.plan.display_name(&self.data().models[m].name)
    }
}

fn draw_splits(plan: &Plan, data: &Dataset, cheapest: usize) -> Result<(Vec<Split>, SplitOrigin), ConfigError> {
    let src = &plan.source;
    let at = |k: &str| KeyPath::key("split").then(k);
    match &plan.split {
        SplitPlan::Random { calibration_fraction, repeats, stratify } => {
            let (strata, stratified_on) = match stratify {
                Stratify::CheapestModel => {
                    (split::correctness_strata(data, cheapest), Some(data.models[cheapest].name.clone()))
                }
                Stratify::None => (vec![0; data.n_queries()], None),
            };
            let splits = split::random_splits(&strata, *calibration_fraction, *repeats, plan.seed).map_err(|m| {
                let key = if src.span_of(&at("calibration-fraction"), Target::Value).is_some() {
                    at("calibration-fraction")
                } else {
                    KeyPath::key("split")
                };
                src.error_at(&key, Target::Value, m)
            })?;
            Ok((splits, SplitOrigin::Random { calibration_fraction: *calibration_fraction, stratified_on }))
        }
        SplitPlan::Data => {
            let s = split::data_split(data).map_err(|m| src.error_at(&at("source"), Target::Value, m))?;
            Ok((vec![s], SplitOrigin::Data))
        }
        SplitPlan::File { written, path } => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                src.error_at(&at("file"), Target::Value, format!("cannot read splits file `{}`: {e}", path.display()))
            })?;
            let splits = split::read_splits(&text, data).map_err(|e| {
                let file = Source { path: path.clone(), text: text.clone() };
                if e.line == 0 {
                    ConfigError::file(path, e.message)
                } else {
                    file.error_span(Some(line_span(&text, e.line)), e.message)
                }
            })?;
            Ok((splits, SplitOrigin::File(written.clone())))
        }
    }
}

/// The byte span of 1-based line `line` of `text` (without its newline).
fn line_span(text: &str, line: usize) -> std::ops::Range<usize> {
    let mut start = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return start..start + l.trim_end_matches(['\n', '\r']).len();
        }
        start += l.len();
    }
    text.len()..text.len()
}

/// Loads the plan's data. Unknown `[[models]]` names are reported at the name.
pub fn load_data(plan: &Plan) -> Result<Loaded, ConfigError> {
    let ctx = |models| LoadContext {
        base_dir: &plan.base_dir,
        data_dir: plan.data_dir.as_ref().map(|d| d.path.as_path()),
        models,
    };
    let all = cascadelab_data::load(&plan.data, &ctx(&[]));
    match all {
        Ok(all) if plan.models.is_empty() => Ok(all),
        Ok(all) => {
            let names = all.dataset.model_names();
            for (i, m) in plan.models.iter().enumerate() {
                if all.dataset.model_index(&m.name).is_none() {
                    return Err(plan
                        .source
                        .error_at(
                            &KeyPath::key("models").at(i).then("name"),
                            Target::Value,
                            format!("unknown model `{}`: the data has no such model", m.name),
                        )
                        .with_hint(format!(
                            "the data's models: {}",
                            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                        )));
                }
            }
            cascadelab_data::load(&plan.data, &ctx(&plan.models)).map_err(|e| data_error(plan, e))
        }
        // The whole data may fail where the chosen models do not (e.g. a missing
        // confidence of a model the experiment leaves out).
        Err(_) if !plan.models.is_empty() => {
            cascadelab_data::load(&plan.data, &ctx(&plan.models)).map_err(|e| data_error(plan, e))
        }
        Err(e) => Err(data_error(plan, e)),
    }
}

/// A data error, placed at the `[data]` key it most likely concerns. A data set
/// that cannot be found (missing file, or `${data_dir}` unset) gets the
/// experiment's `provenance` as a hint.
fn data_error(plan: &Plan, e: DataError) -> ConfigError {
    let src = &plan.source;
    let message = e.to_string();
    let uses_data_dir =
        plan.data.path.as_ref().is_some_and(|p| p.entries().iter().any(|e| e.file.contains("${data_dir}")));
    let unset_data_dir = matches!(e, DataError::Spec(_)) && uses_data_dir && plan.data_dir.is_none();
    let missing = unset_data_dir || matches!(&e, DataError::File { path, .. } if !path.exists());
    let features_file = matches!(&e, DataError::File { path, .. } | DataError::Record { path, .. }
        if plan.data.features.as_ref().is_some_and(|f| path.ends_with(strip_vars(&f.path))));
    let at = if features_file {
        KeyPath::key("data").then("features").then("path")
    } else if unset_data_dir || matches!(e, DataError::File { .. } | DataError::Record { .. }) {
        KeyPath::key("data").then("path")
    } else {
        KeyPath::key("data")
    };
    let target = if at.0.len() == 1 { Target::Key } else { Target::Value };
    let mut err = src.error_at(&at, target, format!("cannot load the data: {message}"));
    if missing {
        let mut hint = Vec::new();
        if let Some(p) = &plan.provenance {
            hint.push(format!("this data set comes from: {}", p.trim()));
        }
        if let Some(d) = plan.data_dir.as_ref().filter(|_| uses_data_dir) {
            hint.push(format!("`${{data_dir}}` is {}", d.describe()));
        }
        if !hint.is_empty() {
            err = err.with_hint(hint.join("\n          "));
        }
    }
    err
}

fn strip_vars(p: &str) -> PathBuf {
    Path::new(p.rsplit('}').next().unwrap_or(p).trim_start_matches('/')).to_path_buf()
}
