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
pub mod gateway;
mod http;
pub mod listing;
mod live;
mod request_tool;
mod service_call;
mod sessions;
mod stdio;
mod token;

use std::path::PathBuf;
use std::sync::Arc;

use rmcp::ServiceExt;
use rmcp::transport::async_rw::AsyncRwTransport;

use crate::catalog::scan::{KnownHashes, ScanProgress, scan_workspace};
use crate::config::Config;
use crate::store::Store;
use gateway::{Gateway, Shared};
pub use http::HttpOptions;
pub use token::TokenError;

/// The longest JSON-RPC message read from stdin: room for the largest proposal, so one over
/// `max_proposal_kb` gets the proposal's own refusal.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Why the server could not start or ended badly.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot find the toolbench binary: {0}")]
    Exe(std::io::Error),
    #[error("cannot watch the workspace")]
    Watch(#[source] crate::jobs::watch::WatchStartError),
    #[error("MCP session")]
    Session(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A refused `--http` option or a socket that cannot be opened; names the flag.
    #[error("{0}")]
    Http(String),
    /// No bearer token for `--http`; names the token file.
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// Loads the catalog once (the cached index spares re-hashing unchanged tools) and builds
/// what every session shares, its validation workers on the current runtime.
/// `opened` is the store the start-of-process checks opened, if any: it becomes the
/// process's one write connection.
pub fn shared(
    root: PathBuf,
    config: Config,
    exe: PathBuf,
    opened: Option<Store>,
) -> Result<Arc<Shared>, McpError> {
    let mut store = match opened {
        Some(store) => store,
        None => Store::open(&root)?,
    };
    // Calls a dead server left waiting will never run: say so before serving new ones.
    let _ = crate::approvals::abandon_dead(&mut store);
    let cached = store.load_index().unwrap_or_default();
    let entries = scan_workspace(
        &root,
        config.catalog,
        &KnownHashes::from_entries(&cached),
        &ScanProgress::default(),
    );
    let _ = store.save_index(&entries);
    Ok(Arc::new(Shared::new(
        &tokio::runtime::Handle::current(),
        root,
        config,
        exe,
        entries,
        store,
    )))
}

/// How long the calls a departed client left behind get to stop and be recorded.
const CALLS_END_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves one client on stdin/stdout until it goes away.
pub fn serve_stdio(root: PathBuf, config: Config, opened: Option<Store>) -> Result<(), McpError> {
    let exe = std::env::current_exe().map_err(McpError::Exe)?;
    runtime()?.block_on(async move {
        let shared = shared(root, config, exe, opened)?;
        let _watcher = live::follow(Arc::clone(&shared))
            .await
            .map_err(McpError::Watch)?;
        let (client_lines, session_lines) = stdio::transport(MAX_MESSAGE_BYTES);
        // The edge already bounds lines (and answers the longer ones); one byte more for
        // the newline the session's reader counts.
        let transport = AsyncRwTransport::new(client_lines, session_lines)
            .with_max_line_length(MAX_MESSAGE_BYTES + 1);
        let service = Gateway::new(Arc::clone(&shared))
            .serve(transport)
            .await
            .map_err(|e| McpError::Session(e.into()))?;
        service
            .waiting()
            .await
            .map_err(|e| McpError::Session(e.into()))?;
        // The session ended (the client went away) and cancelled the calls still running:
        // let them kill their runs and record them before the runtime drops their tasks.
        let _ = tokio::time::timeout(CALLS_END_WITHIN, shared.calls_ended()).await;
        Ok(())
    })
}

/// Serves any number of clients over Streamable HTTP, all sessions sharing one catalog and
/// one watcher, until the process is stopped.
pub fn serve_http(
    root: PathBuf,
    config: Config,
    opened: Option<Store>,
    options: HttpOptions,
) -> Result<(), McpError> {
    // Refused options fail before the catalog is scanned.
    let access = http::check_options(&options)?;
    let limits = config.mcp_sessions;
    let exe = std::env::current_exe().map_err(McpError::Exe)?;
    runtime()?.block_on(async move {
        let shared = shared(root, config, exe, opened)?;
        let _watcher = live::follow(Arc::clone(&shared))
            .await
            .map_err(McpError::Watch)?;
        http::serve(shared, &options, access, limits).await
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, McpError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(McpError::Runtime)
}
