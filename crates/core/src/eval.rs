//! Exact evaluation of policies on a subset of queries.
//!
//! A policy's point is its mean cost and mean quality over the subset. Cascades
//! escalate iff s < τ (strict) and pay every visited stage; mixtures are evaluated in
//! expectation (the same mixture of their components' points); routers pay only the
//! chosen model plus the router's own cost. [`Evaluator::evaluate_all`] evaluates
//! many two-stage cascades of one pair by a single sort and binary searches, so that
//! scoring every candidate threshold on held-out data stays O((n + m) log n).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{Dataset, HybridOption, Policy, PolicyError, Predictors, Signal};

/// A policy's expected cost (dollars per query) and expected quality on a subset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Mean cost in dollars per query.
    pub cost: f64,
    /// Mean quality.
    pub quality: f64,
}

/// Per-query outcome of a deterministic policy: what it paid and what it got.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcomes {
    /// Cost paid on each query of the subset, in subset order.
    pub cost: Vec<f64>,
    /// Quality obtained on each query of the subset, in subset order.
    pub quality: Vec<f64>,
}

/// Evaluates policies on one subset of one dataset, caching predictor outputs and
/// score orders across calls.
pub struct Evaluator<'a> {
    data: &'a Dataset,
    subset: &'a [usize],
    predictors: &'a Predictors,
    predictions: HashMap<String, Vec<Vec<f64>>>,
    /// Per predictor, its predictions one query at a time (`rows[i * models + c]`),
    /// for batches of routers.
    prediction_rows: HashMap<String, Vec<f64>>,
}

/// Sorted signal of a pair's cheap stage with prefix sums, for batch evaluation.
struct PairSweep {
    sorted_signal: Vec<f64>,
    /// prefix\[k\] = sums over the k lowest-signal queries of (U_H − U_L, c_H).
    prefix_gain: Vec<f64>,
    prefix_cost: Vec<f64>,
    base_quality: f64,
    base_cost: f64,
}

impl<'a> Evaluator<'a> {
    /// An evaluator of `subset` (query positions of `data`), with the predictors that
    /// policies may refer to.
    pub fn new(data: &'a Dataset, subset: &'a [usize], predictors: &'a Predictors) -> Result<Self, PolicyError> {
        if subset.is_empty() {
            return Err(PolicyError::Invalid("cannot evaluate a policy on an empty set of queries".into()));
        }
        Ok(Self { data, subset, predictors, predictions: HashMap::new(), prediction_rows: HashMap::new() })
    }

    /// The dataset evaluated.
    pub fn data(&self) -> &'a Dataset {
        self.data
    }

    /// The query positions evaluated.
    pub fn subset(&self) -> &'a [usize] {
        self.subset
    }

    fn model(&self, name: &str) -> Result<usize, PolicyError> {
        self.data.model_index(name).ok_or_else(|| PolicyError::UnknownModel(name.to_string()))
    }

    /// Predicted correctness of every predictor model on the subset, computed once.
    fn predictions(&mut self, id: &str) -> Result<&Vec<Vec<f64>>, PolicyError> {
        if !self.predictions.contains_key(id) {
            let p = self.predictors.get(id).ok_or_else(|| PolicyError::UnknownPredictor(id.to_string()))?;
            let v = p.predict(self.data, self.subset)?;
            self.predictions.insert(id.to_string(), v);
        }
        Ok(&self.predictions[id])
    }

    /// The signal each stage compares with its threshold, per subset position.
    fn stage_signals(&mut self, stages: &[usize], signal: &Signal) -> Result<Vec<Vec<f64>>, PolicyError> {
        match signal {
            Signal::Confidence => stages
                .iter()
                .map(|&m| {
                    let col = self.data.models[m]
                        .confidence
                        .as_ref()
                        .ok_or_else(|| PolicyError::NoConfidence(self.data.models[m].name.clone()))?;
                    Ok(self.subset.iter().map(|&q| col[q]).collect())
                })
                .collect(),
            Signal::Predicted { predictor, .. } => {
                let p =
                    self.predictors.get(predictor).ok_or_else(|| PolicyError::UnknownPredictor(predictor.clone()))?;
                let cols: Vec<usize> = stages
                    .iter()
                    .map(|&m| {
                        let name = &self.data.models[m].name;
                        p.models().iter().position(|pm| pm == name).ok_or_else(|| PolicyError::PredictorModel {
                            predictor: predictor.clone(),
                            model: name.clone(),
                        })
                    })
                    .collect::<Result<_, _>>()?;
                let preds = self.predictions(predictor)?;
                Ok(cols.iter().map(|&c| preds[c].clone()).collect())
            }
        }
    }

    /// The point of one policy.
    pub fn evaluate(&mut self, policy: &Policy) -> Result<Point, PolicyError> {
        if let Policy::Mixture { low, high, p_high } = policy {
            if !(0.0..=1.0).contains(p_high) {
                return Err(PolicyError::Invalid(format!("mixing probability {p_high} is outside [0, 1]")));
            }
            let (a, b) = (self.evaluate(low)?, self.evaluate(high)?);
            return Ok(Point {
                cost: (1.0 - p_high) * a.cost + p_high * b.cost,
                quality: (1.0 - p_high) * a.quality + p_high * b.quality,
            });
        }
        let o = self.outcomes(policy)?;
        let n = o.cost.len() as f64;
        Ok(Point { cost: o.cost.iter().sum::<f64>() / n, quality: o.quality.iter().sum::<f64>() / n })
    }

    /// Per-query cost and quality of a deterministic policy (not a mixture).
    pub fn outcomes(&mut self, policy: &Policy) -> Result<Outcomes, PolicyError> {
        let (data, subset) = (self.data, self.subset);
        let mut out = Outcomes { cost: Vec::with_capacity(subset.len()), quality: Vec::with_capacity(subset.len()) };
        match policy {
            Policy::Single { model } => {
                let m = &data.models[self.model(model)?];
                for &q in subset {
                    out.cost.push(m.cost[q]);
                    out.quality.push(m.quality[q]);
                }
            }
            Policy::Cascade { stages, thresholds, signal } => {
                if stages.len() < 2 || thresholds.len() != stages.len() - 1 || thresholds.iter().any(|t| t.is_nan()) {
                    return Err(PolicyError::Invalid(format!("malformed cascade: {}", policy.describe())));
                }
                let idx: Vec<usize> = stages.iter().map(|s| self.model(s)).collect::<Result<_, _>>()?;
                let signals = self.stage_signals(&idx[..idx.len() - 1], signal)?;
                let signal_cost = signal.cost();
                for (i, &q) in subset.iter().enumerate() {
                    let mut cost = signal_cost;
                    let mut stage = 0;
                    loop {
                        let m = &data.models[idx[stage]];
                        cost += m.cost[q];
                        if stage == thresholds.len() || signals[stage][i] >= thresholds[stage] {
                            out.quality.push(m.quality[q]);
                            break;
                        }
                        stage += 1;
                    }
                    out.cost.push(cost);
                }
            }
            Policy::Router { predictor, models, mean_costs, cost_weight, router_cost } => {
                if models.len() != mean_costs.len() || models.is_empty() {
                    return Err(PolicyError::Invalid("a router needs one mean cost per model".into()));
                }
                let idx: Vec<usize> = models.iter().map(|s| self.model(s)).collect::<Result<_, _>>()?;
                let p =
                    self.predictors.get(predictor).ok_or_else(|| PolicyError::UnknownPredictor(predictor.clone()))?;
                let cols: Vec<usize> = models
                    .iter()
                    .map(|m| {
                        p.models().iter().position(|pm| pm == m).ok_or_else(|| PolicyError::PredictorModel {
                            predictor: predictor.clone(),
                            model: m.clone(),
                        })
                    })
                    .collect::<Result<_, _>>()?;
                let preds = self.predictions(predictor)?;
                for (i, &q) in subset.iter().enumerate() {
                    let mut best = 0;
                    let mut best_score = f64::NEG_INFINITY;
                    for (j, &c) in cols.iter().enumerate() {
                        let score = preds[c][i] - cost_weight * mean_costs[j];
                        if score > best_score {
                            best = j;
                            best_score = score;
                        }
                    }
                    let m = &data.models[idx[best]];
                    out.cost.push(router_cost + m.cost[q]);
                    out.quality.push(m.quality[q]);
                }
            }
            Policy::Oracle { models } => {
                let idx: Vec<usize> = models.iter().map(|s| self.model(s)).collect::<Result<_, _>>()?;
                for &q in subset {
                    let mut best = idx[0];
                    for &m in &idx[1..] {
                        let (a, b) = (&data.models[m], &data.models[best]);
                        if a.quality[q] > b.quality[q] || (a.quality[q] == b.quality[q] && a.cost[q] < b.cost[q]) {
                            best = m;
                        }
                    }
                    out.cost.push(data.models[best].cost[q]);
                    out.quality.push(data.models[best].quality[q]);
                }
            }
            Policy::Hybrid { predictor, options, cost_weight, router_cost } => {
                let choice = self.hybrid_choices(predictor, options, *cost_weight)?;
                // Run each chosen option once over the subset, then take its outcome where chosen.
                let mut ran: Vec<Option<Outcomes>> = vec![None; options.len()];
                for &o in &choice {
                    if ran[o].is_none() {
                        if matches!(options[o].policy, Policy::Mixture { .. }) {
                            return Err(PolicyError::Invalid(
                                "hybrid options must be deterministic, not mixtures".into(),
                            ));
                        }
                        ran[o] = Some(self.outcomes(&options[o].policy)?);
                    }
                }
                for (i, &o) in choice.iter().enumerate() {
                    let r = ran[o].as_ref().expect("every chosen option ran");
                    out.cost.push(router_cost + r.cost[i]);
                    out.quality.push(r.quality[i]);
                }
            }
            Policy::Mixture { .. } => {
                return Err(PolicyError::Invalid(
                    "a mixture has no per-query outcome; evaluate it in expectation".into(),
                ));
            }
        }
        Ok(out)
    }

    /// The option a hybrid router picks for each query of the subset: the first
    /// maximizer of q̂_o(x) − cost_weight · ĉ_o(x).
    pub fn hybrid_choices(
        &mut self,
        predictor: &str,
        options: &[HybridOption],
        cost_weight: f64,
    ) -> Result<Vec<usize>, PolicyError> {
        if options.is_empty() {
            return Err(PolicyError::Invalid("a hybrid router needs at least one option".into()));
        }
        let p = self.predictors.get(predictor).ok_or_else(|| PolicyError::UnknownPredictor(predictor.to_string()))?;
        let column = |m: &str| {
            p.models()
                .iter()
                .position(|pm| pm == m)
                .ok_or_else(|| PolicyError::PredictorModel { predictor: predictor.to_string(), model: m.to_string() })
        };
        // Estimates with model names resolved to predictor columns, in the weights' (name)
        // order, so the sums below are the same floats as `Estimate::value`.
        type Resolved = (f64, Vec<(usize, f64)>);
        let resolve = |e: &crate::Estimate| -> Result<Resolved, PolicyError> {
            Ok((e.constant, e.weights.iter().map(|(m, &w)| Ok((column(m)?, w))).collect::<Result<_, PolicyError>>()?))
        };
        let resolved: Vec<(Resolved, Resolved)> = options
            .iter()
            .map(|o| Ok((resolve(&o.quality)?, resolve(&o.cost)?)))
            .collect::<Result<_, PolicyError>>()?;
        let n = self.subset.len();
        let preds = self.predictions(predictor)?;
        let value =
            |(constant, terms): &Resolved, i: usize| terms.iter().fold(*constant, |acc, &(c, w)| acc + w * preds[c][i]);
        let mut choice = Vec::with_capacity(n);
        for i in 0..n {
            let mut best = 0;
            let mut best_score = f64::NEG_INFINITY;
            for (o, (q, c)) in resolved.iter().enumerate() {
                let score = value(q, i) - cost_weight * value(c, i);
                if score > best_score {
                    best = o;
                    best_score = score;
                }
            }
            choice.push(best);
        }
        Ok(choice)
    }

    /// Points of many policies. Two-stage cascades that share a pair and a signal are
    /// evaluated together by one sort of the cheap stage's signal and one binary
    /// search per threshold; the result equals [`Evaluator::evaluate`] up to the
    /// order of floating-point summation. Routers read their predictor's output one
    /// query at a time and build no per-query outcome vectors; their points equal
    /// [`Evaluator::evaluate`]'s exactly.
    pub fn evaluate_all(&mut self, policies: &[Policy]) -> Result<Vec<Point>, PolicyError> {
        let mut sweeps: HashMap<(usize, usize, Signal), PairSweep> = HashMap::new();
        let mut out = Vec::with_capacity(policies.len());
        for p in policies {
            match p {
                Policy::Cascade { stages, thresholds, signal } if stages.len() == 2 && thresholds.len() == 1 => {
                    let tau = thresholds[0];
                    if tau.is_nan() {
                        return Err(PolicyError::Invalid(format!("threshold is NaN in {}", p.describe())));
                    }
                    let key = (self.model(&stages[0])?, self.model(&stages[1])?, signal.clone());
                    if !sweeps.contains_key(&key) {
                        let sweep = self.pair_sweep(key.0, key.1, signal)?;
                        sweeps.insert(key.clone(), sweep);
                    }
                    let s = &sweeps[&key];
                    let k = s.sorted_signal.partition_point(|&v| v < tau);
                    let n = self.subset.len() as f64;
                    out.push(Point {
                        cost: (s.base_cost + s.prefix_cost[k]) / n,
                        quality: (s.base_quality + s.prefix_gain[k]) / n,
                    });
                }
                Policy::Router { .. } => out.push(self.router_point(p)?),
                _ => out.push(self.evaluate(p)?),
            }
        }
        Ok(out)
    }

    /// The point of a router: the same per-query choices and the same sums, in the
    /// same order, as [`Evaluator::evaluate`], without per-query outcome vectors.
    fn router_point(&mut self, policy: &Policy) -> Result<Point, PolicyError> {
        let Policy::Router { predictor, models, mean_costs, cost_weight, router_cost } = policy else {
            return self.evaluate(policy);
        };
        if models.len() != mean_costs.len() || models.is_empty() {
            return Err(PolicyError::Invalid("a router needs one mean cost per model".into()));
        }
        let (data, subset, predictors) = (self.data, self.subset, self.predictors);
        let idx: Vec<usize> = models.iter().map(|s| self.model(s)).collect::<Result<_, _>>()?;
        let p = predictors.get(predictor).ok_or_else(|| PolicyError::UnknownPredictor(predictor.clone()))?;
        let cols: Vec<usize> = models
            .iter()
            .map(|m| {
                p.models()
                    .iter()
                    .position(|pm| pm == m)
                    .ok_or_else(|| PolicyError::PredictorModel { predictor: predictor.clone(), model: m.clone() })
            })
            .collect::<Result<_, _>>()?;
        let width = p.models().len();
        if !self.prediction_rows.contains_key(predictor) {
            let columns = self.predictions(predictor)?;
            let mut rows = vec![0.0; subset.len() * width];
            for (c, column) in columns.iter().enumerate() {
                for (i, &v) in column.iter().enumerate() {
                    rows[i * width + c] = v;
                }
            }
            self.prediction_rows.insert(predictor.clone(), rows);
        }
        let rows = &self.prediction_rows[predictor];
        let chosen: Vec<usize> = rows
            .chunks_exact(width)
            .map(|row| {
                let mut best = 0;
                let mut best_score = f64::NEG_INFINITY;
                for (j, &c) in cols.iter().enumerate() {
                    let score = row[c] - cost_weight * mean_costs[j];
                    if score > best_score {
                        best = j;
                        best_score = score;
                    }
                }
                idx[best]
            })
            .collect();
        let n = subset.len() as f64;
        let cost = chosen.iter().zip(subset).map(|(&m, &q)| router_cost + data.models[m].cost[q]).sum::<f64>();
        let quality = chosen.iter().zip(subset).map(|(&m, &q)| data.models[m].quality[q]).sum::<f64>();
        Ok(Point { cost: cost / n, quality: quality / n })
    }

    fn pair_sweep(&mut self, l: usize, h: usize, signal: &Signal) -> Result<PairSweep, PolicyError> {
        let sig = self.stage_signals(&[l], signal)?.pop().unwrap_or_default();
        let (ml, mh) = (&self.data.models[l], &self.data.models[h]);
        let mut order: Vec<usize> = (0..self.subset.len()).collect();
        order.sort_by(|&a, &b| sig[a].total_cmp(&sig[b]).then(a.cmp(&b)));
        let mut prefix_gain = Vec::with_capacity(order.len() + 1);
        let mut prefix_cost = Vec::with_capacity(order.len() + 1);
        let (mut g, mut c) = (0.0, 0.0);
        prefix_gain.push(0.0);
        prefix_cost.push(0.0);
        for &i in &order {
            let q = self.subset[i];
            g += mh.quality[q] - ml.quality[q];
            c += mh.cost[q];
            prefix_gain.push(g);
            prefix_cost.push(c);
        }
        let base_quality = self.subset.iter().map(|&q| ml.quality[q]).sum();
        let signal_cost = signal.cost();
        let base_cost = self.subset.iter().map(|&q| signal_cost + ml.cost[q]).sum();
        Ok(PairSweep {
            sorted_signal: order.iter().map(|&i| sig[i]).collect(),
            prefix_gain,
            prefix_cost,
            base_quality,
            base_cost,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ModelColumns, Predictors};

    fn data() -> Dataset {
        let m = |name: &str, quality: Vec<f64>, conf: Vec<f64>, cost: Vec<f64>| ModelColumns {
            name: name.into(),
            quality,
            confidence: Some(conf),
            cost,
        };
        Dataset::new(
            (0..4).map(|i| format!("q{i}")).collect(),
            None,
            vec![
                m("s", vec![1.0, 0.0, 0.0, 1.0], vec![0.9, 0.1, f64::NEG_INFINITY, 0.5], vec![1.0; 4]),
                m("m", vec![1.0, 1.0, 0.0, 0.0], vec![0.2, 0.8, 0.4, 0.6], vec![2.0; 4]),
                m("l", vec![1.0, 1.0, 1.0, 0.5], vec![0.0; 4], vec![10.0, 10.0, 10.0, 20.0]),
            ],
            None,
        )
        .unwrap()
    }

    fn cascade(stages: &[&str], thresholds: &[f64]) -> Policy {
        Policy::Cascade {
            stages: stages.iter().map(|s| s.to_string()).collect(),
            thresholds: thresholds.to_vec(),
            signal: Signal::Confidence,
        }
    }

    #[test]
    fn cascade_escalates_strictly_below_threshold_and_pays_every_stage() {
        let d = data();
        let all = d.all_queries();
        let preds = Predictors::new();
        let mut ev = Evaluator::new(&d, &all, &preds).unwrap();
        // τ = 0.5: queries with s < 0.5 (q1, q2 with -inf) escalate; q3 (s = 0.5) stays.
        let p = ev.evaluate(&cascade(&["s", "l"], &[0.5])).unwrap();
        assert_eq!(p, Point { cost: (1.0 + 11.0 + 11.0 + 1.0) / 4.0, quality: (1.0 + 1.0 + 1.0 + 1.0) / 4.0 });
        // -inf never escalates, even a -inf score.
        let p = ev.evaluate(&cascade(&["s", "l"], &[f64::NEG_INFINITY])).unwrap();
        assert_eq!(p, Point { cost: 1.0, quality: 0.5 });
        // +inf always escalates.
        let p = ev.evaluate(&cascade(&["s", "l"], &[f64::INFINITY])).unwrap();
        assert_eq!(p, Point { cost: 1.0 + 12.5, quality: 3.5 / 4.0 });
    }

    #[test]
    fn three_stages_stop_at_first_confident_stage() {
        let d = data();
        let all = d.all_queries();
        let preds = Predictors::new();
        let mut ev = Evaluator::new(&d, &all, &preds).unwrap();
        // s: q0 stops (0.9); q1, q2, q3 go on. m (τ=0.5): q1 stops (0.8), q3 stops (0.6), q2 goes to l.
        let p = ev.evaluate(&cascade(&["s", "m", "l"], &[0.6, 0.5])).unwrap();
        assert_eq!(p, Point { cost: (1.0 + 3.0 + 13.0 + 3.0) / 4.0, quality: (1.0 + 1.0 + 1.0 + 0.0) / 4.0 });
    }

    #[test]
    fn a_predicted_signal_charges_its_cost_on_every_query() {
        let mut d = data();
        d = Dataset::new(
            d.query_ids.clone(),
            None,
            d.models.clone(),
            Some(crate::Features { source: "test".into(), dim: 1, values: vec![0.0, 1.0, 2.0, 3.0] }),
        )
        .unwrap();
        let all = d.all_queries();
        // p̂ = σ(x − 1.5): below 0.5 for q0 and q1, above for q2 and q3.
        let mut preds = Predictors::new();
        preds.insert(
            "p".into(),
            crate::Predictor::Logistic {
                models: vec!["s".into(), "l".into()],
                coefficients: vec![vec![1.0], vec![0.0]],
                intercepts: vec![-1.5, 0.0],
                feature_mean: None,
                feature_scale: None,
            },
        );
        let cascade = |tau: f64, cost: f64| Policy::Cascade {
            stages: vec!["s".into(), "l".into()],
            thresholds: vec![tau],
            signal: Signal::Predicted { predictor: "p".into(), cost },
        };
        let mut ev = Evaluator::new(&d, &all, &preds).unwrap();
        for tau in [f64::NEG_INFINITY, 0.5, f64::INFINITY] {
            let free = ev.evaluate(&cascade(tau, 0.0)).unwrap();
            let paid = ev.evaluate(&cascade(tau, 0.25)).unwrap();
            assert!((paid.cost - free.cost - 0.25).abs() < 1e-12, "τ={tau}: every query pays the signal");
            assert_eq!(paid.quality, free.quality);
            let batch = ev.evaluate_all(&[cascade(tau, 0.25)]).unwrap()[0];
            assert!((batch.cost - paid.cost).abs() < 1e-12 && (batch.quality - paid.quality).abs() < 1e-12);
        }
        // τ = 0.5 escalates q0 and q1 (p̂ < 0.5): cost 1 + 10 + 10 + 1 + 1 + 1 over 4, plus the signal.
        assert!((ev.evaluate(&cascade(0.5, 0.25)).unwrap().cost - (24.0 / 4.0 + 0.25)).abs() < 1e-12);
        assert!(cascade(0.5, -1.0).check(&d, &preds).is_err(), "a negative signal cost is refused");
        assert!(cascade(0.5, 0.25).check(&d, &preds).is_ok());
    }

    #[test]
    fn batch_evaluation_matches_one_by_one() {
        let d = data();
        let all = d.all_queries();
        let preds = Predictors::new();
        let mut ev = Evaluator::new(&d, &all, &preds).unwrap();
        let taus = [f64::NEG_INFINITY, 0.1, 0.5, 0.5000001, 0.9, 1.0, f64::INFINITY];
        let policies: Vec<Policy> = taus.iter().map(|&t| cascade(&["s", "m"], &[t])).collect();
        let batch = ev.evaluate_all(&policies).unwrap();
        for (p, b) in policies.iter().zip(batch) {
            let one = ev.evaluate(p).unwrap();
            assert!((one.cost - b.cost).abs() < 1e-12 && (one.quality - b.quality).abs() < 1e-12, "{p:?}");
        }
    }

    /// `data()` with one feature per query, and a logistic predictor with
    /// p̂_s = σ(x), p̂_m = σ(−x), p̂_l = 1/2.
    fn data_with_predictor() -> (Dataset, Predictors) {
        let mut d = data();
        d.features = Some(crate::Features { source: "test".into(), dim: 1, values: vec![-2.0, -1.0, 1.0, 2.0] });
        let p = crate::Predictor::Logistic {
            models: vec!["s".into(), "m".into(), "l".into()],
            coefficients: vec![vec![1.0], vec![-1.0], vec![0.0]],
            intercepts: vec![0.0, 0.0, 0.0],
            feature_mean: None,
            feature_scale: None,
        };
        (d, Predictors::from([("p".to_string(), p)]))
    }

    fn single_option(model: &str, cost: f64) -> HybridOption {
        HybridOption {
            policy: Policy::Single { model: model.into() },
            quality: crate::Estimate { constant: 0.0, weights: [(model.to_string(), 1.0)].into() },
            cost: crate::Estimate::constant(cost),
        }
    }

    #[test]
    fn batched_routers_equal_one_by_one_exactly() {
        let (d, preds) = data_with_predictor();
        let all = d.all_queries();
        let subset = [3, 0, 2];
        for queries in [&all[..], &subset[..]] {
            let mut ev = Evaluator::new(&d, queries, &preds).unwrap();
            // Equal mean costs make ties, which go to the earlier model.
            let policies: Vec<Policy> = [0.0, 0.01, 0.05, 0.1, 0.3, 1.0, 1e6]
                .into_iter()
                .flat_map(|w| {
                    [vec![1.0, 2.0, 12.5], vec![2.0, 2.0, 2.0]].into_iter().map(move |costs| Policy::Router {
                        predictor: "p".into(),
                        models: vec!["l".into(), "s".into(), "m".into()],
                        mean_costs: costs,
                        cost_weight: w,
                        router_cost: 0.25,
                    })
                })
                .collect();
            let batch = ev.evaluate_all(&policies).unwrap();
            for (p, b) in policies.iter().zip(batch) {
                assert_eq!(ev.evaluate(p).unwrap(), b, "{p:?}");
            }
            let bad = Policy::Router {
                predictor: "nope".into(),
                models: vec!["s".into()],
                mean_costs: vec![1.0],
                cost_weight: 0.0,
                router_cost: 0.0,
            };
            assert_eq!(ev.evaluate_all(&[bad]).unwrap_err(), PolicyError::UnknownPredictor("nope".into()));
        }
    }

    #[test]
    fn hybrid_of_single_options_routes_like_the_router() {
        let (d, preds) = data_with_predictor();
        let all = d.all_queries();
        let mut ev = Evaluator::new(&d, &all, &preds).unwrap();
        let costs = [1.0, 2.0, 12.5];
        let names = ["s", "m", "l"];
        for w in [0.0, 0.01, 0.05, 0.1, 1.0, 1e6] {
            let router = Policy::Router {
                predictor: "p".into(),
                models: names.iter().map(|s| s.to_string()).collect(),
                mean_costs: costs.to_vec(),
                cost_weight: w,
                router_cost: 0.25,
            };
            let hybrid = Policy::Hybrid {
                predictor: "p".into(),
                options: names.iter().zip(costs).map(|(m, c)| single_option(m, c)).collect(),
                cost_weight: w,
                router_cost: 0.25,
            };
            hybrid.check(&d, &preds).unwrap();
            assert_eq!(ev.outcomes(&router).unwrap(), ev.outcomes(&hybrid).unwrap(), "w = {w}");
        }
    }

    #[test]
    fn hybrid_pays_what_the_chosen_option_does_on_each_query() {
        let (d, preds) = data_with_predictor();
        let all = d.all_queries();
        let mut ev = Evaluator::new(&d, &all, &preds).unwrap();
        let cascade = cascade(&["s", "l"], &[0.5]);
        let options = vec![
            single_option("s", 1.0),
            // Estimated quality 0.8 at estimated cost 5 whatever the query.
            HybridOption {
                policy: cascade.clone(),
                quality: crate::Estimate::constant(0.8),
                cost: crate::Estimate::constant(5.0),
            },
        ];
        // λ = 0: the cascade (0.8) beats s where σ(x) < 0.8, i.e. on q0, q1, q2; s keeps q3 (σ(2) ≈ 0.88).
        let hybrid =
            Policy::Hybrid { predictor: "p".into(), options: options.clone(), cost_weight: 0.0, router_cost: 0.0 };
        assert_eq!(ev.hybrid_choices("p", &options, 0.0).unwrap(), vec![1, 1, 1, 0]);
        let got = ev.outcomes(&hybrid).unwrap();
        let (c, s) = (ev.outcomes(&cascade).unwrap(), ev.outcomes(&Policy::Single { model: "s".into() }).unwrap());
        assert_eq!(got.cost, vec![c.cost[0], c.cost[1], c.cost[2], s.cost[3]]);
        assert_eq!(got.quality, vec![c.quality[0], c.quality[1], c.quality[2], s.quality[3]]);
        // λ = 1: the cascade's estimated cost outweighs its estimated quality everywhere.
        assert_eq!(ev.hybrid_choices("p", &options, 1.0).unwrap(), vec![0; 4]);
        // A weight on a model the predictor does not score is an error, not a panic.
        let mut bad = options.clone();
        bad[0].quality.weights.insert("nope".into(), 1.0);
        assert!(ev.hybrid_choices("p", &bad, 0.0).is_err());
        let bad = Policy::Hybrid { predictor: "p".into(), options: bad, cost_weight: 0.0, router_cost: 0.0 };
        assert!(bad.check(&d, &preds).is_err());
        assert!(ev.outcomes(&bad).is_err());
    }

    #[test]
    fn mixtures_evaluate_in_expectation_and_oracle_takes_cheapest_best() {
        let d = data();
        let all = d.all_queries();
        let preds = Predictors::new();
        let mut ev = Evaluator::new(&d, &all, &preds).unwrap();
        let mix = Policy::Mixture {
            low: Box::new(Policy::Single { model: "s".into() }),
            high: Box::new(Policy::Single { model: "l".into() }),
            p_high: 0.25,
        };
        let p = ev.evaluate(&mix).unwrap();
        assert!((p.cost - (0.75 * 1.0 + 0.25 * 12.5)).abs() < 1e-12);
        assert!((p.quality - (0.75 * 0.5 + 0.25 * 0.875)).abs() < 1e-12);
        let o = ev.evaluate(&Policy::Oracle { models: vec!["s".into(), "m".into(), "l".into()] }).unwrap();
        // q0: s (1, $1); q1: m ($2); q2: l ($10); q3: s (1, $1).
        assert_eq!(o, Point { cost: 14.0 / 4.0, quality: 1.0 });
    }
}
