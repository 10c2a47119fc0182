//! `toolbench mcp --http`: the same gateway over MCP Streamable HTTP at `/mcp`.
//!
//! A local server is reachable from any web page the user opens, through DNS rebinding or a
//! cross-origin request, so the `Host` and `Origin` headers must name this server on
//! loopback (rmcp checks them before anything reaches the handler). Serving other machines
//! needs a bearer token as well.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, HeaderMap, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;

use super::McpError;
use super::gateway::Gateway;

/// The MCP endpoint's path.
const ENDPOINT: &str = "/mcp";

/// How `toolbench mcp --http` listens.
#[derive(Debug)]
pub struct HttpOptions {
    pub addr: SocketAddr,
    /// Lets `addr` be a non-loopback address (a token is required then).
    pub allow_remote: bool,
    /// A file holding the bearer token every request must present.
    pub token_file: Option<PathBuf>,
}

/// The bearer token, kept only as its hash: comparing hashes takes the same time whatever
/// the presented token (blake3's `Hash` compares in constant time) and leaks no length.
#[derive(Clone, Copy)]
pub(super) struct Token(blake3::Hash);

/// Refuses unsafe options before anything starts, and reads the token.
pub(super) fn check_options(options: &HttpOptions) -> Result<Option<Token>, McpError> {
    if options.allow_remote && options.token_file.is_none() {
        return Err(McpError::Http(
            "--allow-remote needs --token-file: other machines must present a bearer token".into(),
        ));
    }
    if !options.addr.ip().is_loopback() && !options.allow_remote {
        return Err(McpError::Http(format!(
            "--http {}: not a loopback address; serving other machines needs --allow-remote and --token-file",
            options.addr
        )));
    }
    options.token_file.as_deref().map(read_token).transpose()
}

fn read_token(path: &Path) -> Result<Token, McpError> {
    let refuse = |why: String| McpError::Http(format!("--token-file {}: {why}", path.display()));
    let mode = std::fs::metadata(path)
        .map_err(|e| refuse(format!("cannot read it: {e}")))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(refuse(format!(
            "group or others have access (mode {:o}); chmod 600 it",
            mode & 0o777
        )));
    }
    let text = std::fs::read(path).map_err(|e| refuse(format!("cannot read it: {e}")))?;
    let token = text.trim_ascii();
    if token.is_empty() {
        return Err(refuse("is empty; write the token in it".into()));
    }
    Ok(Token(blake3::hash(token)))
}

/// The names a legitimate client reaches this server by: loopback on the bound port, and
/// with `--allow-remote` the bound address itself.
fn authorities(bound: SocketAddr, allow_remote: bool) -> Vec<String> {
    let port = bound.port();
    let mut names = vec![
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ];
    if allow_remote {
        names.push(bound.to_string());
    }
    names
}

/// rmcp's service configuration: `Host` must be one of the authorities, and an `Origin`,
/// when a browser sends one, the same authority over http.
fn server_config(bound: SocketAddr, allow_remote: bool) -> StreamableHttpServerConfig {
    let hosts = authorities(bound, allow_remote);
    let origins: Vec<String> = hosts.iter().map(|h| format!("http://{h}")).collect();
    StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .enforce_origin_validation()
}

type Service = StreamableHttpService<Gateway, LocalSessionManager>;
type Answer = Response<BoxBody<Bytes, Infallible>>;

/// Listens on `options.addr` and serves every connection until the process ends.
pub(super) async fn serve(
    gateway: Gateway,
    options: &HttpOptions,
    token: Option<Token>,
) -> Result<(), McpError> {
    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(|e| McpError::Http(format!("--http {}: cannot listen: {e}", options.addr)))?;
    let bound = listener
        .local_addr()
        .map_err(|e| McpError::Http(format!("--http {}: {e}", options.addr)))?;
    let service: Service = StreamableHttpService::new(
        move || Ok(gateway.clone()),
        Arc::new(LocalSessionManager::default()),
        server_config(bound, options.allow_remote),
    );
    eprintln!("toolbench mcp: serving http://{bound}{ENDPOINT}");
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of descriptors or a connection reset before accept: the next may do.
            Err(e) => {
                eprintln!("toolbench mcp: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = service.clone();
        tokio::spawn(async move {
            let handler = hyper::service::service_fn(move |request| {
                let service = service.clone();
                async move { Ok::<_, Infallible>(answer(&service, token, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handler)
                .await;
        });
    }
}

/// The endpoint and the token come first; rmcp then checks `Host` and `Origin`.
async fn answer(service: &Service, token: Option<Token>, request: Request<Incoming>) -> Answer {
    if request.uri().path() != ENDPOINT {
        return plain(StatusCode::NOT_FOUND, "Not Found: the MCP endpoint is /mcp");
    }
    if let Some(token) = token
        && !bearer_matches(request.headers(), token)
    {
        let mut refused = plain(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: send Authorization: Bearer TOKEN",
        );
        refused.headers_mut().insert(
            WWW_AUTHENTICATE,
            hyper::header::HeaderValue::from_static("Bearer"),
        );
        return refused;
    }
    service.handle(request).await
}

fn bearer_matches(headers: &HeaderMap, token: Token) -> bool {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return false;
    };
    let value = value.as_bytes();
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let presented = match value.split_at_checked(7) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case(b"bearer ") => rest.trim_ascii(),
        _ => return false,
    };
    blake3::hash(presented) == token.0
}

fn plain(status: StatusCode, text: &'static str) -> Answer {
    let mut response = Response::new(Full::from(text).boxed());
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::ServerHandler;

    /// A handler that never serves: the checks must answer before one is made.
    #[derive(Clone)]
    struct Unreached;
    impl ServerHandler for Unreached {}

    fn service(
        bound: &str,
        allow_remote: bool,
    ) -> StreamableHttpService<Unreached, LocalSessionManager> {
        let bound: SocketAddr = bound.parse().expect("address");
        StreamableHttpService::new(
            || Err(std::io::Error::other("no session may start in these tests")),
            Arc::new(LocalSessionManager::default()),
            server_config(bound, allow_remote),
        )
    }

    async fn status(
        service: &StreamableHttpService<Unreached, LocalSessionManager>,
        host: &str,
        origin: Option<&str>,
    ) -> StatusCode {
        let mut request = Request::post("/mcp")
            .header("host", host)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let request = request
            .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.to_string())
            .expect("request");
        service.handle(request).await.status()
    }

    #[tokio::test]
    async fn a_foreign_or_wrong_port_host_is_forbidden() {
        let service = service("127.0.0.1:4000", false);
        for host in [
            "evil.example",
            "evil.example:4000",
            "127.0.0.1:4001",
            "localhost",
            "0.0.0.0:4000",
        ] {
            assert_eq!(
                status(&service, host, None).await,
                StatusCode::FORBIDDEN,
                "{host}"
            );
        }
    }

    #[tokio::test]
    async fn loopback_hosts_on_the_port_pass_the_host_check() {
        let service = service("127.0.0.1:4000", false);
        for host in [
            "127.0.0.1:4000",
            "localhost:4000",
            "LOCALHOST:4000",
            "[::1]:4000",
        ] {
            assert_ne!(
                status(&service, host, None).await,
                StatusCode::FORBIDDEN,
                "{host}"
            );
        }
    }

    #[tokio::test]
    async fn only_loopback_origins_on_the_port_are_accepted() {
        let service = service("127.0.0.1:4000", false);
        let host = "127.0.0.1:4000";
        for origin in [
            "http://evil.example",
            "http://localhost:4001",
            "https://localhost:4000",
            "null",
            "not a url",
        ] {
            assert_eq!(
                status(&service, host, Some(origin)).await,
                StatusCode::FORBIDDEN,
                "{origin}"
            );
        }
        for origin in [
            "http://localhost:4000",
            "http://127.0.0.1:4000",
            "http://[::1]:4000",
        ] {
            assert_ne!(
                status(&service, host, Some(origin)).await,
                StatusCode::FORBIDDEN,
                "{origin}"
            );
        }
    }

    #[tokio::test]
    async fn allow_remote_adds_the_bound_address_only() {
        let local = service("192.0.2.7:4000", false);
        assert_eq!(
            status(&local, "192.0.2.7:4000", None).await,
            StatusCode::FORBIDDEN
        );
        let remote = service("192.0.2.7:4000", true);
        assert_ne!(
            status(&remote, "192.0.2.7:4000", None).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(&remote, "evil.example:4000", None).await,
            StatusCode::FORBIDDEN
        );
    }

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, authorization.parse().expect("header"));
        headers
    }

    #[test]
    fn the_bearer_token_must_match_exactly() {
        let token = Token(blake3::hash(b"s3cret"));
        assert!(bearer_matches(&headers("Bearer s3cret"), token));
        assert!(bearer_matches(&headers("bearer s3cret"), token));
        assert!(!bearer_matches(&HeaderMap::new(), token));
        assert!(!bearer_matches(&headers("Bearer s3cre"), token));
        assert!(!bearer_matches(&headers("Bearer s3cret2"), token));
        assert!(!bearer_matches(&headers("Basic s3cret"), token));
        assert!(!bearer_matches(&headers("s3cret"), token));
    }

    fn options(addr: &str, allow_remote: bool, token_file: Option<PathBuf>) -> HttpOptions {
        HttpOptions {
            addr: addr.parse().expect("address"),
            allow_remote,
            token_file,
        }
    }

    fn refusal(options: &HttpOptions) -> String {
        match check_options(options) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{options:?} was accepted"),
        }
    }

    #[test]
    fn remote_binds_need_both_flags() {
        assert!(check_options(&options("127.0.0.1:0", false, None)).is_ok());
        assert!(check_options(&options("[::1]:0", false, None)).is_ok());
        assert!(refusal(&options("0.0.0.0:0", false, None)).contains("--allow-remote"));
        assert!(refusal(&options("0.0.0.0:0", true, None)).contains("--token-file"));
        assert!(refusal(&options("127.0.0.1:0", true, None)).contains("--token-file"));
    }

    #[test]
    fn the_token_file_must_be_private_and_not_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("token");
        let set = |text: &str, mode: u32| {
            std::fs::write(&file, text).expect("write");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).expect("chmod");
        };
        let with = |allow_remote| options("0.0.0.0:0", allow_remote, Some(file.clone()));

        set("s3cret\n", 0o600);
        assert!(check_options(&with(true)).is_ok());
        assert!(refusal(&with(false)).contains("--allow-remote"));
        set("s3cret\n", 0o644);
        assert!(refusal(&with(true)).contains("chmod 600"));
        set(" \n", 0o600);
        assert!(refusal(&with(true)).contains("is empty"));
        std::fs::remove_file(&file).expect("rm");
        assert!(refusal(&with(true)).starts_with("--token-file "));
    }
}
