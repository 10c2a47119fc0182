//! A paired device's session as the browser holds it: the secret in a cookie the page's
//! script cannot read and no other site sends, and the CSRF token every answer carries,
//! derived from that secret so that only a page served to the device knows it.

use hyper::header::{COOKIE, HeaderMap};

/// The cookie that carries a session's secret.
const COOKIE_NAME: &str = "toolbench_session";
/// What the CSRF token is derived under: no other use of the secret shares it.
const CSRF_CONTEXT: &str = "toolbench web 2026-11 csrf token";

/// The session secret the request's cookie carries, if any.
pub(super) fn secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty() && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value that gives the device its session: never readable by script,
/// never sent on a request another site starts, for `max_age_secs`; a `secure` one (the page
/// served over TLS) never sent in the clear.
pub(super) fn set_cookie(secret: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{secure}"
    )
}

/// The CSRF token of the session `secret`.
pub(super) fn csrf_token(secret: &str) -> String {
    blake3::Hash::from_bytes(blake3::derive_key(CSRF_CONTEXT, secret.as_bytes()))
        .to_hex()
        .to_string()
}

/// Whether `presented` is the CSRF token of `secret`, compared in constant time.
pub(super) fn csrf_matches(secret: &str, presented: &str) -> bool {
    blake3::hash(csrf_token(secret).as_bytes()) == blake3::hash(presented.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, cookie.parse().expect("header"));
        headers
    }

    #[test]
    fn the_session_cookie_is_found_among_others_and_must_be_hex() {
        assert_eq!(
            secret(&headers("a=1; toolbench_session=00ff; b=2")).as_deref(),
            Some("00ff")
        );
        assert_eq!(secret(&headers("toolbench_session=<x>")), None);
        assert_eq!(secret(&headers("other=00ff")), None);
        assert_eq!(secret(&HeaderMap::new()), None);
    }

    #[test]
    fn the_cookie_is_http_only_and_strict() {
        let cookie = set_cookie("00ff", 60, false);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert!(!cookie.contains("Secure"));
        assert!(set_cookie("00ff", 60, true).ends_with("; Secure"));
    }

    #[test]
    fn a_csrf_token_belongs_to_its_session() {
        let token = csrf_token("aa");
        assert!(csrf_matches("aa", &token));
        assert!(!csrf_matches("ab", &token));
        assert!(!csrf_matches("aa", ""));
    }
}
