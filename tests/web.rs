//! The review page (`toolbench web`) driven over HTTP by a plain TCP client, as a browser
//! would: pairing, the checks every request passes, and answers to an agent's waiting call
//! (made by an rmcp client of `toolbench mcp`, as in tests/approvals.rs) given on the page.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    ProtocolVersion,
};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};

/// A client whose name is full of markup and control characters.
#[derive(Clone, Default)]
struct HostileClient;

const HOSTILE_NAME: &str = "<img src=x onerror=alert(1)>\u{1b}[31mclaude";

impl ClientHandler for HostileClient {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new(HOSTILE_NAME, "1"),
        )
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }
}

type Client = RunningService<RoleClient, HostileClient>;

/// A workspace with one high-cost tool, `deploy`, that echoes its input, and the review
/// page served for it.
struct Bench {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
    server: Child,
    /// `127.0.0.1:PORT`, where the page is served.
    addr: String,
    /// The page's stderr, line by line.
    log: Mutex<Receiver<String>>,
}

impl Drop for Bench {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// An HTTP answer.
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (field, value) = line.split_once(':')?;
            field.eq_ignore_ascii_case(name).then_some(value.trim())
        })
    }
}

/// A paired device: its cookie and the CSRF token its page carries.
struct Device {
    cookie: String,
    csrf: String,
}

impl Bench {
    /// A candidate `experimental/greet` that prints "hi".
    fn greet_candidate(&self) -> PathBuf {
        let folder = write_tool(
            self.root(),
            "experimental",
            "greet",
            &minimal_manifest("greet"),
        );
        std::fs::write(folder.join("run.sh"), "echo hi\n").expect("script");
        folder
    }

    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for tier in ["core", "approved", "experimental", "archived"] {
            std::fs::create_dir_all(dir.path().join(tier)).expect("tier");
        }
        let folder = write_tool(dir.path(), "approved", "deploy", common::DEPLOY);
        std::fs::write(folder.join("run.sh"), "cat\n").expect("run.sh");
        accept(dir.path());
        let config = tempfile::tempdir().expect("config dir");
        let mut server = toolbench_command(
            dir.path(),
            config.path(),
            &["web", "--listen", "127.0.0.1:0"],
        )
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn toolbench web");
        let log = lines_of(server.stderr.take().expect("stderr"));
        let addr = loop {
            let line = log
                .recv_timeout(Duration::from_secs(30))
                .expect("toolbench web says where it serves");
            if let Some(rest) = line.strip_prefix("toolbench web: serving http://") {
                break rest.trim_end_matches('/').to_string();
            }
        };
        Bench {
            dir,
            config,
            server,
            addr,
            log: Mutex::new(log),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn cli(&self, args: &[&str]) -> Output {
        toolbench_command(self.root(), self.config.path(), args)
            .output()
            .expect("run toolbench")
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.cli(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("JSON")
    }

    /// A pairing code for the device `name`, from the link `web pair` prints.
    fn code(&self, name: &str) -> String {
        let out = self.cli(&["web", "pair", "--name", name, "--listen", &self.addr]);
        assert!(out.status.success(), "{}", stderr(&out));
        let link = stdout(&out);
        let prefix = format!("http://{}/pair?code=", self.addr);
        link.trim()
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("a pairing link: {link}"))
            .to_string()
    }

    /// Sends one request as a browser on this page would, `Host` and `Origin` this server's
    /// unless `headers` name others.
    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        let origin = format!("http://{}", self.addr);
        let defaults = [("Host", self.addr.as_str()), ("Origin", origin.as_str())];
        for (name, value) in defaults {
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                head += &format!("{name}: {value}\r\n");
            }
        }
        for (name, value) in headers.iter().filter(|(_, v)| !v.is_empty()) {
            head += &format!("{name}: {value}\r\n");
        }
        if method == "POST" {
            head += &format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            );
        }
        head += "\r\n";
        stream.write_all(head.as_bytes()).expect("write head");
        // A body the server refused unread may find the connection closed.
        let _ = stream.write_all(body);
        read_reply(&mut stream)
    }

    fn get(&self, path: &str, cookie: &str) -> Reply {
        self.send("GET", path, &[("Cookie", cookie)], b"")
    }

    fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> Reply {
        self.send("POST", path, &[("Cookie", cookie)], encode(form).as_bytes())
    }

    /// Pairs the device `name` and reads its CSRF token from the page.
    fn pair(&self, name: &str) -> Device {
        let code = self.code(name);
        let paired = self.post("/pair", "", &[("code", &code)]);
        assert_eq!(paired.status, 303, "{}", paired.body);
        let set = paired.header("set-cookie").expect("a session cookie");
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        let cookie = set.split(';').next().expect("cookie").to_string();
        let page = self.get("/", &cookie);
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = field_value(&page.body, "csrf").unwrap_or_default();
        Device { cookie, csrf }
    }

    /// An agent's session with `toolbench mcp`.
    async fn agent(&self) -> Client {
        let command = common::mcp_server(self.root(), self.config.path());
        let transport = TokioChildProcess::new(command).expect("spawn toolbench mcp");
        HostileClient.serve(transport).await.expect("initialize")
    }
}

fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {text:?}"));
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn encode(form: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    form.iter()
        .map(|(name, value)| format!("{}={}", enc(name), enc(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of the first hidden field `name` in `page`.
fn field_value(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_string())
}

/// The form fields the page shows for call `id`: what an answer carries.
fn call_form(page: &str, id: i64) -> Vec<(String, String)> {
    let start = page
        .find(&format!("action=\"/calls/{id}\""))
        .unwrap_or_else(|| panic!("call #{id} on the page"));
    let form = &page[start..];
    [
        "csrf",
        "tool",
        "version",
        "content_hash",
        "arguments_digest",
    ]
    .iter()
    .map(|name| {
        let value = field_value(form, name).unwrap_or_else(|| panic!("field {name}"));
        (name.to_string(), value)
    })
    .collect()
}

fn with<'a>(
    fields: &'a [(String, String)],
    more: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    form.extend_from_slice(more);
    form
}

fn spawn_call(client: &Client, env: &str) -> tokio::task::JoinHandle<CallToolResult> {
    let peer = client.peer().clone();
    let Value::Object(arguments) = json!({ "env": env }) else {
        unreachable!()
    };
    tokio::spawn(async move {
        peer.call_tool(CallToolRequestParams::new("deploy").with_arguments(arguments))
            .await
            .expect("tools/call")
    })
}

fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

/// Reads the page's event stream on a thread; each `data:` line comes through the receiver.
fn listen(bench: &Bench, cookie: &str) -> Receiver<String> {
    let mut stream = TcpStream::connect(&bench.addr).expect("connect");
    let head = format!(
        "GET /events HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n",
        bench.addr
    );
    stream.write_all(head.as_bytes()).expect("write");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Some(data) = line.strip_prefix("data: ")
                && tx.send(data.to_string()).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// Waits for an event naming a waiting call; its id.
fn waiting_call(events: &Receiver<String>, limit: Duration) -> Option<i64> {
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let data = events.recv_timeout(left).ok()?;
        let event: Value = serde_json::from_str(&data).expect("event JSON");
        if let Some(id) = event["calls"].as_array().and_then(|c| c.first()) {
            return id.as_i64();
        }
    }
    None
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.expect("join")
}

#[test]
fn every_request_without_a_session_gets_401() {
    let bench = Bench::new();
    for path in ["/", "/events", "/?page=2"] {
        assert_eq!(bench.get(path, "").status, 401, "{path}");
        let forged = format!("toolbench_session={}", "ab".repeat(32));
        assert_eq!(
            bench.get(path, &forged).status,
            401,
            "{path} with a forged cookie"
        );
    }
    let answer = bench.post("/calls/1", "", &[("answer", "once")]);
    assert_eq!(answer.status, 401);
    let page = bench.get("/", "");
    assert!(
        !page.body.contains("deploy"),
        "nothing of the workspace shows"
    );
}

#[test]
fn a_code_pairs_once_a_forged_one_is_refused_and_a_revoked_device_is_out() {
    let bench = Bench::new();
    let forged = bench.post("/pair", "", &[("code", &"0".repeat(32))]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(forged.header("set-cookie").is_none());

    let code = bench.code("phone");
    let first = bench.post("/pair", "", &[("code", &code)]);
    assert_eq!(first.status, 303);
    let cookie = first
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_string();
    let again = bench.post("/pair", "", &[("code", &code)]);
    assert_eq!(again.status, 403, "a code pairs once");
    assert_eq!(bench.get("/", &cookie).status, 200);

    let devices = bench.json(&["web", "devices", "--json"]);
    assert_eq!(devices[0]["name"], "phone", "{devices}");
    let out = bench.cli(&["web", "revoke", "phone"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(bench.get("/", &cookie).status, 401, "revoked");
    let out = bench.cli(&["web", "revoke", "phone"]);
    assert!(!out.status.success(), "revoked once");
}

#[test]
fn forged_codes_are_counted_and_then_pairing_closes_for_a_while() {
    let bench = Bench::new();
    for _ in 0..5 {
        let forged = bench.post("/pair", "", &[("code", "deadbeef")]);
        assert_eq!(forged.status, 403);
    }
    let code = bench.code("phone");
    let closed = bench.post("/pair", "", &[("code", &code)]);
    assert_eq!(closed.status, 429, "{}", closed.body);
    let log = bench.log.lock().expect("log");
    let counted = log
        .try_iter()
        .any(|line| line.contains("5 refused since the start"));
    assert!(counted, "each refused code is counted in the log");
}

#[test]
fn a_wrong_host_a_cross_site_post_or_a_missing_csrf_token_is_refused() {
    let bench = Bench::new();
    let device = bench.pair("phone");
    let rebound = bench.send(
        "GET",
        "/",
        &[("Host", "evil.example"), ("Cookie", &device.cookie)],
        b"",
    );
    assert_eq!(rebound.status, 403, "DNS rebinding");
    let answer = [("answer", "once"), ("csrf", "0")];
    for origin in ["http://evil.example", "null", ""] {
        let cross = bench.send(
            "POST",
            "/calls/1",
            &[("Origin", origin), ("Cookie", &device.cookie)],
            encode(&answer).as_bytes(),
        );
        assert_eq!(cross.status, 403, "Origin {origin:?}");
        assert!(cross.body.contains("Origin"), "{}", cross.body);
    }
    let no_token = bench.post("/calls/1", &device.cookie, &[("answer", "once")]);
    assert_eq!(no_token.status, 403);
    assert!(no_token.body.contains("token"), "{}", no_token.body);
    let wrong_token = bench.post(
        "/calls/1",
        &device.cookie,
        &[("answer", "once"), ("csrf", &"0".repeat(64))],
    );
    assert_eq!(wrong_token.status, 403);
}

#[test]
fn a_ten_megabyte_body_is_refused_quickly() {
    let bench = Bench::new();
    let device = bench.pair("phone");
    let body = vec![b'a'; 10 * 1024 * 1024];
    let start = Instant::now();
    let reply = bench.send("POST", "/calls/1", &[("Cookie", &device.cookie)], &body);
    assert_eq!(reply.status, 413);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "refused in {:?}",
        start.elapsed()
    );
    let unpaired = bench.send("POST", "/pair", &[], &body);
    assert_eq!(unpaired.status, 413, "before any pairing is tried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_call_shows_live_and_approving_it_on_the_page_completes_the_agents_call() {
    let bench = Arc::new(Bench::new());
    let device = bench.pair("phone");
    let events = listen(&bench, &device.cookie);
    let first: Value = serde_json::from_str(
        &events
            .recv_timeout(Duration::from_secs(10))
            .expect("the stream opens with what waits"),
    )
    .expect("JSON");
    assert_eq!(first["calls"], json!([]));

    let client = bench.agent().await;
    let asked = Instant::now();
    let call = spawn_call(&client, "<script>alert(1)</script>\u{7}");
    let id = blocking(move || waiting_call(&events, Duration::from_secs(30))).await;
    let id = id.expect("the waiting call comes through the event stream");
    let visible = asked.elapsed();

    let page = bench.get("/", &device.cookie);
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("Call #{id}: deploy@1.0.0")));
    assert!(!page.body.contains("<script>alert"), "arguments are text");
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<img"), "the client's name is text");
    assert!(
        page.body
            .contains("&lt;img src=x onerror=alert(1)&gt;\\u{1b}[31mclaude")
    );
    assert!(!page.body.contains('\u{1b}') && !page.body.contains('\u{7}'));
    assert!(
        page.body
            .contains("<button type=\"submit\" name=\"answer\" value=\"once\">Approve</button>")
    );
    assert!(page.body.contains(">Reject</button>"));
    let policy = page.header("content-security-policy").expect("a policy");
    assert!(policy.contains("default-src 'none'"), "{policy}");

    let fields = call_form(&page.body, id);
    let approved_at = Instant::now();
    let reply = bench.post(
        &format!("/calls/{id}"),
        &device.cookie,
        &with(&fields, &[("answer", "once")]),
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let result = tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("answered")
        .expect("join");
    let completed = approved_at.elapsed();
    assert_ne!(result.is_error, Some(true), "{}", text_of(&result));
    assert!(text_of(&result).contains("alert(1)"));
    eprintln!(
        "call waiting -> on the page's stream: {visible:?}; approve on the page -> agent has the result: {completed:?}"
    );

    let replay = bench.post(
        &format!("/calls/{id}"),
        &device.cookie,
        &with(&fields, &[("answer", "once")]),
    );
    assert_eq!(replay.status, 409, "a replayed answer is refused");
    assert!(replay.body.contains("already approved"), "{}", replay.body);
    assert!(
        replay.body.contains("Agent calls waiting: 0"),
        "the page as it is now"
    );

    let calls = bench.json(&["calls", "--json", "--all"]);
    assert_eq!(calls[0]["answered_by"], "ana (web: phone)", "{calls}");
    let log = bench.json(&["audit", "--json"]);
    let logged = log
        .as_array()
        .expect("entries")
        .iter()
        .any(|e| e["who"] == "ana (web: phone)" && e["subject"] == format!("call {id}"));
    assert!(
        logged,
        "the decision log says the page and the device: {log}"
    );
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_for_other_content_or_arguments_is_refused_and_a_rejection_reaches_the_agent() {
    let bench = Arc::new(Bench::new());
    let device = bench.pair("phone");
    let client = bench.agent().await;
    let call = spawn_call(&client, "prod");
    let page = {
        let bench = Arc::clone(&bench);
        let cookie = device.cookie.clone();
        blocking(move || {
            let start = Instant::now();
            loop {
                let page = bench.get("/", &cookie);
                if page.body.contains("Call #") {
                    return page;
                }
                assert!(start.elapsed() < Duration::from_secs(30), "no call waited");
                std::thread::sleep(Duration::from_millis(50));
            }
        })
        .await
    };
    let id: i64 = {
        let start = page.body.find("Call #").expect("call") + "Call #".len();
        let end = page.body[start..].find(':').expect("colon") + start;
        page.body[start..end].parse().expect("id")
    };
    let fields = call_form(&page.body, id);
    let other_hash: Vec<(String, String)> = fields
        .iter()
        .map(|(n, v)| match n.as_str() {
            "content_hash" => (n.clone(), "f".repeat(64)),
            _ => (n.clone(), v.clone()),
        })
        .collect();
    let refused = bench.post(
        &format!("/calls/{id}"),
        &device.cookie,
        &with(&other_hash, &[("answer", "once")]),
    );
    assert_eq!(refused.status, 409);
    assert!(
        refused.body.contains("is not the call you answered"),
        "{}",
        refused.body
    );
    let other_arguments: Vec<(String, String)> = fields
        .iter()
        .map(|(n, v)| match n.as_str() {
            "arguments_digest" => (n.clone(), "0".repeat(64)),
            _ => (n.clone(), v.clone()),
        })
        .collect();
    let refused = bench.post(
        &format!("/calls/{id}"),
        &device.cookie,
        &with(&other_arguments, &[("answer", "always")]),
    );
    assert_eq!(refused.status, 409);
    assert!(
        refused.body.contains("not the ones the page showed"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(&format!("Call #{id}")),
        "still waiting, shown again"
    );

    // The tool changed while the call waited: approving it refuses the call, with the reason.
    let script = bench.root().join("approved/deploy/run.sh");
    overwrite(&script, "echo changed\n");
    let changed = bench.post(
        &format!("/calls/{id}"),
        &device.cookie,
        &with(&fields, &[("answer", "once")]),
    );
    assert_eq!(changed.status, 409);
    assert!(
        changed.body.contains("changed while the call waited"),
        "{}",
        changed.body
    );
    let result = tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("answered")
        .expect("join");
    assert_eq!(result.is_error, Some(true));
    assert!(text_of(&result).contains("changed while the call waited"));
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_on_the_page_reaches_the_agent_with_its_reason() {
    let bench = Arc::new(Bench::new());
    let device = bench.pair("laptop");
    let events = listen(&bench, &device.cookie);
    let client = bench.agent().await;
    let call = spawn_call(&client, "prod");
    let id = blocking(move || waiting_call(&events, Duration::from_secs(30)))
        .await
        .expect("a waiting call");
    let page = bench.get("/", &device.cookie);
    let fields = call_form(&page.body, id);
    let no_reason = bench.post(
        &format!("/calls/{id}"),
        &device.cookie,
        &with(&fields, &[("answer", "reject"), ("reason", " ")]),
    );
    assert_eq!(no_reason.status, 409, "a rejection needs a reason");
    let reply = bench.post(
        &format!("/calls/{id}"),
        &device.cookie,
        &with(
            &fields,
            &[("answer", "reject"), ("reason", "not on a Friday")],
        ),
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let result = call.await.expect("join");
    assert_eq!(result.is_error, Some(true));
    assert!(
        text_of(&result).contains("rejected by ana (web: laptop): not on a Friday"),
        "{}",
        text_of(&result)
    );
    client.cancel().await.expect("close");
}

/// "Approve always" on the page, narrowed by an argument pattern: the rule holds the pattern,
/// a later call that matches it runs without asking, one that does not waits; a pattern that
/// is no JSON object is refused and makes no rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_always_on_the_page_takes_an_argument_pattern() {
    let bench = Arc::new(Bench::new());
    let device = bench.pair("tablet");
    let events = listen(&bench, &device.cookie);
    let client = bench.agent().await;
    let call = spawn_call(&client, "staging");
    let id = blocking(move || waiting_call(&events, Duration::from_secs(30)))
        .await
        .expect("a waiting call");
    let page = bench.get("/", &device.cookie);
    assert!(page.body.contains("name=\"pattern\""), "a pattern field");
    let fields = call_form(&page.body, id);
    let refused = bench.post(
        &format!("/calls/{id}"),
        &device.cookie,
        &with(&fields, &[("answer", "always"), ("pattern", "[1, 2]")]),
    );
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("the pattern: must be a JSON object"),
        "{}",
        refused.body
    );
    assert_eq!(bench.json(&["calls", "rules", "--json"]), json!([]));
    let reply = bench.post(
        &format!("/calls/{id}"),
        &device.cookie,
        &with(
            &fields,
            &[("answer", "always"), ("pattern", r#"{"env": "staging"}"#)],
        ),
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let result = call.await.expect("join");
    assert_ne!(result.is_error, Some(true), "{}", text_of(&result));
    let rules = bench.json(&["calls", "rules", "--json"]);
    assert_eq!(rules[0]["match"], json!({"env": "staging"}), "{rules}");

    // The rule lets a matching call through without a person...
    let again = tokio::time::timeout(Duration::from_secs(30), spawn_call(&client, "staging"))
        .await
        .expect("a matching call runs without waiting")
        .expect("join");
    assert_ne!(again.is_error, Some(true), "{}", text_of(&again));
    // ...and one outside it waits.
    let other = spawn_call(&client, "prod");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let calls = bench.json(&["calls", "--json"]);
        let pending =
            calls.as_array().expect("calls").iter().any(|c| {
                c["state"] == "pending" && c["arguments"]["env"] == "prod" && c["id"] != id
            });
        if pending {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the other call never waited: {calls}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    other.abort();
    client.cancel().await.expect("close");
}

/// An agent's tool request, asked over MCP, answered on the page: bound to the request the
/// page showed (a newer one of the name, or a candidate that landed since, refuses the
/// answer), and the agent reads the answer with the device's name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_request_is_answered_on_the_page_bound_to_the_request_shown() {
    let bench = Arc::new(Bench::new());
    let device = bench.pair("phone");
    let client = bench.agent().await;
    let ask = |name: &'static str| {
        let peer = client.peer().clone();
        async move {
            let Value::Object(arguments) = json!({
                "name": name,
                "description": "Count the lines of a text",
                "inputs": {"type": "object", "properties": {"text": {"type": "string"}}},
                "rationale": "I count lines by hand in every session"
            }) else {
                unreachable!()
            };
            let result = peer
                .call_tool(
                    CallToolRequestParams::new("toolbench_request_tool").with_arguments(arguments),
                )
                .await
                .expect("tools/call");
            assert_ne!(result.is_error, Some(true), "{}", text_of(&result));
            result.structured_content.expect("structured")["request_id"]
                .as_i64()
                .expect("an id")
        }
    };
    let id = ask("line_count").await;
    let page = bench.get("/", &device.cookie);
    assert!(page.body.contains(&format!("Request #{id}: line_count")));
    assert!(
        page.body.contains(&format!("action=\"/requests/{id}\"")),
        "answer forms"
    );
    let csrf = field_value(&page.body, "csrf").expect("the forms carry the token");
    let empty = bench.post(
        &format!("/requests/{id}"),
        &device.cookie,
        &[("csrf", &csrf), ("decision", "reject"), ("reason", " ")],
    );
    assert_eq!(empty.status, 409, "a rejection needs a reason");

    // A candidate of the name lands after the page showed the request: the answer would be
    // about code nobody showed, so it is refused.
    let folder = write_tool(
        bench.root(),
        "experimental",
        "line_count",
        &minimal_manifest("line_count"),
    );
    let landed = bench.post(
        &format!("/requests/{id}"),
        &device.cookie,
        &[("csrf", &csrf), ("decision", "approve")],
    );
    assert_eq!(landed.status, 409, "{}", landed.body);
    assert!(
        landed
            .body
            .contains("a candidate of line_count waits in experimental/"),
        "{}",
        landed.body
    );
    std::fs::remove_dir_all(&folder).expect("the candidate goes");

    // A newer request of another name is answered on its own; an id that is no request is
    // refused.
    let other = ask("word_split").await;
    let unknown = bench.post(
        "/requests/9999",
        &device.cookie,
        &[("csrf", &csrf), ("decision", "approve")],
    );
    assert_eq!(unknown.status, 409, "{}", unknown.body);
    let reply = bench.post(
        &format!("/requests/{id}"),
        &device.cookie,
        &[("csrf", &csrf), ("decision", "approve")],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let reply = bench.post(
        &format!("/requests/{other}"),
        &device.cookie,
        &[
            ("csrf", &csrf),
            ("decision", "request_changes"),
            ("reason", "take a file, not text"),
        ],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let Value::Object(arguments) = json!({"name": "word_split"}) else {
        unreachable!()
    };
    let status = client
        .peer()
        .call_tool(CallToolRequestParams::new("toolbench_review_status").with_arguments(arguments))
        .await
        .expect("status");
    let request = &status.structured_content.expect("status")["requests"][0];
    assert_eq!(request["reviewer"], "ana (web: phone)", "{request}");
    assert_eq!(request["reason"], "take a file, not text", "{request}");
    let page = bench.get("/", &device.cookie);
    assert!(
        page.body.contains("Tool requests waiting: 0"),
        "{}",
        page.body
    );
    client.cancel().await.expect("close");
}

#[test]
fn a_candidate_approved_on_the_page_is_in_its_history_with_the_device() {
    let bench = Bench::new();
    bench.greet_candidate();
    validate(bench.root(), "greet");
    let device = bench.pair("phone");
    let page = bench.get("/", &device.cookie);
    let start = page
        .body
        .find("action=\"/candidates\"")
        .expect("the candidate's form");
    let form = &page.body[start..];
    let hash = field_value(form, "content_hash").expect("hash");
    let reply = bench.post(
        "/candidates",
        &device.cookie,
        &[
            ("csrf", &device.csrf),
            ("name", "greet"),
            ("version", "1.0.0"),
            ("content_hash", &hash),
            ("decision", "approve"),
        ],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let history = bench.json(&["history", "greet", "--json"]);
    assert_eq!(history[0]["action"], "approve", "{history}");
    assert_eq!(history[0]["who"], "ana (web: phone)", "{history}");
}

#[test]
fn web_listen_sets_the_address_and_a_non_loopback_one_is_refused_in_one_line() {
    let dir = empty_workspace();
    let config = tempfile::tempdir().expect("config dir");
    // The workspace's file may not say where the page is served or where its links lead: an
    // agent writing it could send the pairing code to a server of its own.
    std::fs::write(
        dir.path().join("toolbench.toml"),
        "[web]\nlisten = \"127.0.0.1:7999\"\n",
    )
    .expect("toolbench.toml");
    let out = toolbench_command(dir.path(), config.path(), &["web", "pair"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("field `web.listen`: a workspace file cannot set"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "no link: {}", stdout(&out));
    std::fs::remove_file(dir.path().join("toolbench.toml")).expect("rm");
    let settings = config.path().join("config.toml");
    std::fs::write(&settings, "[web]\nlisten = \"127.0.0.1:7999\"\n").expect("config.toml");
    let out = toolbench_command(dir.path(), config.path(), &["web", "pair"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("http://127.0.0.1:7999/pair?code="),
        "{}",
        stdout(&out)
    );
    std::fs::write(&settings, "[web]\nlisten = \"0.0.0.0:7999\"\n").expect("config.toml");
    let out = toolbench_command(dir.path(), config.path(), &["web"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("0.0.0.0:7999: not a loopback address") && err.contains("TLS"),
        "{err}"
    );
    let out = toolbench_command(
        dir.path(),
        config.path(),
        &["web", "--listen", "192.0.2.1:80"],
    )
    .output()
    .expect("run");
    assert!(stderr(&out).contains("192.0.2.1:80: not a loopback address"));
}

/// A pairing link is refused, in one line and with no code made, where no device could pair
/// through it: a page beyond loopback without TLS, which `toolbench web` refuses to serve,
/// whatever host is named; with TLS, a page on every address with no name devices reach it by.
#[test]
fn web_pair_refuses_a_link_to_a_page_no_device_could_pair_through() {
    let dir = empty_workspace();
    let config = tempfile::tempdir().expect("config dir");
    let pair = |extra: &[&str]| {
        let mut args = vec!["web", "pair", "--listen", "0.0.0.0:7999"];
        args.extend_from_slice(extra);
        toolbench_command(dir.path(), config.path(), &args)
            .output()
            .expect("run")
    };
    let refused = |out: &Output, said: &str| {
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(said), "{err}");
        assert!(stdout(out).is_empty(), "no link: {}", stdout(out));
    };
    for host in [&[][..], &["--host", "my.box"][..]] {
        let out = pair(host);
        refused(&out, "0.0.0.0:7999: not a loopback address");
        assert!(stderr(&out).contains("TLS"), "{}", stderr(&out));
    }
    // The same line `toolbench web` refuses to serve that page with.
    let served = toolbench_command(
        dir.path(),
        config.path(),
        &["web", "--listen", "0.0.0.0:7999"],
    )
    .output()
    .expect("run");
    assert_eq!(stderr(&served), stderr(&pair(&[])));

    // Over TLS (the files are read by `toolbench web` only) the page may listen on every
    // address, and the link needs the name devices reach it by.
    std::fs::write(
        config.path().join("config.toml"),
        "[web]\ntls_cert = \"/nonexistent/cert.pem\"\ntls_key = \"/nonexistent/key.pem\"\n",
    )
    .expect("config.toml");
    let out = pair(&[]);
    refused(&out, "0.0.0.0:7999: the page listens on every address");
    assert!(stderr(&out).contains("--host"), "{}", stderr(&out));
    let out = pair(&["--host", "box.lan"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("https://box.lan:7999/pair?code="),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("as device-1"), "{}", stderr(&out));
}

/// One name, one device: a second link for a name that has one waiting, or a device paired,
/// is refused in one line; and two links for one name (made by an older build) meet
/// cleanly: the second pairs nothing and its page says why, in the page's words, never the
/// store's.
#[test]
fn a_name_pairs_one_device_and_a_second_link_for_it_is_refused_cleanly() {
    let bench = Bench::new();
    let first = bench.code("dup");
    let out = bench.cli(&["web", "pair", "--name", "dup", "--listen", &bench.addr]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("a pairing link for dup was made already and works until"),
        "{err}"
    );
    assert!(stdout(&out).is_empty(), "no link: {}", stdout(&out));
    // Without a name, the next free one: dup's waiting code takes nothing from device-N.
    let out = bench.cli(&["web", "pair", "--listen", &bench.addr]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A second code for dup, as two `web pair --name dup` made them before they were refused.
    let second = "0123456789abcdef0123456789abcdef";
    let db = rusqlite::Connection::open(bench.root().join(".toolbench/state.db")).expect("db");
    db.execute(
        "INSERT INTO web_pairing_codes (code_hash, device, created_at, expires_at)
         SELECT ?1, device, created_at, expires_at FROM web_pairing_codes WHERE device = 'dup'",
        [blake3::hash(second.as_bytes()).to_hex().to_string()],
    )
    .expect("a second code");
    drop(db);

    let paired = bench.post("/pair", "", &[("code", &first)]);
    assert_eq!(paired.status, 303, "{}", paired.body);
    let again = bench.post("/pair", "", &[("code", second)]);
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.header("set-cookie").is_none());
    assert!(
        again
            .body
            .contains("A device named dup is paired already, so this link pairs nothing"),
        "{}",
        again.body
    );
    let root = bench.root().display().to_string();
    for internal in ["UNIQUE", "constraint", "state.db", "SQLite", root.as_str()] {
        assert!(!again.body.contains(internal), "{internal}: {}", again.body);
    }
    let devices = bench.json(&["web", "devices", "--json"]);
    assert_eq!(devices.as_array().map(Vec::len), Some(1), "{devices}");
    let out = bench.cli(&["web", "pair", "--name", "dup", "--listen", &bench.addr]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("a device named dup is paired already"),
        "{}",
        stderr(&out)
    );
}

/// When the machine fails (here its store lost the table of calls), the device is told only
/// that; the store's words and its path go to the server's log, where its owner reads them.
#[test]
fn an_error_of_the_machine_shows_the_device_nothing_of_the_machine() {
    let bench = Bench::new();
    // A candidate's form on the page carries the session's CSRF token.
    bench.greet_candidate();
    validate(bench.root(), "greet");
    let device = bench.pair("phone");
    assert!(!device.csrf.is_empty());
    let db = rusqlite::Connection::open(bench.root().join(".toolbench/state.db")).expect("db");
    db.execute_batch("DROP TABLE agent_calls").expect("drop");
    drop(db);
    let page = bench.get("/", &device.cookie);
    let answer = bench.post(
        "/calls/1",
        &device.cookie,
        &[("csrf", &device.csrf), ("answer", "once")],
    );
    let root = bench.root().display().to_string();
    for reply in [&page, &answer] {
        assert_eq!(reply.status, 500, "{}", reply.body);
        assert!(
            reply.body.contains("Something failed on the machine"),
            "{}",
            reply.body
        );
        for internal in ["agent_calls", "no such table", "state.db", root.as_str()] {
            assert!(!reply.body.contains(internal), "{internal}: {}", reply.body);
        }
    }
    let log = bench.log.lock().expect("log");
    let said: Vec<String> = log
        .try_iter()
        .filter(|line| line.contains("agent_calls"))
        .collect();
    for what in ["the page failed: ", "reading a call failed: "] {
        assert!(
            said.iter().any(|line| line.contains(what)),
            "the server's log says why: {said:?}"
        );
    }
}

#[test]
fn a_candidate_whose_checks_failed_shows_them_and_is_approved_only_with_them_accepted() {
    let bench = Bench::new();
    let folder = bench.greet_candidate();
    std::fs::create_dir_all(folder.join("tests")).expect("tests");
    std::fs::write(
        folder.join("tests/says_bye.toml"),
        "input = '{}'\nexpect_stdout_contains = 'bye'\n",
    )
    .expect("case");
    validate(bench.root(), "greet");
    let device = bench.pair("phone");
    let page = bench.get("/", &device.cookie);
    assert!(
        page.body.contains("Candidate: greet@1.0.0"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<dt>Verdict</dt><dd>fail</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Checks that did not pass:"));
    assert!(
        page.body.contains("<strong>tests: fail</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("I accept the checks listed above"));
    let start = page.body.find("action=\"/candidates\"").expect("form");
    let hash = field_value(&page.body[start..], "content_hash").expect("hash");
    let approve = |accept: &[(&str, &str)]| {
        let mut form = vec![
            ("csrf", device.csrf.as_str()),
            ("name", "greet"),
            ("version", "1.0.0"),
            ("content_hash", hash.as_str()),
            ("decision", "approve"),
        ];
        form.extend_from_slice(accept);
        bench.post("/candidates", &device.cookie, &form)
    };
    let refused = approve(&[]);
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("its validation failed (tests)"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Candidate: greet@1.0.0"),
        "still waiting"
    );
    let approved = approve(&[("accept_failures", "yes")]);
    assert_eq!(approved.status, 303, "{}", approved.body);
    let history = bench.json(&["history", "greet", "--json"]);
    assert_eq!(history[0]["who"], "ana (web: phone)", "{history}");
}

#[test]
fn changes_asked_and_a_rejection_on_the_page_need_words_and_reach_the_candidate() {
    let bench = Bench::new();
    let folder = bench.greet_candidate();
    validate(bench.root(), "greet");
    let device = bench.pair("phone");
    let page = bench.get("/", &device.cookie);
    let start = page.body.find("action=\"/candidates\"").expect("form");
    let hash = field_value(&page.body[start..], "content_hash").expect("hash");
    assert!(page.body.contains(">Request changes</button>"));
    let decide = |decision: &str, reason: &str| {
        bench.post(
            "/candidates",
            &device.cookie,
            &[
                ("csrf", &device.csrf),
                ("name", "greet"),
                ("version", "1.0.0"),
                ("content_hash", &hash),
                ("decision", decision),
                ("reason", reason),
            ],
        )
    };
    assert_eq!(
        decide("request_changes", " ").status,
        409,
        "feedback is needed"
    );
    assert_eq!(decide("request_changes", "greet in French too").status, 303);
    let review = std::fs::read_to_string(folder.join("REVIEW.md")).expect("REVIEW.md");
    assert!(review.contains("greet in French too"), "{review}");
    assert_eq!(
        decide("reject", "  ").status,
        409,
        "a rejection needs a reason"
    );
    assert_eq!(decide("reject", "does not greet in French").status, 303);
    assert!(bench.root().join("archived/greet").exists());
    let history = bench.json(&["history", "greet", "--json"]);
    assert_eq!(history[0]["action"], "reject", "{history}");
    assert_eq!(history[0]["reason"], "does not greet in French");
    assert_eq!(history[0]["who"], "ana (web: phone)");
}

/// A candidate shows its diff against the active version of its name, every line numbered and
/// marked so it reads without colour, its markup as text; a new tool says it has nothing to
/// differ from; a tool with a file that is not text shows no diff and says why.
#[test]
fn a_candidate_shows_its_diff_against_the_active_version_with_its_markup_as_text() {
    let bench = Bench::new();
    let folder = write_tool(
        bench.root(),
        "experimental",
        "deploy-1.1.0",
        &common::DEPLOY.replace("version = \"1.0.0\"", "version = \"1.1.0\""),
    );
    std::fs::write(
        folder.join("run.sh"),
        "cat\necho '<script>alert(1)</script>'\n",
    )
    .expect("run.sh");
    bench.greet_candidate();
    let blob = write_tool(
        bench.root(),
        "experimental",
        "blob",
        &minimal_manifest("blob"),
    );
    std::fs::write(blob.join("run.sh"), "cat data.bin\n").expect("script");
    std::fs::write(blob.join("data.bin"), [0u8, 159, 146, 150]).expect("binary");
    write_tool(
        bench.root(),
        "experimental",
        "broken",
        "name = \"broken\"\nversion = \"1.0.0\"\n",
    );
    let device = bench.pair("phone");
    let page = bench.get("/", &device.cookie).body;
    let article = |name: &str| {
        let start = page
            .find(&format!("Candidate: {name}@"))
            .unwrap_or_else(|| panic!("{name} on the page: {page}"));
        let end = page[start..].find("</article>").expect("its end") + start;
        page[start..end].to_string()
    };
    let deploy = article("deploy");
    assert!(
        deploy.contains("Diff against deploy@1.0.0 (approved) (2 file(s) differ)"),
        "{deploy}"
    );
    assert!(
        deploy.contains("@@ -1,1 +1,2 @@")
            && deploy.contains("<span class=\"add\">          2 +echo &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;</span>"),
        "the added line, numbered, its markup as text: {deploy}"
    );
    assert!(
        deploy.contains("<span class=\"del\">    2       -version = &quot;1.0.0&quot;</span>"),
        "the manifest's removed line: {deploy}"
    );
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        article("greet").contains("no version of this name is active"),
        "{page}"
    );
    assert!(
        article("blob").contains("Diff not shown: data.bin is not text"),
        "{page}"
    );
    // A broken manifest has no content to compare or to bind an answer to: no form.
    let broken = article("broken");
    assert!(
        broken.contains("Diff not shown: its manifest could not be read")
            && broken.contains("toolbench reject broken")
            && !broken.contains("<form"),
        "{broken}"
    );
}
