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
    /// The full-sample theory diagnostics (when the data has confidence and an
    /// output needs them).
    pub theory: Option<crate::theory::Theory>,
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
    let theory = if study.plan.report.needs_theory() { crate::theory::compute(study) } else { None };
    RunResults { splits, curves, theory }
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

    use crate::aggregate::Band;
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
        study_of(toml, dataset())
    }

    fn study_of(toml: &str, dataset: Dataset) -> Study {
        let source = Source { path: PathBuf::from("test.toml"), text: toml.to_string() };
        let plan = Plan::from_source(source, &registry(), None).unwrap();
        let loaded = Loaded { dataset, files: vec![], notes: vec![] };
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

    #[test]
    fn the_envelope_is_the_reference_and_theory_covers_every_full_sample_pair() {
        let s = study(&format!("{HEAD}[[solvers]]\nkind = \"test-fail\"\n[[solvers]]\nkind = \"pairwise\"\n"));
        let r = run(&s, &RunOptions { threads: Some(1), progress: false }).unwrap();
        let env = crate::compare::reference(&s, &r).expect("a pairwise solver is the reference");
        assert_eq!(env.label, "pairwise");
        // Every other curve, both kinds; a curve against itself is no gain.
        let rows = crate::compare::against_envelope(&s, &r);
        let labels: Vec<(&str, &str)> = rows.iter().map(|c| (c.curve.as_str(), c.kind.label())).collect();
        assert_eq!(labels, vec![("test-fail", "selected"), ("test-fail", "test-envelope")]);
        let same = crate::compare::compare(&s, &r, env, env, CurveKind::Selected);
        assert_eq!((same.gap_mid, same.split_gap_mid, same.dominance), (Some(0.0), Some(0.0), Some(0.0)));
        assert_eq!(same.band_ratio, Some(1.0));
        assert_eq!(same.splits_mid, 6);
        assert_eq!(crate::compare::Reading::of(&same), crate::compare::Reading::NoGain);
        // Theory on the full sample: one benefit per valid pair, prices of the envelope.
        let t = r.theory.as_ref().expect("the data has confidence");
        assert_eq!(t.queries, 200);
        let pairs: Vec<(String, String)> = t.benefits.iter().map(|b| (b.low.clone(), b.high.clone())).collect();
        let expected: Vec<(String, String)> = s
            .full_pool
            .pairs
            .iter()
            .map(|&(l, h)| (s.data().models[l].name.clone(), s.data().models[h].name.clone()))
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(pairs, expected);
        let prices = t.prices.as_ref().unwrap();
        assert_eq!(prices.raw.points.len(), t.envelope_points);
        assert!(prices.hull.slopes_non_increasing);
        // Every frontier cascade of the pairwise curve has first-order rows with Δ/c_H.
        for sp in &r.splits {
            let f = &sp.solvers[1].families[0];
            let cascades = f.frontier.iter().filter(|e| matches!(e.policy, Policy::Cascade { .. })).count();
            assert_eq!(f.first_order.len(), cascades, "split {}", sp.index);
            assert!(f.first_order.iter().all(|p| p.report.boundaries.len() == 1));
        }
        // Without confidence there is no theory.
        let mut bare = dataset();
        for m in &mut bare.models {
            m.confidence = None;
        }
        let s = study_of(&format!("{HEAD}[[solvers]]\nkind = \"test-fail\"\n"), bare);
        let r = run(&s, &RunOptions { threads: Some(1), progress: false }).unwrap();
        assert!(r.theory.is_none());
        assert!(crate::compare::reference(&s, &r).is_none());
        let names: Vec<String> = crate::output::result_files(&s, &r).unwrap().into_iter().map(|f| f.0).collect();
        assert!(!names.iter().any(|n| n.starts_with("diagnostics/") || n == "comparisons.csv"), "{names:?}");
    }

    #[test]
    fn other_metrics_of_a_flat_curve_follow_their_definitions() {
        let s = study(&format!("{HEAD}[[solvers]]\nkind = \"test-fail\"\n"));
        let r = run(&s, &RunOptions { threads: Some(1), progress: false }).unwrap();
        let mut flat = r.curves[0].clone();
        let q = 0.7;
        let band = Some(Band { median: q, p10: q, p90: q, splits: 6 });
        flat.selected = vec![band; s.grid.len()];
        let m = crate::literature::metrics(&s, &flat, CurveKind::Selected);
        // A flat curve over the whole grid: its hull is flat, and so is its AUC between
        // the cheapest and the most expensive model (the grid's ends).
        assert!((m.aiq.unwrap() - q).abs() < 1e-12, "{m:?}");
        assert!((m.auc.unwrap() - q).abs() < 1e-12, "{m:?}");
        // The best RouterArena score of equal qualities is at the cheapest point.
        assert_eq!(m.arena_cost, Some(s.grid[0]));
        assert_eq!(m.arena, cascadelab_metrics::routerarena::score(q, s.grid[0]));
        // ΔIBC at the midpoint by hand.
        let a = &s.anchors;
        let mid = s.grid[s.grid.len() / 2];
        let base = (a.q_max - a.q_low) / (a.c_exp - a.c_low);
        let expected = ((q - a.q_low) / (mid - a.c_low) - base) / base * 100.0;
        assert!((m.delta_ibc_mid.unwrap() - expected).abs() < 1e-9, "{m:?} vs {expected}");
        // max_diff: q above the single-model hull at the cheapest grid point.
        assert!(m.max_diff.unwrap() >= q - a.q_low - 1e-12);
        // An undefined curve has no metric.
        flat.selected = vec![None; s.grid.len()];
        let m = crate::literature::metrics(&s, &flat, CurveKind::Selected);
        assert_eq!((m.aiq, m.auc, m.max_diff, m.arena, m.delta_ibc_mid), (None, None, None, None, None));
    }
}
