//! Background work as jobs: a typed request starts one, typed events say what it did, and
//! every front end (the workbench, the CLI, the MCP server) starts and observes the same jobs.
//! The shape is gitui's asyncgit: the work and its rules live here, a front end only turns the
//! events into its own state, output or protocol messages.
//!
//! - `background`: the runtime of the work nobody waits for, its threads held back.
//! - [`run`]: one tool run from its start to its record, with any number of observers.
//! - `scan`: the workspace read into catalog entries, with its progress, as a `Job`.
//! - `validation`: one tool validated, its report and its test cases' runs stored.
//! - [`watch`]: the workspace watched, each batch of changes told to any number of observers.
//! - `live`: the catalog of a long-lived front end, kept current by the watch, its changes
//!   told as typed events.
//! - `inherited`, `pending_calls`, `service_feed`: lookers at what other processes do
//!   (their runs, the agent calls waiting for a human and the runs and failures they
//!   record, service instances), each a `Job`
//!   telling typed events through a bounded queue.
//! - `store_writes`: the one signal per process that the store was written, by any process;
//!   `call_answers` (the answers to this process's waiting calls) and `pending_calls` look
//!   on it.
//!
//! This module must never know a front end: no terminal (ratatui, crossterm), no protocol
//! (rmcp), nothing from `tui`, `cli` or `mcp`.

pub(crate) mod background;
pub(crate) mod call_answers;
pub(crate) mod inherited;
pub(crate) mod live;
pub(crate) mod pending_calls;
pub mod run;
pub(crate) mod scan;
pub(crate) mod service_feed;
pub(crate) mod store_writes;
pub(crate) mod validation;
pub mod watch;

/// A job: background work made with what it needs (the workspace, the process's one write
/// connection, the store's writes to wake on), started on the current runtime, telling what it
/// does as typed events through a bounded queue until its work is done or the queue's reader
/// is gone. What must reach the reader waits for room there; what the next event says again
/// (a scan's progress) is told only when there is room. Every job that tells a front end as it
/// goes has this shape: the scan, and the lookers at what other processes do, which the
/// workbench's events start one way (`workbench::events`). Two kinds of work are followed
/// otherwise, on purpose: a run, whose every observer keeps its events by a policy of its own
/// (`run`: the results always, the output in full holding the tool, or the newest MiB never
/// holding it), and a validation, whose workers never wait on a reader and whose results fold
/// to one per tool while the reader is behind (the validation queue's listener).
pub(crate) trait Job: Send + 'static {
    /// What it tells.
    type Event: Send + 'static;

    /// Starts the work; it stops telling once `tell`'s receiver is gone.
    fn start(self, tell: tokio::sync::mpsc::Sender<Self::Event>) -> tokio::task::JoinHandle<()>;
}

/// The read-only connection a looker at the store of `root` reads through. Without one, the
/// looker tells so as `unreadable` makes it, and does not start.
pub(crate) fn reader_or_tell<E>(
    root: &std::path::Path,
    tell: &tokio::sync::mpsc::Sender<E>,
    unreadable: fn(crate::model::StoreError) -> E,
) -> Option<crate::store::Store> {
    match crate::store::Store::open_reader(root) {
        Ok(store) => Some(store),
        Err(e) => {
            let _ = tell.blocking_send(unreadable(e));
            None
        }
    }
}

/// Runs blocking work (files, the store) for async code. A current-thread runtime (the CLI's)
/// runs it in place: its one thread has nothing to do meanwhile that cannot wait a few
/// milliseconds, and a pool thread would first have to start. A multi-threaded runtime (the
/// workbench's, the MCP server's) hands it to the blocking pool, so its workers go on serving.
/// The work must not drive a runtime of its own, which only a thread outside every runtime
/// may. `Err` when the work panicked on the pool.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    if tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::CurrentThread
    {
        return Ok(work());
    }
    tokio::task::spawn_blocking(work).await
}

/// Drives `future` on this thread until it is done or `limit` passed, the limit kept by the
/// thread itself, never by a runtime's timer. For a looker's loop on a blocking thread: that
/// thread outlives the tasks of the runtime that started it (`shutdown_background` waits for
/// no blocking thread, and dropping a runtime waits for them only after its timers stopped),
/// and a tokio timer polled once its runtime stopped panics. `future` must need no runtime
/// (tokio's `sync` types do not).
pub(crate) fn wait_at_most(
    limit: std::time::Duration,
    future: impl std::future::Future<Output = ()>,
) {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let deadline = std::time::Instant::now() + limit;
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    while future.as_mut().poll(&mut cx).is_pending() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return;
        }
        // Woken early by the future's waker (or spuriously): polled again.
        std::thread::park_timeout(left);
    }
}
