//! The evolve job: a new candidate made from a tool and a hint by the configured evolver
//! (`review::evolve`), which may run for up to [`EVOLVER_TIMEOUT`], on a blocking thread.
//!
//! Every event comes from that one thread, so a listener hears them in order: progress while
//! the evolver runs, then the decision (or why there is none), and nothing after it. The rules
//! (the copy, the version bump, the journal, the store taken only around its own steps) stay
//! in `review::evolve`; the job only runs it off the caller's thread and tells.

use std::time::Duration;

use crate::model::ToolId;
pub use crate::review::evolve::{EVOLVER_TIMEOUT, EvolveProgress};
use crate::review::{Decision, ReviewContext, ReviewError, evolve};
use crate::store::SharedStore;

/// What to evolve, and how.
pub struct EvolveRequest {
    pub ctx: ReviewContext,
    /// The process's one write connection.
    pub store: SharedStore,
    /// Any version of any tier, `name` or `name@version`.
    pub tool: ToolId,
    /// What the new version should do.
    pub hint: String,
    /// The evolver argv; `None` uses the configured one, an empty one makes a plain copy.
    pub with: Option<Vec<String>>,
    /// How long the evolver may take ([`EVOLVER_TIMEOUT`] unless a caller wants less).
    pub timeout: Duration,
}

#[derive(Debug)]
pub enum EvolveEvent {
    Progress(EvolveProgress),
    /// The new candidate, or why there is none.
    Finished(Box<Result<Decision, ReviewError>>),
}

/// Starts an evolve on the current tokio runtime. `listener` returns `false` once nobody
/// listens; the evolve still finishes (a candidate half made would be worse).
pub fn start(request: EvolveRequest, listener: impl Fn(EvolveEvent) -> bool + Send + 'static) {
    tokio::task::spawn_blocking(move || {
        let progress = |step| {
            let _ = listener(EvolveEvent::Progress(step));
        };
        let result = evolve::evolve_reporting(
            &request.ctx,
            &request.store,
            &request.tool,
            &request.hint,
            request.with.as_deref(),
            request.timeout,
            &progress,
        );
        let _ = listener(EvolveEvent::Finished(Box::new(result)));
    });
}
