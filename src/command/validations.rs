//! The validation queue of the long-lived front ends (the workbench, the MCP server):
//! validations waiting to run, run by a fixed number of workers, each a [`Command::Validate`]
//! through `apply`, as the command line's `validate` is, then told.
//!
//! A request names the folder the front end saw the tool in and the content it saw there:
//! that folder is read again and validated only while it holds that content, so what is
//! validated is what was shown, never what an agent put in its place meanwhile.
//!
//! A scan can ask for thousands at once (every candidate of a large workspace): they wait
//! here as small requests, and only the workers' futures exist at any time, so memory stays
//! flat. The queue never acts on a verdict (moves and decisions are the reviewer's); it only
//! validates, stores and tells.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc};

use super::{Applied, Command, CommandError, Context, apply};
use crate::catalog::Catalog;
use crate::jobs::run::UnstoredRun;
use crate::jobs::validation::Validated;
use crate::model::{ToolEntry, ToolId};
use crate::review::validate::ValidationReport;

/// Validations that may run at once in a long-lived front end (the workbench, the MCP
/// server): each runs test cases and checkers in the sandbox, on two shared cores.
pub(crate) const VALIDATION_WORKERS: usize = 2;

pub struct ValidationRequest {
    /// The tool as the front end saw it: its folder and content are what is validated.
    pub entry: ToolEntry,
    /// Ignore a cached result for the same content.
    pub force: bool,
    /// The catalog at the time of asking, for the similarity check.
    pub catalog: Arc<Catalog>,
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
    Refused { tool: String, error: CommandError },
}

pub struct ValidationQueue {
    requests: mpsc::UnboundedSender<ValidationRequest>,
}

impl ValidationQueue {
    /// Starts `workers` workers on `runtime`, validating as `commands` (whose store is the
    /// process's one write connection). `listener` hears every result and returns `false`
    /// once nobody listens; the workers then stop.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        workers: usize,
        commands: Context,
        listener: impl Fn(ValidationEvent) -> bool + Send + Sync + 'static,
    ) -> Self {
        let (requests, queue) = mpsc::unbounded_channel();
        let queue = Arc::new(Mutex::new(queue));
        let listener = Arc::new(listener);
        for _ in 0..workers {
            runtime.spawn(work(
                Arc::clone(&queue),
                commands.clone(),
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
    commands: Context,
    listener: Arc<L>,
) {
    loop {
        let next = queue.lock().await.recv().await;
        let Some(request) = next else {
            return;
        };
        let event = validate(&commands, request).await;
        if !listener(event) {
            return;
        }
    }
}

/// One request, validated as `commands` with the request's catalog.
async fn validate(commands: &Context, request: ValidationRequest) -> ValidationEvent {
    let ValidationRequest {
        entry,
        force,
        catalog,
    } = request;
    let ctx = Context {
        catalog: Some(catalog),
        ..commands.clone()
    };
    let command = Command::Validate {
        tool: ToolId::content_of(&entry),
        folder: Some(entry.path.clone()),
        force,
        seed: None,
    };
    match apply(&ctx, command).await {
        Ok(Applied::Validated(validated)) => {
            let Validated { report, unstored } = *validated;
            ValidationEvent::Validated {
                path: entry.path,
                report: Box::new(report),
                unstored,
            }
        }
        Ok(_) => ValidationEvent::Refused {
            tool: entry.id(),
            error: CommandError::Stopped("validation answered without a report".into()),
        },
        Err(error) => ValidationEvent::Refused {
            tool: entry.id(),
            error,
        },
    }
}
