use std::path::{Path, PathBuf};

use clap::Args;

use super::CliResult;
use super::term::outln;

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Folder to turn into a workspace (created if missing). Default: the current directory.
    dir: Option<PathBuf>,
}

pub(crate) fn run(args: InitArgs, cwd: &Path) -> CliResult {
    let dir = match args.dir {
        Some(d) if d.is_absolute() => d,
        Some(d) => cwd.join(d),
        None => cwd.to_path_buf(),
    };
    let report = crate::workbench::init(&dir)?;
    for path in &report.created {
        outln!("created {}", path.display());
    }
    if report.created.is_empty() {
        outln!("{} is already a workspace; nothing to do", dir.display());
    }
    Ok(())
}
