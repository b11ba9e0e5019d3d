//! Paths of the `[data]` section: `${data_dir}` expansion, resolution against the
//! experiment file's directory, and "file not found" messages that say where the
//! public data comes from.

use std::path::{Path, PathBuf};

use crate::LoadContext;
use crate::error::DataError;

/// Where the public data sets come from, for "missing file" messages.
const PROVENANCE: &str = "the public data and its provenance are described in ../shared/data/README.md: \
`zellinger/` holds per-query results from github.com/mzelling/rational-llm-cascades, \
`routerbench/` holds RouterBench (Martian) as split by github.com/shuhao02/RouterDC";

/// A path of the `[data]` section resolved to a file that exists.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) path: PathBuf,
}

/// Expands `${data_dir}`, resolves relative paths against `ctx.base_dir`, and checks
/// that the file exists. `key` names the setting for messages (e.g. `[data] path`).
pub(crate) fn resolve(raw: &str, key: &str, ctx: &LoadContext<'_>) -> Result<Resolved, DataError> {
    let (expanded, used_data_dir) = expand(raw, key, ctx)?;
    let path = PathBuf::from(&expanded);
    // `${data_dir}` is already resolved by the caller (against the working directory).
    let path =
        if path.is_absolute() || used_data_dir || ctx.base_dir.as_os_str().is_empty() || ctx.base_dir == Path::new(".")
        {
            path
        } else {
            ctx.base_dir.join(path)
        };
    if path.is_dir() {
        return Err(DataError::File { path, message: format!("is a directory, not a file ({key})") });
    }
    if !path.is_file() {
        let under_data_dir = used_data_dir || ctx.data_dir.is_some_and(|d| path.starts_with(d));
        let mut message = format!("no such file ({key} = \"{raw}\")");
        if under_data_dir || raw.contains("shared/data") {
            message.push_str("; ");
            message.push_str(PROVENANCE);
        }
        return Err(DataError::File { path, message });
    }
    Ok(Resolved { path })
}

/// Replaces `${data_dir}`; any other `${...}` is an error.
fn expand(raw: &str, key: &str, ctx: &LoadContext<'_>) -> Result<(String, bool), DataError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    let mut used = false;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(DataError::Spec(format!("{key} = \"{raw}\": unclosed `${{` (write `${{data_dir}}`)")));
        };
        let name = &after[..end];
        if name != "data_dir" {
            return Err(DataError::Spec(format!(
                "{key} = \"{raw}\": unknown variable `${{{name}}}` (the only one is `${{data_dir}}`)"
            )));
        }
        let Some(dir) = ctx.data_dir else {
            return Err(DataError::Spec(format!(
                "{key} = \"{raw}\" uses `${{data_dir}}`, which is not set: pass `--data-dir DIR` \
                 or set the environment variable CASCADELAB_DATA_DIR (e.g. to ../shared/data)"
            )));
        };
        out.push_str(&dir.to_string_lossy());
        used = true;
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok((out, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(base: &'a Path, data: Option<&'a Path>) -> LoadContext<'a> {
        LoadContext { base_dir: base, data_dir: data, models: &[] }
    }

    #[test]
    fn data_dir_expands_and_unset_or_unknown_variables_are_errors() {
        let c = ctx(Path::new("exp"), Some(Path::new("/d")));
        assert_eq!(expand("${data_dir}/z/m.csv", "[data] path", &c).unwrap(), ("/d/z/m.csv".into(), true));
        assert_eq!(expand("a.csv", "[data] path", &c).unwrap(), ("a.csv".into(), false));
        let unset = expand("${data_dir}/m.csv", "[data] path", &ctx(Path::new("."), None)).unwrap_err().to_string();
        assert!(unset.contains("--data-dir") && unset.contains("CASCADELAB_DATA_DIR"), "{unset}");
        let unknown = expand("${home}/m.csv", "[data] path", &c).unwrap_err().to_string();
        assert!(unknown.contains("unknown variable `${home}`"), "{unknown}");
        assert!(expand("${data_dir", "[data] path", &c).unwrap_err().to_string().contains("unclosed"));
    }

    #[test]
    fn missing_files_name_the_resolved_path_and_data_dir_files_the_provenance() {
        let c = ctx(Path::new("some/experiments"), Some(Path::new("/nonexistent/data")));
        let local = resolve("results.csv", "[data] path", &c).unwrap_err().to_string();
        assert!(local.starts_with("some/experiments/results.csv: no such file"), "{local}");
        assert!(!local.contains("provenance"), "{local}");
        let shared = resolve("${data_dir}/zellinger/x.csv.gz", "[data] path", &c).unwrap_err().to_string();
        assert!(shared.starts_with("/nonexistent/data/zellinger/x.csv.gz: no such file"), "{shared}");
        assert!(shared.contains("mzelling/rational-llm-cascades") && shared.contains("shuhao02/RouterDC"), "{shared}");
    }
}
