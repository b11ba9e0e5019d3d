//! A bridge from argmin's observer interface to the engine's [`Observer`].
//!
//! argmin wants `'static` observers, the engine lends a `&mut dyn Observer` for one
//! call; so the bridge tallies what argmin reports (runs, iterations, whether each
//! run converged, the final objective) into a shared cell, and the solver forwards
//! the tallies to the engine's observer after each chain. Nothing is printed.

use std::cell::RefCell;
use std::rc::Rc;

use argmin::core::observers::Observe;
use argmin::core::{Error, KV, State, TerminationReason};
use cascadelab_core::Observer;

/// What argmin reported over the runs of one chain.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Executor runs (one per solved λ).
    pub runs: u64,
    /// Iterations over all runs.
    pub iterations: u64,
    /// Runs that ended because the solver converged (not at the iteration limit).
    pub converged: u64,
    /// Best objective Q − λ·C of the last run.
    pub last_objective: f64,
}

/// An argmin observer that adds to a shared [`Tally`].
#[derive(Debug, Clone, Default)]
pub struct Bridge {
    tally: Rc<RefCell<Tally>>,
}

impl Bridge {
    /// A bridge with an empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tally so far.
    pub fn tally(&self) -> Tally {
        *self.tally.borrow()
    }

    /// Counts `runs` solves made by an exact step outside the executor (one iteration
    /// each, converged by construction).
    pub fn record_exact(&self, runs: u64) {
        let mut t = self.tally.borrow_mut();
        t.runs += runs;
        t.iterations += runs;
        t.converged += runs;
    }

    /// Sends the tally to `observer` under `prefix` and starts a new one.
    pub fn flush(&self, prefix: &str, observer: &mut dyn Observer) {
        let t = std::mem::take(&mut *self.tally.borrow_mut());
        observer.observe(&format!("{prefix}runs"), t.runs as f64);
        observer.observe(&format!("{prefix}iterations"), t.iterations as f64);
        observer.observe(&format!("{prefix}not-converged"), (t.runs - t.converged) as f64);
    }
}

impl<I: State<Float = f64>> Observe<I> for Bridge {
    fn observe_final(&mut self, state: &I) -> Result<(), Error> {
        let mut t = self.tally.borrow_mut();
        t.runs += 1;
        t.iterations += state.get_iter();
        if matches!(state.get_termination_reason(), Some(TerminationReason::SolverConverged)) {
            t.converged += 1;
        }
        t.last_objective = -state.get_best_cost();
        Ok(())
    }

    fn observe_iter(&mut self, _state: &I, _kv: &KV) -> Result<(), Error> {
        Ok(())
    }
}
