//! Why the page could not be served: a leaf the server and its parts name.

use std::net::SocketAddr;

use crate::model::StoreError;
use crate::workbench::reader::ReadError;

/// Why the page could not be served, in one line.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WebError {
    #[error(
        "{0}: not a loopback address (--listen or [web] listen), and no certificate was given to serve it over TLS: its session cookie and answers would cross the network in the clear; give --tls-cert and --tls-key (or [web] tls_cert and tls_key), or listen on 127.0.0.1 and reach it through an SSH tunnel (see docs/web.md)"
    )]
    NotLoopback(SocketAddr),
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
