//! One input given to one tool in the sandbox, for validation's own inputs (generated from the
//! schema, replayed from its lineage's history), and what about the run counts as a failure.

use super::RunSink;
use crate::model::run_error::RunError;
use crate::model::{RunOrigin, RunStatus, ToolEntry};
use crate::review::ReviewContext;
use crate::runner;

/// What validation needs to run a tool: the workspace, the sandbox helper and its settings,
/// and where each run goes as it ends.
#[derive(Clone)]
pub(crate) struct Trials {
    pub(crate) review: ReviewContext,
    pub(crate) runs: RunSink,
}

/// What one run answered, as far as comparing and judging go.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrialOutcome {
    pub(crate) status: RunStatus,
    pub(crate) exit_code: Option<i32>,
    pub(crate) signal: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// Why the runner refused the input, or why the run ended as it did.
    pub(crate) error: Option<String>,
}

impl TrialOutcome {
    /// The input was refused before anything ran (it does not match the input schema).
    pub(crate) fn refused(&self) -> bool {
        self.status == RunStatus::Failed && self.exit_code.is_none() && self.signal.is_none()
    }
}

impl Trials {
    /// Runs `entry` on `input` (JSON text), with none of what it declares; the run, when one
    /// started, goes to `runs` as it ends. A refusal before running (the input schema) is an
    /// answer too.
    pub(crate) async fn run(&self, entry: &ToolEntry, input: &str) -> TrialOutcome {
        self.run_with(entry, input, runner::Reach::Withheld).await
    }

    /// `run`, for a candidate given a real input: alone among unreviewed runs.
    pub(crate) async fn run_alone(&self, entry: &ToolEntry, input: &str) -> TrialOutcome {
        self.run_with(entry, input, runner::Reach::WithheldAlone)
            .await
    }

    async fn run_with(&self, entry: &ToolEntry, input: &str, reach: runner::Reach) -> TrialOutcome {
        // Code no person approved gets none of what it declares (DESIGN §11 rule 4).
        let request = self.review.run_request(
            entry.clone(),
            Some(input.to_string()),
            RunOrigin::Validation,
            reach,
        );
        let (_cancel, cancel) = runner::cancel_pair();
        match runner::execute(request, runner::Keeper::ThisProcess, None, cancel).await {
            Ok(outcome) => {
                let record = outcome.record;
                let answer = TrialOutcome {
                    status: record.status,
                    exit_code: record.exit_code,
                    signal: record.signal,
                    stdout: String::from_utf8_lossy(&outcome.stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&outcome.stderr).into_owned(),
                    error: record.error.clone(),
                };
                self.runs.ended(record).await;
                answer
            }
            Err(error) => refusal(&error),
        }
    }
}

fn refusal(error: &RunError) -> TrialOutcome {
    TrialOutcome {
        status: RunStatus::Failed,
        exit_code: None,
        signal: None,
        stdout: String::new(),
        stderr: String::new(),
        error: Some(error.to_string()),
    }
}

/// How a run went wrong, when it did: a crash, a timeout or limit, a non-zero exit, output
/// that breaks the output schema, or a stack trace on stderr. `None` for a clean run.
pub(crate) fn failure(answer: &TrialOutcome) -> Option<(String, String)> {
    let last_line = |text: &str| {
        text.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| crate::text::shorten(l, 160))
            .unwrap_or_default()
    };
    // What the tool said last, else why the runner ended it.
    let said = last_line(&answer.stderr);
    let why = match (&answer.error, said.is_empty()) {
        (Some(error), true) => error.clone(),
        _ => said,
    };
    let kind = match (answer.status, answer.signal, answer.exit_code) {
        // The tool refused the input as its contract lets it: an input the schema allows may
        // still be wrong (text that is not JSON), and saying so is the right answer.
        (RunStatus::BadInput, _, _) => return None,
        (RunStatus::Timeout | RunStatus::Limit, _, _) => answer.status.to_string(),
        (_, Some(signal), _) => format!("crash (signal {signal})"),
        (RunStatus::SchemaViolation, _, _) => "output breaks the output schema".to_string(),
        (_, _, Some(code)) if code != 0 => format!("exit {code}"),
        _ if has_stack_trace(&answer.stderr) => "stack trace on stderr".to_string(),
        (RunStatus::Ok, _, _) => return None,
        (status, _, _) => status.to_string(),
    };
    Some((kind, why))
}

/// A traceback of the common runtimes: Python, Node, Rust, Go, Java, Ruby.
fn has_stack_trace(stderr: &str) -> bool {
    const MARKS: [&str; 6] = [
        "Traceback (most recent call last)",
        "\n    at ",
        "panicked at",
        "goroutine 1 [",
        "Exception in thread",
        ".rb:",
    ];
    MARKS.iter().any(|mark| stderr.contains(mark))
}

/// The same failure twice has the same key: its kind and its message with numbers and quoted
/// text masked, so `index 7` and `index 9` are one failure and `KeyError` and `ValueError`
/// two.
pub(crate) fn failure_key(kind: &str, why: &str) -> String {
    let mut key = format!("{kind}|");
    let mut quoted = None;
    for c in why.chars() {
        match (quoted, c) {
            (Some(q), c) if c == q => {
                quoted = None;
                key.push('…');
            }
            (Some(_), _) => {}
            (None, '\'' | '"') => quoted = Some(c),
            (None, c) if c.is_ascii_digit() => {
                if !key.ends_with('#') {
                    key.push('#');
                }
            }
            (None, c) => key.push(c),
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: RunStatus, exit: Option<i32>, stderr: &str) -> TrialOutcome {
        TrialOutcome {
            status,
            exit_code: exit,
            signal: None,
            stdout: String::new(),
            stderr: stderr.into(),
            error: None,
        }
    }

    #[test]
    fn failures_are_named_by_what_went_wrong() {
        assert_eq!(failure(&answer(RunStatus::Ok, Some(0), "")), None);
        let trace = "Traceback (most recent call last):\n  File \"main.py\", line 3\nZeroDivisionError: division by zero\n";
        assert_eq!(
            failure(&answer(RunStatus::Failed, Some(1), trace)),
            Some((
                "exit 1".into(),
                "ZeroDivisionError: division by zero".into()
            ))
        );
        assert_eq!(
            failure(&answer(RunStatus::Ok, Some(0), trace)).map(|f| f.0),
            Some("stack trace on stderr".into())
        );
        let mut crashed = answer(RunStatus::Failed, None, "");
        crashed.signal = Some(11);
        assert_eq!(
            failure(&crashed).map(|f| f.0),
            Some("crash (signal 11)".into())
        );
    }

    #[test]
    fn one_failure_with_other_numbers_has_one_key() {
        assert_eq!(
            failure_key("exit 1", "IndexError: index 7 out of range"),
            failure_key("exit 1", "IndexError: index 12 out of range")
        );
        assert_eq!(
            failure_key("exit 1", "KeyError: 'a'"),
            failure_key("exit 1", "KeyError: 'bb'")
        );
        assert_ne!(
            failure_key("exit 1", "KeyError: 'a'"),
            failure_key("exit 1", "ValueError: 'a'")
        );
    }
}
