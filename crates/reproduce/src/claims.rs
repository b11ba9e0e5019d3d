//! The paper's claims and the rules that turn evidence into verdicts.
//!
//! Per data set and protocol, a claim compares two methods by the paired
//! bootstrap interval of their Gain difference, A − B:
//! - a claimed *direction* (A below B, or A above B): **holds** when the interval
//!   excludes 0 on the claimed side, **does not hold** when it excludes 0 on the
//!   other side, **inconclusive** otherwise;
//! - *no meaningful gain* of A over B: **holds** when the interval lies below the
//!   practical margin m (the Gain of lifting the curve by [`MEANINGFUL_QUALITY`] over
//!   the whole range, m = 0.005 / (q_max − q_low)), **does not hold** when it lies
//!   above m, **inconclusive** otherwise.
//!
//! Over the data sets, with N data sets, k where it holds and f where it does not:
//! - a claim the paper states generally (fixed chains below the envelope, no gain
//!   from subsequences, the router above its embedding cascade): **holds** when
//!   k > N/2 and f = 0; **does not hold** when f > N/2 and k = 0; **mixed** when
//!   k ≥ 1 and f ≥ 1; **inconclusive** otherwise;
//! - a claim about most data sets (the router beats the best cascade): **holds** when
//!   k > N/2; **does not hold** when k plus the inconclusive data sets is at most
//!   N/2 (it cannot be most even if every open case went its way); **inconclusive**
//!   otherwise.

use cascadelab_metrics::Interval;

/// A quality gap below this is no practical difference (the engine's comparisons use
/// the same threshold at the grid midpoint).
pub const MEANINGFUL_QUALITY: f64 = cascadelab_engine::compare::MEANINGFUL_GAP;

/// What a claim says about A − B.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Claimed {
    /// A is below B.
    Below,
    /// A is above B.
    Above,
    /// A is not meaningfully above B: the difference stays under this margin.
    NoMeaningfulGain(f64),
}

/// The paper's claims checked by the reproduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Claim {
    /// Fixed chains fall below the pairwise envelope.
    FixedChainsBelow,
    /// Optimized subsequences add no practically meaningful held-out gain over the
    /// envelope.
    SubsequencesNoGain,
    /// The router beats the best cascade on most data sets.
    RouterBeatsBestCascade,
    /// The router beats the embedding cascade that uses its own signal (the
    /// structural cost of cascading).
    RouterBeatsEmbeddingCascade,
}

impl Claim {
    /// Every claim, in report order.
    pub const ALL: [Claim; 4] = [
        Claim::FixedChainsBelow,
        Claim::SubsequencesNoGain,
        Claim::RouterBeatsBestCascade,
        Claim::RouterBeatsEmbeddingCascade,
    ];

    /// The claim in words.
    pub fn statement(self) -> &'static str {
        match self {
            Claim::FixedChainsBelow => "Fixed chains fall below the pairwise envelope",
            Claim::SubsequencesNoGain => {
                "Optimized subsequences add no practically meaningful held-out gain over the envelope"
            }
            Claim::RouterBeatsBestCascade => "The router beats the best cascade on most data sets",
            Claim::RouterBeatsEmbeddingCascade => {
                "The router beats the embedding cascade that uses its own signal (structural cost)"
            }
        }
    }

    /// How it ranges over data sets.
    pub fn scope(self) -> Scope {
        match self {
            Claim::RouterBeatsBestCascade => Scope::Most,
            _ => Scope::General,
        }
    }

    /// What it says about A − B.
    pub fn claimed(self, margin: f64) -> Claimed {
        match self {
            Claim::FixedChainsBelow => Claimed::Below,
            Claim::SubsequencesNoGain => Claimed::NoMeaningfulGain(margin),
            Claim::RouterBeatsBestCascade | Claim::RouterBeatsEmbeddingCascade => Claimed::Above,
        }
    }
}

/// A verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// The evidence supports the claim.
    Holds,
    /// The evidence contradicts the claim.
    DoesNotHold,
    /// Over data sets: it holds on some and not on others.
    Mixed,
    /// The evidence decides nothing.
    Inconclusive,
}

impl Verdict {
    /// The words in the report.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::Mixed => "mixed",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// The verdict on one data set from the interval [lo, hi] of A − B.
pub fn verdict(claimed: Claimed, lo: f64, hi: f64) -> Verdict {
    match claimed {
        Claimed::Below if hi < 0.0 => Verdict::Holds,
        Claimed::Below if lo > 0.0 => Verdict::DoesNotHold,
        Claimed::Above if lo > 0.0 => Verdict::Holds,
        Claimed::Above if hi < 0.0 => Verdict::DoesNotHold,
        Claimed::NoMeaningfulGain(m) if hi < m => Verdict::Holds,
        Claimed::NoMeaningfulGain(m) if lo > m => Verdict::DoesNotHold,
        _ => Verdict::Inconclusive,
    }
}

/// The verdict on one data set from an interval; inconclusive without one.
pub fn verdict_of(claimed: Claimed, interval: Option<&Interval>) -> Verdict {
    interval.map_or(Verdict::Inconclusive, |i| verdict(claimed, i.lo, i.hi))
}

/// How a claim ranges over data sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Stated generally: it should hold everywhere.
    General,
    /// Stated for most data sets.
    Most,
}

/// Counts of per-data-set verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Data sets where it holds.
    pub holds: usize,
    /// Data sets where it does not hold.
    pub fails: usize,
    /// Data sets where it is inconclusive.
    pub open: usize,
}

impl Tally {
    /// The tally of per-data-set verdicts.
    pub fn of(verdicts: &[Verdict]) -> Self {
        let mut t = Tally::default();
        for v in verdicts {
            match v {
                Verdict::Holds => t.holds += 1,
                Verdict::DoesNotHold => t.fails += 1,
                _ => t.open += 1,
            }
        }
        t
    }

    /// Number of data sets.
    pub fn total(&self) -> usize {
        self.holds + self.fails + self.open
    }
}

/// The overall verdict over data sets (rules in the module documentation).
pub fn overall(scope: Scope, verdicts: &[Verdict]) -> Verdict {
    let t = Tally::of(verdicts);
    let n = t.total();
    let majority = |k: usize| 2 * k > n;
    match scope {
        Scope::General if t.holds >= 1 && t.fails >= 1 => Verdict::Mixed,
        Scope::General if majority(t.holds) => Verdict::Holds,
        Scope::General if majority(t.fails) => Verdict::DoesNotHold,
        Scope::General => Verdict::Inconclusive,
        Scope::Most if majority(t.holds) => Verdict::Holds,
        Scope::Most if !majority(t.holds + t.open) => Verdict::DoesNotHold,
        Scope::Most => Verdict::Inconclusive,
    }
}

/// The practical margin of Gain differences for anchors with accuracies q_low and
/// q_max: the Gain of a curve lifted by [`MEANINGFUL_QUALITY`] over the whole
/// anchor range.
pub fn gain_margin(q_low: f64, q_max: f64) -> f64 {
    MEANINGFUL_QUALITY / (q_max - q_low)
}
