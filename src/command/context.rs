//! Who asks a command, and what every command of that front end shares: the [`Context`],
//! and the one way a command's blocking work leaves the async workers.

use std::sync::Arc;

use tokio::sync::watch;

use super::error::CommandError;
use crate::jobs::run::Recorder;
use crate::model::Catalog;
use crate::model::RunOrigin;
use crate::model::admission::RunPolicy;
use crate::model::decisions::EvolveProgress;
use crate::review::ReviewContext;
use crate::review::propose::ProposalLimits;
use crate::runner::helper_process::PreforkedHelper;
use crate::services::Services;
use crate::store::StoreOnDemand;

/// Who asks, and what every command of that front end shares.
#[derive(Clone)]
pub struct Context {
    pub(crate) review: ReviewContext,
    /// What the admission rule reads from the config.
    pub(crate) run_policy: RunPolicy,
    /// The process's one write connection, opened when a command first needs it.
    pub(crate) store: StoreOnDemand,
    /// Where runs are recorded: the workbench's batching writer, or `store`.
    pub(crate) recorder: Recorder,
    pub(crate) origin: RunOrigin,
    /// The MCP client's name, recorded with its runs.
    pub(crate) client: Option<String>,
    /// The catalog the front end holds (for validation's similarity check); scanned when
    /// absent.
    pub(crate) catalog: Option<Arc<Catalog>>,
    /// Cancels the runs a call starts (Ctrl-C in the CLI).
    pub(crate) cancelled: Option<watch::Receiver<bool>>,
    /// Told what a long decision is doing (an evolve's evolver, which may run for minutes).
    pub progress: Option<Arc<dyn Fn(EvolveProgress) + Send + Sync>>,
    /// A sandbox helper forked ahead for the first run (`toolbench run`); empty elsewhere.
    pub(crate) preforked: PreforkedHelper,
    /// `[mcp] max_proposal_kb` and the `[catalog]` limits an agent's proposal is held to.
    pub(crate) proposal_limits: ProposalLimits,
}

impl Context {
    /// The workspace's services, which the service commands launch and talk to.
    pub(crate) fn services(&self) -> Services {
        Services::new(self.review.workspace().clone())
    }
}

/// `jobs::blocking` for a command's file and store work.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    crate::jobs::blocking(work)
        .await
        .unwrap_or_else(|e| Err(stopped(e)))
}

/// Blocking work that panicked.
pub(super) fn stopped(e: tokio::task::JoinError) -> CommandError {
    CommandError::Stopped(e.to_string())
}
