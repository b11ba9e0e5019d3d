//! Errors of reading and validating data: every message names the file and, where
//! there is one, the line (or Parquet row) and the column or field.

use std::path::PathBuf;

/// Bad data or a bad `[data]` section. `Display` is the full user-facing message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// The `[data]` section or `[[models]]` cannot be used as written (names the key).
    #[error("{0}")]
    Spec(String),
    /// A file cannot be found, opened or decoded.
    #[error("{}: {message}", path.display())]
    File {
        /// The file, as resolved.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// One record is wrong.
    #[error("{}, {at}: {message}", path.display())]
    Record {
        /// The file, as resolved.
        path: PathBuf,
        /// Where in the file: `line 7, column `cost`` (CSV, header = line 1),
        /// `line 7, field `cost`` (JSONL) or `row 6, column `cost`` (Parquet, 0-based).
        at: String,
        /// What is wrong.
        message: String,
    },
    /// Records are fine one by one but not together (duplicates, missing models,
    /// no rows, features that do not join); the message names the files.
    #[error("{0}")]
    Dataset(String),
    /// The synthetic generator rejected its specification.
    #[error("[data] synthetic: {0}")]
    Synthetic(String),
}

/// Short text of a value for messages: long values are cut.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(MAX).collect();
    if chars.next().is_some() { format!("{cut}...") } else { cut }
}

/// A list of names as `` `a`, `b`, `c` ``, cut after `max` with a count of the rest.
pub(crate) fn name_list<S: AsRef<str>>(names: &[S], max: usize) -> String {
    let mut out: Vec<String> = names.iter().take(max).map(|n| format!("`{}`", n.as_ref())).collect();
    if names.len() > max {
        out.push(format!("and {} more", names.len() - max));
    }
    out.join(", ")
}
