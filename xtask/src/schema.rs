//! `cargo xtask schema`: writes `schemas/experiment.schema.json` from the experiment
//! file types and the solver registry. A test of the engine fails when the committed
//! file is stale.

/// Runs the task.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    if let Some(extra) = args.first() {
        anyhow::bail!("`cargo xtask schema` takes no argument, got `{extra}`");
    }
    let path = crate::repo_root().join("schemas/experiment.schema.json");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let schema = cascadelab_engine::experiment_schema_json();
    let unchanged = std::fs::read_to_string(&path).is_ok_and(|old| old == schema);
    std::fs::write(&path, schema)?;
    eprintln!("{} {}", if unchanged { "unchanged:" } else { "wrote" }, path.display());
    Ok(())
}
