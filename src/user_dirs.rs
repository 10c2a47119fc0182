//! Where toolbench keeps this user's own files, whatever the workspace: the settings folder
//! (`~/.config/toolbench`, or `$TOOLBENCH_CONFIG_DIR`) and the data folders the system names.

use std::path::PathBuf;

/// Overrides the user config directory (tests, or several setups side by side).
pub(crate) const CONFIG_DIR_ENV: &str = "TOOLBENCH_CONFIG_DIR";

/// The user config directory (`~/.config/toolbench` on Linux), or `$TOOLBENCH_CONFIG_DIR`.
pub(crate) fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV) {
        return Some(PathBuf::from(dir));
    }
    project_dirs().map(|d| d.config_dir().to_path_buf())
}

/// toolbench's data, config and cache folders as the system names them for this user.
pub(crate) fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "toolbench")
}
