//! Why a workspace is not watched, as nouns every front end may name. Watching it is
//! `watch`'s and `jobs::watch`'s.

use std::path::PathBuf;

/// Why the workspace could not be watched.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot watch", .root.display())]
pub struct WatchError {
    pub(crate) root: PathBuf,
    #[source]
    pub(crate) source: notify::Error,
}

/// Why the workspace is not watched.
#[derive(Debug, thiserror::Error)]
pub enum WatchStartError {
    #[error(transparent)]
    Watch(#[from] WatchError),
    /// The setup's thread was stopped (the runtime shut down) or panicked.
    #[error("the watcher's setup stopped before its end: {0}")]
    Stopped(String),
}
