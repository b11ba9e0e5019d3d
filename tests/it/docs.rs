//! The docs say what the program does: README.md's solver table is the registry's,
//! and its two quickstart commands are the ones CI and users run.

use crate::util::{cascadelab, root, stdout};

#[test]
fn readme_solver_table_is_the_registry() {
    let out = cascadelab(&root(), &["solvers", "--markdown"]);
    assert!(out.status.success());
    let table = stdout(&out);
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme.find("<!-- solvers:start -->").expect("start marker") + "<!-- solvers:start -->".len();
    let end = readme.find("<!-- solvers:end -->").expect("end marker");
    assert_eq!(readme[start..end].trim(), table.trim(), "README.md's solver table is stale: run `cargo xtask docs`");
}

#[test]
fn readme_test_command_is_what_ci_runs() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let ci = std::fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    let command = "cargo test --workspace --locked";
    assert!(readme.contains(&format!("```sh\n{command}\n```")), "README.md must give `{command}`");
    assert!(ci.lines().any(|l| l.trim() == command), ".ci/run must run the README's test command `{command}`");
}

#[test]
fn readme_quickstart_experiment_exists_and_validates() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    assert!(readme.contains("cargo run --release -- run experiments/quickstart.toml"));
    let out = cascadelab(&root(), &["validate", "experiments/quickstart.toml"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
