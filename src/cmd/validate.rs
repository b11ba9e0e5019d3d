//! `cascadelab validate` (not implemented yet).

/// Arguments of `cascadelab validate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cascadelab validate` is not implemented yet")
}
