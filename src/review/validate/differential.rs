//! The differential check of a candidate: the real inputs the earlier active versions of its
//! name received (its lineage's run history, newest distinct first) and the active version's
//! own test cases, replayed against both the active version and the candidate in the
//! sandbox. Every input they answer differently is reported with both answers, so a reviewer
//! sees behaviour change and not only code change.
//!
//! Inputs from the history may hold secrets, and the candidate is code nobody approved: each
//! of its runs gets none of what it declares, a private copy of its own, and runs alone among
//! the workspace's runs of unreviewed code (`Reach::WithheldAlone`), one input after another.
//! What they printed stays in the report, which stays in the workspace; agents read the
//! check's verdict only.

use std::time::Instant;

use serde_json::Value;

use super::private_copy::{self, PrivateCopy};
use super::trial::{TrialOutcome, Trials};
use super::{Answered, Check, CheckKind, CheckStatus, Difference, DifferentialReport};
use crate::model::{RunStatus, ToolEntry};

/// Characters of stdout kept of each answer.
const KEPT_STDOUT: usize = 4000;

/// One side of a difference, as kept in the report.
fn answered(answer: &TrialOutcome) -> Answered {
    Answered {
        status: answer.status,
        exit_code: answer.exit_code,
        stdout: answer.stdout.chars().take(KEPT_STDOUT).collect(),
        schema_violation: answer.status == RunStatus::SchemaViolation,
        refused: answer
            .refused()
            .then(|| answer.error.clone().unwrap_or_default()),
    }
}

/// The inputs to replay: the parent's history, then its test cases, each once.
pub(crate) fn inputs(history: Vec<String>, parent: &ToolEntry) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    let mut inputs: Vec<(String, String)> = history
        .into_iter()
        .map(|input| (input, "history".to_string()))
        .collect();
    let mode = parent
        .manifest
        .as_ref()
        .map_or(crate::model::InputMode::StdinJson, |m| m.run.input);
    for file in super::cases::case_files(&parent.path) {
        if let Ok(case) = super::cases::load_case(&parent.path, &file, mode) {
            inputs.push((case.input, case.file));
        }
    }
    inputs.retain(|(input, _)| seen.insert(normalized(input)));
    inputs
}

/// Replays `inputs` against `parent` (the active version) and `candidate` until `deadline`,
/// one input after another; the candidate's every run on a fresh copy of `candidate`. A copy
/// that cannot be made ends the replay there, as the budget would.
pub(crate) async fn replay(
    trials: &Trials,
    parent: &ToolEntry,
    candidate: &PrivateCopy,
    inputs: Vec<(String, String)>,
    deadline: Instant,
) -> DifferentialReport {
    let from_tests = inputs.iter().filter(|(_, s)| s != "history").count();
    let from_history = inputs.len() - from_tests;
    let planned = inputs.len();
    let mut replayed = 0;
    let mut differences = Vec::new();
    let mut not_deterministic = 0;
    for (input, source) in inputs {
        if Instant::now() >= deadline {
            break;
        }
        let Some((parent_answer, candidate_answer)) = both(trials, parent, candidate, &input).await
        else {
            break;
        };
        replayed += 1;
        let what = differs(&parent_answer, &candidate_answer);
        if what.is_empty() {
            continue;
        }
        // Asked again, does each tool say the same? If not, the difference is noise.
        let Some((again_parent, again_candidate)) = both(trials, parent, candidate, &input).await
        else {
            break;
        };
        if !differs(&parent_answer, &again_parent).is_empty()
            || !differs(&candidate_answer, &again_candidate).is_empty()
        {
            not_deterministic += 1;
            continue;
        }
        differences.push(Difference {
            input,
            source,
            parent: answered(&parent_answer),
            candidate: answered(&candidate_answer),
            what,
        });
    }
    DifferentialReport {
        parent: parent.id(),
        replayed,
        from_history,
        from_tests,
        out_of_budget: replayed < planned,
        differences,
        not_deterministic,
    }
}

/// What `parent` and a fresh copy of `candidate` answer to `input`, run at the same time; the
/// candidate alone among unreviewed runs. `None` when the copy cannot be made.
async fn both(
    trials: &Trials,
    parent: &ToolEntry,
    candidate: &PrivateCopy,
    input: &str,
) -> Option<(TrialOutcome, TrialOutcome)> {
    let fresh = private_copy::copy(
        trials.review.root(),
        &candidate.entry,
        &candidate.entry.content_hash,
    )
    .ok()?;
    Some(tokio::join!(
        trials.run(parent, input),
        trials.run_alone(&fresh.entry, input)
    ))
}

/// What differs between two answers to one input; empty when they agree.
fn differs(a: &TrialOutcome, b: &TrialOutcome) -> Vec<String> {
    let mut what = Vec::new();
    if !a.refused() && b.refused() {
        what.push("refused by the new input schema".to_string());
        return what;
    }
    if a.exit_code != b.exit_code || a.signal != b.signal || a.status != b.status {
        what.push("exit".to_string());
    }
    if normalized(&a.stdout) != normalized(&b.stdout) {
        what.push("stdout".to_string());
    }
    if (a.status == RunStatus::SchemaViolation) != (b.status == RunStatus::SchemaViolation) {
        what.push("output schema".to_string());
    }
    what
}

/// JSON compared as values (key order and spacing aside), other text trimmed.
fn normalized(text: &str) -> String {
    match serde_json::from_str::<Value>(text.trim()) {
        Ok(value) => value.to_string(),
        Err(_) => text.trim().to_string(),
    }
}

/// Why no input was replayed, when none was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotReplayed {
    /// Nothing of its name is active.
    NothingActive,
    /// `[validate] replay_cases = 0`.
    Off,
    /// It or the active version is a service, which is sent messages, not run once per input.
    Service,
    /// No content of the active version (`name@version`) was approved or accepted here: its
    /// code is unreviewed, and never answers real inputs.
    NotApproved(String),
    /// The candidate could not be read or copied to run.
    NotRunnable,
}

/// The checklist line: counts only (the inputs may be secrets; the report holds them).
pub(crate) fn check(replayed: Result<&DifferentialReport, &NotReplayed>) -> Check {
    let kind = CheckKind::Differential;
    let report = match replayed {
        Ok(report) => report,
        Err(why) => {
            let why = match why {
                NotReplayed::NothingActive => {
                    "nothing of its name is active: nothing to compare with".to_string()
                }
                NotReplayed::Off => "off ([validate] replay_cases = 0)".to_string(),
                NotReplayed::Service => {
                    "it or the active version is a service: nothing to replay".to_string()
                }
                NotReplayed::NotApproved(active) => format!(
                    "no content of {active} was approved or accepted here: nothing it may run \
                     to compare with (once it is, validating it again replays)"
                ),
                NotReplayed::NotRunnable => "it could not be copied to run".to_string(),
            };
            return Check::new(kind, CheckStatus::Skip, why);
        }
    };
    if report.replayed == 0 && !report.out_of_budget {
        return Check::new(
            kind,
            CheckStatus::Skip,
            format!(
                "{} has no run history or test cases to replay",
                report.parent
            ),
        );
    }
    let budget = if report.out_of_budget {
        let planned = report.from_history + report.from_tests;
        format!(
            " ({} of {planned} before the budget ran out)",
            report.replayed
        )
    } else {
        String::new()
    };
    let noise = match report.not_deterministic {
        0 => String::new(),
        n => {
            format!("; {n} answered differently when asked twice (not deterministic), not compared")
        }
    };
    let breaking = report
        .differences
        .iter()
        .filter(|d| d.candidate.refused.is_some())
        .count();
    if report.differences.is_empty() {
        return Check::new(
            kind,
            CheckStatus::Pass,
            format!(
                "same answers as {} on {} replayed input(s){budget}{noise}",
                report.parent, report.replayed
            ),
        );
    }
    let breaking = match breaking {
        0 => String::new(),
        n => format!(", {n} of them refused by the new input schema (a breaking change)"),
    };
    Check::new(
        kind,
        CheckStatus::Warn,
        format!(
            "answers differ from {} on {} of {} replayed input(s){breaking}{budget}{noise}: see the Diff tab",
            report.parent,
            report.differences.len(),
            report.replayed
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(exit: i32, stdout: &str) -> TrialOutcome {
        TrialOutcome {
            status: if exit == 0 {
                RunStatus::Ok
            } else {
                RunStatus::Failed
            },
            exit_code: Some(exit),
            signal: None,
            stdout: stdout.into(),
            stderr: String::new(),
            error: None,
        }
    }

    #[test]
    fn json_answers_are_compared_as_values() {
        assert!(
            differs(
                &answer(0, "{\"a\": 1, \"b\": 2}\n"),
                &answer(0, "{\"b\":2,\"a\":1}")
            )
            .is_empty()
        );
        assert_eq!(
            differs(&answer(0, "{\"a\": 1}"), &answer(0, "{\"a\": 2}")),
            ["stdout"]
        );
        assert_eq!(differs(&answer(0, "x"), &answer(1, "x")), ["exit"]);
    }

    #[test]
    fn an_input_the_new_schema_refuses_is_a_breaking_change() {
        let refused = TrialOutcome {
            status: RunStatus::Failed,
            exit_code: None,
            signal: None,
            stdout: String::new(),
            stderr: String::new(),
            error: Some("input: field `n`: not allowed".into()),
        };
        assert_eq!(
            differs(&answer(0, "1"), &refused),
            ["refused by the new input schema"]
        );
    }
}
