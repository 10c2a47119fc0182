//! `toolbench mcp`: the catalog served to agents over the Model Context Protocol (DESIGN §8).
//!
//! `listing` turns active tools into MCP definitions, `call` runs them through the same
//! runner and record as the CLI and the workbench, `agent_tools` are toolbench's own tools
//! (propose, request a tool, review status, report failure), `live` keeps the listing current and tells
//! clients when it changes, and `gateway` is the handler that ties them together. It is
//! served on stdio or, by `http`, over Streamable HTTP.

mod agent_tools;
mod approval;
mod call;
mod caller;
mod error;
pub mod gateway;
mod http;
pub(crate) mod listing;
mod live;
mod open_tasks;
mod progress;
mod reply;
mod request_tool;
mod service_call;
mod sessions;
pub(crate) mod shared;
mod stdio;
mod stop;
mod tasks;
mod token;

use std::sync::Arc;

use rmcp::ServiceExt;
use rmcp::transport::async_rw::AsyncRwTransport;

use crate::workbench::Workbench;
use crate::workbench::stop::Stop;
pub use error::McpError;
use gateway::Gateway;
pub(crate) use http::HttpOptions;
use shared::ServerState;

/// The longest JSON-RPC message read from stdin: room for the largest proposal, so one over
/// `max_proposal_kb` gets the proposal's own refusal.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Loads the catalog once (the cached index spares re-hashing unchanged tools) and builds
/// what every session shares, its validation workers on the current runtime. The
/// workbench's write connection becomes the server's one writer. A workspace whose tools
/// nobody accepted here is said so in the log: none of them is listed until a person does.
pub fn shared(workbench: Workbench) -> Result<Arc<ServerState>, McpError> {
    let (shared, waiting) = open(workbench)?;
    if let Some(line) = waiting {
        eprintln!("toolbench mcp: {line}");
    }
    Ok(shared)
}

/// `shared`, with the line saying the workspace waits for a person to accept its tools left
/// for the caller to say once it has said where it serves (after the lines a script reads
/// first).
fn open(workbench: Workbench) -> Result<(Arc<ServerState>, Option<String>), McpError> {
    // Active tools carry their drift from what was approved, so the first listing holds only
    // what may run: a tool placed in approved/ by hand has no seal and is left out.
    let catalog = workbench.scan();
    let waiting = workbench.waiting_line(catalog.entries());
    workbench.back_up_in_background();
    let shared = Arc::new(ServerState::new(
        &tokio::runtime::Handle::current(),
        workbench,
        catalog,
    )?);
    Ok((shared, waiting))
}

/// How long the calls a departed client left behind get to stop and be recorded.
const CALLS_END_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves one client on stdin/stdout until it goes away.
pub(crate) fn serve_stdio(workbench: Workbench) -> Result<(), McpError> {
    serve_on_runtime(async move {
        let mut signals = stop::Signals::install();
        let shared = shared(workbench)?;
        live::follow(Arc::clone(&shared)).await?;
        let (client_lines, session_lines) = stdio::transport(MAX_MESSAGE_BYTES);
        // The edge already bounds lines (and answers the longer ones); one byte more for
        // the newline the session's reader counts.
        let transport = AsyncRwTransport::new(client_lines, session_lines)
            .with_max_line_length(MAX_MESSAGE_BYTES + 1);
        // Asked to end before the client initialized, it ends as it would after: cleanly.
        let serving = Gateway::new(Arc::clone(&shared)).serve(transport);
        let service = tokio::select! {
            served = serving => served.map_err(not_initialized)?,
            _ = signals.asked() => {
                stop::stop(&shared).await;
                return Ok(());
            }
        };
        // Asked to end, the server stops its runs and ends the session.
        let session = service.cancellation_token();
        tokio::spawn(async move {
            signals.asked().await;
            Stop::begin();
            session.cancel();
        });
        service
            .waiting()
            .await
            .map_err(|e| McpError::Session(e.into()))?;
        if Stop::begun() {
            stop::stop(&shared).await;
            return Ok(());
        }
        // The session ended (the client went away) and cancelled the calls still running:
        // let them kill their runs and record them before the runtime drops their tasks.
        // Calls answered with an MCP task go on until they end (each is bounded by its run's
        // timeout and the approvals' timeout): a client may come back for their results.
        if shared.open_tasks() > 0 {
            shared.calls_ended().await;
        } else {
            let _ = tokio::time::timeout(CALLS_END_WITHIN, shared.calls_ended()).await;
        }
        // What still runs (validations) is stopped and recorded, not dropped with the runtime.
        stop::stop(&shared).await;
        Ok(())
    })
}

/// Why a stdio session never opened, in words rather than the library's (which prints the
/// message it got instead of an initialize request as a Rust value).
fn not_initialized(error: rmcp::service::ServerInitializeError) -> McpError {
    use rmcp::service::ServerInitializeError as Why;
    match error {
        Why::ConnectionClosed(_) => McpError::NotInitialized(
            "the client closed its input before it initialized the session",
        ),
        Why::ExpectedInitializeRequest(_) => {
            McpError::NotInitialized("the client's first message was not an initialize request")
        }
        other => McpError::Session(other.into()),
    }
}

/// Serves any number of clients over Streamable HTTP, all sessions sharing one catalog and
/// one watcher, until the process is stopped.
pub(crate) fn serve_http(workbench: Workbench, options: HttpOptions) -> Result<(), McpError> {
    // Refused options fail before the catalog is scanned.
    let access = http::check_options(&options)?;
    let limits = workbench.config().mcp_sessions;
    serve_on_runtime(async move {
        let (shared, waiting) = open(workbench)?;
        live::follow(Arc::clone(&shared)).await?;
        http::serve(Arc::clone(&shared), waiting, &options, access, limits).await?;
        stop::stop(&shared).await;
        Ok(())
    })
}

/// Serves `server` on a runtime of its own. Its end does not wait for the rest the runtime
/// still holds: every run of the server is recorded by then (`stop`), and a blocking read of
/// stdin, which a client that sent SIGTERM may keep open, would otherwise hold the exit for
/// good.
fn serve_on_runtime(
    server: impl std::future::Future<Output = Result<(), McpError>>,
) -> Result<(), McpError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(McpError::Runtime)?;
    let served = runtime.block_on(server);
    runtime.shutdown_background();
    crate::workbench::after_runtimes();
    served
}
