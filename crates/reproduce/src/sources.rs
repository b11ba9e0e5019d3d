//! Where the public data is, and the message that lists its sources when it is not
//! there.

use std::path::{Path, PathBuf};

use cascadelab_engine::plan::{DATA_DIR_ENV, DataDir, DataDirOrigin};

/// The benchmarks of the reproduction, in report order.
pub const BENCHES: [&str; 5] = ["mmlu", "medmcqa", "triviaqa", "truthfulqa", "gsm8k"];

/// Display names of [`BENCHES`].
pub fn bench_title(bench: &str) -> &str {
    match bench {
        "mmlu" => "MMLU",
        "medmcqa" => "MedMCQA",
        "triviaqa" => "TriviaQA",
        "truthfulqa" => "TruthfulQA",
        "gsm8k" => "GSM8K",
        other => other,
    }
}

/// The files of one benchmark under the data directory.
pub fn bench_files(bench: &str) -> [String; 2] {
    [format!("zellinger/{bench}.csv.gz"), format!("zellinger/{bench}.embeddings.parquet")]
}

/// The public sources and the layout the reproduction expects, for messages and
/// the report.
pub const SOURCES: &str = "\
expected layout of the data directory:
  zellinger/<bench>.csv.gz              per-query results of nine models, one row per (query, model):
                                        query_id, split, model, correct, confidence, cost, ...
  zellinger/<bench>.embeddings.parquet  query_id and a 384-d all-MiniLM-L6-v2 embedding of the prompt
  (<bench>: mmlu, medmcqa, triviaqa, truthfulqa, gsm8k)
  paper_curves/<dataset>.curves.csv.gz  the paper's released held-out curves, and <dataset>.models.csv
  (<dataset>: mmlu, triviaqa, math_hard, simpleqa, livecodebench; optional: the Table 1 check)
public sources:
  zellinger: github.com/mzelling/rational-llm-cascades at commit 0d9c8610,
    benchmarks/data/*/chain_results/*.pkl (Zellinger & Thomson, arXiv 2501.09345 and 2502.09054),
    normalized to the long layout above; embeddings of the prompts with all-MiniLM-L6-v2
    (mean-pooled, L2-normalized, at most 256 tokens)
  paper curves: github.com/dylanbouchard/llm-cascade-frontiers, src/results/fig2/<dataset>/
  RouterBench (not used here): routerbench_0shot.pkl as split by github.com/shuhao02/RouterDC
    at commit 0e63989c, datasets/routerbench_zs/
the layout is described in full in ../shared/data/README.md of the cascadelab workspace";

/// The resolved data directory and the missing files, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct DataLocation {
    /// The directory (`None`: no flag, no environment variable, no default).
    pub dir: Option<DataDir>,
    /// Files of the benchmarks missing below it (relative), in order.
    pub missing: Vec<String>,
}

impl DataLocation {
    /// `--data-dir`, else `CASCADELAB_DATA_DIR`, else `../shared/data` beside the
    /// repository holding `experiment` (as the engine resolves `${data_dir}`), with
    /// the benchmark files checked.
    pub fn resolve(flag: Option<&Path>, experiment: &Path, benches: &[&str]) -> Self {
        let dir = DataDir::resolve(flag, experiment);
        let missing = benches
            .iter()
            .flat_map(|b| bench_files(b))
            .filter(|f| dir.as_ref().is_none_or(|d| !d.path.join(f).is_file()))
            .collect();
        Self { dir, missing }
    }

    /// The paper's released curves, if present.
    pub fn paper_curves(&self) -> Option<PathBuf> {
        let d = self.dir.as_ref()?.path.join("paper_curves");
        d.is_dir().then_some(d)
    }

    /// The message for missing data: what is missing, where it was looked for, the
    /// expected layout and the public sources.
    pub fn missing_message(&self) -> String {
        let looked = match &self.dir {
            None => format!(
                "no data directory: pass --data-dir DIR or set {DATA_DIR_ENV} (the default, ../shared/data beside \
                 the repository, does not exist)"
            ),
            Some(d) => format!(
                "looked in `{}` ({})",
                d.path.display(),
                match d.origin {
                    DataDirOrigin::Flag => "from --data-dir".to_string(),
                    DataDirOrigin::Env => format!("from {DATA_DIR_ENV}"),
                    DataDirOrigin::Default => "the default: ../shared/data beside the repository".to_string(),
                }
            ),
        };
        let shown: Vec<&str> = self.missing.iter().take(4).map(String::as_str).collect();
        let more = self.missing.len().saturating_sub(shown.len());
        let mut files = shown.join(", ");
        if more > 0 {
            files.push_str(&format!(" and {more} more"));
        }
        let curves = if self.paper_curves().is_some() {
            "\nthe paper's released curves are there: `cargo xtask reproduce --curves-only` checks its Table 1 alone"
        } else {
            ""
        };
        format!("the public data of the reproduction is missing ({files})\n{looked}{curves}\n{SOURCES}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_what_is_missing_where_and_the_sources() {
        let dir = tempfile::tempdir().unwrap();
        let loc = DataLocation::resolve(Some(dir.path()), Path::new("experiments/paper/mmlu.toml"), &BENCHES);
        assert_eq!(loc.missing.len(), 10);
        assert_eq!(loc.paper_curves(), None);
        let m = loc.missing_message();
        assert!(m.starts_with(
            "the public data of the reproduction is missing (zellinger/mmlu.csv.gz, \
             zellinger/mmlu.embeddings.parquet, zellinger/medmcqa.csv.gz, zellinger/medmcqa.embeddings.parquet \
             and 6 more)\n"
        ));
        assert!(m.contains("(from --data-dir)"));
        assert!(m.contains("github.com/mzelling/rational-llm-cascades at commit 0d9c8610"));
        assert!(m.contains("github.com/dylanbouchard/llm-cascade-frontiers"));
        assert!(m.contains("github.com/shuhao02/RouterDC"));
    }
}
