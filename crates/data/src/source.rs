//! Record sources: one streaming interface over CSV/TSV (plain or gzip), JSONL (plain
//! or gzip) and Parquet, so that the layouts and the feature readers are written once.
//!
//! A [`Source`] is opened, told which columns (by name) it should deliver
//! ([`Source::select`]), then advanced record by record; [`Source::cell`] borrows a
//! selected value of the current record without copying (CSV cells are the raw bytes
//! of a reused `ByteRecord`), which keeps a 10^6-row CSV at a few allocations per
//! record.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use parquet::record::{Field, Row};
use parquet::schema::types::Type;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::DataError;
use crate::spec::Format;

/// One value of the current record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// The column is not in the file, or the JSON field is not in this object.
    Absent,
    /// JSON `null` or a Parquet null.
    Null,
    /// Untyped text (CSV).
    Text(&'a [u8]),
    /// A typed string (JSON, Parquet).
    Str(&'a str),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A list (JSON array, Parquet list).
    List(ListRef<'a>),
    /// Some other type, by name.
    Other(&'static str),
}

/// A borrowed list value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ListRef<'a> {
    /// JSON array elements; `None` for an element that is not a number.
    Json(&'a [Option<f64>]),
    /// Parquet list elements.
    Parquet(&'a [Field]),
}

impl ListRef<'_> {
    pub(crate) fn len(&self) -> usize {
        match self {
            ListRef::Json(v) => v.len(),
            ListRef::Parquet(v) => v.len(),
        }
    }

    /// Element `i` as a number, or the name of what it is instead.
    pub(crate) fn number(&self, i: usize) -> Result<f64, &'static str> {
        match self {
            ListRef::Json(v) => v[i].ok_or("a value that is not a number"),
            ListRef::Parquet(v) => match &v[i] {
                Field::Float(x) => Ok(f64::from(*x)),
                Field::Double(x) => Ok(*x),
                Field::Float16(x) => Ok(f64::from(*x)),
                Field::Byte(x) => Ok(f64::from(*x)),
                Field::Short(x) => Ok(f64::from(*x)),
                Field::Int(x) => Ok(f64::from(*x)),
                Field::Long(x) => Ok(*x as f64),
                Field::Null => Err("null"),
                _ => Err("a value that is not a number"),
            },
        }
    }
}

impl Cell<'_> {
    /// What kind of value this is, for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Cell::Absent => "nothing",
            Cell::Null => "null",
            Cell::Text(_) | Cell::Str(_) => "a string",
            Cell::Int(_) | Cell::Float(_) => "a number",
            Cell::Bool(_) => "a boolean",
            Cell::List(_) => "a list",
            Cell::Other(t) => t,
        }
    }
}

/// A record file being read.
pub(crate) struct Source {
    path: PathBuf,
    format: Format,
    columns: Vec<String>,
    inner: Inner,
}

enum Inner {
    Csv(CsvInner),
    Jsonl(JsonlInner),
    Parquet(ParquetInner),
}

impl Source {
    /// Opens `path` (which must exist) in `format` (`Auto` detects it).
    pub(crate) fn open(path: &Path, format: Format) -> Result<Self, DataError> {
        let file_err = |message: String| DataError::File { path: path.to_path_buf(), message };
        let file = File::open(path).map_err(|e| file_err(format!("cannot open: {e}")))?;
        let mut raw = BufReader::with_capacity(1 << 16, file);
        let head = raw.fill_buf().map_err(|e| file_err(format!("cannot read: {e}")))?;
        let gzip = head.starts_with(&[0x1f, 0x8b]);
        let parquet_magic = head.starts_with(b"PAR1");
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        let (stem, gz_ext) = match name.strip_suffix(".gz") {
            Some(s) => (s.to_owned(), true),
            None => (name.clone(), false),
        };
        if gz_ext && !gzip {
            return Err(file_err("has a `.gz` extension but is not gzip data".into()));
        }
        let mut stream: Box<dyn BufRead> = if gzip {
            Box::new(BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(raw)))
        } else {
            Box::new(raw)
        };
        let format = match format {
            Format::Auto => match extension_format(&stem) {
                Some(f) => f,
                None if parquet_magic => Format::Parquet,
                None => {
                    let head = stream.fill_buf().map_err(|e| file_err(read_message(gzip, &e)))?;
                    match head.iter().find(|b| !b.is_ascii_whitespace()) {
                        Some(b'{') => Format::Jsonl,
                        _ => Format::Csv,
                    }
                }
            },
            f => f,
        };
        let inner = match format {
            Format::Csv | Format::Tsv | Format::Auto => {
                Inner::Csv(CsvInner::open(path, stream, if format == Format::Tsv { b'\t' } else { b',' }, gzip)?)
            }
            Format::Jsonl => Inner::Jsonl(JsonlInner::open(path, stream, gzip)?),
            Format::Parquet => {
                if gzip {
                    return Err(file_err(
                        "a Parquet file cannot be gzip-compressed (Parquet compresses its pages itself)".into(),
                    ));
                }
                drop(stream);
                Inner::Parquet(ParquetInner::open(path)?)
            }
        };
        let columns = match &inner {
            Inner::Csv(c) => c.header.clone(),
            Inner::Jsonl(j) => j.first_keys.clone(),
            Inner::Parquet(p) => p.columns.clone(),
        };
        Ok(Self { path: path.to_path_buf(), format, columns, inner })
    }

    /// The resolved path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The detected (or requested) format.
    pub(crate) fn format(&self) -> Format {
        self.format
    }

    /// Column names: the CSV header, the Parquet schema's top-level fields, or the keys
    /// of the first JSONL object (in order).
    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Whether the file has a column called `name` (for JSONL: the first object).
    pub(crate) fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c == name)
    }

    /// "column" or "field", as the format calls it.
    pub(crate) fn column_word(&self) -> &'static str {
        if self.format == Format::Jsonl { "field" } else { "column" }
    }

    /// The columns found, for "missing column" messages.
    pub(crate) fn columns_found(&self) -> String {
        let what = if self.format == Format::Jsonl { "fields of the first object" } else { "columns found" };
        if self.columns.is_empty() {
            format!("{what}: none")
        } else {
            format!("{what}: {}", crate::error::name_list(&self.columns, 30))
        }
    }

    /// Error for a column the file lacks.
    pub(crate) fn missing_column(&self, name: &str, why: &str) -> DataError {
        DataError::File {
            path: self.path.clone(),
            message: format!("no {} `{name}`{why}; {}", self.column_word(), self.columns_found()),
        }
    }

    /// Chooses the columns [`Source::cell`] delivers: slot `i` is `names[i]`.
    pub(crate) fn select(&mut self, names: &[&str]) -> Result<(), DataError> {
        let path = self.path.clone();
        match &mut self.inner {
            Inner::Csv(c) => {
                c.slots.clear();
                for name in names {
                    let mut found = c.header.iter().enumerate().filter(|(_, h)| h == name).map(|(i, _)| i);
                    let first = found.next();
                    if first.is_some() && found.next().is_some() {
                        return Err(DataError::File {
                            path,
                            message: format!("column `{name}` appears more than once in the header"),
                        });
                    }
                    c.slots.push(first);
                }
                Ok(())
            }
            Inner::Jsonl(j) => {
                j.slot_of = names.iter().enumerate().map(|(i, n)| ((*n).to_owned(), i)).collect();
                j.values = vec![JVal::Absent; names.len()];
                Ok(())
            }
            Inner::Parquet(p) => p.select(&path, names),
        }
    }

    /// Moves to the next record; `false` at the end.
    pub(crate) fn advance(&mut self) -> Result<bool, DataError> {
        match &mut self.inner {
            Inner::Csv(c) => c.advance(&self.path),
            Inner::Jsonl(j) => j.advance(&self.path),
            Inner::Parquet(p) => p.advance(&self.path),
        }
    }

    /// Selected value `slot` of the current record.
    pub(crate) fn cell(&self, slot: usize) -> Cell<'_> {
        match &self.inner {
            Inner::Csv(c) => match c.slots[slot] {
                Some(i) => Cell::Text(c.record.get(i).unwrap_or(b"")),
                None => Cell::Absent,
            },
            Inner::Jsonl(j) => j.values[slot].cell(),
            Inner::Parquet(p) => match (&p.row, p.slots[slot]) {
                (Some(row), Some(i)) => match row_field(row, i) {
                    Some(f) => field_cell(f),
                    None => Cell::Absent,
                },
                _ => Cell::Absent,
            },
        }
    }

    /// Position of the current record: line (CSV with the header as line 1, JSONL)
    /// or 0-based row index (Parquet).
    pub(crate) fn position(&self) -> u64 {
        match &self.inner {
            Inner::Csv(c) => c.record.position().map_or(0, |p| p.line()),
            Inner::Jsonl(j) => j.line,
            Inner::Parquet(p) => p.index,
        }
    }

    /// "line 7" or "row 6".
    pub(crate) fn at_position(&self, position: u64) -> String {
        match self.format {
            Format::Parquet => format!("row {position}"),
            _ => format!("line {position}"),
        }
    }

    /// An error about the current record, optionally at one column.
    pub(crate) fn record_error(&self, column: Option<&str>, message: String) -> DataError {
        let mut at = self.at_position(self.position());
        if let Some(c) = column {
            at.push_str(&format!(", {} `{c}`", self.column_word()));
        }
        DataError::Record { path: self.path.clone(), at, message }
    }
}

fn extension_format(stem: &str) -> Option<Format> {
    let ext = stem.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "csv" => Format::Csv,
        "tsv" | "tab" => Format::Tsv,
        "jsonl" | "ndjson" | "json" => Format::Jsonl,
        "parquet" | "pq" => Format::Parquet,
        _ => return None,
    })
}

fn read_message(gzip: bool, e: &std::io::Error) -> String {
    if gzip { format!("corrupt gzip data: {e}") } else { format!("cannot read: {e}") }
}

// ---------------------------------------------------------------------------- CSV

struct CsvInner {
    reader: csv::Reader<Box<dyn BufRead>>,
    header: Vec<String>,
    record: csv::ByteRecord,
    slots: Vec<Option<usize>>,
    gzip: bool,
}

impl CsvInner {
    fn open(path: &Path, stream: Box<dyn BufRead>, delimiter: u8, gzip: bool) -> Result<Self, DataError> {
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(true).from_reader(stream);
        let header = match reader.byte_headers() {
            Ok(h) => h.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<_>>(),
            Err(e) => return Err(csv_error(path, gzip, e)),
        };
        if header.is_empty() || (header.len() == 1 && header[0].trim().is_empty()) {
            return Err(DataError::File {
                path: path.to_path_buf(),
                message: "the file is empty (no header line)".into(),
            });
        }
        Ok(Self { reader, header, record: csv::ByteRecord::new(), slots: Vec::new(), gzip })
    }

    fn advance(&mut self, path: &Path) -> Result<bool, DataError> {
        self.reader.read_byte_record(&mut self.record).map_err(|e| csv_error(path, self.gzip, e))
    }
}

fn csv_error(path: &Path, gzip: bool, e: csv::Error) -> DataError {
    let path = path.to_path_buf();
    match e.kind() {
        csv::ErrorKind::Io(io) => DataError::File { path, message: read_message(gzip, io) },
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => DataError::Record {
            path,
            at: format!("line {}", pos.as_ref().map_or(0, |p| p.line())),
            message: format!("{len} fields, but the header has {expected_len}"),
        },
        _ => DataError::File { path, message: format!("invalid CSV: {e}") },
    }
}

// --------------------------------------------------------------------------- JSONL

#[derive(Debug, Clone)]
enum JVal {
    Absent,
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Option<f64>>),
    Other(&'static str),
}

impl JVal {
    fn cell(&self) -> Cell<'_> {
        match self {
            JVal::Absent => Cell::Absent,
            JVal::Null => Cell::Null,
            JVal::Bool(b) => Cell::Bool(*b),
            JVal::Int(i) => Cell::Int(*i),
            JVal::Float(x) => Cell::Float(*x),
            JVal::Str(s) => Cell::Str(s),
            JVal::List(v) => Cell::List(ListRef::Json(v)),
            JVal::Other(t) => Cell::Other(t),
        }
    }
}

struct JsonlInner {
    reader: Box<dyn BufRead>,
    buf: Vec<u8>,
    /// Line of the current record (1-based).
    line: u64,
    /// Lines consumed so far.
    lines_read: u64,
    /// The first object's line, parsed again once columns are selected.
    pending: Option<(Vec<u8>, u64)>,
    first_keys: Vec<String>,
    slot_of: HashMap<String, usize>,
    values: Vec<JVal>,
    gzip: bool,
}

impl JsonlInner {
    fn open(path: &Path, reader: Box<dyn BufRead>, gzip: bool) -> Result<Self, DataError> {
        let mut j = Self {
            reader,
            buf: Vec::new(),
            line: 0,
            lines_read: 0,
            pending: None,
            first_keys: Vec::new(),
            slot_of: HashMap::new(),
            values: Vec::new(),
            gzip,
        };
        if j.next_line(path)? {
            let mut keys = Vec::new();
            parse_object(&j.buf, &j.slot_of, &mut [], Some(&mut keys)).map_err(|m| DataError::Record {
                path: path.to_path_buf(),
                at: format!("line {}", j.line),
                message: m,
            })?;
            j.first_keys = keys;
            j.pending = Some((std::mem::take(&mut j.buf), j.line));
        }
        Ok(j)
    }

    /// Reads the next non-blank line into `buf`; `false` at the end.
    fn next_line(&mut self, path: &Path) -> Result<bool, DataError> {
        loop {
            self.buf.clear();
            let n = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| DataError::File { path: path.to_path_buf(), message: read_message(self.gzip, &e) })?;
            if n == 0 {
                return Ok(false);
            }
            self.lines_read += 1;
            if self.lines_read == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.buf.drain(..3); // a UTF-8 byte-order mark
            }
            if self.buf.iter().any(|b| !b.is_ascii_whitespace()) {
                self.line = self.lines_read;
                return Ok(true);
            }
        }
    }

    fn advance(&mut self, path: &Path) -> Result<bool, DataError> {
        if let Some((line, number)) = self.pending.take() {
            self.buf = line;
            self.line = number;
        } else if !self.next_line(path)? {
            return Ok(false);
        }
        for v in &mut self.values {
            *v = JVal::Absent;
        }
        parse_object(&self.buf, &self.slot_of, &mut self.values, None).map_err(|m| DataError::Record {
            path: path.to_path_buf(),
            at: format!("line {}", self.line),
            message: m,
        })?;
        Ok(true)
    }
}

/// Parses one JSON object, storing selected fields into `values` and (optionally)
/// every key in order into `keys`.
fn parse_object(
    line: &[u8],
    slot_of: &HashMap<String, usize>,
    values: &mut [JVal],
    keys: Option<&mut Vec<String>>,
) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let seed = ObjectSeed { slot_of, values, keys };
    de.deserialize_map(seed).and_then(|()| de.end()).map_err(|e| {
        let text = e.to_string();
        // The position serde_json appends is within this one line: keep only the column.
        let text = match text.rfind(" at line ") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        format!("invalid JSON at column {}: {text}", e.column())
    })
}

struct ObjectSeed<'s> {
    slot_of: &'s HashMap<String, usize>,
    values: &'s mut [JVal],
    keys: Option<&'s mut Vec<String>>,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed { slot_of: self.slot_of, keys: self.keys.as_deref_mut() })? {
            match key {
                Some(slot) => self.values[slot] = map.next_value::<JValDe>()?.0,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct KeySeed<'s> {
    slot_of: &'s HashMap<String, usize>,
    keys: Option<&'s mut Vec<String>>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        if let Some(keys) = self.keys {
            keys.push(v.to_owned());
        }
        Ok(self.slot_of.get(v).copied())
    }
}

struct JValDe(JVal);

impl<'de> de::Deserialize<'de> for JValDe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JValVisitor).map(JValDe)
    }
}

struct JValVisitor;

impl<'de> Visitor<'de> for JValVisitor {
    type Value = JVal;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<JVal, E> {
        Ok(JVal::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<JVal, E> {
        Ok(JVal::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<JVal, E> {
        Ok(i64::try_from(v).map_or(JVal::Float(v as f64), JVal::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<JVal, E> {
        Ok(JVal::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<JVal, E> {
        Ok(JVal::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<JVal, E> {
        Ok(JVal::Str(v))
    }
    fn visit_unit<E>(self) -> Result<JVal, E> {
        Ok(JVal::Null)
    }
    fn visit_none<E>(self) -> Result<JVal, E> {
        Ok(JVal::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<JVal, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JVal, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(JValDe(e)) = seq.next_element::<JValDe>()? {
            v.push(match e {
                JVal::Int(i) => Some(i as f64),
                JVal::Float(x) => Some(x),
                JVal::Str(s) => special_float(&s),
                _ => None,
            });
        }
        Ok(JVal::List(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JVal, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(JVal::Other("an object"))
    }
}

/// `"inf"`, `"-inf"`, `"Infinity"`, `"-Infinity"`, `"nan"` (any case) as a float.
pub(crate) fn special_float(s: &str) -> Option<f64> {
    match s.trim().to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    }
}

// ------------------------------------------------------------------------- Parquet

struct ParquetInner {
    reader: Option<Box<dyn FileReader>>,
    root: Type,
    columns: Vec<String>,
    iter: Option<RowIter<'static>>,
    row: Option<Row>,
    /// Row index of the current record (0-based).
    index: u64,
    started: bool,
    slots: Vec<Option<usize>>,
}

impl ParquetInner {
    fn open(path: &Path) -> Result<Self, DataError> {
        let file_err = |message: String| DataError::File { path: path.to_path_buf(), message };
        let file = File::open(path).map_err(|e| file_err(format!("cannot open: {e}")))?;
        let reader = catch_unwind(AssertUnwindSafe(|| SerializedFileReader::new(file)))
            .map_err(|_| file_err("not a valid Parquet file (the reader failed)".into()))?
            .map_err(|e| file_err(format!("not a valid Parquet file: {}", parquet_message(&e))))?;
        let root = reader.metadata().file_metadata().schema().clone();
        let columns = root.get_fields().iter().map(|f| f.name().to_owned()).collect();
        Ok(Self {
            reader: Some(Box::new(reader)),
            root,
            columns,
            iter: None,
            row: None,
            index: 0,
            started: false,
            slots: Vec::new(),
        })
    }

    fn select(&mut self, path: &Path, names: &[&str]) -> Result<(), DataError> {
        let file_err = |message: String| DataError::File { path: path.to_path_buf(), message };
        let reader = self.reader.take().ok_or_else(|| file_err("columns selected twice".into()))?;
        // Project onto the selected top-level fields (schema order) so that unread
        // columns (prompts, responses) are never decoded.
        let fields: Vec<_> = self.root.get_fields().iter().filter(|f| names.contains(&f.name())).cloned().collect();
        self.slots = names.iter().map(|n| fields.iter().position(|f| f.name() == *n)).collect();
        let projection = Type::group_type_builder(self.root.name())
            .with_fields(fields)
            .build()
            .map_err(|e| file_err(format!("cannot select columns: {e}")))?;
        let iter = catch_unwind(AssertUnwindSafe(|| RowIter::from_file_into(reader).project(Some(projection))))
            .map_err(|_| file_err("not a valid Parquet file (the reader failed)".into()))?
            .map_err(|e| file_err(format!("cannot select columns: {}", parquet_message(&e))))?;
        self.iter = Some(iter);
        Ok(())
    }

    fn advance(&mut self, path: &Path) -> Result<bool, DataError> {
        let Some(iter) = self.iter.as_mut() else {
            return Ok(false);
        };
        if self.started {
            self.index += 1;
        }
        self.started = true;
        let index = self.index;
        let err = |message: String| DataError::Record { path: path.to_path_buf(), at: format!("row {index}"), message };
        match catch_unwind(AssertUnwindSafe(|| iter.next())) {
            Err(_) => Err(err("cannot decode the row (corrupt Parquet data)".into())),
            Ok(None) => {
                self.row = None;
                Ok(false)
            }
            Ok(Some(Err(e))) => Err(err(format!("cannot decode the row: {}", parquet_message(&e)))),
            Ok(Some(Ok(row))) => {
                self.row = Some(row);
                Ok(true)
            }
        }
    }
}

/// A parquet error without its "Parquet error: " prefix.
fn parquet_message(e: &parquet::errors::ParquetError) -> String {
    let text = e.to_string();
    text.strip_prefix("Parquet error: ").map(str::to_owned).unwrap_or(text)
}

fn row_field(row: &Row, i: usize) -> Option<&Field> {
    row.get_column_iter().nth(i).map(|(_, f)| f)
}

fn field_cell(f: &Field) -> Cell<'_> {
    match f {
        Field::Null => Cell::Null,
        Field::Bool(b) => Cell::Bool(*b),
        Field::Byte(x) => Cell::Int(i64::from(*x)),
        Field::Short(x) => Cell::Int(i64::from(*x)),
        Field::Int(x) => Cell::Int(i64::from(*x)),
        Field::Long(x) => Cell::Int(*x),
        Field::UByte(x) => Cell::Int(i64::from(*x)),
        Field::UShort(x) => Cell::Int(i64::from(*x)),
        Field::UInt(x) => Cell::Int(i64::from(*x)),
        Field::ULong(x) => i64::try_from(*x).map_or(Cell::Float(*x as f64), Cell::Int),
        Field::Float16(x) => Cell::Float(f64::from(*x)),
        Field::Float(x) => Cell::Float(f64::from(*x)),
        Field::Double(x) => Cell::Float(*x),
        Field::Str(s) => Cell::Str(s),
        Field::Bytes(b) => match std::str::from_utf8(b.data()) {
            Ok(s) => Cell::Str(s),
            Err(_) => Cell::Other("binary data"),
        },
        Field::ListInternal(l) => Cell::List(ListRef::Parquet(l.elements())),
        Field::Group(_) => Cell::Other("a struct"),
        Field::MapInternal(_) => Cell::Other("a map"),
        Field::Decimal(_) => Cell::Other("a decimal"),
        _ => Cell::Other("a date or time"),
    }
}
