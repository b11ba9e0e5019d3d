//! Core types of cascadelab: the dataset of per-query evaluation records, the model
//! pool, policies as data, their exact evaluation, frontiers and curves, and the
//! [`Solver`] contract that every solver crate implements.
//!
//! Architecture invariant: this crate reads no files and prints nothing; it knows
//! no solver, no file format and no experiment file.
#![deny(missing_docs)]

mod dataset;
mod eval;
pub mod float;
mod frontier;
mod policy;
mod pool;
mod predictor;
mod solver;

pub use dataset::{Dataset, DatasetError, Features, ModelColumns};
pub use eval::{Evaluator, Outcomes, Point};
pub use frontier::{Curve, Frontier, FrontierPoint, concave_hull, linspace};
pub use policy::{Estimate, HybridOption, Policy, PolicyError, Signal};
pub use pool::{ModelStats, Pool, model_stats};
pub use predictor::{Predictor, Predictors, sigmoid};
pub use solver::{
    BuildContext, Context, Entry, NullObserver, Observer, ParamDoc, PolicyFamily, Problem, Proposal, Solver,
    SolverEntry, SolverError, deserialize_params, params_doc_from_schema,
};
