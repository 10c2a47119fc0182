//! Agent calls that wait for a human: `toolbench mcp` driven by an rmcp client, answered with
//! `toolbench calls` from other processes. Outcomes are checked outside the server: the runs
//! recorded (`runs --json`), the calls and rules in the store (`calls --json`).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ClientRequest,
    Implementation, ProgressNotificationParam, ProtocolVersion, Request,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};

/// A client that names itself and keeps the progress it hears.
#[derive(Clone, Default)]
struct Recorder {
    progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
}

impl ClientHandler for Recorder {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("approval-tests", "1"),
        )
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().expect("progress lock").push(params);
    }
}

type Client = RunningService<RoleClient, Recorder>;

struct Bench {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
}

impl Bench {
    /// An empty workspace with one high-cost tool, `deploy`, that echoes its input.
    fn new(extra_config: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for tier in ["core", "approved", "experimental", "archived"] {
            std::fs::create_dir_all(dir.path().join(tier)).expect("tier");
        }
        std::fs::write(dir.path().join("toolbench.toml"), extra_config).expect("toolbench.toml");
        let folder = write_tool(dir.path(), "approved", "deploy", common::DEPLOY);
        std::fs::write(folder.join("run.sh"), "cat\n").expect("run.sh");
        Self {
            dir,
            config: tempfile::tempdir().expect("config dir"),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self) -> Command {
        let mut command = Command::new(bin());
        command
            .arg("--root")
            .arg(self.root())
            .envs(common::user_dirs(self.config.path()))
            .env_remove("TOOLBENCH_ROOT");
        command
    }

    fn cli(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run toolbench")
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.cli(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("JSON")
    }

    fn calls(&self, all: bool) -> Vec<Value> {
        let args: &[&str] = if all {
            &["calls", "--json", "--all"]
        } else {
            &["calls", "--json"]
        };
        self.json(args).as_array().cloned().unwrap_or_default()
    }

    /// Waits for a pending call and returns it.
    fn pending(&self) -> Value {
        let start = Instant::now();
        loop {
            if let Some(call) = self.calls(false).into_iter().next() {
                return call;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "no call waited");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn runs(&self) -> Vec<Value> {
        let runs = self.json(&["runs", "--json"]);
        runs.as_array().cloned().unwrap_or_default()
    }

    /// A person accepts the workspace's tools as the test left them, once.
    fn accepted(&self) {
        if !self.root().join(".toolbench/seals").exists() {
            accept(self.root());
        }
    }

    /// An agent's session, once a person accepted the workspace's tools.
    async fn connect(&self) -> Client {
        self.accepted();
        let command = common::mcp_server(self.root(), self.config.path());
        let transport = TokioChildProcess::new(command).expect("spawn toolbench mcp");
        Recorder::default()
            .serve(transport)
            .await
            .expect("initialize")
    }
}

fn spawn_call(client: &Client, env: &str) -> tokio::task::JoinHandle<CallToolResult> {
    let peer = client.peer().clone();
    let arguments = json!({ "env": env });
    tokio::spawn(async move {
        let Value::Object(arguments) = arguments else {
            unreachable!()
        };
        peer.call_tool(CallToolRequestParams::new("deploy").with_arguments(arguments))
            .await
            .expect("tools/call")
    })
}

/// Runs a blocking check off the async runtime.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_high_cost_call_waits_until_approved_from_another_process_then_runs() {
    let bench = Arc::new(Bench::new(""));
    let client = bench.connect().await;
    let call = spawn_call(&client, "staging");
    let pending = blocking({
        let bench = Arc::clone(&bench);
        move || bench.pending()
    })
    .await;
    assert_eq!(pending["tool"], "deploy");
    assert_eq!(pending["version"], "1.0.0");
    assert_eq!(pending["state"], "pending");
    assert_eq!(pending["client"], "approval-tests");
    assert_eq!(pending["arguments"], json!({"env": "staging"}));
    assert!(bench.runs().is_empty(), "nothing ran before the answer");

    let id = pending["id"].to_string();
    let out = bench.cli(&["calls", "approve", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result = tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("answered")
        .expect("join");
    assert_ne!(result.is_error, Some(true), "{}", text_of(&result));
    assert_eq!(text_of(&result).trim(), r#"{"env":"staging"}"#);
    let runs = bench.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["status"], "ok");
    let history = bench.calls(true);
    assert_eq!(history[0]["state"], "approved");
    assert_eq!(history[0]["answered_by"], "ana");
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_reaches_the_agent_as_an_error_with_the_reason_and_nothing_runs() {
    let bench = Arc::new(Bench::new(""));
    let client = bench.connect().await;
    let call = spawn_call(&client, "prod");
    let id = blocking({
        let bench = Arc::clone(&bench);
        move || bench.pending()["id"].to_string()
    })
    .await;
    let out = bench.cli(&["calls", "reject", &id, "--reason", "not on a Friday"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result = call.await.expect("join");
    assert_eq!(result.is_error, Some(true));
    let text = text_of(&result);
    assert!(text.contains("rejected by ana: not on a Friday"), "{text}");
    assert!(bench.runs().is_empty(), "a rejected call never runs");
    assert_eq!(bench.calls(true)[0]["reason"], "not on a Friday");
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_always_rule_lets_the_next_call_through_until_the_version_changes() {
    let bench = Arc::new(Bench::new(""));
    let client = bench.connect().await;
    let call = spawn_call(&client, "staging");
    let id = blocking({
        let bench = Arc::clone(&bench);
        move || bench.pending()["id"].to_string()
    })
    .await;
    let out = bench.cli(&[
        "calls",
        "approve",
        &id,
        "--always",
        "--match",
        r#"{"env":"staging"}"#,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(call.await.expect("join").is_error, Some(true));

    // Same tool, version and content, arguments inside the pattern: no wait.
    let next = tokio::time::timeout(Duration::from_secs(10), spawn_call(&client, "staging"))
        .await
        .expect("the rule lets it through without a human")
        .expect("join");
    assert_ne!(next.is_error, Some(true), "{}", text_of(&next));
    assert_eq!(bench.runs().len(), 2);
    assert!(
        bench.calls(true)[0]["answered_by"]
            .as_str()
            .is_some_and(|who| who.starts_with("rule #"))
    );

    // Arguments outside the pattern wait.
    let outside = spawn_call(&client, "prod");
    let id = blocking({
        let bench = Arc::clone(&bench);
        move || bench.pending()["id"].to_string()
    })
    .await;
    bench.cli(&["calls", "reject", &id, "--reason", "no"]);
    assert_eq!(outside.await.expect("join").is_error, Some(true));

    // A new version is not covered by the rule given for the old one.
    let manifest = bench.root().join("approved/deploy/tool.toml");
    let text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(&manifest, text.replace("1.0.0", "1.1.0")).expect("bump");
    let bumped = blocking({
        let bench = Arc::clone(&bench);
        move || {
            // The server sees the new version through its watcher; retry until it does.
            let start = Instant::now();
            loop {
                let waiting = bench.calls(false);
                if let Some(call) = waiting.first() {
                    return call.clone();
                }
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "the new version did not wait"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    });
    let call = spawn_call(&client, "staging");
    let waiting = bumped.await;
    assert_eq!(waiting["version"], "1.1.0");
    let id = waiting["id"].to_string();
    bench.cli(&["calls", "reject", &id, "--reason", "new version"]);
    assert_eq!(call.await.expect("join").is_error, Some(true));
    assert_eq!(bench.runs().len(), 2, "neither refused call ran");

    let rules = bench.json(&["calls", "rules", "--json"]);
    let rule = rules[0]["id"].to_string();
    assert_eq!(rules[0]["match"], json!({"env": "staging"}));
    let out = bench.cli(&["calls", "revoke", &rule]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(bench.json(&["calls", "rules", "--json"]), json!([]));
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_answers_are_refused_in_one_line_and_an_edit_is_shown_and_told() {
    let bench = Arc::new(Bench::new(""));
    let client = bench.connect().await;
    let call = spawn_call(&client, "staging");
    let id = blocking({
        let bench = Arc::clone(&bench);
        move || bench.pending()["id"].to_string()
    })
    .await;
    let refused = |args: &[&str], expected: &str| {
        let out = bench.cli(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    };
    refused(&["calls", "approve", "999"], "no agent call #999");
    refused(
        &["calls", "reject", "999", "--reason", "x"],
        "no agent call #999",
    );
    refused(
        &["calls", "approve", &id, "--arguments", r#"{"env": 5}"#],
        "the edited arguments do not match the input schema of deploy",
    );
    refused(
        &[
            "calls",
            "approve",
            &id,
            "--arguments",
            r#"{"env": "x", "force": true}"#,
        ],
        "do not match the input schema",
    );
    refused(
        &["calls", "approve", &id, "--always", "--match", "[1, 2]"],
        "--match: must be a JSON object",
    );
    refused(&["calls", "revoke", "42"], "no approval rule #42");
    assert_eq!(
        bench.json(&["calls", "rules", "--json"]),
        json!([]),
        "no rule was left"
    );
    assert_eq!(bench.calls(false).len(), 1, "the call still waits");
    assert!(bench.runs().is_empty());

    // Edited arguments that fit run instead of the agent's, and the agent is told.
    let out = bench.cli(&["calls", "approve", &id, "--arguments", r#"{"env": "dev"}"#]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result = call.await.expect("join");
    assert_ne!(result.is_error, Some(true), "{}", text_of(&result));
    let blocks: Vec<&str> = result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
        .collect();
    assert_eq!(
        blocks[0].trim(),
        r#"{"env":"dev"}"#,
        "the run's output first"
    );
    assert_eq!(
        blocks.last().copied(),
        Some(
            r#"Note: a human edited the arguments of this call before approving it. You sent {"env":"staging"}; it ran with {"env":"dev"}."#
        )
    );
    // The history shows what the agent asked beside what ran.
    let listed = stdout(&bench.cli(&["calls", "--all"]));
    let asked = listed.find("the agent's arguments:").expect(&listed);
    let staging = listed.find(r#""env": "staging""#).expect(&listed);
    let edited = listed
        .find("edited by the human to (what ran):")
        .expect(&listed);
    let dev = listed.find(r#""env": "dev""#).expect(&listed);
    assert!(
        asked < staging && staging < edited && edited < dev,
        "{listed}"
    );
    let json = bench.json(&["calls", "--all", "--json"]);
    assert_eq!(json[0]["arguments"], json!({"env": "staging"}));
    assert_eq!(json[0]["approved_arguments"], json!({"env": "dev"}));
    refused(
        &["calls", "approve", &id],
        "was already approved by ana at ",
    );
    refused(
        &["calls", "reject", &id, "--reason", "late"],
        "was already approved",
    );
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_answering_at_once_one_wins_the_other_is_told() {
    let bench = Arc::new(Bench::new(""));
    let client = bench.connect().await;
    let call = spawn_call(&client, "staging");
    let id = blocking({
        let bench = Arc::clone(&bench);
        move || bench.pending()["id"].to_string()
    })
    .await;
    let approve = bench
        .command()
        .args(["calls", "approve", &id])
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("approve");
    let reject = bench
        .command()
        .args(["calls", "reject", &id, "--reason", "race"])
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("reject");
    let outs = [
        approve.wait_with_output().expect("approve"),
        reject.wait_with_output().expect("reject"),
    ];
    let won: Vec<&Output> = outs.iter().filter(|o| o.status.success()).collect();
    let lost: Vec<&Output> = outs.iter().filter(|o| !o.status.success()).collect();
    assert_eq!((won.len(), lost.len()), (1, 1), "exactly one answer counts");
    assert!(
        stderr(lost[0]).contains("was already"),
        "{}",
        stderr(lost[0])
    );
    let state = bench.calls(true)[0]["state"].clone();
    let result = call.await.expect("join");
    // The agent got the answer that won, and a run exists only if it was an approval.
    assert_eq!(
        result.is_error == Some(true),
        state == "rejected",
        "{state}"
    );
    assert_eq!(bench.runs().len(), usize::from(state == "approved"));
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_call_expires_as_rejected_and_progress_keeps_the_client_waiting() {
    let bench = Bench::new("[approvals]\ntimeout_secs = 3\n");
    let client = bench.connect().await;
    let Value::Object(arguments) = json!({"env": "staging"}) else {
        unreachable!()
    };
    let handle = client
        .send_cancellable_request(
            ClientRequest::CallToolRequest(Request::new(
                CallToolRequestParams::new("deploy").with_arguments(arguments),
            )),
            PeerRequestOptions::no_options(),
        )
        .await
        .expect("send");
    let token = handle.progress_token.clone();
    let answer = handle.await_response().await.expect("answer");
    let answer = serde_json::to_value(answer).expect("JSON");
    assert_eq!(answer["isError"], true, "{answer}");
    assert!(
        answer.to_string().contains("no answer within 3 s"),
        "{answer}"
    );
    assert!(bench.runs().is_empty());
    assert_eq!(bench.calls(true)[0]["state"], "expired");
    let heard = client.service().progress.lock().expect("lock").clone();
    assert!(
        heard.iter().any(|p| p.progress_token == token),
        "a waiting call reports progress: {heard:?}"
    );
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_takes_its_pending_call_off_the_queue() {
    let bench = Arc::new(Bench::new(""));
    bench.accepted();
    // Own pipes, so the server outlives the client and must notice it left.
    let mut server = tokio::process::Command::new(bin())
        .arg("--root")
        .arg(bench.root())
        .arg("mcp")
        .envs(common::user_dirs(bench.config.path()))
        .env_remove("TOOLBENCH_ROOT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn toolbench mcp");
    let stdout = server.stdout.take().expect("stdout");
    let stdin = server.stdin.take().expect("stdin");
    let client = Recorder::default()
        .serve((stdout, stdin))
        .await
        .expect("initialize");
    let call = spawn_call(&client, "staging");
    blocking({
        let bench = Arc::clone(&bench);
        move || bench.pending()
    })
    .await;
    client.cancel().await.expect("close");
    call.abort();
    let left = blocking({
        let bench = Arc::clone(&bench);
        move || {
            let start = Instant::now();
            while !bench.calls(false).is_empty() {
                if start.elapsed() > Duration::from_secs(10) {
                    return false;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            true
        }
    })
    .await;
    assert!(left, "the call left the queue");
    assert_eq!(bench.calls(true)[0]["state"], "cancelled");
    let exited = tokio::time::timeout(Duration::from_secs(10), server.wait()).await;
    assert!(exited.is_ok(), "the server exits once its client has gone");
}

#[test]
fn a_server_that_dies_while_a_call_waits_leaves_it_abandoned_at_the_next_start() {
    let bench = Bench::new("");
    bench.accepted();
    let mut server = bench
        .command()
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn toolbench mcp");
    let mut stdin = server.stdin.take().expect("stdin");
    for message in [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "deploy", "arguments": {"env": "staging"}}}),
    ] {
        writeln!(stdin, "{message}").expect("send");
    }
    let call = bench.pending();
    assert_eq!(call["client"], "raw");
    server.kill().expect("kill the server");
    server.wait().expect("reap");
    let after = bench.calls(true);
    assert_eq!(after[0]["state"], "abandoned", "{after:?}");
    assert!(bench.calls(false).is_empty());
    assert!(bench.runs().is_empty());
}

/// Below the preset's confirmation line a call runs at once, unless the tool's manifest says
/// `[mcp] ask = true` or the configuration lists it under `[[approvals.ask]]`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_cost_call_waits_only_when_the_manifest_or_the_config_asks() {
    let low = common::DEPLOY.replace("cost_tier = \"high\"", "cost_tier = \"low\"");
    let cases = [
        ("", low.clone(), false),
        ("", format!("{low}\n[mcp]\nask = true\n"), true),
        ("[[approvals.ask]]\ntool = \"deploy\"\n", low.clone(), true),
    ];
    for (config, manifest, waits) in cases {
        let bench = Arc::new(Bench::new(config));
        std::fs::write(bench.root().join("approved/deploy/tool.toml"), &manifest)
            .expect("manifest");
        let client = bench.connect().await;
        let call = spawn_call(&client, "staging");
        if waits {
            let pending = blocking({
                let bench = Arc::clone(&bench);
                move || bench.pending()
            })
            .await;
            assert!(
                bench.runs().is_empty(),
                "{config}{manifest}: ran before an answer"
            );
            let out = bench.cli(&["calls", "approve", &pending["id"].to_string()]);
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let result = tokio::time::timeout(Duration::from_secs(20), call)
            .await
            .expect("answered")
            .expect("join");
        assert_ne!(result.is_error, Some(true), "{}", text_of(&result));
        assert_eq!(bench.runs().len(), 1, "{config}{manifest}: one run");
        let waited = !bench.calls(true).is_empty();
        assert_eq!(waited, waits, "{config}{manifest}: waited {waited}");
        client.cancel().await.expect("close");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_only_rises_from_the_wait_for_a_human_into_the_run() {
    let bench = Arc::new(Bench::new(""));
    // The run lasts, so it reports progress of its own after the wait did.
    overwrite(
        &bench.root().join("approved/deploy/run.sh"),
        "sleep 2\ncat\n",
    );
    let client = bench.connect().await;
    let Value::Object(arguments) = json!({"env": "staging"}) else {
        unreachable!()
    };
    let handle = client
        .send_cancellable_request(
            ClientRequest::CallToolRequest(Request::new(
                CallToolRequestParams::new("deploy").with_arguments(arguments),
            )),
            PeerRequestOptions::no_options(),
        )
        .await
        .expect("send");
    let token = handle.progress_token.clone();
    let pending = blocking({
        let bench = Arc::clone(&bench);
        move || bench.pending()
    })
    .await;
    // Two of the wait's reports (every 2 s), then the answer.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let out = bench.cli(&["calls", "approve", &pending["id"].to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let answer = handle.await_response().await.expect("answer");
    let answer = serde_json::to_value(answer).expect("JSON");
    assert_ne!(answer["isError"], true, "{answer}");
    let heard: Vec<ProgressNotificationParam> = client
        .service()
        .progress
        .lock()
        .expect("lock")
        .iter()
        .filter(|p| p.progress_token == token)
        .cloned()
        .collect();
    let waiting = heard
        .iter()
        .filter(|p| p.message.as_deref().is_some_and(|m| m.contains("waiting")))
        .count();
    let running = heard
        .iter()
        .filter(|p| p.message.as_deref().is_some_and(|m| m.contains("running")))
        .count();
    assert!(
        waiting >= 2 && running >= 1,
        "both stages reported: {heard:?}"
    );
    let values: Vec<f64> = heard.iter().map(|p| p.progress).collect();
    assert!(
        values.windows(2).all(|pair| pair[1] > pair[0]),
        "progress only rises: {values:?}"
    );
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_signatures_required_an_always_rule_is_signed_and_holds_only_while_it_verifies() {
    let bench = Arc::new(Bench::new("[review]\nsignatures = \"require\"\n"));
    let key = bench.config.path().join("review_key");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen");
    assert!(made.status.success());
    std::fs::write(
        bench.config.path().join("config.toml"),
        format!("[review]\nsigning_key = \"{}\"\n", key.display()),
    )
    .expect("config");
    let pubkey = key.with_extension("pub");
    let added = bench.cli(&[
        "signers",
        "add",
        "ana@example.com",
        pubkey.to_str().expect("utf8"),
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    // deploy is signed where it is, as a reviewer would.
    assert!(bench.cli(&["validate", "deploy"]).status.success());
    let approved = bench.cli(&["approve", "deploy"]);
    assert!(
        stdout(&approved).contains("signed by ana@example.com"),
        "{}",
        stderr(&approved)
    );

    let client = bench.connect().await;
    let call = spawn_call(&client, "staging");
    let id = blocking({
        let bench = Arc::clone(&bench);
        move || bench.pending()["id"].to_string()
    })
    .await;
    let out = bench.cli(&[
        "calls",
        "approve",
        &id,
        "--always",
        "--match",
        r#"{"env":"staging"}"#,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(call.await.expect("join").is_error, Some(true));
    let statements: Vec<_> = std::fs::read_dir(bench.root().join(".reviews/deploy"))
        .expect("reviews")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".rule-") && n.ends_with(".json"))
        .collect();
    assert_eq!(statements.len(), 1, "the rule is a signed statement");
    let rule_statement = bench.root().join(".reviews/deploy").join(&statements[0]);
    let text = std::fs::read_to_string(&rule_statement).expect("statement");
    assert!(
        text.contains("\"decision\": \"call-rule\"") && text.contains("staging"),
        "{text}"
    );

    // The signed rule lets the next call through without a person.
    let next = tokio::time::timeout(Duration::from_secs(10), spawn_call(&client, "staging"))
        .await
        .expect("the signed rule lets it through")
        .expect("join");
    assert_ne!(next.is_error, Some(true), "{}", text_of(&next));
    assert_eq!(agent_runs(&bench), 2);

    // A rule whose statement is gone (a rule in the store nobody signed) lets nothing through:
    // the call waits for a person again.
    std::fs::remove_file(&rule_statement).expect("remove");
    let waiting = spawn_call(&client, "staging");
    let id = blocking({
        let bench = Arc::clone(&bench);
        move || bench.pending()["id"].to_string()
    })
    .await;
    bench.cli(&["calls", "reject", &id, "--reason", "unsigned rule"]);
    assert_eq!(waiting.await.expect("join").is_error, Some(true));
    assert_eq!(
        agent_runs(&bench),
        2,
        "the call the unsigned rule met did not run"
    );
    client.cancel().await.expect("close");
}

/// Runs an agent's calls made: validating a tool records its generated inputs' runs too.
fn agent_runs(bench: &Bench) -> usize {
    bench
        .runs()
        .iter()
        .filter(|run| run["origin"] != "validation")
        .count()
}
