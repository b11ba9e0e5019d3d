//! `cargo xtask reproduce [--data-dir DIR] [--out DIR] [--splits N] [--quick] [--resamples N]
//! [--threads N] [--force] [--curves-only]`: the paper's study on public data with
//! its claims checked, and its Table 1 from the released curves (see the
//! `cascadelab-reproduce` crate). Writes `<out>/REPORT.md`, `<out>/TIMINGS.md` and
//! one results directory per benchmark; prints the timing breakdown.

use std::path::PathBuf;

use anyhow::{Result, bail};
use cascadelab_reproduce::{Options, reproduce};

use crate::repo_root;

const USAGE: &str = "usage: cargo xtask reproduce [--data-dir DIR] [--out DIR] [--splits N] [--quick] \
                     [--resamples N] [--threads N] [--force] [--curves-only]

  --data-dir DIR   the public data (default: CASCADELAB_DATA_DIR, else ../shared/data)
  --out DIR        where to write (default: results/paper)
  --splits N       splits per benchmark (default: 50, the paper's)
  --quick          5 splits and 200 bootstrap replicates (what CI runs)
  --resamples N    bootstrap replicates (default 1000)
  --threads N      worker threads (default: one per core)
  --force          replace an existing output directory
  --curves-only    only the paper's Table 1 from its released curves";

/// Runs the task.
pub fn run(args: &[String]) -> Result<()> {
    let root = repo_root();
    let mut options = Options::new(&root, &root.join("results/paper"));
    options.progress = true;
    let (mut quick, mut splits, mut resamples) = (false, None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> Result<String> {
            match it.next() {
                Some(v) => Ok(v.clone()),
                None => bail!("{name} needs a value\n\n{USAGE}"),
            }
        };
        let number = |name: &str, v: String| -> Result<usize> {
            v.parse::<usize>().map_err(|_| anyhow::anyhow!("{name} takes a whole number, got `{v}`"))
        };
        match a.as_str() {
            "--data-dir" => options.data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "--out" => options.out = PathBuf::from(value("--out")?),
            "--splits" => splits = Some(number("--splits", value("--splits")?)?),
            "--resamples" => resamples = Some(number("--resamples", value("--resamples")?)?),
            "--threads" => options.threads = Some(number("--threads", value("--threads")?)?),
            "--quick" => quick = true,
            "--force" => options.force = true,
            "--curves-only" => options.curves_only = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument `{other}`\n\n{USAGE}"),
        }
    }
    if quick {
        options = options.quick();
    }
    if let Some(n) = splits {
        options.splits = Some(n);
    }
    if let Some(n) = resamples {
        options.resamples = n;
    }
    let r = reproduce(&options)?;
    eprint!("{}", r.timings.text());
    println!("wrote {}", options.out.join("REPORT.md").display());
    Ok(())
}
