//! The long and wide layouts: records in, validated [`Dataset`] out.
//!
//! Reading is one pass over every file: each record goes into dense per-model
//! columns indexed by query position (queries numbered in first-appearance order),
//! and the position it came from is kept per cell so that duplicates, missing
//! models and missing confidences are reported with file and line. Checks that need
//! every record (completeness, the models to keep, dropped queries) run once at the
//! end. Time and memory are linear in the number of records.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use cascadelab_core::{Dataset, ModelColumns};

use crate::error::{DataError, excerpt, name_list};
use crate::source::{Cell, Source, special_float};
use crate::spec::{
    ConfidenceRule, CostRule, DataSpec, LabelledPath, Layout, MissingConfidence, MissingQuality, ModelSpec, Prices,
};

/// Where a cell came from: file index and line (or Parquet row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Origin {
    file: u32,
    pos: u64,
}

const NO_ORIGIN: Origin = Origin { file: u32::MAX, pos: 0 };
const NO_SPLIT: u32 = u32::MAX;

/// One model's columns while reading, indexed by query position.
struct ModelAcc {
    name: String,
    quality: Vec<f64>,
    confidence: Vec<f64>,
    cost: Vec<f64>,
    origin: Vec<Origin>,
    prices: Option<Prices>,
    /// Whether the experiment keeps this model (all are kept without `[[models]]`).
    kept: bool,
}

/// Which value of a record is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Quality,
    Confidence,
}

/// A quality or confidence that was empty, null, absent or (confidence) NaN.
struct Missing {
    query: u32,
    model: u32,
    origin: Origin,
    field: Field,
    what: &'static str,
}

/// The files' records, accumulated.
pub(crate) struct Reader<'a> {
    spec: &'a DataSpec,
    keep: &'a [ModelSpec],
    files: Vec<PathBuf>,
    file_words: Vec<(&'static str, &'static str)>,
    file_has_split: Vec<bool>,
    layout: Option<Layout>,
    confidence: Option<bool>,
    query_ids: Vec<String>,
    query_index: HashMap<String, u32>,
    query_origin: Vec<Origin>,
    query_split: Vec<u32>,
    split_names: Vec<String>,
    split_index: HashMap<String, u32>,
    models: Vec<ModelAcc>,
    model_index: HashMap<String, u32>,
    missing: Vec<Missing>,
    notes: Vec<String>,
}

/// The outcome of reading: the dataset and notes for the user.
pub(crate) struct Assembled {
    pub(crate) dataset: Dataset,
    pub(crate) notes: Vec<String>,
}

// Slots of the long layout.
const ID: usize = 0;
const MODEL: usize = 1;
const CORRECT: usize = 2;
const CONFIDENCE: usize = 3;
const COST: usize = 4;
const SPLIT: usize = 5;
const TOKENS_IN: usize = 6;
const TOKENS_OUT: usize = 7;

impl<'a> Reader<'a> {
    pub(crate) fn new(spec: &'a DataSpec, keep: &'a [ModelSpec]) -> Self {
        Self {
            spec,
            keep,
            files: Vec::new(),
            file_words: Vec::new(),
            file_has_split: Vec::new(),
            layout: match spec.layout {
                Layout::Auto => None,
                l => Some(l),
            },
            confidence: match spec.confidence {
                ConfidenceRule::Auto => None,
                ConfidenceRule::Column => Some(true),
                ConfidenceRule::None => Some(false),
            },
            query_ids: Vec::new(),
            query_index: HashMap::new(),
            query_origin: Vec::new(),
            query_split: Vec::new(),
            split_names: Vec::new(),
            split_index: HashMap::new(),
            models: Vec::new(),
            model_index: HashMap::new(),
            missing: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn query_id_column(&self, layout: Layout) -> &str {
        match (&self.spec.columns.query_id, layout) {
            (Some(c), _) => c,
            (None, Layout::Wide) => "sample_id",
            (None, _) => "query_id",
        }
    }

    /// Reads every record of one file.
    pub(crate) fn read_file(&mut self, mut src: Source, entry: &LabelledPath) -> Result<(), DataError> {
        let layout = match self.layout {
            Some(l) => l,
            None => {
                let l = self.detect_layout(&src)?;
                self.layout = Some(l);
                l
            }
        };
        let file = u32::try_from(self.files.len()).map_err(|_| DataError::Spec("too many files".into()))?;
        self.files.push(src.path().to_path_buf());
        let word = src.column_word();
        self.file_words.push((if src.format() == crate::spec::Format::Parquet { "row" } else { "line" }, word));
        let records = match layout {
            Layout::Wide => self.read_wide(&mut src, file, entry)?,
            _ => self.read_long(&mut src, file, entry)?,
        };
        if records == 0 {
            let message = match src.format() {
                crate::spec::Format::Parquet => "no records (zero rows)",
                crate::spec::Format::Jsonl => "no records (no JSON object)",
                _ => "no records (only the header line)",
            };
            return Err(DataError::File { path: src.path().to_path_buf(), message: message.into() });
        }
        Ok(())
    }

    fn detect_layout(&self, src: &Source) -> Result<Layout, DataError> {
        let cols = &self.spec.columns;
        let id = self.spec.columns.query_id.as_deref().unwrap_or("query_id");
        if src.has_column(id) && src.has_column(&cols.model) {
            return Ok(Layout::Long);
        }
        let suffix = &self.spec.cost_suffix;
        if !suffix.is_empty() && src.columns().iter().any(|c| c.len() > suffix.len() && c.ends_with(suffix.as_str())) {
            return Ok(Layout::Wide);
        }
        Err(DataError::File {
            path: src.path().to_path_buf(),
            message: format!(
                "cannot tell the layout: no `{id}` and `{}` {w}s (long layout) and no {w} ending in `{suffix}` \
                 (wide layout); {}",
                cols.model,
                src.columns_found(),
                w = src.column_word(),
            ),
        })
    }

    fn intern_split(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.split_index.get(name) {
            return i;
        }
        let i = self.split_names.len() as u32;
        self.split_names.push(name.to_owned());
        self.split_index.insert(name.to_owned(), i);
        i
    }

    /// Position of query `id`, adding it if new.
    fn query(&mut self, id: &str, origin: Origin) -> u32 {
        if let Some(&q) = self.query_index.get(id) {
            return q;
        }
        let q = self.query_ids.len() as u32;
        self.query_ids.push(id.to_owned());
        self.query_index.insert(id.to_owned(), q);
        self.query_origin.push(origin);
        self.query_split.push(NO_SPLIT);
        q
    }

    /// Position of model `name`, adding it if new.
    fn model(&mut self, name: &str) -> u32 {
        if let Some(&m) = self.model_index.get(name) {
            return m;
        }
        let kept = self.keep.is_empty() || self.keep.iter().any(|k| k.name == name);
        let prices = self
            .keep
            .iter()
            .find(|k| k.name == name)
            .and_then(|k| k.prices)
            .or_else(|| self.spec.prices.get(name).copied());
        self.models.push(ModelAcc {
            name: name.to_owned(),
            quality: Vec::new(),
            confidence: Vec::new(),
            cost: Vec::new(),
            origin: Vec::new(),
            prices,
            kept,
        });
        let m = (self.models.len() - 1) as u32;
        self.model_index.insert(name.to_owned(), m);
        m
    }

    /// Sets the split of query `q`, checking that its records agree.
    fn set_split(&mut self, q: u32, split: u32, src: &Source, column: &str) -> Result<(), DataError> {
        let current = self.query_split[q as usize];
        if current == NO_SPLIT {
            self.query_split[q as usize] = split;
        } else if current != split {
            return Err(src.record_error(
                Some(column),
                format!(
                    "query `{}` has split `{}` here but `{}` at {}",
                    self.query_ids[q as usize],
                    self.split_names[split as usize],
                    self.split_names[current as usize],
                    self.describe_from(self.query_origin[q as usize], src),
                ),
            ));
        }
        Ok(())
    }

    /// "file line 7" for an origin.
    fn describe(&self, o: Origin) -> String {
        let (pos_word, _) = self.file_words[o.file as usize];
        format!("{} {pos_word} {}", self.files[o.file as usize].display(), o.pos)
    }

    /// "line 7" when `o` is in the file `src` is reading, else "file line 7".
    fn describe_from(&self, o: Origin, src: &Source) -> String {
        if self.files.last().is_some_and(|f| f == src.path()) && o.file as usize == self.files.len() - 1 {
            src.at_position(o.pos)
        } else {
            self.describe(o)
        }
    }

    /// "file lines 2 and 5", or both places in full when the files differ.
    fn describe_two(&self, a: Origin, b: Origin) -> String {
        if a.file == b.file {
            let (pos_word, _) = self.file_words[a.file as usize];
            format!("{} {pos_word}s {} and {}", self.files[a.file as usize].display(), a.pos, b.pos)
        } else {
            format!("{} and {}", self.describe(a), self.describe(b))
        }
    }

    fn insert(
        &mut self,
        q: u32,
        m: u32,
        quality: f64,
        confidence: f64,
        cost: f64,
        origin: Origin,
    ) -> Result<(), DataError> {
        let layout_wide = self.layout == Some(Layout::Wide);
        let model = &mut self.models[m as usize];
        let qi = q as usize;
        if model.origin.len() <= qi {
            let n = self.query_ids.len().max(qi + 1);
            model.quality.resize(n, f64::NAN);
            model.confidence.resize(n, f64::NAN);
            model.cost.resize(n, f64::NAN);
            model.origin.resize(n, NO_ORIGIN);
        }
        if model.origin[qi] != NO_ORIGIN {
            let first = model.origin[qi];
            let name = model.name.clone();
            let id = &self.query_ids[qi];
            let message = if layout_wide {
                format!(
                    "duplicate query id `{id}` (column `{}`): {}; the wide layout has one row per query, \
                     so choose a unique id column with `[data.columns] query-id` (RouterBench: `row_id`)",
                    self.query_id_column(Layout::Wide),
                    self.describe_two(first, origin),
                )
            } else {
                format!("duplicate record for query `{id}` and model `{name}`: {}", self.describe_two(first, origin))
            };
            return Err(DataError::Dataset(message));
        }
        model.quality[qi] = quality;
        model.confidence[qi] = confidence;
        model.cost[qi] = cost;
        model.origin[qi] = origin;
        Ok(())
    }

    fn read_long(&mut self, src: &mut Source, file: u32, entry: &LabelledPath) -> Result<usize, DataError> {
        let spec = self.spec;
        let cols = &spec.columns;
        let id_col = self.query_id_column(Layout::Long).to_owned();
        let cost_by_prices = spec.cost == CostRule::Prices;
        for (name, why) in [(id_col.as_str(), ""), (cols.model.as_str(), ""), (cols.correct.as_str(), "")] {
            if !src.has_column(name) {
                return Err(src.missing_column(name, why));
            }
        }
        if cost_by_prices {
            for name in [&cols.tokens_in, &cols.tokens_out] {
                if !src.has_column(name) {
                    return Err(src.missing_column(name, " (`cost = \"prices\"` computes cost from token counts)"));
                }
            }
        } else if !src.has_column(&cols.cost) {
            return Err(src.missing_column(
                &cols.cost,
                " (or set `cost = \"prices\"` to compute cost from token counts and prices)",
            ));
        }
        let use_conf = match self.confidence {
            Some(true) => {
                if !src.has_column(&cols.confidence) {
                    return Err(src.missing_column(&cols.confidence, " (`confidence = \"column\"` requires it)"));
                }
                true
            }
            Some(false) => false,
            None => {
                let has = src.has_column(&cols.confidence);
                if !has {
                    self.notes.push(format!(
                        "{} has no `{}` column: the data has no confidence (routers only; cascades need one)",
                        src.path().display(),
                        cols.confidence
                    ));
                }
                self.confidence = Some(has);
                has
            }
        };
        let label = entry.split.as_deref();
        let split_column = label.is_none() && src.has_column(&cols.split);
        self.file_has_split.push(label.is_some() || split_column);
        let label_index = label.map(|l| self.intern_split(l));
        src.select(&[
            &id_col,
            &cols.model,
            &cols.correct,
            &cols.confidence,
            &cols.cost,
            &cols.split,
            &cols.tokens_in,
            &cols.tokens_out,
        ])?;

        let mut records = 0usize;
        let mut last_query: Option<(String, u32)> = None;
        let mut last_model: Option<(String, u32)> = None;
        while src.advance()? {
            records += 1;
            let origin = Origin { file, pos: src.position() };
            let id = id_text(src.cell(ID), "query id").map_err(|m| src.record_error(Some(&id_col), m))?;
            let q = match &mut last_query {
                Some((text, q)) if text.as_str() == id => *q,
                _ => {
                    let q = self.query(&id, origin);
                    last_query = Some((id.into_owned(), q));
                    q
                }
            };
            let name = id_text(src.cell(MODEL), "model name").map_err(|m| src.record_error(Some(&cols.model), m))?;
            let m = match &last_model {
                Some((text, m)) if text.as_str() == name => *m,
                _ => {
                    let m = self.model(&name);
                    last_model = Some((name.into_owned(), m));
                    m
                }
            };
            let quality = match quality(src.cell(CORRECT)).map_err(|e| src.record_error(Some(&cols.correct), e))? {
                Ok(x) => x,
                Err(what) => {
                    self.missing.push(Missing { query: q, model: m, origin, field: Field::Quality, what });
                    f64::NAN
                }
            };
            let confidence = if use_conf {
                match number(src.cell(CONFIDENCE)) {
                    Ok(Some(c)) if !c.is_nan() => c,
                    Ok(c) => {
                        let what = if c.is_some() { "NaN" } else { missing_what(src.cell(CONFIDENCE)) };
                        self.missing.push(Missing { query: q, model: m, origin, field: Field::Confidence, what });
                        f64::NAN
                    }
                    Err(e) => return Err(src.record_error(Some(&cols.confidence), e)),
                }
            } else {
                f64::NAN
            };
            let cost = if cost_by_prices {
                let tin = tokens(src.cell(TOKENS_IN)).map_err(|e| src.record_error(Some(&cols.tokens_in), e))?;
                let tout = tokens(src.cell(TOKENS_OUT)).map_err(|e| src.record_error(Some(&cols.tokens_out), e))?;
                let model = &self.models[m as usize];
                match model.prices {
                    Some(p) => tin * p.input / 1e6 + tout * p.output / 1e6,
                    None if model.kept => {
                        return Err(DataError::Spec(format!(
                            "`cost = \"prices\"` needs prices for model `{}` (first record: {}): add \
                             `prices = {{ input = ..., output = ... }}` to its [[models]] entry or \
                             `\"{}\" = {{ input = ..., output = ... }}` under [data.prices] (dollars per million tokens)",
                            model.name,
                            self.describe(origin),
                            model.name
                        )));
                    }
                    None => f64::NAN,
                }
            } else {
                cost(src.cell(COST)).map_err(|e| src.record_error(Some(&cols.cost), e))?
            };
            if let Some(s) = label_index {
                self.set_split(q, s, src, "split")?;
            } else if split_column {
                let text = split_text(src.cell(SPLIT));
                let s = self.intern_split(&text);
                self.set_split(q, s, src, &cols.split)?;
            }
            self.insert(q, m, quality, confidence, cost, origin)?;
        }
        Ok(records)
    }

    fn read_wide(&mut self, src: &mut Source, file: u32, entry: &LabelledPath) -> Result<usize, DataError> {
        let spec = self.spec;
        let cols = &spec.columns;
        if spec.cost == CostRule::Prices {
            return Err(DataError::Spec(
                "`cost = \"prices\"` needs token counts, which the wide layout does not have: use `cost = \"column\"`"
                    .into(),
            ));
        }
        if self.confidence == Some(true) {
            return Err(DataError::Spec(
                "`confidence = \"column\"`: the wide layout has no confidence column (use `auto` or `none`)".into(),
            ));
        }
        self.confidence = Some(false);
        let id_col = self.query_id_column(Layout::Wide).to_owned();
        if !src.has_column(&id_col) {
            return Err(
                src.missing_column(&id_col, " (the query id of the wide layout; set `[data.columns] query-id`)")
            );
        }
        let suffix = spec.cost_suffix.as_str();
        let model_names: Vec<String> = src
            .columns()
            .iter()
            .filter(|c| !suffix.is_empty() && c.len() > suffix.len() && c.ends_with(suffix))
            .map(|c| c[..c.len() - suffix.len()].to_owned())
            .collect();
        if model_names.is_empty() {
            return Err(src.missing_column(&format!("<model>{suffix}"), " (no model cost columns)"));
        }
        for name in &model_names {
            if !src.has_column(name) {
                return Err(src.missing_column(
                    name,
                    &format!(" (the score of the model whose cost column is `{name}{suffix}`)"),
                ));
            }
        }
        let label = entry.split.as_deref();
        let split_column = label.is_none() && src.has_column(&cols.split);
        self.file_has_split.push(label.is_some() || split_column);
        let label_index = label.map(|l| self.intern_split(l));
        let cost_names: Vec<String> = model_names.iter().map(|n| format!("{n}{suffix}")).collect();
        let mut names: Vec<&str> = vec![&id_col, &cols.split];
        for (n, c) in model_names.iter().zip(&cost_names) {
            names.push(n);
            names.push(c);
        }
        src.select(&names)?;
        let models: Vec<u32> = model_names.iter().map(|n| self.model(n)).collect();

        let mut records = 0usize;
        while src.advance()? {
            records += 1;
            let origin = Origin { file, pos: src.position() };
            let id = id_text(src.cell(0), "query id").map_err(|m| src.record_error(Some(&id_col), m))?.into_owned();
            let q = self.query(&id, origin);
            if let Some(s) = label_index {
                self.set_split(q, s, src, "split")?;
            } else if split_column {
                let text = split_text(src.cell(1));
                let s = self.intern_split(&text);
                self.set_split(q, s, src, &cols.split)?;
            }
            for (k, &m) in models.iter().enumerate() {
                let quality =
                    match quality(src.cell(2 + 2 * k)).map_err(|e| src.record_error(Some(&model_names[k]), e))? {
                        Ok(x) => x,
                        Err(what) => {
                            self.missing.push(Missing { query: q, model: m, origin, field: Field::Quality, what });
                            f64::NAN
                        }
                    };
                let cost = cost(src.cell(3 + 2 * k)).map_err(|e| src.record_error(Some(&cost_names[k]), e))?;
                self.insert(q, m, quality, f64::NAN, cost, origin)?;
            }
        }
        Ok(records)
    }

    /// Final checks and assembly.
    pub(crate) fn finish(mut self) -> Result<Assembled, DataError> {
        let files = self.files.iter().map(|f| format!("`{}`", f.display())).collect::<Vec<_>>().join(", ");
        // The models to keep, in [[models]] order or data order.
        let kept: Vec<usize> = if self.keep.is_empty() {
            (0..self.models.len()).collect()
        } else {
            let unknown: Vec<&str> =
                self.keep.iter().map(|k| k.name.as_str()).filter(|n| !self.model_index.contains_key(*n)).collect();
            if !unknown.is_empty() {
                let have: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
                return Err(DataError::Dataset(format!(
                    "[[models]] {} {} not in the data ({files}); the data has models: {}",
                    if unknown.len() == 1 { "name" } else { "names" },
                    name_list(&unknown, 20) + if unknown.len() == 1 { " is" } else { " are" },
                    name_list(&have, 50),
                )));
            }
            self.keep.iter().map(|k| self.model_index[&k.name] as usize).collect()
        };
        let n = self.query_ids.len();
        for &m in &kept {
            let model = &mut self.models[m];
            model.origin.resize(n, NO_ORIGIN);
        }

        // Every kept model answered every query.
        let mut lacking = 0usize;
        let mut first: Option<(usize, Vec<&str>)> = None;
        for q in 0..n {
            let missing: Vec<&str> = kept
                .iter()
                .filter(|&&m| self.models[m].origin[q] == NO_ORIGIN)
                .map(|&m| self.models[m].name.as_str())
                .collect();
            if !missing.is_empty() {
                lacking += 1;
                if first.is_none() {
                    first = Some((q, missing));
                }
            }
        }
        if let Some((q, missing)) = first {
            let o = self.query_origin[q];
            let others = match lacking - 1 {
                0 => String::new(),
                1 => "; 1 other query lacks models too".into(),
                k => format!("; {k} other queries lack models too"),
            };
            return Err(DataError::Dataset(format!(
                "query `{}` (first record: {}) has no record for model{} {}{others}; every model must answer \
                 every query",
                self.query_ids[q],
                self.describe(o),
                if missing.len() == 1 { "" } else { "s" },
                name_list(&missing, 20),
            )));
        }

        if self.file_has_split.iter().any(|&s| s)
            && let Some(f) = self.file_has_split.iter().position(|&s| !s)
        {
            {
                let with = self.file_has_split.iter().position(|&s| s).unwrap_or(0);
                return Err(DataError::Dataset(format!(
                    "`{}` has no split label and no `{}` column, but `{}` has a split: label every file \
                     (`{{ file = \"...\", split = \"test\" }}`) or none",
                    self.files[f].display(),
                    self.spec.columns.split,
                    self.files[with].display(),
                )));
            }
        }

        // Missing qualities and confidences of kept models: an error, zero, or drop the query.
        let has_conf = self.confidence == Some(true);
        let kept_set: HashSet<u32> = kept.iter().map(|&m| m as u32).collect();
        let relevant: Vec<&Missing> = self
            .missing
            .iter()
            .filter(|c| kept_set.contains(&c.model) && (c.field == Field::Quality || has_conf))
            .collect();
        let is_error = |c: &Missing| match c.field {
            Field::Quality => self.spec.missing_quality == MissingQuality::Error,
            Field::Confidence => self.spec.missing_confidence == MissingConfidence::Error,
        };
        if let Some(c) = relevant.iter().find(|c| is_error(c)) {
            let (pos_word, col_word) = self.file_words[c.origin.file as usize];
            let model = &self.models[c.model as usize].name;
            let (column, message) = match c.field {
                Field::Quality => (
                    if self.layout == Some(Layout::Wide) { model.as_str() } else { self.spec.columns.correct.as_str() },
                    format!(
                        "quality of model `{model}` on query `{}` is {}; set `missing-quality = \"zero\"` (read \
                         as 0) or `\"drop-query\"` in [data] to accept such records",
                        self.query_ids[c.query as usize], c.what
                    ),
                ),
                Field::Confidence => (
                    self.spec.columns.confidence.as_str(),
                    format!(
                        "confidence of model `{model}` on query `{}` is {}; write `-inf` for the lowest \
                         confidence, or set `missing-confidence = \"drop-query\"` in [data] to drop such queries",
                        self.query_ids[c.query as usize], c.what
                    ),
                ),
            };
            return Err(DataError::Record {
                path: self.files[c.origin.file as usize].clone(),
                at: format!("{pos_word} {}, {col_word} `{column}`", c.origin.pos),
                message,
            });
        }
        let mut drop = vec![false; n];
        for (field, reason) in
            [(Field::Quality, "quality is missing"), (Field::Confidence, "confidence is missing or NaN")]
        {
            let mut count = 0usize;
            let mut first = None;
            let mut zeroed = 0usize;
            for c in relevant.iter().filter(|c| c.field == field) {
                if field == Field::Quality && self.spec.missing_quality == MissingQuality::Zero {
                    self.models[c.model as usize].quality[c.query as usize] = 0.0;
                    zeroed += 1;
                } else if !drop[c.query as usize] {
                    drop[c.query as usize] = true;
                    count += 1;
                    first = Some(first.map_or(c.query, |f: u32| f.min(c.query)));
                }
            }
            if zeroed > 0 {
                self.notes.push(format!("read {zeroed} missing quality values as 0 (`missing-quality = \"zero\"`)"));
            }
            if let Some(f) = first {
                self.notes.push(format!(
                    "dropped {count} of {n} queries whose {reason} for some model (first: `{}`)",
                    self.query_ids[f as usize]
                ));
            }
        }
        let dropped = drop.iter().filter(|d| **d).count();
        let keep_q: Vec<usize> = (0..n).filter(|&q| !drop[q]).collect();
        if keep_q.is_empty() {
            return Err(DataError::Dataset(format!(
                "no queries left in {files}: all {n} were dropped for a missing quality or confidence"
            )));
        }

        let source_split = if self.file_has_split.iter().any(|&s| s) {
            Some(keep_q.iter().map(|&q| self.split_names[self.query_split[q] as usize].clone()).collect())
        } else {
            None
        };
        let pick = |v: &[f64]| keep_q.iter().map(|&q| v[q]).collect::<Vec<f64>>();
        let models: Vec<ModelColumns> = kept
            .iter()
            .map(|&m| {
                let a = &self.models[m];
                ModelColumns {
                    name: a.name.clone(),
                    quality: pick(&a.quality),
                    confidence: has_conf.then(|| pick(&a.confidence)),
                    cost: pick(&a.cost),
                }
            })
            .collect();
        let query_ids = if dropped == 0 {
            std::mem::take(&mut self.query_ids)
        } else {
            keep_q.iter().map(|&q| self.query_ids[q].clone()).collect()
        };
        let dataset = Dataset::new(query_ids, source_split, models, None)
            .map_err(|e| DataError::Dataset(format!("{files}: {e}")))?;
        Ok(Assembled { dataset, notes: self.notes })
    }
}

/// A query id or model name (`what`, for messages): a non-empty string, or an
/// integer written in decimal.
pub(crate) fn id_text<'a>(cell: Cell<'a>, what: &str) -> Result<Cow<'a, str>, String> {
    match cell {
        Cell::Text(b) => match std::str::from_utf8(b) {
            Ok("") => Err(format!("empty {what}")),
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(_) => Err(format!("{what} is not valid UTF-8")),
        },
        Cell::Str("") => Err(format!("empty {what}")),
        Cell::Str(s) => Ok(Cow::Borrowed(s)),
        Cell::Int(i) => Ok(Cow::Owned(i.to_string())),
        Cell::Absent | Cell::Null => Err(format!("missing {what}")),
        other => Err(format!("expected a string or an integer {what}, found {}", other.type_name())),
    }
}

/// A split label: text, or empty when missing.
fn split_text(cell: Cell<'_>) -> Cow<'_, str> {
    id_text(cell, "split").unwrap_or(Cow::Borrowed(""))
}

/// A number; `None` when empty, null or absent. `inf`, `-inf`, `Infinity`, `nan`
/// (any case) are read as floats.
pub(crate) fn number(cell: Cell<'_>) -> Result<Option<f64>, String> {
    let text = match cell {
        Cell::Absent | Cell::Null => return Ok(None),
        Cell::Int(i) => return Ok(Some(i as f64)),
        Cell::Float(x) => return Ok(Some(x)),
        Cell::Text(b) => match std::str::from_utf8(b) {
            Ok(s) => s,
            Err(_) => return Err("cannot parse a value that is not valid UTF-8 as a number".into()),
        },
        Cell::Str(s) => s,
        other => return Err(format!("expected a number, found {}", other.type_name())),
    };
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(x) => Ok(Some(x)),
        Err(_) => special_float(t).map(Some).ok_or_else(|| format!("cannot parse `{}` as a number", excerpt(t))),
    }
}

fn required(cell: Cell<'_>) -> Result<f64, String> {
    match number(cell)? {
        Some(x) => Ok(x),
        None => Err(format!("missing value ({})", missing_what(cell))),
    }
}

/// Quality in [0, 1]; booleans (and the text `true`/`false`) are 1 and 0. `Ok(Err(what))`
/// when the value is missing (empty, null or absent).
fn quality(cell: Cell<'_>) -> Result<Result<f64, &'static str>, String> {
    let q = match cell {
        Cell::Bool(b) => f64::from(u8::from(b)),
        Cell::Text(b) if b.eq_ignore_ascii_case(b"true") => 1.0,
        Cell::Text(b) if b.eq_ignore_ascii_case(b"false") => 0.0,
        _ => match number(cell)? {
            Some(x) => x,
            None => return Ok(Err(missing_what(cell))),
        },
    };
    if (0.0..=1.0).contains(&q) { Ok(Ok(q)) } else { Err(format!("quality {q} is outside [0, 1]")) }
}

fn missing_what(cell: Cell<'_>) -> &'static str {
    match cell {
        Cell::Null => "null",
        Cell::Absent => "missing (no such field)",
        _ => "empty",
    }
}

/// Cost in dollars: finite and non-negative.
fn cost(cell: Cell<'_>) -> Result<f64, String> {
    let c = required(cell)?;
    if !c.is_finite() {
        Err(format!("cost {c} is not finite"))
    } else if c < 0.0 {
        Err(format!("cost {c} is negative"))
    } else {
        Ok(c)
    }
}

/// A token count: finite and non-negative.
fn tokens(cell: Cell<'_>) -> Result<f64, String> {
    let t = required(cell)?;
    if t.is_finite() && t >= 0.0 { Ok(t) } else { Err(format!("token count {t} is not a finite non-negative number")) }
}
