//! Commands on one tool find it through the cached index and read only its folder (issue 8,
//! part 3). The index goes stale when someone changes the workspace behind toolbench's back:
//! `show`, `run` and `approve` must act on what is on disk, and correct the index, never trust
//! it. Also: a version nobody has, and two decisions racing while a third process runs the tool.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::Value;
use toolbench::store::Store;

fn manifest(name: &str, version: &str) -> String {
    format!(
        "name = \"{name}\"\nversion = \"{version}\"\ndescription = \"test tool\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n"
    )
}

fn tool(root: &Path, tier: &str, dir: &str, name: &str, script: &str) {
    let folder = write_tool(root, tier, dir, &manifest(name, "1.0.0"));
    std::fs::write(folder.join("run.sh"), script).expect("script");
}

/// A workspace holding `tools`, with a state store and a warm index (what `list` leaves).
fn workspace(tools: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let ws = tempfile::tempdir().expect("tempdir");
    for (tier, name, script) in tools {
        tool(ws.path(), tier, name, name, script);
    }
    ok(ws.path(), &["accept"]);
    ok(ws.path(), &["review", "--json"]);
    ok(ws.path(), &["list"]);
    ws
}

fn ok(root: &Path, args: &[&str]) -> String {
    let out = toolbench(root, args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// A command that must fail with exit code 1 and one line on stderr; returns that line.
fn refused(root: &Path, args: &[&str]) -> String {
    let out = toolbench(root, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err.trim().to_string()
}

/// The index rows of `name`: (folder relative to the root, version, content hash).
fn rows(root: &Path, name: &str) -> Vec<(String, String, String)> {
    let store = Store::open(root).expect("store");
    store
        .index_named(name)
        .expect("rows")
        .into_iter()
        .map(|row| {
            let folder = row.path.strip_prefix(root).unwrap_or(&row.path);
            (folder.display().to_string(), row.version, row.content_hash)
        })
        .collect()
}

fn listed(root: &Path, name: &str) -> Vec<Value> {
    let all: Vec<Value> = serde_json::from_str(&ok(root, &["list", "--json"])).expect("JSON");
    all.into_iter().filter(|t| t["name"] == name).collect()
}

fn show(root: &Path, spec: &str) -> Value {
    serde_json::from_str(&ok(root, &["show", spec, "--json"])).expect("show JSON")
}

#[test]
fn show_reads_the_folder_as_it_is_and_corrects_the_index() {
    let ws = workspace(&[
        ("approved", "alpha", "true\n"),
        ("experimental", "beta", "true\n"),
    ]);
    let root = ws.path();
    let indexed = rows(root, "alpha");
    assert_eq!(indexed.len(), 1);

    // Changed in place: a new version and new content.
    overwrite(
        &root.join("approved/alpha/tool.toml"),
        &manifest("alpha", "1.1.0"),
    );
    let shown = show(root, "alpha");
    assert_eq!(shown["version"], "1.1.0");
    assert_ne!(shown["content_hash"], indexed[0].2.as_str());
    let corrected = rows(root, "alpha");
    assert_eq!(corrected.len(), 1);
    assert_eq!(corrected[0].1, "1.1.0");
    assert_eq!(
        corrected[0].2,
        shown["content_hash"].as_str().unwrap_or("?")
    );
    assert_eq!(
        listed(root, "alpha")[0]["content_hash"],
        shown["content_hash"]
    );

    // Moved to a folder the index never saw.
    std::fs::rename(
        root.join("experimental/beta"),
        root.join("experimental/beta-moved"),
    )
    .expect("mv");
    let shown = show(root, "beta");
    assert!(
        shown["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("experimental/beta-moved")),
        "{shown}"
    );
    assert_eq!(rows(root, "beta")[0].0, "experimental/beta-moved");

    // Removed.
    std::fs::remove_dir_all(root.join("approved/alpha")).expect("rm");
    assert_eq!(
        refused(root, &["show", "alpha"]),
        "toolbench: no tool named \"alpha\" in the workspace (see `toolbench list`)"
    );
    assert!(rows(root, "alpha").is_empty());
}

#[test]
fn run_refuses_an_active_folder_changed_behind_our_back_until_its_content_is_approved() {
    let ws = workspace(&[("approved", "echoer", "echo one\n")]);
    let root = ws.path();
    assert_eq!(ok(root, &["run", "echoer"]), "one\n");

    // Changed in place: read as it is now, and refused for it.
    overwrite(&root.join("approved/echoer/run.sh"), "echo two\n");
    let changed = show(root, "echoer")["content_hash"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let err = refused(root, &["run", "echoer"]);
    assert!(
        err.starts_with(
            "toolbench: echoer@1.0.0 will not run: approved/echoer was modified since approval"
        ),
        "{err}"
    );
    validate(root, "echoer");
    ok(root, &["approve", "echoer", "--hash", &changed[..12]]);
    assert_eq!(ok(root, &["run", "echoer"]), "two\n");

    // The folder now holds another tool: the old name is gone, and the new one was never
    // approved here.
    overwrite(
        &root.join("approved/echoer/tool.toml"),
        &manifest("other", "1.0.0"),
    );
    assert_eq!(
        refused(root, &["run", "echoer"]),
        "toolbench: no tool named \"echoer\" in the workspace (see `toolbench list`)"
    );
    let err = refused(root, &["run", "other"]);
    assert!(
        err.contains("approved/echoer was not approved in this workspace"),
        "{err}"
    );

    std::fs::remove_dir_all(root.join("approved/echoer")).expect("rm");
    assert_eq!(
        refused(root, &["run", "other"]),
        "toolbench: no tool named \"other\" in the workspace (see `toolbench list`)"
    );
    let runs = runs_of(root, "echoer");
    assert_eq!(runs.len(), 2, "{runs:?}");
}

#[test]
fn approve_decides_on_the_candidate_as_validated_wherever_it_moved() {
    let ws = workspace(&[
        ("experimental", "gamma", "echo v1\n"),
        ("experimental", "delta", "true\n"),
        ("experimental", "eps", "true\n"),
    ]);
    let root = ws.path();
    for name in ["gamma", "delta", "eps"] {
        validate(root, name);
    }
    let indexed = rows(root, "gamma");

    // Changed behind our back: refused until the new content is validated; then what is
    // approved, recorded and snapshotted is the new content.
    overwrite(&root.join("experimental/gamma/run.sh"), "echo v2\n");
    let err = refused(root, &["approve", "gamma"]);
    assert!(
        err.starts_with("toolbench: cannot approve gamma@1.0.0: experimental/gamma changed since validation (validated "),
        "{err}"
    );
    assert!(err.ends_with("): validate again"), "{err}");
    validate(root, "gamma");
    ok(root, &["approve", "gamma"]);
    let now = listed(root, "gamma");
    assert_eq!(now.len(), 1);
    assert_eq!(now[0]["tier"], "approved");
    assert_ne!(now[0]["content_hash"], indexed[0].2.as_str());
    let history: Value =
        serde_json::from_str(&ok(root, &["history", "gamma", "--json"])).expect("history");
    let approve = history
        .as_array()
        .and_then(|d| d.iter().find(|d| d["action"] == "approve"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(approve["to_hash"], now[0]["content_hash"], "{history}");
    assert_eq!(ok(root, &["run", "gamma"]), "v2\n");

    // Removed behind our back.
    std::fs::remove_dir_all(root.join("experimental/delta")).expect("rm");
    assert_eq!(
        refused(root, &["approve", "delta"]),
        "toolbench: no tool named \"delta\" in the workspace (see `toolbench list`)"
    );

    // Moved behind our back: the content validated is found where it is, and the index
    // follows the decision.
    std::fs::rename(
        root.join("experimental/eps"),
        root.join("experimental/eps-2"),
    )
    .expect("mv");
    ok(root, &["approve", "eps"]);
    assert_eq!(
        rows(root, "eps")
            .into_iter()
            .map(|r| r.0)
            .collect::<Vec<_>>(),
        ["approved/eps"]
    );
}

#[test]
fn a_version_nobody_has_is_refused_in_one_line_naming_the_known_ones() {
    let ws = workspace(&[("approved", "alpha", "echo hi\n")]);
    let root = ws.path();
    let expected = "tool \"alpha\" has no version 9.9.9 (known: 1.0.0)";
    assert_eq!(
        refused(root, &["show", "alpha@9.9.9"]),
        format!("toolbench: {expected}")
    );
    assert_eq!(
        refused(root, &["run", "alpha@9.9.9"]),
        format!("toolbench: {expected}")
    );
    let err = refused(root, &["archive", "alpha@9.9.9"]);
    assert!(err.contains(expected), "{err}");
    assert_eq!(listed(root, "alpha")[0]["tier"], "approved");
    assert_eq!(show(root, "alpha@1.0.0")["version"], "1.0.0");
}

#[test]
fn two_processes_decide_on_a_tool_while_a_third_runs_it() {
    let ws = workspace(&[(
        "experimental",
        "slow",
        "echo started; sleep 1; echo finished\n",
    )]);
    let root = ws.path();
    validate(root, "slow");
    let config = tempfile::tempdir().expect("config");
    let spawn = |args: &[&str]| {
        Command::new(bin())
            .arg("--root")
            .arg(root)
            .args(args)
            .envs(common::user_dirs(config.path()))
            .env_remove("TOOLBENCH_ROOT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let mut runner = spawn(&["run", "slow"]);
    let mut first = String::new();
    let mut out = BufReader::new(runner.stdout.take().expect("stdout"));
    out.read_line(&mut first).expect("first line");
    assert_eq!(first, "started\n");

    let deciders = [
        spawn(&["approve", "slow"]),
        spawn(&["reject", "slow", "--reason", "too slow"]),
    ];
    let decided: Vec<Output> = deciders
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).expect("rest");
    let ran = runner.wait().expect("wait");
    assert!(ran.success(), "the run was disturbed: {rest}");
    assert_eq!(rest, "finished\n");

    let wins: Vec<&Output> = decided.iter().filter(|o| o.status.success()).collect();
    assert_eq!(wins.len(), 1, "{decided:?}");
    let loser = decided
        .iter()
        .find(|o| !o.status.success())
        .map(stderr)
        .unwrap_or_default();
    assert!(
        loser.contains("is being changed by another toolbench process")
            || loser.contains("not in experimental/"),
        "{loser}"
    );
    // The index knows where the decision put it (before `list` rewrites it).
    let indexed: Vec<String> = rows(root, "slow").into_iter().map(|r| r.0).collect();
    let now = listed(root, "slow");
    assert_eq!(now.len(), 1, "in exactly one tier: {now:?}");
    let tier = now[0]["tier"].as_str().unwrap_or_default().to_string();
    assert!(tier == "approved" || tier == "archived", "{tier}");
    assert_eq!(indexed, [format!("{tier}/slow")]);
    let history: Value =
        serde_json::from_str(&ok(root, &["history", "slow", "--json"])).expect("history");
    let actions: Vec<&str> = history
        .as_array()
        .map(|d| d.iter().filter_map(|d| d["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(actions.len(), 1, "{history}");
    let runs = runs_of(root, "slow");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "ok");
}
