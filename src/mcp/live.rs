//! Keeps the served catalog current: the workspace watcher's updates (from this process, the
//! workbench, the CLI or an editor) are merged into the entries, and the peers hear when the
//! listing changed.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::gateway::Shared;
use crate::catalog::scan::{KnownHashes, ScanProgress, scan_workspace};
use crate::watch::{self, WatchUpdate, WorkspaceWatcher};

/// Starts watching; dropping the returned watcher stops it.
pub fn follow(shared: Arc<Shared>) -> Result<WorkspaceWatcher, watch::WatchError> {
    let (tx, mut updates) = mpsc::unbounded_channel();
    let watcher = watch::watch(&shared.root, shared.config.catalog, move |update| {
        let _ = tx.send(update);
    })?;
    tokio::spawn(async move {
        while let Some(update) = updates.recv().await {
            let shared = Arc::clone(&shared);
            let applied = tokio::task::spawn_blocking(move || apply(&shared, update)).await;
            if let Ok(Err(reason)) = applied {
                eprintln!("toolbench mcp: watcher: {reason}");
            }
        }
    });
    Ok(watcher)
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
                &shared.root,
                shared.config.catalog,
                &known,
                &ScanProgress::default(),
            )
        }
        WatchUpdate::Error(reason) => return Err(Reported(reason)),
    };
    shared.replace_entries(entries);
    Ok(())
}
