//! `cascadelab schema`: prints the JSON Schema (draft-07) of experiment files, the
//! one committed as `schemas/experiment.schema.json` (point an editor at it).

/// Arguments of `cascadelab schema`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    print!("{}", cascadelab_engine::experiment_schema_json());
    Ok(())
}
