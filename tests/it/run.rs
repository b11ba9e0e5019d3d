//! `cascadelab run` and `cascadelab validate` end to end: the experiments of the
//! repository (snapshots of `summary.md` and `envelope.csv`), determinism across
//! thread counts with every kind of solver and every result file, the results
//! directory's safety rules, frozen splits, `--repeats`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::util;

fn cascadelab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cascadelab"))
        .args(args)
        .current_dir(dir)
        .env_remove("CASCADELAB_DATA_DIR")
        .output()
        .expect("run cascadelab")
}

fn ok(o: &Output) {
    assert!(o.status.success(), "cascadelab failed:\n{}", util::stderr(o));
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every file of a results directory (subdirectories included), by relative path.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

fn tiny() -> PathBuf {
    util::fixtures("experiments").join("tiny.toml")
}

/// tiny.toml with its data paths made absolute, to run from another directory.
fn tiny_elsewhere() -> String {
    let abs = |f: &str| format!("path = {:?}", util::fixtures("experiments/data").join(f).display().to_string());
    read(&tiny())
        .replace("path = \"data/tiny.csv\"", &abs("tiny.csv"))
        .replace("path = \"data/tiny.embeddings.csv\"", &abs("tiny.embeddings.csv"))
}

/// The result files every run writes with the default outputs, whatever its data.
const ALWAYS: &[&str] = &[
    "frontier.csv",
    "curves.csv",
    "policies.json",
    "envelope.csv",
    "metrics.csv",
    "first_order.csv",
    "summary.md",
    "plots/frontier.svg",
    "splits.csv",
    "manifest.json",
];

/// The result files of data with confidence and a pairwise solver.
const WITH_CASCADES: &[&str] = &[
    "comparisons.csv",
    "diagnostics/benefit.json",
    "diagnostics/benefit_bins.csv",
    "diagnostics/shadow_prices.json",
    "plots/envelope-hull.svg",
    "plots/shadow-price.svg",
];

/// The result files of a router solver.
const WITH_ROUTER: &[&str] = &["decomposition.csv", "predictor_auroc.csv"];

/// `envelope.csv` for a snapshot (the whole file is megabytes): its row count, then
/// split 0's first and last point of each curve and every switching point.
fn envelope_excerpt(text: &str) -> String {
    use std::fmt::Write as _;
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let _ = writeln!(out, "{} rows; split 0: first, last and switching points of each curve", lines.len() - 1);
    let _ = writeln!(out, "{}", lines[0]);
    let split0: Vec<Vec<&str>> =
        lines[1..].iter().map(|l| l.split(',').collect::<Vec<_>>()).filter(|f| f[0] == "0").collect();
    for (i, f) in split0.iter().enumerate() {
        let first = i == 0 || split0[i - 1][1] != f[1];
        let last = i + 1 == split0.len() || split0[i + 1][1] != f[1];
        let switch = f[f.len() - 2] == "1";
        if first || last || switch {
            let _ = writeln!(out, "{}", f.join(","));
        }
    }
    out
}

fn experiment_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&util::root().join("experiments"), &mut v);
    v
}

#[test]
fn every_experiment_of_the_repository_runs_and_matches_its_snapshot() {
    let out = tempfile::tempdir().unwrap();
    let root = util::root();
    let mut ran = 0;
    for exp in experiment_files() {
        let rel = exp.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
        if rel.starts_with("experiments/paper/") {
            // The reproduction's experiments run through `cascadelab-reproduce`'s own
            // tests (a quick run with a snapshot of REPORT.md); 50 splits of every
            // solver here would only repeat the zellinger runs.
            println!("skipped {rel}: covered by the cascadelab-reproduce tests");
            continue;
        }
        let shared = rel.starts_with("experiments/zellinger/") || rel.starts_with("experiments/routerbench/");
        if shared && util::shared_data().is_none() {
            println!("skipped {rel}: ../shared/data is not present");
            continue;
        }
        let stem = rel.trim_start_matches("experiments/").trim_end_matches(".toml").replace('/', "-");
        let target = out.path().join(&stem);
        let o = cascadelab(&root, &["run", &rel, "--out", target.to_str().unwrap(), "--quiet"]);
        ok(&o);
        assert!(o.stderr.is_empty(), "--quiet prints nothing: {}", util::stderr(&o));
        let routerbench = rel.starts_with("experiments/routerbench/");
        let mut expected: Vec<&str> = ALWAYS.to_vec();
        if !routerbench {
            expected.extend(WITH_CASCADES);
        }
        if routerbench || rel.starts_with("experiments/zellinger/") {
            expected.extend(WITH_ROUTER);
        }
        for f in &expected {
            assert!(target.join(f).is_file(), "{rel}: {f} is missing");
        }
        let written: Vec<String> = files(&target).into_iter().map(|f| f.0).collect();
        for f in &written {
            assert!(
                expected.contains(&f.as_str()) || (!routerbench && f.starts_with("plots/benefit-")),
                "{rel}: unexpected file {f}"
            );
        }
        if !routerbench {
            assert!(written.iter().any(|f| f.starts_with("plots/benefit-")), "{rel}: no benefit plot");
        }
        insta::assert_snapshot!(format!("summary__{stem}"), read(&target.join("summary.md")));
        insta::assert_snapshot!(format!("envelope__{stem}"), envelope_excerpt(&read(&target.join("envelope.csv"))));
        let manifest: serde_json::Value = serde_json::from_str(&read(&target.join("manifest.json"))).unwrap();
        assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(manifest["experiment"]["sha256"].as_str().unwrap().len(), 64);
        assert!(!read(&target.join("manifest.json")).contains(&root.display().to_string()), "no absolute path");
        ran += 1;
    }
    assert!(ran >= 1, "experiments/quickstart.toml must run");
}

#[test]
fn outputs_are_identical_whatever_the_thread_count() {
    let out = tempfile::tempdir().unwrap();
    let (one, two) = (out.path().join("one"), out.path().join("two"));
    let exp = tiny();
    ok(&cascadelab(out.path(), &["run", exp.to_str().unwrap(), "--out", "one", "--threads", "1", "--quiet"]));
    ok(&cascadelab(out.path(), &["run", exp.to_str().unwrap(), "--out", "two", "--threads", "2", "--quiet"]));
    let (a, b) = (files(&one), files(&two));
    let names: Vec<&str> = a.iter().map(|f| f.0.as_str()).collect();
    for f in ALWAYS.iter().chain(WITH_CASCADES).chain(WITH_ROUTER) {
        assert!(names.contains(f), "{f} is missing: {names:?}");
    }
    // Three full-sample pairs of the tiny pool, one benefit plot each.
    assert_eq!(names.iter().filter(|f| f.starts_with("plots/benefit-")).count(), 3, "{names:?}");
    assert_eq!(a.len(), b.len());
    for ((na, ba), (nb, bb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between --threads 1 and --threads 2");
    }
}

#[test]
fn an_existing_results_directory_is_kept_without_force() {
    let out = tempfile::tempdir().unwrap();
    let exp = tiny();
    let exp = exp.to_str().unwrap();
    // Default target: results/<stem> under the current directory.
    ok(&cascadelab(out.path(), &["run", exp, "--quiet"]));
    let target = out.path().join("results/tiny");
    let before = files(&target);
    std::fs::write(target.join("note.txt"), "mine").unwrap();
    let o = cascadelab(out.path(), &["run", exp, "--quiet"]);
    assert!(!o.status.success());
    let err = util::stderr(&o);
    assert!(err.contains("results/tiny already exists: pass --force"), "{err}");
    assert_eq!(read(&target.join("note.txt")), "mine", "untouched");
    ok(&cascadelab(out.path(), &["run", exp, "--quiet", "--force"]));
    assert!(!target.join("note.txt").exists(), "replaced with --force");
    assert_eq!(files(&target), before, "same bytes on a second run");
    let siblings: Vec<String> = std::fs::read_dir(out.path().join("results"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(siblings, vec!["tiny".to_string()], "no temporary left behind");
}

#[test]
fn an_interrupted_run_leaves_no_complete_looking_results() {
    let out = tempfile::tempdir().unwrap();
    // Enough splits on one thread to take several seconds.
    let text = tiny_elsewhere().replace("repeats = 8", "repeats = 4000");
    let exp = out.path().join("long.toml");
    std::fs::write(&exp, text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cascadelab"))
        .args(["run", "long.toml", "--threads", "1", "--quiet"])
        .current_dir(out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let finished = child.try_wait().unwrap().is_some();
    child.kill().ok();
    child.wait().unwrap();
    assert!(!finished, "the long run finished before it could be interrupted");
    let target = out.path().join("results/long");
    assert!(!target.exists(), "an interrupted run left {}", target.display());
    // What may be left is a hidden temporary, never a complete-looking directory.
    for e in std::fs::read_dir(out.path().join("results")).into_iter().flatten().flatten() {
        assert!(e.file_name().to_string_lossy().starts_with(".long.tmp-"), "{:?}", e.file_name());
    }
}

#[test]
fn validate_accepts_the_repository_experiments() {
    let root = util::root();
    let o = cascadelab(&root, &["validate", "experiments/quickstart.toml"]);
    ok(&o);
    let s = util::stdout(&o);
    assert!(s.starts_with("ok: experiments/quickstart.toml"), "{s}");
    assert!(s.contains("solver `pairwise-grid` (pairwise): split 0 dry run"), "{s}");
    let o = cascadelab(&root, &["validate", tiny().to_str().unwrap()]);
    ok(&o);
}

#[test]
fn written_splits_freeze_a_study() {
    let out = tempfile::tempdir().unwrap();
    let exp = tiny();
    ok(&cascadelab(
        out.path(),
        &["run", exp.to_str().unwrap(), "--out", "drawn", "--write-splits", "splits.csv", "--quiet"],
    ));
    assert_eq!(read(&out.path().join("splits.csv")), read(&out.path().join("drawn/splits.csv")));
    let frozen = tiny_elsewhere().replace("repeats = 8\n", "file = \"splits.csv\"\n");
    std::fs::write(out.path().join("frozen.toml"), frozen).unwrap();
    ok(&cascadelab(out.path(), &["run", "frozen.toml", "--out", "frozen", "--quiet"]));
    for f in ["frontier.csv", "curves.csv", "envelope.csv", "policies.json", "splits.csv", "first_order.csv"] {
        assert!(
            read(&out.path().join("drawn").join(f)) == read(&out.path().join("frozen").join(f)),
            "{f} differs with frozen splits"
        );
    }
    let summary = read(&out.path().join("frozen/summary.md"));
    assert!(summary.contains("8 splits from `splits.csv`"), "{summary}");
}

#[test]
fn a_missing_data_set_says_where_it_comes_from() {
    let root = util::root();
    let o = cascadelab(&root, &["validate", "experiments/zellinger/mmlu.toml", "--data-dir", "no-such-dir"]);
    assert!(!o.status.success());
    let err = util::stderr(&o);
    assert!(err.contains("github.com/mzelling/rational-llm-cascades"), "{err}");
    insta::assert_snapshot!("missing_zellinger_data", err);
}

#[test]
fn schema_and_solvers_commands_print_the_registry() {
    let root = util::root();
    let o = cascadelab(&root, &["schema"]);
    ok(&o);
    assert_eq!(util::stdout(&o), read(&root.join("schemas/experiment.schema.json")), "run `cargo xtask schema`");
    let o = cascadelab(&root, &["solvers"]);
    ok(&o);
    let s = util::stdout(&o);
    assert!(s.starts_with("pairwise\n"), "{s}");
    assert!(s.contains("thresholds ("), "{s}");
    let o = cascadelab(&root, &["solvers", "--markdown"]);
    ok(&o);
    assert!(util::stdout(&o).contains("| `thresholds` |"));
}

#[test]
fn an_unset_data_dir_is_explained_with_the_data_source() {
    // Outside any repository, with neither --data-dir nor CASCADELAB_DATA_DIR.
    let out = tempfile::tempdir().unwrap();
    let text = read(&util::root().join("experiments/zellinger/gsm8k.toml"));
    std::fs::write(out.path().join("gsm8k.toml"), text).unwrap();
    let o = cascadelab(out.path(), &["validate", "gsm8k.toml"]);
    assert!(!o.status.success());
    insta::assert_snapshot!("unset_data_dir", util::stderr(&o));
}

#[test]
fn repeats_override_draws_the_first_splits_of_the_study() {
    let out = tempfile::tempdir().unwrap();
    let exp = tiny();
    let exp = exp.to_str().unwrap();
    ok(&cascadelab(out.path(), &["run", exp, "--out", "all", "--quiet"]));
    ok(&cascadelab(out.path(), &["run", exp, "--out", "three", "--repeats", "3", "--quiet"]));
    let summary = read(&out.path().join("three/summary.md"));
    assert!(summary.contains("3 random calibration/test splits"), "{summary}");
    // Split i keeps seed + i: the three splits are the full study's first three.
    let all = read(&out.path().join("all/splits.csv"));
    let three = read(&out.path().join("three/splits.csv"));
    let first: Vec<&str> = all
        .lines()
        .filter(|l| l.split(',').next().and_then(|s| s.parse::<usize>().ok()).is_none_or(|i| i < 3))
        .collect();
    assert_eq!(three.lines().collect::<Vec<_>>(), first);
    // A study with the data's own split has no repeats to change.
    std::fs::write(out.path().join("own.toml"), tiny_elsewhere().replace("repeats = 8\n", "source = \"data\"\n"))
        .unwrap();
    let o = cascadelab(out.path(), &["run", "own.toml", "--out", "own", "--repeats", "3", "--quiet"]);
    assert!(!o.status.success());
    assert!(util::stderr(&o).contains("--repeats applies to random splits only"), "{}", util::stderr(&o));
    let o = cascadelab(out.path(), &["run", exp, "--out", "zero", "--repeats", "0", "--quiet"]);
    assert!(!o.status.success(), "--repeats 0 is refused");
}
