//! The `cascadelab` command-line program.
//!
//! Each subcommand lives in its own module under `cmd/` with its clap arguments;
//! this file only dispatches. Errors print as `error: ...` on stderr with exit code 1.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Exact cost-quality frontiers for LLM cascades and routers.
#[derive(Debug, Parser)]
#[command(name = "cascadelab", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Per-model statistics of a data file, its non-dominated pool and valid pairs.
    Inspect(cmd::inspect::Args),
    /// The exact pairwise envelope of a data file on the full sample (no split).
    Frontier(cmd::frontier::Args),
    /// Run an experiment file: held-out study, result files.
    Run(cmd::run::Args),
    /// Check an experiment file and its data without running anything.
    Validate(cmd::validate::Args),
    /// Print the JSON Schema of experiment files.
    Schema(cmd::schema::Args),
    /// List the registered solvers with their parameters.
    Solvers(cmd::solvers::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(a) => cmd::inspect::run(a),
        Command::Frontier(a) => cmd::frontier::run(a),
        Command::Run(a) => cmd::run::run(a),
        Command::Validate(a) => cmd::validate::run(a),
        Command::Schema(a) => cmd::schema::run(a),
        Command::Solvers(a) => cmd::solvers::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
