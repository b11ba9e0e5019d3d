//! `cargo xtask quickstart-data [--check]`: regenerates `experiments/data/quickstart.csv`,
//! the synthetic pool the quickstart experiments run on, from the fixed
//! [`SyntheticSpec`] below. Floats are written with fixed precision, so every run
//! writes the same bytes; `--check` fails when the committed file differs.

use std::fmt::Write as _;

use anyhow::{Context as _, Result, bail};
use cascadelab_synthetic::{
    Accuracy, ConfidenceTransform, QualityKind, SyntheticModel, SyntheticSpec, generate, latent_ease,
};

/// Where the file goes, relative to the repository root.
pub const OUTPUT: &str = "experiments/data/quickstart.csv";

/// The canonical long layout's header.
const HEADER: &str = "query_id,split,model,correct,confidence,cost,tokens_in,tokens_out,latency_ms";

/// Illustrative per-model constants for the token and latency columns (the tool does
/// not use them): dollars per output token, fixed latency and ms per output token.
struct Serving {
    dollars_per_token: f64,
    base_ms: u64,
    ms_per_token: f64,
}

fn model(
    name: &str,
    accuracy: Accuracy,
    cost: f64,
    cost_slope: f64,
    score_noise: f64,
    scale: f64,
    neg_inf_below: f64,
) -> SyntheticModel {
    SyntheticModel {
        name: Some(name.into()),
        accuracy,
        cost,
        cost_noise: 0.6,
        cost_slope,
        score_noise,
        confidence: ConfidenceTransform::Log,
        confidence_scale: scale,
        neg_inf_below,
    }
}

/// The quickstart pool: five models, one of them (`large-405b`) dominated by
/// `frontier-xl`, with concave pairs (tiny-1b → small-8b, tiny-1b → frontier-xl)
/// and pairs with an increasing-benefit region (small-8b → mid-70b).
pub fn spec() -> SyntheticSpec {
    let logistic = |a, b| Accuracy::Logistic { a, b };
    SyntheticSpec {
        queries: 2000,
        seed: 20260501,
        quality: QualityKind::Bernoulli,
        train_fraction: Some(0.3),
        models: vec![
            model("tiny-1b", Accuracy::Linear { a: 0.1, b: 0.7 }, 2.0e-5, 0.0, 0.2, 3.0, 0.003),
            model("small-8b", logistic(-0.6, 2.6), 8.0e-5, 0.0, 0.15, 2.0, 0.001),
            model(
                "mid-70b",
                Accuracy::Piecewise { knots: vec![[0.0, 0.3], [0.3, 0.42], [0.5, 0.9], [1.0, 0.98]] },
                3.5e-4,
                -0.25,
                0.1,
                1.5,
                0.0,
            ),
            model("large-405b", logistic(0.3, 3.0), 1.2e-3, 0.0, 0.05, 1.0, 0.0),
            model("frontier-xl", logistic(1.0, 3.5), 9.0e-4, 0.0, 0.05, 0.8, 0.0),
        ],
        features: None,
    }
}

fn serving(name: &str) -> Serving {
    match name {
        "tiny-1b" => Serving { dollars_per_token: 0.1e-6, base_ms: 120, ms_per_token: 4.0 },
        "small-8b" => Serving { dollars_per_token: 0.4e-6, base_ms: 180, ms_per_token: 7.0 },
        "mid-70b" => Serving { dollars_per_token: 1.2e-6, base_ms: 300, ms_per_token: 15.0 },
        "large-405b" => Serving { dollars_per_token: 4.0e-6, base_ms: 450, ms_per_token: 28.0 },
        _ => Serving { dollars_per_token: 3.0e-6, base_ms: 400, ms_per_token: 12.0 },
    }
}

/// SplitMix64: a fixed hash for the illustrative token and latency columns.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A float with `decimals` places, without a `-0.000` for values that round to zero.
fn fixed(x: f64, decimals: usize) -> String {
    if x == f64::NEG_INFINITY {
        return "-inf".into();
    }
    let s = format!("{x:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
}

/// The file's bytes.
pub fn render() -> Result<String> {
    let spec = spec();
    let data = generate(&spec).context("quickstart specification")?;
    let ease = latent_ease(&spec);
    let split = data.source_split.as_ref().context("the quickstart specification has split labels")?;
    let mut out = String::with_capacity(700_000);
    out.push_str(HEADER);
    out.push('\n');
    for (i, id) in data.query_ids.iter().enumerate() {
        // Prompt length: shared by every model, longer for harder queries.
        let tokens_in = 60 + (mix(i as u64) % 240) + ((1.0 - ease[i]) * 300.0) as u64;
        for (j, m) in data.models.iter().enumerate() {
            let s = serving(&m.name);
            let cost = m.cost[i];
            let tokens_out = ((cost / s.dollars_per_token).round() as u64).max(1);
            let jitter = mix(((i as u64) << 8) | j as u64) % 200;
            let latency = s.base_ms + (tokens_out as f64 * s.ms_per_token).round() as u64 + jitter;
            let confidence = m.confidence.as_ref().context("synthetic models have confidence")?[i];
            writeln!(
                out,
                "{id},{},{},{},{},{},{tokens_in},{tokens_out},{latency}",
                split[i],
                m.name,
                m.quality[i] as u8,
                fixed(confidence, 4),
                fixed(cost, 10),
            )?;
        }
    }
    Ok(out)
}

/// Runs the task.
pub fn run(args: &[String]) -> Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask quickstart-data [--check]"),
    };
    let bytes = render()?;
    let path = crate::repo_root().join(OUTPUT);
    if check {
        let current = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if current != bytes {
            bail!("{} is stale: run `cargo xtask quickstart-data`", path.display());
        }
        eprintln!("{} is up to date", path.display());
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {} ({} bytes, {} rows)", path.display(), bytes.len(), bytes.lines().count() - 1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use cascadelab_core::Pool;

    use super::*;

    #[test]
    fn rendering_is_deterministic_and_small() {
        let (a, b) = (render().unwrap(), render().unwrap());
        assert_eq!(a, b);
        assert!(a.len() < 1_000_000, "{} bytes", a.len());
        assert!(a.contains(",-inf,"), "some confidences should be exactly -inf");
        assert_eq!(a.lines().count(), 1 + 2000 * 5);
    }

    #[test]
    fn pool_drops_the_dominated_model_and_pairs_mix_concave_and_not() {
        let spec = spec();
        let data = generate(&spec).unwrap();
        let pool = Pool::new(&data, &data.all_queries());
        let large = spec.model_index("large-405b").unwrap();
        assert!(!pool.members.contains(&large), "large-405b should be dominated");
        assert_eq!(pool.members.len(), 4);
        // Concavity of each pair's closed-form frontier: Δ non-increasing on [0, 1].
        let grid: Vec<f64> = (0..=200).map(|i| i as f64 / 200.0).collect();
        let concave = |l: usize, h: usize| grid.iter().all(|&s| spec.benefit_derivative(l, h, s) <= 1e-12);
        let verdicts: Vec<bool> = pool.pairs.iter().map(|&(l, h)| concave(l, h)).collect();
        assert!(verdicts.iter().any(|&c| c) && verdicts.iter().any(|&c| !c), "{verdicts:?}");
    }
}
