//! `toolbench run` against well-behaved and hostile tools: real binary, real sandbox.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

/// A JSON file toolbench wrote.
fn json_file(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run_json(root: &Path, args: &[&str]) -> (serde_json::Value, std::process::Output) {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = toolbench(root, &all);
    let value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    (value, out)
}

#[test]
fn sample_tool_runs_with_schema_checked_output_and_is_recorded() {
    let ws = sample_workspace();
    let (value, out) = run_json(
        ws.path(),
        &["csv_to_json", "--input", r#"{"csv": "a,b\n1,2"}"#],
    );
    assert!(out.status.success(), "{value}");
    assert_eq!(value["status"], "ok");
    assert_eq!(value["exit_code"], 0);
    let rows: serde_json::Value =
        serde_json::from_str(value["stdout"].as_str().unwrap_or("")).expect("JSON rows");
    assert_eq!(rows, serde_json::json!([{"a": "1", "b": "2"}]));
    let layers = value["sandbox"].as_array().expect("sandbox layers");
    let landlock = layers
        .iter()
        .find(|l| l["name"] == "landlock")
        .expect("landlock layer");
    assert_eq!(landlock["active"], true, "{value}");
    assert!(
        landlock["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with('v')),
        "{value}"
    );
    assert!(
        layers.iter().all(|l| l["active"] == true),
        "every layer is active on this machine: {value}"
    );
    let runs = toolbench(ws.path(), &["runs", "--json"]);
    let runs: serde_json::Value = serde_json::from_str(&stdout(&runs)).expect("runs JSON");
    assert_eq!(runs[0]["tool"], "csv_to_json");
    assert_eq!(runs[0]["origin"], "cli");
    // `runs --json` gives the same list of layers as `run --json` gave.
    assert_eq!(runs[0]["sandbox"], value["sandbox"], "{runs}");
}

#[test]
fn live_run_streams_stdout_and_exits_with_the_tool_status() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "fails",
        "echo partial; echo broken >&2; exit 3\n",
        "",
    );
    let out = toolbench(ws.path(), &["run", "fails"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout(&out), "partial\n");
    assert!(stderr(&out).contains("broken"));
    assert!(
        stderr(&out).contains("toolbench: fails@1.0.0 failed: exit 3: broken"),
        "{}",
        stderr(&out)
    );
    let failures = toolbench(ws.path(), &["failures", "--json"]);
    let failures: serde_json::Value = serde_json::from_str(&stdout(&failures)).expect("JSON");
    assert_eq!(failures[0]["error"], "exit 3: broken");
    assert!(failures[0]["run_id"].is_i64());
}

#[test]
fn the_tool_may_use_every_cpu_toolbench_was_given() {
    // The helper forked ahead prepares away from its parent's CPU; the run it then starts
    // gets the whole set back.
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "cpus",
        "grep Cpus_allowed_list /proc/self/status\n",
        "",
    );
    let ours = std::fs::read_to_string("/proc/self/status").expect("status");
    let ours = ours
        .lines()
        .find(|line| line.starts_with("Cpus_allowed_list"))
        .expect("Cpus_allowed_list");
    for _ in 0..3 {
        let out = toolbench(ws.path(), &["run", "cpus"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out).trim_end(), ours);
    }
}

#[test]
fn killed_by_signal_is_failed_with_the_signal() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "sigkill", "kill -9 $$\n", "");
    let (value, out) = run_json(ws.path(), &["sigkill"]);
    assert_eq!(value["status"], "failed");
    assert_eq!(value["signal"], 9);
    assert_eq!(out.status.code(), Some(137));
}

#[test]
fn never_ending_tool_times_out() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "sleeper", "sleep 1000\n", "timeout_secs = 1");
    let started = Instant::now();
    let (value, out) = run_json(ws.path(), &["sleeper"]);
    assert_eq!(value["status"], "timeout");
    assert!(started.elapsed() < Duration::from_secs(10));
    // Killed at its timeout: 128 + the signal that ended it, which the record names.
    let signal = value["signal"].as_i64().expect("the signal that ended it");
    assert_eq!(
        i64::from(out.status.code().expect("an exit code")),
        128 + signal
    );
}

#[test]
fn detached_grandchild_dies_with_the_run() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "escaper",
        "setsid sh -c 'echo $$; sleep 1001' &\nsleep 0.3\necho parent-done\n",
        "timeout_secs = 5",
    );
    let (value, _) = run_json(ws.path(), &["escaper"]);
    assert_eq!(value["status"], "ok", "{value}");
    // The pid the grandchild printed is its pid inside the namespace; find survivors by name.
    std::thread::sleep(Duration::from_millis(300));
    let survivors = processes_running("sleep 1001");
    assert!(survivors.is_empty(), "still alive: {survivors:?}");
}

#[test]
fn swarm_of_children_is_killed_on_timeout() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "swarm",
        "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 999 & done\necho $!\nwait\n",
        "timeout_secs = 1",
    );
    let (value, _) = run_json(ws.path(), &["swarm"]);
    assert_eq!(value["status"], "timeout");
    std::thread::sleep(Duration::from_millis(300));
    let survivors = processes_running("sleep 999");
    assert!(survivors.is_empty(), "still alive: {survivors:?}");
}

#[test]
fn huge_output_is_capped_in_memory_and_log() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "firehose",
        "head -c 1073741824 /dev/zero | tr '\\0' 'x'\n",
        "timeout_secs = 120",
    );
    let (value, _) = run_json(ws.path(), &["firehose"]);
    assert_eq!(value["status"], "ok", "{}", value["error"]);
    let stdout_len = value["stdout"].as_str().map(str::len).unwrap_or(0);
    assert!(stdout_len < 6 * 1024 * 1024, "{stdout_len}");
    assert!(
        value["stdout"]
            .as_str()
            .unwrap_or("")
            .contains("bytes omitted")
    );
    let log = ws
        .path()
        .join(value["log_dir"].as_str().unwrap_or(""))
        .join("stdout.log");
    let size = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    assert!(size > 0 && size < 6 * 1024 * 1024, "log {size}");
}

#[test]
fn binary_garbage_and_escapes_come_back_as_text() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "garbage",
        "printf '\\033]0;pwned\\007\\033[2J\\377\\376ok'\n",
        "",
    );
    let (value, _) = run_json(ws.path(), &["garbage"]);
    assert_eq!(value["status"], "ok");
    assert!(
        value["stdout"]
            .as_str()
            .unwrap_or("")
            .ends_with("\u{fffd}\u{fffd}ok"),
        "{value}"
    );
}

#[test]
fn network_is_off_unless_the_manifest_asks() {
    let ws = tempfile::tempdir().expect("tempdir");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let script = format!(
        "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), timeout=2); print(\"connected\")'\n"
    );
    shell_tool(ws.path(), "offline", &script, "");
    let (value, _) = run_json(ws.path(), &["offline"]);
    assert_eq!(value["status"], "failed", "{value}");
    shell_tool(ws.path(), "online", &script, "network = true");
    let (value, _) = run_json(ws.path(), &["online"]);
    assert_eq!(value["status"], "ok", "{value}");
    assert_eq!(value["stdout"], "connected\n");
}

#[test]
fn writes_outside_scratch_and_into_the_tool_folder_fail() {
    let ws = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    let target = outside.path().join("stolen");
    shell_tool(
        ws.path(),
        "writer",
        &format!("echo x > '{}'\n", target.display()),
        "",
    );
    let (value, _) = run_json(ws.path(), &["writer"]);
    assert_eq!(value["status"], "failed");
    assert!(!target.exists());
    shell_tool(
        ws.path(),
        "selfmod",
        "echo x > \"$TOOLBENCH_TOOL_DIR/run.sh\"\n",
        "",
    );
    let (value, _) = run_json(ws.path(), &["selfmod"]);
    assert_eq!(value["status"], "failed");
    let script =
        std::fs::read_to_string(ws.path().join("approved/selfmod/run.sh")).expect("script");
    assert!(
        script.contains("TOOLBENCH_TOOL_DIR"),
        "tool folder was changed"
    );
    shell_tool(
        ws.path(),
        "scratch",
        "echo hi > note.txt && cat note.txt\n",
        "",
    );
    let (value, _) = run_json(ws.path(), &["scratch"]);
    assert_eq!(value["stdout"], "hi\n");
}

#[test]
fn memory_beyond_the_limit_fails() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "hog",
        "python3 -c 'x = bytearray(512 * 1024 * 1024); print(len(x))'\n",
        "memory_mb = 128",
    );
    let (value, _) = run_json(ws.path(), &["hog"]);
    let status = value["status"].as_str().unwrap_or("");
    assert!(status == "limit" || status == "failed", "{value}");
}

#[test]
fn input_that_does_not_match_the_schema_is_refused_before_spawning() {
    let ws = sample_workspace();
    let out = toolbench(
        ws.path(),
        &["run", "csv_to_json", "--input", r#"{"csv": 5}"#],
    );
    // The caller's input, refused: 65, as when the tool refuses it.
    assert_eq!(out.status.code(), Some(65));
    let err = stderr(&out);
    assert!(
        err.contains("input does not match the input schema: field `csv`"),
        "{err}"
    );
    assert!(
        !ws.path().join(".toolbench/runs").exists(),
        "nothing was spawned"
    );
    let out = toolbench(ws.path(), &["run", "csv_to_json", "--input", "{not json"]);
    assert_eq!(out.status.code(), Some(65));
    assert!(
        stderr(&out).contains("input is not valid JSON"),
        "{}",
        stderr(&out)
    );
    let out = toolbench(
        ws.path(),
        &["run", "csv_to_json", "--input", "@/nonexistent.json"],
    );
    assert!(
        stderr(&out).contains("/nonexistent.json: cannot read"),
        "{}",
        stderr(&out)
    );
}

/// `toolbench --root ROOT ARGS` with `stdin` on its standard input.
fn toolbench_fed(root: &Path, args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    let config = tempfile::tempdir().expect("tempdir");
    let mut child = toolbench_command(root, config.path(), args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run toolbench");
    let mut input = child.stdin.take().expect("stdin");
    // A refused input may be left unread: a closed pipe is no failure of the test.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().expect("toolbench ends")
}

#[test]
fn input_from_standard_input_with_at_dash() {
    let ws = sample_workspace();
    let out = toolbench_fed(
        ws.path(),
        &["run", "word_count", "--input", "@-"],
        br#"{"text": "one two three"}"#,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let counted: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(counted["words"], 3, "{counted}");
    // `call` reads it the same way.
    let out = toolbench_fed(
        ws.path(),
        &["call", "--capability", "text.count", "--input", "@-"],
        br#"{"text": "one"}"#,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(r#""words": 1"#), "{}", stdout(&out));
}

/// Input that is not text, or too large, is bad input as input that is not JSON is: exit
/// 65, with one line naming where it came from.
#[test]
fn bad_input_from_standard_input_is_refused_in_one_line_and_runs_nothing() {
    let ws = sample_workspace();
    let too_large = vec![b'a'; 16 * 1024 * 1024 + 1];
    let cases: [(&[u8], &str); 2] = [
        (
            &too_large,
            "toolbench: --input @- (standard input): larger than the 16777216 byte limit",
        ),
        (
            b"\xff{}",
            "toolbench: --input @- (standard input): not valid UTF-8 (invalid byte at offset 0)",
        ),
    ];
    for (input, expected) in cases {
        let out = toolbench_fed(ws.path(), &["run", "word_count", "--input", "@-"], input);
        assert_eq!(out.status.code(), Some(65), "{expected}");
        assert_eq!(stderr(&out).trim_end(), expected);
    }
    let file = ws.path().join("input.bin");
    std::fs::write(&file, b"{\"text\": \"\xff\"}").expect("input");
    let at_file = format!("@{}", file.display());
    let out = toolbench(ws.path(), &["run", "word_count", "--input", &at_file]);
    assert_eq!(out.status.code(), Some(65));
    assert_eq!(
        stderr(&out).trim_end(),
        format!("toolbench: --input {at_file}: not valid UTF-8 (invalid byte at offset 10)")
    );
    assert!(runs_of(ws.path(), "word_count").is_empty(), "nothing ran");
}

/// `@` alone names no file: said so, not as a file of no name that cannot be read.
#[test]
fn input_at_without_a_file_name_says_how_to_give_one() {
    let ws = sample_workspace();
    let out = toolbench(ws.path(), &["run", "word_count", "--input", "@"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "toolbench: --input @: names no file; give --input @FILE, or --input @- to read \
         standard input\n"
    );
    assert!(runs_of(ws.path(), "word_count").is_empty(), "nothing ran");
}

/// Input piped in without `--input` is not read (a script's open standard input must not
/// hang a run); the refusal says how to pass it.
#[test]
fn a_run_without_input_says_how_to_give_it() {
    let ws = sample_workspace();
    let out = toolbench_fed(ws.path(), &["run", "word_count"], br#"{"text": "a"}"#);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(
            "\"text\" is a required property (no --input given: pass it as --input \
             JSON, --input @FILE, or --input @- to read standard input)"
        ),
        "{err}"
    );
    // Given, the same refusal names no missing option.
    let out = toolbench(ws.path(), &["run", "word_count", "--input", "{}"]);
    assert!(
        !stderr(&out).contains("no --input given"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_command_is_a_sandbox_error() {
    let ws = tempfile::tempdir().expect("tempdir");
    let manifest = "name = \"ghost\"\nversion = \"1.0.0\"\ndescription = \"d\"\ncost_tier = \"low\"\n[run]\ncommand = [\"no-such-program-xyz\"]\ninput = \"none\"\n";
    write_tool(ws.path(), "approved", "ghost", manifest);
    accept(ws.path());
    let (value, _) = run_json(ws.path(), &["ghost"]);
    assert_eq!(value["status"], "sandbox_error");
    assert!(
        value["error"]
            .as_str()
            .unwrap_or("")
            .contains("command not found: no-such-program-xyz"),
        "{value}"
    );
}

#[test]
fn cost_tiers_gate_runs() {
    let ws = sample_workspace();
    let out = toolbench(ws.path(), &["run", "drop_tables"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("prohibited"), "{}", stderr(&out));
    let out = toolbench(ws.path(), &["run", "tmp_cleaner"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    let out = toolbench(ws.path(), &["run", "tmp_cleaner", "--yes", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn broken_tool_is_refused() {
    let ws = sample_workspace();
    let out = toolbench(ws.path(), &["run", "url_extract"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("manifest is broken"),
        "{}",
        stderr(&out)
    );
}

fn capability_tool(root: &Path, tier: &str, name: &str, script: &str) {
    let manifest = format!(
        "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"d\"\ncost_tier = \"low\"\ncapabilities = [\"text.upper\"]\n\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
    );
    let folder = write_tool(root, tier, name, &manifest);
    std::fs::write(folder.join("run.sh"), script).expect("script");
}

#[test]
fn call_falls_back_to_the_next_tool_and_records_every_attempt() {
    let ws = tempfile::tempdir().expect("tempdir");
    capability_tool(ws.path(), "core", "upper_broken", "echo nope >&2; exit 2\n");
    capability_tool(ws.path(), "approved", "upper_good", "tr a-z A-Z\n");
    accept(ws.path());
    let out = toolbench(
        ws.path(),
        &[
            "call",
            "--capability",
            "text.upper",
            "--input",
            "{\"t\": \"hi\"}",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(value["attempts"][0]["tool"], "upper_broken");
    assert_eq!(value["attempts"][0]["status"], "failed");
    assert_eq!(value["result"]["tool"], "upper_good");
    assert_eq!(value["result"]["stdout"], "{\"T\":\"HI\"}");
    let runs: serde_json::Value =
        serde_json::from_str(&stdout(&toolbench(ws.path(), &["runs", "--json"]))).expect("runs");
    assert_eq!(runs.as_array().map(Vec::len), Some(2));
    // The failure lowered upper_broken's quality: next time the good tool goes first.
    let out = toolbench(
        ws.path(),
        &[
            "call",
            "--capability",
            "text.upper",
            "--input",
            "{}",
            "--json",
        ],
    );
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(value["attempts"][0]["tool"], "upper_good");
}

#[test]
fn call_without_candidates_or_with_all_failing_exits_1() {
    let ws = tempfile::tempdir().expect("tempdir");
    let dir = ws.path().display().to_string();
    assert!(toolbench(ws.path(), &["init", &dir]).status.success());
    let out = toolbench(ws.path(), &["call", "--capability", "nothing.here"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no active tool has capability \"nothing.here\""));
    capability_tool(ws.path(), "approved", "upper_broken", "exit 2\n");
    let out = toolbench(
        ws.path(),
        &["call", "--capability", "text.upper", "--max-attempts", "1"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("all 1 attempts for capability \"text.upper\" failed"),
        "{}",
        stderr(&out)
    );
}

/// A tool that exits 65 says its input is wrong: the run is `bad_input` with the tool's line
/// as its error, `run` exits 65, no failure is recorded, quality and stats leave it out, and a
/// call by capability stops there instead of handing the same input to the next tool.
#[test]
fn input_the_tool_refuses_is_bad_input_not_a_failure() {
    let ws = sample_workspace();
    let root = ws.path();
    for _ in 0..5 {
        let out = toolbench(
            root,
            &["run", "json_format", "--input", r#"{"json": "{not json"}"#],
        );
        assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("field \"json\" is not valid JSON"),
            "{}",
            stderr(&out)
        );
    }
    let runs = runs_of(root, "json_format");
    assert_eq!(runs.len(), 5);
    for run in &runs {
        assert_eq!(run["status"], "bad_input", "{run}");
        assert!(
            run["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("bad input: json_format: field \"json\"")),
            "{run}"
        );
    }
    let failures: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&toolbench(root, &["failures", "--json"]))).expect("JSON");
    assert!(failures.is_empty(), "{failures:?}");
    let stats: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&toolbench(root, &["stats", "--json"]))).expect("JSON");
    let json_format = stats
        .iter()
        .find(|s| s["name"] == "json_format")
        .expect("listed");
    assert_eq!(json_format["runs"], 0, "{json_format}");
    let unused = stats
        .iter()
        .find(|s| s["name"] == "line_sort")
        .expect("listed");
    assert_eq!(json_format["quality"], unused["quality"], "{stats:?}");

    // The best tool refuses the input: the call ends there, naming why; the next one never
    // runs.
    let ws = tempfile::tempdir().expect("tempdir");
    let root = ws.path();
    capability_tool(
        root,
        "core",
        "upper_strict",
        "echo 'upper_strict: t must be upper case' >&2; exit 65\n",
    );
    capability_tool(root, "approved", "upper_loose", "tr a-z A-Z\n");
    common::accept(root);
    let out = toolbench(
        root,
        &[
            "call",
            "--capability",
            "text.upper",
            "--input",
            "{\"t\": \"hi\"}",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "toolbench: upper_strict@1.0.0 refused the input: bad input: upper_strict: t must be \
         upper case\n"
    );
    assert!(runs_of(root, "upper_loose").is_empty());
}

/// Starts `toolbench run TOOL` (with `extra` arguments), waits until it runs, then holds the
/// store locked past the run's end and past the store's busy timeout; returns the run's output
/// once it ended, and the lock's holder.
fn run_under_a_locked_store(
    ws: &Path,
    tool: &str,
    extra: &[&str],
) -> (std::process::Output, std::process::Child) {
    // Creates the store, so the lock below has something to hold.
    assert!(toolbench(ws, &["runs"]).status.success());
    let config = tempfile::tempdir().expect("tempdir");
    let run = common::toolbench_command(ws, config.path(), &["run", tool])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run starts");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let db = ws.join(".toolbench/state.db");
    let locker = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys, time\n\
             c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             c.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\ntime.sleep(8)\n",
        ])
        .arg(&db)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 locks the store");
    (run.wait_with_output().expect("run ends"), locker)
}

/// `run --json` records through the store, to print the run's id: a store that stays locked
/// refuses the record, which is kept and stored by the next command.
#[test]
fn a_run_whose_record_the_locked_store_refuses_is_kept_and_stored_later() {
    let ws = sample_workspace();
    shell_tool(ws.path(), "pause", "sleep 1.5; echo '{}'", "");
    let (out, locker) = run_under_a_locked_store(ws.path(), "pause", &["--json"]);
    assert!(!out.status.success(), "the record could not be stored");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kept in .toolbench/running/"), "{err}");
    let _ = locker.wait_with_output();
    assert_stored_once_as_ok(ws.path(), "pause");
}

/// The one stored run of `tool`, stored as it ended: `ok`.
fn assert_stored_once_as_ok(ws: &Path, tool: &str) {
    let runs = runs_of(ws, tool);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["status"], "ok", "stored as it ended: {runs:?}");
}

/// A plain `run` never opens the store: a locked one neither delays nor fails it, and the run
/// it handed off is stored, as it ended, by the next command once the lock is gone.
#[test]
fn a_locked_store_neither_holds_up_nor_fails_a_run() {
    let ws = sample_workspace();
    shell_tool(ws.path(), "pause", "sleep 1.5; echo '{}'", "");
    let (out, locker) = run_under_a_locked_store(ws.path(), "pause", &[]);
    // A run that wrote to the store under this lock fails after the busy timeout, as
    // `run --json` does above.
    assert!(out.status.success(), "{}", stderr(&out));
    let _ = locker.wait_with_output();
    assert_stored_once_as_ok(ws.path(), "pause");
}

/// A script of many runs: each hands its record off, and the run that finds a full batch
/// waiting stores them all, so the running folder stays small and no run is lost.
#[test]
fn handed_off_runs_are_stored_in_batches_by_a_later_run() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "quick", "true", "");
    let running = ws.path().join(".toolbench/running");
    let waiting = || std::fs::read_dir(&running).map_or(0, |d| d.count());
    let mut most = 0;
    for _ in 0..70 {
        let out = toolbench(ws.path(), &["run", "quick"]);
        assert!(out.status.success(), "{}", stderr(&out));
        most = most.max(waiting());
    }
    assert!(most <= 65, "the running folder grew to {most} files");
    assert!(waiting() < 64, "a batch was stored: {} wait", waiting());
    let listed = toolbench(ws.path(), &["runs", "--json", "--limit", "100"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("runs --json");
    let ok = listed.as_array().expect("array").iter();
    assert_eq!(
        ok.filter(|r| r["status"] == "ok").count(),
        70,
        "every run is stored"
    );
    assert_eq!(waiting(), 0, "the next command stores the rest");
}

#[test]
fn runs_leave_the_store_log_to_a_later_checkpoint_but_never_let_it_grow_unbounded() {
    let ws = tempfile::tempdir().expect("tempdir");
    let manifest = "name = \"echo_input\"\nversion = \"1.0.0\"\ndescription = \"test tool\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"sh\", \"-c\", \"cat > /dev/null\"]\ninput = \"stdin-json\"\n";
    write_tool(ws.path(), "approved", "echo_input", manifest);
    accept(ws.path());
    let wal = ws.path().join(".toolbench/state.db-wal");
    let log_len = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    // Each run stores its input: 100 KiB a run grows the log past its limit within a few runs.
    let input = serde_json::json!({ "text": "x".repeat(100 * 1024) }).to_string();
    let mut sizes = Vec::new();
    // `--json` records through the store, as a light writer (a plain run hands its record off).
    for _ in 0..12 {
        let out = toolbench(
            ws.path(),
            &["run", "echo_input", "--json", "--input", &input],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        sizes.push(log_len());
    }
    assert!(sizes[0] > 0, "the first run's log is kept: {sizes:?}");
    assert!(
        sizes.windows(2).any(|w| w[1] < w[0]),
        "the log was checkpointed once it grew: {sizes:?}"
    );
    assert!(
        sizes.iter().all(|&s| s < 1024 * 1024),
        "the log stays bounded: {sizes:?}"
    );
    let runs = toolbench(ws.path(), &["runs", "--json"]);
    let runs: serde_json::Value = serde_json::from_str(&stdout(&runs)).expect("runs JSON");
    assert_eq!(
        runs.as_array().map(Vec::len),
        Some(12),
        "every run is stored"
    );
}

/// The caller's environment stays the caller's, now that `run` forks its helper from itself
/// instead of starting it with a fixed environment: the tool sees none of it, and the
/// caller's PATH does not pick the tool's interpreter.
#[test]
fn the_callers_environment_never_reaches_the_tool() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "show_env", "env", "");
    let host = tempfile::tempdir().expect("host");
    let marker = host.path().join("fake-sh-ran");
    let fake_sh = host.path().join("sh");
    std::fs::write(
        &fake_sh,
        format!(
            "#!/bin/sh\ntouch {}\nexec /bin/sh \"$@\"\n",
            marker.display()
        ),
    )
    .expect("fake sh");
    std::fs::set_permissions(
        &fake_sh,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let config = tempfile::tempdir().expect("config");
    let path = format!(
        "{}:{}",
        host.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new(bin())
        .arg("--root")
        .arg(ws.path())
        .args(["run", "show_env"])
        .envs(common::user_dirs(config.path()))
        .env("CALLERS_SECRET", "caller-secret-value")
        .env("PATH", path)
        .output()
        .expect("run toolbench");
    assert!(out.status.success(), "{}", stderr(&out));
    let env = stdout(&out);
    assert!(
        env.contains("TOOLBENCH_SCRATCH="),
        "the tool's own environment: {env}"
    );
    assert!(!env.contains("caller-secret-value"), "{env}");
    assert!(
        !marker.exists(),
        "the caller's PATH chose the tool's interpreter"
    );
}

#[test]
fn a_runs_scratch_folder_is_gone_once_it_is_recorded() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "scribbler",
        "echo a > note.txt; mkdir -p deep/er; echo b > deep/er/f; echo done",
        "",
    );
    let (value, out) = run_json(ws.path(), &["scribbler"]);
    assert!(out.status.success(), "{value}");
    let run_dir = ws.path().join(value["log_dir"].as_str().expect("log_dir"));
    assert!(
        run_dir.join("stdout.log").is_file(),
        "{}",
        run_dir.display()
    );
    assert!(
        !run_dir.join("scratch").exists(),
        "scratch left at {}",
        run_dir.display()
    );
}

/// The scratch folder is made inside the run's own mount namespace: while the tool works in
/// it, nothing of it exists on the host, and the tool's files go with the run.
#[test]
fn a_runs_scratch_folder_never_exists_on_the_host() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "worker",
        "[ \"$(pwd)\" = \"$TOOLBENCH_SCRATCH\" ] || exit 9; echo work > here.txt; touch started; sleep 1.5; cat here.txt",
        "",
    );
    let config = tempfile::tempdir().expect("config");
    let mut cli = toolbench_command(ws.path(), config.path(), &["run", "worker", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run toolbench");
    let runs = ws.path().join(".toolbench/runs");
    let deadline = Instant::now() + Duration::from_secs(10);
    let run_dir = loop {
        let found = std::fs::read_dir(&runs)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_dir());
        if let Some(dir) = found {
            break dir;
        }
        assert!(Instant::now() < deadline, "no run folder appeared");
        std::thread::sleep(Duration::from_millis(20));
    };
    // Until the tool is done, look for its scratch on the host.
    while cli.try_wait().expect("wait").is_none() {
        assert!(
            !run_dir.join("scratch").exists(),
            "scratch on the host at {}",
            run_dir.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = cli.wait_with_output().expect("output");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(value["status"], "ok", "{value}");
    assert_eq!(value["stdout"], "work\n", "{value}");
    assert!(!run_dir.join("scratch").exists());
}

/// A run's in-flight file leaves `.toolbench/running/` once the run is recorded and stays in
/// the run's folder as `run.json`, saying what ran and when, then the record stored. The folder
/// holds that, the report (with what the run used) and a log for each stream that printed:
/// nothing else.
#[test]
fn a_recorded_run_keeps_its_start_in_its_folder_and_nothing_in_running() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "quick", "echo hi", "");
    let (value, out) = run_json(ws.path(), &["quick"]);
    assert!(out.status.success(), "{value}");
    let running: Vec<_> = std::fs::read_dir(ws.path().join(".toolbench/running"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(running.is_empty(), "left in running/: {running:?}");
    let run_dir = ws.path().join(value["log_dir"].as_str().expect("log_dir"));
    let text = std::fs::read_to_string(run_dir.join("run.json")).expect("run.json");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "the start, then the stored record: {text}");
    let (start, record) = (&lines[0], &lines[1]);
    assert_eq!(start["tool"], "quick", "{start}");
    assert_eq!(start["version"], "1.0.0", "{start}");
    assert_eq!(start["log_dir"], value["log_dir"], "{start}");
    // What rebuilds the run if the store is lost (docs/recovery.md).
    assert_eq!(record["id"], value["id"], "{record}");
    assert_eq!(record["status"], "ok", "{record}");
    let mut files: Vec<String> = std::fs::read_dir(&run_dir)
        .expect("run folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["report.json", "run.json", "stdout.log"]);
    let report = json_file(&run_dir.join("report.json"));
    assert!(
        report["usage"]["max_rss_kb"]
            .as_u64()
            .is_some_and(|kb| kb > 0),
        "{report}"
    );
    assert_eq!(
        value["peak_memory_kb"], report["usage"]["max_rss_kb"],
        "{value}"
    );
}

/// The tool's process is started as a program expects: no signal blocked or ignored (pid 1
/// blocks SIGCHLD, toolbench ignores SIGPIPE), no capability left, no new privileges.
#[test]
fn the_tool_starts_with_no_signal_blocked_or_ignored_and_no_capability() {
    let ws = tempfile::tempdir().expect("tempdir");
    let manifest = "name = \"status\"\nversion = \"1.0.0\"\ndescription = \"test tool\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"cat\", \"/proc/self/status\"]\ninput = \"none\"\n";
    write_tool(ws.path(), "approved", "status", manifest);
    accept(ws.path());
    let (value, out) = run_json(ws.path(), &["status"]);
    assert!(out.status.success(), "{value}");
    let status = value["stdout"].as_str().expect("stdout");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {name} in {status}"))
    };
    for name in [
        "SigBlk", "SigIgn", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
    ] {
        assert_eq!(field(name), "0000000000000000", "{name} in {status}");
    }
    assert_eq!(field("NoNewPrivs"), "1", "{status}");
}

/// A script without `#!` is run by `sh`, as a shell would, and `execvp` then builds a second
/// argument list on the stack of the process that starts the tool: with 20,000 arguments that
/// is 160 KB, which must fit (pid 1 shares its memory with that process until the exec).
#[test]
fn a_script_without_shebang_takes_twenty_thousand_arguments() {
    let ws = tempfile::tempdir().expect("tempdir");
    let manifest = "name = \"many\"\nversion = \"1.0.0\"\ndescription = \"test tool\"\ncost_tier = \"low\"\n\n[run]\ncommand = [\"./count\"]\ninput = \"args\"\n";
    let folder = write_tool(ws.path(), "approved", "many", manifest);
    let script = folder.join("count");
    std::fs::write(&script, "echo \"$# ${20000}\"\n").expect("script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    // Through a file: as one command-line argument it would pass the kernel's 128 KiB limit.
    let input = ws.path().join("input.json");
    std::fs::write(
        &input,
        serde_json::to_string(&vec!["word"; 20_000]).expect("json"),
    )
    .expect("input");
    let input = format!("@{}", input.display());
    accept(ws.path());
    let (value, out) = run_json(ws.path(), &["many", "--input", &input]);
    assert!(out.status.success(), "{value}");
    assert_eq!(value["stdout"], "20000 word\n", "{value}");
}

/// Under the smallest memory limit (16 MiB of address space per process, less than pid 1
/// itself maps) the tool still starts: what pid 1 needs to start it is made before the limits.
#[test]
fn a_tool_with_the_smallest_memory_limit_starts() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "tiny", "echo small", "memory_mb = 16");
    let (value, out) = run_json(ws.path(), &["tiny"]);
    assert!(out.status.success(), "{value}");
    assert_eq!(value["stdout"], "small\n", "{value}");
}

/// The forked helper tells the run's end before it removes the run's cgroups, and finishes
/// that on its own while `run` records the run: soon after `run` returned, the cgroups its
/// report names are gone, and so is every process carrying the CLI's command line.
#[test]
fn a_finished_run_leaves_no_helper_and_no_cgroup_behind() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "three", "echo out; echo err >&2; exit 3\n", "");
    let (value, out) = run_json(ws.path(), &["three"]);
    assert_eq!(out.status.code(), Some(3), "{value}");
    assert_eq!(value["exit_code"], 3, "{value}");
    let run_dir = ws.path().join(value["log_dir"].as_str().expect("log_dir"));
    assert_eq!(
        std::fs::read_to_string(run_dir.join("stdout.log")).expect("stdout.log"),
        "out\n"
    );
    let report = json_file(&run_dir.join("report.json"));
    let cgroups: Vec<std::path::PathBuf> = report["cgroups"]
        .as_array()
        .expect("cgroups")
        .iter()
        .filter_map(|p| p.as_str().map(std::path::PathBuf::from))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let cgroups_left: Vec<_> = cgroups.iter().filter(|p| p.exists()).collect();
        let processes_left = processes_naming(ws.path());
        if cgroups_left.is_empty() && processes_left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "left behind: {cgroups_left:?} {processes_left:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `run` hands its run to a helper it forked from itself (no second program start): the
/// helper, the CLI's child, carries the CLI's own command line, not `__sandbox-exec`.
#[test]
fn run_hands_its_run_to_a_helper_forked_ahead() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(ws.path(), "sleeper", "sleep 3", "");
    let config = tempfile::tempdir().expect("config");
    let mut cli = std::process::Command::new(bin())
        .arg("--root")
        .arg(ws.path())
        .args(["run", "sleeper"])
        .envs(common::user_dirs(config.path()))
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run toolbench");
    let deadline = Instant::now() + Duration::from_secs(10);
    let helper_cmdline = loop {
        let child = children_of(cli.id()).into_iter().next();
        if let Some(cmdline) =
            child.and_then(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).ok())
        {
            break cmdline;
        }
        assert!(Instant::now() < deadline, "no helper appeared");
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = cli.kill();
    let _ = cli.wait();
    let args: Vec<String> = helper_cmdline
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    assert!(args.iter().any(|a| a == "sleeper"), "{args:?}");
    assert!(!args.iter().any(|a| a == "__sandbox-exec"), "{args:?}");
}

/// Pids whose parent is `parent`, from `/proc`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(parent)
            })
        })
        .collect()
}

/// When `run` returns, every process the tool started is gone, not only soon after: pid 1
/// kills and reaps them before it relays the end, detached ones and orphans included.
#[test]
fn no_process_of_a_run_outlives_its_end() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "litter",
        "setsid sleep 1011 &\n(sleep 1012 &)\nsh -c 'trap \"\" TERM HUP; sleep 1013' &\nexit 4\n",
        "",
    );
    for _ in 0..5 {
        let (value, out) = run_json(ws.path(), &["litter"]);
        assert_eq!(out.status.code(), Some(4), "{value}");
        let left: Vec<String> = ["sleep 1011", "sleep 1012", "sleep 1013"]
            .into_iter()
            .flat_map(processes_running)
            .collect();
        assert!(left.is_empty(), "still there: {left:?}");
    }
}

/// The CPU time a run reports is its whole tree's: a child still busy when the tool exits is
/// killed and reaped by pid 1 before the usage is taken, so its time counts.
#[test]
fn the_cpu_time_of_a_run_counts_the_children_killed_at_its_end() {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "busy",
        "sh -c 'while :; do :; done' &\nsleep 0.5\n",
        "",
    );
    let (value, out) = run_json(ws.path(), &["busy"]);
    assert!(out.status.success(), "{value}");
    let run_dir = ws.path().join(value["log_dir"].as_str().expect("log_dir"));
    let usage = &json_file(&run_dir.join("report.json"))["usage"];
    let cpu_ms = usage["user_ms"].as_u64().unwrap_or(0) + usage["system_ms"].as_u64().unwrap_or(0);
    // Half a second of a spinning shell: well over 150 ms of CPU even on a busy machine, and
    // nearly nothing when the spinner's time is lost.
    assert!(cpu_ms >= 150, "{usage}");
}

/// `toolbench run piped | reader` where the reader stops reading: the run's output fills the
/// pipe and the printing waits, yet the timeout still ends the tool, as the host's process
/// table shows, and the run is recorded as timed out once the reader takes the rest.
#[test]
fn a_reader_that_stops_reading_does_not_hold_up_the_timeout() {
    reader_stops_reading("pipe-1021", |mut command| {
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run toolbench");
        let mut stdout = child.stdout.take().expect("stdout");
        (child, Box::new(move || read_all(&mut stdout)))
    });
}

/// The same with a socket as stdout, which is printed to from a thread of its own.
#[test]
fn a_socket_reader_that_stops_reading_does_not_hold_up_the_timeout() {
    reader_stops_reading("socket-1022", |mut command| {
        let (ours, mut theirs) = std::os::unix::net::UnixStream::pair().expect("socketpair");
        let child = command
            .stdout(std::os::fd::OwnedFd::from(ours))
            .spawn()
            .expect("run toolbench");
        // The command holds our end until it goes; the reader must see the end of output.
        drop(command);
        (child, Box::new(move || read_all(&mut theirs)))
    });
}

fn read_all(from: &mut impl std::io::Read) -> String {
    let mut text = String::new();
    from.read_to_string(&mut text).expect("read the output");
    text
}

/// Starts `toolbench run` on a tool that floods `marker` lines through `start`, which gives
/// stdout a reader that reads nothing until asked to read it all.
fn reader_stops_reading(
    marker: &str,
    start: impl FnOnce(std::process::Command) -> (std::process::Child, Box<dyn FnOnce() -> String>),
) {
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "flood",
        &format!("exec sh -c 'while :; do echo {marker}; done'\n"),
        "timeout_secs = 1",
    );
    let config = tempfile::tempdir().expect("tempdir");
    let mut command = toolbench_command(ws.path(), config.path(), &["run", "flood"]);
    command.stderr(std::process::Stdio::piped());
    let (mut child, read_rest) = start(command);
    let wait_until = |gone: bool| {
        let started = Instant::now();
        loop {
            let alive = processes_running(marker);
            if alive.is_empty() == gone || started.elapsed() > Duration::from_secs(15) {
                return alive;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    assert!(!wait_until(false).is_empty(), "the tool never started");
    let alive = wait_until(true);
    assert!(
        alive.is_empty(),
        "the tool outlived its timeout while nobody read: {alive:?}"
    );
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "run ended before its output was read"
    );
    let printed = read_rest();
    let status = child.wait().expect("wait");
    assert!(printed.starts_with(&format!("{marker}\n")), "{printed:.80}");
    let runs = runs_of(ws.path(), "flood");
    assert_eq!(runs[0]["status"], "timeout", "{runs:?}");
    assert_ne!(status.code(), Some(0));
}

/// A workspace and a project beneath a folder only its owner may enter (mode 0700, outside
/// `/tmp`, which every run covers): the run still reaches its tool's files and the project it
/// writes. Run by root, what a run was not granted is seen as nobody sees it, and nobody cannot
/// enter that folder: the way down to what the run is shown is made for it.
#[test]
fn a_workspace_beneath_a_folder_only_its_owner_may_enter_still_runs() {
    let base = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o700)).expect("0700");
    let root = base.path().join("ws");
    let project = base.path().join("project");
    for tier in ["core", "approved", "experimental", "archived"] {
        std::fs::create_dir_all(root.join(tier)).expect("tier");
    }
    std::fs::create_dir_all(&project).expect("project");
    std::fs::write(project.join("data.txt"), "PROJECT-DATA\n").expect("data");
    shell_tool(
        &root,
        "closed_reader",
        "cat data.txt; echo written > out.txt; echo '{}'\n",
        "\n[permissions]\nproject = \"write\"",
    );
    let project_arg = project.to_str().expect("utf-8 path");
    let (value, out) = run_json(&root, &["--project", project_arg, "closed_reader", "--yes"]);
    assert!(out.status.success(), "{value}\n{}", stderr(&out));
    assert_eq!(value["status"], "ok", "{value}");
    assert!(
        value["stdout"]
            .as_str()
            .is_some_and(|s| s.contains("PROJECT-DATA")),
        "{value}"
    );
    assert_eq!(
        std::fs::read_to_string(project.join("out.txt")).expect("the run's write"),
        "written\n"
    );
}
