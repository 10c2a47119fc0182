//! `toolbench mcp --http`: the same gateway over MCP Streamable HTTP at `/mcp`.
//!
//! Any user of the machine can open a loopback port, so every request must carry the owner's
//! bearer token (`token`), whatever the address. A local server is also reachable from any
//! web page the user opens, through DNS rebinding or a cross-origin request, so the `Host` and
//! `Origin` headers must name this server on loopback (rmcp checks them before anything
//! reaches the handler). Sessions are bounded in number and idle time (`sessions`). This
//! module must never answer a request without a token past the 401.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;

use super::McpError;
use super::gateway::Gateway;
use super::sessions::Sessions;
use super::shared::ServerState;
use super::token::{self, Token};
use crate::http_server::HttpResponse;
use crate::model::settings::SessionLimits;

/// The MCP endpoint's path.
const ENDPOINT: &str = "/mcp";
/// The header naming a request's session; a POST without it may open one.
const SESSION_HEADER: &str = "mcp-session-id";

/// How `toolbench mcp --http` listens.
#[derive(Debug)]
pub(crate) struct HttpOptions {
    pub(crate) addr: SocketAddr,
    /// Lets `addr` be a non-loopback address.
    pub(crate) allow_remote: bool,
    /// The file holding the bearer token; `mcp-token` in the config folder when unset.
    pub(crate) token_file: Option<PathBuf>,
}

/// The token every request must present, and the file it came from.
pub(super) struct Access {
    token: Token,
    file: PathBuf,
}

/// Refuses unsafe options before anything starts, and reads the token (making the default
/// one on first use).
pub(super) fn check_options(options: &HttpOptions) -> Result<Access, McpError> {
    if !options.addr.ip().is_loopback() && !options.allow_remote {
        return Err(McpError::Http(format!(
            "--http {}: not a loopback address; serving other machines needs --allow-remote",
            options.addr
        )));
    }
    let (token, file) = match &options.token_file {
        Some(file) => (token::read(file)?, file.clone()),
        None => {
            let file = token::default_file()?;
            (token::read_or_create(&file)?, file)
        }
    };
    Ok(Access { token, file })
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

type Service = StreamableHttpService<Gateway, Sessions>;

/// What every connection shares.
struct Server {
    service: Service,
    sessions: Arc<Sessions>,
    token: Token,
}

/// Listens on `options.addr` and serves every connection until the server is asked to end
/// (`stop::signalled`); `waiting`, the line saying the workspace waits for a person to accept
/// its tools, is said after where it listens.
pub(super) async fn serve(
    shared: Arc<ServerState>,
    waiting: Option<String>,
    options: &HttpOptions,
    access: Access,
    limits: SessionLimits,
) -> Result<(), McpError> {
    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(|e| McpError::Http(format!("--http {}: cannot listen: {e}", options.addr)))?;
    let bound = listener
        .local_addr()
        .map_err(|e| McpError::Http(format!("--http {}: {e}", options.addr)))?;
    let sessions = Arc::new(Sessions::new(limits));
    tokio::spawn(Arc::clone(&sessions).close_idle_forever());
    let server = Arc::new(Server {
        service: StreamableHttpService::new(
            move || Ok(Gateway::new(Arc::clone(&shared))),
            Arc::clone(&sessions),
            server_config(bound, options.allow_remote),
        ),
        sessions,
        token: access.token,
    });
    let url = format!("http://{bound}{ENDPOINT}");
    eprintln!("toolbench mcp: serving {url}");
    eprintln!(
        "toolbench mcp: every request needs \"Authorization: Bearer TOKEN\", TOKEN being the text of {}",
        access.file.display()
    );
    eprintln!(
        "toolbench mcp: e.g. claude mcp add --transport http toolbench {url} --header \"Authorization: Bearer $(cat {})\"",
        shell_quoted(&access.file)
    );
    // Said after where the server listens, which a script reads from the first line.
    if let Some(line) = waiting {
        eprintln!("toolbench mcp: {line}");
    }
    let mut signals = super::stop::Signals::install();
    let until = async move {
        let signal = signals.asked().await;
        eprintln!("toolbench mcp: {signal}: stopping its runs and ending");
    };
    crate::http_server::serve(
        listener,
        crate::http_server::Transport::Plain,
        "toolbench mcp",
        until,
        server,
        |server, request| async move { answer(&server, request).await },
    )
    .await;
    Ok(())
}

/// The endpoint, the token and the session cap come first; rmcp then checks `Host` and
/// `Origin`.
async fn answer(server: &Server, request: Request<Incoming>) -> HttpResponse {
    if request.uri().path() != ENDPOINT {
        return plain(StatusCode::NOT_FOUND, "Not Found: the MCP endpoint is /mcp");
    }
    if !bearer_matches(request.headers(), server.token) {
        let mut refused = plain(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: send the header \"Authorization: Bearer TOKEN\"; TOKEN is in the \
             token file `toolbench mcp --http` named when it started",
        );
        refused
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return refused;
    }
    // Only a POST without a session may open one (an `initialize`); it holds a place while
    // it is answered.
    let _place = if opens_session(&request) {
        match server.sessions.admit() {
            Some(place) => Some(place),
            None => return full(&server.sessions),
        }
    } else {
        None
    };
    let closes_session = request.method() == Method::DELETE;
    let mut answered = server.service.handle(request).await;
    // rmcp answers a closed session 202; clients expect 200 or 204 (the Python SDK warns
    // `Session termination failed: 202` otherwise), and nothing is left to accept.
    if closes_session && answered.status() == StatusCode::ACCEPTED {
        answered = plain(StatusCode::NO_CONTENT, Bytes::new());
    }
    answered
}

fn opens_session(request: &Request<Incoming>) -> bool {
    request.method() == Method::POST && !request.headers().contains_key(SESSION_HEADER)
}

fn full(sessions: &Sessions) -> HttpResponse {
    plain(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "Service Unavailable: {} MCP sessions are open, the most `[mcp] max_sessions` allows; \
             close one (DELETE /mcp with its Mcp-Session-Id) or wait until one has been idle \
             for `[mcp] session_idle_secs` ({} s)",
            sessions.max(),
            sessions.idle().as_secs()
        ),
    )
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
    token.matches(presented)
}

fn plain(status: StatusCode, text: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(text.into()).boxed());
    *response.status_mut() = status;
    response
}

/// `path` as one shell word, for a command line the user copies.
fn shell_quoted(path: &Path) -> String {
    let text = path.to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.into_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::ServerHandler;
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use std::os::unix::fs::PermissionsExt;

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
        let token = Token::of(b"s3cret");
        assert!(bearer_matches(&headers("Bearer s3cret"), token));
        assert!(bearer_matches(&headers("bearer s3cret"), token));
        assert!(!bearer_matches(&HeaderMap::new(), token));
        assert!(!bearer_matches(&headers("Bearer s3cre"), token));
        assert!(!bearer_matches(&headers("Bearer s3cret2"), token));
        assert!(!bearer_matches(&headers("Basic s3cret"), token));
        assert!(!bearer_matches(&headers("s3cret"), token));
    }

    fn options(addr: &str, allow_remote: bool, token_file: &Path) -> HttpOptions {
        HttpOptions {
            addr: addr.parse().expect("address"),
            allow_remote,
            token_file: Some(token_file.to_path_buf()),
        }
    }

    fn refusal(options: &HttpOptions) -> String {
        match check_options(options) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{options:?} was accepted"),
        }
    }

    #[test]
    fn a_non_loopback_bind_needs_allow_remote() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("token");
        std::fs::write(&file, "s3cret\n").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(check_options(&options("127.0.0.1:0", false, &file)).is_ok());
        assert!(check_options(&options("[::1]:0", false, &file)).is_ok());
        assert!(refusal(&options("0.0.0.0:0", false, &file)).contains("--allow-remote"));
        assert!(check_options(&options("0.0.0.0:0", true, &file)).is_ok());
    }

    #[test]
    fn a_refused_token_file_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("token");
        std::fs::write(&file, "s3cret\n").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = refusal(&options("127.0.0.1:0", false, &file));
        assert!(
            err.contains(&file.display().to_string()) && err.contains("chmod 600"),
            "{err}"
        );
        std::fs::remove_file(&file).expect("rm");
        let err = refusal(&options("127.0.0.1:0", false, &file));
        assert!(err.ends_with("no such file"), "{err}");
    }

    #[test]
    fn a_path_is_quoted_for_the_shell_only_when_needed() {
        assert_eq!(
            shell_quoted(Path::new("/home/ana/.config/toolbench/mcp-token")),
            "/home/ana/.config/toolbench/mcp-token"
        );
        assert_eq!(
            shell_quoted(Path::new("/home/ana b/it's")),
            r"'/home/ana b/it'\''s'"
        );
    }
}
