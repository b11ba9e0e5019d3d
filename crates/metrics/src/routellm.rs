//! RouteLLM (Ong et al. 2024): performance gap recovered (PGR), its average over
//! the strong-call share (APGR), and the call-performance threshold CPT(x %).
//!
//! A router between a weak and a strong model is a set of operating points whose
//! cost is the share c ∈ [0, 1] of queries sent to the strong model and whose
//! quality is the mean score r. PGR(r) = (r − r_weak)/(r_strong − r_weak);
//! APGR = ∫₀¹ PGR dc by the trapezoid rule over the operating points sorted by c (as
//! RouteLLM computes it: if the points do not reach c = 0 and c = 1, the area covers
//! only their range; include the all-weak and all-strong policies to cover [0, 1]).
//!
//! CPT(x %) is the smallest strong-call share at which PGR reaches x %. RouteLLM's
//! code interpolates the inverse curve with `np.interp`, which assumes PGR rises
//! with c and answers wrongly on curves that dip; [`cpt`] is the true first crossing
//! of the PGR polyline ([`cascadelab_core::Curve::first_crossing`]).

use cascadelab_core::{Curve, Point};
use serde::{Deserialize, Serialize};

/// The weak and strong models' scores that PGR is measured between.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PgrScale {
    /// Mean score of the weak model alone.
    pub r_weak: f64,
    /// Mean score of the strong model alone.
    pub r_strong: f64,
}

impl PgrScale {
    /// PGR(r) = (r − r_weak)/(r_strong − r_weak); `None` if the two scores are equal.
    pub fn pgr(&self, r: f64) -> Option<f64> {
        let gap = self.r_strong - self.r_weak;
        (gap != 0.0 && gap.is_finite()).then(|| (r - self.r_weak) / gap)
    }

    /// The PGR curve of operating points (cost = strong-call share, quality = score),
    /// sorted by share; `None` if PGR is undefined or a share is outside [0, 1].
    pub fn pgr_curve(&self, points: &[Point]) -> Option<Curve> {
        let pgr: Vec<Point> = points
            .iter()
            .map(|p| {
                let share_ok = (0.0..=1.0).contains(&p.cost);
                share_ok.then(|| self.pgr(p.quality).map(|q| Point { cost: p.cost, quality: q })).flatten()
            })
            .collect::<Option<_>>()?;
        Some(Curve::from_points(&pgr))
    }
}

/// APGR = ∫ PGR dc, trapezoid over the operating points (cost = strong-call share
/// in [0, 1], quality = score) sorted by share; `None` with fewer than two points,
/// a share outside [0, 1], or equal weak and strong scores.
pub fn apgr(points: &[Point], scale: &PgrScale) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    Some(scale.pgr_curve(points)?.area(0.0, 1.0))
}

/// CPT(x): the least strong-call share at which PGR ≥ `x` (a fraction: 0.5 for
/// CPT(50 %)), the true first crossing of the PGR polyline through the operating
/// points; `None` if PGR never reaches `x` or is undefined.
pub fn cpt(points: &[Point], scale: &PgrScale, x: f64) -> Option<f64> {
    scale.pgr_curve(points)?.first_crossing(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[(f64, f64)]) -> Vec<Point> {
        v.iter().map(|&(cost, quality)| Point { cost, quality }).collect()
    }

    /// RouteLLM's CPT: `np.interp(x·(r_strong − r_weak) + r_weak, accuracies, shares)`
    /// over the points sorted by share. For up to four points numpy finds the segment
    /// by a linear scan (`binary_search_with_guess`): the last i with key ≥ xp[i].
    fn naive_cpt(points: &[Point], scale: &PgrScale, x: f64) -> f64 {
        let mut p = points.to_vec();
        p.sort_by(|a, b| a.cost.total_cmp(&b.cost));
        assert!(p.len() <= 4, "only numpy's linear-scan path is reproduced here");
        let (xp, fp): (Vec<f64>, Vec<f64>) = p.iter().map(|p| (p.quality, p.cost)).unzip();
        let key = x * (scale.r_strong - scale.r_weak) + scale.r_weak;
        let n = xp.len();
        if key > xp[n - 1] {
            return fp[n - 1];
        }
        if key < xp[0] {
            return fp[0];
        }
        let mut i = 1;
        while i < n && key >= xp[i] {
            i += 1;
        }
        let j = i - 1;
        if j == n - 1 || xp[j] == key {
            return fp[j];
        }
        fp[j] + (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]) * (key - xp[j])
    }

    #[test]
    fn apgr_is_the_trapezoid_area_under_pgr() {
        let scale = PgrScale { r_weak: 0.5, r_strong: 0.75 };
        // Shares 0, 0.25, 0.5, 1 with PGR 0, 0.5, 0.25, 1 (scores 0.5, 0.625, 0.5625, 0.75).
        // Area: 0.25·(0 + 0.5)/2 + 0.25·(0.5 + 0.25)/2 + 0.5·(0.25 + 1)/2 = 0.0625 + 0.09375 + 0.3125 = 0.46875.
        let p = pts(&[(0.5, 0.5625), (0.0, 0.5), (1.0, 0.75), (0.25, 0.625)]);
        assert!((apgr(&p, &scale).unwrap() - 0.46875).abs() < 1e-15);
        assert_eq!(scale.pgr(0.625), Some(0.5));
        assert_eq!(apgr(&p[..1], &scale), None);
        assert_eq!(apgr(&pts(&[(0.0, 0.5), (1.5, 0.7)]), &scale), None);
        assert_eq!(apgr(&p, &PgrScale { r_weak: 0.6, r_strong: 0.6 }), None);
    }

    #[test]
    fn cpt_is_the_true_first_crossing_on_a_dipping_curve() {
        let scale = PgrScale { r_weak: 0.5, r_strong: 0.75 };
        // PGR 0 at share 0, 0.5 at 0.25, dips to 0.25 at 0.5, 1 at 1.
        let p = pts(&[(0.0, 0.5), (0.25, 0.625), (0.5, 0.5625), (1.0, 0.75)]);
        // True first crossing of 50 %: reached exactly at share 0.25.
        assert_eq!(cpt(&p, &scale, 0.5), Some(0.25));
        // np.interp(0.625, [0.5, 0.625, 0.5625, 0.75], [0, 0.25, 0.5, 1]): the scan stops at the last
        // xp ≤ 0.625, which is 0.5625 (i = 2), so 0.5 + (0.625 − 0.5625)/(0.75 − 0.5625)·0.5 = 0.5 + 1/6.
        let naive = naive_cpt(&p, &scale, 0.5);
        assert!((naive - (0.5 + 1.0 / 6.0)).abs() < 1e-12, "{naive}");
        assert!(naive > cpt(&p, &scale, 0.5).unwrap() + 0.4);
        // Below the dip both agree: 20 % is crossed on the first segment at share 0.1.
        assert!((cpt(&p, &scale, 0.2).unwrap() - 0.1).abs() < 1e-15);
        assert!((naive_cpt(&p, &scale, 0.2) - 0.1).abs() < 1e-15);
        // 80 % is crossed only on the last segment: 0.5 + (0.8 − 0.25)/0.75·0.5.
        assert!((cpt(&p, &scale, 0.8).unwrap() - (0.5 + 0.55 / 0.75 * 0.5)).abs() < 1e-12);
        assert_eq!(cpt(&p, &scale, 1.01), None);
    }
}
