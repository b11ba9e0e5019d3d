//! `cascadelab frontier DATA`: the exact pairwise envelope of a data file on the
//! full sample (no split), with its switching points; as a table, CSV or JSON.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use cascadelab_core::{Dataset, Pool, float::Ext};
use cascadelab_pairwise::{Envelope, EnvelopePoint, Source, ThresholdRule};
use serde_json::{Value, json};

use super::inspect::{DataArgs, fmt_cost, write_stdout};

/// `--thresholds` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ThresholdsArg {
    /// Every distinct score of the cheap model, and +inf.
    Exact,
    /// `--grid N` thresholds (200 by default) between the cheap model's smallest and
    /// largest finite score, as in the paper.
    Grid,
}

/// Arguments of `cascadelab frontier`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Which thresholds each pair tries; `--grid N` implies `grid`.
    #[arg(long, value_enum)]
    thresholds: Option<ThresholdsArg>,
    /// Use the paper's grid of N thresholds per pair instead of every distinct score.
    #[arg(long, value_name = "N")]
    grid: Option<usize>,
    /// Print the envelope as CSV (one row per point).
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Print the envelope and its switching points as JSON, each point with its policy.
    #[arg(long)]
    json: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl Args {
    fn rule(&self) -> anyhow::Result<ThresholdRule> {
        let rule = match (self.thresholds, self.grid) {
            (Some(ThresholdsArg::Exact), Some(_)) => anyhow::bail!("--grid needs --thresholds grid, not exact"),
            (Some(ThresholdsArg::Exact), None) | (None, None) => ThresholdRule::Exact,
            (_, Some(n)) => ThresholdRule::Grid(n),
            (Some(ThresholdsArg::Grid), None) => ThresholdRule::Grid(200),
        };
        if let ThresholdRule::Grid(n) = rule
            && n < 2
        {
            anyhow::bail!("--grid must be at least 2, got {n}");
        }
        Ok(rule)
    }
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let rule = args.rule()?;
    let data = args.data.load()?;
    if data.models.iter().all(|m| m.confidence.is_none()) {
        anyhow::bail!(
            "{}: the data has no confidence column; cascades need a confidence column (RouterBench data has none)",
            args.data.path.display()
        );
    }
    let all = data.all_queries();
    let pool = Pool::new(&data, &all);
    let env = Envelope::new(&data, &all, &pool, rule)
        .with_context(|| format!("cannot compute the pairwise envelope of {}", args.data.path.display()))?;
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&to_json(&env, &data, &args))?;
        s.push('\n');
        s
    } else if args.csv {
        to_csv(&env, &data)
    } else {
        to_table(&env, &data, &pool, &args)
    };
    match &args.output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display())),
        None => write_stdout(&text),
    }
}

fn rule_label(rule: ThresholdRule) -> String {
    match rule {
        ThresholdRule::Exact => "exact (every distinct score)".into(),
        ThresholdRule::Grid(n) => format!("grid of {n}"),
    }
}

fn stages(data: &Dataset, p: &EnvelopePoint) -> Vec<String> {
    let name = |m: usize| data.models[m].name.clone();
    match p.source {
        Source::Single(m) => vec![name(m)],
        Source::Cascade { low, high, .. } => vec![name(low), name(high)],
    }
}

fn threshold(p: &EnvelopePoint) -> Option<f64> {
    match p.source {
        Source::Single(_) => None,
        Source::Cascade { threshold, .. } => Some(threshold),
    }
}

fn to_table(env: &Envelope, data: &Dataset, pool: &Pool, args: &Args) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "data: {}", args.data.path.display());
    let _ = writeln!(out, "queries: {} (full sample, no split)", data.n_queries());
    let _ = writeln!(out, "thresholds: {}", rule_label(env.rule()));
    let _ = writeln!(out, "pool: {} models; valid pairs: {}", pool.members.len(), pool.pairs.len());
    let _ = writeln!(out);
    let _ = writeln!(out, "pairwise envelope: {} points", env.points().len());
    let routes: Vec<String> = env.points().iter().map(|p| env.route_label(p.source.route())).collect();
    let w = routes.iter().map(|r| r.chars().count()).max().unwrap_or(0).max("route".len());
    let _ = writeln!(out, "{:>12}  {:>7}  {:<w$}  threshold", "cost", "quality", "route");
    for (p, route) in env.points().iter().zip(&routes) {
        let t = threshold(p).map_or_else(|| "-".to_string(), |t| format!("{t}"));
        let _ = writeln!(out, "{:>12}  {:>7.4}  {:<w$}  {t}", fmt_cost(p.cost), p.quality, route);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "switching points: {}", env.switching_points().len());
    if !env.switching_points().is_empty() {
        let before: Vec<String> = env.switching_points().iter().map(|s| env.route_label(s.before)).collect();
        let wb = before.iter().map(|r| r.chars().count()).max().unwrap_or(0).max("before".len());
        let _ = writeln!(out, "{:>12}  {:<wb$}  after", "budget", "before");
        for (s, b) in env.switching_points().iter().zip(&before) {
            let _ = writeln!(out, "{:>12}  {:<wb$}  {}", fmt_cost(s.budget), b, env.route_label(s.after));
        }
    }
    out
}

/// One CSV field, quoted when it must be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

fn to_csv(env: &Envelope, data: &Dataset) -> String {
    let mut out = String::from("cost,quality,kind,model,escalate_to,threshold\n");
    for p in env.points() {
        let st = stages(data, p);
        let (kind, to, t) = match threshold(p) {
            None => ("single", String::new(), String::new()),
            Some(t) => ("cascade", field(&st[1]), format!("{t}")),
        };
        let _ = writeln!(out, "{},{},{kind},{},{to},{t}", p.cost, p.quality, field(&st[0]));
    }
    out
}

fn to_json(env: &Envelope, data: &Dataset, args: &Args) -> Value {
    let points: Vec<Value> = env
        .points()
        .iter()
        .map(|p| {
            let st = stages(data, p);
            json!({
                "cost": p.cost,
                "quality": p.quality,
                "route": env.route_label(p.source.route()),
                "pair": if st.len() == 2 { json!(st) } else { Value::Null },
                "stages": st,
                "threshold": threshold(p).map(Ext),
                "policy": env.policy(p),
            })
        })
        .collect();
    let switching: Vec<Value> = env
        .switching_points()
        .iter()
        .map(|s| json!({"budget": s.budget, "before": env.route_label(s.before), "after": env.route_label(s.after)}))
        .collect();
    json!({
        "data": args.data.path.display().to_string(),
        "queries": data.n_queries(),
        "thresholds": env.rule().name(),
        "grid_size": match env.rule() { ThresholdRule::Grid(n) => Some(n), ThresholdRule::Exact => None },
        "points": points,
        "switching_points": switching,
    })
}
