//! Test helpers: seeded synthetic data with query features, seeded splits, the
//! real zellinger data when present, and proposal evaluation.
#![allow(dead_code)]

use std::path::PathBuf;

use cascadelab_core::{
    Context, Dataset, Evaluator, Features, Frontier, ModelColumns, NullObserver, Point, Pool, Problem, Proposal, Solver,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// One synthetic model: per cluster, the probability it is correct; its confidence is
/// drawn from U(0.6, 1) when correct and U(0, 0.4) when wrong (a perfect signal);
/// its cost is `cost` ± 5 %.
pub struct SynthModel {
    pub name: &'static str,
    pub cost: f64,
    pub p_correct: Vec<f64>,
}

/// `n` queries drawn from equally likely clusters with centers 3·e_c in `dim`
/// dimensions plus N(0, 0.5²) noise per coordinate.
pub fn clustered(n: usize, dim: usize, models: &[SynthModel], seed: u64) -> (Dataset, Vec<usize>) {
    let clusters = models[0].p_correct.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut values = Vec::with_capacity(n * dim);
    let mut cluster_of = Vec::with_capacity(n);
    for _ in 0..n {
        let c = rng.random_range(0..clusters);
        cluster_of.push(c);
        for k in 0..dim {
            let z: f64 = StandardNormal.sample(&mut rng);
            values.push((if k == c { 3.0 } else { 0.0 } + 0.5 * z) as f32);
        }
    }
    let columns = models
        .iter()
        .map(|m| {
            let mut quality = Vec::with_capacity(n);
            let mut confidence = Vec::with_capacity(n);
            let mut cost = Vec::with_capacity(n);
            for &c in &cluster_of {
                let correct = rng.random::<f64>() < m.p_correct[c];
                quality.push(f64::from(u8::from(correct)));
                confidence.push(if correct { rng.random_range(0.6..1.0) } else { rng.random_range(0.0..0.4) });
                cost.push(m.cost * rng.random_range(0.95..1.05));
            }
            ModelColumns { name: m.name.into(), quality, confidence: Some(confidence), cost }
        })
        .collect();
    let features = Features { source: "synthetic".into(), dim, values };
    let ids = (0..n).map(|i| format!("q{i:05}")).collect();
    (Dataset::new(ids, None, columns, Some(features)).unwrap(), cluster_of)
}

/// A seeded random 50/50 split: (calibration, test), each sorted.
pub fn split(n: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let (mut cal, mut test) = (order[..n / 2].to_vec(), order[n / 2..].to_vec());
    cal.sort_unstable();
    test.sort_unstable();
    (cal, test)
}

/// Proposes on `cal` with the pool computed there.
pub fn propose(solver: &dyn Solver, data: &Dataset, cal: &[usize], seed: u64) -> Proposal {
    let pool = Pool::new(data, cal);
    let problem = Problem { data, calibration: cal, pool: &pool };
    let mut observer = NullObserver;
    let mut ctx = Context::new(seed, &mut observer);
    solver.propose(&problem, &mut ctx).unwrap()
}

/// The points of one family of a proposal on `subset`.
pub fn family_points(data: &Dataset, subset: &[usize], proposal: &Proposal, family: &str) -> Vec<Point> {
    let f = proposal.families.iter().find(|f| f.name == family).unwrap_or_else(|| panic!("no family `{family}`"));
    let mut ev = Evaluator::new(data, subset, &proposal.predictors).unwrap();
    ev.evaluate_all(&f.policies).unwrap()
}

/// The held-out frontier of one family.
pub fn family_frontier(data: &Dataset, subset: &[usize], proposal: &Proposal, family: &str) -> Frontier {
    Frontier::from_points(&family_points(data, subset, proposal, family))
}

/// `../shared/data/zellinger` from the repository root (or `$CASCADELAB_DATA_DIR/zellinger`).
pub fn zellinger_dir() -> PathBuf {
    match std::env::var_os("CASCADELAB_DATA_DIR") {
        Some(d) => PathBuf::from(d).join("zellinger"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/zellinger"),
    }
}

/// A zellinger benchmark (long layout) with its embeddings, read here so these tests
/// do not depend on the data crate; `None` when the files are absent.
pub fn zellinger(benchmark: &str) -> Option<Dataset> {
    let dir = zellinger_dir();
    let records = dir.join(format!("{benchmark}.csv.gz"));
    let embeddings = dir.join(format!("{benchmark}.embeddings.parquet"));
    if !records.exists() || !embeddings.exists() {
        return None;
    }
    let reader = flate2::read::GzDecoder::new(std::fs::File::open(&records).unwrap());
    let mut csv = csv::Reader::from_reader(reader);
    let headers = csv.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (qc, mc, cc, sc, kc) = (col("query_id"), col("model"), col("correct"), col("confidence"), col("cost"));
    let mut queries: Vec<String> = Vec::new();
    let mut query_index = std::collections::HashMap::new();
    let mut models: Vec<String> = Vec::new();
    let mut cells: Vec<(usize, usize, f64, f64, f64)> = Vec::new();
    for rec in csv.records() {
        let rec = rec.unwrap();
        let q = *query_index.entry(rec[qc].to_string()).or_insert_with(|| {
            queries.push(rec[qc].to_string());
            queries.len() - 1
        });
        let m = match models.iter().position(|x| x == &rec[mc]) {
            Some(m) => m,
            None => {
                models.push(rec[mc].to_string());
                models.len() - 1
            }
        };
        cells.push((q, m, rec[cc].parse().unwrap(), rec[sc].parse().unwrap(), rec[kc].parse().unwrap()));
    }
    let n = queries.len();
    let mut cols: Vec<ModelColumns> = models
        .iter()
        .map(|name| ModelColumns {
            name: name.clone(),
            quality: vec![0.0; n],
            confidence: Some(vec![0.0; n]),
            cost: vec![0.0; n],
        })
        .collect();
    for (q, m, correct, conf, cost) in cells {
        cols[m].quality[q] = correct;
        cols[m].confidence.as_mut().unwrap()[q] = conf;
        cols[m].cost[q] = cost;
    }
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::{ListAccessor, RowAccessor};
    let file = SerializedFileReader::new(std::fs::File::open(&embeddings).unwrap()).unwrap();
    let mut rows: Vec<Option<Vec<f32>>> = vec![None; n];
    let mut dim = 0;
    for row in file.get_row_iter(None).unwrap() {
        let row = row.unwrap();
        let id = row.get_string(0).unwrap().clone();
        let list = row.get_list(1).unwrap();
        let v: Vec<f32> = (0..list.len()).map(|i| list.get_float(i).unwrap()).collect();
        dim = v.len();
        if let Some(&q) = query_index.get(&id) {
            rows[q] = Some(v);
        }
    }
    let values: Vec<f32> = rows.into_iter().flat_map(|r| r.expect("every query has an embedding")).collect();
    let features = Features { source: format!("{benchmark}.embeddings.parquet"), dim, values };
    Some(Dataset::new(queries, None, cols, Some(features)).unwrap())
}
