//! The logistic-regression fit against an independent reference: a plain Newton
//! iteration with a dense Hessian and Gaussian elimination, written here in f64,
//! and the KKT condition (gradient norm) checked at the answer.

use cascadelab_router::{Design, LogisticOptions, fit_logistic};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn sigma(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

/// Gradient of C·Σ log-loss + ½‖w‖² (intercept last, unpenalized), computed plainly.
fn gradient(x: &[Vec<f64>], y: &[f64], c: f64, beta: &[f64]) -> Vec<f64> {
    let d = beta.len() - 1;
    let mut g = vec![0.0; d + 1];
    for (row, &yi) in x.iter().zip(y) {
        let t = beta[d] + row.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>();
        let r = c * (sigma(t) - yi);
        for k in 0..d {
            g[k] += r * row[k];
        }
        g[d] += r;
    }
    for k in 0..d {
        g[k] += beta[k];
    }
    g
}

/// The reference: undamped Newton from zero with the dense Hessian, solved by
/// Gaussian elimination with partial pivoting, 60 iterations.
fn reference_fit(x: &[Vec<f64>], y: &[f64], c: f64) -> Vec<f64> {
    let d = x[0].len();
    let mut beta = vec![0.0; d + 1];
    for _ in 0..60 {
        let g = gradient(x, y, c, &beta);
        let mut h = vec![vec![0.0; d + 1]; d + 1];
        for row in x {
            let t = beta[d] + row.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>();
            let s = sigma(t);
            let w = c * s * (1.0 - s);
            let xt: Vec<f64> = row.iter().copied().chain(std::iter::once(1.0)).collect();
            for a in 0..=d {
                for b in 0..=d {
                    h[a][b] += w * xt[a] * xt[b];
                }
            }
        }
        for (k, row) in h.iter_mut().enumerate().take(d) {
            row[k] += 1.0;
        }
        // Solve h·step = g.
        let mut aug: Vec<Vec<f64>> = h.iter().zip(&g).map(|(r, &gi)| r.iter().copied().chain([gi]).collect()).collect();
        for col in 0..=d {
            let piv = (col..=d).max_by(|&a, &b| aug[a][col].abs().total_cmp(&aug[b][col].abs())).unwrap();
            aug.swap(col, piv);
            let pivot_row = aug[col].clone();
            for (r, row) in aug.iter_mut().enumerate() {
                if r != col {
                    let f = row[col] / pivot_row[col];
                    for (v, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                        *v -= f * p;
                    }
                }
            }
        }
        for k in 0..=d {
            beta[k] -= aug[k][d + 1] / aug[k][k];
        }
    }
    beta
}

fn check_against_reference(x: &[Vec<f64>], y: &[f64], c: f64, tol: f64) {
    let d = x[0].len();
    let flat: Vec<f64> = x.iter().flatten().copied().collect();
    let design = Design::new(x.len(), d, &flat);
    let fit = fit_logistic(&design, y, &LogisticOptions { c, tolerance: 1e-10, max_iterations: 100 });
    assert!(fit.converged && !fit.constant, "{fit:?}");
    let reference = reference_fit(x, y, c);
    for (k, (got, want)) in fit.coefficients.iter().zip(&reference).enumerate() {
        assert!((got - want).abs() < tol, "coefficient {k}: {got} vs {want}");
    }
    assert!((fit.intercept - reference[d]).abs() < tol, "intercept: {} vs {}", fit.intercept, reference[d]);
    // KKT: the gradient vanishes at the answer, computed independently of the fit.
    let beta: Vec<f64> = fit.coefficients.iter().copied().chain([fit.intercept]).collect();
    let g = gradient(x, y, c, &beta);
    let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
    assert!(norm < 1e-9, "gradient norm {norm} at the fit");
}

#[test]
fn matches_an_independent_newton_fit_on_a_small_overlapping_problem() {
    // Twelve points in 3-d, labels overlapping so the optimum is finite without the penalty too.
    let x: Vec<Vec<f64>> = vec![
        vec![0.2, -1.0, 0.5],
        vec![1.5, 0.3, -0.2],
        vec![-0.7, 0.8, 1.1],
        vec![0.9, 1.2, 0.0],
        vec![-1.3, -0.4, 0.6],
        vec![0.4, 0.1, -1.5],
        vec![2.1, -0.6, 0.3],
        vec![-0.2, 1.7, -0.8],
        vec![1.1, -1.4, 1.9],
        vec![-1.8, 0.2, -0.1],
        vec![0.6, 0.9, 0.7],
        vec![-0.5, -1.1, -1.2],
    ];
    let y = [1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0];
    check_against_reference(&x, &y, 1.0, 1e-9);
    // A weaker penalty (larger C) moves the answer; both still agree.
    check_against_reference(&x, &y, 10.0, 1e-9);
}

#[test]
fn matches_the_reference_on_a_random_problem_with_fractional_labels() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (n, d) = (300, 40);
    let truth: Vec<f64> = (0..d).map(|_| rng.random_range(-2.0..2.0)).collect();
    let x: Vec<Vec<f64>> = (0..n).map(|_| (0..d).map(|_| rng.random_range(-1.0..1.0)).collect()).collect();
    let y: Vec<f64> = x
        .iter()
        .map(|row| {
            let p = sigma(row.iter().zip(&truth).map(|(a, b)| a * b).sum::<f64>());
            // Every fifth label is fractional (soft), the rest 0/1 draws.
            if rng.random_range(0..5) == 0 { p } else { f64::from(u8::from(rng.random::<f64>() < p)) }
        })
        .collect();
    check_against_reference(&x, &y, 1.0, 1e-8);
}

#[test]
fn scikit_learn_agrees_on_the_small_problem() {
    // scikit-learn 1.9.1 (pip, Python 3.11), computed once:
    // LogisticRegression(C=1.0, solver="newton-cg", tol=1e-12, max_iter=10000).fit(X, y)
    // on the twelve points of the first test; coef_ and intercept_ pasted below (its
    // lbfgs solver agrees to 3e-9).
    let x: Vec<f64> = vec![
        0.2, -1.0, 0.5, 1.5, 0.3, -0.2, -0.7, 0.8, 1.1, 0.9, 1.2, 0.0, -1.3, -0.4, 0.6, 0.4, 0.1, -1.5, 2.1, -0.6, 0.3,
        -0.2, 1.7, -0.8, 1.1, -1.4, 1.9, -1.8, 0.2, -0.1, 0.6, 0.9, 0.7, -0.5, -1.1, -1.2,
    ];
    let y = [1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0];
    let fit = fit_logistic(&Design::new(12, 3, &x), &y, &LogisticOptions::default());
    let (coef, intercept) = SKLEARN;
    for k in 0..3 {
        assert!((fit.coefficients[k] - coef[k]).abs() < 1e-6, "{:?} vs {coef:?}", fit.coefficients);
    }
    assert!((fit.intercept - intercept).abs() < 1e-6, "{} vs {intercept}", fit.intercept);
}

/// See `scikit_learn_agrees_on_the_small_problem`.
const SKLEARN: ([f64; 3], f64) = ([1.2410797072947048, -0.6560938958203028, 0.31143801099368335], 0.3410488030453936);
