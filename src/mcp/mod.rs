//! `toolbench mcp`: the catalog served to agents over the Model Context Protocol (DESIGN §8).
//!
//! `listing` turns active tools into MCP definitions, `call` runs them through the same
//! runner and record as the CLI and the workbench, `agent_tools` are toolbench's own tools
//! (propose, review status, report failure), `live` keeps the listing current and tells
//! clients when it changes, and `gateway` is the handler that ties them together. It is
//! served on stdio or, by `http`, over Streamable HTTP.

mod agent_tools;
mod call;
pub mod gateway;
mod http;
pub mod listing;
mod live;

use std::path::PathBuf;
use std::sync::Arc;

use rmcp::ServiceExt;

use crate::catalog::scan::{KnownHashes, ScanProgress, scan_workspace};
use crate::config::Config;
use crate::store::Store;
use gateway::{Gateway, Shared};
pub use http::HttpOptions;

/// Why the server could not start or ended badly.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot find the toolbench binary: {0}")]
    Exe(std::io::Error),
    #[error("cannot watch the workspace: {0}")]
    Watch(String),
    #[error("MCP session: {0}")]
    Session(String),
    /// A refused `--http` option or a socket that cannot be opened; names the flag.
    #[error("{0}")]
    Http(String),
}

/// Loads the catalog once (the cached index spares re-hashing unchanged tools) and builds
/// what every session shares.
fn shared(root: PathBuf, config: Config) -> Result<Arc<Shared>, McpError> {
    let exe = std::env::current_exe().map_err(McpError::Exe)?;
    let mut store = Store::open(&root)?;
    let cached = store.load_index().unwrap_or_default();
    let entries = scan_workspace(
        &root,
        config.catalog,
        &KnownHashes::from_entries(&cached),
        &ScanProgress::default(),
    );
    let _ = store.save_index(&entries);
    Ok(Arc::new(Shared::new(root, config, exe, entries, store)))
}

/// Serves one client on stdin/stdout until it goes away.
pub fn serve_stdio(root: PathBuf, config: Config) -> Result<(), McpError> {
    runtime()?.block_on(async move {
        let shared = shared(root, config)?;
        let _watcher = live::follow(Arc::clone(&shared)).map_err(McpError::Watch)?;
        let service = Gateway { shared }
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| McpError::Session(e.to_string()))?;
        service
            .waiting()
            .await
            .map_err(|e| McpError::Session(e.to_string()))?;
        Ok(())
    })
}

/// Serves any number of clients over Streamable HTTP, all sessions sharing one catalog and
/// one watcher, until the process is stopped.
pub fn serve_http(root: PathBuf, config: Config, options: HttpOptions) -> Result<(), McpError> {
    // Refused options fail before the catalog is scanned.
    let token = http::check_options(&options)?;
    runtime()?.block_on(async move {
        let shared = shared(root, config)?;
        let _watcher = live::follow(Arc::clone(&shared)).map_err(McpError::Watch)?;
        http::serve(Gateway { shared }, &options, token).await
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, McpError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(McpError::Runtime)
}
