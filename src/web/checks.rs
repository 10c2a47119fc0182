//! The checks a request passes before it is read: `Host` names this server on loopback (no
//! DNS rebinding), a POST's `Origin` is this server (no cross-site form), and a body is no
//! larger than an answer needs. They must never let a request through on a missing header.

use http_body_util::{BodyExt, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Request, StatusCode};

use super::reply::{HttpResponse, plain};

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

/// The request's `Host`, when it names this server on loopback.
pub(super) fn allowed_host(authorities: &[String], headers: &HeaderMap) -> Option<String> {
    let host = headers
        .get(header::HOST)?
        .to_str()
        .ok()?
        .to_ascii_lowercase();
    authorities.contains(&host).then_some(host)
}

/// Whether a POST came from this page: its `Origin` is this server as the `Host` names it.
pub(super) fn same_origin(headers: &HeaderMap, host: &str) -> bool {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| origin.eq_ignore_ascii_case(&format!("http://{host}")))
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
        let authorities = vec!["127.0.0.1:4000".to_string(), "localhost:4000".to_string()];
        for good in ["127.0.0.1:4000", "LOCALHOST:4000"] {
            assert!(allowed_host(&authorities, &headers(&[(header::HOST, good)])).is_some());
        }
        for bad in ["evil.example", "127.0.0.1:4001", "localhost"] {
            assert!(allowed_host(&authorities, &headers(&[(header::HOST, bad)])).is_none());
        }
        assert!(allowed_host(&authorities, &HeaderMap::new()).is_none());
    }

    #[test]
    fn a_post_must_carry_this_servers_origin() {
        let host = "127.0.0.1:4000";
        assert!(same_origin(
            &headers(&[(header::ORIGIN, "http://127.0.0.1:4000")]),
            host
        ));
        for bad in ["http://evil.example", "https://127.0.0.1:4000", "null"] {
            assert!(
                !same_origin(&headers(&[(header::ORIGIN, bad)]), host),
                "{bad}"
            );
        }
        assert!(!same_origin(&HeaderMap::new(), host), "no Origin at all");
    }
}
