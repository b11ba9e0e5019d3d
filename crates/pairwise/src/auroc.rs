//! How well a model's confidence separates its correct answers from its wrong ones:
//! the AUROC of confidence for correctness, the quantity a cascade's escalation
//! rule lives on.

/// AUROC of `confidence` for `quality` (same length, quality in [0, 1]), in the
/// weighted Mann-Whitney form: each query is a positive of weight q and a negative
/// of weight 1 − q; a (positive, negative) pair counts 1 when the positive scores
/// higher, ½ on a tie (a query's own two halves tie with each other); the sum is
/// divided by the product of the total weights. For 0/1 quality this is the usual
/// AUROC. `-inf` is the lowest score and ties with itself; −0.0 ties with +0.0.
/// `None` when there is no positive or no negative weight, the lengths differ, a
/// score is NaN, or a quality lies outside [0, 1]. O(n log n).
pub fn confidence_auroc(quality: &[f64], confidence: &[f64]) -> Option<f64> {
    if quality.len() != confidence.len()
        || confidence.iter().any(|s| s.is_nan())
        || quality.iter().any(|q| !(0.0..=1.0).contains(q))
    {
        return None;
    }
    let mut order: Vec<usize> = (0..quality.len()).collect();
    order.sort_by(|&a, &b| confidence[a].total_cmp(&confidence[b]).then(a.cmp(&b)));
    let (mut pos_total, mut neg_total) = (0.0, 0.0);
    let mut neg_below = 0.0;
    let mut num = 0.0;
    let mut i = 0;
    while i < order.len() {
        let s = confidence[order[i]];
        let (mut pos, mut neg) = (0.0, 0.0);
        // `==` groups −0.0 with +0.0, which total_cmp puts side by side.
        while i < order.len() && confidence[order[i]] == s {
            pos += quality[order[i]];
            neg += 1.0 - quality[order[i]];
            i += 1;
        }
        num += pos * (neg_below + 0.5 * neg);
        neg_below += neg;
        pos_total += pos;
        neg_total += neg;
    }
    (pos_total > 0.0 && neg_total > 0.0).then(|| num / (pos_total * neg_total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, pair by pair.
    fn brute(quality: &[f64], confidence: &[f64]) -> Option<f64> {
        let (mut num, mut p, mut n) = (0.0, 0.0, 0.0);
        for i in 0..quality.len() {
            p += quality[i];
            n += 1.0 - quality[i];
            for j in 0..quality.len() {
                let w = quality[i] * (1.0 - quality[j]);
                if confidence[i] > confidence[j] {
                    num += w;
                } else if confidence[i] == confidence[j] {
                    num += 0.5 * w;
                }
            }
        }
        (p > 0.0 && n > 0.0).then(|| num / (p * n))
    }

    #[test]
    fn separates_perfectly_ties_halfway_and_needs_both_classes() {
        assert_eq!(confidence_auroc(&[0.0, 0.0, 1.0, 1.0], &[0.1, 0.2, 0.3, 0.4]), Some(1.0));
        assert_eq!(confidence_auroc(&[1.0, 1.0, 0.0, 0.0], &[0.1, 0.2, 0.3, 0.4]), Some(0.0));
        assert_eq!(confidence_auroc(&[0.0, 1.0], &[0.5, 0.5]), Some(0.5));
        // One positive at -inf below one negative at -0.0 and one tie between 0.0 and -0.0.
        assert_eq!(confidence_auroc(&[1.0, 0.0, 1.0], &[f64::NEG_INFINITY, -0.0, 0.0]), Some(0.25));
        assert_eq!(confidence_auroc(&[1.0, 1.0], &[0.1, 0.2]), None);
        assert_eq!(confidence_auroc(&[1.0, 0.0], &[0.1, f64::NAN]), None);
    }

    proptest! {
        #[test]
        fn equals_the_pairwise_definition(
            rows in proptest::collection::vec((0u8..5, prop_oneof![Just(-1i8), 0i8..6]), 1..40)
        ) {
            let quality: Vec<f64> = rows.iter().map(|r| r.0 as f64 / 4.0).collect();
            let confidence: Vec<f64> =
                rows.iter().map(|r| if r.1 < 0 { f64::NEG_INFINITY } else { r.1 as f64 }).collect();
            let (a, b) = (confidence_auroc(&quality, &confidence), brute(&quality, &confidence));
            prop_assert_eq!(a.is_some(), b.is_some());
            if let (Some(a), Some(b)) = (a, b) {
                prop_assert!((a - b).abs() < 1e-12, "{} vs {}", a, b);
            }
        }
    }
}
