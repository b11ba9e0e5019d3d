//! `summary.md`: a deterministic, diff-friendly report (fixed decimals, stable
//! order). Each section is one function of the run in [`SECTIONS`]; a crate that
//! adds a report (k-stage comparisons, diagnostics, router decomposition) adds one
//! function there.

use std::fmt::Write as _;

use crate::aggregate::band;
use crate::results::{CurveKind, RunResults};
use crate::study::{SplitOrigin, Study};

/// A section of `summary.md`: Markdown, or `None` to leave it out.
pub type Section = fn(&Study, &RunResults) -> Option<String>;

/// The sections, in order.
pub static SECTIONS: &[Section] = &[header, metrics, single_models, pool_and_pairs, notes];

/// The whole `summary.md`.
pub fn summary_md(study: &Study, results: &RunResults) -> String {
    let parts: Vec<String> = SECTIONS.iter().filter_map(|s| s(study, results)).collect();
    let mut out = parts.join("\n");
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// A cost in dollars with four significant digits.
pub fn cost(x: f64) -> String {
    format!("{x:.3e}")
}

/// A quality with four decimals.
pub fn quality(x: f64) -> String {
    format!("{x:.4}")
}

/// `CR@90` for x = 0.9.
pub fn cr_label(x: f64) -> String {
    format!("CR@{}", (x * 1000.0).round() / 10.0)
}

fn or_na(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "n/a".into(), f)
}

fn model(study: &Study, m: usize) -> String {
    let name = &study.data().models[m].name;
    let label = study.model_label(m);
    if label == name { format!("`{name}`") } else { format!("{label} (`{name}`)") }
}

fn header(study: &Study, _results: &RunResults) -> Option<String> {
    let plan = &study.plan;
    let data = study.data();
    let mut s = format!("# {}\n\n", plan.name);
    if let Some(d) = &plan.description {
        let _ = writeln!(s, "{}\n", d.trim());
    }
    let _ = writeln!(s, "- data: {} queries, {} models", data.n_queries(), data.n_models());
    let splits = match &study.split_origin {
        SplitOrigin::Random { calibration_fraction, stratified_on } => format!(
            "{} random calibration/test splits, calibration fraction {calibration_fraction}, {}, seeds {}..{}",
            study.splits.len(),
            stratified_on
                .as_ref()
                .map_or("not stratified".into(), |m| format!("stratified on the correctness of `{m}`")),
            plan.seed,
            plan.seed.wrapping_add(study.splits.len() as u64 - 1)
        ),
        SplitOrigin::Data => "the data's own split (train → calibration, test → test)".into(),
        SplitOrigin::File(f) => format!("{} splits from `{f}`", study.splits.len()),
    };
    let sizes = band(study.splits.iter().map(|s| Some(s.calibration.len() as f64)));
    let test_sizes = band(study.splits.iter().map(|s| Some(s.test.len() as f64)));
    let _ = writeln!(
        s,
        "- splits: {splits}; median {} calibration and {} test queries",
        sizes.map_or(0.0, |b| b.median),
        test_sizes.map_or(0.0, |b| b.median)
    );
    let solvers: Vec<String> = plan.solvers.iter().map(|p| format!("`{}` ({})", p.name, p.kind)).collect();
    let _ = writeln!(s, "- solvers: {}", solvers.join(", "));
    let _ = writeln!(
        s,
        "- cost grid: {} points from {} to {} $/query (cheapest to most expensive model, full sample)",
        study.grid.len(),
        cost(study.grid[0]),
        cost(study.grid[study.grid.len() - 1])
    );
    let a = &study.anchors;
    let _ = writeln!(
        s,
        "- anchors: cheapest {} (cost {}, accuracy {}), most accurate {} (cost {}, accuracy {})",
        model(study, study.cheapest),
        cost(a.c_low),
        quality(a.q_low),
        model(study, study.most_accurate),
        cost(a.c_exp),
        quality(a.q_max)
    );
    Some(s)
}

fn metrics(study: &Study, results: &RunResults) -> Option<String> {
    let levels = &study.plan.report.quality_levels;
    let mut s = String::from("## Held-out frontiers\n\n");
    s.push_str(
        "Metrics of the median curve over splits (Gain and CR@x as defined in the paper). `selected`: the \
         calibration frontier's policies at their test points, chosen with no look at test (what a deployer \
         gets). `test-envelope`: the upper envelope on test of every calibration candidate (the paper's \
         protocol; it chooses on test and is optimistic).\n\n",
    );
    let mut head = String::from("| solver | curve | Gain |");
    let mut rule = String::from("|---|---|---:|");
    for &x in levels {
        let _ = write!(head, " {} (%) |", cr_label(x));
        rule.push_str("---:|");
    }
    head.push_str(" candidates | frontier points |");
    rule.push_str("---:|---:|");
    let _ = writeln!(s, "{head}\n{rule}");
    for c in &results.curves {
        let per_split: Vec<_> =
            results.splits.iter().filter_map(|sp| results.family(sp.index, c.solver, &c.family)).collect();
        let candidates = band(per_split.iter().map(|f| Some(f.candidates as f64))).map_or(0.0, |b| b.median);
        let frontier = band(per_split.iter().map(|f| Some(f.frontier.len() as f64))).map_or(0.0, |b| b.median);
        for kind in CurveKind::ALL {
            let m = c.metrics(kind);
            let mut row = format!("| {} | {} | {} |", c.label, kind.label(), or_na(m.gain, |g| format!("{g:.3}")));
            for cr in &m.cost_reduction {
                let _ = write!(row, " {} |", or_na(*cr, |v| format!("{v:.1}")));
            }
            let _ = write!(row, " {candidates} | {frontier} |");
            let _ = writeln!(s, "{row}");
        }
    }
    s.push_str(
        "\nOptimism of test-side selection: mean over the cost grid of (test-envelope median − selected \
         median), where both are defined.\n\n| solver | optimism (quality) | Gain gap |\n|---|---:|---:|\n",
    );
    for c in &results.curves {
        let gap = match (c.envelope_metrics.gain, c.selected_metrics.gain) {
            (Some(e), Some(sel)) => Some(e - sel),
            _ => None,
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            c.label,
            or_na(c.optimism, |v| format!("{v:.4}")),
            or_na(gap, |v| format!("{v:.3}"))
        );
    }
    if results.curves.iter().any(|c| c.splits < results.splits.len()) {
        s.push('\n');
        for c in results.curves.iter().filter(|c| c.splits < results.splits.len()) {
            let _ = writeln!(s, "- `{}` was returned on {} of {} splits.", c.label, c.splits, results.splits.len());
        }
    }
    Some(s)
}

fn single_models(study: &Study, results: &RunResults) -> Option<String> {
    let n = results.splits.len();
    let mut s = String::from(
        "## Single models\n\nFull sample, and medians over the test sides of the splits; `in pool`: how often the \
         model was in the non-dominated pool of a calibration set.\n\n",
    );
    s.push_str(
        "| model | cost | accuracy | test cost (median) | test accuracy (median) | in pool |\n|---|---:|---:|---:|---:|---:|\n",
    );
    let mut order: Vec<usize> = (0..study.data().n_models()).collect();
    order.sort_by(|&a, &b| study.full_stats[a].mean_cost.total_cmp(&study.full_stats[b].mean_cost).then(a.cmp(&b)));
    for m in order {
        let f = study.full_stats[m];
        let tc = band(results.splits.iter().map(|sp| Some(sp.test_stats[m].mean_cost))).map(|b| b.median);
        let tq = band(results.splits.iter().map(|sp| Some(sp.test_stats[m].accuracy))).map(|b| b.median);
        let in_pool = results.splits.iter().filter(|sp| sp.pool.members.contains(&m)).count();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {in_pool}/{n} |",
            model(study, m),
            cost(f.mean_cost),
            quality(f.accuracy),
            or_na(tc, cost),
            or_na(tq, quality)
        );
    }
    Some(s)
}

fn pool_and_pairs(study: &Study, results: &RunResults) -> Option<String> {
    let n = results.splits.len();
    let pool = &study.full_pool;
    let mut s = String::from("## Pool and pairs\n\n");
    let members: Vec<String> = pool.members.iter().map(|&m| model(study, m)).collect();
    let _ = writeln!(s, "Non-dominated pool on the full sample, by mean cost: {}.\n", members.join(", "));
    let _ = writeln!(
        s,
        "Valid pairs (cost(L) < cost(H) and accuracy(H) > accuracy(L), both in the pool) on the full sample: {}; \
         `calibration`: how often the pair was valid on a calibration set.\n",
        pool.pairs.len()
    );
    // Every pair valid on the full sample or on some calibration set.
    let mut pairs: Vec<(usize, usize)> = pool.pairs.clone();
    for sp in &results.splits {
        for p in &sp.pool.pairs {
            if !pairs.contains(p) {
                pairs.push(*p);
            }
        }
    }
    if pairs.is_empty() {
        return Some(s);
    }
    let stats = &study.full_stats;
    pairs.sort_by(|a, b| {
        stats[a.0]
            .mean_cost
            .total_cmp(&stats[b.0].mean_cost)
            .then(stats[a.1].mean_cost.total_cmp(&stats[b.1].mean_cost))
            .then(a.cmp(b))
    });
    s.push_str("| cheap (L) | expensive (H) | full sample | calibration |\n|---|---|:---:|---:|\n");
    for p in pairs {
        let valid = pool.pairs.contains(&p);
        let count = results.splits.iter().filter(|sp| sp.pool.pairs.contains(&p)).count();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {count}/{n} |",
            model(study, p.0),
            model(study, p.1),
            if valid { "valid" } else { "-" }
        );
    }
    Some(s)
}

fn notes(study: &Study, _results: &RunResults) -> Option<String> {
    if study.loaded.notes.is_empty() {
        return None;
    }
    let mut s = String::from("## Data notes\n\n");
    for n in &study.loaded.notes {
        let _ = writeln!(s, "- {n}");
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_numbers_have_fixed_forms() {
        assert_eq!(cr_label(0.9), "CR@90");
        assert_eq!(cr_label(0.95), "CR@95");
        assert_eq!(cr_label(0.975), "CR@97.5");
        assert_eq!(cost(0.000123456), "1.235e-4");
        assert_eq!(quality(0.5), "0.5000");
    }
}
