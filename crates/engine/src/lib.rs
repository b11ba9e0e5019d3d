//! The experiment engine: an experiment file (TOML) becomes a held-out study.
//!
//! Flow: [`experiment`] parses the file as written (unknown keys and wrong types
//! are errors with line and column) → [`Plan`] checks and resolves it, building
//! every solver through the explicit [`registry`] → [`Study`] loads the data and
//! draws the splits → [`results::run`] runs every split in parallel
//! ([`protocol`]: pool and solvers on calibration, every candidate evaluated on
//! calibration and test, `selected` and `test-envelope` curves on the common grid,
//! first-order diagnostics of the calibration frontiers, test AUROC of the
//! predictors) and aggregates ([`aggregate`]), with the full-sample theory
//! diagnostics ([`theory`]) → [`output`] writes the results directory atomically:
//! the curves, comparisons with the pairwise envelope and the router decomposition
//! ([`compare`]), other tools' metrics ([`literature`]), [`summary`] and [`plot`]s.
//!
//! Architecture invariant: the engine knows no solver's internals, only the
//! `Solver` trait and the registry; solvers never see test data.
#![deny(missing_docs)]

pub mod aggregate;
pub mod compare;
pub mod error;
pub mod experiment;
pub mod literature;
pub mod output;
pub mod plan;
pub mod plot;
pub mod protocol;
pub mod registry;
pub mod results;
pub mod split;
pub mod study;
pub mod summary;
pub mod theory;

pub use error::{ConfigError, EngineError};
pub use plan::{DataDir, Plan};
pub use results::{RunOptions, RunResults, run};
pub use study::Study;

/// The JSON Schema (draft-07) of experiment files, as committed in
/// `schemas/experiment.schema.json`.
pub fn experiment_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<experiment::ExperimentFile>();
    let mut value = schema.to_value();
    // `solvers` defaults to empty only so that an empty list gets the engine's own
    // message; a valid file has solvers.
    if let Some(serde_json::Value::Array(required)) = value.get_mut("required")
        && !required.iter().any(|r| r == "solvers")
    {
        required.push("solvers".into());
    }
    value
}

/// [`experiment_schema`] as pretty JSON with a final newline.
pub fn experiment_schema_json() -> String {
    let mut s = serde_json::to_string_pretty(&experiment_schema()).unwrap_or_default();
    s.push('\n');
    s
}

/// Loads, checks and dry-runs an experiment: the plan, the data, the splits, and
/// split 0 solved and evaluated (which catches solvers that cannot run on the
/// data). Returns the study and split 0's result.
pub fn validate(study: &Study) -> Result<protocol::SplitResult, EngineError> {
    protocol::run_split(study, 0).map_err(|e| locate(study, e))
}

/// A solver that cannot run on the data is a mistake in the experiment file: the
/// error points at that solver's `kind`.
pub(crate) fn locate(study: &Study, e: EngineError) -> EngineError {
    match e {
        EngineError::Unsupported { solver, kind, message } => {
            let Some(i) = study.plan.solvers.iter().position(|s| s.name == solver) else {
                return EngineError::Unsupported { solver, kind, message };
            };
            let path = error::KeyPath::key("solvers").at(i).then("kind");
            EngineError::Config(study.plan.source.error_at(
                &path,
                error::Target::Value,
                format!("solver `{solver}` cannot run on this data: {message}"),
            ))
        }
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                toml_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p);
            }
        }
    }

    #[test]
    fn committed_schema_is_up_to_date() {
        let path = repo().join("schemas/experiment.schema.json");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == super::experiment_schema_json(),
            "schemas/experiment.schema.json is stale: run `cargo xtask schema`"
        );
    }

    fn validator() -> jsonschema::Validator {
        let schema = super::experiment_schema();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        jsonschema::draft7::new(&schema).expect("the schema compiles")
    }

    fn instance(path: &Path) -> serde_json::Value {
        let text = std::fs::read_to_string(path).unwrap();
        let value: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::to_value(value).unwrap()
    }

    #[test]
    fn every_experiment_file_matches_the_schema() {
        let validator = validator();
        let mut files = Vec::new();
        toml_files(&repo().join("experiments"), &mut files);
        let fixtures = repo().join("tests/fixtures/experiments");
        files.push(fixtures.join("tiny.toml"));
        assert!(files.iter().any(|f| f.ends_with("quickstart.toml")), "experiments/quickstart.toml is missing");
        for f in &files {
            let errors: Vec<String> =
                validator.iter_errors(&instance(f)).map(|e| format!("{e} at {}", e.instance_path())).collect();
            assert!(errors.is_empty(), "{}: {}", f.display(), errors.join("; "));
        }
    }

    #[test]
    fn the_schema_rejects_what_the_parser_rejects() {
        let validator = validator();
        let bad = repo().join("tests/fixtures/experiments/bad");
        for name in [
            "typo-key",
            "unknown-top-level-key",
            "unknown-data-key",
            "unknown-models-key",
            "unknown-report-key",
            "wrong-type",
            "unknown-solver-kind",
            "unknown-solver-param",
            "bad-solver-param-value",
            "missing-solver-kind",
            "version-2",
            "version-string",
            "no-solvers",
            "missing-version",
            "unknown-output",
            "bad-stratify",
            "calibration-fraction-out-of-range",
            "zero-repeats",
        ] {
            let v = instance(&bad.join(format!("{name}.toml")));
            assert!(!validator.is_valid(&v), "the schema accepts bad/{name}.toml");
        }
    }
}
