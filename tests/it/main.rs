//! End-to-end tests of the `cascadelab` program: one test binary (link once), one
//! module per area. Fixtures live in `tests/fixtures/<area>/`.

mod util;

mod docs;
mod experiment_errors;
mod inspect;
mod plugins;
mod run;
