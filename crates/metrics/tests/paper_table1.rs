//! Reproduces Table 1 of the paper (Gain / CR@90 of four methods on five data sets)
//! from the released held-out curves: nan-median over the 50 splits per grid point,
//! anchored at the cheapest and the most accurate model.

use std::path::PathBuf;

use cascadelab_metrics::{cost_reduction, gain, paper_curves};

/// Table 1 as published (`../shared/docs/paper.md`): (dataset, method, Gain, CR@90 %).
const TABLE1: [(&str, &str, f64, f64); 20] = [
    ("mmlu", "pairwise_envelope", 0.360, 73.7),
    ("mmlu", "full_fixed_chain", 0.259, 59.3),
    ("mmlu", "optimal_subsequence", 0.360, 73.7),
    ("mmlu", "router", 0.393, 73.7),
    ("triviaqa", "pairwise_envelope", 0.316, 74.5),
    ("triviaqa", "full_fixed_chain", 0.249, 67.2),
    ("triviaqa", "optimal_subsequence", 0.306, 74.5),
    ("triviaqa", "router", 0.219, 59.9),
    ("math_hard", "pairwise_envelope", 0.393, 79.5),
    ("math_hard", "full_fixed_chain", 0.344, 66.7),
    ("math_hard", "optimal_subsequence", 0.390, 79.5),
    ("math_hard", "router", 0.394, 81.2),
    ("simpleqa", "pairwise_envelope", 0.158, 15.1),
    ("simpleqa", "full_fixed_chain", 0.093, 1.3),
    ("simpleqa", "optimal_subsequence", 0.156, 14.2),
    ("simpleqa", "router", 0.193, 26.7),
    ("livecodebench", "pairwise_envelope", 0.329, 56.1),
    ("livecodebench", "full_fixed_chain", 0.277, 41.4),
    ("livecodebench", "optimal_subsequence", 0.315, 51.2),
    ("livecodebench", "router", 0.365, 64.9),
];

fn data_dir() -> PathBuf {
    // crates/metrics → repository root → ../shared/data/paper_curves.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/paper_curves")
}

#[test]
fn table1_is_reproduced_from_the_released_curves() {
    let dir = data_dir();
    if !dir.is_dir() {
        println!("skipped: {} not found", dir.display());
        return;
    }
    let mut mismatches = Vec::new();
    for dataset in paper_curves::DATASETS {
        let curves = paper_curves::read(&dir, dataset).unwrap();
        let anchors = curves.anchors().unwrap();
        assert_eq!(curves.grid.len(), 500, "{dataset}");
        for &(_, method, want_gain, want_cr) in TABLE1.iter().filter(|r| r.0 == dataset) {
            let m = &curves.methods[method];
            assert_eq!(m.splits, (0..50).collect::<Vec<u32>>(), "{dataset} {method}");
            let median = m.median();
            let g = gain(&curves.grid, &median, &anchors).unwrap();
            let cr = cost_reduction(&curves.grid, &median, &anchors, 0.9).unwrap();
            // Table 1 rounds Gain to 3 decimals and CR@90 to 0.1 %.
            if (g - want_gain).abs() > 0.0005 + 1e-12 || (cr - want_cr).abs() > 0.05 + 1e-9 {
                mismatches.push(format!(
                    "{dataset} {method}: gain {g:.4} (table {want_gain}), CR@90 {cr:.2} (table {want_cr})"
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
