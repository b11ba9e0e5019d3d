//! The `plugin` solver of the engine's registry: `[[solvers]] kind = "plugin"` with
//! a shared library (`path`) or a program (`command`). The engine knows nothing of
//! plugins; it sees one more registry entry, whose `build_with` resolves paths
//! against the experiment file's directory and loads and checks the plugin up
//! front, so that `cascadelab validate` reports a broken plugin.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cascadelab_core::{
    BuildContext, Context, Dataset, Problem, Proposal, Solver, SolverEntry, SolverError, deserialize_params,
};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::command::{CommandPlugin, split_command_line};
use crate::error::PluginError;
use crate::native::NativePlugin;
use crate::protocol::{Reply, Request};

/// Default `timeout-seconds` of command plugins.
pub const DEFAULT_TIMEOUT_SECONDS: f64 = 60.0;

/// Parameters of the `plugin` solver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PluginParams {
    /// The plugin as a shared library, relative to the experiment file. A file
    /// name without extension is a library name: the platform's prefix and suffix
    /// are added (`target/release/frugalgpt_plugin` is
    /// `target/release/libfrugalgpt_plugin.so` on Linux). Give `path` or `command`.
    #[serde(default)]
    pub path: Option<String>,
    /// The plugin as a program that reads the request on standard input and writes
    /// its reply on standard output: an array of arguments, or one string split on
    /// whitespace. It runs in the experiment file's directory; a program written
    /// with a `/` resolves there too, a bare name on PATH. Give `path` or `command`.
    #[serde(default)]
    pub command: Option<CommandLine>,
    /// Free-form parameters handed to the plugin as the request's `params`.
    #[serde(default)]
    pub params: Map<String, Value>,
    /// Seconds a command plugin may take for one split before it is killed
    /// (default 60); shared libraries run in-process and have no timeout.
    #[serde(default)]
    #[schemars(extend("default" = 60))]
    pub timeout_seconds: Option<f64>,
    /// Whether the request carries the calibration queries' features (for router
    /// plugins); they are large, so they travel only when asked for.
    #[serde(default)]
    pub send_features: bool,
}

/// A command as written: one string, or an array of arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CommandLine {
    /// One string, split on whitespace.
    Line(String),
    /// The program and its arguments.
    Argv(Vec<String>),
}

impl CommandLine {
    /// The arguments, program first.
    pub fn argv(&self) -> Vec<String> {
        match self {
            CommandLine::Line(line) => split_command_line(line),
            CommandLine::Argv(argv) => argv.clone(),
        }
    }
}

/// The registry entry of the `plugin` solver.
pub static ENTRY: PluginEntry = PluginEntry;

/// The [`SolverEntry`] of plugins (a custom one, to resolve paths against the
/// experiment file's directory).
#[derive(Debug, Clone, Copy, Default)]
pub struct PluginEntry;

impl SolverEntry for PluginEntry {
    fn kind(&self) -> &'static str {
        "plugin"
    }

    fn summary(&self) -> &'static str {
        "a solver loaded at run time: a shared library speaking the cascadelab plugin ABI, or a program speaking the same JSON over standard input and output"
    }

    fn params_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.root_schema_for::<PluginParams>()
    }

    /// Builds relative to the current directory.
    fn build(&self, params: Value) -> Result<Box<dyn Solver>, String> {
        self.build_with(params, &BuildContext { base_dir: Path::new("") })
    }

    fn build_with(&self, params: Value, ctx: &BuildContext<'_>) -> Result<Box<dyn Solver>, String> {
        let params: PluginParams = deserialize_params(params)?;
        Ok(Box::new(PluginSolver::from_params(params, ctx.base_dir)?))
    }
}

/// Where a plugin runs.
#[derive(Debug, Clone)]
enum Backend {
    Native(Arc<NativePlugin>),
    Command(CommandPlugin),
}

/// A plugin as a [`Solver`]: sends each split's calibration data to the plugin and
/// checks every policy it proposes against the data.
#[derive(Debug, Clone)]
pub struct PluginSolver {
    backend: Backend,
    params: Map<String, Value>,
    send_features: bool,
}

impl PluginSolver {
    /// Checks `params` and loads the plugin (`path` and `command` relative to
    /// `base_dir`). Messages start with the key they are about.
    pub fn from_params(params: PluginParams, base_dir: &Path) -> Result<Self, String> {
        let backend = match (&params.path, &params.command) {
            (None, None) => {
                return Err("give the plugin's `path` (a shared library) or `command` (a program speaking JSON over standard input and output)".into());
            }
            (Some(_), Some(_)) => return Err("`path` and `command` exclude each other: give one".into()),
            (Some(path), None) => {
                if params.timeout_seconds.is_some() {
                    return Err(
                        "timeout-seconds: only command plugins have a timeout; a shared library runs in-process".into(),
                    );
                }
                let plugin = NativePlugin::open(&library_path(path, base_dir)).map_err(|e| format!("path: {e}"))?;
                Backend::Native(Arc::new(plugin))
            }
            (None, Some(command)) => {
                let seconds = params.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
                if !(seconds.is_finite() && seconds > 0.0) {
                    return Err(format!("timeout-seconds must be a positive number of seconds, got {seconds}"));
                }
                let plugin = CommandPlugin::new(&command.argv(), base_dir, Duration::from_secs_f64(seconds))
                    .map_err(|e| format!("command: {e}"))?;
                Backend::Command(plugin)
            }
        };
        Ok(Self { backend, params: params.params, send_features: params.send_features })
    }

    /// A solver on a loaded library, with `params` for the plugin.
    pub fn native(plugin: NativePlugin, params: Map<String, Value>) -> Self {
        Self { backend: Backend::Native(Arc::new(plugin)), params, send_features: false }
    }

    /// A solver on a command plugin, with `params` for the plugin.
    pub fn command(plugin: CommandPlugin, params: Map<String, Value>) -> Self {
        Self { backend: Backend::Command(plugin), params, send_features: false }
    }

    /// The plugin's name: a library's own name, or a command line.
    pub fn plugin_name(&self) -> &str {
        match &self.backend {
            Backend::Native(p) => p.name(),
            Backend::Command(c) => c.label(),
        }
    }

    /// One split's proposal, checked: every policy must run on `problem.data`.
    pub fn propose_checked(&self, problem: &Problem<'_>, ctx: &Context<'_>) -> Result<Proposal, PluginError> {
        let request = Request::new(problem, ctx.seed, ctx.split, self.params.clone(), self.send_features);
        let request = serde_json::to_vec(&request).expect("a request serializes");
        let reply = match &self.backend {
            Backend::Native(p) => p.call(&request)?,
            Backend::Command(c) => c.call(&request)?,
        };
        let proposal = match reply {
            Reply::Proposal(p) => p,
            Reply::Error(e) => {
                return Err(PluginError::Reported {
                    plugin: self.plugin_name().to_string(),
                    message: e.error,
                    unsupported: e.unsupported,
                });
            }
        };
        check(&proposal, problem.data, self.plugin_name())?;
        Ok(proposal)
    }
}

impl Solver for PluginSolver {
    fn propose(&self, problem: &Problem<'_>, ctx: &mut Context<'_>) -> Result<Proposal, SolverError> {
        self.propose_checked(problem, ctx).map_err(|e| match e {
            PluginError::Reported { unsupported: true, .. } => SolverError::Unsupported(e.to_string()),
            e => SolverError::Failed(e.to_string()),
        })
    }
}

/// Every policy of `proposal` can run on `data`, and there is at least one.
fn check(proposal: &Proposal, data: &Dataset, plugin: &str) -> Result<(), PluginError> {
    if proposal.families.is_empty() {
        return Err(PluginError::Empty { plugin: plugin.into(), detail: String::new() });
    }
    for (f, family) in proposal.families.iter().enumerate() {
        if family.policies.is_empty() {
            return Err(PluginError::Empty {
                plugin: plugin.into(),
                detail: format!(" in family `{}` (families[{f}])", family.name),
            });
        }
        for (p, policy) in family.policies.iter().enumerate() {
            policy.check(data, &proposal.predictors).map_err(|source| PluginError::Policy {
                plugin: plugin.into(),
                location: format!("families[{f}].policies[{p}] ({})", policy.describe()),
                source,
            })?;
        }
    }
    Ok(())
}

/// Where `path` as written points: relative to `base_dir`, with the platform's
/// library prefix and suffix added to a file name without extension, and never a
/// bare name (which the system loader would search for in its own directories).
pub fn library_path(path: &str, base_dir: &Path) -> PathBuf {
    let written = Path::new(path);
    let written = match written.file_name() {
        Some(name) if written.extension().is_none() => written.with_file_name(libloading::library_filename(name)),
        _ => written.to_path_buf(),
    };
    let full = if written.is_absolute() { written } else { base_dir.join(written) };
    if full.parent().is_none_or(|p| p.as_os_str().is_empty()) { Path::new(".").join(full) } else { full }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn library_names_get_the_platforms_prefix_and_suffix() {
        let lib = |name: &str| libloading::library_filename(name).into_string().unwrap();
        assert_eq!(library_path("frugal", Path::new("exp")), Path::new("exp").join(lib("frugal")));
        assert_eq!(
            library_path("target/debug/frugal", Path::new("/x")),
            Path::new("/x/target/debug").join(lib("frugal"))
        );
        assert_eq!(library_path("/abs/libp.so", Path::new("/x")), Path::new("/abs/libp.so"));
        // A bare name stays a path, never a search of the system's library directories.
        assert_eq!(library_path("libp.so", Path::new("")), Path::new("./libp.so"));
    }

    #[test]
    fn parameters_are_checked_before_anything_loads() {
        let build =
            |v: Value| ENTRY.build_with(v, &BuildContext { base_dir: Path::new("/nonexistent") }).err().unwrap();
        assert!(build(json!({})).starts_with("give the plugin's `path`"));
        assert!(build(json!({"path": "a", "command": "b"})).contains("exclude each other"));
        assert!(build(json!({"path": "a", "timeout-seconds": 3})).starts_with("timeout-seconds: only command plugins"));
        assert!(
            build(json!({"command": "sh", "timeout-seconds": 0})).starts_with("timeout-seconds must be a positive")
        );
        assert!(build(json!({"command": ["sh"], "timeout-seconds": -1.5})).contains("got -1.5"));
        assert!(build(json!({"path": "a", "paht": 1})).contains("unknown field `paht`"));
        assert!(build(json!({"command": 3})).starts_with("command: data did not match any variant"));
    }

    #[test]
    fn the_schema_documents_every_parameter_with_a_default() {
        let docs = ENTRY.params_doc();
        let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["command", "params", "path", "send-features", "timeout-seconds"]);
        for d in &docs {
            assert!(!d.description.is_empty(), "{} has no description", d.name);
            assert!(d.default.is_some(), "{} has no default", d.name);
        }
        let timeout = docs.iter().find(|d| d.name == "timeout-seconds").unwrap();
        assert_eq!(timeout.default.as_deref(), Some("60"));
    }
}
