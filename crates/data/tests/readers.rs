//! Each reader on small inline data: layouts, formats, column remapping, cost from
//! prices, confidence rules, model selection, features, and no panic on any input.

mod common;

use std::path::Path;

use cascadelab_data::{
    ConfidenceRule, CostRule, DataSpec, FeatureKind, FeaturesSpec, Layout, LoadContext, Loaded, MissingConfidence,
    ModelSpec, Prices, load, load_path, text::TextFeaturizer,
};
use common::{Leaf, list_levels, strs, write, write_gz, write_parquet};
use proptest::prelude::*;

const GOOD: &str = "query_id,split,model,correct,confidence,cost,tokens_in,tokens_out,latency_ms
q1,train,small,1,-0.5,0.001,100,10,5
q1,train,large,1,-0.1,0.01,100,12,7
q2,test,small,0,-2.3,0.001,120,8,5
q2,test,large,1,-inf,0.012,120,9,8
q3,test,small,0.5,-Infinity,0.0011,90,11,6
q3,test,large,true,-0.2,0.009,90,10,7
";

fn ctx(dir: &Path) -> LoadContext<'_> {
    LoadContext { base_dir: dir, data_dir: None, models: &[] }
}

fn spec(toml_text: &str) -> DataSpec {
    toml::from_str(toml_text).unwrap()
}

fn load_in(dir: &Path, toml_text: &str) -> Loaded {
    load(&spec(toml_text), &ctx(dir)).unwrap_or_else(|e| panic!("{e}"))
}

fn err_in(dir: &Path, toml_text: &str) -> String {
    load(&spec(toml_text), &ctx(dir)).map(|_| ()).unwrap_err().to_string()
}

/// The GOOD data as a dataset, checked in full.
fn assert_good(l: &Loaded) {
    let d = &l.dataset;
    assert_eq!(d.query_ids, ["q1", "q2", "q3"]);
    assert_eq!(d.model_names(), ["small", "large"]);
    assert_eq!(d.models[0].quality, [1.0, 0.0, 0.5]);
    assert_eq!(d.models[1].quality, [1.0, 1.0, 1.0]);
    assert_eq!(d.models[0].confidence.as_deref().unwrap(), [-0.5, -2.3, f64::NEG_INFINITY]);
    assert_eq!(d.models[1].confidence.as_deref().unwrap(), [-0.1, f64::NEG_INFINITY, -0.2]);
    assert_eq!(d.models[0].cost, [0.001, 0.001, 0.0011]);
    assert_eq!(d.models[1].cost, [0.01, 0.012, 0.009]);
    assert_eq!(d.source_split.as_deref().unwrap(), ["train", "test", "test"]);
    assert!(d.features.is_none());
}

#[test]
fn long_csv_reads_fractional_quality_neg_inf_confidence_and_the_split_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "good.csv", GOOD);
    let l = load_path(&p).unwrap();
    assert_good(&l);
    assert_eq!(l.files, [p]);
    assert!(l.notes.is_empty(), "{:?}", l.notes);
}

#[test]
fn gzip_tsv_jsonl_and_sniffed_formats_read_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_good(&load_path(&write_gz(d, "good.csv.gz", GOOD)).unwrap());
    assert_good(&load_path(&write(d, "good.tsv", &GOOD.replace(',', "\t"))).unwrap());
    // No known extension: the content decides (CSV here).
    assert_good(&load_path(&write(d, "good.data", GOOD)).unwrap());

    let jsonl = r#"{"query_id": "q1", "split": "train", "model": "small", "correct": 1, "confidence": -0.5, "cost": 0.001, "extra": {"a": [1, 2]}}
{"query_id": "q1", "split": "train", "model": "large", "correct": true, "confidence": -0.1, "cost": 0.01}

{"query_id": "q2", "split": "test", "model": "small", "correct": 0, "confidence": -2.3, "cost": 1e-3}
{"query_id": "q2", "split": "test", "model": "large", "correct": 1.0, "confidence": "-inf", "cost": 0.012}
{"query_id": "q3", "split": "test", "model": "small", "correct": 0.5, "confidence": "-Infinity", "cost": 0.0011}
{"query_id": "q3", "split": "test", "model": "large", "correct": 1, "confidence": -0.2, "cost": 0.009}
"#;
    assert_good(&load_path(&write(d, "good.jsonl", jsonl)).unwrap());
    assert_good(&load_path(&write_gz(d, "good.jsonl.gz", jsonl)).unwrap());
    assert_good(&load_path(&write(d, "good.records", jsonl)).unwrap());
    // Byte-order marks and CRLF line ends, as Windows tools write them.
    assert_good(&load_path(&write(d, "bom.jsonl", &format!("\u{feff}{}", jsonl.replace('\n', "\r\n")))).unwrap());
    assert_good(&load_path(&write(d, "bom.csv", &format!("\u{feff}{}", GOOD.replace('\n', "\r\n")))).unwrap());
    // The blank line 3 still counts: the error on the q2/small record is on line 4.
    let bad = jsonl.replace("\"cost\": 1e-3", "\"cost\": \"x\"");
    let e = load_path(&write(d, "bad.jsonl", &bad)).unwrap_err().to_string();
    assert!(e.ends_with("bad.jsonl, line 4, field `cost`: cannot parse `x` as a number"), "{e}");
}

#[test]
fn jsonl_integer_ids_become_strings_and_null_confidence_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"query_id": 7, "model": "a", "correct": 1, "confidence": null, "cost": 1}
{"query_id": 8, "model": "a", "correct": 0, "confidence": 0.5, "cost": 2}
"#;
    let p = write(dir.path(), "ints.jsonl", text);
    let e = load_path(&p).unwrap_err().to_string();
    assert!(e.contains("ints.jsonl, line 1, field `confidence`: confidence of model `a` on query `7` is null"), "{e}");
    let l = load_in(dir.path(), "path = \"ints.jsonl\"\nmissing-confidence = \"drop-query\"");
    assert_eq!(l.dataset.query_ids, ["8"]);
    assert_eq!(l.notes, ["dropped 1 of 2 queries whose confidence is missing or NaN for some model (first: `7`)"]);
}

#[test]
fn every_column_can_be_remapped() {
    let dir = tempfile::tempdir().unwrap();
    let remapped = GOOD
        .replacen("query_id,split,model,correct,confidence,cost", "id,fold,llm,score,logprob,dollars", 1)
        .replacen("tokens_in,tokens_out", "in,out", 1);
    write(dir.path(), "remapped.csv", &remapped);
    let l = load_in(
        dir.path(),
        r#"path = "remapped.csv"
           [columns]
           query-id = "id"
           split = "fold"
           model = "llm"
           correct = "score"
           confidence = "logprob"
           cost = "dollars""#,
    );
    assert_good(&l);
    // With the canonical names the file is unreadable, and the message lists what it has.
    let e = load_path(&dir.path().join("remapped.csv")).unwrap_err().to_string();
    assert!(e.contains("cannot tell the layout") && e.contains("`id`, `fold`, `llm`"), "{e}");
}

#[test]
fn drop_query_mode_drops_queries_with_missing_or_nan_confidence_and_reports_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let text = "query_id,model,correct,confidence,cost
q1,a,1,,1
q1,b,1,0.2,2
q2,a,0,0.1,1
q2,b,1,0.3,2
q3,a,1,0.4,1
q3,b,0,NaN,2
q4,a,1,-inf,1
q4,b,1,0.9,2
";
    write(dir.path(), "m.csv", text);
    let e = err_in(dir.path(), "path = \"m.csv\"");
    assert!(
        e.starts_with(&format!(
            "{}, line 2, column `confidence`: confidence of model `a` on query `q1` is empty",
            dir.path().join("m.csv").display()
        )),
        "{e}"
    );
    let l = load_in(dir.path(), "path = \"m.csv\"\nmissing-confidence = \"drop-query\"");
    assert_eq!(l.dataset.query_ids, ["q2", "q4"]);
    assert_eq!(l.dataset.models[0].confidence.as_deref().unwrap(), [0.1, f64::NEG_INFINITY]);
    assert_eq!(l.dataset.models[1].cost, [2.0, 2.0]);
    assert_eq!(l.notes, ["dropped 2 of 4 queries whose confidence is missing or NaN for some model (first: `q1`)"]);
    // Only kept models matter: keeping `b` alone drops q3 only.
    let keep = [ModelSpec::named("b")];
    let s = spec("path = \"m.csv\"\nmissing-confidence = \"drop-query\"");
    let l = load(&s, &LoadContext { models: &keep, ..ctx(dir.path()) }).unwrap();
    assert_eq!(l.dataset.query_ids, ["q1", "q2", "q4"]);
    assert_eq!(l.notes, ["dropped 1 of 4 queries whose confidence is missing or NaN for some model (first: `q3`)"]);
}

#[test]
fn missing_quality_is_an_error_zero_or_a_dropped_query() {
    let dir = tempfile::tempdir().unwrap();
    // Wide layout: beta has no score for s.2 (empty) and s.3 (empty).
    let text = "sample_id,alpha,beta,alpha|total_cost,beta|total_cost\ns.1,1,0,1,2\ns.2,0,,1,2\ns.3,1,,1,2\n";
    write(dir.path(), "w.csv", text);
    let e = err_in(dir.path(), "path = \"w.csv\"");
    assert!(e.ends_with("w.csv, line 3, column `beta`: quality of model `beta` on query `s.2` is empty; set `missing-quality = \"zero\"` (read as 0) or `\"drop-query\"` in [data] to accept such records"), "{e}");
    let l = load_in(dir.path(), "path = \"w.csv\"\nmissing-quality = \"zero\"");
    assert_eq!(l.dataset.models[1].quality, [0.0, 0.0, 0.0]);
    assert_eq!(l.notes, ["read 2 missing quality values as 0 (`missing-quality = \"zero\"`)"]);
    let l = load_in(dir.path(), "path = \"w.csv\"\nmissing-quality = \"drop-query\"");
    assert_eq!(l.dataset.query_ids, ["s.1"]);
    assert_eq!(l.notes, ["dropped 2 of 3 queries whose quality is missing for some model (first: `s.2`)"]);
    // Only kept models count.
    let keep = [ModelSpec::named("alpha")];
    let l = load(&spec("path = \"w.csv\""), &LoadContext { models: &keep, ..ctx(dir.path()) }).unwrap();
    assert_eq!(l.dataset.n_queries(), 3);
    // Long layout, JSON null.
    write(dir.path(), "l.jsonl", "{\"query_id\": \"a\", \"model\": \"m\", \"correct\": null, \"cost\": 1}\n");
    let e = err_in(dir.path(), "path = \"l.jsonl\"");
    assert!(e.contains("l.jsonl, line 1, field `correct`: quality of model `m` on query `a` is null"), "{e}");
}

#[test]
fn confidence_rules_auto_column_and_none() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "noconf.csv", "query_id,model,correct,cost\nq1,a,1,1\nq1,b,0,2\n");
    let l = load_in(dir.path(), "path = \"noconf.csv\"");
    assert!(!l.dataset.has_confidence());
    assert!(l.notes[0].contains("has no `confidence` column"), "{:?}", l.notes);
    let e = err_in(dir.path(), "path = \"noconf.csv\"\nconfidence = \"column\"");
    assert!(
        e.contains("no column `confidence`") && e.contains("columns found: `query_id`, `model`, `correct`, `cost`"),
        "{e}"
    );
    write(dir.path(), "good.csv", GOOD);
    let l = load_in(dir.path(), "path = \"good.csv\"\nconfidence = \"none\"");
    assert!(l.dataset.models.iter().all(|m| m.confidence.is_none()));
    let s = spec("path = \"good.csv\"\nconfidence = \"none\"");
    assert_eq!(s.confidence, ConfidenceRule::None);
}

#[test]
fn cost_from_token_counts_and_prices() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.csv", GOOD);
    // small from [data.prices]; large from [[models]], which wins over [data.prices].
    let s = spec(
        r#"path = "good.csv"
           cost = "prices"
           prices = { small = { input = 0.1, output = 0.2 }, large = { input = 99, output = 99 } }"#,
    );
    assert_eq!(s.cost, CostRule::Prices);
    let models = [
        ModelSpec { name: "large".into(), display_name: None, prices: Some(Prices { input: 2.5, output: 10.0 }) },
        ModelSpec::named("small"),
    ];
    let l = load(&s, &LoadContext { models: &models, ..ctx(dir.path()) }).unwrap();
    assert_eq!(l.dataset.model_names(), ["large", "small"]);
    let want_large = [
        100.0 * 2.5 / 1e6 + 12.0 * 10.0 / 1e6,
        120.0 * 2.5 / 1e6 + 9.0 * 10.0 / 1e6,
        90.0 * 2.5 / 1e6 + 10.0 * 10.0 / 1e6,
    ];
    let want_small = [
        100.0 * 0.1 / 1e6 + 10.0 * 0.2 / 1e6,
        120.0 * 0.1 / 1e6 + 8.0 * 0.2 / 1e6,
        90.0 * 0.1 / 1e6 + 11.0 * 0.2 / 1e6,
    ];
    assert_eq!(l.dataset.models[0].cost, want_large);
    assert_eq!(l.dataset.models[1].cost, want_small);
    // A model without prices is an error naming it, unless it is not kept.
    let no_large = r#"path = "good.csv"
                      cost = "prices"
                      prices = { small = { input = 0.1, output = 0.2 } }"#;
    let e = err_in(dir.path(), no_large);
    assert!(e.contains("needs prices for model `large`") && e.contains("[data.prices]"), "{e}");
    let keep = [ModelSpec::named("small")];
    let l = load(&spec(no_large), &LoadContext { models: &keep, ..ctx(dir.path()) }).unwrap();
    assert_eq!(l.dataset.models[0].cost, want_small);
    // Negative prices are rejected before reading.
    let e =
        err_in(dir.path(), "path = \"good.csv\"\ncost = \"prices\"\nprices = { small = { input = -1, output = 0 } }");
    assert!(e.contains("[data.prices] \"small\": prices must be finite and non-negative"), "{e}");
}

const WIDE: &str = r#"row_id,sample_id,prompt,eval_name,beta,alpha,alpha|total_cost,beta|total_cost,oracle_model_to_route_to
10,s.1,"a prompt, with a comma
and a newline",arc,1.0,0.0,0.001,0.02,beta
11,s.2,plain,arc,0.0,1.0,0.002,0.03,alpha
12,s.3,plain,arc,0.5,1.0,0.003,0.04,alpha
"#;

#[test]
fn wide_layout_detects_models_from_cost_columns_and_has_no_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "wide.csv", WIDE);
    let l = load_path(&p).unwrap();
    let d = &l.dataset;
    assert_eq!(d.query_ids, ["s.1", "s.2", "s.3"]);
    assert_eq!(d.model_names(), ["alpha", "beta"], "cost-column order, not score-column order");
    assert_eq!(d.models[0].quality, [0.0, 1.0, 1.0]);
    assert_eq!(d.models[1].quality, [1.0, 0.0, 0.5]);
    assert_eq!(d.models[0].cost, [0.001, 0.002, 0.003]);
    assert_eq!(d.models[1].cost, [0.02, 0.03, 0.04]);
    assert!(!d.has_confidence() && d.models.iter().all(|m| m.confidence.is_none()));
    assert!(d.source_split.is_none());
    // The id column is configurable (as the CLI does through DataSpec::for_path).
    let mut s = DataSpec::for_path(&p);
    s.layout = Layout::Wide;
    s.columns.query_id = Some("row_id".into());
    let l = load(&s, &LoadContext::default()).unwrap();
    assert_eq!(l.dataset.query_ids, ["10", "11", "12"]);
    // A different cost suffix.
    write(dir.path(), "wide2.csv", &WIDE.replace("|total_cost", "_usd"));
    let l = load_in(dir.path(), "path = \"wide2.csv\"\ncost-suffix = \"_usd\"");
    assert_eq!(l.dataset.model_names(), ["alpha", "beta"]);
    // An error in the second record names its line (the first record spans lines 2-3).
    write(dir.path(), "wide3.csv", &WIDE.replace("0.002", "-0.002"));
    let e = load_path(&dir.path().join("wide3.csv")).unwrap_err().to_string();
    assert!(e.ends_with("wide3.csv, line 4, column `alpha|total_cost`: cost -0.002 is negative"), "{e}");
}

#[test]
fn several_files_concatenate_and_split_labels_become_the_source_split() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (head, rows) = WIDE.split_once('\n').unwrap();
    let mut lines = rows.splitn(2, "\n11,").collect::<Vec<_>>();
    let train = format!("{head}\n{}\n", lines.remove(0));
    let test = format!("{head}\n11,{}", lines.remove(0));
    write_gz(d, "x_train.csv.gz", &train);
    write_gz(d, "x_test.csv.gz", &test);
    let l = load_in(
        d,
        r#"path = [{ file = "x_train.csv.gz", split = "train" }, { file = "x_test.csv.gz", split = "test" }]
           columns = { query-id = "row_id" }"#,
    );
    assert_eq!(l.dataset.query_ids, ["10", "11", "12"]);
    assert_eq!(l.dataset.source_split.as_deref().unwrap(), ["train", "test", "test"]);
    assert_eq!(l.files, [d.join("x_train.csv.gz"), d.join("x_test.csv.gz")]);
    // Labels override a split column; plain entries keep the column.
    write(d, "good.csv", GOOD);
    let l = load_in(d, r#"path = [{ file = "good.csv", split = "all" }]"#);
    assert_eq!(l.dataset.source_split.as_deref().unwrap(), ["all", "all", "all"]);
    let l = load_in(d, r#"path = ["good.csv"]"#);
    assert_eq!(l.dataset.source_split.as_deref().unwrap(), ["train", "test", "test"]);
    // The same query in two files is a duplicate naming both files.
    let e = err_in(d, r#"path = ["x_train.csv.gz", "x_train.csv.gz"]"#);
    assert!(
        e.contains("duplicate query id `s.1` (column `sample_id`)") && e.contains("x_train.csv.gz line 2 and"),
        "{e}"
    );
}

#[test]
fn models_are_selected_and_ordered_by_the_context_and_unknown_names_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.csv", GOOD);
    let keep = [ModelSpec::named("large")];
    let l = load(&spec("path = \"good.csv\""), &LoadContext { models: &keep, ..ctx(dir.path()) }).unwrap();
    assert_eq!(l.dataset.model_names(), ["large"]);
    assert_eq!(l.dataset.models[0].cost, [0.01, 0.012, 0.009]);
    let keep = [ModelSpec::named("large"), ModelSpec::named("tiny"), ModelSpec::named("huge")];
    let e = load(&spec("path = \"good.csv\""), &LoadContext { models: &keep, ..ctx(dir.path()) }).unwrap_err();
    let e = e.to_string();
    assert!(e.starts_with("[[models]] names `tiny`, `huge` are not in the data"), "{e}");
    assert!(e.ends_with("the data has models: `small`, `large`"), "{e}");
    let twice = [ModelSpec::named("large"), ModelSpec::named("large")];
    let e = load(&spec("path = \"good.csv\""), &LoadContext { models: &twice, ..ctx(dir.path()) }).unwrap_err();
    assert_eq!(e.to_string(), "[[models]] `large` is listed twice");
    // A query lacking a model that is not kept is fine.
    write(dir.path(), "partial.csv", "query_id,model,correct,confidence,cost\nq1,a,1,0,1\nq1,b,1,0,1\nq2,a,1,0,1\n");
    let keep = [ModelSpec::named("a")];
    let l = load(&spec("path = \"partial.csv\""), &LoadContext { models: &keep, ..ctx(dir.path()) }).unwrap();
    assert_eq!(l.dataset.query_ids, ["q1", "q2"]);
    let e = err_in(dir.path(), "path = \"partial.csv\"");
    assert!(e.starts_with("query `q2` (") && e.contains("has no record for model `b`"), "{e}");
}

#[test]
fn data_dir_expands_relative_paths_resolve_against_the_base_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("bench")).unwrap();
    write(&dir.path().join("bench"), "good.csv", GOOD);
    let s = spec("path = \"${data_dir}/bench/good.csv\"");
    let l =
        load(&s, &LoadContext { base_dir: Path::new("/elsewhere"), data_dir: Some(dir.path()), models: &[] }).unwrap();
    assert_good(&l);
    let l = load(&spec("path = \"bench/good.csv\""), &ctx(dir.path())).unwrap();
    assert_good(&l);
    let e = load(&s, &ctx(dir.path())).unwrap_err().to_string();
    assert!(e.contains("--data-dir") && e.contains("CASCADELAB_DATA_DIR"), "{e}");
}

#[test]
fn parquet_long_layout_reads_like_csv_and_errors_name_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("good.parquet");
    let ids = ["q1", "q1", "q2", "q2", "q3", "q3"];
    let models = ["small", "large", "small", "large", "small", "large"];
    let schema = "message schema {
        REQUIRED BYTE_ARRAY query_id (STRING);
        OPTIONAL BYTE_ARRAY split (STRING);
        REQUIRED BYTE_ARRAY model (STRING);
        REQUIRED DOUBLE correct;
        OPTIONAL DOUBLE confidence;
        REQUIRED DOUBLE cost;
        REQUIRED INT64 tokens_in;
    }";
    write_parquet(
        &p,
        schema,
        vec![
            strs(&ids),
            Leaf::Str(
                ["train", "train", "test", "test", "test", "test"].map(String::from).to_vec(),
                Some(vec![1; 6]),
                None,
            ),
            strs(&models),
            Leaf::F64(vec![1.0, 1.0, 0.0, 1.0, 0.5, 1.0], None, None),
            Leaf::F64(vec![-0.5, -0.1, -2.3, f64::NEG_INFINITY, f64::NEG_INFINITY, -0.2], Some(vec![1; 6]), None),
            Leaf::F64(vec![0.001, 0.01, 0.001, 0.012, 0.0011, 0.009], None, None),
            Leaf::I64(vec![100, 100, 120, 120, 90, 90], None, None),
        ],
    );
    assert_good(&load_path(&p).unwrap());
    // A null confidence (row 3) is missing, and errors name the 0-based row.
    let q = dir.path().join("null.parquet");
    write_parquet(
        &q,
        schema,
        vec![
            strs(&ids),
            Leaf::Str(vec![], Some(vec![0; 6]), None),
            strs(&models),
            Leaf::F64(vec![1.0, 1.0, 0.0, 1.0, 0.5, 1.0], None, None),
            Leaf::F64(vec![-0.5, -0.1, -2.3, -0.5, -0.2], Some(vec![1, 1, 1, 0, 1, 1]), None),
            Leaf::F64(vec![0.001, 0.01, 0.001, 0.012, 0.0011, 0.009], None, None),
            Leaf::I64(vec![100, 100, 120, 120, 90, 90], None, None),
        ],
    );
    let e = load_path(&q).unwrap_err().to_string();
    assert!(
        e.contains("null.parquet, row 3, column `confidence`: confidence of model `large` on query `q2` is null"),
        "{e}"
    );
    let mut s = DataSpec::for_path(&q);
    s.missing_confidence = MissingConfidence::DropQuery;
    let l = load(&s, &LoadContext::default()).unwrap();
    assert_eq!(l.dataset.query_ids, ["q1", "q3"]);
    // An all-null split column is an empty split label, not a failure.
    assert_eq!(l.dataset.source_split.as_deref().unwrap(), ["", ""]);
    // Token counts from an INT64 column feed `cost = "prices"` (tokens_out is missing here).
    let mut s = DataSpec::for_path(&p);
    s.cost = CostRule::Prices;
    let e = load(&s, &LoadContext::default()).unwrap_err().to_string();
    assert!(e.contains("no column `tokens_out` (`cost = \"prices\"` computes cost from token counts)"), "{e}");
}

/// Queries q1..q3 of GOOD, with 3-d embeddings `[i, i + 0.5, -i]` and an extra row.
fn embedding_rows() -> Vec<(String, Vec<f32>)> {
    let mut v: Vec<(String, Vec<f32>)> =
        (1..=3).map(|i| (format!("q{i}"), vec![i as f32, i as f32 + 0.5, -(i as f32)])).collect();
    v.insert(1, ("extra".into(), vec![9.0, 9.0, 9.0]));
    v
}

fn assert_embeddings(l: &Loaded, source: &str) {
    let f = l.dataset.features.as_ref().expect("features");
    assert_eq!(f.dim, 3);
    assert_eq!(f.source, source);
    assert_eq!(f.values, [1.0, 1.5, -1.0, 2.0, 2.5, -2.0, 3.0, 3.5, -3.0]);
    assert_eq!(l.notes, [format!("3-d embeddings from {source}: ignored 1 rows of queries not in the data")]);
}

#[test]
fn parquet_embeddings_as_fixed_size_list_plain_list_and_repeated_field_join_by_query_id() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.csv", GOOD);
    let rows = embedding_rows();
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let lens: Vec<usize> = rows.iter().map(|r| r.1.len()).collect();
    let flat32: Vec<f32> = rows.iter().flat_map(|r| r.1.iter().copied()).collect();
    let flat64: Vec<f64> = flat32.iter().map(|&x| f64::from(x)).collect();
    let id_leaf = || Leaf::Str(ids.iter().map(|s| (*s).to_owned()).collect(), Some(vec![1; ids.len()]), None);
    // What pyarrow writes for a fixed_size_list<float, 3> (all optional, 3 levels).
    let (d, r) = list_levels(&lens, 3);
    write_parquet(
        &dir.path().join("fixed.parquet"),
        "message schema {
            OPTIONAL BYTE_ARRAY query_id (STRING);
            OPTIONAL group embedding (LIST) { REPEATED group list { OPTIONAL FLOAT element; } }
        }",
        vec![id_leaf(), Leaf::F32(flat32.clone(), Some(d), Some(r))],
    );
    let l = load_in(dir.path(), "path = \"good.csv\"\nfeatures = { path = \"fixed.parquet\" }");
    assert_embeddings(&l, "fixed.parquet");
    assert_eq!(l.files, [dir.path().join("good.csv"), dir.path().join("fixed.parquet")]);
    // A required list of doubles under another name.
    let (d, r) = list_levels(&lens, 1);
    write_parquet(
        &dir.path().join("plain.parquet"),
        "message schema {
            OPTIONAL BYTE_ARRAY id (STRING);
            REQUIRED group vec (LIST) { REPEATED group list { REQUIRED DOUBLE element; } }
        }",
        vec![id_leaf(), Leaf::F64(flat64, Some(d), Some(r))],
    );
    let l = load_in(dir.path(), "path = \"good.csv\"\nfeatures = { path = \"plain.parquet\", id-column = \"id\" }");
    assert_embeddings(&l, "plain.parquet");
    // A legacy repeated primitive field.
    let (d, r) = list_levels(&lens, 1);
    write_parquet(
        &dir.path().join("legacy.parquet"),
        "message schema { OPTIONAL BYTE_ARRAY query_id (STRING); REPEATED FLOAT embedding; }",
        vec![id_leaf(), Leaf::F32(flat32, Some(d), Some(r))],
    );
    let l = load_in(dir.path(), "path = \"good.csv\"\nfeatures = { path = \"legacy.parquet\" }");
    assert_embeddings(&l, "legacy.parquet");
}

#[test]
fn csv_and_jsonl_embeddings_join_and_ragged_or_missing_rows_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.csv", GOOD);
    let mut csv = String::from("query_id,note,e0,e1,e2\n");
    let mut jsonl = String::new();
    for (id, v) in embedding_rows() {
        csv.push_str(&format!("{id},x,{},{},{}\n", v[0], v[1], v[2]));
        jsonl.push_str(&format!("{{\"query_id\": \"{id}\", \"embedding\": [{}, {}, {}]}}\n", v[0], v[1], v[2]));
    }
    write(d, "emb.csv", &csv);
    write(d, "emb.jsonl", &jsonl);
    let l = load_in(d, "path = \"good.csv\"\n[features]\npath = \"emb.csv\"\ndim-prefix = \"e\"");
    assert_embeddings(&l, "emb.csv");
    let l = load_in(d, "path = \"good.csv\"\nfeatures = { path = \"emb.jsonl\" }");
    assert_embeddings(&l, "emb.jsonl");
    // Without the prefix, `note` is a dimension and cannot be parsed.
    let e = err_in(d, "path = \"good.csv\"\nfeatures = { path = \"emb.csv\" }");
    assert!(e.ends_with("emb.csv, line 2, column `note`: cannot parse `x` as a number"), "{e}");
    write(d, "ragged.jsonl", &jsonl.replacen("[3, 3.5, -3]", "[3, 3.5]", 1));
    let e = err_in(d, "path = \"good.csv\"\nfeatures = { path = \"ragged.jsonl\" }");
    assert!(e.ends_with("ragged.jsonl, line 4, field `embedding`: 2 values, but the row at line 1 has 3; every feature row needs the same length"), "{e}");
    write(d, "short.jsonl", &jsonl.lines().take(2).collect::<Vec<_>>().join("\n"));
    let e = err_in(d, "path = \"good.csv\"\nfeatures = { path = \"short.jsonl\" }");
    assert!(e.ends_with("short.jsonl: no features for 2 of 3 queries (first: `q2`, `q3`); every query of the data needs a feature row"), "{e}");
    write(d, "dup.jsonl", &format!("{jsonl}{{\"query_id\": \"q2\", \"embedding\": [0, 0, 0]}}\n"));
    let e = err_in(d, "path = \"good.csv\"\nfeatures = { path = \"dup.jsonl\" }");
    assert!(
        e.ends_with("dup.jsonl, line 5, field `query_id`: second feature row for query `q2` (the first is at line 3)"),
        "{e}"
    );
}

#[test]
fn text_features_are_deterministic_unit_rows_with_idf_over_all_queries() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.csv", GOOD);
    write(
        d,
        "queries.csv",
        "query_id,split,text\nq1,train,\"What is the capital of France?\"\nq2,test,What is 2 + 2?\nq0,test,unused\nq3,test,\"Name the capital, please.\"\n",
    );
    let toml_text = "path = \"good.csv\"\nfeatures = { path = \"queries.csv\", kind = \"text\", dim = 256 }";
    let a = load_in(d, toml_text);
    let f = a.dataset.features.as_ref().unwrap();
    assert_eq!(f.dim, 256);
    assert_eq!(f.values.len(), 3 * 256);
    for q in 0..3 {
        let norm: f32 = f.row(q).iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5, "row {q} has squared norm {norm}");
    }
    // Exactly the featurizer applied to the data's queries (q0 is not one), in query order.
    let want = TextFeaturizer { dim: 256, ..TextFeaturizer::default() }.featurize(&[
        "What is the capital of France?",
        "What is 2 + 2?",
        "Name the capital, please.",
    ]);
    assert_eq!(f.values, want);
    let b = load_in(d, toml_text);
    assert_eq!(a.dataset.features, b.dataset.features);
    assert!(f.source.starts_with("hashed tf-idf of `text` in queries.csv (dim 256"), "{}", f.source);
    let s = spec(toml_text);
    assert_eq!(s.features.as_ref().unwrap().kind, FeatureKind::Text);
    let e = err_in(d, "path = \"good.csv\"\nfeatures = { path = \"queries.csv\", kind = \"text\", dim = 0 }");
    assert!(e.contains("[data.features] `dim` = 0"), "{e}");
}

#[test]
fn data_spec_needs_only_a_path_and_rejects_unknown_keys() {
    let s = spec("path = \"a.csv\"");
    assert_eq!(s, DataSpec::for_path("a.csv"));
    assert_eq!(s.cost_suffix, "|total_cost");
    assert_eq!(s.columns.correct, "correct");
    let e = toml::from_str::<DataSpec>("path = \"a.csv\"\ncolums = {}").unwrap_err().to_string();
    assert!(e.contains("unknown field `colums`"), "{e}");
    let e = toml::from_str::<DataSpec>("path = [{ file = \"a.csv\", splt = \"x\" }]").unwrap_err().to_string();
    assert!(e.contains("unknown field `splt`"), "{e}");
    let e = toml::from_str::<DataSpec>("path = 3").unwrap_err().to_string();
    assert!(e.contains("a path or a list of paths"), "{e}");
    let f: FeaturesSpec = toml::from_str("path = \"e.parquet\"").unwrap();
    assert_eq!(f, FeaturesSpec::new("e.parquet", FeatureKind::Embeddings));
    // Round trip through TOML.
    let s = spec(
        r#"path = ["a.csv", { file = "b.csv", split = "test" }]
           layout = "wide"
           missing-confidence = "drop-query"
           columns = { query-id = "row_id" }"#,
    );
    let again: DataSpec = toml::from_str(&toml::to_string(&s).unwrap()).unwrap();
    assert_eq!(again, s);
    let e = load(&DataSpec { path: None, ..s.clone() }, &LoadContext::default()).unwrap_err().to_string();
    assert!(e.contains("needs `path`") && e.contains("`synthetic`"), "{e}");
    let e = load(&spec("path = []"), &LoadContext::default()).unwrap_err().to_string();
    assert_eq!(e, "[data] path is an empty list");
}

#[test]
fn the_schema_documents_every_field() {
    let schema = serde_json::to_value(schemars::schema_for!(DataSpec)).unwrap();
    let mut undocumented = Vec::new();
    let mut check = |owner: &str, props: &serde_json::Map<String, serde_json::Value>| {
        for (k, v) in props {
            if v.get("description").and_then(|d| d.as_str()).is_none_or(str::is_empty) {
                undocumented.push(format!("{owner}.{k}"));
            }
        }
    };
    check("DataSpec", schema["properties"].as_object().unwrap());
    for (name, def) in schema["$defs"].as_object().unwrap() {
        if let Some(props) = def.get("properties").and_then(|p| p.as_object()) {
            check(name, props);
        }
    }
    assert!(undocumented.is_empty(), "fields without a doc comment: {undocumented:?}");
    let props = schema["properties"].as_object().unwrap();
    for key in [
        "path",
        "synthetic",
        "format",
        "layout",
        "columns",
        "cost-suffix",
        "confidence",
        "missing-confidence",
        "cost",
        "prices",
        "features",
    ] {
        assert!(props.contains_key(key), "no `{key}` in the schema");
    }
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("query_id".to_string()),
        Just("model".to_string()),
        Just("correct".to_string()),
        Just("confidence".to_string()),
        Just("cost".to_string()),
        Just("a|total_cost".to_string()),
        Just("a".to_string()),
        Just("sample_id".to_string()),
        Just(",".to_string()),
        Just("\n".to_string()),
        Just("\"".to_string()),
        Just("-inf".to_string()),
        Just("NaN".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(":".to_string()),
        Just("[".to_string()),
        Just("null".to_string()),
        "[0-9.e-]{1,6}",
        "\\PC{0,3}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn no_input_makes_the_readers_panic(
        text in arbitrary_text(),
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        ext in prop_oneof![Just("csv"), Just("jsonl"), Just("csv.gz"), Just("parquet"), Just("bin")],
        gzip in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let name = format!("f.{ext}");
        let p = if gzip { write_gz(dir.path(), &name, &text) } else { write(dir.path(), &name, &text) };
        let _ = load_path(&p);
        let mut s = DataSpec::for_path(&p);
        s.missing_confidence = MissingConfidence::DropQuery;
        s.features = Some(FeaturesSpec::new(p.display().to_string(), FeatureKind::Text));
        let _ = load(&s, &LoadContext::default());
        let q = dir.path().join(format!("g.{ext}"));
        let mut raw = if ext == "parquet" { b"PAR1".to_vec() } else { Vec::new() };
        raw.extend(&bytes);
        if ext == "parquet" { raw.extend(b"PAR1"); }
        std::fs::write(&q, &raw).unwrap();
        let _ = load_path(&q);
    }

    #[test]
    fn any_valid_long_table_loads_exactly(
        cells in prop::collection::vec((0u8..=4, -1000i32..1000, 0u32..1000), 1..40),
        models in 1usize..4,
    ) {
        // One record per (query, model), model-major, queries in descending order: the
        // reader must number queries by first appearance (q{n-1} first) and put each
        // value in its place.
        let queries = cells.len().div_ceil(models);
        let mut text = String::from("model,cost,query_id,confidence,correct\n");
        let mut want = vec![vec![(0.0, 0.0, 0.0); queries]; models];
        for (m, want_m) in want.iter_mut().enumerate() {
            for q in (0..queries).rev() {
                let (k, c, cost) = cells[(q * models + m) % cells.len()];
                let quality = f64::from(k) / 4.0;
                let conf = if c == -1000 { f64::NEG_INFINITY } else { f64::from(c) / 7.0 };
                let cost = f64::from(cost) / 1000.0;
                text.push_str(&format!("m{m},{cost},q{q},{conf},{quality}\n"));
                want_m[queries - 1 - q] = (quality, conf, cost);
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let l = load_path(&write(dir.path(), "t.csv", &text)).unwrap();
        let ids: Vec<String> = (0..queries).rev().map(|q| format!("q{q}")).collect();
        prop_assert_eq!(&l.dataset.query_ids, &ids);
        prop_assert_eq!(l.dataset.n_models(), models);
        for (col, want_m) in l.dataset.models.iter().zip(&want) {
            let got: Vec<(f64, f64, f64)> = (0..queries)
                .map(|p| (col.quality[p], col.confidence.as_ref().unwrap()[p], col.cost[p]))
                .collect();
            prop_assert_eq!(&got, want_m);
        }
    }
}

#[test]
fn synthetic_data_comes_from_the_generator_and_excludes_path() {
    let s = spec("synthetic = { queries = 40, seed = 3 }");
    let synthetic = s.synthetic.clone().unwrap();
    let want = cascadelab_synthetic::generate(&synthetic).unwrap();
    let l = load(&s, &LoadContext::default()).unwrap();
    assert_eq!(l.dataset, want);
    assert!(l.files.is_empty());
    // [[models]] select and order the generated models too.
    let names = want.model_names();
    let last = names.last().unwrap().to_string();
    let keep = [ModelSpec::named(last.as_str())];
    let l = load(&s, &LoadContext { models: &keep, ..LoadContext::default() }).unwrap();
    assert_eq!(l.dataset.model_names(), [last.as_str()]);
    let keep = [ModelSpec::named("no-such-model")];
    let e = load(&s, &LoadContext { models: &keep, ..LoadContext::default() }).unwrap_err().to_string();
    assert!(e.starts_with("[[models]] `no-such-model` not in the synthetic data; it has models: "), "{e}");
    let both = spec("path = \"a.csv\"\nsynthetic = {}");
    let e = load(&both, &LoadContext::default()).unwrap_err().to_string();
    assert!(e.contains("`path` and `synthetic` exclude each other"), "{e}");
}
