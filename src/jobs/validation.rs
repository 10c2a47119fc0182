//! The validation job queue: validations waiting to run, run by a fixed number of workers,
//! each result stored (the report, and the runs its test cases made) and then told.
//!
//! A scan can ask for thousands at once (every candidate of a large workspace): they wait
//! here as small requests, and only the workers' futures exist at any time, so memory stays
//! flat. The queue never acts on a verdict (moves and decisions are the reviewer's, through
//! `review`); it only validates, stores and tells.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc};

use crate::catalog::Catalog;
use crate::model::ToolEntry;
use crate::review::validate::{self, ValidateError, ValidationReport};
use crate::store::SharedStore;

pub struct ValidationRequest {
    pub entry: ToolEntry,
    /// Ignore a cached result for the same content.
    pub force: bool,
    /// The catalog at the time of asking, for the similarity check.
    pub catalog: Arc<Catalog>,
}

#[derive(Debug)]
pub enum ValidationEvent {
    /// The tool's report, stored; `path` is the tool's path as the request named it.
    Validated {
        path: PathBuf,
        report: Box<ValidationReport>,
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
        root: PathBuf,
        store: SharedStore,
        exe: PathBuf,
        listener: impl Fn(ValidationEvent) -> bool + Send + Sync + 'static,
    ) -> Self {
        let (requests, queue) = mpsc::unbounded_channel();
        let queue = Arc::new(Mutex::new(queue));
        let listener = Arc::new(listener);
        for _ in 0..workers {
            runtime.spawn(work(
                Arc::clone(&queue),
                root.clone(),
                store.clone(),
                exe.clone(),
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
    root: PathBuf,
    store: SharedStore,
    exe: PathBuf,
    listener: Arc<L>,
) {
    loop {
        let next = queue.lock().await.recv().await;
        let Some(request) = next else {
            return;
        };
        let event = match validate_one(&root, &store, &exe, &request).await {
            Ok(report) => ValidationEvent::Validated {
                path: request.entry.path.clone(),
                report: Box::new(report),
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

/// Validates one tool (or takes the cached result) and stores the runs its cases made.
async fn validate_one(
    root: &Path,
    store: &SharedStore,
    exe: &Path,
    request: &ValidationRequest,
) -> Result<ValidationReport, ValidateError> {
    validate::validate_and_record(
        root,
        &request.entry,
        &request.catalog,
        exe,
        store,
        request.force,
    )
    .await
}
