//! The workbench's own config files on top of its built-in ones (`keymap.toml`,
//! `theme.toml`): read from the config folder when present, capped, and parsed as TOML with
//! an error that names the file, line and field.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::io_text::{ReadTextError, read_text_capped};

/// Larger than any keymap or theme a person writes.
const MAX_BYTES: u64 = 1024 * 1024;

/// A config file that could not be read, or is not TOML of the expected shape.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigFileError {
    #[error("{}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: ReadTextError,
    },
    /// The text already names file, line and field.
    #[error("{description}")]
    Toml { path: PathBuf, description: String },
}

/// `<config_dir>/<name>` and its text, when the file is there.
pub(crate) fn read(
    config_dir: Option<&Path>,
    name: &str,
) -> Result<Option<(PathBuf, String)>, ConfigFileError> {
    let Some(path) = config_dir.map(|d| d.join(name)).filter(|p| p.exists()) else {
        return Ok(None);
    };
    match read_text_capped(&path, MAX_BYTES) {
        Ok(text) => Ok(Some((path, text))),
        Err(source) => Err(ConfigFileError::Read { path, source }),
    }
}

/// `text` (of the file at `path`) as TOML of shape `T`.
pub(crate) fn parse<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T, ConfigFileError> {
    toml::from_str(text).map_err(|e| ConfigFileError::Toml {
        path: path.to_path_buf(),
        description: crate::text::describe_toml_error(path, text, &e),
    })
}
