//! Reader of the paper's released held-out curves (`../shared/data/paper_curves/`).
//!
//! `<dataset>.curves.csv.gz` has one row per (method, split, grid point):
//! `method, split, grid_index, cost, quality`, an empty quality meaning the curve is
//! undefined at that cost; every method and split shares one cost grid.
//! `<dataset>.models.csv` has `model, mean_cost, accuracy` of the single models.
//! Table 1 of the paper is Gain and CR@90 of each method's nan-median curve over the
//! splits, anchored at the cheapest and the most accurate model.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use cascadelab_core::Point;
use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{Anchors, median_curve, percentile_curve};

/// The data sets of the paper's release.
pub const DATASETS: [&str; 5] = ["mmlu", "triviaqa", "math_hard", "simpleqa", "livecodebench"];

/// The methods whose curves the release holds.
pub const METHODS: [&str; 5] =
    ["pairwise_envelope", "full_fixed_chain", "optimal_subsequence", "router", "embedding_cascade"];

/// One single model of a released data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaperModel {
    /// Model name.
    pub name: String,
    /// Mean cost per query in dollars, on the full sample.
    pub mean_cost: f64,
    /// Accuracy on the full sample.
    pub accuracy: f64,
}

/// One method's held-out curves: per split, the quality at each grid point.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MethodCurves {
    /// Split ids, ascending.
    pub splits: Vec<u32>,
    /// `values[s][i]`: quality of split `splits[s]` at grid point `i` (`None` if undefined).
    pub values: Vec<Vec<Option<f64>>>,
}

impl MethodCurves {
    /// The nan-median over splits at each grid point (numpy's `nanmedian`).
    pub fn median(&self) -> Vec<Option<f64>> {
        median_curve(&self.values)
    }

    /// The `q`-th percentile over splits at each grid point (numpy's `nanpercentile`).
    pub fn percentile(&self, q: f64) -> Vec<Option<f64>> {
        percentile_curve(&self.values, q)
    }
}

/// The released curves and models of one data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaperCurves {
    /// Data set name.
    pub dataset: String,
    /// The common cost grid.
    pub grid: Vec<f64>,
    /// Curves by method name.
    pub methods: BTreeMap<String, MethodCurves>,
    /// The single models, in file order.
    pub models: Vec<PaperModel>,
}

impl PaperCurves {
    /// The paper's anchors: the cheapest model (the more accurate on cost ties) and
    /// the most accurate model (the cheaper on ties); `None` without models.
    pub fn anchors(&self) -> Option<Anchors> {
        let points: Vec<Point> = self.models.iter().map(|m| Point { cost: m.mean_cost, quality: m.accuracy }).collect();
        Anchors::from_models(&points)
    }
}

/// Why the released curves could not be read.
#[derive(Debug, Error)]
pub enum PaperCurvesError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV could not be parsed.
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
    /// A row with a missing or invalid field.
    #[error("{path}, line {line}: {message}")]
    Row {
        /// The file.
        path: PathBuf,
        /// Line number (1-based, the header is line 1).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A method and split without a value at every grid point.
    #[error("{path}: method {method} split {split} lacks grid point {index}")]
    Incomplete {
        /// The file.
        path: PathBuf,
        /// The method.
        method: String,
        /// The split.
        split: u32,
        /// The first missing grid index.
        index: usize,
    },
}

/// Reads `<dir>/<dataset>.curves.csv.gz` and `<dir>/<dataset>.models.csv`.
pub fn read(dir: &Path, dataset: &str) -> Result<PaperCurves, PaperCurvesError> {
    let curves_path = dir.join(format!("{dataset}.curves.csv.gz"));
    let models_path = dir.join(format!("{dataset}.models.csv"));
    let file = File::open(&curves_path).map_err(|source| PaperCurvesError::Io { path: curves_path.clone(), source })?;
    let (grid, methods) = parse_curves(GzDecoder::new(file), &curves_path)?;
    let file = File::open(&models_path).map_err(|source| PaperCurvesError::Io { path: models_path.clone(), source })?;
    let models = parse_models(file, &models_path)?;
    Ok(PaperCurves { dataset: dataset.to_string(), grid, methods, models })
}

type Curves = (Vec<f64>, BTreeMap<String, MethodCurves>);

/// Per method and split, each grid point's slot: `None` until its row is read.
type RawCurves = BTreeMap<String, BTreeMap<u32, Vec<Option<Option<f64>>>>>;

/// Parses a curves CSV (already decompressed); `path` names it in errors.
pub fn parse_curves<R: Read>(reader: R, path: &Path) -> Result<Curves, PaperCurvesError> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(reader);
    let csv_err = |source| PaperCurvesError::Csv { path: path.to_path_buf(), source };
    let header = rdr.headers().map_err(csv_err)?.clone();
    let col = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| PaperCurvesError::Row {
            path: path.to_path_buf(),
            line: 1,
            message: format!("missing column `{name}`"),
        })
    };
    let (c_method, c_split, c_index, c_cost, c_quality) =
        (col("method")?, col("split")?, col("grid_index")?, col("cost")?, col("quality")?);
    let mut grid: Vec<Option<f64>> = Vec::new();
    let mut raw: RawCurves = BTreeMap::new();
    for record in rdr.records() {
        let record = record.map_err(csv_err)?;
        let line = record.position().map_or(0, |p| p.line());
        let bad = |message: String| PaperCurvesError::Row { path: path.to_path_buf(), line, message };
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let split: u32 = field(c_split).parse().map_err(|_| bad(format!("invalid split `{}`", field(c_split))))?;
        let index: usize =
            field(c_index).parse().map_err(|_| bad(format!("invalid grid_index `{}`", field(c_index))))?;
        let cost: f64 = field(c_cost).parse().map_err(|_| bad(format!("invalid cost `{}`", field(c_cost))))?;
        let quality = match field(c_quality) {
            "" => None,
            s => Some(s.parse::<f64>().map_err(|_| bad(format!("invalid quality `{s}`")))?),
        };
        if index >= grid.len() {
            grid.resize(index + 1, None);
        }
        match grid[index] {
            None => grid[index] = Some(cost),
            Some(c) if c != cost => return Err(bad(format!("grid point {index} has cost {cost}, elsewhere {c}"))),
            Some(_) => {}
        }
        let slots = raw.entry(field(c_method).to_string()).or_default().entry(split).or_default();
        if index >= slots.len() {
            slots.resize(index + 1, None);
        }
        if slots[index].is_some() {
            return Err(bad(format!("duplicate grid point {index} for split {split}")));
        }
        slots[index] = Some(quality);
    }
    let grid: Vec<f64> = grid
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.ok_or_else(|| PaperCurvesError::Row {
                path: path.to_path_buf(),
                line: 0,
                message: format!("no row for grid point {i}"),
            })
        })
        .collect::<Result<_, _>>()?;
    let mut methods = BTreeMap::new();
    for (method, splits) in raw {
        let mut curves = MethodCurves::default();
        for (split, mut slots) in splits {
            slots.resize(grid.len(), None);
            if let Some(index) = slots.iter().position(Option::is_none) {
                let path = path.to_path_buf();
                return Err(PaperCurvesError::Incomplete { path, method, split, index });
            }
            curves.splits.push(split);
            curves.values.push(slots.into_iter().flatten().collect());
        }
        methods.insert(method, curves);
    }
    Ok((grid, methods))
}

/// Parses a models CSV; `path` names it in errors.
pub fn parse_models<R: Read>(reader: R, path: &Path) -> Result<Vec<PaperModel>, PaperCurvesError> {
    #[derive(Deserialize)]
    struct Row {
        model: String,
        mean_cost: f64,
        accuracy: f64,
    }
    let mut rdr = csv::Reader::from_reader(reader);
    rdr.deserialize::<Row>()
        .map(|r| {
            r.map(|r| PaperModel { name: r.model, mean_cost: r.mean_cost, accuracy: r.accuracy })
                .map_err(|source| PaperCurvesError::Csv { path: path.to_path_buf(), source })
        })
        .collect()
}

/// Table 1 as published (`../shared/docs/paper.md`, copied here as the reference the
/// recomputation is checked against): (data set, method, Gain, CR@90 in %).
pub const PUBLISHED_TABLE1: [(&str, &str, f64, f64); 20] = [
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

/// Table 1 rounds Gain to 3 decimals and CR@90 to 0.1 %: a recomputed value
/// matches when it is within half a unit of the last published digit.
pub const GAIN_TOLERANCE: f64 = 0.0005;
/// See [`GAIN_TOLERANCE`].
pub const CR_TOLERANCE: f64 = 0.05;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_curves_with_gaps_and_checks_them() {
        let text = "method,split,grid_index,cost,quality\n\
                    m,1,0,0.1,\nm,1,1,0.2,0.5\nm,0,1,0.2,0.7\nm,0,0,0.1,0.4\n";
        let (grid, methods) = parse_curves(text.as_bytes(), Path::new("x.csv")).unwrap();
        assert_eq!(grid, vec![0.1, 0.2]);
        let m = &methods["m"];
        assert_eq!(m.splits, vec![0, 1]);
        assert_eq!(m.values, vec![vec![Some(0.4), Some(0.7)], vec![None, Some(0.5)]]);
        // Point 0: only 0.4; point 1: (0.7 + 0.5)/2.
        assert_eq!(m.median(), vec![Some(0.4), Some(0.6)]);

        let missing = "method,split,grid_index,cost,quality\nm,0,0,0.1,0.4\nm,0,1,0.2,0.5\nm,1,1,0.2,0.5\n";
        let err = parse_curves(missing.as_bytes(), Path::new("x.csv")).unwrap_err();
        assert_eq!(err.to_string(), "x.csv: method m split 1 lacks grid point 0");
        let bad = "method,split,grid_index,cost,quality\nm,0,0,0.1,high\n";
        let err = parse_curves(bad.as_bytes(), Path::new("x.csv")).unwrap_err();
        assert_eq!(err.to_string(), "x.csv, line 2: invalid quality `high`");
        let clash = "method,split,grid_index,cost,quality\nm,0,0,0.1,0.4\nn,0,0,0.3,0.4\n";
        let err = parse_curves(clash.as_bytes(), Path::new("x.csv")).unwrap_err();
        assert_eq!(err.to_string(), "x.csv, line 3: grid point 0 has cost 0.3, elsewhere 0.1");
    }

    #[test]
    fn anchors_are_the_cheapest_and_the_most_accurate_model() {
        let models = "model,mean_cost,accuracy\na,2.0,0.6\nb,1.0,0.5\nc,3.0,0.9\nd,4.0,0.9\n";
        let models = parse_models(models.as_bytes(), Path::new("m.csv")).unwrap();
        let pc = PaperCurves { dataset: "t".into(), grid: vec![], methods: BTreeMap::new(), models };
        assert_eq!(pc.anchors(), Some(Anchors { c_low: 1.0, q_low: 0.5, c_exp: 3.0, q_max: 0.9 }));
    }
}
