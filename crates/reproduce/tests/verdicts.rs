//! The verdict rules on hand-made intervals (the rules are stated in
//! `cascadelab_reproduce::claims` and in REPORT.md).

use cascadelab_metrics::Interval;
use cascadelab_reproduce::claims::{Claim, Claimed, Scope, Tally, Verdict, gain_margin, overall, verdict, verdict_of};

use Verdict::{DoesNotHold as No, Holds as Yes, Inconclusive as Open, Mixed};

#[test]
fn one_benchmark_follows_the_interval_of_the_difference() {
    let m = gain_margin(0.5, 0.75);
    assert!((m - 0.02).abs() < 1e-15, "0.005 of quality over a 0.25 range");
    // (claimed, lo, hi, verdict)
    let cases = [
        (Claimed::Below, -0.03, -0.001, Yes),
        (Claimed::Below, -0.03, 0.0, Open), // touching 0 does not exclude it
        (Claimed::Below, -0.01, 0.01, Open),
        (Claimed::Below, 0.001, 0.02, No),
        (Claimed::Above, 0.001, 0.02, Yes),
        (Claimed::Above, 0.0, 0.02, Open),
        (Claimed::Above, -0.02, -0.001, No),
        (Claimed::NoMeaningfulGain(m), -0.01, 0.019, Yes),
        (Claimed::NoMeaningfulGain(m), 0.001, 0.019, Yes), // a gain, but not a meaningful one
        (Claimed::NoMeaningfulGain(m), 0.01, 0.03, Open),
        (Claimed::NoMeaningfulGain(m), 0.021, 0.05, No),
        (Claimed::NoMeaningfulGain(m), -0.05, -0.03, Yes),
    ];
    for (claimed, lo, hi, want) in cases {
        assert_eq!(verdict(claimed, lo, hi), want, "{claimed:?} [{lo}, {hi}]");
        let i = Interval { estimate: (lo + hi) / 2.0, lo, hi, level: 0.95, defined: 10, resamples: 10 };
        assert_eq!(verdict_of(claimed, Some(&i)), want);
    }
    assert_eq!(verdict_of(Claimed::Above, None), Open, "no interval, no verdict");
}

#[test]
fn general_claims_need_a_majority_and_no_counterexample() {
    let cases = [
        ([Yes, Yes, Yes, Open, Open], Yes),
        ([Yes, Yes, Yes, Yes, Yes], Yes),
        ([Yes, Yes, Open, Open, Open], Open),
        ([Yes, Yes, Yes, Yes, No], Mixed),
        ([No, No, No, Open, Open], No),
        ([No, No, Open, Open, Open], Open),
        ([Open; 5], Open),
    ];
    for (v, want) in cases {
        assert_eq!(overall(Scope::General, &v), want, "{v:?}");
    }
}

#[test]
fn the_most_data_sets_claim_counts_data_sets() {
    let cases = [
        ([Yes, Yes, Yes, No, No], Yes),
        ([Yes, Yes, Open, No, No], Open),
        // Two wins and three losses: even the open cases could not make it most.
        ([Yes, Yes, No, No, No], No),
        ([Yes, Open, No, No, No], No),
        ([Open, Open, Open, No, No], Open),
    ];
    for (v, want) in cases {
        assert_eq!(overall(Scope::Most, &v), want, "{v:?}");
    }
    let t = Tally::of(&[Yes, Open, No, Mixed]);
    assert_eq!((t.holds, t.fails, t.open, t.total()), (1, 1, 2, 4));
}

#[test]
fn each_claim_has_its_scope_and_direction() {
    let m = 0.02;
    assert_eq!(Claim::FixedChainsBelow.claimed(m), Claimed::Below);
    assert_eq!(Claim::SubsequencesNoGain.claimed(m), Claimed::NoMeaningfulGain(m));
    assert_eq!(Claim::RouterBeatsBestCascade.claimed(m), Claimed::Above);
    assert_eq!(Claim::RouterBeatsEmbeddingCascade.claimed(m), Claimed::Above);
    assert_eq!(Claim::RouterBeatsBestCascade.scope(), Scope::Most);
    for c in [Claim::FixedChainsBelow, Claim::SubsequencesNoGain, Claim::RouterBeatsEmbeddingCascade] {
        assert_eq!(c.scope(), Scope::General);
    }
}
