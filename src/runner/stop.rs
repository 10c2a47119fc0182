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

/// What must happen at once when the process stops, before its runs are waited for (see
/// `on_stop`).
type StopHook = Box<dyn Fn() + Send + Sync>;

static ON_STOP: std::sync::Mutex<Vec<StopHook>> = std::sync::Mutex::new(Vec::new());

/// Cancels every run of this process and refuses new ones.
pub fn stop_runs() {
    STOPPED.send_replace(true);
    super::inflight::refuse_new_runs();
    let hooks = ON_STOP
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for hook in hooks.iter() {
        hook();
    }
}

/// Runs `hook` when the process stops (`stop_runs`), on the stopping thread: for what the
/// stop's wait depends on, such as background work stepping forward to record its cancelled
/// runs in time.
pub(crate) fn on_stop(hook: impl Fn() + Send + Sync + 'static) {
    ON_STOP
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(Box::new(hook));
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
