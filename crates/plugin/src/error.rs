//! Everything that can go wrong with a plugin, each case with a message that names
//! the plugin and says what to do.

use std::path::PathBuf;

use cascadelab_core::PolicyError;

use crate::protocol::OutputError;

/// A plugin that cannot be loaded, run, or whose answer cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PluginError {
    /// The shared library does not exist.
    #[error("plugin library `{}` not found", path.display())]
    Missing {
        /// The path tried.
        path: PathBuf,
    },
    /// The file exists but the system loader refuses it.
    #[error("`{}` is not a loadable library: {reason}", path.display())]
    NotLoadable {
        /// The library.
        path: PathBuf,
        /// The system loader's message.
        reason: String,
    },
    /// The library lacks one of the ABI's functions.
    #[error(
        "plugin library `{}` has no symbol `{symbol}`; a plugin exports the four `cascadelab_plugin_*` functions (`cascadelab_plugin::export_solver!` writes them)",
        path.display()
    )]
    MissingSymbol {
        /// The library.
        path: PathBuf,
        /// The missing function.
        symbol: &'static str,
    },
    /// The library speaks another version of the ABI.
    #[error(
        "plugin library `{}` speaks plugin ABI version {found}, this cascadelab speaks version {expected}; rebuild the plugin against a cascadelab-plugin with ABI version {expected}",
        path.display()
    )]
    AbiMismatch {
        /// The library.
        path: PathBuf,
        /// The version the library reports.
        found: u32,
        /// The version this host speaks.
        expected: u32,
    },
    /// `cascadelab_plugin_name` returned no usable name.
    #[error("plugin library `{}`: `cascadelab_plugin_name` {problem}", path.display())]
    BadName {
        /// The library.
        path: PathBuf,
        /// What is wrong with the name.
        problem: &'static str,
    },
    /// The command's program does not exist.
    #[error("command plugin program `{program}` not found{detail}")]
    CommandMissing {
        /// The program as written.
        program: String,
        /// Where it was looked for.
        detail: String,
    },
    /// The command could not be started or talked to.
    #[error("command plugin `{command}`: {reason}")]
    Spawn {
        /// The command line.
        command: String,
        /// The system's message.
        reason: String,
    },
    /// The command ran past its timeout and was killed.
    #[error(
        "command plugin `{command}` exceeded its timeout of {seconds} s and was killed (raise `timeout-seconds` if it needs longer)"
    )]
    Timeout {
        /// The command line.
        command: String,
        /// The timeout.
        seconds: f64,
    },
    /// The command exited unsuccessfully.
    #[error("command plugin `{command}` {status}{stderr}")]
    Exit {
        /// The command line.
        command: String,
        /// `exited with status 3` or `was killed by signal 9`.
        status: String,
        /// The last lines of its standard error, formatted for the message.
        stderr: String,
    },
    /// The plugin answered with an error.
    #[error("plugin `{plugin}` reported an error: {message}")]
    Reported {
        /// The plugin.
        plugin: String,
        /// Its message.
        message: String,
        /// Whether it says the data does not suit it (rather than failing).
        unsupported: bool,
    },
    /// The plugin's output is not a reply.
    #[error("plugin `{plugin}`: {source}")]
    Output {
        /// The plugin.
        plugin: String,
        /// What is wrong with the output.
        source: OutputError,
    },
    /// A proposed policy cannot run on the data.
    #[error("plugin `{plugin}` proposed an invalid policy at {location}: {source}")]
    Policy {
        /// The plugin.
        plugin: String,
        /// `families[0].policies[3] (a → b @ τ=(NaN))`.
        location: String,
        /// Why it cannot run.
        source: PolicyError,
    },
    /// The plugin proposed nothing.
    #[error("plugin `{plugin}` proposed no policy{detail}")]
    Empty {
        /// The plugin.
        plugin: String,
        /// Which family is empty, if one is.
        detail: String,
    },
}
