//! Validations waiting to run, run by a fixed number of workers.
//!
//! A scan can ask for thousands at once (every candidate of a large workspace): they wait
//! here as small jobs, and only the workers' futures exist at any time, so memory stays flat.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc};

use super::app::AppEvent;
use crate::catalog::Catalog;
use crate::model::ToolEntry;
use crate::review::validate;
use crate::store::Store;

pub struct ValidationJob {
    pub entry: ToolEntry,
    /// Ignore a cached result for the same content.
    pub force: bool,
    /// The catalog at the time of asking, for the similarity check.
    pub catalog: Arc<Catalog>,
}

pub struct ValidationQueue {
    jobs: mpsc::UnboundedSender<ValidationJob>,
}

impl ValidationQueue {
    /// Starts `workers` workers on `runtime`; results arrive on `events`.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        workers: usize,
        root: PathBuf,
        exe: PathBuf,
        events: mpsc::UnboundedSender<AppEvent>,
    ) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..workers {
            runtime.spawn(work(
                Arc::clone(&queue),
                root.clone(),
                exe.clone(),
                events.clone(),
            ));
        }
        Self { jobs }
    }

    pub fn push(&self, job: ValidationJob) {
        let _ = self.jobs.send(job);
    }
}

async fn work(
    queue: Arc<Mutex<mpsc::UnboundedReceiver<ValidationJob>>>,
    root: PathBuf,
    exe: PathBuf,
    events: mpsc::UnboundedSender<AppEvent>,
) {
    loop {
        let next = queue.lock().await.recv().await;
        let Some(job) = next else {
            return;
        };
        let event = match validate_one(&root, &exe, &job).await {
            Ok(report) => AppEvent::Validated {
                path: job.entry.path.clone(),
                report: Box::new(report),
            },
            Err(reason) => {
                AppEvent::Decided(Err(format!("validation of {}: {reason}", job.entry.id())))
            }
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

/// Validates one tool (or takes the cached result) and stores the runs its cases made.
async fn validate_one(
    root: &std::path::Path,
    exe: &std::path::Path,
    job: &ValidationJob,
) -> Result<validate::ValidationReport, String> {
    let mut store = Store::open(root).map_err(|e| e.to_string())?;
    let report =
        validate::validate_and_record(root, &job.entry, &job.catalog, exe, &mut store, job.force)
            .await
            .map_err(|e| e.to_string())?;
    Ok(report)
}
