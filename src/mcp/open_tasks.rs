//! The tasks one MCP server runs, as the server holds them: the slots their work takes turns
//! in, and which process this is. Each open task's cancellation is in the served workspace's
//! jobs (`Serving::jobs`); what a task is and how it is answered is `tasks.rs`'s.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};

use crate::proc_stat::ProcessId;

/// Tasks of one server whose work runs at once; the others wait for a slot, still `working`.
const RUNNING_AT_ONCE: usize = 8;
/// How often ended tasks past their time to live are deleted from the store.
const SWEEP_EVERY_MS: i64 = 60_000;

/// The tasks this server runs.
pub(crate) struct OpenTasks {
    slots: Arc<Semaphore>,
    /// The one loop that looks for cancels written by other processes runs.
    following: AtomicBool,
    /// When ended tasks past their time were last deleted, in ms since the epoch.
    swept_ms: AtomicI64,
    me: ProcessId,
}

impl Default for OpenTasks {
    fn default() -> Self {
        Self {
            slots: Arc::new(Semaphore::new(RUNNING_AT_ONCE)),
            following: AtomicBool::new(false),
            swept_ms: AtomicI64::new(0),
            me: ProcessId::of(std::process::id()).unwrap_or(ProcessId {
                pid: std::process::id(),
                start_ticks: 0,
            }),
        }
    }
}

impl OpenTasks {
    /// This server's process, which its tasks' rows name.
    pub(crate) fn me(&self) -> ProcessId {
        self.me
    }

    /// Waits for a slot for one task's work.
    pub(crate) async fn slot(&self) -> Result<OwnedSemaphorePermit, AcquireError> {
        Arc::clone(&self.slots).acquire_owned().await
    }

    /// True for the caller that should delete the ended, expired tasks now: at most once a
    /// minute.
    pub(crate) fn sweep_due(&self, now_ms: i64) -> bool {
        let last = self.swept_ms.load(Ordering::Relaxed);
        now_ms - last >= SWEEP_EVERY_MS
            && self
                .swept_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// True once: for the caller that starts the loop following other processes' cancels.
    pub(crate) fn start_following(&self) -> bool {
        !self.following.swap(true, Ordering::SeqCst)
    }
}
