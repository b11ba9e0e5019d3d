//! The model pool: per-model statistics on a subset, the non-dominated pool and the
//! valid cascade pairs, as the paper's protocol defines them.

use serde::{Deserialize, Serialize};

use crate::Dataset;

/// Mean cost and accuracy of one model on a subset of queries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelStats {
    /// Mean cost in dollars per query.
    pub mean_cost: f64,
    /// Mean quality.
    pub accuracy: f64,
}

/// Mean cost and accuracy of every model on `subset`, in dataset order.
pub fn model_stats(data: &Dataset, subset: &[usize]) -> Vec<ModelStats> {
    let n = subset.len().max(1) as f64;
    data.models
        .iter()
        .map(|m| {
            let (mut c, mut q) = (0.0, 0.0);
            for &i in subset {
                c += m.cost[i];
                q += m.quality[i];
            }
            ModelStats { mean_cost: c / n, accuracy: q / n }
        })
        .collect()
}

/// The non-dominated pool of a subset and its valid two-model pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    /// Statistics of every dataset model on the subset, in dataset order.
    pub stats: Vec<ModelStats>,
    /// Dataset positions of the pool's models, by ascending mean cost (ties by position).
    pub members: Vec<usize>,
    /// Valid pairs `(cheap, expensive)` of dataset positions: cost(L) < cost(H) and
    /// acc(H) > acc(L), both members of the pool; ordered by `members` order.
    pub pairs: Vec<(usize, usize)>,
}

impl Pool {
    /// Computes the pool on `subset`. A model is dropped when another is strictly
    /// cheaper and strictly more accurate.
    pub fn new(data: &Dataset, subset: &[usize]) -> Self {
        Self::from_stats(model_stats(data, subset))
    }

    /// The pool of models with the given statistics.
    pub fn from_stats(stats: Vec<ModelStats>) -> Self {
        let dominated =
            |m: usize| stats.iter().any(|o| o.mean_cost < stats[m].mean_cost && o.accuracy > stats[m].accuracy);
        let mut members: Vec<usize> = (0..stats.len()).filter(|&m| !dominated(m)).collect();
        members.sort_by(|&a, &b| stats[a].mean_cost.total_cmp(&stats[b].mean_cost).then(a.cmp(&b)));
        let mut pairs = Vec::new();
        for (i, &l) in members.iter().enumerate() {
            for &h in &members[i + 1..] {
                if stats[l].mean_cost < stats[h].mean_cost && stats[h].accuracy > stats[l].accuracy {
                    pairs.push((l, h));
                }
            }
        }
        Self { stats, members, pairs }
    }

    /// The cheapest pool model (ties by dataset position).
    pub fn cheapest(&self) -> Option<usize> {
        self.members.first().copied()
    }

    /// The most accurate pool model (ties: the cheaper one).
    pub fn most_accurate(&self) -> Option<usize> {
        self.members.iter().copied().reduce(
            |best, m| {
                if self.stats[m].accuracy > self.stats[best].accuracy { m } else { best }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(mean_cost: f64, accuracy: f64) -> ModelStats {
        ModelStats { mean_cost, accuracy }
    }

    #[test]
    fn dominated_models_leave_and_pairs_need_both_strict_orders() {
        // 0 cheap/weak, 1 dominated by 2 (2 is cheaper and better), 3 best, 4 same cost as 3.
        let pool = Pool::from_stats(vec![s(1.0, 0.5), s(5.0, 0.6), s(3.0, 0.7), s(10.0, 0.9), s(10.0, 0.9)]);
        assert_eq!(pool.members, vec![0, 2, 3, 4]);
        assert_eq!(pool.pairs, vec![(0, 2), (0, 3), (0, 4), (2, 3), (2, 4)]);
        assert_eq!(pool.cheapest(), Some(0));
        assert_eq!(pool.most_accurate(), Some(3));
    }
}
