//! `cascadelab run` (not implemented yet).

/// Arguments of `cascadelab run`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cascadelab run` is not implemented yet")
}
