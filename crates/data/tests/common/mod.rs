//! Helpers shared by the data crate's tests: writing small files, and Parquet files
//! through the `parquet` crate's low-level writer (no arrow).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, FloatType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// The repository root (two levels above this crate's manifest).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().and_then(Path::parent).expect("crates/data lives two levels below the root").to_path_buf()
}

/// `../shared/data` from the repository root, if present.
pub fn shared_data() -> Option<PathBuf> {
    let p = repo_root().join("../shared/data");
    p.is_dir().then_some(p)
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Writes `text` gzip-compressed to `dir/name`.
pub fn write_gz(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::io::Write;
    let p = dir.join(name);
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&p).unwrap(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    p
}

/// One leaf column's values with its definition and repetition levels.
pub enum Leaf {
    /// UTF-8 strings.
    Str(Vec<String>, Option<Vec<i16>>, Option<Vec<i16>>),
    /// Doubles.
    F64(Vec<f64>, Option<Vec<i16>>, Option<Vec<i16>>),
    /// Floats.
    F32(Vec<f32>, Option<Vec<i16>>, Option<Vec<i16>>),
    /// 64-bit integers.
    I64(Vec<i64>, Option<Vec<i16>>, Option<Vec<i16>>),
}

/// Strings of a required column.
pub fn strs(v: &[&str]) -> Leaf {
    Leaf::Str(v.iter().map(|s| (*s).to_owned()).collect(), None, None)
}

/// Writes a Parquet file with `schema` (message type text) and one leaf per column, in order.
pub fn write_parquet(path: &Path, schema: &str, leaves: Vec<Leaf>) {
    let schema = Arc::new(parse_message_type(schema).unwrap());
    let props = Arc::new(WriterProperties::builder().build());
    let file = std::fs::File::create(path).unwrap();
    let mut writer = SerializedFileWriter::new(file, schema, props).unwrap();
    let mut rg = writer.next_row_group().unwrap();
    for leaf in leaves {
        let mut col = rg.next_column().unwrap().expect("as many leaves as schema columns");
        match leaf {
            Leaf::Str(v, d, r) => {
                let v: Vec<ByteArray> = v.iter().map(|s| ByteArray::from(s.as_str())).collect();
                col.typed::<ByteArrayType>().write_batch(&v, d.as_deref(), r.as_deref()).unwrap();
            }
            Leaf::F64(v, d, r) => {
                col.typed::<DoubleType>().write_batch(&v, d.as_deref(), r.as_deref()).unwrap();
            }
            Leaf::F32(v, d, r) => {
                col.typed::<FloatType>().write_batch(&v, d.as_deref(), r.as_deref()).unwrap();
            }
            Leaf::I64(v, d, r) => {
                col.typed::<Int64Type>().write_batch(&v, d.as_deref(), r.as_deref()).unwrap();
            }
        }
        col.close().unwrap();
    }
    rg.close().unwrap();
    writer.close().unwrap();
}

/// Levels of a list column: each row's elements get definition level `def` and
/// repetition levels `0, 1, 1, ...`.
pub fn list_levels(rows: &[usize], def: i16) -> (Vec<i16>, Vec<i16>) {
    let mut d = Vec::new();
    let mut r = Vec::new();
    for &k in rows {
        for i in 0..k {
            d.push(def);
            r.push(if i == 0 { 0 } else { 1 });
        }
    }
    (d, r)
}

/// The long-layout fixture `quality_out_of_range.parquet`: row 1 has quality 2.
pub fn write_quality_out_of_range_parquet(path: &Path) {
    write_parquet(
        path,
        "message schema {
            REQUIRED BYTE_ARRAY query_id (STRING);
            REQUIRED BYTE_ARRAY model (STRING);
            REQUIRED DOUBLE correct;
            OPTIONAL DOUBLE confidence;
            REQUIRED DOUBLE cost;
        }",
        vec![
            strs(&["q1", "q1"]),
            strs(&["small", "large"]),
            Leaf::F64(vec![1.0, 2.0], None, None),
            Leaf::F64(vec![-0.5, -0.1], Some(vec![1, 1]), None),
            Leaf::F64(vec![0.001, 0.01], None, None),
        ],
    );
}
