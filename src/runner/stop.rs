//! The process's stop. A front end asked to end (`q` in the workbench, SIGTERM, SIGINT or
//! SIGHUP) stops its runs here: every run this process has in flight is cancelled, whoever
//! started it (a person, an agent, a validation), and no new one starts. The front end then
//! waits, within [`STOP_WITHIN`], for them to be recorded (`inflight::all_recorded`), so none
//! is left for a later start to close as abandoned.
//!
//! One per process, never reset: a stopped process only records what it ran and ends.

use std::sync::LazyLock;
use std::time::Duration;

use tokio::sync::watch;

/// How long a stopping front end waits for its cancelled runs to be recorded. A cancelled
/// run's tree is killed at once and its record written within milliseconds; this bounds a
/// store that is slow to take them.
pub const STOP_WITHIN: Duration = Duration::from_secs(5);

static STOPPED: LazyLock<watch::Sender<bool>> = LazyLock::new(|| watch::Sender::new(false));

/// Cancels every run of this process and refuses new ones.
pub fn stop_runs() {
    STOPPED.send_replace(true);
    super::inflight::refuse_new_runs();
}

/// The process's runs were stopped.
pub(crate) fn stopping() -> bool {
    *STOPPED.borrow()
}

/// Resolves once the process's runs are stopped.
pub(crate) async fn stopped() {
    let mut stopped = STOPPED.subscribe();
    let _ = stopped.wait_for(|stopped| *stopped).await;
}
