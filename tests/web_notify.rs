//! Being told when something waits: a real listener in the test is the `[notify] webhook`,
//! and a real MCP client's call to `toolbench mcp` starts waiting. The listener receives the
//! POST (body and ntfy's headers), a webhook that hangs or fails never holds up the call, and
//! a workspace's toolbench.toml cannot name a webhook. An agent's own text (its client's name,
//! a requested tool's name) reaches the webhook only as JSON text, bounded, never as a header.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};

/// The review page's address the links point to (nothing is served there in these tests).
const PAGE: &str = "127.0.0.1:7979";

/// What the test's webhook does with a request once it has read it.
#[derive(Clone, Copy)]
enum Answer {
    Status(u16),
    /// Reads the request and never answers; tells when the sender closed the connection.
    Hang,
}

/// One request the webhook received.
#[derive(Debug)]
struct Received {
    head: String,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (field, value) = line.split_once(':')?;
            field.eq_ignore_ascii_case(name).then_some(value.trim())
        })
    }
}

/// A webhook on a port of this machine: every request it reads comes through `received`;
/// a hanging one's closing comes through `closed`.
struct Hook {
    addr: String,
    received: Receiver<Received>,
    closed: Receiver<Instant>,
}

impl Hook {
    fn start(answer: Answer) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address").to_string();
        let (tx, received) = channel();
        let (closed_tx, closed) = channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let (tx, closed_tx) = (tx.clone(), closed_tx.clone());
                std::thread::spawn(move || serve(stream, answer, &tx, &closed_tx));
            }
        });
        Hook {
            addr,
            received,
            closed,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/toolbench", self.addr)
    }

    fn next(&self, limit: Duration) -> Option<Received> {
        self.received.recv_timeout(limit).ok()
    }
}

fn serve(stream: TcpStream, answer: Answer, tx: &Sender<Received>, closed: &Sender<Instant>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let body = String::from_utf8_lossy(&body).into_owned();
    let _ = tx.send(Received { head, body });
    let mut stream = reader.into_inner();
    match answer {
        Answer::Status(code) => {
            // Kept open after answering, as a keep-alive server would: the sender closes it.
            let reply = format!("HTTP/1.1 {code} X\r\nContent-Length: 2\r\n\r\nok");
            let _ = stream.write_all(reply.as_bytes());
            let _ = stream.read(&mut [0; 16]);
        }
        Answer::Hang => {
            // Held open until the sender gives up: a read ends at its close.
            let _ = stream.read(&mut [0; 16]);
            let _ = closed.send(Instant::now());
        }
    }
}

/// A workspace with the high-cost tool `deploy`, whose every call waits for a person, and a
/// user config of its own.
struct Bench {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
}

type Client = RunningService<RoleClient, ()>;

impl Bench {
    fn new() -> Bench {
        let dir = tempfile::tempdir().expect("tempdir");
        for tier in ["core", "approved", "experimental", "archived"] {
            std::fs::create_dir_all(dir.path().join(tier)).expect("tier");
        }
        let folder = write_tool(dir.path(), "approved", "deploy", common::DEPLOY);
        std::fs::write(folder.join("run.sh"), "cat\n").expect("run.sh");
        accept(dir.path());
        Bench {
            dir,
            config: tempfile::tempdir().expect("config dir"),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The user config: the webhook `url`, and where the review page is served.
    fn user_webhook(&self, url: &str) {
        let text = format!("[notify]\nwebhook = \"{url}\"\n\n[web]\nlisten = \"{PAGE}\"\n");
        std::fs::write(self.config.path().join("config.toml"), text).expect("config.toml");
    }

    /// An agent's session with `toolbench mcp`; the server's stderr, line by line.
    async fn agent(&self) -> (Client, Arc<Mutex<Vec<String>>>) {
        self.agent_as(()).await
    }

    /// `agent`, with the client `handler` (which names the client in `initialize`).
    async fn agent_as<H: ClientHandler>(
        &self,
        handler: H,
    ) -> (RunningService<RoleClient, H>, Arc<Mutex<Vec<String>>>) {
        let command = common::mcp_server(self.root(), self.config.path());
        let (transport, stderr) = TokioChildProcess::builder(command)
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn toolbench mcp");
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&log);
        let stderr = stderr.expect("stderr");
        tokio::spawn(async move {
            use tokio::io::AsyncBufReadExt;
            let mut reader = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                lines.lock().expect("log").push(line);
            }
        });
        let client = handler.serve(transport).await.expect("initialize");
        (client, log)
    }

    fn calls(&self, all: bool) -> Vec<Value> {
        let mut args = vec!["calls", "--json"];
        if all {
            args.push("--all");
        }
        let out = toolbench_command(self.root(), self.config.path(), &args)
            .output()
            .expect("calls");
        assert!(out.status.success(), "{}", stderr(&out));
        let calls: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        calls.as_array().cloned().unwrap_or_default()
    }

    /// Waits for a call to be pending; its id.
    fn pending(&self) -> i64 {
        let start = Instant::now();
        loop {
            if let Some(id) = self.calls(false).first().and_then(|c| c["id"].as_i64()) {
                return id;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "no call waited");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn approve(&self, id: i64) {
        let out = toolbench_command(
            self.root(),
            self.config.path(),
            &["calls", "approve", &id.to_string()],
        )
        .output()
        .expect("calls approve");
        assert!(out.status.success(), "{}", stderr(&out));
    }
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

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.expect("join")
}

/// Approves the waiting call and returns what the agent got.
async fn approved(bench: &Arc<Bench>, call: tokio::task::JoinHandle<CallToolResult>) -> String {
    let b = Arc::clone(bench);
    let id = blocking(move || b.pending()).await;
    let b = Arc::clone(bench);
    blocking(move || b.approve(id)).await;
    let result = tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("answered")
        .expect("join");
    assert_ne!(result.is_error, Some(true), "{}", text_of(&result));
    text_of(&result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_starts_waiting_is_posted_to_the_webhook_with_ntfys_headers() {
    let hook = Hook::start(Answer::Status(200));
    let bench = Arc::new(Bench::new());
    bench.user_webhook(&hook.url());
    let (client, log) = bench.agent().await;
    let call = spawn_call(&client, "staging");
    let id = {
        let b = Arc::clone(&bench);
        blocking(move || b.pending()).await
    };
    let got = blocking(move || (hook.next(Duration::from_secs(10)), hook)).await;
    let (received, hook) = (got.0.expect("the webhook was told"), got.1);

    assert!(
        received.head.starts_with("POST /toolbench HTTP/1.1\r\n"),
        "{}",
        received.head
    );
    assert_eq!(received.header("Host"), Some(hook.addr.as_str()));
    assert_eq!(received.header("Content-Type"), Some("application/json"));
    let link = format!("http://{PAGE}/#call-{id}");
    assert_eq!(
        received.header("Title"),
        Some(format!("call #{id} of deploy@1.0.0 waits").as_str())
    );
    assert_eq!(received.header("Click"), Some(link.as_str()));
    assert_eq!(received.header("Priority"), Some("high"));
    assert_eq!(
        received.header("Tags"),
        Some("hourglass_flowing_sand,toolbench")
    );
    let body: Value = serde_json::from_str(&received.body).expect("a JSON body");
    let calls = bench.calls(false);
    let hash = calls[0]["content_hash"].as_str().expect("a content hash");
    assert_eq!(
        body,
        json!({
            "waiting": "call",
            "id": id,
            "tool": "deploy",
            "version": "1.0.0",
            "content": &hash[..12],
            "client": "rmcp",
            "summary": "rmcp asks to run deploy@1.0.0: it waits for you",
            "page": link,
        })
    );

    assert!(approved(&bench, call).await.contains("staging"));
    assert!(
        hook.next(Duration::from_millis(500)).is_none(),
        "told once, and not of the answer"
    );
    let notices = log.lock().expect("log").clone();
    assert!(
        !notices.iter().any(|l| l.contains("webhook")),
        "an answered POST is no notice, though the webhook kept its connection: {notices:?}"
    );
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_hangs_holds_up_nothing_and_is_given_up_after_five_seconds() {
    let hook = Hook::start(Answer::Hang);
    let bench = Arc::new(Bench::new());
    bench.user_webhook(&hook.url());
    let (client, log) = bench.agent().await;
    let call = spawn_call(&client, "staging");
    let hook = blocking(move || {
        hook.next(Duration::from_secs(10))
            .expect("the webhook was reached");
        hook
    })
    .await;
    let reached = Instant::now();

    // While the webhook holds its connection, the call waits and is answered.
    assert!(approved(&bench, call).await.contains("staging"));
    assert!(
        reached.elapsed() < Duration::from_secs(4),
        "answered while the webhook still hung: {:?}",
        reached.elapsed()
    );
    let closed = blocking(move || hook.closed.recv_timeout(Duration::from_secs(15)))
        .await
        .expect("the sender gave up on the webhook");
    let waited = closed - reached;
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(8),
        "given up after about 5 s: {waited:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let notices: Vec<String> = log
        .lock()
        .expect("log")
        .iter()
        .filter(|l| l.contains("webhook"))
        .cloned()
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("no answer within 5 s"), "{notices:?}");
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_answering_500_is_one_notice_however_often_it_fails() {
    let hook = Hook::start(Answer::Status(500));
    let bench = Arc::new(Bench::new());
    bench.user_webhook(&hook.url());
    let (client, log) = bench.agent().await;
    let mut hook = Some(hook);
    for env in ["one", "two"] {
        let call = spawn_call(&client, env);
        let waiting = hook.take().expect("the hook");
        let back = blocking(move || {
            waiting
                .next(Duration::from_secs(10))
                .expect("the webhook was told");
            waiting
        })
        .await;
        hook = Some(back);
        assert!(approved(&bench, call).await.contains(env));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let notices: Vec<String> = log
        .lock()
        .expect("log")
        .iter()
        .filter(|l| l.contains("webhook"))
        .cloned()
        .collect();
    assert_eq!(notices.len(), 1, "one notice for two failures: {notices:?}");
    assert!(
        notices[0].starts_with("toolbench mcp: notice: the webhook ") && notices[0].contains("500"),
        "{notices:?}"
    );
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_cannot_name_a_webhook_only_the_user_config_can() {
    let users = Hook::start(Answer::Status(200));
    let agents = Hook::start(Answer::Status(200));
    let bench = Arc::new(Bench::new());
    bench.user_webhook(&users.url());
    let workspace_file = bench.root().join("toolbench.toml");
    std::fs::write(
        &workspace_file,
        format!("[notify]\nwebhook = \"{}\"\n", agents.url()),
    )
    .expect("toolbench.toml");

    let out = toolbench_command(bench.root(), bench.config.path(), &["mcp"])
        .stdin(Stdio::null())
        .output()
        .expect("toolbench mcp");
    assert!(!out.status.success(), "the server does not start");
    let err = stderr(&out);
    assert!(
        err.contains("toolbench.toml:2: field `notify.webhook`: a workspace file cannot"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");

    // The same workspace without it: the user's webhook is told, the workspace's never.
    std::fs::remove_file(&workspace_file).expect("remove");
    let (client, _log) = bench.agent().await;
    let call = spawn_call(&client, "staging");
    let (users, agents) = blocking(move || {
        assert!(
            users.next(Duration::from_secs(10)).is_some(),
            "the user's webhook is told"
        );
        (users, agents)
    })
    .await;
    assert!(approved(&bench, call).await.contains("staging"));
    assert!(
        agents.next(Duration::from_millis(500)).is_none(),
        "the workspace's webhook was never told"
    );
    drop(users);
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_request_and_a_proposal_are_told_too() {
    let hook = Hook::start(Answer::Status(200));
    let bench = Arc::new(Bench::new());
    bench.user_webhook(&hook.url());
    let (client, _log) = bench.agent().await;
    let own_tool = |name: &str, arguments: Value| {
        let Value::Object(arguments) = arguments else {
            unreachable!()
        };
        let peer = client.peer().clone();
        let name = name.to_string();
        async move {
            let result = peer
                .call_tool(CallToolRequestParams::new(name).with_arguments(arguments))
                .await
                .expect("tools/call");
            assert_ne!(result.is_error, Some(true), "{}", text_of(&result));
        }
    };

    own_tool(
        "toolbench_request_tool",
        json!({
            "name": "line_count",
            "description": "Count lines",
            "inputs": "a path",
            "rationale": "needed often",
        }),
    )
    .await;
    let (received, hook) = blocking(move || (hook.next(Duration::from_secs(10)), hook)).await;
    let received = received.expect("the request was told");
    let body: Value = serde_json::from_str(&received.body).expect("JSON");
    assert_eq!(body["waiting"], "request");
    assert_eq!(body["tool"], "line_count");
    assert_eq!(body["version"], Value::Null);
    assert_eq!(body["page"], format!("http://{PAGE}/"));
    assert_eq!(
        received.header("Title"),
        Some("a tool is requested: line_count")
    );
    assert_eq!(received.header("Priority"), Some("default"));

    own_tool(
        "toolbench_propose_tool",
        json!({
            "manifest": minimal_manifest("line_count"),
            "files": { "run.sh": "wc -l\n" },
        }),
    )
    .await;
    let (received, _hook) = blocking(move || (hook.next(Duration::from_secs(10)), hook)).await;
    let received = received.expect("the proposal was told");
    let body: Value = serde_json::from_str(&received.body).expect("JSON");
    assert_eq!(body["waiting"], "proposal");
    assert_eq!(body["tool"], "line_count");
    assert_eq!(body["version"], "1.0.0");
    assert_eq!(body["content"].as_str().map(str::len), Some(12));
    assert_eq!(
        received.header("Title"),
        Some("line_count@1.0.0 waits for review")
    );
    client.cancel().await.expect("close");
}

/// The webhook's header names, lowercased and sorted, each as often as it was sent.
fn header_names(received: &Received) -> Vec<String> {
    let mut names: Vec<String> = received
        .head
        .lines()
        .skip(1)
        .filter_map(|line| Some(line.split_once(':')?.0.to_ascii_lowercase()))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agents_own_text_reaches_the_webhook_as_bounded_json_text_and_never_as_a_header() {
    let hook = Hook::start(Answer::Status(200));
    let bench = Arc::new(Bench::new());
    bench.user_webhook(&hook.url());
    // A client name that would end the headers, add its own and start another body, with a
    // link of its own and far more than a name's bound.
    let hostile = format!(
        "evil\r\nX-Injected: yes\r\nClick: https://evil.example/\r\n\r\n{{\"waiting\":\"none\"}}{}",
        "A".repeat(4000)
    );
    let config = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new(hostile.clone(), "1.0"),
    );
    let (client, _log) = bench.agent_as(config).await;
    let request = |name: &str| {
        let Value::Object(arguments) = json!({
            "name": name,
            "description": "Count lines\r\nX-Injected: yes",
            "inputs": "a path",
            "rationale": "see https://evil.example/",
        }) else {
            unreachable!()
        };
        let peer = client.peer().clone();
        async move {
            peer.call_tool(
                CallToolRequestParams::new("toolbench_request_tool").with_arguments(arguments),
            )
            .await
            .expect("tools/call")
        }
    };
    // A requested name with a header of its own is no tool's name: refused, and told nobody.
    let refused = request("line_count\r\nX-Injected: yes").await;
    assert_eq!(refused.is_error, Some(true), "{}", text_of(&refused));
    let asked = request("line_count").await;
    assert_ne!(asked.is_error, Some(true), "{}", text_of(&asked));

    let (received, hook) = blocking(move || (hook.next(Duration::from_secs(10)), hook)).await;
    let received = received.expect("the request was told");
    let body: Value = serde_json::from_str(&received.body).expect("one JSON body");
    // The attack ran: the agent's own name came through, as text.
    let client_name = body["client"].as_str().expect("the client's name");
    assert!(
        client_name.starts_with("evil\r\nX-Injected: yes\r\n"),
        "{client_name:?}"
    );
    assert!(
        client_name.len() <= 128 && hostile.starts_with(client_name),
        "cut at its bound: {} bytes",
        client_name.len()
    );
    assert_eq!(body["waiting"], "request");
    assert_eq!(body["tool"], "line_count");
    assert_eq!(body["page"], format!("http://{PAGE}/"));
    let summary = body["summary"].as_str().expect("a summary");
    assert!(
        !summary.chars().any(char::is_control),
        "the summary is one visible line: {summary:?}"
    );
    assert!(
        received.body.len() < 1024,
        "bounded: {} bytes",
        received.body.len()
    );
    assert_eq!(
        header_names(&received),
        [
            "click",
            "connection",
            "content-length",
            "content-type",
            "host",
            "priority",
            "tags",
            "title"
        ],
        "no header of the agent's: {}",
        received.head
    );
    assert_eq!(
        received.header("Click"),
        Some(format!("http://{PAGE}/").as_str())
    );
    assert_eq!(
        received.header("Title"),
        Some("a tool is requested: line_count")
    );
    assert!(
        hook.next(Duration::from_millis(500)).is_none(),
        "one POST, for the one request that stood"
    );
    client.cancel().await.expect("close");
}
