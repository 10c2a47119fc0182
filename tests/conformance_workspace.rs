//! The conformance workspace (`tests/conformance/workspace`), which benches/mcp_conformance.sh
//! serves to the official MCP conformance suite, checked without Node: every fixture tool is
//! listed, the JSON Schema 2020-12 one verbatim, and the quick ones answer as the suite's
//! scenarios expect.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

const FIXTURES: [&str; 10] = [
    "confirm_delete",
    "failing_job",
    "greet",
    "json_schema_2020_12_tool",
    "protocol_error_job",
    "slow_compute",
    "test_error_handling",
    "test_logging_tool",
    "test_simple_text",
    "test_tool_with_progress",
];

fn conformance_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/workspace"),
        dir.path(),
    );
    let _ = std::fs::remove_dir_all(dir.path().join(".toolbench"));
    // As benches/mcp_conformance.sh does: a person accepts its tools.
    accept(dir.path());
    dir
}

/// `toolbench mcp` on stdio, one JSON-RPC message a line.
struct StdioServer {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Drop for StdioServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl StdioServer {
    fn start(root: &Path, config: &Path) -> Self {
        let mut child = Command::new(bin())
            .arg("--root")
            .arg(root)
            .arg("mcp")
            .envs(common::user_dirs(config))
            .env_remove("TOOLBENCH_ROOT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start toolbench mcp");
        let stdin = child.stdin.take().expect("stdin");
        let lines = lines_of(child.stdout.take().expect("stdout"));
        Self {
            child,
            stdin,
            lines,
        }
    }

    fn send(&mut self, message: &Value) {
        writeln!(self.stdin, "{message}").expect("send");
        self.stdin.flush().expect("flush");
    }

    /// Sends a request and waits for the answer with its id (notifications are skipped).
    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no answer to {method}"));
            let message: Value = serde_json::from_str(&line).expect("a JSON line");
            if message["id"] == id {
                return message;
            }
        }
    }
}

#[test]
fn the_conformance_fixtures_are_listed_and_answer_as_the_suite_expects() {
    let ws = conformance_workspace();
    let config = tempfile::tempdir().expect("config");
    let mut server = StdioServer::start(ws.path(), config.path());
    let init = server.request(
        1,
        "initialize",
        json!({
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "conformance-workspace-test", "version": "1.0.0"}
        }),
    );
    assert_eq!(init["result"]["serverInfo"]["name"], "toolbench", "{init}");
    server.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));

    let listed = server.request(2, "tools/list", json!({}));
    let tools = listed["result"]["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    for fixture in FIXTURES {
        assert!(names.contains(&fixture), "{fixture} not in {names:?}");
    }
    // json-schema-2020-12: the input schema exactly as written, keywords and all.
    let written: Value = serde_json::from_str(
        &std::fs::read_to_string(
            ws.path()
                .join("approved/json_schema_2020_12_tool/input.schema.json"),
        )
        .expect("the schema file"),
    )
    .expect("JSON");
    let schema_tool = tools
        .iter()
        .find(|t| t["name"] == "json_schema_2020_12_tool")
        .expect("listed");
    assert_eq!(schema_tool["inputSchema"], written);

    let call = |server: &mut StdioServer, id: u64, name: &str, arguments: Value| {
        server.request(
            id,
            "tools/call",
            json!({"name": name, "arguments": arguments}),
        )["result"]
            .clone()
    };
    let simple = call(&mut server, 3, "test_simple_text", json!({}));
    assert_eq!(simple["isError"], false, "{simple}");
    assert_eq!(
        simple["content"][0]["text"],
        "This is a simple text response for testing.\n"
    );
    let error = call(&mut server, 4, "test_error_handling", json!({}));
    assert_eq!(error["isError"], true, "{error}");
    let text = error["content"][0]["text"].as_str().expect("text");
    assert!(
        text.contains("This tool intentionally returns an error for testing"),
        "{text}"
    );
    let greet = call(&mut server, 5, "greet", json!({"name": "World"}));
    assert_eq!(greet["content"][0]["text"], "Hello, World!", "{greet}");
    let logging = call(&mut server, 6, "test_logging_tool", json!({}));
    assert_eq!(logging["isError"], false, "{logging}");
    // A crash, not an error exit: the run records the signal.
    let crash = call(&mut server, 7, "protocol_error_job", json!({}));
    assert_eq!(crash["isError"], true, "{crash}");
    let runs = runs_of(ws.path(), "protocol_error_job");
    assert_eq!(
        runs[0]["error"], "crashed with signal 11 (SIGSEGV)",
        "{runs:?}"
    );
}
