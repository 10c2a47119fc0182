//! `toolbench mcp --http` driven through the real binary with a plain HTTP/1.1 client on
//! std's TCP: the Streamable HTTP handshake, the bearer token every request needs, DNS-rebinding
//! refusals, bind rules, and the session cap and idle expiry.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// A running server, killed when the test ends.
struct Server {
    child: Child,
    port: u16,
    /// The bearer header the server's token file makes.
    bearer: String,
    /// What the server printed on stderr before it served.
    said: Vec<String>,
    /// What it prints after.
    log: std::sync::mpsc::Receiver<String>,
    config: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// POSTs with the right token.
    fn post(&self, extra: &[(&str, &str)], body: &Value) -> Reply {
        let mut headers = vec![("Authorization", self.bearer.as_str())];
        headers.extend_from_slice(extra);
        post(self.port, &headers, body)
    }

    /// Opens a session: initialize, then the initialized notification; the session's headers.
    fn open_session(&self) -> [(&'static str, String); 2] {
        let reply = self.post(&[], &initialize());
        assert_eq!(reply.status, 200, "{}", reply.body);
        let version = reply.message()["result"]["protocolVersion"]
            .as_str()
            .expect("version")
            .to_string();
        let session = reply.header("mcp-session-id").expect("a session id");
        let headers = [
            ("Mcp-Session-Id", session.to_string()),
            ("MCP-Protocol-Version", version),
        ];
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        assert_eq!(self.post(&borrowed(&headers), &initialized).status, 202);
        headers
    }
}

fn borrowed<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

fn command(root: &Path, config: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.arg("--root")
        .arg(root)
        .arg("mcp")
        .args(extra)
        .envs(common::user_dirs(config))
        .env_remove("TOOLBENCH_ROOT");
    cmd
}

/// Starts `toolbench mcp --http 127.0.0.1:0 EXTRA` with its own config folder and reads the
/// port it printed; the token is the config folder's (made on first use) or `--token-file`'s.
fn serve(root: &Path, extra: &[&str]) -> Server {
    serve_with(root, "", extra)
}

/// `serve`, with `config_toml` as the user's config.toml.
fn serve_with(root: &Path, config_toml: &str, extra: &[&str]) -> Server {
    let config = tempfile::tempdir().expect("tempdir");
    std::fs::write(config.path().join("config.toml"), config_toml).expect("config.toml");
    let mut args = vec!["--http", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = command(root, config.path(), &args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start toolbench mcp --http");
    let rx = lines_of(child.stderr.take().expect("stderr"));
    let mut said = Vec::new();
    // The URL, then how a client passes the token, then an example.
    while said.len() < 3 {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not start; saw {said:?}");
        };
        said.push(line);
    }
    let port = said[0]
        .strip_prefix("toolbench mcp: serving http://127.0.0.1:")
        .and_then(|url| url.strip_suffix("/mcp"))
        .and_then(|port| port.parse().ok());
    let token_file = extra
        .iter()
        .position(|a| *a == "--token-file")
        .map(|i| PathBuf::from(extra[i + 1]))
        .unwrap_or_else(|| config.path().join("mcp-token"));
    let token = std::fs::read_to_string(&token_file);
    // A failing test must not leave its server running.
    let (Some(port), Ok(token)) = (port, token) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("no URL first on stderr, or no token file: {said:?}");
    };
    Server {
        child,
        port,
        bearer: format!("Bearer {}", token.trim()),
        said,
        log: rx,
        config,
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

/// Sends a body-less `method` request to /mcp with `headers`.
fn bare(port: u16, method: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = format!("{method} /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
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

fn list_tools() -> Value {
    json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
}

fn names_listed(reply: &Reply) -> Vec<String> {
    reply.message()["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no tools in {}", reply.body))
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn initialize_then_tools_list_over_http() {
    let ws = sample_workspace();
    let server = serve(ws.path(), &[]);

    let reply = server.post(&[], &initialize());
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
    assert_eq!(server.post(&in_session, &initialized).status, 202);

    let reply = server.post(&in_session, &list_tools());
    assert_eq!(reply.status, 200, "{}", reply.body);
    let names = names_listed(&reply);
    for expected in ["toolbench_propose_tool", "word_count", "slugify"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
}

/// Where the server listens is the first thing it says (`serve` reads it from the first of
/// its three lines), whatever else it tells: that a never-opened workspace waits for a person
/// comes after.
#[test]
fn a_workspace_waiting_for_a_person_is_told_after_where_the_server_listens() {
    let ws = never_opened_sample();
    let server = serve(ws.path(), &[]);
    let told = std::iter::from_fn(|| server.log.recv_timeout(Duration::from_secs(30)).ok())
        .find(|line| line.contains("this workspace was never opened here"));
    assert!(told.is_some(), "not told after {:?}", server.said);
}

/// As the agent that wants its change taken for accepted content: a tool rewritten the moment
/// the server says where it listens stays sealed as the person accepted it, and the call that
/// follows runs nothing.
#[test]
fn a_tool_changed_after_the_servers_first_scan_is_never_accepted() {
    let ws = sample_workspace();
    let shown = toolbench(ws.path(), &["show", "slugify", "--json"]);
    let scanned: Value = serde_json::from_slice(&shown.stdout).expect("show --json");
    let server = serve(ws.path(), &[]);
    overwrite(
        &ws.path().join("approved/slugify/main.py"),
        "print('{\"slug\": \"changed\"}')\n",
    );
    let seal = ws.path().join(".toolbench/seals/slugify.json");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !seal.is_file() {
        assert!(std::time::Instant::now() < deadline, "no seal after 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sealed: Value =
        serde_json::from_slice(&std::fs::read(&seal).expect("the seal")).expect("JSON");
    assert_eq!(sealed["hash"], scanned["content_hash"], "{sealed}");

    let session = server.open_session();
    let call = json!({
        "jsonrpc": "2.0", "id": 5, "method": "tools/call",
        "params": {"name": "slugify", "arguments": {"text": "Hello World"}}
    });
    let reply = server.post(&borrowed(&session), &call);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let result = reply.message();
    assert_eq!(result["result"]["isError"], true, "{result}");
    assert!(
        result
            .to_string()
            .contains("changed since a person approved it"),
        "{result}"
    );
    assert!(
        !runs_of(ws.path(), "slugify")
            .iter()
            .any(|run| run["status"] == "ok"),
        "the changed tool ran"
    );
}

#[test]
fn the_first_start_makes_a_private_token_and_prints_its_file_not_the_token() {
    let ws = sample_workspace();
    let server = serve(ws.path(), &[]);
    let file = server.config.path().join("mcp-token");
    let mode = std::fs::metadata(&file)
        .expect("token file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let token = server.bearer.trim_start_matches("Bearer ");
    assert!(token.len() >= 64, "{token}");
    let said = server.said.join("\n");
    assert!(said.contains(&file.display().to_string()), "{said}");
    assert!(said.contains("Authorization: Bearer"), "{said}");
    assert!(
        !said.contains(token),
        "the token itself was printed: {said}"
    );
    assert!(
        server.said[2].contains("claude mcp add --transport http")
            && server.said[2].contains(&format!("$(cat {})", file.display())),
        "{said}"
    );
}

#[test]
fn a_second_start_keeps_the_token_of_the_first() {
    let ws = sample_workspace();
    let first = serve(ws.path(), &[]);
    let config = first.config.path().to_path_buf();
    let token = std::fs::read_to_string(config.join("mcp-token")).expect("token");
    let second = command(ws.path(), &config, &["--http", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a second server");
    let mut second = Killed(second);
    let mut line = String::new();
    BufReader::new(second.0.stderr.as_mut().expect("stderr"))
        .read_line(&mut line)
        .expect("its URL");
    assert!(line.starts_with("toolbench mcp: serving"), "{line}");
    assert_eq!(
        std::fs::read_to_string(config.join("mcp-token")).expect("token"),
        token
    );
}

/// A child killed when the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn without_the_token_nothing_reaches_the_workspace() {
    let ws = sample_workspace();
    let server = serve(ws.path(), &[]);
    let experimental = || -> Vec<_> {
        std::fs::read_dir(ws.path().join("experimental"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default()
    };
    let before = experimental();
    // Even with a live session's id (which is no secret), a request without the token is
    // answered before the session sees it.
    let headers = server.open_session();
    let propose = json!({
        "jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "toolbench_propose_tool", "arguments": {
            "manifest": "name = \"intruder\"\nversion = \"1.0.0\"\ndescription = \"x\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n",
            "files": {"run.sh": "id\n"}
        }}
    });
    let call = json!({
        "jsonrpc": "2.0", "id": 4, "method": "tools/call",
        "params": {"name": "word_count", "arguments": {"text": "one two"}}
    });
    for wrong in [None, Some("Bearer nope"), Some("Basic nope")] {
        for body in [&initialize(), &propose, &call] {
            let mut extra = borrowed(&headers);
            if body == &initialize() {
                extra.clear();
            }
            if let Some(wrong) = wrong {
                extra.push(("Authorization", wrong));
            }
            let reply = post(server.port, &extra, body);
            assert_eq!(reply.status, 401, "{wrong:?} {body}: {}", reply.body);
            assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
            assert!(
                reply.body.contains("Authorization: Bearer"),
                "{}",
                reply.body
            );
            assert_eq!(reply.body.lines().count(), 1, "{}", reply.body);
            assert_eq!(reply.header("mcp-session-id"), None);
        }
    }
    assert_eq!(experimental(), before, "a proposal was written");
    assert!(
        runs_of(ws.path(), "word_count").is_empty(),
        "a run was recorded"
    );
    // The same call with the token runs: the refusals above were the token's.
    let reply = server.post(&borrowed(&headers), &call);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(runs_of(ws.path(), "word_count").len(), 1);
}

#[test]
fn a_default_token_file_others_can_read_or_a_link_is_refused() {
    let ws = sample_workspace();
    for how in ["open", "link"] {
        let config = tempfile::tempdir().expect("tempdir");
        let file = config.path().join("mcp-token");
        let elsewhere = config.path().join("elsewhere");
        std::fs::write(&elsewhere, "s3cret\n").expect("write");
        if how == "open" {
            std::fs::rename(&elsewhere, &file).expect("rename");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        } else {
            std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o600))
                .expect("chmod");
            std::os::unix::fs::symlink(&elsewhere, &file).expect("symlink");
        }
        let err = refused_in(ws.path(), config.path(), &["--http", "127.0.0.1:0"]);
        let named = file.display().to_string();
        let why = if how == "open" {
            "chmod 600"
        } else {
            "symbolic link"
        };
        assert!(err.contains(&named) && err.contains(why), "{how}: {err}");
    }
}

#[test]
fn a_foreign_host_is_refused_and_opens_no_session() {
    let ws = sample_workspace();
    let server = serve(ws.path(), &[]);
    for host in ["evil.example", "evil.example:80"] {
        let reply = server.post(&[("Host", host)], &initialize());
        assert_eq!(reply.status, 403, "{host}: {}", reply.body);
        assert_eq!(reply.header("mcp-session-id"), None, "{host}");
    }
}

#[test]
fn a_foreign_origin_is_refused() {
    let ws = sample_workspace();
    let server = serve(ws.path(), &[]);
    let reply = server.post(&[("Origin", "http://evil.example")], &initialize());
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.header("mcp-session-id"), None);
    // The server's own origin is a browser client on this machine.
    let own = format!("http://localhost:{}", server.port);
    let reply = server.post(&[("Origin", &own)], &initialize());
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Runs `toolbench mcp EXTRA` with `config` as its config folder, which must refuse to start:
/// exit 1, one line on stderr.
fn refused_in(root: &Path, config: &Path, extra: &[&str]) -> String {
    let mut child = command(root, config, extra)
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

fn refused(extra: &[&str]) -> String {
    let ws = sample_workspace();
    let config = tempfile::tempdir().expect("tempdir");
    refused_in(ws.path(), config.path(), extra)
}

#[test]
fn a_non_loopback_bind_needs_allow_remote() {
    let err = refused(&["--http", "0.0.0.0:0"]);
    assert!(err.contains("--allow-remote"), "{err}");
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
fn a_token_file_another_user_owns_is_refused() {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let dir = tempfile::tempdir().expect("tempdir");
    // Root hands a private file of its own to another user; a plain user finds one of root's
    // that it can read (and so could open as a token).
    let file = if me == 0 {
        let file = dir.path().join("token");
        std::fs::write(&file, "s3cret\n").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        std::os::unix::fs::chown(&file, Some(65534), Some(65534)).expect("chown");
        file
    } else {
        PathBuf::from("/etc/passwd")
    };
    let owner = std::fs::metadata(&file).expect("stat").uid();
    assert_ne!(owner, me, "{}", file.display());
    let path = file.to_str().expect("utf-8 path");
    let err = refused(&["--http", "127.0.0.1:0", "--token-file", path]);
    let why = format!("owned by uid {owner}, not by you (uid {me})");
    assert!(err.contains(path) && err.contains(&why), "{err}");
}

#[test]
fn with_a_token_file_only_its_bearer_gets_in() {
    let ws = sample_workspace();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("token");
    std::fs::write(&file, "s3cret-token\n").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let server = serve(
        ws.path(),
        &["--token-file", file.to_str().expect("utf-8 path")],
    );
    assert!(!server.config.path().join("mcp-token").exists());

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

#[test]
fn sessions_over_the_cap_get_503_closing_one_gets_204_and_makes_room() {
    let ws = sample_workspace();
    let server = serve_with(ws.path(), "[mcp]\nmax_sessions = 2\n", &[]);
    let first = server.open_session();
    let _second = server.open_session();
    for _ in 0..3 {
        let reply = server.post(&[], &initialize());
        assert_eq!(reply.status, 503, "{}", reply.body);
        assert_eq!(reply.header("mcp-session-id"), None);
        assert!(
            reply.body.contains("2 MCP sessions") && reply.body.contains("[mcp] max_sessions"),
            "{}",
            reply.body
        );
    }
    // The open sessions are still served, and closing one makes room for a new one.
    let reply = server.post(&borrowed(&first), &list_tools());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(names_listed(&reply).iter().any(|n| n == "word_count"));
    let mut delete = borrowed(&first);
    delete.push(("Authorization", &server.bearer));
    let reply = bare(server.port, "DELETE", &delete);
    // What clients expect: the Python SDK warns `Session termination failed` on anything else.
    assert_eq!(reply.status, 204, "DELETE: {}", reply.body);
    let reply = server.post(&borrowed(&first), &list_tools());
    assert_eq!(reply.status, 404, "a closed session: {}", reply.body);
    let third = server.open_session();
    let reply = server.post(&borrowed(&third), &list_tools());
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn an_idle_session_expires_and_frees_its_place() {
    let ws = sample_workspace();
    let server = serve_with(
        ws.path(),
        "[mcp]\nmax_sessions = 1\nsession_idle_secs = 1\n",
        &[],
    );
    let session = server.open_session();
    assert_eq!(server.post(&borrowed(&session), &list_tools()).status, 200);
    assert_eq!(server.post(&[], &initialize()).status, 503);
    std::thread::sleep(Duration::from_millis(2000));
    let reply = server.post(&borrowed(&session), &list_tools());
    assert_eq!(
        reply.status, 404,
        "the idle session is gone: {}",
        reply.body
    );
    let again = server.open_session();
    assert_eq!(server.post(&borrowed(&again), &list_tools()).status, 200);
}

#[test]
fn a_call_longer_than_the_idle_time_keeps_its_session() {
    let ws = sample_workspace();
    shell_tool(
        ws.path(),
        "slow",
        "sleep 3; echo done\n",
        "timeout_secs = 20",
    );
    let server = serve_with(ws.path(), "[mcp]\nsession_idle_secs = 1\n", &[]);
    let session = server.open_session();
    let call = json!({
        "jsonrpc": "2.0", "id": 5, "method": "tools/call",
        "params": {"name": "slow", "arguments": {}}
    });
    let reply = server.post(&borrowed(&session), &call);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let result = reply.message();
    assert_eq!(result["result"]["isError"], false, "{result}");
    assert!(result.to_string().contains("done"), "{result}");
    assert_eq!(runs_of(ws.path(), "slow")[0]["status"], "ok");
}

/// A stateless (2026-07-28) request: the version, capabilities and client in `_meta`.
fn stateless(id: u64, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "mcp-http-test", "version": "1.0.0"}
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// SEP-2243: a 2026-07-28 request's `Mcp-Method` and `Mcp-Name` headers must match its body
/// (header names in any case, values exactly, surrounding spaces aside), else 400 with
/// HeaderMismatch (-32020) and nothing runs.
#[test]
fn a_stateless_request_whose_mcp_headers_disagree_with_its_body_is_refused() {
    let ws = sample_workspace();
    let server = serve(ws.path(), &[]);
    let version = ("MCP-Protocol-Version", "2026-07-28");
    let list = stateless(7, "tools/list", json!({}));
    let call = stateless(
        8,
        "tools/call",
        json!({"name": "word_count", "arguments": {"text": "a b"}}),
    );
    let refused = |headers: &[(&str, &str)], body: &Value| {
        let reply = server.post(headers, body);
        assert_eq!(reply.status, 400, "{headers:?}: {}", reply.body);
        let message = reply.message();
        assert_eq!(message["error"]["code"], -32020, "{headers:?}: {message}");
        assert_eq!(message["id"], body["id"], "{message}");
    };
    refused(&[version], &list);
    refused(&[version, ("Mcp-Method", "prompts/list")], &list);
    refused(&[version, ("Mcp-Method", "TOOLS/LIST")], &list);
    refused(&[version, ("Mcp-Method", "tools/call")], &call);
    refused(
        &[
            version,
            ("Mcp-Method", "tools/call"),
            ("Mcp-Name", "slugify"),
        ],
        &call,
    );
    assert!(runs_of(ws.path(), "word_count").is_empty());

    for name in ["mcp-method", "MCP-METHOD"] {
        let reply = server.post(&[version, (name, "tools/list")], &list);
        assert_eq!(reply.status, 200, "{name}: {}", reply.body);
        assert!(names_listed(&reply).iter().any(|n| n == "word_count"));
    }
    let reply = server.post(
        &[
            version,
            ("Mcp-Method", "tools/call"),
            ("Mcp-Name", "  word_count  "),
        ],
        &call,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.message()["result"]["isError"],
        false,
        "{}",
        reply.body
    );
}

/// Asked to end (SIGTERM, SIGINT), the server stops the run of a call in flight, records it
/// `cancelled`, and exits 0 within `STOP_WITHIN`, leaving no process of the run and nothing
/// in running/ for a later start to find abandoned.
#[test]
fn a_server_asked_to_end_records_its_runs_cancelled_and_exits_cleanly() {
    for (signal, base) in [(libc::SIGTERM, 610_000), (libc::SIGINT, 620_000)] {
        let ws = tempfile::tempdir().expect("tempdir");
        let sleep = format!("sleep {}.5", base + std::process::id());
        shell_tool(
            ws.path(),
            "waiter",
            &format!("{sleep}\n"),
            "timeout_secs = 900",
        );
        let mut server = serve(ws.path(), &[]);
        let mut headers: Vec<(String, String)> = server
            .open_session()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect();
        headers.push(("Authorization".into(), server.bearer.clone()));
        let port = server.port;
        let call = std::thread::spawn(move || {
            let call = json!({
                "jsonrpc": "2.0", "id": 9, "method": "tools/call",
                "params": {"name": "waiter", "arguments": {}}
            });
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            post(port, &headers, &call)
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while processes_running(&sleep).is_empty() {
            assert!(std::time::Instant::now() < deadline, "the call never ran");
            std::thread::sleep(Duration::from_millis(20));
        }
        let asked = std::time::Instant::now();
        let pid = i32::try_from(server.child.id()).expect("pid");
        // SAFETY: kill(2) of the server this test started.
        unsafe { libc::kill(pid, signal) };
        let exit = loop {
            if let Some(exit) = server.child.try_wait().expect("wait") {
                break exit;
            }
            assert!(
                asked.elapsed() < toolbench::runner::stop::STOP_WITHIN,
                "signal {signal}: still serving"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(exit.success(), "signal {signal}: {exit:?}");
        assert!(processes_running(&sleep).is_empty(), "the run outlived it");
        let _ = call.join();
        // Read as the server left it: the CLI would store what it left behind first.
        let db = rusqlite::Connection::open(ws.path().join(".toolbench/state.db")).expect("db");
        let status: String = db
            .query_row("SELECT status FROM runs WHERE tool = 'waiter'", [], |r| {
                r.get(0)
            })
            .expect("the server recorded its run");
        assert_eq!(status, "cancelled", "signal {signal}");
        let running = ws.path().join(".toolbench/running");
        assert_eq!(std::fs::read_dir(running).expect("running").count(), 0);
    }
}
