//! The looker at agent calls and tool requests waiting for a human, from whichever
//! `toolbench mcp` process holds them: read from the store as soon as any process writes it
//! (told by the process's one watch, `store_writes`), and told only when they changed. The
//! same look tells when a run or a failure was recorded since the last one (`HistoryChanged`):
//! one reader woken by every write serves both, where a second looker would read the store
//! again on each. Calls
//! of servers that died are marked abandoned on the way: a process's death is the one thing
//! here nothing tells of, so it is looked for on a beat.
//!
//! It tells through a bounded queue and waits for room there: each snapshot is whole, and
//! the next look reads the newest. Never here: a front end.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::store_writes::Listening;
use super::{Job, reader_or_tell};
use crate::model::calls::PendingEvent;
use crate::store::SharedStore;

/// How often the servers of pending calls are checked for life.
const CHECK_SERVERS: Duration = Duration::from_secs(2);

/// The looker: it looks again at each write `written` tells of, reading through a read-only
/// connection of its own; it marks calls abandoned through `writer`, the process's one write
/// connection.
pub(crate) struct PendingCalls {
    pub(crate) root: PathBuf,
    pub(crate) writer: SharedStore,
    pub(crate) written: Listening,
}

impl Job for PendingCalls {
    type Event = PendingEvent;

    fn start(self, tx: mpsc::Sender<PendingEvent>) -> JoinHandle<()> {
        let PendingCalls {
            root,
            writer,
            mut written,
        } = self;
        tokio::task::spawn_blocking(move || {
            let Some(store) = reader_or_tell(&root, &tx, PendingEvent::Unreadable) else {
                return;
            };
            let mut last = None;
            let mut last_requests = None;
            let mut history = None;
            let mut checked = Instant::now() - CHECK_SERVERS;
            while !tx.is_closed() {
                if checked.elapsed() >= CHECK_SERVERS {
                    checked = Instant::now();
                    let _ = crate::approvals::abandon_dead(&mut writer.lock());
                }
                if let (Ok(calls), Ok(rules)) = (store.calls(false), store.rules(false)) {
                    let now = Some((calls, rules));
                    if now != last {
                        if let Some((calls, rules)) = now.clone()
                            && tx
                                .blocking_send(PendingEvent::Calls { calls, rules })
                                .is_err()
                        {
                            return;
                        }
                        last = now;
                    }
                }
                if let Ok(requests) = store.pending_requests()
                    && last_requests.as_ref() != Some(&requests)
                {
                    if tx
                        .blocking_send(PendingEvent::Requests(requests.clone()))
                        .is_err()
                    {
                        return;
                    }
                    last_requests = Some(requests);
                }
                // A run or a failure another process recorded (a CLI run, `mark-failure`, an
                // MCP call): nothing else tells the front end to read its history again.
                if let Ok((recorded, now)) = store.history_since(history) {
                    if recorded && tx.blocking_send(PendingEvent::HistoryChanged).is_err() {
                        return;
                    }
                    history = Some(now);
                }
                // Listening since before this look, so a write during it is told: a new call
                // shows within milliseconds of its write, by whichever process. The reader gone
                // ends the wait at once, and the loop with it.
                super::wait_at_most(CHECK_SERVERS, async {
                    tokio::select! {
                        () = written.written() => {}
                        () = tx.closed() => {}
                    }
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::store_writes::StoreWrites;
    use crate::model::calls::{CallRow, NewCall};
    use crate::proc_stat::ProcessId;
    use crate::store::Store;

    fn call(store: &mut Store, tool: &str, server: ProcessId) -> i64 {
        store
            .insert_call(&NewCall::fixture(tool, server))
            .expect("inserted")
    }

    /// The next waiting calls told, skipping the requests' events.
    async fn next_calls(rx: &mut mpsc::Receiver<PendingEvent>) -> Vec<CallRow> {
        loop {
            let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("told in time")
                .expect("the looker runs");
            match event {
                PendingEvent::Calls { calls, .. } => return calls,
                PendingEvent::Requests(_) | PendingEvent::HistoryChanged => {}
                PendingEvent::Unreadable(e) => panic!("unreadable: {e}"),
            }
        }
    }

    /// A call another connection writes is told as written (through the process's one watch
    /// of the store), and a call whose server is gone leaves the waiting list on the beat
    /// that looks for dead servers.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn calls_written_elsewhere_are_told_and_a_dead_servers_call_leaves() {
        let dir = tempfile::tempdir().expect("tempdir");
        let writer = SharedStore::new(Store::open(dir.path()).expect("store"));
        let writes = StoreWrites::start(dir.path());
        let (tx, mut rx) = mpsc::channel(4);
        let looker = PendingCalls {
            root: dir.path().to_path_buf(),
            writer,
            written: writes.listen(),
        };
        let _looker = looker.start(tx);
        assert!(next_calls(&mut rx).await.is_empty(), "nothing waits yet");

        let mut other = Store::open(dir.path()).expect("another connection");
        let me = ProcessId::of(std::process::id()).expect("own stat");
        let id = call(&mut other, "alive", me);
        let calls = next_calls(&mut rx).await;
        assert_eq!(calls.iter().map(|c| c.id).collect::<Vec<_>>(), vec![id]);

        // A server that no longer runs: same pid, another start.
        let gone = ProcessId {
            start_ticks: me.start_ticks + 1,
            ..me
        };
        let dead = call(&mut other, "orphan", gone);
        // Told as written, then gone once its server is looked for; until then, both wait.
        loop {
            let ids: Vec<i64> = next_calls(&mut rx).await.iter().map(|c| c.id).collect();
            if ids == vec![id] {
                break;
            }
            assert_eq!(ids, vec![id, dead]);
        }
        let state = other.call(dead).expect("read").expect("kept").state;
        assert_eq!(state, crate::model::calls::CallState::Abandoned);
    }
}
