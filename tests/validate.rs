//! `toolbench validate` on the sample workspace and on hand-made candidates: real binary,
//! real sandbox, real checkers.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

fn validate_json(root: &Path, args: &[&str]) -> (Value, std::process::Output) {
    let mut all = vec!["validate"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = toolbench(root, &all);
    let value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    (value, out)
}

fn case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tests"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["case"] == name))
        .unwrap_or_else(|| panic!("no case {name} in {report}"))
}

/// An experimental tool `name` whose command is `sh run.sh`, with `script` as run.sh and the
/// given test cases (`(file name, contents)`).
fn candidate(root: &Path, name: &str, script: &str, extra_run: &str, cases: &[(&str, &str)]) {
    let manifest = format!(
        "name = \"{name}\"\nversion = \"0.1.0\"\ndescription = \"candidate for validation\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\n{extra_run}\n"
    );
    let folder = write_tool(root, "experimental", name, &manifest);
    std::fs::write(folder.join("run.sh"), script).expect("script");
    if !cases.is_empty() {
        std::fs::create_dir_all(folder.join("tests")).expect("tests dir");
    }
    for (file, text) in cases {
        std::fs::write(folder.join("tests").join(file), text).expect("case");
    }
}

/// A user config with `[validate] generated_cases = 0`: its own cases and their runs only
/// (the inputs validation makes are tests/validate_inputs.rs').
fn no_generated_inputs(root: &Path) {
    user_config(root, "[validate]\ngenerated_cases = 0\n");
}

#[test]
fn csv_to_json_passes_its_cases_and_lists_its_relatives() {
    let ws = sample_workspace();
    no_generated_inputs(ws.path());
    // The approved version: a bare name would validate the candidate 1.3.0, as approve acts.
    let (report, out) = validate_json(ws.path(), &["csv_to_json@1.2.0"]);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(
        (report["name"].as_str(), report["version"].as_str()),
        (Some("csv_to_json"), Some("1.2.0"))
    );
    for name in [
        "manifest",
        "syntax",
        "security",
        "tests",
        "output_schema",
        "similar",
    ] {
        assert_eq!(check(&report, name)["status"], "pass", "{name}: {report}");
    }
    // An installed linter may have advice; only then may the verdict be a warning.
    let lint = check(&report, "lint")["status"].as_str().unwrap_or("");
    let expected = if lint == "warn" { "warn" } else { "pass" };
    assert_eq!(report["verdict"], expected, "{report}");
    let cases = report["tests"].as_array().expect("tests");
    assert_eq!(cases.len(), 4, "{report}");
    assert!(cases.iter().all(|c| c["status"] == "pass"), "{report}");
    let basic = case(&report, "basic");
    assert!(
        basic["duration_ms"].as_u64().is_some_and(|ms| ms > 0),
        "{basic}"
    );
    assert!(
        basic["peak_memory_kb"].as_u64().is_some_and(|kb| kb > 0),
        "{basic}"
    );
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings.iter().all(|f| f["check"] == "lint"),
        "only linter advice, no security or syntax findings: {report}"
    );
    let similar: Vec<&str> = report["similar"]
        .as_array()
        .expect("similar")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(similar.first(), Some(&"old_csv_parser"), "{report}");
    assert!(
        !similar.contains(&"csv_to_json"),
        "the same name is no relative"
    );
    assert!(
        report["similar"][0]["score"]
            .as_f64()
            .is_some_and(|s| s > 0.0 && s < 1.0)
    );
    assert!(report.get("runs").is_none());

    // The cases that ran count in the history, as validation runs.
    let runs = toolbench(ws.path(), &["runs", "--json"]);
    let runs: Value = serde_json::from_str(&stdout(&runs)).expect("runs JSON");
    let runs = runs.as_array().expect("runs");
    assert_eq!(
        runs.len(),
        3,
        "bad_input is refused before running: {runs:?}"
    );
    assert!(
        runs.iter()
            .all(|r| r["origin"] == "validation" && r["tool"] == "csv_to_json")
    );
}

#[test]
fn tmp_cleaner_fails_on_the_security_rules_at_their_lines() {
    let ws = sample_workspace();
    let (report, out) = validate_json(ws.path(), &["tmp_cleaner"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report["verdict"], "fail");
    assert_eq!(check(&report, "security")["status"], "fail");
    assert_eq!(check(&report, "tests")["status"], "pass", "{report}");
    let findings = report["findings"].as_array().expect("findings");
    for (rule, line, severity) in [
        ("pipe-to-shell", 18, "error"),
        ("eval-exec", 23, "warning"),
        ("delete-outside-scratch", 29, "error"),
    ] {
        assert!(
            findings.iter().any(|f| f["rule"] == rule
                && f["file"] == "run.sh"
                && f["line"] == line
                && f["severity"] == severity),
            "{rule} at run.sh:{line}: {findings:?}"
        );
    }
}

/// A candidate dropped into `experimental/` by hand that carries a repository (`.git/HEAD`,
/// `.git/config` naming an fsmonitor, and a `.gitattributes`): the security check fails with
/// one `repository-file` error for each outermost one, naming it.
#[test]
fn a_candidate_that_carries_a_repository_fails_security_naming_it() {
    let ws = sample_workspace();
    candidate(
        ws.path(),
        "carrier",
        "echo '{}'\n",
        "input = \"none\"",
        &[("basic.toml", "input = '{}'\n")],
    );
    let folder = ws.path().join("experimental/carrier");
    std::fs::create_dir_all(folder.join(".git/hooks")).expect(".git");
    std::fs::write(folder.join(".git/HEAD"), "ref: refs/heads/main\n").expect("HEAD");
    std::fs::write(folder.join(".git/config"), "[core]\n\tfsmonitor = ./x\n").expect("config");
    std::fs::write(folder.join(".gitattributes"), "* filter=x\n").expect("attributes");
    let (report, out) = validate_json(ws.path(), &["carrier"]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(check(&report, "security")["status"], "fail", "{report:#}");
    let mut named: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "repository-file" && f["severity"] == "error")
        .filter_map(|f| f["file"].as_str())
        .collect();
    named.sort();
    assert_eq!(named, [".git", ".gitattributes"], "{report:#}");
}

#[test]
fn text_output_is_a_checklist_ending_in_the_verdict() {
    let ws = sample_workspace();
    let out = toolbench(ws.path(), &["validate", "tmp_cleaner"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("✗ security"), "{text}");
    assert!(text.contains("✓ manifest"), "{text}");
    assert!(text.contains("run.sh:18 pipe-to-shell"), "{text}");
    assert!(text.contains("    ✓ dry_run"), "{text}");
    assert_eq!(text.lines().last(), Some("verdict: fail"), "{text}");
}

#[test]
fn broken_manifest_fails_the_manifest_check() {
    let ws = sample_workspace();
    let (report, out) = validate_json(ws.path(), &["url_extract"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report["verdict"], "fail");
    let manifest = check(&report, "manifest");
    assert_eq!(manifest["status"], "fail");
    assert!(
        manifest["message"]
            .as_str()
            .is_some_and(|m| m.contains("tool.toml:7: field `cost_tier`")),
        "{manifest}"
    );
    assert_eq!(check(&report, "tests")["status"], "skip");
    assert_eq!(
        check(&report, "syntax")["status"],
        "pass",
        "files are still checked"
    );
}

#[test]
fn python_syntax_error_fails_syntax_naming_the_line() {
    let ws = tempfile::tempdir().expect("tempdir");
    let manifest = "name = \"broken_py\"\nversion = \"0.1.0\"\ndescription = \"d\"\ncost_tier = \"low\"\n[run]\ncommand = [\"python3\", \"main.py\"]\n";
    let folder = write_tool(ws.path(), "experimental", "broken_py", manifest);
    std::fs::write(
        folder.join("main.py"),
        "import json\n\ndef main(:\n    print(json.dumps({}))\n",
    )
    .expect("main.py");
    let (report, out) = validate_json(ws.path(), &["broken_py"]);
    assert_eq!(out.status.code(), Some(1));
    let syntax = check(&report, "syntax");
    assert_eq!(syntax["status"], "fail", "{report}");
    assert!(
        syntax["message"]
            .as_str()
            .is_some_and(|m| m.contains("main.py:3")),
        "{syntax}"
    );
    let finding = &report["findings"][0];
    assert_eq!(
        (finding["rule"].as_str(), finding["file"].as_str()),
        (Some("syntax"), Some("main.py"))
    );
    assert_eq!(finding["line"], 3);
    assert!(
        !folder.join("__pycache__").exists(),
        "validation must not write bytecode into the tool"
    );
}

#[test]
fn hanging_case_ends_by_the_timeout_and_fails() {
    let ws = tempfile::tempdir().expect("tempdir");
    candidate(
        ws.path(),
        "hangs",
        "read line\nsleep 1000\n",
        "timeout_secs = 1",
        &[("hang.toml", "input = '{}'\n")],
    );
    let started = Instant::now();
    let (report, out) = validate_json(ws.path(), &["hangs"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    let hang = case(&report, "hang");
    assert_eq!(hang["status"], "fail", "{report}");
    assert!(
        hang["message"]
            .as_str()
            .is_some_and(|m| m.contains("timed out after 1 s")),
        "{hang}"
    );
    assert!(
        hang["duration_ms"].as_u64().is_some_and(|ms| ms >= 1000),
        "{hang}"
    );
    assert_eq!(check(&report, "tests")["status"], "fail");
}

#[test]
fn wrong_expected_json_fails_showing_expected_and_actual() {
    let ws = tempfile::tempdir().expect("tempdir");
    let long = "y".repeat(500);
    candidate(
        ws.path(),
        "answers",
        &format!("cat > /dev/null\necho '{{\"a\": 1, \"b\": \"{long}\"}}'\n"),
        "",
        &[
            (
                "right.toml",
                "input = '{}'\nexpect_stdout_contains = '\"a\": 1'\n",
            ),
            (
                "wrong.toml",
                &format!(
                    "input = '{{}}'\nexpect_stdout_json = '{{\"a\": 2, \"b\": \"{long}\"}}'\n"
                ),
            ),
            ("exit.toml", "input = '{}'\nexpect_exit = 3\n"),
        ],
    );
    let (report, _) = validate_json(ws.path(), &["answers"]);
    assert_eq!(case(&report, "right")["status"], "pass", "{report}");
    let wrong = case(&report, "wrong");
    assert_eq!(wrong["status"], "fail");
    let message = wrong["message"].as_str().unwrap_or("");
    assert!(message.contains("at $.a: expected 2, got 1"), "{message}");
    assert!(message.contains("expected {\"a\":2"), "{message}");
    assert!(
        message.contains('…') && message.len() < 600,
        "shortened: {message}"
    );
    let exit = case(&report, "exit");
    assert_eq!(exit["status"], "fail");
    assert_eq!(exit["message"], "expected exit 3, got exit 0");
    assert_eq!(report["verdict"], "fail");
}

#[test]
fn broken_case_files_are_errors_naming_file_and_field() {
    let ws = tempfile::tempdir().expect("tempdir");
    candidate(
        ws.path(),
        "sloppy",
        "cat > /dev/null\necho '{}'\n",
        "",
        &[
            ("fine.toml", "input = '{}'\nexpect_stdout_json = '{}'\n"),
            ("no_input.toml", "expect_exit = 0\n"),
            ("not_toml.toml", "input = '{}'\nexpect_exit = = 1\n"),
        ],
    );
    let (report, out) = validate_json(ws.path(), &["sloppy"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(case(&report, "fine")["status"], "pass", "{report}");
    let no_input = case(&report, "no_input");
    assert_eq!(no_input["status"], "error");
    assert!(
        no_input["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("tests/no_input.toml: field `input`: missing")),
        "{no_input}"
    );
    let not_toml = case(&report, "not_toml");
    assert_eq!(not_toml["status"], "error");
    assert!(
        not_toml["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("tests/not_toml.toml:2: invalid TOML")),
        "{not_toml}"
    );
    let tests = check(&report, "tests");
    assert_eq!(tests["status"], "fail");
    assert!(
        tests["message"]
            .as_str()
            .is_some_and(|m| m.contains("errors: no_input, not_toml")),
        "{tests}"
    );
}

#[test]
fn output_that_breaks_the_output_schema_fails_its_own_check() {
    let ws = tempfile::tempdir().expect("tempdir");
    candidate(
        ws.path(),
        "off_schema",
        "cat > /dev/null\necho '{\"rows\": 3}'\n",
        "\n[output]\ntype = \"array\"",
        &[(
            "basic.toml",
            "input = '{}'\nexpect_stdout_contains = 'rows'\n",
        )],
    );
    let (report, out) = validate_json(ws.path(), &["off_schema"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(case(&report, "basic")["status"], "pass", "{report}");
    let schema = check(&report, "output_schema");
    assert_eq!(schema["status"], "fail", "{report}");
    assert!(
        schema["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("case basic: output:") && m.contains("array")),
        "{schema}"
    );
}

#[test]
fn a_tool_without_cases_warns_and_exits_zero() {
    let ws = tempfile::tempdir().expect("tempdir");
    candidate(
        ws.path(),
        "untested",
        "echo '{}'\n",
        "input = \"none\"",
        &[],
    );
    let (report, out) = validate_json(ws.path(), &["untested"]);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["verdict"], "warn");
    assert_eq!(check(&report, "tests")["status"], "warn");
    assert!(
        check(&report, "tests")["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("no test cases"))
    );
}

#[test]
fn second_validation_is_served_from_the_cache_until_a_file_changes() {
    let ws = sample_workspace();
    let (first, _) = validate_json(ws.path(), &["csv_to_json@1.3.0"]);
    assert_eq!(first["path"], "experimental/csv_to_json-1.3.0");
    assert_eq!(first["cached"], false);
    let runs_after_first = run_count(ws.path());

    let (second, _) = validate_json(ws.path(), &["csv_to_json@1.3.0"]);
    assert_eq!(second["cached"], true, "{second}");
    assert_eq!(second["verdict"], first["verdict"]);
    assert_eq!(second["tests"], first["tests"]);
    assert_eq!(
        run_count(ws.path()),
        runs_after_first,
        "a cached report runs nothing"
    );

    let (forced, _) = validate_json(ws.path(), &["csv_to_json@1.3.0", "--force"]);
    assert_eq!(forced["cached"], false);

    let case_file = ws
        .path()
        .join("experimental/csv_to_json-1.3.0/tests/basic.toml");
    let text = std::fs::read_to_string(&case_file).expect("case");
    std::fs::write(&case_file, format!("{text}\n# touched\n")).expect("touch");
    let (changed, _) = validate_json(ws.path(), &["csv_to_json@1.3.0"]);
    assert_eq!(
        changed["cached"], false,
        "a changed file invalidates the cache"
    );
    assert_ne!(changed["content_hash"], first["content_hash"]);

    // The verdict lands in the review queue row of the candidate.
    let queue = toolbench(ws.path(), &["review", "--json"]);
    let queue: Value = serde_json::from_str(&stdout(&queue)).expect("queue JSON");
    let item = queue
        .as_array()
        .and_then(|items| items.iter().find(|i| i["version"] == "1.3.0"))
        .unwrap_or_else(|| panic!("no 1.3.0 in {queue}"));
    assert_eq!(item["verdict"], changed["verdict"], "{queue}");
}

fn run_count(root: &Path) -> usize {
    let out = toolbench(root, &["runs", "--json", "--limit", "1000"]);
    serde_json::from_str::<Value>(&stdout(&out))
        .ok()
        .and_then(|v| v.as_array().map(Vec::len))
        .unwrap_or_else(|| panic!("runs: {}\n{}", stdout(&out), stderr(&out)))
}

#[test]
fn a_prohibited_tool_never_passes_untested() {
    let ws = sample_workspace();
    let (report, _) = validate_json(ws.path(), &["drop_tables"]);
    assert_eq!(report["verdict"], "warn", "{report}");
    let manifest = check(&report, "manifest");
    assert!(
        manifest["message"]
            .as_str()
            .unwrap_or("")
            .contains("prohibited"),
        "{manifest}"
    );
}

#[test]
fn a_manifest_that_preloads_code_fails_the_security_check_with_its_line() {
    let ws = tempfile::tempdir().expect("tempdir");
    candidate(
        ws.path(),
        "preloader",
        "echo '{}'\n",
        "input = \"none\"\nenv = { LC_ALL = \"C\", LD_PRELOAD = \"/tmp/hook.so\" }",
        &[],
    );
    let (report, out) = validate_json(ws.path(), &["preloader"]);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert_eq!(report["verdict"], "fail");
    assert_eq!(check(&report, "security")["status"], "fail", "{report}");
    let finding = report["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["rule"] == "manifest-loader-env"))
        .unwrap_or_else(|| panic!("no manifest-loader-env finding in {report}"));
    assert_eq!(finding["file"], "tool.toml");
    assert_eq!(finding["line"], 9);
    assert_eq!(finding["severity"], "error");
}

/// Whether `program` is on PATH, as validation looks for it.
fn installed(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// The linters' advice reaches the report with rule, file and line; a linter that is not
/// installed is named as missing. CI installs both and sets TOOLBENCH_REQUIRE_LINTERS, so
/// there the findings themselves are checked.
#[test]
fn linters_report_findings_with_file_and_line_or_say_they_are_missing() {
    let ws = sample_workspace();
    candidate(
        ws.path(),
        "lintme",
        "echo $1\ncd /tmp\n",
        "input = \"none\"",
        &[],
    );
    std::fs::write(
        ws.path().join("experimental/lintme/helper.py"),
        "import os\nprint(1)\n",
    )
    .expect("python source");
    let (report, _) = validate_json(ws.path(), &["lintme"]);
    let lint = check(&report, "lint");
    let message = lint["message"].as_str().unwrap_or_default();
    let findings: Vec<&Value> = report["findings"]
        .as_array()
        .map(|all| all.iter().filter(|f| f["check"] == "lint").collect())
        .unwrap_or_default();
    let found = |rule: &str, file: &str, line: u64| {
        findings
            .iter()
            .any(|f| f["rule"] == rule && f["file"] == file && f["line"] == line)
    };
    let required = std::env::var_os("TOOLBENCH_REQUIRE_LINTERS").is_some();
    for (linter, rule, file, line) in [
        ("ruff", "F401", "helper.py", 1),
        ("shellcheck", "SC2086", "run.sh", 1),
    ] {
        if installed(linter) {
            assert!(
                found(rule, file, line),
                "{linter}: no {rule} at {file}:{line}: {report}"
            );
            assert!(message.contains(linter), "{message}");
        } else {
            assert!(!required, "{linter} is required here but not installed");
            assert!(
                message.contains(&format!("{linter} not installed")),
                "the report names the missing {linter}: {message}"
            );
        }
    }
}

#[test]
fn a_case_run_the_store_refuses_is_told_and_stored_by_the_next_command() {
    let ws = tempfile::tempdir().expect("tempdir");
    candidate(
        ws.path(),
        "echoer",
        "echo '{\"ok\": true}'\n",
        "",
        &[(
            "basic.toml",
            "input = '{}'\nexpect_stdout_contains = \"ok\"\n",
        )],
    );
    let db = toolbench::store::Store::open(ws.path())
        .expect("store")
        .path()
        .to_path_buf();
    let state = rusqlite::Connection::open(&db).expect("open the state file");
    // As a full disk would: every run refused.
    state
        .execute_batch(
            "CREATE TRIGGER refuse_runs BEFORE INSERT ON runs \
             BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
        )
        .expect("trigger");
    let (report, out) = validate_json(ws.path(), &["echoer"]);
    assert_eq!(case(&report, "basic")["status"], "pass", "{report}");
    assert_ne!(out.status.code(), Some(0), "a lost record is an error");
    let told = stderr(&out);
    assert!(
        told.contains("not stored") && told.contains("kept in .toolbench/running/"),
        "{told}"
    );
    state
        .execute_batch("DROP TRIGGER refuse_runs;")
        .expect("the disk has room again");
    let runs = runs_of(ws.path(), "echoer");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        (runs[0]["origin"].as_str(), runs[0]["status"].as_str()),
        (Some("validation"), Some("ok")),
        "stored as it ended, not as abandoned: {runs:?}"
    );
}

#[test]
fn a_candidate_changed_while_it_is_validated_gets_no_report_and_cannot_be_approved() {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    candidate(
        root,
        "slowpoke",
        "sleep 1; echo '{}'\n",
        "input = \"none\"",
        &[("slow.toml", "input = '{}'\n")],
    );
    let config = tempfile::tempdir().expect("config");
    let validating = toolbench_command(root, config.path(), &["validate", "slowpoke"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // While the case sleeps in the sandbox, the folder changes behind validation's back.
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(
        root.join("experimental/slowpoke/run.sh"),
        "echo '{}' # changed\n",
    )
    .expect("change");
    let out = validating.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("experimental/slowpoke changed while it was being validated ("),
        "{err}"
    );
    assert!(err.trim_end().ends_with("; validate again"), "{err}");
    // No report of either content is kept: an approval finds none to be bound to.
    let approve = toolbench(root, &["approve", "slowpoke"]);
    assert_eq!(approve.status.code(), Some(1));
    assert!(
        stderr(&approve).contains("has not been validated"),
        "{}",
        stderr(&approve)
    );
    assert!(!root.join("approved/slowpoke").exists());
    // The case ran all the same, and its run is recorded.
    let runs = runs_of(root, "slowpoke");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["origin"], "validation");
}

#[test]
fn an_approved_tool_keeps_the_report_it_was_approved_on() {
    let ws = sample_workspace();
    let (before, _) = validate_json(ws.path(), &["csv_to_json@1.3.0"]);
    assert_eq!(before["cached"], false);
    let out = toolbench(ws.path(), &["approve", "csv_to_json@1.3.0"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let (after, _) = validate_json(ws.path(), &["csv_to_json"]);
    assert_eq!(after["cached"], true, "nothing ran again: {after}");
    assert_eq!(after["path"], "approved/csv_to_json");
    assert_eq!(after["tier"], "approved");
    assert_eq!(after["checks"], before["checks"]);
    assert_eq!(after["content_hash"], before["content_hash"]);
}

/// `p@1.0.0`, approved with the project to read, and candidates that evolve from it.
fn evolved_candidate(root: &Path, version: &str, permissions: &str) {
    let manifest = format!(
        "name = \"p\"\nversion = \"{version}\"\ndescription = \"evolves p\"\ncost_tier = \"low\"\n\n\
         [run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n\n\
         [provenance]\nparent = \"p@1.0.0\"\n\n[permissions]\n{permissions}\n"
    );
    write_tool(root, "experimental", &format!("p-{version}"), &manifest);
}

#[test]
fn a_candidate_asking_for_more_than_the_active_version_fails_first() {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    let parent = minimal_manifest("p").replace(
        "[run]\ncommand = [\"sh\", \"run.sh\"]\n",
        "[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n\n[permissions]\nproject = \"read\"\n",
    );
    write_tool(root, "experimental", "p", &parent);
    approve(root, "p");
    evolved_candidate(
        root,
        "1.1.0",
        "project = \"write\"\nnetwork = [\"evil.example:443\"]",
    );

    let out = toolbench(root, &["validate", "p@1.1.0"]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failing check exits 1: {text}{}",
        stderr(&out)
    );
    let first = text.lines().nth(1).unwrap_or_default();
    assert!(
        first.starts_with("✗ permissions")
            && first.contains("permission-escalation")
            && first.contains("project: read → write")
            && first.contains("network: evil.example:443"),
        "the first check: {text}"
    );
    let findings = text
        .lines()
        .skip_while(|l| *l != "findings:")
        .nth(1)
        .unwrap_or_default();
    assert!(
        findings.starts_with("  tool.toml:")
            && findings.contains(" permission-escalation ")
            && findings.contains("project: read → write")
            && findings.contains("network: evil.example:443"),
        "the first finding: {text}"
    );
    assert!(text.ends_with("verdict: fail\n"), "{text}");

    let (report, _) = validate_json(root, &["p@1.1.0"]);
    assert_ne!(report["verdict"], "pass", "{report:#}");
    assert_eq!(report["checks"][0]["check"], "permissions", "{report:#}");
    assert_eq!(report["checks"][0]["status"], "fail", "{report:#}");
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "permission-escalation", "{report:#}");
    assert_eq!(finding["severity"], "error");
    assert!(
        finding["message"].as_str().is_some_and(
            |m| m.contains("project: read → write") && m.contains("network: evil.example:443")
        ),
        "{finding}"
    );
    assert_eq!(
        report["permissions"],
        serde_json::json!({
            "project": "write",
            "read": [],
            "write": [],
            "network": ["evil.example:443"],
            "summary": "project write · network evil.example:443",
            "parent": "p@1.0.0",
            "escalations": ["project: read → write", "network: evil.example:443"],
        })
    );

    let shown = toolbench(root, &["show", "p@1.1.0", "--json"]);
    let shown: Value = serde_json::from_str(&stdout(&shown)).expect("show --json");
    assert_eq!(shown["permissions"]["project"], "write", "{shown:#}");
    assert_eq!(
        shown["permissions"]["network"],
        serde_json::json!(["evil.example:443"])
    );

    // No more than the parent was granted: nothing to flag.
    evolved_candidate(root, "1.0.1", "project = \"read\"");
    let (report, _) = validate_json(root, &["p@1.0.1"]);
    assert_eq!(
        check(&report, "permissions")["status"],
        "pass",
        "{report:#}"
    );
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["rule"] != "permission-escalation"),
        "{report:#}"
    );
    assert_eq!(
        report["permissions"]["escalations"],
        serde_json::json!([]),
        "{report:#}"
    );
}

/// The similar tools of a report, name and score.
fn similar_of(report: &Value) -> Vec<(String, f64)> {
    report["similar"]
        .as_array()
        .expect("similar")
        .iter()
        .map(|s| {
            let name = s["name"].as_str().expect("name").to_string();
            (name, s["score"].as_f64().expect("score"))
        })
        .collect()
}

/// What validating `cand` in a copy of `root` without its store (every tool read) names.
fn similar_read_afresh(root: &Path) -> Vec<(String, f64)> {
    let copy = tempfile::tempdir().expect("tempdir");
    copy_dir(root, copy.path());
    let _ = std::fs::remove_dir_all(copy.path().join(".toolbench"));
    similar_of(&validate_json(copy.path(), &["cand"]).0)
}

/// An input the schema refuses never reaches the tool; a case expects that with 65, what
/// `toolbench run` exits for it (or 1, what cases written before expect), and any other exit
/// fails it naming 65.
#[test]
fn a_case_whose_input_the_schema_refuses_expects_exit_65() {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    no_generated_inputs(root);
    let schema = "input = \"stdin-json\"\n\n[input]\ntype = \"object\"\nrequired = [\"text\"]\n";
    let refused = "input = '{}'\n";
    candidate(
        root,
        "strict",
        "cat\n",
        schema,
        &[
            ("as_run_exits.toml", &format!("{refused}expect_exit = 65\n")),
            ("as_before.toml", &format!("{refused}expect_exit = 1\n")),
            ("wrong.toml", refused),
        ],
    );
    let (report, _) = validate_json(root, &["strict"]);
    for passing in ["as_run_exits", "as_before"] {
        assert_eq!(case(&report, passing)["status"], "pass", "{report}");
    }
    let wrong = case(&report, "wrong");
    assert_eq!(wrong["status"], "fail", "{report}");
    assert!(
        wrong["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("expected exit 0, got exit 65")),
        "{wrong}"
    );
    let out = toolbench(root, &["run", "strict", "--input", "{}"]);
    assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
}

#[test]
fn the_index_names_the_same_similar_tools_as_reading_every_tool_and_none_that_left() {
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    no_generated_inputs(root);
    candidate(root, "cand", "cat\n", "", &[]);
    for (name, description) in [
        ("csv_json", "candidate for validation of csv"),
        ("csv_rows", "candidate rows"),
        ("pinger", "ping hosts"),
    ] {
        let manifest = format!(
            "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"{description}\"\n[run]\ncommand = [\"cat\"]\n"
        );
        write_tool(root, "approved", name, &manifest);
    }
    // The first validation reads every tool and leaves the index; `list` rewrites it.
    let first = similar_of(&validate_json(root, &["cand"]).0);
    assert_eq!(first[0].0, "csv_json", "{first:?}");
    assert_eq!(toolbench(root, &["list"]).status.code(), Some(0));
    let indexed = similar_of(&validate_json(root, &["cand", "--force"]).0);
    assert_eq!(indexed, first);
    // Behind toolbench's back: the closest tool leaves, the next one is rewritten, a new one
    // comes. The report names what is on disk, as a workspace read afresh does.
    std::fs::remove_dir_all(root.join("approved/csv_json")).expect("rm");
    write_tool(
        root,
        "approved",
        "csv_rows",
        "name = \"csv_rows\"\nversion = \"1.1.0\"\ndescription = \"candidate for validation rows\"\n[run]\ncommand = [\"cat\"]\n",
    );
    write_tool(
        root,
        "experimental",
        "twin",
        "name = \"twin\"\nversion = \"0.1.0\"\ndescription = \"candidate for validation\"\n[run]\ncommand = [\"cat\"]\n",
    );
    let after = similar_of(&validate_json(root, &["cand", "--force"]).0);
    assert!(
        after.iter().all(|(name, _)| name != "csv_json"),
        "{after:?}"
    );
    assert_eq!(after, similar_read_afresh(root));
    assert_eq!(after[0].0, "twin", "{after:?}");
}

/// A candidate with a quick case and a case that sleeps until stopped, its sleep's argument
/// `marker` (unique to the test); returns `toolbench validate` started on it.
fn validating_halfway(root: &Path, marker: &str) -> (std::process::Child, tempfile::TempDir) {
    candidate(
        root,
        "halfway",
        &format!(
            "case \"$(cat)\" in *quick*) echo '{{\"ok\": 1}}' ;; *) exec sleep {marker} ;; esac\n"
        ),
        "timeout_secs = 900",
        &[
            ("quick.toml", "input = '{\"which\": \"quick\"}'\n"),
            ("slow.toml", "input = '{\"which\": \"slow\"}'\n"),
        ],
    );
    let config = tempfile::tempdir().expect("config");
    let validating = toolbench_command(root, config.path(), &["validate", "halfway"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("validate starts");
    (validating, config)
}

/// Waits up to 30 s for `ready`.
fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The statuses of the stored runs of `tool`, as the store holds them now (nothing collected
/// first), sorted.
fn stored_statuses(root: &Path, tool: &str) -> Vec<String> {
    let Ok(db) = rusqlite::Connection::open_with_flags(
        root.join(".toolbench/state.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    ) else {
        return Vec::new();
    };
    let statuses = db
        .prepare("SELECT status FROM runs WHERE tool = ?1 ORDER BY status")
        .and_then(|mut select| {
            select
                .query_map([tool], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()
        });
    statuses.unwrap_or_default()
}

/// Each run of a validation is stored as it ends: a validation killed partway (kill -9)
/// leaves the runs that had ended stored as they ended, and only the one in flight abandoned.
#[test]
fn a_validation_killed_partway_keeps_the_runs_that_had_ended() {
    let ws = tempfile::tempdir().expect("tempdir");
    let marker = format!("{}.5", 700_000 + std::process::id());
    let (mut validating, _config) = validating_halfway(ws.path(), &marker);
    wait_until("the slow case's process", || {
        !processes_running(&format!("sleep {marker}")).is_empty()
    });
    wait_until("the quick case's run, stored", || {
        stored_statuses(ws.path(), "halfway") == ["ok"]
    });
    validating.kill().expect("kill -9");
    validating.wait().expect("reaped");
    wait_until("the slow case's process to end with its starter", || {
        processes_running(&format!("sleep {marker}")).is_empty()
    });
    let runs: Vec<String> = runs_of(ws.path(), "halfway")
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs.contains(&"ok".to_string()) && runs.contains(&"abandoned".to_string()));
}

/// A validation interrupted (Ctrl-C, SIGTERM) cancels its run in flight and records it
/// `cancelled` before it ends, beside the runs that had ended; it keeps no report, which would
/// judge a cancelled run, and leaves nothing in running/.
#[test]
fn an_interrupted_validation_records_its_runs_and_keeps_no_report() {
    for (signal, base) in [(libc::SIGINT, 710_000), (libc::SIGTERM, 720_000)] {
        let ws = tempfile::tempdir().expect("tempdir");
        let marker = format!("{}.5", base + std::process::id());
        let (validating, _config) = validating_halfway(ws.path(), &marker);
        wait_until("the slow case's process", || {
            !processes_running(&format!("sleep {marker}")).is_empty()
        });
        wait_until("the quick case's run, stored", || {
            stored_statuses(ws.path(), "halfway") == ["ok"]
        });
        let pid = i32::try_from(validating.id()).expect("pid");
        let asked = Instant::now();
        // SAFETY: kill(2) of the process this test started.
        unsafe { libc::kill(pid, signal) };
        let out = validating.wait_with_output().expect("validate ends");
        assert!(
            asked.elapsed() < toolbench::runner::stop::STOP_WITHIN,
            "signal {signal}: ended after {:?}",
            asked.elapsed()
        );
        assert_eq!(out.status.code(), Some(1), "signal {signal}");
        let said = stderr(&out);
        assert!(said.contains("toolbench is stopping"), "{said}");
        assert!(processes_running(&format!("sleep {marker}")).is_empty());
        assert_eq!(
            stored_statuses(ws.path(), "halfway"),
            ["cancelled", "ok"],
            "signal {signal}: recorded before it ended"
        );
        let running = ws.path().join(".toolbench/running");
        assert_eq!(std::fs::read_dir(running).expect("running").count(), 0);
        let db = rusqlite::Connection::open(ws.path().join(".toolbench/state.db")).expect("db");
        let reports: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM review_queue WHERE validation IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(reports, 0, "signal {signal}: a report of a cancelled run");
    }
}

/// A candidate validated before the workspace's active tools were accepted replays nothing
/// against them (their code is unreviewed) and says so, with what to do; once they are
/// accepted, validating it again replays the active version's inputs.
#[test]
fn the_differential_check_names_an_unaccepted_active_version_and_replays_once_accepted() {
    let ws = never_opened_sample();
    no_generated_inputs(ws.path());
    let differential = |report: &Value| {
        report["checks"]
            .as_array()
            .and_then(|checks| checks.iter().find(|c| c["check"] == "differential"))
            .cloned()
            .unwrap_or_else(|| panic!("no differential check in {report:#}"))
    };
    let (before, _) = validate_json(ws.path(), &["csv_to_json@1.3.0"]);
    let check = differential(&before);
    assert_eq!(check["status"], "skip", "{before:#}");
    let message = check["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("no content of csv_to_json@1.2.0 was approved or accepted here"),
        "{message}"
    );
    assert!(before["differential"].is_null(), "{before:#}");

    assert_eq!(
        before["baseline"],
        json!({"tool": "csv_to_json@1.2.0", "content_hash": before["baseline"]["content_hash"], "approved": false}),
        "{before:#}"
    );

    accept(ws.path());
    // No `--force`: the report compared the candidate with what nobody had accepted.
    let (after, _) = validate_json(ws.path(), &["csv_to_json@1.3.0"]);
    assert_eq!(after["cached"], false, "{after:#}");
    assert_eq!(after["baseline"]["approved"], true, "{after:#}");
    assert_eq!(
        after["baseline"]["content_hash"], before["baseline"]["content_hash"],
        "the same content, accepted now"
    );
    assert_eq!(differential(&after)["status"], "pass", "{after:#}");
    assert!(
        after["differential"]["replayed"].as_u64() >= Some(1),
        "{after:#}"
    );
    let (again, _) = validate_json(ws.path(), &["csv_to_json@1.3.0"]);
    assert_eq!(again["cached"], true, "compared with the same: {again:#}");
}

/// `csv_to_json` 1.4.0 beside the sample's 1.3.0: the same code, another version.
fn csv_to_json_1_4_0(root: &Path) {
    let from = root.join("experimental/csv_to_json-1.3.0");
    let to = root.join("experimental/csv_to_json-1.4.0");
    copy_dir(&from, &to);
    let manifest = to.join("tool.toml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let text = text.replace("version = \"1.3.0\"", "version = \"1.4.0\"");
    std::fs::write(&manifest, text).expect("manifest");
}

#[test]
fn a_candidates_report_is_made_again_once_another_version_of_its_name_is_approved() {
    let ws = sample_workspace();
    no_generated_inputs(ws.path());
    csv_to_json_1_4_0(ws.path());
    let (first, _) = validate_json(ws.path(), &["csv_to_json@1.4.0"]);
    assert_eq!(first["cached"], false, "{first:#}");
    assert_eq!(first["baseline"]["tool"], "csv_to_json@1.2.0", "{first:#}");
    assert_eq!(first["differential"]["parent"], "csv_to_json@1.2.0");
    let (same, _) = validate_json(ws.path(), &["csv_to_json@1.4.0"]);
    assert_eq!(same["cached"], true, "nothing changed: {same:#}");

    validate_json(ws.path(), &["csv_to_json@1.3.0"]);
    let out = toolbench(ws.path(), &["approve", "csv_to_json@1.3.0"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let (after, _) = validate_json(ws.path(), &["csv_to_json@1.4.0"]);
    assert_eq!(
        after["cached"], false,
        "1.2.0 is no longer active: {after:#}"
    );
    assert_eq!(after["baseline"]["tool"], "csv_to_json@1.3.0", "{after:#}");
    assert_eq!(after["baseline"]["approved"], true, "{after:#}");
    assert_eq!(after["differential"]["parent"], "csv_to_json@1.3.0");
    assert_eq!(after["content_hash"], first["content_hash"]);
}
