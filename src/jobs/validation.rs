//! One validation job: the tool validated (or its cached report taken), each run it makes
//! recorded as it ends, and the report stored. `Command::Validate` does it for every front
//! end, alone (the CLI) or in the long-lived front ends' queue (`command::validations`).
//!
//! The runs follow the rule of every run (`Recorder::record`): each is stored as it ends, so a
//! validation cut short (a kill, the process's stop) leaves its finished runs stored, and one
//! the store refuses is kept in `.toolbench/running/` for the next start and told with the
//! result (`Validated::unstored`), never dropped.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use crate::jobs::run::Recorder;

use crate::model::run_job::UnstoredRun;
use crate::model::validation_report::Validated;
use crate::model::{FailureRecord, RunRecord, ToolEntry};
use crate::review::ReviewContext;
use crate::review::validate::{self, Comparer, Comparing, RunSink, ValidateError};
use crate::store::SharedStore;

/// What recording each run answered, in the order they ended.
type Recorded = Arc<Mutex<Vec<Result<(RunRecord, Option<FailureRecord>), UnstoredRun>>>>;

/// Validates one tool (or takes the cached report), recording each run it makes as it ends
/// through the process's one write connection. A cached report made no runs.
pub(crate) async fn validate_and_record(
    review: &ReviewContext,
    entry: &ToolEntry,
    comparer: Comparer<impl FnOnce() -> Option<ToolEntry>, impl FnOnce() -> Comparing>,
    store: &SharedStore,
    force: bool,
    seed: Option<u64>,
) -> Result<Validated, ValidateError> {
    let recorded = Recorded::default();
    let runs = recording(review.root(), store, &recorded);
    // A candidate's declared packages are locked first: the lock is part of what is judged.
    let (locked, unresolved) = match crate::review::resolve::lock_candidate(review, entry).await {
        Ok(locked) => (locked, None),
        Err(why) => (None, Some(why)),
    };
    let entry = locked.as_ref().unwrap_or(entry);
    let validated =
        validate::validate_cached(review, entry, comparer, store, force, seed, &runs).await;
    let (mut stored, mut unstored) = (Vec::new(), Vec::new());
    for result in std::mem::take(&mut *recorded.lock().unwrap_or_else(PoisonError::into_inner)) {
        match result {
            Ok((run, _no_failure)) => stored.push(run),
            Err(refused) => unstored.push(refused),
        }
    }
    let mut report = validated?;
    if let Some(why) = unresolved {
        report.unresolved(why);
    }
    report.runs = stored;
    Ok(Validated { report, unstored })
}

/// Records each run by the rule of every run on a blocking thread, as it ends, and keeps what
/// the store answered in `into`.
fn recording(root: &Path, store: &SharedStore, into: &Recorded) -> RunSink {
    let recorder = Recorder::Store(store.clone());
    let (root, into) = (root.to_path_buf(), Arc::clone(into));
    RunSink::new(move |run| {
        let (recorder, root, into) = (recorder.clone(), root.clone(), Arc::clone(&into));
        Box::pin(async move {
            // A runtime shutting down gives no thread: the run's in-flight file is left for
            // the next start to close.
            if let Ok(answer) = super::blocking(move || recorder.record(&root, run)).await {
                into.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(answer);
            }
        })
    })
}
