//! The validation job queue: validations waiting to run, run by a fixed number of workers,
//! each result stored (the report, and the runs its test cases made) and then told.
//!
//! The test cases' runs follow the rule of every run (`Recorder::record`): each is stored
//! on its own, and one the store refuses is kept in `.toolbench/running/` for the next start
//! and told with the result (`Validated::unstored`), never dropped.
//!
//! A scan can ask for thousands at once (every candidate of a large workspace): they wait
//! here as small requests, and only the workers' futures exist at any time, so memory stays
//! flat. The queue never acts on a verdict (moves and decisions are the reviewer's, through
//! `review`); it only validates, stores and tells.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc};

use crate::catalog::Catalog;
use crate::jobs::run::{Recorder, UnstoredRun};
use crate::model::ToolEntry;
use crate::review::ReviewContext;
use crate::review::validate::{self, ValidateError, ValidationReport};
use crate::store::SharedStore;

/// Validations that may run at once in a long-lived front end (the workbench, the MCP
/// server): each runs test cases and checkers in the sandbox, on two shared cores.
pub(crate) const VALIDATION_WORKERS: usize = 2;

pub struct ValidationRequest {
    pub entry: ToolEntry,
    /// Ignore a cached result for the same content.
    pub force: bool,
    /// The catalog at the time of asking, for the similarity check.
    pub catalog: Arc<Catalog>,
}

/// One validation's result.
#[derive(Debug)]
pub struct Validated {
    /// The report, stored; its `runs` are the test cases' runs the store took, with their ids.
    pub(crate) report: ValidationReport,
    /// The test cases' runs the store refused, each kept for the next start when it could be.
    pub(crate) unstored: Vec<UnstoredRun>,
}

#[derive(Debug)]
pub enum ValidationEvent {
    /// The tool's report, stored; `path` is the tool's path as the request named it.
    /// `unstored` are the test cases' runs the store refused.
    Validated {
        path: PathBuf,
        report: Box<ValidationReport>,
        unstored: Vec<UnstoredRun>,
    },
    /// The tool was not validated at all.
    Refused { tool: String, error: ValidateError },
}

pub struct ValidationQueue {
    requests: mpsc::UnboundedSender<ValidationRequest>,
}

impl ValidationQueue {
    /// Starts `workers` workers on `runtime`, storing through `store`, the process's one
    /// write connection. `listener` hears every result and returns
    /// `false` once nobody listens; the workers then stop.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        workers: usize,
        review: ReviewContext,
        store: SharedStore,
        listener: impl Fn(ValidationEvent) -> bool + Send + Sync + 'static,
    ) -> Self {
        let (requests, queue) = mpsc::unbounded_channel();
        let queue = Arc::new(Mutex::new(queue));
        let listener = Arc::new(listener);
        for _ in 0..workers {
            runtime.spawn(work(
                Arc::clone(&queue),
                review.clone(),
                store.clone(),
                Arc::clone(&listener),
            ));
        }
        Self { requests }
    }

    pub fn push(&self, request: ValidationRequest) {
        let _ = self.requests.send(request);
    }
}

async fn work<L: Fn(ValidationEvent) -> bool>(
    queue: Arc<Mutex<mpsc::UnboundedReceiver<ValidationRequest>>>,
    review: ReviewContext,
    store: SharedStore,
    listener: Arc<L>,
) {
    loop {
        let next = queue.lock().await.recv().await;
        let Some(request) = next else {
            return;
        };
        let validated = validate_and_record(
            &review,
            &request.entry,
            &request.catalog,
            &store,
            request.force,
            None,
        )
        .await;
        let event = match validated {
            Ok(Validated { report, unstored }) => ValidationEvent::Validated {
                path: request.entry.path.clone(),
                report: Box::new(report),
                unstored,
            },
            Err(error) => ValidationEvent::Refused {
                tool: request.entry.id(),
                error,
            },
        };
        if !listener(event) {
            return;
        }
    }
}

/// Validates one tool (or takes the cached report), then records the runs its test cases
/// made by the rule of every run, through the process's one write connection. A cached report
/// made no runs. Every front end validates through this, alone (the CLI) or in the queue.
pub(crate) async fn validate_and_record(
    review: &ReviewContext,
    entry: &ToolEntry,
    catalog: &Catalog,
    store: &SharedStore,
    force: bool,
    seed: Option<u64>,
) -> Result<Validated, ValidateError> {
    let mut report =
        match validate::validate_cached(review, entry, catalog, store, force, seed).await {
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
