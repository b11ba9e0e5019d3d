//! `cascadelab validate`: checks an experiment file and its data, draws the splits
//! and dry-runs the solvers on split 0; writes nothing.

use std::path::PathBuf;

use cascadelab_engine::study::SplitOrigin;
use cascadelab_engine::{Plan, Study};

/// Arguments of `cascadelab validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The experiment file (TOML).
    pub experiment: PathBuf,
    /// Directory that `${data_dir}` in the experiment stands for [default:
    /// $CASCADELAB_DATA_DIR, else ../shared/data beside the repository].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let plan = Plan::from_file(&args.experiment, args.data_dir.as_deref())?;
    let study = Study::load(plan)?;
    let split0 = cascadelab_engine::validate(&study)?;
    let data = study.data();
    println!("ok: {}", args.experiment.display());
    println!(
        "  data: {} queries, {} models ({}confidence{})",
        data.n_queries(),
        data.n_models(),
        if data.has_confidence() { "with " } else { "no " },
        if data.features.is_some() { ", features" } else { "" }
    );
    for note in &study.loaded.notes {
        println!("  note: {note}");
    }
    let splits = match &study.split_origin {
        SplitOrigin::Random { calibration_fraction, stratified_on } => format!(
            "{} random (calibration fraction {calibration_fraction}, {})",
            study.splits.len(),
            stratified_on.as_ref().map_or("not stratified".into(), |m| format!("stratified on `{m}`"))
        ),
        SplitOrigin::Data => "1 (the data's split column)".into(),
        SplitOrigin::File(f) => format!("{} from {f}", study.splits.len()),
    };
    println!(
        "  splits: {splits}; split 0 has {} calibration and {} test queries",
        study.splits[0].calibration.len(),
        study.splits[0].test.len()
    );
    for (plan, result) in study.plan.solvers.iter().zip(&split0.solvers) {
        let families: Vec<String> = result
            .families
            .iter()
            .map(|f| {
                let label = if f.family.is_empty() { plan.name.clone() } else { format!("{}/{}", plan.name, f.family) };
                format!("{label}: {} candidates, {} on the calibration frontier", f.candidates, f.frontier.len())
            })
            .collect();
        println!("  solver `{}` ({}): split 0 dry run: {}", plan.name, plan.kind, families.join("; "));
    }
    Ok(())
}
