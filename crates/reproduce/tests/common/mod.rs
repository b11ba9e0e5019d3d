//! Shared by the tests: where the public data is.

use std::path::PathBuf;

/// `../shared/data` beside the repository, if it holds the zellinger files.
#[allow(dead_code)]
pub fn zellinger_data() -> Option<PathBuf> {
    let dir = cascadelab_reproduce::repo_root().join("../shared/data");
    let ok = cascadelab_reproduce::sources::BENCHES
        .iter()
        .flat_map(|b| cascadelab_reproduce::sources::bench_files(b))
        .all(|f| dir.join(f).is_file());
    if ok {
        Some(dir)
    } else {
        println!("skipped: the zellinger data is not in {}", dir.display());
        None
    }
}

/// `../shared/data/paper_curves`, if present.
#[allow(dead_code)]
pub fn paper_curves() -> Option<PathBuf> {
    let dir = cascadelab_reproduce::repo_root().join("../shared/data/paper_curves");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: {} not found", dir.display());
        None
    }
}
