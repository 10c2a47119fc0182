//! The checks a request passes before it is read: `Host` names this server, on loopback or by
//! a name its certificate holds (no DNS rebinding), a POST's `Origin` is this server (no cross-site form), and a body is no
//! larger than an answer needs. They must never let a request through on a missing header.

use http_body_util::{BodyExt, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Request, StatusCode};

use std::sync::Arc;

use super::reply::{HttpResponse, plain};
use super::tls::Tls;

/// The largest request body read: an answer is a few hundred bytes.
const MAX_BODY: usize = 64 * 1024;

/// The request's body, refused unread when it says it is over [`MAX_BODY`], and cut off
/// when it grows past it.
pub(super) async fn read_body(request: Request<Incoming>) -> Result<Bytes, HttpResponse> {
    let too_large = || {
        let mut response = plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Payload Too Large: a request body may hold {MAX_BODY} bytes"),
        );
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        response
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY as u64) {
        return Err(too_large());
    }
    match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(_) => Err(too_large()),
    }
}

/// What this server is to a browser: the names a request may reach it by, and its scheme.
pub(super) struct Site {
    port: u16,
    tls: Option<Arc<Tls>>,
}

impl Site {
    /// The page served on `port`, over `tls` when given.
    pub(super) fn new(port: u16, tls: Option<Arc<Tls>>) -> Self {
        Site { port, tls }
    }

    pub(super) fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    /// The request's `Host`, when it names this server on its port: on loopback, or (served
    /// over TLS) by a name its certificate holds, as a browser reaches it by no other.
    pub(super) fn allowed_host(&self, headers: &HeaderMap) -> Option<String> {
        let host = headers
            .get(header::HOST)?
            .to_str()
            .ok()?
            .to_ascii_lowercase();
        // A browser leaves out the scheme's own port.
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) if !port.contains(']') => (name, port.parse::<u16>().ok()?),
            _ => (host.as_str(), if self.tls.is_some() { 443 } else { 80 }),
        };
        if port != self.port || name.ends_with('.') {
            return None;
        }
        let loopback = ["127.0.0.1", "localhost", "[::1]"].contains(&name);
        let certified = self.tls.as_ref().is_some_and(|tls| tls.names(name));
        (loopback || certified).then_some(host)
    }

    /// Whether a POST came from this page: its `Origin` is this server as the `Host` names it.
    pub(super) fn same_origin(&self, headers: &HeaderMap, host: &str) -> bool {
        let origin = format!("{}://{host}", self.scheme());
        headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|given| given.eq_ignore_ascii_case(&origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(name.clone(), value.parse().expect("header"));
        }
        headers
    }

    #[test]
    fn only_loopback_hosts_on_the_port_pass() {
        let site = Site::new(4000, None);
        for good in ["127.0.0.1:4000", "LOCALHOST:4000", "[::1]:4000"] {
            assert!(
                site.allowed_host(&headers(&[(header::HOST, good)]))
                    .is_some()
            );
        }
        for bad in [
            "evil.example:4000",
            "127.0.0.1:4001",
            "localhost",
            "localhost.:4000",
        ] {
            assert!(
                site.allowed_host(&headers(&[(header::HOST, bad)]))
                    .is_none(),
                "{bad}"
            );
        }
        assert!(site.allowed_host(&HeaderMap::new()).is_none());
    }

    #[test]
    fn a_post_must_carry_this_servers_origin() {
        let site = Site::new(4000, None);
        let host = "127.0.0.1:4000";
        assert!(site.same_origin(&headers(&[(header::ORIGIN, "http://127.0.0.1:4000")]), host));
        for bad in ["http://evil.example", "https://127.0.0.1:4000", "null"] {
            assert!(
                !site.same_origin(&headers(&[(header::ORIGIN, bad)]), host),
                "{bad}"
            );
        }
        assert!(
            !site.same_origin(&HeaderMap::new(), host),
            "no Origin at all"
        );
    }
}
