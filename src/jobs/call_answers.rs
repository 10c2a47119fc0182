//! The answers to this process's waiting calls (an MCP server's). A person answers in another
//! process (the workbench, `toolbench calls`, the review page), and SQLite tells no other
//! connection of a change: one look at the store for every call waiting here each time the
//! store was written by any process (`store_writes`), never while none waits, and each
//! waiting call is told when its own ended.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Notify, oneshot};

use super::store_writes::StoreWrites;
use crate::model::calls::CallRow;
use crate::store::SharedStore;

/// How a waiting call ended: its row as it ended (`None`: it left the store), or why the
/// store could not be read.
pub(crate) type Ended = Result<Option<CallRow>, String>;

#[derive(Default)]
struct Inner {
    waiting: Mutex<HashMap<i64, oneshot::Sender<Ended>>>,
    wake: Notify,
    closed: AtomicBool,
}

impl Inner {
    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<i64, oneshot::Sender<Ended>>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The calls waiting in this server; the looker stops when this is dropped.
pub(crate) struct Answers {
    inner: Arc<Inner>,
}

impl Drop for Answers {
    fn drop(&mut self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        self.inner.wake.notify_one();
    }
}

impl Answers {
    /// Starts the looker on `runtime`, reading through `store`, the process's one connection,
    /// each time `writes` tells the store was written.
    pub(crate) fn start(
        runtime: &tokio::runtime::Handle,
        store: SharedStore,
        writes: StoreWrites,
    ) -> Self {
        let inner = Arc::new(Inner::default());
        runtime.spawn(look(Arc::clone(&inner), store, writes));
        Self { inner }
    }

    /// Waits for call `id` to end from now on; dropping the result stops waiting.
    pub(crate) fn wait_for(&self, id: i64) -> Awaited {
        let (tx, rx) = oneshot::channel();
        self.inner.waiting().insert(id, tx);
        self.inner.wake.notify_one();
        Awaited {
            id,
            rx,
            inner: Arc::clone(&self.inner),
        }
    }
}

/// One call waited for.
pub(crate) struct Awaited {
    id: i64,
    rx: oneshot::Receiver<Ended>,
    inner: Arc<Inner>,
}

impl Awaited {
    /// The call as it ended.
    pub(crate) async fn ended(&mut self) -> Ended {
        (&mut self.rx)
            .await
            .unwrap_or_else(|_| Err("the server is stopping".into()))
    }
}

impl Drop for Awaited {
    fn drop(&mut self) {
        self.inner.waiting().remove(&self.id);
    }
}

/// Looks at the store while calls wait, each time it was written, and tells each call that
/// ended.
async fn look(inner: Arc<Inner>, store: SharedStore, writes: StoreWrites) {
    let mut listening = None;
    loop {
        // Listening before looking, so a call that starts waiting in between is seen.
        let woken = inner.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if inner.closed.load(Ordering::SeqCst) {
            return;
        }
        if inner.waiting().is_empty() {
            // Nothing waits: the store's writes are not listened to.
            listening = None;
            woken.await;
            continue;
        }
        // Listening before looking, so a write after this look is told.
        let written = listening.get_or_insert_with(|| writes.listen());
        let ids: Vec<i64> = inner.waiting().keys().copied().collect();
        let looking = store.clone();
        let looked = tokio::task::spawn_blocking(move || ended_among(&looking, &ids)).await;
        match looked {
            Ok(Ok(ended)) => {
                let mut waiting = inner.waiting();
                for (id, row) in ended {
                    if let Some(tx) = waiting.remove(&id) {
                        let _ = tx.send(Ok(row));
                    }
                }
            }
            Ok(Err(reason)) => {
                // Each waiting call would have failed on its own read: all hear why.
                let told: Vec<_> = inner.waiting().drain().collect();
                for (_, tx) in told {
                    let _ = tx.send(Err(reason.clone()));
                }
            }
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
        // A new waiting call is looked for at once; the others when the store was written.
        tokio::select! {
            () = written.written() => {}
            () = &mut woken => {}
        }
    }
}

/// Of the calls `ids`, those no longer pending, each with its row (`None`: gone from the
/// store): one query for them all, one more per call that ended.
fn ended_among(store: &SharedStore, ids: &[i64]) -> Result<Vec<(i64, Option<CallRow>)>, String> {
    let store = store.lock();
    let one_line = |e: crate::model::StoreError| crate::error_chain::one_line(&e);
    let pending = store.pending_call_ids().map_err(one_line)?;
    ids.iter()
        .filter(|id| !pending.contains(id))
        .map(|&id| Ok((id, store.call(id).map_err(one_line)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::calls::{Answer, CallState, NewCall};
    use crate::proc_stat::ProcessId;
    use crate::store::Store;

    fn call(store: &SharedStore, tool: &str) -> i64 {
        let server = ProcessId {
            pid: 1,
            start_ticks: 2,
        };
        store
            .lock()
            .insert_call(&NewCall::fixture(tool, server))
            .expect("inserted")
    }

    fn approve(store: &SharedStore, id: i64) {
        let answer = Answer {
            state: CallState::Approved,
            who: "ana".into(),
            at: "2026-11-26T10:00:01Z".into(),
            reason: None,
            arguments: None,
            rule: None,
        };
        assert!(store.lock().answer_call(id, &answer).expect("answered"));
    }

    /// Each waiting call hears its own end, through one looker; a call no longer waited for
    /// leaves the looker's list, and with none left it stops looking.
    #[tokio::test]
    async fn each_waiting_call_hears_its_own_answer_and_only_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SharedStore::new(Store::open(dir.path()).expect("store"));
        let writes = StoreWrites::start(dir.path());
        let answers = Answers::start(&tokio::runtime::Handle::current(), store.clone(), writes);
        let (first, second) = (call(&store, "a"), call(&store, "b"));
        let mut awaited_first = answers.wait_for(first);
        let mut awaited_second = answers.wait_for(second);
        approve(&store, first);
        let ended = tokio::time::timeout(Duration::from_secs(5), awaited_first.ended())
            .await
            .expect("told in time")
            .expect("read")
            .expect("in the store");
        assert_eq!((ended.id, ended.state), (first, CallState::Approved));
        let still = tokio::time::timeout(Duration::from_millis(200), awaited_second.ended()).await;
        assert!(still.is_err(), "the other still waits: {still:?}");
        drop(awaited_second);
        drop(awaited_first);
        assert!(
            answers.inner.waiting().is_empty(),
            "nothing left to look for"
        );
    }
}
