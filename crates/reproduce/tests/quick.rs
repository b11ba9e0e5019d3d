//! The `--quick` reproduction (what CI runs): five benchmarks, 5 splits, 200
//! bootstrap replicates, through the library into a temporary directory. REPORT.md
//! is deterministic, so all of it is a snapshot; it does not depend on the thread
//! count. Skipped with a message when ../shared/data is absent.

mod common;

use cascadelab_reproduce::methods::Protocol;
use cascadelab_reproduce::{Options, QUICK_RESAMPLES, QUICK_SPLITS, reproduce};

#[test]
fn quick_reproduction() {
    let Some(data) = common::zellinger_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("paper");
    let mut options = Options::new(&cascadelab_reproduce::repo_root(), &out).quick();
    options.data_dir = Some(data);
    assert_eq!((options.splits, options.resamples), (Some(QUICK_SPLITS), QUICK_RESAMPLES));
    let r = reproduce(&options).unwrap();

    // Every benchmark's results directory, with the reproduction's figures, linked
    // relatively from REPORT.md.
    for b in &r.benches {
        for f in ["summary.md", "manifest.json", "splits.csv", "frontier.csv", "plots/frontier.svg"] {
            assert!(out.join(&b.bench).join(f).is_file(), "{}/{f}", b.bench);
        }
        for p in Protocol::ALL {
            let f = cascadelab_reproduce::figures::frontier_file(p);
            let svg = std::fs::read_to_string(out.join(&b.bench).join(&f)).unwrap();
            assert!(svg.starts_with("<svg") && svg.contains("pairwise envelope"), "{}/{f}", b.bench);
            assert!(r.report.contains(&format!("]({}/{f})", b.bench)), "REPORT.md links {}/{f}", b.bench);
        }
        let manifest = std::fs::read_to_string(out.join(&b.bench).join("manifest.json")).unwrap();
        assert!(manifest.contains("plots/paper-frontiers-exact.svg"), "the manifest lists the added figures");
        assert_eq!(b.splits, QUICK_SPLITS);
    }
    assert_eq!(r.benches.len(), 5);
    assert_eq!(std::fs::read_to_string(out.join("REPORT.md")).unwrap(), r.report);
    assert!(out.join("TIMINGS.md").is_file());
    // No absolute path, no timing.
    let root = cascadelab_reproduce::repo_root().canonicalize().unwrap();
    for forbidden in [dir.path().display().to_string(), root.display().to_string(), "/work/".into()] {
        assert!(!r.report.contains(&forbidden), "REPORT.md holds `{forbidden}`");
    }
    assert!(!r.report.contains(" s;") && !r.report.to_lowercase().contains("seconds"));

    // The same report on one thread.
    let mut one = options.clone();
    one.out = dir.path().join("one-thread");
    one.threads = Some(1);
    let r1 = reproduce(&one).unwrap();
    assert!(r1.report == r.report, "REPORT.md depends on the thread count");

    insta::assert_snapshot!("quick_report", r.report);
}
