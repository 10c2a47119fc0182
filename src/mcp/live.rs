//! The served listing follows the library's live catalog (`jobs::live`): each change it tells
//! (from this process, the workbench, the CLI or an editor) lists the tools again, and the
//! peers hear when the listing changed.

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

use super::shared::Shared;
use crate::jobs::live::CatalogChange;
use crate::jobs::watch::{WatchStartError, Watching};

/// Starts the watch of the live catalog and follows it; dropping the returned watch stops it.
pub(crate) async fn follow(shared: Arc<Shared>) -> Result<Watching, WatchStartError> {
    let mut changes = shared.live.subscribe();
    let watching = shared.live.follow().await?;
    tokio::spawn(async move {
        loop {
            match changes.recv().await {
                Ok(CatalogChange::Problem(problem)) => eprintln!("toolbench mcp: {problem}"),
                // A change not heard (this reader fell behind) is in the catalog all the same.
                Ok(CatalogChange::Tools { .. } | CatalogChange::Rescanned)
                | Err(RecvError::Lagged(_)) => shared.refresh_listing(),
                Err(RecvError::Closed) => return,
            }
        }
    });
    Ok(watching)
}
