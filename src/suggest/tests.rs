use std::time::{Duration, SystemTime};

use super::*;
use crate::model::suggestions::{SuggestionKind, SuggestionState};
use crate::model::{FailureRecord, RunOrigin, RunRecord, RunStatus, Severity, Tier};
use crate::store::runs::tests::sample_run;
use crate::store::suggestions::{CapabilityOutcome, SuggestionAnswer};

/// Runs the detectors over the store as it is at `now` and records what they find. `active`
/// is the catalog's core and approved tools: suggestions naming others go stale.
fn refresh(
    root: &std::path::Path,
    store: &mut Store,
    active: &[ToolEntry],
    now: SystemTime,
    settings: &Settings,
) -> Result<(), StoreError> {
    let found = detect(root, store, active, now, settings)?;
    record(store, &found, active, now)
}

/// 2026-11-24T12:00:00Z, the detectors' "now" in these tests.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_953_600)
}

/// `minutes` before now, as the store writes times.
fn at(minutes: u64) -> String {
    crate::clock::rfc3339(now() - Duration::from_secs(minutes * 60))
}

fn run(tool: &str, minutes_ago: u64, client: Option<&str>) -> RunRecord {
    RunRecord {
        origin: if client.is_some() {
            RunOrigin::Mcp
        } else {
            RunOrigin::Cli
        },
        client: client.map(str::to_string),
        ..sample_run(tool, &at(minutes_ago))
    }
}

fn active(names: &[&str]) -> Vec<ToolEntry> {
    names
        .iter()
        .map(|name| ToolEntry {
            version: "1.0.0".into(),
            ..ToolEntry::fixture(Tier::Approved, name)
        })
        .collect()
}

fn workspace(runs: Vec<RunRecord>) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("open");
    let mut runs = runs;
    store.insert_runs(&mut runs).expect("runs");
    (dir, store)
}

fn titles(store: &mut Store, tools: &[ToolEntry]) -> Vec<String> {
    refresh(
        std::path::Path::new("/nonexistent"),
        store,
        tools,
        now(),
        &Settings::default(),
    )
    .expect("refresh");
    store
        .suggestions(true)
        .expect("list")
        .into_iter()
        .map(|s| format!("#{} {} [{}]", s.id, s.title, s.state.as_str()))
        .collect()
}

/// A then B, `times` times, each pair 10 minutes after the last, by `client`.
fn pairs(first: &str, then: &str, times: u64, client: Option<&str>) -> Vec<RunRecord> {
    (0..times)
        .flat_map(|i| {
            let start = 100 - i * 10;
            [run(first, start, client), run(then, start - 1, client)]
        })
        .collect()
}

#[test]
fn a_pair_one_client_runs_three_times_is_a_composition_and_twice_is_not() {
    let tools = active(&["a", "b"]);
    let (_dir, mut store) = workspace(pairs("a", "b", 2, None));
    assert!(titles(&mut store, &tools).is_empty());
    let (_dir, mut store) = workspace(pairs("a", "b", 3, None));
    assert_eq!(
        titles(&mut store, &tools),
        ["#1 compose a → b into one tool [new]"]
    );
    let found = store.suggestions(false).expect("list");
    assert_eq!(found[0].evidence["count"], 3);
    assert_eq!(found[0].evidence["client"], "cli");
    assert!(
        found[0].why.contains("cli ran a then b 3 times"),
        "{}",
        found[0].why
    );
}

#[test]
fn one_tool_in_a_loop_is_not_a_sequence() {
    let runs = (0..20).map(|i| run("a", 100 - i, None)).collect();
    let (_dir, mut store) = workspace(runs);
    assert!(titles(&mut store, &active(&["a"])).is_empty());
}

#[test]
fn sequences_of_two_clients_interleaved_are_not_merged() {
    // x runs a and y runs b in turn, three times: neither client ran a then b.
    let runs = (0..3)
        .flat_map(|i| {
            let start = 100 - i * 10;
            [run("a", start, Some("x")), run("b", start - 1, Some("y"))]
        })
        .collect();
    let (_dir, mut store) = workspace(runs);
    assert!(titles(&mut store, &active(&["a", "b"])).is_empty());
    // Each client's own habit still counts, on its own.
    let mut both = pairs("a", "b", 3, Some("x"));
    both.extend(pairs("c", "d", 3, Some("y")));
    let (_dir, mut store) = workspace(both);
    let found = titles(&mut store, &active(&["a", "b", "c", "d"]));
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn b_long_after_a_does_not_follow_it() {
    // Each pair three hours apart: the second run starts long after the first ended.
    let runs = (0..3)
        .flat_map(|i| {
            [
                run("a", 1000 - i * 300, None),
                run("b", 820 - i * 300, None),
            ]
        })
        .collect();
    let (_dir, mut store) = workspace(runs);
    assert!(titles(&mut store, &active(&["a", "b"])).is_empty());
}

#[test]
fn a_dismissed_pattern_stays_dismissed_when_it_recurs_and_ids_stay_put() {
    let tools = active(&["a", "b"]);
    let (_dir, mut store) = workspace(pairs("a", "b", 3, None));
    titles(&mut store, &tools);
    assert!(
        store
            .decide_suggestion(
                1,
                &SuggestionAnswer {
                    reason: Some("no".into()),
                    ..SuggestionAnswer::new(SuggestionState::Dismissed, "me".into())
                }
            )
            .expect("dismiss")
    );
    // The same habit, three more times.
    let mut more = pairs("a", "b", 3, None);
    for r in &mut more {
        r.started_at = at(5);
    }
    store.insert_runs(&mut more).expect("runs");
    titles(&mut store, &tools);
    assert_eq!(
        titles(&mut store, &tools),
        ["#1 compose a → b into one tool [dismissed]"]
    );
    assert!(store.suggestions(false).expect("open").is_empty());
    let again = store
        .decide_suggestion(
            1,
            &SuggestionAnswer::new(SuggestionState::Accepted, "you".into()),
        )
        .expect("decide");
    assert!(!again, "a decided suggestion is not decided twice");
    // The person's answer is in the decision log, once.
    let log = crate::store::decision_log::DecisionLog::beside(store.path());
    let (entries, problem) = log.read().expect("log");
    assert_eq!(problem, None);
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["suggestion_dismissed"]);
    assert_eq!(entries[0].rows[0].row["reason"], serde_json::json!("no"));
}

#[test]
fn a_suggestion_whose_tool_was_archived_is_stale() {
    let (_dir, mut store) = workspace(pairs("a", "b", 3, None));
    titles(&mut store, &active(&["a", "b"]));
    assert_eq!(
        titles(&mut store, &active(&["a"])),
        ["#1 compose a → b into one tool [stale]"]
    );
    assert_eq!(
        titles(&mut store, &active(&["a", "b"])),
        ["#1 compose a → b into one tool [new]"]
    );
}

#[test]
fn a_capability_nothing_serves_is_missing_until_a_call_succeeds() {
    let (_dir, mut store) = workspace(Vec::new());
    for (outcome, minutes) in [
        (CapabilityOutcome::NoTool, 30),
        (CapabilityOutcome::AllFailed, 20),
    ] {
        store
            .record_capability_call(
                "csv.parse",
                RunOrigin::Mcp,
                Some("x"),
                outcome,
                &at(minutes),
            )
            .expect("note");
    }
    let found = titles(&mut store, &[]);
    assert_eq!(found, ["#1 a tool for csv.parse is missing [new]"]);
    let row = &store.suggestions(false).expect("list")[0];
    assert_eq!(row.kind, SuggestionKind::Missing);
    assert!(
        row.why
            .contains("2 call(s) by mcp:x found no tool or only failing ones"),
        "{}",
        row.why
    );
    store
        .record_capability_call(
            "csv.parse",
            RunOrigin::Cli,
            None,
            CapabilityOutcome::Succeeded,
            &at(10),
        )
        .expect("note");
    assert!(
        titles(&mut store, &[]).is_empty(),
        "served now: nothing to suggest"
    );
}

#[test]
fn a_tool_failing_often_should_evolve_with_a_hint_from_its_failures() {
    let runs: Vec<RunRecord> = (0..10)
        .map(|i| RunRecord {
            status: if i % 2 == 0 {
                RunStatus::Failed
            } else {
                RunStatus::Ok
            },
            ..run("flaky", 100 - i, None)
        })
        .collect();
    let (_dir, mut store) = workspace(runs);
    let mut failures: Vec<FailureRecord> = (0..3)
        .map(|_| FailureRecord {
            id: 0,
            tool: "flaky".into(),
            version: "1.0.0".into(),
            severity: Severity::High,
            scenario: "an empty file".into(),
            error: "IndexError".into(),
            origin: RunOrigin::Cli,
            at: at(50),
            run_id: None,
            tag: Some("edge".into()),
        })
        .collect();
    store.insert_failures(&mut failures).expect("failures");
    let found = titles(&mut store, &active(&["flaky"]));
    assert_eq!(
        found,
        ["#1 evolve flaky: failed 5 of its last 10 runs [new]"]
    );
    let row = &store.suggestions(false).expect("list")[0];
    assert_eq!(
        row.evidence["hint"],
        "handle what it fails on: an empty file (3×, edge)"
    );
    // A tool that is not active any more is nobody's to evolve.
    let (_dir, mut store) = workspace(
        (0..10)
            .map(|i| RunRecord {
                status: RunStatus::Failed,
                ..run("gone", 100 - i, None)
            })
            .collect(),
    );
    assert!(titles(&mut store, &[]).is_empty());
}

#[test]
fn two_similar_tools_both_in_use_should_merge() {
    let mut tools = active(&["csv_a", "csv_b"]);
    for tool in &mut tools {
        tool.description = "Convert CSV text to JSON rows".into();
        tool.capabilities = ["csv.parse"].into_iter().collect();
    }
    let runs = vec![run("csv_a", 50, None), run("csv_b", 10, None)];
    let (_dir, mut store) = workspace(runs);
    assert_eq!(
        titles(&mut store, &tools),
        ["#1 merge csv_a and csv_b, or retire one [new]"]
    );
}

#[test]
fn an_accepted_merge_is_done_once_one_of_the_two_is_retired() {
    let mut tools = active(&["csv_a", "csv_b"]);
    for tool in &mut tools {
        tool.description = "Convert CSV text to JSON rows".into();
        tool.capabilities = ["csv.parse"].into_iter().collect();
    }
    let (_dir, mut store) = workspace(vec![run("csv_a", 50, None), run("csv_b", 10, None)]);
    titles(&mut store, &tools);
    store
        .decide_suggestion(
            1,
            &SuggestionAnswer::new(SuggestionState::Accepted, "me".into()),
        )
        .expect("accept");
    assert_eq!(
        titles(&mut store, &tools[..1]),
        ["#1 merge csv_a and csv_b, or retire one [done]"]
    );
}

#[test]
fn the_detectors_read_only_the_newest_slice_of_the_history() {
    // Ten pairs long ago and three recent ones: with room for the newest six runs only,
    // the habit counts three times, and the old failures do not count at all.
    let mut runs = pairs("a", "b", 10, None);
    for r in &mut runs {
        r.started_at = at(10_000);
        r.status = RunStatus::Failed;
    }
    runs.extend(pairs("a", "b", 3, None));
    let (_dir, mut store) = workspace(runs);
    let settings = Settings {
        max_runs: 6,
        ..Settings::default()
    };
    refresh(
        std::path::Path::new("/nonexistent"),
        &mut store,
        &active(&["a", "b"]),
        now(),
        &settings,
    )
    .expect("refresh");
    let found = store.suggestions(false).expect("list");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].evidence["count"], 3);
}

/// Three times: `a` prints a line, and `b` is run with that line as its input.
fn fed_pairs(root: &std::path::Path, output: &str) -> Vec<RunRecord> {
    (0..3u64)
        .flat_map(|i| {
            let folder = format!("logs/a{i}");
            std::fs::create_dir_all(root.join(&folder)).expect("log folder");
            std::fs::write(root.join(&folder).join("stdout.log"), output).expect("log");
            let start = 100 - i * 10;
            [
                RunRecord {
                    log_dir: Some(folder),
                    ..run("a", start, None)
                },
                RunRecord {
                    input: serde_json::json!({"text": output.trim()}).to_string(),
                    ..run("b", start - 1, None)
                },
            ]
        })
        .collect()
}

#[test]
fn a_second_run_that_takes_the_first_ones_output_ranks_the_composition_higher() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("open");
    store
        .insert_runs(&mut fed_pairs(dir.path(), "the parsed rows, 42 of them\n"))
        .expect("runs");
    refresh(
        dir.path(),
        &mut store,
        &active(&["a", "b"]),
        now(),
        &Settings::default(),
    )
    .expect("refresh");
    let found = &store.suggestions(false).expect("list")[0];
    assert_eq!(found.evidence["output_fed"], true, "{found:?}");
    assert!((found.priority - 4.5).abs() < 1e-9, "{}", found.priority);
    assert!(found.why.contains("and b took a's output"), "{}", found.why);
}

#[test]
fn a_log_that_is_a_fifo_is_not_read_and_holds_nothing_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("open");
    let mut runs = fed_pairs(dir.path(), "the parsed rows, 42 of them\n");
    // The newest occurrence's log replaced by a FIFO nobody writes to.
    let newest = dir.path().join("logs/a2/stdout.log");
    std::fs::remove_file(&newest).expect("remove");
    let fifo = std::ffi::CString::new(newest.to_string_lossy().as_bytes()).expect("path");
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    store.insert_runs(&mut runs).expect("runs");
    refresh(
        dir.path(),
        &mut store,
        &active(&["a", "b"]),
        now(),
        &Settings::default(),
    )
    .expect("refresh");
    let found = &store.suggestions(false).expect("list")[0];
    assert_eq!(found.evidence["output_fed"], false, "{found:?}");
}
