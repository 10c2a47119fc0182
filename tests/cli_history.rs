//! The history CLI (`runs`, `failures`, `mark-failure`, `stats`) driven through the real
//! binary, over a store filled through the library.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use serde_json::Value;
use toolbench::model::{FailureRecord, RunOrigin, RunRecord, RunStatus, Severity, Tier};
use toolbench::store::Store;

fn run(tool: &str, version: &str, second: u32, ms: u64, status: RunStatus) -> RunRecord {
    RunRecord {
        id: 0,
        tool: tool.into(),
        version: version.into(),
        tier: Tier::Approved,
        input: "{}".into(),
        started_at: format!("2026-11-21T10:00:{second:02}.000Z"),
        duration_ms: ms,
        exit_code: Some(if status == RunStatus::Ok { 0 } else { 1 }),
        signal: None,
        peak_memory_kb: Some(1024),
        bytes_out: 2,
        status,
        origin: RunOrigin::Tui,
        client: None,
        project: None,
        log_dir: None,
        sandbox: "rlimits".into(),
        error: None,
    }
}

fn failure(tool: &str, version: &str, second: u32, run_id: Option<i64>) -> FailureRecord {
    FailureRecord {
        id: 0,
        tool: tool.into(),
        version: version.into(),
        severity: Severity::High,
        scenario: "semicolon separated file".into(),
        error: "one column per row".into(),
        origin: RunOrigin::Tui,
        at: format!("2026-11-21T10:00:{second:02}.500Z"),
        run_id,
        tag: Some("not-for-semicolons".into()),
    }
}

/// Four csv_to_json runs (three ok, median 250 ms) and one json_format run.
fn record_history(root: &Path) -> Vec<RunRecord> {
    let mut store = Store::open(root).expect("store");
    let mut runs = vec![
        run("csv_to_json", "1.2.0", 1, 100, RunStatus::Ok),
        run("csv_to_json", "1.2.0", 2, 400, RunStatus::Ok),
        run("json_format", "1.1.0", 3, 20, RunStatus::Ok),
        run("csv_to_json", "1.3.0", 4, 200, RunStatus::Ok),
        run("csv_to_json", "1.3.0", 5, 300, RunStatus::Failed),
    ];
    store.insert_runs(&mut runs).expect("insert runs");
    runs
}

fn json_array(root: &Path, args: &[&str]) -> Vec<Value> {
    let out = toolbench(root, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("a JSON array")
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The documented formula, written out again so the binary is checked against the README.
fn expected_quality(runs: f64, ok: f64, median_ms: Option<f64>, penalty: f64) -> f64 {
    let success = (ok + 1.0) / (runs + 2.0);
    let usage = ((1.0 + runs).ln() / 101f64.ln()).min(1.0);
    let speed = median_ms.map_or(0.5, |ms| 1.0 / (1.0 + ms / 1000.0));
    (0.5 * success + 0.2 * usage + 0.3 * speed - penalty.min(0.5)).clamp(0.0, 1.0)
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

fn stats_of<'a>(stats: &'a [Value], name: &str) -> &'a Value {
    stats
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from stats"))
}

#[test]
fn runs_json_has_the_contract_keys_newest_first() {
    let ws = sample_workspace();
    let runs = record_history(ws.path());
    let listed = json_array(ws.path(), &["runs", "--json"]);
    assert_eq!(listed.len(), 5);
    for r in &listed {
        assert_eq!(
            keys(r),
            set(&[
                "id",
                "tool",
                "version",
                "status",
                "exit_code",
                "duration_ms",
                "origin",
                "client",
                "project",
                "sandbox",
                "started_at",
                "log_dir",
                "error"
            ]),
            "{r}"
        );
    }
    let newest = &listed[0];
    assert_eq!(newest["id"], runs[4].id);
    assert_eq!(newest["tool"], "csv_to_json");
    assert_eq!(newest["version"], "1.3.0");
    assert_eq!(newest["status"], "failed");
    assert_eq!(newest["exit_code"], 1);
    assert_eq!(newest["duration_ms"], 300);
    assert_eq!(newest["origin"], "tui");
    assert_eq!(newest["started_at"], "2026-11-21T10:00:05.000Z");
    assert_eq!(listed[4]["id"], runs[0].id);
}

#[test]
fn runs_filter_by_name_version_and_limit() {
    let ws = sample_workspace();
    record_history(ws.path());
    let of_csv = json_array(ws.path(), &["runs", "csv_to_json", "--json"]);
    assert_eq!(of_csv.len(), 4);
    assert!(of_csv.iter().all(|r| r["tool"] == "csv_to_json"));
    let of_v12 = json_array(ws.path(), &["runs", "csv_to_json@1.2.0", "--json"]);
    let versions: Vec<&Value> = of_v12.iter().map(|r| &r["version"]).collect();
    assert_eq!(versions, vec!["1.2.0", "1.2.0"]);
    let limited = json_array(ws.path(), &["runs", "--json", "--limit", "2"]);
    let seconds: Vec<&str> = limited
        .iter()
        .filter_map(|r| r["started_at"].as_str())
        .collect();
    assert_eq!(
        seconds,
        vec!["2026-11-21T10:00:05.000Z", "2026-11-21T10:00:04.000Z"]
    );
    assert!(json_array(ws.path(), &["runs", "nope", "--json"]).is_empty());
}

#[test]
fn runs_table_shows_tool_at_version_status_and_duration() {
    let ws = sample_workspace();
    record_history(ws.path());
    let out = toolbench(ws.path(), &["runs", "json_format"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("DURATION"),
        "{text}"
    );
    for cell in [
        "json_format@1.1.0",
        "ok",
        "20 ms",
        "2026-11-21T10:00:03.000Z",
    ] {
        assert!(lines[1].contains(cell), "{cell} missing: {text}");
    }
}

#[test]
fn empty_history_lists_nothing_and_says_so() {
    let ws = sample_workspace();
    assert!(json_array(ws.path(), &["runs", "--json"]).is_empty());
    assert!(json_array(ws.path(), &["failures", "--json"]).is_empty());
    let out = toolbench(ws.path(), &["runs"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("no runs recorded"),
        "{}",
        stderr(&out)
    );
    let out = toolbench(ws.path(), &["failures", "slugify"]);
    assert!(
        stderr(&out).contains("no failures recorded for slugify"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_malformed_tool_spec_is_one_line_and_exit_1() {
    let ws = sample_workspace();
    for args in [["runs", "csv_to_json@"], ["failures", "@1.0.0"]] {
        let out = toolbench(ws.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("expected NAME or NAME@VERSION"), "{err}");
    }
}

#[test]
fn a_bad_limit_is_a_usage_error() {
    let ws = sample_workspace();
    let out = toolbench(ws.path(), &["runs", "--limit", "many"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn failures_json_has_the_contract_keys_and_links_runs() {
    let ws = sample_workspace();
    let runs = record_history(ws.path());
    let mut store = Store::open(ws.path()).expect("store");
    let mut failures = vec![
        failure("csv_to_json", "1.3.0", 5, Some(runs[4].id)),
        FailureRecord {
            tag: None,
            run_id: None,
            ..failure("json_format", "1.1.0", 6, None)
        },
    ];
    store.insert_failures(&mut failures).expect("insert");
    let listed = json_array(ws.path(), &["failures", "--json"]);
    assert_eq!(listed.len(), 2);
    for f in &listed {
        assert_eq!(
            keys(f),
            set(&[
                "id", "tool", "version", "severity", "scenario", "error", "tag", "origin", "at",
                "run_id"
            ]),
            "{f}"
        );
    }
    assert_eq!(listed[0]["tool"], "json_format");
    assert_eq!(listed[0]["run_id"], Value::Null);
    assert_eq!(listed[0]["tag"], Value::Null);
    let linked = &listed[1];
    assert_eq!(linked["id"], failures[0].id);
    assert_eq!(linked["run_id"], runs[4].id);
    assert_eq!(linked["severity"], "high");
    assert_eq!(linked["scenario"], "semicolon separated file");
    assert_eq!(linked["error"], "one column per row");
    assert_eq!(linked["origin"], "tui");
    assert_eq!(linked["tag"], "not-for-semicolons");
    assert_eq!(linked["at"], "2026-11-21T10:00:05.500Z");
    let of_csv = json_array(ws.path(), &["failures", "csv_to_json@1.3.0", "--json"]);
    assert_eq!(of_csv.len(), 1);
    assert!(json_array(ws.path(), &["failures", "csv_to_json@1.2.0", "--json"]).is_empty());
    let one = json_array(ws.path(), &["failures", "--json", "--limit", "1"]);
    assert_eq!(one.len(), 1);
}

#[test]
fn stats_json_covers_the_active_catalog_with_the_documented_numbers() {
    let ws = sample_workspace();
    record_history(ws.path());
    let stats = json_array(ws.path(), &["stats", "--json"]);
    for s in &stats {
        assert_eq!(
            keys(s),
            set(&["name", "runs", "success_rate", "median_ms", "quality"]),
            "{s}"
        );
    }
    let names: BTreeSet<String> = stats
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect();
    let catalog = json_array(ws.path(), &["list", "--json"]);
    let active: BTreeSet<String> = catalog
        .iter()
        // Active: core and approved; candidates and archived tools are not ranked.
        .filter(|t| t["tier"] == "core" || t["tier"] == "approved")
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(names, active, "one row per active tool name");
    assert!(!names.contains("tmp_cleaner"), "a candidate is not ranked");
    assert_eq!(stats.len(), active.len(), "no duplicates");
    assert!(!names.contains("old_csv_parser"));

    let csv = stats_of(&stats, "csv_to_json");
    assert_eq!(csv["runs"], 4);
    assert_eq!(number(&csv["success_rate"]), 0.75);
    assert_eq!(csv["median_ms"], 250);
    let want = expected_quality(4.0, 3.0, Some(250.0), 0.0);
    assert!(
        (number(&csv["quality"]) - want).abs() < 1e-4,
        "{csv} vs {want}"
    );

    let unused = stats_of(&stats, "slugify");
    assert_eq!(unused["runs"], 0);
    assert_eq!(unused["success_rate"], Value::Null, "no rate without a run");
    assert_eq!(unused["median_ms"], Value::Null);
    assert_eq!(number(&unused["quality"]), 0.4);

    let qualities: Vec<f64> = stats.iter().map(|s| number(&s["quality"])).collect();
    assert!(
        qualities.windows(2).all(|w| w[0] >= w[1]),
        "sorted by quality: {qualities:?}"
    );
    let tied: Vec<&str> = stats
        .iter()
        .filter(|s| number(&s["quality"]) == 0.4)
        .filter_map(|s| s["name"].as_str())
        .collect();
    let mut sorted = tied.clone();
    sorted.sort_unstable();
    assert_eq!(tied, sorted, "equal quality sorts by name");
}

#[test]
fn stats_table_lists_every_active_tool() {
    let ws = sample_workspace();
    record_history(ws.path());
    let out = toolbench(ws.path(), &["stats"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("NAME"), "{text}");
    let csv = text
        .lines()
        .find(|l| l.starts_with("csv_to_json "))
        .unwrap_or_default();
    for cell in ["4", "75%", "250 ms"] {
        assert!(csv.contains(cell), "{cell} missing: {text}");
    }
    let unused = text
        .lines()
        .find(|l| l.starts_with("slugify "))
        .unwrap_or_default();
    assert!(unused.contains("0.40") && unused.contains('-'), "{text}");
}

#[test]
fn mark_failure_records_it_and_lowers_quality() {
    let ws = sample_workspace();
    record_history(ws.path());
    let before =
        number(&stats_of(&json_array(ws.path(), &["stats", "--json"]), "csv_to_json")["quality"]);
    let out = toolbench(
        ws.path(),
        &[
            "mark-failure",
            "csv_to_json",
            "--scenario",
            "file with a BOM",
            "--error",
            "first key starts with \\ufeff",
            "--severity",
            "critical",
            "--tag",
            "not-for-bom",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let after_want = expected_quality(4.0, 3.0, Some(250.0), 0.2);
    let line = stdout(&out);
    let failures = json_array(ws.path(), &["failures", "--json"]);
    assert_eq!(failures.len(), 1);
    let recorded = &failures[0];
    assert_eq!(
        line.trim(),
        format!(
            "recorded failure #{} for csv_to_json@1.2.0 (severity critical); quality now {:.2}",
            recorded["id"], after_want
        )
    );
    assert_eq!(recorded["version"], "1.2.0", "the active version");
    assert_eq!(recorded["origin"], "cli");
    assert_eq!(recorded["run_id"], Value::Null);
    assert_eq!(recorded["scenario"], "file with a BOM");
    assert_eq!(recorded["tag"], "not-for-bom");
    let store = Store::open(ws.path()).expect("store");
    assert_eq!(
        store.negative_tags("csv_to_json").expect("tags"),
        vec!["not-for-bom".to_string()]
    );

    let after =
        number(&stats_of(&json_array(ws.path(), &["stats", "--json"]), "csv_to_json")["quality"]);
    assert!((before - after - 0.2).abs() < 1e-3, "{before} -> {after}");
    assert!((after - after_want).abs() < 1e-4, "{after} vs {after_want}");
}

#[test]
fn mark_failure_of_a_version_records_that_version_and_needs_no_tag() {
    let ws = sample_workspace();
    let out = toolbench(
        ws.path(),
        &[
            "mark-failure",
            "csv_to_json@1.3.0",
            "--scenario",
            "tab separated",
            "--error",
            "guessed ','",
            "--severity",
            "low",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("for csv_to_json@1.3.0 (severity low); quality now 0.38"),
        "{}",
        stdout(&out)
    );
    let failures = json_array(ws.path(), &["failures", "csv_to_json@1.3.0", "--json"]);
    assert_eq!(failures.len(), 1);
    let stats = json_array(ws.path(), &["stats", "--json"]);
    assert_eq!(number(&stats_of(&stats, "csv_to_json")["quality"]), 0.38);
}

fn mark(
    root: &Path,
    tool: &str,
    scenario: &str,
    error: &str,
    severity: &str,
) -> std::process::Output {
    toolbench(
        root,
        &[
            "mark-failure",
            tool,
            "--scenario",
            scenario,
            "--error",
            error,
            "--severity",
            severity,
        ],
    )
}

/// Exit 1 with one line on stderr containing `needle`, and nothing recorded.
fn assert_refused(root: &Path, out: &std::process::Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
    assert!(json_array(root, &["failures", "--json"]).is_empty());
}

#[test]
fn mark_failure_of_an_unknown_tool_is_refused() {
    let ws = sample_workspace();
    let out = mark(ws.path(), "nope", "s", "e", "low");
    assert_refused(ws.path(), &out, "no tool named \"nope\"");
    let out = mark(ws.path(), "csv_to_json@9.9.9", "s", "e", "low");
    assert_refused(ws.path(), &out, "has no version 9.9.9");
}

#[test]
fn mark_failure_with_a_bad_severity_is_a_usage_error_listing_the_choices() {
    let ws = sample_workspace();
    let out = mark(ws.path(), "csv_to_json", "s", "e", "catastrophic");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("low, medium, high, critical"), "{err}");
    assert!(json_array(ws.path(), &["failures", "--json"]).is_empty());
}

#[test]
fn mark_failure_without_severity_is_a_usage_error() {
    let ws = sample_workspace();
    let out = toolbench(
        ws.path(),
        &[
            "mark-failure",
            "csv_to_json",
            "--scenario",
            "s",
            "--error",
            "e",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn mark_failure_with_an_empty_scenario_is_refused() {
    let ws = sample_workspace();
    let out = mark(ws.path(), "csv_to_json", "  ", "e", "low");
    assert_refused(ws.path(), &out, "needs a scenario");
}

#[test]
fn mark_failure_with_an_empty_error_is_refused() {
    let ws = sample_workspace();
    let out = mark(ws.path(), "csv_to_json", "s", "", "low");
    assert_refused(ws.path(), &out, "needs an error");
}

#[test]
fn mark_failure_with_a_bad_tag_is_refused() {
    let ws = sample_workspace();
    for tag in [
        "Not-For-JSON",
        "-leading-dash",
        "has space",
        "",
        &"x".repeat(42),
    ] {
        let tag_arg = format!("--tag={tag}");
        let out = toolbench(
            ws.path(),
            &[
                "mark-failure",
                "csv_to_json",
                "--scenario",
                "s",
                "--error",
                "e",
                "--severity",
                "low",
                &tag_arg,
            ],
        );
        assert_refused(ws.path(), &out, "is not a valid negative tag");
    }
}

/// `[ui] sort = "quality"` orders `list` as it orders the workbench's catalog: best quality
/// first, the same number as `stats` for each name (0.4 for one that never ran), ties by name.
#[test]
fn list_honours_the_quality_sort_with_the_stats_numbers() {
    let ws = sample_workspace();
    let toml = ws.path().join("toolbench.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap_or_default();
    text.push_str("\n[ui]\nsort = \"quality\"\n");
    std::fs::write(&toml, text).expect("write toolbench.toml");
    record_history(ws.path());
    let stats = json_array(ws.path(), &["stats", "--json"]);
    let quality = |name: &str| {
        stats
            .iter()
            .find(|s| s["name"] == name)
            .map_or(0.4, |s| number(&s["quality"]))
    };
    let listed = json_array(ws.path(), &["list", "--json"]);
    let names: Vec<&str> = listed.iter().filter_map(|t| t["name"].as_str()).collect();
    let keys: Vec<(f64, &str)> = names.iter().map(|n| (quality(n), *n)).collect();
    for pair in keys.windows(2) {
        let ((qa, na), (qb, nb)) = (pair[0], pair[1]);
        assert!(
            qa > qb || (qa == qb && na <= nb),
            "{na} ({qa}) before {nb} ({qb}): {keys:?}"
        );
    }
    // json_format ran once and well; it leads the tools that never ran.
    let position = |name: &str| names.iter().position(|n| *n == name).expect("listed");
    assert!(position("json_format") < position("slugify"), "{names:?}");
}
