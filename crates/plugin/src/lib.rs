//! Solver plugins: new solvers shipped without forking cascadelab, as a shared
//! library loaded at run time or as a program in any language that speaks the same
//! JSON over standard input and output.
//!
//! Architecture invariant: the engine knows nothing of plugins. This crate exposes
//! one more registry entry, [`ENTRY`] (`kind = "plugin"`), whose solver sends each
//! split's calibration data to the plugin and checks what comes back; the engine
//! evaluates the plugin's policies on held-out data like any built-in's.
//!
//! # Using a plugin
//!
//! ```toml
//! [[solvers]]
//! kind = "plugin"
//! name = "frugalgpt"
//! path = "../target/release/frugalgpt_plugin"   # or: command = ["python3", "frugalgpt.py"]
//! params = { max-len = 3, grid = 10 }           # handed to the plugin as is
//! ```
//!
//! Parameters ([`PluginParams`]): `path` (a shared library, relative to the
//! experiment file; a file name without extension gets the platform's `lib…so` /
//! `….dylib` / `….dll`) or `command` (a string split on whitespace, or an array;
//! it runs in the experiment file's directory), `params` (free-form), and for
//! commands `timeout-seconds` (default 60), and `send-features` (default false).
//!
//! A shared library is loaded and checked when the experiment is read, so
//! `cascadelab validate` reports a missing file, a file that is not a library, a
//! missing symbol (named) and an ABI version mismatch (both versions).
//!
//! # Writing a plugin in Rust
//!
//! Implement the ordinary [`cascadelab_core::Solver`] trait, then export it with
//! one line in a crate built as a `cdylib`:
//!
//! ```ignore
//! cascadelab_plugin::export_solver!(name = "my-solver", build = |params: serde_json::Value| {
//!     MySolver::from_params(params)   // -> Result<MySolver, impl Display>
//! });
//! ```
//!
//! or, for a command plugin, make it the whole `main`:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     cascadelab_plugin::serve_stdio(MySolver::from_params)
//! }
//! ```
//!
//! The solver sees an ordinary [`cascadelab_core::Problem`]: a dataset holding the
//! split's calibration queries (all of them calibration) and the host's pool. A
//! panic is caught at the boundary and reported as `plugin panicked: <message>`
//! (so do not build plugins with `panic = "abort"`). `examples/plugins/frugalgpt`
//! is a complete plugin.
//!
//! # The C ABI, version 1
//!
//! No Rust type crosses the boundary: bytes of UTF-8 JSON in, bytes of UTF-8 JSON
//! out. A plugin library exports these four C functions:
//!
//! ```c
//! #define CASCADELAB_PLUGIN_ABI_VERSION 1
//!
//! /* Checked first, before any other symbol is looked up; must return 1. */
//! uint32_t cascadelab_plugin_abi_version(void);
//!
//! /* The plugin's name for messages: static, NUL-terminated UTF-8, not empty. */
//! const char *cascadelab_plugin_name(void);
//!
//! /* Answers one request (`request_len` bytes of JSON, not NUL-terminated).
//!  * Writes a buffer it owns to *response / *response_len and returns 0 with a
//!  * reply (a proposal), or non-zero with an error (`{"error": "..."}` or plain
//!  * UTF-8 text). May be called from several threads at once. Must not unwind. */
//! int32_t cascadelab_plugin_propose(const uint8_t *request, size_t request_len,
//!                                   uint8_t **response, size_t *response_len);
//!
//! /* Frees a response; the host copies it first and calls this exactly once. */
//! void cascadelab_plugin_free(uint8_t *response, size_t response_len);
//! ```
//!
//! The host keeps the library loaded as long as the solver lives.
//!
//! # The command protocol
//!
//! The program reads one request (the same JSON) on standard input until end of
//! file, writes its reply on standard output and exits 0. A non-zero exit is a
//! failure, reported with the last lines of its standard error; a program running
//! past `timeout-seconds` is killed (with its process group, on Unix). One process
//! runs per split.
//!
//! # Request
//!
//! ```json
//! {"abi_version": 1, "seed": 1234, "split": 0, "params": {"grid": 10},
//!  "models": [{"name": "tiny", "mean_cost": 1e-05, "accuracy": 0.61},
//!             {"name": "large", "mean_cost": 0.0005, "accuracy": 0.83}],
//!  "pool": ["tiny", "large"],
//!  "pairs": [["tiny", "large"]],
//!  "queries": ["q1", "q2", "q3"],
//!  "quality":    {"large": [1, 1, 0], "tiny": [1, 0, 0]},
//!  "confidence": {"large": [-0.1, -0.3, -0.9], "tiny": [-0.2, "-inf", -1.5]},
//!  "cost":       {"large": [0.0005, 0.0004, 0.0006], "tiny": [1e-05, 1e-05, 1e-05]}}
//! ```
//!
//! ([`Request`].) `models` lists every dataset model with its calibration mean cost
//! and accuracy, in dataset order; `pool` is the non-dominated pool by ascending
//! cost and `pairs` its valid cascade pairs; the column maps hold one entry per
//! calibration query, in `queries` order. A confidence column is `null` for a model
//! without confidence; `-inf` (a legal score) is written `"-inf"`. `features`
//! (`{"dim": d, "values": [...]}`, row-major) is present only with
//! `send-features = true`.
//!
//! # Reply
//!
//! The core's proposal JSON: families of policies (`""` is the main family), and
//! the predictors they refer to, if any:
//!
//! ```json
//! {"families": [{"name": "", "policies": [
//!     {"kind": "single", "model": "tiny"},
//!     {"kind": "cascade", "stages": ["tiny", "large"], "thresholds": [-0.7]}]}],
//!  "predictors": {}}
//! ```
//!
//! A bare array of policies is one unnamed family. Thresholds may be `"inf"` or
//! `"-inf"`; JSON has no NaN or Infinity tokens. `{"error": "...", "unsupported":
//! true}` says the data does not suit the solver (`unsupported` defaults to false).
//! Every policy is checked against the data before the engine sees it: a policy
//! naming an unknown model or with a NaN threshold is an error naming the plugin
//! and the policy (`families[0].policies[3]`).
#![deny(missing_docs)]

mod command;
mod entry;
mod error;
mod export;
mod native;
mod protocol;

pub use cascadelab_core as core;
pub use command::{CommandPlugin, split_command_line};
pub use entry::{CommandLine, DEFAULT_TIMEOUT_SECONDS, ENTRY, PluginEntry, PluginParams, PluginSolver, library_path};
pub use error::PluginError;
pub use export::{ffi, handle, panic_message, serve_stdio};
pub use native::{NativePlugin, SYMBOLS};
pub use protocol::{
    ABI_VERSION, CASCADELAB_PLUGIN_ABI_VERSION, ErrorReply, FeatureRows, ModelSummary, OutputError, OwnedProblem,
    Reply, Request, Scores, parse_response, quote_start,
};
