//! The solver contract.
//!
//! As in argmin's Solver/Executor split, a solver only proposes: it receives the
//! calibration queries of one split with the pool computed on them, and returns
//! candidate policies. The engine owns the loop over splits, the seeds, threads,
//! progress and files, and evaluates every candidate itself, on calibration and on
//! held-out data. Solvers never read files or print; what they want to report goes
//! to the [`Observer`] as key-values.
//!
//! A solver crate exposes one [`SolverEntry`] (usually a [`Entry`] static), and the
//! engine's registry lists the entries: that one list drives parsing, the help text,
//! the schema and the docs.

use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Dataset, Policy, Pool, Predictors};

/// What a solver is given for one split.
#[derive(Debug, Clone, Copy)]
pub struct Problem<'a> {
    /// The whole dataset; solvers may only look at the `calibration` queries.
    pub data: &'a Dataset,
    /// Query positions of the calibration set.
    pub calibration: &'a [usize],
    /// The non-dominated pool and valid pairs, computed on calibration.
    pub pool: &'a Pool,
}

/// Receives what a solver reports while it works (iterations, objective values).
pub trait Observer {
    /// One key-value from the named solver.
    fn observe(&mut self, key: &str, value: f64);
}

/// An observer that drops everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullObserver;

impl Observer for NullObserver {
    fn observe(&mut self, _key: &str, _value: f64) {}
}

/// The run-time context the engine hands a solver.
pub struct Context<'a> {
    /// Seed for any randomness; the engine derives it from the experiment seed, the
    /// split and the solver, so results do not depend on thread scheduling.
    pub seed: u64,
    /// Index of the split being solved.
    pub split: usize,
    /// Where reports go.
    pub observer: &'a mut dyn Observer,
}

impl<'a> Context<'a> {
    /// A context with a seed and an observer, for split 0.
    pub fn new(seed: u64, observer: &'a mut dyn Observer) -> Self {
        Self { seed, split: 0, observer }
    }
}

/// A named group of candidate policies; the engine draws one curve per family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyFamily {
    /// Family name within the solver; empty for the solver's main family, so that
    /// curves are labelled `solver` or `solver/family`.
    pub name: String,
    /// Candidate policies (not necessarily non-dominated: the engine selects).
    pub policies: Vec<Policy>,
}

/// What a solver returns for one split.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Proposal {
    /// Candidate families.
    pub families: Vec<PolicyFamily>,
    /// Predictors the policies refer to by id.
    #[serde(default)]
    pub predictors: Predictors,
}

impl Proposal {
    /// A proposal with one unnamed family.
    pub fn single(policies: Vec<Policy>) -> Self {
        Self { families: vec![PolicyFamily { name: String::new(), policies }], predictors: Predictors::new() }
    }
}

/// Why a solver could not propose.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolverError {
    /// The data lacks something the solver needs (e.g. confidence, features).
    #[error("{0}")]
    Unsupported(String),
    /// The solver failed.
    #[error("{0}")]
    Failed(String),
}

/// A cascade or routing method.
pub trait Solver: Send + Sync {
    /// Candidate policies fit on `problem.calibration`.
    fn propose(&self, problem: &Problem<'_>, ctx: &mut Context<'_>) -> Result<Proposal, SolverError>;
}

/// What the engine knows when it builds a solver from an experiment file.
#[derive(Debug, Clone, Copy)]
pub struct BuildContext<'a> {
    /// Directory of the experiment file; relative paths in parameters resolve here.
    pub base_dir: &'a std::path::Path,
}

/// One parameter of a solver, for help text and docs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamDoc {
    /// Key as written in the experiment file.
    pub name: String,
    /// JSON type(s) expected.
    pub kind: String,
    /// Default value, as JSON, if any.
    pub default: Option<String>,
    /// What the parameter does (its doc comment).
    pub description: String,
}

/// A registry entry: how to build a solver from its experiment-file parameters.
pub trait SolverEntry: Sync {
    /// The `kind` written in `[[solvers]]`.
    fn kind(&self) -> &'static str;
    /// One line saying what the solver does.
    fn summary(&self) -> &'static str;
    /// JSON Schema of the parameters table (without `kind`).
    fn params_schema(&self, generator: &mut SchemaGenerator) -> Schema;
    /// Checks the parameters and builds the solver. Errors are plain messages; the
    /// engine adds file, line and key.
    fn build(&self, params: serde_json::Value) -> Result<Box<dyn Solver>, String>;

    /// Builds with knowledge of where the experiment file lives, for solvers whose
    /// parameters name files (plugins). Most solvers need no context.
    fn build_with(&self, params: serde_json::Value, _ctx: &BuildContext<'_>) -> Result<Box<dyn Solver>, String> {
        self.build(params)
    }

    /// Parameters as documented in the schema.
    fn params_doc(&self) -> Vec<ParamDoc> {
        let schema = self.params_schema(&mut schemars::generate::SchemaSettings::draft07().into_generator());
        params_doc_from_schema(&schema)
    }
}

/// The usual [`SolverEntry`]: parameters are a serde type with a schema, checked by
/// `build`.
pub struct Entry<P> {
    kind: &'static str,
    summary: &'static str,
    build: fn(P) -> Result<Box<dyn Solver>, String>,
    params: PhantomData<fn() -> P>,
}

impl<P> Entry<P> {
    /// An entry for solver `kind` whose parameters deserialize into `P`.
    pub const fn new(
        kind: &'static str,
        summary: &'static str,
        build: fn(P) -> Result<Box<dyn Solver>, String>,
    ) -> Self {
        Self { kind, summary, build, params: PhantomData }
    }
}

impl<P: DeserializeOwned + JsonSchema> SolverEntry for Entry<P> {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn params_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.root_schema_for::<P>()
    }
    fn build(&self, params: serde_json::Value) -> Result<Box<dyn Solver>, String> {
        (self.build)(deserialize_params(params)?)
    }
}

/// Deserializes parameters; a nested error names its key path (`a.b[2]: ...`).
pub fn deserialize_params<P: DeserializeOwned>(v: serde_json::Value) -> Result<P, String> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        if path == "." { e.inner().to_string() } else { format!("{path}: {}", e.inner()) }
    })
}

/// Reads name, type, default and description of each top-level property.
pub fn params_doc_from_schema(schema: &Schema) -> Vec<ParamDoc> {
    let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, p)| ParamDoc {
            name: name.clone(),
            kind: schema_type(p, schema),
            default: p.get("default").map(|d| d.to_string()),
            description: p.get("description").and_then(|d| d.as_str()).unwrap_or("").trim().to_string(),
        })
        .collect()
}

fn schema_type(p: &serde_json::Value, root: &Schema) -> String {
    if let Some(t) = p.get("type") {
        return match t {
            serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(" | "),
            v => v.as_str().unwrap_or("any").to_string(),
        };
    }
    if let Some(values) = p.get("enum").and_then(|e| e.as_array()) {
        return values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" | ");
    }
    if let Some(r) = p.get("$ref").and_then(|r| r.as_str()) {
        let name = r.rsplit('/').next().unwrap_or(r);
        if let Some(def) = root.get("definitions").or_else(|| root.get("$defs")).and_then(|d| d.get(name)) {
            return schema_type(def, root);
        }
        return name.to_string();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alts) = p.get(key).and_then(|a| a.as_array()) {
            return alts.iter().map(|a| schema_type(a, root)).collect::<Vec<_>>().join(" | ");
        }
    }
    if let Some(c) = p.get("const") {
        return c.to_string();
    }
    "any".into()
}
