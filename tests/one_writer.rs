//! One SQLite writer per process (DESIGN §9): the MCP server, driven in this process through
//! its real handler by the official client, keeps to one write-capable connection however
//! many calls, proposals and validations it serves. Counted by the library as it opens them.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, JsonObject};
use serde_json::{Value, json};
use toolbench::mcp::gateway::Gateway;
use toolbench::store::{STATE_FILE, Store, writable_opens};
use toolbench::workspace::STATE_DIR;

fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    name: &str,
    arguments: Value,
) -> CallToolResult {
    client
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(object(arguments)))
        .await
        .unwrap_or_else(|e| panic!("tools/call {name}: {e}"))
}

/// The verdict stored for the review-queue row of `tool`, read through a read-only connection.
fn verdict_of(root: &Path, tool: &str) -> Option<String> {
    Store::open_reader(root)
        .ok()?
        .review_queue_rows()
        .ok()?
        .into_iter()
        .find(|row| row.tool == tool)?
        .verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mcp_server_records_calls_proposals_and_validations_through_one_writer() {
    let ws = sample_workspace();
    let root = ws.path().to_path_buf();
    let state = root.join(STATE_DIR).join(STATE_FILE);
    let workbench = toolbench::workbench::Workbench::at(&root, None)
        .expect("opened")
        .with_program(bin());
    let shared = toolbench::mcp::shared(workbench).expect("the server's shared state");
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(async move {
        let service = Gateway::new(shared).serve(server_io).await.expect("serve");
        let _ = service.waiting().await;
    });
    let client = ().serve(client_io).await.expect("initialize");

    let result = call(&client, "word_count", json!({"text": "one two"})).await;
    assert_ne!(result.is_error, Some(true), "{result:?}");
    let runs = Store::open_reader(&root)
        .expect("reader")
        .list_runs(Some("word_count"), 10)
        .expect("runs");
    assert_eq!(runs.len(), 1, "the call's run is stored");

    let manifest = "name = \"greet\"\nversion = \"1.0.0\"\ndescription = \"Say hello\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n";
    let proposed = call(
        &client,
        "toolbench_propose_tool",
        json!({"manifest": manifest, "files": {"run.sh": "echo '{\"hello\": 1}'\n"}}),
    )
    .await;
    assert_ne!(proposed.is_error, Some(true), "{proposed:?}");
    // The server validates every proposal in the background and stores the verdict.
    let deadline = Instant::now() + Duration::from_secs(60);
    while verdict_of(&root, "greet").is_none() {
        assert!(Instant::now() < deadline, "no verdict stored within 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = call(&client, "toolbench_review_status", json!({"name": "greet"})).await;
    assert_ne!(status.is_error, Some(true), "{status:?}");
    let failed = call(
        &client,
        "toolbench_report_failure",
        json!({"tool": "word_count", "scenario": "count two words", "error": "miscounted", "severity": "low"}),
    )
    .await;
    assert_ne!(failed.is_error, Some(true), "{failed:?}");

    assert_eq!(
        writable_opens(&state),
        1,
        "one write connection for the whole server"
    );
    client.cancel().await.expect("close the session");
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
}

/// An evolver may think for minutes: the decision takes the process's one connection only
/// around its store steps, so the runs, answers and validations recorded meanwhile are not
/// held up behind it.
#[test]
fn an_evolve_does_not_hold_the_store_while_its_evolver_runs() {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    toolbench::workspace::init_workspace(root).expect("init");
    write_tool(root, "approved", "greet", &minimal_manifest("greet"));
    toolbench::seal::accept_all(root, "ana").expect("accepted");
    let outside = tempfile::tempdir().expect("tempdir");
    let evolver = outside.path().join("slow_evolver.sh");
    std::fs::write(
        &evolver,
        "#!/bin/sh\ncat >/dev/null\nsleep 3\necho '{\"files\": {}}'\n",
    )
    .expect("evolver");
    let workbench = toolbench::workbench::Workbench::at(root, None)
        .expect("opened")
        .with_program(bin());
    let store = workbench.store().expect("store");
    let mut ctx = workbench.review();
    ctx.who = "ana".into();
    let command = toolbench::model::review_command::ReviewCommand::Evolve {
        hint: "slower".into(),
        with: Some(toolbench::model::review_command::EvolverCommand {
            argv: vec!["sh".into(), evolver.display().to_string()],
            from: outside.path().to_path_buf(),
        }),
    };
    let deciding = {
        let store = store.clone();
        std::thread::spawn(move || {
            toolbench::review::apply(
                &ctx,
                &store,
                &toolbench::model::ToolId::named("greet"),
                &command,
            )
            .map(|outcome| outcome.summary())
        })
    };
    // Well inside the evolver's three seconds.
    std::thread::sleep(Duration::from_millis(1_000));
    let taken = Instant::now();
    let runs = store.lock().list_runs(None, 1).expect("the store answers");
    assert!(runs.is_empty());
    assert!(
        !deciding.is_finished(),
        "the store was free only once the evolve had ended ({:?} waiting)",
        taken.elapsed()
    );
    let summary = deciding.join().expect("no panic").expect("evolved");
    assert!(summary.contains("1.1.0"), "{summary}");
}
