//! A run that cannot read its tool because a person moved or locked it is recorded as
//! `unavailable`, not as the tool's failure; and a tool folder nobody may read is broken, as
//! root too, so no run starts on it.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// An approved tool `name` whose run.sh is `script`, beside a file `data.txt`.
fn tool_with_data(root: &Path, name: &str, script: &str) -> std::path::PathBuf {
    let manifest = format!(
        "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"reads its data\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n"
    );
    let folder = write_tool(root, "experimental", name, &manifest);
    std::fs::write(folder.join("run.sh"), script).expect("script");
    std::fs::write(folder.join("data.txt"), "data\n").expect("data");
    approve(root, name);
    root.join("approved").join(name)
}

fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn run_in_flight(root: &Path) -> bool {
    std::fs::read_dir(root.join(".toolbench/running"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.path().extension().is_some_and(|x| x == "json"))
}

fn failures_of(root: &Path, tool: &str) -> Vec<Value> {
    let out = toolbench(root, &["failures", "--json"]);
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).expect("failures --json");
    all.into_iter().filter(|f| f["tool"] == tool).collect()
}

/// A run written down, then its tool archived before its sandbox read it: the tool's folder
/// is gone from under it. Once `failed` with "can't open" and an automatic failure against
/// the tool.
#[cfg(debug_assertions)]
#[test]
fn a_run_whose_tool_is_archived_under_it_is_unavailable_not_the_tools_failure() {
    let ws = tempfile::tempdir().expect("tempdir");
    tool_with_data(ws.path(), "mover", "cat \"$(dirname \"$0\")/data.txt\"\n");
    let config = tempfile::tempdir().expect("config");
    let run = toolbench_command(ws.path(), config.path(), &["run", "mover", "--json"])
        .env(toolbench::pause_point::PAUSE_ENV, "run-written-down:2000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run starts");
    wait_until("the run written down", || run_in_flight(ws.path()));
    let archived = toolbench(ws.path(), &["archive", "mover", "--reason", "retired"]);
    assert!(archived.status.success(), "{}", stderr(&archived));
    let out = run.wait_with_output().expect("run ends");
    let record: Value = serde_json::from_slice(&out.stdout).expect("run --json");
    assert_eq!(record["status"], "unavailable", "{record}");
    let error = record["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("approved/mover was moved away") && error.contains("not the tool's failure"),
        "{error}"
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        failures_of(ws.path(), "mover").is_empty(),
        "counted against the tool"
    );
}

/// A file of the tool made unreadable (mode 000) while it runs: the tool's read fails, and
/// the run says why, without a failure against the tool.
#[test]
fn a_run_whose_tool_is_locked_under_it_is_unavailable_not_the_tools_failure() {
    let ws = tempfile::tempdir().expect("tempdir");
    let marker = format!("{}.5", 500_000 + std::process::id());
    let folder = tool_with_data(
        ws.path(),
        "locked",
        &format!("sleep {marker} || true\ncat \"$(dirname \"$0\")/data.txt\"\n"),
    );
    let config = tempfile::tempdir().expect("config");
    let run = toolbench_command(ws.path(), config.path(), &["run", "locked", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run starts");
    wait_until("the tool's sleep", || {
        !processes_running(&format!("sleep {marker}")).is_empty()
    });
    let data = folder.join("data.txt");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    for pid in processes_running(&format!("sleep {marker}")) {
        let pid: i32 = pid
            .split(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("pid");
        // SAFETY: kill(2) of the tool's sleep, so the run goes on to its read.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    let out = run.wait_with_output().expect("run ends");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o444)).expect("chmod back");
    let record: Value = serde_json::from_slice(&out.stdout).expect("run --json");
    let stderr_log = std::fs::read_to_string(
        ws.path()
            .join(record["log_dir"].as_str().expect("log_dir"))
            .join("stderr.log"),
    )
    .unwrap_or_default();
    assert!(
        stderr_log.contains("Permission denied"),
        "the read failed: {stderr_log}"
    );
    assert_eq!(record["status"], "unavailable", "{record}");
    assert!(
        record["error"]
            .as_str()
            .is_some_and(|e| e.contains("approved/locked was made unreadable")),
        "{record}"
    );
    assert!(
        failures_of(ws.path(), "locked").is_empty(),
        "counted against the tool"
    );
}

/// A tool folder nobody may read (mode 000) is broken, for root too (which could read it):
/// listed with the reason, and refused before anything runs.
#[test]
fn a_tool_folder_nobody_may_read_is_broken_and_never_runs() {
    let ws = tempfile::tempdir().expect("tempdir");
    let folder = tool_with_data(ws.path(), "shut", "cat \"$(dirname \"$0\")/data.txt\"\n");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let listed = toolbench(ws.path(), &["list", "--json"]);
    let run = toolbench(ws.path(), &["run", "shut"]);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    let tools: Vec<Value> = serde_json::from_slice(&listed.stdout).expect("list --json");
    let shut = tools.iter().find(|t| t["name"] == "shut");
    let error = shut.map(|t| t["error"].to_string()).unwrap_or_default();
    assert!(error.contains("cannot read this folder"), "{error}");
    assert_eq!(run.status.code(), Some(1));
    let said = stderr(&run);
    assert!(said.contains("cannot read this folder"), "{said}");
    assert!(runs_of(ws.path(), "shut").is_empty(), "a run started");
}
