//! `toolbench mcp --http` driven through the real binary with a plain HTTP/1.1 client on
//! std's TCP: the Streamable HTTP handshake, DNS-rebinding refusals, bind and token rules.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// A running server, killed when the test ends.
struct Server {
    child: Child,
    port: u16,
    _config: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(root: &Path, config: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--root")
        .arg(root)
        .arg("mcp")
        .args(extra)
        .env("TOOLBENCH_CONFIG_DIR", config)
        .env_remove("TOOLBENCH_ROOT");
    cmd
}

/// Starts `toolbench mcp --http 127.0.0.1:0 EXTRA` and reads the port it printed.
fn serve(root: &Path, extra: &[&str]) -> Server {
    let config = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["--http", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = command(root, config.path(), &args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start toolbench mcp --http");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let port = loop {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) else {
            let _ = child.kill();
            panic!("no URL on stderr; saw {seen:?}");
        };
        if let Some(url) = line.strip_prefix("toolbench mcp: serving http://127.0.0.1:") {
            let port = url.strip_suffix("/mcp").expect("URL ends in /mcp");
            break port.parse().expect("port");
        }
        seen.push(line);
    };
    Server {
        child,
        port,
        _config: config,
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The JSON-RPC message of a reply, sent as JSON or as one SSE `data:` event.
    fn message(&self) -> Value {
        if self.header("content-type") == Some("application/json") {
            return serde_json::from_str(&self.body).expect("JSON body");
        }
        self.body
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(str::trim)
            .find(|data| !data.is_empty())
            .map(|data| serde_json::from_str(data).expect("JSON event"))
            .unwrap_or_else(|| panic!("no message in {:?}", self.body))
    }
}

/// POSTs `body` to /mcp with the Streamable HTTP headers, plus `extra` (a `Host` among them
/// replaces the default one), and reads the whole reply.
fn post(port: u16, extra: &[(&str, &str)], body: &Value) -> Reply {
    let body = body.to_string();
    let mut request = String::from("POST /mcp HTTP/1.1\r\n");
    if !extra.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read reply");
    parse(&raw)
}

fn parse(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if size == 0 {
            break;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    body
}

fn initialize() -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "mcp-http-test", "version": "1.0.0"}
        }
    })
}

#[test]
fn initialize_then_tools_list_over_http() {
    let ws = sample_workspace();
    let server = serve(ws.path(), &[]);

    let reply = post(server.port, &[], &initialize());
    assert_eq!(reply.status, 200, "{}", reply.body);
    let init = reply.message();
    assert_eq!(init["result"]["serverInfo"]["name"], "toolbench");
    assert_eq!(init["result"]["capabilities"]["tools"]["listChanged"], true);
    let session = reply
        .header("mcp-session-id")
        .expect("a session id")
        .to_string();
    let version = init["result"]["protocolVersion"]
        .as_str()
        .expect("version")
        .to_string();
    let in_session = [
        ("Mcp-Session-Id", session.as_str()),
        ("MCP-Protocol-Version", version.as_str()),
    ];

    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(post(server.port, &in_session, &initialized).status, 202);

    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let reply = post(server.port, &in_session, &list);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let listed = reply.message();
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for expected in ["toolbench_propose_tool", "word_count", "slugify"] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
}

#[test]
fn a_foreign_host_is_refused_and_opens_no_session() {
    let ws = sample_workspace();
    let server = serve(ws.path(), &[]);
    for host in ["evil.example", "evil.example:80"] {
        let reply = post(server.port, &[("Host", host)], &initialize());
        assert_eq!(reply.status, 403, "{host}: {}", reply.body);
        assert_eq!(reply.header("mcp-session-id"), None, "{host}");
    }
}

#[test]
fn a_foreign_origin_is_refused() {
    let ws = sample_workspace();
    let server = serve(ws.path(), &[]);
    let reply = post(
        server.port,
        &[("Origin", "http://evil.example")],
        &initialize(),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.header("mcp-session-id"), None);
    // The server's own origin is a browser client on this machine.
    let own = format!("http://localhost:{}", server.port);
    let reply = post(server.port, &[("Origin", &own)], &initialize());
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Runs `toolbench mcp EXTRA`, which must refuse to start: exit 1, one line on stderr.
fn refused(extra: &[&str]) -> String {
    let ws = sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    let mut child = command(ws.path(), config.path(), extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start toolbench mcp");
    // A server that started after all would never exit on its own.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{extra:?} was not refused");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    assert_eq!(out.status.code(), Some(1), "{extra:?}: {}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    err
}

#[test]
fn a_non_loopback_bind_needs_allow_remote() {
    let err = refused(&["--http", "0.0.0.0:0"]);
    assert!(err.contains("--allow-remote"), "{err}");
}

#[test]
fn allow_remote_needs_a_token_file() {
    let err = refused(&["--http", "0.0.0.0:0", "--allow-remote"]);
    assert!(err.contains("--token-file"), "{err}");
}

#[test]
fn a_token_file_others_can_read_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("token");
    std::fs::write(&file, "s3cret\n").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let path = file.to_str().expect("utf-8 path");
    let err = refused(&["--http", "127.0.0.1:0", "--token-file", path]);
    assert!(err.contains(path) && err.contains("chmod 600"), "{err}");
}

#[test]
fn with_a_token_only_the_right_bearer_gets_in() {
    let ws = sample_workspace();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("token");
    std::fs::write(&file, "s3cret-token\n").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let server = serve(
        ws.path(),
        &["--token-file", file.to_str().expect("utf-8 path")],
    );

    let reply = post(server.port, &[], &initialize());
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert_eq!(reply.header("mcp-session-id"), None);
    for wrong in [
        "Bearer s3cret",
        "Bearer s3cret-token2",
        "Basic s3cret-token",
    ] {
        let reply = post(server.port, &[("Authorization", wrong)], &initialize());
        assert_eq!(reply.status, 401, "{wrong}: {}", reply.body);
    }
    let reply = post(
        server.port,
        &[("Authorization", "Bearer s3cret-token")],
        &initialize(),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.header("mcp-session-id").is_some());
}
