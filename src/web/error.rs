//! Why the page could not be served: a leaf the server and its parts name.

use std::net::SocketAddr;

use crate::model::StoreError;
use crate::model::settings::NotLoopback;
use crate::workbench::reader::ReadError;

/// Why the page could not be served, in one line.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WebError {
    #[error(transparent)]
    NotLoopback(#[from] NotLoopback),
    #[error("{} ({field}): {reason}", file.display())]
    Tls {
        file: std::path::PathBuf,
        field: &'static str,
        reason: String,
    },
    #[error("{addr}: cannot listen: {reason}")]
    Listen { addr: SocketAddr, reason: String },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Read(#[from] ReadError),
}
