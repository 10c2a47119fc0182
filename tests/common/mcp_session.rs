//! `toolbench mcp` over stdio, spoken to with raw JSON-RPC lines: what a client of the Tasks
//! extension sends, which the Rust SDK's client does not speak yet.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::toolbench_command;

/// The Tasks extension's identifier, as clients declare it.
pub const TASKS: &str = "io.modelcontextprotocol/tasks";

/// One `toolbench mcp` over stdio, spoken to line by line.
pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    pub lines: mpsc::Receiver<Value>,
    pub next_id: i64,
}

impl Session {
    /// Starts the server on `root` and says hello as `client`, declaring tasks or not.
    pub fn open(root: &Path, config: &Path, client: &str, takes_tasks: bool) -> Session {
        Session::open_command(
            toolbench_command(root, config, &["mcp"]),
            client,
            takes_tasks,
        )
    }

    /// Starts `command` (a `toolbench mcp` the caller set up) and says hello as `client`.
    pub fn open_command(command: Command, client: &str, takes_tasks: bool) -> Session {
        let mut session = Session::start_command(command);
        let capabilities = if takes_tasks {
            json!({"extensions": {TASKS: {}}})
        } else {
            json!({})
        };
        let hello = session.request(
            "initialize",
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": capabilities,
                "clientInfo": {"name": client, "version": "1"},
            }),
        );
        assert!(hello.get("result").is_some(), "initialize: {hello}");
        session.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        session
    }

    /// Starts the server on `root`, with no handshake yet.
    pub fn start(root: &Path, config: &Path) -> Session {
        Session::start_command(toolbench_command(root, config, &["mcp"]))
    }

    fn start_command(mut command: Command) -> Session {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn toolbench mcp");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line)
                    && tx.send(value).is_err()
                {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Session {
            child,
            stdin,
            lines,
            next_id: 0,
        }
    }

    pub fn send(&mut self, message: Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{message}").expect("write to the server");
        stdin.flush().expect("flush");
    }

    /// Sends a request and waits for its response (result or error), skipping notifications.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer to {method} within 60 s"));
            if message["id"] == id {
                return message;
            }
        }
    }

    pub fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))
    }

    pub fn get(&mut self, task: &str) -> Value {
        self.request("tasks/get", json!({"taskId": task}))
    }

    /// Polls the task until `done` says so; panics after `within`.
    pub fn until(&mut self, task: &str, within: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let answer = self.get(task);
            let result = answer.get("result").cloned().unwrap_or(Value::Null);
            if done(&result) {
                return result;
            }
            assert!(Instant::now() < deadline, "task {task}: still {answer}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Closes stdin, as a client that goes away does, and waits for the server to exit.
    pub fn close(mut self, within: Duration) -> std::process::ExitStatus {
        drop(self.stdin.take());
        wait_for(&mut self.child, within)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}
