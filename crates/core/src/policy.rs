//! Policies as data: every frontier point names the exact policy that produces it.
//!
//! A [`Policy`] refers to models by name and to fitted predictors by id (the
//! predictors travel beside the policies in a [`crate::Predictors`] table, so a
//! router's weights are written once, not once per swept cost weight). Policies
//! serialize to JSON with a `kind` tag; infinite thresholds are written as the
//! strings `"inf"` and `"-inf"`, which JSON numbers cannot hold.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Dataset, Predictors};

/// A deployable decision rule over a model pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Policy {
    /// Always answer with one model.
    Single {
        /// The model.
        model: String,
    },
    /// A threshold cascade over `stages` (cheapest first): stage i answers when its
    /// signal s_i >= thresholds\[i\], else the query escalates (strictly: s < τ
    /// escalates); the last stage always answers; every visited stage is paid.
    Cascade {
        /// Models in the order they run; at least two.
        stages: Vec<String>,
        /// One threshold per non-final stage; `-inf` never escalates, `"inf"` always does.
        #[serde(with = "crate::float::vec")]
        #[schemars(with = "Vec<crate::float::ExtendedFloat>")]
        thresholds: Vec<f64>,
        /// The deferral signal; the models' own confidence unless stated.
        #[serde(default, skip_serializing_if = "Signal::is_confidence")]
        signal: Signal,
    },
    /// Run `high` with probability `p_high`, else `low`; evaluated in expectation.
    Mixture {
        /// The policy run with probability 1 − p_high.
        low: Box<Policy>,
        /// The policy run with probability p_high.
        high: Box<Policy>,
        /// Probability of running `high`, in [0, 1].
        p_high: f64,
    },
    /// A pre-generation router: per query, the model j maximizing
    /// p̂_j(x) − cost_weight · mean_costs\[j\] (ties: the earlier model); pays only it.
    Router {
        /// Id of the predictor in the predictor table.
        predictor: String,
        /// Candidate models, each one the predictor scores.
        models: Vec<String>,
        /// Calibration mean cost c̄_j of each candidate, in `models` order.
        mean_costs: Vec<f64>,
        /// The cost weight w.
        cost_weight: f64,
        /// Dollars the router itself costs per query.
        #[serde(default)]
        router_cost: f64,
    },
    /// The oracle router: per query the cheapest model among those of highest
    /// quality (the cheapest correct one for 0/1 quality). Not deployable; a bound.
    Oracle {
        /// Candidate models.
        models: Vec<String>,
    },
    /// A hybrid router: per query, the option o maximizing
    /// q̂_o(x) − cost_weight · ĉ_o(x) (ties: the earlier option), where the estimated
    /// quality q̂_o and cost ĉ_o are affine in the predicted correctness p̂_m(x) of
    /// the predictor's models. The chosen option (a single model or a cascade) then
    /// runs on the query: its real cost is paid, plus `router_cost`.
    Hybrid {
        /// Id of the predictor in the predictor table.
        predictor: String,
        /// The options, each a deterministic policy with its estimates.
        options: Vec<HybridOption>,
        /// The cost weight λ.
        cost_weight: f64,
        /// Dollars the router itself costs per query.
        #[serde(default)]
        router_cost: f64,
    },
}

/// One option of a [`Policy::Hybrid`]: what runs when it is chosen, and how good
/// and how costly it is expected to be on a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct HybridOption {
    /// The policy run on the queries routed to this option (not a mixture).
    pub policy: Policy,
    /// Estimated quality q̂_o(x).
    pub quality: Estimate,
    /// Estimated cost ĉ_o(x), in dollars.
    pub cost: Estimate,
}

/// An affine function of predicted correctness:
/// `constant + Σ_m weights[m] · p̂_m(x)`, summed in model-name order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Estimate {
    /// The constant term.
    pub constant: f64,
    /// Weight of each model's predicted correctness; models not listed weigh 0.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub weights: BTreeMap<String, f64>,
}

impl Estimate {
    /// A constant estimate.
    pub fn constant(value: f64) -> Self {
        Self { constant: value, weights: BTreeMap::new() }
    }

    /// The value at predicted correctness `p(model)`, summed in the same order as the
    /// evaluator sums it, so solvers that build hybrids compute the same floats.
    pub fn value(&self, mut p: impl FnMut(&str) -> f64) -> f64 {
        self.weights.iter().fold(self.constant, |acc, (m, w)| acc + w * p(m))
    }
}

/// The score a cascade stage compares with its threshold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Signal {
    /// The stage model's own confidence score.
    #[default]
    Confidence,
    /// The predicted correctness p̂(x) of the stage model from a fitted predictor,
    /// known before generation (the embedding cascade).
    Predicted {
        /// Id of the predictor in the predictor table.
        predictor: String,
        /// Dollars per query of computing the prediction (the router's own cost:
        /// embedding and classifier), paid once on every query the cascade sees.
        #[serde(default, skip_serializing_if = "is_zero")]
        cost: f64,
    },
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Signal {
    /// Whether this is the models' own confidence.
    pub fn is_confidence(&self) -> bool {
        matches!(self, Signal::Confidence)
    }

    /// Dollars per query of computing the signal, on top of the stages' costs.
    pub fn cost(&self) -> f64 {
        match self {
            Signal::Confidence => 0.0,
            Signal::Predicted { cost, .. } => *cost,
        }
    }
}

// Equality and hashing by the cost's bits, so that a signal can key the evaluator's
// caches (two signals are the same exactly when they cost the same).
impl PartialEq for Signal {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Signal::Confidence, Signal::Confidence) => true,
            (Signal::Predicted { predictor: a, cost: ca }, Signal::Predicted { predictor: b, cost: cb }) => {
                a == b && ca.to_bits() == cb.to_bits()
            }
            _ => false,
        }
    }
}

impl Eq for Signal {}

impl std::hash::Hash for Signal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        if let Signal::Predicted { predictor, cost } = self {
            predictor.hash(state);
            cost.to_bits().hash(state);
        }
    }
}

/// A policy that cannot run on a dataset.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    /// A model name the dataset does not have.
    #[error("unknown model `{0}`")]
    UnknownModel(String),
    /// A predictor id the predictor table does not have.
    #[error("unknown predictor `{0}`")]
    UnknownPredictor(String),
    /// The predictor does not score a model the policy needs.
    #[error("predictor `{predictor}` has no output for model `{model}`")]
    PredictorModel {
        /// Predictor id.
        predictor: String,
        /// Model name.
        model: String,
    },
    /// A structural problem, described.
    #[error("{0}")]
    Invalid(String),
    /// A cascade on confidence over data without confidence.
    #[error("model `{0}` has no confidence column; confidence cascades need one")]
    NoConfidence(String),
}

impl Policy {
    /// Checks that the policy can run on `data` with `predictors`: models and
    /// predictors exist, lengths agree, no threshold or weight is NaN.
    pub fn check(&self, data: &Dataset, predictors: &Predictors) -> Result<(), PolicyError> {
        let model = |name: &str| data.model_index(name).ok_or_else(|| PolicyError::UnknownModel(name.to_string()));
        let predictor = |id: &str| predictors.get(id).ok_or_else(|| PolicyError::UnknownPredictor(id.to_string()));
        match self {
            Policy::Single { model: m } => {
                model(m)?;
            }
            Policy::Cascade { stages, thresholds, signal } => {
                if stages.len() < 2 {
                    return Err(PolicyError::Invalid(format!(
                        "a cascade needs at least two stages, got {}",
                        stages.len()
                    )));
                }
                if thresholds.len() != stages.len() - 1 {
                    return Err(PolicyError::Invalid(format!(
                        "a cascade of {} stages needs {} thresholds, got {}",
                        stages.len(),
                        stages.len() - 1,
                        thresholds.len()
                    )));
                }
                if let Some(i) = thresholds.iter().position(|t| t.is_nan()) {
                    return Err(PolicyError::Invalid(format!("threshold {} is NaN", i + 1)));
                }
                for s in stages {
                    let m = model(s)?;
                    match signal {
                        Signal::Confidence => {
                            if data.models[m].confidence.is_none() {
                                return Err(PolicyError::NoConfidence(s.clone()));
                            }
                        }
                        Signal::Predicted { predictor: id, cost } => {
                            if !cost.is_finite() || *cost < 0.0 {
                                return Err(PolicyError::Invalid(format!(
                                    "the cost of predictor `{id}`'s signal must be a finite number >= 0, got {cost}"
                                )));
                            }
                            if !predictor(id)?.models().iter().any(|pm| pm == s) {
                                return Err(PolicyError::PredictorModel { predictor: id.clone(), model: s.clone() });
                            }
                        }
                    }
                }
            }
            Policy::Mixture { low, high, p_high } => {
                if !(0.0..=1.0).contains(p_high) {
                    return Err(PolicyError::Invalid(format!("mixing probability {p_high} is outside [0, 1]")));
                }
                low.check(data, predictors)?;
                high.check(data, predictors)?;
            }
            Policy::Router { predictor: id, models, mean_costs, cost_weight, router_cost } => {
                let p = predictor(id)?;
                if models.is_empty() || models.len() != mean_costs.len() {
                    return Err(PolicyError::Invalid(format!(
                        "a router needs one mean cost per model, got {} models and {} costs",
                        models.len(),
                        mean_costs.len()
                    )));
                }
                if cost_weight.is_nan() || mean_costs.iter().any(|c| !c.is_finite()) || !router_cost.is_finite() {
                    return Err(PolicyError::Invalid("router weights and costs must be numbers, not NaN".into()));
                }
                for m in models {
                    model(m)?;
                    if !p.models().iter().any(|pm| pm == m) {
                        return Err(PolicyError::PredictorModel { predictor: id.clone(), model: m.clone() });
                    }
                }
            }
            Policy::Oracle { models } => {
                if models.is_empty() {
                    return Err(PolicyError::Invalid("an oracle needs at least one model".into()));
                }
                for m in models {
                    model(m)?;
                }
            }
            Policy::Hybrid { predictor: id, options, cost_weight, router_cost } => {
                let p = predictor(id)?;
                if options.is_empty() {
                    return Err(PolicyError::Invalid("a hybrid router needs at least one option".into()));
                }
                if cost_weight.is_nan() || !router_cost.is_finite() {
                    return Err(PolicyError::Invalid(
                        "hybrid cost weight and router cost must be numbers, not NaN".into(),
                    ));
                }
                for (i, o) in options.iter().enumerate() {
                    if matches!(o.policy, Policy::Mixture { .. }) {
                        return Err(PolicyError::Invalid(format!(
                            "hybrid option {} is a mixture; options must be deterministic",
                            i + 1
                        )));
                    }
                    o.policy.check(data, predictors)?;
                    for e in [&o.quality, &o.cost] {
                        if !e.constant.is_finite() || e.weights.values().any(|w| !w.is_finite()) {
                            return Err(PolicyError::Invalid(format!(
                                "hybrid option {} has a non-finite estimate",
                                i + 1
                            )));
                        }
                        for m in e.weights.keys() {
                            if !p.models().iter().any(|pm| pm == m) {
                                return Err(PolicyError::PredictorModel { predictor: id.clone(), model: m.clone() });
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// A short human-readable description, e.g. `a → b @ τ=0.5`.
    pub fn describe(&self) -> String {
        match self {
            Policy::Single { model } => model.clone(),
            Policy::Cascade { stages, thresholds, signal } => {
                let taus: Vec<String> = thresholds.iter().map(|t| format!("{t}")).collect();
                let sig = match signal {
                    Signal::Confidence => String::new(),
                    Signal::Predicted { predictor, .. } => format!(" on p̂[{predictor}]"),
                };
                format!("{} @ τ=({}){sig}", stages.join(" → "), taus.join(", "))
            }
            Policy::Mixture { low, high, p_high } => {
                format!("mix({} ; {} w.p. {p_high})", low.describe(), high.describe())
            }
            Policy::Router { predictor, cost_weight, .. } => format!("router[{predictor}] w={cost_weight}"),
            Policy::Oracle { .. } => "oracle".into(),
            Policy::Hybrid { predictor, cost_weight, .. } => format!("hybrid[{predictor}] λ={cost_weight}"),
        }
    }

    /// The models this policy can run, in first-mention order.
    pub fn models(&self) -> Vec<&str> {
        fn walk<'a>(p: &'a Policy, out: &mut Vec<&'a str>) {
            let names: Vec<&'a str> = match p {
                Policy::Single { model } => vec![model],
                Policy::Cascade { stages, .. } => stages.iter().map(String::as_str).collect(),
                Policy::Mixture { low, high, .. } => {
                    walk(low, out);
                    walk(high, out);
                    vec![]
                }
                Policy::Router { models, .. } | Policy::Oracle { models } => {
                    models.iter().map(String::as_str).collect()
                }
                Policy::Hybrid { options, .. } => {
                    for o in options {
                        walk(&o.policy, out);
                    }
                    vec![]
                }
            };
            for m in names {
                if !out.contains(&m) {
                    out.push(m);
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// The route a deterministic policy takes, as a label: the model for a single
    /// model, the stages joined by ` → ` for a cascade. The envelope's switching
    /// points are where this label changes along the frontier.
    pub fn route(&self) -> String {
        match self {
            Policy::Single { model } => model.clone(),
            Policy::Cascade { stages, .. } => stages.join(" → "),
            Policy::Mixture { low, high, .. } => format!("{} | {}", low.route(), high.route()),
            Policy::Router { predictor, .. } => format!("router[{predictor}]"),
            Policy::Oracle { .. } => "oracle".into(),
            Policy::Hybrid { predictor, .. } => format!("hybrid[{predictor}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infinite_thresholds_round_trip_through_json() {
        let p = Policy::Cascade {
            stages: vec!["a".into(), "b".into(), "c".into()],
            thresholds: vec![f64::NEG_INFINITY, f64::INFINITY],
            signal: Signal::Confidence,
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"kind":"cascade","stages":["a","b","c"],"thresholds":["-inf","inf"]}"#);
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
    }

    #[test]
    fn unknown_fields_and_kinds_are_rejected() {
        assert!(serde_json::from_str::<Policy>(r#"{"kind":"single","model":"a","extra":1}"#).is_err());
        assert!(serde_json::from_str::<Policy>(r#"{"kind":"teleport","model":"a"}"#).is_err());
    }

    #[test]
    fn hybrid_round_trips_through_json_and_lists_its_options_models() {
        let json = r#"{"kind":"hybrid","predictor":"p","options":[
            {"policy":{"kind":"single","model":"a"},"quality":{"constant":0.0,"weights":{"a":1.0}},"cost":{"constant":2.0}},
            {"policy":{"kind":"cascade","stages":["a","b"],"thresholds":["-inf"]},
             "quality":{"constant":0.1,"weights":{"a":0.5,"b":0.25}},"cost":{"constant":3.0,"weights":{"a":-1.0}}}],
            "cost_weight":0.5}"#;
        let p: Policy = serde_json::from_str(json).unwrap();
        assert_eq!(p.models(), vec!["a", "b"]);
        assert_eq!(serde_json::from_str::<Policy>(&serde_json::to_string(&p).unwrap()).unwrap(), p);
        let Policy::Hybrid { options, router_cost, .. } = &p else { panic!("not a hybrid") };
        assert_eq!(*router_cost, 0.0);
        // 0.1 + 0.5·p_a + 0.25·p_b, in model-name order.
        assert_eq!(options[1].quality.value(|m| if m == "a" { 0.5 } else { 1.0 }), 0.1 + 0.25 + 0.25);
        assert!(p.describe().starts_with("hybrid[p]"));
        assert!(serde_json::from_str::<Policy>(&json.replace("\"constant\":2.0", "\"constant\":2.0,\"x\":1")).is_err());
    }

    #[test]
    fn mixture_nests_policies() {
        let json = r#"{"kind":"mixture","low":{"kind":"single","model":"a"},
            "high":{"kind":"cascade","stages":["a","b"],"thresholds":[0.25]},"p_high":0.5}"#;
        let p: Policy = serde_json::from_str(json).unwrap();
        assert_eq!(p.models(), vec!["a", "b"]);
    }
}
