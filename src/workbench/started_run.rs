//! A run a front end started through the workbench (`Workbench::start_run`,
//! `Serving::start_run`): what it goes without, its events as they come, its cancel, and its
//! end once recorded. The job that runs and records it stays the workbench's; a front end
//! holds this and translates.

use crate::command::{Applied, Command, CommandError, Context};
use crate::jobs::run::{RunHandle, RunObserver};
use crate::model::run_job::{OutputPolicy, RecordedRun, RunJobError, RunJobEvent};
use crate::runner::CancelSender;

use super::registry::Registered;

/// A run under way.
pub(crate) struct StartedRun {
    withheld: Option<String>,
    /// Its events, kept as the policy it was started with says; `None` when nobody asked.
    events: Option<RunObserver>,
    run: RunHandle,
    /// Its place among the jobs that may be cancelled, until this is dropped.
    _job: Option<Registered>,
}

/// Applies `command` (a `Command::Run`) as `caller` and starts the run it makes, its events
/// kept as `observe` says, as job `job` when it is one that may be cancelled by id.
pub(super) async fn start(
    caller: &Context,
    command: Command,
    observe: Option<OutputPolicy>,
    job: Option<Registered>,
) -> Result<StartedRun, CommandError> {
    let job_to_run = match crate::command::apply(caller, command).await? {
        Applied::Run(job) => job,
        other => {
            return Err(CommandError::Stopped(format!(
                "a run's command answered {other:?}"
            )));
        }
    };
    // Observed before it starts, so the observer sees the whole run.
    let events = observe.map(|policy| job_to_run.observe(policy));
    let withheld = job_to_run.withheld();
    Ok(StartedRun {
        withheld,
        events,
        run: job_to_run.start(),
        _job: job,
    })
}

impl StartedRun {
    /// What an unreviewed tool declares and this run goes without, as one line (`project
    /// write · network anywhere`); `None` when it gets what it declares or declares nothing.
    pub(crate) fn withheld(&self) -> Option<&str> {
        self.withheld.as_deref()
    }

    /// The run's next event; `None` once it ended and everything was taken, or when its
    /// events were not asked for.
    pub(crate) async fn next(&mut self) -> Option<RunJobEvent> {
        self.events.as_mut()?.next().await
    }

    /// Stops the tool; the run is recorded as `cancelled`.
    pub(crate) fn cancel(&self) {
        self.run.cancel();
    }

    /// Cancels the run from elsewhere (a key of the front end, by the job's id).
    pub(super) fn canceller(&self) -> CancelSender {
        self.run.canceller()
    }

    /// Waits for the run to end and be recorded. Events not taken yet are let go.
    pub(crate) async fn ended(self) -> Result<RecordedRun, RunJobError> {
        drop(self.events);
        self.run.ended().await
    }
}
