//! One validation job: the tool validated (or its cached report taken), then the report and
//! the runs its test cases made stored. `Command::Validate` does it for every front end, alone
//! (the CLI) or in the long-lived front ends' queue (`command::validations`).
//!
//! The test cases' runs follow the rule of every run (`Recorder::record`): each is stored
//! on its own, and one the store refuses is kept in `.toolbench/running/` for the next start
//! and told with the result (`Validated::unstored`), never dropped.

use std::path::Path;

use crate::jobs::run::{Recorder, UnstoredRun};
use crate::model::ToolEntry;
use crate::review::ReviewContext;
use crate::review::validate::{self, Comparing, ValidateError, ValidationReport};
use crate::store::SharedStore;

/// One validation's result.
#[derive(Debug)]
pub struct Validated {
    /// The report, stored; its `runs` are the test cases' runs the store took, with their ids.
    pub(crate) report: ValidationReport,
    /// The test cases' runs the store refused, each kept for the next start when it could be.
    pub(crate) unstored: Vec<UnstoredRun>,
}

/// Validates one tool (or takes the cached report), then records the runs its test cases
/// made by the rule of every run, through the process's one write connection. A cached report
/// made no runs.
pub(crate) async fn validate_and_record(
    review: &ReviewContext,
    entry: &ToolEntry,
    compare: impl FnOnce() -> Comparing,
    store: &SharedStore,
    force: bool,
    seed: Option<u64>,
) -> Result<Validated, ValidateError> {
    let mut report =
        match validate::validate_cached(review, entry, compare, store, force, seed).await {
            Ok(report) => report,
            Err(ValidateError::ChangedDuring {
                folder,
                before,
                after,
                runs,
            }) => {
                // No report, but the runs happened: they are recorded, then the refusal told.
                record_runs(&review.root, entry, store, runs).await?;
                return Err(ValidateError::ChangedDuring {
                    folder,
                    before,
                    after,
                    runs: Vec::new(),
                });
            }
            Err(e) => return Err(e),
        };
    let runs = std::mem::take(&mut report.runs);
    let (recorded, unstored) = record_runs(&review.root, entry, store, runs).await?;
    report.runs = recorded;
    Ok(Validated { report, unstored })
}

/// Records the runs of a validation's test cases by the rule of every run; returns the ones
/// stored and the ones the store refused (kept for the next start).
async fn record_runs(
    root: &Path,
    entry: &ToolEntry,
    store: &SharedStore,
    runs: Vec<crate::model::RunRecord>,
) -> Result<(Vec<crate::model::RunRecord>, Vec<UnstoredRun>), ValidateError> {
    if runs.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let recorder = Recorder::Store(store.clone());
    let root = root.to_path_buf();
    let recorded = super::blocking(move || {
        runs.into_iter()
            .map(|run| recorder.record(&root, run))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ValidateError::Stopped {
        tool: entry.id(),
        reason: e.to_string(),
    })?;
    let (mut stored, mut unstored) = (Vec::new(), Vec::new());
    for result in recorded {
        match result {
            Ok((run, _no_failure)) => stored.push(run),
            Err(refused) => unstored.push(refused),
        }
    }
    Ok((stored, unstored))
}
