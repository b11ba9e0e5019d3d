//! Plugins end to end at the crate level: the example plugin loaded at run time
//! proposes exactly what the same code linked statically proposes (as a library,
//! as a Rust command and as the Python command), and every way a plugin can break
//! gives its own clear error without taking the process down.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use cascadelab_plugin::core::{
    BuildContext, Context, Dataset, NullObserver, Policy, Pool, Problem, Proposal, Solver, SolverEntry, SolverError,
};
use cascadelab_plugin::{ABI_VERSION, CommandPlugin, ENTRY, NativePlugin, PluginError, PluginSolver};
use common::*;
use frugalgpt_plugin::{FrugalGpt, FrugalGptParams};
use serde_json::{Map, Value, json};

fn params(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn propose(solver: &dyn Solver, data: &Dataset, cal: &[usize], pool: &Pool) -> Result<Proposal, SolverError> {
    let mut observer = NullObserver;
    let mut ctx = Context { seed: 42, split: 3, observer: &mut observer };
    solver.propose(&Problem { data, calibration: cal, pool }, &mut ctx)
}

/// The error of a plugin solver on the quickstart problem.
fn plugin_error(solver: &PluginSolver) -> PluginError {
    let data = quickstart();
    let cal = calibration(&data);
    let pool = pool(&data, &cal);
    let mut observer = NullObserver;
    let ctx = Context { seed: 1, split: 0, observer: &mut observer };
    solver.propose_checked(&Problem { data: &data, calibration: &cal, pool: &pool }, &ctx).unwrap_err()
}

fn broken(misbehave: &str) -> PluginSolver {
    let plugin = NativePlugin::open(&broken_library()).unwrap();
    PluginSolver::native(plugin, params(json!({ "misbehave": misbehave })))
}

fn script(name: &str, timeout: Duration) -> PluginSolver {
    let argv = vec!["sh".to_string(), name.to_string()];
    PluginSolver::command(CommandPlugin::new(&argv, &fixtures(), timeout).unwrap(), Map::new())
}

/// The statically linked FrugalGPT solver's proposal on the quickstart problem.
fn static_frugalgpt(p: FrugalGptParams) -> Proposal {
    let data = quickstart();
    let cal = calibration(&data);
    propose(&FrugalGpt::new(p).unwrap(), &data, &cal, &pool(&data, &cal)).unwrap()
}

fn small() -> (FrugalGptParams, Value) {
    (FrugalGptParams { max_len: 3, grid: 6, ..Default::default() }, json!({"max-len": 3, "grid": 6}))
}

// ---- the example plugin: the same policies however it is run ----

#[test]
fn the_loaded_library_proposes_what_the_statically_linked_solver_proposes() {
    let (p, v) = small();
    let expected = static_frugalgpt(p);
    let policies = &expected.families[0].policies;
    assert!(policies.iter().any(|p| matches!(p, Policy::Cascade { stages, .. } if stages.len() == 3)));

    // Built through the registry entry, from a bare library name relative to the
    // experiment's directory, as an experiment file would.
    let base = plugins_target();
    frugalgpt_library();
    let solver = ENTRY
        .build_with(json!({"path": "debug/frugalgpt_plugin", "params": v}), &BuildContext { base_dir: &base })
        .unwrap();
    let data = quickstart();
    let cal = calibration(&data);
    let got = propose(solver.as_ref(), &data, &cal, &pool(&data, &cal)).unwrap();
    assert_eq!(got, expected);
}

#[test]
fn the_library_answers_several_threads_at_once() {
    let (p, v) = small();
    let expected = static_frugalgpt(p);
    let solver = PluginSolver::native(NativePlugin::open(&frugalgpt_library()).unwrap(), params(v));
    let data = quickstart();
    let cal = calibration(&data);
    let pool = pool(&data, &cal);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| propose(&solver, &data, &cal, &pool).unwrap())).collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), expected);
        }
    });
}

#[test]
fn the_rust_command_plugin_proposes_the_same_policies() {
    let (p, v) = small();
    let expected = static_frugalgpt(p);
    let program = frugalgpt_stdio().display().to_string();
    let solver = ENTRY
        .build_with(json!({"command": [program], "params": v}), &BuildContext { base_dir: Path::new("") })
        .unwrap();
    let data = quickstart();
    let cal = calibration(&data);
    assert_eq!(propose(solver.as_ref(), &data, &cal, &pool(&data, &cal)).unwrap(), expected);
}

#[test]
fn the_python_command_plugin_proposes_the_same_policies() {
    if std::process::Command::new("python3").arg("--version").output().is_err() {
        eprintln!("SKIPPED the_python_command_plugin_proposes_the_same_policies: python3 is not installed");
        return;
    }
    let (p, v) = small();
    let expected = static_frugalgpt(p);
    let examples = root().join("examples/plugins");
    let solver = ENTRY
        .build_with(
            json!({"command": "python3 frugalgpt.py", "params": v, "timeout-seconds": 300}),
            &BuildContext { base_dir: &examples },
        )
        .unwrap();
    let data = quickstart();
    let cal = calibration(&data);
    let got = propose(solver.as_ref(), &data, &cal, &pool(&data, &cal)).unwrap();
    // Thresholds are calibration scores and means are summed in the same order:
    // equal as floats, not merely close.
    assert_eq!(got, expected);

    // Its parameters are checked like the Rust version's.
    let solver = ENTRY
        .build_with(
            json!({"command": "python3 frugalgpt.py", "params": {"gird": 3}}),
            &BuildContext { base_dir: &examples },
        )
        .unwrap();
    let err = propose(solver.as_ref(), &data, &cal, &pool(&data, &cal)).unwrap_err().to_string();
    assert!(err.contains("exited with status 2") && err.contains("unknown parameter `gird`"), "{err}");
}

// ---- errors found when the plugin is loaded (`cascadelab validate`) ----

#[test]
fn a_missing_library_is_named() {
    let base = fixtures();
    let err = ENTRY.build_with(json!({"path": "no-such-plugin"}), &BuildContext { base_dir: &base }).err().unwrap();
    let expected = base.join(libloading::library_filename("no-such-plugin"));
    assert_eq!(err, format!("path: plugin library `{}` not found", expected.display()));
}

#[test]
fn a_file_that_is_not_a_library_is_refused_by_the_loader() {
    let path = fixtures().join("not-a-library.so");
    let err = NativePlugin::open(&path).unwrap_err();
    let PluginError::NotLoadable { reason, .. } = &err else { panic!("{err}") };
    assert!(!reason.is_empty());
    assert!(err.to_string().starts_with(&format!("`{}` is not a loadable library: ", path.display())), "{err}");
}

#[test]
fn a_missing_symbol_is_named() {
    let err = NativePlugin::open(&missing_symbol_library()).unwrap_err();
    assert!(matches!(err, PluginError::MissingSymbol { symbol: "cascadelab_plugin_free", .. }), "{err}");
    assert!(err.to_string().contains("has no symbol `cascadelab_plugin_free`"), "{err}");
}

#[test]
fn an_abi_mismatch_names_both_versions() {
    let err = NativePlugin::open(&abi_mismatch_library()).unwrap_err();
    assert_eq!(err, PluginError::AbiMismatch { path: abi_mismatch_library(), found: 999, expected: ABI_VERSION });
    let message = err.to_string();
    assert!(message.contains("speaks plugin ABI version 999, this cascadelab speaks version 1"), "{message}");
}

#[test]
fn a_missing_command_is_named() {
    let err = ENTRY
        .build_with(json!({"command": "./no-such-script.sh"}), &BuildContext { base_dir: &fixtures() })
        .err()
        .unwrap();
    assert!(err.starts_with("command: command plugin program `./no-such-script.sh` not found"), "{err}");
}

// ---- errors found when the plugin runs ----

#[test]
fn a_panic_inside_the_plugin_is_caught_and_reported() {
    let err = plugin_error(&broken("panic"));
    assert_eq!(
        err.to_string(),
        "plugin `broken` reported an error: plugin panicked: deliberate panic in the broken plugin"
    );
    // The process is intact and the library still answers.
    let data = quickstart();
    let cal = calibration(&data);
    let proposal = propose(&broken("none"), &data, &cal, &pool(&data, &cal)).unwrap();
    assert_eq!(proposal.families[0].policies.len(), pool(&data, &cal).members.len());
}

#[test]
fn an_error_reply_is_reported_with_its_message() {
    let err = plugin_error(&broken("error"));
    assert_eq!(err.to_string(), "plugin `broken` reported an error: the broken plugin refuses this split");
}

#[test]
fn non_utf8_output_is_refused_and_quoted() {
    let err = plugin_error(&broken("non-utf8")).to_string();
    assert!(err.starts_with("plugin `broken`: output is not UTF-8 (invalid byte at offset 27); it begins"), "{err}");
    assert!(err.contains(r#"\xff\xfe"#), "{err}");
}

#[test]
fn malformed_json_output_is_refused_and_quoted() {
    let err = plugin_error(&broken("malformed-json")).to_string();
    assert!(
        err.starts_with("plugin `broken`: malformed output: not JSON (expected value at line 1 column 15)"),
        "{err}"
    );
    assert!(err.ends_with(r#"it begins "{\"families\": [oops""#), "{err}");
}

#[test]
fn a_policy_on_an_unknown_model_names_the_plugin_and_the_policy() {
    let err = plugin_error(&broken("unknown-model"));
    assert_eq!(
        err.to_string(),
        "plugin `broken` proposed an invalid policy at families[0].policies[0] (no-such-model): unknown model `no-such-model`"
    );
}

#[test]
fn a_nan_threshold_names_the_plugin_and_the_policy() {
    let err = plugin_error(&broken("nan-threshold")).to_string();
    assert!(err.starts_with("plugin `broken` proposed an invalid policy at families[0].policies[1] ("), "{err}");
    assert!(err.ends_with("): threshold 1 is NaN"), "{err}");
}

#[test]
#[cfg(unix)] // the scripts are POSIX shell
fn a_command_that_exits_non_zero_shows_its_stderr() {
    let err = plugin_error(&script("exit3.sh", Duration::from_secs(30)));
    assert_eq!(
        err.to_string(),
        "command plugin `sh exit3.sh` exited with status 3; its standard error:\n  | loading the model list\n  | error: the solver cannot handle this split"
    );
}

#[test]
#[cfg(unix)] // the scripts are POSIX shell
fn a_command_that_hangs_is_killed_at_its_timeout() {
    let start = Instant::now();
    let err = plugin_error(&script("sleep.sh", Duration::from_millis(500)));
    assert_eq!(
        err.to_string(),
        "command plugin `sh sleep.sh` exceeded its timeout of 0.5 s and was killed (raise `timeout-seconds` if it needs longer)"
    );
    // Killed, with its child: not left to run its 300 seconds.
    assert!(start.elapsed() < Duration::from_secs(60), "took {:?}", start.elapsed());
}

#[test]
#[cfg(unix)] // the scripts are POSIX shell
fn command_output_that_is_not_json_or_not_utf8_is_refused() {
    let err = plugin_error(&script("garbage.sh", Duration::from_secs(30))).to_string();
    assert!(err.starts_with("plugin `sh garbage.sh`: malformed output: not JSON"), "{err}");
    assert!(err.contains(r#"it begins "Traceback? no: just some text that is not JSON\n""#), "{err}");
    let err = plugin_error(&script("non-utf8.sh", Duration::from_secs(30))).to_string();
    assert!(err.starts_with("plugin `sh non-utf8.sh`: output is not UTF-8"), "{err}");
}

#[test]
#[cfg(unix)] // the scripts are POSIX shell
fn a_command_policy_on_an_unknown_model_is_refused() {
    let err = plugin_error(&script("unknown-model.sh", Duration::from_secs(30))).to_string();
    assert_eq!(
        err,
        "plugin `sh unknown-model.sh` proposed an invalid policy at families[0].policies[0] (gpt-9): unknown model `gpt-9`"
    );
}
