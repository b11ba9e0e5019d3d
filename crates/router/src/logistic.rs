//! L2-penalized logistic regression, fit to the optimum by a preconditioned Newton method.
//!
//! The objective is scikit-learn's `LogisticRegression(C)`:
//! minimize C·Σ_i ℓ(y_i, b + w·x_i) + ½‖w‖², with ℓ the log-loss
//! (`softplus(t) − y·t`, which also accepts fractional labels y ∈ [0, 1]) and the
//! intercept b unpenalized. The objective is strictly convex, so its minimizer is
//! unique; we stop when the gradient's L2 norm is at most `tolerance` (an explicit,
//! absolute KKT test), so the answer does not depend on how we get there.
//!
//! How we get there, fast: Newton steps H δ = ∇f solved by conjugate gradients
//! preconditioned with a Cholesky factor of an earlier Hessian. The first Hessian,
//! at the start point (w = 0, b = logit ȳ), is C·ȳ(1 − ȳ)·X̃ᵀX̃ + diag(1, …, 1, 0),
//! a multiple of the design's Gram matrix, which is computed once and shared by every
//! model fit on the same rows. Later Hessians are only formed (in f32 by
//! `matrixmultiply::sgemm`, as they only precondition) when the previous one stops
//! preconditioning well. Hessian-vector products and gradients are exact (f64).
//! Labels that are all equal have no finite optimum (all 0 or all 1); they give the
//! constant predictor: zero coefficients and intercept logit(y) (±∞ for 0 or 1).

use std::sync::OnceLock;

/// Options of one logistic-regression fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogisticOptions {
    /// Inverse regularization strength C (scikit-learn's `C`), > 0.
    pub c: f64,
    /// Stop when the gradient's L2 norm is at most this.
    pub tolerance: f64,
    /// Newton iterations allowed.
    pub max_iterations: usize,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        Self { c: 1.0, tolerance: 1e-9, max_iterations: 100 }
    }
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    /// One coefficient per feature.
    pub coefficients: Vec<f64>,
    /// The intercept; ±∞ for a constant predictor of all-1 or all-0 labels.
    pub intercept: f64,
    /// Newton iterations taken.
    pub iterations: usize,
    /// L2 norm of the objective's gradient at the answer (0 for a constant predictor).
    pub gradient_norm: f64,
    /// Whether the gradient norm reached the tolerance.
    pub converged: bool,
    /// Whether the labels were all equal, giving a constant predictor.
    pub constant: bool,
}

/// Rows x_i ∈ R^d with a trailing 1 for the intercept, row-major, shared by the fits
/// of several label vectors on the same rows (its Gram matrix is computed once).
pub struct Design {
    rows: usize,
    /// Parameters per row: d + 1.
    width: usize,
    values: Vec<f64>,
    gram: OnceLock<Vec<f64>>,
}

impl Design {
    /// A design from `rows` feature rows of dimension `dim`, row-major.
    ///
    /// # Panics
    /// If `values.len() != rows * dim`.
    pub fn new(rows: usize, dim: usize, values: &[f64]) -> Self {
        assert_eq!(values.len(), rows * dim, "design values must be rows x dim");
        let width = dim + 1;
        let mut v = Vec::with_capacity(rows * width);
        for i in 0..rows {
            v.extend_from_slice(&values[i * dim..(i + 1) * dim]);
            v.push(1.0);
        }
        Self { rows, width, values: v, gram: OnceLock::new() }
    }

    /// A design from f32 rows (features as datasets hold them), widened exactly.
    pub fn from_f32_rows<'a>(dim: usize, rows: impl ExactSizeIterator<Item = &'a [f32]>) -> Self {
        let n = rows.len();
        let width = dim + 1;
        let mut v = Vec::with_capacity(n * width);
        for r in rows {
            v.extend(r.iter().map(|&x| x as f64));
            v.push(1.0);
        }
        Self { rows: n, width, values: v, gram: OnceLock::new() }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Feature dimension d (without the intercept column).
    pub fn dim(&self) -> usize {
        self.width - 1
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.width..(i + 1) * self.width]
    }

    /// X̃ᵀX̃, computed once (f64, matrixmultiply on contiguous buffers).
    fn gram(&self) -> &[f64] {
        self.gram.get_or_init(|| {
            let p = self.width;
            let mut g = vec![0.0; p * p];
            // SAFETY: `values` is rows × p row-major; as a p × rows matrix its transpose
            // has row stride 1 and column stride p. `g` is p × p row-major. All pointers
            // stay inside their buffers for the given dimensions and strides.
            unsafe {
                matrixmultiply::dgemm(
                    p,
                    self.rows,
                    p,
                    1.0,
                    self.values.as_ptr(),
                    1,
                    p as isize,
                    self.values.as_ptr(),
                    p as isize,
                    1,
                    0.0,
                    g.as_mut_ptr(),
                    p as isize,
                    1,
                );
            }
            g
        })
    }

    /// t = X̃ β.
    fn apply(&self, beta: &[f64], out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = dot(self.row(i), beta);
        }
    }

    /// out = X̃ᵀ r.
    fn apply_transpose(&self, r: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        for (i, &ri) in r.iter().enumerate() {
            if ri != 0.0 {
                for (o, &x) in out.iter_mut().zip(self.row(i)) {
                    *o += ri * x;
                }
            }
        }
    }
}

/// Dot product with eight independent accumulators (vectorizes; fixed summation order).
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

fn norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

/// log(1 + e^t) without overflow.
fn softplus(t: f64) -> f64 {
    t.max(0.0) + (-t.abs()).exp().ln_1p()
}

/// A lower-triangular Cholesky factor L (row-major, p × p) with L Lᵀ = A.
struct Cholesky {
    p: usize,
    l: Vec<f64>,
}

impl Cholesky {
    /// Factors a symmetric matrix (only the lower triangle is read); `None` if it is
    /// not numerically positive definite.
    fn new(mut a: Vec<f64>, p: usize) -> Option<Self> {
        for j in 0..p {
            let (row_j, rest) = a[j * p..].split_at_mut(p);
            let s = row_j[j] - dot(&row_j[..j], &row_j[..j]);
            if s.is_nan() || s <= 0.0 {
                return None;
            }
            let d = s.sqrt();
            row_j[j] = d;
            for i in 0..p - j - 1 {
                let row_i = &mut rest[i * p..(i + 1) * p];
                row_i[j] = (row_i[j] - dot(&row_i[..j], &row_j[..j])) / d;
            }
        }
        Some(Self { p, l: a })
    }

    /// Solves A x = b in place.
    fn solve(&self, x: &mut [f64]) {
        let p = self.p;
        for i in 0..p {
            let row = &self.l[i * p..i * p + i];
            x[i] = (x[i] - dot(row, &x[..i])) / self.l[i * p + i];
        }
        for i in (0..p).rev() {
            x[i] /= self.l[i * p + i];
            let xi = x[i];
            let row = &self.l[i * p..i * p + i];
            for (xk, &lk) in x[..i].iter_mut().zip(row) {
                *xk -= lk * xi;
            }
        }
    }
}

/// The objective at one point: value, gradient, curvature weights D_i = σ(1 − σ).
struct State {
    beta: Vec<f64>,
    value: f64,
    gradient: Vec<f64>,
    curvature: Vec<f64>,
    gradient_norm: f64,
}

struct Problem<'a> {
    design: &'a Design,
    y: &'a [f64],
    c: f64,
}

impl Problem<'_> {
    fn penalty(&self, beta: &[f64]) -> f64 {
        let d = self.design.dim();
        0.5 * dot(&beta[..d], &beta[..d])
    }

    fn value(&self, beta: &[f64], t: &mut [f64]) -> f64 {
        self.design.apply(beta, t);
        let loss: f64 = t.iter().zip(self.y).map(|(&ti, &yi)| softplus(ti) - yi * ti).sum();
        self.c * loss + self.penalty(beta)
    }

    /// Full state at `beta`, given t = X̃ β.
    fn state(&self, beta: Vec<f64>, t: &[f64], value: f64) -> State {
        let d = self.design.dim();
        let p = self.design.width;
        let mut residual = vec![0.0; t.len()];
        let mut curvature = vec![0.0; t.len()];
        for i in 0..t.len() {
            let s = cascadelab_core::sigmoid(t[i]);
            residual[i] = self.c * (s - self.y[i]);
            curvature[i] = s * (1.0 - s);
        }
        let mut gradient = vec![0.0; p];
        self.design.apply_transpose(&residual, &mut gradient);
        for k in 0..d {
            gradient[k] += beta[k];
        }
        let gradient_norm = norm(&gradient);
        State { beta, value, gradient, curvature, gradient_norm }
    }

    /// out = H v = C X̃ᵀ (D ∘ X̃ v) + (v_w, 0).
    fn hessian_times(&self, curvature: &[f64], v: &[f64], scratch: &mut [f64], out: &mut [f64]) {
        self.design.apply(v, scratch);
        for (s, &d) in scratch.iter_mut().zip(curvature) {
            *s *= self.c * d;
        }
        self.design.apply_transpose(scratch, out);
        for k in 0..self.design.dim() {
            out[k] += v[k];
        }
    }

    /// C X̃ᵀ D X̃ + diag(1, …, 1, 0) in f32 (a preconditioner only), then factored.
    fn factor_hessian(&self, curvature: &[f64]) -> Option<Cholesky> {
        let (n, p) = (self.design.rows, self.design.width);
        let mut scaled = vec![0.0f32; n * p];
        for i in 0..n {
            let w = (self.c * curvature[i]).sqrt();
            for (o, &x) in scaled[i * p..(i + 1) * p].iter_mut().zip(self.design.row(i)) {
                *o = (w * x) as f32;
            }
        }
        let mut h32 = vec![0.0f32; p * p];
        // SAFETY: `scaled` is n × p row-major (its transpose: row stride 1, column stride
        // p); `h32` is p × p row-major; all accesses stay inside the buffers.
        unsafe {
            matrixmultiply::sgemm(
                p,
                n,
                p,
                1.0,
                scaled.as_ptr(),
                1,
                p as isize,
                scaled.as_ptr(),
                p as isize,
                1,
                0.0,
                h32.as_mut_ptr(),
                p as isize,
                1,
            );
        }
        let mut h: Vec<f64> = h32.iter().map(|&v| v as f64).collect();
        self.add_penalty_diagonal(&mut h);
        Cholesky::new(h, p)
    }

    /// The exact Hessian at the start point, C·D₀·X̃ᵀX̃ + diag(1, …, 1, 0), factored.
    fn factor_initial(&self, d0: f64) -> Option<Cholesky> {
        let p = self.design.width;
        let mut h: Vec<f64> = self.design.gram().iter().map(|&g| self.c * d0 * g).collect();
        self.add_penalty_diagonal(&mut h);
        Cholesky::new(h, p)
    }

    fn add_penalty_diagonal(&self, h: &mut [f64]) {
        let p = self.design.width;
        for k in 0..self.design.dim() {
            h[k * p + k] += 1.0;
        }
    }
}

/// Preconditioned conjugate gradients for H δ = g, from δ = M⁻¹ g. Returns the
/// solution and whether ‖H δ − g‖ ≤ `tol` within `max_iter` iterations.
fn pcg(problem: &Problem<'_>, state: &State, precond: &Cholesky, tol: f64, max_iter: usize) -> (Vec<f64>, bool) {
    let p = problem.design.width;
    let mut scratch = vec![0.0; problem.design.rows];
    let g = &state.gradient;
    let mut x = g.clone();
    precond.solve(&mut x);
    let mut hx = vec![0.0; p];
    problem.hessian_times(&state.curvature, &x, &mut scratch, &mut hx);
    let mut r: Vec<f64> = g.iter().zip(&hx).map(|(a, b)| a - b).collect();
    if norm(&r) <= tol {
        return (x, true);
    }
    let mut z = r.clone();
    precond.solve(&mut z);
    let mut dir = z.clone();
    let mut rz = dot(&r, &z);
    let mut hd = vec![0.0; p];
    for _ in 0..max_iter {
        problem.hessian_times(&state.curvature, &dir, &mut scratch, &mut hd);
        let curv = dot(&dir, &hd);
        if curv <= 0.0 || !curv.is_finite() {
            return (x, false);
        }
        let alpha = rz / curv;
        for k in 0..p {
            x[k] += alpha * dir[k];
            r[k] -= alpha * hd[k];
        }
        if norm(&r) <= tol {
            return (x, true);
        }
        z.copy_from_slice(&r);
        precond.solve(&mut z);
        let rz_next = dot(&r, &z);
        let beta = rz_next / rz;
        rz = rz_next;
        for k in 0..p {
            dir[k] = z[k] + beta * dir[k];
        }
    }
    (x, false)
}

/// Conjugate-gradient iterations allowed before the preconditioner is refreshed.
const CG_REFRESH: usize = 8;

/// Fits the L2-penalized logistic regression of labels `y` (in [0, 1]) on `design`.
///
/// # Panics
/// If `y.len() != design.rows()` or the design has no rows.
pub fn fit_logistic(design: &Design, y: &[f64], options: &LogisticOptions) -> LogisticFit {
    assert_eq!(y.len(), design.rows(), "one label per design row");
    assert!(design.rows() > 0, "a fit needs at least one row");
    let d = design.dim();
    if y.iter().all(|&v| v == y[0]) {
        return LogisticFit {
            coefficients: vec![0.0; d],
            intercept: logit(y[0]),
            iterations: 0,
            gradient_norm: 0.0,
            converged: true,
            constant: true,
        };
    }
    let problem = Problem { design, y, c: options.c };
    let n = design.rows();
    let mean = y.iter().sum::<f64>() / n as f64;
    let mut beta = vec![0.0; d + 1];
    beta[d] = logit(mean);
    let mut t = vec![0.0; n];
    let value = problem.value(&beta, &mut t);
    let mut state = problem.state(beta, &t, value);
    let g0 = state.gradient_norm.max(f64::MIN_POSITIVE);
    let mut precond = problem.factor_initial(mean * (1.0 - mean)).or_else(|| problem.factor_hessian(&state.curvature));
    let mut iterations = 0;
    while state.gradient_norm > options.tolerance && iterations < options.max_iterations {
        iterations += 1;
        // Inexact Newton: a looser solve far from the optimum, tight near it (superlinear).
        let eta = (state.gradient_norm / g0).sqrt().min(0.1);
        let tol = (eta * state.gradient_norm).max(0.1 * options.tolerance);
        let mut step = None;
        if let Some(m) = &precond {
            let (s, ok) = pcg(&problem, &state, m, tol, CG_REFRESH);
            if ok {
                step = Some(s);
            }
        }
        let step = match step {
            Some(s) => s,
            None => {
                precond = problem.factor_hessian(&state.curvature);
                match &precond {
                    Some(m) => pcg(&problem, &state, m, tol, 4 * CG_REFRESH).0,
                    // Not even the fresh Hessian factors: fall back to a gradient step.
                    None => state.gradient.clone(),
                }
            }
        };
        match line_search(&problem, &state, &step, &mut t) {
            Some(next) => state = next,
            None => break,
        }
    }
    let intercept = state.beta[d];
    let mut coefficients = state.beta;
    coefficients.truncate(d);
    LogisticFit {
        coefficients,
        intercept,
        iterations,
        gradient_norm: state.gradient_norm,
        converged: state.gradient_norm <= options.tolerance,
        constant: false,
    }
}

/// Backtracking along −step: Armijo on the objective, or, where the objective no
/// longer resolves the decrease (near the optimum), a lower gradient norm.
fn line_search(problem: &Problem<'_>, state: &State, step: &[f64], t: &mut [f64]) -> Option<State> {
    let slope = dot(&state.gradient, step);
    let mut alpha = 1.0;
    for _ in 0..40 {
        let beta: Vec<f64> = state.beta.iter().zip(step).map(|(b, s)| b - alpha * s).collect();
        let value = problem.value(&beta, t);
        if value.is_finite() {
            if value <= state.value - 1e-4 * alpha * slope {
                return Some(problem.state(beta, t, value));
            }
            if value <= state.value + 1e-12 * state.value.abs() {
                let next = problem.state(beta, t, value);
                if next.gradient_norm < state.gradient_norm {
                    return Some(next);
                }
            }
        }
        alpha *= 0.5;
    }
    None
}

/// log(p / (1 − p)), ±∞ at 0 and 1.
fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_small_system() {
        // A = [[4, 2], [2, 3]], b = [2, 1] → x = [0.5, 0].
        let c = Cholesky::new(vec![4.0, 0.0, 2.0, 3.0], 2).unwrap();
        let mut x = vec![2.0, 1.0];
        c.solve(&mut x);
        assert!((x[0] - 0.5).abs() < 1e-15 && x[1].abs() < 1e-15, "{x:?}");
        assert!(Cholesky::new(vec![1.0, 0.0, 2.0, 1.0], 2).is_none(), "indefinite matrices do not factor");
    }

    #[test]
    fn all_equal_labels_give_a_constant_predictor() {
        let design = Design::new(3, 1, &[0.1, 0.5, -0.2]);
        let fit = fit_logistic(&design, &[1.0, 1.0, 1.0], &LogisticOptions::default());
        assert!(fit.constant && fit.intercept == f64::INFINITY && fit.coefficients == vec![0.0]);
        let fit = fit_logistic(&design, &[0.0, 0.0, 0.0], &LogisticOptions::default());
        assert_eq!(fit.intercept, f64::NEG_INFINITY);
        let fit = fit_logistic(&design, &[0.25; 3], &LogisticOptions::default());
        assert!((cascadelab_core::sigmoid(fit.intercept) - 0.25).abs() < 1e-15);
    }
}
