//! The project of this process: the folder its front end runs tools for. The command line
//! sets it once (`--project DIR`, else the current directory); every run of the process
//! that declares `[permissions] project` gets it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static PROJECT: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Sets the project of this process, once, before any run; later calls change nothing.
pub fn set(project: Option<&Path>) {
    let _ = PROJECT.set(project.map(Path::to_path_buf));
}

/// The project set at start, else the current directory (`None` when it cannot be read).
pub fn of_this_process() -> Option<PathBuf> {
    PROJECT.get_or_init(|| std::env::current_dir().ok()).clone()
}
