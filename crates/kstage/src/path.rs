//! The λ sweep of one chain: the optimum of Q − λ·C for each λ of a data-derived
//! grid, warm-started from the neighbouring λ, and the single-threshold slices
//! through each optimum that fill the budgets between adjacent optima.

use cascadelab_core::{Frontier, Point};

use crate::chain::Chain;
use crate::coordinate;
use crate::observe::Bridge;
use crate::sweep::{Cand, Scratch, sweep_stage};

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

/// Coordinate-ascent optima for each λ of `lambdas` (ascending), each solve
/// warm-started from the previous optimum; one [`Optimum`] per λ, in order.
///
/// Most neighbouring λ share their optimum, so the sweep skips ahead. The solve at
/// λ_i also returns the interval of λ on which no single threshold of its result A
/// would move, and its final pair steps check, in the same pass, whether any pair
/// change beats A at the last grid λ_j inside that interval. For a fixed A the best
/// single or pair change is a maximum of functions linear in λ, so if A survives
/// every change at λ_i and at λ_j it survives them on all of [λ_i, λ_j], and the
/// grid λ in between get A: what solving them from A would give (up to the
/// tolerance). When the check at λ_j fails, a solve there finds a better point B;
/// A cannot stay best beyond the λ where B's line crosses A's, so the next check
/// moves there (Dinkelbach's iteration), until one passes or no λ is left between.
pub fn coordinate_path(
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
    let mut out: Vec<Optimum> = Vec::with_capacity(lambdas.len());
    let mut warm: Option<Vec<f64>> = None;
    let mut i = 0;
    while i < lambdas.len() {
        let lambda = lambdas[i];
        let (tau, (_, _, (_, hi), probe)) = run(lambda, warm.take())?;
        let point = match out.last() {
            Some(o) if o.thresholds == tau => o.point,
            _ => chain.evaluate(&tau),
        };
        out.push(Optimum { lambda, thresholds: tau.clone(), point });
        let mut j = i;
        while j + 1 < lambdas.len() && lambdas[j + 1] <= hi {
            j += 1;
        }
        // Check at the far end of the single-threshold interval; when a better point B
        // turns up there, A cannot stay optimal beyond the λ where B's line crosses
        // A's, so the next check moves there (Dinkelbach-like), until one passes.
        let mut skipped = false;
        // The solve already probed the far end in its last pair steps.
        let mut checked = probe.filter(|&(p, _)| p == lambdas[j]).map(|(_, stable)| stable);
        while j > i + 1 {
            let (other, stable) = match checked.take() {
                Some(true) => (tau.clone(), true),
                _ => {
                    let (other, (converged, moves, _, _)) = run(lambdas[j], Some(tau.clone()))?;
                    (other, converged && moves == 0)
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
            let b = chain.evaluate(&other);
            if b.cost >= point.cost {
                break;
            }
            let cross = (point.quality - b.quality) / (point.cost - b.cost);
            let mut j2 = i;
            while j2 + 1 < j && lambdas[j2 + 1] <= cross {
                j2 += 1;
            }
            j = j2;
        }
        warm = Some(tau);
        if !skipped {
            i += 1;
        }
    }
    Ok(out)
}

/// Threshold vectors that fill the budgets between adjacent optima: for each
/// distinct optimum and each stage, every threshold of that stage with the others
/// held, kept when its cost lies between the neighbouring optima's costs and it is
/// not dominated among the chain's candidates. For k = 2 this is every threshold
/// of the pair up to the best-quality optimum, i.e. the exact pair frontier.
pub fn slices(chain: &Chain, optima: &[Optimum]) -> Vec<(Point, Vec<f64>)> {
    let mut distinct: Vec<&Optimum> = Vec::new();
    for o in optima {
        if !distinct.iter().any(|d| d.thresholds == o.thresholds) {
            distinct.push(o);
        }
    }
    distinct.sort_by(|a, b| a.point.cost.total_cmp(&b.point.cost).then(a.point.quality.total_cmp(&b.point.quality)));
    let n = chain.queries() as f64;
    let mut points: Vec<Point> = Vec::new();
    let mut taus: Vec<Vec<f64>> = Vec::new();
    let mut stop: Vec<u8> = Vec::new();
    let mut cands: Vec<Cand> = Vec::new();
    let mut scratch = Scratch::default();
    for (idx, o) in distinct.iter().enumerate() {
        let lo = if idx == 0 { f64::NEG_INFINITY } else { distinct[idx - 1].point.cost };
        let hi = distinct.get(idx + 1).map_or(o.point.cost, |d| d.point.cost);
        stop.clear();
        stop.extend((0..chain.queries()).map(|i| chain.stop_from(0, i, &o.thresholds) as u8));
        let (sq, sc) = (o.point.quality * n, o.point.cost * n);
        for j in 0..chain.stages() - 1 {
            cands.clear();
            let mut push = |c: Cand| cands.push(c);
            let r = sweep_stage(chain, j, 0.0, &o.thresholds, &stop, 0.0, &mut scratch, false, Some(&mut push));
            for c in &cands {
                let cost = (sc - r.current.cost + c.cost) / n;
                if cost < lo || cost > hi || c.tau == o.thresholds[j] {
                    continue;
                }
                let quality = (sq - r.current.quality + c.quality) / n;
                let mut t = o.thresholds.clone();
                t[j] = c.tau;
                points.push(Point { cost, quality });
                taus.push(t);
            }
        }
    }
    // Keep what no optimum or other slice point dominates.
    let mut all = points.clone();
    all.extend(distinct.iter().map(|o| o.point));
    let f = Frontier::from_points(&all);
    f.points().iter().filter(|p| p.index < points.len()).map(|p| (points[p.index], taus[p.index].clone())).collect()
}
