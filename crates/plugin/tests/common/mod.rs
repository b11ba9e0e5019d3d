//! Helpers of the plugin tests: building the plugin crates (once per test binary,
//! into their own target directory, since the outer `cargo test` holds the lock of
//! the shared one) and a small problem on the quickstart data.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use cascadelab_plugin::core::{Dataset, ModelColumns, Pool};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `tests/fixtures/plugins`.
pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures/plugins")
}

/// The target directory of the plugins built by tests: `<target>/plugins`.
pub fn plugins_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("plugins")
}

/// Builds the crate at `manifest` (relative to the repository root) and returns
/// the path of its library `lib_name`.
fn build(manifest: &str, lib_name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").ok().or(option_env!("CARGO").map(String::from)).unwrap_or("cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--quiet", "--manifest-path"])
        .arg(root().join(manifest))
        .arg("--target-dir")
        .arg(plugins_target())
        .output()
        .expect("run cargo");
    assert!(out.status.success(), "building {manifest} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let lib = plugins_target().join("debug").join(libloading::library_filename(lib_name));
    assert!(lib.is_file(), "{} was not built", lib.display());
    lib
}

macro_rules! built_once {
    ($(#[$doc:meta])* $fn:ident, $manifest:literal, $lib:literal) => {
        $(#[$doc])*
        pub fn $fn() -> PathBuf {
            static PATH: OnceLock<PathBuf> = OnceLock::new();
            PATH.get_or_init(|| build($manifest, $lib)).clone()
        }
    };
}

built_once!(
    /// The example FrugalGPT plugin library (its `frugalgpt-stdio` program is built too).
    frugalgpt_library,
    "examples/plugins/frugalgpt/Cargo.toml",
    "frugalgpt_plugin"
);
built_once!(
    /// The library that misbehaves as `params.misbehave` says.
    broken_library,
    "tests/fixtures/plugins/broken/Cargo.toml",
    "broken_plugin"
);
built_once!(
    /// A library reporting ABI version 999.
    abi_mismatch_library,
    "tests/fixtures/plugins/abi-mismatch/Cargo.toml",
    "abi_mismatch_plugin"
);
built_once!(
    /// A library without `cascadelab_plugin_free`.
    missing_symbol_library,
    "tests/fixtures/plugins/missing-symbol/Cargo.toml",
    "missing_symbol_plugin"
);

/// The example's command-plugin program.
pub fn frugalgpt_stdio() -> PathBuf {
    frugalgpt_library();
    plugins_target().join("debug").join(format!("frugalgpt-stdio{}", std::env::consts::EXE_SUFFIX))
}

/// The quickstart data (long CSV layout), read by hand so that these tests do not
/// depend on the data crate.
pub fn quickstart() -> Dataset {
    let text = std::fs::read_to_string(root().join("experiments/data/quickstart.csv")).expect("quickstart data");
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
                models.push(ModelColumns {
                    name: f[model].into(),
                    quality: vec![],
                    confidence: Some(vec![]),
                    cost: vec![],
                });
                models.len() - 1
            }
        };
        let m = &mut models[m];
        m.quality.push(f[correct].parse().unwrap());
        m.confidence.as_mut().unwrap().push(f[confidence].parse().unwrap());
        m.cost.push(f[cost].parse().unwrap());
    }
    Dataset::new(queries, None, models, None).unwrap()
}

/// A calibration set: every other query.
pub fn calibration(data: &Dataset) -> Vec<usize> {
    (0..data.n_queries()).step_by(2).collect()
}

/// The pool on `cal`.
pub fn pool(data: &Dataset, cal: &[usize]) -> Pool {
    Pool::new(data, cal)
}
