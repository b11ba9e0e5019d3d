//! Reproduces Table 1 of the paper (Gain / CR@90 of four methods on five data sets)
//! from the released held-out curves: nan-median over the 50 splits per grid point,
//! anchored at the cheapest and the most accurate model.

use std::path::PathBuf;

use cascadelab_metrics::paper_curves::{self, CR_TOLERANCE, GAIN_TOLERANCE, PUBLISHED_TABLE1};
use cascadelab_metrics::{cost_reduction, gain};

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
        for &(_, method, want_gain, want_cr) in PUBLISHED_TABLE1.iter().filter(|r| r.0 == dataset) {
            let m = &curves.methods[method];
            assert_eq!(m.splits, (0..50).collect::<Vec<u32>>(), "{dataset} {method}");
            let median = m.median();
            let g = gain(&curves.grid, &median, &anchors).unwrap();
            let cr = cost_reduction(&curves.grid, &median, &anchors, 0.9).unwrap();
            // Table 1 rounds Gain to 3 decimals and CR@90 to 0.1 %.
            if (g - want_gain).abs() > GAIN_TOLERANCE + 1e-12 || (cr - want_cr).abs() > CR_TOLERANCE + 1e-9 {
                mismatches.push(format!(
                    "{dataset} {method}: gain {g:.4} (table {want_gain}), CR@90 {cr:.2} (table {want_cr})"
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
