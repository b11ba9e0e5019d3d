//! Bad experiment files: one fixture per mistake in `tests/fixtures/experiments/bad/`,
//! one snapshot of `cascadelab validate`'s message per fixture. Every message must
//! name the file (and line and column where there is one).

use std::process::Command;

use crate::util;

fn validate(file: &str) -> (bool, String) {
    let dir = util::fixtures("experiments/bad");
    let out = Command::new(env!("CARGO_BIN_EXE_cascadelab"))
        .args(["validate", file])
        .current_dir(&dir)
        .env_remove("CASCADELAB_DATA_DIR")
        .output()
        .expect("run cascadelab");
    (out.status.success(), util::stderr(&out))
}

#[test]
fn every_bad_experiment_file_gets_a_located_error() {
    let dir = util::fixtures("experiments/bad");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "expected the whole set of bad fixtures, found {}", files.len());
    for file in &files {
        let (ok, stderr) = validate(file);
        assert!(!ok, "{file} was accepted");
        assert!(stderr.starts_with("error: "), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        let stem = file.trim_end_matches(".toml");
        // The message names the experiment file, or the splits file it points to.
        assert!(stderr.contains(stem) || stderr.contains(".csv"), "{file}: {stderr}");
        insta::assert_snapshot!(format!("experiment_error__{stem}"), stderr);
    }
}
