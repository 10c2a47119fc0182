//! Services over MCP, through `toolbench mcp` and the rmcp client: an active service is listed
//! as a tool taking `{message, context}`; a call launches its instance and answers, the next
//! call reuses it, and every exchange is stored. The instance is stopped before the test ends.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::mcp_session::Session;
use common::{bin, stderr, text_of, write_tool};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

/// Answers every line with its message and context, as the generic adapter expects; the
/// message `fail` with `{"ok": false, "error": …}`, the adapter's way to say a request failed.
const ECHO: &str = r#"
import json, socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            req = json.loads(line)
            out = {"response": req["message"] + " " + json.dumps(req["context"], sort_keys=True)}
            if req["message"] == "fail":
                out = {"ok": False, "error": "cannot do fail"}
            self.wfile.write((json.dumps(out) + "\n").encode())
            self.wfile.flush()
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"#;

/// A workspace with one approved service `echo`; its instance is stopped on drop.
struct Ws {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
}

impl Ws {
    /// `ports`: the workspace's `services.port_range`. Tests of one binary run at once, so each
    /// gets a range of its own: with a shared one, a service that failed to launch had its
    /// health check answered by another test's service on the same port.
    fn new(ports: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for tier in ["core", "approved", "experimental", "archived"] {
            std::fs::create_dir_all(dir.path().join(tier)).expect("tier");
        }
        std::fs::write(
            dir.path().join("toolbench.toml"),
            format!(
                "[services]\nhealth_timeout_secs = 5\nstop_grace_secs = 1\nport_range = \"{ports}\"\n"
            ),
        )
        .expect("config");
        let folder = write_tool(
            dir.path(),
            "approved",
            "echo",
            "name = \"echo\"\nversion = \"1.0.0\"\ndescription = \"Echoes\"\ncost_tier = \"low\"\n\n\
             [run]\ncommand = [\"python3\", \"svc.py\"]\ninput = \"none\"\nnetwork = true\n\
             env = { PYTHONUNBUFFERED = \"1\" }\n\n\
             [service]\nport = \"auto\"\nhealth_check = \"tcp\"\nlaunch_args = [\"{port}\"]\n",
        );
        std::fs::write(folder.join("svc.py"), ECHO).expect("script");
        Ws {
            dir,
            config: tempfile::tempdir().expect("config dir"),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A person accepts the workspace's tools as the test left them.
    fn accept(&self) {
        common::accept(self.root());
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

    fn instance(&self, name: &str) -> Value {
        let out = self.cli(&["tools", "status", "--json"]);
        let list: Value = serde_json::from_slice(&out.stdout).expect("status --json");
        list.as_array()
            .into_iter()
            .flatten()
            .find(|i| i["instance"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    }
}

impl Drop for Ws {
    fn drop(&mut self) {
        let _ = self.cli(&["tools", "stop", "echo"]);
    }
}

fn alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_is_listed_launched_on_the_first_call_and_reused_by_the_next() {
    let ws = Ws::new("54900-54924");
    ws.accept();
    let command = common::mcp_server(ws.root(), ws.config.path());
    let transport = TokioChildProcess::new(command).expect("spawn toolbench mcp");
    let client = ().serve(transport).await.expect("initialize");

    let tools = client.list_all_tools().await.expect("tools/list");
    let echo = tools
        .iter()
        .find(|t| t.name == "echo")
        .expect("echo listed");
    let schema = Value::Object((*echo.input_schema).clone());
    assert_eq!(schema["required"], json!(["message"]));
    assert_eq!(schema["properties"]["context"]["type"], "object");
    assert_eq!(
        ws.instance("echo"),
        Value::Null,
        "nothing launched by listing"
    );

    let call = |message: &str, context: Option<Value>| {
        let mut args = json!({ "message": message });
        if let Some(context) = context {
            args["context"] = context;
        }
        let Value::Object(args) = args else {
            unreachable!("built as an object")
        };
        client.call_tool(CallToolRequestParams::new("echo").with_arguments(args))
    };
    let first = call("hello", Some(json!({"k": 1})))
        .await
        .expect("first call");
    assert_ne!(first.is_error, Some(true), "{}", text_of(&first));
    assert_eq!(text_of(&first), "hello {\"k\": 1}");
    let running = ws.instance("echo");
    assert_eq!(running["state"], "healthy");
    let pid = running["pid"].as_u64().expect("pid");

    let second = call("again", None).await.expect("second call");
    assert_eq!(text_of(&second), "again {}");
    assert_eq!(
        ws.instance("echo")["pid"].as_u64(),
        Some(pid),
        "the same instance"
    );

    let failed = call("fail", None).await.expect("answered");
    assert_eq!(failed.is_error, Some(true), "{}", text_of(&failed));
    assert!(
        text_of(&failed).ends_with("the service answered with an error: cannot do fail"),
        "{}",
        text_of(&failed)
    );

    let refused = client
        .call_tool(CallToolRequestParams::new("echo"))
        .await
        .expect("answered");
    assert_eq!(refused.is_error, Some(true), "a call without a message");

    let logs = ws.cli(&["tools", "logs", "echo"]);
    let logs = String::from_utf8_lossy(&logs.stdout).into_owned();
    assert!(
        logs.contains("→ hello") && logs.contains("→ again"),
        "{logs}"
    );

    client.cancel().await.expect("close the session");
    let out = ws.cli(&["tools", "stop", "echo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!alive(pid), "the instance is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_cannot_launch_answers_with_the_reason() {
    let ws = Ws::new("54925-54949");
    std::fs::write(
        ws.root().join("approved/echo/svc.py"),
        "import sys; sys.exit(3)\n",
    )
    .expect("script");
    ws.accept();
    let command = common::mcp_server(ws.root(), ws.config.path());
    let client =
        ().serve(TokioChildProcess::new(command).expect("spawn toolbench mcp"))
            .await
            .expect("initialize");
    let Value::Object(args) = json!({"message": "hi"}) else {
        unreachable!("built as an object")
    };
    let result = client
        .call_tool(CallToolRequestParams::new("echo").with_arguments(args))
        .await
        .expect("answered");
    assert_eq!(result.is_error, Some(true));
    let text = text_of(&result);
    assert!(text.contains("exit status 3"), "{text}");
    assert_eq!(ws.instance("echo")["state"], "stopped");
    client.cancel().await.expect("close the session");
}

#[test]
fn a_launch_answers_a_task_taking_client_with_a_task_and_a_running_service_at_once() {
    let ws = Ws::new("54950-54974");
    ws.accept();
    let mut agent = Session::open(ws.root(), ws.config.path(), "agent-a", true);
    let first = agent.call("echo", json!({"message": "hello"}));
    assert_eq!(first["result"]["resultType"], "task", "{first}");
    let id = first["result"]["taskId"]
        .as_str()
        .expect("taskId")
        .to_string();
    let done = agent.until(&id, Duration::from_secs(30), |r| {
        r["status"] != "working" && r["status"] != "input_required"
    });
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "hello {}");
    assert_eq!(ws.instance("echo")["state"], "healthy");

    // Launched now: the next exchange answers in its response.
    let second = agent.call("echo", json!({"message": "again"}));
    assert!(second["result"].get("taskId").is_none(), "{second}");
    assert_eq!(second["result"]["content"][0]["text"], "again {}");
}
