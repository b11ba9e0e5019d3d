//! `cascadelab inspect` (not implemented yet).

/// Arguments of `cascadelab inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cascadelab inspect` is not implemented yet")
}
