//! The checked plan: the experiment file resolved (defaults filled in, ranges and
//! combinations checked, every solver built by its registry entry), in the manner
//! of ruff's Options → Settings and linfa's checked parameters. Nothing here reads
//! the data; [`crate::Study`] does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cascadelab_core::{Solver, SolverEntry};
use cascadelab_data::{DataSpec, ModelSpec};

use crate::error::{ConfigError, KeyPath, Source, Target};
use crate::experiment::{self, ExperimentFile, OutputKind, SplitSource, Stratify, solver_error};
use crate::registry;

/// The environment variable that sets `${data_dir}` when `--data-dir` is not given.
pub const DATA_DIR_ENV: &str = "CASCADELAB_DATA_DIR";

/// Where `${data_dir}` came from, for messages and the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataDirOrigin {
    /// `--data-dir`.
    Flag,
    /// The `CASCADELAB_DATA_DIR` environment variable.
    Env,
    /// The default: `../shared/data` beside the repository that holds the experiment.
    Default,
}

/// The value of `${data_dir}` and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    /// The directory.
    pub path: PathBuf,
    /// Where it came from.
    pub origin: DataDirOrigin,
}

impl DataDir {
    /// `--data-dir`, else `CASCADELAB_DATA_DIR`, else `../shared/data` relative to
    /// the root of the repository holding `experiment` (the nearest ancestor with a
    /// `.git` or `Cargo.lock`, looked for from the experiment file, then from the
    /// current directory), if that directory exists.
    pub fn resolve(flag: Option<&Path>, experiment: &Path) -> Option<Self> {
        if let Some(p) = flag {
            return Some(Self { path: p.to_path_buf(), origin: DataDirOrigin::Flag });
        }
        if let Some(p) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
            return Some(Self { path: PathBuf::from(p), origin: DataDirOrigin::Env });
        }
        let from_file = experiment.parent().and_then(|d| std::path::absolute(d).ok());
        let from_cwd = std::env::current_dir().ok();
        for start in [from_file, from_cwd].into_iter().flatten() {
            for dir in start.ancestors() {
                if dir.join(".git").exists() || dir.join("Cargo.lock").exists() {
                    let shared = dir.join("../shared/data");
                    if shared.is_dir() {
                        return Some(Self { path: normalize(&shared), origin: DataDirOrigin::Default });
                    }
                    break;
                }
            }
        }
        None
    }

    /// How the directory was chosen, for messages.
    pub fn describe(&self) -> String {
        match self.origin {
            DataDirOrigin::Flag => format!("`{}` (from --data-dir)", self.path.display()),
            DataDirOrigin::Env => format!("`{}` (from {DATA_DIR_ENV})", self.path.display()),
            DataDirOrigin::Default => {
                format!("`{}` (the default: ../shared/data beside the repository)", self.path.display())
            }
        }
    }
}

/// `a/b/../c` → `a/c`, lexically.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// How splits are made.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitPlan {
    /// `repeats` random splits; split i is drawn with seed + i.
    Random {
        /// Share of each stratum put in calibration.
        calibration_fraction: f64,
        /// Number of splits.
        repeats: usize,
        /// Stratification.
        stratify: Stratify,
    },
    /// The data's own split column (one split).
    Data,
    /// A splits file.
    File {
        /// The path as written in the experiment file.
        written: String,
        /// The path resolved against the experiment file's directory.
        path: PathBuf,
    },
}

/// One solver, built and checked.
pub struct SolverPlan {
    /// Label of its curves (unique).
    pub name: String,
    /// Its registry kind.
    pub kind: &'static str,
    /// Its parameters as written (without `kind` and `name`).
    pub params: serde_json::Value,
    /// The built solver.
    pub solver: Box<dyn Solver>,
}

impl std::fmt::Debug for SolverPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolverPlan").field("name", &self.name).field("kind", &self.kind).finish_non_exhaustive()
    }
}

/// What to report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportPlan {
    /// Points of the common cost grid.
    pub grid_size: usize,
    /// Levels x of CR@x.
    pub quality_levels: Vec<f64>,
    /// Optional outputs to write.
    pub outputs: BTreeSet<OutputKind>,
}

impl ReportPlan {
    /// Whether any output needs the per-split first-order diagnostics.
    pub fn needs_first_order(&self) -> bool {
        self.outputs.contains(&OutputKind::FirstOrder) || self.outputs.contains(&OutputKind::Summary)
    }

    /// Whether any output needs the full-sample theory diagnostics.
    pub fn needs_theory(&self) -> bool {
        [OutputKind::Diagnostics, OutputKind::Summary, OutputKind::Plots].iter().any(|k| self.outputs.contains(k))
    }
}

/// A checked experiment.
#[derive(Debug)]
pub struct Plan {
    /// The experiment file's text and path (for error positions).
    pub source: Source,
    /// Name of the study.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Where the data comes from, if stated.
    pub provenance: Option<String>,
    /// Directory of the experiment file (relative paths resolve against it).
    pub base_dir: PathBuf,
    /// `${data_dir}`, if set.
    pub data_dir: Option<DataDir>,
    /// The `[data]` section.
    pub data: DataSpec,
    /// The `[[models]]` entries (empty: every model of the data).
    pub models: Vec<ModelSpec>,
    /// How splits are made.
    pub split: SplitPlan,
    /// Base seed.
    pub seed: u64,
    /// The solvers, in file order.
    pub solvers: Vec<SolverPlan>,
    /// What to report.
    pub report: ReportPlan,
}

impl Plan {
    /// Reads and checks the experiment file at `path` with the registered solvers.
    pub fn from_file(path: &Path, data_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::file(path, format!("cannot read the experiment file: {e}")))?;
        let source = Source { path: path.to_path_buf(), text };
        let data_dir = DataDir::resolve(data_dir, path);
        Self::from_source(source, registry::SOLVERS, data_dir)
    }

    /// Checks an experiment file's text against `registry`.
    pub fn from_source(
        source: Source,
        registry: &[&dyn SolverEntry],
        data_dir: Option<DataDir>,
    ) -> Result<Self, ConfigError> {
        let file: ExperimentFile = experiment::parse(&source)?;
        let base_dir = source.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = match &file.name {
            Some(n) if n.trim().is_empty() => {
                return Err(source.error_at(&KeyPath::key("name"), Target::Value, "`name` is empty"));
            }
            Some(n) => n.clone(),
            None => source.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
        };
        let mut seen = BTreeMap::new();
        for (i, m) in file.models.iter().enumerate() {
            if let Some(first) = seen.insert(m.name.clone(), i) {
                return Err(source.error_at(
                    &KeyPath::key("models").at(i).then("name"),
                    Target::Value,
                    format!("model `{}` is listed twice (first as [[models]] entry {})", m.name, first + 1),
                ));
            }
        }
        let split = split_plan(&source, &file, &base_dir)?;
        let report = report_plan(&source, &file)?;
        let solvers = solver_plans(&source, &file, registry, &base_dir)?;
        Ok(Self {
            name,
            description: file.description.clone(),
            provenance: file.provenance.clone(),
            base_dir,
            data_dir,
            data: file.data.clone(),
            models: file.models.clone(),
            split,
            seed: file.split.seed.unwrap_or(42),
            solvers,
            report,
            source,
        })
    }

    /// The display name of model `name` (its `display-name`, else the name).
    pub fn display_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.models.iter().find(|m| m.name == name).and_then(|m| m.display_name.as_deref()).unwrap_or(name)
    }
}

fn split_plan(source: &Source, file: &ExperimentFile, base_dir: &Path) -> Result<SplitPlan, ConfigError> {
    let s = &file.split;
    let at = |key: &str| KeyPath::key("split").then(key);
    let random_only = |mode: &str| -> Result<(), ConfigError> {
        for (key, set) in [
            ("calibration-fraction", s.calibration_fraction.is_some()),
            ("repeats", s.repeats.is_some()),
            ("stratify", s.stratify.is_some()),
        ] {
            if set {
                return Err(source.error_at(
                    &at(key),
                    Target::Key,
                    format!("`{key}` applies to random splits only, not to {mode}"),
                ));
            }
        }
        Ok(())
    };
    if let Some(f) = &s.file {
        if s.source.is_some() {
            return Err(source.error_at(
                &at("source"),
                Target::Key,
                "`source` and `file` are exclusive: a splits file is the source",
            ));
        }
        random_only("a splits file")?;
        if f.trim().is_empty() {
            return Err(source.error_at(&at("file"), Target::Value, "`file` is empty"));
        }
        return Ok(SplitPlan::File { written: f.clone(), path: base_dir.join(f) });
    }
    if s.source == Some(SplitSource::Data) {
        random_only("`source = \"data\"`")?;
        return Ok(SplitPlan::Data);
    }
    let calibration_fraction = s.calibration_fraction.unwrap_or(0.5);
    if !(calibration_fraction > 0.0 && calibration_fraction < 1.0) {
        return Err(source.error_at(
            &at("calibration-fraction"),
            Target::Value,
            format!("`calibration-fraction` must be strictly between 0 and 1, got {calibration_fraction}"),
        ));
    }
    let repeats = s.repeats.unwrap_or(50);
    if repeats == 0 {
        return Err(source.error_at(&at("repeats"), Target::Value, "`repeats` must be at least 1"));
    }
    Ok(SplitPlan::Random {
        calibration_fraction,
        repeats: repeats as usize,
        stratify: s.stratify.unwrap_or(Stratify::CheapestModel),
    })
}

fn report_plan(source: &Source, file: &ExperimentFile) -> Result<ReportPlan, ConfigError> {
    let r = &file.report;
    let at = |key: &str| KeyPath::key("report").then(key);
    let grid_size = r.grid_size.unwrap_or(500);
    if grid_size < 2 {
        return Err(source.error_at(
            &at("grid-size"),
            Target::Value,
            format!("`grid-size` must be at least 2, got {grid_size}"),
        ));
    }
    let quality_levels = r.quality_levels.clone().unwrap_or_else(|| vec![0.9, 0.95]);
    for (i, &x) in quality_levels.iter().enumerate() {
        if !(x > 0.0 && x <= 1.0) {
            return Err(source.error_at(
                &at("quality-levels").at(i),
                Target::Value,
                format!("quality levels are fractions of the best accuracy, in (0, 1]; got {x}"),
            ));
        }
        if quality_levels[..i].contains(&x) {
            return Err(source.error_at(
                &at("quality-levels").at(i),
                Target::Value,
                format!("quality level {x} is listed twice"),
            ));
        }
    }
    let outputs = r.outputs.clone().map_or_else(|| OutputKind::ALL.into_iter().collect(), |v| v.into_iter().collect());
    Ok(ReportPlan { grid_size, quality_levels, outputs })
}

fn solver_plans(
    source: &Source,
    file: &ExperimentFile,
    registry: &[&dyn SolverEntry],
    base_dir: &Path,
) -> Result<Vec<SolverPlan>, ConfigError> {
    if file.solvers.is_empty() {
        return Err(source.error_at(&KeyPath::key("solvers"), Target::Key, "the experiment has no solver").with_hint(
            format!("add a `[[solvers]]` table with `kind = ...`; registered kinds: {}", registry::kinds(registry)),
        ));
    }
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(file.solvers.len());
    for (i, table) in file.solvers.iter().enumerate() {
        let kind = match table.get("kind") {
            None => {
                return Err(source
                    .error_at(&experiment::solver_path(i), Target::Value, "this [[solvers]] table has no `kind`")
                    .with_hint(format!("registered kinds: {}", registry::kinds(registry))));
            }
            Some(toml::Value::String(k)) => k.clone(),
            Some(v) => {
                return Err(solver_error(
                    source,
                    i,
                    "kind",
                    Target::Value,
                    format!("`kind` must be a string, found {}", v.type_str()),
                ));
            }
        };
        let Some(entry) = registry::find(registry, &kind) else {
            return Err(solver_error(source, i, "kind", Target::Value, format!("unknown solver kind `{kind}`"))
                .with_hint(format!("registered kinds: {} (see `cascadelab solvers`)", registry::kinds(registry))));
        };
        let name = match table.get("name") {
            None => entry.kind().to_string(),
            Some(toml::Value::String(n)) => n.clone(),
            Some(v) => {
                return Err(solver_error(
                    source,
                    i,
                    "name",
                    Target::Value,
                    format!("`name` must be a string, found {}", v.type_str()),
                ));
            }
        };
        if !registry::valid_name(&name) {
            return Err(solver_error(
                source,
                i,
                "name",
                Target::Value,
                format!("solver name `{name}` may only contain letters, digits, `-`, `_` and `.`"),
            ));
        }
        if let Some(first) = names.insert(name.clone(), i) {
            let key = if table.contains_key("name") { "name" } else { "kind" };
            return Err(solver_error(
                source,
                i,
                key,
                Target::Value,
                format!("two solvers are named `{name}` ([[solvers]] entries {} and {})", first + 1, i + 1),
            )
            .with_hint("give each solver a distinct `name`"));
        }
        let mut params = table.clone();
        params.remove("kind");
        params.remove("name");
        let value = serde_json::to_value(&params).map_err(|e| {
            solver_error(source, i, "kind", Target::Value, format!("cannot read the solver's parameters: {e}"))
        })?;
        let context = cascadelab_core::BuildContext { base_dir };
        let solver = entry
            .build_with(value.clone(), &context)
            .map_err(|message| locate_param_error(source, i, &params, &kind, &message))?;
        out.push(SolverPlan { name, kind: entry.kind(), params: value, solver });
    }
    Ok(out)
}

/// Places a registry entry's plain message (`unknown field \`x\`, expected ...`,
/// `key: message`, or a message naming a key in backticks) at the key it is about.
fn locate_param_error(source: &Source, i: usize, params: &toml::Table, kind: &str, message: &str) -> ConfigError {
    let mut message = message.trim().trim_end_matches('.');
    // serde_path_to_error prefixes the key an unknown field already names.
    if let Some((_, rest)) = message.split_once(": ")
        && rest.starts_with("unknown field `")
    {
        message = rest;
    }
    let full = format!("solver `{kind}`: {message}");
    let hint = "see `cascadelab solvers` for the parameters of every solver";
    if let Some((_, rest)) = message.split_once("unknown field `")
        && let Some(field) = rest.split('`').next()
    {
        return solver_error(source, i, field, Target::Key, full).with_hint(hint);
    }
    // serde_path_to_error's `key: message` or `key[2].sub: message`.
    if let Some((path, _)) = message.split_once(": ") {
        let first = path.split(['.', '[']).next().unwrap_or(path);
        if params.contains_key(first) {
            return solver_error(source, i, first, Target::Value, full).with_hint(hint);
        }
    }
    // The first key of the table named in backticks.
    for piece in message.split('`').skip(1).step_by(2) {
        if params.contains_key(piece) {
            return solver_error(source, i, piece, Target::Value, full).with_hint(hint);
        }
    }
    // A key named as a word (`grid-size must be at least 2`).
    let words: Vec<&str> = message.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')).collect();
    if let Some(key) = params.keys().find(|k| words.contains(&k.as_str())) {
        return solver_error(source, i, key, Target::Value, full).with_hint(hint);
    }
    solver_error(source, i, "kind", Target::Value, full).with_hint(hint)
}
