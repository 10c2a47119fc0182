//! `toolbench web`: the review page, the fourth front end. Like the command line, the
//! workbench and the MCP server it only translates: it draws what waits from the store and
//! the workbench's one stream of events, and each answer a person gives on it is a library
//! command, bound to what the page showed.
//!
//! Paired devices only: a one-time code (`toolbench web pair`) gives a device a session
//! cookie; every other request without one gets 401. It serves plain HTTP on loopback only,
//! so the cookie and the answers never cross a network in the clear; a phone reaches it
//! through an SSH tunnel (docs/web.md). It must never show untrusted text as markup, and
//! never act on an answer that does not carry the session's CSRF token.

mod answers;
mod checks;
mod error;
mod events;
mod page;
mod pairing;
mod reply;
mod server;
mod sessions;
mod waiting;

use std::net::SocketAddr;
use std::sync::Arc;

use crate::workbench::Workbench;
pub(crate) use error::WebError;

/// Serves the review page at `listen` until the process is ended.
pub(crate) fn serve(ws: Workbench, listen: SocketAddr) -> Result<(), WebError> {
    if !listen.ip().is_loopback() {
        return Err(WebError::NotLoopback(listen));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(WebError::Runtime)?;
    runtime.block_on(server::serve(Arc::new(ws), listen))
}

/// The link a pairing code opens on the page served at `listen`.
pub(crate) fn pairing_link(listen: SocketAddr, code: &str) -> String {
    format!("http://{listen}/pair?code={code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_loopback_address_is_refused_in_one_line_saying_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let ws = Workbench::at(dir.path(), None).expect("opened");
        let addr: SocketAddr = "0.0.0.0:7878".parse().expect("address");
        let err = serve(ws, addr).expect_err("refused").to_string();
        assert!(err.contains("TLS") && err.contains("SSH tunnel"), "{err}");
        assert!(!err.contains('\n'));
    }
}
