//! One module per subcommand.

pub mod frontier;
pub mod inspect;
pub mod run;
pub mod schema;
pub mod solvers;
pub mod validate;
