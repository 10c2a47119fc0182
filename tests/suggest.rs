//! `toolbench suggest` through the real binary: suggestions found in a history made by real
//! runs and calls, or filled through the library, and a person's answers to them.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;
use toolbench::model::{RunOrigin, RunRecord, RunStatus, Tier};
use toolbench::store::Store;

fn suggestions(root: &Path, all: bool) -> Vec<Value> {
    let args: &[&str] = if all {
        &["suggest", "--json", "--all"]
    } else {
        &["suggest", "--json"]
    };
    let out = toolbench(root, args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("suggest --json")
}

fn id_of(found: &[Value], kind: &str) -> i64 {
    found
        .iter()
        .find(|s| s["kind"] == kind)
        .and_then(|s| s["id"].as_i64())
        .unwrap_or_else(|| panic!("no {kind} suggestion in {found:?}"))
}

#[test]
fn runs_one_after_the_other_become_a_composition_a_person_can_accept() {
    let ws = sample_workspace();
    let root = ws.path();
    for _ in 0..3 {
        let out = toolbench(
            root,
            &["run", "word_count", "--input", r#"{"text": "a b"}"#],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let out = toolbench(
            root,
            &["run", "line_sort", "--input", r#"{"lines": ["b", "a"]}"#],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let found = suggestions(root, false);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0]["title"],
        "compose word_count → line_sort into one tool"
    );
    assert_eq!(found[0]["evidence"]["count"], 3);
    let id = id_of(&found, "compose").to_string();

    let out = toolbench(root, &["suggest", "accept", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("asks agents to write it"),
        "{}",
        stdout(&out)
    );
    // The request is in the store, answered "write it" by the person who accepted.
    let store = Store::open(root).expect("store");
    let requests = store
        .requests_named("word_count_then_line_sort")
        .expect("requests");
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].state.as_str(), "approved");
    // Accepted, it is not suggested again as a request nobody wrote.
    let all = suggestions(root, true);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["state"], "accepted");
    assert_eq!(all[0]["request_id"], requests[0].id);

    let again = toolbench(root, &["suggest", "accept", &id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("was already accepted by"),
        "{}",
        stderr(&again)
    );
    assert_eq!(stderr(&again).lines().count(), 1, "{}", stderr(&again));
}

#[test]
fn a_capability_nothing_serves_is_missing_and_stays_dismissed() {
    let ws = sample_workspace();
    let root = ws.path();
    let out = toolbench(root, &["call", "--capability", "pdf.merge"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = suggestions(root, false);
    assert_eq!(
        found[0]["title"], "a tool for pdf.merge is missing",
        "{found:?}"
    );
    let id = id_of(&found, "missing").to_string();

    let blank = toolbench(root, &["suggest", "dismiss", &id, "--reason", "  "]);
    assert_eq!(blank.status.code(), Some(1));
    assert!(stderr(&blank).contains("--reason"), "{}", stderr(&blank));
    let out = toolbench(
        root,
        &["suggest", "dismiss", &id, "--reason", "we do not do PDFs"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // Asked for again, it stays dismissed.
    toolbench(root, &["call", "--capability", "pdf.merge"]);
    assert!(suggestions(root, false).is_empty());
    let all = suggestions(root, true);
    assert_eq!(all[0]["state"], "dismissed");
    assert_eq!(all[0]["reason"], "we do not do PDFs");
    assert_eq!(all[0]["evidence"]["calls"], 2);
}

/// A capability that is empty, blank or holds a control character names nothing a tool could
/// be written for: refused at once in one line naming `--capability`, and never suggested.
#[test]
fn a_blank_capability_is_refused_and_never_suggested() {
    let ws = sample_workspace();
    let root = ws.path();
    for capability in ["", "   ", "csv\n.parse", "\u{1b}[2J"] {
        let out = toolbench(root, &["call", "--capability", capability, "--input", "{}"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{capability:?}: {}",
            stderr(&out)
        );
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{capability:?}: {err}");
        assert!(
            err.starts_with("toolbench: --capability: "),
            "{capability:?}: {err}"
        );
    }
    assert!(suggestions(root, true).is_empty());
}

#[test]
fn unknown_and_bad_ids_are_one_line_errors() {
    let ws = sample_workspace();
    let root = ws.path();
    let out = toolbench(root, &["suggest", "accept", "42"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: no suggestion #42 (see `toolbench suggest`)"
    );
    let out = toolbench(root, &["suggest", "dismiss", "x", "--reason", "r"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = toolbench(root, &["suggest", "dismiss", "1"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--reason is required: {}",
        stderr(&out)
    );
}

#[test]
fn accepting_a_failing_tool_evolves_it_with_a_hint_from_its_failures() {
    let ws = sample_workspace();
    let root = ws.path();
    {
        let mut store = Store::open(root).expect("store");
        let now = toolbench::clock::now_rfc3339();
        let mut runs: Vec<RunRecord> = (0..6)
            .map(|i| RunRecord {
                id: 0,
                tool: "word_count".into(),
                version: "1.0.0".into(),
                tier: Tier::Core,
                input: "{}".into(),
                started_at: now.clone(),
                duration_ms: 30,
                exit_code: Some(i % 2),
                signal: None,
                peak_memory_kb: None,
                bytes_out: 0,
                status: if i % 2 == 0 {
                    RunStatus::Ok
                } else {
                    RunStatus::Failed
                },
                origin: RunOrigin::Cli,
                client: None,
                project: None,
                log_dir: None,
                sandbox: String::new(),
                error: None,
            })
            .collect();
        store.insert_runs(&mut runs).expect("runs");
    }
    let found = suggestions(root, false);
    let evolve = found
        .iter()
        .find(|s| s["kind"] == "evolve")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(
        evolve["title"],
        "evolve word_count: failed 3 of its last 6 runs"
    );
    let id = evolve["id"].as_i64().expect("id").to_string();
    let out = toolbench(root, &["suggest", "accept", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    let candidate = root.join("experimental/word_count-1.1.0/tool.toml");
    let manifest = std::fs::read_to_string(&candidate).expect("the evolved candidate");
    assert!(manifest.contains("make it fail less often"), "{manifest}");
    let all = suggestions(root, true);
    let accepted = all.iter().find(|s| s["kind"] == "evolve").expect("kept");
    assert_eq!(accepted["state"], "accepted");
}
