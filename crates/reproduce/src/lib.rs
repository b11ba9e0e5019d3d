//! `cargo xtask reproduce`: the study of "Is Escalation Worth It? A
//! Decision-Theoretic Characterization of LLM Cascades" (Bouchard, arXiv
//! 2605.06350) rebuilt on public data, each of its claims checked there, and its
//! Table 1 recomputed from its released curves.
//!
//! # What it runs
//!
//! The paper's per-query data is not public. The study is rebuilt on the public
//! per-query results of nine models on five benchmarks with confidences and dollar
//! costs (Zellinger & Thomson; `experiments/paper/{mmlu,medmcqa,triviaqa,truthfulqa,gsm8k}.toml`),
//! through the engine library in-process (`Plan::from_file` → `Study::load` →
//! `protocol::run_split` on every split in parallel → `results::assemble` → the
//! engine's result files), with the paper's protocol: 50 random 50/50
//! calibration/test splits (seeds 42..91) stratified on the cheapest model's
//! correctness, a 500-point cost grid from the cheapest to the most expensive
//! model, Gain and CR@x of the median curve over splits. Every solver runs on every
//! split: the pairwise envelope at every distinct threshold (`envelope-exact`) and
//! on the paper's 200-threshold grid (`envelope-paper`), the full fixed chain
//! (`fixed-chain`), the optimized subsequences of 2 to 4 models (`subsequences`),
//! the randomized hull (`randomized`), and the logistic router (C = 1, 384-d
//! embeddings) at every distinct calibration routing with the embedding cascade,
//! the hybrid and the oracle (`router-exact`) and at the paper's 200 weights
//! (`router-paper`).
//!
//! # Two protocols
//!
//! - **paper**: each method's `test-envelope` curve, the upper envelope on test of
//!   every calibration candidate, as the paper's code computes it; with the
//!   200-threshold grid for the pairwise envelope and the paper's weights for the
//!   router. It picks the best candidate on the test set, so it is optimistic.
//! - **exact**: each method's `selected` curve, the calibration frontier's policies
//!   at their test points, nothing chosen on test; with every distinct threshold and
//!   every distinct router weight.
//!
//! The method → curve mapping is [`methods::Method::source`]. Choices: the full
//! fixed chain and the subsequences are optimized by exact coordinate ascent along a
//! λ sweep under both protocols (the paper used NSGA-II; same search space); the
//! embedding cascade, the hybrid and the oracle do not depend on the router's
//! weights, so both protocols read them from `router-exact`; "the best cascade" is
//! the best of the paper's three cascades by Gain under each protocol.
//!
//! # Claims and verdicts
//!
//! Four claims ([`claims::Claim`]): fixed chains fall below the envelope;
//! optimized subsequences add no practically meaningful gain over it; the router
//! beats the best cascade on most data sets; the router beats the embedding
//! cascade that uses its own signal. Per benchmark and protocol the verdict comes
//! from the bootstrap interval of the Gain difference (holds / does not hold /
//! inconclusive; "no meaningful gain" against the margin 0.005 / (q_max − q_low));
//! over benchmarks by the majority rules of [`claims`]. Why the router wins or loses
//! is read off the decomposition router − envelope = (router − embedding cascade:
//! structural cost) + (embedding cascade − envelope: signal quality), and the test
//! AUROC of the router's p̂ against each model's own confidence.
//!
//! # Uncertainty
//!
//! The paired bootstrap of [`bootstrap`]: the benchmark's queries resampled (one draw
//! shared by every split and method), the policies fit on calibration held fixed
//! (and, for the paper protocol, the envelope's choice at every grid point), every
//! split's curve rebuilt from its policies' resampled test points, the anchors and
//! the grid recomputed, the median over splits, the metric; 1,000 replicates (200
//! under `--quick`), seeded, independent of the thread count. With every query
//! counted once the machinery gives back the engine's curves and metrics
//! (`tests/bootstrap_identity.rs`).
//!
//! # What it writes
//!
//! `<out>/<bench>/`: each experiment's normal results directory (the engine's
//! files, written atomically), plus `plots/paper-frontiers-{paper,exact}.svg`
//! (listed in its manifest); `<out>/REPORT.md` (deterministic: no timing, no
//! absolute path, the same bytes whatever the thread count; written atomically)
//! and `<out>/TIMINGS.md` (wall-clock, per benchmark and per solver). REPORT.md
//! holds the findings, the Table 1 analog under both protocols with intervals, the
//! optimism of the test envelope, the gaps against the envelope, each claim with
//! its evidence and verdict, the router decomposition, the theory diagnostics, the
//! paper's own Table 1 from `paper_curves/` beside the published values
//! ([`published`]), the figures, and the definitions it uses.
//!
//! # Data
//!
//! `--data-dir`, else `CASCADELAB_DATA_DIR`, else `../shared/data` beside the
//! repository; when the files are missing the run stops with the expected layout
//! and the public sources ([`sources::SOURCES`]). The Table 1 check needs only
//! `paper_curves/` ([`Options::curves_only`]).
#![deny(missing_docs)]

pub mod analysis;
pub mod bootstrap;
pub mod claims;
pub mod figures;
pub mod methods;
pub mod published;
pub mod report;
pub mod sources;
pub mod timing;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cascadelab_engine::plan::SplitPlan;
use cascadelab_engine::protocol::{self, SplitResult};
use cascadelab_engine::results::{self, RunResults};
use cascadelab_engine::{EngineError, Plan, Study, output};
use rayon::prelude::*;
use thiserror::Error;

use crate::analysis::BenchSummary;
use crate::methods::{Method, Protocol};
use crate::sources::{BENCHES, DataLocation};
use crate::timing::{BenchTiming, SolverTimes, Timings};

/// Splits under `--quick`.
pub const QUICK_SPLITS: usize = 5;
/// Bootstrap replicates by default.
pub const RESAMPLES: usize = 1000;
/// Bootstrap replicates under `--quick`.
pub const QUICK_RESAMPLES: usize = 200;
/// Coverage of the intervals.
pub const LEVEL: f64 = 0.95;

/// What to run and where to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The directory of the experiment files (`experiments/paper`).
    pub experiments: PathBuf,
    /// `--data-dir`, if given.
    pub data_dir: Option<PathBuf>,
    /// The output directory.
    pub out: PathBuf,
    /// Replace an existing output directory.
    pub force: bool,
    /// Splits per benchmark (`None`: the experiment's 50).
    pub splits: Option<usize>,
    /// Bootstrap replicates.
    pub resamples: usize,
    /// Benchmarks to run, in report order.
    pub benches: Vec<String>,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Progress on stderr.
    pub progress: bool,
    /// Only the paper's Table 1 from its released curves (no zellinger data needed).
    pub curves_only: bool,
}

impl Options {
    /// The full reproduction of the repository at `repo`, written to `out`.
    pub fn new(repo: &Path, out: &Path) -> Self {
        Self {
            experiments: repo.join("experiments/paper"),
            data_dir: None,
            out: out.to_path_buf(),
            force: false,
            splits: None,
            resamples: RESAMPLES,
            benches: BENCHES.iter().map(|b| b.to_string()).collect(),
            threads: None,
            progress: false,
            curves_only: false,
        }
    }

    /// `--quick`: [`QUICK_SPLITS`] splits and [`QUICK_RESAMPLES`] replicates.
    pub fn quick(mut self) -> Self {
        self.splits = Some(QUICK_SPLITS);
        self.resamples = QUICK_RESAMPLES;
        self
    }
}

/// The repository holding this crate.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Why a reproduction stopped.
#[derive(Debug, Error)]
pub enum Error {
    /// The public data is not where it was looked for.
    #[error("{0}")]
    MissingData(String),
    /// The output directory exists.
    #[error("{0} already exists: pass --force to replace it, or --out to write elsewhere")]
    OutputExists(PathBuf),
    /// An experiment file is missing.
    #[error("{0}: the experiment file is missing")]
    MissingExperiment(PathBuf),
    /// The engine failed.
    #[error("{bench}: {source}")]
    Engine {
        /// The benchmark.
        bench: String,
        /// The cause.
        source: EngineError,
    },
    /// A held-fixed policy could not be evaluated for the bootstrap.
    #[error("{bench}: cannot evaluate a policy for the bootstrap: {message}")]
    Bootstrap {
        /// The benchmark.
        bench: String,
        /// Why.
        message: String,
    },
    /// The paper's released curves could not be read.
    #[error("paper curves: {0}")]
    PaperCurves(#[from] cascadelab_metrics::paper_curves::PaperCurvesError),
    /// Writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Bad options.
    #[error("{0}")]
    Options(String),
}

/// What a reproduction produced.
#[derive(Debug, Clone)]
pub struct Reproduction {
    /// `REPORT.md`.
    pub report: String,
    /// Per benchmark, the report's numbers.
    pub benches: Vec<BenchSummary>,
    /// The paper's Table 1 from its released curves, if they were found.
    pub paper_table: Option<Vec<published::Row>>,
    /// Timings (also in `TIMINGS.md`).
    pub timings: Timings,
}

/// Every curve the bootstrap covers: each method under each protocol.
pub fn bootstrap_curves() -> Vec<(Method, Protocol)> {
    Protocol::ALL.iter().flat_map(|&p| Method::ALL.iter().map(move |&m| (m, p))).collect()
}

/// Runs the reproduction (see the crate documentation) and writes its files.
pub fn reproduce(options: &Options) -> Result<Reproduction, Error> {
    let started = Instant::now();
    if options.resamples == 0 {
        return Err(Error::Options("the bootstrap needs at least one resample".into()));
    }
    if options.splits == Some(0) {
        return Err(Error::Options("--splits must be at least 1".into()));
    }
    let paths: Vec<(String, PathBuf)> =
        options.benches.iter().map(|b| (b.clone(), options.experiments.join(format!("{b}.toml")))).collect();
    let first = paths.first().map_or_else(|| options.experiments.join("mmlu.toml"), |p| p.1.clone());
    let benches: Vec<&str> =
        if options.curves_only { Vec::new() } else { paths.iter().map(|p| p.0.as_str()).collect() };
    let location = DataLocation::resolve(options.data_dir.as_deref(), &first, &benches);
    if options.curves_only && location.paper_curves().is_none() {
        return Err(Error::MissingData(format!(
            "the paper's released curves are missing (paper_curves/)\n{}",
            location.missing_message().split_once('\n').map_or("", |x| x.1)
        )));
    }
    if !location.missing.is_empty() {
        return Err(Error::MissingData(location.missing_message()));
    }
    if !options.curves_only {
        for (_, p) in &paths {
            if !p.is_file() {
                return Err(Error::MissingExperiment(p.clone()));
            }
        }
    }
    if !options.force && options.out.symlink_metadata().is_ok() {
        return Err(Error::OutputExists(options.out.clone()));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Options(format!("cannot start worker threads: {e}")))?;
    let mut timings = Timings { threads: pool.current_num_threads(), ..Timings::default() };
    let mut summaries = Vec::new();
    if !options.curves_only {
        // A pipeline: while one benchmark's bootstrap and files are under way, the
        // next benchmark's splits run (the outputs are sequential and would leave a
        // core idle). Results are kept by benchmark, so nothing depends on timing.
        let slots: Vec<std::sync::Mutex<Option<BenchOutcome>>> = paths.iter().map(|_| Default::default()).collect();
        pool.install(|| {
            rayon::scope(|scope| {
                for ((bench, path), slot) in paths.iter().zip(&slots) {
                    match run_splits(bench, path, &location, options) {
                        Ok(stage) => scope.spawn(move |_| {
                            let outcome = finish_bench(stage, options);
                            if let (true, Ok((_, t))) = (options.progress, &outcome) {
                                eprintln!("{}: {:.1} s", t.bench, t.total.as_secs_f64());
                            }
                            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
                        }),
                        Err(e) => {
                            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(Err(e));
                            break;
                        }
                    }
                }
            })
        });
        // The first error in benchmark order.
        for slot in slots {
            let Some(outcome) = slot.into_inner().unwrap_or_else(|e| e.into_inner()) else { break };
            let (summary, timing) = outcome?;
            summaries.push(summary);
            timings.benches.push(timing);
        }
    }
    let t = Instant::now();
    let paper_table = location.paper_curves().map(|d| published::recompute(&d)).transpose()?;
    timings.paper_table = t.elapsed();
    let t = Instant::now();
    let settings = report::Context { splits: options.splits, resamples: options.resamples, level: LEVEL };
    let text = report::render(&summaries, paper_table.as_deref(), &settings);
    std::fs::create_dir_all(&options.out).map_err(|source| Error::Io { path: options.out.clone(), source })?;
    write_atomic(&options.out.join("REPORT.md"), text.as_bytes())?;
    timings.report = t.elapsed();
    timings.total = started.elapsed();
    write_atomic(&options.out.join("TIMINGS.md"), timings.markdown().as_bytes())?;
    Ok(Reproduction { report: text, benches: summaries, paper_table, timings })
}

/// Writes `bytes` to a temporary sibling and renames it into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|source| Error::Io { path: tmp.clone(), source })?;
    std::fs::rename(&tmp, path).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

fn engine(bench: &str) -> impl Fn(EngineError) -> Error + '_ {
    move |source| Error::Engine { bench: bench.to_string(), source }
}

/// What one benchmark gives the report.
type BenchOutcome = Result<(BenchSummary, BenchTiming), Error>;

/// One benchmark's study after its splits.
struct Stage {
    bench: String,
    study: Study,
    results: RunResults,
    timing: BenchTiming,
    started: Instant,
}

/// The first half of a benchmark: the engine's study, every split, the aggregate.
fn run_splits(bench: &str, path: &Path, location: &DataLocation, options: &Options) -> Result<Stage, Error> {
    let started = Instant::now();
    let mut timing = BenchTiming { bench: bench.to_string(), ..BenchTiming::default() };
    let flag = location.dir.as_ref().map(|d| d.path.as_path()).filter(|_| options.data_dir.is_some());
    let mut plan = Plan::from_file(path, flag).map_err(|e| engine(bench)(e.into()))?;
    if let (Some(n), SplitPlan::Random { repeats, .. }) = (options.splits, &mut plan.split) {
        *repeats = n;
    }
    let study = Study::load(plan).map_err(|e| engine(bench)(e.into()))?;
    timing.load = started.elapsed();
    timing.splits = study.splits.len();

    let t = Instant::now();
    let splits: Vec<SplitResult> = (0..study.splits.len())
        .into_par_iter()
        .map(|i| protocol::run_split(&study, i))
        .collect::<Result<_, _>>()
        .map_err(engine(bench))?;
    timing.splits_wall = t.elapsed();
    timing.solvers = study
        .plan
        .solvers
        .iter()
        .enumerate()
        .map(|(si, sp)| {
            let mut s = SolverTimes { name: sp.name.clone(), kind: sp.kind.to_string(), ..SolverTimes::default() };
            for r in &splits {
                let t = r.solvers[si].timing;
                s.propose += t.propose;
                s.evaluate += t.evaluate;
                s.diagnostics += t.diagnostics;
            }
            s
        })
        .collect();
    let t = Instant::now();
    let results: RunResults = results::assemble(&study, splits);
    timing.aggregate = t.elapsed();
    Ok(Stage { bench: bench.to_string(), study, results, timing, started })
}

/// The second half: the bootstrap, the numbers, the files.
fn finish_bench(stage: Stage, options: &Options) -> BenchOutcome {
    let Stage { bench, study, results, mut timing, started } = stage;
    let bench = bench.as_str();
    // The bootstrap and the result files side by side: writing the files is
    // sequential, and the replicates take whatever threads it leaves.
    let t = Instant::now();
    let (replicates, files) = rayon::join(
        || -> Result<_, Error> {
            let t = Instant::now();
            let prepared = bootstrap::Prepared::new(&study, &results, &bootstrap_curves())
                .map_err(|e| Error::Bootstrap { bench: bench.to_string(), message: e.to_string() })?;
            let prepare = t.elapsed();
            let t = Instant::now();
            let settings = bootstrap::Settings { resamples: options.resamples, seed: study.plan.seed, level: LEVEL };
            Ok((prepared.run(settings), prepare, t.elapsed()))
        },
        || -> Result<_, Error> {
            let t = Instant::now();
            let mut files = output::result_files(&study, &results).map_err(engine(bench))?;
            // The reproduction's own figures, listed in the manifest like every other file.
            files.retain(|(name, _)| name != "manifest.json");
            for protocol in Protocol::ALL {
                let name = figures::frontier_file(protocol);
                files.push((name, figures::frontier_svg(&study, &results, bench, protocol).into_bytes()));
            }
            let manifest = output::manifest_json(&study, &files).map_err(engine(bench))?;
            files.push(("manifest.json".into(), manifest));
            output::write_dir(&options.out.join(bench), options.force, &files).map_err(engine(bench))?;
            Ok((report::figure_links(&files), t.elapsed()))
        },
    );
    let ((replicates, prepare, run), (links, outputs)) = (replicates?, files?);
    timing.side_by_side = t.elapsed();
    (timing.bootstrap_prepare, timing.bootstrap, timing.outputs) = (prepare, run, outputs);
    let mut summary = analysis::summarize(bench, &study, &results, &replicates);
    summary.figures = links;
    timing.total = started.elapsed();
    Ok((summary, timing))
}

/// Seconds with two decimals (for messages).
pub fn seconds(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}
