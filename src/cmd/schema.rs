//! `cascadelab schema` (not implemented yet).

/// Arguments of `cascadelab schema`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cascadelab schema` is not implemented yet")
}
