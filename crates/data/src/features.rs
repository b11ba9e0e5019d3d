//! Query features for routers, joined to the evaluation data by query id:
//! precomputed embeddings (Parquet or JSONL list column, or CSV with one column per
//! dimension) or hashed TF-IDF of query text ([`crate::text`]).

use std::collections::HashMap;

use cascadelab_core::Features;

use crate::LoadContext;
use crate::error::{DataError, name_list};
use crate::paths;
use crate::records::{id_text, number};
use crate::source::{Cell, Source};
use crate::spec::{FeatureKind, FeaturesSpec, Format};
use crate::text::TextFeaturizer;

/// What joining produced: the features, the file read and notes.
pub(crate) struct Joined {
    pub(crate) features: Features,
    pub(crate) file: std::path::PathBuf,
    pub(crate) notes: Vec<String>,
}

/// The featurizer a `[data.features]` section describes.
pub(crate) fn featurizer(spec: &FeaturesSpec) -> TextFeaturizer {
    TextFeaturizer {
        dim: spec.dim,
        sublinear_tf: spec.sublinear_tf,
        word_ngrams: spec.word_ngrams,
        char_ngrams: spec.char_ngrams,
    }
}

/// Reads the features of `query_ids` (one row each, in that order).
pub(crate) fn join(spec: &FeaturesSpec, ctx: &LoadContext<'_>, query_ids: &[String]) -> Result<Joined, DataError> {
    if spec.kind == FeatureKind::Text {
        featurizer(spec).check().map_err(|m| DataError::Spec(format!("[data.features] {m}")))?;
    }
    let resolved = paths::resolve(&spec.path, "[data.features] path", ctx)?;
    let mut src = Source::open(&resolved.path, spec.format)?;
    let file_name = resolved.path.file_name().map_or_else(|| spec.path.clone(), |n| n.to_string_lossy().into_owned());
    if !src.has_column(&spec.id_column) {
        return Err(src.missing_column(&spec.id_column, " (the query id of the features; set `id-column`)"));
    }
    let position: HashMap<&str, usize> = query_ids.iter().enumerate().map(|(i, q)| (q.as_str(), i)).collect();
    let mut seen: Vec<u64> = vec![u64::MAX; query_ids.len()];
    let mut extra = 0usize;
    let (features, kind_note) = match spec.kind {
        FeatureKind::Text => {
            let column = spec.column.clone().unwrap_or_else(|| "text".into());
            if !src.has_column(&column) {
                return Err(src.missing_column(&column, " (the query text; set `column`)"));
            }
            src.select(&[&spec.id_column, &column])?;
            let mut texts = vec![String::new(); query_ids.len()];
            while src.advance()? {
                let Some(q) = row_query(&src, spec, &position, &mut seen)? else {
                    extra += 1;
                    continue;
                };
                texts[q] = match src.cell(1) {
                    Cell::Text(b) => String::from_utf8_lossy(b).into_owned(),
                    Cell::Str(s) => s.to_owned(),
                    Cell::Absent | Cell::Null => return Err(src.record_error(Some(&column), "missing text".into())),
                    other => {
                        return Err(
                            src.record_error(Some(&column), format!("expected text, found {}", other.type_name()))
                        );
                    }
                };
            }
            check_all_found(&src, &seen, query_ids)?;
            let f = featurizer(spec);
            let values = f.featurize(&texts);
            let source = format!(
                "hashed tf-idf of `{column}` in {file_name} (dim {}, word {:?}, char {:?}{})",
                f.dim,
                f.word_ngrams,
                f.char_ngrams,
                if f.sublinear_tf { ", sublinear tf" } else { "" }
            );
            (Features { source, dim: f.dim, values }, format!("{}-d hashed tf-idf features", f.dim))
        }
        FeatureKind::Embeddings => {
            let features = match src.format() {
                Format::Csv | Format::Tsv => read_csv_embeddings(&mut src, spec, &position, &mut seen, &mut extra)?,
                _ => read_list_embeddings(&mut src, spec, &position, &mut seen, &mut extra)?,
            };
            check_all_found(&src, &seen, query_ids)?;
            let dim = features.len() / query_ids.len().max(1);
            (Features { source: file_name.clone(), dim, values: features }, format!("{dim}-d embeddings"))
        }
    };
    let mut notes = Vec::new();
    if extra > 0 {
        notes.push(format!("{kind_note} from {file_name}: ignored {extra} rows of queries not in the data"));
    }
    Ok(Joined { features, file: resolved.path, notes })
}

/// The query position of the current row, or `None` for a query not in the data;
/// a second row for the same query is an error.
fn row_query(
    src: &Source,
    spec: &FeaturesSpec,
    position: &HashMap<&str, usize>,
    seen: &mut [u64],
) -> Result<Option<usize>, DataError> {
    let id = id_text(src.cell(0), "query id").map_err(|m| src.record_error(Some(&spec.id_column), m))?;
    let Some(&q) = position.get(id.as_ref()) else {
        return Ok(None);
    };
    if seen[q] != u64::MAX {
        return Err(src.record_error(
            Some(&spec.id_column),
            format!("second feature row for query `{id}` (the first is at {})", src.at_position(seen[q])),
        ));
    }
    seen[q] = src.position();
    Ok(Some(q))
}

fn check_all_found(src: &Source, seen: &[u64], query_ids: &[String]) -> Result<(), DataError> {
    let missing: Vec<&str> =
        seen.iter().zip(query_ids).filter(|(s, _)| **s == u64::MAX).map(|(_, q)| q.as_str()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(DataError::Dataset(format!(
        "{}: no features for {} of {} queries (first: {}); every query of the data needs a feature row",
        src.path().display(),
        missing.len(),
        query_ids.len(),
        name_list(&missing, 5),
    )))
}

/// Stores one row, checking its length against the first row's.
fn store(
    src: &Source,
    column: Option<&str>,
    q: usize,
    row: &[f32],
    dim: &mut Option<(usize, u64)>,
    rows: &mut Vec<f32>,
    n_queries: usize,
) -> Result<(), DataError> {
    match *dim {
        None => {
            if row.is_empty() {
                return Err(src.record_error(column, "empty feature vector".into()));
            }
            *dim = Some((row.len(), src.position()));
            rows.resize(n_queries * row.len(), 0.0);
        }
        Some((d, first)) if d != row.len() => {
            return Err(src.record_error(
                column,
                format!(
                    "{} values, but the row at {} has {d}; every feature row needs the same length",
                    row.len(),
                    src.at_position(first)
                ),
            ));
        }
        Some(_) => {}
    }
    let d = row.len();
    rows[q * d..(q + 1) * d].copy_from_slice(row);
    Ok(())
}

fn finite(src: &Source, column: &str, x: f64, i: usize) -> Result<f32, DataError> {
    if x.is_finite() {
        Ok(x as f32)
    } else {
        Err(src.record_error(Some(column), format!("element {i} is {x}; features must be finite")))
    }
}

fn read_list_embeddings(
    src: &mut Source,
    spec: &FeaturesSpec,
    position: &HashMap<&str, usize>,
    seen: &mut [u64],
    extra: &mut usize,
) -> Result<Vec<f32>, DataError> {
    let column = match &spec.column {
        Some(c) => c.clone(),
        None if src.has_column("embedding") => "embedding".into(),
        None => {
            let others: Vec<&String> = src.columns().iter().filter(|c| **c != spec.id_column).collect();
            match others.as_slice() {
                [only] => (*only).clone(),
                _ => return Err(src.missing_column("embedding", " (the embedding vectors; set `column`)")),
            }
        }
    };
    if !src.has_column(&column) {
        return Err(src.missing_column(&column, " (the embedding vectors; set `column`)"));
    }
    src.select(&[&spec.id_column, &column])?;
    let n = position.len();
    let mut rows = Vec::new();
    let mut dim = None;
    let mut row: Vec<f32> = Vec::new();
    while src.advance()? {
        let Some(q) = row_query(src, spec, position, seen)? else {
            *extra += 1;
            continue;
        };
        row.clear();
        match src.cell(1) {
            Cell::List(list) => {
                for i in 0..list.len() {
                    let x = list
                        .number(i)
                        .map_err(|what| src.record_error(Some(&column), format!("element {i} is {what}")))?;
                    row.push(finite(src, &column, x, i)?);
                }
            }
            Cell::Absent | Cell::Null => return Err(src.record_error(Some(&column), "missing feature vector".into())),
            other => {
                return Err(
                    src.record_error(Some(&column), format!("expected a list of numbers, found {}", other.type_name()))
                );
            }
        }
        store(src, Some(&column), q, &row, &mut dim, &mut rows, n)?;
    }
    Ok(rows)
}

fn read_csv_embeddings(
    src: &mut Source,
    spec: &FeaturesSpec,
    position: &HashMap<&str, usize>,
    seen: &mut [u64],
    extra: &mut usize,
) -> Result<Vec<f32>, DataError> {
    if spec.column.is_some() {
        return Err(DataError::Spec(
            "[data.features] `column` names a list column; CSV embeddings have one column per dimension \
             (select them with `dim-prefix`)"
                .into(),
        ));
    }
    let dims: Vec<String> = src
        .columns()
        .iter()
        .filter(|c| **c != spec.id_column && spec.dim_prefix.as_ref().is_none_or(|p| c.starts_with(p.as_str())))
        .cloned()
        .collect();
    if dims.is_empty() {
        return Err(DataError::File {
            path: src.path().to_path_buf(),
            message: format!(
                "no dimension columns{}; {}",
                match &spec.dim_prefix {
                    Some(p) => format!(" starting with `{p}`"),
                    None => String::new(),
                },
                src.columns_found()
            ),
        });
    }
    let mut names: Vec<&str> = vec![&spec.id_column];
    names.extend(dims.iter().map(String::as_str));
    src.select(&names)?;
    let n = position.len();
    let mut rows = Vec::new();
    let mut dim = None;
    let mut row: Vec<f32> = Vec::with_capacity(dims.len());
    while src.advance()? {
        let Some(q) = row_query(src, spec, position, seen)? else {
            *extra += 1;
            continue;
        };
        row.clear();
        for (i, c) in dims.iter().enumerate() {
            let x = number(src.cell(i + 1))
                .map_err(|m| src.record_error(Some(c), m))?
                .ok_or_else(|| src.record_error(Some(c), "missing value (empty)".into()))?;
            row.push(finite(src, c, x, i)?);
        }
        store(src, None, q, &row, &mut dim, &mut rows, n)?;
    }
    Ok(rows)
}
