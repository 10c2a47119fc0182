//! The process's stop, as a front end asks for it (`q` in the workbench, a signal, a client
//! gone): every run of this process cancelled and no new one started (`runner::stop`), then
//! the cancelled runs' records waited for within one bound, so none is left for a later start
//! to find abandoned. Every front end stops the same way; what it waits for besides (the
//! app's own view of its runs, MCP's unanswered calls) shares the same deadline.

use tokio::time::Instant;

use crate::runner::inflight::all_recorded;
use crate::runner::stop::{STOP_WITHIN, stop_runs, stopping};

/// A stop under way, and the deadline its waits share.
pub(crate) struct Stop {
    deadline: Instant,
}

impl Stop {
    /// Cancels every run of this process and refuses new ones (again is harmless); the
    /// bound for what is waited for afterwards starts now.
    pub(crate) fn begin() -> Self {
        stop_runs();
        Stop {
            deadline: Instant::now() + STOP_WITHIN,
        }
    }

    /// Whether this process's runs were stopped.
    pub(crate) fn begun() -> bool {
        stopping()
    }

    /// When the waits of this stop give up.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Waits, until the deadline, for every cancelled run of this process to be recorded.
    pub(crate) async fn runs_recorded(self) {
        all_recorded(self.deadline.saturating_duration_since(Instant::now())).await;
    }
}
