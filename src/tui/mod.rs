//! The terminal UI. The only module that knows about the terminal.

use std::path::PathBuf;

use crate::config::Config;
use crate::workspace::RootSource;

pub fn run(_root: PathBuf, _source: RootSource, _config: Config) -> anyhow::Result<()> {
    Ok(())
}
