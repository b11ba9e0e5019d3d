//! The readers on the real public data in `../shared/data` (skipped, with a printed
//! message, when it is absent): counts from its README.

mod common;

use std::path::{Path, PathBuf};

use cascadelab_data::{DataSpec, FeatureKind, FeaturesSpec, LoadContext, load, load_path};

fn data_dir() -> Option<PathBuf> {
    let d = common::shared_data();
    if d.is_none() {
        println!("skipped: ../shared/data not found from {}", common::repo_root().display());
    }
    d
}

fn spec(toml_text: &str) -> DataSpec {
    toml::from_str(toml_text).unwrap()
}

fn ctx(data: &Path) -> LoadContext<'_> {
    LoadContext { base_dir: Path::new("."), data_dir: Some(data), models: &[] }
}

fn count(v: &[String], label: &str) -> usize {
    v.iter().filter(|s| *s == label).count()
}

#[test]
fn zellinger_mmlu_has_1816_queries_9_models_and_the_source_splits() {
    let Some(data) = data_dir() else { return };
    let l = load_path(&data.join("zellinger/mmlu.csv.gz")).unwrap();
    let d = &l.dataset;
    assert_eq!(d.n_queries(), 1816);
    assert_eq!(d.n_models(), 9);
    let split = d.source_split.as_ref().unwrap();
    assert_eq!((count(split, "train"), count(split, "test")), (285, 1531));
    assert!(d.has_confidence());
    for m in &d.models {
        assert!(m.cost.iter().all(|c| c.is_finite() && *c > 0.0), "{}", m.name);
        assert!(m.quality.iter().all(|q| *q == 0.0 || *q == 1.0), "{}", m.name);
    }
    assert!(l.notes.is_empty(), "{:?}", l.notes);
    let gpt4o = &d.models[d.model_index("gpt-4o").unwrap()];
    assert_eq!((d.query_ids[0].as_str(), gpt4o.quality[0], gpt4o.cost[0]), ("test-0", 1.0, 0.0003025));
}

#[test]
fn zellinger_benchmarks_load_with_readme_counts_and_neg_inf_confidences() {
    let Some(data) = data_dir() else { return };
    for (bench, train, test) in
        [("medmcqa", 300, 1000), ("triviaqa", 300, 1000), ("truthfulqa", 300, 517), ("gsm8k", 300, 0)]
    {
        let l = load_path(&data.join(format!("zellinger/{bench}.csv.gz"))).unwrap();
        let split = l.dataset.source_split.as_ref().unwrap();
        assert_eq!((count(split, "train"), count(split, "test")), (train, test), "{bench}");
        assert_eq!(l.dataset.n_models(), 9, "{bench}");
    }
    let l = load_path(&data.join("zellinger/triviaqa.csv.gz")).unwrap();
    let neg_inf: usize = l
        .dataset
        .models
        .iter()
        .map(|m| m.confidence.as_ref().unwrap().iter().filter(|c| **c == f64::NEG_INFINITY).count())
        .sum();
    assert_eq!(neg_inf, 43, "triviaqa.csv.gz has 43 `-inf` confidences");
}

#[test]
fn mmlu_embeddings_join_with_dimension_384() {
    let Some(data) = data_dir() else { return };
    let s = spec(
        r#"path = "${data_dir}/zellinger/mmlu.csv.gz"
           features = { path = "${data_dir}/zellinger/mmlu.embeddings.parquet" }"#,
    );
    let l = load(&s, &ctx(&data)).unwrap();
    let f = l.dataset.features.as_ref().unwrap();
    assert_eq!((f.dim, f.values.len(), f.source.as_str()), (384, 1816 * 384, "mmlu.embeddings.parquet"));
    // The README says the embeddings are L2-normalized.
    for q in [0, 1000, 1815] {
        let norm: f32 = f.row(q).iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-3, "row {q}: squared norm {norm}");
    }
    assert_eq!(l.files.len(), 2);
}

#[test]
fn mmlu_text_features_from_the_queries_file() {
    let Some(data) = data_dir() else { return };
    let mut s = spec(r#"path = "${data_dir}/zellinger/mmlu.csv.gz""#);
    s.features = Some(FeaturesSpec::new("${data_dir}/zellinger/mmlu.queries.csv.gz", FeatureKind::Text));
    let l = load(&s, &ctx(&data)).unwrap();
    let f = l.dataset.features.as_ref().unwrap();
    assert_eq!(f.dim, 4096);
    for q in [0, 1815] {
        let norm: f32 = f.row(q).iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4, "row {q}: squared norm {norm}");
    }
}

const ARC: &str = r#"path = [
    { file = "${data_dir}/routerbench/arc_challenge_train.csv.gz", split = "train" },
    { file = "${data_dir}/routerbench/arc_challenge_test.csv.gz", split = "test" },
]
"#;

#[test]
fn routerbench_arc_challenge_wide_with_row_id_has_1484_queries_and_11_models() {
    let Some(data) = data_dir() else { return };
    // 28 arc rows have empty scores (the 14 sample ids RouterBench split over two rows);
    // reading them as 0 keeps every row.
    let s = spec(&format!(
        "{ARC}columns = {{ query-id = \"row_id\" }}\nmissing-quality = \"zero\"\n\
         features = {{ path = \"${{data_dir}}/routerbench/arc_challenge.embeddings.parquet\" }}"
    ));
    let l = load(&s, &ctx(&data)).unwrap();
    let d = &l.dataset;
    assert_eq!(d.n_queries(), 1484);
    assert_eq!(d.n_models(), 11);
    assert!(!d.has_confidence() && d.models.iter().all(|m| m.confidence.is_none()));
    let split = d.source_split.as_ref().unwrap();
    assert_eq!((count(split, "train"), count(split, "test")), (1039, 445));
    assert_eq!(d.model_names()[0], "gpt-3.5-turbo-1106", "models in cost-column order");
    assert!(d.model_index("WizardLM/WizardLM-13B-V1.2").is_some());
    assert_eq!(d.features.as_ref().unwrap().dim, 384);
    assert!(l.notes.iter().any(|n| n.starts_with("read 154 missing quality values as 0")), "{:?}", l.notes);
}

#[test]
fn routerbench_empty_scores_are_an_error_by_default_and_can_drop_their_rows() {
    let Some(data) = data_dir() else { return };
    let base = format!("{ARC}columns = {{ query-id = \"row_id\" }}\n");
    let e = load(&spec(&base), &ctx(&data)).unwrap_err().to_string();
    assert!(e.contains("arc_challenge_train.csv.gz, line ") && e.contains("missing-quality"), "{e}");
    let l = load(&spec(&format!("{base}missing-quality = \"drop-query\"")), &ctx(&data)).unwrap();
    let split = l.dataset.source_split.as_ref().unwrap();
    assert_eq!((count(split, "train"), count(split, "test")), (1019, 437));
    assert!(l.dataset.models.iter().all(|m| m.quality.iter().all(|q| *q == 0.0 || *q == 1.0)));
}

#[test]
fn routerbench_sample_id_is_not_unique() {
    let Some(data) = data_dir() else { return };
    let e = load(&spec(ARC), &ctx(&data)).unwrap_err().to_string();
    assert!(e.starts_with("duplicate query id `"), "{e}");
    assert!(e.contains("(column `sample_id`)") && e.contains("RouterBench: `row_id`"), "{e}");
}
