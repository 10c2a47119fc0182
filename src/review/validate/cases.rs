//! Test cases: every `tests/*.toml` of a tool run in the sandbox and judged against its
//! expectations (DESIGN §1), plus the output schema check over the runs they made.

use crate::review::ReviewContext;
use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde_json::Value;

use super::{CaseResult, CaseStatus, Check, CheckKind, CheckStatus, RunSink};
use crate::catalog::manifest::ManifestError;
use crate::io_text::read_text_capped;
use crate::model::run_error::RunError;
use crate::model::{CostTier, InputMode, RunOrigin, RunRecord, RunStatus, ToolEntry};
use crate::runner;
use crate::text::shorten;

/// Cases of one tool that run at the same time; each is its own sandboxed process.
const PARALLEL_CASES: usize = 4;
/// Case files are a few lines; anything this big is not one.
const MAX_CASE_BYTES: u64 = 1024 * 1024;
/// Characters of expected and actual output quoted in a failure message.
const QUOTED_CHARS: usize = 100;

const KNOWN_FIELDS: &[&str] = &[
    "input",
    "expect_exit",
    "expect_stdout_json",
    "expect_stdout_contains",
];

/// One parsed `tests/<name>.toml`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TestCase {
    pub(crate) name: String,
    /// Relative to the tool folder: `tests/<name>.toml`.
    pub(crate) file: String,
    pub(crate) input: String,
    pub(crate) expect_exit: i32,
    pub(crate) expect_stdout_json: Option<Value>,
    pub(crate) expect_stdout_contains: Option<String>,
    /// Fields the format does not know (likely typos), named in the result message.
    pub(crate) unknown_fields: Vec<String>,
}

/// A case's result and the run it made (none when it never started).
#[derive(Debug, Clone)]
pub(crate) struct CaseRun {
    pub(crate) result: CaseResult,
    pub(crate) record: Option<RunRecord>,
}

/// Runs every case of `entry`, each run going to `runs` as it ends. Nothing runs for broken,
/// prohibited or bare-script tools.
pub(crate) async fn run_all(
    review: &ReviewContext,
    entry: &ToolEntry,
    runs: &RunSink,
) -> Vec<CaseRun> {
    let Some(manifest) = entry.manifest.as_ref().filter(|_| entry.error.is_none()) else {
        return Vec::new();
    };
    if manifest.cost_tier == CostTier::Prohibited || entry.path.is_file() {
        return Vec::new();
    }
    let input_mode = manifest.run.input;
    let files = case_files(&entry.path);
    // Dropping the sender would not cancel anything, but holding it documents that nobody does.
    let (_cancel, cancel) = runner::cancel_pair();
    futures::stream::iter(files)
        .map(|path| {
            let cancel = cancel.clone();
            async move {
                match load_case(&entry.path, &path, input_mode) {
                    Ok(case) => {
                        let ran = run_case(review, entry, &case, cancel).await;
                        if let Some(record) = &ran.record {
                            runs.ended(record.clone()).await;
                        }
                        ran
                    }
                    Err(result) => CaseRun {
                        result,
                        record: None,
                    },
                }
            }
        })
        .buffered(PARALLEL_CASES)
        .collect()
        .await
}

/// `tests/*.toml` of a tool folder, in name order.
pub(crate) fn case_files(tool_dir: &Path) -> Vec<PathBuf> {
    let Ok(read_dir) = std::fs::read_dir(tool_dir.join("tests")) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = read_dir
        .flatten()
        .map(|d| d.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    files.sort();
    files
}

fn case_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(super) fn load_case(
    tool_dir: &Path,
    path: &Path,
    input_mode: InputMode,
) -> Result<TestCase, CaseResult> {
    let name = case_name(path);
    let file = path
        .strip_prefix(tool_dir)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| format!("tests/{name}.toml"));
    let broken = |message: String| CaseResult {
        case: name.clone(),
        status: CaseStatus::Error,
        message,
        duration_ms: 0,
        peak_memory_kb: None,
        exit_code: None,
    };
    let text =
        read_text_capped(path, MAX_CASE_BYTES).map_err(|r| broken(format!("{file}: {r}")))?;
    parse_case(&name, &file, &text, input_mode).map_err(|e| broken(e.to_string()))
}

/// Checks one case file; the error names the file, and the line or field when known.
pub(crate) fn parse_case(
    name: &str,
    file: &str,
    text: &str,
    input_mode: InputMode,
) -> Result<TestCase, ManifestError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| ManifestError {
        file: file.into(),
        line: e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
        field: None,
        message: format!("invalid TOML: {}", e.message().trim().replace('\n', " ")),
    })?;
    let field_error = |field: &str, message: &str| ManifestError {
        file: file.into(),
        line: None,
        field: Some(field.to_string()),
        message: message.to_string(),
    };
    let string = |field: &str| -> Result<Option<String>, ManifestError> {
        match table.get(field) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(field_error(
                field,
                &format!("expected a string, found {}", other.type_str()),
            )),
        }
    };
    let input = string("input")?.ok_or_else(|| {
        field_error(
            "input",
            "missing required field (the JSON text given to the tool)",
        )
    })?;
    if input_mode != InputMode::None
        && let Err(e) = serde_json::from_str::<Value>(&input)
    {
        return Err(field_error("input", &format!("not valid JSON ({e})")));
    }
    let expect_exit = match table.get("expect_exit") {
        None => 0,
        Some(toml::Value::Integer(code)) if (0..=255).contains(code) => *code as i32,
        Some(toml::Value::Integer(code)) => {
            return Err(field_error(
                "expect_exit",
                &format!("{code} is not an exit code (0 to 255)"),
            ));
        }
        Some(other) => {
            return Err(field_error(
                "expect_exit",
                &format!("expected a whole number, found {}", other.type_str()),
            ));
        }
    };
    let expect_stdout_json = match string("expect_stdout_json")? {
        None => None,
        Some(text) => Some(
            serde_json::from_str::<Value>(&text)
                .map_err(|e| field_error("expect_stdout_json", &format!("not valid JSON ({e})")))?,
        ),
    };
    let unknown_fields = table
        .keys()
        .filter(|k| !KNOWN_FIELDS.contains(&k.as_str()))
        .cloned()
        .collect();
    Ok(TestCase {
        name: name.to_string(),
        file: file.to_string(),
        input,
        expect_exit,
        expect_stdout_json,
        expect_stdout_contains: string("expect_stdout_contains")?,
        unknown_fields,
    })
}

async fn run_case(
    review: &ReviewContext,
    entry: &ToolEntry,
    case: &TestCase,
    cancel: tokio::sync::watch::Receiver<bool>,
) -> CaseRun {
    // Code no person approved gets none of what it declares (DESIGN §11 rule 4).
    let request = review.run_request(
        entry.clone(),
        Some(case.input.clone()),
        RunOrigin::Validation,
        runner::Reach::Withheld,
    );
    let ran = runner::execute(request, runner::Keeper::ThisProcess, None, cancel).await;
    match ran {
        Ok(outcome) => {
            let record = &outcome.record;
            let observed = Observed {
                status: record.status,
                exit_code: record.exit_code,
                error: record.error.as_deref(),
                stdout: &outcome.stdout,
                stderr: &outcome.stderr,
            };
            let (status, message) = judge(case, &observed);
            CaseRun {
                result: CaseResult {
                    case: case.name.clone(),
                    status,
                    message: with_unknown_fields(message, case),
                    duration_ms: record.duration_ms,
                    peak_memory_kb: record.peak_memory_kb,
                    exit_code: record.exit_code,
                },
                record: Some(outcome.record),
            }
        }
        // Refused input is what `toolbench run` exits 65 for: a case may expect exactly that.
        // Cases written while it exited 1 expect 1, which is taken too.
        Err(refusal @ (RunError::InputSchema { .. } | RunError::InputNotJson { .. })) => {
            let reason = refusal.to_string();
            let exit = match case.expect_exit {
                1 => 1,
                _ => crate::runner::BAD_INPUT_EXIT,
            };
            let observed = Observed {
                status: RunStatus::Failed,
                exit_code: Some(exit),
                error: Some(&reason),
                stdout: b"",
                stderr: reason.as_bytes(),
            };
            let (status, message) = judge(case, &observed);
            let message = match status {
                CaseStatus::Pass => format!("input refused before running (exit {exit}): {reason}"),
                _ => message,
            };
            CaseRun {
                result: CaseResult {
                    case: case.name.clone(),
                    status,
                    message: with_unknown_fields(message, case),
                    duration_ms: 0,
                    peak_memory_kb: None,
                    exit_code: Some(1),
                },
                record: None,
            }
        }
        Err(other) => CaseRun {
            result: CaseResult {
                case: case.name.clone(),
                status: CaseStatus::Error,
                message: other.to_string(),
                duration_ms: 0,
                peak_memory_kb: None,
                exit_code: None,
            },
            record: None,
        },
    }
}

fn with_unknown_fields(message: String, case: &TestCase) -> String {
    if case.unknown_fields.is_empty() {
        return message;
    }
    let fields = case
        .unknown_fields
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{message} ({}: unknown field(s) {fields} ignored)",
        case.file
    )
}

/// What a case's run did, as far as judging it goes.
pub(crate) struct Observed<'a> {
    pub(crate) status: RunStatus,
    pub(crate) exit_code: Option<i32>,
    pub(crate) error: Option<&'a str>,
    pub(crate) stdout: &'a [u8],
    pub(crate) stderr: &'a [u8],
}

/// Pass when the exit code, the JSON on stdout and the expected text all hold.
pub(crate) fn judge(case: &TestCase, run: &Observed<'_>) -> (CaseStatus, String) {
    let error = run.error.unwrap_or_default();
    match run.status {
        RunStatus::Timeout | RunStatus::Limit => {
            return (CaseStatus::Fail, format!("{}: {error}", run.status));
        }
        RunStatus::Cancelled | RunStatus::Abandoned => {
            return (CaseStatus::Error, run.status.to_string());
        }
        RunStatus::Unavailable => return (CaseStatus::Error, error.to_string()),
        RunStatus::SandboxError => {
            return (
                CaseStatus::Error,
                format!("the run could not start: {error}"),
            );
        }
        RunStatus::Ok | RunStatus::Failed | RunStatus::SchemaViolation | RunStatus::BadInput => {}
    }
    let mut problems = Vec::new();
    match run.exit_code {
        Some(code) if code == case.expect_exit => {}
        Some(code) => {
            let stderr = String::from_utf8_lossy(run.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            let detail = last
                .map(|l| format!(" (stderr: {})", shorten(l, QUOTED_CHARS)))
                .unwrap_or_default();
            problems.push(format!(
                "expected exit {}, got exit {code}{detail}",
                case.expect_exit
            ));
        }
        None => problems.push(format!(
            "expected exit {}, but the run ended without one ({error})",
            case.expect_exit
        )),
    }
    let stdout = String::from_utf8_lossy(run.stdout);
    if let Some(expected) = &case.expect_stdout_json {
        match serde_json::from_str::<Value>(stdout.trim()) {
            Err(e) => problems.push(format!(
                "stdout is not JSON ({e}): {:?}",
                shorten(&stdout, QUOTED_CHARS)
            )),
            Ok(actual) if &actual != expected => problems.push(json_difference(expected, &actual)),
            Ok(_) => {}
        }
    }
    if let Some(needle) = &case.expect_stdout_contains
        && !stdout.contains(needle.as_str())
    {
        problems.push(format!(
            "stdout does not contain {needle:?}; stdout: {:?}",
            shorten(&stdout, QUOTED_CHARS)
        ));
    }
    if problems.is_empty() {
        (CaseStatus::Pass, "ok".to_string())
    } else {
        (CaseStatus::Fail, problems.join("; "))
    }
}

/// `stdout JSON differs at $[0].b: expected "2", got "3"; expected …, got …`.
fn json_difference(expected: &Value, actual: &Value) -> String {
    let at = first_difference(expected, actual, "$".to_string())
        .unwrap_or_else(|| "at $: values differ".to_string());
    format!(
        "stdout JSON differs {at}; expected {}, got {}",
        shorten(&expected.to_string(), QUOTED_CHARS),
        shorten(&actual.to_string(), QUOTED_CHARS)
    )
}

fn first_difference(expected: &Value, actual: &Value, path: String) -> Option<String> {
    const PART: usize = 40;
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let child = format!("{path}.{key}");
                match a.get(key) {
                    None => {
                        return Some(format!(
                            "at {child}: expected {}, missing",
                            shorten(&value.to_string(), PART)
                        ));
                    }
                    Some(other) => {
                        if let Some(found) = first_difference(value, other, child) {
                            return Some(found);
                        }
                    }
                }
            }
            a.keys()
                .find(|k| !e.contains_key(*k))
                .map(|k| format!("at {path}.{k}: unexpected key"))
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                if let Some(found) = first_difference(ev, av, format!("{path}[{i}]")) {
                    return Some(found);
                }
            }
            (e.len() != a.len())
                .then(|| format!("at {path}: expected {} item(s), got {}", e.len(), a.len()))
        }
        _ if expected == actual => None,
        _ => Some(format!(
            "at {path}: expected {}, got {}",
            shorten(&expected.to_string(), PART),
            shorten(&actual.to_string(), PART)
        )),
    }
}

/// The tests check: fails when any case fails or cannot be judged, warns when there are none.
pub(crate) fn tests_check(entry: &ToolEntry, runs: &[CaseRun]) -> Check {
    let kind = CheckKind::Tests;
    let Some(manifest) = entry.manifest.as_ref().filter(|_| entry.error.is_none()) else {
        return Check::new(kind, CheckStatus::Skip, "manifest is broken: cases not run");
    };
    if manifest.cost_tier == CostTier::Prohibited {
        return Check::new(
            kind,
            CheckStatus::Skip,
            "cost_tier = \"prohibited\": cases never run",
        );
    }
    if runs.is_empty() {
        let hint = if entry.path.is_file() {
            "a bare script has no tests/ folder"
        } else {
            "add tests/*.toml"
        };
        return Check::new(kind, CheckStatus::Warn, format!("no test cases ({hint})"));
    }
    let names = |status: CaseStatus| {
        runs.iter()
            .filter(|r| r.result.status == status)
            .map(|r| r.result.case.as_str())
            .collect::<Vec<_>>()
    };
    let (failed, errors) = (names(CaseStatus::Fail), names(CaseStatus::Error));
    let passed = runs.len() - failed.len() - errors.len();
    if failed.is_empty() && errors.is_empty() {
        return Check::new(
            kind,
            CheckStatus::Pass,
            format!("{passed} of {} case(s) passed", runs.len()),
        );
    }
    let mut message = format!("{passed} of {} case(s) passed", runs.len());
    if !failed.is_empty() {
        message.push_str(&format!("; failed: {}", failed.join(", ")));
    }
    if !errors.is_empty() {
        message.push_str(&format!("; errors: {}", errors.join(", ")));
    }
    Check::new(kind, CheckStatus::Fail, message)
}

/// The output schema check: every case that exited 0 printed JSON matching `[output]`.
pub(crate) fn output_schema_check(entry: &ToolEntry, tool_dir: &Path, runs: &[CaseRun]) -> Check {
    let kind = CheckKind::OutputSchema;
    let Some(manifest) = entry.manifest.as_ref().filter(|_| entry.error.is_none()) else {
        return Check::new(kind, CheckStatus::Skip, "manifest is broken");
    };
    let Some(source) = &manifest.output_schema else {
        return Check::new(kind, CheckStatus::Skip, "no [output] schema declared");
    };
    let schema = match crate::catalog::schema_file::load(source, tool_dir) {
        Ok(schema) => schema,
        Err(reason) => {
            return Check::new(kind, CheckStatus::Fail, format!("output schema: {reason}"));
        }
    };
    if let Err(e) = jsonschema::validator_for(&schema) {
        return Check::new(
            kind,
            CheckStatus::Fail,
            format!("the output schema itself is invalid: {e}"),
        );
    }
    let exited_zero: Vec<(&CaseRun, &RunRecord)> = runs
        .iter()
        .filter_map(|r| r.record.as_ref().map(|rec| (r, rec)))
        .filter(|(_, rec)| {
            rec.exit_code == Some(0)
                && matches!(rec.status, RunStatus::Ok | RunStatus::SchemaViolation)
        })
        .collect();
    let violations: Vec<String> = exited_zero
        .iter()
        .filter(|(_, rec)| rec.status == RunStatus::SchemaViolation)
        .map(|(run, rec)| {
            format!(
                "case {}: {}",
                run.result.case,
                rec.error.as_deref().unwrap_or("output does not match")
            )
        })
        .collect();
    if !violations.is_empty() {
        return Check::new(kind, CheckStatus::Fail, violations.join("; "));
    }
    if exited_zero.is_empty() {
        return Check::new(
            kind,
            CheckStatus::Skip,
            "no case exited 0, so no output to check",
        );
    }
    Check::new(
        kind,
        CheckStatus::Pass,
        format!("stdout of {} case(s) matches [output]", exited_zero.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(text: &str) -> Result<TestCase, String> {
        parse_case("basic", "tests/basic.toml", text, InputMode::StdinJson)
            .map_err(|e| e.to_string())
    }

    fn ok_run<'a>(stdout: &'a [u8]) -> Observed<'a> {
        Observed {
            status: RunStatus::Ok,
            exit_code: Some(0),
            error: None,
            stdout,
            stderr: b"",
        }
    }

    #[test]
    fn case_files_parse_with_defaults() {
        let parsed = case("input = '{\"csv\": \"a\"}'\nexpect_stdout_contains = \"a\"\n")
            .expect("valid case");
        assert_eq!(parsed.expect_exit, 0);
        assert_eq!(parsed.expect_stdout_contains.as_deref(), Some("a"));
        assert!(parsed.expect_stdout_json.is_none());
    }

    #[test]
    fn broken_case_files_name_the_file_line_and_field() {
        let err = case("expect_exit = 0\n").expect_err("no input");
        assert_eq!(
            err,
            "tests/basic.toml: field `input`: missing required field (the JSON text given to the tool)"
        );
        let err = case("input = '{}'\nexpect_exit = \"zero\"\n").expect_err("bad type");
        assert!(
            err.contains("field `expect_exit`: expected a whole number, found string"),
            "{err}"
        );
        let err = case("input = '{}'\nexpect_stdout_json = '[1,'\n").expect_err("bad json");
        assert!(
            err.starts_with("tests/basic.toml: field `expect_stdout_json`: not valid JSON"),
            "{err}"
        );
        let err = case("input = '{}'\n\nthis is not toml\n").expect_err("bad toml");
        assert!(err.starts_with("tests/basic.toml:3: invalid TOML"), "{err}");
        let err = case("input = '{not json'\n").expect_err("bad input");
        assert!(
            err.starts_with("tests/basic.toml: field `input`: not valid JSON"),
            "{err}"
        );
        assert!(
            parse_case("n", "tests/n.toml", "input = 'ignored'", InputMode::None).is_ok(),
            "input of an input = \"none\" tool is not read"
        );
    }

    #[test]
    fn judging_checks_exit_json_and_text() {
        let c = case(
            "input = '{}'\nexpect_stdout_json = '[{\"a\":\"1\"}]'\nexpect_stdout_contains = 'a'",
        )
        .expect("case");
        assert_eq!(
            judge(&c, &ok_run(b"[{\"a\": \"1\"}]\n")).0,
            CaseStatus::Pass
        );
        let (status, message) = judge(&c, &ok_run(b"[{\"a\": \"2\"}]"));
        assert_eq!(status, CaseStatus::Fail);
        assert!(
            message.starts_with("stdout JSON differs at $[0].a: expected \"1\", got \"2\"; expected [{\"a\":\"1\"}], got [{\"a\":\"2\"}]"),
            "{message}"
        );
        let (_, message) = judge(&c, &ok_run(b"nope"));
        assert!(message.contains("stdout is not JSON"), "{message}");
        assert!(
            message.contains("stdout does not contain \"a\""),
            "{message}"
        );
        let failed = Observed {
            status: RunStatus::Failed,
            exit_code: Some(2),
            error: Some("exit 2: boom"),
            stdout: b"[{\"a\":\"1\"}]",
            stderr: b"Traceback\nValueError: boom\n",
        };
        let (status, message) = judge(&c, &failed);
        assert_eq!(status, CaseStatus::Fail);
        assert_eq!(
            message,
            "expected exit 0, got exit 2 (stderr: ValueError: boom)"
        );
    }

    #[test]
    fn timeouts_fail_and_sandbox_errors_are_errors() {
        let c = case("input = '{}'").expect("case");
        let timeout = Observed {
            status: RunStatus::Timeout,
            exit_code: None,
            error: Some("timed out after 1 s; killed"),
            stdout: b"",
            stderr: b"",
        };
        assert_eq!(
            judge(&c, &timeout),
            (
                CaseStatus::Fail,
                "timeout: timed out after 1 s; killed".to_string()
            )
        );
        let sandbox = Observed {
            status: RunStatus::SandboxError,
            ..timeout
        };
        assert_eq!(judge(&c, &sandbox).0, CaseStatus::Error);
    }

    #[test]
    fn long_outputs_are_shortened_in_messages() {
        let c = case("input = '{}'\nexpect_stdout_json = '\"short\"'").expect("case");
        let long = format!("\"{}\"", "x".repeat(5000));
        let (_, message) = judge(&c, &ok_run(long.as_bytes()));
        assert!(message.len() < 400, "{message}");
        assert!(message.contains('…'));
    }
}
