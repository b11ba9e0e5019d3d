//! The error message of every bad-data fixture in `tests/fixtures/data/`, one
//! snapshot per fixture (see the folder's README.md for the cases).
//!
//! A data file is loaded with `load_path` (detection as `cascadelab inspect FILE`);
//! a `.toml` file holds a `[data]` section (and optional `[[models]]`) read with
//! `load`, relative to the fixture folder, without a data dir. Paths in messages are
//! made relative to the repository root.

mod common;

use std::path::{Path, PathBuf};

use cascadelab_data::{DataSpec, LoadContext, ModelSpec, load, load_path};
use serde::Deserialize;

/// A fixture `.toml`: a `[data]` section and the experiment's `[[models]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    data: DataSpec,
    #[serde(default)]
    models: Vec<ModelSpec>,
}

fn fixtures() -> PathBuf {
    common::repo_root().join("tests/fixtures/data")
}

/// The message a fixture produces, with the repository root stripped.
fn message(path: &Path) -> String {
    let result = if path.extension().is_some_and(|e| e == "toml") {
        let text = std::fs::read_to_string(path).unwrap();
        let case: Case = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let dir = path.parent().unwrap();
        load(&case.data, &LoadContext { base_dir: dir, data_dir: None, models: &case.models })
    } else {
        load_path(path)
    };
    match result {
        Ok(l) => panic!("{} loaded without error ({} queries)", path.display(), l.dataset.n_queries()),
        Err(e) => e.to_string().replace(&format!("{}/", common::repo_root().display()), ""),
    }
}

/// Generated binary fixtures, written when absent (delete one to regenerate it).
fn ensure_generated_fixtures() {
    let p = fixtures().join("quality_out_of_range.parquet");
    if !p.exists() {
        common::write_quality_out_of_range_parquet(&p);
    }
}

#[test]
fn every_bad_fixture_gives_its_snapshotted_message() {
    ensure_generated_fixtures();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "expected the whole fixture set, found {} cases", cases.len());
    let readme = std::fs::read_to_string(fixtures().join("README.md")).unwrap();
    let mut failed = Vec::new();
    for case in &cases {
        let file = case.file_name().unwrap().to_string_lossy().into_owned();
        assert!(readme.contains(&format!("`{file}`")), "{file} is not listed in tests/fixtures/data/README.md");
        let name = file.replace('.', "_");
        let msg = message(case);
        let outcome = std::panic::catch_unwind(|| {
            insta::with_settings!({ description => format!("tests/fixtures/data/{file}"), omit_expression => true }, {
                insta::assert_snapshot!(name, msg);
            });
        });
        if outcome.is_err() {
            failed.push(file);
        }
    }
    assert!(failed.is_empty(), "snapshots differ for: {failed:?}");
}
