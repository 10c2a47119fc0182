//! The `[notify] webhook` address, checked as the config is read, and the one POST sent to it.
//!
//! Plain `http://` only: the page it links to is served on loopback without TLS too, and a
//! TLS client would be a second, heavy stack for one request. A self-hosted ntfy on this
//! machine or a private network is reached that way.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{CONNECTION, CONTENT_TYPE, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;

use super::message::Message;

/// Where notifications are POSTed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Webhook {
    uri: Uri,
}

impl Webhook {
    /// An `http://` URL with a host and no credentials; otherwise why not, in one line.
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        let example = "e.g. \"http://127.0.0.1:8080/toolbench\"";
        let uri: Uri = url
            .parse()
            .map_err(|_| format!("{url:?} is not a URL, {example}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(format!(
                    "{url:?}: https is not supported; give an http:// URL (a self-hosted ntfy \
                     on this machine or a private network)"
                ));
            }
            _ => return Err(format!("{url:?} is not an http:// URL, {example}")),
        }
        match uri.authority() {
            Some(authority) if authority.as_str().contains('@') => Err(format!(
                "{url:?}: credentials in the URL are not sent; give the URL without them"
            )),
            Some(authority) if !authority.host().is_empty() => Ok(Self { uri }),
            _ => Err(format!("{url:?} names no host, {example}")),
        }
    }

    /// The URL as given, for the log.
    pub(crate) fn url(&self) -> String {
        self.uri.to_string()
    }

    /// Sends `message` as one POST on a connection of its own; `Ok` on a 2xx answer. Its caller
    /// bounds the time it takes.
    pub(crate) async fn post(&self, message: &Message) -> Result<(), String> {
        let authority = self.uri.authority().ok_or("the URL names no host")?;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = authority.port_u16().unwrap_or(80);
        let stream = tokio::net::TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        let path = self.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut request = Request::post(path)
            .header(HOST, authority.as_str())
            .header(CONTENT_TYPE, "application/json")
            // The connection ends with the answer, so `connection` below ends too.
            .header(CONNECTION, "close");
        for (name, value) in &message.headers {
            request = request.header(*name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(message.body.clone())))
            .map_err(|e| e.to_string())?;
        let exchange = async move {
            // Only the status is read; the body is dropped unread.
            sender
                .send_request(request)
                .await
                .map(|answer| answer.status())
        };
        let (answered, _) = tokio::join!(exchange, connection);
        let status = answered.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("it answered {status}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_http_url_with_a_host_is_a_webhook() {
        let hook = Webhook::parse("http://127.0.0.1:8080/toolbench").expect("a webhook");
        assert_eq!(hook.url(), "http://127.0.0.1:8080/toolbench");
        for (bad, why) in [
            ("ftp://example.com/x", "is not an http:// URL"),
            ("127.0.0.1:8080", "is not an http:// URL"),
            ("http://exa mple.com/", "is not a URL"),
            ("https://ntfy.sh/topic", "https is not supported"),
            ("http://me:secret@example.com/", "credentials"),
        ] {
            let err = Webhook::parse(bad).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
