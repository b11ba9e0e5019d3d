//! `cascadelab frontier` (not implemented yet).

/// Arguments of `cascadelab frontier`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cascadelab frontier` is not implemented yet")
}
