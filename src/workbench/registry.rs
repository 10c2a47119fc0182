//! The jobs under way that may be cancelled, each by its id: a run the workbench UI started,
//! an MCP task. One registry per served workspace (`Serving::jobs`) in place of a map of
//! cancel handles in each front end; a job is in it from its registration until the guard
//! its work holds is dropped, however that work ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

/// Which job: each front end names its jobs as its people and clients know them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum JobId {
    /// A run the workbench UI started, by the key its rows and events carry.
    Run(u64),
    /// An MCP task, by the id its client holds.
    Task(String),
}

type CancelHook = Box<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct Open {
    jobs: Mutex<HashMap<JobId, CancelHook>>,
    /// Told when a job is registered.
    registered: Notify,
}

impl Open {
    fn jobs(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, CancelHook>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The registry; clones are the same registry.
#[derive(Default, Clone)]
pub(crate) struct Jobs {
    open: Arc<Open>,
}

/// A job's place in the registry: dropping it (the work ended) takes the job out.
#[must_use = "the job leaves the registry when this is dropped"]
pub(crate) struct Registered {
    open: Arc<Open>,
    id: JobId,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.open.jobs().remove(&self.id);
    }
}

impl Jobs {
    /// Registers job `id`, which `cancel` cancels, until the returned guard is dropped. An id
    /// registered again replaces the job before it.
    pub(crate) fn register(
        &self,
        id: JobId,
        cancel: impl Fn() + Send + Sync + 'static,
    ) -> Registered {
        self.open.jobs().insert(id.clone(), Box::new(cancel));
        self.open.registered.notify_waiters();
        Registered {
            open: Arc::clone(&self.open),
            id,
        }
    }

    /// Cancels job `id`; `false` when no such job is under way (it ended, or never was).
    pub(crate) fn cancel(&self, id: &JobId) -> bool {
        match self.open.jobs().get(id) {
            Some(cancel) => {
                cancel();
                true
            }
            None => false,
        }
    }

    /// How many jobs under way `which` picks.
    pub(crate) fn count(&self, which: impl Fn(&JobId) -> bool) -> usize {
        self.open.jobs().keys().filter(|id| which(id)).count()
    }

    /// Waits until a job `which` picks is under way.
    pub(crate) async fn some(&self, which: impl Fn(&JobId) -> bool) {
        loop {
            // Asked to be told before looking, so a registration between the two is heard.
            let registered = self.open.registered.notified();
            if self.count(&which) > 0 {
                return;
            }
            registered.await;
        }
    }
}

impl JobId {
    /// Whether this is an MCP task.
    pub(crate) fn is_task(&self) -> bool {
        matches!(self, JobId::Task(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn a_job_is_cancelled_by_its_id_until_its_work_lets_go() {
        let jobs = Jobs::default();
        let cancelled = Arc::new(AtomicUsize::new(0));
        let hook = {
            let cancelled = Arc::clone(&cancelled);
            move || {
                cancelled.fetch_add(1, Ordering::SeqCst);
            }
        };
        let registered = jobs.register(JobId::Run(7), hook);
        assert!(!jobs.cancel(&JobId::Run(8)), "another id cancels nothing");
        assert!(!jobs.cancel(&JobId::Task("7".into())), "nor another kind");
        assert!(jobs.cancel(&JobId::Run(7)));
        assert_eq!(cancelled.load(Ordering::SeqCst), 1);
        assert_eq!(jobs.count(|_| true), 1);
        drop(registered);
        assert_eq!(jobs.count(|_| true), 0);
        assert!(
            !jobs.cancel(&JobId::Run(7)),
            "an ended job is not cancelled"
        );
        assert_eq!(cancelled.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_wait_for_a_task_ends_when_one_registers_and_not_for_a_run() {
        let jobs = Arc::new(Jobs::default());
        let _run = jobs.register(JobId::Run(1), || {});
        let waiting = {
            let jobs = Arc::clone(&jobs);
            tokio::spawn(async move { jobs.some(JobId::is_task).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "a run is no task");
        let _task = jobs.register(JobId::Task("t1".into()), || {});
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("told of the task")
            .expect("the wait ended");
    }
}
