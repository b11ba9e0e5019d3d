//! Paired bootstrap percentile intervals for metrics of a method's curve.
//!
//! A method is a set of policies (the points of its curve), each known by its
//! per-query outcomes on the test set ([`cascadelab_core::Outcomes`]). One
//! bootstrap replicate resamples the test queries with replacement and, with the
//! policies held fixed (no refitting), recomputes every policy's mean cost and
//! quality on the resample and then the metric on those points. The interval is the
//! percentile interval of the replicates (numpy's "linear" percentiles at
//! (1 − level)/2 and (1 + level)/2), as ETH SRI's cascade-routing evaluation does.
//!
//! Paired: [`bootstrap_difference`] evaluates two methods on the same resamples, so
//! the interval of their difference reflects only how they differ on the queries
//! (a method compared with itself gives exactly [0, 0]). Reference policies that a
//! metric needs, such as the single models that anchor Gain, belong in the same
//! list so that they are resampled with the method.
//!
//! Cost: one replicate draws n indices once, turns them into a multiplicity per
//! query, and takes two dot products per policy: O(n·(1 + policies)), no allocation
//! per policy. Replicate r draws from `ChaCha8Rng` seeded with `seed` on stream r,
//! so results are identical whatever the number of threads (rayon).

use std::borrow::Borrow;

use cascadelab_core::{Outcomes, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::aggregate::quantile_sorted;

/// How to bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct BootstrapConfig {
    /// Number of resamples of the test queries (default 1,000).
    pub resamples: usize,
    /// Seed of the resampling (replicate r uses stream r of this seed).
    pub seed: u64,
    /// Coverage of the percentile interval, strictly between 0 and 1 (default 0.95).
    pub level: f64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self { resamples: 1000, seed: 0, level: 0.95 }
    }
}

/// A point estimate with its bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The metric on the full test set.
    pub estimate: f64,
    /// Lower end: the (1 − level)/2 percentile of the replicates.
    pub lo: f64,
    /// Upper end: the (1 + level)/2 percentile of the replicates.
    pub hi: f64,
    /// Coverage level.
    pub level: f64,
    /// Replicates on which the metric was defined (the interval's basis).
    pub defined: usize,
    /// Replicates drawn.
    pub resamples: usize,
}

/// Why a bootstrap could not run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BootstrapError {
    /// A method without any policy.
    #[error("method {method} has no policy")]
    NoPolicy {
        /// Position of the method.
        method: usize,
    },
    /// A policy whose cost and quality vectors differ in length.
    #[error("policy {policy} of method {method} has {costs} costs but {qualities} qualities")]
    Ragged {
        /// Position of the method.
        method: usize,
        /// Position of the policy within the method.
        policy: usize,
        /// Number of costs.
        costs: usize,
        /// Number of qualities.
        qualities: usize,
    },
    /// A policy evaluated on a different number of queries than the first one.
    #[error("policy {policy} of method {method} covers {len} queries, expected {expected}")]
    LengthMismatch {
        /// Position of the method.
        method: usize,
        /// Position of the policy within the method.
        policy: usize,
        /// Its number of queries.
        len: usize,
        /// The first policy's number of queries.
        expected: usize,
    },
    /// No query to resample.
    #[error("no query to resample")]
    NoQuery,
    /// More queries than a resampling index can address.
    #[error("too many queries to resample: {0}")]
    TooManyQueries(usize),
    /// Zero resamples requested.
    #[error("resamples must be at least 1")]
    NoResample,
    /// A level outside (0, 1).
    #[error("level must be strictly between 0 and 1, got {0}")]
    Level(f64),
    /// The metric is undefined on the full test set.
    #[error("the metric is undefined on the full test set")]
    UndefinedEstimate,
    /// The metric is undefined on every resample.
    #[error("the metric is undefined on all {0} resamples")]
    UndefinedOnEveryResample(usize),
}

/// The metric of one method (its policies' per-query outcomes on the test set),
/// with its bootstrap percentile interval.
pub fn bootstrap<O, M>(policies: &[O], metric: M, config: &BootstrapConfig) -> Result<Interval, BootstrapError>
where
    O: Borrow<Outcomes> + Sync,
    M: Fn(&[Point]) -> Option<f64> + Sync,
{
    bootstrap_with(&[policies], |p: &[&[Point]]| metric(p[0]), config)
}

/// metric(a) − metric(b) for two methods on the same test queries, with the paired
/// bootstrap interval (both evaluated on the same resamples).
pub fn bootstrap_difference<O, M>(
    a: &[O],
    b: &[O],
    metric: M,
    config: &BootstrapConfig,
) -> Result<Interval, BootstrapError>
where
    O: Borrow<Outcomes> + Sync,
    M: Fn(&[Point]) -> Option<f64> + Sync,
{
    bootstrap_with(&[a, b], |p: &[&[Point]]| Some(metric(p[0])? - metric(p[1])?), config)
}

/// The general form: any statistic of several methods' points (one slice per method,
/// in order), all resampled together on the same queries.
pub fn bootstrap_with<O, S>(
    methods: &[&[O]],
    statistic: S,
    config: &BootstrapConfig,
) -> Result<Interval, BootstrapError>
where
    O: Borrow<Outcomes> + Sync,
    S: Fn(&[&[Point]]) -> Option<f64> + Sync,
{
    if config.resamples == 0 {
        return Err(BootstrapError::NoResample);
    }
    if !(config.level > 0.0 && config.level < 1.0) {
        return Err(BootstrapError::Level(config.level));
    }
    let n = query_count(methods)?;
    let defined = |v: Option<f64>| v.filter(|x| !x.is_nan());

    let full: Vec<Vec<Point>> = methods
        .iter()
        .map(|m| {
            m.iter()
                .map(|o| {
                    let o = o.borrow();
                    Point {
                        cost: o.cost.iter().sum::<f64>() / n as f64,
                        quality: o.quality.iter().sum::<f64>() / n as f64,
                    }
                })
                .collect()
        })
        .collect();
    let views: Vec<&[Point]> = full.iter().map(Vec::as_slice).collect();
    let estimate = defined(statistic(&views)).ok_or(BootstrapError::UndefinedEstimate)?;

    let draws = n as u32;
    let mut values: Vec<f64> = (0..config.resamples)
        .into_par_iter()
        .map_init(
            || (vec![0.0f64; n], full.clone()),
            |(weights, points), r| {
                let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
                rng.set_stream(r as u64);
                weights.fill(0.0);
                for _ in 0..n {
                    weights[rng.random_range(0..draws) as usize] += 1.0;
                }
                for (m, pts) in methods.iter().zip(points.iter_mut()) {
                    for (o, p) in m.iter().zip(pts.iter_mut()) {
                        let o = o.borrow();
                        *p = Point {
                            cost: dot(weights, &o.cost) / n as f64,
                            quality: dot(weights, &o.quality) / n as f64,
                        };
                    }
                }
                let views: Vec<&[Point]> = points.iter().map(Vec::as_slice).collect();
                defined(statistic(&views))
            },
        )
        .collect::<Vec<Option<f64>>>()
        .into_iter()
        .flatten()
        .collect();
    if values.is_empty() {
        return Err(BootstrapError::UndefinedOnEveryResample(config.resamples));
    }
    values.sort_by(f64::total_cmp);
    let tail = 100.0 * (1.0 - config.level) / 2.0;
    let lo = quantile_sorted(&values, tail).unwrap_or(f64::NAN);
    let hi = quantile_sorted(&values, 100.0 - tail).unwrap_or(f64::NAN);
    Ok(Interval { estimate, lo, hi, level: config.level, defined: values.len(), resamples: config.resamples })
}

fn dot(w: &[f64], x: &[f64]) -> f64 {
    w.iter().zip(x).map(|(a, b)| a * b).sum()
}

/// The common number of queries of every policy of every method.
fn query_count<O: Borrow<Outcomes>>(methods: &[&[O]]) -> Result<usize, BootstrapError> {
    let mut expected = None;
    for (mi, m) in methods.iter().enumerate() {
        if m.is_empty() {
            return Err(BootstrapError::NoPolicy { method: mi });
        }
        for (pi, o) in m.iter().enumerate() {
            let o = o.borrow();
            if o.cost.len() != o.quality.len() {
                return Err(BootstrapError::Ragged {
                    method: mi,
                    policy: pi,
                    costs: o.cost.len(),
                    qualities: o.quality.len(),
                });
            }
            let n = *expected.get_or_insert(o.cost.len());
            if o.cost.len() != n {
                return Err(BootstrapError::LengthMismatch { method: mi, policy: pi, len: o.cost.len(), expected: n });
            }
        }
    }
    match expected {
        None | Some(0) => Err(BootstrapError::NoQuery),
        Some(n) if n > u32::MAX as usize => Err(BootstrapError::TooManyQueries(n)),
        Some(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascadelab_core::Frontier;

    /// Bernoulli(p) qualities at unit cost, from a seeded stream.
    fn bernoulli(n: usize, p: f64, seed: u64) -> Outcomes {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Outcomes { cost: vec![1.0; n], quality: (0..n).map(|_| f64::from(u8::from(rng.random_bool(p)))).collect() }
    }

    fn quality_of_first(p: &[Point]) -> Option<f64> {
        Some(p[0].quality)
    }

    /// A metric of a whole curve: area under its frontier staircase on [0, 2].
    fn frontier_area(p: &[Point]) -> Option<f64> {
        Some(Frontier::from_points(p).area(0.0, 2.0))
    }

    fn method(seed: u64) -> Vec<Outcomes> {
        // Two policies of one method: a cheap one and a dearer, better one.
        let cheap = bernoulli(300, 0.6, seed);
        let mut dear = bernoulli(300, 0.8, seed + 1);
        dear.cost = (0..300).map(|i| 1.0 + (i % 3) as f64 * 0.25).collect();
        vec![cheap, dear]
    }

    #[test]
    fn hand_computed_two_query_case() {
        // Qualities 0 and 1: resample means are 0, 0.5, 1 with probability 1/4, 1/2, 1/4, so
        // with 1,000 resamples the 2.5th percentile is 0 and the 97.5th is 1; the estimate is 0.5.
        let o = Outcomes { cost: vec![1.0, 3.0], quality: vec![0.0, 1.0] };
        let i = bootstrap(&[o], quality_of_first, &BootstrapConfig::default()).unwrap();
        assert_eq!((i.estimate, i.lo, i.hi, i.defined, i.resamples), (0.5, 0.0, 1.0, 1000, 1000));
        // One query: every resample is that query.
        let one = Outcomes { cost: vec![2.0], quality: vec![0.25] };
        let i = bootstrap(&[one], |p: &[Point]| Some(p[0].cost), &BootstrapConfig::default()).unwrap();
        assert_eq!((i.estimate, i.lo, i.hi), (2.0, 2.0, 2.0));
    }

    #[test]
    fn deterministic_for_a_seed_whatever_the_thread_count() {
        let m = method(1);
        let cfg = BootstrapConfig { resamples: 500, seed: 7, level: 0.9 };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| bootstrap(&m, frontier_area, &cfg).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(3));
        let other = bootstrap(&m, frontier_area, &BootstrapConfig { seed: 8, ..cfg }).unwrap();
        assert_eq!(other.estimate, one.estimate);
        assert_ne!((other.lo, other.hi), (one.lo, one.hi));
    }

    #[test]
    fn interval_contains_the_estimate() {
        for seed in 0..5 {
            let i =
                bootstrap(&method(seed * 10), frontier_area, &BootstrapConfig { seed, ..Default::default() }).unwrap();
            assert!(i.lo < i.estimate && i.estimate < i.hi, "{i:?}");
        }
    }

    #[test]
    fn difference_of_a_method_with_itself_is_exactly_zero() {
        let m = method(3);
        let i = bootstrap_difference(&m, &m, frontier_area, &BootstrapConfig::default()).unwrap();
        assert_eq!((i.estimate, i.lo, i.hi, i.defined), (0.0, 0.0, 0.0, 1000));
    }

    #[test]
    fn paired_difference_is_narrower_than_either_interval() {
        // b is a with 5 % of its answers flipped: its own interval is as wide as a's, but the
        // paired difference only sees the flipped queries.
        let a = bernoulli(1000, 0.7, 11);
        let mut b = a.clone();
        for q in (0..1000).step_by(20) {
            b.quality[q] = 1.0 - b.quality[q];
        }
        let cfg = BootstrapConfig::default();
        let ia = bootstrap(&[&a], quality_of_first, &cfg).unwrap();
        let d = bootstrap_difference(&[&a], &[&b], quality_of_first, &cfg).unwrap();
        let flips: f64 = (0..1000).step_by(20).map(|q| a.quality[q] - b.quality[q]).sum::<f64>() / 1000.0;
        assert_eq!(d.estimate, ia.estimate - bootstrap(&[&b], quality_of_first, &cfg).unwrap().estimate);
        assert!((d.estimate - flips).abs() < 1e-12);
        assert!(d.hi - d.lo < 0.5 * (ia.hi - ia.lo), "{d:?} vs {ia:?}");
    }

    #[test]
    fn width_scales_like_one_over_sqrt_n_and_matches_the_normal_approximation() {
        let p = 0.3;
        let cfg = BootstrapConfig { resamples: 2000, seed: 5, level: 0.95 };
        let width = |n: usize| {
            let i = bootstrap(&[bernoulli(n, p, n as u64)], quality_of_first, &cfg).unwrap();
            let q = i.estimate;
            (i.hi - i.lo, 2.0 * 1.959964 * (q * (1.0 - q) / n as f64).sqrt())
        };
        let (w400, normal400) = width(400);
        let (w6400, normal6400) = width(6400);
        // 16 times the queries: a quarter of the width.
        assert!((w400 / w6400 - 4.0).abs() < 0.4, "{w400} / {w6400}");
        assert!((w400 / normal400 - 1.0).abs() < 0.1, "{w400} vs {normal400}");
        assert!((w6400 / normal6400 - 1.0).abs() < 0.1, "{w6400} vs {normal6400}");
    }

    #[test]
    fn covers_the_true_mean_at_about_the_nominal_rate() {
        // 1,000 synthetic test sets of 200 Bernoulli(0.4) queries: a 90 % interval should cover 0.4
        // about 900 times (binomial sd ≈ 9.5); a 95 % or 80 % interval would land near 950 or 800.
        let cfg = BootstrapConfig { resamples: 400, seed: 1, level: 0.9 };
        let covered = (0..1000)
            .filter(|&s| {
                let i = bootstrap(&[bernoulli(200, 0.4, 1000 + s)], quality_of_first, &cfg).unwrap();
                i.lo <= 0.4 && 0.4 <= i.hi
            })
            .count();
        assert!((870..=930).contains(&covered), "covered {covered} of 1000");
    }

    #[test]
    fn bad_input_is_an_error() {
        let a = Outcomes { cost: vec![1.0; 3], quality: vec![1.0; 3] };
        let short = Outcomes { cost: vec![1.0; 2], quality: vec![1.0; 2] };
        let ragged = Outcomes { cost: vec![1.0; 3], quality: vec![1.0; 2] };
        let cfg = BootstrapConfig::default();
        assert_eq!(
            bootstrap(&[&a, &short], quality_of_first, &cfg),
            Err(BootstrapError::LengthMismatch { method: 0, policy: 1, len: 2, expected: 3 })
        );
        assert_eq!(
            bootstrap_difference(&[&a], &[&short], quality_of_first, &cfg),
            Err(BootstrapError::LengthMismatch { method: 1, policy: 0, len: 2, expected: 3 })
        );
        assert!(matches!(bootstrap(&[&ragged], quality_of_first, &cfg), Err(BootstrapError::Ragged { .. })));
        assert_eq!(bootstrap::<&Outcomes, _>(&[], quality_of_first, &cfg), Err(BootstrapError::NoPolicy { method: 0 }));
        assert_eq!(bootstrap(&[Outcomes::default()], quality_of_first, &cfg), Err(BootstrapError::NoQuery));
        let level = BootstrapConfig { level: 1.0, ..cfg };
        assert_eq!(bootstrap(&[&a], quality_of_first, &level), Err(BootstrapError::Level(1.0)));
        let none = BootstrapConfig { resamples: 0, ..cfg };
        assert_eq!(bootstrap(&[&a], quality_of_first, &none), Err(BootstrapError::NoResample));
        assert_eq!(bootstrap(&[&a], |_: &[Point]| None, &cfg), Err(BootstrapError::UndefinedEstimate));
    }
}
