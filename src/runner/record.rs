//! What a failed run leaves in the failure history: its automatic failure. Runs are recorded
//! with it by the run job (`jobs::run`), and abandoned runs when they are closed.

use crate::model::{FailureRecord, RunOrigin, RunRecord, RunStatus, Severity};

/// Every failed run records a failure; the severity follows from how it failed.
/// Cancelled runs are the human's choice, not the tool's fault; abandoned ones ended with the
/// toolbench process that started them, and unavailable ones lost their tool's folder to a
/// person (moved, changed or locked during the run), neither the tool's fault either; nor is
/// input the tool refused as it may (`bad_input`: the caller's mistake). A validation's
/// test case may fail on purpose (`expect_exit = 1`), which says nothing about the tool's use.
pub(crate) fn automatic_failure(run: &RunRecord) -> Option<FailureRecord> {
    if run.origin == RunOrigin::Validation {
        return None;
    }
    let severity = match run.status {
        RunStatus::Ok
        | RunStatus::Cancelled
        | RunStatus::Abandoned
        | RunStatus::Unavailable
        | RunStatus::BadInput => {
            return None;
        }
        RunStatus::SandboxError => Severity::Low,
        RunStatus::Failed | RunStatus::Timeout | RunStatus::Limit => Severity::Medium,
        RunStatus::SchemaViolation => Severity::High,
    };
    Some(FailureRecord {
        id: 0,
        tool: run.tool.clone(),
        version: run.version.clone(),
        severity,
        scenario: scenario_of(run),
        error: run.error.clone().unwrap_or_else(|| run.status.to_string()),
        origin: run.origin,
        at: run.started_at.clone(),
        run_id: (run.id != 0).then_some(run.id),
        tag: None,
    })
}

/// A short description of what was attempted: the status and the start of the input.
fn scenario_of(run: &RunRecord) -> String {
    let input: String = run.input.chars().take(80).collect();
    let ellipsis = if run.input.chars().count() > 80 {
        "…"
    } else {
        ""
    };
    if input.is_empty() {
        format!("{} run ({})", run.origin, run.status)
    } else {
        format!(
            "{} run ({}) with input {input}{ellipsis}",
            run.origin, run.status
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    fn run(status: RunStatus) -> RunRecord {
        RunRecord {
            id: 7,
            tool: "t".into(),
            version: "1.0.0".into(),
            tier: Tier::Approved,
            input: "{\"a\":1}".into(),
            started_at: "2026-11-21T10:00:00.000Z".into(),
            duration_ms: 5,
            exit_code: Some(1),
            signal: None,
            peak_memory_kb: None,
            bytes_out: 0,
            status,
            origin: RunOrigin::Cli,
            client: None,
            project: None,
            log_dir: None,
            sandbox: String::new(),
            error: Some("exit 1: boom".into()),
        }
    }

    #[test]
    fn failed_runs_record_failures_and_ok_runs_do_not() {
        let failure = automatic_failure(&run(RunStatus::Failed)).expect("failure");
        assert_eq!(
            (failure.severity, failure.run_id, failure.error.as_str()),
            (Severity::Medium, Some(7), "exit 1: boom")
        );
        assert_eq!(failure.scenario, "cli run (failed) with input {\"a\":1}");
        assert!(automatic_failure(&run(RunStatus::Ok)).is_none());
        assert!(automatic_failure(&run(RunStatus::Cancelled)).is_none());
        assert!(automatic_failure(&run(RunStatus::Abandoned)).is_none());
        assert!(automatic_failure(&run(RunStatus::Unavailable)).is_none());
        assert_eq!(
            automatic_failure(&run(RunStatus::SchemaViolation)).map(|f| f.severity),
            Some(Severity::High)
        );
    }

    #[test]
    fn a_failed_test_case_of_a_validation_records_no_failure() {
        let case = RunRecord {
            origin: RunOrigin::Validation,
            ..run(RunStatus::Failed)
        };
        assert!(automatic_failure(&case).is_none());
    }
}
