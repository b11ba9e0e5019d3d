//! `cascadelab solvers` (not implemented yet).

/// Arguments of `cascadelab solvers`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cascadelab solvers` is not implemented yet")
}
