//! The paper's Table 1, recomputed from its released held-out curves
//! (`paper_curves/`): per method, the nan-median over the 50 splits at every point
//! of the released 500-point grid, then Gain and CR@x anchored at the cheapest and
//! the most accurate of the released models; beside the published values
//! (`../shared/docs/paper.md`, copied here as the reference).

use std::path::Path;

use cascadelab_metrics::paper_curves::{self, PaperCurvesError};
use cascadelab_metrics::{cost_reduction, gain};

pub use cascadelab_metrics::paper_curves::{CR_TOLERANCE, GAIN_TOLERANCE, PUBLISHED_TABLE1 as TABLE1};

/// One row of the recomputed table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Data set of the release.
    pub dataset: String,
    /// Method of the release.
    pub method: String,
    /// Number of splits in the release.
    pub splits: usize,
    /// Recomputed Gain.
    pub gain: Option<f64>,
    /// Recomputed CR@90 (%).
    pub cr90: Option<f64>,
    /// Recomputed CR@95 (%), not in the paper.
    pub cr95: Option<f64>,
    /// Published (Gain, CR@90), when Table 1 has the row.
    pub published: Option<(f64, f64)>,
}

impl Row {
    /// Whether the recomputed values match the published ones (`None` without a
    /// published value).
    pub fn matches(&self) -> Option<bool> {
        let (g, c) = self.published?;
        Some(
            self.gain.is_some_and(|x| (x - g).abs() <= GAIN_TOLERANCE + 1e-12)
                && self.cr90.is_some_and(|x| (x - c).abs() <= CR_TOLERANCE + 1e-9),
        )
    }
}

/// Every method of every released data set, in the release's data set order and the
/// reader's method order.
pub fn recompute(dir: &Path) -> Result<Vec<Row>, PaperCurvesError> {
    let mut rows = Vec::new();
    for dataset in paper_curves::DATASETS {
        let curves = paper_curves::read(dir, dataset)?;
        let anchors = curves.anchors();
        for method in paper_curves::METHODS {
            let Some(m) = curves.methods.get(method) else { continue };
            let median = m.median();
            let metric = |f: &dyn Fn(&cascadelab_metrics::Anchors) -> Option<f64>| anchors.as_ref().and_then(f);
            let published = TABLE1.iter().find(|r| r.0 == dataset && r.1 == method).map(|r| (r.2, r.3));
            rows.push(Row {
                dataset: dataset.to_string(),
                method: method.to_string(),
                splits: m.splits.len(),
                gain: metric(&|a| gain(&curves.grid, &median, a)),
                cr90: metric(&|a| cost_reduction(&curves.grid, &median, a, 0.9)),
                cr95: metric(&|a| cost_reduction(&curves.grid, &median, a, 0.95)),
                published,
            });
        }
    }
    Ok(rows)
}
