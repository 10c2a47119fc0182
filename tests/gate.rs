//! One admission rule (`model::admission`, DESIGN §2 and §8) seen from the three front ends: the
//! same tools driven from the CLI, from the workbench in a real terminal and over MCP, each
//! outcome read from the outside (exit codes, the screen, the runs and calls in the store).
//! A person at the CLI or the keyboard gets the same verdict for every tool; an agent gets
//! the person's, except that its calls of tools the manifest or the config ask about wait.

mod common;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    JsonObject, ProtocolVersion,
};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::Value;

/// How long one front end may take to show what it does with one tool.
const VERDICT_WITHIN: Duration = Duration::from_secs(20);

/// What a front end did with a request to run a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// It ran: a run of the tool is in the store.
    Runs,
    /// It waits for a person's yes: `--yes`, the typed name, a human's answer to the call.
    Asks,
    /// It never runs, and says why.
    Refuses,
    /// Anything else, with what was seen.
    Other(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Runs => f.write_str("runs"),
            Verdict::Asks => f.write_str("asks"),
            Verdict::Refuses => f.write_str("refuses"),
            Verdict::Other(seen) => write!(f, "?? {}", seen.replace('\n', " ⏎ ")),
        }
    }
}

/// Words with which every front end says that a tool never runs.
const REFUSALS: [&str; 3] = ["never runs", "will not run", "cannot run"];

/// One tool of the workspace and what the documented rule says of it.
struct Case {
    name: &'static str,
    /// How the tool differs from a plain low-cost tool.
    what: &'static str,
    person: Verdict,
    agent: Verdict,
}

fn cases() -> Vec<Case> {
    use Verdict::*;
    let case = |name, what, person, agent| Case {
        name,
        what,
        person,
        agent,
    };
    vec![
        case("cheap", "cost_tier low", Runs, Runs),
        case("plain", "no cost_tier (medium)", Runs, Runs),
        case("costly", "cost_tier high", Asks, Asks),
        case("forbidden", "cost_tier prohibited", Refuses, Refuses),
        case("shy", "low, [mcp] ask = true", Runs, Asks),
        case("listed", "low, in [[approvals.ask]]", Runs, Asks),
        case("broken", "broken manifest", Refuses, Refuses),
        case("altered", "changed since approval", Refuses, Refuses),
    ]
}

/// The manifest of an approved tool without input, `cost` as its `cost_tier` line.
fn manifest(name: &str, cost: &str, extra: &str) -> String {
    format!(
        "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"test tool\"\n{cost}\n\n\
         [run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\ntimeout_secs = 60\n{extra}"
    )
}

/// A workspace holding every case: placed in `approved/` and accepted as they are by a
/// person, then `altered` approved as a person does and changed behind toolbench's back.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    for tier in ["core", "approved", "experimental", "archived"] {
        std::fs::create_dir_all(root.join(tier)).expect("tier");
    }
    std::fs::write(
        root.join("toolbench.toml"),
        "[approvals]\ntimeout_secs = 600\n\n[[approvals.ask]]\ntool = \"listed\"\n",
    )
    .expect("toolbench.toml");
    let approved = |name: &str, text: String| {
        write_tool(root, "approved", name, &text);
    };
    approved("cheap", manifest("cheap", "cost_tier = \"low\"", ""));
    approved("plain", manifest("plain", "", ""));
    approved("costly", manifest("costly", "cost_tier = \"high\"", ""));
    approved(
        "forbidden",
        manifest("forbidden", "cost_tier = \"prohibited\"", ""),
    );
    approved(
        "shy",
        manifest("shy", "cost_tier = \"low\"", "\n[mcp]\nask = true\n"),
    );
    approved("listed", manifest("listed", "cost_tier = \"low\"", ""));
    approved(
        "broken",
        manifest("broken", "cost_tier = \"low\"", "").replace("1.0.0", "one"),
    );
    accept(root);
    shell_tool(root, "altered", "echo '{}'\n", "");
    let script = root.join("approved/altered/run.sh");
    assert!(script.is_file(), "altered was approved into approved/");
    overwrite(&script, "echo '{\"changed\": true}'\n");
    dir
}

/// The runs of `tool` in the store, counted.
fn run_count(root: &Path, tool: &str) -> usize {
    runs_of(root, tool).len()
}

/// True when a run of `tool` beyond the `before` already stored shows up within a few
/// seconds (a run is stored as it ends).
fn ran(root: &Path, tool: &str, before: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if run_count(root, tool) > before {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn says_refused(text: &str) -> bool {
    REFUSALS.iter().any(|r| text.contains(r))
}

// ---- CLI ------------------------------------------------------------------------------

/// `toolbench run NAME` without `--yes`.
fn cli_verdict(root: &Path, config: &Path, name: &str) -> Verdict {
    let before = run_count(root, name);
    let out: Output = toolbench_command(root, config, &["run", name])
        .stdin(Stdio::null())
        .output()
        .expect("toolbench run");
    let err = stderr(&out);
    if out.status.success() && ran(root, name, before) {
        return Verdict::Runs;
    }
    if run_count(root, name) > before {
        return Verdict::Other(format!("a run was stored but: {err}"));
    }
    if !out.status.success() && err.contains("pass --yes") {
        return Verdict::Asks;
    }
    if !out.status.success() && says_refused(&err) {
        return Verdict::Refuses;
    }
    Verdict::Other(format!(
        "exit {:?}: {}{}",
        out.status.code(),
        stdout(&out),
        err
    ))
}

// ---- workbench ------------------------------------------------------------------------

const ROWS: u16 = 40;
const COLS: u16 = 160;

/// The real binary in a pseudo-terminal (as in tests/tui_pty.rs).
struct Session {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    /// Kept for the session's lifetime: closing it hangs up the terminal.
    _master: Box<dyn MasterPty + Send>,
}

impl Session {
    fn start(root: &Path, config: &Path) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open pty");
        let mut cmd = CommandBuilder::new(bin());
        cmd.arg("--root");
        cmd.arg(root);
        for (key, value) in common::user_dirs(config) {
            cmd.env(key, value);
        }
        cmd.env_remove("TOOLBENCH_ROOT");
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).expect("spawn");
        drop(pair.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut parser) = sink.lock() {
                    parser.process(&buf[..n]);
                }
            }
        });
        let writer = pair.master.take_writer().expect("writer");
        Session {
            screen,
            writer,
            child,
            _master: pair.master,
        }
    }

    fn contents(&self) -> String {
        self.screen
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    /// Waits until the screen satisfies `ready`, and returns it.
    fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + VERDICT_WITHIN;
        loop {
            let screen = self.contents();
            if ready(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "workbench: timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush");
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A person selects `name` in the workbench by its filter and presses Enter.
fn workbench_verdict(root: &Path, config: &Path, name: &str) -> Verdict {
    let before = run_count(root, name);
    let mut session = Session::start(root, config);
    // The whole catalog read, so Enter acts on the tool as scanned, not on a cached row.
    session.wait_until("the catalog", |s| {
        cases().iter().all(|c| s.contains(c.name)) && !s.contains("scanning")
    });
    session.type_keys(&format!("/{name}"));
    session.wait_until("the filter", |s| s.contains(&format!("/{name}")));
    session.type_keys("\r");
    let deadline = Instant::now() + VERDICT_WITHIN;
    let confirm = format!("type {name} to confirm");
    loop {
        let screen = session.contents();
        if screen.contains(&confirm) {
            return Verdict::Asks;
        }
        if screen
            .lines()
            .any(|line| line.contains(name) && says_refused(line))
        {
            return Verdict::Refuses;
        }
        if run_count(root, name) > before {
            return Verdict::Runs;
        }
        if Instant::now() > deadline {
            return Verdict::Other(format!("nothing within {VERDICT_WITHIN:?}:\n{screen}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---- MCP ------------------------------------------------------------------------------

#[derive(Clone, Default)]
struct Agent;

impl ClientHandler for Agent {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("gate-tests", "1"),
        )
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }
}

type Client = RunningService<RoleClient, Agent>;

async fn connect(root: &Path, config: &Path) -> Client {
    let command = common::mcp_server(root, config);
    let transport = TokioChildProcess::new(command).expect("spawn toolbench mcp");
    Agent.serve(transport).await.expect("initialize")
}

/// The agents' calls waiting for a human, as `toolbench calls --json` lists them.
fn pending_calls(root: &Path, config: &Path) -> Vec<Value> {
    let out = toolbench_command(root, config, &["calls", "--json"])
        .output()
        .expect("toolbench calls");
    assert!(out.status.success(), "calls --json: {}", stderr(&out));
    let calls: Value = serde_json::from_slice(&out.stdout).expect("calls --json");
    calls.as_array().cloned().unwrap_or_default()
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.expect("join")
}

/// An agent calls `name`; a call that waits for a human is rejected, and must end so.
async fn mcp_verdict(client: &Client, root: PathBuf, config: PathBuf, name: &str) -> Verdict {
    let before = blocking({
        let (root, name) = (root.clone(), name.to_string());
        move || run_count(&root, &name)
    })
    .await;
    let peer = client.peer().clone();
    let request = CallToolRequestParams::new(name.to_string()).with_arguments(JsonObject::new());
    let mut call = tokio::spawn(async move { peer.call_tool(request).await });
    let deadline = Instant::now() + VERDICT_WITHIN;
    loop {
        if call.is_finished() {
            let answered = (&mut call).await.expect("join");
            return match answered {
                Ok(result) => answered_verdict(&root, name, before, &result).await,
                Err(e) => Verdict::Other(format!("protocol error: {e}")),
            };
        }
        let waiting = blocking({
            let (root, config, name) = (root.clone(), config.clone(), name.to_string());
            move || {
                pending_calls(&root, &config)
                    .into_iter()
                    .find(|c| c["tool"] == name.as_str())
            }
        })
        .await;
        if let Some(waiting) = waiting {
            return rejected(call, &root, &config, name, before, &waiting).await;
        }
        if Instant::now() > deadline {
            call.abort();
            return Verdict::Other(format!(
                "no answer and no pending call within {VERDICT_WITHIN:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn answered_verdict(
    root: &Path,
    name: &str,
    before: usize,
    result: &CallToolResult,
) -> Verdict {
    let text = text_of(result);
    let stored = blocking({
        let (root, name) = (root.to_path_buf(), name.to_string());
        move || ran(&root, &name, before)
    })
    .await;
    match (result.is_error == Some(true), stored) {
        (false, true) => Verdict::Runs,
        (true, false) if says_refused(&text) => Verdict::Refuses,
        (is_error, stored) => {
            Verdict::Other(format!("is_error {is_error}, run stored {stored}: {text}"))
        }
    }
}

/// A call that waits for a human: rejected from another process, it must end as rejected
/// with nothing run.
async fn rejected(
    call: tokio::task::JoinHandle<Result<CallToolResult, rmcp::ServiceError>>,
    root: &Path,
    config: &Path,
    name: &str,
    before: usize,
    waiting: &Value,
) -> Verdict {
    let id = waiting["id"].to_string();
    let out = toolbench_command(root, config, &["calls", "reject", &id, "--reason", "r"])
        .output()
        .expect("calls reject");
    assert!(out.status.success(), "calls reject {id}: {}", stderr(&out));
    let result = tokio::time::timeout(VERDICT_WITHIN, call)
        .await
        .unwrap_or_else(|_| panic!("mcp: the rejected call of {name} never ended"))
        .expect("join")
        .expect("tools/call");
    let text = text_of(&result);
    assert!(
        result.is_error == Some(true) && text.contains("rejected"),
        "mcp: the rejected call of {name} answered: {text}"
    );
    assert_eq!(
        run_count(root, name),
        before,
        "mcp: a rejected call of {name} ran"
    );
    Verdict::Asks
}

async fn mcp_verdicts(root: &Path, config: &Path) -> BTreeMap<&'static str, Verdict> {
    let client = connect(root, config).await;
    let mut verdicts = BTreeMap::new();
    for case in cases() {
        let verdict = mcp_verdict(&client, root.to_path_buf(), config.to_path_buf(), case.name);
        verdicts.insert(case.name, verdict.await);
    }
    client.cancel().await.expect("close");
    verdicts
}

// ---- the table ------------------------------------------------------------------------

fn table(rows: &[(&Case, Verdict, Verdict, Verdict)]) -> String {
    let mut text = format!(
        "{:<10} {:<28} {:<10} {:<10} {:<10} | {:<8} {:<8}\n",
        "tool", "what", "cli", "workbench", "mcp", "person", "agent"
    );
    for (case, cli, workbench, mcp) in rows {
        text.push_str(&format!(
            "{:<10} {:<28} {:<10} {:<10} {:<10} | {:<8} {:<8}\n",
            case.name,
            case.what,
            cli.to_string(),
            workbench.to_string(),
            mcp.to_string(),
            case.person.to_string(),
            case.agent.to_string()
        ));
    }
    text
}

#[test]
fn one_tool_is_gated_alike_from_the_cli_the_workbench_and_mcp() {
    let ws = workspace();
    let root = ws.path();
    let config = tempfile::tempdir().expect("config dir");
    let cases = cases();

    let cli: Vec<Verdict> = cases
        .iter()
        .map(|c| cli_verdict(root, config.path(), c.name))
        .collect();
    let workbench: Vec<Verdict> = cases
        .iter()
        .map(|c| workbench_verdict(root, config.path(), c.name))
        .collect();
    let mut mcp = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(mcp_verdicts(root, config.path()));

    let rows: Vec<_> = cases
        .iter()
        .zip(cli)
        .zip(workbench)
        .map(|((case, cli), workbench)| {
            let mcp = mcp.remove(case.name).expect("an MCP verdict");
            (case, cli, workbench, mcp)
        })
        .collect();
    let table = table(&rows);
    for (case, cli, workbench, mcp) in &rows {
        assert_eq!(
            cli, workbench,
            "{}: a person gets one verdict from the CLI and the workbench\n{table}",
            case.name
        );
        assert_eq!(
            cli, &case.person,
            "{}: a person's verdict is the rule's\n{table}",
            case.name
        );
        assert_eq!(
            mcp, &case.agent,
            "{}: an agent's verdict is the rule's\n{table}",
            case.name
        );
    }
    // The rule itself: an agent is told what a person is, except where it is asked about.
    for case in &cases {
        let asked_for_agents = matches!(case.name, "shy" | "listed");
        assert_eq!(
            case.person == case.agent,
            !asked_for_agents,
            "{}\n{table}",
            case.name
        );
    }
    println!("{table}");
}
