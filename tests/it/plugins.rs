//! Solver plugins through the `cascadelab` program: the example FrugalGPT plugin,
//! built and loaded at run time, runs in an experiment beside a built-in solver and
//! proposes the same policies as the same code linked statically (and as its Rust
//! and Python command versions); every broken plugin gets its own clear error from
//! `cascadelab validate` or `run`, never a crash.
//!
//! The plugin crates are built by `cargo build` into `<target>/plugins` (the outer
//! `cargo test` holds the lock of the shared target directory), once per test binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use cascadelab_core::{Context, Dataset, ModelColumns, NullObserver, Policy, Pool, Problem, Solver};
use frugalgpt_plugin::{FrugalGpt, FrugalGptParams};
use serde_json::Value;

use crate::util;

/// `<target>/plugins`.
fn plugins_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("plugins")
}

/// The platform's file name of library `name` (`libname.so` on Linux).
fn library_file(name: &str) -> String {
    format!("{}{name}{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX)
}

/// Builds the crate at `manifest` (relative to the repository root) once.
fn build(manifest: &'static str) {
    static BUILT: OnceLock<std::sync::Mutex<Vec<&'static str>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if built.contains(&manifest) {
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--quiet", "--manifest-path"])
        .arg(util::root().join(manifest))
        .arg("--target-dir")
        .arg(plugins_target())
        .output()
        .expect("run cargo");
    assert!(out.status.success(), "building {manifest} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    built.push(manifest);
}

/// The built library `name`, copied into `dir`.
fn copy_library(manifest: &'static str, name: &str, dir: &Path) {
    build(manifest);
    let file = library_file(name);
    std::fs::copy(plugins_target().join("debug").join(&file), dir.join(&file)).expect("copy the plugin library");
}

/// Writes fixture template `name` into `dir` with its placeholders replaced.
fn write_experiment(dir: &Path, name: &str, replace: &[(&str, String)]) -> PathBuf {
    let mut text = std::fs::read_to_string(util::fixtures("plugins").join(name)).unwrap();
    text = text.replace("@ROOT@", &util::root().display().to_string());
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn cascadelab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cascadelab"))
        .args(args)
        .current_dir(dir)
        .env_remove("CASCADELAB_DATA_DIR")
        .output()
        .expect("run cascadelab")
}

fn python3() -> bool {
    Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// The quickstart data as the engine reads it (long CSV: queries and models in
/// order of first appearance), parsed by hand.
fn quickstart() -> Dataset {
    let text = std::fs::read_to_string(util::root().join("experiments/data/quickstart.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (qid, model, correct, confidence, cost) =
        (col("query_id"), col("model"), col("correct"), col("confidence"), col("cost"));
    let mut queries: Vec<String> = Vec::new();
    let mut models: Vec<ModelColumns> = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if queries.last().map(String::as_str) != Some(f[qid]) {
            queries.push(f[qid].to_string());
        }
        let m = match models.iter().position(|m| m.name == f[model]) {
            Some(m) => m,
            None => {
                let name = f[model].to_string();
                models.push(ModelColumns { name, quality: vec![], confidence: Some(vec![]), cost: vec![] });
                models.len() - 1
            }
        };
        models[m].quality.push(f[correct].parse().unwrap());
        models[m].confidence.as_mut().unwrap().push(f[confidence].parse().unwrap());
        models[m].cost.push(f[cost].parse().unwrap());
    }
    Dataset::new(queries, None, models, None).unwrap()
}

/// Calibration positions of each split in `splits.csv`, ascending.
fn calibration_sets(splits_csv: &str, data: &Dataset) -> Vec<Vec<usize>> {
    let mut sets: Vec<Vec<usize>> = Vec::new();
    for line in splits_csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let split: usize = f[0].parse().unwrap();
        if sets.len() <= split {
            sets.resize(split + 1, Vec::new());
        }
        if f[2] == "calibration" {
            sets[split].push(data.query_ids.iter().position(|q| q == f[1]).unwrap());
        }
    }
    for s in &mut sets {
        s.sort_unstable();
    }
    sets
}

/// `(candidates, frontier policies)` of solver `name` on split `split` in `policies.json`.
fn solver_curve(policies: &Value, split: usize, name: &str) -> (u64, Vec<Policy>) {
    let solver = policies["splits"][split]["solvers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["solver"] == name)
        .unwrap_or_else(|| panic!("no solver `{name}` in policies.json"));
    let curve = &solver["curves"][0];
    let frontier = curve["frontier"].as_array().unwrap();
    let policies = frontier.iter().map(|e| serde_json::from_value(e["policy"].clone()).unwrap()).collect();
    (curve["candidates"].as_u64().unwrap(), policies)
}

#[test]
fn the_frugalgpt_plugin_runs_in_an_experiment_with_the_policies_of_the_statically_linked_solver() {
    let dir = tempfile::tempdir().unwrap();
    copy_library("examples/plugins/frugalgpt/Cargo.toml", "frugalgpt_plugin", dir.path());
    let stdio = plugins_target().join("debug").join(format!("frugalgpt-stdio{}", std::env::consts::EXE_SUFFIX));
    let experiment = write_experiment(dir.path(), "frugalgpt.toml", &[("@STDIO@", stdio.display().to_string())]);
    let with_python = python3();
    if !with_python {
        eprintln!("SKIPPED the Python command plugin (frugalgpt-py): python3 is not installed");
        let text = std::fs::read_to_string(&experiment).unwrap();
        let (head, rest) = text.split_once("# python:begin").unwrap();
        let (_, tail) = rest.split_once("# python:end").unwrap();
        std::fs::write(&experiment, format!("{head}{tail}")).unwrap();
    }

    let out = dir.path().join("out");
    let o = cascadelab(dir.path(), &["run", experiment.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "cascadelab run failed:\n{}", util::stderr(&o));

    let policies: Value = serde_json::from_slice(&std::fs::read(out.join("policies.json")).unwrap()).unwrap();
    let data = quickstart();
    let sets = calibration_sets(&std::fs::read_to_string(out.join("splits.csv")).unwrap(), &data);
    assert_eq!(sets.len(), 2);
    let solver = FrugalGpt::new(FrugalGptParams { max_len: 3, grid: 6, ..Default::default() }).unwrap();
    for (split, cal) in sets.iter().enumerate() {
        // The same code linked statically, on the engine's calibration set.
        let pool = Pool::new(&data, cal);
        let mut observer = NullObserver;
        let mut ctx = Context { seed: 0, split, observer: &mut observer };
        let expected =
            solver.propose(&Problem { data: &data, calibration: cal, pool: &pool }, &mut ctx).unwrap().families;
        let expected = &expected[0].policies;

        let (candidates, frontier) = solver_curve(&policies, split, "frugalgpt");
        assert_eq!(candidates as usize, expected.len(), "split {split}: the plugin proposed other candidates");
        assert!(frontier.len() >= 3, "split {split}: a trivial frontier");
        assert!(frontier.iter().any(|p| matches!(p, Policy::Cascade { .. })));
        for p in &frontier {
            assert!(expected.contains(p), "split {split}: {} is not a statically proposed policy", p.describe());
        }
        // Loaded as a library, run as a Rust or a Python program: the same.
        let mut others = vec!["frugalgpt-rs"];
        if with_python {
            others.push("frugalgpt-py");
        }
        for other in others {
            assert_eq!(solver_curve(&policies, split, other), (candidates, frontier.clone()), "split {split}: {other}");
        }
    }
    // Its results sit in the same report as the built-in solver's.
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("frugalgpt") && summary.contains("pairwise"), "{summary}");
}

/// Runs `command` (`validate` or `run`) on the broken-plugin template with `solver`
/// as the plugin's table; returns stderr after checking that the program failed
/// with an error (exit code 1), not a crash.
fn broken_run(command: &str, solver: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    copy_library("tests/fixtures/plugins/broken/Cargo.toml", "broken_plugin", dir.path());
    copy_library("tests/fixtures/plugins/abi-mismatch/Cargo.toml", "abi_mismatch_plugin", dir.path());
    copy_library("tests/fixtures/plugins/missing-symbol/Cargo.toml", "missing_symbol_plugin", dir.path());
    let fixtures = util::fixtures("plugins").display().to_string();
    let experiment =
        write_experiment(dir.path(), "broken.toml", &[("@SOLVER@", solver.replace("@FIXTURES@", &fixtures))]);
    let mut args = vec![command, experiment.to_str().unwrap()];
    let out = dir.path().join("out");
    if command == "run" {
        args.extend(["--out", out.to_str().unwrap(), "--quiet"]);
    }
    let o = cascadelab(dir.path(), &args);
    let stderr = util::stderr(&o);
    assert_eq!(o.status.code(), Some(1), "`cascadelab {command}` should fail with an error; stderr:\n{stderr}");
    assert!(!out.exists(), "a failed run wrote results");
    stderr
}

/// Asserts that `haystack` contains every needle.
fn contains_all(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(haystack.contains(n), "expected {n:?} in:\n{haystack}");
    }
}

#[test]
fn a_missing_library_is_reported_by_validate() {
    let err = broken_run("validate", r#"path = "no_such_plugin""#);
    contains_all(&err, &["plugin library `", &library_file("no_such_plugin"), "` not found"]);
}

#[test]
fn a_file_that_is_not_a_library_is_reported_by_validate() {
    let err = broken_run("validate", r#"path = '@FIXTURES@/not-a-library.so'"#);
    contains_all(&err, &["not-a-library.so` is not a loadable library"]);
}

#[test]
fn a_missing_symbol_is_named_by_validate() {
    let err = broken_run("validate", r#"path = "missing_symbol_plugin""#);
    contains_all(&err, &["has no symbol `cascadelab_plugin_free`"]);
}

#[test]
fn an_abi_mismatch_is_reported_with_both_versions_by_validate() {
    let err = broken_run("validate", r#"path = "abi_mismatch_plugin""#);
    contains_all(&err, &["speaks plugin ABI version 999, this cascadelab speaks version 1"]);
}

#[test]
fn a_panicking_plugin_is_an_error_not_a_crash() {
    let err = broken_run("run", "path = \"broken_plugin\"\nparams = { misbehave = \"panic\" }");
    contains_all(&err, &["plugin `broken` reported an error: plugin panicked: deliberate panic in the broken plugin"]);
}

#[test]
fn non_utf8_plugin_output_is_an_error() {
    let err = broken_run("run", "path = \"broken_plugin\"\nparams = { misbehave = \"non-utf8\" }");
    contains_all(&err, &["plugin `broken`: output is not UTF-8 (invalid byte at offset 27)", r"\xff\xfe"]);
}

#[test]
fn malformed_plugin_output_is_an_error() {
    let err = broken_run("run", "path = \"broken_plugin\"\nparams = { misbehave = \"malformed-json\" }");
    contains_all(&err, &["plugin `broken`: malformed output: not JSON", r#"{\"families\": [oops"#]);
}

#[test]
fn a_policy_on_an_unknown_model_is_an_error_naming_the_plugin_and_the_policy() {
    let err = broken_run("run", "path = \"broken_plugin\"\nparams = { misbehave = \"unknown-model\" }");
    contains_all(
        &err,
        &[
            "plugin `broken` proposed an invalid policy at families[0].policies[0] (no-such-model): unknown model `no-such-model`",
        ],
    );
}

#[test]
fn a_nan_threshold_is_an_error_naming_the_plugin_and_the_policy() {
    let err = broken_run("run", "path = \"broken_plugin\"\nparams = { misbehave = \"nan-threshold\" }");
    contains_all(
        &err,
        &["plugin `broken` proposed an invalid policy at families[0].policies[1]", "threshold 1 is NaN"],
    );
}

#[test]
fn a_command_plugin_that_exits_non_zero_shows_its_stderr() {
    let err = broken_run("run", r#"command = ["sh", '@FIXTURES@/exit3.sh']"#);
    contains_all(&err, &["exited with status 3", "| error: the solver cannot handle this split"]);
}

#[test]
fn a_command_plugin_that_hangs_is_killed_at_the_experiments_timeout() {
    let err = broken_run("run", "command = [\"sh\", '@FIXTURES@/sleep.sh']\ntimeout-seconds = 1");
    contains_all(&err, &["exceeded its timeout of 1 s and was killed"]);
}

#[test]
fn a_command_plugin_printing_garbage_is_an_error() {
    let err = broken_run("run", r#"command = ["sh", '@FIXTURES@/garbage.sh']"#);
    contains_all(&err, &["malformed output: not JSON", "it begins \"Traceback? no: just some text"]);
}
