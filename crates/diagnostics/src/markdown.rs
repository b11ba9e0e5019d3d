//! Deterministic Markdown tables with fixed decimals, for `summary_markdown()`.

/// A number with `decimals` fixed decimals; `inf`, `-inf`, `nan` by name; never `-0.00`.
pub(crate) fn fixed(v: f64, decimals: usize) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
}

/// A number in scientific notation with 4 mantissa decimals (costs and slopes span
/// many orders of magnitude).
pub(crate) fn sci(v: f64) -> String {
    if !v.is_finite() {
        return fixed(v, 0);
    }
    format!("{v:.4e}")
}

/// [`fixed`] with 4 decimals, or `–` for a missing value.
pub(crate) fn opt4(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| fixed(v, 4))
}

/// [`sci`], or `–` for a missing value.
pub(crate) fn opt_sci(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), sci)
}

/// A Markdown table.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for r in rows {
        out.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_fixed_decimals_and_no_negative_zero() {
        assert_eq!(fixed(-0.00001, 4), "0.0000");
        assert_eq!(fixed(-0.25, 2), "-0.25");
        assert_eq!(fixed(f64::NEG_INFINITY, 4), "-inf");
        assert_eq!(sci(1234.5), "1.2345e3");
        assert_eq!(opt4(None), "–");
        assert_eq!(table(&["a", "b"], &[vec!["1".into(), "2".into()]]), "| a | b |\n|---|---|\n| 1 | 2 |\n");
    }
}
