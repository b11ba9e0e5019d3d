//! The two protocols and the methods of the Table 1 analog, each mapped to one
//! curve of the experiments in `experiments/paper/` (a solver name, a family and a
//! curve kind).

use cascadelab_engine::results::{CurveKind, CurveSet, RunResults};
use cascadelab_engine::{Study, protocol::FamilyResult};

/// How a method's held-out curve is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// The paper's: the upper envelope on test of every calibration candidate
    /// (`test-envelope`), with the 200-threshold pairwise grid and the paper's 200
    /// router weights. It picks on test, so it is optimistic.
    Paper,
    /// Calibration-selected: the calibration frontier's policies at their test points
    /// (`selected`), with every distinct threshold and every distinct router weight.
    /// Nothing is chosen on test.
    Exact,
}

impl Protocol {
    /// Both, in report order.
    pub const ALL: [Protocol; 2] = [Protocol::Paper, Protocol::Exact];

    /// Its name in the report.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Paper => "paper",
            Protocol::Exact => "exact",
        }
    }

    /// The engine's curve kind it reads.
    pub fn kind(self) -> CurveKind {
        match self {
            Protocol::Paper => CurveKind::TestEnvelope,
            Protocol::Exact => CurveKind::Selected,
        }
    }
}

/// A row of the Table 1 analog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// The pairwise envelope: every valid two-model cascade.
    PairwiseEnvelope,
    /// The whole calibration pool as one chain.
    FullFixedChain,
    /// Every cost-ordered subsequence of 2 to 4 pool models.
    OptimalSubsequence,
    /// The pre-generation router.
    Router,
    /// The two-model cascade deferring on the router's p̂_L.
    EmbeddingCascade,
    /// Mixtures on the concave hull of the pairwise cascades (beyond the paper).
    RandomizedHull,
    /// The gated hybrid of router and cascade (beyond the paper).
    Hybrid,
    /// The cheapest correct model per query: a bound, not deployable.
    Oracle,
}

impl Method {
    /// Every method, in table order (the paper's four first).
    pub const ALL: [Method; 8] = [
        Method::PairwiseEnvelope,
        Method::FullFixedChain,
        Method::OptimalSubsequence,
        Method::Router,
        Method::EmbeddingCascade,
        Method::RandomizedHull,
        Method::Hybrid,
        Method::Oracle,
    ];

    /// The paper's cascades, among which "the best cascade" is chosen.
    pub const CASCADES: [Method; 3] = [Method::PairwiseEnvelope, Method::FullFixedChain, Method::OptimalSubsequence];

    /// Its name in the report.
    pub fn label(self) -> &'static str {
        match self {
            Method::PairwiseEnvelope => "pairwise envelope",
            Method::FullFixedChain => "full fixed chain",
            Method::OptimalSubsequence => "optimal subsequence",
            Method::Router => "router",
            Method::EmbeddingCascade => "embedding cascade",
            Method::RandomizedHull => "randomized hull",
            Method::Hybrid => "hybrid",
            Method::Oracle => "oracle",
        }
    }

    /// Whether Table 1 of the paper has the method.
    pub fn in_table1(self) -> bool {
        matches!(self, Method::PairwiseEnvelope | Method::FullFixedChain | Method::OptimalSubsequence | Method::Router)
    }

    /// The solver (by name in `experiments/paper/*.toml`) and family whose curve the
    /// method is under `protocol`. The embedding cascade, the hybrid and the oracle do
    /// not depend on the router's weights, so both protocols read them from
    /// `router-exact`.
    pub fn source(self, protocol: Protocol) -> (&'static str, &'static str) {
        let paper = protocol == Protocol::Paper;
        match self {
            Method::PairwiseEnvelope if paper => ("envelope-paper", ""),
            Method::PairwiseEnvelope => ("envelope-exact", ""),
            Method::FullFixedChain => ("fixed-chain", ""),
            Method::OptimalSubsequence => ("subsequences", ""),
            Method::Router if paper => ("router-paper", ""),
            Method::Router => ("router-exact", ""),
            Method::EmbeddingCascade => ("router-exact", "embedding-cascade"),
            Method::RandomizedHull => ("randomized", ""),
            Method::Hybrid => ("router-exact", "hybrid"),
            Method::Oracle => ("router-exact", "oracle"),
        }
    }

    /// The engine's curve label of the method under `protocol`.
    pub fn curve_label(self, protocol: Protocol) -> String {
        match self.source(protocol) {
            (s, "") => s.to_string(),
            (s, f) => format!("{s}/{f}"),
        }
    }
}

/// The solver position of `name` in the study's plan.
pub fn solver_index(study: &Study, name: &str) -> Option<usize> {
    study.plan.solvers.iter().position(|s| s.name == name)
}

/// The aggregated curves of `method` under `protocol`, if the run has them.
pub fn curve_set<'r>(
    study: &Study,
    results: &'r RunResults,
    method: Method,
    protocol: Protocol,
) -> Option<&'r CurveSet> {
    let (solver, family) = method.source(protocol);
    let si = solver_index(study, solver)?;
    results.curves.iter().find(|c| c.solver == si && c.family == family)
}

/// Split `split`'s family result of `method` under `protocol`.
pub fn family<'r>(
    study: &Study,
    results: &'r RunResults,
    split: usize,
    method: Method,
    protocol: Protocol,
) -> Option<&'r FamilyResult> {
    let (solver, family) = method.source(protocol);
    results.family(split, solver_index(study, solver)?, family)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_read_their_own_envelope_and_router_and_share_the_rest() {
        assert_eq!(Method::PairwiseEnvelope.curve_label(Protocol::Paper), "envelope-paper");
        assert_eq!(Method::PairwiseEnvelope.curve_label(Protocol::Exact), "envelope-exact");
        assert_eq!(Method::Router.curve_label(Protocol::Paper), "router-paper");
        assert_eq!(Method::Router.curve_label(Protocol::Exact), "router-exact");
        for m in [Method::EmbeddingCascade, Method::Hybrid, Method::Oracle] {
            assert_eq!(m.source(Protocol::Paper), m.source(Protocol::Exact), "{m:?}");
        }
        assert_eq!(Method::Hybrid.curve_label(Protocol::Exact), "router-exact/hybrid");
        assert_eq!(Protocol::Paper.kind(), CurveKind::TestEnvelope);
        assert_eq!(Protocol::Exact.kind(), CurveKind::Selected);
        assert_eq!(Method::ALL.iter().filter(|m| m.in_table1()).count(), 4);
    }
}
