//! `cargo xtask <task>`: developer tasks that are not part of the `cascadelab` program.
//! One module per task; this file only dispatches.

use anyhow::{Result, bail};

mod docs;
mod quickstart;
mod reproduce;
mod schema;

const TASKS: &[(&str, &str)] = &[
    ("schema", "write schemas/experiment.schema.json from the experiment file types"),
    ("quickstart-data", "regenerate experiments/data/quickstart.csv from its synthetic specification"),
    ("docs", "write the solver table of README.md from the registry (--check: fail if stale)"),
    ("reproduce", "the paper's study on public data, its claims checked, Table 1 from its curves (REPORT.md)"),
];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(task) = args.first() else {
        usage();
        bail!("no task given");
    };
    let rest = &args[1..];
    match task.as_str() {
        "schema" => schema::run(rest),
        "quickstart-data" => quickstart::run(rest),
        "docs" => docs::run(rest),
        "reproduce" => reproduce::run(rest),
        "help" | "--help" | "-h" => {
            usage();
            Ok(())
        }
        other => {
            usage();
            bail!("unknown task `{other}`")
        }
    }
}

fn usage() {
    eprintln!("usage: cargo xtask <task> [args]\n\ntasks:");
    for (name, what) in TASKS {
        eprintln!("  {name:<18} {what}");
    }
}

/// The repository root (xtask lives one level below it).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent").to_path_buf()
}
