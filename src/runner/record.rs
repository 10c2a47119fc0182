//! What a finished run leaves in the history: the run, and the automatic failure of a
//! failed run, stored together by every front end through [`store_finished`].

use std::path::Path;

use crate::model::{FailureRecord, RunRecord, RunStatus, Severity};
use crate::store::{Store, StoreError};

/// The store refused a finished run. It is not lost: `kept` says whether it waits in its
/// in-flight file for the next toolbench process to store it.
#[derive(Debug, thiserror::Error)]
#[error("{store}; {}", match kept {
    Ok(()) => "the run is kept in .toolbench/running/ and stored by the next toolbench command".to_string(),
    Err(reason) => format!("the run could not be kept either: {reason}"),
})]
pub struct UnstoredRun {
    pub store: StoreError,
    pub kept: Result<(), String>,
}

/// Stores the run and, for a failed run, its automatic failure, in one transaction, then
/// removes the run's in-flight file. A store that refuses (locked, full disk) does not lose
/// the run: it stays in its in-flight file, finished, and the next toolbench process stores it.
pub fn store_finished(
    root: &Path,
    store: &mut Store,
    mut record: RunRecord,
) -> Result<(RunRecord, Option<FailureRecord>), UnstoredRun> {
    let mut failure = automatic_failure(&record);
    if let Err(e) = store.record_run(&mut record, failure.as_mut()) {
        return Err(UnstoredRun {
            store: e,
            kept: super::inflight::keep_unstored(root, &record),
        });
    }
    super::inflight::finish(root, record.log_dir.as_deref());
    Ok((record, failure))
}

/// Every failed run records a failure; the severity follows from how it failed.
/// Cancelled runs are the human's choice, not the tool's fault; abandoned ones ended with the
/// toolbench process that started them, which is not the tool's fault either.
pub fn automatic_failure(run: &RunRecord) -> Option<FailureRecord> {
    let severity = match run.status {
        RunStatus::Ok | RunStatus::Cancelled | RunStatus::Abandoned => return None,
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
    use crate::model::{RunOrigin, Tier};

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
        assert_eq!(
            automatic_failure(&run(RunStatus::SchemaViolation)).map(|f| f.severity),
            Some(Severity::High)
        );
    }
}
