//! `summary.md`: a deterministic, diff-friendly report (fixed decimals, stable
//! order). Each section is one function of the run in [`SECTIONS`]; a crate that
//! adds a report (k-stage comparisons, diagnostics, router decomposition) adds one
//! function there.

use std::fmt::Write as _;

use crate::aggregate::band;
use crate::compare::{self, Comparison, DOMINANCE, MEANINGFUL_GAP, Reading};
use crate::literature;
use crate::results::{CurveKind, RunResults};
use crate::study::{SplitOrigin, Study};

/// A section of `summary.md`: Markdown, or `None` to leave it out.
pub type Section = fn(&Study, &RunResults) -> Option<String>;

/// The sections, in order.
pub static SECTIONS: &[Section] = &[
    header,
    metrics,
    comparisons,
    decomposition,
    other_metrics,
    single_models,
    pool_and_pairs,
    benefit,
    shadow_prices,
    first_order,
    notes,
];

/// The whole `summary.md`.
pub fn summary_md(study: &Study, results: &RunResults) -> String {
    // One blank line between sections, one newline at the end, whatever a section ends with.
    let parts: Vec<String> =
        SECTIONS.iter().filter_map(|s| s(study, results)).map(|s| s.trim_end().to_string()).collect();
    let mut out = parts.join("\n\n");
    out.push('\n');
    out
}

/// A cost in dollars with four significant digits.
pub fn cost(x: f64) -> String {
    format!("{x:.3e}")
}

/// A number with `decimals` fixed decimals, never `-0.000`.
pub fn fixed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// A quality with four decimals.
pub fn quality(x: f64) -> String {
    fixed(x, 4)
}

/// `CR@90` for x = 0.9.
pub fn cr_label(x: f64) -> String {
    format!("CR@{}", (x * 1000.0).round() / 10.0)
}

fn or_na(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "n/a".into(), f)
}

/// A signed quality difference with four decimals (`+0.0123`, `-0.0040`, `0.0000`).
pub fn signed(x: f64) -> String {
    let s = format!("{x:+.4}");
    if s == "+0.0000" || s == "-0.0000" { "0.0000".into() } else { s }
}

/// A share as a percentage with one decimal.
pub fn percent(x: f64) -> String {
    fixed(100.0 * x, 1)
}

/// A slope (quality per dollar) or other wide-ranging number, three decimals of
/// mantissa.
pub fn sci(x: f64) -> String {
    format!("{x:.3e}")
}

/// The median of the values, if any.
fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    band(values.into_iter().map(Some)).map(|b| b.median)
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
            let mut row = format!("| {} | {} | {} |", c.label, kind.label(), or_na(m.gain, |g| fixed(g, 3)));
            for cr in &m.cost_reduction {
                let _ = write!(row, " {} |", or_na(*cr, |v| fixed(v, 1)));
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
            or_na(gap, |v| fixed(v, 3))
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

/// The readings and their thresholds, in words (numbers from [`crate::compare`]).
fn readings() -> String {
    let (g, d) = (MEANINGFUL_GAP, DOMINANCE * 100.0);
    format!(
        "Reading (thresholds: a meaningful gap is at least {g} in quality; dominance is being above on at least \
         {d} % of the grid): *below* (gap ≤ −{g}, above < {d} %), *no meaningful gain* (|gap| < {g}, above < {d} \
         %), *slightly above* (|gap| < {g}, above ≥ {d} %), *above* (gap ≥ {g}, above ≥ {d} %), *mixed* (a clear \
         gap one way at the midpoint, most of the grid the other way)."
    )
}

fn comparison_cells(c: &Comparison) -> String {
    format!(
        "{} | {} | {} | {}",
        or_na(c.gap_mid, signed),
        or_na(c.split_gap_mid, signed),
        or_na(c.dominance, percent),
        or_na(c.band_ratio, |v| fixed(v, 2))
    )
}

fn comparisons(study: &Study, results: &RunResults) -> Option<String> {
    let env = compare::reference(study, results)?;
    let rows = compare::against_envelope(study, results);
    if rows.is_empty() {
        return None;
    }
    let mid = compare::midpoint(study);
    let mut s = String::from("## Against the pairwise envelope\n\n");
    let _ = writeln!(
        s,
        "Every curve against `{}` (the first `pairwise` solver), selected against selected and test-envelope \
         against test-envelope. `gap`: the curve's median minus the envelope's at the grid midpoint (grid index \
         {mid}, cost {}); `split gap`: the median over splits of the per-split gap there; `above`: the share of \
         the grid points where both medians are defined at which the curve's median is above the envelope's; \
         `band ratio`: the curve's mean p10–p90 band width over those points, divided by the envelope's. {}\n",
        env.label,
        cost(study.grid[mid]),
        readings()
    );
    s.push_str("| curve | kind | gap | split gap | above (%) | band ratio |\n|---|---|---:|---:|---:|---:|\n");
    for c in &rows {
        let _ = writeln!(s, "| {} | {} | {} |", c.curve, c.kind.label(), comparison_cells(c));
    }
    s.push('\n');
    for pair in rows.chunks(2) {
        let (sel, env_kind) = (&pair[0], pair.get(1));
        let _ = write!(
            s,
            "- `{}`: {} (selected: gap {}, above on {} % of the grid)",
            sel.curve,
            Reading::of(sel).words("the envelope"),
            or_na(sel.gap_mid, signed),
            or_na(sel.dominance, percent)
        );
        if let Some(e) = env_kind {
            let _ = write!(s, "; test-envelope: {}", Reading::of(e).words("the envelope"));
        }
        s.push_str(".\n");
    }
    Some(s)
}

fn decomposition(study: &Study, results: &RunResults) -> Option<String> {
    let d = compare::decomposition(study, results)?;
    let mut s = String::from("## Router decomposition\n\n");
    let _ = writeln!(
        s,
        "The router `{}` taken apart as in the paper: *structural cost* = the router against the embedding \
         cascade (`{}/embedding-cascade`, the same signal p̂ used to defer after generation); *signal quality* \
         = the embedding cascade against the confidence cascade (the pairwise envelope); and the router against \
         the best cascade ({}, by the Gain of its selected median). Columns and readings as in the comparison \
         with the envelope; A is the first curve named.\n",
        d.router,
        d.router,
        d.best_cascade.as_ref().map_or("none".into(), |b| format!("`{b}`"))
    );
    if !d.rows.is_empty() {
        s.push_str(
            "| comparison | A | B | kind | gap | split gap | above (%) | band ratio | reading |\n\
             |---|---|---|---|---:|---:|---:|---:|---|\n",
        );
        for r in &d.rows {
            let c = &r.comparison;
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                r.name,
                c.curve,
                c.reference,
                c.kind.label(),
                comparison_cells(c),
                Reading::of(c).words("B")
            );
        }
        s.push('\n');
    }
    if !d.auroc.is_empty() {
        s.push_str(
            "Test AUROC for correctness, median over splits: the router's predicted p̂ of each model, and the \
             model's own confidence (what a cascade defers on).\n\n\
             | predictor | model | p̂ AUROC | confidence AUROC | splits |\n|---|---|---:|---:|---:|\n",
        );
        for a in &d.auroc {
            let m = study.data().model_index(&a.model).map_or_else(|| format!("`{}`", a.model), |i| model(study, i));
            let _ = writeln!(
                s,
                "| {} | {m} | {} | {} | {} |",
                a.predictor,
                or_na(a.predictor_auroc, quality),
                or_na(a.confidence_auroc, quality),
                a.splits
            );
        }
        s.push('\n');
    }
    if let Some(h) = &d.hybrid {
        let g = |x: Option<f64>| or_na(x, |v| fixed(v, 3));
        let _ = writeln!(
            s,
            "- Hybrid: `{}` {} both the router and the envelope (selected Gain {} against {} for the router and {} \
             for the envelope).",
            h.hybrid,
            if h.beats_both { "beats" } else { "does not beat" },
            g(h.gains[0]),
            g(h.gains[1]),
            g(h.gains[2])
        );
    }
    Some(s)
}

fn other_metrics(study: &Study, results: &RunResults) -> Option<String> {
    if results.curves.is_empty() {
        return None;
    }
    let mid = compare::midpoint(study);
    let mut s = String::from("## Other tools' metrics\n\n");
    let _ = writeln!(
        s,
        "Of each median curve, read as its operating points on the cost grid. *AIQ* (RouterBench paper): the mean \
         of the curve's non-decreasing convex hull over the whole grid, 0 below its cheapest point. *AUC* and \
         *max_diff* (ETH SRI cascade routing): against the single models' full-sample points. *RouterArena*: \
         the best S_β (β = 0.1) along the curve and the cost where it is reached. *ΔIBC* (AutoMix): the \
         midpoint's point (cost {}) against the cheapest and the most accurate model, in percent.\n",
        cost(study.grid[mid])
    );
    s.push_str(
        "| curve | kind | AIQ | AUC | max_diff | RouterArena | at cost | ΔIBC mid (%) |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for m in literature::all(study, &results.curves) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            m.curve,
            m.kind.label(),
            or_na(m.aiq, quality),
            or_na(m.auc, quality),
            or_na(m.max_diff, quality),
            or_na(m.arena, quality),
            or_na(m.arena_cost, cost),
            or_na(m.delta_ibc_mid, |v| fixed(v, 1))
        );
    }
    let best = literature::model_arena_scores(study)
        .into_iter()
        .enumerate()
        .filter_map(|(m, v)| Some((m, v?)))
        .fold(None::<(usize, f64)>, |b, (m, v)| if b.is_none_or(|(_, x)| v > x) { Some((m, v)) } else { b });
    if let Some((m, v)) = best {
        let _ = writeln!(s, "\nBest single model by RouterArena score: {} ({}).", model(study, m), quality(v));
    }
    Some(s)
}

fn model_of_name(study: &Study, name: &str) -> String {
    study.data().model_index(name).map_or_else(|| format!("`{name}`"), |m| model(study, m))
}

fn benefit(study: &Study, results: &RunResults) -> Option<String> {
    let t = results.theory.as_ref()?;
    let mut s = String::from("## Escalation benefit (full sample)\n\n");
    let _ = writeln!(
        s,
        "Every valid pair of the full-sample pool, on all {} queries (the theory is about the population; \
         nothing is selected). Δ(s) = m_H(s) − m_L(s) against the cheap model's confidence s_L in 20 \
         equal-frequency bins. `passes`: no bin's Δ rises more than 0.02 above its non-increasing isotonic fit \
         (`max rise`); `decreasing`: share of queries in decreasing-benefit regions (where the pair frontier is \
         concave); `Δ > 0`: share in expected-dominance regions (H expected to beat L), and the isotonic fit is \
         positive for scores up to `Δ̂ > 0 up to`; `ρ(s_L, c_H)`: Spearman correlation of score and escalation \
         cost (the theory assumes none); `slope gap`: median over the checked thresholds (score deciles) of \
         |frontier slope − Δ(τ)/c_H| / |Δ(τ)/c_H|, the analytic slope against the exact empirical frontier's. \
         Details in `diagnostics/benefit.json`, plots in `plots/benefit-*.svg`.\n",
        t.queries
    );
    if t.benefits.is_empty() && t.failures.is_empty() {
        s.push_str("The full-sample pool has no valid pair.\n");
        return Some(s);
    }
    s.push_str(
        "| L → H | passes | max rise | decreasing (%) | Δ > 0 (%) | Δ̂ > 0 up to | ρ(s_L, c_H) | slope gap (%) | \
         slopes |\n|---|:---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for b in &t.benefits {
        let rel: Vec<f64> = b
            .slopes
            .iter()
            .filter_map(|c| Some(c.difference?.abs() / c.analytic.filter(|a| *a != 0.0)?.abs()))
            .collect();
        let dominance: f64 = b.dominance_regions.iter().map(|r| r.share).sum();
        let _ = writeln!(
            s,
            "| {} → {} | {} | {} | {} | {} | {} | {} | {} | {}/{} |",
            model_of_name(study, &b.low),
            model_of_name(study, &b.high),
            if b.passes { "yes" } else { "no" },
            quality(b.max_violation),
            percent(b.decreasing_share()),
            percent(dominance),
            or_na(b.fitted_dominance_up_to, quality),
            or_na(b.spearman_score_cost_high, quality),
            or_na(median(rel.iter().copied()), |v| fixed(100.0 * v, 1)),
            rel.len(),
            b.slopes.len()
        );
    }
    let passing = t.benefits.iter().filter(|b| b.passes).count();
    let _ = writeln!(s, "\n{passing} of {} pairs pass the decreasing-benefit test.", t.benefits.len());
    for f in &t.failures {
        let _ = writeln!(s, "- {} → {}: not computed ({})", f.low, f.high, f.message);
    }
    Some(s)
}

/// Most switching points listed in summary.md (the JSON has them all).
const MAX_SWITCH_ROWS: usize = 20;

fn shadow_prices(study: &Study, results: &RunResults) -> Option<String> {
    let t = results.theory.as_ref()?;
    let mut s = String::from("## Shadow prices of the pairwise envelope (full sample)\n\n");
    let p = match &t.prices {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(s, "Not computed: {e}.");
            return Some(s);
        }
    };
    let _ = writeln!(
        s,
        "The exact pairwise envelope on the full sample ({} points). Between consecutive frontier points λ = ΔQ/ΔC \
         is the budget problem's shadow price (quality per dollar) and μ = ΔC/ΔQ the quality problem's; the \
         theory says λμ = 1. At a switching point the serving route changes and λ jumps (`jump` = λ after − λ \
         before). The concave hull is the frontier of randomized mixtures. Everything in \
         `diagnostics/shadow_prices.json`; plots `plots/envelope-hull.svg` and `plots/shadow-price.svg`.\n",
        t.envelope_points
    );
    s.push_str("| frontier | points | segments | λ min | λ max | max abs(λμ − 1) | switches | λ non-increasing |\n");
    s.push_str("|---|---:|---:|---:|---:|---:|---:|:---:|\n");
    for (name, v) in [("raw", &p.raw), ("concave hull", &p.hull)] {
        let lambdas = v.segments.iter().map(|x| x.lambda).filter(|x| x.is_finite());
        let (lo, hi) = lambdas.fold((None::<f64>, None::<f64>), |(lo, hi), x| {
            (Some(lo.map_or(x, |l| l.min(x))), Some(hi.map_or(x, |h| h.max(x))))
        });
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            v.points.len(),
            v.segments.len(),
            or_na(lo, sci),
            or_na(hi, sci),
            sci(v.max_lambda_mu_error),
            v.switches.len(),
            if v.slopes_non_increasing { "yes" } else { "no" }
        );
    }
    for (name, v) in [("raw frontier", &p.raw), ("concave hull", &p.hull)] {
        if v.switches.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\nSwitching points of the {name}:\n");
        s.push_str("| budget | from | to | λ before | λ after | jump |\n|---:|---|---|---:|---:|---:|\n");
        for w in v.switches.iter().take(MAX_SWITCH_ROWS) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                cost(w.budget),
                w.route_before,
                w.route_after,
                or_na(w.slope_before, sci),
                or_na(w.slope_after, sci),
                or_na(w.jump, sci)
            );
        }
        if v.switches.len() > MAX_SWITCH_ROWS {
            let _ = writeln!(s, "\n… {} more in `diagnostics/shadow_prices.json`.", v.switches.len() - MAX_SWITCH_ROWS);
        }
    }
    let _ = study;
    Some(s)
}

fn first_order(_study: &Study, results: &RunResults) -> Option<String> {
    let mut rows = Vec::new();
    for c in &results.curves {
        let per_split: Vec<_> =
            results.splits.iter().filter_map(|sp| results.family(sp.index, c.solver, &c.family)).collect();
        let policies: Vec<_> = per_split.iter().flat_map(|f| &f.first_order).collect();
        if policies.is_empty() {
            continue;
        }
        let deep: Vec<_> = policies.iter().filter(|p| p.report.stages.len() >= 3).collect();
        let per_split_deep = median(
            per_split.iter().map(|f| f.first_order.iter().filter(|p| p.report.stages.len() >= 3).count() as f64),
        );
        let ratio = median(deep.iter().filter_map(|p| p.report.spread_window.ratio));
        let range = median(deep.iter().filter_map(|p| p.report.spread_window.range));
        let (mut abs, mut rel) = (Vec::new(), Vec::new());
        for p in policies.iter().filter(|p| p.report.stages.len() == 2) {
            if let (Some(a), Some(w)) = (p.analytic_slope, p.report.boundaries[0].lambda_window) {
                abs.push((w - a).abs());
                if a != 0.0 {
                    rel.push((w - a).abs() / a.abs());
                }
            }
        }
        rows.push(format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.label,
            policies.len(),
            deep.len(),
            or_na(per_split_deep, |v| format!("{v}")),
            or_na(ratio, |v| fixed(v, 2)),
            or_na(range, sci),
            abs.len(),
            or_na(median(abs), sci),
            or_na(median(rel), |v| fixed(100.0 * v, 1))
        ));
    }
    if rows.is_empty() {
        return None;
    }
    let mut s = String::from("## First-order conditions\n\n");
    s.push_str(
        "For every cascade on a calibration frontier (every split, every curve), on the calibration subset: at \
         each interior boundary j the marginal gain G_j of continuing past stage j and the marginal downstream \
         cost K_j for queries at the threshold, and λ_j = G_j/K_j (local window of max(20, 5 %) reaching \
         queries on each side). At an interior optimum all λ_j of a policy are equal. `≥ 3 stages`: policies \
         with at least two boundaries (all splits; per split, median); `λ ratio` and `λ range`: median over \
         those of max λ_j / min λ_j (defined when min > 0) and of max − min; for two-stage policies, the \
         median of |λ_window − Δ(τ)/c̄_H| (Δ from 30 equal-width bins interpolated at τ, c̄_H the mean cost of \
         H), absolute and relative to Δ(τ)/c̄_H. Per boundary in `first_order.csv`.\n\n",
    );
    s.push_str(
        "| curve | cascades | ≥ 3 stages | per split | λ ratio | λ range | 2-stage checked | abs(λ − Δ/c_H) | \
         relative (%) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(s, "{r}");
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
        assert_eq!(quality(-0.00001), "0.0000", "no negative zero");
        assert_eq!(fixed(-0.25, 1), "-0.2");
        assert_eq!(signed(-0.00001), "0.0000");
        assert_eq!(signed(0.0123), "+0.0123");
        assert_eq!(percent(0.5), "50.0");
    }
}
