//! The cost weights a router sweeps: the paper's grid, or every weight at which the
//! calibration routing changes.
//!
//! A router (and the hybrid) sends query x to argmax_o a_o(x) − w·b_o(x), ties to the
//! earlier option. For one query that is the upper envelope of the lines
//! w ↦ a_o − w·b_o over w ≥ 0; the routing of a set of queries can only change at a
//! breakpoint of one of their envelopes. At its own breakpoint a query goes to the
//! earlier of the tied options, which is how it is routed just left or just right of
//! the breakpoint (for the router, whose options are in cost order: just right), so
//! the breakpoints add no routing of their own: `exact` takes w = 0, one weight inside
//! each interval between consecutive merged breakpoints (its midpoint) and one beyond
//! the last (twice it): every distinct calibration routing. (Where breakpoints of
//! several queries coincide exactly, rounding at that one weight can mix left and right
//! routings; those measure-zero mixtures are not enumerated.)

/// The paper's grid: {0} ∪ logspace(−4, 4, 198) ∪ {1e6}, ascending (200 weights).
pub fn paper_weights() -> Vec<f64> {
    let mut w = Vec::with_capacity(200);
    w.push(0.0);
    for i in 0..198 {
        w.push(10f64.powf(-4.0 + 8.0 * i as f64 / 197.0));
    }
    w.push(1e6);
    w
}

/// The breakpoints w > 0 of the upper envelope of the lines w ↦ `a[o]` − w·`b[o]`
/// (ties to the lower index), ascending. Non-finite lines are ignored.
pub fn envelope_breakpoints(a: &[f64], b: &[f64], out: &mut Vec<f64>) {
    let n = a.len().min(b.len());
    let valid = |o: usize| a[o].is_finite() && b[o].is_finite();
    let score = |o: usize, w: f64| a[o] - w * b[o];
    // The winner at w = 0.
    let Some(mut cur) =
        (0..n).filter(|&o| valid(o)).reduce(|best, o| if score(o, 0.0) > score(best, 0.0) { o } else { best })
    else {
        return;
    };
    let mut w = 0.0f64;
    // Each step moves to a line of strictly smaller slope b, so at most n steps.
    for _ in 0..n {
        let mut next: Option<(f64, usize)> = None;
        for o in (0..n).filter(|&o| valid(o) && b[o] < b[cur]) {
            // Where line o meets the current winner; never before the current weight.
            let cross = ((a[cur] - a[o]) / (b[cur] - b[o])).max(w);
            let better = match next {
                None => true,
                // The earliest crossing; among equal ones, the flattest line wins after it,
                // then the lower index.
                Some((cw, co)) => cross < cw || (cross == cw && (b[o] < b[co] || (b[o] == b[co] && o < co))),
            };
            if better {
                next = Some((cross, o));
            }
        }
        match next {
            Some((cw, o)) if cw.is_finite() => {
                out.push(cw);
                w = cw;
                cur = o;
            }
            _ => break,
        }
    }
}

/// Every distinct calibration routing of argmax_o a\[o\]\[i\] − w·b\[o\]\[i\] over w ≥ 0:
/// w = 0, the midpoint of each interval between consecutive merged breakpoints, and
/// twice the last breakpoint (1 if it is 0). `a` and `b` are `[option][query]`.
pub fn exact_weights(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<f64> {
    let queries = a.first().map_or(0, Vec::len);
    let mut breaks = Vec::new();
    let (mut ai, mut bi) = (vec![0.0; a.len()], vec![0.0; a.len()]);
    for q in 0..queries {
        for o in 0..a.len() {
            ai[o] = a[o][q];
            bi[o] = b[o][q];
        }
        envelope_breakpoints(&ai, &bi, &mut breaks);
    }
    weights_between(breaks)
}

/// w = 0, the midpoints between consecutive distinct breakpoints, twice the last
/// (1 if the only breakpoint is 0).
pub fn weights_between(mut breaks: Vec<f64>) -> Vec<f64> {
    breaks.retain(|w| w.is_finite() && *w >= 0.0);
    breaks.sort_by(f64::total_cmp);
    breaks.dedup();
    let mut out = vec![0.0];
    for pair in breaks.windows(2) {
        let mid = pair[0] + 0.5 * (pair[1] - pair[0]);
        if mid > pair[0] && mid < pair[1] {
            out.push(mid);
        }
    }
    if let Some(&last) = breaks.last() {
        out.push(if last > 0.0 { 2.0 * last } else { 1.0 });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_grid_has_two_hundred_weights_from_zero_to_a_million() {
        let w = paper_weights();
        assert_eq!(w.len(), 200);
        assert_eq!((w[0], w[1], w[199]), (0.0, 1e-4, 1e6));
        assert!((w[198] - 1e4).abs() < 1e-9);
        assert!(w.windows(2).all(|p| p[0] < p[1]));
    }

    #[test]
    fn envelope_of_three_lines() {
        // Lines 0.9 − 3w, 0.7 − w, 0.3 − 0w: 0 wins until w = 0.1, then 1 until 0.4, then 2.
        let mut out = Vec::new();
        envelope_breakpoints(&[0.3, 0.7, 0.9], &[0.0, 1.0, 3.0], &mut out);
        assert_eq!(out.len(), 2);
        assert!((out[0] - 0.1).abs() < 1e-15 && (out[1] - 0.4).abs() < 1e-15, "{out:?}");
        // A line never on top adds nothing: 0.5 − 2w is below the envelope everywhere.
        let mut out = Vec::new();
        envelope_breakpoints(&[0.3, 0.7, 0.5, 0.9], &[0.0, 1.0, 2.0, 3.0], &mut out);
        assert_eq!(out.len(), 2);
    }

    /// Per query, the first option maximizing a − w·b (the evaluators' rule).
    fn routing(a: &[Vec<f64>], b: &[Vec<f64>], w: f64) -> Vec<usize> {
        (0..a[0].len())
            .map(|q| {
                let mut best = 0;
                for o in 1..a.len() {
                    if a[o][q] - w * b[o][q] > a[best][q] - w * b[best][q] {
                        best = o;
                    }
                }
                best
            })
            .collect()
    }

    /// Brute force: every pairwise crossing of every query (not just envelope
    /// breakpoints), merged; the routings at the crossings and inside every interval.
    fn brute_routings(a: &[Vec<f64>], b: &[Vec<f64>]) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
        let mut cross = vec![0.0];
        for q in 0..a[0].len() {
            for i in 0..a.len() {
                for j in 0..a.len() {
                    if b[i][q] != b[j][q] {
                        let w = (a[i][q] - a[j][q]) / (b[i][q] - b[j][q]);
                        if w >= 0.0 {
                            cross.push(w);
                        }
                    }
                }
            }
        }
        cross.sort_by(f64::total_cmp);
        cross.dedup();
        let last = *cross.last().unwrap();
        let mut inside: Vec<f64> = cross.windows(2).map(|p| 0.5 * (p[0] + p[1])).collect();
        inside.push(0.0);
        inside.push(2.0 * last + 1.0);
        let set = |ws: &[f64]| {
            let mut r: Vec<Vec<usize>> = ws.iter().map(|&w| routing(a, b, w)).collect();
            r.sort();
            r.dedup();
            r
        };
        (set(&cross), set(&inside))
    }

    fn exact_routings(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<usize>> {
        let mut r: Vec<Vec<usize>> = exact_weights(a, b).iter().map(|&w| routing(a, b, w)).collect();
        r.sort();
        r.dedup();
        r
    }

    proptest::proptest! {
        #[test]
        fn exact_weights_give_every_router_routing(
            p in proptest::collection::vec(proptest::collection::vec(0u8..9, 4), 1..5),
            mut costs in proptest::collection::vec(1u8..4, 4),
        ) {
            // Router: options in ascending cost order, one cost per option; values on a
            // coarse grid so that ties and coincident breakpoints are common, and costs
            // 1-3 so that every crossing (a multiple of 1/16) and score is exact in
            // binary: at a crossing the tie then goes to the cheaper option, exactly.
            costs.sort_unstable();
            let a: Vec<Vec<f64>> = (0..4).map(|o| p.iter().map(|q| q[o] as f64 / 8.0).collect()).collect();
            let b: Vec<Vec<f64>> = costs.iter().map(|&c| vec![c as f64; p.len()]).collect();
            let (at_crossings, inside) = brute_routings(&a, &b);
            let exact = exact_routings(&a, &b);
            let mut all = at_crossings.clone();
            all.extend(inside);
            all.sort();
            all.dedup();
            proptest::prop_assert_eq!(exact, all);
        }

        #[test]
        fn exact_weights_give_every_interval_routing_of_any_lines(
            lines in proptest::collection::vec(proptest::collection::vec((0u8..9, 0u8..6), 5), 1..5),
        ) {
            // Hybrid-like: per-query slopes in any order. Every routing inside an interval
            // is found, and nothing that no weight gives.
            let a: Vec<Vec<f64>> = (0..5).map(|o| lines.iter().map(|q| q[o].0 as f64 / 8.0).collect()).collect();
            let b: Vec<Vec<f64>> = (0..5).map(|o| lines.iter().map(|q| q[o].1 as f64).collect()).collect();
            let (at_crossings, inside) = brute_routings(&a, &b);
            let exact = exact_routings(&a, &b);
            for r in &inside {
                proptest::prop_assert!(exact.contains(r), "missed {:?}", r);
            }
            for r in &exact {
                proptest::prop_assert!(inside.contains(r) || at_crossings.contains(r));
            }
        }
    }

    #[test]
    fn weights_between_breakpoints_cover_every_interval() {
        assert_eq!(weights_between(vec![0.4, 0.1, 0.1]), vec![0.0, 0.25, 0.8]);
        assert_eq!(weights_between(vec![]), vec![0.0]);
    }
}
