//! The pairwise envelope: the non-dominated set of every valid pair's frontier
//! points and every pool model alone, by a k-way merge of the cost-sorted
//! per-pair frontiers, with the switching points where the best route changes.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use cascadelab_core::{Dataset, Policy, Pool, Signal};

use crate::PairwiseError;
use crate::sweep::{PairChoice, PairFrontier, Table, ThresholdRule, pair_frontiers_in, push_staircase};

/// The policy behind an envelope point, by dataset positions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// One model alone.
    Single(usize),
    /// The cascade low → high, escalating iff s_low < threshold.
    Cascade {
        /// Dataset position of the cheap model.
        low: usize,
        /// Dataset position of the expensive model.
        high: usize,
        /// The threshold τ.
        threshold: f64,
    },
}

impl Source {
    /// The route: the model, or the pair, without the threshold.
    pub fn route(&self) -> Route {
        match *self {
            Source::Single(m) => Route::Single(m),
            Source::Cascade { low, high, .. } => Route::Pair(low, high),
        }
    }
}

/// Which model or pair serves a stretch of the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Route {
    /// One model alone (dataset position).
    Single(usize),
    /// A two-model cascade (cheap, expensive dataset positions).
    Pair(usize, usize),
}

/// One point of the envelope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnvelopePoint {
    /// Mean cost per query.
    pub cost: f64,
    /// Mean quality.
    pub quality: f64,
    /// The policy that reaches it.
    pub source: Source,
}

/// A budget at which the envelope's best route changes: from this budget on,
/// `after` serves it; just below, `before` did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwitchingPoint {
    /// The budget (the cost of the first envelope point on the new route).
    pub budget: f64,
    /// The route serving budgets just below.
    pub before: Route,
    /// The route serving this budget.
    pub after: Route,
}

/// The pairwise envelope Q_env(B) = max over valid pairs of the pair's frontier
/// (and over the pool's models alone), as a staircase of deployable points.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    names: Vec<String>,
    rule: ThresholdRule,
    queries: usize,
    points: Vec<EnvelopePoint>,
    switching: Vec<SwitchingPoint>,
    pairs: Vec<PairFrontier>,
}

/// A merge cursor: the next point of one stream; ordered so that the heap pops by
/// increasing cost, then decreasing quality, then stream and position.
#[derive(Debug, Clone, Copy)]
struct Head {
    cost: f64,
    quality: f64,
    stream: usize,
    pos: usize,
}

impl Ord for Head {
    fn cmp(&self, o: &Self) -> Ordering {
        self.cost
            .total_cmp(&o.cost)
            .then(o.quality.total_cmp(&self.quality))
            .then(self.stream.cmp(&o.stream))
            .then(self.pos.cmp(&o.pos))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl PartialEq for Head {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Head {}

impl Envelope {
    /// The envelope of the pool's valid pairs on `subset` (the pool should have been
    /// computed on the same subset), with every pool model alone.
    pub fn new(data: &Dataset, subset: &[usize], pool: &Pool, rule: ThresholdRule) -> Result<Self, PairwiseError> {
        let rule = rule.check()?;
        let mut models = pool.members.clone();
        for &(l, h) in &pool.pairs {
            for m in [l, h] {
                if !models.contains(&m) {
                    models.push(m);
                }
            }
        }
        let table = Table::new(data, subset, models)?;
        let pairs = pair_frontiers_in(&table, &pool.pairs, rule)?;
        let singles: Vec<EnvelopePoint> = (0..pool.members.len())
            .map(|j| {
                let (cost, quality) = table.single(j);
                EnvelopePoint { cost, quality, source: Source::Single(table.models[j]) }
            })
            .collect();
        Ok(Self::from_frontiers(data, subset.len(), rule, singles, pairs))
    }

    /// The envelope of the pool computed on `subset` itself.
    pub fn for_subset(data: &Dataset, subset: &[usize], rule: ThresholdRule) -> Result<Self, PairwiseError> {
        Self::new(data, subset, &Pool::new(data, subset), rule)
    }

    /// Merges single-model points and pair frontiers (each by increasing cost) into
    /// the envelope. On exact ties the single model wins, then the earlier pair.
    fn from_frontiers(
        data: &Dataset,
        queries: usize,
        rule: ThresholdRule,
        mut singles: Vec<EnvelopePoint>,
        pairs: Vec<PairFrontier>,
    ) -> Self {
        singles.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(b.quality.total_cmp(&a.quality)));
        // A staircase too, like every pair's frontier, so each stream rises strictly.
        let mut single_stairs: Vec<EnvelopePoint> = Vec::with_capacity(singles.len());
        for p in singles {
            push_staircase(&mut single_stairs, p, |p| (p.cost, p.quality));
        }
        let point = |stream: usize, pos: usize| -> EnvelopePoint {
            if stream == 0 {
                return single_stairs[pos];
            }
            let f = &pairs[stream - 1];
            let p = f.points[pos];
            let source = match p.choice {
                PairChoice::Low => Source::Single(f.low),
                PairChoice::High => Source::Single(f.high),
                PairChoice::Threshold(threshold) => Source::Cascade { low: f.low, high: f.high, threshold },
            };
            EnvelopePoint { cost: p.cost, quality: p.quality, source }
        };
        let len = |stream: usize| if stream == 0 { single_stairs.len() } else { pairs[stream - 1].points.len() };
        // The first point of `stream` from `pos` on that beats quality `best`.
        let skip = |stream: usize, pos: usize, best: f64| -> usize {
            pos + if stream == 0 {
                single_stairs[pos..].partition_point(|p| p.quality <= best)
            } else {
                pairs[stream - 1].points[pos..].partition_point(|p| p.quality <= best)
            }
        };
        let mut heap = BinaryHeap::new();
        let head = |stream: usize, pos: usize| {
            let p = point(stream, pos);
            Reverse(Head { cost: p.cost, quality: p.quality, stream, pos })
        };
        for s in 0..=pairs.len() {
            if len(s) > 0 {
                heap.push(head(s, 0));
            }
        }
        let mut points: Vec<EnvelopePoint> = Vec::new();
        while let Some(Reverse(h)) = heap.pop() {
            push_staircase(&mut points, point(h.stream, h.pos), |p| (p.cost, p.quality));
            // Later points of this stream cost more than the envelope's last point;
            // those no better than it are dominated and never enter the heap.
            let best = points.last().map_or(f64::NEG_INFINITY, |p| p.quality);
            let next = skip(h.stream, h.pos + 1, best);
            if next < len(h.stream) {
                heap.push(head(h.stream, next));
            }
        }
        let switching = points
            .windows(2)
            .filter(|w| w[0].source.route() != w[1].source.route())
            .map(|w| SwitchingPoint { budget: w[1].cost, before: w[0].source.route(), after: w[1].source.route() })
            .collect();
        Self { names: data.models.iter().map(|m| m.name.clone()).collect(), rule, queries, points, switching, pairs }
    }

    /// The envelope's points, by increasing cost with strictly increasing quality.
    pub fn points(&self) -> &[EnvelopePoint] {
        &self.points
    }

    /// Budgets where the best route changes, by increasing budget.
    pub fn switching_points(&self) -> &[SwitchingPoint] {
        &self.switching
    }

    /// Every valid pair's own frontier, in the pool's pair order.
    pub fn pair_frontiers(&self) -> &[PairFrontier] {
        &self.pairs
    }

    /// The threshold rule used.
    pub fn rule(&self) -> ThresholdRule {
        self.rule
    }

    /// Number of queries the envelope was computed on.
    pub fn queries(&self) -> usize {
        self.queries
    }

    /// The best quality with cost at most `budget`; `None` below the cheapest model.
    pub fn quality_at(&self, budget: f64) -> Option<f64> {
        self.point_at(budget).map(|p| p.quality)
    }

    /// The point serving `budget`: the best one with cost at most `budget`.
    pub fn point_at(&self, budget: f64) -> Option<&EnvelopePoint> {
        let k = self.points.partition_point(|p| p.cost <= budget);
        k.checked_sub(1).map(|i| &self.points[i])
    }

    /// The policy serving `budget`.
    pub fn policy_at(&self, budget: f64) -> Option<Policy> {
        self.point_at(budget).map(|p| self.policy(p))
    }

    /// The deployable policy of a point.
    pub fn policy(&self, point: &EnvelopePoint) -> Policy {
        match point.source {
            Source::Single(m) => Policy::Single { model: self.names[m].clone() },
            Source::Cascade { low, high, threshold } => Policy::Cascade {
                stages: vec![self.names[low].clone(), self.names[high].clone()],
                thresholds: vec![threshold],
                signal: Signal::Confidence,
            },
        }
    }

    /// The name of the model at dataset position `m`.
    pub fn model_name(&self, m: usize) -> &str {
        &self.names[m]
    }

    /// A route as text: `model` or `cheap → expensive` (as [`Policy::route`] writes it).
    pub fn route_label(&self, route: Route) -> String {
        match route {
            Route::Single(m) => self.names[m].clone(),
            Route::Pair(l, h) => format!("{} → {}", self.names[l], self.names[h]),
        }
    }
}
