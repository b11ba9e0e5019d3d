//! A built-in text featurizer for data that only has query text: hashed word and
//! character n-grams with TF-IDF weighting, L2-normalized.
//!
//! - Text is lowercased (Unicode). Words are runs of two or more alphanumeric or `_`
//!   characters (scikit-learn's default token pattern); word n-grams join words
//!   with one space. Character n-grams are taken inside word boundaries as
//!   scikit-learn's `char_wb` analyzer does: each whitespace-separated token is
//!   padded with one space on each side, and a padded token shorter than `n` yields
//!   itself once.
//! - Each n-gram is hashed with 64-bit FNV-1a over a one-byte namespace (`w` for
//!   word, `c` for character n-grams) followed by its UTF-8 bytes; the feature index
//!   is the hash modulo the dimension. The hash is fixed and documented, so features
//!   never depend on the standard library's randomly seeded hasher. Counts are not
//!   signed (no alternate sign).
//! - Term frequency is the count (or `1 + ln(count)` with sublinear tf); inverse
//!   document frequency is scikit-learn's smooth idf, `ln((1 + n) / (1 + df)) + 1`,
//!   with `n` the number of documents and `df` the number of documents in which the
//!   hashed feature occurs. The IDF is computed on every query's text, without
//!   labels, so the features are deterministic and the same whatever the split.
//! - Each row is divided by its L2 norm (an empty text gives a zero row).

/// Default number of hashed dimensions, 2^12.
pub const DEFAULT_DIM: usize = 1 << 12;

/// Largest accepted dimension (2^24), to keep memory sane.
pub const MAX_DIM: usize = 1 << 24;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// 64-bit FNV-1a, fed incrementally.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(u64);

impl Fnv1a {
    /// The initial state.
    pub fn new() -> Self {
        Self(FNV_OFFSET)
    }

    /// Feeds bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }

    /// The hash of everything fed so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

/// Settings of the hashed TF-IDF featurizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextFeaturizer {
    /// Number of hashed dimensions.
    pub dim: usize,
    /// Use `1 + ln(tf)` instead of the raw count.
    pub sublinear_tf: bool,
    /// Word n-gram lengths, inclusive (`[0, 0]` for none).
    pub word_ngrams: [usize; 2],
    /// Character n-gram lengths, inclusive (`[0, 0]` for none).
    pub char_ngrams: [usize; 2],
}

impl Default for TextFeaturizer {
    fn default() -> Self {
        Self { dim: DEFAULT_DIM, sublinear_tf: false, word_ngrams: [1, 2], char_ngrams: [3, 5] }
    }
}

impl TextFeaturizer {
    /// Checks the settings; the message names the offending key.
    pub fn check(&self) -> Result<(), String> {
        if self.dim == 0 || self.dim > MAX_DIM {
            return Err(format!("`dim` = {} must be between 1 and {MAX_DIM}", self.dim));
        }
        for (key, [lo, hi]) in [("word-ngrams", self.word_ngrams), ("char-ngrams", self.char_ngrams)] {
            if (lo, hi) != (0, 0) && (lo == 0 || lo > hi || hi > 32) {
                return Err(format!(
                    "`{key}` = [{lo}, {hi}] must be [0, 0] (none) or [lo, hi] with 1 <= lo <= hi <= 32"
                ));
            }
        }
        if self.word_ngrams == [0, 0] && self.char_ngrams == [0, 0] {
            return Err("`word-ngrams` and `char-ngrams` are both [0, 0]: no features".into());
        }
        Ok(())
    }

    /// Hashed feature indices of one text, one entry per n-gram occurrence (unsorted).
    pub fn hashed_ngrams(&self, text: &str) -> Vec<u32> {
        let dim = self.dim as u64;
        let lower = text.to_lowercase();
        let mut out = Vec::new();
        let [wlo, whi] = self.word_ngrams;
        if whi > 0 {
            let words: Vec<&str> = lower
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| w.chars().nth(1).is_some())
                .collect();
            for n in wlo..=whi {
                for window in words.windows(n) {
                    let mut h = Fnv1a::new();
                    h.write(b"w");
                    for (i, w) in window.iter().enumerate() {
                        if i > 0 {
                            h.write(b" ");
                        }
                        h.write(w.as_bytes());
                    }
                    out.push((h.finish() % dim) as u32);
                }
            }
        }
        let [clo, chi] = self.char_ngrams;
        if chi > 0 {
            let mut padded: Vec<char> = Vec::new();
            let mut buf = [0u8; 4];
            for token in lower.split_whitespace() {
                padded.clear();
                padded.push(' ');
                padded.extend(token.chars());
                padded.push(' ');
                for n in clo..=chi {
                    let windows: Box<dyn Iterator<Item = &[char]>> = if padded.len() <= n {
                        Box::new(std::iter::once(&padded[..]))
                    } else {
                        Box::new(padded.windows(n))
                    };
                    for window in windows {
                        let mut h = Fnv1a::new();
                        h.write(b"c");
                        for c in window {
                            h.write(c.encode_utf8(&mut buf).as_bytes());
                        }
                        out.push((h.finish() % dim) as u32);
                    }
                }
            }
        }
        out
    }

    /// TF-IDF rows of `texts`, row-major (`texts.len() * dim` values), each row
    /// L2-normalized. The IDF is fitted on these texts.
    pub fn featurize<S: AsRef<str>>(&self, texts: &[S]) -> Vec<f32> {
        let dim = self.dim;
        // Sparse counts per document: sorted (index, count).
        let docs: Vec<Vec<(u32, u32)>> = texts
            .iter()
            .map(|t| {
                let mut idx = self.hashed_ngrams(t.as_ref());
                idx.sort_unstable();
                let mut counts: Vec<(u32, u32)> = Vec::new();
                for i in idx {
                    match counts.last_mut() {
                        Some((j, c)) if *j == i => *c += 1,
                        _ => counts.push((i, 1)),
                    }
                }
                counts
            })
            .collect();
        let mut df = vec![0u32; dim];
        for d in &docs {
            for &(i, _) in d {
                df[i as usize] += 1;
            }
        }
        let n = docs.len() as f64;
        let idf: Vec<f64> = df.iter().map(|&d| ((1.0 + n) / (1.0 + f64::from(d))).ln() + 1.0).collect();
        let mut values = vec![0f32; docs.len() * dim];
        let mut weights: Vec<f64> = Vec::new();
        for (r, d) in docs.iter().enumerate() {
            weights.clear();
            weights.extend(d.iter().map(|&(i, c)| {
                let tf = if self.sublinear_tf { 1.0 + f64::from(c).ln() } else { f64::from(c) };
                tf * idf[i as usize]
            }));
            let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
            if norm > 0.0 {
                let row = &mut values[r * dim..(r + 1) * dim];
                for (&(i, _), w) in d.iter().zip(&weights) {
                    row[i as usize] = (w / norm) as f32;
                }
            }
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference test suite (http://www.isthe.com/chongo/tech/comp/fnv/).
        let h = |s: &[u8]| {
            let mut f = Fnv1a::new();
            f.write(s);
            f.finish()
        };
        assert_eq!(h(b""), 0xcbf29ce484222325);
        assert_eq!(h(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(h(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn ngrams_follow_the_documented_analyzers() {
        let words_only = TextFeaturizer { dim: 1 << 20, sublinear_tf: false, word_ngrams: [1, 2], char_ngrams: [0, 0] };
        // "a" is too short to be a word; "Hello, World" gives hello, world and "hello world".
        let got = words_only.hashed_ngrams("Hello, a World");
        let hash = |s: &str| {
            let mut f = Fnv1a::new();
            f.write(s.as_bytes());
            (f.finish() % (1 << 20)) as u32
        };
        assert_eq!(got, vec![hash("whello"), hash("wworld"), hash("whello world")]);
        let chars_only = TextFeaturizer { dim: 1 << 20, sublinear_tf: false, word_ngrams: [0, 0], char_ngrams: [3, 4] };
        // " ab " has 2 trigrams and 1 four-gram; " x " is shorter than 4, so it yields itself for n = 4.
        let got = chars_only.hashed_ngrams("AB x");
        let want: Vec<u32> = ["c ab", "cab ", "c ab ", "c x ", "c x "].iter().map(|s| hash(s)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn tfidf_matches_a_hand_computation_and_rows_are_unit_length() {
        // Two documents over words only, dimension large enough for no collisions here.
        let f = TextFeaturizer { dim: 1 << 20, sublinear_tf: false, word_ngrams: [1, 1], char_ngrams: [0, 0] };
        let rows = f.featurize(&["red red blue", "blue"]);
        let idx = |w: &str| {
            let mut h = Fnv1a::new();
            h.write(b"w");
            h.write(w.as_bytes());
            (h.finish() % (1 << 20)) as usize
        };
        let (red, blue) = (idx("red"), idx("blue"));
        // idf(red) = ln(3/2) + 1, idf(blue) = ln(3/3) + 1 = 1; tf(red) = 2, tf(blue) = 1.
        let wr = 2.0 * ((3.0f64 / 2.0).ln() + 1.0);
        let norm = (wr * wr + 1.0).sqrt();
        assert!((f64::from(rows[red]) - wr / norm).abs() < 1e-6);
        assert!((f64::from(rows[blue]) - 1.0 / norm).abs() < 1e-6);
        let second = &rows[1 << 20..];
        assert_eq!(second[blue], 1.0);
        assert_eq!(second.iter().filter(|v| **v != 0.0).count(), 1);
        // Sublinear tf changes the red weight to 1 + ln 2.
        let sub = TextFeaturizer { sublinear_tf: true, ..f }.featurize(&["red red blue", "blue"]);
        let wr = (1.0 + 2f64.ln()) * ((3.0f64 / 2.0).ln() + 1.0);
        assert!((f64::from(sub[red]) - wr / (wr * wr + 1.0).sqrt()).abs() < 1e-6);
    }

    #[test]
    fn empty_text_gives_a_zero_row_and_bad_settings_are_rejected() {
        let f = TextFeaturizer { dim: 64, ..TextFeaturizer::default() };
        let rows = f.featurize(&["", "some words here"]);
        assert!(rows[..64].iter().all(|v| *v == 0.0));
        let norm: f32 = rows[64..].iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(TextFeaturizer { dim: 0, ..f }.check().unwrap_err().contains("`dim`"));
        assert!(TextFeaturizer { word_ngrams: [2, 1], ..f }.check().unwrap_err().contains("word-ngrams"));
        assert!(TextFeaturizer { word_ngrams: [0, 0], char_ngrams: [0, 0], ..f }.check().is_err());
        assert!(f.check().is_ok());
    }
}
