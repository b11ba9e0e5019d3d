//! `cascadelab inspect` and `cascadelab frontier`, end to end: hand-computed
//! answers on a tiny file, consistency on real data (MMLU, when `../shared` is
//! there), and clean errors on every bad-data fixture.

use std::path::{Path, PathBuf};

use cascadelab_core::{Evaluator, Policy, Predictors};
use serde_json::Value;

use crate::util;

fn tiny() -> PathBuf {
    util::fixtures("inspect").join("tiny.csv")
}

fn run_ok(args: &[&str]) -> String {
    let o = util::cascadelab(&util::root(), args);
    assert!(o.status.success(), "{args:?} failed: {}", util::stderr(&o));
    util::stdout(&o)
}

/// Runs a command that must fail cleanly; returns its stderr.
fn run_err(args: &[&str]) -> String {
    let o = util::cascadelab(&util::root(), args);
    let err = util::stderr(&o);
    assert!(!o.status.success(), "{args:?} should fail, printed: {}", util::stdout(&o));
    assert!(err.starts_with("error:") || err.contains("\nerror:"), "{args:?}: no `error:` in {err:?}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    err
}

/// One row of the per-model table.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    name: String,
    queries: usize,
    accuracy: f64,
    cost: f64,
    auroc: Option<f64>,
}

/// The parts of `inspect`'s report: header values, the table, the pool, the pairs.
#[derive(Debug)]
struct Report {
    queries: usize,
    models: usize,
    rows: Vec<Row>,
    pool: Vec<String>,
    pairs: Vec<(String, String)>,
}

fn header_value(text: &str, key: &str) -> usize {
    let line = text.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no `{key}` line in\n{text}"));
    line[key.len()..].trim().parse().unwrap_or_else(|e| panic!("`{line}`: {e}"))
}

/// Lines indented by two spaces after the line starting with `title`, up to a blank line.
fn section<'a>(text: &'a str, title: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| !l.starts_with(title))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.strip_prefix("  ").unwrap_or_else(|| panic!("not indented: `{l}`")))
        .collect()
}

fn parse_inspect(text: &str) -> Report {
    let rows = text
        .lines()
        .skip_while(|l| !l.starts_with("model "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let k = f.len();
            assert!(k >= 5, "short row `{l}`");
            Row {
                name: f[..k - 4].join(" "),
                queries: f[k - 4].parse().unwrap(),
                accuracy: f[k - 3].parse().unwrap(),
                cost: f[k - 2].parse().unwrap(),
                auroc: (f[k - 1] != "n/a").then(|| f[k - 1].parse().unwrap()),
            }
        })
        .collect();
    Report {
        queries: header_value(text, "queries:"),
        models: header_value(text, "models:"),
        rows,
        pool: section(text, "non-dominated pool").into_iter().map(String::from).collect(),
        pairs: section(text, "valid pairs")
            .into_iter()
            .map(|l| {
                let (a, b) = l.split_once(" → ").unwrap_or_else(|| panic!("not a pair: `{l}`"));
                (a.to_string(), b.to_string())
            })
            .collect(),
    }
}

/// The pool and pairs by the paper's rules, recomputed from the printed table: a
/// model leaves when another is strictly cheaper and strictly more accurate; the
/// pool is ordered by cost (ties: table order); a pair needs a strictly higher cost
/// and a strictly higher accuracy.
fn pool_from_table(rows: &[Row]) -> (Vec<String>, Vec<(String, String)>) {
    let mut pool: Vec<&Row> =
        rows.iter().filter(|m| !rows.iter().any(|o| o.cost < m.cost && o.accuracy > m.accuracy)).collect();
    pool.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    let mut pairs = Vec::new();
    for (i, l) in pool.iter().enumerate() {
        for h in &pool[i + 1..] {
            if l.cost < h.cost && h.accuracy > l.accuracy {
                pairs.push((l.name.clone(), h.name.clone()));
            }
        }
    }
    (pool.iter().map(|m| m.name.clone()).collect(), pairs)
}

/// Checks a `frontier --json` document: the shape of every point, costs and
/// qualities strictly increasing, and every point's policy evaluating (with the
/// core evaluator, on the data loaded afresh) to the printed cost and quality.
fn check_frontier_json(json: &Value, data_path: &Path) -> Vec<(f64, f64)> {
    let points = json["points"].as_array().expect("points");
    assert!(!points.is_empty());
    let loaded = cascadelab_data::load_path(data_path).unwrap();
    let all = loaded.dataset.all_queries();
    let preds = Predictors::new();
    let mut ev = Evaluator::new(&loaded.dataset, &all, &preds).unwrap();
    let mut out = Vec::new();
    for p in points {
        let cost = p["cost"].as_f64().expect("cost");
        let quality = p["quality"].as_f64().expect("quality");
        let policy: Policy = serde_json::from_value(p["policy"].clone()).expect("a policy");
        let stages: Vec<&str> = p["stages"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        assert_eq!(stages, policy.models(), "{p}");
        match &policy {
            Policy::Single { .. } => assert!(p["threshold"].is_null() && p["pair"].is_null(), "{p}"),
            Policy::Cascade { thresholds, .. } => {
                assert_eq!(p["pair"].as_array().unwrap().len(), 2);
                let t = &p["threshold"];
                assert!(t.as_f64() == Some(thresholds[0]) || t.as_str() == Some("inf"), "{p}");
            }
            other => panic!("unexpected policy {other:?}"),
        }
        let e = ev.evaluate(&policy).unwrap();
        assert!((e.cost - cost).abs() <= 1e-12 && (e.quality - quality).abs() <= 1e-12, "{p}: evaluates to {e:?}");
        out.push((cost, quality));
    }
    for w in out.windows(2) {
        assert!(w[1].0 > w[0].0 && w[1].1 > w[0].1, "not a staircase: {w:?}");
    }
    for s in json["switching_points"].as_array().expect("switching points") {
        let b = s["budget"].as_f64().unwrap();
        assert!(out.iter().any(|p| p.0 == b), "switching budget {b} is no point's cost");
    }
    out
}

fn parse_csv(text: &str) -> Vec<(f64, f64, Vec<String>)> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("cost,quality,kind,model,escalate_to,threshold"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 6, "`{l}`");
            (f[0].parse().unwrap(), f[1].parse().unwrap(), f[2..].iter().map(|s| s.to_string()).collect())
        })
        .collect()
}

/// tiny.csv, by hand (costs per query: cheap $0.001, mid $0.002, big $0.01 but
/// $0.02 on q3, waste $0.02):
///
/// | query | cheap (U, s) | mid (U, s) | big (U, s)  | waste (U, s) |
/// |-------|--------------|------------|-------------|--------------|
/// | q0    | 1, 0.9       | 1, 0.2     | 1, 0.3      | 0, 0.1       |
/// | q1    | 0, 0.2       | 1, 0.8     | 1, 0.3      | 0, 0.1       |
/// | q2    | 0, -inf      | 0, 0.4     | 1, 0.3      | 1, 0.1       |
/// | q3    | 1, 0.5       | 1, 0.6     | 0.5, 0.1    | 0, 0.1       |
///
/// Accuracy and mean cost: cheap 0.5 / 1e-3, mid 0.75 / 2e-3, big 0.875 / 1.25e-2,
/// waste 0.25 / 2e-2 (dominated by cheap). AUROC: cheap separates perfectly (1);
/// mid ranks 2 of its 3 correct answers above the wrong one (2/3); big, weighted:
/// positives 1, 1, 1, 0.5 against the negative half of q3 (weight 0.5) give
/// (3 · 0.5 + ½ · 0.5 · 0.5) / (3.5 · 0.5) = 13/14; waste ties everything (1/2).
#[test]
fn inspect_reports_a_tiny_file_as_worked_out_by_hand() {
    let out = run_ok(&["inspect", tiny().to_str().unwrap()]);
    let r = parse_inspect(&out);
    assert_eq!((r.queries, r.models), (4, 4));
    let want = [
        ("cheap", 0.5, 1e-3, Some(1.0)),
        ("mid", 0.75, 2e-3, Some(0.6667)),
        ("big", 0.875, 1.25e-2, Some(0.9286)),
        ("waste", 0.25, 2e-2, Some(0.5)),
    ];
    assert_eq!(r.rows.len(), want.len());
    for (row, (name, acc, cost, auroc)) in r.rows.iter().zip(want) {
        assert_eq!(row.name, name);
        assert_eq!(row.queries, 4);
        assert_eq!((row.accuracy, row.cost, row.auroc), (acc, cost, auroc), "{row:?}");
    }
    assert_eq!(r.pool, vec!["cheap", "mid", "big"]);
    let pairs: Vec<(&str, &str)> = r.pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(pairs, vec![("cheap", "mid"), ("cheap", "big"), ("mid", "big")]);
}

/// The envelope of tiny.csv, by hand. cheap → mid: cheap's scores in order are q2
/// (-inf), q1 (0.2), q3, q0; τ = 0.5 escalates q2 and q1 and gains q1: (2e-3, 0.75),
/// a tie with mid alone, which is kept. cheap → big: τ = 0.2 escalates q2 (+1):
/// (3.5e-3, 0.75); τ = 0.5 adds q1 (+1): (6e-3, 1). mid → big: τ = 0.4 escalates q0
/// (+0): (4.5e-3, 0.75); τ = 0.6 adds q2 (+1): (7e-3, 1). Envelope: cheap
/// (1e-3, 0.5), mid (2e-3, 0.75), cheap → big @ 0.5 (6e-3, 1); the route switches
/// at 2e-3 (cheap to mid) and at 6e-3 (mid to cheap → big).
#[test]
fn frontier_of_a_tiny_file_as_worked_out_by_hand_in_every_format() {
    let path = tiny();
    let p = path.to_str().unwrap();
    let json: Value = serde_json::from_str(&run_ok(&["frontier", p, "--json"])).expect("json");
    let points = check_frontier_json(&json, &path);
    let want = [(1e-3, 0.5), (2e-3, 0.75), (6e-3, 1.0)];
    assert_eq!(points.len(), want.len(), "{points:?}");
    for (g, w) in points.iter().zip(want) {
        assert!((g.0 - w.0).abs() < 1e-15 && (g.1 - w.1).abs() < 1e-15, "{points:?}");
    }
    assert_eq!(
        json["points"][2]["policy"],
        serde_json::json!({"kind": "cascade", "stages": ["cheap", "big"], "thresholds": [0.5]})
    );
    let sw: Vec<(f64, &str, &str)> = json["switching_points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["budget"].as_f64().unwrap(), s["before"].as_str().unwrap(), s["after"].as_str().unwrap()))
        .collect();
    assert_eq!(sw, vec![(points[1].0, "cheap", "mid"), (points[2].0, "mid", "cheap → big")]);

    let csv = parse_csv(&run_ok(&["frontier", p, "--csv"]));
    let rows: Vec<(f64, f64, Vec<&str>)> =
        csv.iter().map(|(c, q, f)| (*c, *q, f.iter().map(String::as_str).collect())).collect();
    assert_eq!(
        rows,
        vec![
            (points[0].0, points[0].1, vec!["single", "cheap", "", ""]),
            (points[1].0, points[1].1, vec!["single", "mid", "", ""]),
            (points[2].0, points[2].1, vec!["cascade", "cheap", "big", "0.5"]),
        ]
    );

    let table = run_ok(&["frontier", p]);
    assert!(table.contains("pairwise envelope: 3 points"), "{table}");
    assert!(table.contains("switching points: 2"), "{table}");
    // The same output twice: formatting is deterministic.
    assert_eq!(table, run_ok(&["frontier", p]));
}

#[test]
fn data_flags_reach_the_reader() {
    let dir = util::fixtures("inspect");
    let wide = dir.join("wide.csv");
    let wide = wide.to_str().unwrap();
    // `sample_id` repeats; `row_id` is the key.
    let err = run_err(&["inspect", wide]);
    assert!(err.contains("duplicate query id"), "{err}");
    let out = run_ok(&["inspect", wide, "--id-column", "row_id"]);
    let r = parse_inspect(&out);
    assert_eq!((r.queries, r.models), (3, 2));
    assert!(r.rows.iter().all(|row| row.auroc.is_none()), "no confidence, no AUROC: {out}");
    let err = run_err(&["frontier", wide, "--id-column", "row_id"]);
    assert!(err.contains("confidence column"), "{err}");
    let err = run_err(&["inspect", wide, "--layout", "long"]);
    assert!(err.contains("query_id"), "{err}");

    let missing = dir.join("missing_confidence.csv");
    let missing = missing.to_str().unwrap();
    let err = run_err(&["frontier", missing]);
    assert!(err.contains("line 4") && err.contains("confidence"), "{err}");
    let o = util::cascadelab(&util::root(), &["frontier", missing, "--drop-missing-confidence", "--json"]);
    assert!(o.status.success(), "{}", util::stderr(&o));
    assert!(util::stderr(&o).contains("dropped 1 of 3 queries"), "{}", util::stderr(&o));
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["queries"], 2);
}

#[test]
fn bad_arguments_are_errors() {
    let p = tiny();
    let p = p.to_str().unwrap();
    assert!(run_err(&["frontier", p, "--grid", "1"]).contains("--grid must be at least 2"));
    assert!(run_err(&["frontier", p, "--thresholds", "exact", "--grid", "5"]).contains("--grid"));
    assert!(run_err(&["frontier", "no/such/file.csv"]).contains("no/such/file.csv"));
    run_err(&["frontier", p, "--csv", "--json"]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("envelope.json");
    run_ok(&["frontier", p, "--json", "--output", out.to_str().unwrap()]);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["points"].as_array().unwrap().len(), 3);
    let bad = dir.path().join("no/such/dir/envelope.json");
    assert!(run_err(&["frontier", p, "--output", bad.to_str().unwrap()]).contains("cannot write"));
}

#[test]
fn every_bad_data_file_is_an_error_not_a_panic() {
    let dir = util::fixtures("data");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipped: {} does not exist yet", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    for f in &files {
        let f = f.to_str().unwrap();
        run_err(&["inspect", f]);
        run_err(&["frontier", f, "--json"]);
    }
    println!("{} bad data files checked", files.len());
}

fn mmlu() -> Option<PathBuf> {
    let p = util::shared_data()?.join("zellinger/mmlu.csv.gz");
    if p.is_file() {
        Some(p)
    } else {
        println!("skipped: {} is absent", p.display());
        None
    }
}

#[test]
fn inspect_mmlu_pool_and_pairs_follow_from_its_own_table() {
    let Some(path) = mmlu() else { return };
    let out = run_ok(&["inspect", path.to_str().unwrap()]);
    let r = parse_inspect(&out);
    assert_eq!((r.queries, r.models), (1816, 9));
    assert_eq!(r.rows.len(), 9);
    for row in &r.rows {
        assert_eq!(row.queries, 1816);
        assert!((0.0..=1.0).contains(&row.accuracy) && row.cost > 0.0, "{row:?}");
        let auroc = row.auroc.expect("mmlu has confidence");
        assert!(auroc > 0.5 && auroc < 1.0, "{row:?}");
    }
    let (pool, pairs) = pool_from_table(&r.rows);
    assert_eq!(r.pool, pool);
    assert_eq!(r.pairs, pairs);
    assert!(r.pool.len() >= 2 && !r.pairs.is_empty());
}

#[test]
fn frontier_mmlu_json_and_csv_agree_and_name_exact_policies() {
    let Some(path) = mmlu() else { return };
    let p = path.to_str().unwrap();
    let json: Value = serde_json::from_str(&run_ok(&["frontier", p, "--json"])).expect("json");
    assert_eq!(json["queries"], 1816);
    assert_eq!(json["thresholds"], "exact");
    let exact = check_frontier_json(&json, &path);
    let csv = parse_csv(&run_ok(&["frontier", p, "--csv"]));
    let from_csv: Vec<(f64, f64)> = csv.iter().map(|r| (r.0, r.1)).collect();
    assert_eq!(from_csv, exact, "CSV and JSON print the same points to full precision");

    // The paper's grid tries thresholds equivalent to some of the exact ones, so its
    // envelope is nowhere above the exact envelope.
    let grid: Value = serde_json::from_str(&run_ok(&["frontier", p, "--json", "--grid", "200"])).expect("json");
    assert_eq!(grid["grid_size"], 200);
    let grid = check_frontier_json(&grid, &path);
    for (c, q) in grid {
        let best = exact.iter().take_while(|e| e.0 <= c).last().expect("the cheapest point is shared").1;
        assert!(best >= q - 1e-12, "grid point ({c}, {q}) beats the exact envelope ({best})");
    }
}
