//! Calibration/test splits: random stratified splits, the data's own split column,
//! and splits files (`split, query_id, role`) that freeze a study's splits.
//!
//! Random split i shuffles each stratum's query positions (ascending, strata in
//! ascending order) by Fisher–Yates with one `ChaCha8Rng::seed_from_u64(seed + i)`
//! and puts the first round(fraction × stratum size) in calibration. The bounded
//! draws use rejection sampling on raw 64-bit outputs, so splits do not change
//! with the `rand` crate's sampling code. Each side is sorted ascending.

use std::collections::{BTreeMap, HashMap};

use cascadelab_core::Dataset;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One calibration/test split: query positions, each side sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Calibration query positions.
    pub calibration: Vec<usize>,
    /// Test query positions.
    pub test: Vec<usize>,
}

/// Strata of the queries: whether `model` is correct (quality >= 0.5).
pub fn correctness_strata(data: &Dataset, model: usize) -> Vec<u32> {
    data.models[model].quality.iter().map(|&q| u32::from(q >= 0.5)).collect()
}

/// A uniform integer in `0..bound` (bound > 0), by rejection sampling on raw 64-bit
/// outputs. Written out rather than taken from `rand`'s distributions, whose
/// algorithms may change between versions: splits must stay the same for a seed.
pub fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX - bound + 1) % bound;
    loop {
        let v = rng.next_u64();
        if v <= zone {
            return v % bound;
        }
    }
}

/// Fisher–Yates shuffle (Durstenfeld's, from the end).
fn shuffle(v: &mut [usize], rng: &mut ChaCha8Rng) {
    for i in (1..v.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        v.swap(i, j);
    }
}

/// `repeats` random splits of `strata.len()` queries, stratified by `strata` (one
/// label per query; all equal for no stratification).
pub fn random_splits(strata: &[u32], fraction: f64, repeats: usize, seed: u64) -> Result<Vec<Split>, String> {
    let mut groups: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (q, &s) in strata.iter().enumerate() {
        groups.entry(s).or_default().push(q);
    }
    let take: Vec<usize> = groups.values().map(|g| (fraction * g.len() as f64).round() as usize).collect();
    let n_cal: usize = take.iter().sum();
    if n_cal == 0 || n_cal == strata.len() {
        return Err(format!(
            "calibration fraction {fraction} of {} queries leaves an empty {} set",
            strata.len(),
            if n_cal == 0 { "calibration" } else { "test" }
        ));
    }
    Ok((0..repeats)
        .map(|i| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(i as u64));
            let mut calibration = Vec::with_capacity(n_cal);
            let mut test = Vec::with_capacity(strata.len() - n_cal);
            for (group, &k) in groups.values().zip(&take) {
                let mut g = group.clone();
                shuffle(&mut g, &mut rng);
                calibration.extend_from_slice(&g[..k]);
                test.extend_from_slice(&g[k..]);
            }
            calibration.sort_unstable();
            test.sort_unstable();
            Split { calibration, test }
        })
        .collect())
}

/// The data's own split: `train` → calibration, `test` → test.
pub fn data_split(data: &Dataset) -> Result<Split, String> {
    let labels = data.source_split.as_ref().ok_or("the data has no split column")?;
    let (mut calibration, mut test) = (Vec::new(), Vec::new());
    for (q, l) in labels.iter().enumerate() {
        match l.as_str() {
            "train" => calibration.push(q),
            "test" => test.push(q),
            other => {
                return Err(format!(
                    "query `{}` has split label `{other}`; `source = \"data\"` needs `train` and `test`",
                    data.query_ids[q]
                ));
            }
        }
    }
    if calibration.is_empty() || test.is_empty() {
        return Err(format!(
            "the data's split column has no `{}` query ({} train, {} test); use random splits",
            if calibration.is_empty() { "train" } else { "test" },
            calibration.len(),
            test.len()
        ));
    }
    Ok(Split { calibration, test })
}

/// An error in a splits file: 1-based line (0 for the whole file) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitsFileError {
    /// Line of the file (the header is line 1); 0 for the file as a whole.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> SplitsFileError {
    SplitsFileError { line, message: message.into() }
}

/// Reads a splits file (`split, query_id, role`; other columns are ignored). Split
/// numbers must run 0, 1, ..., n − 1; a query appears at most once per split;
/// queries a split does not mention are not used in it.
pub fn read_splits(text: &str, data: &Dataset) -> Result<Vec<Split>, SplitsFileError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| err(1, format!("cannot read the header: {e}")))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
            err(1, format!("missing column `{name}`; a splits file has the columns `split`, `query_id`, `role`"))
        })
    };
    let (c_split, c_query, c_role) = (column("split")?, column("query_id")?, column("role")?);
    let ids: HashMap<&str, usize> = data.query_ids.iter().enumerate().map(|(i, q)| (q.as_str(), i)).collect();
    let mut splits: BTreeMap<usize, (Split, HashMap<usize, usize>)> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            err(line, format!("malformed CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let field = |c: usize| record.get(c).unwrap_or("").trim();
        let split: usize = field(c_split)
            .parse()
            .map_err(|_| err(line, format!("split `{}` is not a non-negative integer", field(c_split))))?;
        let id = field(c_query);
        let &q =
            ids.get(id).ok_or_else(|| err(line, format!("unknown query id `{id}`: the data has no such query")))?;
        let (s, seen) =
            splits.entry(split).or_insert_with(|| (Split { calibration: vec![], test: vec![] }, HashMap::new()));
        if let Some(first) = seen.insert(q, line) {
            return Err(err(line, format!("query `{id}` appears twice in split {split} (first on line {first})")));
        }
        match field(c_role) {
            "calibration" => s.calibration.push(q),
            "test" => s.test.push(q),
            other => {
                return Err(err(line, format!("unknown role `{other}`: expected `calibration` or `test`")));
            }
        }
    }
    if splits.is_empty() {
        return Err(err(0, "the splits file has no rows"));
    }
    let mut out = Vec::with_capacity(splits.len());
    for (expected, (number, (mut s, _))) in splits.into_iter().enumerate() {
        if number != expected {
            return Err(err(0, format!("splits must be numbered 0, 1, 2, ...: split {expected} is missing")));
        }
        if s.calibration.is_empty() || s.test.is_empty() {
            let side = if s.calibration.is_empty() { "calibration" } else { "test" };
            return Err(err(0, format!("split {number} has no {side} query")));
        }
        s.calibration.sort_unstable();
        s.test.sort_unstable();
        out.push(s);
    }
    Ok(out)
}

/// Splits as a splits file: `split,query_id,role`, by split then query position.
pub fn write_splits(splits: &[Split], data: &Dataset) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["split", "query_id", "role"]);
    for (i, s) in splits.iter().enumerate() {
        let mut rows: Vec<(usize, &str)> = s.calibration.iter().map(|&q| (q, "calibration")).collect();
        rows.extend(s.test.iter().map(|&q| (q, "test")));
        rows.sort_unstable();
        let index = i.to_string();
        for (q, role) in rows {
            let _ = w.write_record([index.as_str(), data.query_ids[q].as_str(), role]);
        }
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascadelab_core::ModelColumns;

    fn dataset(n: usize) -> Dataset {
        let quality: Vec<f64> = (0..n).map(|i| if i % 3 == 0 { 1.0 } else { 0.0 }).collect();
        Dataset::new(
            (0..n).map(|i| format!("q{i}")).collect(),
            None,
            vec![ModelColumns { name: "m".into(), quality, confidence: None, cost: vec![1.0; n] }],
            None,
        )
        .unwrap()
    }

    #[test]
    fn stratified_splits_keep_each_stratum_share() {
        let d = dataset(301); // 101 correct, 200 wrong
        let strata = correctness_strata(&d, 0);
        let splits = random_splits(&strata, 0.5, 20, 42).unwrap();
        for s in &splits {
            let correct_cal = s.calibration.iter().filter(|&&q| strata[q] == 1).count();
            // round(0.5 × 101) = 51 (half away from zero), round(0.5 × 200) = 100.
            assert_eq!(correct_cal, 51);
            assert_eq!(s.calibration.len(), 151);
            assert_eq!(s.test.len(), 150);
            let mut all: Vec<usize> = s.calibration.iter().chain(&s.test).copied().collect();
            all.sort_unstable();
            assert_eq!(all, (0..301).collect::<Vec<_>>(), "every query once");
            assert!(s.calibration.windows(2).all(|w| w[0] < w[1]) && s.test.windows(2).all(|w| w[0] < w[1]));
        }
        assert_ne!(splits[0], splits[1], "seeds 42 and 43 give different splits");
    }

    #[test]
    fn splits_are_determined_by_seed_plus_index() {
        let strata = vec![0; 50];
        let a = random_splits(&strata, 0.3, 5, 7).unwrap();
        let b = random_splits(&strata, 0.3, 5, 7).unwrap();
        assert_eq!(a, b);
        // Split 1 of seed 7 is split 0 of seed 8.
        let c = random_splits(&strata, 0.3, 1, 8).unwrap();
        assert_eq!(a[1], c[0]);
        assert_eq!(a[0].calibration.len(), 15);
    }

    #[test]
    fn shuffles_are_uniform_enough() {
        // Each position lands in calibration about fraction × repeats times.
        let strata = vec![0; 10];
        let splits = random_splits(&strata, 0.5, 2000, 1).unwrap();
        for q in 0..10 {
            let k = splits.iter().filter(|s| s.calibration.contains(&q)).count();
            assert!((850..1150).contains(&k), "query {q} in calibration {k} times of 2000");
        }
    }

    #[test]
    fn extreme_fractions_are_rejected() {
        assert!(random_splits(&[0, 0, 0], 0.01, 1, 0).unwrap_err().contains("empty calibration"));
        assert!(random_splits(&[0, 0, 0], 0.99, 1, 0).unwrap_err().contains("empty test"));
    }

    #[test]
    fn splits_files_round_trip_and_report_lines() {
        let d = dataset(6);
        let splits = random_splits(&[0; 6], 0.5, 3, 42).unwrap();
        let text = String::from_utf8(write_splits(&splits, &d)).unwrap();
        assert!(text.starts_with("split,query_id,role\n0,q0,"));
        assert_eq!(read_splits(&text, &d).unwrap(), splits);

        let bad = "split,query_id,role\n0,q0,calibration\n0,q9,test\n";
        assert_eq!(read_splits(bad, &d).unwrap_err().line, 3);
        let bad = "split,query_id,role\n0,q0,calibration\n0,q1,train\n";
        assert!(read_splits(bad, &d).unwrap_err().message.contains("unknown role `train`"));
        let bad = "split,query_id,role\n0,q0,calibration\n0,q0,test\n";
        let e = read_splits(bad, &d).unwrap_err();
        assert_eq!((e.line, e.message.contains("first on line 2")), (3, true));
        let bad = "split,query_id,role\n1,q0,calibration\n1,q1,test\n";
        assert!(read_splits(bad, &d).unwrap_err().message.contains("split 0 is missing"));
        let bad = "split,query,role\n";
        assert!(read_splits(bad, &d).unwrap_err().message.contains("missing column `query_id`"));
    }
}
