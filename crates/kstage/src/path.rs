//! The λ sweep of one chain: the optimum of Q − λ·C for each λ of a data-derived
//! grid. Two stages: one sweep scores every threshold. Three stages: the chord
//! method over the chain's upper concave hull, with exact pair solves. More
//! stages: coordinate ascent for each λ, warm-started from the best point known.

use cascadelab_core::{Frontier, Point};

use crate::chain::Chain;
use crate::coordinate;
use crate::observe::Bridge;
use crate::sweep::{Cand, Scratch, better, sweep_stage};
use crate::three::ThreeStage;

/// The optimum found for one λ.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// The cost weight.
    pub lambda: f64,
    /// The thresholds (k − 1, canonical).
    pub thresholds: Vec<f64>,
    /// Mean cost and quality on calibration.
    pub point: Point,
}

impl Optimum {
    /// Q − λ·C of this optimum.
    pub fn objective(&self) -> f64 {
        self.point.quality - self.lambda * self.point.cost
    }
}

/// The bounds of the λ grid of a chain, from its calibration data.
///
/// `hi` exceeds every achievable ΔQ/ΔC: escalating query q past any stage gains
/// at most max_j U_j(q) − min_j U_j(q) and pays at least the smallest positive cost
/// of a later stage, so for λ ≥ hi no escalation with a positive cost pays. `lo` is
/// the smallest nonzero quality step between two stages of one query divided by the
/// cost of running the whole chain on every query: below it only quality counts
/// (exact for 0/1 quality, a scale for fractional quality). `None` when no
/// escalation changes quality at a positive cost (then λ = 0 says everything).
pub fn lambda_bounds(chain: &Chain) -> Option<(f64, f64)> {
    let k = chain.stages();
    let (mut hi, mut step, mut total) = (0.0f64, f64::INFINITY, 0.0);
    for i in 0..chain.queries() {
        let (mut qmin, mut qmax, mut cmin) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY);
        for j in 0..k {
            let q = chain.quality(j, i);
            qmin = qmin.min(q);
            qmax = qmax.max(q);
            let c = chain.cum_cost(j, i) - if j > 0 { chain.cum_cost(j - 1, i) } else { 0.0 };
            if j > 0 && c > 0.0 {
                cmin = cmin.min(c);
            }
            for j2 in 0..j {
                let d = (q - chain.quality(j2, i)).abs();
                if d > 0.0 {
                    step = step.min(d);
                }
            }
        }
        total += chain.cum_cost(k - 1, i);
        if qmax > qmin && cmin.is_finite() {
            hi = hi.max((qmax - qmin) / cmin);
        }
    }
    if hi > 0.0 && step.is_finite() && total > 0.0 {
        let hi = hi * (1.0 + 1e-9);
        let lo = (step / total).min(hi * 1e-3);
        Some((lo, hi))
    } else {
        None
    }
}

/// The λ grid: 0, then `count` log-spaced values from `lo` to `hi` (both included),
/// ascending.
pub fn lambda_grid(chain: &Chain, count: usize) -> Vec<f64> {
    let mut out = vec![0.0];
    if let Some((lo, hi)) = lambda_bounds(chain) {
        match count {
            0 => {}
            1 => out.push(hi),
            _ => {
                let (a, b) = (lo.ln(), hi.ln());
                out.extend(
                    (0..count)
                        .map(|i| if i + 1 == count { hi } else { (a + (b - a) * i as f64 / (count - 1) as f64).exp() }),
                );
            }
        }
    }
    out
}

/// Settings of the coordinate method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoordinateSettings {
    /// Executor iteration limit per λ.
    pub max_iters: u64,
    /// Minimum gain of a move (mean per query).
    pub tolerance: f64,
    /// Largest distance l − j of the thresholds the exact pair steps move together
    /// (0: no pair steps; the solver's default is every pair).
    pub blocks: usize,
}

fn new_solver(settings: &CoordinateSettings, grid: &[f64]) -> coordinate::CoordinateAscent {
    coordinate::CoordinateAscent::new(settings.tolerance)
        .with_blocks(settings.blocks > 0)
        .with_max_gap(settings.blocks)
        .with_grid(grid.to_vec())
}

/// The optimum for each λ of `lambdas` (ascending), one [`Optimum`] per λ, in
/// order: exact for 2 and 3 stages ([`sweep_chain`]), coordinate ascent for more.
pub fn coordinate_path(
    chain: &Chain,
    lambdas: &[f64],
    settings: &CoordinateSettings,
    bridge: &Bridge,
) -> Result<Vec<Optimum>, argmin::core::Error> {
    Ok(sweep_chain(chain, lambdas, settings, bridge)?.path)
}

/// What the λ sweep of one chain found.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainSweep {
    /// The optimum for each λ, in order.
    pub path: Vec<Optimum>,
    /// Other points the sweep found on the way, as (calibration point, thresholds):
    /// for 2 stages every non-dominated threshold, for 3 stages the hull vertices no
    /// λ of the grid picked.
    pub extra: Vec<(Point, Vec<f64>)>,
}

/// The λ sweep of one chain. Two stages: one sweep over the threshold scores every
/// escalation set, and each λ picks its best (the exact frontier comes along). Three
/// stages: the chord method (Eisner and Severance) over the upper concave hull of
/// the chain's points, each solve one exact pair step (the pair covers both
/// thresholds, so it is the global optimum); every grid λ picks the best hull
/// vertex. More stages: coordinate ascent under argmin's executor for each λ
/// ([`ascent_path`]). With `blocks` = 0 (no pair steps) three stages use the ascent
/// too.
pub fn sweep_chain(
    chain: &Chain,
    lambdas: &[f64],
    settings: &CoordinateSettings,
    bridge: &Bridge,
) -> Result<ChainSweep, argmin::core::Error> {
    match chain.stages() {
        2 => Ok(two_stage_sweep(chain, lambdas, settings.tolerance, bridge)),
        3 if settings.blocks > 0 => Ok(chord_sweep(chain, lambdas, settings.tolerance, bridge)),
        _ => Ok(ChainSweep { path: ascent_path(chain, lambdas, settings, bridge)?, extra: Vec::new() }),
    }
}

/// A candidate optimum: thresholds and (Σ quality, Σ cost).
struct Vertex {
    thresholds: Vec<f64>,
    sums: (f64, f64),
}

/// For each λ, the best of `vertices` by Q − λ·C (ties within the tolerance to the
/// cheaper, as the ascent's moves decide them); returns the path and which vertices
/// some λ picked.
fn pick(chain: &Chain, lambdas: &[f64], vertices: &[Vertex], tolerance: f64) -> (Vec<Optimum>, Vec<bool>) {
    let n = chain.queries() as f64;
    let tol = tolerance * n;
    let mut used = vec![false; vertices.len()];
    let path = lambdas
        .iter()
        .map(|&lambda| {
            let mut best = 0;
            for (v, x) in vertices.iter().enumerate().skip(1) {
                let b = &vertices[best];
                let (xo, bo) = (x.sums.0 - lambda * x.sums.1, b.sums.0 - lambda * b.sums.1);
                if better(xo, x.sums.1, bo, b.sums.1, tol) {
                    best = v;
                }
            }
            used[best] = true;
            let v = &vertices[best];
            Optimum {
                lambda,
                thresholds: v.thresholds.clone(),
                point: Point { cost: v.sums.1 / n, quality: v.sums.0 / n },
            }
        })
        .collect();
    (path, used)
}

/// Two stages: every escalation set of the one threshold from a single sweep; the
/// non-dominated ones are the chain's exact frontier, the hull vertices its optima.
fn two_stage_sweep(chain: &Chain, lambdas: &[f64], tolerance: f64, bridge: &Bridge) -> ChainSweep {
    let n = chain.queries();
    let (base_q, base_c) = (chain.quality_col(0).iter().sum::<f64>(), chain.cost_col(0).iter().sum::<f64>());
    let mut cands: Vec<Cand> = Vec::with_capacity(n + 2);
    sweep_stage(chain, 0, 0.0, &[f64::NEG_INFINITY], 0.0, &mut Scratch::default(), false, Some(&mut cands));
    bridge.record_exact(1);
    let points: Vec<Point> =
        cands.iter().map(|c| Point { cost: base_c + c.cost, quality: base_q + c.quality }).collect();
    let vertices: Vec<Vertex> = cascadelab_core::concave_hull(&points)
        .into_iter()
        .map(|i| {
            let thresholds = vec![cands[i].tau];
            Vertex { sums: chain.sums(&thresholds), thresholds }
        })
        .collect();
    let (path, _) = pick(chain, lambdas, &vertices, tolerance);
    let nf = n as f64;
    let extra = Frontier::from_points(&points)
        .points()
        .iter()
        .map(|p| (Point { cost: p.cost / nf, quality: p.quality / nf }, vec![cands[p.index].tau]))
        .collect();
    ChainSweep { path, extra }
}

/// Three stages: the upper concave hull of the chain's points between the optima
/// at the largest λ and at λ = 0, by the chord method: between two known vertices A
/// (cheaper) and B, solve at λ = (Q_B − Q_A)/(C_B − C_A), where both score the same;
/// a point beating them there by more than the tolerance is a new vertex (recurse
/// on both sides), otherwise A–B is an edge of the hull. One exact pair step per
/// solve; 2V − 1 solves for V vertices.
fn chord_sweep(chain: &Chain, lambdas: &[f64], tolerance: f64, bridge: &Bridge) -> ChainSweep {
    let n = chain.queries();
    let tol = tolerance * n as f64;
    let mut three = ThreeStage::new(chain);
    let (base_q, base_c) = three.base();
    // A vertex with the λ where it was found optimal.
    let vertex = |thresholds: Vec<f64>, at: f64| {
        let sums = chain.sums(&thresholds);
        (Vertex { thresholds, sums }, at)
    };
    // The value of (Σ quality, Σ cost) at λ relative to the base, as solves report it.
    let value = |(q, c): (f64, f64), lambda: f64| (q - base_q) - lambda * (c - base_c);
    // The ends, solved from scratch: optimal where they were solved.
    let top_lambda = lambdas.iter().copied().fold(0.0, f64::max);
    let ends = three.solve(&[top_lambda, 0.0], tol);
    let nobody = vec![f64::NEG_INFINITY; 2];
    let top = vertex(if ends[0].1 > tol { three.thresholds(chain, ends[0].0) } else { nobody }, top_lambda);
    let bottom = if ends[1].1 > value(top.0.sums, 0.0) + tol {
        vertex(three.thresholds(chain, ends[1].0), 0.0)
    } else {
        vertex(top.0.thresholds.clone(), 0.0)
    };
    let mut runs = 2;
    let mut vertices = vec![top, bottom];
    // The chords of one round are solved together.
    let mut chords = vec![(0, 1)];
    while !chords.is_empty() {
        let mut jobs: Vec<(usize, usize, f64)> = Vec::new();
        for &(a, b) in &chords {
            let ((qa, ca), (qb, cb)) = (vertices[a].0.sums, vertices[b].0.sums);
            // Points between A (optimal at λ_A) and B (at λ_B < λ_A) can only be
            // optimal strictly between λ_B and λ_A: without a grid λ there, nothing
            // to find.
            let (lo, hi) = (vertices[b].1, vertices[a].1);
            let next = lambdas.partition_point(|&l| l <= lo);
            if cb > ca && qb > qa && lambdas.get(next).is_some_and(|&l| l < hi) {
                jobs.push((a, b, (qb - qa) / (cb - ca)));
            }
        }
        let solved = three.solve(&jobs.iter().map(|j| j.2).collect::<Vec<_>>(), tol);
        runs += jobs.len() as u64;
        chords.clear();
        for ((a, b, lambda), (solution, best)) in jobs.into_iter().zip(solved) {
            // A point beating the chord is a new vertex (else A–B is a hull edge).
            if best > value(vertices[a].0.sums, lambda) + tol {
                vertices.push(vertex(three.thresholds(chain, solution), lambda));
                let x = vertices.len() - 1;
                chords.push((a, x));
                chords.push((x, b));
            }
        }
    }
    let mut vertices: Vec<Vertex> = vertices.into_iter().map(|(v, _)| v).collect();
    bridge.record_exact(runs);
    // By increasing cost, so that the picks and the extras come in a stable order.
    vertices.sort_by(|a, b| a.sums.1.total_cmp(&b.sums.1).then(b.sums.0.total_cmp(&a.sums.0)));
    let (path, used) = pick(chain, lambdas, &vertices, tolerance);
    let nf = n as f64;
    let extra = vertices
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(v, _)| (Point { cost: v.sums.1 / nf, quality: v.sums.0 / nf }, v.thresholds.clone()))
        .collect();
    ChainSweep { path, extra }
}

/// Coordinate-ascent optima for each λ of `lambdas` (ascending); one [`Optimum`]
/// per λ, in order.
///
/// Every result is kept, and each solve starts from the kept point that scores best
/// at its λ (the previous optimum, or one found further on that beats it there),
/// so no λ ends below a point already known. Most neighbouring λ share their
/// optimum, so the sweep skips ahead. The solve at λ_i also returns the interval of
/// λ on which no single threshold of its result A would move, and its final pair
/// steps check, in the same pass, whether any pair change beats A at the last grid
/// λ_j inside that interval. For a fixed A the best single or pair change is a
/// maximum of functions linear in λ, so if A survives every change at λ_i and at
/// λ_j it survives them on all of [λ_i, λ_j], and the grid λ in between get A: what
/// solving them from A would give (up to the tolerance). λ_j is also kept below
/// every λ where a kept point beats A. When the check at λ_j fails, a solve there
/// finds a better point B, which beats A beyond the λ where their lines cross, so
/// the next check moves there (Dinkelbach's iteration), until one passes or no λ
/// is left between.
pub fn ascent_path(
    chain: &Chain,
    lambdas: &[f64],
    settings: &CoordinateSettings,
    bridge: &Bridge,
) -> Result<Vec<Optimum>, argmin::core::Error> {
    let mut spare = Some(new_solver(settings, lambdas));
    let mut run = |lambda: f64, start: Option<Vec<f64>>| -> Result<_, argmin::core::Error> {
        let solver = spare.take().unwrap_or_else(|| new_solver(settings, lambdas));
        let (tau, solver, _) = coordinate::run(chain, lambda, start, settings.max_iters, solver, Some(bridge.clone()))?;
        let summary = (solver.converged(), solver.moves(), solver.stable_interval(), solver.probe());
        spare = Some(solver);
        Ok((tau, summary))
    };
    let tol = settings.tolerance;
    // Every distinct result so far, with its calibration point.
    let mut known: Vec<(Vec<f64>, Point)> = Vec::new();
    let keep = |known: &mut Vec<(Vec<f64>, Point)>, tau: &[f64]| -> Point {
        if let Some((_, p)) = known.iter().find(|(t, _)| t == tau) {
            return *p;
        }
        let p = chain.evaluate(tau);
        known.push((tau.to_vec(), p));
        p
    };
    let value = |p: &Point, lambda: f64| p.quality - lambda * p.cost;
    // Whether a kept point beats `p` at λ by more than the tolerance.
    let beaten = |known: &[(Vec<f64>, Point)], p: &Point, lambda: f64| {
        known.iter().any(|(_, k)| value(k, lambda) > value(p, lambda) + tol)
    };
    let mut out: Vec<Optimum> = Vec::with_capacity(lambdas.len());
    let mut i = 0;
    while i < lambdas.len() {
        let lambda = lambdas[i];
        let start = known
            .iter()
            .reduce(
                |a, b| if better(value(&b.1, lambda), b.1.cost, value(&a.1, lambda), a.1.cost, tol) { b } else { a },
            )
            .map(|(t, _)| t.clone());
        let (tau, (_, _, (_, hi), probe)) = run(lambda, start)?;
        let point = keep(&mut known, &tau);
        out.push(Optimum { lambda, thresholds: tau.clone(), point });
        let mut j = i;
        while j + 1 < lambdas.len() && lambdas[j + 1] <= hi && !beaten(&known, &point, lambdas[j + 1]) {
            j += 1;
        }
        // The solve already probed the far end in its last pair steps, if it is there.
        let mut checked = probe.filter(|&(p, _)| p == lambdas[j]).map(|(_, stable)| stable);
        let mut skipped = false;
        while j > i {
            let stable = match checked.take() {
                Some(true) => true,
                // A solve at the next λ is as cheap as a check there.
                _ if j == i + 1 => break,
                // Unchecked, or beaten there: solve there, to learn by what.
                _ => {
                    let (other, (converged, moves, _, _)) = run(lambdas[j], Some(tau.clone()))?;
                    let stable = converged && moves == 0;
                    if !stable {
                        keep(&mut known, &other);
                    }
                    stable
                }
            };
            if stable {
                for &l in &lambdas[i + 1..=j] {
                    out.push(Optimum { lambda: l, thresholds: tau.clone(), point });
                }
                i = j + 1;
                skipped = true;
                break;
            }
            // Some point beats A at λ_j: move the check below where kept points do.
            let mut j2 = i;
            while j2 + 1 < j && !beaten(&known, &point, lambdas[j2 + 1]) {
                j2 += 1;
            }
            j = j2;
        }
        if !skipped {
            i += 1;
        }
    }
    Ok(out)
}
