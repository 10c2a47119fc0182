//! The server follows the workbench's stream of events (`workbench::events`): each change of
//! the live catalog (from this process, the workbench, the CLI or an editor) lists the tools
//! again, and the peers hear when the listing changed; validations' results and the catalog's
//! problems are logged.

use std::sync::Arc;

use super::McpError;
use super::shared::{ServerState, log_validation};
use crate::workbench::events::{Sources, WorkbenchEvent};

/// Starts the watch of the live catalog, which lasts as long as the server serves, and
/// follows the stream of events.
pub(crate) async fn follow(shared: Arc<ServerState>) -> Result<(), McpError> {
    // No poller: the server holds the calls it waits on itself.
    let mut events = shared.workbench().events(Sources::default())?;
    let polling = shared.serving.watch().await.map_err(McpError::Watch)?;
    if let Some(polling) = polling {
        eprintln!("toolbench mcp: {polling}");
    }
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                WorkbenchEvent::CatalogProblem(problem) => eprintln!("toolbench mcp: {problem}"),
                WorkbenchEvent::ToolsChanged { .. } | WorkbenchEvent::CatalogReplaced(_) => {
                    shared.refresh_listing();
                }
                WorkbenchEvent::Validation(event) => log_validation(event),
                // Not asked for.
                WorkbenchEvent::RunElsewhere(_)
                | WorkbenchEvent::Waiting(_)
                | WorkbenchEvent::Services(_) => {}
            }
        }
    });
    Ok(())
}
