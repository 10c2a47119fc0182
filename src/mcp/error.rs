//! Why the server could not start or ended badly: a leaf the server and its transports name.

use super::token::TokenError;

/// Why the server could not start or ended badly.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    #[error(transparent)]
    Store(#[from] crate::model::StoreError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot watch the workspace")]
    Watch(#[source] crate::model::watch_error::WatchStartError),
    #[error("MCP session")]
    Session(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The client never opened the session: what it did instead, in words.
    #[error("MCP session: {0}")]
    NotInitialized(&'static str),
    /// A refused `--http` option or a socket that cannot be opened; names the flag.
    #[error("{0}")]
    Http(String),
    /// No bearer token for `--http`; names the token file.
    #[error(transparent)]
    Token(#[from] TokenError),
}
