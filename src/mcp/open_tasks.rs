//! The tasks one MCP server runs, as the server holds them: each open task's cancellation,
//! the slots their work takes turns in, and which process this is. What a task is and how it
//! is answered is `tasks.rs`'s.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{AcquireError, Notify, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::proc_stat::ProcessId;

/// Tasks of one server whose work runs at once; the others wait for a slot, still `working`.
const RUNNING_AT_ONCE: usize = 8;
/// How often ended tasks past their time to live are deleted from the store.
const SWEEP_EVERY_MS: i64 = 60_000;

/// The tasks this server runs.
pub(crate) struct OpenTasks {
    /// Each open task's cancellation, by id.
    open: Mutex<HashMap<String, CancellationToken>>,
    /// Told when a task opens.
    opened: Notify,
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
            open: Mutex::new(HashMap::new()),
            opened: Notify::new(),
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
    /// How many of this server's tasks have not ended.
    pub(crate) fn open(&self) -> usize {
        self.open.lock().map(|open| open.len()).unwrap_or(0)
    }

    /// This server's process, which its tasks' rows name.
    pub(crate) fn me(&self) -> ProcessId {
        self.me
    }

    pub(crate) fn register(&self, id: &str, cancel: CancellationToken) {
        if let Ok(mut open) = self.open.lock() {
            open.insert(id.to_string(), cancel);
        }
        self.opened.notify_one();
    }

    /// Waits until a task of this server is open.
    pub(crate) async fn some_open(&self) {
        while self.open() == 0 {
            self.opened.notified().await;
        }
    }

    pub(crate) fn remove(&self, id: &str) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(id);
        }
    }

    /// Cancels the work of open task `id`, when this server runs it.
    pub(crate) fn cancel(&self, id: &str) {
        if let Some(token) = self.open.lock().ok().and_then(|open| open.get(id).cloned()) {
            token.cancel();
        }
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
