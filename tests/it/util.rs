//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/<area>`.
pub fn fixtures(area: &str) -> PathBuf {
    root().join("tests/fixtures").join(area)
}

/// The shared real data (`../shared/data`), if present.
pub fn shared_data() -> Option<PathBuf> {
    let p = root().join("../shared/data");
    p.is_dir().then_some(p)
}

/// Runs the built `cascadelab` binary with `args` in `dir`.
pub fn cascadelab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cascadelab")).args(args).current_dir(dir).output().expect("run cascadelab")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text, with the repository root replaced by `[ROOT]` so snapshots do
/// not depend on where the checkout lives.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).replace(&root().display().to_string(), "[ROOT]")
}
