//! The answers the review page sends: plain text, and HTML pages with the headers every page
//! carries (a Content-Security-Policy that lets only the page's own style and script run, no
//! framing, no referrer to other sites, no caching, no sniffing).

use std::sync::LazyLock;

use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use sha2::{Digest, Sha256};

use super::page;

pub(super) use crate::http_server::HttpResponse;

/// The Content-Security-Policy of every page, made once.
static POLICY: LazyLock<HeaderValue> = LazyLock::new(content_policy);

/// The policy that lets only the page's own style and script run, and its forms and events
/// reach only this server.
fn content_policy() -> HeaderValue {
    let hash = |text: &str| {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    };
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        hash(page::STYLE),
        hash(page::SCRIPT)
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

/// An HTML page with the headers every page is sent with.
pub(super) fn html(status: StatusCode, body: String) -> HttpResponse {
    let mut response = plain(status, body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, POLICY.clone());
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Not `no-referrer`: with it a browser sends `Origin: null` on the page's own forms, which
    // the Origin check must refuse. `same-origin` still keeps a pairing link from other sites.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// A redirect to `location`, as after an answer was taken.
pub(super) fn see_other(location: &'static str) -> HttpResponse {
    let mut response = html(StatusCode::SEE_OTHER, String::new());
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(location));
    response
}

pub(super) fn not_found() -> HttpResponse {
    html(
        StatusCode::NOT_FOUND,
        page::refusal("Not found", "There is no such page here."),
    )
}

/// A plain-text answer; every answer is kept from caches and from sniffing.
pub(super) fn plain(status: StatusCode, text: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(text.into()).boxed());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
