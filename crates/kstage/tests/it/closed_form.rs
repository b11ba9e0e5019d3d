//! Closed-form answers: a hand-made 3-stage case whose whole calibration frontier is
//! worked out by hand, and a 3-stage population with linear accuracy curves whose
//! optimal thresholds solve the paper's first-order conditions G_j/K_j = λ.

use cascadelab_core::{Evaluator, Frontier, Point, Predictors};
use cascadelab_kstage::chain::{Chain, ScoreOrders};
use cascadelab_kstage::observe::Bridge;
use cascadelab_kstage::path::{coordinate_path, lambda_grid};
use cascadelab_kstage::{ENTRY, KStageParams, plan_k_stage};

/// Six queries, models a ($1), b ($2), c ($4) per query:
///
/// | query | a right? | s_a | b right? | s_b | c right? |
/// |---|---|---|---|---|---|
/// | q0 | yes | 0.9 | yes | 0.9 | yes |
/// | q1 | yes | 0.8 | yes | 0.9 | yes |
/// | q2 | no  | 0.3 | yes | 0.7 | yes |
/// | q3 | no  | 0.2 | no  | 0.1 | yes |
/// | q4 | no  | 0.1 | no  | 0.2 | yes |
/// | q5 | no  | 0.4 | no  | 0.6 | no  |
///
/// By hand (sums over the six queries): a alone is (cost 6, quality 2). One more
/// correct answer costs at least 6 more: q4 through b to c (τ_a = 0.2), or q2 at b,
/// which escalates q3 and q4 too (τ_a = 0.4, τ_b = −∞): (12, 3). Two more: q2 at b
/// and q3 on to c (τ_a = 0.4, τ_b = 0.2): (16, 4). Three (the most, q5 is never
/// right): q2 at b, q3 and q4 on to c (τ_a = 0.4, τ_b = 0.7): (20, 5). The hull runs
/// from (6, 2) straight to (20, 5): slope 3/14, so the λ-optimum is (0.4, 0.7)
/// below λ = 3/14 and a alone above.
fn hand_made() -> cascadelab_core::Dataset {
    super::dataset(vec![
        ("a", vec![1.0, 1.0, 0.0, 0.0, 0.0, 0.0], vec![0.9, 0.8, 0.3, 0.2, 0.1, 0.4], vec![1.0; 6]),
        ("b", vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0], vec![0.9, 0.9, 0.7, 0.1, 0.2, 0.6], vec![2.0; 6]),
        ("c", vec![1.0, 1.0, 1.0, 1.0, 1.0, 0.0], vec![0.5; 6], vec![4.0; 6]),
    ])
}

#[test]
fn hand_made_three_stage_optima_switch_at_three_fourteenths() {
    let data = hand_made();
    let cal = data.all_queries();
    let chain = Chain::new(&data, &cal, &[0, 1, 2], &mut ScoreOrders::new()).unwrap();
    let settings = plan_k_stage(KStageParams::default()).unwrap().coordinate;
    let mut lambdas = lambda_grid(&chain, 50);
    lambdas.extend([0.2, 0.21, 0.22, 0.3]);
    lambdas.sort_by(f64::total_cmp);
    let path = coordinate_path(&chain, &lambdas, &settings, &Bridge::new()).unwrap();
    for o in &path {
        let (taus, reached) = chain.canonical_full(&o.thresholds);
        if o.lambda < 3.0 / 14.0 - 1e-9 {
            assert_eq!(taus, vec![0.4, 0.7], "λ = {}", o.lambda);
            assert_eq!(o.point, Point { cost: 20.0 / 6.0, quality: 5.0 / 6.0 });
        } else if o.lambda > 3.0 / 14.0 + 1e-9 {
            assert_eq!(reached, 1, "λ = {}: {:?} should leave a alone", o.lambda, o.thresholds);
            assert_eq!(o.point, Point { cost: 1.0, quality: 2.0 / 6.0 });
        }
    }
    assert!(path.iter().any(|o| o.lambda > 3.0 / 14.0) && path.iter().any(|o| o.lambda < 3.0 / 14.0));
}

#[test]
fn hand_made_calibration_frontier_is_the_one_worked_out_by_hand() {
    use cascadelab_core::SolverEntry;
    let data = hand_made();
    let cal = data.all_queries();
    // Only the chain a → b → c (the pool's 2-stage chains would reach other points).
    let solver = ENTRY.build(serde_json::json!({ "chains": [["a", "b", "c"]] })).unwrap();
    let policies = super::policies(&super::propose(solver.as_ref(), &data, &cal, 1));
    let preds = Predictors::new();
    let points = Evaluator::new(&data, &cal, &preds).unwrap().evaluate_all(&policies).unwrap();
    let f = Frontier::from_points(&points);
    let got: Vec<(f64, f64)> = f.points().iter().map(|p| (p.cost * 6.0, p.quality * 6.0)).collect();
    let want = [(6.0, 2.0), (12.0, 3.0), (16.0, 4.0), (20.0, 5.0)];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g.0 - w.0).abs() < 1e-9 && (g.1 - w.1).abs() < 1e-9, "{got:?}");
    }
}

/// A population on a grid of ease u_i = (i + ½)/n with fractional quality
/// p_a(u) = 0.2 + 0.7u, p_b(u) = 0.6 + 0.3u, p_c(u) = 0.9, every model's confidence
/// u, and costs 1, 2, 4. The benefits Δ_ab(u) = 0.4(1 − u) and Δ_bc(u) = 0.3(1 − u)
/// fall, so the optimum escalates from a below t_a and from b below t_b < t_a with
/// Δ_ab(t_a) = 2λ and Δ_bc(t_b) = 4λ (the paper's G_j/K_j = λ):
/// t_a = 1 − 5λ, t_b = 1 − 40λ/3.
#[test]
fn linear_three_stage_thresholds_solve_the_first_order_conditions() {
    let n = 2000;
    let u: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
    let col = |f: &dyn Fn(f64) -> f64| u.iter().map(|&x| f(x)).collect::<Vec<_>>();
    let data = super::dataset(vec![
        ("a", col(&|x| 0.2 + 0.7 * x), u.clone(), vec![1.0; n]),
        ("b", col(&|x| 0.6 + 0.3 * x), u.clone(), vec![2.0; n]),
        ("c", vec![0.9; n], u.clone(), vec![4.0; n]),
    ]);
    let cal = data.all_queries();
    let chain = Chain::new(&data, &cal, &[0, 1, 2], &mut ScoreOrders::new()).unwrap();
    let settings = plan_k_stage(KStageParams::default()).unwrap().coordinate;
    let lambdas = [0.01, 0.02, 0.03, 0.05];
    let path = coordinate_path(&chain, &lambdas, &settings, &Bridge::new()).unwrap();
    for o in &path {
        let (ta, tb) = (1.0 - 5.0 * o.lambda, 1.0 - 40.0 * o.lambda / 3.0);
        let tol = 1.5 / n as f64;
        assert!((o.thresholds[0] - ta).abs() <= tol, "λ = {}: τ_a = {} vs {ta}", o.lambda, o.thresholds[0]);
        assert!((o.thresholds[1] - tb).abs() <= tol, "λ = {}: τ_b = {} vs {tb}", o.lambda, o.thresholds[1]);
        // Closed-form cost and quality: C = 1 + 2·t_a + 4·t_b, Q = ∫ of the stage answering.
        let int = |a: f64, b: f64, lo: f64, hi: f64| a * (hi - lo) + b * (hi * hi - lo * lo) / 2.0;
        let q = int(0.9, 0.0, 0.0, tb) + int(0.6, 0.3, tb, ta) + int(0.2, 0.7, ta, 1.0);
        let c = 1.0 + 2.0 * ta + 4.0 * tb;
        assert!((o.point.cost - c).abs() < 8.0 / n as f64, "λ = {}: C = {} vs {c}", o.lambda, o.point.cost);
        assert!((o.point.quality - q).abs() < 2.0 / n as f64, "λ = {}: Q = {} vs {q}", o.lambda, o.point.quality);
    }
}
