//! Errors of the engine, and the one format every experiment-file error takes:
//! `<file>:<line>:<column>: <message>`, then the offending source line with a caret.
//!
//! Positions come from byte spans of the TOML source: the parser's own spans for
//! syntax and type errors, and spans looked up by key path ([`KeyPath`]) for errors
//! found later (a bad value, an unknown model, a solver parameter).

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use toml::de::{DeTable, DeValue};

/// One step of a key path in the experiment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A key path such as `solvers[1].thresholds`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// The path of a top-level key.
    pub fn key(k: &str) -> Self {
        Self(vec![Seg::Key(k.to_string())])
    }

    /// This path followed by key `k`.
    pub fn then(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_string()));
        Self(v)
    }

    /// This path followed by index `i`.
    pub fn at(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        Self(v)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Whether an error points at a key or at its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The key itself (unknown keys).
    Key,
    /// The key's value (bad values).
    Value,
}

/// The source text of an experiment file, for positions and snippets.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user gave it (shown in messages).
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
}

impl Source {
    /// The byte span of the key or value at `path`; `None` when the path does not
    /// exist in the file.
    pub fn span_of(&self, path: &KeyPath, target: Target) -> Option<Range<usize>> {
        enum Cursor<'c, 'i> {
            Table(&'c DeTable<'i>),
            Array(&'c [toml::Spanned<DeValue<'i>>]),
        }
        let root = DeTable::parse(&self.text).ok()?;
        let mut current = Cursor::Table(root.get_ref());
        for (i, seg) in path.0.iter().enumerate() {
            let last = i + 1 == path.0.len();
            let item = match (seg, current) {
                (Seg::Key(k), Cursor::Table(t)) => {
                    let (key, val) = t.iter().find(|(key, _)| key.get_ref().as_ref() == k.as_str())?;
                    if last && target == Target::Key {
                        return Some(key.span());
                    }
                    val
                }
                (Seg::Index(n), Cursor::Array(a)) => a.get(*n)?,
                _ => return None,
            };
            if last {
                return Some(item.span());
            }
            current = match item.get_ref() {
                DeValue::Table(t) => Cursor::Table(t),
                DeValue::Array(a) => Cursor::Array(a),
                _ => return None,
            };
        }
        None
    }

    /// An error at the key or value at `path` (or at the start of the file when
    /// the path cannot be found).
    pub fn error_at(&self, path: &KeyPath, target: Target, message: impl Into<String>) -> ConfigError {
        let span = self.span_of(path, target).or_else(|| {
            // A missing key: point at its parent.
            let mut parent = path.clone();
            while parent.0.pop().is_some() {
                if let Some(s) = self.span_of(&parent, Target::Key) {
                    return Some(s);
                }
            }
            None
        });
        self.error_span(span, message)
    }

    /// An error at a byte span (or at the start of the file).
    pub fn error_span(&self, span: Option<Range<usize>>, message: impl Into<String>) -> ConfigError {
        let span = span.unwrap_or(0..0);
        let start = span.start.min(self.text.len());
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..].find('\n').map_or(self.text.len(), |i| start + i);
        let line = self.text[..start].matches('\n').count() + 1;
        let column = self.text[line_start..start].chars().count() + 1;
        let source_line = self.text[line_start..line_end].trim_end_matches('\r').to_string();
        let end = span.end.clamp(start, line_end);
        let width = self.text[start..end].chars().count().max(1);
        ConfigError::new(ConfigErrorData {
            file: self.path.clone(),
            line,
            column,
            message: message.into(),
            snippet: Some(Snippet { line_text: source_line, column, width }),
            hint: None,
        })
    }
}

/// The source line an error points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The text of the line.
    pub line_text: String,
    /// 1-based column of the caret, in characters.
    pub column: usize,
    /// Width of the underline, in characters.
    pub width: usize,
}

/// An error in an experiment file (or in a file it names), with its position.
/// Boxed: errors travel through many `Result`s and are rare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(Box<ConfigErrorData>);

/// What a [`ConfigError`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrorData {
    /// The file as the user named it.
    pub file: PathBuf,
    /// 1-based line (0 when the error concerns the whole file).
    pub line: usize,
    /// 1-based column (0 when the error concerns the whole file).
    pub column: usize,
    /// What is wrong, lower case, no final period.
    pub message: String,
    /// The source line, if any.
    pub snippet: Option<Snippet>,
    /// Advice printed after the snippet.
    pub hint: Option<String>,
}

impl std::ops::Deref for ConfigError {
    type Target = ConfigErrorData;
    fn deref(&self) -> &ConfigErrorData {
        &self.0
    }
}

impl ConfigError {
    /// An error with every detail given.
    pub fn new(data: ConfigErrorData) -> Self {
        Self(Box::new(data))
    }

    /// An error about a whole file, without a position.
    pub fn file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(ConfigErrorData {
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
            snippet: None,
            hint: None,
        })
    }

    /// The same error with advice appended.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)?;
        } else {
            write!(f, "{}:{}:{}: {}", self.file.display(), self.line, self.column, self.message)?;
        }
        if let Some(s) = &self.snippet {
            let n = self.line.to_string();
            let pad = " ".repeat(n.len());
            write!(f, "\n{pad} |\n{n} | {}\n{pad} | {}{}", s.line_text, " ".repeat(s.column - 1), "^".repeat(s.width))?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  = help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Anything that stops a run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The experiment file or a file it names is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A solver could not run on the data.
    #[error("solver `{solver}` (kind `{kind}`) cannot run on this data: {message}")]
    Unsupported {
        /// The solver's name.
        solver: String,
        /// Its kind.
        kind: String,
        /// Why.
        message: String,
    },
    /// A solver failed on a split.
    #[error("solver `{solver}` failed on split {split}: {message}")]
    Solver {
        /// The solver's name.
        solver: String,
        /// The split.
        split: usize,
        /// Why.
        message: String,
    },
    /// A solver proposed a policy that cannot run.
    #[error("solver `{solver}` proposed an invalid policy on split {split} ({policy}): {message}")]
    Policy {
        /// The solver's name.
        solver: String,
        /// The split.
        split: usize,
        /// The policy, described.
        policy: String,
        /// Why.
        message: String,
    },
    /// The results directory exists.
    #[error("{0} already exists: pass --force to replace it, or --out to write elsewhere")]
    OutputExists(PathBuf),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Anything else, described.
    #[error("{0}")]
    Other(String),
}

impl EngineError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
