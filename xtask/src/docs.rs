//! `cargo xtask docs [--check]`: the solver table of README.md, generated from the
//! registry (the same list that drives `cascadelab solvers` and the schema), between
//! the markers `<!-- solvers:start -->` and `<!-- solvers:end -->`.

use anyhow::{Context, Result, bail};
use cascadelab_engine::registry;

use crate::repo_root;

const START: &str = "<!-- solvers:start -->";
const END: &str = "<!-- solvers:end -->";

/// Runs the task.
pub fn run(args: &[String]) -> Result<()> {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        _ => bail!("usage: cargo xtask docs [--check]"),
    };
    let path = repo_root().join("README.md");
    let readme = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let updated = with_solver_table(&readme)?;
    if updated == readme {
        println!("README.md: the solver table is up to date");
    } else if check {
        bail!("README.md: the solver table is stale: run `cargo xtask docs`");
    } else {
        std::fs::write(&path, updated).with_context(|| format!("cannot write {}", path.display()))?;
        println!("README.md: wrote the solver table");
    }
    Ok(())
}

/// `readme` with the text between the markers replaced by the registry's table.
fn with_solver_table(readme: &str) -> Result<String> {
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        bail!("README.md has no `{START}` … `{END}` markers");
    };
    if end < start {
        bail!("README.md: `{END}` comes before `{START}`");
    }
    let table = registry::markdown(registry::SOLVERS);
    Ok(format!("{}{START}\n\n{}\n{END}{}", &readme[..start], table.trim_end(), &readme[end + END.len()..]))
}
