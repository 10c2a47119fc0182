//! Tool requests before code: an agent asks over MCP (`toolbench mcp` driven by the official
//! rmcp client), a human answers with `toolbench approve/reject/request-changes` from another
//! process, and the agent reads the answer with `toolbench_review_status`. What the human sees
//! is checked with `review --json`; what moved, on disk.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    ProtocolVersion,
};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};

const CLIENT_NAME: &str = "request-tests";

/// A client that names itself.
#[derive(Clone, Default)]
struct Named;

impl ClientHandler for Named {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new(CLIENT_NAME, "1"),
        )
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }
}

type Client = RunningService<RoleClient, Named>;

/// The sample workspace (core holds word_count) with a fixed reviewer.
struct Bench {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
}

impl Bench {
    fn new() -> Self {
        let dir = sample_workspace();
        Self {
            dir,
            config: tempfile::tempdir().expect("config dir"),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn cli(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .arg("--root")
            .arg(self.root())
            .args(args)
            .envs(common::user_dirs(self.config.path()))
            .env_remove("TOOLBENCH_ROOT")
            .output()
            .expect("run toolbench")
    }

    fn review(&self) -> Vec<Value> {
        let out = self.cli(&["review", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout)
            .expect("JSON")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    async fn connect(&self) -> Client {
        let command = common::mcp_server(self.root(), self.config.path());
        let transport = TokioChildProcess::new(command).expect("spawn toolbench mcp");
        Named.serve(transport).await.expect("initialize")
    }
}

async fn call(client: &Client, name: &str, arguments: Value) -> CallToolResult {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object")
    };
    client
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(arguments))
        .await
        .unwrap_or_else(|e| panic!("tools/call {name}: {e}"))
}

fn line_count_request() -> Value {
    json!({
        "name": "line_count",
        "description": "Count the lines of a text",
        "inputs": {
            "type": "object",
            "properties": {"text": {"type": "string"}},
            "required": ["text"]
        },
        "outputs": "the number of lines",
        "rationale": "I count lines by hand in every session"
    })
}

/// Asks for line_count and returns the request's id.
async fn ask(client: &Client) -> i64 {
    let result = call(client, "toolbench_request_tool", line_count_request()).await;
    assert_ne!(result.is_error, Some(true), "{}", text_of(&result));
    let answer = result.structured_content.expect("structured");
    assert_eq!(answer["state"], "request_pending", "{answer}");
    answer["request_id"].as_i64().expect("an id")
}

/// The client's request for line_count, as toolbench_review_status returns it.
async fn request_status(client: &Client) -> Value {
    let status = call(
        client,
        "toolbench_review_status",
        json!({"name": "line_count"}),
    )
    .await;
    assert_ne!(status.is_error, Some(true), "{}", text_of(&status));
    status.structured_content.expect("status")["requests"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_request_reaches_the_agent_with_the_reason_and_nothing_moves() {
    let bench = Bench::new();
    let client = bench.connect().await;
    let id = ask(&client).await;

    let queue = bench.review();
    let request = queue
        .iter()
        .find(|item| item["kind"] == "request")
        .unwrap_or_else(|| panic!("no request in {queue:?}"));
    assert_eq!(request["name"], "line_count");
    assert_eq!(request["id"], id);
    assert_eq!(request["client"], CLIENT_NAME);
    assert_eq!(request["inputs"]["required"], json!(["text"]));
    assert_eq!(request["outputs"], "the number of lines");
    assert!(
        queue.iter().any(|item| item["kind"] == "tool"),
        "the tools of the queue are told apart: {queue:?}"
    );
    assert_eq!(request_status(&client).await["state"], "request_pending");

    let out = bench.cli(&["approve", "line_count", "--reason", "yes, write it"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        format!(
            "approved the request for line_count from {CLIENT_NAME} (#{id}): the agent may write it"
        )
    );
    for tier in ["experimental", "approved"] {
        assert!(!bench.root().join(tier).join("line_count").exists());
    }
    let status = request_status(&client).await;
    assert_eq!(status["state"], "request_approved", "{status}");
    assert_eq!(status["reason"], "yes, write it");
    assert_eq!(status["reviewer"], "ana");
    assert!(
        !bench.review().iter().any(|item| item["kind"] == "request"),
        "an answered request leaves the queue"
    );
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_request_carries_the_reason_and_is_answered_once() {
    let bench = Bench::new();
    let client = bench.connect().await;
    ask(&client).await;
    let out = bench.cli(&["reject", "line_count", "--reason", "word_count does it"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status = request_status(&client).await;
    assert_eq!(status["state"], "request_rejected", "{status}");
    assert_eq!(status["reason"], "word_count does it");

    let again = bench.cli(&["approve", "line_count"]);
    assert_eq!(again.status.code(), Some(1));
    let err = stderr(&again);
    assert!(
        err.starts_with(
            "toolbench: cannot approve the request for line_count: it was already rejected by ana at "
        ),
        "{err}"
    );
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_on_a_request_reaches_the_agent() {
    let bench = Bench::new();
    let client = bench.connect().await;
    ask(&client).await;
    let out = bench.cli(&[
        "request-changes",
        "line_count",
        "--feedback",
        "take a path, not the text",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status = request_status(&client).await;
    assert_eq!(status["state"], "changes_requested", "{status}");
    assert_eq!(status["reason"], "take a path, not the text");
    assert_eq!(status["reviewer"], "ana");
    // Answered already: said in the words a person reads, not the stored state's name.
    let again = bench.cli(&["request-changes", "line_count", "--feedback", "and more"]);
    assert_eq!(again.status.code(), Some(1));
    let err = stderr(&again);
    assert!(
        err.starts_with(
            "toolbench: cannot request changes to the request for line_count: it was already \
             answered with changes requested by ana at "
        ),
        "{err}"
    );
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_with_the_field_named() {
    let bench = Bench::new();
    let client = bench.connect().await;
    let with = |field: &str, value: Value| {
        let mut request = line_count_request();
        request[field] = value;
        request
    };
    let cases = [
        (
            with("name", json!("word_count")),
            "toolbench_request_tool: name: word_count is active in core/",
        ),
        (
            with("name", json!("Line Count")),
            "toolbench_request_tool: name: \"Line Count\" is not a valid tool name",
        ),
        (
            with("rationale", json!("  ")),
            "toolbench_request_tool: rationale: must not be empty",
        ),
        (
            with("description", json!("")),
            "toolbench_request_tool: description: must not be empty",
        ),
        (
            with("inputs", json!({"type": 7})),
            "toolbench_request_tool: inputs: not a valid JSON schema",
        ),
        // Every text has a bound; over it, the field is named with its size, never echoed.
        (
            with("description", json!("d".repeat(20 << 20))),
            "toolbench_request_tool: description: 20 MiB long; at most 4 KiB are accepted",
        ),
        (
            with("rationale", json!("r".repeat(4097))),
            "toolbench_request_tool: rationale: 4097 bytes long; at most 4 KiB are accepted",
        ),
        (
            with(
                "inputs",
                json!({"type": "object", "description": "i".repeat(5000)}),
            ),
            "toolbench_request_tool: inputs: 5034 bytes long; at most 4 KiB are accepted",
        ),
        (
            with("outputs", json!("o".repeat(1 << 20))),
            "toolbench_request_tool: outputs: 1 MiB long; at most 4 KiB are accepted",
        ),
        (
            with("name", json!("n".repeat(1 << 20))),
            "toolbench_request_tool: name: 1 MiB long; at most 64 bytes are accepted",
        ),
    ];
    for (request, expected) in cases {
        let result = call(&client, "toolbench_request_tool", request).await;
        assert_eq!(result.is_error, Some(true), "{expected}");
        let text = text_of(&result);
        assert!(text.starts_with(expected), "{text}");
        assert!(
            text.len() < 300,
            "the refusal echoes nothing: {} bytes",
            text.len()
        );
    }
    assert!(
        !bench.review().iter().any(|item| item["kind"] == "request"),
        "nothing refused was stored"
    );

    let id = ask(&client).await;
    let twice = call(&client, "toolbench_request_tool", line_count_request()).await;
    assert_eq!(twice.is_error, Some(true));
    assert!(
        text_of(&twice).contains(&format!("you already asked for line_count (request #{id})")),
        "{}",
        text_of(&twice)
    );
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_proposal_links_to_the_request() {
    let bench = Bench::new();
    let client = bench.connect().await;
    let id = ask(&client).await;
    let out = bench.cli(&["approve", "line_count"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let manifest = "name = \"line_count\"\nversion = \"1.0.0\"\ndescription = \"Count the lines of a text\"\n\n[run]\ncommand = [\"wc\", \"-l\"]\ninput = \"stdin-json\"\n";
    let proposed = call(
        &client,
        "toolbench_propose_tool",
        json!({ "manifest": manifest }),
    )
    .await;
    assert_ne!(proposed.is_error, Some(true), "{}", text_of(&proposed));
    assert_eq!(
        proposed.structured_content.expect("proposed")["request_id"],
        id
    );

    let status = call(
        &client,
        "toolbench_review_status",
        json!({"name": "line_count"}),
    )
    .await
    .structured_content
    .expect("status");
    assert_eq!(status["proposals"][0]["request_id"], id, "{status}");
    assert_eq!(status["proposals"][0]["state"], "pending");
    let linked = &status["requests"][0]["proposals"][0];
    assert_eq!(linked["version"], "1.0.0", "{status}");
    assert_eq!(linked["folder"], "experimental/line_count");

    // With a candidate waiting, the name means the tool again.
    bench.cli(&["validate", "line_count"]);
    let out = bench.cli(&["approve", "line_count"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(bench.root().join("approved/line_count/tool.toml").is_file());
    client.cancel().await.expect("close");
}
