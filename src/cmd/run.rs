//! `cascadelab run`: an experiment file → a results directory.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use cascadelab_engine::plan::SplitPlan;
use cascadelab_engine::{Plan, RunOptions, Study, output};

/// Arguments of `cascadelab run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The experiment file (TOML).
    pub experiment: PathBuf,
    /// Results directory [default: results/<experiment file stem>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Replace an existing results directory (once the new one is complete).
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no closing message.
    #[arg(long)]
    pub quiet: bool,
    /// Directory that `${data_dir}` in the experiment stands for [default:
    /// $CASCADELAB_DATA_DIR, else ../shared/data beside the repository].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Also write the splits drawn to FILE (CSV `split,query_id,role`), usable as
    /// `[split] file = ...`.
    #[arg(long, value_name = "FILE")]
    pub write_splits: Option<PathBuf>,
    /// Draw N random splits instead of the experiment's `[split] repeats` (random
    /// splits only), for tests and quick runs; split i keeps seed + i, so the first
    /// N splits are those of the full study.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub repeats: Option<u32>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut plan = Plan::from_file(&args.experiment, args.data_dir.as_deref())?;
    if let Some(n) = args.repeats {
        match &mut plan.split {
            SplitPlan::Random { repeats, .. } => *repeats = n as usize,
            _ => {
                anyhow::bail!("--repeats applies to random splits only; {} sets its splits", args.experiment.display())
            }
        }
    }
    let target = args.out.clone().unwrap_or_else(|| output::default_target(&args.experiment));
    // Refuse before the work, not after it.
    output::check_target(&target, args.force)?;
    let study = Study::load(plan)?;
    if !args.quiet {
        for note in &study.loaded.notes {
            eprintln!("note: {note}");
        }
    }
    if let Some(path) = &args.write_splits {
        let bytes = cascadelab_engine::split::write_splits(&study.splits, study.data());
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let options = RunOptions { threads: args.threads.map(usize::from), progress: !args.quiet };
    let results = cascadelab_engine::run(&study, &options)?;
    let files = output::result_files(&study, &results)?;
    output::write_dir(&target, args.force, &files)?;
    if !args.quiet {
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        eprintln!(
            "wrote {} ({}, {}, {:.1}s)",
            target.display(),
            plural(study.splits.len(), "split"),
            plural(study.plan.solvers.len(), "solver"),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
