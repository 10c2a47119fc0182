//! A runtime for the work nobody waits for (the validation of what an agent wrote), apart from
//! the one that serves a person: its threads step back as background runs do, so the
//! process's own share of that work (copies, hashes, the similar check, the store) gives way
//! to the commands a person runs meanwhile, as its sandboxed runs already do.
//!
//! Each thread joins the process's background CPU group where there is one (v1: a background
//! run's weight and one CPU for all of it, the runs it starts nested inside), and lowers its
//! own CPU and I/O priority either way. What a person asks for never runs here.

use std::future::Future;
use std::io;
use std::sync::Arc;

use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinHandle;

use crate::runner::sandbox::{BackgroundThreads, step_back};

/// The name every thread of the runtime carries (seen in `top -H`, `/proc/PID/task`).
pub(crate) const THREAD_NAME: &str = "toolbench-bg";

pub(crate) struct BackgroundRuntime {
    /// `None` only while dropping.
    runtime: Option<Runtime>,
}

impl BackgroundRuntime {
    /// One worker thread, and blocking threads as its work asks for them.
    pub(crate) fn start() -> io::Result<Self> {
        // Without a group (v2, or a hierarchy not ours to write) the threads only step back.
        let group = BackgroundThreads::create().ok().map(Arc::new);
        if let Some(group) = &group {
            // A process stopping records its cancelled background runs within its wait.
            let group = Arc::downgrade(group);
            crate::runner::stop::on_stop(move || {
                if let Some(group) = group.upgrade() {
                    let _ = group.step_forward();
                }
            });
        }
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(THREAD_NAME)
            .enable_all()
            .on_thread_start(move || {
                if let Some(group) = &group {
                    let _ = group.join_calling_thread();
                }
                step_back();
            })
            .build()?;
        Ok(Self {
            runtime: Some(runtime),
        })
    }

    pub(crate) fn spawn<F>(&self, work: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.runtime
            .as_ref()
            .expect("the runtime lives until dropped")
            .spawn(work)
    }
}

impl Drop for BackgroundRuntime {
    /// Without waiting: the last owner may be a task of another runtime, where blocking is
    /// refused. Work still under way there is dropped, as at the end of the process's own
    /// runtime (the front ends stop and record their runs before they let go of it).
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
