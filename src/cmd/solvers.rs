//! `cascadelab solvers`: every registered solver with its parameters, from the
//! engine's registry (the one list that also drives parsing and the schema).

use cascadelab_engine::registry;

/// Arguments of `cascadelab solvers`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print Markdown tables (for the documentation).
    #[arg(long)]
    pub markdown: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.markdown {
        print!("{}", registry::markdown(registry::SOLVERS));
    } else {
        print!("{}", registry::text(registry::SOLVERS));
    }
    Ok(())
}
