//! The paper's Table 1, recomputed from its released curves by the report's code,
//! matches the published values, and the report shows it so.

mod common;

use cascadelab_reproduce::published::{self, TABLE1};
use cascadelab_reproduce::{Options, reproduce};

#[test]
fn the_recomputed_table_matches_every_published_value() {
    let Some(dir) = common::paper_curves() else { return };
    let rows = published::recompute(&dir).unwrap();
    // Five data sets, five methods each (four in Table 1, and the embedding cascade).
    assert_eq!(rows.len(), 25);
    for &(dataset, method, gain, cr90) in &TABLE1 {
        let r = rows.iter().find(|r| r.dataset == dataset && r.method == method).unwrap();
        assert_eq!(r.splits, 50, "{dataset} {method}");
        assert_eq!(r.published, Some((gain, cr90)));
        let (g, c) = (r.gain.unwrap(), r.cr90.unwrap());
        assert!((g - gain).abs() <= 0.0005 + 1e-12, "{dataset} {method}: Gain {g} against {gain}");
        assert!((c - cr90).abs() <= 0.05 + 1e-9, "{dataset} {method}: CR@90 {c} against {cr90}");
        assert_eq!(r.matches(), Some(true));
    }
    // The headline: 79.5 % on MATH.
    let math = rows.iter().find(|r| r.dataset == "math_hard" && r.method == "pairwise_envelope").unwrap();
    assert_eq!(format!("{:.1}", math.cr90.unwrap()), "79.5");
    // Rows outside Table 1 have no published value and no match.
    let extra = rows.iter().find(|r| r.method == "embedding_cascade").unwrap();
    assert_eq!((extra.published, extra.matches()), (None, None));
}

#[test]
fn the_report_shows_the_published_table_matched_row_by_row() {
    let Some(dir) = common::paper_curves() else { return };
    let out = tempfile::tempdir().unwrap();
    let mut options = Options::new(&cascadelab_reproduce::repo_root(), &out.path().join("report"));
    options.data_dir = dir.parent().map(|p| p.to_path_buf());
    options.curves_only = true;
    let r = reproduce(&options).unwrap();
    assert!(r.benches.is_empty());
    let written = std::fs::read_to_string(out.path().join("report/REPORT.md")).unwrap();
    assert_eq!(written, r.report);
    for &(dataset, method, gain, cr90) in &TABLE1 {
        let line = r
            .report
            .lines()
            .find(|l| l.starts_with(&format!("| {dataset} | {method} | ")))
            .unwrap_or_else(|| panic!("no row for {dataset} {method}"));
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        // data set | method | splits | Gain | published | CR@90 | published | CR@95 | match
        assert_eq!(cells.len(), 9, "{line}");
        assert_eq!(cells[2], "50");
        assert_eq!(cells[3], format!("{gain:.3}"), "{line}");
        assert_eq!(cells[4], format!("{gain:.3}"), "{line}");
        assert_eq!(cells[5], format!("{cr90:.1}"), "{line}");
        assert_eq!(cells[6], format!("{cr90:.1}"), "{line}");
        assert_eq!(cells[8], "yes", "{line}");
    }
    assert!(r.report.contains("20 of 20 published (Gain, CR@90) pairs match."));
}
