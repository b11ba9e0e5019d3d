//! Wall-clock timings of a reproduction, for `TIMINGS.md` and the end of
//! `cargo xtask reproduce` (never in `REPORT.md`, which must be deterministic).

use std::fmt::Write as _;
use std::time::Duration;

/// One solver's time on one benchmark, summed over the splits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SolverTimes {
    /// Solver name in the experiment.
    pub name: String,
    /// Its registry kind.
    pub kind: String,
    /// `propose` on calibration.
    pub propose: Duration,
    /// Evaluating every candidate on calibration and test, frontier and curves.
    pub evaluate: Duration,
    /// First-order diagnostics and predictor AUROC.
    pub diagnostics: Duration,
}

impl SolverTimes {
    /// The three steps together.
    pub fn total(&self) -> Duration {
        self.propose + self.evaluate + self.diagnostics
    }
}

/// One benchmark's timings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BenchTiming {
    /// Benchmark key.
    pub bench: String,
    /// Splits run.
    pub splits: usize,
    /// Reading the experiment and the data, drawing the splits.
    pub load: Duration,
    /// The splits, in parallel (wall).
    pub splits_wall: Duration,
    /// Per solver, summed over splits (thread time).
    pub solvers: Vec<SolverTimes>,
    /// Aggregating the curves and the full-sample theory diagnostics (wall).
    pub aggregate: Duration,
    /// Evaluating the held-fixed policies per query for the bootstrap (wall; side by
    /// side with the outputs).
    pub bootstrap_prepare: Duration,
    /// The bootstrap replicates (wall; side by side with the outputs).
    pub bootstrap: Duration,
    /// The engine's result files and the figures, built and written (wall; side by
    /// side with the bootstrap).
    pub outputs: Duration,
    /// The bootstrap and the outputs side by side (wall).
    pub side_by_side: Duration,
    /// The whole benchmark (wall).
    pub total: Duration,
}

/// A whole reproduction's timings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    /// Worker threads.
    pub threads: usize,
    /// Per benchmark.
    pub benches: Vec<BenchTiming>,
    /// Table 1 from the released curves (wall).
    pub paper_table: Duration,
    /// Writing REPORT.md (wall).
    pub report: Duration,
    /// Everything (wall).
    pub total: Duration,
}

fn s(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}

impl Timings {
    /// Per solver kind name over all benchmarks, in first-appearance order.
    pub fn by_solver(&self) -> Vec<SolverTimes> {
        let mut out: Vec<SolverTimes> = Vec::new();
        for b in &self.benches {
            for t in &b.solvers {
                match out.iter_mut().find(|o| o.name == t.name) {
                    Some(o) => {
                        o.propose += t.propose;
                        o.evaluate += t.evaluate;
                        o.diagnostics += t.diagnostics;
                    }
                    None => out.push(t.clone()),
                }
            }
        }
        out
    }

    /// `TIMINGS.md`.
    pub fn markdown(&self) -> String {
        let mut m = String::from("# Timings of the reproduction\n\n");
        let _ = writeln!(
            m,
            "Wall-clock seconds on this machine with {} worker threads (not part of REPORT.md, which is \
             deterministic). Solver times are thread time summed over the splits, which run in parallel: over \
             all solvers they add up to about the threads × the splits' wall time.\n",
            self.threads
        );
        m.push_str(
            "The bootstrap (prepare + replicates) and the outputs (the engine's result files and the figures, built \
             and written) run side by side; `side by side` is their joint wall time. Benchmarks are pipelined: one \
             benchmark's bootstrap and outputs run while the next one's splits do, so per-benchmark wall times \
             overlap and add up to more than the total.\n\n\
             | benchmark | splits | load | splits (wall) | aggregate + theory | bootstrap prepare | bootstrap | \
             outputs | side by side | total |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for b in &self.benches {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                b.bench,
                b.splits,
                s(b.load),
                s(b.splits_wall),
                s(b.aggregate),
                s(b.bootstrap_prepare),
                s(b.bootstrap),
                s(b.outputs),
                s(b.side_by_side),
                s(b.total)
            );
        }
        let sum = |f: &dyn Fn(&BenchTiming) -> Duration| self.benches.iter().map(f).sum::<Duration>();
        let _ = writeln!(
            m,
            "| all | | {} | {} | {} | {} | {} | {} | {} | {} |",
            s(sum(&|b| b.load)),
            s(sum(&|b| b.splits_wall)),
            s(sum(&|b| b.aggregate)),
            s(sum(&|b| b.bootstrap_prepare)),
            s(sum(&|b| b.bootstrap)),
            s(sum(&|b| b.outputs)),
            s(sum(&|b| b.side_by_side)),
            s(sum(&|b| b.total))
        );
        let _ = writeln!(
            m,
            "\nTable 1 from the released curves: {} s; REPORT.md: {} s; **total: {} s**.\n",
            s(self.paper_table),
            s(self.report),
            s(self.total)
        );
        m.push_str(
            "## Per solver (all benchmarks, thread time)\n\n| solver | kind | propose | evaluate | diagnostics | \
             total |\n|---|---|---:|---:|---:|---:|\n",
        );
        for t in self.by_solver() {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} |",
                t.name,
                t.kind,
                s(t.propose),
                s(t.evaluate),
                s(t.diagnostics),
                s(t.total())
            );
        }
        m.push_str(
            "\n## Per benchmark and solver (thread time)\n\n| benchmark | solver | propose | evaluate | diagnostics \
             |\n|---|---|---:|---:|---:|\n",
        );
        for b in &self.benches {
            for t in &b.solvers {
                let _ = writeln!(
                    m,
                    "| {} | {} | {} | {} | {} |",
                    b.bench,
                    t.name,
                    s(t.propose),
                    s(t.evaluate),
                    s(t.diagnostics)
                );
            }
        }
        m
    }

    /// A plain-text breakdown for the terminal.
    pub fn text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "timings (wall seconds, {} threads):", self.threads);
        for b in &self.benches {
            let _ = writeln!(
                t,
                "  {:<11} {:>6} total: load {}, splits {}, aggregate {}, bootstrap {} + {} beside outputs {}: {}",
                b.bench,
                s(b.total),
                s(b.load),
                s(b.splits_wall),
                s(b.aggregate),
                s(b.bootstrap_prepare),
                s(b.bootstrap),
                s(b.outputs),
                s(b.side_by_side)
            );
        }
        let _ =
            writeln!(t, "per solver (thread time over all splits and benchmarks: propose + evaluate + diagnostics):");
        for x in self.by_solver() {
            let _ = writeln!(
                t,
                "  {:<15} {:>7} = {} + {} + {}",
                x.name,
                s(x.total()),
                s(x.propose),
                s(x.evaluate),
                s(x.diagnostics)
            );
        }
        let _ = writeln!(t, "total: {} s", s(self.total));
        t
    }
}
