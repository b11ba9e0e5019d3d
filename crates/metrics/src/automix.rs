//! AutoMix (Madaan et al. 2023): incremental benefit per cost (IBC).
//!
//! IBC_M = (P_M − P_small)/(C_M − C_small) is the slope from the small model to a
//! method's operating point; IBC_base = (P_large − P_small)/(C_large − C_small) the
//! slope of mixing the two models at random; ΔIBC = (IBC_M − IBC_base)/IBC_base, a
//! fraction (AutoMix's `ibc_lift`; multiply by 100 for percent).

use cascadelab_core::Point;

/// IBC of `method` over `small`: (P_M − P_small)/(C_M − C_small); `None` if the
/// costs are equal.
pub fn ibc(method: Point, small: Point) -> Option<f64> {
    let dc = method.cost - small.cost;
    (dc != 0.0).then(|| (method.quality - small.quality) / dc)
}

/// ΔIBC = (IBC_M − IBC_base)/IBC_base, with IBC_base = ibc(large, small); `None` if
/// either slope is undefined or IBC_base is zero.
pub fn delta_ibc(method: Point, small: Point, large: Point) -> Option<f64> {
    let base = ibc(large, small)?;
    let m = ibc(method, small)?;
    (base != 0.0).then(|| (m - base) / base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_ibc_compares_slopes_from_the_small_model() {
        let small = Point { cost: 1.0, quality: 0.5 };
        let large = Point { cost: 9.0, quality: 0.75 };
        let method = Point { cost: 3.0, quality: 0.625 };
        // IBC_base = 0.25/8 = 1/32; IBC_M = 0.125/2 = 1/16; ΔIBC = (1/16 − 1/32)/(1/32) = 1.
        assert_eq!(ibc(large, small), Some(1.0 / 32.0));
        assert_eq!(ibc(method, small), Some(1.0 / 16.0));
        assert_eq!(delta_ibc(method, small, large), Some(1.0));
        // A point on the random-mixing line has ΔIBC 0; one below it is negative.
        assert_eq!(delta_ibc(Point { cost: 5.0, quality: 0.625 }, small, large), Some(0.0));
        assert_eq!(delta_ibc(Point { cost: 5.0, quality: 0.5 }, small, large), Some(-1.0));
        assert_eq!(delta_ibc(small, small, large), None);
        assert_eq!(delta_ibc(method, small, Point { cost: 9.0, quality: 0.5 }), None);
    }
}
