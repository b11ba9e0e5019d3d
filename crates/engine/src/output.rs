//! Result files, and the results directory written atomically: every file goes to a
//! sibling temporary directory (`.<name>.tmp-<pid>`) that is renamed into place
//! only when complete, so an interrupted run never leaves a complete-looking
//! results directory. An existing directory is replaced only with `force`, and only
//! once the new one is complete.
//!
//! Floats in CSV files are written in Rust's shortest round-trip form (`{}`), an
//! undefined value as an empty cell. No file holds a timestamp, a thread count or
//! an absolute path, so identical inputs give identical bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::compare::{self, Reading};
use crate::error::EngineError;
use crate::experiment::OutputKind;
use crate::plan::DataDirOrigin;
use crate::protocol;
use crate::results::{CurveKind, RunResults};
use crate::study::{SplitOrigin, Study};
use crate::theory::{self, Theory};
use crate::{literature, plot, split, summary};

/// A float cell: shortest round-trip form.
pub fn num(x: f64) -> String {
    format!("{x}")
}

/// An optional float cell: empty when undefined.
pub fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

fn csv_bytes(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    w.into_inner().unwrap_or_default()
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `frontier.csv`: per curve and grid point, the median and 10th/90th percentiles
/// over splits, and how many splits define the curve there.
pub fn frontier_csv(study: &Study, results: &RunResults) -> Vec<u8> {
    let mut rows = Vec::new();
    for c in &results.curves {
        for kind in CurveKind::ALL {
            for (g, (cost, b)) in study.grid.iter().zip(c.bands(kind)).enumerate() {
                rows.push(vec![
                    c.label.clone(),
                    kind.label().into(),
                    g.to_string(),
                    num(*cost),
                    opt(b.map(|b| b.median)),
                    opt(b.map(|b| b.p10)),
                    opt(b.map(|b| b.p90)),
                    b.map_or(0, |b| b.splits).to_string(),
                ]);
            }
        }
    }
    csv_bytes(
        &["solver", "curve", "grid_index", "cost", "quality_median", "quality_p10", "quality_p90", "splits_defined"],
        rows,
    )
}

/// `curves.csv`: every split's curves on the grid.
pub fn curves_csv(study: &Study, results: &RunResults) -> Vec<u8> {
    let mut rows = Vec::new();
    for c in &results.curves {
        for kind in CurveKind::ALL {
            for s in &results.splits {
                let f = results.family(s.index, c.solver, &c.family);
                for (g, cost) in study.grid.iter().enumerate() {
                    let v = f.and_then(|f| match kind {
                        CurveKind::Selected => f.selected[g],
                        CurveKind::TestEnvelope => f.envelope[g],
                    });
                    rows.push(vec![
                        c.label.clone(),
                        kind.label().into(),
                        s.index.to_string(),
                        g.to_string(),
                        num(*cost),
                        opt(v),
                    ]);
                }
            }
        }
    }
    csv_bytes(&["solver", "curve", "split", "grid_index", "cost", "quality"], rows)
}

/// `envelope.csv`: per split and curve, the calibration-frontier points with their
/// calibration and test points, route and policy; `switch` = 1 where the route
/// differs from the previous point's, at budget `switch_budget` (its calibration cost).
pub fn envelope_csv(results: &RunResults) -> Vec<u8> {
    let mut rows = Vec::new();
    for s in &results.splits {
        for c in &results.curves {
            let Some(f) = results.family(s.index, c.solver, &c.family) else { continue };
            let mut previous: Option<String> = None;
            for (rank, e) in f.frontier.iter().enumerate() {
                let route = e.policy.route();
                let switch = previous.as_ref().is_some_and(|p| *p != route);
                rows.push(vec![
                    s.index.to_string(),
                    c.label.clone(),
                    rank.to_string(),
                    num(e.calibration.cost),
                    num(e.calibration.quality),
                    num(e.test.cost),
                    num(e.test.quality),
                    route.clone(),
                    e.policy.describe(),
                    u8::from(switch).to_string(),
                    if switch { num(e.calibration.cost) } else { String::new() },
                ]);
                previous = Some(route);
            }
        }
    }
    csv_bytes(
        &[
            "split",
            "solver",
            "rank",
            "calibration_cost",
            "calibration_quality",
            "test_cost",
            "test_quality",
            "route",
            "policy",
            "switch",
            "switch_budget",
        ],
        rows,
    )
}

/// `policies.json`: per split and solver, the predictors its policies use (once),
/// what it reported, and per curve the calibration-frontier policies with their
/// calibration and test points.
pub fn policies_json(study: &Study, results: &RunResults) -> Vec<u8> {
    let splits: Vec<Value> = results
        .splits
        .iter()
        .map(|s| {
            let solvers: Vec<Value> = s
                .solvers
                .iter()
                .enumerate()
                .map(|(si, sr)| {
                    let curves: Vec<Value> = sr
                        .families
                        .iter()
                        .map(|f| {
                            json!({
                                "curve": RunResults::label(study, si, &f.family),
                                "candidates": f.candidates,
                                "frontier": f.frontier,
                            })
                        })
                        .collect();
                    json!({
                        "solver": study.plan.solvers[si].name,
                        "kind": study.plan.solvers[si].kind,
                        "seed": protocol::solver_seed(study.plan.seed, s.index, si),
                        "reports": sr.reports,
                        "predictors": sr.predictors,
                        "curves": curves,
                    })
                })
                .collect();
            json!({ "split": s.index, "solvers": solvers })
        })
        .collect();
    let mut out = serde_json::to_vec_pretty(&json!({ "splits": splits })).unwrap_or_default();
    out.push(b'\n');
    out
}

/// `comparisons.csv`: every curve against the pairwise envelope, both kinds (see
/// [`crate::compare`] for the columns and the reading's thresholds).
pub fn comparisons_csv(study: &Study, results: &RunResults) -> Vec<u8> {
    let rows = compare::against_envelope(study, results).into_iter().map(|c| comparison_row(&c, None));
    csv_bytes(&COMPARISON_HEADER[1..], rows.map(|r| r[1..].to_vec()))
}

const COMPARISON_HEADER: [&str; 11] = [
    "comparison",
    "curve",
    "reference",
    "kind",
    "gap_mid",
    "split_gap_mid",
    "splits_mid",
    "dominance_share",
    "common_points",
    "band_width_ratio",
    "reading",
];

fn comparison_row(c: &compare::Comparison, name: Option<&str>) -> Vec<String> {
    vec![
        name.unwrap_or_default().to_string(),
        c.curve.clone(),
        c.reference.clone(),
        c.kind.label().into(),
        opt(c.gap_mid),
        opt(c.split_gap_mid),
        c.splits_mid.to_string(),
        opt(c.dominance),
        c.common_points.to_string(),
        opt(c.band_ratio),
        Reading::of(c).words("the reference"),
    ]
}

/// `decomposition.csv`: the router decomposition's named comparisons; `None`
/// without a router solver.
pub fn decomposition_csv(study: &Study, results: &RunResults) -> Option<Vec<u8>> {
    let d = compare::decomposition(study, results)?;
    let rows = d.rows.iter().map(|r| comparison_row(&r.comparison, Some(r.name)));
    Some(csv_bytes(&COMPARISON_HEADER, rows))
}

/// `predictor_auroc.csv`: per split, solver, predictor and model, the test AUROC
/// of the predictor's p̂ for the model's quality, beside that of the model's own
/// confidence; `None` when no solver fitted a predictor.
pub fn predictor_auroc_csv(study: &Study, results: &RunResults) -> Option<Vec<u8>> {
    let mut rows = Vec::new();
    for s in &results.splits {
        for (si, sr) in s.solvers.iter().enumerate() {
            for p in &sr.auroc {
                for (m, v) in &p.models {
                    let conf = study.data().model_index(m).and_then(|i| s.confidence_auroc[i]);
                    rows.push(vec![
                        s.index.to_string(),
                        study.plan.solvers[si].name.clone(),
                        p.predictor.clone(),
                        m.clone(),
                        opt(*v),
                        opt(conf),
                    ]);
                }
            }
        }
    }
    (!rows.is_empty()).then(|| csv_bytes(&["split", "solver", "predictor", "model", "auroc", "confidence_auroc"], rows))
}

/// `metrics.csv`: other tools' metrics of every median curve (see
/// [`crate::literature`]); ΔIBC in percent.
pub fn metrics_csv(study: &Study, results: &RunResults) -> Vec<u8> {
    let rows = literature::all(study, &results.curves).into_iter().map(|m| {
        vec![
            m.curve,
            m.kind.label().into(),
            opt(m.aiq),
            opt(m.auc),
            opt(m.max_diff),
            opt(m.arena),
            opt(m.arena_cost),
            opt(m.delta_ibc_mid),
        ]
    });
    csv_bytes(
        &["curve", "kind", "aiq", "auc", "max_diff", "routerarena_best", "routerarena_cost", "delta_ibc_mid_pct"],
        rows,
    )
}

/// `first_order.csv`: per split, curve and calibration-frontier cascade, one row
/// per interior boundary j: G_j, K_j and λ_j by the local window and by 30
/// equal-width bins, on the calibration subset; `analytic_slope` (two-stage
/// cascades) is Δ(τ)/c̄_H.
pub fn first_order_csv(results: &RunResults) -> Vec<u8> {
    let mut rows = Vec::new();
    for s in &results.splits {
        for c in &results.curves {
            let Some(f) = results.family(s.index, c.solver, &c.family) else { continue };
            for p in &f.first_order {
                for b in &p.report.boundaries {
                    rows.push(vec![
                        s.index.to_string(),
                        c.label.clone(),
                        p.rank.to_string(),
                        num(p.calibration_cost),
                        p.report.stages.len().to_string(),
                        b.boundary.to_string(),
                        b.model.clone(),
                        num(b.tau),
                        b.reaching.to_string(),
                        opt(b.gain_window),
                        opt(b.cost_window),
                        opt(b.lambda_window),
                        opt(b.gain_binned),
                        opt(b.cost_binned),
                        opt(b.lambda_binned),
                        opt(p.analytic_slope),
                    ]);
                }
            }
        }
    }
    csv_bytes(
        &[
            "split",
            "curve",
            "rank",
            "calibration_cost",
            "stages",
            "boundary",
            "model",
            "tau",
            "reaching",
            "gain_window",
            "cost_window",
            "lambda_window",
            "gain_binned",
            "cost_binned",
            "lambda_binned",
            "analytic_slope",
        ],
        rows,
    )
}

fn json_bytes(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// `diagnostics/benefit.json`, `diagnostics/benefit_bins.csv` and
/// `diagnostics/shadow_prices.json`.
pub fn diagnostics_files(t: &Theory) -> Vec<(String, Vec<u8>)> {
    let failures: Vec<Value> =
        t.failures.iter().map(|f| json!({ "low": f.low, "high": f.high, "error": f.message })).collect();
    let benefit = json!({
        "queries": t.queries,
        "sample": "full",
        "pairs": t.benefits,
        "failures": failures,
    });
    let mut rows = Vec::new();
    for b in &t.benefits {
        for x in &b.bins {
            rows.push(vec![
                b.low.clone(),
                b.high.clone(),
                x.bin.to_string(),
                x.queries.to_string(),
                num(x.score_lo),
                num(x.score_hi),
                num(x.score_mean),
                num(x.m_low),
                num(x.m_high),
                num(x.delta),
                opt(x.se_delta),
                num(x.fit),
                num(x.violation),
            ]);
        }
    }
    let bins = csv_bytes(
        &[
            "low",
            "high",
            "bin",
            "queries",
            "score_lo",
            "score_hi",
            "score_mean",
            "m_low",
            "m_high",
            "delta",
            "se_delta",
            "isotonic_fit",
            "violation",
        ],
        rows,
    );
    let prices = match &t.prices {
        Ok(p) => json!({ "sample": "full", "envelope": "exact", "envelope_points": t.envelope_points, "prices": p }),
        Err(e) => json!({ "sample": "full", "envelope": "exact", "error": e }),
    };
    vec![
        ("diagnostics/benefit.json".into(), json_bytes(&benefit)),
        ("diagnostics/benefit_bins.csv".into(), bins),
        ("diagnostics/shadow_prices.json".into(), json_bytes(&prices)),
    ]
}

/// The diagnostics' plots: `plots/benefit-<L>--<H>.svg` per pair,
/// `plots/envelope-hull.svg` and `plots/shadow-price.svg` (a plot that fails to
/// draw is left out).
pub fn diagnostics_plots(study: &Study, t: &Theory) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (b, name) in t.benefits.iter().zip(theory::benefit_plot_names(&t.benefits)) {
        if let Ok(svg) = cascadelab_diagnostics::plot::benefit_svg(b) {
            files.push((name, svg.into_bytes()));
        }
    }
    if let Ok(p) = &t.prices {
        let title = format!("{}: exact pairwise envelope, full sample", study.plan.name);
        if let Ok(svg) = cascadelab_diagnostics::plot::frontier_svg(p, &title) {
            files.push(("plots/envelope-hull.svg".into(), svg.into_bytes()));
        }
        let title = format!("{}: shadow price dQ/dB, full sample", study.plan.name);
        if let Ok(svg) = cascadelab_diagnostics::plot::shadow_price_svg(p, &title) {
            files.push(("plots/shadow-price.svg".into(), svg.into_bytes()));
        }
    }
    files
}

/// A path for the manifest: relative to `${data_dir}` or the experiment's
/// directory when under one, else the file name (never absolute).
fn portable(study: &Study, p: &Path) -> String {
    if let Some(d) = &study.plan.data_dir
        && let Ok(rest) = p.strip_prefix(&d.path)
    {
        return format!("${{data_dir}}/{}", rest.display());
    }
    if let Ok(rest) = p.strip_prefix(&study.plan.base_dir)
        && rest.is_relative()
    {
        return rest.display().to_string();
    }
    p.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// `manifest.json`: hashes of the experiment and data files, seeds, splits, solvers,
/// tool version, and the hash of every other result file.
pub fn manifest_json(study: &Study, files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, EngineError> {
    let plan = &study.plan;
    let mut data = Vec::new();
    for f in &study.loaded.files {
        let bytes = std::fs::read(f).map_err(|e| EngineError::io(f, e))?;
        data.push(json!({ "file": portable(study, f), "sha256": sha256_hex(&bytes) }));
    }
    let uses_data_dir = data.iter().any(|d| d["file"].as_str().is_some_and(|f| f.starts_with("${data_dir}")));
    let splits = match &study.split_origin {
        SplitOrigin::Random { calibration_fraction, stratified_on } => json!({
            "kind": "random",
            "count": study.splits.len(),
            "calibration_fraction": calibration_fraction,
            "stratified_on": stratified_on,
            "seeds": format!("{}..{}", plan.seed, plan.seed.wrapping_add(study.splits.len() as u64 - 1)),
        }),
        SplitOrigin::Data => json!({ "kind": "data", "count": 1 }),
        SplitOrigin::File(f) => json!({ "kind": "file", "file": f, "count": study.splits.len() }),
    };
    let solvers: Vec<Value> =
        plan.solvers.iter().map(|s| json!({ "name": s.name, "kind": s.kind, "params": s.params })).collect();
    let outputs: BTreeMap<&str, String> = files.iter().map(|(n, b)| (n.as_str(), sha256_hex(b))).collect();
    let manifest = json!({
        "tool": "cascadelab",
        "version": env!("CARGO_PKG_VERSION"),
        "experiment": {
            "file": plan.source.path.file_name().map(|n| n.to_string_lossy().into_owned()),
            "name": plan.name,
            "sha256": sha256_hex(plan.source.text.as_bytes()),
        },
        "data": data,
        "data_dir": plan.data_dir.as_ref().filter(|_| uses_data_dir).map(|d| match d.origin {
            DataDirOrigin::Flag => "--data-dir",
            DataDirOrigin::Env => crate::plan::DATA_DIR_ENV,
            DataDirOrigin::Default => "default",
        }),
        "queries": study.data().n_queries(),
        "models": study.data().model_names(),
        "seed": plan.seed,
        "solver_seed": "splitmix64(splitmix64(splitmix64(seed) ^ split) ^ solver index)",
        "splits": splits,
        "solvers": solvers,
        "grid": { "size": study.grid.len(), "min": study.grid.first(), "max": study.grid.last() },
        "outputs": outputs,
    });
    let mut out = serde_json::to_vec_pretty(&manifest).map_err(|e| EngineError::Other(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// Every result file of a run, by name, in writing order (`manifest.json` last).
pub fn result_files(study: &Study, results: &RunResults) -> Result<Vec<(String, Vec<u8>)>, EngineError> {
    let outputs = &study.plan.report.outputs;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for kind in OutputKind::ALL {
        if !outputs.contains(&kind) {
            continue;
        }
        match kind {
            OutputKind::Frontier => files.push(("frontier.csv".into(), frontier_csv(study, results))),
            OutputKind::Curves => files.push(("curves.csv".into(), curves_csv(study, results))),
            OutputKind::Policies => files.push(("policies.json".into(), policies_json(study, results))),
            OutputKind::Envelope => files.push(("envelope.csv".into(), envelope_csv(results))),
            OutputKind::Comparisons => {
                if compare::reference(study, results).is_some() {
                    files.push(("comparisons.csv".into(), comparisons_csv(study, results)));
                }
            }
            OutputKind::Metrics => files.push(("metrics.csv".into(), metrics_csv(study, results))),
            OutputKind::FirstOrder => files.push(("first_order.csv".into(), first_order_csv(results))),
            OutputKind::Diagnostics => {
                if let Some(t) = &results.theory {
                    files.extend(diagnostics_files(t));
                }
            }
            OutputKind::Decomposition => {
                if let Some(d) = decomposition_csv(study, results) {
                    files.push(("decomposition.csv".into(), d));
                }
                if let Some(a) = predictor_auroc_csv(study, results) {
                    files.push(("predictor_auroc.csv".into(), a));
                }
            }
            OutputKind::Summary => files.push(("summary.md".into(), summary::summary_md(study, results).into_bytes())),
            OutputKind::Plots => {
                files.push(("plots/frontier.svg".into(), plot::frontier_svg(study, results).into_bytes()));
                if let Some(t) = &results.theory {
                    files.extend(diagnostics_plots(study, t));
                }
            }
        }
    }
    files.push(("splits.csv".into(), split::write_splits(&study.splits, study.data())));
    let manifest = manifest_json(study, &files)?;
    files.push(("manifest.json".into(), manifest));
    Ok(files)
}

/// The default results directory: `results/<experiment file stem>`.
pub fn default_target(experiment: &Path) -> PathBuf {
    let stem = experiment.file_stem().map_or_else(|| "experiment".into(), |s| s.to_string_lossy().into_owned());
    Path::new("results").join(stem)
}

/// Fails when `target` exists and `force` is off.
pub fn check_target(target: &Path, force: bool) -> Result<(), EngineError> {
    if !force && target.symlink_metadata().is_ok() {
        return Err(EngineError::OutputExists(target.to_path_buf()));
    }
    Ok(())
}

fn parent_and_name(target: &Path) -> Result<(PathBuf, String), EngineError> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| EngineError::Other(format!("{}: not a directory name", target.display())))?;
    let parent = target.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((parent, name))
}

fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") { Path::new("/proc").join(pid.to_string()).exists() } else { false }
}

/// Removes temporaries `.<name>.tmp-<pid>` and `.<name>.old-<pid>` left beside
/// `target` by runs that no longer exist.
pub fn clean_stale(target: &Path) -> Result<(), EngineError> {
    let (parent, name) = parent_and_name(target)?;
    let dir = if parent.as_os_str().is_empty() { Path::new(".") } else { parent.as_path() };
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    let me = std::process::id();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        for tag in [".tmp-", ".old-"] {
            let prefix = format!(".{name}{tag}");
            if let Some(pid) = file.strip_prefix(&prefix).and_then(|p| p.parse::<u32>().ok())
                && pid != me
                && !process_alive(pid)
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(())
}

/// Writes `files` into `target` atomically (see the module documentation).
pub fn write_dir(target: &Path, force: bool, files: &[(String, Vec<u8>)]) -> Result<(), EngineError> {
    check_target(target, force)?;
    let (parent, name) = parent_and_name(target)?;
    if !parent.as_os_str().is_empty() {
        std::fs::create_dir_all(&parent).map_err(|e| EngineError::io(&parent, e))?;
    }
    clean_stale(target)?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| EngineError::io(&tmp, e))?;
    }
    let write_all = || -> Result<(), EngineError> {
        std::fs::create_dir(&tmp).map_err(|e| EngineError::io(&tmp, e))?;
        for (file, bytes) in files {
            let p = tmp.join(file);
            if let Some(dir) = p.parent().filter(|d| *d != tmp) {
                std::fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
            }
            std::fs::write(&p, bytes).map_err(|e| EngineError::io(&p, e))?;
        }
        Ok(())
    };
    if let Err(e) = write_all() {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if target.symlink_metadata().is_ok() {
        if !force {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(EngineError::OutputExists(target.to_path_buf()));
        }
        let old = parent.join(format!(".{name}.old-{pid}"));
        std::fs::rename(target, &old).map_err(|e| EngineError::io(target, e))?;
        std::fs::rename(&tmp, target).map_err(|e| EngineError::io(target, e))?;
        let _ = if old.is_dir() { std::fs::remove_dir_all(&old) } else { std::fs::remove_file(&old) };
    } else {
        std::fs::rename(&tmp, target).map_err(|e| EngineError::io(target, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(tag: &str) -> Vec<(String, Vec<u8>)> {
        vec![
            ("a.txt".into(), tag.as_bytes().to_vec()),
            ("plots/deep/b.svg".into(), tag.as_bytes().to_vec()),
            ("manifest.json".into(), b"{}".to_vec()),
        ]
    }

    #[test]
    fn results_directory_is_created_refused_and_replaced_only_with_force() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("results/study");
        write_dir(&target, false, &files("one")).unwrap();
        assert_eq!(std::fs::read_to_string(target.join("a.txt")).unwrap(), "one");
        let e = write_dir(&target, false, &files("two")).unwrap_err();
        assert!(matches!(e, EngineError::OutputExists(_)));
        assert_eq!(std::fs::read_to_string(target.join("a.txt")).unwrap(), "one", "untouched without force");
        write_dir(&target, true, &files("two")).unwrap();
        assert_eq!(std::fs::read_to_string(target.join("a.txt")).unwrap(), "two");
        assert_eq!(std::fs::read_to_string(target.join("plots/deep/b.svg")).unwrap(), "two", "subdirectories");
        // Nothing but the target is left beside it.
        let names: Vec<String> = std::fs::read_dir(target.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["study".to_string()]);
    }

    #[test]
    fn a_failed_write_leaves_no_target_and_stale_temporaries_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("study");
        // A file below a file cannot be created: the write fails half-way.
        let bad = vec![("a.txt".to_string(), b"x".to_vec()), ("a.txt/b.txt".to_string(), b"y".to_vec())];
        assert!(write_dir(&target, false, &bad).is_err());
        assert!(!target.exists(), "no results directory after a failure");
        // A temporary of a dead process (pid far above pid_max) is removed by the next run.
        let stale = dir.path().join(".study.tmp-4294967");
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("frontier.csv"), "partial").unwrap();
        write_dir(&target, false, &files("ok")).unwrap();
        assert!(!stale.exists());
        assert!(target.join("manifest.json").exists());
    }
}
