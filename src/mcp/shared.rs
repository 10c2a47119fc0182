//! What every session of one MCP server shares: the workspace served (the one writer, the
//! live catalog, the validation queue, the jobs that may be cancelled), the listing of the
//! live catalog, the peers told when the listing changes, and the calls being answered.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use tokio::sync::{broadcast, watch};

use super::listing::Listing;
use crate::command::validations::{ValidationEvent, ValidationRequest, ValidationTarget};
use crate::model::Catalog;
use crate::model::StoreError;
use crate::model::ToolEntry;
use crate::workbench::Workbench;
use crate::workbench::registry::JobId;
use crate::workbench::serve::{Recording, Serving};

/// Everything the sessions of one server share.
pub struct ServerState {
    /// The workspace, opened once and served: its runs recorded as each ends, with origin
    /// `mcp`.
    pub(crate) serving: Serving,
    pub(crate) listing: RwLock<Arc<Listing>>,
    /// Fires when the listed tools or their definitions changed.
    pub changed: broadcast::Sender<()>,
    /// How many calls are being answered, so the server can let them end before it exits.
    in_flight: watch::Sender<usize>,
    /// The calls answered with a task, whose work goes on here.
    pub(crate) tasks: super::open_tasks::OpenTasks,
}

/// One call being answered; dropping it marks the call done.
pub(crate) struct InFlight(watch::Sender<usize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl ServerState {
    /// Serves `workbench` from `catalog`, its validation workers on `runtime`.
    pub(crate) fn new(
        runtime: &tokio::runtime::Handle,
        workbench: Workbench,
        catalog: Catalog,
    ) -> Result<Self, StoreError> {
        let listing = Listing::of(catalog.entries(), &workbench.config().run_policy());
        let serving = workbench.serve(
            runtime,
            catalog,
            crate::model::RunOrigin::Mcp,
            Recording::AtOnce,
        )?;
        Ok(Self {
            serving,
            listing: RwLock::new(Arc::new(listing)),
            changed: broadcast::channel(16).0,
            in_flight: watch::Sender::new(0),
            tasks: super::open_tasks::OpenTasks::default(),
        })
    }

    /// The workspace served.
    pub(crate) fn workbench(&self) -> &Workbench {
        self.serving.workbench()
    }

    /// The library's command context for a call of `client`: runs recorded through the one
    /// writer with origin `mcp`, lookups in the catalog the server holds.
    pub(crate) fn commands(&self, client: Option<String>) -> crate::command::Context {
        let mut ctx = self.serving.commands();
        ctx.client = client;
        ctx
    }

    /// Does `command` for a call of `client` through the served workspace, which tells the
    /// webhook of what it leaves waiting for a person.
    pub(crate) async fn apply(
        &self,
        client: Option<String>,
        command: crate::command::Command,
    ) -> Result<crate::command::Applied, crate::command::CommandError> {
        self.serving.apply(&self.commands(client), command).await
    }

    /// Applies a change to an MCP task through the library's door; `false` when the task
    /// no longer could change (it ended, or is unknown).
    pub(crate) async fn change_task(
        &self,
        change: crate::model::tasks::TaskChange,
    ) -> Result<bool, crate::command::CommandError> {
        match self
            .apply(None, crate::command::Command::Task(change))
            .await?
        {
            crate::command::Applied::TaskChanged(changed) => Ok(changed),
            other => Err(crate::command::CommandError::Stopped(format!(
                "a task's change answered {other:?}"
            ))),
        }
    }

    /// How many of this server's tasks have not ended.
    pub(crate) fn open_tasks(&self) -> usize {
        self.serving.jobs().count(JobId::is_task)
    }

    /// Counts a call as being answered until the guard is dropped.
    pub(crate) fn call_started(&self) -> InFlight {
        self.in_flight.send_modify(|n| *n += 1);
        InFlight(self.in_flight.clone())
    }

    /// Waits until no call is being answered. When a client goes away, the session cancels
    /// its calls; each still has to stop its run and record it as cancelled.
    pub(crate) async fn calls_ended(&self) {
        let mut count = self.in_flight.subscribe();
        let _ = count.wait_for(|n| *n == 0).await;
    }

    pub(crate) fn listing(&self) -> Arc<Listing> {
        self.listing
            .read()
            .map(|l| Arc::clone(&l))
            .unwrap_or_default()
    }

    /// The catalog as last scanned or watched.
    pub(crate) fn catalog(&self) -> Arc<Catalog> {
        self.serving.catalog()
    }

    /// Lists the live catalog again; tells the peers when what they see changed.
    pub(crate) fn refresh_listing(&self) {
        let listing = Listing::of(
            self.catalog().entries(),
            &self.workbench().config().run_policy(),
        );
        let changed = !self.listing().same_as(&listing);
        if let Ok(mut slot) = self.listing.write() {
            *slot = Arc::new(listing);
        }
        if changed {
            let _ = self.changed.send(());
        }
    }

    /// The tool as it is on disk now: the folder the listing knows, read again.
    pub(crate) async fn fresh_entry(
        self: &Arc<Self>,
        listed: &ToolEntry,
    ) -> Result<ToolEntry, Moved> {
        let (tier, path) = (listed.tier, listed.path.clone());
        self.read(move |workbench| workbench.read_tool(tier, &path))
            .await
            .filter(|e| e.name == listed.name)
            .ok_or_else(|| Moved(listed.name.clone()))
    }

    /// The listing of `name`, an active tool the listing leaves out, after its folder and seal
    /// are read again: a person's decision in another process is on disk a moment before this
    /// process's watcher tells of it, and a call in that moment is of content a person did
    /// accept. `Err` with why, as it stands now, when it still may not run; `None` when there
    /// is no such tool to read. A tool the live catalog does not hold as active yet (its
    /// folder being read again after the decision) is looked for in its usual folder. What is
    /// read is folded into the live catalog, as the watcher would.
    pub(crate) async fn relisted(
        self: &Arc<Self>,
        name: &str,
    ) -> Option<Result<Arc<super::listing::Listed>, String>> {
        let known = self
            .catalog()
            .entries()
            .iter()
            .find(|e| e.name == name && e.tier.is_active())
            .cloned();
        let entry = match known {
            Some(entry) => entry,
            None => {
                let (shared, spec) = (Arc::clone(self), crate::model::ToolId::named(name));
                tokio::task::spawn_blocking(move || {
                    shared.workbench().active_in_usual_folder(&spec)
                })
                .await
                .ok()??
            }
        };
        let mut fresh = self.fresh_entry(&entry).await.ok()?;
        fresh.drift = self.workbench().drift_now(&fresh).map(Box::new);
        if !fresh.tier.is_active() {
            return None;
        }
        if let Err(why) = super::listing::listed(&fresh) {
            return Some(Err(super::listing::refusal(&fresh, &why)));
        }
        let shared = Arc::clone(self);
        tokio::task::spawn_blocking(move || shared.serving.keep_tool(fresh))
            .await
            .ok()?;
        self.refresh_listing();
        self.listing().tools.get(name).cloned().map(Ok)
    }

    /// Queues a proposal's validation, as the workbench does for every new candidate, so its
    /// verdict is ready when the human looks (and for `toolbench_review_status`).
    pub(crate) fn validate_later(self: &Arc<Self>, folder: PathBuf) {
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            let entry = shared
                .read(move |workbench| {
                    workbench.read_tool(crate::model::Tier::Experimental, &folder)
                })
                .await;
            let Some(entry) = entry else {
                eprintln!("toolbench mcp: validation: {}", LaterValidationError::Left);
                return;
            };
            shared.serving.validate(ValidationRequest {
                tool: ValidationTarget::of(&entry),
                force: false,
                catalog: shared.catalog(),
            });
        });
    }

    /// Asks the workbench's read side on a blocking thread: its answers read the disk, or the
    /// store, whose one connection serves one caller at a time.
    pub(crate) async fn read<T: Send + 'static>(
        self: &Arc<Self>,
        read: impl FnOnce(&Workbench) -> T + Send + 'static,
    ) -> T {
        let shared = Arc::clone(self);
        let run = move || read(shared.workbench());
        match tokio::task::spawn_blocking(run).await {
            Ok(value) => value,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

/// A listed tool whose folder no longer holds it.
#[derive(Debug, thiserror::Error)]
#[error("{0}: the tool is no longer where it was listed; list the tools again")]
pub(crate) struct Moved(pub(crate) String);

/// Why a proposal was not validated in the background.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LaterValidationError {
    #[error("the proposal left experimental/ before it was validated")]
    Left,
}

/// What the server does with a background validation's result: the verdict is stored
/// already (`toolbench_review_status` reads it); refusals and lost runs are logged.
pub(crate) fn log_validation(event: ValidationEvent) {
    match event {
        ValidationEvent::Validated { unstored, .. } => {
            for lost in unstored {
                eprintln!(
                    "toolbench mcp: validation of {}: a test case's run was not stored: {lost}",
                    lost.record.tool
                );
            }
        }
        ValidationEvent::Refused { error, .. } => {
            eprintln!(
                "toolbench mcp: validation: {}",
                crate::error_chain::one_line(&error)
            );
        }
    }
}
