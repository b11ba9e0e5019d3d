//! Frontiers and an envelope worked out by hand on tiny data sets.

use cascadelab_core::{Dataset, ModelColumns, Policy, Pool, Signal};
use cascadelab_pairwise::{Envelope, PairChoice, Route, Source, ThresholdRule, pair_frontier};

fn model(name: &str, quality: &[f64], confidence: &[f64], cost: f64) -> ModelColumns {
    ModelColumns {
        name: name.into(),
        quality: quality.to_vec(),
        confidence: Some(confidence.to_vec()),
        cost: vec![cost; quality.len()],
    }
}

fn data(models: Vec<ModelColumns>) -> Dataset {
    let n = models[0].quality.len();
    Dataset::new((0..n).map(|i| format!("q{i}")).collect(), None, models, None).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// Five queries; L costs 1, H costs 4 per query.
///
/// | query | s_L  | U_L | U_H |
/// |-------|------|-----|-----|
/// | q0    | 0.9  | 1   | 1   |
/// | q1    | 0.2  | 0   | 1   |
/// | q2    | 0.5  | 1   | 0   |
/// | q3    | 0.2  | 0   | 0   |
/// | q4    | -inf | 0   | 1   |
///
/// L alone: (1, 2/5). H alone: (4, 3/5). Candidates (distinct scores and +inf):
/// - τ = -inf escalates nothing: (1, 2/5), the same as L alone, which is kept.
/// - τ = 0.2 escalates only q4 (-inf < 0.2; q1 and q3 score exactly 0.2 and stay):
///   cost 1 + 4/5 = 1.8, quality (1 + 0 + 1 + 0 + 1)/5 = 3/5.
/// - τ = 0.5 escalates q4, q1, q3 (the tie goes together): cost 1 + 12/5 = 3.4,
///   quality (1 + 1 + 1 + 0 + 1)/5 = 4/5.
/// - τ = 0.9 also escalates q2, which H gets wrong: cost 4.2, quality 3/5.
/// - τ = +inf escalates everyone: cost 5, quality 3/5 (H's).
///
/// The frontier is L alone, τ = 0.2, τ = 0.5. H alone (4, 3/5) is dominated by
/// τ = 0.2 (cheaper, as good), τ = 0.9 and +inf cost more than H and are no better.
/// The grid of 3 thresholds is linspace(0.2, 0.9) = {0.2, 0.55, 0.9}: τ = 0.55 and
/// τ = 0.9 both escalate q1..q4 (4.2, 3/5), so the grid misses τ = 0.5's point.
#[test]
fn a_pair_frontier_by_hand() {
    let ninf = f64::NEG_INFINITY;
    let d = data(vec![
        model("L", &[1.0, 0.0, 1.0, 0.0, 0.0], &[0.9, 0.2, 0.5, 0.2, ninf], 1.0),
        model("H", &[1.0, 1.0, 0.0, 0.0, 1.0], &[0.0; 5], 4.0),
    ]);
    let all = d.all_queries();
    let f = pair_frontier(&d, &all, 0, 1, ThresholdRule::Exact).unwrap();
    assert_eq!(f.candidates, 5);
    let got: Vec<(f64, f64, PairChoice)> = f.points.iter().map(|p| (p.cost, p.quality, p.choice)).collect();
    let want =
        [(1.0, 0.4, PairChoice::Low), (1.8, 0.6, PairChoice::Threshold(0.2)), (3.4, 0.8, PairChoice::Threshold(0.5))];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(&want) {
        assert!(close(g.0, w.0) && close(g.1, w.1) && g.2 == w.2, "{got:?}");
    }
    assert_eq!(
        f.policy(&d, &f.points[2]),
        Policy::Cascade { stages: vec!["L".into(), "H".into()], thresholds: vec![0.5], signal: Signal::Confidence }
    );

    let g = pair_frontier(&d, &all, 0, 1, ThresholdRule::Grid(3)).unwrap();
    assert_eq!(g.candidates, 3);
    let got: Vec<(f64, f64, PairChoice)> = g.points.iter().map(|p| (p.cost, p.quality, p.choice)).collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(close(got[0].0, 1.0) && close(got[0].1, 0.4) && got[0].2 == PairChoice::Low);
    assert!(close(got[1].0, 1.8) && close(got[1].1, 0.6) && got[1].2 == PairChoice::Threshold(0.2));
}

/// With every score equal the grid has one threshold, τ = that score, which
/// escalates only the `-inf` queries; with no finite score it has none.
#[test]
fn degenerate_grids() {
    let ninf = f64::NEG_INFINITY;
    let d = data(vec![
        model("L", &[0.0, 1.0, 0.0], &[ninf, 0.3, 0.3], 1.0),
        model("H", &[1.0, 1.0, 1.0], &[0.0; 3], 4.0),
        model("E", &[0.0, 1.0, 0.0], &[ninf, ninf, ninf], 1.0),
    ]);
    let all = d.all_queries();
    let g = pair_frontier(&d, &all, 0, 1, ThresholdRule::Grid(200)).unwrap();
    assert_eq!(g.candidates, 1);
    // L alone (1, 1/3); τ = 0.3 escalates q0: (1 + 4/3, 2/3); H alone (4, 1).
    let got: Vec<(f64, f64)> = g.points.iter().map(|p| (p.cost, p.quality)).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(close(got[1].0, 1.0 + 4.0 / 3.0) && close(got[1].1, 2.0 / 3.0));
    assert_eq!(g.points[1].choice, PairChoice::Threshold(0.3));
    let e = pair_frontier(&d, &all, 2, 1, ThresholdRule::Grid(200)).unwrap();
    assert_eq!(e.candidates, 0);
    assert_eq!(e.points.iter().map(|p| p.choice).collect::<Vec<_>>(), vec![PairChoice::Low, PairChoice::High]);
    assert!(pair_frontier(&d, &all, 0, 1, ThresholdRule::Grid(1)).is_err());
}

/// Three models on four queries; A costs 1, B 2, C 10 per query.
///
/// | query | U_A | s_A | U_B | s_B | U_C |
/// |-------|-----|-----|-----|-----|-----|
/// | q0    | 1   | 0.9 | 1   | 0.9 | 1   |
/// | q1    | 0   | 0.1 | 1   | 0.8 | 1   |
/// | q2    | 0   | 0.2 | 0   | 0.1 | 1   |
/// | q3    | 0   | 0.3 | 0   | 0.2 | 1   |
///
/// Alone: A (1, 1/4), B (2, 1/2), C (10, 1); all three are in the pool and every
/// pair is valid. A's scores in order: q1 0.1, q2 0.2, q3 0.3, q0 0.9.
/// - A → B: τ = 0.2 escalates q1 (+1): (1.5, 1/2); more escalation adds cost and
///   nothing else, and B alone (2, 1/2) is dominated. Frontier: A, (1.5, 1/2).
/// - A → C: τ = 0.2, 0.3, 0.9 escalate q1, q2, q3 one at a time, each +1:
///   (3.5, 1/2), (6, 3/4), (8.5, 1); C alone (10, 1) is dominated.
/// - B → C: B's scores: q2 0.1, q3 0.2, q1 0.8, q0 0.9. τ = 0.2 escalates q2:
///   (4.5, 3/4); τ = 0.8 escalates q2 and q3: (7, 1).
///
/// Envelope: A (1, 1/4), A → B @ 0.2 (1.5, 1/2), B → C @ 0.2 (4.5, 3/4),
/// B → C @ 0.8 (7, 1): the best pair switches from A → B to B → C at budget 4.5
/// (A → C's (3.5, 1/2) and (6, 3/4) are each beaten by a cheaper point).
#[test]
fn an_envelope_by_hand() {
    let d = data(vec![
        model("A", &[1.0, 0.0, 0.0, 0.0], &[0.9, 0.1, 0.2, 0.3], 1.0),
        model("B", &[1.0, 1.0, 0.0, 0.0], &[0.9, 0.8, 0.1, 0.2], 2.0),
        model("C", &[1.0; 4], &[0.5; 4], 10.0),
    ]);
    let all = d.all_queries();
    let pool = Pool::new(&d, &all);
    assert_eq!(pool.pairs, vec![(0, 1), (0, 2), (1, 2)]);
    let env = Envelope::new(&d, &all, &pool, ThresholdRule::Exact).unwrap();
    let got: Vec<(f64, f64, Source)> = env.points().iter().map(|p| (p.cost, p.quality, p.source)).collect();
    let want = [
        (1.0, 0.25, Source::Single(0)),
        (1.5, 0.5, Source::Cascade { low: 0, high: 1, threshold: 0.2 }),
        (4.5, 0.75, Source::Cascade { low: 1, high: 2, threshold: 0.2 }),
        (7.0, 1.0, Source::Cascade { low: 1, high: 2, threshold: 0.8 }),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(&want) {
        assert!(close(g.0, w.0) && close(g.1, w.1) && g.2 == w.2, "{got:?}");
    }
    let sw: Vec<(f64, Route, Route)> = env.switching_points().iter().map(|s| (s.budget, s.before, s.after)).collect();
    assert_eq!(sw, vec![(1.5, Route::Single(0), Route::Pair(0, 1)), (4.5, Route::Pair(0, 1), Route::Pair(1, 2))]);
    assert_eq!(env.route_label(Route::Pair(1, 2)), "B → C");
    assert_eq!(env.quality_at(0.5), None);
    assert_eq!(env.quality_at(1.2), Some(0.25));
    assert_eq!(env.quality_at(4.0), Some(0.5));
    assert_eq!(env.quality_at(100.0), Some(1.0));
    assert_eq!(
        env.policy_at(5.0),
        Some(Policy::Cascade {
            stages: vec!["B".into(), "C".into()],
            thresholds: vec![0.2],
            signal: Signal::Confidence
        })
    );
    // The A → C frontier itself, as worked out above.
    let ac: Vec<(f64, f64)> = env.pair_frontiers()[1].points.iter().map(|p| (p.cost, p.quality)).collect();
    assert_eq!(ac, vec![(1.0, 0.25), (3.5, 0.5), (6.0, 0.75), (8.5, 1.0)]);
}

/// Bad input is an error, not a panic or a wrong frontier.
#[test]
fn nan_scores_negative_costs_and_missing_confidence_are_errors() {
    let mut d = data(vec![model("L", &[1.0, 0.0], &[0.5, f64::NAN], 1.0), model("H", &[1.0, 1.0], &[0.0; 2], 2.0)]);
    let all = d.all_queries();
    let e = pair_frontier(&d, &all, 0, 1, ThresholdRule::Exact).unwrap_err();
    assert_eq!(e.to_string(), "model `L`: confidence is NaN for query `q1`");
    d.models[0].confidence = Some(vec![0.5, 0.1]);
    d.models[1].cost[0] = -1.0;
    let e = pair_frontier(&d, &all, 0, 1, ThresholdRule::Exact).unwrap_err();
    assert_eq!(e.to_string(), "model `H`: cost -1 for query `q0` is not valid");
    d.models[1].cost[0] = 1.0;
    d.models[0].confidence = None;
    let e = pair_frontier(&d, &all, 0, 1, ThresholdRule::Exact).unwrap_err();
    assert!(e.to_string().contains("no confidence"), "{e}");
    assert!(pair_frontier(&d, &[], 0, 1, ThresholdRule::Exact).is_err());
}
