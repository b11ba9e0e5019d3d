//! The paper's theory checked on the full sample (the theory is about the
//! population; nothing is selected, so no split is involved): the escalation
//! benefit of every valid pair of the full-sample pool, and the shadow prices of
//! the full-sample exact pairwise envelope with its switching points. Computed only
//! when every model has a confidence column (cascades need one).

use cascadelab_core::Point;
use cascadelab_diagnostics::{BenefitOptions, EscalationBenefit, ShadowPrices, escalation_benefit};
use cascadelab_pairwise::{Envelope, ThresholdRule};

use crate::study::Study;

/// A pair whose benefit could not be computed, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct PairFailure {
    /// The cheap model.
    pub low: String,
    /// The expensive model.
    pub high: String,
    /// Why.
    pub message: String,
}

/// The full-sample theory diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct Theory {
    /// Queries of the full sample.
    pub queries: usize,
    /// Escalation benefit (default options) of every valid full-sample pair, in the
    /// pool's pair order.
    pub benefits: Vec<EscalationBenefit>,
    /// Pairs whose benefit failed.
    pub failures: Vec<PairFailure>,
    /// Shadow prices of the exact pairwise envelope (raw frontier and hull), or why
    /// they could not be computed.
    pub prices: Result<ShadowPrices, String>,
    /// Points of the exact envelope.
    pub envelope_points: usize,
}

/// The theory diagnostics of `study`'s full sample; `None` when some model has no
/// confidence.
pub fn compute(study: &Study) -> Option<Theory> {
    let data = study.data();
    if !data.has_confidence() {
        return None;
    }
    let all = data.all_queries();
    let pool = &study.full_pool;
    let options = BenefitOptions::default();
    let (mut benefits, mut failures) = (Vec::new(), Vec::new());
    for &(l, h) in &pool.pairs {
        match escalation_benefit(data, &all, l, h, &options) {
            Ok(b) => benefits.push(b),
            Err(e) => failures.push(PairFailure {
                low: data.models[l].name.clone(),
                high: data.models[h].name.clone(),
                message: e.to_string(),
            }),
        }
    }
    let (prices, envelope_points) = match Envelope::new(data, &all, pool, ThresholdRule::Exact) {
        Ok(env) => {
            let points: Vec<Point> = env.points().iter().map(|p| Point { cost: p.cost, quality: p.quality }).collect();
            let policies: Vec<_> = env.points().iter().map(|p| env.policy(p)).collect();
            let prices =
                cascadelab_diagnostics::shadow_prices_of_policies(&points, &policies).map_err(|e| e.to_string());
            (prices, points.len())
        }
        Err(e) => (Err(e.to_string()), 0),
    };
    Some(Theory { queries: all.len(), benefits, failures, prices, envelope_points })
}

/// A model name as a file-name part: letters, digits, `.`, `_` and `-` kept, every
/// other character `_` (RouterBench names hold `/`).
pub fn file_part(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect()
}

/// The plot file of each benefit, `plots/benefit-<L>--<H>.svg`, made unique with a
/// `-2`, `-3`, ... suffix should two pairs map to the same name.
pub fn benefit_plot_names(benefits: &[EscalationBenefit]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(benefits.len());
    for b in benefits {
        let base = format!("plots/benefit-{}--{}", file_part(&b.low), file_part(&b.high));
        let mut name = format!("{base}.svg");
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base}-{k}.svg");
            k += 1;
        }
        names.push(name);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_parts_are_safe_and_plot_names_unique() {
        assert_eq!(file_part("meta/llama-2-70b-chat"), "meta_llama-2-70b-chat");
        assert_eq!(file_part("llama3.2-1b"), "llama3.2-1b");
        let b = |low: &str, high: &str| EscalationBenefit {
            low: low.into(),
            high: high.into(),
            signal: "confidence".into(),
            queries: 0,
            neg_inf_scores: 0,
            accuracy_low: 0.0,
            accuracy_high: 0.0,
            mean_cost_low: 0.0,
            mean_cost_high: 0.0,
            bins: vec![],
            isotonic_steps: vec![],
            pass_tolerance: 0.02,
            max_violation: 0.0,
            max_violation_bin: 0,
            passes: true,
            region_tolerance: 0.02,
            decreasing_regions: vec![],
            dominance_regions: vec![],
            fitted_dominance_up_to: None,
            slope_bins: vec![],
            slope_window: 0,
            slopes: vec![],
            spearman_score_cost_high: None,
        };
        let names = benefit_plot_names(&[b("a/b", "c"), b("a_b", "c"), b("x", "y")]);
        assert_eq!(names, vec!["plots/benefit-a_b--c.svg", "plots/benefit-a_b--c-2.svg", "plots/benefit-x--y.svg"]);
    }
}
