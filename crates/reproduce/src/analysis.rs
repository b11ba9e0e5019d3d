//! The numbers of the report for one benchmark, read off the engine's run and the
//! bootstrap replicates: the Table 1 analog with intervals, the optimism of the test
//! envelope, the gaps against the envelope, the claims' evidence, the router
//! decomposition, and the theory diagnostics.

use cascadelab_engine::aggregate::band;
use cascadelab_engine::compare::{self, Comparison, Reading};
use cascadelab_engine::{RunResults, Study};
use cascadelab_metrics::{Anchors, Interval, nanpercentile};

use crate::bootstrap::Replicates;
use crate::claims::{self, Claim, Verdict};
use crate::methods::{self, Method, Protocol};

/// Metrics of one curve with their intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveNumbers {
    /// The method.
    pub method: Method,
    /// The protocol.
    pub protocol: Protocol,
    /// The engine's curve label it reads.
    pub label: String,
    /// Gain of the median curve, with its interval.
    pub gain: Option<Interval>,
    /// CR@x per quality level, with intervals (the estimate alone is in `cr_estimate`).
    pub cr: Vec<Option<Interval>>,
    /// The point estimates of CR@x (defined even when no interval is).
    pub cr_estimate: Vec<Option<f64>>,
    /// The point estimate of Gain.
    pub gain_estimate: Option<f64>,
    /// Splits on which the solver returned the curve.
    pub splits: usize,
}

/// A − B in Gain, paired over the same replicates.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// A.
    pub a: Method,
    /// B.
    pub b: Method,
    /// The protocol of both.
    pub protocol: Protocol,
    /// The estimate and interval.
    pub gain: Option<Interval>,
    /// The point estimate (also when no interval is defined).
    pub estimate: Option<f64>,
}

/// A curve against the envelope of its protocol (the engine's comparison).
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// The method.
    pub method: Method,
    /// The protocol.
    pub protocol: Protocol,
    /// Midpoint gap, dominance share and band-width ratio.
    pub comparison: Comparison,
    /// Its reading.
    pub reading: Reading,
    /// Gain difference against the envelope.
    pub difference: Difference,
}

/// How optimistic choosing on test is, for one method.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimism {
    /// The method.
    pub method: Method,
    /// The exact protocol's solver curve whose two kinds are compared.
    pub label: String,
    /// Gain of its test-envelope minus Gain of its selected curve.
    pub same_solver_gain: Option<f64>,
    /// Mean over the grid of (test-envelope median − selected median).
    pub same_solver_quality: Option<f64>,
    /// Paper-protocol Gain minus exact-protocol Gain, with the paired interval.
    pub protocols: Option<Interval>,
    /// Its point estimate.
    pub protocols_estimate: Option<f64>,
}

/// One claim on one data set under one protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The claim.
    pub claim: Claim,
    /// The protocol.
    pub protocol: Protocol,
    /// A − B in Gain.
    pub difference: Difference,
    /// The practical margin (Gain units), for "no meaningful gain".
    pub margin: f64,
    /// The engine's comparison of A with B (midpoint gap, dominance).
    pub comparison: Option<Comparison>,
    /// The verdict.
    pub verdict: Verdict,
}

/// The router taken apart under one protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct Decomposition {
    /// The protocol.
    pub protocol: Protocol,
    /// Router − embedding cascade (structural cost: same signal, routing before
    /// generation vs deferring after it).
    pub structural: Difference,
    /// Embedding cascade − confidence envelope (signal quality: p̂ vs the models'
    /// own confidence, both cascading).
    pub signal: Difference,
    /// Router − envelope (= structural + signal).
    pub total: Difference,
}

/// Median test AUROC of the router's p̂ and of the model's own confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct AurocRow {
    /// The model.
    pub model: String,
    /// Median over splits of p̂'s AUROC.
    pub predicted: Option<f64>,
    /// Median over splits of the confidence's AUROC.
    pub confidence: Option<f64>,
}

/// The theory diagnostics of one data set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diagnostics {
    /// Valid pairs of the full-sample pool.
    pub pairs: usize,
    /// Pairs passing the decreasing-benefit test.
    pub passing: usize,
    /// Median share of queries in decreasing-benefit regions over pairs.
    pub decreasing_share: Option<f64>,
    /// Median share of queries where H is expected to beat L.
    pub dominance_share: Option<f64>,
    /// Median Spearman ρ(s_L, c_H) over pairs.
    pub spearman: Option<f64>,
    /// Points of the exact full-sample envelope.
    pub envelope_points: usize,
    /// Points of its concave hull.
    pub hull_points: usize,
    /// Route switches on the raw envelope and on the hull.
    pub switches: (usize, usize),
    /// Whether the raw envelope's slopes never rise (the envelope is concave).
    pub raw_concave: Option<bool>,
    /// Largest |λμ − 1| over the raw envelope's segments.
    pub reciprocity_error: Option<f64>,
    /// Two-stage frontier cascades of the exact envelope: median relative gap
    /// |λ_window − Δ(τ)/c̄_H| / (Δ(τ)/c̄_H), and how many were checked.
    pub two_stage_gap: (Option<f64>, usize),
    /// Cascades with ≥ 3 stages on the subsequences' frontiers: median max λ_j / min
    /// λ_j, and how many.
    pub subsequence_ratio: (Option<f64>, usize),
    /// The same for the full fixed chain.
    pub chain_ratio: (Option<f64>, usize),
}

/// Everything the report says about one benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchSummary {
    /// Benchmark key (`mmlu`).
    pub bench: String,
    /// Queries.
    pub queries: usize,
    /// Models.
    pub models: usize,
    /// Splits.
    pub splits: usize,
    /// Median calibration and test sizes.
    pub sizes: (f64, f64),
    /// Seeds of the first and last split.
    pub seeds: (u64, u64),
    /// The Gain anchors.
    pub anchors: Anchors,
    /// Names of the cheapest and most accurate models.
    pub anchor_models: (String, String),
    /// Non-dominated pool on the full sample, by cost.
    pub pool: Vec<String>,
    /// Cost grid: first, last, size.
    pub grid: (f64, f64, usize),
    /// Quality levels of CR@x.
    pub levels: Vec<f64>,
    /// Practical margin of Gain differences.
    pub margin: f64,
    /// Every curve's metrics.
    pub curves: Vec<CurveNumbers>,
    /// Optimism per method.
    pub optimism: Vec<Optimism>,
    /// Gaps against the envelope.
    pub gaps: Vec<Gap>,
    /// The claims' evidence.
    pub evidence: Vec<Evidence>,
    /// The decomposition per protocol.
    pub decomposition: Vec<Decomposition>,
    /// AUROC per model.
    pub auroc: Vec<AurocRow>,
    /// Theory diagnostics.
    pub diagnostics: Diagnostics,
    /// Figures, relative to the benchmark's directory.
    pub figures: Vec<(String, String)>,
    /// Bootstrap size figures: (resamples, policies held fixed, stored differences).
    pub bootstrap: (usize, usize, usize),
}

impl BenchSummary {
    /// The numbers of `method` under `protocol`.
    pub fn curve(&self, method: Method, protocol: Protocol) -> Option<&CurveNumbers> {
        self.curves.iter().find(|c| c.method == method && c.protocol == protocol)
    }

    /// The evidence of `claim` under `protocol`.
    pub fn evidence(&self, claim: Claim, protocol: Protocol) -> Option<&Evidence> {
        self.evidence.iter().find(|e| e.claim == claim && e.protocol == protocol)
    }
}

/// The percentile interval of the defined `values` around `estimate`.
pub fn interval(estimate: Option<f64>, values: &[Option<f64>], level: f64) -> Option<Interval> {
    let estimate = estimate?;
    let v: Vec<f64> = values.iter().flatten().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    let tail = 100.0 * (1.0 - level) / 2.0;
    Some(Interval {
        estimate,
        lo: nanpercentile(&v, tail)?,
        hi: nanpercentile(&v, 100.0 - tail)?,
        level,
        defined: v.len(),
        resamples: values.len(),
    })
}

/// Reads everything off one benchmark's run and replicates.
pub fn summarize(bench: &str, study: &Study, results: &RunResults, reps: &Replicates) -> BenchSummary {
    let data = study.data();
    let level = reps.settings.level;
    let index = |m: Method, p: Protocol| reps.curves.iter().position(|&c| c == (m, p));
    let gains =
        |c: Option<usize>| -> Vec<Option<f64>> { reps.values.iter().map(|r| c.and_then(|c| r[c].gain)).collect() };
    let estimate_gain =
        |m: Method, p: Protocol| methods::curve_set(study, results, m, p).and_then(|c| c.metrics(p.kind()).gain);
    let difference = |a: Method, b: Method, p: Protocol| -> Difference {
        let (ga, gb) = (gains(index(a, p)), gains(index(b, p)));
        let values: Vec<Option<f64>> = ga.iter().zip(&gb).map(|(x, y)| Some((*x)? - (*y)?)).collect();
        let estimate = estimate_gain(a, p).zip(estimate_gain(b, p)).map(|(x, y)| x - y);
        Difference { a, b, protocol: p, gain: interval(estimate, &values, level), estimate }
    };

    let mut curves = Vec::new();
    for &(method, protocol) in &reps.curves {
        let set = methods::curve_set(study, results, method, protocol);
        let m = set.map(|s| s.metrics(protocol.kind()));
        let c = index(method, protocol);
        let gain_estimate = m.and_then(|m| m.gain);
        let cr_estimate: Vec<Option<f64>> = study
            .plan
            .report
            .quality_levels
            .iter()
            .enumerate()
            .map(|(k, _)| m.and_then(|m| m.cost_reduction.get(k).copied().flatten()))
            .collect();
        let cr = cr_estimate
            .iter()
            .enumerate()
            .map(|(k, &e)| {
                let v: Vec<Option<f64>> =
                    reps.values.iter().map(|r| c.and_then(|c| r[c].cost_reduction.get(k).copied().flatten())).collect();
                interval(e, &v, level)
            })
            .collect();
        curves.push(CurveNumbers {
            method,
            protocol,
            label: method.curve_label(protocol),
            gain: interval(gain_estimate, &gains(c), level),
            cr,
            cr_estimate,
            gain_estimate,
            splits: set.map_or(0, |s| s.splits),
        });
    }

    let optimism = Method::ALL
        .iter()
        .map(|&method| {
            let set = methods::curve_set(study, results, method, Protocol::Exact);
            let same_solver_gain =
                set.and_then(|s| s.envelope_metrics.gain.zip(s.selected_metrics.gain)).map(|(e, sel)| e - sel);
            let d = difference_across(reps, method, level, study, results);
            Optimism {
                method,
                label: method.curve_label(Protocol::Exact),
                same_solver_gain,
                same_solver_quality: set.and_then(|s| s.optimism),
                protocols_estimate: d.0,
                protocols: d.1,
            }
        })
        .collect();

    let mut gaps = Vec::new();
    for protocol in Protocol::ALL {
        let Some(env) = methods::curve_set(study, results, Method::PairwiseEnvelope, protocol) else { continue };
        for method in Method::ALL.into_iter().skip(1) {
            let Some(set) = methods::curve_set(study, results, method, protocol) else { continue };
            let comparison = compare::compare(study, results, set, env, protocol.kind());
            gaps.push(Gap {
                method,
                protocol,
                reading: Reading::of(&comparison),
                comparison,
                difference: difference(method, Method::PairwiseEnvelope, protocol),
            });
        }
    }

    let a = &study.anchors;
    let margin = claims::gain_margin(a.q_low, a.q_max);
    let mut evidence = Vec::new();
    for protocol in Protocol::ALL {
        for claim in Claim::ALL {
            let (ma, mb) = match claim {
                Claim::FixedChainsBelow => (Method::FullFixedChain, Method::PairwiseEnvelope),
                Claim::SubsequencesNoGain => (Method::OptimalSubsequence, Method::PairwiseEnvelope),
                Claim::RouterBeatsBestCascade => (Method::Router, best_cascade(study, results, protocol)),
                Claim::RouterBeatsEmbeddingCascade => (Method::Router, Method::EmbeddingCascade),
            };
            let d = difference(ma, mb, protocol);
            let comparison = methods::curve_set(study, results, ma, protocol)
                .zip(methods::curve_set(study, results, mb, protocol))
                .map(|(x, y)| compare::compare(study, results, x, y, protocol.kind()));
            let verdict = claims::verdict_of(claim.claimed(margin), d.gain.as_ref());
            evidence.push(Evidence { claim, protocol, difference: d, margin, comparison, verdict });
        }
    }

    let decomposition = Protocol::ALL
        .iter()
        .map(|&p| Decomposition {
            protocol: p,
            structural: difference(Method::Router, Method::EmbeddingCascade, p),
            signal: difference(Method::EmbeddingCascade, Method::PairwiseEnvelope, p),
            total: difference(Method::Router, Method::PairwiseEnvelope, p),
        })
        .collect();

    let auroc = compare::decomposition(study, results)
        .map(|d| {
            d.auroc
                .into_iter()
                .map(|r| AurocRow { model: r.model, predicted: r.predictor_auroc, confidence: r.confidence_auroc })
                .collect()
        })
        .unwrap_or_default();

    let sizes = (
        band(study.splits.iter().map(|s| Some(s.calibration.len() as f64))).map_or(0.0, |b| b.median),
        band(study.splits.iter().map(|s| Some(s.test.len() as f64))).map_or(0.0, |b| b.median),
    );
    BenchSummary {
        bench: bench.to_string(),
        queries: data.n_queries(),
        models: data.n_models(),
        splits: study.splits.len(),
        sizes,
        seeds: (study.plan.seed, study.plan.seed + study.splits.len() as u64 - 1),
        anchors: study.anchors,
        anchor_models: (data.models[study.cheapest].name.clone(), data.models[study.most_accurate].name.clone()),
        pool: study.full_pool.members.iter().map(|&m| data.models[m].name.clone()).collect(),
        grid: (study.grid[0], study.grid[study.grid.len() - 1], study.grid.len()),
        levels: study.plan.report.quality_levels.clone(),
        margin,
        curves,
        optimism,
        gaps,
        evidence,
        decomposition,
        auroc,
        diagnostics: diagnostics(study, results),
        figures: Vec::new(),
        bootstrap: (reps.settings.resamples, reps.policies, reps.stored_differences),
    }
}

/// Paper-protocol Gain minus exact-protocol Gain of `method`, with its interval.
fn difference_across(
    reps: &Replicates,
    method: Method,
    level: f64,
    study: &Study,
    results: &RunResults,
) -> (Option<f64>, Option<Interval>) {
    let idx = |p: Protocol| reps.curves.iter().position(|&c| c == (method, p));
    let est = |p: Protocol| methods::curve_set(study, results, method, p).and_then(|c| c.metrics(p.kind()).gain);
    let estimate = est(Protocol::Paper).zip(est(Protocol::Exact)).map(|(a, b)| a - b);
    let (Some(pi), Some(ei)) = (idx(Protocol::Paper), idx(Protocol::Exact)) else { return (estimate, None) };
    let values: Vec<Option<f64>> = reps.values.iter().map(|r| Some(r[pi].gain? - r[ei].gain?)).collect();
    (estimate, interval(estimate, &values, level))
}

/// The paper's cascade with the highest Gain under `protocol` (the envelope on ties
/// or when none is defined).
pub fn best_cascade(study: &Study, results: &RunResults, protocol: Protocol) -> Method {
    let gain =
        |m: Method| methods::curve_set(study, results, m, protocol).and_then(|c| c.metrics(protocol.kind()).gain);
    Method::CASCADES
        .into_iter()
        .fold((Method::PairwiseEnvelope, gain(Method::PairwiseEnvelope)), |best, m| match (best.1, gain(m)) {
            (Some(b), Some(g)) if g > b => (m, Some(g)),
            (None, Some(g)) => (m, Some(g)),
            _ => best,
        })
        .0
}

fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    band(values.into_iter().map(Some)).map(|b| b.median)
}

fn diagnostics(study: &Study, results: &RunResults) -> Diagnostics {
    let mut d = Diagnostics::default();
    if let Some(t) = &results.theory {
        d.pairs = t.benefits.len() + t.failures.len();
        d.passing = t.benefits.iter().filter(|b| b.passes).count();
        d.decreasing_share = median(t.benefits.iter().map(|b| b.decreasing_share()));
        d.dominance_share = median(t.benefits.iter().map(|b| b.dominance_regions.iter().map(|r| r.share).sum()));
        d.spearman = median(t.benefits.iter().filter_map(|b| b.spearman_score_cost_high));
        d.envelope_points = t.envelope_points;
        if let Ok(p) = &t.prices {
            d.hull_points = p.hull.points.len();
            d.switches = (p.raw.switches.len(), p.hull.switches.len());
            d.raw_concave = Some(p.raw.slopes_non_increasing);
            d.reciprocity_error = Some(p.raw.max_lambda_mu_error);
        }
    }
    let policies = |m: Method| -> Vec<&cascadelab_engine::protocol::PolicyFirstOrder> {
        (0..results.splits.len())
            .filter_map(|s| methods::family(study, results, s, m, Protocol::Exact))
            .flat_map(|f| &f.first_order)
            .collect()
    };
    let mut rel = Vec::new();
    for p in policies(Method::PairwiseEnvelope).iter().filter(|p| p.report.stages.len() == 2) {
        if let (Some(a), Some(w)) = (p.analytic_slope, p.report.boundaries.first().and_then(|b| b.lambda_window))
            && a != 0.0
        {
            rel.push((w - a).abs() / a.abs());
        }
    }
    d.two_stage_gap = (median(rel.iter().copied()), rel.len());
    let ratio = |m: Method| {
        let v: Vec<f64> = policies(m)
            .iter()
            .filter(|p| p.report.stages.len() >= 3)
            .filter_map(|p| p.report.spread_window.ratio)
            .collect();
        (median(v.iter().copied()), v.len())
    };
    d.subsequence_ratio = ratio(Method::OptimalSubsequence);
    d.chain_ratio = ratio(Method::FullFixedChain);
    d
}
