//! `toolbench web`: the review page, the fourth front end. Like the command line, the
//! workbench and the MCP server it only translates: it draws what waits from the store and
//! the workbench's one stream of events, and each answer a person gives on it is a library
//! command, bound to what the page showed.
//!
//! Paired devices only: a one-time code (`toolbench web pair`) gives a device a session
//! cookie; every other request without one gets 401. Beyond loopback it is served over TLS
//! only, so the cookie and the answers never cross a network in the clear; without a
//! certificate a phone reaches it through an SSH tunnel (docs/web.md). It must never show untrusted text as markup, and
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
mod tls;
mod waiting;

use std::sync::Arc;

use crate::model::settings::WebSettings;
use crate::workbench::Workbench;
pub(crate) use error::WebError;

/// Serves the review page as `web` says until the process is ended.
pub(crate) fn serve(ws: Workbench, web: &WebSettings) -> Result<(), WebError> {
    web.check_servable()?;
    let tls = web.tls.as_ref().map(tls::Tls::load).transpose()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(WebError::Runtime)?;
    runtime.block_on(server::serve(ws, web.listen, tls.map(Arc::new)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_loopback_address_is_refused_in_one_line_saying_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let ws = Workbench::at(dir.path(), None).expect("opened");
        let mut web = ws.config().web.clone();
        web.listen = "0.0.0.0:7878".parse().expect("address");
        let err = serve(ws, &web).expect_err("refused").to_string();
        assert!(err.contains("TLS") && err.contains("SSH tunnel"), "{err}");
        assert!(!err.contains('\n'));
    }
}
