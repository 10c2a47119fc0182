//! Keeps the served catalog current: the watch job's updates (from this process, the
//! workbench, the CLI or an editor) are merged into the entries, and the peers hear when the
//! listing changed.

use std::sync::Arc;

use super::shared::Shared;
use crate::catalog::scan::{KnownHashes, ScanProgress, scan_workspace};
use crate::jobs::watch::{WatchJob, WatchRequest, WatchStartError, Watching};
use crate::watch::{self, WatchUpdate};

/// Starts the watch job and follows it; dropping the returned watch stops it.
pub(crate) async fn follow(shared: Arc<Shared>) -> Result<Watching, WatchStartError> {
    let job = WatchJob::new(WatchRequest {
        root: shared.workbench.root().to_path_buf(),
        limits: shared.workbench.config().catalog,
    });
    let mut updates = job.observe();
    let watching = job.start().await?;
    tokio::spawn(async move {
        while let Some(update) = updates.next().await {
            let shared = Arc::clone(&shared);
            let applied = tokio::task::spawn_blocking(move || apply(&shared, update)).await;
            if let Ok(Err(reason)) = applied {
                eprintln!("toolbench mcp: watcher: {reason}");
            }
        }
    });
    Ok(watching)
}

/// What the watcher reported instead of changes; its words, passed on.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Reported(String);

fn apply(shared: &Shared, update: WatchUpdate) -> Result<(), Reported> {
    let entries = match update {
        WatchUpdate::Tools { updated, removed } => {
            watch::merge((*shared.entries()).clone(), updated, &removed)
        }
        WatchUpdate::Rescan => {
            let known = KnownHashes::from_entries(&shared.entries());
            scan_workspace(
                shared.workbench.root(),
                shared.workbench.config().catalog,
                &known,
                &ScanProgress::default(),
            )
        }
        WatchUpdate::Error(reason) => return Err(Reported(reason)),
    };
    shared.replace_entries(entries);
    Ok(())
}
