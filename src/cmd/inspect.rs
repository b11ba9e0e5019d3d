//! `cascadelab inspect DATA`: per-model statistics of a data file (queries,
//! accuracy, mean cost, AUROC of confidence for correctness), its non-dominated
//! pool and valid pairs, on the full sample.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use cascadelab_core::{Dataset, Pool};
use cascadelab_data::{DataSpec, Layout, LoadContext, MissingConfidence};
use cascadelab_pairwise::confidence_auroc;

/// How to read the data file; shared by `inspect` and `frontier`.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// The evaluation records (CSV, TSV, JSONL or Parquet; long or wide layout).
    #[arg(value_name = "DATA")]
    pub path: PathBuf,
    /// Record layout; detected from the header when not given.
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Name of the query-id column, for files that do not call it `query_id`.
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Drop every query where some model lacks a confidence, instead of failing.
    #[arg(long)]
    pub drop_missing_confidence: bool,
}

/// `--layout` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LayoutArg {
    /// One row per (query, model).
    Long,
    /// One row per query, one column per model.
    Wide,
}

impl DataArgs {
    /// Loads and validates the data; notes from the reader go to stderr.
    pub fn load(&self) -> anyhow::Result<Dataset> {
        let mut spec = DataSpec::for_path(&self.path);
        if let Some(layout) = self.layout {
            spec.layout = match layout {
                LayoutArg::Long => Layout::Long,
                LayoutArg::Wide => Layout::Wide,
            };
        }
        if let Some(id) = &self.id_column {
            spec.columns.query_id = Some(id.clone());
        }
        if self.drop_missing_confidence {
            spec.missing_confidence = MissingConfidence::DropQuery;
        }
        let ctx = LoadContext::default();
        let loaded = cascadelab_data::load(&spec, &ctx)?;
        for note in &loaded.notes {
            eprintln!("note: {note}");
        }
        Ok(loaded.dataset)
    }
}

/// Arguments of `cascadelab inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let data = args.data.load()?;
    write_stdout(&report(&data, &args.data.path))
}

/// A cost in 6 significant digits, scientific.
pub fn fmt_cost(c: f64) -> String {
    format!("{c:.5e}")
}

/// The whole report, as printed.
fn report(data: &Dataset, path: &Path) -> String {
    let all = data.all_queries();
    let pool = Pool::new(data, &all);
    let name = |m: usize| data.models[m].name.as_str();
    let mut out = String::new();
    let _ = writeln!(out, "data: {}", path.display());
    let _ = writeln!(out, "queries: {}", data.n_queries());
    let _ = writeln!(out, "models: {}", data.n_models());
    let _ = writeln!(out, "confidence: {}", if data.has_confidence() { "yes" } else { "no" });
    let _ = writeln!(out);
    let w = data.models.iter().map(|m| m.name.chars().count()).max().unwrap_or(0).max("model".len());
    let _ = writeln!(
        out,
        "{:<w$}  {:>8}  {:>8}  {:>12}  {:>16}",
        "model", "queries", "accuracy", "mean cost", "confidence AUROC"
    );
    for (m, s) in data.models.iter().zip(&pool.stats) {
        let auroc = m
            .confidence
            .as_ref()
            .and_then(|c| confidence_auroc(&m.quality, c))
            .map_or_else(|| "n/a".to_string(), |a| format!("{a:.4}"));
        let _ = writeln!(
            out,
            "{:<w$}  {:>8}  {:>8.4}  {:>12}  {:>16}",
            m.name,
            data.n_queries(),
            s.accuracy,
            fmt_cost(s.mean_cost),
            auroc
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "non-dominated pool (by mean cost): {} models", pool.members.len());
    for &m in &pool.members {
        let _ = writeln!(out, "  {}", name(m));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "valid pairs (cheap → expensive): {}", pool.pairs.len());
    for &(l, h) in &pool.pairs {
        let _ = writeln!(out, "  {} → {}", name(l), name(h));
    }
    out
}

/// Writes to stdout; a closed pipe (e.g. `| head`) is not an error.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("cannot write to standard output"),
        _ => Ok(()),
    }
}
