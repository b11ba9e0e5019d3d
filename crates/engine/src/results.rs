//! Running a study: splits in parallel (rayon, results collected in split order,
//! so outputs do not depend on the thread count), then the curves aggregated
//! across splits and the paper's metrics of each median curve.

use cascadelab_metrics::{cost_reduction, gain};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::aggregate::{self, Band};
use crate::error::EngineError;
use crate::protocol::{self, SplitResult};
use crate::study::Study;

/// How to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Worker threads; `None`: one per core.
    pub threads: Option<usize>,
    /// Show a progress bar on stderr (it stays hidden when stderr is not a terminal).
    pub progress: bool,
}

/// The two held-out curves of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CurveKind {
    /// Calibration-frontier policies at their test points.
    Selected,
    /// Upper envelope on test of all candidates.
    TestEnvelope,
}

impl CurveKind {
    /// Both kinds, in output order.
    pub const ALL: [CurveKind; 2] = [CurveKind::Selected, CurveKind::TestEnvelope];

    /// The label in files.
    pub fn label(self) -> &'static str {
        match self {
            CurveKind::Selected => "selected",
            CurveKind::TestEnvelope => "test-envelope",
        }
    }
}

/// Metrics of one median curve.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveMetrics {
    /// The paper's Gain.
    pub gain: Option<f64>,
    /// CR@x per report quality level, in percent.
    pub cost_reduction: Vec<Option<f64>>,
}

/// One family's aggregated curves (a solver's main family is labelled by the
/// solver's name, others `name/family`).
#[derive(Debug, Clone, PartialEq)]
pub struct CurveSet {
    /// Label in files and plots.
    pub label: String,
    /// Position of the solver in the plan.
    pub solver: usize,
    /// Family name within the solver.
    pub family: String,
    /// `selected`: band per grid point.
    pub selected: Vec<Option<Band>>,
    /// `test-envelope`: band per grid point.
    pub envelope: Vec<Option<Band>>,
    /// Metrics of the selected median.
    pub selected_metrics: CurveMetrics,
    /// Metrics of the envelope median.
    pub envelope_metrics: CurveMetrics,
    /// Mean over the grid of (envelope median − selected median) where both are defined.
    pub optimism: Option<f64>,
    /// Number of splits where the solver returned this family.
    pub splits: usize,
}

impl CurveSet {
    /// The bands of `kind`.
    pub fn bands(&self, kind: CurveKind) -> &[Option<Band>] {
        match kind {
            CurveKind::Selected => &self.selected,
            CurveKind::TestEnvelope => &self.envelope,
        }
    }

    /// The metrics of `kind`.
    pub fn metrics(&self, kind: CurveKind) -> &CurveMetrics {
        match kind {
            CurveKind::Selected => &self.selected_metrics,
            CurveKind::TestEnvelope => &self.envelope_metrics,
        }
    }
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunResults {
    /// Per split, in split order.
    pub splits: Vec<SplitResult>,
    /// Per family of every solver: solver order, then order of first appearance.
    pub curves: Vec<CurveSet>,
}

impl RunResults {
    /// The curve label of solver `solver`'s family `family`.
    pub fn label(study: &Study, solver: usize, family: &str) -> String {
        let name = &study.plan.solvers[solver].name;
        if family.is_empty() { name.clone() } else { format!("{name}/{family}") }
    }

    /// Split `split`'s result of solver `solver`'s family `family`, if it returned it.
    pub fn family(&self, split: usize, solver: usize, family: &str) -> Option<&protocol::FamilyResult> {
        self.splits[split].solvers[solver].families.iter().find(|f| f.family == family)
    }
}

/// Runs every split of `study` and aggregates.
pub fn run(study: &Study, options: &RunOptions) -> Result<RunResults, EngineError> {
    let n = study.splits.len();
    let bar = if options.progress && n > 1 {
        let bar = ProgressBar::with_draw_target(Some(n as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} splits ({elapsed}, eta {eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(study.plan.name.clone());
        bar
    } else {
        ProgressBar::hidden()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .map_err(|e| EngineError::Other(format!("cannot start worker threads: {e}")))?;
    let outcomes: Vec<Result<SplitResult, EngineError>> = pool.install(|| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let r = protocol::run_split(study, i);
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    // The first error in split order, whatever finished first.
    let splits = outcomes.into_iter().collect::<Result<Vec<_>, _>>().map_err(|e| crate::locate(study, e))?;
    Ok(assemble(study, splits))
}

/// Aggregates per-split results.
pub fn assemble(study: &Study, splits: Vec<SplitResult>) -> RunResults {
    let mut families: Vec<(usize, String)> = Vec::new();
    for s in &splits {
        for (si, sr) in s.solvers.iter().enumerate() {
            for f in &sr.families {
                if !families.iter().any(|(i, name)| *i == si && *name == f.family) {
                    families.push((si, f.family.clone()));
                }
            }
        }
    }
    families.sort_by_key(|(si, _)| *si); // stable: first-appearance order within a solver
    let grid = &study.grid;
    let undefined = vec![None; grid.len()];
    let curves = families
        .into_iter()
        .map(|(si, family)| {
            let per_split: Vec<&protocol::FamilyResult> =
                splits.iter().filter_map(|s| s.solvers[si].families.iter().find(|f| f.family == family)).collect();
            let pick = |kind: CurveKind| -> Vec<&[Option<f64>]> {
                splits
                    .iter()
                    .map(|s| {
                        s.solvers[si].families.iter().find(|f| f.family == family).map_or(undefined.as_slice(), |f| {
                            match kind {
                                CurveKind::Selected => f.selected.as_slice(),
                                CurveKind::TestEnvelope => f.envelope.as_slice(),
                            }
                        })
                    })
                    .collect()
            };
            let selected = aggregate::aggregate(&pick(CurveKind::Selected), grid.len());
            let envelope = aggregate::aggregate(&pick(CurveKind::TestEnvelope), grid.len());
            let (sm, em) = (aggregate::medians(&selected), aggregate::medians(&envelope));
            CurveSet {
                label: RunResults::label(study, si, &family),
                solver: si,
                selected_metrics: metrics(study, &sm),
                envelope_metrics: metrics(study, &em),
                optimism: protocol::optimism(&em, &sm),
                splits: per_split.len(),
                family,
                selected,
                envelope,
            }
        })
        .collect();
    RunResults { splits, curves }
}

fn metrics(study: &Study, median: &[Option<f64>]) -> CurveMetrics {
    let a = &study.anchors;
    let degenerate = !(a.c_exp > a.c_low && a.q_max > a.q_low);
    CurveMetrics {
        gain: if degenerate { None } else { gain(&study.grid, median, a) }.filter(|g| g.is_finite()),
        cost_reduction: study
            .plan
            .report
            .quality_levels
            .iter()
            .map(|&x| cost_reduction(&study.grid, median, a, x).filter(|c| c.is_finite()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    //! A whole run on a dataset built in memory, with test-only solvers (not in the
    //! real registry): a solver failing on one split, and the real pairwise entry.

    use std::path::PathBuf;

    use cascadelab_core::{
        Context, Dataset, Entry, ModelColumns, Policy, Problem, Proposal, Solver, SolverEntry, SolverError,
    };
    use cascadelab_data::Loaded;
    use schemars::JsonSchema;
    use serde::Deserialize;

    use super::*;
    use crate::error::Source;
    use crate::plan::Plan;

    /// Test-only solver: every model alone, and an error on split `fail-on`.
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct FailParams {
        /// Split on which to fail.
        #[serde(default)]
        fail_on: Option<usize>,
    }

    struct FailSolver(Option<usize>);

    impl Solver for FailSolver {
        fn propose(&self, problem: &Problem<'_>, ctx: &mut Context<'_>) -> Result<Proposal, SolverError> {
            if self.0 == Some(ctx.split) {
                return Err(SolverError::Failed("deliberate failure".into()));
            }
            Ok(Proposal::single(problem.data.models.iter().map(|m| Policy::Single { model: m.name.clone() }).collect()))
        }
    }

    static FAIL_ENTRY: Entry<FailParams> =
        Entry::new("test-fail", "test only: single models, failing on one split", |p| {
            Ok(Box::new(FailSolver(p.fail_on)))
        });

    fn registry() -> Vec<&'static dyn SolverEntry> {
        vec![&FAIL_ENTRY, &cascadelab_pairwise::ENTRY]
    }

    fn dataset() -> Dataset {
        let n = 200;
        let col = |name: &str, acc_mod: usize, cost: f64| {
            let quality: Vec<f64> = (0..n).map(|i| if (i * 7 + acc_mod) % 10 < acc_mod { 1.0 } else { 0.0 }).collect();
            let confidence: Vec<f64> =
                (0..n).map(|i| ((i * 37 + acc_mod) % 101) as f64 / 100.0 + quality[i] * 0.3).collect();
            ModelColumns { name: name.into(), quality, confidence: Some(confidence), cost: vec![cost; n] }
        };
        Dataset::new(
            (0..n).map(|i| format!("q{i}")).collect(),
            None,
            vec![col("a", 5, 1.0), col("b", 7, 3.0), col("c", 9, 10.0)],
            None,
        )
        .unwrap()
    }

    fn study(toml: &str) -> Study {
        let source = Source { path: PathBuf::from("test.toml"), text: toml.to_string() };
        let plan = Plan::from_source(source, &registry(), None).unwrap();
        let loaded = Loaded { dataset: dataset(), files: vec![], notes: vec![] };
        Study::from_loaded(plan, loaded).unwrap()
    }

    const HEAD: &str = "version = 1\n[data]\npath = \"unused.csv\"\n[split]\nrepeats = 6\n[report]\ngrid-size = 40\n";

    #[test]
    fn a_solver_failing_mid_run_fails_the_run_naming_solver_and_split() {
        let s = study(&format!("{HEAD}[[solvers]]\nkind = \"test-fail\"\nname = \"flaky\"\nfail-on = 3\n"));
        for threads in [1, 2] {
            let e = run(&s, &RunOptions { threads: Some(threads), progress: false }).unwrap_err();
            assert_eq!(e.to_string(), "solver `flaky` failed on split 3: deliberate failure");
        }
    }

    #[test]
    fn results_do_not_depend_on_threads() {
        let s = study(&format!("{HEAD}[[solvers]]\nkind = \"pairwise\"\n[[solvers]]\nkind = \"test-fail\"\n"));
        let one = run(&s, &RunOptions { threads: Some(1), progress: false }).unwrap();
        let two = run(&s, &RunOptions { threads: Some(2), progress: false }).unwrap();
        assert_eq!(one.splits, two.splits);
        assert_eq!(one.curves, two.curves);
        let files_one = crate::output::result_files(&s, &one).unwrap();
        let files_two = crate::output::result_files(&s, &two).unwrap();
        assert_eq!(files_one, files_two);
        // Two solvers, one family each, in plan order.
        let labels: Vec<&str> = one.curves.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, vec!["pairwise", "test-fail"]);
        // Per split, the envelope is a running max (non-decreasing once defined) and
        // the selected curve, flat beyond its top policy, reaches the grid's end.
        for sp in &one.splits {
            let f = &sp.solvers[0].families[0];
            let env: Vec<f64> = f.envelope.iter().skip_while(|v| v.is_none()).map(|v| v.unwrap()).collect();
            assert!(!env.is_empty() && env.windows(2).all(|w| w[0] <= w[1]), "split {}", sp.index);
            assert!(f.selected.last().unwrap().is_some(), "split {}", sp.index);
            assert!(f.frontier.windows(2).all(|w| w[0].calibration.cost < w[1].calibration.cost));
        }
    }
}
